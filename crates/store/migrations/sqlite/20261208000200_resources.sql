-- Resources, their groups, and reservations of one or more of them (issue 19). SQLite
-- serializes every write transaction (BEGIN IMMEDIATE), under which a reservation counts the
-- ones that overlap it against the resource's capacity.
-- Keep in step with ../postgres/20261208000200_resources.sql.
CREATE TABLE resource_groups (
    organization_id BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB    NOT NULL,
    parent_id       BLOB,
    name            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, parent_id) REFERENCES resource_groups (organization_id, id)
) STRICT;
CREATE UNIQUE INDEX resource_groups_name ON resource_groups
    (organization_id, COALESCE(parent_id, X'00000000000000000000000000000000'), name);

CREATE TABLE resources (
    organization_id       BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                    BLOB    NOT NULL,
    group_id              BLOB,
    name                  TEXT    NOT NULL,
    kind                  TEXT    NOT NULL CHECK (kind IN ('equipment', 'space', 'person', 'workshop')),
    description           TEXT    NOT NULL,
    location              TEXT    NOT NULL,
    attributes            TEXT    NOT NULL,
    capacity              INTEGER NOT NULL CHECK (capacity >= 1),
    time_zone             TEXT    NOT NULL,
    weekly                TEXT    NOT NULL,
    overrides             TEXT    NOT NULL,
    buffer_before_minutes INTEGER NOT NULL CHECK (buffer_before_minutes >= 0),
    buffer_after_minutes  INTEGER NOT NULL CHECK (buffer_after_minutes >= 0),
    min_duration_minutes  INTEGER NOT NULL CHECK (min_duration_minutes >= 1),
    max_duration_minutes  INTEGER,
    min_notice_minutes    INTEGER NOT NULL CHECK (min_notice_minutes >= 0),
    max_notice_days       INTEGER,
    requires_approval     INTEGER NOT NULL,
    status                TEXT    NOT NULL CHECK (status IN ('available', 'unavailable', 'hidden')),
    status_reason         TEXT    NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, group_id) REFERENCES resource_groups (organization_id, id),
    CONSTRAINT resources_name_key UNIQUE (organization_id, name)
) STRICT;

CREATE TABLE reservations (
    organization_id BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB    NOT NULL,
    booked_by       BLOB    NOT NULL,
    title           TEXT    NOT NULL,
    start_at        INTEGER NOT NULL,
    end_at          INTEGER NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected', 'cancelled')),
    source          TEXT    NOT NULL CHECK (source IN ('web', 'api', 'request', 'calendar', 'import')),
    reason          TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, booked_by) REFERENCES users (organization_id, id) ON DELETE CASCADE,
    CHECK (start_at < end_at)
) STRICT;
CREATE INDEX reservations_time ON reservations (organization_id, start_at);
CREATE INDEX reservations_booked_by ON reservations (organization_id, booked_by, start_at);

CREATE TABLE reservation_resources (
    organization_id BLOB NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    reservation_id  BLOB NOT NULL,
    resource_id     BLOB NOT NULL,
    PRIMARY KEY (organization_id, reservation_id, resource_id),
    FOREIGN KEY (organization_id, reservation_id) REFERENCES reservations (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, resource_id) REFERENCES resources (organization_id, id)
) STRICT;
CREATE INDEX reservation_resources_resource ON reservation_resources (organization_id, resource_id);
