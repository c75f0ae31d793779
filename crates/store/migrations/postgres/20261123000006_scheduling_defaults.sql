-- A user's defaults for new event types (PostgreSQL): buffers, notice and start interval.
-- Keep in step with ../sqlite/20261123000006_scheduling_defaults.sql.
CREATE TABLE scheduling_defaults (
    organization_id        UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id                UUID        NOT NULL,
    buffer_before_minutes  INTEGER     NOT NULL,
    buffer_after_minutes   INTEGER     NOT NULL,
    minimum_notice_minutes INTEGER     NOT NULL,
    interval_minutes       INTEGER,
    updated_at             TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, user_id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);
ALTER TABLE scheduling_defaults ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scheduling_defaults USING (organization_id = rdv_current_organization());
