-- Scheduling (SQLite): schedules, blocked times, event types, bookings and their
-- attendees. Keep in step with ../postgres/20261123000001_scheduling.sql.

-- Weekly hours in a zone. `weekly` maps mon..sun to [["09:00","17:00"], ...]; `overrides`
-- maps local dates to windows for that date ([] is a day off).
CREATE TABLE schedules (
    organization_id BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB        NOT NULL,
    user_id         BLOB        NOT NULL,
    name            TEXT        NOT NULL,
    time_zone       TEXT        NOT NULL,
    weekly          TEXT        NOT NULL,
    overrides       TEXT        NOT NULL,
    is_default      INTEGER     NOT NULL,
    created_at      INTEGER     NOT NULL,
    updated_at      INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT schedules_name_key UNIQUE (organization_id, user_id, name)
) STRICT;
-- One default schedule per user.
CREATE UNIQUE INDEX schedules_one_default ON schedules (organization_id, user_id) WHERE is_default;

-- One-off periods a user cannot be booked: entered by hand, or copied from a calendar.
CREATE TABLE blocked_times (
    organization_id BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB        NOT NULL,
    user_id         BLOB        NOT NULL,
    start_at        INTEGER     NOT NULL,
    end_at          INTEGER     NOT NULL,
    source          TEXT        NOT NULL CHECK (source IN ('manual', 'calendar')),
    external_id     TEXT,
    reason          TEXT        NOT NULL DEFAULT '',
    created_at      INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
    CHECK (start_at < end_at)
) STRICT;
CREATE INDEX blocked_times_user_time ON blocked_times (organization_id, user_id, start_at);

CREATE TABLE event_types (
    organization_id         BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                      BLOB        NOT NULL,
    owner_user_id           BLOB        NOT NULL,
    slug                    TEXT        NOT NULL,
    title                   TEXT        NOT NULL,
    description             TEXT        NOT NULL,
    duration_minutes        INTEGER     NOT NULL,
    duration_options        TEXT        NOT NULL,
    interval_minutes        INTEGER,
    buffer_before_minutes   INTEGER     NOT NULL,
    buffer_after_minutes    INTEGER     NOT NULL,
    minimum_notice_minutes  INTEGER     NOT NULL,
    booking_window          TEXT        NOT NULL,
    max_per_day             INTEGER,
    max_per_week            INTEGER,
    seats                   INTEGER     NOT NULL,
    requires_confirmation   INTEGER     NOT NULL,
    hidden                  INTEGER     NOT NULL,
    locations               TEXT        NOT NULL,
    questions               TEXT        NOT NULL,
    schedule_id             BLOB,
    created_at              INTEGER     NOT NULL,
    updated_at              INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, owner_user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT event_types_slug_key UNIQUE (organization_id, owner_user_id, slug)
) STRICT;

-- A booking holds its host's time from blocked_from (start minus its before-buffer) to
-- blocked_until (end plus its after-buffer). Two bookings of one host may not hold
-- overlapping time while they are pending or confirmed: the engine checks that before every
-- insert, inside a write transaction that SQLite runs one at a time (BEGIN IMMEDIATE).
CREATE TABLE bookings (
    organization_id         BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                      BLOB        NOT NULL,
    event_type_id           BLOB        NOT NULL,
    host_user_id            BLOB        NOT NULL,
    start_at                INTEGER     NOT NULL,
    end_at                  INTEGER     NOT NULL,
    buffer_before_minutes   INTEGER     NOT NULL,
    buffer_after_minutes    INTEGER     NOT NULL,
    blocked_from            INTEGER     NOT NULL,
    blocked_until           INTEGER     NOT NULL,
    status                  TEXT        NOT NULL CHECK (status IN
                                ('pending', 'confirmed', 'rejected', 'cancelled', 'rescheduled', 'no_show', 'completed')),
    seats_taken             INTEGER     NOT NULL,
    location                TEXT        NOT NULL,
    cancel_reason           TEXT,
    rescheduled_from        BLOB,
    rescheduled_to          BLOB,
    created_at              INTEGER     NOT NULL,
    updated_at              INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, event_type_id) REFERENCES event_types (organization_id, id),
    FOREIGN KEY (organization_id, host_user_id) REFERENCES users (organization_id, id),
    CHECK (start_at < end_at)
) STRICT;
-- The last line on SQLite, like the exclusion constraint on PostgreSQL: a pending or
-- confirmed booking may not overlap another of the same host.
CREATE TRIGGER bookings_no_overlap_insert BEFORE INSERT ON bookings
WHEN NEW.status IN ('pending', 'confirmed') AND EXISTS (
    SELECT 1 FROM bookings b
    WHERE b.organization_id = NEW.organization_id AND b.host_user_id = NEW.host_user_id
      AND b.status IN ('pending', 'confirmed')
      AND b.blocked_from < NEW.blocked_until AND NEW.blocked_from < b.blocked_until)
BEGIN
    SELECT RAISE(ABORT, 'bookings_no_overlap');
END;
CREATE TRIGGER bookings_no_overlap_update BEFORE UPDATE OF status, blocked_from, blocked_until ON bookings
WHEN NEW.status IN ('pending', 'confirmed') AND EXISTS (
    SELECT 1 FROM bookings b
    WHERE b.organization_id = NEW.organization_id AND b.host_user_id = NEW.host_user_id
      AND b.id <> NEW.id AND b.status IN ('pending', 'confirmed')
      AND b.blocked_from < NEW.blocked_until AND NEW.blocked_from < b.blocked_until)
BEGIN
    SELECT RAISE(ABORT, 'bookings_no_overlap');
END;
CREATE INDEX bookings_host_time ON bookings (organization_id, host_user_id, start_at);
CREATE INDEX bookings_event_type_time ON bookings (organization_id, event_type_id, start_at);

-- The people on a booking: one for a one-on-one meeting, up to the seats of a group event.
-- Each has their own manage token (only its hash is kept).
CREATE TABLE booking_attendees (
    organization_id     BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                  BLOB        NOT NULL,
    booking_id          BLOB        NOT NULL,
    name                TEXT        NOT NULL,
    email               TEXT        NOT NULL,
    time_zone           TEXT        NOT NULL,
    answers             TEXT        NOT NULL,
    notes               TEXT        NOT NULL,
    utm                 TEXT        NOT NULL,
    manage_token_hash   BLOB        NOT NULL,
    status              TEXT        NOT NULL CHECK (status IN ('active', 'cancelled')),
    cancel_reason       TEXT,
    created_at          INTEGER     NOT NULL,
    updated_at          INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, booking_id) REFERENCES bookings (organization_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX booking_attendees_booking ON booking_attendees (organization_id, booking_id);
CREATE INDEX booking_attendees_email ON booking_attendees (organization_id, email);
