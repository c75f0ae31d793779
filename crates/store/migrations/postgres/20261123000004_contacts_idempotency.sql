-- Contacts built from bookings, and idempotency keys for booking requests (PostgreSQL).
-- Keep in step with ../sqlite/20261123000004_contacts_idempotency.sql.

-- Everyone who booked a host: one row per host and e-mail, kept current by every booking.
CREATE TABLE contacts (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID        NOT NULL,
    owner_user_id   UUID        NOT NULL,
    email           TEXT        NOT NULL,
    name            TEXT        NOT NULL,
    time_zone       TEXT        NOT NULL,
    total_bookings  INTEGER     NOT NULL,
    last_booking_at TIMESTAMPTZ NOT NULL,
    tags            JSONB       NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, owner_user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT contacts_email_key UNIQUE (organization_id, owner_user_id, email)
);

-- A retried booking request with the same key answers with the booking the first one made.
CREATE TABLE idempotency_keys (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    scope           TEXT        NOT NULL,
    key             TEXT        NOT NULL,
    request_hash    BYTEA       NOT NULL,
    booking_id      UUID        NOT NULL,
    attendee_id     UUID        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, scope, key)
);

ALTER TABLE contacts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON contacts USING (organization_id = rdv_current_organization());
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys USING (organization_id = rdv_current_organization());
