-- Scheduling (PostgreSQL): schedules, blocked times, event types, bookings and their
-- attendees. Keep in step with ../sqlite/20261123000001_scheduling.sql.

-- The exclusion constraint on bookings compares host ids (uuid) with `=` inside a GiST index,
-- which needs btree_gist's operator classes. It is a trusted extension: a database owner may
-- create it. Installed in public so every schema (and every test schema) shares one copy.
CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

-- Weekly hours in a zone. `weekly` maps mon..sun to [["09:00","17:00"], ...]; `overrides`
-- maps local dates to windows for that date ([] is a day off).
CREATE TABLE schedules (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID        NOT NULL,
    user_id         UUID        NOT NULL,
    name            TEXT        NOT NULL,
    time_zone       TEXT        NOT NULL,
    weekly          JSONB       NOT NULL,
    overrides       JSONB       NOT NULL,
    is_default      BOOLEAN     NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT schedules_name_key UNIQUE (organization_id, user_id, name)
);
-- One default schedule per user.
CREATE UNIQUE INDEX schedules_one_default ON schedules (organization_id, user_id) WHERE is_default;

-- One-off periods a user cannot be booked: entered by hand, or copied from a calendar.
CREATE TABLE blocked_times (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID        NOT NULL,
    user_id         UUID        NOT NULL,
    start_at        TIMESTAMPTZ NOT NULL,
    end_at          TIMESTAMPTZ NOT NULL,
    source          TEXT        NOT NULL CHECK (source IN ('manual', 'calendar')),
    external_id     TEXT,
    reason          TEXT        NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
    CHECK (start_at < end_at)
);
CREATE INDEX blocked_times_user_time ON blocked_times (organization_id, user_id, start_at);

CREATE TABLE event_types (
    organization_id         UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                      UUID        NOT NULL,
    owner_user_id           UUID        NOT NULL,
    slug                    TEXT        NOT NULL,
    title                   TEXT        NOT NULL,
    description             TEXT        NOT NULL,
    duration_minutes        INTEGER     NOT NULL,
    duration_options        JSONB       NOT NULL,
    interval_minutes        INTEGER,
    buffer_before_minutes   INTEGER     NOT NULL,
    buffer_after_minutes    INTEGER     NOT NULL,
    minimum_notice_minutes  INTEGER     NOT NULL,
    booking_window          JSONB       NOT NULL,
    max_per_day             INTEGER,
    max_per_week            INTEGER,
    seats                   INTEGER     NOT NULL,
    requires_confirmation   BOOLEAN     NOT NULL,
    hidden                  BOOLEAN     NOT NULL,
    locations               JSONB       NOT NULL,
    questions               JSONB       NOT NULL,
    schedule_id             UUID,
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, owner_user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT event_types_slug_key UNIQUE (organization_id, owner_user_id, slug)
);

-- A booking holds its host's time from blocked_from (start minus its before-buffer) to
-- blocked_until (end plus its after-buffer). Two bookings of one host may not hold
-- overlapping time while they are pending or confirmed: the engine checks that before every
-- insert, and this constraint is the last line if two transactions ever race past it.
CREATE TABLE bookings (
    organization_id         UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                      UUID        NOT NULL,
    event_type_id           UUID        NOT NULL,
    host_user_id            UUID        NOT NULL,
    start_at                TIMESTAMPTZ NOT NULL,
    end_at                  TIMESTAMPTZ NOT NULL,
    buffer_before_minutes   INTEGER     NOT NULL,
    buffer_after_minutes    INTEGER     NOT NULL,
    blocked_from            TIMESTAMPTZ NOT NULL,
    blocked_until           TIMESTAMPTZ NOT NULL,
    status                  TEXT        NOT NULL CHECK (status IN
                                ('pending', 'confirmed', 'rejected', 'cancelled', 'rescheduled', 'no_show', 'completed')),
    seats_taken             INTEGER     NOT NULL,
    location                JSONB       NOT NULL,
    cancel_reason           TEXT,
    rescheduled_from        UUID,
    rescheduled_to          UUID,
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, event_type_id) REFERENCES event_types (organization_id, id),
    FOREIGN KEY (organization_id, host_user_id) REFERENCES users (organization_id, id),
    CHECK (start_at < end_at),
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
        organization_id WITH =,
        host_user_id WITH =,
        tstzrange(blocked_from, blocked_until) WITH &&
    ) WHERE (status IN ('pending', 'confirmed'))
);
CREATE INDEX bookings_host_time ON bookings (organization_id, host_user_id, start_at);
CREATE INDEX bookings_event_type_time ON bookings (organization_id, event_type_id, start_at);

-- The people on a booking: one for a one-on-one meeting, up to the seats of a group event.
-- Each has their own manage token (only its hash is kept).
CREATE TABLE booking_attendees (
    organization_id     UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                  UUID        NOT NULL,
    booking_id          UUID        NOT NULL,
    name                TEXT        NOT NULL,
    email               TEXT        NOT NULL,
    time_zone           TEXT        NOT NULL,
    answers             JSONB       NOT NULL,
    notes               TEXT        NOT NULL,
    utm                 JSONB       NOT NULL,
    manage_token_hash   BYTEA       NOT NULL,
    status              TEXT        NOT NULL CHECK (status IN ('active', 'cancelled')),
    cancel_reason       TEXT,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, booking_id) REFERENCES bookings (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX booking_attendees_booking ON booking_attendees (organization_id, booking_id);
CREATE INDEX booking_attendees_email ON booking_attendees (organization_id, email);
