//! `/api/v1/message-templates`: the organization's wording of each message type per channel
//! (`email`: subject, HTML and text; `sms`: text), in a bounded subset of minijinja
//! (`notify::templates::sandbox`). Saving checks the template: it must compile, stay in the
//! subset, use only the placeholders messages carry, keep the ones its type requires, and
//! render sample data within 256 KB. Deleting resets to the built-in template.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extract::{ApiJson, ApiPath, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use notify::templates::{Rendered, TemplateSet, placeholders};
use services::templates::EffectiveTemplate;

#[derive(Debug, Serialize, ToSchema)]
pub struct RequiredPlaceholders {
    /// `subject`, `html` or `text`.
    pub part: String,
    pub placeholders: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageTemplateBody {
    /// The message type: `booking.created`, `booking.requested`, `booking.confirmed`,
    /// `booking.rejected`, `booking.rescheduled`, `booking.cancelled`, `booking.reminder`,
    /// `booking.follow_up`.
    pub event: String,
    /// `email` or `sms`.
    pub channel: String,
    /// E-mail subject (one line; empty for SMS).
    pub subject: String,
    /// E-mail HTML body, auto-escaped (empty for SMS).
    pub html: String,
    /// Plain-text body (the e-mail's text part, or the SMS).
    pub text: String,
    /// `false` while the built-in template applies.
    pub customized: bool,
    /// Placeholders each part must use.
    pub required_placeholders: Vec<RequiredPlaceholders>,
    /// Every placeholder a template may use.
    pub available_placeholders: Vec<String>,
    #[schema(format = DateTime)]
    pub updated_at: Option<String>,
}

impl From<EffectiveTemplate> for MessageTemplateBody {
    fn from(t: EffectiveTemplate) -> Self {
        let available_placeholders = placeholders(&t.event)
            .iter()
            .map(|p| (*p).to_owned())
            .collect();
        Self {
            event: t.event,
            channel: t.channel.as_str().to_owned(),
            subject: t.set.subject,
            html: t.set.html,
            text: t.set.text,
            customized: t.customized,
            required_placeholders: t
                .required
                .into_iter()
                .map(|(part, names)| RequiredPlaceholders {
                    part: part.to_owned(),
                    placeholders: names.iter().map(|n| (*n).to_owned()).collect(),
                })
                .collect(),
            available_placeholders,
            updated_at: t.updated_at.map(super::instant),
        }
    }
}

/// A template's sources. SMS templates have only `text`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageTemplateRequest {
    #[serde(default)]
    #[schema(example = "{{ verb }}: {{ title }} on {{ when }}")]
    pub subject: String,
    #[serde(default)]
    pub html: String,
    #[schema(example = "Hello {{ recipient }}, {{ title }} is on {{ when }}.")]
    pub text: String,
}

impl From<MessageTemplateRequest> for TemplateSet {
    fn from(r: MessageTemplateRequest) -> Self {
        Self {
            subject: r.subject,
            html: r.html,
            text: r.text,
        }
    }
}

/// What to preview.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// A template to try; absent or null previews the template that applies now.
    #[serde(default)]
    pub draft: Option<MessageTemplateRequest>,
}

/// A template rendered with sample data.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePreview {
    pub subject: String,
    pub html: String,
    pub text: String,
}

impl From<Rendered> for MessagePreview {
    fn from(r: Rendered) -> Self {
        Self {
            subject: r.subject,
            html: r.html,
            text: r.text,
        }
    }
}

/// Every message type on every channel, as it applies now.
#[utoipa::path(get, path = "/api/v1/message-templates", tag = "messages", security(("api_key" = [])),
    responses(
        (status = 200, description = "By message type, then channel", body = Vec<MessageTemplateBody>),
        (status = 403, description = "Lacks templates.manage", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_message_templates(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<Json<Vec<MessageTemplateBody>>, ApiError> {
    let list = services::templates::list(&state.db, &scope).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// One message type's template on one channel.
#[utoipa::path(get, path = "/api/v1/message-templates/{event}/{channel}", tag = "messages", security(("api_key" = [])),
    params(
        ("event" = String, Path, description = "Message type, e.g. booking.created"),
        ("channel" = String, Path, description = "`email` or `sms`"),
    ),
    responses(
        (status = 200, description = "The template that applies", body = MessageTemplateBody),
        (status = 403, description = "Lacks templates.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such message type or channel", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_message_template(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath((event, channel)): ApiPath<(String, String)>,
) -> Result<Json<MessageTemplateBody>, ApiError> {
    let got = services::templates::get(&state.db, &scope, &event, &channel).await?;
    Ok(Json(got.into()))
}

/// Replace the organization's template.
#[utoipa::path(put, path = "/api/v1/message-templates/{event}/{channel}", tag = "messages", security(("api_key" = [])),
    params(
        ("event" = String, Path, description = "Message type, e.g. booking.created"),
        ("channel" = String, Path, description = "`email` or `sms`"),
    ),
    request_body = MessageTemplateRequest,
    responses(
        (status = 200, description = "Saved", body = MessageTemplateBody),
        (status = 403, description = "Lacks templates.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such message type or channel", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A part does not compile (`syntax`), uses what message templates may not (`not_allowed`: `set`, macros, function calls such as `range()` or `debug()`, `*`, `|safe`, ...), lacks a required placeholder (`missing_placeholder`), uses an unknown one (`unknown_placeholder`), renders over 256 KB (`too_large`) or fails to render sample data (`render`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_message_template(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath((event, channel)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<MessageTemplateRequest>,
) -> Result<Json<MessageTemplateBody>, ApiError> {
    let saved = services::templates::put(&state.db, &scope, &event, &channel, body.into()).await?;
    Ok(Json(saved.into()))
}

/// Reset to the built-in template.
#[utoipa::path(delete, path = "/api/v1/message-templates/{event}/{channel}", tag = "messages", security(("api_key" = [])),
    params(
        ("event" = String, Path, description = "Message type, e.g. booking.created"),
        ("channel" = String, Path, description = "`email` or `sms`"),
    ),
    responses(
        (status = 200, description = "The built-in template, which applies again", body = MessageTemplateBody),
        (status = 403, description = "Lacks templates.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such message type or channel", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reset_message_template(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath((event, channel)): ApiPath<(String, String)>,
) -> Result<Json<MessageTemplateBody>, ApiError> {
    let reset = services::templates::reset(&state.db, &scope, &event, &channel).await?;
    Ok(Json(reset.into()))
}

/// Render sample data with a draft (checked as a save would) or, without a body, with the
/// template that applies now.
#[utoipa::path(post, path = "/api/v1/message-templates/{event}/{channel}/preview", tag = "messages", security(("api_key" = [])),
    params(
        ("event" = String, Path, description = "Message type, e.g. booking.created"),
        ("channel" = String, Path, description = "`email` or `sms`"),
    ),
    request_body = PreviewRequest,
    responses(
        (status = 200, description = "The rendered message", body = MessagePreview),
        (status = 403, description = "Lacks templates.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such message type or channel", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The draft is invalid, as for a save", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn preview_message_template(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath((event, channel)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<PreviewRequest>,
) -> Result<Json<MessagePreview>, ApiError> {
    let draft = body.draft.map(Into::into);
    let rendered = services::templates::preview(&state.db, &scope, &event, &channel, draft).await?;
    Ok(Json(rendered.into()))
}
