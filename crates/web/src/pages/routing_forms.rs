//! The dashboard's routing forms: the list, a plain text editor for a form (its fields one
//! per line, like an event type's questions; its rules one per line; the fallback), and the
//! form's submissions. The editor only splits the text; `services::routing` checks the
//! form, and its JSON Pointers are mapped back to the editor's fields.
//!
//! A rule line is `CONDITION -> ACTION`:
//! - `CONDITION`: tests joined by ` and ` (all must hold) or by ` or ` (any may), a test being
//!   `field OP value` with `OP` one of `=`, `!=`, `contains`, `>`, `<`, `in` (`in` takes a
//!   comma-separated list). Conditions nested deeper than that are written as the API's JSON.
//! - `ACTION`: `event EVENT_TYPE_ID`, `members EVENT_TYPE_ID USER_ID, USER_ID`, `url URL`
//!   or `message TEXT`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use domain::ids::{EventTypeId, RoutingFormId, UserId};
use domain::routing::{Action, Condition, FormFields, Operator, Route};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use services::ServiceError;
use uuid::Uuid;

use super::Rendered;
use super::event_types::{parse_question, question_line};
use super::kit::{Chrome, FieldErrors, chrome, private_page, sentence};
use super::render::render;
use super::session::{SessionForm, SignedIn};
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/routing-forms", get(list))
        .route("/dashboard/routing-forms/new", get(new).post(create))
        .route("/dashboard/routing-forms/{id}", get(edit).post(save))
        .route(
            "/dashboard/routing-forms/{id}/submissions",
            get(submissions),
        )
}

const OPERATORS: [(&str, Operator); 6] = [
    ("=", Operator::Equals),
    ("!=", Operator::NotEquals),
    ("contains", Operator::Contains),
    (">", Operator::GreaterThan),
    ("<", Operator::LessThan),
    ("in", Operator::In),
];

// ----- rule lines -----

fn operator_text(op: Operator) -> &'static str {
    OPERATORS
        .iter()
        .find(|(_, o)| *o == op)
        .map_or("=", |(text, _)| text)
}

/// A text value that reads back the same from a rule line.
fn plain(text: &str) -> bool {
    !text.is_empty()
        && text.trim() == text
        && !text.contains(" and ")
        && !text.contains(" or ")
        && !text.contains("->")
}

/// `field OP value`, if the test can be written so and read back the same.
fn test_text(condition: &Condition) -> Option<String> {
    let Condition::Test { field, op, value } = condition else {
        return None;
    };
    if field.contains(' ') || field.is_empty() {
        return None;
    }
    let value = match (op, value) {
        (Operator::In, Value::Array(items)) => {
            let texts: Option<Vec<&str>> = items
                .iter()
                .map(|i| i.as_str().filter(|t| plain(t) && !t.contains(',')))
                .collect();
            texts?.join(", ")
        }
        (Operator::In, _) => return None,
        (_, Value::String(text)) if plain(text) => text.clone(),
        // A number reads back as text, which every operator compares by its value.
        (_, Value::Number(n)) => n.to_string(),
        _ => return None,
    };
    Some(format!("{field} {} {value}", operator_text(*op)))
}

fn condition_text(condition: &Condition) -> String {
    let joined = |list: &[Condition], word: &str| {
        let parts: Option<Vec<String>> = list.iter().map(test_text).collect();
        parts.filter(|p| !p.is_empty()).map(|p| p.join(word))
    };
    let text = match condition {
        Condition::Test { .. } => test_text(condition),
        Condition::All { all } => joined(all, " and "),
        Condition::Any { any } => joined(any, " or "),
    };
    text.unwrap_or_else(|| serde_json::to_string(condition).unwrap_or_default())
}

