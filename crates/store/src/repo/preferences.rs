//! Users' notification preferences: message types they mute, do-not-disturb hours, the
//! host reminder's lead time and the channel of host messages. The booking fan-out reads
//! them when it queues a host's messages; scheduling reads the lead time.

use sqlx::types::Json;

use crate::scope::Scope;
use crate::{Db, Error, Tx, with_pool, with_tx};
use domain::ids::{OrganizationId, Timestamp, UserId};
use domain::preferences::{Preferences, PreferredChannel};

#[derive(sqlx::FromRow)]
struct Row {
    muted_events: Json<Vec<String>>,
    dnd_start: Option<i32>,
    dnd_end: Option<i32>,
    reminder_lead_minutes: Option<i32>,
    preferred_channel: String,
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

/// Notification preferences inside a unit of work.
#[derive(Debug)]
pub struct PreferencesTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// Users' notification preferences, read inside this unit.
    pub fn preferences(&mut self) -> PreferencesTx<'_> {
        PreferencesTx { unit: self }
    }
}

impl PreferencesTx<'_> {
    /// `user`'s preferences (the defaults when they chose none).
    pub async fn of_user(&mut self, user: UserId) -> Result<Preferences, Error> {
        of_user(&mut self.unit.tx, self.unit.org, user).await
    }
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
