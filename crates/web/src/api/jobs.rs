//! `/api/v1/jobs`: background work that gave up, and retrying it.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiPath, ApiQuery, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use domain::ids::JobId;

#[derive(Debug, Serialize, ToSchema)]
pub struct JobBody {
    pub id: Uuid,
    /// What the job does: `booking.event`, `webhook.deliver`, ...
    pub kind: String,
    pub payload: serde_json::Value,
    /// `pending`, `running`, `succeeded` or `dead`.
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    /// When it runs next (pending) or its lease ends (running).
    #[schema(format = DateTime)]
    pub run_at: String,
    pub last_error: Option<String>,
    pub booking_id: Option<Uuid>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<services::queue::Job> for JobBody {
    fn from(j: services::queue::Job) -> Self {
        Self {
            id: j.id.0,
            kind: j.kind,
            payload: j.payload,
            state: j.state,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: super::instant(j.run_at),
            last_error: j.last_error,
            booking_id: j.booking_id.map(|b| b.0),
            created_at: super::instant(j.created_at),
            updated_at: super::instant(j.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadJobFilter {
    /// Continue after this job id (the last one of the previous page).
    pub before: Option<Uuid>,
    /// At most this many (1 to 100, default 50).
    #[serde(default, deserialize_with = "crate::extract::in_range::<_, 1, 100>")]
    pub limit: Option<u32>,
}

/// Jobs that ran out of attempts or failed for good, newest first.
#[utoipa::path(get, path = "/api/v1/jobs/dead", tag = "jobs", security(("api_key" = [])),
    params(DeadJobFilter),
    responses(
        (status = 200, description = "Newest first", body = Vec<JobBody>),
        (status = 403, description = "Lacks organization.manage", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_dead_jobs(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(filter): ApiQuery<DeadJobFilter>,
) -> Result<Json<Vec<JobBody>>, ApiError> {
    let list = services::queue::dead(
        &state.db,
        &scope,
        filter.before.map(JobId),
        filter.limit.unwrap_or(50),
    )
    .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Run a dead job again, with a fresh set of attempts.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "jobs", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, description = "Queued again", body = JobBody),
        (status = 403, description = "Lacks organization.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such job in this organization", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job is not dead", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn retry_job(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<JobBody>, ApiError> {
    let job = services::queue::retry(&state.db, &scope, JobId(id)).await?;
    Ok(Json(job.into()))
}
