//! Every JSON body of the API refuses what it does not know and names the field it cannot
//! read: a walk over every operation of the served OpenAPI document sends each JSON body once
//! with a misspelt extra field and once with a field of the wrong type, and expects 422 with a
//! pointer at that field. Plus the small ranges: `limit`, override dates, a body that is no
//! object.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestApp, call};
use reqwest::{Method, StatusCode, header};
use serde_json::{Map, Value, json};

/// Operations whose JSON body the walker does not send, and why. Empty today: every JSON body
/// of the document is walked. An operation listed here that no longer exists fails the test.
const NOT_WALKED: &[(&str, &str, &str)] = &[];

/// Values the document does not describe enough to build: (path, field, a valid value). Each is
/// a gap of the document (a free-form `object`), filled here rather than skipped.
fn given(path: &str, field: &str) -> Option<Value> {
    let message = json!({"kind": "message", "text": "Thanks"});
    match (path, field) {
        ("/api/v1/routing-forms" | "/api/v1/routing-forms/{id}", "fallback") => Some(message),
        _ => None,
    }
}

/// A path parameter's stand-in: any id parses, and bodies are read before anything is looked up.
const SOME_ID: &str = "00000000-0000-4000-8000-000000000001";

/// Follows `$ref`s into `#/components/schemas`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// The schema's properties and required names, `allOf` parts merged.
fn object_parts(doc: &Value, schema: &Value) -> (Map<String, Value>, Vec<String>) {
    let schema = resolve(doc, schema);
    let mut properties = schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut required: Vec<String> = schema["required"]
        .as_array()
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (more, more_required) = object_parts(doc, part);
        properties.extend(more);
        required.extend(more_required);
    }
    (properties, required)
}

/// The one JSON type a schema stands for, `null` and `$ref`s aside; `None` when it takes any.
fn json_type(doc: &Value, schema: &Value) -> Option<String> {
    let schema = resolve(doc, schema);
    match &schema["type"] {
        Value::String(t) => return Some(t.clone()),
        Value::Array(types) => {
            let named: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            return (named.len() == 1).then(|| named[0].to_owned());
        }
        _ => {}
    }
    if schema.get("properties").is_some() || schema.get("allOf").is_some() {
        return Some("object".to_owned());
    }
    let alternatives = schema["oneOf"].as_array().or(schema["anyOf"].as_array())?;
    let types: Vec<Option<String>> = alternatives
        .iter()
        .filter(|a| a["type"] != "null")
        .map(|a| json_type(doc, a))
        .collect();
    match types.first() {
        Some(Some(first)) if types.iter().all(|t| t.as_deref() == Some(first)) => {
            Some(first.clone())
        }
        _ => None,
    }
}

/// A value the schema accepts: its example, else the smallest one of its type.
fn minimal(doc: &Value, schema: &Value) -> Value {
    let schema = resolve(doc, schema);
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(first) = schema["examples"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let alternatives = schema["oneOf"].as_array().or(schema["anyOf"].as_array());
    if let Some(first) = alternatives.and_then(|a| a.iter().find(|a| a["type"] != "null")) {
        return minimal(doc, first);
    }
    match json_type(doc, schema).as_deref() {
        Some("object") => {
            let (properties, required) = object_parts(doc, schema);
            let mut body = Map::new();
            for name in required {
                body.insert(name.clone(), minimal(doc, &properties[&name]));
            }
            Value::Object(body)
        }
        Some("array") => json!([]),
        Some("integer" | "number") => schema.get("minimum").cloned().unwrap_or(json!(1)),
        Some("boolean") => json!(false),
        Some("string") => match schema["format"].as_str() {
            Some("uuid") => json!(SOME_ID),
            Some("date-time") => json!("2030-01-07T10:00:00Z"),
            Some("date") => json!("2030-01-07"),
            Some("email") => json!("someone@example.com"),
            _ => json!("x"),
        },
        _ => Value::Null,
    }
}

/// A value of another JSON type than `json_type`.
fn wrong_value(json_type: &str) -> Value {
    match json_type {
        "integer" | "number" => json!("five"),
        _ => json!(5),
    }
}

struct Operation {
    method: Method,
    path: String,
    /// The path with every parameter filled in.
    url: String,
    schema: Value,
}

/// Every operation of the document with a JSON request body.
fn json_operations(doc: &Value) -> Vec<Operation> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(schema) =
                operation["requestBody"]["content"]["application/json"].get("schema")
            else {
                continue;
            };
            let url = path
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        SOME_ID
                    } else {
                        segment
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            found.push(Operation {
                method: method.to_uppercase().parse().unwrap(),
                path: path.clone(),
                url,
                schema: schema.clone(),
            });
        }
    }
    found
}

