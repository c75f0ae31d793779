//! Password hashing (argon2id) and the password rules.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::{FieldError, ServiceError};

/// Shortest accepted password. NIST SP 800-63B asks for at least 8; 10 costs users little.
pub const MIN_LEN: usize = 10;
/// Longest accepted password: bounds the hashing work one request can cause.
pub const MAX_LEN: usize = 128;

/// Passwords that lead every breach list; refused whatever their length.
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "password1",
    "password123",
    "123456789",
    "1234567890",
    "qwertyuiop",
    "qwerty123",
    "iloveyou",
    "letmein",
    "welcome",
    "admin123",
    "abc123",
    "football",
    "baseball",
    "dragon",
    "monkey",
    "sunshine",
    "princess",
    "trustno1",
    "superman",
    "starwars",
    "whatever",
    "changeme",
    "123123123",
    "111111111",
];

/// Checks `password` against the rules; the error names the rule that failed, at `pointer`.
pub fn check(password: &str, email: &str, pointer: &str) -> Result<(), ServiceError> {
    let fail = |code: &'static str, message: &str| {
        Err(ServiceError::Validation(vec![FieldError {
            pointer: pointer.to_owned(),
            code,
            message: message.to_owned(),
        }]))
    };
    let len = password.chars().count();
    if len < MIN_LEN {
        return fail("password_too_short", "must be at least 10 characters");
    }
    if len > MAX_LEN {
        return fail("password_too_long", "must be at most 128 characters");
    }
    let lower = password.to_lowercase();
    // "Password123!" is "password123" with decoration: strip digits and symbols at the ends.
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if COMMON
        .iter()
        .any(|c| lower == *c || core == *c || lower.starts_with(c))
    {
        return fail("password_common", "is a commonly used password");
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if local.chars().count() >= 4 && lower.contains(&local) {
        return fail(
            "password_contains_email",
            "must not contain your e-mail address",
        );
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return fail(
            "password_repetitive",
            "must use at least 5 different characters",
        );
    }
    Ok(())
}

fn hasher() -> Argon2<'static> {
    // argon2id, version 0x13, m=19 MiB, t=2, p=1: the OWASP minimum and the crate default.
    Argon2::default()
}

/// Hashes on a blocking thread: argon2 is deliberately slow and would stall the runtime.
pub async fn hash(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|_| ServiceError::Crypto)?
}

fn hash_now(password: &str) -> Result<String, ServiceError> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|_| ServiceError::Crypto)?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| ServiceError::Crypto)
}

/// Whether `password` matches the stored PHC string. With no stored hash (unknown user, or
/// one who never set a password) a dummy hash is checked, so the answer takes as long.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let (phc, real) = match stored {
            Some(s) => (s, true),
            None => (dummy().to_owned(), false),
        };
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && real
    })
    .await
    .unwrap_or(false)
}

fn dummy() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let random: [u8; 16] = rand::random();
        hash_now(&format!("{random:?}")).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(p: &str) -> Option<&'static str> {
        match check(p, "olive.owner@example.com", "/password") {
            Ok(()) => None,
            Err(ServiceError::Validation(f)) => Some(f[0].code),
            Err(_) => Some("other"),
        }
    }

    #[test]
    fn rules_name_what_failed() {
        assert_eq!(code("short"), Some("password_too_short"));
        assert_eq!(code(&"x".repeat(129)), Some("password_too_long"));
        assert_eq!(code("Password123!"), Some("password_common"));
        assert_eq!(code("olive.owner-rocks"), Some("password_contains_email"));
        assert_eq!(code("aaaaabbbbbaaaa"), Some("password_repetitive"));
        assert_eq!(code("correct horse battery staple"), None);
    }

    #[tokio::test]
    async fn hashes_verify_and_are_argon2id() {
        let h = hash("correct horse battery staple".to_owned())
            .await
            .unwrap_or_default();
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert!(verify("correct horse battery staple".to_owned(), Some(h.clone())).await);
        assert!(!verify("wrong horse battery staple".to_owned(), Some(h)).await);
        assert!(!verify("anything".to_owned(), None).await);
    }
}
