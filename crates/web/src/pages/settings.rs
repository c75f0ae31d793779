//! The dashboard's settings: my profile (name, booking-page handle, time zone, phone), how
//! I am told about my bookings (reminder lead time, channel), the organization's branding (owners and admins), and API keys (owners and admins). Each
//! form calls the service the JSON API calls for the same change.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use domain::ids::ApiKeyId;
use serde::{Deserialize, Serialize};
use services::ServiceError;
use uuid::Uuid;

use super::Rendered;
use super::kit::{Chrome, chrome, field_errors, private_page};
use super::render::render;
use super::session::{SessionForm, SignedIn};
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/settings", get(show))
        .route("/dashboard/settings/profile", post(save_profile))
        .route(
            "/dashboard/settings/notifications",
            post(save_notifications),
        )
        .route("/dashboard/settings/branding", post(save_branding))
        .route("/dashboard/settings/api-keys", post(create_key))
        .route("/dashboard/settings/api-keys/{id}/revoke", post(revoke_key))
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct ProfileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    phone: String,
}

/// The reminder lead time and channel; muted messages and do-not-disturb hours (set through
/// the API) stay as they are.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct NotificationsForm {
    /// Minutes; blank: the system default.
    #[serde(default)]
    reminder_lead_minutes: String,
    #[serde(default)]
    preferred_channel: String,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct BrandingForm {
    #[serde(default)]
    organization_name: String,
    #[serde(default)]
    brand_color: String,
    #[serde(default)]
    logo_url: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct KeyForm {
    #[serde(default)]
    key_name: String,
}

#[derive(Serialize)]
struct KeyRow {
    id: Uuid,
    name: String,
    created: String,
    last_used: Option<String>,
    revoked: bool,
}

#[derive(Serialize)]
struct SettingsContext {
    chrome: Chrome,
    profile: ProfileForm,
    notifications: NotificationsForm,
    branding: BrandingForm,
    /// Owners and admins change the organization's branding.
    is_admin: bool,
    /// Whoever holds `api_keys.manage` manages their own keys (admins everyone's).
    manages_keys: bool,
    keys: Vec<KeyRow>,
    /// A key just issued: shown this once.
    new_key: Option<String>,
    organizer_url: Option<String>,
    errors: BTreeMap<String, String>,
}

/// What the settings page shows when nothing was typed: the stored values.
async fn context(
    state: &AppState,
    signed_in: &SignedIn,
    notice: Option<String>,
) -> Result<SettingsContext, ServiceError> {
    let scope = &signed_in.scope;
    let me = services::users::current(&state.db, scope).await?;
    let organization = services::organizations::get(&state.db, scope).await?;
    let preferences = services::preferences::get_own(&state.db, scope).await?;
    let is_admin = services::organizations::may_update(scope);
    let manages_keys = services::api_keys::may_manage(scope);
    let keys = if manages_keys {
        services::api_keys::list(&state.db, scope)
            .await?
            .into_iter()
            .map(|k| KeyRow {
                id: k.id.0,
                name: k.name,
                created: k.created_at.to_jiff().strftime("%Y-%m-%d").to_string(),
                last_used: k
                    .last_used_at
                    .map(|t| t.to_jiff().strftime("%Y-%m-%d %H:%M UTC").to_string()),
                revoked: k.revoked_at.is_some(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let (mut chrome, _) = chrome(state, signed_in, "settings")
        .await
        .map_err(|_| ServiceError::NotFound("user"))?;
    chrome.notice = notice;
    Ok(SettingsContext {
        chrome,
        organizer_url: me
            .slug
            .as_ref()
            .map(|s| format!("/u/{}/{s}", organization.slug)),
        profile: ProfileForm {
            name: me.name,
            slug: me.slug.unwrap_or_default(),
            time_zone: me.time_zone,
            phone: me.phone.unwrap_or_default(),
        },
        notifications: NotificationsForm {
            reminder_lead_minutes: preferences
                .reminder_lead_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
            preferred_channel: preferences.preferred_channel.as_str().to_owned(),
        },
        branding: BrandingForm {
            organization_name: organization.name,
            brand_color: organization.brand_color.unwrap_or_default(),
            logo_url: organization.logo_url.unwrap_or_default(),
        },
        is_admin,
        manages_keys,
        keys,
        new_key: None,
        errors: BTreeMap::new(),
    })
}

fn page(context: SettingsContext) -> Rendered {
    let status = if context.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render("dashboard/settings.html", context)?;
    Ok((status, private_page(html)).into_response())
}

/// What a form is told of a unique value (a slug, an email) someone else has. The page's
/// forms prefix their fields, as several share it.
const TAKEN: &str = "Someone in your organization has this already.";

pub(crate) async fn show(State(state): State<AppState>, signed_in: SignedIn) -> Rendered {
    page(context(&state, &signed_in, None).await?)
}

fn signed(scope: services::Scope, csrf: String) -> SignedIn {
    SignedIn { scope, csrf }
}

pub(crate) async fn save_profile(
    State(state): State<AppState>,
    submitted: SessionForm<ProfileForm>,
) -> Rendered {
    let signed_in = signed(submitted.scope, submitted.csrf);
    let form = submitted.form;
    let slug = form.slug.trim();
    let input = services::users::Profile {
        name: Some(form.name.clone()),
        slug: Some((!slug.is_empty()).then(|| slug.to_owned())),
        time_zone: Some(form.time_zone.trim().to_owned()),
        phone: Some(optional(&form.phone)),
        ..services::users::Profile::default()
    };
    match services::users::update_me(&state.db, &signed_in.scope, input).await {
        Ok(_) => page(context(&state, &signed_in, Some("Profile saved.".to_owned())).await?),
        Err(e) => {
            let errors = field_errors(e, "profile_", Some(TAKEN))?;
            let mut context = context(&state, &signed_in, None).await?;
            context.profile = form;
            context.errors = errors;
            page(context)
        }
    }
}

pub(crate) async fn save_notifications(
    State(state): State<AppState>,
    submitted: SessionForm<NotificationsForm>,
) -> Rendered {
    let signed_in = signed(submitted.scope, submitted.csrf);
    let form = submitted.form;
    let current = services::preferences::get_own(&state.db, &signed_in.scope).await?;
    let lead = optional(&form.reminder_lead_minutes);
    // Not a number: a value the service refuses with its own message (bounds included).
    let lead_minutes = lead.as_ref().map(|m| m.parse::<i32>().unwrap_or(i32::MIN));
    let input = services::preferences::PreferencesInput {
        muted_events: current.muted_events,
        do_not_disturb: current.dnd.map(|(from, until)| {
            (
                services::preferences::hhmm(from),
                services::preferences::hhmm(until),
            )
        }),
        reminder_lead_minutes: lead_minutes,
        preferred_channel: optional(&form.preferred_channel),
    };
    match services::preferences::set_own(&state.db, &signed_in.scope, input).await {
        Ok(_) => page(
            context(
                &state,
                &signed_in,
                Some("Notification settings saved.".to_owned()),
            )
            .await?,
        ),
        Err(e) => {
            let errors = field_errors(e, "notifications_", Some(TAKEN))?;
            let mut context = context(&state, &signed_in, None).await?;
            context.notifications = form;
            context.errors = errors;
            page(context)
        }
    }
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

pub(crate) async fn save_branding(
    State(state): State<AppState>,
    submitted: SessionForm<BrandingForm>,
) -> Rendered {
    let signed_in = signed(submitted.scope, submitted.csrf);
    let form = submitted.form;
    let input = services::organizations::UpdateOrganization {
        name: Some(form.organization_name.clone()),
        brand_color: Some(optional(&form.brand_color)),
        logo_url: Some(optional(&form.logo_url)),
        default_time_zone: None,
    };
    match services::organizations::update(&state.db, &signed_in.scope, input).await {
        Ok(_) => page(context(&state, &signed_in, Some("Branding saved.".to_owned())).await?),
        Err(e) => {
            let errors = field_errors(e, "branding_", Some(TAKEN))?;
            let mut context = context(&state, &signed_in, None).await?;
            context.branding = form;
            context.errors = errors;
            page(context)
        }
    }
}

pub(crate) async fn create_key(
    State(state): State<AppState>,
    submitted: SessionForm<KeyForm>,
) -> Rendered {
    let signed_in = signed(submitted.scope, submitted.csrf);
    let input = services::api_keys::NewApiKey {
        user_id: None,
        name: submitted.form.key_name.trim().to_owned(),
        scopes: None,
        expires_at: None,
    };
    match services::api_keys::create(&state.db, &signed_in.scope, input).await {
        Ok(issued) => {
            let mut context = context(
                &state,
                &signed_in,
                Some("Key created. Copy it now: it is not shown again.".to_owned()),
            )
            .await?;
            context.new_key = Some(issued.token.expose().to_owned());
            page(context)
        }
        Err(e) => {
            let errors = field_errors(e, "key_", Some(TAKEN))?;
            let mut context = context(&state, &signed_in, None).await?;
            context.errors = errors;
            page(context)
        }
    }
}

pub(crate) async fn revoke_key(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    submitted: SessionForm<super::signin::Empty>,
) -> Rendered {
    services::api_keys::revoke(&state.db, &submitted.scope, ApiKeyId(id)).await?;
    Ok(Redirect::to("/dashboard/settings").into_response())
}
