-- Single-use booking links (SQLite): each lets exactly one booking through.
-- Keep in step with ../postgres/20261123000005_single_use_links.sql.
CREATE TABLE single_use_links (
    organization_id BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB        NOT NULL,
    event_type_id   BLOB        NOT NULL,
    secret_hash     BLOB        NOT NULL,
    created_at      INTEGER     NOT NULL,
    used_at         INTEGER,
    booking_id      BLOB,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, event_type_id) REFERENCES event_types (organization_id, id) ON DELETE CASCADE
) STRICT;
