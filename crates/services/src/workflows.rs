//! Workflows: an organization's own automations on its bookings. Saving one checks every
//! field (templates compile and use only message placeholders, webhook URLs pass the SSRF
//! guard, numbers are E.164); running one ([`RunHandler`]) evaluates its conditions against
//! the booking as it is then, performs its actions in order and records each one's outcome.
//! A failed action does not stop the ones after it; the job is retried, and a retry performs
//! only the actions that have not succeeded yet.

use std::collections::BTreeMap;

use domain::bookings::{Attendee, Booking, BookingStatus};
use domain::ids::{OrganizationId, Timestamp, WorkflowId};
use domain::people::Person;
use domain::workflows::{
    AFTER_END, Action, ActionOutcome, AnswerCondition, BEFORE_START, Conditions, RunPayload,
    TRIGGERS, Totals, Workflow, WorkflowInput,
};
use jobs::{BoxFuture, ClaimedJob, Handler, Outcome};
use notify::email::{Email, Mailer};
use notify::sms::{PhoneNumber, Sms, SmsError};
use notify::templates::{Channel, Part, TemplateSet, check_source};
use notify::webhook::{SigningKey, generate_secret};
use serde_json::{Value, json};
use store::repo::messages::LogEntry;

use crate::booking_mail::{BookingEmail, place};
use store::repo::workflows::RunContext;
use store::{Db, Granted, Scope, can};

use crate::ServiceError;
use crate::credentials::Keyring;
use crate::fields::Invalid;
use crate::webhooks::{Succeeded, envelope, post_signed};

/// What an action may do.
pub const ACTION_KINDS: [&str; 6] = [
    "email_host",
    "email_attendee",
    "email_address",
    "sms_attendee",
    "sms_number",
    "webhook",
];

/// How an answer condition compares.
pub const ANSWER_OPS: [&str; 2] = ["equals", "contains"];

/// The longest delay or lead a workflow may have: 30 days.
pub const MAX_OFFSET_MINUTES: i32 = 30 * 24 * 60;

/// The most actions one workflow may have.
pub const MAX_ACTIONS: usize = 20;

/// The longest template part (subject or body), in characters.
pub const MAX_TEMPLATE_CHARS: usize = 10_000;

/// The answer that holds an attendee's phone number, for `sms_attendee`.
pub const PHONE_ANSWER: &str = "phone";

/// The event every workflow webhook call carries.
pub const WEBHOOK_EVENT: &str = "workflow.run";

/// A new workflow and the secret its webhook calls are signed with, shown only now.
#[derive(Clone, Debug)]
pub struct CreatedWorkflow {
    pub workflow: Workflow,
    pub secret: String,
}

fn manage(scope: &Scope) -> Result<Granted<can::ManageWorkflows>, ServiceError> {
    scope.grant().ok_or(ServiceError::Forbidden)
}

/// Checks one action template, rendered as each of `parts` (an e-mail body is sent as text
/// and as HTML, where escaping makes it longer).
fn check_template(invalid: &mut Invalid, pointer: &str, parts: &[Part], source: &str) {
    if source.trim().is_empty() {
        invalid.push(pointer, "required", "must not be empty");
        return;
    }
    if source.chars().count() > MAX_TEMPLATE_CHARS {
        invalid.push(
            pointer,
            "length",
            format!("must be at most {MAX_TEMPLATE_CHARS} characters"),
        );
        return;
    }
    for &part in parts {
        let problems = check_source(part, source);
        let found = !problems.is_empty();
        for problem in problems {
            invalid.push(pointer, problem.code, problem.message);
        }
        if found {
            return;
        }
    }
}

/// An action whose template does not render: done for good, since rendering again gives the
/// same answer (the template was checked when saved; this is one saved before a check
/// existed). Recorded in the run's outcome and the log, and never retried.
fn template_failed(error: &notify::templates::TemplateError) -> ActionOutcome {
    tracing::warn!(%error, "a workflow action's template failed; the action is not performed");
    ActionOutcome::skipped(format!("not sent: {error}"))
}

