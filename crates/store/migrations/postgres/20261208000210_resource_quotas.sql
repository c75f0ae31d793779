-- Quotas on reservations (issue 19, ../shared/QUOTAS.md): how much each person may reserve per
-- day, week, month or year, evaluated inside the reservation's unit of work.
-- Keep in step with ../sqlite/20261208000210_resource_quotas.sql.
CREATE TABLE resource_quotas (
    organization_id UUID             NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID             NOT NULL,
    name            TEXT             NOT NULL,
    limit_value     DOUBLE PRECISION NOT NULL CHECK (limit_value >= 0),
    unit            TEXT             NOT NULL CHECK (unit IN ('hours', 'reservations')),
    period          TEXT             NOT NULL CHECK (period IN ('day', 'week', 'month', 'year')),
    scope           TEXT             NOT NULL CHECK (scope IN ('global', 'resource', 'group', 'schedule')),
    resource_id     UUID,
    team_id         UUID,
    group_id        UUID,
    enforced_days   JSONB            NOT NULL,
    enforced_hours  JSONB,
    count_completed BOOLEAN          NOT NULL,
    first_weekday   TEXT             NOT NULL,
    time_zone       TEXT             NOT NULL,
    created_at      TIMESTAMPTZ      NOT NULL,
    updated_at      TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, resource_id) REFERENCES resources (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, team_id) REFERENCES teams (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, group_id) REFERENCES resource_groups (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT resource_quotas_name_key UNIQUE (organization_id, name)
);

ALTER TABLE resource_quotas ENABLE ROW LEVEL SECURITY;
ALTER TABLE resource_quotas FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON resource_quotas USING (organization_id = rdv_current_organization() OR rdv_cross_tenant());
