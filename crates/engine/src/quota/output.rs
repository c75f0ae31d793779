//! Writes the `rendezvous quota` answer (QUOTAS.md, "Command").

use serde_json::{Number, Value, json};

use super::rule::amount_as_number;
use super::{Outcome, QuotaRequest, Unit};
use crate::instant::Instant;

/// `{"outcome":"allowed"}`, or `{"outcome":"denied","periods":[…]}` with each period's start
/// and end on the quota zone's clock (with its offset), its total and the limit as given.
pub fn outcome_to_json(request: &QuotaRequest, outcome: &Outcome) -> String {
    let value = match outcome {
        Outcome::Allowed => json!({"outcome": "allowed"}),
        Outcome::Denied(periods) => {
            let periods: Vec<Value> = periods
                .iter()
                .map(|over| {
                    json!({
                        "start": local_text(request, over.period.start),
                        "end": local_text(request, over.period.end),
                        "total": total_number(request.quota.unit, over.total),
                        "limit": Value::Number(request.quota.limit.clone()),
                    })
                })
                .collect();
            json!({"outcome": "denied", "periods": periods})
        }
    };
    value.to_string()
}

/// An instant as RFC 3339 with the zone's offset at that instant, to the second.
fn local_text(request: &QuotaRequest, at: Instant) -> String {
    match at.to_jiff() {
        Some(ts) => ts
            .to_zoned(request.timezone.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        None => String::new(),
    }
}

/// Whole numbers print as integers, hours with a fraction as the nearest double.
fn total_number(unit: Unit, total: i64) -> Value {
    match unit {
        Unit::Hours if total % 3600 != 0 => {
            Number::from_f64(amount_as_number(unit, total)).map_or(Value::Null, Value::Number)
        }
        Unit::Hours => Value::from(total / 3600),
        Unit::Reservations => Value::from(total),
    }
}
