//! `ApiJson<T>`: a JSON body extractor whose errors name the field.
//!
//! axum's own `Json` reports errors as plain text. Here: wrong content type is 415, a body over
//! the limit 413, malformed JSON 400 with line and column, and JSON of the wrong shape (wrong
//! type, unknown or missing field) 422 with a JSON Pointer to the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, IntoDeserializer, MapAccess, Visitor,
};
use serde::{Deserialize, Deserializer};
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
///
/// Every body of this API is an object. Anything else is refused as a whole, at `""`: serde
/// would read an array into a struct field by field and blame `/0`.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        serde_json::from_slice::<IgnoredAny>(bytes).map_err(|e| from_serde(String::new(), &e))?;
        return Err(ApiError::validation(vec![FieldProblem {
            pointer: String::new(),
            code: "invalid_type".to_owned(),
            detail: "the body must be a JSON object".to_owned(),
        }]));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let at = pointer(e.path());
        if e.inner().is_syntax() && serde_json::from_slice::<IgnoredAny>(bytes).is_ok() {
            // serde_json reports a number or array where an enum is expected as a syntax
            // error ("expected value"), though the document is fine: it is a wrong type.
            return ApiError::validation(vec![FieldProblem {
                pointer: at,
                code: "invalid_type".to_owned(),
                detail: "invalid type: not one of the values this field takes".to_owned(),
            }]);
        }
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
            // A missing or repeated field is reported at the enclosing object; point at the
            // field itself, which serde names in backticks. (An unknown field's path already ends with it.)
            let code = if let Some(field) = field_named(&message, "unknown field `") {
                let token = format!("/{}", escape(field));
                if !pointer.ends_with(&token) {
                    pointer.push_str(&token);
                }
                "unknown_field"
            } else if let Some(field) = field_named(&message, "duplicate field `") {
                pointer = format!("{pointer}/{}", escape(field));
                "duplicate_field"
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

/// Deserializes an object of `T`'s fields plus one optional field `name` (its default when
/// absent), for a request that adds a field to a shared settings type.
///
/// `#[serde(flatten)]` says the same, but it buffers the object first: `T`'s errors then lose
/// their path (`"title": 5` is blamed on `""`) and `T`'s `deny_unknown_fields` is skipped. Here
/// each value is read in place, so the path of every error survives and unknown fields are `T`'s
/// to refuse.
pub(crate) fn with_field<'de, D, E, T>(d: D, name: &'static str) -> Result<(E, T), D::Error>
where
    D: Deserializer<'de>,
    E: Deserialize<'de> + Default,
    T: Deserialize<'de>,
{
    struct ObjectVisitor<E, T> {
        name: &'static str,
        read: PhantomData<(E, T)>,
    }

    impl<'de, E, T> Visitor<'de> for ObjectVisitor<E, T>
    where
        E: Deserialize<'de> + Default,
        T: Deserialize<'de>,
    {
        type Value = (E, T);

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(E, T), A::Error> {
            let mut extra = None;
            let rest = WithoutField {
                map: &mut map,
                name: self.name,
                extra: &mut extra,
            };
            let value = T::deserialize(MapAccessDeserializer::new(rest))?;
            Ok((extra.unwrap_or_default(), value))
        }
    }

    d.deserialize_map(ObjectVisitor {
        name,
        read: PhantomData,
    })
}

/// The entries of a map but `name`, whose value is read into `extra` on the way.
struct WithoutField<'a, A, E> {
    map: &'a mut A,
    name: &'static str,
    extra: &'a mut Option<E>,
}