/// Checks `input` and returns it tidied: names trimmed, fields an action's kind does not
/// use dropped. Every problem names its field (`/actions/1/body`).
async fn validate(
    db: &Db,
    outbound: &outbound::Client,
    scope: &Scope,
    mut input: WorkflowInput,
) -> Result<WorkflowInput, ServiceError> {
    let mut invalid = Invalid::default();
    input.name = input.name.trim().to_owned();
    invalid.check(
        !input.name.is_empty(),
        "/name",
        "required",
        "must not be empty",
    );
    invalid.check(
        input.name.chars().count() <= 200,
        "/name",
        "length",
        "must be at most 200 characters",
    );
    invalid.check(
        TRIGGERS.contains(&input.trigger.as_str()),
        "/trigger",
        "trigger",
        &format!("must be one of {}", TRIGGERS.join(", ")),
    );
    invalid.check(
        (0..=MAX_OFFSET_MINUTES).contains(&input.offset_minutes),
        "/offset_minutes",
        "range",
        &format!("must be from 0 to {MAX_OFFSET_MINUTES}"),
    );
    for (i, event_type) in input.conditions.event_type_ids.iter().enumerate() {
        match db.event_types().get(scope, *event_type).await {
            Ok(_) => {}
            Err(store::Error::NotFound(_)) => invalid.push(
                format!("/conditions/event_type_ids/{i}"),
                "unknown",
                "is not an event type of this organization",
            ),
            Err(e) => return Err(e.into()),
        }
    }
    for (i, answer) in input.conditions.answers.iter_mut().enumerate() {
        answer.key = answer.key.trim().to_owned();
        invalid.check(
            !answer.key.is_empty(),
            &format!("/conditions/answers/{i}/key"),
            "required",
            "must name a question",
        );
        invalid.check(
            ANSWER_OPS.contains(&answer.op.as_str()),
            &format!("/conditions/answers/{i}/op"),
            "op",
            &format!("must be one of {}", ANSWER_OPS.join(", ")),
        );
    }
    invalid.check(
        !input.actions.is_empty(),
        "/actions",
        "required",
        "must have at least one action",
    );
    invalid.check(
        input.actions.len() <= MAX_ACTIONS,
        "/actions",
        "length",
        &format!("must have at most {MAX_ACTIONS} actions"),
    );
    for (i, action) in input.actions.iter_mut().enumerate() {
        let at = |field: &str| format!("/actions/{i}/{field}");
        let kind = action.kind.as_str();
        if !ACTION_KINDS.contains(&kind) {
            invalid.push(
                at("kind"),
                "kind",
                format!("must be one of {}", ACTION_KINDS.join(", ")),
            );
            continue;
        }
        let email = kind.starts_with("email_");
        let sms = kind.starts_with("sms_");
        if email {
            check_template(
                &mut invalid,
                &at("subject"),
                &[Part::Subject],
                &action.subject,
            );
        } else {
            action.subject.clear();
        }
        if email || sms {
            let parts: &[Part] = if email {
                &[Part::Text, Part::Html]
            } else {
                &[Part::Text]
            };
            check_template(&mut invalid, &at("body"), parts, &action.body);
        } else {
            action.body.clear();
        }
        if kind == "email_address" {
            let address = action.address.as_deref().unwrap_or_default().trim();
            if crate::validate::email(address, &()).is_err() {
                invalid.push(at("address"), "email", "must be an e-mail address");
            }
            action.address = Some(address.to_owned());
        } else {
            action.address = None;
        }
        if kind == "sms_number" {
            let typed = action.number.as_deref().unwrap_or_default();
            match PhoneNumber::parse(typed) {
                Ok(number) => action.number = Some(number.into()),
                Err(invalid_number) => {
                    invalid.push(at("number"), "phone_number", invalid_number.to_string());
                    action.number = Some(typed.trim().to_owned());
                }
            }
        } else {
            action.number = None;
        }
        if kind == "webhook" {
            let url = action.url.as_deref().unwrap_or_default().trim().to_owned();
            crate::webhooks::check_url(&mut invalid, &at("url"), outbound, &url);
            action.url = Some(url);
        } else {
            action.url = None;
        }
    }
    invalid.finish()?;
    Ok(input)
}

/// What a workflow's sealed secret is bound to: copied into another organization's row, it
/// does not open.
fn secret_context(organization: OrganizationId) -> Vec<u8> {
    format!("workflow-secret/{organization}").into_bytes()
}

pub async fn create(
    db: &Db,
    outbound: &outbound::Client,
    keys: &Keyring,
    scope: &Scope,
    input: WorkflowInput,
) -> Result<CreatedWorkflow, ServiceError> {
    let grant = manage(scope)?;
    let input = validate(db, outbound, scope, input).await?;
    let secret = generate_secret();
    let sealed = keys.seal_text(&secret_context(scope.organization_id()), &secret);
    let workflow = db.workflows().create(&grant, input, &sealed).await?;
    Ok(CreatedWorkflow { workflow, secret })
}

pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<(Workflow, Totals)>, ServiceError> {
    manage(scope)?;
    Ok(db.workflows().list(scope).await?)
}

pub async fn get(
    db: &Db,
    scope: &Scope,
    id: WorkflowId,
) -> Result<(Workflow, Totals), ServiceError> {
    manage(scope)?;
    Ok(db.workflows().get(scope, id).await?)
}

/// Replaces the workflow's definition (its secret stays).
pub async fn replace(
    db: &Db,
    outbound: &outbound::Client,
    scope: &Scope,
    id: WorkflowId,
    input: WorkflowInput,
) -> Result<(Workflow, Totals), ServiceError> {
    let grant = manage(scope)?;
    // Not found before invalid: another organization's id tells nothing about its fields.
    db.workflows().get(scope, id).await?;
    let input = validate(db, outbound, scope, input).await?;
    db.workflows().replace(&grant, id, input).await?;
    Ok(db.workflows().get(scope, id).await?)
}

pub async fn delete(db: &Db, scope: &Scope, id: WorkflowId) -> Result<(), ServiceError> {
    let grant = manage(scope)?;
    Ok(db.workflows().delete(&grant, id).await?)
}

/// The workflow's latest runs, newest first.
pub async fn runs(
    db: &Db,
    scope: &Scope,
    id: WorkflowId,
    limit: u32,
) -> Result<Vec<domain::workflows::Run>, ServiceError> {
    manage(scope)?;
    Ok(db.workflows().runs(scope, id, limit.clamp(1, 100)).await?)
}

/// Whether the booking and its attendees meet `conditions`.
pub fn matches(conditions: &Conditions, booking: &Booking, attendees: &[Attendee]) -> bool {
    let event_type_ok = conditions.event_type_ids.is_empty()
        || conditions.event_type_ids.contains(&booking.event_type_id);
    event_type_ok
        && conditions.answers.iter().all(|condition| {
            attendees
                .iter()
                .any(|a| answer_meets(&a.answers, condition))
        })
}

fn answer_meets(answers: &BTreeMap<String, Value>, condition: &AnswerCondition) -> bool {
    let Some(answer) = answers.get(&condition.key) else {
        return false;
    };
    let texts: Vec<String> = match answer {
        Value::Array(items) => items.iter().map(answer_text).collect(),
        other => vec![answer_text(other)],
    };
    match condition.op.as_str() {
        "equals" => texts.contains(&condition.value),
        "contains" => {
            let wanted = condition.value.to_lowercase();
            texts.iter().any(|t| t.to_lowercase().contains(&wanted))
        }
        _ => false,
    }
}

fn answer_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Runs `workflow.run` and `workflow.scheduled` jobs. Without a mailer, e-mails are written
/// to the log.
#[derive(Clone, Debug)]
pub struct RunHandler {
    pub db: Db,
    pub outbound: outbound::Client,
    /// Opens the workflows' sealed secrets.
    pub keys: Keyring,
    pub mailer: Option<Mailer>,
    /// Without a provider (`sms_provider = none`) SMS actions fail (and are logged failed).
    pub sms: Option<Sms>,
}

impl Handler for RunHandler {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            match self.perform(job).await {
                Ok(outcome) => outcome,
                Err(error) => Outcome::Retry {
                    error: error.to_string(),
                    at: None,
                },
            }
        })
    }
}

/// Everything one run's actions need.
struct RunScene<'a> {
    job: &'a ClaimedJob,
    workflow: &'a Workflow,
    run_id: domain::ids::WorkflowRunId,
    booking: &'a Booking,
    attendees: Vec<Attendee>,
    context: RunContext,
}

