//! `rendezvous quota` (QUOTAS.md): LibreBooking's own quota cases re-expressed in the contract's
//! document, then the contract's finer points (DST days, first weekday, enforcement windows,
//! scopes, edits) and its input errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rendezvous_engine::quota::run_json;
use serde_json::{Value, json};

/// LibreBooking's test defaults: schedule 1 in America/Chicago, weeks from Sunday, a user in no
/// group, a request for resource 13 together with 14.
fn doc(quota: Value, requested: Value, existing: Value) -> Value {
    let mut quota = quota;
    if quota.get("applies_to").is_none() {
        quota["applies_to"] = json!({});
    }
    if quota.get("scope").is_none() {
        quota["scope"] = json!("global");
    }
    json!({
        "quota": quota,
        "first_weekday": "sunday",
        "timezone": "America/Chicago",
        "now": "2011-01-01T00:00:00Z",
        "user_groups": [],
        "resource_schedule": {"13": 1, "14": 1},
        "existing": existing,
        "requested": requested,
    })
}

fn on(resource: i64, start: &str, end: &str) -> Value {
    json!({"start": start, "end": end, "resource": resource})
}

fn request(start: &str, end: &str) -> Value {
    json!([{"start": start, "end": end, "resource": 13, "resources": [13, 14]}])
}

fn answer(doc: &Value) -> Value {
    let out = run_json(&doc.to_string()).unwrap_or_else(|e| panic!("rejected: {e:?}"));
    serde_json::from_str(&out).unwrap()
}

fn outcome(doc: &Value) -> String {
    answer(doc)["outcome"].as_str().unwrap().to_owned()
}

fn errors(doc: &Value) -> Vec<String> {
    run_json(&doc.to_string()).expect_err("must be rejected")
}

fn utc(mut d: Value) -> Value {
    d["timezone"] = json!("UTC");
    d
}

// --- LibreBooking's QuotaTest, re-expressed ------------------------------------------------

#[test]
fn fewer_reservations_than_allowed_on_the_same_day() {
    // Bookings on resources of no schedule and not requested do not count; one on the next
    // local day does not either.
    let mut d = doc(
        json!({"limit": 2, "unit": "reservations", "period": "day"}),
        request("2011-04-03T01:30:00Z", "2011-04-03T02:30:00Z"),
        json!([
            on(3, "2011-04-03T01:30:00Z", "2011-04-03T02:30:00Z"),
            on(4, "2011-04-03T01:30:00Z", "2011-04-03T02:30:00Z"),
            on(13, "2011-04-03T03:30:00Z", "2011-04-03T04:30:00Z"),
            on(13, "2011-04-03T06:30:00Z", "2011-04-03T20:30:00Z"),
        ]),
    );
    assert_eq!(outcome(&d), "allowed");
    d["quota"]["limit"] = json!(1);
    let a = answer(&d);
    assert_eq!(
        a["periods"],
        json!([{"start": "2011-04-02T00:00:00-05:00", "end": "2011-04-03T00:00:00-05:00",
                "total": 2, "limit": 1}])
    );
}

#[test]
fn reservations_over_the_limit_on_the_same_day() {
    let d = doc(
        json!({"limit": 1, "unit": "reservations", "period": "day"}),
        request("2011-04-03T01:30:00Z", "2011-04-03T02:30:00Z"),
        json!([on(13, "2011-04-03T03:30:00Z", "2011-04-03T08:00:00Z")]),
    );
    assert_eq!(outcome(&d), "denied");
}

#[test]
fn hours_equal_to_the_limit_are_allowed() {
    let d = doc(
        json!({"limit": 1.5, "unit": "hours", "period": "day"}),
        request("2011-04-03T00:30:00Z", "2011-04-03T01:30:00Z"),
        json!([on(13, "2011-04-03T00:00:00Z", "2011-04-03T00:30:00Z")]),
    );
    assert_eq!(outcome(&d), "allowed");
}

