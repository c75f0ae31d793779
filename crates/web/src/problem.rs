//! Errors as problem details (RFC 9457, `application/problem+json`).
//!
//! Every error response carries a stable, machine-readable `code` (also the last part of
//! `type`), and validation errors list each bad field as a JSON Pointer into the request body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::refusals::{Conflict, Unbookable};
use serde::Serialize;
use services::ServiceError;
use utoipa::ToSchema;

/// The media type of problem responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem details document.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Identifies the problem type: `urn:rendezvous:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Human-readable explanation of this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Machine-readable problem code, stable across releases.
    pub code: String,
    /// For validation problems: each offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One offending field of a request.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FieldProblem {
    /// JSON Pointer (RFC 6901) to the field in the request body, e.g. `/name`.
    pub pointer: String,
    /// Machine-readable reason: `invalid_type`, `unknown_field`, `missing_field`, `invalid`.
    pub code: String,
    /// Human-readable explanation.
    pub detail: String,
}

/// An error a handler returns; renders as problem+json.
#[derive(Clone, Debug)]
pub struct ApiError {
    status: StatusCode,
    // Boxed: handlers return Result<_, ApiError>, and the Ok path should stay small.
    problem: Box<Problem>,
    /// A `WWW-Authenticate` challenge for 401 answers.
    challenge: bool,
    /// Seconds for a `Retry-After` header (429 answers).
    retry_after: Option<u64>,
}

impl ApiError {
    /// A problem with `status`, stable `code` and human `detail`.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            problem: Box::new(Problem {
                type_uri: format!("urn:rendezvous:problem:{code}"),
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                status: status.as_u16(),
                detail: Some(detail.into()),
                code: code.to_owned(),
                errors: Vec::new(),
            }),
            challenge: false,
            retry_after: None,
        }
    }

    /// 422 listing the offending fields.
    pub fn validation(errors: Vec<FieldProblem>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.pointer, one.detail),
            _ => format!("{} fields are invalid", errors.len()),
        };
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            detail,
        );
        e.problem.errors = errors;
        e
    }

    /// 401 with a bearer challenge.
    pub fn unauthorized(code: &str, detail: &str) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, code, detail);
        e.challenge = true;
        e
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 500 without detail: the cause goes to the log, not to the client.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an unexpected error occurred; it has been logged",
        )
    }

    /// 409: the time asked for cannot be booked, and why, at `/start`.
    fn unavailable(reason: Unbookable) -> Self {
        let mut e = Self::new(StatusCode::CONFLICT, "slot_unavailable", reason.detail());
        e.problem.errors = vec![FieldProblem {
            pointer: "/start".to_owned(),
            code: reason.code().to_owned(),
            detail: reason.detail().to_owned(),
        }];
        e
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn problem(&self) -> &Problem {
        &self.problem
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&*self.problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.challenge {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"rendezvous\""),
            );
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Validation(fields) => Self::validation(
                fields
                    .into_iter()
                    .map(|f| FieldProblem {
                        pointer: f.pointer,
                        code: f.code.to_owned(),
                        detail: f.message,
                    })
                    .collect(),
            ),
            ServiceError::NotFound(what) => Self::not_found(format!("{what} not found")),
            ServiceError::Conflict(conflict @ Conflict::ValueTaken(field)) => {
                let detail = conflict.detail();
                let mut e = Self::new(StatusCode::CONFLICT, conflict.code(), detail.clone());
                e.problem.errors = vec![FieldProblem {
                    pointer: format!("/{}", field.name()),
                    code: "taken".to_owned(),
                    detail,
                }];
                e
            }
            ServiceError::Conflict(Conflict::SlotTaken) => Self::unavailable(Unbookable::Taken),
            ServiceError::Conflict(conflict) => {
                Self::new(StatusCode::CONFLICT, conflict.code(), conflict.detail())
            }
            ServiceError::Unavailable(reason) => Self::unavailable(reason),
            ServiceError::ResourceRefused {
                index,
                reason,
                detail,
            } => {
                let mut e = Self::new(StatusCode::CONFLICT, "resource_unavailable", detail.clone());
                let pointer = match reason.field() {
                    "resource_ids" => format!("/resource_ids/{index}"),
                    field => format!("/{field}"),
                };
                e.problem.errors = vec![FieldProblem {
                    pointer,
                    code: reason.code().to_owned(),
                    detail,
                }];
                e
            }
            ServiceError::InvalidTransition { from, to } => {
                let detail = format!("the booking is {from}; a {from} booking cannot become {to}");
                let mut e = Self::new(StatusCode::CONFLICT, "invalid_transition", detail.clone());
                e.problem.errors = vec![FieldProblem {
                    pointer: "/status".to_owned(),
                    code: from.to_owned(),
                    detail,
                }];
                e
            }
            ServiceError::Forbidden => Self::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "your role does not allow this",
            ),
            ServiceError::InvalidCredentials => Self::unauthorized(
                "invalid_credentials",
                "the organization, e-mail address or password is wrong; if sign-in to your \
                 account was locked after failed attempts, the right password e-mails you a \
                 link to unlock it",
            ),
            ServiceError::InvalidToken => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid_token",
                "the link is invalid, used or expired; request a new one",
            ),
            ServiceError::AccountDisabled => Self::new(
                StatusCode::FORBIDDEN,
                "account_disabled",
                "this account is not active; ask an administrator",
            ),
            ServiceError::SignupClosed => Self::new(
                StatusCode::FORBIDDEN,
                "signup_closed",
                "this server does not take sign-ups; ask its operator for an account",
            ),
            ServiceError::RateLimited { retry_after_secs } => {
                let mut e = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    format!("too many attempts; retry after {retry_after_secs} seconds"),
                );
                e.retry_after = Some(retry_after_secs);
                e
            }
            ServiceError::Crypto => {
                tracing::error!("password hashing failed");
                Self::internal()
            }
            ServiceError::Internal(source) => {
                tracing::error!(error = %source, "service failed");
                Self::internal()
            }
        }
    }
}

