-- Contacts built from bookings, and idempotency keys for booking requests (SQLite).
-- Keep in step with ../postgres/20261123000004_contacts_idempotency.sql.

-- Everyone who booked a host: one row per host and e-mail, kept current by every booking.
CREATE TABLE contacts (
    organization_id BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB        NOT NULL,
    owner_user_id   BLOB        NOT NULL,
    email           TEXT        NOT NULL,
    name            TEXT        NOT NULL,
    time_zone       TEXT        NOT NULL,
    total_bookings  INTEGER     NOT NULL,
    last_booking_at INTEGER     NOT NULL,
    tags            TEXT        NOT NULL,
    created_at      INTEGER     NOT NULL,
    updated_at      INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, owner_user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT contacts_email_key UNIQUE (organization_id, owner_user_id, email)
) STRICT;

-- A retried booking request with the same key answers with the booking the first one made.
CREATE TABLE idempotency_keys (
    organization_id BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    scope           TEXT        NOT NULL,
    key             TEXT        NOT NULL,
    request_hash    BLOB        NOT NULL,
    booking_id      BLOB        NOT NULL,
    attendee_id     BLOB        NOT NULL,
    created_at      INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, scope, key)
) STRICT;
