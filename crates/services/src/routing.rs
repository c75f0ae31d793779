//! Routing forms: checking a form as its author writes it, routing a submission (the first
//! route whose condition holds, else the fallback), and the submission a booking follows.

use std::collections::{BTreeMap, HashSet};

use domain::event_types::{Question, QuestionKind};
use domain::ids::{RoutingFormId, UserId};
use domain::routing::{Action, Condition, FormFields, Operator, RoutingForm, Submission};
use serde_json::Value;
use store::repo::routing_forms::{ManagedForm, PublicForm};
use store::{Bookable, Db, Scope, can};

use crate::ServiceError;
use crate::fields::Invalid;

const MAX_ROUTES: usize = 100;
/// How deep `all`/`any` may nest.
const MAX_DEPTH: usize = 5;

/// The route `answers` take: the index of the first route whose condition holds, or `None`
/// and the fallback.
pub fn route<'a>(
    form: &'a FormFields,
    answers: &BTreeMap<String, Value>,
) -> (Option<usize>, &'a Action) {
    form.routes
        .iter()
        .position(|r| holds(&r.when, answers))
        .map_or((None, &form.fallback), |i| {
            (Some(i), &form.routes[i].action)
        })
}

/// Whether `condition` holds for `answers`. An unanswered field satisfies only `not_equals`.
pub fn holds(condition: &Condition, answers: &BTreeMap<String, Value>) -> bool {
    match condition {
        Condition::All { all } => all.iter().all(|c| holds(c, answers)),
        Condition::Any { any } => any.iter().any(|c| holds(c, answers)),
        Condition::Test { field, op, value } => {
            let answer = answers.get(field).filter(|a| !a.is_null());
            match (op, answer) {
                (Operator::NotEquals, None) => true,
                (_, None) => false,
                (op, Some(answer)) => test(*op, answer, value),
            }
        }
    }
}

fn test(op: Operator, answer: &Value, value: &Value) -> bool {
    match op {
        Operator::Equals => same(answer, value),
        Operator::NotEquals => !same(answer, value),
        Operator::Contains => match (answer, value) {
            (Value::Array(items), v) => items.iter().any(|i| same(i, v)),
            (Value::String(text), Value::String(part)) => {
                text.to_lowercase().contains(&part.to_lowercase())
            }
            _ => false,
        },
        Operator::GreaterThan => number(answer)
            .zip(number(value))
            .is_some_and(|(a, v)| a > v),
        Operator::LessThan => number(answer)
            .zip(number(value))
            .is_some_and(|(a, v)| a < v),
        Operator::In => match (answer, value) {
            (Value::Array(items), Value::Array(options)) => {
                items.iter().any(|i| options.iter().any(|o| same(i, o)))
            }
            (a, Value::Array(options)) => options.iter().any(|o| same(a, o)),
            _ => false,
        },
    }
}

/// Equality as a person means it: text ignoring case and surrounding space, numbers by value
/// (also when one side is written as text).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.trim().to_lowercase() == y.trim().to_lowercase(),
        _ => match (number(a), number(b)) {
            (Some(x), Some(y)) => (x - y).abs() < f64::EPSILON,
            _ => a == b,
        },
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

// ----- the author's side -----

/// A new form, owned by its author. Authoring forms takes `event_types.manage` (members) or
/// `routing_forms.manage`.
pub async fn create(db: &Db, scope: &Scope, form: FormFields) -> Result<RoutingForm, ServiceError> {
    let form = validate(db, scope, form).await?;
    let forms = db.routing_forms();
    Ok(match scope.grant::<can::ManageRoutingForms>() {
        Some(any) => forms.create(&any, form).await?,
        None => {
            forms
                .create(
                    &crate::access::reading::<can::ManageEventTypes>(scope)?,
                    form,
                )
                .await?
        }
    })
}

/// The right to change form `id`: `routing_forms.manage` for any form, `event_types.manage`
/// for the forms one created; 403 otherwise (another member's form, or one made before forms
/// had owners).
async fn managing(db: &Db, scope: &Scope, id: RoutingFormId) -> Result<ManagedForm, ServiceError> {
    let forms = db.routing_forms();
    if let Some(any) = scope.grant::<can::ManageRoutingForms>() {
        return Ok(forms.manage(&any, id).await?);
    }
    let own = crate::access::reading::<can::ManageEventTypes>(scope)?;
    forms.own(&own, id).await?.ok_or(ServiceError::Forbidden)
}

