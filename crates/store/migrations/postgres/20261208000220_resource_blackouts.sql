-- Blackouts over resources (issue 19): maintenance or holidays on one resource, or on every
-- resource of a group and the groups below it.
-- Keep in step with ../sqlite/20261208000220_resource_blackouts.sql.
CREATE TABLE resource_blackouts (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID        NOT NULL,
    title           TEXT        NOT NULL,
    start_at        TIMESTAMPTZ NOT NULL,
    end_at          TIMESTAMPTZ NOT NULL,
    resource_id     UUID,
    group_id        UUID,
    created_by      UUID,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, resource_id) REFERENCES resources (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, group_id) REFERENCES resource_groups (organization_id, id) ON DELETE CASCADE,
    CHECK (start_at < end_at),
    CHECK ((resource_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX resource_blackouts_time ON resource_blackouts (organization_id, start_at);

ALTER TABLE resource_blackouts ENABLE ROW LEVEL SECURITY;
ALTER TABLE resource_blackouts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON resource_blackouts USING (organization_id = rdv_current_organization() OR rdv_cross_tenant());
