-- E-mail for booking events: each booking's calendar identity (one UID for its whole life,
-- a SEQUENCE raised on every change) and a log of every message sent.

CREATE TABLE calendar_sequences (
    organization_id BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    uid             TEXT    NOT NULL,
    sequence        INTEGER NOT NULL,
    PRIMARY KEY (organization_id, uid)
) STRICT;

CREATE TABLE notification_log (
    organization_id   BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                BLOB    NOT NULL,
    channel           TEXT    NOT NULL,
    event             TEXT    NOT NULL,
    recipient         TEXT    NOT NULL,
    booking_id        BLOB,
    status            TEXT    NOT NULL CHECK (status IN ('sent', 'failed')),
    provider_response TEXT    NOT NULL,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id)
) STRICT;
CREATE INDEX notification_log_booking_idx ON notification_log (organization_id, booking_id);
