-- Google and Microsoft 365 connections over OAuth 2.0 (issue 7). Keep in step with
-- ../sqlite/20261127000002_oauth_connections.sql.

-- `kind` also allows `google` and `microsoft`. For those, `secret` seals their tokens
-- (access, refresh, expiry) as JSON under the keyring, like a CalDAV password.
ALTER TABLE calendar_connections DROP CONSTRAINT calendar_connections_kind_check;
ALTER TABLE calendar_connections ADD CONSTRAINT calendar_connections_kind_check
    CHECK (kind IN ('caldav', 'ics', 'google', 'microsoft'));

-- A started OAuth authorization: the SHA-256 of the random `state` sent to the provider,
-- bound to the user who started it, single use (`used_at`), short-lived (`expires_at`).
-- The PKCE verifier is kept in clear: it is worthless without the provider's one-time code,
-- and the row is dead ten minutes later.
CREATE TABLE oauth_states (
    organization_id     UUID        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    state_hash          BYTEA       NOT NULL,
    user_id             UUID        NOT NULL,
    provider            TEXT        NOT NULL CHECK (provider IN ('google', 'microsoft')),
    verifier            TEXT        NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    expires_at          TIMESTAMPTZ NOT NULL,
    used_at             TIMESTAMPTZ,
    PRIMARY KEY (organization_id, state_hash),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);
ALTER TABLE oauth_states ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON oauth_states USING (organization_id = rdv_current_organization());
