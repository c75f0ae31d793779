-- no-transaction
-- Google and Microsoft 365 connections over OAuth 2.0 (issue 7, SQLite). Keep in step with
-- ../postgres/20261127000002_oauth_connections.sql.
--
-- SQLite cannot change a CHECK in place, so `calendar_connections` is rebuilt (the
-- documented twelve-step procedure: foreign keys off outside a transaction, so dropping the
-- old table does not cascade into its calendars and logs). Hence `no-transaction` above, and
-- the explicit BEGIN/COMMIT below.
PRAGMA foreign_keys = OFF;

BEGIN;

-- The same columns in the same order as before; `kind` also allows `google` and
-- `microsoft`. For those, `secret` seals their tokens (access, refresh, expiry) as JSON
-- under the keyring, like a CalDAV password.
CREATE TABLE calendar_connections_rebuilt (
    organization_id     BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                  BLOB        NOT NULL,
    user_id             BLOB        NOT NULL,
    kind                TEXT        NOT NULL CHECK (kind IN ('caldav', 'ics', 'google', 'microsoft')),
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
INSERT INTO calendar_connections_rebuilt SELECT * FROM calendar_connections;
DROP TABLE calendar_connections;
ALTER TABLE calendar_connections_rebuilt RENAME TO calendar_connections;
CREATE INDEX calendar_connections_user ON calendar_connections (organization_id, user_id);

-- A started OAuth authorization: the SHA-256 of the random `state` sent to the provider,
-- bound to the user who started it, single use (`used_at`), short-lived (`expires_at`).
-- The PKCE verifier is kept in clear: it is worthless without the provider's one-time code,
-- and the row is dead ten minutes later.
CREATE TABLE oauth_states (
    organization_id     BLOB        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    state_hash          BLOB        NOT NULL,
    user_id             BLOB        NOT NULL,
    provider            TEXT        NOT NULL CHECK (provider IN ('google', 'microsoft')),
    verifier            TEXT        NOT NULL,
    created_at          INTEGER     NOT NULL,
    expires_at          INTEGER     NOT NULL,
    used_at             INTEGER    ,
    PRIMARY KEY (organization_id, state_hash),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

COMMIT;

PRAGMA foreign_keys = ON;
-- SQLite has no row-level security; the repositories' WHERE organization_id is the line.
