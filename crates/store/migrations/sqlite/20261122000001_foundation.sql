-- Foundation schema (SQLite). Instants are INTEGER milliseconds since the Unix epoch, ids are
-- 16-byte BLOBs, documents are TEXT holding JSON. STRICT makes SQLite reject a value of the
-- wrong storage class, so a bridging bug fails loudly instead of storing text in a number.
-- Keep in step with ../postgres/20261122000001_foundation.sql.

-- The tenant root. Its id is the organization_id every other table carries; on Citus this
-- table would be a reference table, so its own unique key on slug is global.
CREATE TABLE organizations (
    id          BLOB    NOT NULL PRIMARY KEY,
    slug        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    settings    TEXT    NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    CONSTRAINT organizations_slug_key UNIQUE (slug)
) STRICT;

CREATE TABLE users (
    organization_id BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB    NOT NULL,
    email           TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    time_zone       TEXT    NOT NULL DEFAULT 'UTC',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT users_email_key UNIQUE (organization_id, email)
) STRICT;

-- Only a hash of the secret part is kept; the key itself is shown once.
CREATE TABLE api_keys (
    organization_id BLOB    NOT NULL,
    id              BLOB    NOT NULL,
    user_id         BLOB    NOT NULL,
    name            TEXT    NOT NULL,
    secret_hash     BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    revoked_at      INTEGER,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE audit_log (
    organization_id BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB    NOT NULL,
    occurred_at     INTEGER NOT NULL,
    actor_type      TEXT    NOT NULL,
    actor_id        BLOB,
    action          TEXT    NOT NULL,
    target_type     TEXT    NOT NULL,
    target_id       BLOB,
    ip              TEXT,
    old_values      TEXT,
    new_values      TEXT,
    PRIMARY KEY (organization_id, id)
) STRICT;
CREATE INDEX audit_log_occurred_idx ON audit_log (organization_id, occurred_at);

-- Durable background work. Rows are written in the same transaction as the change that
-- causes them; workers claim them with a lease (locked_until).
CREATE TABLE jobs (
    organization_id BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB    NOT NULL,
    kind            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'running', 'succeeded', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL DEFAULT 10,
    run_at          INTEGER NOT NULL,
    locked_until    INTEGER,
    locked_by       TEXT,
    last_error      TEXT,
    idempotency_key TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT jobs_idempotency_key UNIQUE (organization_id, kind, idempotency_key)
) STRICT;
CREATE INDEX jobs_due_idx ON jobs (state, run_at);
