//! The dashboard's event types: a list with each booking link, and one form for creating
//! and editing every setting the scheduling API has. The form becomes the API's own
//! `EventTypeSettings` (so blank buffers, notice and interval take the owner's defaults,
//! exactly as absent JSON fields do) and goes to the same `services::event_types` calls.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use domain::event_types::{BookingWindow, EventType, Location, Question, QuestionKind};
use domain::ids::{EventTypeId, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Rendered;
use super::kit::{Chrome, FieldErrors, chrome, field_errors, private_page};
use super::render::render;
use super::session::{SessionForm, SignedIn};
use crate::api::event_types::{EventTypeSettings, split};
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/event-types", get(list).post(create))
        .route("/dashboard/event-types/new", get(new))
        .route("/dashboard/event-types/{id}", get(edit).post(save))
}

#[derive(Serialize)]
struct Row {
    id: Uuid,
    title: String,
    slug: String,
    duration_minutes: i32,
    hidden: bool,
    requires_confirmation: bool,
    seats: i32,
}

#[derive(Serialize)]
struct ListContext {
    chrome: Chrome,
    rows: Vec<Row>,
}

/// `/dashboard/event-types`: mine, with their links.
pub(crate) async fn list(State(state): State<AppState>, signed_in: SignedIn) -> Rendered {
    let (chrome, me) = chrome(&state, &signed_in, "event_types").await?;
    let rows = services::event_types::list(&state.db, &signed_in.scope, Some(me.id))
        .await?
        .into_iter()
        .map(|e| Row {
            id: e.id.0,
            title: e.fields.title,
            slug: e.fields.slug,
            duration_minutes: e.fields.duration_minutes,
            hidden: e.fields.hidden,
            requires_confirmation: e.fields.requires_confirmation,
            seats: e.fields.seats,
        })
        .collect();
    let html = render("dashboard/event_types.html", ListContext { chrome, rows })?;
    Ok(private_page(html))
}

/// The event type form, every field as the browser sends it.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct EventTypeForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    duration_minutes: String,
    #[serde(default)]
    duration_options: String,
    #[serde(default)]
    interval_minutes: String,
    #[serde(default)]
    buffer_before_minutes: String,
    #[serde(default)]
    buffer_after_minutes: String,
    #[serde(default)]
    minimum_notice_minutes: String,
    /// `unlimited`, `rolling` or `fixed`.
    #[serde(default)]
    window: String,
    #[serde(default)]
    window_days: String,
    #[serde(default)]
    window_start: String,
    #[serde(default)]
    window_end: String,
    #[serde(default)]
    max_per_day: String,
    #[serde(default)]
    max_per_week: String,
    #[serde(default)]
    seats: String,
    #[serde(default)]
    requires_confirmation: Option<String>,
    #[serde(default)]
    hidden: Option<String>,
    /// One per line: `jitsi`, `video: URL`, `phone: NUMBER`, `in person: ADDRESS`.
    #[serde(default)]
    locations: String,
    /// One per line: `key | Label | kind | required | option, option`.
    #[serde(default)]
    questions: String,
    /// The owner's schedule the times come from; blank for the owner's default one.
    #[serde(default)]
    schedule_id: String,
}

fn kind_name(kind: QuestionKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn number_text(n: Option<i32>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

impl EventTypeForm {
    fn blank() -> Self {
        Self {
            duration_minutes: "30".to_owned(),
            seats: "1".to_owned(),
            window: "unlimited".to_owned(),
            locations: "jitsi".to_owned(),
            ..Self::default()
        }
    }

    fn of(e: &EventType) -> Self {
        let f = &e.fields;
        let (window, window_days, window_start, window_end) = match &f.booking_window {
            BookingWindow::Unlimited => ("unlimited", String::new(), String::new(), String::new()),
            BookingWindow::Rolling { days } => {
                ("rolling", days.to_string(), String::new(), String::new())
            }
            BookingWindow::Fixed { start, end } => {
                ("fixed", String::new(), start.clone(), end.clone())
            }
        };
        let locations = f
            .locations
            .iter()
            .map(|l| match l {
                Location::Jitsi => "jitsi".to_owned(),
                Location::Video { url } => format!("video: {url}"),
                Location::Phone { number } => format!("phone: {number}"),
                Location::InPerson { address } => format!("in person: {address}"),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let questions = f
            .questions
            .iter()
            .map(question_line)
            .collect::<Vec<_>>()
            .join("\n");
        Self {
            slug: f.slug.clone(),
            title: f.title.clone(),
            description: f.description.clone(),
            duration_minutes: f.duration_minutes.to_string(),
            duration_options: f
                .duration_options
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            interval_minutes: number_text(f.interval_minutes),
            buffer_before_minutes: f.buffer_before_minutes.to_string(),
            buffer_after_minutes: f.buffer_after_minutes.to_string(),
            minimum_notice_minutes: f.minimum_notice_minutes.to_string(),
            window: window.to_owned(),
            window_days,
            window_start,
            window_end,
            max_per_day: number_text(f.max_per_day),
            max_per_week: number_text(f.max_per_week),
            seats: f.seats.to_string(),
            requires_confirmation: f.requires_confirmation.then(|| "on".to_owned()),
            hidden: f.hidden.then(|| "on".to_owned()),
            locations,
            questions,
            schedule_id: f.schedule_id.map(|s| s.0.to_string()).unwrap_or_default(),
        }
    }
}

/// The chosen schedule, or `None` (the owner's default) when blank; records the field when it
/// is not a schedule's id (services checks that it is the owner's).
fn schedule_choice(errors: &mut FieldErrors, text: &str) -> Option<Uuid> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match Uuid::parse_str(text) {
        Ok(id) => Some(id),
        Err(_) => {
            errors.insert("schedule_id".into(), "Choose one of the schedules.".into());
            None
        }
    }
}

/// A whole number, or `None` when blank; records the field when it is neither.
fn optional_number(errors: &mut FieldErrors, field: &str, text: &str) -> Option<i32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.insert(field.to_owned(), "Must be a whole number.".to_owned());
            None
        }
    }
}

