//! Users' notification preferences: message types they mute, do-not-disturb hours, the
//! host reminder's lead time and the channel of host messages. The booking fan-out reads
//! them when it queues a host's messages; scheduling reads the lead time.

use serde::{Deserialize, Serialize};
use sqlx::types::Json;

use crate::scope::Scope;
use crate::types::{OrganizationId, Timestamp, UserId};
use crate::{Db, Error, Tx, with_pool, with_tx};

/// A user's preferences; the default is every message, any time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// Message types (`booking.created`, ...) the user does not want.
    pub muted_events: Vec<String>,
    /// Do-not-disturb from / until, in minutes after midnight in the user's zone.
    pub dnd: Option<(i32, i32)>,
    /// Minutes before a booking's start the host's reminder comes; `None`: the system
    /// default ([`crate::repo::jobs::REMINDER_LEAD`]).
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
        self.reminder_lead_minutes
            .map_or(crate::repo::jobs::REMINDER_LEAD, |m| {
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

#[derive(sqlx::FromRow)]
struct Row {
    muted_events: Json<Vec<String>>,
    dnd_start: Option<i32>,
    dnd_end: Option<i32>,
    reminder_lead_minutes: Option<i32>,
    preferred_channel: String,
}

impl From<Row> for Preferences {
    fn from(r: Row) -> Self {
        Self {
            muted_events: r.muted_events.0,
            dnd: r.dnd_start.zip(r.dnd_end),
            reminder_lead_minutes: r.reminder_lead_minutes,
            // The column's CHECK allows only the two.
            preferred_channel: PreferredChannel::parse(&r.preferred_channel).unwrap_or_default(),
        }
    }
}

const SELECT: &str = "SELECT muted_events, dnd_start, dnd_end, reminder_lead_minutes, \
    preferred_channel FROM notification_preferences \
    WHERE organization_id = $1 AND user_id = $2";

/// The user's preferences inside `tx` (the fan-out's transaction).
pub(crate) async fn of_user(
    tx: &mut Tx,
    organization_id: OrganizationId,
    user: UserId,
) -> Result<Preferences, Error> {
    let row: Option<Row> = with_tx!(tx, conn => {
        sqlx::query_as(SELECT).bind(organization_id).bind(user).fetch_optional(conn).await?
    });
    Ok(row.map(Preferences::from).unwrap_or_default())
}

/// Users' own notification preferences.
#[derive(Debug)]
pub struct NotificationPreferences<'a> {
    pub(crate) db: &'a Db,
}

impl NotificationPreferences<'_> {
    /// The signed-in user's preferences.
    pub async fn get_own(&self, scope: &Scope) -> Result<Preferences, Error> {
        let user = scope.actor().user_id().ok_or(Error::NotFound("user"))?;
        let row: Option<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(SELECT).bind(scope.organization_id()).bind(user).fetch_optional(pool).await?
        });
        Ok(row.map(Preferences::from).unwrap_or_default())
    }

    /// Replaces the signed-in user's preferences.
    pub async fn set_own(&self, scope: &Scope, prefs: &Preferences) -> Result<(), Error> {
        let user = scope.actor().user_id().ok_or(Error::NotFound("user"))?;
        let (start, end) = prefs.dnd.unzip();
        with_pool!(self.db, scope, pool => {
            sqlx::query(
                "INSERT INTO notification_preferences (organization_id, user_id, muted_events, \
                 dnd_start, dnd_end, updated_at, reminder_lead_minutes, preferred_channel) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (organization_id, user_id) DO UPDATE SET \
                 muted_events = excluded.muted_events, dnd_start = excluded.dnd_start, \
                 dnd_end = excluded.dnd_end, updated_at = excluded.updated_at, \
                 reminder_lead_minutes = excluded.reminder_lead_minutes, \
                 preferred_channel = excluded.preferred_channel",
            )
            .bind(scope.organization_id()).bind(user).bind(Json(&prefs.muted_events))
            .bind(start).bind(end).bind(Timestamp::now())
            .bind(prefs.reminder_lead_minutes).bind(prefs.preferred_channel.as_str())
            .execute(pool).await?;
        });
        Ok(())
    }
}

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