#[test]
fn hours_over_the_limit_on_the_resource_and_not_on_another() {
    let quota = json!({"limit": 1.5, "unit": "hours", "period": "day", "scope": "resource",
                       "applies_to": {"resource": 13}});
    let d = doc(
        quota.clone(),
        request("2011-04-03T00:30:00Z", "2011-04-03T01:30:00Z"),
        json!([on(13, "2011-04-03T00:00:00Z", "2011-04-03T00:31:00Z")]),
    );
    let a = answer(&d);
    assert_eq!(a["outcome"], "denied");
    let total = a["periods"][0]["total"].as_f64().unwrap();
    assert!((total - 91.0 / 60.0).abs() < 1e-12, "{total}");
    let mut other = doc(
        quota,
        request("2011-04-03T00:30:00Z", "2011-04-03T01:30:00Z"),
        json!([on(999, "2011-04-03T00:00:00Z", "2011-04-03T00:31:00Z")]),
    );
    other["resource_schedule"]["999"] = json!(1);
    assert_eq!(outcome(&other), "allowed");
}

#[test]
fn reservations_per_week_from_sunday() {
    let d = utc(doc(
        json!({"limit": 2, "unit": "reservations", "period": "week"}),
        request("2011-07-30T05:30:00Z", "2011-08-03T05:30:00Z"),
        json!([
            on(13, "2011-08-04T01:30:00Z", "2011-08-04T02:30:00Z"),
            on(13, "2011-08-05T01:30:00Z", "2011-08-05T02:30:00Z"),
        ]),
    ));
    let a = answer(&d);
    assert_eq!(
        a["periods"],
        json!([{"start": "2011-07-31T00:00:00+00:00", "end": "2011-08-07T00:00:00+00:00",
                "total": 3, "limit": 2}])
    );
    let mut three = d.clone();
    three["quota"]["limit"] = json!(3);
    assert_eq!(outcome(&three), "allowed");
    // Enforced only on Monday, Tuesday and Thursday: the request has no enforced time in the
    // week of 24 July, and counts once in the week of 31 July with the two others.
    let mut enforced = d;
    enforced["quota"]["enforced_days"] = json!(["monday", "tuesday", "thursday"]);
    enforced["quota"]["limit"] = json!(2);
    // Friday 5 August is not enforced: the week holds the request and Thursday's booking.
    assert_eq!(outcome(&enforced), "allowed");
}

#[test]
fn weeks_start_on_the_first_weekday() {
    let week = |first: &str, now: &str, existing: Value| {
        let mut d = utc(doc(
            json!({"limit": 2, "unit": "reservations", "period": "week"}),
            request("2017-02-23T05:30:00Z", "2017-02-23T06:30:00Z"),
            existing,
        ));
        d["first_weekday"] = json!(first);
        d["now"] = json!(now);
        outcome(&d)
    };
    let now = "2017-02-21T10:00:00Z"; // a Tuesday
    let monday = |first| {
        json!([
            on(13, first, "2017-02-21T02:30:00Z"),
            on(13, "2017-02-26T01:30:00Z", "2017-02-26T02:30:00Z")
        ])
    };
    assert_eq!(
        week("monday", now, monday("2017-02-21T01:30:00Z")),
        "denied"
    );
    let previous_week = json!([
        on(13, "2017-02-19T01:30:00Z", "2017-02-19T02:30:00Z"),
        on(13, "2017-02-26T01:30:00Z", "2017-02-26T02:30:00Z")
    ]);
    assert_eq!(week("monday", now, previous_week), "allowed");
    let today = json!([
        on(13, "2017-02-27T01:30:00Z", "2017-02-27T02:30:00Z"),
        on(13, "2017-02-26T01:30:00Z", "2017-02-26T02:30:00Z")
    ]);
    assert_eq!(week("today", now, today), "denied");
    let next_week = json!([
        on(13, "2017-02-28T01:30:00Z", "2017-02-28T02:30:00Z"),
        on(13, "2017-02-26T01:30:00Z", "2017-02-26T02:30:00Z")
    ]);
    assert_eq!(week("today", now, next_week), "allowed");

    let mut thursday = utc(doc(
        json!({"limit": 2, "unit": "reservations", "period": "week"}),
        request("2018-01-15T05:30:00Z", "2018-01-15T06:30:00Z"),
        json!([
            on(13, "2018-01-11T01:30:00Z", "2018-01-11T02:30:00Z"),
            on(13, "2018-01-12T01:30:00Z", "2018-01-12T02:30:00Z")
        ]),
    ));
    thursday["first_weekday"] = json!("thursday");
    let a = answer(&thursday);
    assert_eq!(a["periods"][0]["start"], "2018-01-11T00:00:00+00:00");
    assert_eq!(a["periods"][0]["total"], 3);
}

