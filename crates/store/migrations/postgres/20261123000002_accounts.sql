-- Accounts (PostgreSQL): profiles, passwords and lockout, sessions, e-mailed tokens, custom
-- roles, teams, scoped and expiring API keys, and row-level security as a second line of
-- tenant isolation. Keep in step with ../sqlite/20261123000002_accounts.sql.

-- Branding and the zone new users and event types start from.
ALTER TABLE organizations ADD COLUMN brand_color       TEXT;
ALTER TABLE organizations ADD COLUMN logo_url          TEXT;
ALTER TABLE organizations ADD COLUMN default_time_zone TEXT NOT NULL DEFAULT 'UTC';

-- Custom roles: a name and a set of permission codenames (a JSON array). The built-in roles
-- (owner, admin, member, viewer) live in code, so they cannot be edited into something else.
CREATE TABLE roles (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID        NOT NULL,
    name            TEXT        NOT NULL,
    permissions     JSONB       NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT roles_name_key UNIQUE (organization_id, name)
);

-- Profile, status, password and login protection. last_login_ip is TEXT on both backends:
-- the SQL stays one string, and addresses are only ever shown, never range-queried.
ALTER TABLE users ADD COLUMN slug                   TEXT;
ALTER TABLE users ADD COLUMN status                 TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('invited', 'active', 'inactive', 'suspended'));
ALTER TABLE users ADD COLUMN custom_role_id         UUID;
ALTER TABLE users ADD COLUMN reasonable_hours_start INTEGER NOT NULL DEFAULT 7;
ALTER TABLE users ADD COLUMN reasonable_hours_end   INTEGER NOT NULL DEFAULT 22;
ALTER TABLE users ADD COLUMN email_verified_at      TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN password_hash          TEXT;
ALTER TABLE users ADD COLUMN password_changed_at    TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN failed_login_attempts  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until           TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN last_login_at          TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN last_login_ip          TEXT;
ALTER TABLE users ADD CONSTRAINT users_custom_role_fkey FOREIGN KEY (organization_id, custom_role_id)
    REFERENCES roles (organization_id, id);
CREATE UNIQUE INDEX users_slug_key ON users (organization_id, slug);

-- Web sessions. The cookie holds organization id, session id and a secret; only SHA-256 of
-- the secret (and of the CSRF token) is kept.
CREATE TABLE sessions (
    organization_id UUID        NOT NULL,
    id              UUID        NOT NULL,
    user_id         UUID        NOT NULL,
    secret_hash     BYTEA       NOT NULL,
    csrf_hash       BYTEA       NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    last_seen_at    TIMESTAMPTZ NOT NULL,
    revoked_at      TIMESTAMPTZ,
    ip              TEXT,
    user_agent      TEXT,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user_idx ON sessions (organization_id, user_id);

-- One-time tokens sent by e-mail: invitations, address verification, password resets.
CREATE TABLE account_tokens (
    organization_id UUID        NOT NULL,
    id              UUID        NOT NULL,
    user_id         UUID        NOT NULL,
    purpose         TEXT        NOT NULL CHECK (purpose IN ('invite', 'verify_email', 'reset_password')),
    secret_hash     BYTEA       NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    used_at         TIMESTAMPTZ,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);

CREATE TABLE teams (
    organization_id UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              UUID        NOT NULL,
    slug            TEXT        NOT NULL,
    name            TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, id),
    CONSTRAINT teams_slug_key UNIQUE (organization_id, slug)
);

CREATE TABLE team_members (
    organization_id UUID        NOT NULL,
    team_id         UUID        NOT NULL,
    user_id         UUID        NOT NULL,
    role            TEXT        NOT NULL CHECK (role IN ('lead', 'member')),
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (organization_id, team_id, user_id),
    FOREIGN KEY (organization_id, team_id) REFERENCES teams (organization_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);

-- Keys may be narrowed to some permissions (NULL: all of their user's) and may expire.
ALTER TABLE api_keys ADD COLUMN scopes     JSONB;
ALTER TABLE api_keys ADD COLUMN expires_at TIMESTAMPTZ;

-- Row-level security, the second line behind the repositories' `WHERE organization_id`.
-- Policies compare against the session setting app.organization_id. They are ENABLEd, not
-- FORCEd: the table owner (the role that migrates and that the server connects as) bypasses
-- them, so the server keeps working without setting the variable on every pooled
-- connection. Any other role (read replicas for reporting, support tools, a future
-- least-privilege server role) sees only the organization it names with
-- `SET LOCAL app.organization_id = '<uuid>'`, and nothing when it names none.
CREATE FUNCTION rdv_current_organization() RETURNS UUID
    LANGUAGE sql STABLE
    AS $$ SELECT NULLIF(current_setting('app.organization_id', true), '')::uuid $$;

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organizations USING (id = rdv_current_organization());
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users USING (organization_id = rdv_current_organization());
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys USING (organization_id = rdv_current_organization());
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_log USING (organization_id = rdv_current_organization());
ALTER TABLE jobs ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON jobs USING (organization_id = rdv_current_organization());
ALTER TABLE roles ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON roles USING (organization_id = rdv_current_organization());
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sessions USING (organization_id = rdv_current_organization());
ALTER TABLE account_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON account_tokens USING (organization_id = rdv_current_organization());
ALTER TABLE teams ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON teams USING (organization_id = rdv_current_organization());
ALTER TABLE team_members ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON team_members USING (organization_id = rdv_current_organization());
