-- Resources (rooms, equipment, spaces, workshops), their groups, and reservations that hold one
-- or more of them for one period, all or none (issue 19). A reservation of a resource of
-- capacity N is refused while N others overlap it: the count is taken under an advisory lock
-- per resource, as bookings lock their hosts.
-- Keep in step with ../sqlite/20261208000200_resources.sql.
CREATE TABLE resource_groups (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID        NOT NULL,
    parent_id       UUID,
    name            TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, parent_id) REFERENCES resource_groups (organization_id, id)
);
CREATE UNIQUE INDEX resource_groups_name ON resource_groups
    (organization_id, COALESCE(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), name);

CREATE TABLE resources (
    organization_id       UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                    UUID        NOT NULL,
    group_id              UUID,
    name                  TEXT        NOT NULL,
    kind                  TEXT        NOT NULL CHECK (kind IN ('equipment', 'space', 'person', 'workshop')),
    description           TEXT        NOT NULL,
    location              TEXT        NOT NULL,
    attributes            JSONB       NOT NULL,
    capacity              INTEGER     NOT NULL CHECK (capacity >= 1),
    time_zone             TEXT        NOT NULL,
    weekly                JSONB       NOT NULL,
    overrides             JSONB       NOT NULL,
    buffer_before_minutes INTEGER     NOT NULL CHECK (buffer_before_minutes >= 0),
    buffer_after_minutes  INTEGER     NOT NULL CHECK (buffer_after_minutes >= 0),
    min_duration_minutes  INTEGER     NOT NULL CHECK (min_duration_minutes >= 1),
    max_duration_minutes  INTEGER,
    min_notice_minutes    INTEGER     NOT NULL CHECK (min_notice_minutes >= 0),
    max_notice_days       INTEGER,
    requires_approval     BOOLEAN     NOT NULL,
    status                TEXT        NOT NULL CHECK (status IN ('available', 'unavailable', 'hidden')),
    status_reason         TEXT        NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, group_id) REFERENCES resource_groups (organization_id, id),
    CONSTRAINT resources_name_key UNIQUE (organization_id, name)
);

CREATE TABLE reservations (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID        NOT NULL,
    booked_by       UUID        NOT NULL,
    title           TEXT        NOT NULL,
    start_at        TIMESTAMPTZ NOT NULL,
    end_at          TIMESTAMPTZ NOT NULL,
    status          TEXT        NOT NULL CHECK (status IN ('pending', 'confirmed', 'rejected', 'cancelled')),
    source          TEXT        NOT NULL CHECK (source IN ('web', 'api', 'request', 'calendar', 'import')),
    reason          TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, booked_by) REFERENCES users (organization_id, id) ON DELETE CASCADE,
    CHECK (start_at < end_at)
);
CREATE INDEX reservations_time ON reservations (organization_id, start_at);
CREATE INDEX reservations_booked_by ON reservations (organization_id, booked_by, start_at);

CREATE TABLE reservation_resources (
    organization_id UUID NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    reservation_id  UUID NOT NULL,
    resource_id     UUID NOT NULL,
    PRIMARY KEY (organization_id, reservation_id, resource_id),
    FOREIGN KEY (organization_id, reservation_id) REFERENCES reservations (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, resource_id) REFERENCES resources (organization_id, id)
);
CREATE INDEX reservation_resources_resource ON reservation_resources (organization_id, resource_id);

ALTER TABLE resource_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE resource_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON resource_groups USING (organization_id = rdv_current_organization() OR rdv_cross_tenant());
ALTER TABLE resources ENABLE ROW LEVEL SECURITY;
ALTER TABLE resources FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON resources USING (organization_id = rdv_current_organization() OR rdv_cross_tenant());
ALTER TABLE reservations ENABLE ROW LEVEL SECURITY;
ALTER TABLE reservations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reservations USING (organization_id = rdv_current_organization() OR rdv_cross_tenant());
ALTER TABLE reservation_resources ENABLE ROW LEVEL SECURITY;
ALTER TABLE reservation_resources FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON reservation_resources USING (organization_id = rdv_current_organization() OR rdv_cross_tenant());