fn action_text(action: &Action) -> String {
    match action {
        Action::EventType { event_type_id } => format!("event {}", event_type_id.0),
        Action::Members {
            event_type_id,
            user_ids,
        } => format!(
            "members {} {}",
            event_type_id.0,
            user_ids
                .iter()
                .map(|u| u.0.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Action::Url { url } => format!("url {url}"),
        Action::Message { text } => format!("message {text}"),
    }
}

fn parse_test(text: &str) -> Result<Condition, String> {
    let text = text.trim();
    let (field, rest) = text
        .split_once(' ')
        .ok_or_else(|| format!("“{text}” needs a field, an operator and a value"))?;
    let (op, value) = rest.trim().split_once(' ').unwrap_or((rest.trim(), ""));
    let op = OPERATORS
        .iter()
        .find(|(t, _)| *t == op)
        .map(|(_, o)| *o)
        .ok_or_else(|| format!("“{op}” is not one of =, !=, contains, >, <, in"))?;
    let value = value.trim();
    let value = if op == Operator::In {
        Value::Array(
            value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| Value::String(v.to_owned()))
                .collect(),
        )
    } else {
        Value::String(value.to_owned())
    };
    Ok(Condition::Test {
        field: field.to_owned(),
        op,
        value,
    })
}

fn parse_condition(text: &str) -> Result<Condition, String> {
    let text = text.trim();
    if text.starts_with('{') {
        return serde_json::from_str(text).map_err(|e| format!("cannot read the JSON: {e}"));
    }
    let ands: Vec<&str> = text.split(" and ").collect();
    let ors: Vec<&str> = text.split(" or ").collect();
    match (ands.len(), ors.len()) {
        (1, 1) => parse_test(text),
        (_, 1) => Ok(Condition::All {
            all: ands.into_iter().map(parse_test).collect::<Result<_, _>>()?,
        }),
        (1, _) => Ok(Condition::Any {
            any: ors.into_iter().map(parse_test).collect::<Result<_, _>>()?,
        }),
        _ => Err("mix “and” and “or” only in JSON conditions".to_owned()),
    }
}

fn parse_uuid(text: &str) -> Result<Uuid, String> {
    Uuid::parse_str(text.trim()).map_err(|_| format!("“{}” is not an id", text.trim()))
}

fn parse_action(text: &str) -> Result<Action, String> {
    let text = text.trim();
    let (kind, rest) = text.split_once(' ').unwrap_or((text, ""));
    let rest = rest.trim();
    match kind {
        "event" => Ok(Action::EventType {
            event_type_id: EventTypeId(parse_uuid(rest)?),
        }),
        "members" => {
            let (event, users) = rest.split_once(' ').unwrap_or((rest, ""));
            Ok(Action::Members {
                event_type_id: EventTypeId(parse_uuid(event)?),
                user_ids: users
                    .split(',')
                    .filter(|u| !u.trim().is_empty())
                    .map(|u| parse_uuid(u).map(UserId))
                    .collect::<Result<_, _>>()?,
            })
        }
        "url" => Ok(Action::Url {
            url: rest.to_owned(),
        }),
        "message" => Ok(Action::Message {
            text: rest.to_owned(),
        }),
        _ => Err(format!(
            "“{kind}” is not an action: write event, members, url or message"
        )),
    }
}

fn parse_rule(line: &str) -> Result<Route, String> {
    let (when, action) = line
        .split_once("->")
        .ok_or_else(|| "write CONDITION -> ACTION".to_owned())?;
    Ok(Route {
        when: parse_condition(when)?,
        action: parse_action(action)?,
    })
}

// ----- the editor -----

/// The editor as typed.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct EditorForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    fields: String,
    #[serde(default)]
    rules: String,
    #[serde(default)]
    fallback: String,
}

impl EditorForm {
    fn of(form: &FormFields) -> Self {
        Self {
            name: form.name.clone(),
            fields: form
                .fields
                .iter()
                .map(question_line)
                .collect::<Vec<_>>()
                .join("\n"),
            rules: form
                .routes
                .iter()
                .map(|r| format!("{} -> {}", condition_text(&r.when), action_text(&r.action)))
                .collect::<Vec<_>>()
                .join("\n"),
            fallback: action_text(&form.fallback),
        }
    }

