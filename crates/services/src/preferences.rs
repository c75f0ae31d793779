//! The signed-in user's notification preferences: message types they mute, do-not-disturb
//! hours (in their own zone), the lead time of their reminders as a host and the channel
//! of their host messages. The booking fan-out applies them to the host's messages: muted
//! types are not sent; others wait until the window ends, except cancellations, which go at
//! once; a host preferring `sms` is texted at their profile's phone.
//!
//! The lead time applies to reminders scheduled after it changes (new bookings, and
//! bookings rescheduled later); reminders already planned keep their time.

use domain::preferences::{Preferences, PreferredChannel};
use notify::templates::MESSAGE_TYPES;
use store::{Db, Scope};

use crate::ServiceError;
use crate::fields::Invalid;

/// Preferences as people write them: `HH:MM` times.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PreferencesInput {
    pub muted_events: Vec<String>,
    /// Do-not-disturb `(from, until)`, `HH:MM` each; may cross midnight.
    pub do_not_disturb: Option<(String, String)>,
    /// Minutes before a start the host's reminder comes; `None`: the system default.
    pub reminder_lead_minutes: Option<i32>,
    /// `email` or `sms`; `None`: `email`.
    pub preferred_channel: Option<String>,
}

/// The shortest and longest reminder lead times, in minutes: five minutes, seven days.
pub const REMINDER_LEAD_MINUTES: std::ops::RangeInclusive<i32> = 5..=7 * 24 * 60;

fn minutes(invalid: &mut Invalid, pointer: &str, hhmm: &str) -> i32 {
    let parsed = hhmm.split_once(':').and_then(|(h, m)| {
        let (h, m) = (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?);
        ((0..24).contains(&h) && (0..60).contains(&m) && hhmm.len() == 5).then_some(h * 60 + m)
    });
    parsed.unwrap_or_else(|| {
        invalid.push(pointer, "time", "must be a time of day, HH:MM");
        0
    })
}

/// `HH:MM` of minutes after midnight.
pub fn hhmm(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

pub async fn get_own(db: &Db, scope: &Scope) -> Result<Preferences, ServiceError> {
    Ok(db.preferences().get_own(scope).await?)
}

pub async fn set_own(
    db: &Db,
    scope: &Scope,
    input: PreferencesInput,
) -> Result<Preferences, ServiceError> {
    let mut invalid = Invalid::default();
    for (i, event) in input.muted_events.iter().enumerate() {
        invalid.check(
            MESSAGE_TYPES.contains(&event.as_str()),
            &format!("/muted_events/{i}"),
            "event",
            &format!("must be one of {}", MESSAGE_TYPES.join(", ")),
        );
    }
    let dnd = input.do_not_disturb.as_ref().map(|(from, until)| {
        let from = minutes(&mut invalid, "/do_not_disturb/from", from);
        let until = minutes(&mut invalid, "/do_not_disturb/until", until);
        invalid.check(
            from != until,
            "/do_not_disturb/until",
            "empty",
            "must differ from `from`",
        );
        (from, until)
    });
    if let Some(lead) = input.reminder_lead_minutes {
        invalid.check(
            REMINDER_LEAD_MINUTES.contains(&lead),
            "/reminder_lead_minutes",
            "range",
            &format!(
                "must be {} to {} minutes",
                REMINDER_LEAD_MINUTES.start(),
                REMINDER_LEAD_MINUTES.end()
            ),
        );
    }
    let channel = match input.preferred_channel.as_deref() {
        None => PreferredChannel::Email,
        Some(text) => PreferredChannel::parse(text).unwrap_or_else(|| {
            invalid.push("/preferred_channel", "enum", "must be email or sms");
            PreferredChannel::Email
        }),
    };
    if channel == PreferredChannel::Sms {
        let me = crate::users::current(db, scope).await?;
        invalid.check(
            me.phone.is_some(),
            "/preferred_channel",
            "phone_required",
            "sms needs a phone number on your profile",
        );
    }
    invalid.finish()?;
    let mut muted = input.muted_events;
    muted.sort();
    muted.dedup();
    let prefs = Preferences {
        muted_events: muted,
        dnd,
        reminder_lead_minutes: input.reminder_lead_minutes,
        preferred_channel: channel,
    };
    db.preferences().set_own(scope, &prefs).await?;
    Ok(prefs)
}