#[test]
fn a_booking_over_several_weeks_counts_in_each() {
    let d = utc(doc(
        json!({"limit": 1, "unit": "reservations", "period": "week"}),
        request("2011-07-30T05:30:00Z", "2011-08-07T05:30:00Z"),
        json!([on(13, "2011-08-08T01:30:00Z", "2011-08-08T02:30:00Z")]),
    ));
    let a = answer(&d);
    assert_eq!(a["periods"][0]["start"], "2011-08-07T00:00:00+00:00");
    assert_eq!(a["periods"][0]["total"], 2);

    let hours = utc(doc(
        json!({"limit": 39, "unit": "hours", "period": "week"}),
        request("2011-07-30T05:30:00Z", "2011-08-07T05:30:00Z"),
        json!([]),
    ));
    let a = answer(&hours);
    assert_eq!(
        a["periods"],
        json!([{"start": "2011-07-31T00:00:00+00:00", "end": "2011-08-07T00:00:00+00:00",
                "total": 168, "limit": 39}])
    );
}

#[test]
fn hours_of_several_bookings_in_one_week() {
    let d = utc(doc(
        json!({"limit": 2, "unit": "hours", "period": "week"}),
        request("2011-07-31T05:30:00Z", "2011-07-31T06:30:00Z"),
        json!([
            on(13, "2011-08-05T01:30:00Z", "2011-08-05T02:30:00Z"),
            on(13, "2011-08-06T11:00:00Z", "2011-08-07T00:00:00Z")
        ]),
    ));
    assert_eq!(answer(&d)["periods"][0]["total"], 15);
}

#[test]
fn reservations_per_month() {
    let existing = json!([
        on(13, "2011-08-04T01:30:00Z", "2011-08-05T02:30:00Z"),
        on(13, "2011-08-25T01:30:00Z", "2011-08-28T02:30:00Z")
    ]);
    let three = utc(doc(
        json!({"limit": 3, "unit": "reservations", "period": "month"}),
        request("2011-07-30T05:30:00Z", "2011-08-03T05:30:00Z"),
        existing.clone(),
    ));
    assert_eq!(outcome(&three), "allowed");
    let two = utc(doc(
        json!({"limit": 2, "unit": "reservations", "period": "month"}),
        request("2011-08-01T05:30:00Z", "2011-08-03T05:30:00Z"),
        existing,
    ));
    assert_eq!(answer(&two)["periods"][0]["total"], 3);
    let spans = utc(doc(
        json!({"limit": 1, "unit": "reservations", "period": "month"}),
        request("2011-07-30T05:30:00Z", "2011-08-03T05:30:00Z"),
        json!([on(13, "2011-07-01T01:30:00Z", "2011-07-02T02:30:00Z")]),
    ));
    let a = answer(&spans);
    assert_eq!(a["periods"][0]["start"], "2011-07-01T00:00:00+00:00");
    assert_eq!(a["periods"][0]["end"], "2011-08-01T00:00:00+00:00");
    assert_eq!(a["periods"].as_array().unwrap().len(), 1);
}

