//! Accounts: sign-in and sessions, users, custom roles, teams (issue 5). One module per
//! resource; each handler parses, calls one `services` function and renders.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod roles;
pub mod sessions;
pub mod teams;
pub mod users;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

/// The accounts routes, with their documentation.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth::sign_up))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::request_password_reset))
        .routes(routes!(auth::reset_password))
        .routes(routes!(auth::accept_invitation))
        .routes(routes!(auth::request_email_verification))
        .routes(routes!(auth::verify_email))
        .routes(routes!(auth::unlock))
        .routes(routes!(sessions::list_my_sessions))
        .routes(routes!(sessions::revoke_my_session))
        .routes(routes!(sessions::revoke_my_other_sessions))
        .routes(routes!(api_keys::create_api_key, api_keys::list_api_keys))
        .routes(routes!(api_keys::revoke_api_key))
        .routes(routes!(audit::list_audit_log))
        .routes(routes!(users::list_users, users::invite_user))
        .routes(routes!(
            users::get_user,
            users::update_user,
            users::delete_user
        ))
        .routes(routes!(users::update_me))
        .routes(routes!(roles::list_roles, roles::create_role))
        .routes(routes!(
            roles::get_role,
            roles::update_role,
            roles::delete_role
        ))
        .routes(routes!(teams::list_teams, teams::create_team))
        .routes(routes!(
            teams::get_team,
            teams::update_team,
            teams::delete_team
        ))
        .routes(routes!(teams::list_members))
        .routes(routes!(teams::put_member, teams::remove_member))
}

/// Accepts `null` as "clear" and absence as "leave": `Some(None)` vs `None`.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(d).map(Some)
}
