//! The dashboard's workflows (owners and admins): the list with each workflow's totals, a
//! form for a new one, and a workflow's page to edit it (the same form) with its latest runs
//! and each action's outcome. Forms work without JavaScript: a workflow's actions are a fixed
//! number of rows, an empty kind leaves a row out. Each form calls the `services::workflows`
//! function the JSON API calls; the webhook signing secret is shown once, on creation.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use domain::ids::{EventTypeId, WorkflowId};
use domain::workflows::{
    Action, AnswerCondition, Conditions, TRIGGERS, Totals, Workflow, WorkflowInput,
};
use serde::Serialize;
use services::ServiceError;
use services::workflows::{ACTION_KINDS, ANSWER_OPS};
use uuid::Uuid;

use super::Rendered;
use super::kit::{Chrome, chrome, field_of, private_page, sentence};
use super::render::render;
use super::session::{SessionForm, SignedIn};
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/workflows", get(list).post(create))
        .route("/dashboard/workflows/{id}", get(show).post(save))
        .route("/dashboard/workflows/{id}/delete", post(delete))
}

/// Action rows the form offers beyond a workflow's own actions.
const SPARE_ACTION_ROWS: usize = 2;

/// Answer condition rows the form offers beyond a workflow's own conditions.
const SPARE_ANSWER_ROWS: usize = 1;

/// Condition rows the form reads (services takes at most as many actions; conditions are
/// bounded the same way so a forged form cannot grow the page).
const MAX_ROWS: usize = 50;

/// How many runs a workflow's page shows.
const RUNS_SHOWN: u32 = 20;

/// One action row as typed.
#[derive(Clone, Debug, Default, Serialize)]
struct ActionRow {
    kind: String,
    subject: String,
    body: String,
    address: String,
    number: String,
    url: String,
}

/// One answer condition row as typed.
#[derive(Clone, Debug, Serialize)]
struct AnswerRow {
    key: String,
    op: String,
    value: String,
}

impl Default for AnswerRow {
    fn default() -> Self {
        Self {
            key: String::new(),
            op: "equals".to_owned(),
            value: String::new(),
        }
    }
}

/// Which form row each condition and action of the service input came from, so an error
/// the service names by position is shown at its row.
#[derive(Debug, Default, PartialEq, Eq)]
struct Rows {
    answers: Vec<usize>,
    actions: Vec<usize>,
}

/// Reads a repeated row field's name, `{prefix}{n}_{field}`, below [`MAX_ROWS`].
fn row_field(name: &str, prefix: char) -> Option<(usize, &str)> {
    let (n, field) = name.strip_prefix(prefix)?.split_once('_')?;
    let n = n.parse::<usize>().ok()?;
    (n < MAX_ROWS).then_some((n, field))
}

/// The workflow form as typed. Repeated fields (event type checkboxes, `c{n}_...` condition
/// rows, `a{n}_...` action rows) arrive as pairs, so the form is read from its `(name,
/// value)` list.
#[derive(Clone, Debug, Default, Serialize)]
struct WorkflowForm {
    name: String,
    active: bool,
    trigger: String,
    offset_minutes: String,
    event_type_ids: Vec<String>,
    answers: Vec<AnswerRow>,
    actions: Vec<ActionRow>,
}