pub async fn replace(
    db: &Db,
    scope: &Scope,
    id: RoutingFormId,
    form: FormFields,
) -> Result<RoutingForm, ServiceError> {
    let managed = managing(db, scope, id).await?;
    let form = validate(db, scope, form).await?;
    Ok(db.routing_forms().replace(&managed, form).await?)
}

pub async fn delete(db: &Db, scope: &Scope, id: RoutingFormId) -> Result<(), ServiceError> {
    let managed = managing(db, scope, id).await?;
    Ok(db.routing_forms().delete(managed).await?)
}

fn owns(scope: &Scope, form: &RoutingForm) -> bool {
    form.owner_user_id.is_some() && form.owner_user_id == scope.actor().user_id()
}

/// Whether the scope may read the submissions of `form`: its owner, and who reads every
/// booking (`bookings.read_all`). Pages offer the link by it; [`submissions`] enforces it.
pub fn may_read_submissions(scope: &Scope, form: &RoutingForm) -> bool {
    owns(scope, form) || crate::access::reads_everything(scope)
}

pub async fn get(db: &Db, scope: &Scope, id: RoutingFormId) -> Result<RoutingForm, ServiceError> {
    crate::access::reading::<can::ReadEventTypes>(scope)?;
    Ok(db.routing_forms().get(scope, id).await?)
}

pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<RoutingForm>, ServiceError> {
    crate::access::reading::<can::ReadEventTypes>(scope)?;
    Ok(db.routing_forms().list(scope).await?)
}

/// A form's submissions (the answers people gave): for the form's owner and for those who
/// read every booking (`bookings.read_all`); 403 for anyone else.
pub async fn submissions(
    db: &Db,
    scope: &Scope,
    id: RoutingFormId,
) -> Result<Vec<Submission>, ServiceError> {
    crate::access::reading::<can::ReadEventTypes>(scope)?;
    let form = db.routing_forms().get(scope, id).await?;
    if !may_read_submissions(scope, &form) {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.routing_forms().submissions(scope, id).await?)
}

/// Checks a form: its name, fields (as questions), each route's condition against the
/// fields and each action's target.
async fn validate(
    db: &Db,
    scope: &Scope,
    mut form: FormFields,
) -> Result<FormFields, ServiceError> {
    let mut invalid = Invalid::default();
    form.name = form.name.trim().to_owned();
    invalid.check(
        (1..=200).contains(&form.name.chars().count()),
        "/name",
        "length",
        "must be 1 to 200 characters",
    );
    crate::event_types::check_questions(&mut invalid, "/fields", &form.fields);
    invalid.check(
        form.routes.len() <= MAX_ROUTES,
        "/routes",
        "too_many",
        "at most 100 routes",
    );
    for (i, route) in form.routes.iter().enumerate() {
        check_condition(
            &mut invalid,
            &format!("/routes/{i}/when"),
            &route.when,
            &form.fields,
            0,
        );
        check_action(
            db,
            scope,
            &mut invalid,
            &format!("/routes/{i}/action"),
            &route.action,
        )
        .await?;
    }
    check_action(db, scope, &mut invalid, "/fallback", &form.fallback).await?;
    invalid.finish()?;
    Ok(form)
}

fn check_condition(
    invalid: &mut Invalid,
    at: &str,
    condition: &Condition,
    fields: &[Question],
    depth: usize,
) {
    if depth > MAX_DEPTH {
        invalid.push(at, "too_deep", "all/any nest at most 5 deep");
        return;
    }
    match condition {
        Condition::All { all: list } | Condition::Any { any: list } => {
            let key = if matches!(condition, Condition::All { .. }) {
                "all"
            } else {
                "any"
            };
            invalid.check(
                !list.is_empty(),
                &format!("{at}/{key}"),
                "empty",
                "needs a condition",
            );
            for (i, c) in list.iter().enumerate() {
                check_condition(invalid, &format!("{at}/{key}/{i}"), c, fields, depth + 1);
            }
        }
        Condition::Test { field, op, value } => {
            let Some(question) = fields.iter().find(|q| &q.key == field) else {
                invalid.push(
                    format!("{at}/field"),
                    "unknown_field",
                    "the form has no such field",
                );
                return;
            };
            let numeric = question.kind == QuestionKind::Number;
            let fits = match op {
                Operator::GreaterThan | Operator::LessThan => numeric && number(value).is_some(),
                Operator::In => value.as_array().is_some_and(|a| !a.is_empty()),
                Operator::Contains => {
                    question.kind == QuestionKind::MultiSelect || value.is_string()
                }
                Operator::Equals | Operator::NotEquals => !value.is_null(),
            };
            invalid.check(
                fits,
                &format!("{at}/value"),
                "operator",
                "greater_than and less_than compare numbers of a number field; in takes a list; contains takes text or a multi_select option",
            );
        }
    }
}

