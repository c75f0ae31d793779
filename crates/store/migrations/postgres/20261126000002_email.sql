-- E-mail for booking events: each booking's calendar identity (one UID for its whole life,
-- a SEQUENCE raised on every change) and a log of every message sent.

CREATE TABLE calendar_sequences (
    organization_id UUID    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    uid             TEXT    NOT NULL,
    sequence        INTEGER NOT NULL,
    PRIMARY KEY (organization_id, uid)
);

CREATE TABLE notification_log (
    organization_id   UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                UUID        NOT NULL,
    channel           TEXT        NOT NULL,
    event             TEXT        NOT NULL,
    recipient         TEXT        NOT NULL,
    booking_id        UUID,
    status            TEXT        NOT NULL CHECK (status IN ('sent', 'failed')),
    provider_response TEXT        NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX notification_log_booking_idx ON notification_log (organization_id, booking_id);

ALTER TABLE calendar_sequences ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON calendar_sequences USING (organization_id = rdv_current_organization());
ALTER TABLE notification_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notification_log USING (organization_id = rdv_current_organization());
