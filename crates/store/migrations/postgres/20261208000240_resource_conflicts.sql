-- The conflict log (issue 19, seed 003 conflict_logs): collisions between reservations and what
-- changed around them (a blackout, a capacity cut), with their handling.
-- Keep in step with ../sqlite/20261208000240_resource_conflicts.sql.
CREATE TABLE resource_conflicts (
    organization_id UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('blackout', 'capacity_cut')),
    severity        TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    status          TEXT NOT NULL CHECK (status IN ('open', 'investigating', 'resolved', 'ignored')),
    resource_id     UUID,
    reservation_id  UUID,
    detail          TEXT NOT NULL,
    resolution      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX resource_conflicts_status ON resource_conflicts (organization_id, status, created_at);

ALTER TABLE resource_conflicts ENABLE ROW LEVEL SECURITY;
ALTER TABLE resource_conflicts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON resource_conflicts USING (organization_id = rdv_current_organization() OR rdv_cross_tenant());
