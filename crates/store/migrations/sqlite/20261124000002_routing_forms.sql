-- Routing forms (sqlite): a form with typed fields and ordered rules that send whoever fills it
-- in to an event type, some of a team's hosts, an external page or a message; and every
-- submission with the route it took and the booking made after it.
-- Keep in step with the other backend's 20261124000002_routing_forms.sql.
CREATE TABLE routing_forms (
    organization_id BLOB      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB      NOT NULL,
    name            TEXT        NOT NULL,
    fields          TEXT      NOT NULL,
    routes          TEXT      NOT NULL,
    fallback        TEXT      NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id)
) STRICT;

-- `matched` is the index of the route taken, NULL for the fallback; `route` is what it said
-- then (the form may change later).
CREATE TABLE routing_submissions (
    organization_id BLOB      NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB      NOT NULL,
    form_id         BLOB      NOT NULL,
    answers         TEXT      NOT NULL,
    matched         INTEGER,
    route           TEXT      NOT NULL,
    booking_id      BLOB,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, form_id) REFERENCES routing_forms (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, booking_id) REFERENCES bookings (organization_id, id)
) STRICT;
CREATE INDEX routing_submissions_form ON routing_submissions (organization_id, form_id, created_at);