    /// The form as the service's input, or the editor fields it cannot read.
    fn parse(&self) -> Result<FormFields, FieldErrors> {
        let mut errors = FieldErrors::new();
        let lines = |text: &str| -> Vec<String> {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let mut fields = Vec::new();
        for line in lines(&self.fields) {
            match parse_question(&line) {
                Some(q) => fields.push(q),
                None => {
                    errors.insert(
                        "fields".to_owned(),
                        format!(
                            "Cannot read “{line}”: write key | Label | kind | required or optional | options."
                        ),
                    );
                }
            }
        }
        let mut routes = Vec::new();
        for (i, line) in lines(&self.rules).iter().enumerate() {
            match parse_rule(line) {
                Ok(route) => routes.push(route),
                Err(why) => {
                    // The first unreadable rule is named; the others show once it is fixed.
                    errors
                        .entry("rules".to_owned())
                        .or_insert_with(|| format!("Rule {}: {why}.", i + 1));
                }
            }
        }
        let fallback = parse_action(&self.fallback).map_err(|why| {
            errors.insert("fallback".to_owned(), format!("{why}."));
        });
        match fallback {
            Ok(fallback) if errors.is_empty() => Ok(FormFields {
                name: self.name.trim().to_owned(),
                fields,
                routes,
                fallback,
            }),
            _ => Err(errors),
        }
    }
}

/// The editor field a service error's pointer names, and its message (rules say which).
fn editor_error(pointer: &str, message: &str) -> (String, String) {
    let mut parts = pointer.trim_start_matches('/').split('/');
    let message = sentence(message);
    match (parts.next(), parts.next()) {
        (Some("routes"), Some(i)) => {
            let n = i.parse::<usize>().map_or(0, |i| i + 1);
            ("rules".to_owned(), format!("Rule {n}: {message}"))
        }
        (Some("routes"), None) => ("rules".to_owned(), message),
        (Some("fields"), _) => ("fields".to_owned(), message),
        (Some("fallback"), _) => ("fallback".to_owned(), message),
        (Some(other), _) => (other.to_owned(), message),
        (None, _) => (String::new(), message),
    }
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct FormRow {
    id: Uuid,
    name: String,
    fields: usize,
    rules: usize,
    public_url: String,
    /// Whether the reader may open its submissions (the service's rule).
    shows_submissions: bool,
}

#[derive(Serialize)]
struct ListContext {
    chrome: Chrome,
    forms: Vec<FormRow>,
}

fn public_url(id: RoutingFormId) -> String {
    format!("/forms/{}", id.0)
}

/// `/dashboard/routing-forms`.
pub(crate) async fn list(State(state): State<AppState>, signed_in: SignedIn) -> Rendered {
    let forms = services::routing::list(&state.db, &signed_in.scope).await?;
    let (chrome, _) = chrome(&state, &signed_in, "routing").await?;
    let html = render(
        "dashboard/routing_forms.html",
        ListContext {
            chrome,
            forms: forms
                .into_iter()
                .map(|f| FormRow {
                    shows_submissions: services::routing::may_read_submissions(
                        &signed_in.scope,
                        &f,
                    ),
                    id: f.id.0,
                    public_url: public_url(f.id),
                    fields: f.form.fields.len(),
                    rules: f.form.routes.len(),
                    name: f.form.name,
                })
                .collect(),
        },
    )?;
    Ok(private_page(html))
}

#[derive(Serialize)]
struct EditorContext {
    chrome: Chrome,
    /// `None` for a new form.
    id: Option<Uuid>,
    public_url: Option<String>,
    form: EditorForm,
    errors: FieldErrors,
    event_types: Vec<Choice>,
    people: Vec<Choice>,
}

async fn editor_page(
    state: &AppState,
    signed_in: &SignedIn,
    id: Option<RoutingFormId>,
    form: EditorForm,
    errors: FieldErrors,
) -> Rendered {
    let scope = &signed_in.scope;
    let event_types = services::event_types::list(&state.db, scope, None)
        .await?
        .into_iter()
        .map(|e| Choice {
            value: e.id.0.to_string(),
            label: e.fields.title,
        })
        .collect();
    // Only those who may list people get the id list (for `members` rules).
    let people = match services::users::list(&state.db, scope).await {
        Ok(people) => people,
        Err(ServiceError::Forbidden) => Vec::new(),
        Err(other) => return Err(other.into()),
    };
    let people = people
        .into_iter()
        .map(|u| Choice {
            value: u.id.0.to_string(),
            label: u.name,
        })
        .collect();
    let (chrome, _) = chrome(state, signed_in, "routing").await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(
        "dashboard/routing_form.html",
        EditorContext {
            chrome,
            id: id.map(|i| i.0),
            public_url: id.map(public_url),
            form,
            errors,
            event_types,
            people,
        },
    )?;
    Ok((status, private_page(html)).into_response())
}

/// `/dashboard/routing-forms/new`.
pub(crate) async fn new(State(state): State<AppState>, signed_in: SignedIn) -> Rendered {
    let form = EditorForm {
        fallback: "message Thank you, we will be in touch.".to_owned(),
        ..EditorForm::default()
    };
    editor_page(&state, &signed_in, None, form, FieldErrors::new()).await
}

/// `/dashboard/routing-forms/{id}`.
pub(crate) async fn edit(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    signed_in: SignedIn,
) -> Rendered {
    let id = RoutingFormId(id);
    let stored = services::routing::get(&state.db, &signed_in.scope, id).await?;
    let form = EditorForm::of(&stored.form);
    editor_page(&state, &signed_in, Some(id), form, FieldErrors::new()).await
}

async fn store_form(
    state: &AppState,
    signed_in: SignedIn,
    id: Option<RoutingFormId>,
    form: EditorForm,
) -> Rendered {
    let scope = &signed_in.scope;
    let parsed = match form.parse() {
        Ok(parsed) => parsed,
        Err(errors) => return editor_page(state, &signed_in, id, form, errors).await,
    };
    let saved = match id {
        Some(id) => services::routing::replace(&state.db, scope, id, parsed).await,
        None => services::routing::create(&state.db, scope, parsed).await,
    };
    match saved {
        Ok(saved) => Ok(
            Redirect::to(&format!("/dashboard/routing-forms/{}?saved=1", saved.id.0))
                .into_response(),
        ),
        Err(ServiceError::Validation(fields)) => {
            let mut errors = FieldErrors::new();
            for f in fields {
                let (field, message) = editor_error(&f.pointer, &f.message);
                errors.entry(field).or_insert(message);
            }
            editor_page(state, &signed_in, id, form, errors).await
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn create(
    State(state): State<AppState>,
    submitted: SessionForm<EditorForm>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    store_form(&state, signed_in, None, submitted.form).await
}

pub(crate) async fn save(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    submitted: SessionForm<EditorForm>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    store_form(&state, signed_in, Some(RoutingFormId(id)), submitted.form).await
}

#[derive(Serialize)]
struct SubmissionRow {
    created: String,
    answers: Vec<(String, String)>,
    route: String,
    booking_id: Option<Uuid>,
}

#[derive(Serialize)]
struct SubmissionsContext {
    chrome: Chrome,
    id: Uuid,
    name: String,
    submissions: Vec<SubmissionRow>,
}

fn answer_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(answer_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// `/dashboard/routing-forms/{id}/submissions`: newest first, with the route each took.
pub(crate) async fn submissions(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    signed_in: SignedIn,
) -> Rendered {
    let id = RoutingFormId(id);
    let form = services::routing::get(&state.db, &signed_in.scope, id).await?;
    let submissions = services::routing::submissions(&state.db, &signed_in.scope, id).await?;
    let (chrome, _) = chrome(&state, &signed_in, "routing").await?;
    let html = render(
        "dashboard/routing_submissions.html",
        SubmissionsContext {
            chrome,
            id: id.0,
            name: form.form.name,
            submissions: submissions
                .into_iter()
                .map(|s| SubmissionRow {
                    created: s
                        .created_at
                        .to_jiff()
                        .strftime("%Y-%m-%d %H:%M UTC")
                        .to_string(),
                    answers: s
                        .answers
                        .iter()
                        .map(|(k, v)| (k.clone(), answer_text(v)))
                        .collect(),
                    route: match s.matched {
                        Some(i) => format!("rule {}: {}", i + 1, action_text(&s.route)),
                        None => format!("fallback: {}", action_text(&s.route)),
                    },
                    booking_id: s.booking_id.map(|b| b.0),
                })
                .collect(),
        },
    )?;
    Ok(private_page(html))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_read_and_write_back() {
        let event = Uuid::from_u128(7);
        let text = format!(
            "country = Germany and size > 100 -> event {event}\n\
             topics in billing, api -> url https://example.com/help\n\
             plan = free or plan = trial -> message See our FAQ"
        );
        let form = EditorForm {
            name: "Contact".into(),
            fields: "country | Country | short_text | required".into(),
            rules: text.clone(),
            fallback: "message Thanks".into(),
        };
        let parsed = form.parse().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(parsed.routes.len(), 3);
        assert_eq!(
            parsed.routes[1].when,
            Condition::Test {
                field: "topics".into(),
                op: Operator::In,
                value: json!(["billing", "api"]),
            }
        );
        assert_eq!(EditorForm::of(&parsed).rules, text);
    }

    #[test]
    fn nested_conditions_go_through_json() {
        let nested = Condition::All {
            all: vec![Condition::Any {
                any: vec![Condition::Test {
                    field: "a".into(),
                    op: Operator::Equals,
                    value: json!(true),
                }],
            }],
        };
        assert_eq!(
            condition_text(&Condition::Test {
                field: "size".into(),
                op: Operator::GreaterThan,
                value: json!(10),
            }),
            "size > 10"
        );
        let text = condition_text(&nested);
        assert!(text.starts_with('{'));
        assert_eq!(parse_condition(&text), Ok(nested));
    }

    #[test]
    fn unreadable_lines_are_named() {
        let form = EditorForm {
            name: "x".into(),
            fields: String::new(),
            rules: "a = b and c = d or e = f -> message x\nno arrow".into(),
            fallback: "call me".into(),
        };
        let errors = form.parse().err().unwrap_or_default();
        assert!(errors["rules"].starts_with("Rule 1: mix"));
        assert!(errors.contains_key("fallback"));
        assert_eq!(
            editor_error("/routes/0/when/field", "the form has no such field"),
            (
                "rules".to_owned(),
                "Rule 1: The form has no such field.".to_owned()
            )
        );
    }
}
