//! Webhook signing per the Standard Webhooks specification.
//!
//! A message carries three headers: `webhook-id` (the same on every retry, so receivers can
//! drop repeats), `webhook-timestamp` (Unix seconds, so receivers can refuse replays) and
//! `webhook-signature`: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, keyed with the
//! base64 part of a `whsec_` secret. During a secret rotation the message is signed with both
//! secrets, space-separated; a receiver holding either accepts it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Prefix of every secret we hand out.
pub const SECRET_PREFIX: &str = "whsec_";

/// A secret that cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("a webhook secret starts with whsec_ followed by base64")]
    Malformed,
}

/// The key behind a `whsec_...` secret.
#[derive(Clone)]
pub struct SigningKey(ring::hmac::Key);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

impl SigningKey {
    /// Parses `whsec_<base64>`.
    pub fn parse(secret: &str) -> Result<Self, SecretError> {
        let encoded = secret
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::Malformed)?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::Malformed)?;
        if bytes.is_empty() {
            return Err(SecretError::Malformed);
        }
        Ok(Self(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &bytes)))
    }

    /// `v1,<base64 signature>` of the message.
    pub fn sign(&self, message_id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut ctx = ring::hmac::Context::with_key(&self.0);
        ctx.update(message_id.as_bytes());
        ctx.update(b".");
        ctx.update(timestamp.to_string().as_bytes());
        ctx.update(b".");
        ctx.update(body);
        format!("v1,{}", STANDARD.encode(ctx.sign().as_ref()))
    }
}

/// A fresh secret: `whsec_` + base64 of 32 random bytes.
pub fn generate_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// A signed message, ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedMessage {
    pub id: String,
    pub timestamp: i64,
    /// The value of `webhook-signature`: one `v1,...` per key, space-separated.
    pub signature: String,
    pub body: Vec<u8>,
}

impl SignedMessage {
    /// Signs `body` as message `id` at `timestamp` with every key in `keys`.
    pub fn new(id: &str, timestamp: i64, body: Vec<u8>, keys: &[SigningKey]) -> Self {
        let signature = keys
            .iter()
            .map(|k| k.sign(id, timestamp, &body))
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            id: id.to_owned(),
            timestamp,
            signature,
            body,
        }
    }

    /// The three Standard Webhooks headers.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("webhook-id", self.id.clone()),
            ("webhook-timestamp", self.timestamp.to_string()),
            ("webhook-signature", self.signature.clone()),
        ]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The example in the Standard Webhooks specification's test vectors.
    #[test]
    fn signs_the_specification_example() {
        let key = SigningKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = key.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn malformed_secrets_are_refused() {
        for bad in [
            "",
            "whsec_",
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_!!!",
        ] {
            assert_eq!(
                SigningKey::parse(bad).unwrap_err(),
                SecretError::Malformed,
                "{bad}"
            );
        }
    }

    #[test]
    fn rotation_signs_with_both_keys() {
        let old = SigningKey::parse(&generate_secret()).unwrap();
        let new = SigningKey::parse(&generate_secret()).unwrap();
        let msg = SignedMessage::new("msg_1", 1, b"{}".to_vec(), &[new.clone(), old.clone()]);
        let parts: Vec<&str> = msg.signature.split(' ').collect();
        assert_eq!(
            parts,
            [new.sign("msg_1", 1, b"{}"), old.sign("msg_1", 1, b"{}")]
        );
    }

    proptest! {
        #[test]
        fn generated_secrets_parse_and_any_change_changes_the_signature(
            body in proptest::collection::vec(any::<u8>(), 0..64),
            ts in 0i64..4_000_000_000,
        ) {
            let key = SigningKey::parse(&generate_secret()).unwrap();
            let sig = key.sign("msg_a", ts, &body);
            prop_assert!(sig.starts_with("v1,"));
            prop_assert_ne!(sig.clone(), key.sign("msg_b", ts, &body));
            prop_assert_ne!(sig.clone(), key.sign("msg_a", ts + 1, &body));
            let mut other = body.clone();
            other.push(b'x');
            prop_assert_ne!(sig, key.sign("msg_a", ts, &other));
        }
    }
}
