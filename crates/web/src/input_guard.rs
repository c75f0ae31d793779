//! The one place every request's input passes before a handler sees it: NUL characters are
//! refused here.
//!
//! PostgreSQL cannot store U+0000 in text or JSONB, so a NUL that reached a query would be a
//! 500 on one backend and stored on the other. No field of ours has a use for it, so it is
//! refused up front, naming where it was:
//! - in a JSON body (`\u0000` in a value or a key): 422 with the value's JSON Pointer;
//! - in a form body or the query string (`%00`): 422 with `/` and the field's name;
//! - in the path: 404, as no resource has such a name.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::problem::{ApiError, FieldProblem};

/// Refuses requests that carry a NUL anywhere a handler would read it.
pub(crate) async fn layer(request: Request, next: Next) -> Response {
    if has_nul_escape(request.uri().path().as_bytes()) {
        return ApiError::not_found("no such resource").into_response();
    }
    if let Some(field) = request.uri().query().and_then(form_field_with_nul) {
        return refusal(format!("/{field}")).into_response();
    }
    let kind = body_kind(&request);
    if kind == BodyKind::Other {
        return next.run(request).await;
    }
    // Read within the body limit: the Bytes extractor obeys DefaultBodyLimit's extension,
    // which the parts carry.
    let (parts, body) = request.into_parts();
    let bytes = match Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
        Ok(bytes) => bytes,
        Err(rejection) => return crate::extract::body_rejection(rejection).into_response(),
    };
    let found = match kind {
        BodyKind::Json => json_pointer_with_nul(&bytes),
        BodyKind::Form => std::str::from_utf8(&bytes)
            .ok()
            .and_then(form_field_with_nul)
            .map(|field| format!("/{field}")),
        BodyKind::Other => None,
    };
    if let Some(pointer) = found {
        return refusal(pointer).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Json,
    Form,
    Other,
}

fn body_kind(request: &Request) -> BodyKind {
    let Some(essence) = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
    else {
        return BodyKind::Other;
    };
    if essence.eq_ignore_ascii_case("application/json")
        || essence
            .rsplit_once('+')
            .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"))
    {
        BodyKind::Json
    } else if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        BodyKind::Form
    } else {
        BodyKind::Other
    }
}

fn refusal(pointer: String) -> ApiError {
    ApiError::validation(vec![FieldProblem {
        pointer,
        code: "nul_character".to_owned(),
        detail: "must not contain the NUL character (U+0000)".to_owned(),
    }])
}

/// `%00` anywhere in percent-encoded text.
fn has_nul_escape(text: &[u8]) -> bool {
    text.windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// The name of the first field of an urlencoded string whose name or value holds a NUL.
fn form_field_with_nul(text: &str) -> Option<String> {
    if !has_nul_escape(text.as_bytes()) && !text.contains('\0') {
        return None;
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text).ok()?;
    pairs
        .into_iter()
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        .map(|(name, _)| pointer_token(&name))
}

/// The JSON Pointer of the first string (value or key) holding a NUL, if any. The document
/// is only parsed a second time when its text contains the escape at all.
fn json_pointer_with_nul(bytes: &[u8]) -> Option<String> {
    let mentions = bytes
        .windows(6)
        .any(|w| w[0] == b'\\' && w[1] == b'u' && w[2..].iter().all(|&b| b == b'0'));
    if !mentions {
        return None;
    }
    // Malformed JSON is the extractor's to refuse, with its position.
    let value: Value = serde_json::from_slice(bytes).ok()?;
    find_nul(&value, &mut String::new())
}

/// A name as one JSON Pointer token (RFC 6901 escapes), the NUL itself left out.
fn pointer_token(name: &str) -> String {
    name.replace('\0', "").replace('~', "~0").replace('/', "~1")
}

fn find_nul(value: &Value, at: &mut String) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(at.clone()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let len = at.len();
            at.push_str(&format!("/{i}"));
            let found = find_nul(item, at);
            at.truncate(len);
            found
        }),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let len = at.len();
            at.push('/');
            at.push_str(&pointer_token(key));
            let found = if key.contains('\0') {
                Some(at.clone())
            } else {
                find_nul(item, at)
            };
            at.truncate(len);
            found
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn a_nul_in_json_is_found_with_its_pointer() {
        assert_eq!(
            json_pointer_with_nul(br#"{"name": "Eve\u0000", "notes": "x"}"#),
            Some("/name".to_owned())
        );
        assert_eq!(
            json_pointer_with_nul(br#"{"answers": {"size": ["a", "b\u0000"]}}"#),
            Some("/answers/size/1".to_owned())
        );
        assert_eq!(
            json_pointer_with_nul(br#"{"answers": {"k\u0000": 1}}"#),
            Some("/answers/k".to_owned())
        );
        assert_eq!(
            json_pointer_with_nul(br#"[{"a": "\u0000"}]"#),
            Some("/0/a".to_owned())
        );
    }

    #[test]
    fn text_that_only_looks_like_a_nul_passes() {
        // An escaped backslash followed by "u0000" is six ordinary characters.
        assert_eq!(json_pointer_with_nul(br#"{"name": "\\u0000"}"#), None);
        assert_eq!(json_pointer_with_nul(br#"{"name": "Eve"}"#), None);
    }

    #[test]
    fn a_nul_in_a_form_or_query_names_the_field() {
        assert_eq!(
            form_field_with_nul("title=ok&name=Eve%00x"),
            Some("name".to_owned())
        );
        assert_eq!(form_field_with_nul("a%00b=1"), Some("ab".to_owned()));
        assert_eq!(form_field_with_nul("title=100%25"), None);
    }

    #[test]
    fn the_refusal_is_422_naming_the_field() {
        let error = refusal("/name".to_owned());
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
