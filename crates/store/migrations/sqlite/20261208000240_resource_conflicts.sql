-- The conflict log (issue 19, seed 003 conflict_logs): collisions between reservations and what
-- changed around them (a blackout, a capacity cut), with their handling.
-- Keep in step with ../postgres/20261208000240_resource_conflicts.sql.
CREATE TABLE resource_conflicts (
    organization_id BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('blackout', 'capacity_cut')),
    severity        TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
    status          TEXT NOT NULL CHECK (status IN ('open', 'investigating', 'resolved', 'ignored')),
    resource_id     BLOB,
    reservation_id  BLOB,
    detail          TEXT NOT NULL,
    resolution      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id)
) STRICT;
CREATE INDEX resource_conflicts_status ON resource_conflicts (organization_id, status, created_at);
