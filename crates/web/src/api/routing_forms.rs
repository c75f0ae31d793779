//! `/api/v1/routing-forms`: forms that route whoever fills them in, and their submissions;
//! `/api/v1/public/routing-forms/{id}`: the form as an invitee sees it, and submitting it.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::event_types::Question;
use domain::ids::RoutingFormId;
use domain::routing::{Action, FormFields, Route, RoutingForm, Submission};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, Authenticated, ClientAddr};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A routing form as its author writes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingFormRequest {
    pub name: String,
    /// The questions asked, as an event type asks them.
    #[serde(default)]
    pub fields: Vec<Question>,
    /// Tried in order; the first whose `when` holds decides. `when` is
    /// `{"field": key, "op": "equals"|"not_equals"|"contains"|"greater_than"|"less_than"|"in",
    /// "value": …}`, or `{"all": [...]}` / `{"any": [...]}` of conditions. `action` is
    /// `{"kind": "event_type", "event_type_id"}`, `{"kind": "members", "event_type_id",
    /// "user_ids"}`, `{"kind": "url", "url"}` or `{"kind": "message", "text"}`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub routes: Vec<Route>,
    /// Where everyone goes whom no route takes (an action, as in `routes`).
    #[schema(value_type = Object)]
    pub fallback: Action,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingFormBody {
    pub id: Uuid,
    /// Who created the form (members change only their own; `routing_forms.manage` changes
    /// any); `null` for forms made before owners were recorded.
    pub owner_user_id: Option<Uuid>,
    pub name: String,
    pub fields: Vec<Question>,
    #[schema(value_type = Vec<Object>)]
    pub routes: Vec<Route>,
    #[schema(value_type = Object)]
    pub fallback: Action,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<RoutingForm> for RoutingFormBody {
    fn from(f: RoutingForm) -> Self {
        Self {
            id: f.id.0,
            owner_user_id: f.owner_user_id.map(|u| u.0),
            name: f.form.name,
            fields: f.form.fields,
            routes: f.form.routes,
            fallback: f.form.fallback,
            created_at: super::instant(f.created_at),
            updated_at: super::instant(f.updated_at),
        }
    }
}

fn fields_of(body: RoutingFormRequest) -> FormFields {
    FormFields {
        name: body.name,
        fields: body.fields,
        routes: body.routes,
        fallback: body.fallback,
    }
}

/// A submission and where it led.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionBody {
    /// Pass as `routing_submission_id` when booking the event type it routed to.
    pub id: Uuid,
    pub form_id: Uuid,
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
    /// The index of the route taken; null for the fallback.
    pub matched: Option<i32>,
    /// Where to go: an event type (with the hosts to choose from), a URL or a message.
    #[schema(value_type = Object)]
    pub route: Action,
    /// The booking made after it, once there is one.
    pub booking_id: Option<Uuid>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<Submission> for SubmissionBody {
    fn from(s: Submission) -> Self {
        Self {
            id: s.id.0,
            form_id: s.form_id.0,
            answers: s.answers,
            matched: s.matched,
            route: s.route,
            booking_id: s.booking_id.map(|b| b.0),
            created_at: super::instant(s.created_at),
        }
    }
}

/// Create a routing form.
#[utoipa::path(post, path = "/api/v1/routing-forms", tag = "routing", security(("api_key" = [])),
    request_body = RoutingFormRequest,
    responses(
        (status = 201, description = "Created", body = RoutingFormBody),
        (status = 403, description = "Lacks event_types.manage", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field, rule or route is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_routing_form(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<RoutingFormRequest>,
) -> Result<(StatusCode, Json<RoutingFormBody>), ApiError> {
    let form = services::routing::create(&state.db, &scope, fields_of(body)).await?;
    Ok((StatusCode::CREATED, Json(form.into())))
}

/// List routing forms.
#[utoipa::path(get, path = "/api/v1/routing-forms", tag = "routing", security(("api_key" = [])),
    responses(
        (status = 200, description = "By name", body = Vec<RoutingFormBody>),
        (status = 403, description = "Lacks event_types.read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_routing_forms(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<Json<Vec<RoutingFormBody>>, ApiError> {
    let forms = services::routing::list(&state.db, &scope).await?;
    Ok(Json(forms.into_iter().map(Into::into).collect()))
}

/// Get a routing form.
#[utoipa::path(get, path = "/api/v1/routing-forms/{id}", tag = "routing", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Routing form id")),
    responses(
        (status = 200, description = "The form", body = RoutingFormBody),
        (status = 403, description = "Lacks event_types.read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_routing_form(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<RoutingFormBody>, ApiError> {
    let form = services::routing::get(&state.db, &scope, RoutingFormId(id)).await?;
    Ok(Json(form.into()))
}

/// Replace a routing form.
#[utoipa::path(put, path = "/api/v1/routing-forms/{id}", tag = "routing", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Routing form id")),
    request_body = RoutingFormRequest,
    responses(
        (status = 200, description = "The new form", body = RoutingFormBody),
        (status = 403, description = "Another member's form and the caller lacks routing_forms.manage, or lacks event_types.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form in this organization", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field, rule or route is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replace_routing_form(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RoutingFormRequest>,
) -> Result<Json<RoutingFormBody>, ApiError> {
    let form =
        services::routing::replace(&state.db, &scope, RoutingFormId(id), fields_of(body)).await?;
    Ok(Json(form.into()))
}

/// Delete a routing form and its submissions.
#[utoipa::path(delete, path = "/api/v1/routing-forms/{id}", tag = "routing", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Routing form id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Another member's form and the caller lacks routing_forms.manage, or lacks event_types.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_routing_form(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::routing::delete(&state.db, &scope, RoutingFormId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List a routing form's submissions, newest first (at most 500).
#[utoipa::path(get, path = "/api/v1/routing-forms/{id}/submissions", tag = "routing", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Routing form id")),
    responses(
        (status = 200, description = "Newest first", body = Vec<SubmissionBody>),
        (status = 403, description = "Not the form's owner and lacks bookings.read_all", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such form in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_submissions(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<SubmissionBody>>, ApiError> {
    let list = services::routing::submissions(&state.db, &scope, RoutingFormId(id)).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// What an invitee sees of a routing form.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicRoutingFormBody {
    pub id: Uuid,
    pub name: String,
    pub fields: Vec<Question>,
}

/// Get a routing form to fill in.
#[utoipa::path(get, path = "/api/v1/public/routing-forms/{id}", tag = "routing",
    params(("id" = Uuid, Path, description = "Routing form id (its link)")),
    responses(
        (status = 200, description = "The form's fields", body = PublicRoutingFormBody),
        (status = 404, description = "No such form", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn public_routing_form(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<PublicRoutingFormBody>, ApiError> {
    let form = services::routing::public(&state.db, RoutingFormId(id)).await?;
    let form = form.form();
    Ok(Json(PublicRoutingFormBody {
        id: form.id.0,
        name: form.form.name.clone(),
        fields: form.form.fields.clone(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// Answers by field key.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
}

/// Fill in a routing form: the answers are stored and the route returned.
#[utoipa::path(post, path = "/api/v1/public/routing-forms/{id}/submissions", tag = "routing",
    params(("id" = Uuid, Path, description = "Routing form id")),
    request_body = SubmitRequest,
    responses(
        (status = 201, description = "Stored; `route` says where to go", body = SubmissionBody),
        (status = 404, description = "No such form", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An answer is invalid or missing; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many submissions from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn submit_routing_form(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<SubmitRequest>,
) -> Result<(StatusCode, Json<SubmissionBody>), ApiError> {
    services::auth::limit_link_booking(&state.auth.settings, ip.as_deref()).await?;
    let submission =
        services::routing::submit(&state.db, RoutingFormId(id), body.answers, ip).await?;
    Ok((StatusCode::CREATED, Json(submission.into())))
}
