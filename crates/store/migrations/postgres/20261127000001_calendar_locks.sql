-- Calendar work on the job queue (issue 7): a short lease per piece of calendar work, so
-- two workers (or a worker and the API's sync-now) never sync one connection, or write
-- back one host's bookings, at the same time. Keep in step with
-- ../sqlite/20261127000001_calendar_locks.sql.

-- `name` says what is held (`sync:<connection id>`, `writeback:<user id>`); a holder that
-- dies leaves the row until `locked_until`, after which anyone may take it.
CREATE TABLE calendar_locks (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT        NOT NULL,
    holder          TEXT        NOT NULL,
    locked_until    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, name)
);

ALTER TABLE calendar_locks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON calendar_locks USING (organization_id = rdv_current_organization());

-- Busy time skips the events we wrote ourselves (their bookings already block), found by
-- resource URL.
CREATE INDEX calendar_writebacks_resource ON calendar_writebacks (organization_id, resource);

-- When a calendar was last read in full: the periodic sync re-reads everything once a day
-- (instead of only changes), so recurring events roll forward into the 365-day horizon.
ALTER TABLE calendars ADD COLUMN full_synced_at TIMESTAMPTZ;
