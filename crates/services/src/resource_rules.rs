//! The rules one resource applies to one reservation, pure: bookable, length, notice, hours
//! (through the engine) and capacity with buffers. Services read the facts in the
//! reservation's unit of work and ask here; a search asks for many resources at once.

use domain::ids::Timestamp;
use domain::resources::{HeldSpan, Resource, ResourceRefusal, ResourceStatus, peak_overlap};

use crate::ServiceError;

/// The first reason `resource` cannot be held for `period`, given what `held` already holds.
pub fn why_not(
    resource: &Resource,
    held: &[HeldSpan],
    blackouts: &[(Timestamp, Timestamp)],
    period: (Timestamp, Timestamp),
    now: Timestamp,
) -> Result<Option<ResourceRefusal>, ServiceError> {
    let f = &resource.fields;
    let minutes = (seconds_of(period.1) - seconds_of(period.0)) / 60;
    let reason = if f.status != ResourceStatus::Available {
        Some(ResourceRefusal::NotBookable)
    } else if minutes < i64::from(f.min_duration_minutes) {
        Some(ResourceRefusal::TooShort)
    } else if f
        .max_duration_minutes
        .is_some_and(|max| minutes > i64::from(max))
    {
        Some(ResourceRefusal::TooLong)
    } else if seconds_of(period.0) < seconds_of(now) + i64::from(f.min_notice_minutes) * 60 {
        Some(ResourceRefusal::TooSoon)
    } else if f
        .max_notice_days
        .is_some_and(|days| seconds_of(period.0) > seconds_of(now) + i64::from(days) * 86_400)
    {
        Some(ResourceRefusal::TooFarAhead)
    } else if !within_hours(resource, period)? {
        Some(ResourceRefusal::OutsideHours)
    } else if blackouts
        .iter()
        .any(|&(start, end)| start < period.1 && period.0 < end)
    {
        Some(ResourceRefusal::BlackedOut)
    } else {
        let before = i64::from(f.buffer_before_minutes) * 60;
        let after = i64::from(f.buffer_after_minutes) * 60;
        let padded: Vec<(Timestamp, Timestamp)> = held
            .iter()
            .filter(|h| h.resource_id == resource.id)
            .map(|h| {
                (
                    h.start_at.plus(jiff::SignedDuration::from_secs(-before)),
                    h.end_at.plus(jiff::SignedDuration::from_secs(after)),
                )
            })
            .collect();
        let window = (
            period.0.plus(jiff::SignedDuration::from_secs(-before)),
            period.1.plus(jiff::SignedDuration::from_secs(after)),
        );
        let capacity = usize::try_from(f.capacity).unwrap_or(1);
        (peak_overlap(&padded, window) >= capacity).then_some(ResourceRefusal::Full)
    };
    Ok(reason)
}

/// Whether `period` lies inside the resource's hours: the engine's answer for a start at
/// `period.0` lasting the whole period, on a one-minute grid.
pub fn within_hours(
    resource: &Resource,
    period: (Timestamp, Timestamp),
) -> Result<bool, ServiceError> {
    let f = &resource.fields;
    let timezone = jiff::tz::TimeZone::get(&f.time_zone).map_err(|_| {
        ServiceError::Internal(store::Error::Corrupt(format!(
            "time zone {:?}",
            f.time_zone
        )))
    })?;
    let (weekly, overrides) = crate::engine_request::engine_hours(&f.weekly, &f.overrides)?;
    let start = engine::Instant(seconds_of(period.0));
    let duration = (seconds_of(period.1) - seconds_of(period.0)) / 60;
    let request = engine::SlotRequest {
        now: start,
        range: engine::Interval::new(start, start.plus(1)),
        event: engine::EventType {
            kind: engine::Kind::Single,
            duration_minutes: duration,
            interval_minutes: 1,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            minimum_notice_minutes: 0,
            booking_window_days: None,
            max_per_day: None,
            max_per_week: None,
            seats: 1,
            timezone: timezone.clone(),
        },
        hosts: vec![engine::Host {
            id: resource.id.to_string(),
            timezone,
            weekly,
            overrides,
            busy: Vec::new(),
            bookings: Vec::new(),
        }],
    };
    Ok(engine::compute_slots(&request)
        .iter()
        .any(|slot| slot.start == start))
}

