-- Account security (issue 16).
-- Keep in step with ../sqlite/20261207000020_account_security.sql.

-- Who issued a key: a key acting for another user still names its real holder in the audit
-- log. NULL for keys issued by the operator, or before this column.
ALTER TABLE api_keys ADD COLUMN created_by UUID;

-- The user an API key acted for, when the key's issuer (`actor_id`) is someone else.
ALTER TABLE audit_log ADD COLUMN on_behalf_of UUID;

-- Unlock links (`unlock`) join the e-mailed one-time tokens.
ALTER TABLE account_tokens DROP CONSTRAINT account_tokens_purpose_check;
ALTER TABLE account_tokens ADD CONSTRAINT account_tokens_purpose_check
    CHECK (purpose IN ('invite', 'verify_email', 'reset_password', 'unlock'));
CREATE INDEX account_tokens_user_idx ON account_tokens (organization_id, user_id, purpose);

-- Failed sign-ins per account (as typed: organization slug and e-mail, hashed) and client
-- address, with that pair's backoff. Typed accounts, not user ids: an address that does not
-- exist backs off alike, so the answers do not tell which exist. Not tenant data (a typed
-- account may name no organization), so no organization_id and no policy.
CREATE TABLE login_throttle (
    account_key  TEXT        NOT NULL,
    ip           TEXT        NOT NULL,
    failures     INTEGER     NOT NULL,
    locked_until TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_key, ip)
);
CREATE INDEX login_throttle_updated_idx ON login_throttle (updated_at);