impl RunHandler {
    async fn perform(&self, job: &ClaimedJob) -> Result<Outcome, store::Error> {
        let payload: RunPayload = match serde_json::from_value(job.payload.clone()) {
            Ok(payload) => payload,
            Err(e) => {
                return Ok(Outcome::Dead {
                    error: format!("payload: {e}"),
                });
            }
        };
        let Some(booking_id) = job.booking_id else {
            return Ok(Outcome::Dead {
                error: "the job has no booking".to_owned(),
            });
        };
        let scope = job.scope();
        let workflow = match self.db.workflows().get(&scope, payload.workflow_id).await {
            Ok((workflow, _)) => workflow,
            // Deleted since: nothing to do.
            Err(store::Error::NotFound(_)) => return Ok(Outcome::Succeeded),
            Err(e) => return Err(e),
        };
        // Turned off or given another trigger since the job was queued.
        if !workflow.active || workflow.trigger != payload.event {
            return Ok(Outcome::Succeeded);
        }
        let (booking, attendees) = match self.db.bookings().get(&scope, booking_id).await {
            Ok(found) => found,
            Err(store::Error::NotFound(_)) => return Ok(Outcome::Succeeded),
            Err(e) => return Err(e),
        };
        let still_on = match payload.event.as_str() {
            BEFORE_START => booking.status == BookingStatus::Confirmed,
            AFTER_END => matches!(
                booking.status,
                BookingStatus::Confirmed | BookingStatus::Completed
            ),
            _ => true,
        };
        if !still_on {
            return Ok(Outcome::Succeeded);
        }
        let run = self
            .db
            .workflows()
            .start_run(&scope, job.id, workflow.id, booking.id, &payload.event)
            .await?;
        if !matches(&workflow.conditions, &booking, &attendees) {
            self.db
                .workflows()
                .record_run(&scope, run.id, "skipped", &[])
                .await?;
            return Ok(Outcome::Succeeded);
        }
        // A cancellation tells everyone who was on the booking; anything else its active seats.
        let attendees = attendees
            .into_iter()
            .filter(|a| a.status == "active" || booking.status == BookingStatus::Cancelled)
            .collect();
        let context = self
            .db
            .workflows()
            .context(&scope, booking.host_user_id, booking.event_type_id)
            .await?;
        let scene = RunScene {
            job,
            workflow: &workflow,
            run_id: run.id,
            booking: &booking,
            attendees,
            context,
        };
        let mut outcomes = run.outcomes;
        for (i, action) in workflow.actions.iter().enumerate() {
            if outcomes.get(i).is_some_and(ActionOutcome::is_done) {
                continue;
            }
            let outcome = self.act(&scene, i, action).await;
            match outcomes.get_mut(i) {
                Some(slot) => *slot = outcome,
                None => outcomes.push(outcome),
            }
            // Recorded after each action, so a crash repeats at most the one in flight.
            self.db
                .workflows()
                .record_run(&scope, run.id, "running", &outcomes)
                .await?;
        }
        let failed: Vec<String> = outcomes
            .iter()
            .enumerate()
            .filter(|(_, o)| !o.is_done())
            .map(|(i, o)| format!("action {i}: {}", o.detail))
            .collect();
        let status = if failed.is_empty() {
            "succeeded"
        } else {
            "failed"
        };
        self.db
            .workflows()
            .record_run(&scope, run.id, status, &outcomes)
            .await?;
        Ok(if failed.is_empty() {
            Outcome::Succeeded
        } else {
            // Retried; the actions that succeeded are not repeated.
            Outcome::Retry {
                error: failed.join("; "),
                at: None,
            }
        })
    }

    async fn act(&self, scene: &RunScene<'_>, index: usize, action: &Action) -> ActionOutcome {
        match action.kind.as_str() {
            "email_host" => {
                let host = scene.context.host.clone();
                self.email(scene, index, action, &[(host, "host")]).await
            }
            "email_attendee" => {
                let to: Vec<(Person, &str)> = scene
                    .attendees
                    .iter()
                    .map(|a| (person(a), "attendee"))
                    .collect();
                if to.is_empty() {
                    return ActionOutcome::skipped("the booking has no attendees");
                }
                self.email(scene, index, action, &to).await
            }
            "email_address" => {
                let address = action.address.clone().unwrap_or_default();
                let to = Person {
                    name: address.clone(),
                    email: address,
                    time_zone: scene.context.host.time_zone.clone(),
                };
                self.email(scene, index, action, &[(to, "other")]).await
            }
            "sms_attendee" => {
                let numbers: Vec<(Person, PhoneNumber)> = scene
                    .attendees
                    .iter()
                    .filter_map(|a| {
                        let typed = a.answers.get(PHONE_ANSWER)?.as_str()?;
                        Some((person(a), PhoneNumber::parse(typed).ok()?))
                    })
                    .collect();
                if numbers.is_empty() {
                    return ActionOutcome::skipped(format!(
                        "no attendee gave an E.164 number as the `{PHONE_ANSWER}` answer"
                    ));
                }
                self.sms(scene, action, &numbers).await
            }
            "sms_number" => {
                let typed = action.number.clone().unwrap_or_default();
                let Ok(number) = PhoneNumber::parse(&typed) else {
                    return ActionOutcome::failed(format!("{typed:?} is not an E.164 number"));
                };
                let to = Person {
                    name: typed,
                    email: String::new(),
                    time_zone: scene.context.host.time_zone.clone(),
                };
                self.sms(scene, action, &[(to, number)]).await
            }
            "webhook" => self.webhook(scene, index, action).await,
            other => ActionOutcome::failed(format!("unknown action kind {other:?}")),
        }
    }

