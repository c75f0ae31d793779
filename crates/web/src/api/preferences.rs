//! `/api/v1/me/notification-preferences`: what the signed-in user is told about as a host,
//! when, and how.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use domain::preferences::Preferences;
use services::preferences::{PreferencesInput, hhmm};

/// Do-not-disturb hours in the user's own time zone; may cross midnight (`22:00`–`07:00`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoNotDisturb {
    #[schema(example = "22:00")]
    pub from: String,
    #[schema(example = "07:00")]
    pub until: String,
}

/// Host messages of a muted type are not sent; others that fall in the do-not-disturb hours
/// wait until they end, except cancellations, which go at once.
///
/// The host's reminder comes `reminder_lead_minutes` before a booking's start; attendees'
/// reminders keep the system's lead time (60 minutes). A changed lead time applies to
/// reminders scheduled afterwards: new bookings and later reschedules; reminders already
/// planned keep their time.
///
/// With `preferred_channel` `sms`, the host's booking notices and reminders are text
/// messages to the profile's `phone` (required); attendees are still e-mailed. When the
/// server has no SMS provider, or the phone was removed since, they go by e-mail instead.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationPreferencesBody {
    /// Message types not to send (`booking.created`, ..., `booking.reminder`,
    /// `booking.follow_up`).
    #[serde(default)]
    pub muted_events: Vec<String>,
    #[serde(default)]
    pub do_not_disturb: Option<DoNotDisturb>,
    /// Minutes before a booking's start the host's reminder comes, 5 to 10080 (seven days);
    /// absent or `null`: the system default, 60.
    #[serde(default)]
    #[schema(minimum = 5, maximum = 10080, example = 1440)]
    pub reminder_lead_minutes: Option<i32>,
    /// `email` (default) or `sms`; `sms` needs a phone on the profile.
    #[serde(default)]
    #[schema(example = "sms")]
    pub preferred_channel: Option<String>,
}

impl From<Preferences> for NotificationPreferencesBody {
    fn from(p: Preferences) -> Self {
        Self {
            muted_events: p.muted_events,
            do_not_disturb: p.dnd.map(|(from, until)| DoNotDisturb {
                from: hhmm(from),
                until: hhmm(until),
            }),
            reminder_lead_minutes: p.reminder_lead_minutes,
            preferred_channel: Some(p.preferred_channel.as_str().to_owned()),
        }
    }
}

/// The signed-in user's notification preferences.
#[utoipa::path(get, path = "/api/v1/me/notification-preferences", tag = "messages", security(("api_key" = [])),
    responses(
        (status = 200, description = "Their preferences (defaults: everything, any time)", body = NotificationPreferencesBody),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_notification_preferences(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<Json<NotificationPreferencesBody>, ApiError> {
    let prefs = services::preferences::get_own(&state.db, &scope).await?;
    Ok(Json(prefs.into()))
}

/// Replace the signed-in user's notification preferences.
#[utoipa::path(put, path = "/api/v1/me/notification-preferences", tag = "messages", security(("api_key" = [])),
    request_body = NotificationPreferencesBody,
    responses(
        (status = 200, description = "Saved", body = NotificationPreferencesBody),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An unknown message type, a bad time, a lead time out of range, or `sms` without a phone", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_notification_preferences(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<NotificationPreferencesBody>,
) -> Result<Json<NotificationPreferencesBody>, ApiError> {
    let input = PreferencesInput {
        muted_events: body.muted_events,
        do_not_disturb: body.do_not_disturb.map(|d| (d.from, d.until)),
        reminder_lead_minutes: body.reminder_lead_minutes,
        preferred_channel: body.preferred_channel,
    };
    let saved = services::preferences::set_own(&state.db, &scope, input).await?;
    Ok(Json(saved.into()))
}
