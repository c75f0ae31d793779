//! API key tokens: `rdv_` + base64url(organization id ‖ key id) + base64url(32 random bytes).
//!
//! The ids in the token let authentication look the key up by primary key within its
//! organization (no global index on a hash, which a schema distributed by organization_id
//! could not route). Only SHA-256 of the random part is stored: with 256 bits of entropy a
//! fast hash is enough, and a slow one would cost every request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use domain::ids::{ApiKeyId, OrganizationId};

const PREFIX: &str = "rdv_";
/// base64url without padding of 32 bytes.
const PART_LEN: usize = 43;

/// A full API key as shown to its owner once. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeyToken(String);

impl std::fmt::Debug for ApiKeyToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKeyToken(\"rdv_[redacted]\")")
    }
}

impl ApiKeyToken {
    /// The key text, to print once or send in an `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A freshly generated key and the hash to store.
pub(crate) struct Minted {
    pub token: ApiKeyToken,
    pub secret_hash: Vec<u8>,
}

pub(crate) fn mint(organization_id: OrganizationId, key_id: ApiKeyId) -> Minted {
    let secret: [u8; 32] = rand::random();
    let mut ids = [0u8; 32];
    ids[..16].copy_from_slice(organization_id.0.as_bytes());
    ids[16..].copy_from_slice(key_id.0.as_bytes());
    let token = format!(
        "{PREFIX}{}{}",
        URL_SAFE_NO_PAD.encode(ids),
        URL_SAFE_NO_PAD.encode(secret)
    );
    Minted {
        token: ApiKeyToken(token),
        secret_hash: hash(&secret),
    }
}

/// A token taken apart. Parsing checks shape only; the hash is checked against the row.
pub(crate) struct Parsed {
    pub organization_id: OrganizationId,
    pub key_id: ApiKeyId,
    pub secret_hash: Vec<u8>,
}

pub(crate) fn parse(token: &str) -> Option<Parsed> {
    let body = token.strip_prefix(PREFIX)?;
    if body.len() != 2 * PART_LEN || !body.is_ascii() {
        return None;
    }
    let (ids, secret) = body.split_at(PART_LEN);
    let ids = URL_SAFE_NO_PAD.decode(ids).ok()?;
    let secret = URL_SAFE_NO_PAD.decode(secret).ok()?;
    let organization_id = uuid::Uuid::from_slice(ids.get(..16)?).ok()?;
    let key_id = uuid::Uuid::from_slice(ids.get(16..)?).ok()?;
    Some(Parsed {
        organization_id: OrganizationId(organization_id),
        key_id: ApiKeyId(key_id),
        secret_hash: hash(&secret),
    })
}

fn hash(secret: &[u8]) -> Vec<u8> {
    Sha256::digest(secret).to_vec()
}

/// Compares two hashes without an early exit, so timing says nothing about where they differ.
pub(crate) fn hashes_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A secret token other than an API key (a session cookie, a CSRF token, an e-mailed link's
/// token), shown to its holder once. `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretToken(String);

impl std::fmt::Debug for SecretToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretToken([redacted])")
    }
}

impl SecretToken {
    /// The token text, for a cookie, a header or a link.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A booking attendee's secret link to view, cancel or reschedule their booking. Like an API
/// key it carries the organization and attendee ids, so it is looked up by primary key, and
/// only a hash of its secret part is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ManageToken(String);

const MANAGE_PREFIX: &str = "rdvm_";

impl std::fmt::Debug for ManageToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ManageToken(\"rdvm_[redacted]\")")
    }
}

impl ManageToken {
    /// The token text, to hand to the attendee once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Session cookies: the API key layout with another prefix, so a leaked cookie is
/// recognisable (and cannot be used as a bearer key).
pub(crate) const SESSION_PREFIX: &str = "rds_";
/// E-mailed one-time tokens (invitation, verification, reset).
pub(crate) const ACCOUNT_PREFIX: &str = "rdt_";
/// Single-use booking links.
pub(crate) const LINK_PREFIX: &str = "rdvl_";

/// Mints `prefix` + ids + secret, like [`mint`], for another kind of token.
pub(crate) fn mint_prefixed(
    prefix: &str,
    organization_id: OrganizationId,
    id: uuid::Uuid,
) -> (SecretToken, Vec<u8>) {
    let secret: [u8; 32] = rand::random();
    let mut ids = [0u8; 32];
    ids[..16].copy_from_slice(organization_id.0.as_bytes());
    ids[16..].copy_from_slice(id.as_bytes());
    let token = format!(
        "{prefix}{}{}",
        URL_SAFE_NO_PAD.encode(ids),
        URL_SAFE_NO_PAD.encode(secret)
    );
    (SecretToken(token), hash(&secret))
}

/// Parses a token minted by [`mint_prefixed`] with the same prefix.
pub(crate) fn parse_prefixed(
    prefix: &str,
    token: &str,
) -> Option<(OrganizationId, uuid::Uuid, Vec<u8>)> {
    // Same layout as an API key: swap the prefix and reuse the parser.
    let as_key = format!("{PREFIX}{}", token.strip_prefix(prefix)?);
    let parsed = parse(&as_key)?;
    Some((parsed.organization_id, parsed.key_id.0, parsed.secret_hash))
}

/// The organization a token minted by [`mint_prefixed`] names, not yet checked: enough to
/// confine the transaction that checks it to that organization (row-level security).
pub(crate) fn organization_in(prefix: &str, token: &str) -> Option<OrganizationId> {
    parse_prefixed(prefix, token).map(|(organization_id, _, _)| organization_id)
}

/// A random token with no ids in it (CSRF), and the hash to store.
pub(crate) fn random_secret() -> (SecretToken, Vec<u8>) {
    let secret: [u8; 32] = rand::random();
    let text = URL_SAFE_NO_PAD.encode(secret);
    let hashed = hash(text.as_bytes());
    (SecretToken(text), hashed)
}

/// The hash [`random_secret`] stores for `text`.
pub(crate) fn hash_text(text: &str) -> Vec<u8> {
    hash(text.as_bytes())
}

pub(crate) fn mint_manage(
    organization_id: OrganizationId,
    attendee: uuid::Uuid,
) -> (ManageToken, Vec<u8>) {
    let (token, hash) = mint_prefixed(MANAGE_PREFIX, organization_id, attendee);
    (ManageToken(token.0), hash)
}

/// The organization and attendee a manage token names, with the hash of its secret.
pub(crate) fn parse_manage(token: &str) -> Option<(OrganizationId, uuid::Uuid, Vec<u8>)> {
    parse_prefixed(MANAGE_PREFIX, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_parse_back() {
        let org = OrganizationId::new();
        let key = ApiKeyId::new();
        let minted = mint(org, key);
        let parsed = parse(minted.token.expose()).expect("a minted token parses");
        assert_eq!(parsed.organization_id, org);
        assert_eq!(parsed.key_id, key);
        assert!(hashes_equal(&parsed.secret_hash, &minted.secret_hash));
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        for bad in ["", "rdv_", "Bearer x", "rdv_ü", &"rdv_".repeat(30)] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let minted = mint(OrganizationId::new(), ApiKeyId::new());
        assert!(!format!("{:?}", minted.token).contains(&minted.token.expose()[4..]));
    }
}
