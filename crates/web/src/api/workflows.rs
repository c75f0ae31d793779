//! `/api/v1/workflows`: an organization's automations on its bookings, and their runs.
//!
//! A workflow's webhook actions POST a [`WorkflowWebhookEvent`], signed per the Standard
//! Webhooks specification with the workflow's own secret (shown when it is created).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use domain::ids::{EventTypeId, WorkflowId};
use domain::workflows::{
    Action, ActionOutcome, AnswerCondition, Conditions, Run, Totals, Workflow, WorkflowInput,
};

/// Which bookings a workflow runs for; empty lists match every booking.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionsBody {
    /// Only bookings of any of these event types.
    #[serde(default)]
    pub event_type_ids: Vec<Uuid>,
    /// Only bookings with all of these answers (from any attendee).
    #[serde(default)]
    pub answers: Vec<AnswerConditionBody>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerConditionBody {
    /// The question's key.
    pub key: String,
    /// `equals` (exactly) or `contains` (ignoring case; for a multiple choice, any choice).
    #[schema(example = "equals")]
    pub op: String,
    pub value: String,
}

/// One step. `kind` is `email_host`, `email_attendee`, `email_address` (needs `address`),
/// `sms_attendee` (to the attendee's `phone` answer, E.164), `sms_number` (needs `number`,
/// E.164) or `webhook` (needs `url`). E-mails need `subject` and `body`, SMS `body`: minijinja
/// templates with the message templates' placeholders (`recipient`, `title`, `when`,
/// `time_zone`, `location`, `people`, `reason`, `organization`, `role`, `event`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    #[schema(example = "email_attendee")]
    pub kind: String,
    #[serde(default)]
    #[schema(example = "Before {{ title }}")]
    pub subject: String,
    #[serde(default)]
    #[schema(example = "Hello {{ recipient }}, see you {{ when }}.")]
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "+14155550100")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A workflow to create, or to replace one with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowRequest {
    pub name: String,
    /// Default `true`.
    #[serde(default = "yes")]
    pub active: bool,
    /// `booking.created`, `booking.requested`, `booking.confirmed`, `booking.rejected`,
    /// `booking.rescheduled`, `booking.cancelled`, `booking.no_show`, `before_start` or
    /// `after_end`.
    #[schema(example = "before_start")]
    pub trigger: String,
    /// `before_start`: minutes before the start; `after_end`: minutes after the end; a
    /// booking event: minutes after it (0, the default, is at once). At most 43200.
    #[serde(default)]
    pub offset_minutes: i32,
    #[serde(default)]
    pub conditions: ConditionsBody,
    /// In order; at least one, at most 20.
    pub actions: Vec<ActionBody>,
}

fn yes() -> bool {
    true
}

/// How many runs a workflow had.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalsBody {
    pub runs: i64,
    pub succeeded: i64,
    /// Runs with an action that failed on its latest attempt.
    pub failed: i64,
    /// Runs whose booking did not meet the conditions.
    pub skipped: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowBody {
    pub id: Uuid,
    pub name: String,
    pub active: bool,
    pub trigger: String,
    pub offset_minutes: i32,
    pub conditions: ConditionsBody,
    pub actions: Vec<ActionBody>,
    pub totals: TotalsBody,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A workflow with the secret its webhook calls are signed with, shown only when created.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowWithSecret {
    #[serde(flatten)]
    pub workflow: WorkflowBody,
    /// `whsec_` + base64: the key receivers verify `webhook-signature` with.
    pub secret: String,
}

/// What one action did in a run.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionOutcomeBody {
    /// The action's position in the workflow (from 0).
    pub position: usize,
    /// `succeeded`, `failed` or `skipped` (nothing to do, e.g. no phone number).
    pub status: String,
    /// Who it went to, or what went wrong.
    pub detail: String,
}

/// One run of a workflow for one booking.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunBody {
    pub id: Uuid,
    pub booking_id: Uuid,
    /// The trigger that ran it.
    pub event: String,
    /// `running`, `succeeded`, `failed` (an action failed; it is retried) or `skipped` (the
    /// booking did not meet the conditions).
    pub status: String,
    /// How many times it ran; a retry repeats only the actions that did not succeed.
    pub attempts: i32,
    pub actions: Vec<ActionOutcomeBody>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// What a workflow's webhook action POSTs. Versioned by `version`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowWebhookEvent {
    /// Always `workflow.run`.
    #[serde(rename = "type")]
    pub event_type: String,
    #[schema(format = DateTime)]
    pub timestamp: String,
    /// Payload format version; currently 1.
    pub version: u32,
    /// `{"workflow": {"id", "name"}, "trigger", "run_id", "booking", "attendees"}`, the
    /// booking as it is when the run happens.
    pub data: serde_json::Value,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunFilter {
    /// At most this many, newest first (1 to 100, default 50).
    #[serde(default, deserialize_with = "crate::extract::in_range::<_, 1, 100>")]
    pub limit: Option<u32>,
}

fn input(body: WorkflowRequest) -> WorkflowInput {
    WorkflowInput {
        name: body.name,
        active: body.active,
        trigger: body.trigger,
        offset_minutes: body.offset_minutes,
        conditions: Conditions {
            event_type_ids: body
                .conditions
                .event_type_ids
                .into_iter()
                .map(EventTypeId)
                .collect(),
            answers: body
                .conditions
                .answers
                .into_iter()
                .map(|a| AnswerCondition {
                    key: a.key,
                    op: a.op,
                    value: a.value,
                })
                .collect(),
        },
        actions: body
            .actions
            .into_iter()
            .map(|a| Action {
                kind: a.kind,
                subject: a.subject,
                body: a.body,
                address: a.address,
                number: a.number,
                url: a.url,
            })
            .collect(),
    }
}