    /// The message to `recipient`, rendered from the action's templates with the same
    /// placeholders as the organization's booking messages.
    fn render(
        &self,
        scene: &RunScene<'_>,
        action: &Action,
        recipient: &Person,
        role: &str,
    ) -> Result<notify::templates::Rendered, notify::templates::TemplateError> {
        let booking = scene.booking;
        let calendar = crate::calendar_identity::CalendarIdentity::of(booking);
        let email = BookingEmail {
            event: scene.workflow.trigger.clone(),
            booking_id: booking.id,
            recipient: recipient.clone(),
            role: role.to_owned(),
            organization: scene.context.organization.clone(),
            title: scene.context.title.clone(),
            start_at: booking.start_at,
            end_at: booking.end_at,
            location: place(&booking.location),
            reason: booking.cancel_reason.clone(),
            host: scene.context.host.clone(),
            attendees: scene.attendees.iter().map(person).collect(),
            uid: calendar.uid,
            sequence: calendar.sequence,
            stamp: Timestamp::now(),
            sms_to: None,
            manage_token: None,
        };
        let set = TemplateSet {
            subject: action.subject.clone(),
            // Placeholders are escaped in the HTML part; line breaks kept as written.
            html: format!(
                "<!doctype html>\n<html><body><div style=\"font-family: sans-serif; white-space: pre-wrap\">{}</div></body></html>\n",
                action.body
            ),
            text: action.body.clone(),
        };
        let channel = if action.kind.starts_with("sms_") {
            Channel::Sms
        } else {
            Channel::Email
        };
        crate::messages::booking_message(&email, None).render_with(channel, &set)
    }

    async fn email(
        &self,
        scene: &RunScene<'_>,
        index: usize,
        action: &Action,
        to: &[(Person, &str)],
    ) -> ActionOutcome {
        let mut sent = Vec::new();
        let mut failed = Vec::new();
        for (n, (recipient, role)) in to.iter().enumerate() {
            let rendered = match self.render(scene, action, recipient, role) {
                Ok(rendered) => rendered,
                Err(e) => return template_failed(&e),
            };
            let message = Email {
                to_name: recipient.name.clone(),
                to_email: recipient.email.clone(),
                subject: rendered.subject,
                text: rendered.text,
                html: rendered.html,
                calendar: None,
                // The same on every retry, so a repeat is recognisable.
                message_id: format!("{}.{index}.{n}@rendezvous", scene.job.id),
            };
            let result = match &self.mailer {
                Some(mailer) => mailer.send(&message).await,
                None => {
                    tracing::info!(target: "rendezvous::email", to = %message.to_email, subject = %message.subject, "\n{}", message.text);
                    Ok("logged: no SMTP server configured".to_owned())
                }
            };
            let (ok, response) = match result {
                Ok(answer) => (true, answer),
                Err(e) => (false, e.to_string()),
            };
            self.log(scene, "email", &recipient.email, ok, &response, None)
                .await;
            if ok {
                sent.push(recipient.email.clone());
            } else {
                failed.push(format!("{}: {response}", recipient.email));
            }
        }
        if failed.is_empty() {
            ActionOutcome::succeeded(format!("sent to {}", sent.join(", ")))
        } else {
            ActionOutcome::failed(failed.join("; "))
        }
    }

    async fn sms(
        &self,
        scene: &RunScene<'_>,
        action: &Action,
        to: &[(Person, PhoneNumber)],
    ) -> ActionOutcome {
        let mut sent = Vec::new();
        let mut failed = Vec::new();
        for (recipient, number) in to {
            let text = match self.render(scene, action, recipient, "attendee") {
                Ok(rendered) => rendered.text,
                Err(e) => return template_failed(&e),
            };
            let result = match &self.sms {
                Some(sms) => sms.send(number, &text).await,
                None => Err(SmsError::Invalid(
                    "no SMS provider is configured (sms_provider = none)".to_owned(),
                )),
            };
            let (ok, response, external_id) = match &result {
                Ok(answer) => (true, answer.status.clone(), answer.message_id.as_deref()),
                Err(error) => (false, error.to_string(), None),
            };
            self.log(scene, "sms", number.as_str(), ok, &response, external_id)
                .await;
            if ok {
                sent.push(number.to_string());
            } else {
                failed.push(format!("{number}: {response}"));
            }
        }
        if failed.is_empty() {
            ActionOutcome::succeeded(format!("sent to {}", sent.join(", ")))
        } else {
            ActionOutcome::failed(failed.join("; "))
        }
    }