pub fn refusal_detail(resource: &Resource, reason: ResourceRefusal) -> String {
    let f = &resource.fields;
    let name = &f.name;
    match reason {
        ResourceRefusal::NotBookable if f.status_reason.is_empty() => {
            format!("{name} cannot be reserved now")
        }
        ResourceRefusal::NotBookable => {
            format!("{name} cannot be reserved now: {}", f.status_reason)
        }
        ResourceRefusal::TooShort => format!(
            "{name} is reserved for at least {} minutes",
            f.min_duration_minutes
        ),
        ResourceRefusal::TooLong => format!(
            "{name} is reserved for at most {} minutes",
            f.max_duration_minutes.unwrap_or_default()
        ),
        ResourceRefusal::TooSoon => format!(
            "{name} must be reserved at least {} minutes ahead",
            f.min_notice_minutes
        ),
        ResourceRefusal::TooFarAhead => format!(
            "{name} can be reserved at most {} days ahead",
            f.max_notice_days.unwrap_or_default()
        ),
        ResourceRefusal::OutsideHours => {
            format!("the time is outside the hours of {name} ({})", f.time_zone)
        }
        ResourceRefusal::Full if f.capacity == 1 => {
            format!("{name} is already reserved for some of that time")
        }
        ResourceRefusal::Full => format!(
            "all {} of {name} are reserved for some of that time",
            f.capacity
        ),
        ResourceRefusal::OverQuota => format!("a quota on {name} would be exceeded"),
        ResourceRefusal::BlackedOut => format!("{name} is blacked out for some of that time"),
    }
}

