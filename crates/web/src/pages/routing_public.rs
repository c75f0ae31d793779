//! A routing form's public page, `/forms/{id}`: the form's typed fields as a plain HTML form
//! (no script needed). Submitting calls `services::routing::submit`, like the public API,
//! and follows the route: to the booking page of the event type with
//! `?routing_submission_id=` (which the booking page passes on to the slots and to the
//! booking), to the external URL, or to the message. A refused answer is shown at its field.
//!
//! No CSRF token: the page has no session and no ambient authority, so a forged post can do
//! nothing its sender could not do by filling in the form.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::event_types::{Question, QuestionKind};
use domain::ids::RoutingFormId;
use domain::routing::Action;
use serde::Serialize;
use serde_json::Value;
use services::ServiceError;
use uuid::Uuid;

use super::Rendered;
use super::render::{page, render};
use crate::extract::ClientAddr;
use crate::state::AppState;

#[derive(Serialize)]
struct FieldView<'a> {
    key: &'a str,
    label: &'a str,
    required: bool,
    options: &'a [String],
    /// `text`, `textarea`, `select`, `multi`, `checkbox`, `tel`, `email`, `number`, `url`.
    input: &'static str,
    /// As typed (multi: the ticked options).
    value: Vec<String>,
}

fn input_of(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::ShortText => "text",
        QuestionKind::LongText => "textarea",
        QuestionKind::Select => "select",
        QuestionKind::MultiSelect => "multi",
        QuestionKind::Checkbox => "checkbox",
        QuestionKind::Phone => "tel",
        QuestionKind::Email => "email",
        QuestionKind::Number => "number",
        QuestionKind::Url => "url",
    }
}

#[derive(Serialize)]
struct FormContext<'a> {
    brand: super::branding::Palette,
    id: Uuid,
    name: &'a str,
    fields: Vec<FieldView<'a>>,
    errors: BTreeMap<String, String>,
    /// After a submission routed to a message.
    message: Option<String>,
}

/// Typed values by field key from the submitted `a.<key>` pairs.
fn typed(pairs: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    let mut typed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in pairs {
        if let Some(key) = name.strip_prefix("a.") {
            typed.entry(key.to_owned()).or_default().push(value.clone());
        }
    }
    typed
}

/// The answers the service checks: numbers as numbers, checkboxes as booleans, multi-selects
/// as lists; blank answers are left out (the service says if one was required). A number
/// that does not read as one is passed as typed, for the service to refuse at its field.
fn answers(fields: &[Question], typed: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, Value> {
    let mut answers = BTreeMap::new();
    for field in fields {
        let values = typed.get(&field.key).cloned().unwrap_or_default();
        let first = values
            .first()
            .map(|v| v.trim().to_owned())
            .unwrap_or_default();
        let answer = match field.kind {
            QuestionKind::Checkbox => Some(Value::Bool(!first.is_empty())),
            QuestionKind::MultiSelect => (!values.is_empty())
                .then(|| Value::Array(values.into_iter().map(Value::String).collect())),
            QuestionKind::Number if !first.is_empty() => Some(
                first
                    .parse::<i64>()
                    .ok()
                    .map(serde_json::Number::from)
                    .or_else(|| {
                        first
                            .parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                    })
                    .map_or(Value::String(first), Value::Number),
            ),
            _ if first.is_empty() => None,
            _ => Some(Value::String(first)),
        };
        if let Some(answer) = answer {
            answers.insert(field.key.clone(), answer);
        }
    }
    answers
}

fn form_page(
    id: Uuid,
    name: &str,
    fields: &[Question],
    typed: &BTreeMap<String, Vec<String>>,
    errors: BTreeMap<String, String>,
    message: Option<String>,
) -> Rendered {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(
        "routing_form.html",
        FormContext {
            brand: super::branding::Palette::of(None),
            id,
            name,
            fields: fields
                .iter()
                .map(|q| FieldView {
                    key: &q.key,
                    label: &q.label,
                    required: q.required,
                    options: &q.options,
                    input: input_of(q.kind),
                    value: typed.get(&q.key).cloned().unwrap_or_default(),
                })
                .collect(),
            errors,
            message,
        },
    )?;
    Ok((status, page(html)).into_response())
}

/// `GET /forms/{id}`.
pub(crate) async fn show(State(state): State<AppState>, Path(id): Path<Uuid>) -> Rendered {
    let public = services::routing::public(&state.db, RoutingFormId(id)).await?;
    let form = &public.form().form;
    form_page(
        id,
        &form.name,
        &form.fields,
        &BTreeMap::new(),
        BTreeMap::new(),
        None,
    )
}

/// `POST /forms/{id}`: submit, then follow the route.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    ClientAddr(ip): ClientAddr,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Rendered {
    services::auth::limit_link_booking(&state.auth.settings, ip.as_deref()).await?;
    let public = services::routing::public(&state.db, RoutingFormId(id)).await?;
    let form = &public.form().form;
    let typed = typed(&pairs);
    let answers = answers(&form.fields, &typed);
    match services::routing::submit(&state.db, RoutingFormId(id), answers, ip).await {
        Ok(submission) => match submission.route {
            Action::EventType { event_type_id } | Action::Members { event_type_id, .. } => {
                let to = format!(
                    "/book/{}?routing_submission_id={}",
                    event_type_id.0, submission.id.0
                );
                Ok(Redirect::to(&to).into_response())
            }
            Action::Url { url } => Ok(Redirect::to(&url).into_response()),
            Action::Message { text } => form_page(
                id,
                &form.name,
                &form.fields,
                &BTreeMap::new(),
                BTreeMap::new(),
                Some(text),
            ),
        },
        Err(ServiceError::Validation(fields)) => {
            let errors = fields
                .into_iter()
                .map(|f| {
                    let key = f
                        .pointer
                        .trim_start_matches('/')
                        .split('/')
                        .nth(1)
                        .unwrap_or_default()
                        .to_owned();
                    (key, super::kit::sentence(&f.message))
                })
                .collect();
            form_page(id, &form.name, &form.fields, &typed, errors, None)
        }
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(key: &str, kind: QuestionKind) -> Question {
        Question {
            key: key.to_owned(),
            label: key.to_owned(),
            kind,
            required: false,
            options: Vec::new(),
        }
    }

    #[test]
    fn answers_take_their_field_types() {
        let fields = [
            question("size", QuestionKind::Number),
            question("topics", QuestionKind::MultiSelect),
            question("agree", QuestionKind::Checkbox),
            question("name", QuestionKind::ShortText),
            question("note", QuestionKind::LongText),
        ];
        let pairs: Vec<(String, String)> = [
            ("a.size", "250"),
            ("a.topics", "api"),
            ("a.topics", "billing"),
            ("a.name", " Ada "),
            ("a.note", ""),
            ("other", "x"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let answers = answers(&fields, &typed(&pairs));
        assert_eq!(
            Value::Object(answers.into_iter().collect()),
            serde_json::json!({"size": 250, "topics": ["api", "billing"], "agree": false, "name": "Ada"})
        );
    }
}
