//! The quota rule (QUOTAS.md, "The rule"): does the request apply, which bookings count, and
//! which periods end up over the limit.

use std::collections::HashMap;

use jiff::civil::Date;

use super::periods::Calendar;
use super::{Id, Outcome, OverQuota, QuotaRequest, Scope, Unit};
use crate::interval::Interval;

/// Decides one request: allowed, or denied with every period over the limit.
pub fn evaluate(request: &QuotaRequest) -> Outcome {
    // Nothing requested: nothing to refuse (LibreBooking answers the same).
    let Some(first) = request.requested.first() else {
        return Outcome::Allowed;
    };
    let schedule = request.resource_schedule.get(&first.resource);
    if !applies(request, schedule) {
        return Outcome::Allowed;
    }
    let quota = &request.quota;
    let calendar = Calendar {
        tz: &request.timezone,
        period: quota.period,
        first_weekday: request.first_weekday,
    };
    let mut totals = Totals::new(&calendar, request);
    for occurrence in &request.requested {
        let times = if quota.scope == Scope::Schedule {
            occurrence.resources.len()
        } else {
            1
        };
        for _ in 0..times {
            totals.add(occurrence.time);
        }
    }
    let requested_resources: Vec<&Id> = request
        .requested
        .iter()
        .flat_map(|r| &r.resources)
        .collect();
    for booking in &request.existing {
        let replaced = booking.id.as_ref().is_some_and(|id| {
            request.deleting.contains(id)
                || request.requested.iter().any(|r| r.id.as_ref() == Some(id))
        });
        let completed = booking.time.end <= request.now;
        if replaced || (completed && !quota.count_completed) {
            continue;
        }
        let counts = match (quota.scope, &quota.applies_to.resource) {
            (Scope::Resource, Some(resource)) => booking.resource == *resource,
            (Scope::Resource, None) => requested_resources.contains(&&booking.resource),
            _ => {
                requested_resources.contains(&&booking.resource)
                    || schedule.is_some_and(|schedule| {
                        request.resource_schedule.get(&booking.resource) == Some(schedule)
                    })
            }
        };
        if counts {
            totals.add(booking.time);
        }
    }
    totals.over_limit()
}

/// Whether the quota is evaluated at all: every filter it names must match the request.
fn applies(request: &QuotaRequest, schedule: Option<&Id>) -> bool {
    let filter = &request.quota.applies_to;
    let resource = filter.resource.as_ref().is_none_or(|resource| {
        request
            .requested
            .iter()
            .any(|r| r.resources.contains(resource))
    });
    let group = filter
        .group
        .as_ref()
        .is_none_or(|group| request.user_groups.contains(group));
    let in_schedule = filter
        .schedule
        .as_ref()
        .is_none_or(|wanted| schedule == Some(wanted));
    resource && group && in_schedule
}

/// Totals per period, keyed by the period's first day.
struct Totals<'c, 'tz> {
    calendar: &'c Calendar<'tz>,
    request: &'c QuotaRequest,
    by_period: HashMap<Date, (Interval, i64)>,
}

impl<'c, 'tz> Totals<'c, 'tz> {
    fn new(calendar: &'c Calendar<'tz>, request: &'c QuotaRequest) -> Self {
        Totals {
            calendar,
            request,
            by_period: HashMap::new(),
        }
    }

    /// Adds one booking: its enforced time to each period it overlaps, or 1 to each period in
    /// which it has enforced time of positive length.
    fn add(&mut self, time: Interval) {
        if time.is_empty() {
            return;
        }
        let quota = &self.request.quota;
        for (first_day, period) in self.calendar.periods(time) {
            let part = Interval::new(time.start.max(period.start), time.end.min(period.end));
            if part.is_empty() {
                continue;
            }
            let seconds = self.calendar.enforced_seconds(
                part,
                quota.enforced_days.as_ref(),
                quota.enforced_hours,
            );
            let amount = match quota.unit {
                Unit::Hours => seconds,
                Unit::Reservations => i64::from(seconds > 0),
            };
            if amount > 0 {
                self.by_period.entry(first_day).or_insert((period, 0)).1 += amount;
            }
        }
    }

    fn over_limit(self) -> Outcome {
        let quota = &self.request.quota;
        let limit = quota.limit.as_f64().unwrap_or(f64::INFINITY);
        let mut over: Vec<OverQuota> = self
            .by_period
            .into_values()
            .filter(|&(_, total)| amount_as_number(quota.unit, total) > limit)
            .map(|(period, total)| OverQuota { period, total })
            .collect();
        if over.is_empty() {
            return Outcome::Allowed;
        }
        over.sort_by_key(|o| o.period.start);
        Outcome::Denied(over)
    }
}

/// A total in the quota's unit: hours (from seconds) or bookings. Division is correctly
/// rounded, so a total equal to a limit written in decimal compares equal to it.
pub(super) fn amount_as_number(unit: Unit, total: i64) -> f64 {
    match unit {
        Unit::Hours => total as f64 / 3600.0,
        Unit::Reservations => total as f64,
    }
}