pub(crate) fn workflow_body(w: Workflow, totals: Totals) -> WorkflowBody {
    WorkflowBody {
        id: w.id.0,
        name: w.name,
        active: w.active,
        trigger: w.trigger,
        offset_minutes: w.offset_minutes,
        conditions: ConditionsBody {
            event_type_ids: w.conditions.event_type_ids.iter().map(|e| e.0).collect(),
            answers: w
                .conditions
                .answers
                .into_iter()
                .map(|a| AnswerConditionBody {
                    key: a.key,
                    op: a.op,
                    value: a.value,
                })
                .collect(),
        },
        actions: w
            .actions
            .into_iter()
            .map(|a| ActionBody {
                kind: a.kind,
                subject: a.subject,
                body: a.body,
                address: a.address,
                number: a.number,
                url: a.url,
            })
            .collect(),
        totals: TotalsBody {
            runs: totals.runs,
            succeeded: totals.succeeded,
            failed: totals.failed,
            skipped: totals.skipped,
        },
        created_at: super::instant(w.created_at),
        updated_at: super::instant(w.updated_at),
    }
}

pub(crate) fn run_body(run: Run) -> RunBody {
    RunBody {
        id: run.id.0,
        booking_id: run.booking_id.0,
        event: run.event,
        status: run.status,
        attempts: run.attempts,
        actions: run
            .outcomes
            .into_iter()
            .enumerate()
            .map(|(position, o): (usize, ActionOutcome)| ActionOutcomeBody {
                position,
                status: o.status,
                detail: o.detail,
            })
            .collect(),
        created_at: super::instant(run.created_at),
        updated_at: super::instant(run.updated_at),
    }
}

/// Create a workflow.
#[utoipa::path(post, path = "/api/v1/workflows", tag = "workflows", security(("api_key" = [])),
    request_body = WorkflowRequest,
    responses(
        (status = 201, description = "Created; the webhook signing secret is shown only now", body = WorkflowWithSecret),
        (status = 403, description = "Lacks workflows.manage", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; each error names it (`/actions/1/body`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_workflow(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<WorkflowRequest>,
) -> Result<(StatusCode, Json<WorkflowWithSecret>), ApiError> {
    let created = services::workflows::create(
        &state.db,
        &state.outbound,
        &state.calendars.keys,
        &scope,
        input(body),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(WorkflowWithSecret {
            workflow: workflow_body(created.workflow, Totals::default()),
            secret: created.secret,
        }),
    ))
}

/// List workflows with their totals.
#[utoipa::path(get, path = "/api/v1/workflows", tag = "workflows", security(("api_key" = [])),
    responses(
        (status = 200, description = "Oldest first", body = Vec<WorkflowBody>),
        (status = 403, description = "Lacks workflows.manage", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_workflows(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<Json<Vec<WorkflowBody>>, ApiError> {
    let list = services::workflows::list(&state.db, &scope).await?;
    Ok(Json(
        list.into_iter()
            .map(|(w, totals)| workflow_body(w, totals))
            .collect(),
    ))
}

/// One workflow with its totals.
#[utoipa::path(get, path = "/api/v1/workflows/{id}", tag = "workflows", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Workflow id")),
    responses(
        (status = 200, description = "The workflow", body = WorkflowBody),
        (status = 403, description = "Lacks workflows.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such workflow in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_workflow(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<WorkflowBody>, ApiError> {
    let (w, totals) = services::workflows::get(&state.db, &scope, WorkflowId(id)).await?;
    Ok(Json(workflow_body(w, totals)))
}

/// Replace a workflow's definition. Runs already queued read it when they run.
#[utoipa::path(put, path = "/api/v1/workflows/{id}", tag = "workflows", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Workflow id")),
    request_body = WorkflowRequest,
    responses(
        (status = 200, description = "Replaced", body = WorkflowBody),
        (status = 403, description = "Lacks workflows.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such workflow in this organization", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; each error names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replace_workflow(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<WorkflowRequest>,
) -> Result<Json<WorkflowBody>, ApiError> {
    let (w, totals) = services::workflows::replace(
        &state.db,
        &state.outbound,
        &scope,
        WorkflowId(id),
        input(body),
    )
    .await?;
    Ok(Json(workflow_body(w, totals)))
}

/// Delete a workflow and its runs; its queued runs do nothing.
#[utoipa::path(delete, path = "/api/v1/workflows/{id}", tag = "workflows", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Workflow id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Lacks workflows.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such workflow in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_workflow(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::workflows::delete(&state.db, &scope, WorkflowId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The workflow's latest runs, each with every action's outcome.
#[utoipa::path(get, path = "/api/v1/workflows/{id}/runs", tag = "workflows", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Workflow id"), RunFilter),
    responses(
        (status = 200, description = "Newest first", body = Vec<RunBody>),
        (status = 403, description = "Lacks workflows.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such workflow in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_workflow_runs(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(filter): ApiQuery<RunFilter>,
) -> Result<Json<Vec<RunBody>>, ApiError> {
    let runs = services::workflows::runs(
        &state.db,
        &scope,
        WorkflowId(id),
        filter.limit.unwrap_or(50),
    )
    .await?;
    Ok(Json(runs.into_iter().map(run_body).collect()))
}