async fn check_action(
    db: &Db,
    scope: &Scope,
    invalid: &mut Invalid,
    at: &str,
    action: &Action,
) -> Result<(), ServiceError> {
    match action {
        Action::EventType { event_type_id } => {
            exists(db, scope, invalid, at, *event_type_id).await?;
        }
        Action::Members {
            event_type_id,
            user_ids,
        } => {
            if exists(db, scope, invalid, at, *event_type_id).await? {
                let hosts: HashSet<UserId> = db
                    .event_types()
                    .team_setup(scope, *event_type_id)
                    .await?
                    .map_or_else(HashSet::new, |t| t.host_ids().into_iter().collect());
                invalid.check(
                    !user_ids.is_empty() && user_ids.iter().all(|u| hosts.contains(u)),
                    &format!("{at}/user_ids"),
                    "not_host",
                    "name one or more hosts of the team event type",
                );
            }
        }
        Action::Url { url } => {
            let ok = (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 2000
                && !url.chars().any(char::is_whitespace);
            invalid.check(
                ok,
                &format!("{at}/url"),
                "url",
                "must be an http or https URL",
            );
        }
        Action::Message { text } => invalid.check(
            (1..=2000).contains(&text.trim().chars().count()),
            &format!("{at}/text"),
            "length",
            "must be 1 to 2000 characters",
        ),
    }
    Ok(())
}

async fn exists(
    db: &Db,
    scope: &Scope,
    invalid: &mut Invalid,
    at: &str,
    id: domain::ids::EventTypeId,
) -> Result<bool, ServiceError> {
    match db.event_types().get(scope, id).await {
        Ok(_) => Ok(true),
        Err(store::Error::NotFound(_)) => {
            invalid.push(
                format!("{at}/event_type_id"),
                "not_found",
                "no such event type",
            );
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

// ----- the public side -----

/// The form, for whoever holds its id.
pub async fn public(db: &Db, id: RoutingFormId) -> Result<PublicForm, ServiceError> {
    Ok(db.routing_forms().public(id).await?)
}

/// Checks the answers against the form's fields (422 naming each bad one), routes them and
/// stores the submission with the route it took, announcing it (`routing.submitted`) to the
/// subscriptions that cover the form's owner and the event type it routed to, in the same
/// transaction.
pub async fn submit(
    db: &Db,
    id: RoutingFormId,
    answers: BTreeMap<String, Value>,
    client_ip: Option<String>,
) -> Result<Submission, ServiceError> {
    let form = db.routing_forms().public(id).await?;
    let mut invalid = Invalid::default();
    crate::answers::check(&mut invalid, &form.form().form.fields, &answers);
    invalid.finish()?;
    let (matched, action) = route(&form.form().form, &answers);
    let matched = matched.and_then(|i| i32::try_from(i).ok());
    let action = action.clone();
    let mut unit = db.begin_unit(form.form().organization_id).await?;
    let submission = unit
        .routing_forms()
        .submit(&form, answers, matched, action, client_ip.as_deref())
        .await?;
    let routed_to = match &submission.route {
        Action::EventType { event_type_id } | Action::Members { event_type_id, .. } => {
            Some(*event_type_id)
        }
        Action::Url { .. } | Action::Message { .. } => None,
    };
    let payload = crate::webhooks::envelope(
        crate::webhooks::ROUTING_SUBMITTED,
        submission.created_at,
        serde_json::json!({ "submission": submission }),
    );
    crate::webhooks::fan_out(
        &mut unit,
        crate::webhooks::ROUTING_SUBMITTED,
        form.form().owner_user_id,
        routed_to,
        &payload,
    )
    .await?;
    unit.commit().await?;
    Ok(submission)
}

/// The routing form submission that sent an invitee to `bookable`, while no booking has used
/// it; otherwise a field error on `routing_submission_id`.
pub(crate) async fn routed_submission(
    db: &Db,
    bookable: &Bookable,
    submission: domain::ids::SubmissionId,
) -> Result<Submission, ServiceError> {
    let submission = db
        .routing_forms()
        .unbooked_submission(bookable.organization_id(), submission)
        .await
        .map_err(|_| not_routed_here())?;
    let routed_to = match &submission.route {
        Action::EventType { event_type_id } | Action::Members { event_type_id, .. } => {
            Some(*event_type_id)
        }
        Action::Url { .. } | Action::Message { .. } => None,
    };
    if routed_to != Some(bookable.event_type().id) {
        return Err(not_routed_here());
    }
    Ok(submission)
}

/// The hosts a `members` route limited the booking to.
pub(crate) fn routed_hosts(submission: &Submission) -> Option<&[domain::ids::UserId]> {
    match &submission.route {
        Action::Members { user_ids, .. } => Some(user_ids.as_slice()),
        _ => None,
    }
}

/// The refusal of a booking through a submission that did not route to its event type, or
/// that a booking already used.
pub(crate) fn not_routed_here() -> ServiceError {
    ServiceError::field(
        "/routing_submission_id",
        "routing_submission",
        "no unused routing form submission led to this event type",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answers(v: Value) -> BTreeMap<String, Value> {
        serde_json::from_value(v).unwrap_or_default()
    }

    fn test(field: &str, op: Operator, value: Value) -> Condition {
        Condition::Test {
            field: field.to_owned(),
            op,
            value,
        }
    }

    #[test]
    fn every_operator() {
        let a = answers(
            json!({ "size": 250, "country": "Germany ", "topics": ["billing", "api"], "note": "Need an Invoice" }),
        );
        let cases = [
            (test("country", Operator::Equals, json!("germany")), true),
            (test("country", Operator::Equals, json!("France")), false),
            (test("country", Operator::NotEquals, json!("France")), true),
            (
                test("country", Operator::NotEquals, json!("GERMANY")),
                false,
            ),
            (test("missing", Operator::NotEquals, json!("x")), true),
            (test("missing", Operator::Equals, json!("x")), false),
            (test("note", Operator::Contains, json!("invoice")), true),
            (test("note", Operator::Contains, json!("refund")), false),
            (test("topics", Operator::Contains, json!("api")), true),
            (test("topics", Operator::Contains, json!("sales")), false),
            (test("size", Operator::GreaterThan, json!(100)), true),
            (test("size", Operator::GreaterThan, json!(250)), false),
            (test("size", Operator::LessThan, json!(251)), true),
            (test("size", Operator::LessThan, json!(250)), false),
            (test("size", Operator::Equals, json!("250")), true),
            (
                test("country", Operator::In, json!(["France", "Germany"])),
                true,
            ),
            (test("country", Operator::In, json!(["France"])), false),
            (
                test("topics", Operator::In, json!(["sales", "billing"])),
                true,
            ),
            (test("topics", Operator::In, json!(["sales"])), false),
        ];
        for (condition, expected) in cases {
            assert_eq!(holds(&condition, &a), expected, "{condition:?}");
        }
    }

    #[test]
    fn and_or_nest() {
        let a = answers(json!({ "size": 50, "country": "Germany" }));
        let big_or_german = Condition::Any {
            any: vec![
                test("size", Operator::GreaterThan, json!(100)),
                test("country", Operator::Equals, json!("Germany")),
            ],
        };
        let both = Condition::All {
            all: vec![
                big_or_german.clone(),
                test("size", Operator::LessThan, json!(10)),
            ],
        };
        assert!(holds(&big_or_german, &a));
        assert!(!holds(&both, &a));
        let nested = Condition::Any {
            any: vec![
                both,
                Condition::All {
                    all: vec![big_or_german],
                },
            ],
        };
        assert!(holds(&nested, &a));
    }

    #[test]
    fn the_first_matching_route_wins_else_the_fallback() {
        let message = |text: &str| Action::Message {
            text: text.to_owned(),
        };
        let form = FormFields {
            name: "Contact".to_owned(),
            fields: Vec::new(),
            routes: vec![
                domain::routing::Route {
                    when: test("size", Operator::GreaterThan, json!(100)),
                    action: message("enterprise"),
                },
                domain::routing::Route {
                    when: test("size", Operator::GreaterThan, json!(10)),
                    action: message("team"),
                },
            ],
            fallback: message("self-serve"),
        };
        assert_eq!(
            route(&form, &answers(json!({"size": 500}))),
            (Some(0), &message("enterprise"))
        );
        assert_eq!(
            route(&form, &answers(json!({"size": 50}))),
            (Some(1), &message("team"))
        );
        assert_eq!(
            route(&form, &answers(json!({"size": 5}))),
            (None, &message("self-serve"))
        );
    }
}
