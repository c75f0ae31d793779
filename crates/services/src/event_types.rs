//! Event types: what can be booked, and under which rules.

use std::collections::HashSet;

use domain::event_types::{
    BookingWindow, EventType, EventTypeFields, Location, Question, QuestionKind,
};
use domain::ids::{EventTypeId, UserId};
use domain::refusals::Conflict;
use store::{Db, Scope, can};

use crate::ServiceError;
use crate::fields::Invalid;

const MAX_MINUTES: i32 = 1440;
/// A day: a buffer longer than that is a day off, which a schedule override says better. The
/// bound also bounds how far a booking reaches (`store::repo::bookings::MAX_REACH`).
const MAX_BUFFER_MINUTES: i32 = 1440;
/// A year: more notice makes an event type unbookable, which hiding it does better.
const MAX_NOTICE_MINUTES: i32 = 525_600;

/// An event type as its owner writes it.
#[derive(Clone, Debug)]
pub struct EventTypeInput {
    /// The host; `None` is the caller.
    pub owner_user_id: Option<UserId>,
    pub fields: EventTypeFields,
    /// Fields the author left out: they take the owner's scheduling defaults.
    pub defaulted: Vec<Defaulted>,
}

/// A field of an event type that can come from its owner's scheduling defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Defaulted {
    BufferBefore,
    BufferAfter,
    MinimumNotice,
    Interval,
}

async fn apply_defaults(
    db: &Db,
    scope: &Scope,
    owner: UserId,
    fields: &mut EventTypeFields,
    defaulted: &[Defaulted],
) -> Result<(), ServiceError> {
    if defaulted.is_empty() {
        return Ok(());
    }
    let defaults = db.scheduling_defaults().get(scope, owner).await?;
    for field in defaulted {
        match field {
            Defaulted::BufferBefore => {
                fields.buffer_before_minutes = defaults.buffer_before_minutes
            }
            Defaulted::BufferAfter => fields.buffer_after_minutes = defaults.buffer_after_minutes,
            Defaulted::MinimumNotice => {
                fields.minimum_notice_minutes = defaults.minimum_notice_minutes
            }
            Defaulted::Interval => fields.interval_minutes = defaults.interval_minutes,
        }
    }
    Ok(())
}

pub async fn create(
    db: &Db,
    scope: &Scope,
    input: EventTypeInput,
) -> Result<EventType, ServiceError> {
    let (grant, owner) =
        crate::access::acting_for::<can::ManageEventTypes>(db, scope, input.owner_user_id).await?;
    let mut fields = input.fields;
    apply_defaults(db, scope, owner, &mut fields, &input.defaulted).await?;
    let fields = validate(db, scope, owner, fields).await?;
    Ok(db.event_types().create(&grant, owner, fields).await?)
}

pub async fn get(db: &Db, scope: &Scope, id: EventTypeId) -> Result<EventType, ServiceError> {
    crate::access::reading::<can::ReadEventTypes>(scope)?;
    Ok(db.event_types().get(scope, id).await?)
}

pub async fn list(
    db: &Db,
    scope: &Scope,
    owner: Option<UserId>,
) -> Result<Vec<EventType>, ServiceError> {
    crate::access::reading::<can::ReadEventTypes>(scope)?;
    Ok(db.event_types().list(scope, owner).await?)
}

pub async fn replace(
    db: &Db,
    scope: &Scope,
    id: EventTypeId,
    mut fields: EventTypeFields,
    defaulted: &[Defaulted],
) -> Result<EventType, ServiceError> {
    let existing = db.event_types().get(scope, id).await?;
    let grant = crate::team_event_types::writing(db, scope, &existing).await?;
    apply_defaults(db, scope, existing.owner_user_id, &mut fields, defaulted).await?;
    let fields = validate(db, scope, existing.owner_user_id, fields).await?;
    Ok(db.event_types().replace(&grant, id, fields).await?)
}

pub async fn delete(db: &Db, scope: &Scope, id: EventTypeId) -> Result<(), ServiceError> {
    let existing = db.event_types().get(scope, id).await?;
    let grant = crate::team_event_types::writing(db, scope, &existing).await?;
    db.event_types()
        .delete(&grant, id)
        .await
        .map_err(|e| match e {
            store::Error::Conflict(conflict @ Conflict::HasBookings) => {
                ServiceError::field("", conflict.code(), conflict.detail())
            }
            other => other.into(),
        })
}

