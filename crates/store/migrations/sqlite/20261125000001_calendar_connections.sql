-- Calendar connections (issue 7, SQLite): CalDAV accounts and ICS feeds per user, their calendars,
-- the busy time synced from them, a log of every sync, where bookings were written back,
-- and the secret feed URLs of users' bookings. Keep in step with
-- ../postgres/20261125000001_calendar_connections.sql.

-- One account or feed. `secret` is nonce ‖ AES-256-GCM ciphertext of the password, made
-- with the key named by `secret_key_id` (so keys can rotate).
CREATE TABLE calendar_connections (
    organization_id     BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                  BLOB        NOT NULL,
    user_id             BLOB        NOT NULL,
    kind                TEXT        NOT NULL CHECK (kind IN ('caldav', 'ics')),
    name                TEXT        NOT NULL,
    url                 TEXT        NOT NULL,
    username            TEXT        NOT NULL DEFAULT '',
    secret              BLOB ,
    secret_key_id       TEXT,
    status              TEXT        NOT NULL CHECK (status IN ('active', 'error', 'disconnected')),
    last_error          TEXT,
    last_error_at       INTEGER    ,
    last_synced_at      INTEGER    ,
    created_at          INTEGER     NOT NULL,
    updated_at          INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX calendar_connections_user ON calendar_connections (organization_id, user_id);

-- A calendar of a connection (an ICS feed has exactly one). `sync_token` is the CalDAV
-- RFC 6578 token; `etag`/`last_modified` are a feed's validators.
CREATE TABLE calendars (
    organization_id     BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                  BLOB        NOT NULL,
    connection_id       BLOB        NOT NULL,
    user_id             BLOB        NOT NULL,
    url                 TEXT        NOT NULL,
    display_name        TEXT        NOT NULL,
    color               TEXT,
    blocks_availability INTEGER     NOT NULL,
    receives_bookings   INTEGER     NOT NULL,
    sync_token          TEXT,
    etag                TEXT,
    last_modified       TEXT,
    created_at          INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, connection_id) REFERENCES calendar_connections (organization_id, id) ON DELETE CASCADE,
    CONSTRAINT calendars_url_key UNIQUE (organization_id, connection_id, url)
) STRICT;
-- At most one calendar per user receives bookings.
CREATE UNIQUE INDEX calendars_one_receiver ON calendars (organization_id, user_id) WHERE receives_bookings;

-- Busy periods expanded from a calendar's resources. Replaced per resource on each sync.
CREATE TABLE calendar_busy (
    organization_id     BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    calendar_id         BLOB        NOT NULL,
    user_id             BLOB        NOT NULL,
    resource            TEXT        NOT NULL,
    start_at            INTEGER     NOT NULL,
    end_at              INTEGER     NOT NULL,
    FOREIGN KEY (organization_id, calendar_id) REFERENCES calendars (organization_id, id) ON DELETE CASCADE,
    CHECK (start_at < end_at)
) STRICT;
CREATE INDEX calendar_busy_user_time ON calendar_busy (organization_id, user_id, start_at);
CREATE INDEX calendar_busy_resource ON calendar_busy (organization_id, calendar_id, resource);

-- One row per sync attempt of a connection.
CREATE TABLE integration_logs (
    organization_id     BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                  BLOB        NOT NULL,
    connection_id       BLOB        NOT NULL,
    started_at          INTEGER     NOT NULL,
    finished_at         INTEGER     NOT NULL,
    outcome             TEXT        NOT NULL CHECK (outcome IN ('ok', 'error')),
    mode                TEXT        NOT NULL,
    changed             INTEGER     NOT NULL,
    deleted             INTEGER     NOT NULL,
    detail              TEXT        NOT NULL,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, connection_id) REFERENCES calendar_connections (organization_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX integration_logs_connection ON integration_logs (organization_id, connection_id, started_at);

-- Where a booking was written: the resource, its last ETag and SEQUENCE. Moves to the new
-- booking on reschedule, so the event keeps its UID.
CREATE TABLE calendar_writebacks (
    organization_id     BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    booking_id          BLOB        NOT NULL,
    calendar_id         BLOB        NOT NULL,
    uid                 TEXT        NOT NULL,
    resource            TEXT        NOT NULL,
    etag                TEXT,
    sequence            INTEGER     NOT NULL,
    updated_at          INTEGER     NOT NULL,
    PRIMARY KEY (organization_id, booking_id),
    FOREIGN KEY (organization_id, calendar_id) REFERENCES calendars (organization_id, id) ON DELETE CASCADE
) STRICT;

-- A user's secret ICS URL of their bookings; only the SHA-256 of its secret is kept.
CREATE TABLE calendar_feed_tokens (
    organization_id     BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                  BLOB        NOT NULL,
    user_id             BLOB        NOT NULL,
    secret_hash         BLOB        NOT NULL,
    created_at          INTEGER     NOT NULL,
    revoked_at          INTEGER    ,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
) STRICT;
-- SQLite has no row-level security; the repositories' WHERE organization_id is the line.
