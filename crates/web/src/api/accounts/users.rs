//! `/api/v1/users`: the organization's people; `/api/v1/me/profile`: one's own profile.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::access::Role;
use domain::users::UserStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserBody {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// `owner`, `admin`, `member` or `viewer`.
    pub role: String,
    pub custom_role_id: Option<Uuid>,
    /// `invited`, `active`, `inactive` or `suspended`.
    pub status: String,
    pub slug: Option<String>,
    pub time_zone: String,
    pub reasonable_hours_start: i32,
    pub reasonable_hours_end: i32,
    pub email_verified: bool,
    #[schema(format = DateTime)]
    pub locked_until: Option<String>,
    #[schema(format = DateTime)]
    pub last_login_at: Option<String>,
    pub last_login_ip: Option<String>,
    /// E.164 phone number, for host messages by SMS.
    #[schema(example = "+14155550123")]
    pub phone: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<domain::users::User> for UserBody {
    fn from(u: domain::users::User) -> Self {
        Self {
            id: u.id.0,
            email: u.email,
            name: u.name,
            role: u.role.as_str().to_owned(),
            custom_role_id: u.custom_role_id.map(|r| r.0),
            status: u.status.as_str().to_owned(),
            slug: u.slug,
            time_zone: u.time_zone,
            reasonable_hours_start: u.reasonable_hours_start,
            reasonable_hours_end: u.reasonable_hours_end,
            email_verified: u.email_verified_at.is_some(),
            locked_until: u.locked_until.map(crate::api::instant),
            last_login_at: u.last_login_at.map(crate::api::instant),
            last_login_ip: u.last_login_ip,
            phone: u.phone,
            created_at: crate::api::instant(u.created_at),
        }
    }
}

/// An invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    pub email: String,
    pub name: String,
    #[schema(value_type = String, example = "member")]
    pub role: Role,
    #[serde(default)]
    pub custom_role_id: Option<Uuid>,
    /// Defaults to the organization's zone.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// Profile fields; absent fields stay, `null` clears the slug or the phone.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// A phone number in international form (`+1 415 555-0123`), stored in E.164; it is
    /// where host messages go when the notification preferences choose `sms`.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>, example = "+14155550123")]
    pub phone: Option<Option<String>>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub slug: Option<Option<String>>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub reasonable_hours_start: Option<i32>,
    #[serde(default)]
    pub reasonable_hours_end: Option<i32>,
}

impl From<ProfileBody> for services::users::Profile {
    fn from(b: ProfileBody) -> Self {
        Self {
            name: b.name,
            slug: b.slug,
            time_zone: b.time_zone,
            reasonable_hours_start: b.reasonable_hours_start,
            reasonable_hours_end: b.reasonable_hours_end,
            phone: b.phone,
        }
    }
}

/// Changes an administrator may make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserBody {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<String>)]
    pub slug: Option<Option<String>>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub reasonable_hours_start: Option<i32>,
    #[serde(default)]
    pub reasonable_hours_end: Option<i32>,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "viewer")]
    pub role: Option<Role>,
    /// `null` removes the custom role.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub custom_role_id: Option<Option<Uuid>>,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "suspended")]
    pub status: Option<UserStatus>,
}

/// List users.
///
/// Needs `users.read`.
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", security(("api_key" = [])),
    responses(
        (status = 200, description = "The organization's users", body = Vec<UserBody>),
        (status = 403, description = "Lacks users.read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_users(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<axum::Json<Vec<UserBody>>, ApiError> {
    let users = services::users::list(&state.db, &scope).await?;
    Ok(axum::Json(users.into_iter().map(UserBody::from).collect()))
}

/// Invite a user.
///
/// Needs `users.manage`. The user is created `invited` and gets an e-mail with a link to
/// set a password. 409 if the address is taken in this organization.
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", security(("api_key" = [])),
    request_body = InviteBody,
    responses(
        (status = 201, description = "Invited", body = UserBody),
        (status = 403, description = "Lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such custom role", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "E-mail taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn invite_user(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<InviteBody>,
) -> Result<(StatusCode, axum::Json<UserBody>), ApiError> {
    let input = services::users::Invite {
        email: body.email,
        name: body.name,
        role: body.role,
        custom_role_id: body.custom_role_id.map(domain::ids::RoleId),
        time_zone: body.time_zone,
    };
    let user = services::users::invite(
        &state.db,
        &state.auth.settings,
        &state.calendars.keys,
        &scope,
        input,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(user.into())))
}

/// Get a user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserBody),
        (status = 404, description = "No such user in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_user(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<UserBody>, ApiError> {
    let user = services::users::get(&state.db, &scope, domain::ids::UserId(id)).await?;
    Ok(axum::Json(user.into()))
}

/// Update a user.
///
/// Needs `users.manage`; role and status changes are audited. Only owners touch owners.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body = UpdateUserBody,
    responses(
        (status = 200, description = "The updated user", body = UserBody),
        (status = 403, description = "Lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_user(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<UpdateUserBody>,
) -> Result<axum::Json<UserBody>, ApiError> {
    let input = services::users::Update {
        profile: services::users::Profile {
            name: body.name,
            slug: body.slug,
            time_zone: body.time_zone,
            reasonable_hours_start: body.reasonable_hours_start,
            reasonable_hours_end: body.reasonable_hours_end,
            // A phone number is the user's own to give (PATCH /api/v1/me/profile).
            phone: None,
        },
        role: body.role,
        custom_role_id: body.custom_role_id.map(|r| r.map(domain::ids::RoleId)),
        status: body.status,
    };
    let user = services::users::update(&state.db, &scope, domain::ids::UserId(id), input).await?;
    Ok(axum::Json(user.into()))
}

/// Remove a user.
///
/// They disappear from every read, cannot sign in, and their sessions, API keys and team
/// memberships end; their bookings and history stay (the row is kept, with the address moved
/// aside so it can be invited again). Their public booking pages answer 404.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_user(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::users::delete(&state.db, &scope, domain::ids::UserId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Update my profile.
#[utoipa::path(patch, path = "/api/v1/me/profile", tag = "accounts", security(("api_key" = [])),
    request_body = ProfileBody,
    responses(
        (status = 200, description = "My updated profile", body = UserBody),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_me(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<ProfileBody>,
) -> Result<axum::Json<UserBody>, ApiError> {
    let user = services::users::update_me(&state.db, &scope, body.into()).await?;
    Ok(axum::Json(user.into()))
}