impl<'de, A, E> MapAccess<'de> for WithoutField<'_, A, E>
where
    A: MapAccess<'de>,
    E: Deserialize<'de>,
{
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        while let Some(key) = self.map.next_key::<String>()? {
            if key != self.name {
                return seed.deserialize(key.into_deserializer()).map(Some);
            }
            if self.extra.is_some() {
                return Err(de::Error::duplicate_field(self.name));
            }
            *self.extra = Some(self.map.next_value()?);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
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

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Settings {
        title: String,
        #[serde(default)]
        inner: Option<Inner>,
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    struct WithOwner {
        owner: Option<u32>,
        settings: Settings,
    }

    impl<'de> Deserialize<'de> for WithOwner {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let (owner, settings) = with_field(d, "owner")?;
            Ok(Self { owner, settings })
        }
    }

    fn with_owner(body: &str) -> WithOwner {
        match parse::<WithOwner>(body.as_bytes()) {
            Ok(read) => read,
            Err(e) => panic!("{body} is refused: {:?}", e.problem()),
        }
    }

    fn with_owner_problem(body: &str) -> crate::problem::Problem {
        problem_of::<WithOwner>(body)
    }

    fn problem_of<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> crate::problem::Problem {
        match parse::<T>(body.as_bytes()) {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(e) => e.problem().clone(),
        }
    }

    #[test]
    fn an_added_field_keeps_the_paths_and_refusals_of_the_settings() {
        let read = with_owner(r#"{"title": "a", "owner": 7, "inner": {"size": 1}}"#);
        assert_eq!(read.owner, Some(7));
        assert_eq!(read.settings.title, "a");
        assert_eq!(with_owner(r#"{"title": "a"}"#).owner, None);
        assert_eq!(with_owner(r#"{"owner": null, "title": "a"}"#).owner, None);
        for (body, pointer, code) in [
            (r#"{"title": 5}"#, "/title", "invalid_type"),
            (
                r#"{"title": "a", "inner": {"size": -1}}"#,
                "/inner/size",
                "invalid_type",
            ),
            (r#"{"title": "a", "owner": "me"}"#, "/owner", "invalid_type"),
            (r#"{"title": "a", "titel": "b"}"#, "/titel", "unknown_field"),
            (r#"{"owner": 1}"#, "/title", "missing_field"),
            (
                r#"{"title": "a", "owner": 1, "owner": 2}"#,
                "/owner",
                "duplicate_field",
            ),
            (
                r#"{"title": "a", "title": "b"}"#,
                "/title",
                "duplicate_field",
            ),
        ] {
            let p = with_owner_problem(body);
            assert_eq!(p.status, 422, "{body}");
            assert_eq!(
                (p.errors[0].pointer.as_str(), p.errors[0].code.as_str()),
                (pointer, code),
                "{body}: {}",
                p.errors[0].detail
            );
        }
    }

    #[test]
    fn a_body_that_is_no_object_is_one_problem_at_the_root() {
        for body in ["[]", "[{\"size\": 1}]", " 5", "\"name\"", "null"] {
            let p = problem(body);
            assert_eq!(
                (p.status, p.code.as_str()),
                (422, "validation_failed"),
                "{body}"
            );
            assert_eq!(p.errors.len(), 1);
            assert_eq!(p.errors[0].pointer, "", "{body}");
            assert_eq!(p.errors[0].detail, "the body must be a JSON object");
        }
        assert_eq!(problem("[1, ").code, "malformed_json");
        assert_eq!(problem("").code, "malformed_json");
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct WithKind {
        kind: Kind,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Text,
    }

    #[test]
    fn a_wrong_type_for_an_enum_is_no_syntax_error() {
        for body in [r#"{"kind": 5}"#, r#"{"kind": [1]}"#, r#"{"kind": "email"}"#] {
            let p = problem_of::<WithKind>(body);
            assert_eq!(p.status, 422, "{body}");
            assert_eq!(p.errors[0].pointer, "/kind", "{body}");
            assert_eq!(p.errors[0].code, "invalid_type", "{body}");
        }
        let p = problem_of::<WithKind>(r#"{"kind": 5"#);
        assert_eq!(p.code, "malformed_json");
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
