-- Single-use booking links (PostgreSQL): each lets exactly one booking through.
-- Keep in step with ../sqlite/20261123000005_single_use_links.sql.
CREATE TABLE single_use_links (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID        NOT NULL,
    event_type_id   UUID        NOT NULL,
    secret_hash     BYTEA       NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    used_at         TIMESTAMPTZ,
    booking_id      UUID,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, event_type_id) REFERENCES event_types (organization_id, id) ON DELETE CASCADE
);
ALTER TABLE single_use_links ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON single_use_links USING (organization_id = rdv_current_organization());
