//! Path and query extractors that fail with problem+json.

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::{self, DeserializeOwned};
use serde::{Deserialize, Deserializer};

use crate::problem::{ApiError, FieldProblem};

/// Path parameters. A segment that does not parse (an id that is no UUID) names nothing that
/// could exist: 404, like an unknown id.
#[derive(Debug, Clone, Copy)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|_| ApiError::not_found("no such resource"))
    }
}

/// Query parameters; a missing or malformed one is 400 naming it, a number outside its
/// documented range ([`in_range`]) 422 naming it.
#[derive(Debug, Clone, Copy)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|rejection| {
                out_of_range(&rejection).unwrap_or_else(|| {
                    ApiError::new(StatusCode::BAD_REQUEST, "bad_query", rejection.body_text())
                })
            })
    }
}

/// How [`in_range`] begins its message, so the extractor can tell a range from a syntax error.
const OUT_OF_RANGE: &str = "out of range: ";

/// `deserialize_with` for an optional query number that must lie in `MIN..=MAX`, as documented:
/// `limit=0` was quietly read as 1.
pub(crate) fn in_range<'de, D, const MIN: u32, const MAX: u32>(
    d: D,
) -> Result<Option<u32>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<u32>::deserialize(d)? {
        Some(n) if !(MIN..=MAX).contains(&n) => Err(de::Error::custom(format!(
            "{OUT_OF_RANGE}must be {MIN} to {MAX}"
        ))),
        n => Ok(n),
    }
}

/// The 422 for a rejection caused by [`in_range`], naming the parameter.
fn out_of_range(rejection: &QueryRejection) -> Option<ApiError> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(e) = source {
        if let Some(e) = e.downcast_ref::<serde_path_to_error::Error<serde_urlencoded::de::Error>>()
        {
            let detail = e.inner().to_string().strip_prefix(OUT_OF_RANGE)?.to_owned();
            return Some(ApiError::validation(vec![FieldProblem {
                pointer: format!("/{}", e.path()),
                code: "out_of_range".to_owned(),
                detail,
            }]));
        }
        source = e.source();
    }
    None
}
