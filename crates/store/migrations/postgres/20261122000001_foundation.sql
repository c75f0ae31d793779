-- Foundation schema (PostgreSQL). Natural types (TIMESTAMPTZ, UUID, JSONB) so operators can
-- read the data with their own tools. Every tenant table carries organization_id and every
-- unique key includes it, so the schema can be distributed by that column (Citus).
-- Keep in step with ../sqlite/20261122000001_foundation.sql.

-- The tenant root. Its id is the organization_id every other table carries; on Citus this
-- table would be a reference table, so its own unique key on slug is global.
CREATE TABLE organizations (
    id          UUID        NOT NULL PRIMARY KEY,
    slug        TEXT        NOT NULL,
    name        TEXT        NOT NULL,
    settings    JSONB       NOT NULL DEFAULT '{}',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT organizations_slug_key UNIQUE (slug)
);

CREATE TABLE users (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID        NOT NULL,
    email           TEXT        NOT NULL,
    name            TEXT        NOT NULL,
    role            TEXT        NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    time_zone       TEXT        NOT NULL DEFAULT 'UTC',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT users_email_key UNIQUE (organization_id, email)
);

-- Only a hash of the secret part is kept; the key itself is shown once.
CREATE TABLE api_keys (
    organization_id UUID        NOT NULL,
    id              UUID        NOT NULL,
    user_id         UUID        NOT NULL,
    name            TEXT        NOT NULL,
    secret_hash     BYTEA       NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    last_used_at    TIMESTAMPTZ,
    revoked_at      TIMESTAMPTZ,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);

CREATE TABLE audit_log (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID        NOT NULL,
    occurred_at     TIMESTAMPTZ NOT NULL,
    actor_type      TEXT        NOT NULL,
    actor_id        UUID,
    action          TEXT        NOT NULL,
    target_type     TEXT        NOT NULL,
    target_id       UUID,
    ip              TEXT,
    old_values      JSONB,
    new_values      JSONB,
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX audit_log_occurred_idx ON audit_log (organization_id, occurred_at);

-- Durable background work. Rows are written in the same transaction as the change that
-- causes them; workers claim them with a lease (locked_until).
CREATE TABLE jobs (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID        NOT NULL,
    kind            TEXT        NOT NULL,
    payload         JSONB       NOT NULL,
    state           TEXT        NOT NULL DEFAULT 'pending'
                                CHECK (state IN ('pending', 'running', 'succeeded', 'dead')),
    attempts        INTEGER     NOT NULL DEFAULT 0,
    max_attempts    INTEGER     NOT NULL DEFAULT 10,
    run_at          TIMESTAMPTZ NOT NULL,
    locked_until    TIMESTAMPTZ,
    locked_by       TEXT,
    last_error      TEXT,
    idempotency_key TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT jobs_idempotency_key UNIQUE (organization_id, kind, idempotency_key)
);
CREATE INDEX jobs_due_idx ON jobs (state, run_at);