fn parse_location(line: &str) -> Option<Location> {
    let (kind, value) = line.split_once(':').unwrap_or((line, ""));
    let value = value.trim().to_owned();
    match kind.trim().to_ascii_lowercase().as_str() {
        "jitsi" => Some(Location::Jitsi),
        "video" => Some(Location::Video { url: value }),
        "phone" => Some(Location::Phone { number: value }),
        "in person" | "in_person" | "address" => Some(Location::InPerson { address: value }),
        _ => None,
    }
}

/// A question as a line of the form: `key | Label | kind | required | options`.
pub(super) fn question_line(q: &Question) -> String {
    let mut line = format!(
        "{} | {} | {} | {}",
        q.key,
        q.label,
        kind_name(q.kind),
        if q.required { "required" } else { "optional" }
    );
    if !q.options.is_empty() {
        line.push_str(" | ");
        line.push_str(&q.options.join(", "));
    }
    line
}

/// A line `key | Label | kind | required | options` as a question.
pub(super) fn parse_question(line: &str) -> Option<Question> {
    let parts: Vec<&str> = line.split('|').map(str::trim).collect();
    let kind: QuestionKind =
        serde_json::from_value(serde_json::Value::String(parts.get(2)?.to_string())).ok()?;
    let required = match parts.get(3).copied().unwrap_or("optional") {
        "required" => true,
        "optional" | "" => false,
        _ => return None,
    };
    let options = parts
        .get(4)
        .map(|o| {
            o.split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Some(Question {
        key: parts.first()?.to_string(),
        label: parts.get(1)?.to_string(),
        kind,
        required,
        options,
    })
}

/// The form as the API's settings, or the fields it cannot read. What the values mean
/// (ranges, slugs, URLs) is checked by the service.
fn settings(form: &EventTypeForm) -> Result<EventTypeSettings, FieldErrors> {
    let mut errors = FieldErrors::new();
    let duration = optional_number(&mut errors, "duration_minutes", &form.duration_minutes);
    if duration.is_none() && !errors.contains_key("duration_minutes") {
        errors.insert("duration_minutes".to_owned(), "Required.".to_owned());
    }
    let mut duration_options = Vec::new();
    for part in form
        .duration_options
        .split(',')
        .filter(|p| !p.trim().is_empty())
    {
        if let Some(n) = optional_number(&mut errors, "duration_options", part) {
            duration_options.push(n);
        }
    }
    let booking_window = match form.window.as_str() {
        "rolling" => match optional_number(&mut errors, "booking_window", &form.window_days) {
            Some(days) => BookingWindow::Rolling {
                days: u32::try_from(days).unwrap_or(0),
            },
            None => {
                errors
                    .entry("booking_window".to_owned())
                    .or_insert_with(|| "Give the number of days.".to_owned());
                BookingWindow::Unlimited
            }
        },
        "fixed" => BookingWindow::Fixed {
            start: form.window_start.trim().to_owned(),
            end: form.window_end.trim().to_owned(),
        },
        _ => BookingWindow::Unlimited,
    };
    let mut locations = Vec::new();
    for line in form
        .locations
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        match parse_location(line) {
            Some(l) => locations.push(l),
            None => {
                errors.insert(
                    "locations".to_owned(),
                    format!("Cannot read “{line}”: write jitsi, video: URL, phone: NUMBER or in person: ADDRESS."),
                );
            }
        }
    }
    let mut questions = Vec::new();
    for line in form
        .questions
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        match parse_question(line) {
            Some(q) => questions.push(q),
            None => {
                errors.insert(
                    "questions".to_owned(),
                    format!("Cannot read “{line}”: write key | Label | kind | required or optional | options."),
                );
            }
        }
    }
    let settings = EventTypeSettings {
        slug: form.slug.trim().to_owned(),
        title: form.title.trim().to_owned(),
        description: form.description.trim().to_owned(),
        duration_minutes: duration.unwrap_or(0),
        duration_options,
        interval_minutes: optional_number(&mut errors, "interval_minutes", &form.interval_minutes),
        buffer_before_minutes: optional_number(
            &mut errors,
            "buffer_before_minutes",
            &form.buffer_before_minutes,
        ),
        buffer_after_minutes: optional_number(
            &mut errors,
            "buffer_after_minutes",
            &form.buffer_after_minutes,
        ),
        minimum_notice_minutes: optional_number(
            &mut errors,
            "minimum_notice_minutes",
            &form.minimum_notice_minutes,
        ),
        booking_window,
        max_per_day: optional_number(&mut errors, "max_per_day", &form.max_per_day),
        max_per_week: optional_number(&mut errors, "max_per_week", &form.max_per_week),
        seats: optional_number(&mut errors, "seats", &form.seats).unwrap_or(1),
        requires_confirmation: form.requires_confirmation.is_some(),
        hidden: form.hidden.is_some(),
        locations,
        questions,
        schedule_id: schedule_choice(&mut errors, &form.schedule_id),
    };
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

/// A schedule the form offers.
#[derive(Serialize)]
struct ScheduleChoice {
    id: Uuid,
    name: String,
    time_zone: String,
    is_default: bool,
}

#[derive(Serialize)]
struct FormContext<'a> {
    chrome: Chrome,
    form: &'a EventTypeForm,
    /// The owner's schedules, their default first.
    schedules: Vec<ScheduleChoice>,
    /// `None` while creating.
    id: Option<Uuid>,
    errors: FieldErrors,
    kinds: &'static str,
}

