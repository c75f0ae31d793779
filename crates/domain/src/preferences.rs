use crate::ids::Timestamp;
use serde::{Deserialize, Serialize};

/// A user's preferences; the default is every message, any time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// Message types (`booking.created`, ...) the user does not want.
    pub muted_events: Vec<String>,
    /// Do-not-disturb from / until, in minutes after midnight in the user's zone.
    pub dnd: Option<(i32, i32)>,
    /// Minutes before a booking's start the host's reminder comes; `None`: the system
    /// default ([`REMINDER_LEAD`]).
    pub reminder_lead_minutes: Option<i32>,
    /// How the host's own booking messages (notices and reminders) go.
    pub preferred_channel: PreferredChannel,
}

/// The channel of a host's own booking messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PreferredChannel {
    #[default]
    Email,
    /// A text message to the user's phone (e-mail when no SMS provider is configured).
    Sms,
}

impl PreferredChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "email" => Some(Self::Email),
            "sms" => Some(Self::Sms),
            _ => None,
        }
    }
}

impl Preferences {
    /// How long before the start the host's reminder comes.
    pub fn reminder_lead(&self) -> jiff::SignedDuration {
        self.reminder_lead_minutes.map_or(REMINDER_LEAD, |m| {
            jiff::SignedDuration::from_mins(i64::from(m))
        })
    }

    /// When a message to this user due at `at` may go: `at`, or the end of the
    /// do-not-disturb window `at` falls in (in `zone`).
    pub fn deliver_at(&self, at: Timestamp, zone: &jiff::tz::TimeZone) -> Timestamp {
        let Some((start, end)) = self.dnd else {
            return at;
        };
        if start == end {
            return at;
        }
        let local = at.to_jiff().to_zoned(zone.clone());
        let minute = i32::from(local.hour()) * 60 + i32::from(local.minute());
        let inside = if start < end {
            (start..end).contains(&minute)
        } else {
            minute >= start || minute < end
        };
        if !inside {
            return at;
        }
        // The window ends today, or (crossing midnight, before midnight) tomorrow.
        let days = i64::from(start > end && minute >= start);
        let ends = local
            .date()
            .checked_add(jiff::Span::new().days(days))
            .ok()
            .and_then(|d| {
                d.at(
                    i8::try_from(end / 60).unwrap_or(0),
                    i8::try_from(end % 60).unwrap_or(0),
                    0,
                    0,
                )
                .to_zoned(zone.clone())
                .ok()
            });
        ends.map_or(at, |z| Timestamp::from(z.timestamp()))
    }
}

/// How long before the start a reminder goes out (the seed's `reminder_minutes_before`):
/// always the attendees', and the host's unless they chose another lead time.
pub const REMINDER_LEAD: jiff::SignedDuration = jiff::SignedDuration::from_mins(60);

/// How long after the end a follow-up goes out.
pub const FOLLOW_UP_DELAY: jiff::SignedDuration = jiff::SignedDuration::from_mins(60);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        Timestamp::from(s.parse::<jiff::Timestamp>().unwrap())
    }

    #[test]
    fn messages_in_do_not_disturb_wait_until_it_ends_in_the_users_zone() {
        let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        let night = Preferences {
            muted_events: vec![],
            dnd: Some((22 * 60, 7 * 60)),
            ..Preferences::default()
        };
        // 23:30 in Berlin (winter, UTC+1): until 07:00 the next day.
        assert_eq!(
            night.deliver_at(at("2026-12-01T22:30:00Z"), &berlin),
            at("2026-12-02T06:00:00Z")
        );
        // 05:00 in Berlin: until 07:00 the same day.
        assert_eq!(
            night.deliver_at(at("2026-12-02T04:00:00Z"), &berlin),
            at("2026-12-02T06:00:00Z")
        );
        // Noon: now.
        assert_eq!(
            night.deliver_at(at("2026-12-02T11:00:00Z"), &berlin),
            at("2026-12-02T11:00:00Z")
        );
        let lunch = Preferences {
            muted_events: vec![],
            dnd: Some((12 * 60, 13 * 60)),
            ..Preferences::default()
        };
        assert_eq!(
            lunch.deliver_at(at("2026-12-02T11:30:00Z"), &berlin),
            at("2026-12-02T12:00:00Z")
        );
        assert_eq!(
            Preferences::default().deliver_at(at("2026-12-02T11:30:00Z"), &berlin),
            at("2026-12-02T11:30:00Z")
        );
    }
}
