//! What the request log may contain.
//!
//! Two rules, each in one place:
//! - **No secret in a path.** Manage, feed, link, reset, invitation and verification tokens
//!   travel in URL paths; [`redacted_path`] replaces them before the path reaches a span. The
//!   query string is never logged (OAuth codes and states travel there).
//! - **One event, one line.** Invitees choose names, notes and answers; a CR or LF in a
//!   logged value would let them forge log lines in the human format. [`fields`] formats
//!   every field of every event and span with control characters escaped (the JSON format
//!   escapes them already).

use std::borrow::Cow;
use std::fmt::Write as _;

use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::Writer;

/// Prefixes of the secret tokens we issue (`store::token` and the calendar feed's).
const TOKEN_PREFIXES: [&str; 6] = ["rdv_", "rdvm_", "rdvf_", "rdvl_", "rdt_", "rds_"];

/// Path segments whose next segment is a secret whatever it looks like: a mistyped or
/// guessed token is still one an attacker wants to read in a log.
const SECRET_AFTER: [&str; 7] = [
    "manage",
    "link",
    "links",
    "reset",
    "invite",
    "verify",
    "calendar-feeds",
];

const REDACTED: &str = "[redacted]";

/// `path` with every secret token replaced by `[redacted]`.
pub(crate) fn redacted_path(path: &str) -> Cow<'_, str> {
    let mut previous = "";
    let mut secret_at = Vec::new();
    for (i, segment) in path.split('/').enumerate() {
        if is_token(segment) || SECRET_AFTER.contains(&previous) && !segment.is_empty() {
            secret_at.push(i);
        }
        previous = segment;
    }
    if secret_at.is_empty() {
        return Cow::Borrowed(path);
    }
    let joined: Vec<&str> = path
        .split('/')
        .enumerate()
        .map(|(i, segment)| {
            if secret_at.contains(&i) {
                REDACTED
            } else {
                segment
            }
        })
        .collect();
    Cow::Owned(joined.join("/"))
}

fn is_token(segment: &str) -> bool {
    // `%5F` is an underscore to the router, so it must be one here too.
    let lower = segment.to_ascii_lowercase().replace("%5f", "_");
    TOKEN_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// The field formatter of the human log: `name=value` pairs separated by spaces, the message
/// bare, every control character escaped (`\n`, `\r`, `\t`, `\u{1b}`).
pub fn fields() -> impl for<'w> FormatFields<'w> + Send + Sync + 'static {
    tracing_subscriber::fmt::format::debug_fn(|writer: &mut Writer<'_>, field, value| {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = write!(text, "{value:?}");
        let text = escape_controls(&text);
        if field.name() == "message" {
            writer.write_str(&text)
        } else {
            write!(writer, "{}={}", field.name(), text)
        }
    })
    .delimited(" ")
}

/// `text` with each control character written as its Rust escape.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_paths_are_redacted_from_the_request_log() {
        for (path, logged) in [
            ("/manage/rdvm_abc", "/manage/[redacted]"),
            ("/manage/rdvm_abc/event.ics", "/manage/[redacted]/event.ics"),
            ("/link/whatever", "/link/[redacted]"),
            ("/reset/rdt_x", "/reset/[redacted]"),
            ("/invite/rdt_x", "/invite/[redacted]"),
            ("/verify/rdt_x", "/verify/[redacted]"),
            (
                "/api/v1/public/manage/rdvm_x/cancel",
                "/api/v1/public/manage/[redacted]/cancel",
            ),
            (
                "/api/v1/public/links/rdvl_x/bookings",
                "/api/v1/public/links/[redacted]/bookings",
            ),
            (
                "/api/v1/public/calendar-feeds/guessed",
                "/api/v1/public/calendar-feeds/[redacted]",
            ),
            ("/feeds/RDVF_x", "/feeds/[redacted]"),
            ("/x/rdvm%5Fabc", "/x/[redacted]"),
        ] {
            assert_eq!(redacted_path(path), logged, "{path}");
        }
    }

    #[test]
    fn paths_without_tokens_are_logged_as_they_are() {
        for path in ["/", "/api/v1/bookings", "/dashboard/bookings", "/manage/"] {
            assert!(matches!(redacted_path(path), Cow::Borrowed(p) if p == path));
        }
    }

    #[test]
    fn control_characters_are_escaped_in_logged_values() {
        assert_eq!(
            escape_controls("Eve\r\nINFO forged line\u{1b}[31m"),
            "Eve\\r\\nINFO forged line\\u{1b}[31m"
        );
        assert_eq!(escape_controls("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn the_human_log_keeps_one_event_on_one_line() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .map_err(|_| std::io::ErrorKind::Other)?
                    .extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(fields())
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", path = %"/x\r\nINFO fake");
            let _entered = span.enter();
            tracing::info!(name = %"Eve\r\nINFO fake event", "booked {}", "a\nb");
        });
        let text = String::from_utf8(buffer.0.lock().map(|b| b.clone()).unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("name=Eve\\r\\nINFO fake event"), "{text}");
        assert!(text.contains("booked a\\nb"), "{text}");
    }
}
