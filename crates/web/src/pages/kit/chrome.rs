//! The frame around every dashboard page: the navigation and brand it shows, and the
//! response headers it is sent with.

use axum::http::header;
use axum::response::{Html, Response};
use domain::users::User;
use serde::Serialize;

use crate::pages::PageError;
use crate::pages::branding::Palette;
use crate::pages::render::page;
use crate::pages::session::SignedIn;
use crate::state::AppState;

/// The dashboard may not be framed by anyone.
const PRIVATE_CSP: &str = "default-src 'self'; img-src 'self' https: data:; \
    style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub(crate) fn private_page(html: Html<String>) -> Response {
    let mut response = page(html);
    if let Ok(v) = header::HeaderValue::from_str(PRIVATE_CSP) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

/// What every dashboard page shows around its content.
#[derive(Serialize)]
pub(crate) struct Chrome {
    brand: Palette,
    organization: String,
    user_name: String,
    csrf: String,
    /// Which tab is current.
    section: &'static str,
    /// Owners and admins also see the organization's webhooks.
    manages_webhooks: bool,
    manages_workflows: bool,
    /// Who may read event types sees the routing forms.
    reads_event_types: bool,
    /// Who may see the teams sees the teams page.
    reads_teams: bool,
    /// Who may see resources sees the resources page.
    reads_resources: bool,
    pub(crate) notice: Option<String>,
}

pub(crate) async fn chrome(
    state: &AppState,
    signed_in: &SignedIn,
    section: &'static str,
) -> Result<(Chrome, User), PageError> {
    let me = services::users::current(&state.db, &signed_in.scope).await?;
    let organization = services::organizations::get(&state.db, &signed_in.scope).await?;
    Ok((
        Chrome {
            brand: Palette::of(organization.brand_color.as_deref()),
            organization: organization.name,
            user_name: me.name.clone(),
            csrf: signed_in.csrf.clone(),
            section,
            manages_webhooks: signed_in
                .scope
                .grant::<services::can::ManageWebhooks>()
                .is_some(),
            manages_workflows: signed_in
                .scope
                .grant::<services::can::ManageWorkflows>()
                .is_some(),
            reads_teams: signed_in
                .scope
                .grant::<services::can::ReadTeams>()
                .is_some(),
            reads_resources: signed_in
                .scope
                .grant::<services::can::ReadResources>()
                .is_some(),
            reads_event_types: signed_in
                .scope
                .grant::<services::can::ReadEventTypes>()
                .is_some(),
            notice: None,
        },
        me,
    ))
}
