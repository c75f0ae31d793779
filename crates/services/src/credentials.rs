//! Credentials at rest: calendar passwords and webhook signing secrets are sealed with
//! AES-256-GCM under a key derived from the server's secret key (HKDF-SHA256 with its own
//! label, so the cookie key and this one never coincide). Each sealed value names its key by id, so a new secret can become
//! current while the previous one still opens older values.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use store::repo::calendars::SealedSecret;

const LABEL: &[u8] = b"rendezvous/calendar-credentials/v1";
const NONCE_BYTES: usize = 12;
const TEXT_PREFIX: &str = "sealed:";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error("no key {0:?} to open the stored credentials (was the secret key changed?)")]
    UnknownKey(String),
    #[error("the stored credentials cannot be opened")]
    Corrupt,
}

#[derive(Clone)]
struct Key {
    id: String,
    cipher: Aes256Gcm,
}

/// The keys credentials are sealed and opened with. `Debug` shows only key ids.
#[derive(Clone)]
pub struct Keyring {
    current: Key,
    previous: Vec<Key>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let previous: Vec<&str> = self.previous.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("Keyring")
            .field("current", &self.current.id)
            .field("previous", &previous)
            .finish()
    }
}

fn derive(secret: &[u8]) -> Key {
    let mut key = [0u8; 32];
    // expand only fails for outputs longer than 255 blocks; 32 bytes is one.
    let _ = hkdf::Hkdf::<Sha256>::new(None, secret).expand(LABEL, &mut key);
    let digest = Sha256::digest(key);
    let id = format!(
        "k{}",
        digest[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    Key {
        id,
        cipher: Aes256Gcm::new(&key.into()),
    }
}

impl Keyring {
    /// The keyring of a server secret (the contents of its secret key file).
    pub fn from_secret(secret: &[u8]) -> Self {
        Self {
            current: derive(secret),
            previous: Vec::new(),
        }
    }

    /// Also opens values sealed under an earlier secret (key rotation).
    pub fn with_previous(mut self, secret: &[u8]) -> Self {
        self.previous.push(derive(secret));
        self
    }

    /// The id of the key new values are sealed under.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// This keyring after a rotation to `secret`: new values are sealed under the key derived
    /// from it, and everything this keyring opens still opens.
    pub fn rotated_to(&self, secret: &[u8]) -> Keyring {
        let mut previous = vec![self.current.clone()];
        previous.extend(self.previous.iter().cloned());
        Keyring {
            current: derive(secret),
            previous,
        }
    }

    /// A keyring of a random secret: for tests and servers that never store credentials.
    pub fn ephemeral() -> Self {
        let secret: [u8; 32] = rand::random();
        Self::from_secret(&secret)
    }

    /// Seals `plaintext`, bound to `context` (who it belongs to), so a sealed value copied to
    /// another row does not open.
    pub fn seal(&self, context: &[u8], plaintext: &str) -> SealedSecret {
        let nonce: [u8; NONCE_BYTES] = rand::random();
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: context,
        };
        // Encryption fails only for plaintexts beyond GCM's 64 GiB limit.
        let ciphertext = self
            .current
            .cipher
            .encrypt(&Nonce::from(nonce), payload)
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend(ciphertext);
        SealedSecret {
            key_id: self.current.id.clone(),
            bytes,
        }
    }

    /// [`Keyring::seal`] as one line of text, for a secret kept in a text column:
    /// `sealed:KEY_ID:BASE64`.
    pub fn seal_text(&self, context: &[u8], plaintext: &str) -> String {
        let sealed = self.seal(context, plaintext);
        format!(
            "{TEXT_PREFIX}{}:{}",
            sealed.key_id,
            base64::engine::general_purpose::STANDARD.encode(&sealed.bytes)
        )
    }

    /// Opens what [`Keyring::seal_text`] made. Text without the `sealed:` prefix was stored
    /// before secrets were sealed and is returned as it is.
    pub fn open_text(&self, context: &[u8], stored: &str) -> Result<String, CredentialError> {
        let Some(sealed) = stored.strip_prefix(TEXT_PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (key_id, encoded) = sealed.split_once(':').ok_or(CredentialError::Corrupt)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| CredentialError::Corrupt)?;
        self.open(
            context,
            &SealedSecret {
                key_id: key_id.to_owned(),
                bytes,
            },
        )
    }

    pub fn open(&self, context: &[u8], sealed: &SealedSecret) -> Result<String, CredentialError> {
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == sealed.key_id)
            .ok_or_else(|| CredentialError::UnknownKey(sealed.key_id.clone()))?;
        if sealed.bytes.len() < NONCE_BYTES {
            return Err(CredentialError::Corrupt);
        }
        let (nonce, ciphertext) = sealed.bytes.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().map_err(|_| CredentialError::Corrupt)?;
        let plain = key
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map_err(|_| CredentialError::Corrupt)?;
        String::from_utf8(plain).map_err(|_| CredentialError::Corrupt)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn seals_opens_and_rotates() {
        let old = Keyring::from_secret(b"old secret, at least thirty-two chars");
        let sealed = old.seal(b"org/user", "app-password");
        assert!(!sealed.bytes.windows(12).any(|w| w == b"app-password"));
        assert_eq!(old.open(b"org/user", &sealed).unwrap(), "app-password");
        // Bound to its context.
        assert_eq!(
            old.open(b"org/other", &sealed),
            Err(CredentialError::Corrupt)
        );
        // A new secret alone cannot open it; with the old one as previous it can.
        let new = Keyring::from_secret(b"new secret, at least thirty-two chars");
        assert!(matches!(
            new.open(b"org/user", &sealed),
            Err(CredentialError::UnknownKey(_))
        ));
        let rotated = new.with_previous(b"old secret, at least thirty-two chars");
        assert_eq!(rotated.open(b"org/user", &sealed).unwrap(), "app-password");
        assert_ne!(rotated.seal(b"x", "y").key_id, sealed.key_id);
        // Tampering is detected.
        let mut bad = sealed.clone();
        if let Some(last) = bad.bytes.last_mut() {
            *last ^= 1;
        }
        assert_eq!(old.open(b"org/user", &bad), Err(CredentialError::Corrupt));
    }

    #[test]
    fn text_form_round_trips_and_passes_old_plaintext_through() {
        let keys = Keyring::from_secret(b"a secret key of at least thirty-two chars");
        let stored = keys.seal_text(b"org", "whsec_abc");
        assert!(stored.starts_with("sealed:k"));
        assert!(!stored.contains("whsec_abc"));
        assert_eq!(keys.open_text(b"org", &stored).unwrap(), "whsec_abc");
        assert_eq!(
            keys.open_text(b"other org", &stored),
            Err(CredentialError::Corrupt)
        );
        assert_eq!(
            keys.open_text(b"org", "whsec_plain").unwrap(),
            "whsec_plain"
        );
        for broken in ["sealed:", "sealed:k1", "sealed:k1:@@@"] {
            assert!(keys.open_text(b"org", broken).is_err(), "{broken}");
        }
    }
}