fn seconds_of(t: Timestamp) -> i64 {
    t.to_jiff().as_second()
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ids::UserId;
    use domain::ids::{ReservationId, ResourceId};
    use domain::resources::{Attributes, ResourceFields, ResourceKind};
    use domain::schedules::{DateOverrides, WeeklyRules};

    fn at(text: &str) -> Timestamp {
        Timestamp::from(text.parse::<jiff::Timestamp>().expect("an instant"))
    }

    fn every_day(from: &str, to: &str) -> WeeklyRules {
        crate::schedules::DAY_KEYS
            .iter()
            .map(|d| ((*d).to_owned(), vec![[from.to_owned(), to.to_owned()]]))
            .collect()
    }

    fn resource(capacity: i32, weekly: WeeklyRules) -> Resource {
        Resource {
            id: ResourceId::new(),
            fields: ResourceFields {
                name: "Van".to_owned(),
                kind: ResourceKind::Equipment,
                description: String::new(),
                location: String::new(),
                group_id: None,
                attributes: Attributes::new(),
                capacity,
                time_zone: "Europe/Berlin".to_owned(),
                weekly,
                overrides: DateOverrides::new(),
                buffer_before_minutes: 0,
                buffer_after_minutes: 15,
                min_duration_minutes: 30,
                max_duration_minutes: None,
                min_notice_minutes: 60,
                max_notice_days: Some(90),
                requires_approval: false,
                check_in_required: false,
                release_after_minutes: 15,
                status: ResourceStatus::Available,
                status_reason: String::new(),
            },
            created_at: at("2026-01-01T00:00:00Z"),
            updated_at: at("2026-01-01T00:00:00Z"),
        }
    }

    fn held(resource: &Resource, start: &str, end: &str) -> HeldSpan {
        HeldSpan {
            reservation_id: ReservationId::new(),
            resource_id: resource.id,
            booked_by: UserId::new(),
            start_at: at(start),
            end_at: at(end),
        }
    }

    const NOW: &str = "2026-03-20T12:00:00Z";

    #[test]
    fn a_loan_over_several_days_fits_round_the_clock_hours_across_a_dst_change() {
        let van = resource(1, every_day("00:00", "24:00"));
        // Friday to Tuesday over the night Berlin moves its clocks forward.
        let period = (at("2026-03-27T08:00:00Z"), at("2026-03-31T08:00:00Z"));
        assert_eq!(
            why_not(&van, &[], &[], period, at(NOW)).expect("decided"),
            None
        );
    }

    #[test]
    fn office_hours_end_a_reservation_at_closing_time() {
        let room = resource(1, every_day("08:00", "18:00"));
        // 16:00-18:00 Berlin (CET) fits; 17:00-19:00 does not.
        let fits = (at("2026-03-23T15:00:00Z"), at("2026-03-23T17:00:00Z"));
        let late = (at("2026-03-23T16:00:00Z"), at("2026-03-23T18:00:00Z"));
        assert_eq!(
            why_not(&room, &[], &[], fits, at(NOW)).expect("decided"),
            None
        );
        assert_eq!(
            why_not(&room, &[], &[], late, at(NOW)).expect("decided"),
            Some(ResourceRefusal::OutsideHours)
        );
    }

    #[test]
    fn buffers_keep_reservations_apart_and_capacity_counts_the_rest() {
        let van = resource(1, every_day("00:00", "24:00"));
        let taken = [held(&van, "2026-03-23T09:00:00Z", "2026-03-23T10:00:00Z")];
        // Within the 15 minutes after the last one ends.
        let close = (at("2026-03-23T10:10:00Z"), at("2026-03-23T11:00:00Z"));
        let after = (at("2026-03-23T10:15:00Z"), at("2026-03-23T11:00:00Z"));
        assert_eq!(
            why_not(&van, &taken, &[], close, at(NOW)).expect("decided"),
            Some(ResourceRefusal::Full)
        );
        assert_eq!(
            why_not(&van, &taken, &[], after, at(NOW)).expect("decided"),
            None
        );
        let two = resource(2, every_day("00:00", "24:00"));
        let one_held = [held(&two, "2026-03-23T09:00:00Z", "2026-03-23T10:00:00Z")];
        assert_eq!(
            why_not(&two, &one_held, &[], close, at(NOW)).expect("decided"),
            None
        );
    }

    #[test]
    fn a_blackout_covers_its_time_only() {
        let van = resource(1, every_day("00:00", "24:00"));
        let repair = [(at("2026-03-23T08:00:00Z"), at("2026-03-23T12:00:00Z"))];
        let inside = (at("2026-03-23T11:00:00Z"), at("2026-03-23T13:00:00Z"));
        let after = (at("2026-03-23T12:00:00Z"), at("2026-03-23T13:00:00Z"));
        assert_eq!(
            why_not(&van, &[], &repair, inside, at(NOW)).expect("decided"),
            Some(ResourceRefusal::BlackedOut)
        );
        assert_eq!(
            why_not(&van, &[], &repair, after, at(NOW)).expect("decided"),
            None
        );
    }

    #[test]
    fn notice_and_length_come_before_hours() {
        let van = resource(1, every_day("00:00", "24:00"));
        let soon = (at("2026-03-20T12:30:00Z"), at("2026-03-20T14:00:00Z"));
        let far = (at("2026-07-20T12:30:00Z"), at("2026-07-20T14:00:00Z"));
        let short = (at("2026-03-23T09:00:00Z"), at("2026-03-23T09:20:00Z"));
        let decide = |p| why_not(&van, &[], &[], p, at(NOW)).expect("decided");
        assert_eq!(decide(soon), Some(ResourceRefusal::TooSoon));
        assert_eq!(decide(far), Some(ResourceRefusal::TooFarAhead));
        assert_eq!(decide(short), Some(ResourceRefusal::TooShort));
    }
}