async fn validate(
    db: &Db,
    scope: &Scope,
    owner: UserId,
    mut f: EventTypeFields,
) -> Result<EventTypeFields, ServiceError> {
    let mut invalid = Invalid::default();
    f.title = f.title.trim().to_owned();
    invalid.check(
        crate::validate::slug(&f.slug, &()).is_ok(),
        "/slug",
        "slug",
        "must be 1-63 lowercase letters, digits and single inner hyphens",
    );
    invalid.check(
        (1..=200).contains(&f.title.chars().count()),
        "/title",
        "length",
        "must be 1 to 200 characters",
    );
    invalid.check(
        f.description.chars().count() <= 10_000,
        "/description",
        "length",
        "must be at most 10000 characters",
    );
    invalid.check(
        (1..=MAX_MINUTES).contains(&f.duration_minutes),
        "/duration_minutes",
        "range",
        "must be 1 to 1440",
    );
    for (i, d) in f.duration_options.iter().enumerate() {
        invalid.check(
            (1..=MAX_MINUTES).contains(d),
            &format!("/duration_options/{i}"),
            "range",
            "must be 1 to 1440",
        );
    }
    if !f.duration_options.is_empty() && !f.duration_options.contains(&f.duration_minutes) {
        invalid.push(
            "/duration_options",
            "missing_default",
            "must include duration_minutes, the default choice",
        );
    }
    if let Some(interval) = f.interval_minutes {
        invalid.check(
            (1..=MAX_MINUTES).contains(&interval),
            "/interval_minutes",
            "range",
            "must be 1 to 1440",
        );
    }
    for (name, value) in [
        ("buffer_before_minutes", f.buffer_before_minutes),
        ("buffer_after_minutes", f.buffer_after_minutes),
    ] {
        invalid.check(
            (0..=MAX_BUFFER_MINUTES).contains(&value),
            &format!("/{name}"),
            "range",
            "must be 0 to 1440",
        );
    }
    invalid.check(
        (0..=MAX_NOTICE_MINUTES).contains(&f.minimum_notice_minutes),
        "/minimum_notice_minutes",
        "range",
        "must be 0 to 525600",
    );
    match &f.booking_window {
        BookingWindow::Unlimited => {}
        BookingWindow::Rolling { days } => invalid.check(
            *days <= 3650,
            "/booking_window/days",
            "range",
            "must be 0 to 3650",
        ),
        BookingWindow::Fixed { start, end } => {
            let (s, e) = (
                engine::instant::parse_date(start),
                engine::instant::parse_date(end),
            );
            invalid.check(
                s.is_some(),
                "/booking_window/start",
                "date",
                "must be a date YYYY-MM-DD",
            );
            invalid.check(
                e.is_some(),
                "/booking_window/end",
                "date",
                "must be a date YYYY-MM-DD",
            );
            if let (Some(s), Some(e)) = (s, e) {
                invalid.check(
                    s <= e,
                    "/booking_window",
                    "order",
                    "start must not be after end",
                );
            }
        }
    }
    for (name, value) in [
        ("max_per_day", f.max_per_day),
        ("max_per_week", f.max_per_week),
    ] {
        if let Some(v) = value {
            invalid.check(v >= 0, &format!("/{name}"), "range", "must be 0 or more");
        }
    }
    invalid.check(
        (1..=10_000).contains(&f.seats),
        "/seats",
        "range",
        "must be 1 to 10000",
    );
    for (i, location) in f.locations.iter().enumerate() {
        let pointer = format!("/locations/{i}");
        match location {
            Location::InPerson { address } => invalid.check(
                !address.trim().is_empty(),
                &format!("{pointer}/address"),
                "required",
                "must not be empty",
            ),
            Location::Phone { number } => invalid.check(
                crate::answers::is_phone(number),
                &format!("{pointer}/number"),
                "phone",
                "must be a phone number",
            ),
            Location::Video { url } => invalid.check(
                crate::answers::is_url(url),
                &format!("{pointer}/url"),
                "url",
                "must be an http(s) URL",
            ),
            Location::Jitsi => {}
        }
    }
    check_questions(&mut invalid, "/questions", &f.questions);
    if let Some(schedule_id) = f.schedule_id {
        match db.schedules().get(scope, schedule_id).await {
            Ok(s) if s.user_id == owner => {}
            Ok(_) | Err(store::Error::NotFound(_)) => invalid.push(
                "/schedule_id",
                "not_found",
                "must be a schedule of the event type's owner",
            ),
            Err(e) => return Err(e.into()),
        }
    }
    invalid.finish()?;
    Ok(f)
}

/// Checks a list of questions found at `at` (a JSON pointer): an event type's, or a routing
/// form's fields.
pub(crate) fn check_questions(invalid: &mut Invalid, at: &str, questions: &[Question]) {
    invalid.check(
        questions.len() <= 50,
        at,
        "too_many",
        "at most 50 questions",
    );
    let mut keys = HashSet::new();
    for (i, q) in questions.iter().enumerate() {
        let pointer = format!("{at}/{i}");
        let key_ok = !q.key.is_empty()
            && q.key.len() <= 64
            && q.key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        invalid.check(
            key_ok,
            &format!("{pointer}/key"),
            "key",
            "must be 1-64 letters, digits, _ or -",
        );
        invalid.check(
            keys.insert(q.key.as_str()),
            &format!("{pointer}/key"),
            "duplicate",
            "is used by an earlier question",
        );
        invalid.check(
            (1..=500).contains(&q.label.trim().chars().count()),
            &format!("{pointer}/label"),
            "length",
            "must be 1 to 500 characters",
        );
        let choices = matches!(q.kind, QuestionKind::Select | QuestionKind::MultiSelect);
        if choices {
            let distinct: HashSet<&String> = q.options.iter().collect();
            invalid.check(
                !q.options.is_empty() && distinct.len() == q.options.len(),
                &format!("{pointer}/options"),
                "options",
                "a choice needs distinct options",
            );
        } else {
            invalid.check(
                q.options.is_empty(),
                &format!("{pointer}/options"),
                "options",
                "only select and multi_select take options",
            );
        }
    }
}

/// A link that lets one booking of the event type through (the event type's owner, or an
/// admin, may make one).
pub async fn create_single_use_link(
    db: &Db,
    scope: &Scope,
    id: EventTypeId,
) -> Result<(domain::event_types::SingleUseLink, store::SecretToken), ServiceError> {
    let existing = db.event_types().get(scope, id).await?;
    let grant = crate::team_event_types::writing(db, scope, &existing).await?;
    Ok(db.event_types().create_single_use_link(&grant, id).await?)
}