const KINDS: &str =
    "short_text, long_text, select, multi_select, checkbox, phone, email, number, url";

/// The schedules of `owner` the form offers, their default first.
async fn schedule_choices(
    state: &AppState,
    signed_in: &SignedIn,
    owner: UserId,
) -> Result<Vec<ScheduleChoice>, services::ServiceError> {
    let mut schedules = services::schedules::list(&state.db, &signed_in.scope, Some(owner)).await?;
    schedules.sort_by_key(|s| !s.is_default);
    Ok(schedules
        .into_iter()
        .map(|s| ScheduleChoice {
            id: s.id.0,
            name: s.name,
            time_zone: s.time_zone,
            is_default: s.is_default,
        })
        .collect())
}

fn form_page(
    chrome: Chrome,
    form: &EventTypeForm,
    schedules: Vec<ScheduleChoice>,
    id: Option<Uuid>,
    errors: FieldErrors,
) -> Rendered {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(
        "dashboard/event_type_form.html",
        FormContext {
            chrome,
            form,
            schedules,
            id,
            errors,
            kinds: KINDS,
        },
    )?;
    Ok((status, private_page(html)).into_response())
}

pub(crate) async fn new(State(state): State<AppState>, signed_in: SignedIn) -> Rendered {
    let (chrome, me) = chrome(&state, &signed_in, "event_types").await?;
    let schedules = schedule_choices(&state, &signed_in, me.id).await?;
    form_page(
        chrome,
        &EventTypeForm::blank(),
        schedules,
        None,
        FieldErrors::new(),
    )
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    signed_in: SignedIn,
) -> Rendered {
    let (chrome, _) = chrome(&state, &signed_in, "event_types").await?;
    let event_type =
        services::event_types::get(&state.db, &signed_in.scope, EventTypeId(id)).await?;
    let schedules = schedule_choices(&state, &signed_in, event_type.owner_user_id).await?;
    form_page(
        chrome,
        &EventTypeForm::of(&event_type),
        schedules,
        Some(id),
        FieldErrors::new(),
    )
}

/// What the form is told of a slug another of my event types has (the only unique value
/// an event type has).
const SLUG_TAKEN: &str = "You have an event type with this slug already.";

