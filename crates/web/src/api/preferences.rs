//! `/api/v1/me/notification-preferences`: what the signed-in user is e-mailed about as a host,
//! and when.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use services::preferences::{PreferencesInput, hhmm};
use store::repo::preferences::Preferences;

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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationPreferencesBody {
    /// Message types not to send (`booking.created`, ..., `booking.reminder`,
    /// `booking.follow_up`).
    #[serde(default)]
    pub muted_events: Vec<String>,
    #[serde(default)]
    pub do_not_disturb: Option<DoNotDisturb>,
}

impl From<Preferences> for NotificationPreferencesBody {
    fn from(p: Preferences) -> Self {
        Self {
            muted_events: p.muted_events,
            do_not_disturb: p.dnd.map(|(from, until)| DoNotDisturb {
                from: hhmm(from),
                until: hhmm(until),
            }),
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
        (status = 422, description = "An unknown message type or a bad time", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_notification_preferences(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<NotificationPreferencesBody>,
) -> Result<Json<NotificationPreferencesBody>, ApiError> {
    let input = PreferencesInput {
        muted_events: body.muted_events,
        do_not_disturb: body.do_not_disturb.map(|d| (d.from, d.until)),
    };
    let saved = services::preferences::set_own(&state.db, &scope, input).await?;
    Ok(Json(saved.into()))
}