#[test]
fn hours_per_month() {
    let within = utc(doc(
        json!({"limit": 4, "unit": "hours", "period": "month"}),
        request("2011-08-01T05:30:00Z", "2011-08-01T06:30:00Z"),
        json!([
            on(13, "2011-08-02T01:30:00Z", "2011-08-02T02:30:00Z"),
            on(13, "2011-08-31T21:30:00Z", "2011-09-01T00:00:00Z")
        ]),
    ));
    assert_eq!(answer(&within)["periods"][0]["total"], 4.5);
    let longer = utc(doc(
        json!({"limit": 4, "unit": "hours", "period": "month"}),
        request("2011-07-31T05:30:00Z", "2011-08-01T06:30:00Z"),
        json!([]),
    ));
    let a = answer(&longer);
    assert_eq!(a["periods"][0]["total"], 18.5);
    assert_eq!(a["periods"][1]["start"], "2011-08-01T00:00:00+00:00");
    assert_eq!(a["periods"][1]["total"], 6.5);
    let across = utc(doc(
        json!({"limit": 4, "unit": "hours", "period": "month"}),
        request("2011-07-31T21:30:00Z", "2011-08-01T02:30:00Z"),
        json!([
            on(13, "2011-07-02T02:00:00Z", "2011-07-02T02:30:00Z"),
            on(13, "2011-08-31T23:30:00Z", "2011-09-01T03:00:00Z")
        ]),
    ));
    assert_eq!(outcome(&across), "allowed");
}

#[test]
fn a_schedule_quota_counts_the_request_once_per_resource() {
    let d = |first_end: &str| {
        let mut d = utc(doc(
            json!({"limit": 4, "unit": "hours", "period": "month", "scope": "schedule",
                   "applies_to": {"schedule": 1}}),
            json!([{"start": "2011-08-05T01:30:00Z", "end": "2011-08-05T02:30:00Z",
                    "resource": 1, "resources": [1, 2]}]),
            json!([
                on(999, "2011-08-01T00:00:00Z", first_end),
                on(888, "2011-08-01T02:00:00Z", "2011-08-01T03:00:00Z")
            ]),
        ));
        d["resource_schedule"] = json!({"1": 1, "2": 1, "999": 1, "888": 1});
        d
    };
    assert_eq!(answer(&d("2011-08-01T02:00:00Z"))["periods"][0]["total"], 5);
    assert_eq!(outcome(&d("2011-08-01T01:00:00Z")), "allowed");
}

#[test]
fn a_quota_for_other_resources_groups_or_schedules_does_not_apply() {
    let quota = |applies_to: Value| json!({"limit": 0, "unit": "reservations", "period": "day", "applies_to": applies_to});
    let req = json!([{"start": "2011-08-01T02:30:00Z", "end": "2011-08-01T07:30:00Z",
                      "resource": 101, "resources": [101, 102]}]);
    let other_resource = doc(quota(json!({"resource": 100})), req.clone(), json!([]));
    assert_eq!(outcome(&other_resource), "allowed");
    let mut one_applies = other_resource.clone();
    one_applies["requested"][0]["resources"] = json!([101, 100]);
    assert_eq!(outcome(&one_applies), "denied");

    let mut other_group = doc(quota(json!({"group": 4})), req.clone(), json!([]));
    other_group["user_groups"] = json!([1, 2]);
    assert_eq!(outcome(&other_group), "allowed");
    other_group["user_groups"] = json!([1, 2, 4]);
    assert_eq!(outcome(&other_group), "denied");

    let mut other_schedule = doc(
        quota(json!({"resource": 101, "group": 102, "schedule": 888})),
        req,
        json!([]),
    );
    other_schedule["resource_schedule"] = json!({"101": 999, "102": 999});
    other_schedule["user_groups"] = json!([102]);
    assert_eq!(outcome(&other_schedule), "allowed");
    other_schedule["resource_schedule"] = json!({"101": 888});
    assert_eq!(outcome(&other_schedule), "denied");
}

