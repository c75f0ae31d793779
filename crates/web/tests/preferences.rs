//! Notification preferences: the signed-in user's muted message types and do-not-disturb
//! hours, validated, and applied to their host e-mails (muted: not queued; in DND: queued
//! for when it ends; a cancellation at once). Both backends.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use common::booking::{book, event_type};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use store::repo::messages::EMAIL_JOB;
use store::types::BookingId;

const PATH: &str = "/api/v1/me/notification-preferences";

async fn call(
    app: &TestApp,
    method: Method,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app.request(method, PATH).bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The booking's e-mail jobs, once there are `n`: (recipient, state, run_at).
async fn emails(
    app: &TestApp,
    key: &str,
    uid: &str,
    n: usize,
) -> Vec<(String, String, jiff::Timestamp)> {
    let scope = app
        .db
        .db
        .api_keys()
        .authenticate(key)
        .await
        .unwrap()
        .unwrap();
    let booking = BookingId(uid.parse().unwrap());
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let jobs: Vec<_> = app
            .db
            .db
            .jobs()
            .for_booking(&scope, booking)
            .await
            .unwrap()
            .into_iter()
            .filter(|j| j.kind == EMAIL_JOB)
            .map(|j| {
                (
                    j.payload["recipient"]["email"].as_str().unwrap().to_owned(),
                    j.state,
                    j.run_at.to_jiff(),
                )
            })
            .collect();
        if jobs.len() >= n {
            return jobs;
        }
        assert!(tokio::time::Instant::now() < deadline, "{jobs:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

store::backend_test!(preferences_mute_and_delay_host_emails, |t| async move {
    let app = TestApp::builder().workers().start(t).await;
    let org = app.organization("acme").await;
    let key = &org.key;
    let event = event_type(&app, &org).await;

    let (status, prefs) = call(&app, Method::GET, key, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(prefs, json!({ "muted_events": [], "do_not_disturb": null }));

    let (status, problem) = call(
        &app,
        Method::PUT,
        key,
        Some(json!({ "muted_events": ["booking.exploded"], "do_not_disturb": { "from": "25:00", "until": "07:00" } })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, vec!["/muted_events/0", "/do_not_disturb/from"]);

    // Muted: the host gets no "booked" e-mail, the attendee does.
    let (status, _) = call(
        &app,
        Method::PUT,
        key,
        Some(json!({ "muted_events": ["booking.created"] })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (uid, _) = book(&app, &event, 3).await;
    let queued = emails(&app, key, &uid, 1).await;
    // Give a wrongly queued host e-mail the time to show up.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let queued_after = emails(&app, key, &uid, 1).await;
    assert_eq!(queued.len(), queued_after.len());
    assert_eq!(
        queued
            .iter()
            .map(|(to, _, _)| to.as_str())
            .collect::<Vec<_>>(),
        vec!["ines@example.com"]
    );

    // Do not disturb around now (the host's zone is America/New_York): the host's e-mail
    // waits for its end; the attendee's goes now.
    let zone = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let local = jiff::Timestamp::now().to_zoned(zone);
    let minute = i32::from(local.hour()) * 60 + i32::from(local.minute());
    let until = (minute + 120) % 1440;
    let from = (minute + 1440 - 60) % 1440;
    let hhmm = |m: i32| format!("{:02}:{:02}", m / 60, m % 60);
    let (status, saved) = call(
        &app,
        Method::PUT,
        key,
        Some(json!({ "do_not_disturb": { "from": hhmm(from), "until": hhmm(until) } })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["do_not_disturb"]["until"], hhmm(until));
    let (uid, token) = book(&app, &event, 4).await;
    let queued = emails(&app, key, &uid, 2).await;
    let now = jiff::Timestamp::now();
    let host = queued
        .iter()
        .find(|(to, _, _)| to == "owner@acme.example")
        .unwrap();
    assert_eq!(host.1, "pending");
    let wait = host.2.duration_since(now).as_secs();
    assert!((100 * 60..=120 * 60).contains(&wait), "{wait}s");

    // A cancellation reaches the host at once, do-not-disturb or not.
    let response = app
        .request(
            Method::POST,
            &format!("/api/v1/public/manage/{token}/cancel"),
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let queued = emails(&app, key, &uid, 4).await;
    let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_mins(5);
    assert_eq!(
        queued.iter().filter(|(_, _, at)| *at <= soon).count(),
        3,
        "only the booked e-mail to the host waits: {queued:?}"
    );
    app.shutdown().await;
});