    async fn webhook(&self, scene: &RunScene<'_>, index: usize, action: &Action) -> ActionOutcome {
        let url = action.url.clone().unwrap_or_default();
        let org = scene.job.organization_id;
        let key = match self
            .db
            .workflows()
            .secret(&scene.job.scope(), scene.workflow.id)
            .await
        {
            Ok(sealed) => self
                .keys
                .open_text(&secret_context(org), &sealed)
                .map_err(|e| e.to_string())
                .and_then(|secret| SigningKey::parse(&secret).map_err(|e| e.to_string())),
            Err(e) => Err(e.to_string()),
        };
        let key = match key {
            Ok(key) => key,
            Err(error) => return ActionOutcome::failed(format!("workflow secret: {error}")),
        };
        let payload = envelope(
            WEBHOOK_EVENT,
            Timestamp::now(),
            json!({
                "workflow": { "id": scene.workflow.id, "name": scene.workflow.name },
                "trigger": scene.workflow.trigger,
                "run_id": scene.run_id,
                "booking": scene.booking,
                "attendees": scene.attendees,
            }),
        );
        // The same `webhook-id` on every retry of this action in this run.
        let message_id = format!("msg_{}_{index}", scene.run_id);
        let attempt = post_signed(&self.outbound, &url, &message_id, &payload, &[key]).await;
        if attempt.succeeded() {
            ActionOutcome::succeeded(format!("HTTP {}", attempt.status_code.unwrap_or_default()))
        } else {
            let why = match (&attempt.error, attempt.status_code) {
                (Some(error), _) => error.clone(),
                (None, Some(code)) => format!(
                    "HTTP {code}: {}",
                    attempt.response_body.chars().take(200).collect::<String>()
                ),
                (None, None) => "no answer".to_owned(),
            };
            ActionOutcome::failed(why)
        }
    }

    async fn log(
        &self,
        scene: &RunScene<'_>,
        channel: &str,
        to: &str,
        sent: bool,
        response: &str,
        external_id: Option<&str>,
    ) {
        let event = format!("workflow:{}", scene.workflow.name);
        let entry = LogEntry {
            channel,
            event: &event,
            recipient: to,
            booking_id: Some(scene.booking.id),
            sent,
            provider_response: response,
            external_id,
        };
        if let Err(error) = self
            .db
            .messages()
            .log(scene.job.organization_id, &entry)
            .await
        {
            tracing::warn!(%error, "writing the notification log failed");
        }
    }
}

fn person(attendee: &Attendee) -> Person {
    Person {
        name: attendee.name.clone(),
        email: attendee.email.clone(),
        time_zone: attendee.time_zone.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(op: &str, value: &str) -> AnswerCondition {
        AnswerCondition {
            key: "topic".to_owned(),
            op: op.to_owned(),
            value: value.to_owned(),
        }
    }

    #[test]
    fn answers_equal_exactly_and_contain_ignoring_case() {
        let answers: BTreeMap<String, Value> = [
            ("topic".to_owned(), json!("Pricing")),
            ("seats".to_owned(), json!(12)),
        ]
        .into();
        assert!(answer_meets(&answers, &condition("equals", "Pricing")));
        assert!(!answer_meets(&answers, &condition("equals", "pricing")));
        assert!(answer_meets(&answers, &condition("contains", "RIC")));
        assert!(!answer_meets(&answers, &condition("contains", "support")));
        let seats = AnswerCondition {
            key: "seats".to_owned(),
            ..condition("equals", "12")
        };
        assert!(answer_meets(&answers, &seats));
        let missing = AnswerCondition {
            key: "nope".to_owned(),
            ..condition("contains", "")
        };
        assert!(!answer_meets(&answers, &missing));
        let choices: BTreeMap<String, Value> =
            [("topic".to_owned(), json!(["billing", "sales"]))].into();
        assert!(answer_meets(&choices, &condition("equals", "sales")));
    }
}
