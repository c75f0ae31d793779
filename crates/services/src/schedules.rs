//! Schedules: weekly hours in a zone with date overrides; one default per user.

use domain::ids::{ScheduleId, UserId};
use domain::refusals::Conflict;
use domain::schedules::{DateOverrides, Schedule, ScheduleFields, WeeklyRules, Window};
use store::{Db, Scope, can};

use crate::ServiceError;
use crate::fields::{Invalid, time_zone};

pub const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A schedule as the caller writes it.
#[derive(Clone, Debug)]
pub struct ScheduleInput {
    /// Whose schedule; `None` is the caller. Only owners and admins may name someone else.
    pub user_id: Option<UserId>,
    pub name: String,
    pub time_zone: String,
    pub weekly: WeeklyRules,
    pub overrides: DateOverrides,
    pub is_default: bool,
}

pub async fn create(
    db: &Db,
    scope: &Scope,
    input: ScheduleInput,
) -> Result<Schedule, ServiceError> {
    let (grant, user) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, input.user_id).await?;
    let fields = validate(input)?;
    Ok(db.schedules().create(&grant, user, fields).await?)
}

pub async fn get(db: &Db, scope: &Scope, id: ScheduleId) -> Result<Schedule, ServiceError> {
    crate::access::reading::<can::ReadAvailability>(scope)?;
    Ok(db.schedules().get(scope, id).await?)
}

pub async fn list(
    db: &Db,
    scope: &Scope,
    user_id: Option<UserId>,
) -> Result<Vec<Schedule>, ServiceError> {
    crate::access::reading::<can::ReadAvailability>(scope)?;
    Ok(db.schedules().list(scope, user_id).await?)
}

pub async fn replace(
    db: &Db,
    scope: &Scope,
    id: ScheduleId,
    input: ScheduleInput,
) -> Result<Schedule, ServiceError> {
    let existing = db.schedules().get(scope, id).await?;
    let (grant, _) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, Some(existing.user_id))
            .await?;
    let fields = validate(input)?;
    Ok(db.schedules().replace(&grant, id, fields).await?)
}

pub async fn delete(db: &Db, scope: &Scope, id: ScheduleId) -> Result<(), ServiceError> {
    let existing = db.schedules().get(scope, id).await?;
    let (grant, _) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, Some(existing.user_id))
            .await?;
    db.schedules()
        .delete(&grant, id)
        .await
        .map_err(|e| match e {
            store::Error::Conflict(conflict @ Conflict::DefaultSchedule) => {
                ServiceError::field("/is_default", conflict.code(), conflict.detail())
            }
            other => other.into(),
        })
}

fn validate(input: ScheduleInput) -> Result<ScheduleFields, ServiceError> {
    let mut invalid = Invalid::default();
    let name = input.name.trim().to_owned();
    invalid.check(
        (1..=100).contains(&name.chars().count()),
        "/name",
        "length",
        "must be 1 to 100 characters",
    );
    time_zone(&mut invalid, "/time_zone", &input.time_zone);
    check_hours(&mut invalid, &input.weekly, &input.overrides);
    invalid.finish()?;
    Ok(ScheduleFields {
        name,
        time_zone: input.time_zone,
        weekly: input.weekly,
        overrides: input.overrides,
        is_default: input.is_default,
    })
}

/// Checks weekly hours and date overrides, naming each bad day, date and window.
pub(crate) fn check_hours(invalid: &mut Invalid, weekly: &WeeklyRules, overrides: &DateOverrides) {
    for (day, windows) in weekly {
        if !DAY_KEYS.contains(&day.as_str()) {
            invalid.push(
                format!("/weekly/{day}"),
                "unknown_day",
                "days are mon, tue, wed, thu, fri, sat, sun",
            );
            continue;
        }
        check_windows(invalid, &format!("/weekly/{day}"), windows);
    }
    for (date, windows) in overrides {
        let Some(day) = engine::instant::parse_date(date) else {
            invalid.push(
                format!("/overrides/{date}"),
                "date",
                "must be a calendar date YYYY-MM-DD",
            );
            continue;
        };
        if !override_days().contains(&day) {
            invalid.push(
                format!("/overrides/{date}"),
                "out_of_range",
                "must be a date in the years 1900 to 2200",
            );
            continue;
        }
        check_windows(invalid, &format!("/overrides/{date}"), windows);
    }
    invalid.check(
        overrides.len() <= 1000,
        "/overrides",
        "too_many",
        "at most 1000 dates",
    );
}

/// The days an override may name: `0000-01-01` is a calendar date but no day anyone schedules,
/// and a far year only waits to overflow some later arithmetic.
fn override_days() -> std::ops::RangeInclusive<i64> {
    let day = |text| engine::instant::parse_date(text).unwrap_or_default();
    day("1900-01-01")..=day("2200-12-31")
}

fn check_windows(invalid: &mut Invalid, pointer: &str, windows: &[Window]) {
    if windows.len() > 48 {
        invalid.push(pointer, "too_many", "at most 48 windows a day");
    }
    for (i, window) in windows.iter().enumerate() {
        if let Err((code, message)) = local_window(window) {
            invalid.push(format!("{pointer}/{i}"), code, message);
        }
    }
}

/// `["09:00", "17:00"]` as an engine window.
pub(crate) fn local_window(
    window: &Window,
) -> Result<engine::LocalWindow, (&'static str, &'static str)> {
    let parse = engine::input::parse_local_time;
    match (parse(&window[0]), parse(&window[1])) {
        (Some(1440), _) => Err(("local_time", "24:00 is allowed only as an end")),
        (Some(start), Some(end)) if start < end => Ok(engine::LocalWindow {
            start_minute: start,
            end_minute: end,
        }),
        (Some(_), Some(_)) => Err(("order", "start must be before end")),
        _ => Err(("local_time", "times are HH:MM from 00:00 to 24:00")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn override_problems(date: &str) -> Vec<(String, &'static str)> {
        let overrides = DateOverrides::from([(date.to_owned(), vec![])]);
        let mut invalid = Invalid::default();
        check_hours(&mut invalid, &WeeklyRules::new(), &overrides);
        match invalid.finish() {
            Ok(()) => vec![],
            Err(ServiceError::Validation(errors)) => {
                errors.into_iter().map(|e| (e.pointer, e.code)).collect()
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn override_dates_are_real_days_of_a_sane_range() {
        for good in ["1900-01-01", "2026-12-08", "2200-12-31"] {
            assert_eq!(override_problems(good), vec![], "{good}");
        }
        for (bad, code) in [
            ("0000-01-01", "out_of_range"),
            ("1899-12-31", "out_of_range"),
            ("2201-01-01", "out_of_range"),
            ("9999-12-31", "out_of_range"),
            ("2026-02-30", "date"),
            ("tomorrow", "date"),
        ] {
            assert_eq!(
                override_problems(bad),
                vec![(format!("/overrides/{bad}"), code)],
                "{bad}"
            );
        }
    }
}