pub(crate) async fn create(
    State(state): State<AppState>,
    submitted: SessionForm<EventTypeForm>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    let form = submitted.form;
    let (chrome, me) = chrome(&state, &signed_in, "event_types").await?;
    let settings = match settings(&form) {
        Ok(s) => s,
        Err(errors) => {
            let schedules = schedule_choices(&state, &signed_in, me.id).await?;
            return form_page(chrome, &form, schedules, None, errors);
        }
    };
    let (fields, defaulted) = split(settings);
    let input = services::event_types::EventTypeInput {
        owner_user_id: None,
        fields,
        defaulted,
    };
    match services::event_types::create(&state.db, &signed_in.scope, input).await {
        Ok(created) => Ok(
            Redirect::to(&format!("/dashboard/event-types?saved={}", created.id.0)).into_response(),
        ),
        Err(e) => {
            let errors = field_errors(e, "", Some(SLUG_TAKEN))?;
            let schedules = schedule_choices(&state, &signed_in, me.id).await?;
            form_page(chrome, &form, schedules, None, errors)
        }
    }
}

pub(crate) async fn save(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    submitted: SessionForm<EventTypeForm>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    let form = submitted.form;
    let (chrome, _) = chrome(&state, &signed_in, "event_types").await?;
    let owner = services::event_types::get(&state.db, &signed_in.scope, EventTypeId(id))
        .await?
        .owner_user_id;
    let settings = match settings(&form) {
        Ok(s) => s,
        Err(errors) => {
            let schedules = schedule_choices(&state, &signed_in, owner).await?;
            return form_page(chrome, &form, schedules, Some(id), errors);
        }
    };
    let (fields, defaulted) = split(settings);
    let replaced = services::event_types::replace(
        &state.db,
        &signed_in.scope,
        EventTypeId(id),
        fields,
        &defaulted,
    )
    .await;
    match replaced {
        Ok(_) => Ok(Redirect::to(&format!("/dashboard/event-types?saved={id}")).into_response()),
        Err(e) => {
            let errors = field_errors(e, "", Some(SLUG_TAKEN))?;
            let schedules = schedule_choices(&state, &signed_in, owner).await?;
            form_page(chrome, &form, schedules, Some(id), errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_locations_and_questions() {
        assert_eq!(parse_location("jitsi"), Some(Location::Jitsi));
        assert_eq!(
            parse_location("in person: Torstraße 1, Berlin"),
            Some(Location::InPerson {
                address: "Torstraße 1, Berlin".to_owned()
            })
        );
        assert_eq!(parse_location("carrier pigeon"), None);
        let q = parse_question("topic | Topic | select | required | Sales, Support");
        assert_eq!(
            q,
            Some(Question {
                key: "topic".to_owned(),
                label: "Topic".to_owned(),
                kind: QuestionKind::Select,
                required: true,
                options: vec!["Sales".to_owned(), "Support".to_owned()],
            })
        );
        assert_eq!(parse_question("topic | Topic | essay"), None);
    }

    #[test]
    fn an_event_type_round_trips_through_the_form() {
        let form = EventTypeForm {
            slug: "intro".to_owned(),
            title: "Intro".to_owned(),
            duration_minutes: "30".to_owned(),
            duration_options: "30, 60".to_owned(),
            buffer_before_minutes: "5".to_owned(),
            window: "rolling".to_owned(),
            window_days: "30".to_owned(),
            seats: "1".to_owned(),
            locations: "jitsi\nphone: +49 30 1234567".to_owned(),
            questions: "topic | Topic | select | required | Sales, Support".to_owned(),
            schedule_id: "0191d7a6-1c2e-7a00-8000-000000000001".to_owned(),
            ..EventTypeForm::default()
        };
        let settings = settings(&form).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(settings.buffer_before_minutes, Some(5));
        assert_eq!(
            settings.buffer_after_minutes, None,
            "blank takes the default"
        );
        assert_eq!(settings.booking_window, BookingWindow::Rolling { days: 30 });
        let (fields, _) = split(settings);
        let back = EventTypeForm::of(&EventType {
            id: EventTypeId(Uuid::nil()),
            organization_id: domain::ids::OrganizationId(Uuid::nil()),
            owner_user_id: domain::ids::UserId(Uuid::nil()),
            fields,
            created_at: domain::ids::Timestamp::now(),
            updated_at: domain::ids::Timestamp::now(),
        });
        assert_eq!(back.locations, form.locations);
        assert_eq!(back.questions, form.questions);
        assert_eq!(back.duration_options, form.duration_options);
        assert_eq!(
            back.schedule_id, form.schedule_id,
            "saving keeps the schedule"
        );
    }

    #[test]
    fn unreadable_numbers_are_named() {
        let form = EventTypeForm {
            duration_minutes: "half an hour".to_owned(),
            max_per_day: "3.5".to_owned(),
            schedule_id: "office".to_owned(),
            ..EventTypeForm::blank()
        };
        let errors = settings(&form).err().unwrap_or_default();
        assert!(errors.contains_key("duration_minutes"));
        assert!(errors.contains_key("max_per_day"));
        assert!(errors.contains_key("schedule_id"));
    }
}