impl WorkflowForm {
    fn of(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "name" => form.name = value,
                "active" => form.active = true,
                "trigger" => form.trigger = value,
                "offset_minutes" => form.offset_minutes = value.trim().to_owned(),
                "event_type_ids" => form.event_type_ids.push(value),
                other => {
                    if let Some((row, field)) = row_field(other, 'c') {
                        if form.answers.len() <= row {
                            form.answers.resize(row + 1, AnswerRow::default());
                        }
                        let slot = &mut form.answers[row];
                        match field {
                            "key" => slot.key = value,
                            "op" => slot.op = value,
                            "value" => slot.value = value,
                            _ => {}
                        }
                        continue;
                    }
                    // Rows beyond what the form offers are not ours.
                    let Some((row, field)) = row_field(other, 'a') else {
                        continue;
                    };
                    if form.actions.len() <= row {
                        form.actions.resize(row + 1, ActionRow::default());
                    }
                    let slot = &mut form.actions[row];
                    match field {
                        "kind" => slot.kind = value,
                        "subject" => slot.subject = value,
                        "body" => slot.body = value,
                        "address" => slot.address = value,
                        "number" => slot.number = value,
                        "url" => slot.url = value,
                        _ => {}
                    }
                }
            }
        }
        form
    }

    fn from_workflow(w: &Workflow) -> Self {
        Self {
            name: w.name.clone(),
            active: w.active,
            trigger: w.trigger.clone(),
            offset_minutes: w.offset_minutes.to_string(),
            event_type_ids: w
                .conditions
                .event_type_ids
                .iter()
                .map(|e| e.0.to_string())
                .collect(),
            answers: w
                .conditions
                .answers
                .iter()
                .map(|a| AnswerRow {
                    key: a.key.clone(),
                    op: a.op.clone(),
                    value: a.value.clone(),
                })
                .collect(),
            actions: w
                .actions
                .iter()
                .map(|a| ActionRow {
                    kind: a.kind.clone(),
                    subject: a.subject.clone(),
                    body: a.body.clone(),
                    address: a.address.clone().unwrap_or_default(),
                    number: a.number.clone().unwrap_or_default(),
                    url: a.url.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }

    /// A blank form for a new workflow.
    fn blank() -> Self {
        Self {
            active: true,
            trigger: "booking.created".to_owned(),
            offset_minutes: "0".to_owned(),
            ..Self::default()
        }
    }

    /// Room to add conditions and actions.
    fn with_spare_rows(mut self) -> Self {
        let answers = self.answers.len() + SPARE_ANSWER_ROWS;
        self.answers.resize(answers, AnswerRow::default());
        let actions = self.actions.len() + SPARE_ACTION_ROWS;
        self.actions.resize(actions, ActionRow::default());
        self
    }

    /// The service input and, by action position, the form row it came from; or the
    /// errors of fields the form itself cannot read.
    fn input(&self) -> Result<(WorkflowInput, Rows), BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let offset_minutes = if self.offset_minutes.is_empty() {
            0
        } else {
            self.offset_minutes.parse().unwrap_or_else(|_| {
                errors.insert(
                    "offset_minutes".to_owned(),
                    "Give a whole number of minutes.".to_owned(),
                );
                0
            })
        };
        let mut event_type_ids = Vec::new();
        for id in &self.event_type_ids {
            match Uuid::parse_str(id) {
                Ok(id) => event_type_ids.push(EventTypeId(id)),
                Err(_) => {
                    errors.insert(
                        "event_type_ids".to_owned(),
                        "Choose event types from the list.".to_owned(),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // A row without a question is a spare row left blank.
        let (answer_rows, answers): (Vec<usize>, Vec<AnswerCondition>) = self
            .answers
            .iter()
            .enumerate()
            .filter(|(_, row)| !row.key.trim().is_empty())
            .map(|(i, row)| {
                (
                    i,
                    AnswerCondition {
                        key: row.key.clone(),
                        op: row.op.clone(),
                        value: row.value.clone(),
                    },
                )
            })
            .unzip();
        let (action_rows, actions): (Vec<usize>, Vec<Action>) = self
            .actions
            .iter()
            .enumerate()
            .filter(|(_, row)| !row.kind.is_empty())
            .map(|(i, row)| {
                let some = |s: &String| (!s.trim().is_empty()).then(|| s.clone());
                (
                    i,
                    Action {
                        kind: row.kind.clone(),
                        subject: row.subject.clone(),
                        body: row.body.clone(),
                        address: some(&row.address),
                        number: some(&row.number),
                        url: some(&row.url),
                    },
                )
            })
            .unzip();
        Ok((
            WorkflowInput {
                name: self.name.clone(),
                active: self.active,
                trigger: self.trigger.clone(),
                offset_minutes,
                conditions: Conditions {
                    event_type_ids,
                    answers,
                },
                actions,
            },
            Rows {
                answers: answer_rows,
                actions: action_rows,
            },
        ))
    }
}

/// The form field a service error's pointer names: `/actions/1/body` is the body of the
/// row the second action came from, `/conditions/answers/0/op` the comparison of the row
/// the first condition came from.
fn form_field(pointer: &str, rows: &Rows) -> String {
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    let row_of = |n: &str, of: &[usize]| n.parse::<usize>().ok().and_then(|n| of.get(n).copied());
    match parts.as_slice() {
        ["actions", n, field, ..] => match row_of(n, &rows.actions) {
            Some(row) => format!("a{row}_{field}"),
            None => "actions".to_owned(),
        },
        ["conditions", "answers", n, field, ..] => match row_of(n, &rows.answers) {
            Some(row) => format!("c{row}_{field}"),
            None => "answers".to_owned(),
        },
        ["conditions", "event_type_ids", ..] => "event_type_ids".to_owned(),
        _ => field_of(pointer),
    }
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct WorkflowRow {
    id: Uuid,
    name: String,
    when: String,
    active: bool,
    actions: String,
    totals: Totals,
}

/// When a workflow runs, in words.
fn when_label(w: &Workflow) -> String {
    match (w.trigger.as_str(), w.offset_minutes) {
        ("before_start", m) => format!("{m} min before the start"),
        ("after_end", m) => format!("{m} min after the end"),
        (event, 0) => format!("on {event}"),
        (event, m) => format!("{m} min after {event}"),
    }
}

#[derive(Serialize)]
struct FormChoices {
    triggers: &'static [&'static str],
    kinds: &'static [&'static str],
    ops: &'static [&'static str],
    event_types: Vec<Choice>,
}

async fn form_choices(state: &AppState, signed_in: &SignedIn) -> Result<FormChoices, ServiceError> {
    let event_types = services::event_types::list(&state.db, &signed_in.scope, None)
        .await?
        .into_iter()
        .map(|e| Choice {
            value: e.id.0.to_string(),
            label: e.fields.title,
        })
        .collect();
    Ok(FormChoices {
        triggers: &TRIGGERS,
        kinds: &ACTION_KINDS,
        ops: &ANSWER_OPS,
        event_types,
    })
}

#[derive(Serialize)]
struct ListContext {
    chrome: Chrome,
    workflows: Vec<WorkflowRow>,
    form: WorkflowForm,
    choices: FormChoices,
    errors: BTreeMap<String, String>,
    /// The signing secret of a workflow just created: shown this once.
    new_secret: Option<String>,
}

async fn list_context(
    state: &AppState,
    signed_in: &SignedIn,
    notice: Option<String>,
) -> Result<ListContext, ServiceError> {
    let workflows = services::workflows::list(&state.db, &signed_in.scope).await?;
    let (mut chrome, _) = chrome(state, signed_in, "workflows")
        .await
        .map_err(|_| ServiceError::NotFound("user"))?;
    chrome.notice = notice;
    Ok(ListContext {
        chrome,
        workflows: workflows
            .iter()
            .map(|(w, totals)| WorkflowRow {
                id: w.id.0,
                name: w.name.clone(),
                when: when_label(w),
                active: w.active,
                actions: w
                    .actions
                    .iter()
                    .map(|a| a.kind.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                totals: *totals,
            })
            .collect(),
        form: WorkflowForm::blank().with_spare_rows(),
        choices: form_choices(state, signed_in).await?,
        errors: BTreeMap::new(),
        new_secret: None,
    })
}

fn page(template: &str, context: impl Serialize, invalid: bool) -> Rendered {
    let status = if invalid {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = render(template, context)?;
    Ok((status, private_page(html)).into_response())
}

/// `/dashboard/workflows`: the workflows and the form for a new one.
pub(crate) async fn list(State(state): State<AppState>, signed_in: SignedIn) -> Rendered {
    page(
        "dashboard/workflows.html",
        list_context(&state, &signed_in, None).await?,
        false,
    )
}

/// Turns the form into a saved workflow with `save`, or into the fields to mark.
async fn submit<T, F>(
    form: &WorkflowForm,
    save: F,
) -> Result<Result<T, BTreeMap<String, String>>, ServiceError>
where
    F: AsyncFnOnce(WorkflowInput) -> Result<T, ServiceError>,
{
    let (input, rows) = match form.input() {
        Ok(parsed) => parsed,
        Err(errors) => return Ok(Err(errors)),
    };
    match save(input).await {
        Ok(saved) => Ok(Ok(saved)),
        Err(ServiceError::Validation(fields)) => {
            let mut errors = BTreeMap::new();
            for f in fields {
                // The first problem of a field is the one shown.
                errors
                    .entry(form_field(&f.pointer, &rows))
                    .or_insert_with(|| sentence(&f.message));
            }
            Ok(Err(errors))
        }
        Err(other) => Err(other),
    }
}

pub(crate) async fn create(
    State(state): State<AppState>,
    submitted: SessionForm<Vec<(String, String)>>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    let form = WorkflowForm::of(submitted.form);
    let saved = submit(&form, async |input| {
        services::workflows::create(
            &state.db,
            &state.outbound,
            &state.calendars.keys,
            &signed_in.scope,
            input,
        )
        .await
    })
    .await?;
    match saved {
        Ok(created) => {
            let mut context = list_context(
                &state,
                &signed_in,
                Some(
                    "Workflow created. Copy its webhook signing secret now: it is not shown again."
                        .into(),
                ),
            )
            .await?;
            context.new_secret = Some(created.secret);
            page("dashboard/workflows.html", context, false)
        }
        Err(errors) => {
            let mut context = list_context(&state, &signed_in, None).await?;
            context.form = form;
            context.errors = errors;
            page("dashboard/workflows.html", context, true)
        }
    }
}

#[derive(Serialize)]
struct OutcomeRow {
    position: usize,
    status: String,
    detail: String,
}

#[derive(Serialize)]
struct RunRow {
    when: String,
    booking_id: Uuid,
    event: String,
    status: String,
    attempts: i32,
    outcomes: Vec<OutcomeRow>,
}

#[derive(Serialize)]
struct ShowContext {
    chrome: Chrome,
    id: Uuid,
    name: String,
    totals: Totals,
    form: WorkflowForm,
    choices: FormChoices,
    errors: BTreeMap<String, String>,
    runs: Vec<RunRow>,
}

async fn show_page(
    state: &AppState,
    signed_in: &SignedIn,
    id: WorkflowId,
    form: Option<WorkflowForm>,
    errors: BTreeMap<String, String>,
    notice: Option<String>,
) -> Rendered {
    let (workflow, totals) = services::workflows::get(&state.db, &signed_in.scope, id).await?;
    let runs = services::workflows::runs(&state.db, &signed_in.scope, id, RUNS_SHOWN).await?;
    let (mut chrome, _) = chrome(state, signed_in, "workflows").await?;
    chrome.notice = notice;
    let invalid = !errors.is_empty();
    let context = ShowContext {
        chrome,
        id: workflow.id.0,
        name: workflow.name.clone(),
        totals,
        form: form
            .unwrap_or_else(|| WorkflowForm::from_workflow(&workflow))
            .with_spare_rows(),
        choices: form_choices(state, signed_in).await?,
        errors,
        runs: runs
            .into_iter()
            .map(|run| RunRow {
                when: run
                    .created_at
                    .to_jiff()
                    .strftime("%Y-%m-%d %H:%M:%S UTC")
                    .to_string(),
                booking_id: run.booking_id.0,
                event: run.event,
                status: run.status,
                attempts: run.attempts,
                outcomes: run
                    .outcomes
                    .into_iter()
                    .enumerate()
                    .map(|(position, o)| OutcomeRow {
                        position: position + 1,
                        status: o.status,
                        detail: o.detail,
                    })
                    .collect(),
            })
            .collect(),
    };
    page("dashboard/workflow.html", context, invalid)
}

/// `/dashboard/workflows/{id}`: the workflow's form and its latest runs.
pub(crate) async fn show(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    signed_in: SignedIn,
) -> Rendered {
    show_page(
        &state,
        &signed_in,
        WorkflowId(id),
        None,
        BTreeMap::new(),
        None,
    )
    .await
}

/// `POST /dashboard/workflows/{id}`: saves the edited workflow.
pub(crate) async fn save(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    submitted: SessionForm<Vec<(String, String)>>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    let id = WorkflowId(id);
    let form = WorkflowForm::of(submitted.form);
    let saved = submit(&form, async |input| {
        services::workflows::replace(&state.db, &state.outbound, &signed_in.scope, id, input).await
    })
    .await?;
    match saved {
        Ok(_) => {
            show_page(
                &state,
                &signed_in,
                id,
                None,
                BTreeMap::new(),
                Some("Workflow saved.".to_owned()),
            )
            .await
        }
        Err(errors) => show_page(&state, &signed_in, id, Some(form), errors, None).await,
    }
}

/// `POST /dashboard/workflows/{id}/delete`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    submitted: SessionForm<super::signin::Empty>,
) -> Rendered {
    services::workflows::delete(&state.db, &submitted.scope, WorkflowId(id)).await?;
    Ok(Redirect::to("/dashboard/workflows").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_action_rows_and_maps_errors_back_to_them() {
        let form = WorkflowForm::of(vec![
            ("name".into(), "Remind".into()),
            ("trigger".into(), "before_start".into()),
            ("offset_minutes".into(), "60".into()),
            ("a0_kind".into(), String::new()),
            ("a1_kind".into(), "email_attendee".into()),
            ("a1_subject".into(), "{{ title }}".into()),
            ("a2_kind".into(), "webhook".into()),
            ("a2_url".into(), "https://example.com/hook".into()),
            ("a99_kind".into(), "webhook".into()),
        ]);
        assert_eq!(form.actions.len(), 3);
        let Ok((input, rows)) = form.input() else {
            panic!("the form reads");
        };
        assert_eq!(input.offset_minutes, 60);
        assert!(!input.active, "an unticked box is off");
        assert_eq!(rows.actions, [1, 2]);
        assert_eq!(
            input.actions[1].url.as_deref(),
            Some("https://example.com/hook")
        );
        assert_eq!(form_field("/actions/1/url", &rows), "a2_url");
        assert_eq!(form_field("/actions", &rows), "actions");
        assert_eq!(form_field("/conditions/answers/0/op", &rows), "answers");
        assert_eq!(form_field("/name", &rows), "name");
        let bad = WorkflowForm {
            offset_minutes: "soon".into(),
            ..WorkflowForm::blank()
        };
        assert!(bad.input().is_err_and(|e| e.contains_key("offset_minutes")));
    }

    #[test]
    fn every_answer_condition_is_on_the_form_and_survives_it() {
        let form = WorkflowForm::of(vec![
            ("name".into(), "Big orders".into()),
            ("trigger".into(), "booking.created".into()),
            ("c0_key".into(), "size".into()),
            ("c0_op".into(), "equals".into()),
            ("c0_value".into(), "12".into()),
            ("c1_key".into(), String::new()),
            ("c2_key".into(), "topic".into()),
            ("c2_op".into(), "contains".into()),
            ("c2_value".into(), "sales".into()),
            ("c77_key".into(), "beyond the rows".into()),
            ("a0_kind".into(), "email_host".into()),
        ]);
        let Ok((input, rows)) = form.input() else {
            panic!("the form reads");
        };
        let keys: Vec<&str> = input
            .conditions
            .answers
            .iter()
            .map(|a| a.key.as_str())
            .collect();
        assert_eq!(keys, ["size", "topic"]);
        assert_eq!(rows.answers, [0, 2]);
        assert_eq!(form_field("/conditions/answers/1/op", &rows), "c2_op");

        let workflow = Workflow {
            id: domain::ids::WorkflowId(Uuid::nil()),
            name: input.name.clone(),
            active: input.active,
            trigger: input.trigger.clone(),
            offset_minutes: input.offset_minutes,
            conditions: input.conditions.clone(),
            actions: input.actions.clone(),
            created_at: domain::ids::Timestamp::now(),
            updated_at: domain::ids::Timestamp::now(),
        };
        let again = WorkflowForm::from_workflow(&workflow).with_spare_rows();
        assert_eq!(again.answers.len(), 3, "two conditions and a spare row");
        let Ok((same, _)) = again.input() else {
            panic!("the form reads");
        };
        assert_eq!(same.conditions.answers, input.conditions.answers);
    }
}
