-- Routing forms (postgres): a form with typed fields and ordered rules that send whoever fills it
-- in to an event type, some of a team's hosts, an external page or a message; and every
-- submission with the route it took and the booking made after it.
-- Keep in step with the other backend's 20261124000002_routing_forms.sql.
CREATE TABLE routing_forms (
    organization_id UUID      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID      NOT NULL,
    name            TEXT        NOT NULL,
    fields          JSONB      NOT NULL,
    routes          JSONB      NOT NULL,
    fallback        JSONB      NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id)
);

-- `matched` is the index of the route taken, NULL for the fallback; `route` is what it said
-- then (the form may change later).
CREATE TABLE routing_submissions (
    organization_id UUID      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID      NOT NULL,
    form_id         UUID      NOT NULL,
    answers         JSONB      NOT NULL,
    matched         INTEGER,
    route           JSONB      NOT NULL,
    booking_id      UUID,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, form_id) REFERENCES routing_forms (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, booking_id) REFERENCES bookings (organization_id, id)
);
CREATE INDEX routing_submissions_form ON routing_submissions (organization_id, form_id, created_at);

ALTER TABLE routing_forms ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON routing_forms USING (organization_id = rdv_current_organization());
ALTER TABLE routing_submissions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON routing_submissions USING (organization_id = rdv_current_organization());
