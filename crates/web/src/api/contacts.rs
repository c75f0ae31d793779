//! `/api/v1/contacts`: everyone who booked, kept current by every booking.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiQuery, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactBody {
    pub id: Uuid,
    /// The host whose contact this is.
    pub owner_user_id: Uuid,
    pub email: String,
    pub name: String,
    pub time_zone: String,
    pub total_bookings: i32,
    #[schema(format = DateTime)]
    pub last_booking_at: String,
    pub tags: Vec<String>,
}

impl From<domain::contacts::Contact> for ContactBody {
    fn from(c: domain::contacts::Contact) -> Self {
        Self {
            id: c.id.0,
            owner_user_id: c.owner_user_id.0,
            email: c.email,
            name: c.name,
            time_zone: c.time_zone,
            total_bookings: c.total_bookings,
            last_booking_at: super::instant(c.last_booking_at),
            tags: c.tags,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactFilter {
    /// Only this host's contacts.
    pub owner_user_id: Option<Uuid>,
    /// 1 to 500; 100 when absent.
    #[serde(default, deserialize_with = "crate::extract::in_range::<_, 1, 500>")]
    pub limit: Option<u32>,
}

/// List contacts, most recent booking first.
///
/// The caller's own and those who booked a team event type the caller is a host of;
/// everyone's with `bookings.read_all`.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "bookings", security(("api_key" = [])),
    params(ContactFilter),
    responses(
        (status = 403, description = "Lacks contacts.read", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "Contacts", body = Vec<ContactBody>),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_contacts(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(filter): ApiQuery<ContactFilter>,
) -> Result<Json<Vec<ContactBody>>, ApiError> {
    let list = services::contacts::list(
        &state.db,
        &scope,
        filter.owner_user_id.map(domain::ids::UserId),
        filter.limit.unwrap_or(100),
    )
    .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}