#[test]
fn a_booking_that_starts_when_it_ends_is_read_and_counts_for_nothing() {
    let mut d = doc(
        json!({"limit": 0, "unit": "reservations", "period": "day"}),
        request("2011-08-01T02:30:00Z", "2011-08-01T02:30:00Z"),
        json!([]),
    );
    assert_eq!(outcome(&d), "allowed");
    d["quota"]["unit"] = json!("hours");
    assert_eq!(outcome(&d), "allowed");
}

#[test]
fn hours_per_year() {
    let quota = json!({"limit": 1.5, "unit": "hours", "period": "year", "scope": "resource",
                       "applies_to": {"resource": 13}});
    // 23:30 to 00:30 across New Year: 30 minutes in each year.
    let next_year = doc(
        quota.clone(),
        request("2012-01-01T05:30:00Z", "2012-01-01T06:30:00Z"),
        json!([on(13, "2011-12-31T06:00:00Z", "2011-12-31T06:31:00Z")]),
    );
    assert_eq!(outcome(&next_year), "allowed");
    let same_year = doc(
        quota,
        request("2011-04-03T05:30:00Z", "2011-04-03T06:30:00Z"),
        json!([on(13, "2011-04-03T05:00:00Z", "2011-04-03T05:31:00Z")]),
    );
    let a = answer(&same_year);
    assert_eq!(a["periods"][0]["start"], "2011-01-01T00:00:00-06:00");
    assert_eq!(a["periods"][0]["end"], "2012-01-01T00:00:00-06:00");
}

#[test]
fn only_enforced_hours_count() {
    let d = doc(
        json!({"limit": 1.5, "unit": "hours", "period": "day", "scope": "resource",
               "applies_to": {"resource": 13}, "enforced_hours": {"start": "00:00", "end": "00:30"}}),
        request("2011-04-03T00:30:00Z", "2011-04-03T01:30:00Z"),
        json!([on(13, "2011-04-03T00:00:00Z", "2011-04-03T00:31:00Z")]),
    );
    assert_eq!(outcome(&d), "allowed");
}

#[test]
fn full_days_back_to_back_with_a_day_limit_of_24_hours() {
    let mut d = doc(
        json!({"limit": 24, "unit": "hours", "period": "day", "count_completed": false}),
        json!([{"start": "2019-09-04T05:00:00Z", "end": "2019-09-06T05:00:00Z", "resource": 1}]),
        json!([on(1, "2019-09-02T05:00:00Z", "2019-09-04T05:00:00Z")]),
    );
    d["now"] = json!("2019-09-01T00:00:00Z");
    d["resource_schedule"] = json!({"1": 1});
    assert_eq!(outcome(&d), "allowed");
    d["requested"] =
        json!([{"start": "2019-08-27T17:00:00Z", "end": "2019-08-29T17:00:00Z", "resource": 1}]);
    d["existing"] = json!([]);
    assert_eq!(outcome(&d), "allowed");
}

#[test]
fn an_overnight_booking_outside_the_enforced_hours_leaves_the_next_day_free() {
    let mut d = doc(
        json!({"limit": 1, "unit": "hours", "period": "day",
               "enforced_hours": {"start": "08:00", "end": "20:00"}}),
        json!([{"start": "2019-08-28T12:00:00-05:00", "end": "2019-08-28T13:00:00-05:00",
                "resource": 1}]),
        json!([on(
            1,
            "2019-08-27T21:00:00-05:00",
            "2019-08-28T04:00:00-05:00"
        )]),
    );
    d["resource_schedule"] = json!({"1": 1});
    assert_eq!(outcome(&d), "allowed");
}

// --- The contract's finer points ------------------------------------------------------------

