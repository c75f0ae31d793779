-- Account security (issue 16).
-- Keep in step with ../postgres/20261207000020_account_security.sql.

-- Who issued a key: a key acting for another user still names its real holder in the audit
-- log. NULL for keys issued by the operator, or before this column.
ALTER TABLE api_keys ADD COLUMN created_by BLOB;

-- The user an API key acted for, when the key's issuer (`actor_id`) is someone else.
ALTER TABLE audit_log ADD COLUMN on_behalf_of BLOB;

-- Unlock links (`unlock`) join the e-mailed one-time tokens. SQLite cannot alter a CHECK, so
-- the table is rebuilt; nothing references it.
CREATE TABLE account_tokens_new (
    organization_id BLOB    NOT NULL,
    id              BLOB    NOT NULL,
    user_id         BLOB    NOT NULL,
    purpose         TEXT    NOT NULL
        CHECK (purpose IN ('invite', 'verify_email', 'reset_password', 'unlock')),
    secret_hash     BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER,
    PRIMARY KEY (organization_id, id),
    FOREIGN KEY (organization_id, user_id) REFERENCES users (organization_id, id) ON DELETE CASCADE
) STRICT;
INSERT INTO account_tokens_new SELECT organization_id, id, user_id, purpose, secret_hash,
    created_at, expires_at, used_at FROM account_tokens;
DROP TABLE account_tokens;
ALTER TABLE account_tokens_new RENAME TO account_tokens;
CREATE INDEX account_tokens_user_idx ON account_tokens (organization_id, user_id, purpose);

-- Failed sign-ins per account (as typed: organization slug and e-mail, hashed) and client
-- address, with that pair's backoff. Typed accounts, not user ids: an address that does not
-- exist backs off alike, so the answers do not tell which exist. Not tenant data (a typed
-- account may name no organization), so no organization_id and no policy.
CREATE TABLE login_throttle (
    account_key  TEXT    NOT NULL,
    ip           TEXT    NOT NULL,
    failures     INTEGER NOT NULL,
    locked_until INTEGER,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (account_key, ip)
) STRICT;
CREATE INDEX login_throttle_updated_idx ON login_throttle (updated_at);
