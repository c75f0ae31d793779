-- Blackouts over resources (issue 19): maintenance or holidays on one resource, or on every
-- resource of a group and the groups below it.
-- Keep in step with ../postgres/20261208000220_resource_blackouts.sql.
CREATE TABLE resource_blackouts (
    organization_id BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB    NOT NULL,
    title           TEXT    NOT NULL,
    start_at        INTEGER NOT NULL,
    end_at          INTEGER NOT NULL,
    resource_id     BLOB,
    group_id        BLOB,
    created_by      BLOB,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, resource_id) REFERENCES resources (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, group_id) REFERENCES resource_groups (organization_id, id) ON DELETE CASCADE,
    CHECK (start_at < end_at),
    CHECK ((resource_id IS NULL) <> (group_id IS NULL))
) STRICT;
CREATE INDEX resource_blackouts_time ON resource_blackouts (organization_id, start_at);
