-- Team scheduling (PostgreSQL): team-owned collective and round-robin event types, their hosts,
-- and every host of a booking. Keep in step with ../sqlite/20261124000001_team_scheduling.sql.

-- An event type with a row here belongs to a team: its hosts (below) are booked instead of
-- its owner. `kind` says whether every host is on each booking (collective) or some are
-- chosen (round_robin, by `strategy`).
CREATE TABLE event_type_teams (
    organization_id     UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    event_type_id       UUID        NOT NULL,
    team_id             UUID        NOT NULL,
    kind                TEXT        NOT NULL CHECK (kind IN ('collective', 'round_robin')),
    strategy            TEXT        NOT NULL CHECK (strategy IN
                            ('least_recent', 'rotate', 'priority', 'weighted', 'equal_distribution')),
    hosts_per_booking   INTEGER     NOT NULL CHECK (hosts_per_booking >= 1),
    max_lead            INTEGER     NOT NULL CHECK (max_lead >= 1),
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, event_type_id),
    FOREIGN KEY (organization_id, event_type_id) REFERENCES event_types (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, team_id) REFERENCES teams (organization_id, id) ON DELETE CASCADE
);

-- The hosts of a team event type. `position` is the rotation order; `fixed` hosts are on
-- every booking; `starting_count` is the number of bookings a host is deemed to have had when
-- added (the weighted strategy's "start at the current average").
CREATE TABLE event_type_hosts (
    organization_id     UUID             NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    event_type_id       UUID             NOT NULL,
    user_id             UUID             NOT NULL,
    position            INTEGER          NOT NULL,
    fixed               BOOLEAN          NOT NULL,
    weight              INTEGER          NOT NULL CHECK (weight >= 1),
    priority            INTEGER          NOT NULL,
    max_per_day         INTEGER,
    max_per_week        INTEGER,
    starting_count      DOUBLE PRECISION NOT NULL,
    created_at          TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (organization_id, event_type_id, user_id),
    FOREIGN KEY (organization_id, event_type_id) REFERENCES event_type_teams (organization_id, event_type_id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);

-- Every host of a booking with the time the booking holds for them. `status` follows the
-- booking's (trigger below), so the exclusion constraint sees only live holds: two pending or
-- confirmed bookings may not hold overlapping time of one host, whichever host is the
-- booking's first (`bookings.host_user_id`).
CREATE TABLE booking_hosts (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    booking_id      UUID        NOT NULL,
    user_id         UUID        NOT NULL,
    fixed           BOOLEAN     NOT NULL,
    reason          TEXT        NOT NULL,
    status          TEXT        NOT NULL,
    blocked_from    TIMESTAMPTZ NOT NULL,
    blocked_until   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, booking_id, user_id),
    FOREIGN KEY (organization_id, booking_id) REFERENCES bookings (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id),
    CONSTRAINT booking_hosts_no_overlap EXCLUDE USING gist (
        organization_id WITH =,
        user_id WITH =,
        tstzrange(blocked_from, blocked_until) WITH &&
    ) WHERE (status IN ('pending', 'confirmed'))
);
CREATE INDEX booking_hosts_user_time ON booking_hosts (organization_id, user_id, blocked_from);

-- Existing bookings have one host.
INSERT INTO booking_hosts (organization_id, booking_id, user_id, fixed, reason, status, blocked_from, blocked_until)
SELECT organization_id, id, host_user_id, TRUE, 'owner', status, blocked_from, blocked_until FROM bookings;

CREATE FUNCTION booking_hosts_follow_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE booking_hosts SET status = NEW.status
    WHERE organization_id = NEW.organization_id AND booking_id = NEW.id;
    RETURN NEW;
END
$$;
CREATE TRIGGER bookings_status_to_hosts AFTER UPDATE OF status ON bookings
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION booking_hosts_follow_status();

ALTER TABLE event_type_teams ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON event_type_teams USING (organization_id = rdv_current_organization());
ALTER TABLE event_type_hosts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON event_type_hosts USING (organization_id = rdv_current_organization());
ALTER TABLE booking_hosts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON booking_hosts USING (organization_id = rdv_current_organization());
