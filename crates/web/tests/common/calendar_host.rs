//! Scenes the calendar stories share: a Berlin host with working hours and an event type,
//! the starts the slots API offers them, and a member signed in through the sign-in form.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{TestApp, call};

pub const BERLIN: &str = "Europe/Berlin";

/// Monday at least a week ahead, so nothing is inside minimum notice.
pub fn monday() -> Date {
    let mut day = jiff::Zoned::now()
        .with_time_zone(TimeZone::get(BERLIN).unwrap())
        .date()
        .checked_add(jiff::Span::new().days(8))
        .unwrap();
    while day.weekday() != jiff::civil::Weekday::Monday {
        day = day.tomorrow().unwrap();
    }
    day
}

/// Berlin start times (HH:MM) offered on `day`.
pub async fn offered(app: &TestApp, event: &str, day: Date) -> Vec<String> {
    let path =
        format!("/api/v1/public/event-types/{event}/slots?start={day}&end={day}&timeZone={BERLIN}");
    let (status, body) = call(app, Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["slots"].as_array().unwrap().iter())
        .map(|s| {
            let ts: jiff::Timestamp = s["start"].as_str().unwrap().parse().unwrap();
            ts.to_zoned(TimeZone::get(BERLIN).unwrap())
                .strftime("%H:%M")
                .to_string()
        })
        .collect()
}

/// A Berlin host working Mon-Fri 09:00-17:00 with a 30-minute event type; returns its id.
pub async fn working_host(app: &TestApp, key: &str) -> String {
    let (status, body) = call(app, Method::POST, "/api/v1/schedules", Some(key), Some(json!({
        "name": "Working hours", "time_zone": BERLIN,
        "weekly": { "mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]], "wed": [["09:00", "17:00"]],
                    "thu": [["09:00", "17:00"]], "fri": [["09:00", "17:00"]] }
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = call(
        app,
        Method::POST,
        "/api/v1/event-types",
        Some(key),
        Some(json!({ "slug": "intro", "title": "Intro call", "duration_minutes": 30 })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}