fn berlin(quota: Value, requested: Value, existing: Value) -> Value {
    let mut d = doc(quota, requested, existing);
    d["timezone"] = json!("Europe/Berlin");
    d["first_weekday"] = json!("monday");
    d["resource_schedule"] = json!({"r1": "s1", "r2": "s1", "r3": "s2"});
    d
}

fn req(resource: &str, start: &str, end: &str) -> Value {
    json!({"start": start, "end": end, "resource": resource})
}

#[test]
fn a_day_of_23_hours_holds_23_hours() {
    // 29 March 2026 in Berlin: clocks jump from 02:00 to 03:00.
    let d = berlin(
        json!({"limit": 22, "unit": "hours", "period": "day"}),
        json!([req(
            "r1",
            "2026-03-29T00:00:00+01:00",
            "2026-03-30T00:00:00+02:00"
        )]),
        json!([]),
    );
    assert_eq!(
        answer(&d)["periods"],
        json!([{"start": "2026-03-29T00:00:00+01:00", "end": "2026-03-30T00:00:00+02:00",
                "total": 23, "limit": 22}])
    );
    let mut autumn = berlin(
        json!({"limit": 24, "unit": "hours", "period": "day"}),
        json!([req(
            "r1",
            "2026-10-25T00:00:00+02:00",
            "2026-10-26T00:00:00+01:00"
        )]),
        json!([]),
    );
    assert_eq!(answer(&autumn)["periods"][0]["total"], 25);
    autumn["quota"]["limit"] = json!(25);
    assert_eq!(outcome(&autumn), "allowed");
}

#[test]
fn enforced_hours_on_each_enforced_day_of_a_long_booking() {
    // Monday 09:00 to Wednesday 12:00, enforced 08:00-17:00 on weekdays: 8 + 9 + 4 hours.
    let mut d = berlin(
        json!({"limit": 20, "unit": "hours", "period": "week",
               "enforced_days": ["monday", "tuesday", "wednesday", "thursday", "friday"],
               "enforced_hours": {"start": "08:00", "end": "17:00"}}),
        json!([req(
            "r1",
            "2026-03-02T09:00:00+01:00",
            "2026-03-04T12:00:00+01:00"
        )]),
        json!([]),
    );
    assert_eq!(answer(&d)["periods"][0]["total"], 21);
    // Tuesday not enforced: 8 + 4.
    d["quota"]["enforced_days"] = json!(["monday", "wednesday"]);
    d["quota"]["limit"] = json!(11);
    assert_eq!(answer(&d)["periods"][0]["total"], 12);
    // An end of 00:00 is the end of the day.
    d["quota"]["enforced_days"] = json!(["tuesday"]);
    d["quota"]["enforced_hours"] = json!({"start": "20:00", "end": "00:00"});
    d["quota"]["limit"] = json!(3.5);
    assert_eq!(answer(&d)["periods"][0]["total"], 4);
}

