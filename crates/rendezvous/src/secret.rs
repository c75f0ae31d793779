//! Secrets in configuration: redacted in `Debug`, never logged.

use std::fmt;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// A secret string. `Debug` and `Display` print `[redacted]`.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A database URL whose password is hidden when printed.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with the password part of the authority and any `password=` parameter
    /// replaced by `***`.
    pub fn redacted(&self) -> String {
        let url = &self.0;
        let Some(scheme_end) = url.find("://") else {
            return url.clone();
        };
        let rest_start = scheme_end + 3;
        let authority_end = url[rest_start..]
            .find(['/', '?'])
            .map_or(url.len(), |i| rest_start + i);
        let authority = &url[rest_start..authority_end];
        let mut out = url[..rest_start].to_owned();
        match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
                let hidden = if userinfo.contains(':') { ":***" } else { "" };
                out.push_str(&format!("{user}{hidden}@{host}"));
            }
            None => out.push_str(authority),
        }
        let tail = &url[authority_end..];
        match tail.split_once('?') {
            Some((path, query)) => {
                let query: Vec<String> = query
                    .split('&')
                    .map(|pair| match pair.split_once('=') {
                        Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                        _ => pair.to_owned(),
                    })
                    .collect();
                out.push_str(&format!("{path}?{}", query.join("&")));
            }
            None => out.push_str(tail),
        }
        out
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Reads the secret key file, creating it with 32 random bytes (mode 0600) if it does not
/// exist. The key signs cookies and encrypts stored credentials, so it must survive restarts.
pub fn load_or_create_key_file(path: &Path) -> anyhow::Result<Secret> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let key = text.trim().to_owned();
            if key.len() < 32 {
                anyhow::bail!("{} holds fewer than 32 characters", path.display());
            }
            if let Ok(meta) = std::fs::metadata(path)
                && meta.permissions().mode() & 0o077 != 0
            {
                tracing::warn!(path = %path.display(), "secret key file is readable by other users; chmod 600 it");
            }
            Ok(Secret(key))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let bytes: [u8; 32] = rand::random();
            let key = STANDARD.encode(bytes);
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            writeln!(file, "{key}").with_context(|| format!("cannot write {}", path.display()))?;
            tracing::info!(path = %path.display(), "created a new secret key file");
            Ok(Secret(key))
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        let cases = [
            ("postgres://u:pw@h:5432/db", "postgres://u:***@h:5432/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            (
                "postgres://h/db?user=u&password=pw",
                "postgres://h/db?user=u&password=***",
            ),
            ("sqlite://rendezvous.db", "sqlite://rendezvous.db"),
            ("sqlite:data.db", "sqlite:data.db"),
        ];
        for (url, want) in cases {
            assert_eq!(DatabaseUrl::new(url).redacted(), want);
            assert!(!format!("{:?}", DatabaseUrl::new(url)).contains("pw"));
        }
    }

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", Secret("hunter2".into())), "[redacted]");
    }

    #[test]
    fn key_file_is_created_private_and_reused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("secret.key");
        let first = load_or_create_key_file(&path)?;
        let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let second = load_or_create_key_file(&path)?;
        assert_eq!(first, second);
        Ok(())
    }
}
