//! `/api/v1/audit-log`: who changed what (`audit.read`).

use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::audit::AuditFilter;
use domain::ids::{AuditId, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiQuery, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// One recorded change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryBody {
    pub id: Uuid,
    #[schema(format = DateTime)]
    pub occurred_at: String,
    /// `api_key`, `session`, `operator`, `anonymous`, `invitee` or `attendee`.
    pub actor_type: String,
    /// Who acted: the user, an API key's holder (who issued it), or the attendee.
    pub actor_id: Option<Uuid>,
    /// The user an API key acted as, when its holder (`actor_id`) is someone else.
    pub on_behalf_of: Option<Uuid>,
    #[schema(example = "login.failed")]
    pub action: String,
    pub target_type: String,
    pub target_id: Option<Uuid>,
    #[schema(value_type = Option<Object>)]
    pub old_values: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub new_values: Option<serde_json::Value>,
    pub ip: Option<String>,
}

/// A page of entries, newest first; pass `next_cursor` as `cursor` for the next one.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryBody>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Exactly this action.
    #[param(example = "api_key.created")]
    pub action: Option<String>,
    /// The kind of thing changed (`user`, `booking`, ...).
    pub target_type: Option<String>,
    pub target_id: Option<Uuid>,
    /// The user (or attendee) who acted, or whom a key acted as.
    pub actor_id: Option<Uuid>,
    /// Entries at or after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<jiff::Timestamp>,
    /// Entries before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub until: Option<jiff::Timestamp>,
    pub cursor: Option<String>,
    /// 1 to 200; 50 when absent.
    #[serde(default, deserialize_with = "crate::extract::in_range::<_, 1, 200>")]
    pub limit: Option<u32>,
}

/// Read the audit log.
///
/// Needs `audit.read`. Newest first, filtered by action, target, actor and time range.
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "accounts", security(("api_key" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 403, description = "Lacks audit.read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_audit_log(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<axum::Json<AuditPage>, ApiError> {
    let before = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(|| {
            ApiError::from(services::ServiceError::field(
                "/cursor",
                "cursor",
                "not a cursor this API gave out",
            ))
        })?),
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let filter = AuditFilter {
        action: q.action,
        target_type: q.target_type,
        target_id: q.target_id,
        actor_id: q.actor_id,
        from: q.from.map(Into::into),
        until: q.until.map(Into::into),
        before,
        limit,
    };
    let page = services::audit::search(&state.db, &scope, filter).await?;
    let next_cursor = (page.len() as u32 >= limit)
        .then(|| page.last().map(|e| encode_cursor(e.occurred_at, e.id)))
        .flatten();
    let entries = page
        .into_iter()
        .map(|e| AuditEntryBody {
            id: e.id.0,
            occurred_at: crate::api::instant(e.occurred_at),
            actor_type: e.actor_type,
            actor_id: e.actor_id,
            on_behalf_of: e.on_behalf_of,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            old_values: e.old_values,
            new_values: e.new_values,
            ip: e.ip,
        })
        .collect();
    Ok(axum::Json(AuditPage {
        entries,
        next_cursor,
    }))
}

fn encode_cursor(at: Timestamp, id: AuditId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", at.as_millisecond(), id.0))
}

fn decode_cursor(cursor: &str) -> Option<(Timestamp, AuditId)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (ms, id) = text.split_once(':')?;
    Some((
        Timestamp::from_millisecond(ms.parse().ok()?).ok()?,
        AuditId(id.parse().ok()?),
    ))
}