/// Sends `body` as raw JSON text (so the order of its fields is the order written).
async fn send(app: &TestApp, key: &str, op: &Operation, body: String) -> (StatusCode, Value) {
    let response = app
        .request(op.method.clone(), &op.url)
        .bearer_auth(key)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The object `fields` as JSON text, in this order.
fn object_text(fields: &[(String, Value)]) -> String {
    let members: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("{}: {value}", Value::String(name.clone())))
        .collect();
    format!("{{{}}}", members.join(", "))
}

app_test!(
    every_json_body_refuses_unknown_fields_and_names_wrong_types,
    |app| async move {
        let org = app.organization("acme").await;
        let (status, doc) = call(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
        assert_eq!(status, StatusCode::OK);
        let operations = json_operations(&doc);
        assert!(operations.len() > 20, "the walk found {}", operations.len());

        for (method, path, reason) in NOT_WALKED {
            assert!(
                operations
                    .iter()
                    .any(|op| op.method.as_str() == *method && op.path == *path),
                "{method} {path} is listed as not walked ({reason}) but is not in the document"
            );
        }
        let mut failures = Vec::new();
        for op in &operations {
            let name = format!("{} {}", op.method, op.path);
            if NOT_WALKED
                .iter()
                .any(|(m, p, _)| *m == op.method.as_str() && *p == op.path)
            {
                continue;
            }
            let Value::Object(minimal_body) = minimal(&doc, &op.schema) else {
                failures.push(format!("{name}: the request body is not an object schema"));
                continue;
            };
            let (properties, required) = object_parts(&doc, &op.schema);
            let mut fields: Vec<(String, Value)> = minimal_body
                .into_iter()
                .map(|(field, value)| {
                    let value = given(&op.path, &field).unwrap_or(value);
                    (field, value)
                })
                .collect();

            // (a) The minimal body and a misspelt extra field, last: everything before it reads.
            let misspelt = properties
                .keys()
                .next()
                .map_or("colour".to_owned(), |first| format!("{first}x"));
            fields.push((misspelt.clone(), json!(true)));
            let (status, body) = send(&app, &org.key, op, object_text(&fields)).await;
            fields.pop();
            let pointer = format!("/{misspelt}");
            if status != StatusCode::UNPROCESSABLE_ENTITY
                || body["errors"][0]["pointer"] != pointer.as_str()
                || body["errors"][0]["code"] != "unknown_field"
            {
                failures.push(format!(
                    "{name} with {misspelt:?}: {status} {body} (body {})",
                    object_text(&fields)
                ));
            }

            // (b) One field of the wrong type: a required one when there is one, the first
            // property of a known type otherwise.
            let candidates = required.iter().chain(properties.keys());
            let Some((field, field_type)) = candidates
                .filter_map(|f| json_type(&doc, &properties[f]).map(|t| (f.clone(), t)))
                .next()
            else {
                failures.push(format!(
                    "{name}: no field of a known type to send wrongly; list it in NOT_WALKED"
                ));
                continue;
            };
            let wrong = wrong_value(&field_type);
            let mut bad = fields.clone();
            match bad.iter_mut().find(|(f, _)| *f == field) {
                Some((_, value)) => *value = wrong.clone(),
                None => bad.push((field.clone(), wrong.clone())),
            }
            let (status, body) = send(&app, &org.key, op, object_text(&bad)).await;
            let pointer = body["errors"][0]["pointer"].as_str().unwrap_or_default();
            let field_pointer = format!("/{field}");
            if status != StatusCode::UNPROCESSABLE_ENTITY
                || !(pointer == field_pointer || pointer.starts_with(&format!("{field_pointer}/")))
            {
                failures.push(format!(
                    "{name} with {field:?} = {wrong}: {status} {body} (body {})",
                    object_text(&bad)
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} operations:\n{}",
            failures.len(),
            operations.len(),
            failures.join("\n")
        );
    }
);

app_test!(
    an_event_type_typo_and_wrong_types_are_named,
    |app| async move {
        let org = app.organization("acme").await;
        let create = |body: Value| {
            call(
                &app,
                Method::POST,
                "/api/v1/event-types",
                Some(&org.key),
                Some(body),
            )
        };
        for (body, pointer, code) in [
            (
                json!({"slug": "intro", "title": "Intro", "duration_minutes": 30, "requires_confirmaton": true}),
                "/requires_confirmaton",
                "unknown_field",
            ),
            (
                json!({"slug": "intro", "title": 5, "duration_minutes": 30}),
                "/title",
                "invalid_type",
            ),
            (
                json!({"slug": "intro", "title": "Intro", "duration_minutes": 1_u64 << 40}),
                "/duration_minutes",
                "invalid_type",
            ),
            (
                json!({"slug": "intro", "title": "Intro", "duration_minutes": 30,
                       "questions": [{"key": "q", "label": "Q", "kind": "telepathy"}]}),
                "/questions/0/kind",
                "invalid_type",
            ),
            (
                json!({"slug": "intro", "title": "Intro", "duration_minutes": 30, "owner_user_id": 5}),
                "/owner_user_id",
                "invalid_type",
            ),
        ] {
            let (status, problem) = create(body.clone()).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}: {problem}"
            );
            assert_eq!(
                problem["errors"][0]["pointer"], pointer,
                "{body}: {problem}"
            );
            assert_eq!(problem["errors"][0]["code"], code, "{body}: {problem}");
        }
        // The host may still be named.
        let owner = org.created.owner.id.0.to_string();
        let (status, created) = create(json!({"slug": "intro", "title": "Intro", "duration_minutes": 30, "owner_user_id": owner})).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["owner_user_id"], owner.as_str());
    }
);

