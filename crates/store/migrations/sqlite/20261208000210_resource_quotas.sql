-- Quotas on reservations (issue 19, ../shared/QUOTAS.md): how much each person may reserve per
-- day, week, month or year, evaluated inside the reservation's unit of work.
-- Keep in step with ../postgres/20261208000210_resource_quotas.sql.
CREATE TABLE resource_quotas (
    organization_id BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB    NOT NULL,
    name            TEXT    NOT NULL,
    limit_value     REAL    NOT NULL CHECK (limit_value >= 0),
    unit            TEXT    NOT NULL CHECK (unit IN ('hours', 'reservations')),
    period          TEXT    NOT NULL CHECK (period IN ('day', 'week', 'month', 'year')),
    scope           TEXT    NOT NULL CHECK (scope IN ('global', 'resource', 'group', 'schedule')),
    resource_id     BLOB,
    team_id         BLOB,
    group_id        BLOB,
    enforced_days   TEXT    NOT NULL,
    enforced_hours  TEXT,
    count_completed INTEGER NOT NULL,
    first_weekday   TEXT    NOT NULL,
    time_zone       TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, resource_id) REFERENCES resources (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, team_id) REFERENCES teams (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, group_id) REFERENCES resource_groups (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT resource_quotas_name_key UNIQUE (organization_id, name)
) STRICT;