#[test]
fn a_reservation_counts_only_where_it_has_enforced_time() {
    // Friday 16:00 to Monday 10:00 with weekdays 08:00-17:00 enforced, day periods: Friday and
    // Monday count, the weekend does not.
    let d = berlin(
        json!({"limit": 0, "unit": "reservations", "period": "day",
               "enforced_days": ["monday", "tuesday", "wednesday", "thursday", "friday"],
               "enforced_hours": {"start": "08:00", "end": "17:00"}}),
        json!([req(
            "r1",
            "2026-03-06T16:00:00+01:00",
            "2026-03-09T10:00:00+01:00"
        )]),
        json!([]),
    );
    let starts: Vec<Value> = answer(&d)["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["start"].clone())
        .collect();
    assert_eq!(
        starts,
        [
            json!("2026-03-06T00:00:00+01:00"),
            json!("2026-03-09T00:00:00+01:00")
        ]
    );
}

#[test]
fn a_booking_ending_at_a_period_start_adds_nothing_there() {
    let d = berlin(
        json!({"limit": 0, "unit": "reservations", "period": "month"}),
        json!([req(
            "r1",
            "2026-03-31T22:00:00+02:00",
            "2026-04-01T00:00:00+02:00"
        )]),
        json!([]),
    );
    let a = answer(&d);
    assert_eq!(a["periods"].as_array().unwrap().len(), 1);
    assert_eq!(a["periods"][0]["start"], "2026-03-01T00:00:00+01:00");
    assert_eq!(a["periods"][0]["end"], "2026-04-01T00:00:00+02:00");
}

#[test]
fn scopes_choose_the_existing_bookings_that_count() {
    let existing = json!([
        {"start": "2026-03-02T09:00:00+01:00", "end": "2026-03-02T10:00:00+01:00", "resource": "r1"},
        {"start": "2026-03-02T10:00:00+01:00", "end": "2026-03-02T11:00:00+01:00", "resource": "r2"},
        {"start": "2026-03-02T11:00:00+01:00", "end": "2026-03-02T12:00:00+01:00", "resource": "r3"},
        {"start": "2026-03-02T12:00:00+01:00", "end": "2026-03-02T13:00:00+01:00", "resource": "r4"}
    ]);
    let total = |scope: &str, applies_to: Value| {
        let d = berlin(
            json!({"limit": 0, "unit": "hours", "period": "day", "scope": scope,
                   "applies_to": applies_to}),
            json!([{"start": "2026-03-02T14:00:00+01:00", "end": "2026-03-02T15:00:00+01:00",
                    "resource": "r1", "resources": ["r1", "r3"]}]),
            existing.clone(),
        );
        answer(&d)["periods"][0]["total"].as_i64().unwrap()
    };
    // Resource scope on r1: the request and r1's booking.
    assert_eq!(total("resource", json!({"resource": "r1"})), 2);
    // Resource scope with no resource named: bookings on the requested resources (r1, r3).
    assert_eq!(total("resource", json!({})), 3);
    // Global: requested resources and the request's schedule s1 (r1, r2, r3), not r4.
    assert_eq!(total("global", json!({})), 4);
    assert_eq!(total("group", json!({})), 4);
    // Schedule: as global, and the request once per resource.
    assert_eq!(total("schedule", json!({})), 5);
}

#[test]
fn edits_deletions_and_completed_bookings() {
    let mut d = berlin(
        json!({"limit": 2, "unit": "hours", "period": "day"}),
        json!([{"id": "b1", "start": "2026-03-02T09:00:00+01:00",
                "end": "2026-03-02T11:00:00+01:00", "resource": "r1"}]),
        json!([
            {"id": "b1", "start": "2026-03-02T07:00:00+01:00", "end": "2026-03-02T08:00:00+01:00", "resource": "r1"},
            {"id": "b1", "start": "2026-03-02T07:00:00+01:00", "end": "2026-03-02T08:00:00+01:00", "resource": "r2"},
            {"id": 7, "start": "2026-03-02T12:00:00+01:00", "end": "2026-03-02T13:00:00+01:00", "resource": "r1"}
        ]),
    );
    d["now"] = json!("2026-03-02T12:30:00+01:00");
    assert_eq!(outcome(&d), "denied");
    d["deleting"] = json!(["7"]);
    assert_eq!(outcome(&d), "allowed");
    d["deleting"] = json!([]);
    // Booking 7 ends after now: it still counts when completed bookings do not.
    d["quota"]["count_completed"] = json!(false);
    assert_eq!(outcome(&d), "denied");
    d["now"] = json!("2026-03-02T13:00:00+01:00");
    assert_eq!(outcome(&d), "allowed");
}

#[test]
fn nothing_requested_is_allowed() {
    let d = berlin(
        json!({"limit": 0, "unit": "hours", "period": "day"}),
        json!([]),
        json!([{"start": "2026-03-02T12:00:00+01:00", "end": "2026-03-02T13:00:00+01:00", "resource": "r1"}]),
    );
    assert_eq!(outcome(&d), "allowed");
}

#[test]
fn existing_periods_the_request_does_not_touch_are_judged_too() {
    // QUOTAS.md: any period over quota denies, as LibreBooking totals every booking it reads.
    let d = berlin(
        json!({"limit": 1, "unit": "hours", "period": "day"}),
        json!([req(
            "r1",
            "2026-03-03T09:00:00+01:00",
            "2026-03-03T10:00:00+01:00"
        )]),
        json!([{"start": "2026-03-02T09:00:00+01:00", "end": "2026-03-02T12:00:00+01:00", "resource": "r1"}]),
    );
    assert_eq!(
        answer(&d)["periods"][0]["start"],
        "2026-03-02T00:00:00+01:00"
    );
}

// --- Invalid input ---------------------------------------------------------------------------

#[test]
fn problems_are_named_by_path_in_document_order() {
    let mut d = berlin(
        json!({"limit": -1, "unit": "minutes", "period": "week"}),
        json!([{"start": "2026-03-02T10:00:00+01:00", "end": "2026-03-02T09:00:00+01:00"}]),
        json!([]),
    );
    d["first_weekday"] = json!("Monday");
    d["timezone"] = json!("Mars/Base");
    d["extra"] = json!(true);
    assert_eq!(
        errors(&d),
        [
            "quota.limit: must be 0 or more",
            "quota.unit: expected one of \"hours\", \"reservations\"",
            "first_weekday: expected a weekday name (\"monday\" … \"sunday\") or \"today\"",
            "timezone: unknown time zone \"Mars/Base\"",
            "requested[0].resource: is required",
            "requested[0]: start must not be after end",
            "extra: unknown field",
        ]
    );
}

#[test]
fn missing_fields_are_named() {
    let d = json!({"quota": {"unit": "hours"}});
    assert_eq!(
        errors(&d),
        [
            "quota.limit: is required",
            "quota.period: is required",
            "quota.scope: is required",
            "quota.applies_to: is required",
            "first_weekday: is required",
            "timezone: is required",
            "now: is required",
            "user_groups: is required",
            "resource_schedule: is required",
            "existing: is required",
            "requested: is required",
        ]
    );
    assert_eq!(errors(&json!([1])), [": expected an object"]);
    let not_json = run_json("{").expect_err("not JSON");
    assert!(not_json[0].starts_with(": not valid JSON"), "{not_json:?}");
}

#[test]
fn ids_are_text_or_integers() {
    let mut d = berlin(
        json!({"limit": 1, "unit": "hours", "period": "day", "applies_to": {"resource": 1.5}}),
        json!([{"id": true, "start": "2026-03-02T09:00:00+01:00", "end": "2026-03-02T10:00:00+01:00", "resource": "r1"}]),
        json!([]),
    );
    d["user_groups"] = json!([[1]]);
    assert_eq!(
        errors(&d),
        [
            "quota.applies_to.resource: expected an id: a string or an integer",
            "user_groups[0]: expected an id: a string or an integer",
            "requested[0].id: expected an id: a string or an integer",
        ]
    );
}

#[test]
fn repeated_keys_are_refused() {
    let text = r#"{"quota": {"limit": 1, "limit": 2}}"#;
    let problems = run_json(text).expect_err("repeated key");
    assert_eq!(
        problems[0],
        "quota.limit: repeats a key given earlier in the object"
    );
}

#[test]
fn splitting_is_bounded() {
    let d = berlin(
        json!({"limit": 1, "unit": "hours", "period": "day"}),
        json!([req("r1", "0001-01-01T00:00:00Z", "9999-01-01T00:00:00Z")]),
        json!([]),
    );
    assert_eq!(
        errors(&d),
        [": the bookings span more than 2000000 periods in all"]
    );
    let mut years = d;
    years["quota"]["period"] = json!("year");
    assert_eq!(outcome(&years), "denied");
}