app_test!(
    a_body_that_is_no_object_is_one_problem_at_the_root,
    |app| async move {
        let org = app.organization("acme").await;
        for body in [
            json!([{"slug": "intro"}]),
            json!(5),
            json!(null),
            json!("intro"),
        ] {
            let (status, problem) = call(
                &app,
                Method::POST,
                "/api/v1/event-types",
                Some(&org.key),
                Some(body.clone()),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}: {problem}"
            );
            assert_eq!(problem["errors"].as_array().unwrap().len(), 1, "{problem}");
            assert_eq!(problem["errors"][0]["pointer"], "", "{problem}");
            assert_eq!(
                problem["errors"][0]["detail"],
                "the body must be a JSON object"
            );
        }
    }
);

app_test!(limits_outside_their_range_are_named, |app| async move {
    let org = app.organization("acme").await;
    for path in [
        "/api/v1/bookings?limit=0",
        "/api/v1/bookings?limit=201",
        "/api/v1/contacts?limit=0",
        "/api/v1/contacts?limit=501",
        "/api/v1/audit-log?limit=0",
        "/api/v1/audit-log?limit=201",
        "/api/v1/jobs/dead?limit=0",
        "/api/v1/jobs/dead?limit=2147483648",
    ] {
        let (status, problem) = call(&app, Method::GET, path, Some(&org.key), None).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {problem}"
        );
        assert_eq!(
            problem["errors"][0]["pointer"], "/limit",
            "{path}: {problem}"
        );
        assert_eq!(
            problem["errors"][0]["code"], "out_of_range",
            "{path}: {problem}"
        );
    }
    for path in [
        "/api/v1/bookings?limit=1",
        "/api/v1/bookings?limit=200",
        "/api/v1/contacts?limit=500",
        "/api/v1/jobs/dead?limit=100",
    ] {
        let (status, body) = call(&app, Method::GET, path, Some(&org.key), None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    // Not a number at all stays a malformed query.
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/v1/bookings?limit=many",
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
});

app_test!(override_dates_must_be_sane_days, |app| async move {
    let org = app.organization("acme").await;
    for (date, code) in [
        ("0000-01-01", "out_of_range"),
        ("2201-01-01", "out_of_range"),
        ("2026-02-30", "date"),
    ] {
        let body =
            json!({"name": "Odd", "time_zone": "UTC", "overrides": {date: [["09:00", "10:00"]]}});
        let (status, problem) = call(
            &app,
            Method::POST,
            "/api/v1/schedules",
            Some(&org.key),
            Some(body),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{date}: {problem}"
        );
        assert_eq!(
            problem["errors"][0]["pointer"],
            format!("/overrides/{date}"),
            "{problem}"
        );
        assert_eq!(problem["errors"][0]["code"], code, "{problem}");
    }
    let body = json!({"name": "Fine", "time_zone": "UTC", "overrides": {"2200-12-31": [["09:00", "10:00"]]}});
    let (status, created) = call(
        &app,
        Method::POST,
        "/api/v1/schedules",
        Some(&org.key),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
});
