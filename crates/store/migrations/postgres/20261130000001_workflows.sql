-- Workflows: what an organization wants done when something happens to a booking (or some
-- minutes before it starts / after it ends), and a record of every run with each action's
-- outcome. Actions and conditions are small ordered lists read and written with their
-- workflow, so they are JSON on the row.

CREATE TABLE workflows (
    organization_id UUID    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID    NOT NULL,
    name            TEXT    NOT NULL,
    active          BOOLEAN NOT NULL,
    -- `booking.created`, ..., `before_start`, `after_end`.
    trigger         TEXT    NOT NULL,
    offset_minutes  INTEGER NOT NULL,
    conditions      JSONB   NOT NULL,
    actions         JSONB   NOT NULL,
    -- Sealed `whsec_...`: signs the workflow's webhook calls.
    secret          TEXT    NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id)
);

-- One run of a workflow for one booking: one per job, so a retried job continues its run
-- (actions that succeeded are not done again).
CREATE TABLE workflow_runs (
    organization_id UUID    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID    NOT NULL,
    workflow_id     UUID    NOT NULL,
    job_id          UUID    NOT NULL,
    booking_id      UUID    NOT NULL,
    event           TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
    -- Each action's outcome by position: {status, detail}.
    outcomes        JSONB   NOT NULL,
    attempts        INTEGER NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    UNIQUE (organization_id, job_id),
    FOREIGN KEY (organization_id, workflow_id) REFERENCES workflows (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX workflow_runs_workflow_idx ON workflow_runs (organization_id, workflow_id, created_at);

ALTER TABLE workflows ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workflows USING (organization_id = rdv_current_organization());
ALTER TABLE workflow_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON workflow_runs USING (organization_id = rdv_current_organization());
