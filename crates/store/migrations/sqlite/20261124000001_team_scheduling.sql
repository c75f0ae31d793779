-- Team scheduling (SQLite): team-owned collective and round-robin event types, their hosts,
-- and every host of a booking. Keep in step with ../postgres/20261124000001_team_scheduling.sql.

CREATE TABLE event_type_teams (
    organization_id     BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    event_type_id       BLOB        NOT NULL,
    team_id             BLOB        NOT NULL,
    kind                TEXT        NOT NULL CHECK (kind IN ('collective', 'round_robin')),
    strategy            TEXT        NOT NULL CHECK (strategy IN
                            ('least_recent', 'rotate', 'priority', 'weighted', 'equal_distribution')),
    hosts_per_booking   INTEGER     NOT NULL CHECK (hosts_per_booking >= 1),
    max_lead            INTEGER     NOT NULL CHECK (max_lead >= 1),
    created_at          INTEGER     NOT NULL,
    updated_at          INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, event_type_id),
    FOREIGN KEY (organization_id, event_type_id) REFERENCES event_types (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, team_id) REFERENCES teams (organization_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE event_type_hosts (
    organization_id     BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    event_type_id       BLOB        NOT NULL,
    user_id             BLOB        NOT NULL,
    position            INTEGER     NOT NULL,
    fixed               INTEGER     NOT NULL,
    weight              INTEGER     NOT NULL CHECK (weight >= 1),
    priority            INTEGER     NOT NULL,
    max_per_day         INTEGER,
    max_per_week        INTEGER,
    starting_count      REAL        NOT NULL,
    created_at          INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, event_type_id, user_id),
    FOREIGN KEY (organization_id, event_type_id) REFERENCES event_type_teams (organization_id, event_type_id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE booking_hosts (
    organization_id BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    booking_id      BLOB        NOT NULL,
    user_id         BLOB        NOT NULL,
    fixed           INTEGER     NOT NULL,
    reason          TEXT        NOT NULL,
    status          TEXT        NOT NULL,
    blocked_from    INTEGER     NOT NULL,
    blocked_until   INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, booking_id, user_id),
    FOREIGN KEY (organization_id, booking_id) REFERENCES bookings (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id)
) STRICT;
CREATE INDEX booking_hosts_user_time ON booking_hosts (organization_id, user_id, blocked_from);

-- The last line on SQLite, like the exclusion constraint on PostgreSQL.
CREATE TRIGGER booking_hosts_no_overlap_insert BEFORE INSERT ON booking_hosts
WHEN NEW.status IN ('pending', 'confirmed') AND EXISTS (
    SELECT 1 FROM booking_hosts h
    WHERE h.organization_id = NEW.organization_id AND h.user_id = NEW.user_id
      AND h.status IN ('pending', 'confirmed')
      AND h.blocked_from < NEW.blocked_until AND NEW.blocked_from < h.blocked_until)
BEGIN
    SELECT RAISE(ABORT, 'booking_hosts_no_overlap');
END;
CREATE TRIGGER booking_hosts_no_overlap_update BEFORE UPDATE OF status, blocked_from, blocked_until ON booking_hosts
WHEN NEW.status IN ('pending', 'confirmed') AND EXISTS (
    SELECT 1 FROM booking_hosts h
    WHERE h.organization_id = NEW.organization_id AND h.user_id = NEW.user_id
      AND h.booking_id <> NEW.booking_id AND h.status IN ('pending', 'confirmed')
      AND h.blocked_from < NEW.blocked_until AND NEW.blocked_from < h.blocked_until)
BEGIN
    SELECT RAISE(ABORT, 'booking_hosts_no_overlap');
END;

-- Existing bookings have one host.
INSERT INTO booking_hosts (organization_id, booking_id, user_id, fixed, reason, status, blocked_from, blocked_until)
SELECT organization_id, id, host_user_id, 1, 'owner', status, blocked_from, blocked_until FROM bookings;

-- The hosts' holds follow the booking's status.
CREATE TRIGGER bookings_status_to_hosts AFTER UPDATE OF status ON bookings
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE booking_hosts SET status = NEW.status
    WHERE organization_id = NEW.organization_id AND booking_id = NEW.id;
END;
