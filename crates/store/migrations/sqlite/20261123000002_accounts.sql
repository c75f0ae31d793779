-- Accounts (SQLite): profiles, passwords and lockout, sessions, e-mailed tokens, custom
-- roles, teams, scoped and expiring API keys. SQLite has no row-level security; the
-- repositories' `WHERE organization_id` is the only line here.
-- Keep in step with ../postgres/20261123000002_accounts.sql.

ALTER TABLE organizations ADD COLUMN brand_color       TEXT;
ALTER TABLE organizations ADD COLUMN logo_url          TEXT;
ALTER TABLE organizations ADD COLUMN default_time_zone TEXT NOT NULL DEFAULT 'UTC';

CREATE TABLE roles (
    organization_id BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB    NOT NULL,
    name            TEXT    NOT NULL,
    permissions     TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT roles_name_key UNIQUE (organization_id, name)
) STRICT;

-- SQLite cannot add a table constraint to an existing table, and a column constraint cannot
-- name two columns, so custom_role_id has no foreign key here: the repository checks that the
-- role exists in the organization, and clears the column when a role is deleted (which it
-- does on PostgreSQL too, where the key exists).
ALTER TABLE users ADD COLUMN slug                   TEXT;
ALTER TABLE users ADD COLUMN status                 TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('invited', 'active', 'inactive', 'suspended'));
ALTER TABLE users ADD COLUMN custom_role_id         BLOB;
ALTER TABLE users ADD COLUMN reasonable_hours_start INTEGER NOT NULL DEFAULT 7;
ALTER TABLE users ADD COLUMN reasonable_hours_end   INTEGER NOT NULL DEFAULT 22;
ALTER TABLE users ADD COLUMN email_verified_at      INTEGER;
ALTER TABLE users ADD COLUMN password_hash          TEXT;
ALTER TABLE users ADD COLUMN password_changed_at    INTEGER;
ALTER TABLE users ADD COLUMN failed_login_attempts  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until           INTEGER;
ALTER TABLE users ADD COLUMN last_login_at          INTEGER;
ALTER TABLE users ADD COLUMN last_login_ip          TEXT;
CREATE UNIQUE INDEX users_slug_key ON users (organization_id, slug);

CREATE TABLE sessions (
    organization_id BLOB    NOT NULL,
    id              BLOB    NOT NULL,
    user_id         BLOB    NOT NULL,
    secret_hash     BLOB    NOT NULL,
    csrf_hash       BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    revoked_at      INTEGER,
    ip              TEXT,
    user_agent      TEXT,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX sessions_user_idx ON sessions (organization_id, user_id);

CREATE TABLE account_tokens (
    organization_id BLOB    NOT NULL,
    id              BLOB    NOT NULL,
    user_id         BLOB    NOT NULL,
    purpose         TEXT    NOT NULL CHECK (purpose IN ('invite', 'verify_email', 'reset_password')),
    secret_hash     BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE teams (
    organization_id BLOB    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              BLOB    NOT NULL,
    slug            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT teams_slug_key UNIQUE (organization_id, slug)
) STRICT;

CREATE TABLE team_members (
    organization_id BLOB    NOT NULL,
    team_id         BLOB    NOT NULL,
    user_id         BLOB    NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('lead', 'member')),
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, team_id, user_id),
    FOREIGN KEY (organization_id, team_id) REFERENCES teams (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
) STRICT;

ALTER TABLE api_keys ADD COLUMN scopes     TEXT;
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
