//! Scenes several stories share: an always-open host and booking its first free slot.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Org, TestApp};

/// A host working every day 00:00-24:00 UTC with a 30-minute event type; returns its id.
pub async fn event_type(app: &TestApp, org: &Org) -> String {
    let all_day = json!([["00:00", "24:00"]]);
    let (status, body) = post(
        app,
        "/api/v1/schedules",
        &org.key,
        Some(json!({
            "name": "Always", "time_zone": "UTC",
            "weekly": { "mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day,
                        "fri": all_day, "sat": all_day, "sun": all_day }
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = post(
        app,
        "/api/v1/event-types",
        &org.key,
        Some(json!({ "slug": "intro", "title": "Intro call", "duration_minutes": 30 })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Books the first offered slot `days` days ahead; returns (booking uid, manage token).
pub async fn book(app: &TestApp, event: &str, days: i64) -> (String, String) {
    let start = first_slot(app, event, days).await;
    let response = app
        .request(
            Method::POST,
            &format!("/api/v1/public/event-types/{event}/bookings"),
        )
        .json(&json!({ "start": start, "name": "Ines Invitee", "email": "ines@example.com", "time_zone": "UTC" }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (
        body["booking"]["uid"].as_str().unwrap().to_owned(),
        body["manage_token"].as_str().unwrap().to_owned(),
    )
}

/// The first free slot `days` days ahead (UTC).
pub async fn first_slot(app: &TestApp, event: &str, days: i64) -> String {
    let date = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::UTC)
        .date()
        .checked_add(jiff::Span::new().days(days))
        .unwrap();
    let path =
        format!("/api/v1/public/event-types/{event}/slots?start={date}&end={date}&timeZone=UTC");
    let slots: Value = app.get(&path).await.json().await.unwrap();
    slots["days"][0]["slots"][0]["start"]
        .as_str()
        .unwrap_or_else(|| panic!("no slot in {slots}"))
        .to_owned()
}

async fn post(app: &TestApp, path: &str, key: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = app.request(Method::POST, path).bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}
