//! `ApiJson<T>`: a JSON body extractor whose errors name the field.
//!
//! axum's own `Json` reports errors as plain text. Here: wrong content type is 415, a body over
//! the limit 413, malformed JSON 400 with line and column, and JSON of the wrong shape (wrong
//! type, unknown or missing field) 422 with a JSON Pointer to the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

use crate::problem::{ApiError, FieldProblem};

/// A JSON request body of type `T`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(&req) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "the body must be JSON: send Content-Type: application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        parse(&bytes).map(ApiJson)
    }
}

/// The problem for a body that could not be read: too large (413) or broken (400).
pub(crate) fn body_rejection(rejection: axum::extract::rejection::BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is larger than this server accepts",
        )
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            rejection.body_text(),
        )
    }
}

fn is_json(req: &Request) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence
            .rsplit_once('+')
            .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"))
}

/// Deserializes `bytes`, mapping each failure to the problem that names it.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let at = pointer(e.path());
        from_serde(at, e.inner())
    })?;
    // Trailing garbage after the document is malformed JSON too.
    de.end().map_err(|e| from_serde(String::new(), &e))?;
    Ok(value)
}

/// `at` is the JSON Pointer of the value being read when `e` happened.
fn from_serde(at: String, e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!(
                "the body is not valid JSON: {} at line {} column {}",
                syntax_reason(e),
                e.line(),
                e.column()
            ),
        ),
        Category::Data => {
            let message = strip_position(&e.to_string());
            let mut pointer = at;
            // A missing field is reported at the enclosing object; point at the field itself,
            // which serde names in backticks. (An unknown field's path already ends with it.)
            let code = if let Some(field) = field_named(&message, "unknown field `") {
                let token = format!("/{}", escape(field));
                if !pointer.ends_with(&token) {
                    pointer.push_str(&token);
                }
                "unknown_field"
            } else if let Some(field) = field_named(&message, "missing field `") {
                pointer = format!("{pointer}/{}", escape(field));
                "missing_field"
            } else {
                "invalid_type"
            };
            ApiError::validation(vec![FieldProblem {
                pointer,
                code: code.to_owned(),
                detail: message,
            }])
        }
    }
}

fn syntax_reason(e: &serde_json::Error) -> String {
    strip_position(&e.to_string())
}

/// serde_json appends " at line L column C"; we report position separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn field_named<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split_once('`').map(|(field, _)| field)
}

fn pointer(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => out.push_str(&format!("/{}", escape(key))),
            Segment::Enum { variant } => out.push_str(&format!("/{}", escape(variant))),
            Segment::Unknown => out.push_str("/?"),
        }
    }
    out
}

/// RFC 6901 escaping of one reference token.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Option<Inner>,
        #[serde(default)]
        list: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        size: u32,
    }

    fn problem(body: &str) -> crate::problem::Problem {
        match parse::<Outer>(body.as_bytes()) {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(e) => e.problem().clone(),
        }
    }

    #[test]
    fn malformed_json_is_400() {
        let p = problem("{\"name\": ");
        assert_eq!((p.status, p.code.as_str()), (400, "malformed_json"));
        let p = problem("{\"name\": \"a\"} trailing");
        assert_eq!(p.code, "malformed_json");
    }

    #[test]
    fn wrong_types_point_at_the_field() {
        let p = problem(r#"{"name": "a", "list": [{"size": 1}, {"size": "big"}]}"#);
        assert_eq!((p.status, p.code.as_str()), (422, "validation_failed"));
        assert_eq!(p.errors[0].pointer, "/list/1/size");
        assert_eq!(p.errors[0].code, "invalid_type");
    }

    #[test]
    fn unknown_and_missing_fields_point_at_the_field() {
        let p = problem(r#"{"name": "a", "inner": {"size": 1, "colour": "red"}}"#);
        assert_eq!(p.errors[0].pointer, "/inner/colour");
        assert_eq!(p.errors[0].code, "unknown_field");
        let p = problem(r#"{"inner": {"size": 1}}"#);
        assert_eq!(p.errors[0].pointer, "/name");
        assert_eq!(p.errors[0].code, "missing_field");
    }
}