/// Answers unknown paths (router fallback).
pub async fn not_found() -> ApiError {
    ApiError::not_found("no such resource")
}

/// Answers known paths with the wrong method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this resource does not support that method",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::refusals::UniqueField;
    use serde_json::{Value, json};

    fn wire(e: ServiceError) -> (u16, Value) {
        let e = ApiError::from(e);
        let body = serde_json::to_value(e.problem()).unwrap_or_default();
        (e.status().as_u16(), body)
    }

    /// Every reason a time cannot be booked answers 409 `slot_unavailable`, with the reason's
    /// code at `/start` and the sentence the API has always given.
    #[test]
    fn unbookable_times_keep_their_wire_format() {
        let sentences = [
            (
                Unbookable::TooSoon,
                "too_soon",
                "the time is closer than the event type's minimum notice",
            ),
            (
                Unbookable::BeyondWindow,
                "beyond_window",
                "the time is beyond the event type's booking window",
            ),
            (Unbookable::Full, "full", "every seat at that time is taken"),
            (
                Unbookable::OutsideHours,
                "outside_hours",
                "the time is not a start the host offers",
            ),
            (Unbookable::Taken, "taken", "the time is no longer free"),
            (
                Unbookable::LimitReached,
                "limit_reached",
                "the host's limit of bookings for that day or week is reached",
            ),
        ];
        assert_eq!(sentences.len(), Unbookable::ALL.len());
        for (reason, code, detail) in sentences {
            let expected = json!({
                "type": "urn:rendezvous:problem:slot_unavailable",
                "title": "Conflict",
                "status": 409,
                "detail": detail,
                "code": "slot_unavailable",
                "errors": [{ "pointer": "/start", "code": code, "detail": detail }],
            });
            assert_eq!(wire(ServiceError::Unavailable(reason)), (409, expected));
        }
        assert_eq!(
            wire(ServiceError::Conflict(Conflict::SlotTaken)),
            wire(ServiceError::Unavailable(Unbookable::Taken))
        );
    }

    #[test]
    fn a_taken_value_names_its_field() {
        let expected = json!({
            "type": "urn:rendezvous:problem:conflict",
            "title": "Conflict",
            "status": 409,
            "detail": "email is already taken",
            "code": "conflict",
            "errors": [{ "pointer": "/email", "code": "taken", "detail": "email is already taken" }],
        });
        assert_eq!(
            wire(ServiceError::Conflict(Conflict::ValueTaken(
                UniqueField::Email
            ))),
            (409, expected)
        );
    }

    #[test]
    fn other_conflicts_keep_their_codes_and_sentences() {
        let cases = [
            (
                Conflict::IdempotencyKeyReused,
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request",
            ),
            (
                Conflict::SyncRunning,
                "sync_running",
                "a sync of this connection is running; try again when it has finished",
            ),
            (
                Conflict::JobNotDead,
                "job_not_dead",
                "only dead jobs can be retried; this one is queued, running or done",
            ),
        ];
        for (conflict, code, detail) in cases {
            let expected = json!({
                "type": format!("urn:rendezvous:problem:{code}"),
                "title": "Conflict",
                "status": 409,
                "detail": detail,
                "code": code,
            });
            assert_eq!(wire(ServiceError::Conflict(conflict)), (409, expected));
        }
    }
}
