//! Crash safety with the real binary: `rendezvous serve` is killed (SIGKILL) while webhook
//! deliveries are in flight, then started again. Every delivery reaches the receiver; none is
//! lost, none is fanned out twice, and the only repeats are retries of a delivery that was in
//! flight, with its same `webhook-id`. SQLite always, PostgreSQL with TEST_DATABASE_URL.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "../../web/tests/common/webhook_receiver.rs"]
mod webhook_receiver;

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use common::{Server, create_acme, rendezvous};
use serde_json::{Value, json};
use webhook_receiver::Receiver;

const SUBSCRIPTIONS: usize = 10;
const BOOKINGS: usize = 5;
const DELIVERIES: usize = SUBSCRIPTIONS * BOOKINGS;
const CONCURRENCY: usize = 4;

fn serve(dir: &Path, url: &str) -> Server {
    let mut cmd = rendezvous(dir);
    cmd.env("RENDEZVOUS_DATABASE_URL", url)
        .env("RENDEZVOUS_OUTBOUND_ALLOW", "[\"127.0.0.0/8\"]")
        .env("RENDEZVOUS_WORKER_LEASE_SECS", "2")
        .env("RENDEZVOUS_WORKER_CONCURRENCY", CONCURRENCY.to_string())
        .env("RENDEZVOUS_BOOKING_RATE_PER_IP", "1000");
    Server::start(cmd)
}

async fn call(
    server: &Server,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request = reqwest::Client::new()
        .request(method, server.url(path))
        .bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

async fn crash_and_restart(dir: &Path, url: &str) {
    outbound::install_crypto_provider();
    let key = create_acme(dir, url);

    let receiver = Receiver::start().await;
    let mut server = serve(dir, url);
    let post = reqwest::Method::POST;
    let all_day = json!([["00:00", "24:00"]]);
    call(
        &server,
        &key,
        post.clone(),
        "/api/v1/schedules",
        Some(json!({
            "name": "Always", "time_zone": "UTC",
            "weekly": { "mon": all_day, "tue": all_day, "wed": all_day, "thu": all_day,
                        "fri": all_day, "sat": all_day, "sun": all_day }
        })),
    )
    .await;
    let event = call(
        &server,
        &key,
        post.clone(),
        "/api/v1/event-types",
        Some(json!({ "slug": "intro", "title": "Intro", "duration_minutes": 30 })),
    )
    .await;
    let event = event["id"].as_str().unwrap().to_owned();
    let mut secrets = Vec::new();
    for i in 0..SUBSCRIPTIONS {
        let created = call(
            &server,
            &key,
            post.clone(),
            "/api/v1/webhooks",
            Some(json!({ "url": receiver.url(&format!("/s{i}")), "events": ["booking.created"] })),
        )
        .await;
        secrets.push(created["secret"].as_str().unwrap().to_owned());
    }
    // Slow answers keep deliveries in flight when the server dies.
    receiver
        .configure_with(json!({ "secrets": secrets, "delay_ms": 150 }))
        .await;

    for day in 0..BOOKINGS {
        let date = jiff::Zoned::now()
            .with_time_zone(jiff::tz::TimeZone::UTC)
            .date()
            .checked_add(jiff::Span::new().days(i64::try_from(day).unwrap() + 2))
            .unwrap();
        let slots: Value = reqwest::get(server.url(&format!(
            "/api/v1/public/event-types/{event}/slots?start={date}&end={date}&timeZone=UTC"
        )))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let start = slots["days"][0]["slots"][0]["start"].clone();
        let response = reqwest::Client::new()
            .post(server.url(&format!("/api/v1/public/event-types/{event}/bookings")))
            .json(&json!({ "start": start, "name": "Ines", "email": "ines@example.com", "time_zone": "UTC" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    }

    // Kill it mid-flight.
    receiver
        .wait_for(Duration::from_secs(60), |r| r.len() >= 6)
        .await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let before_restart = receiver.received().await.len();
    assert!(
        before_restart < DELIVERIES,
        "the crash came too late to prove anything"
    );

    let server = serve(dir, url);
    receiver
        .wait_for(Duration::from_secs(120), |r| {
            r.iter()
                .map(|x| x["id"].clone())
                .collect::<HashSet<_>>()
                .len()
                >= DELIVERIES
        })
        .await;
    // Let stragglers (retries still due) arrive before counting repeats.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = receiver.received().await;

    let ids: HashSet<&str> = got.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), DELIVERIES, "every delivery arrived");
    assert!(got.iter().all(|r| r["verified"] == true));
    let repeats = got.len() - DELIVERIES;
    assert!(
        repeats <= CONCURRENCY,
        "only deliveries in flight at the crash may repeat: {repeats} repeats"
    );

    // Exactly one delivery per subscription and booking, every one settled, nothing dead.
    let subscriptions = call(
        &server,
        &key,
        reqwest::Method::GET,
        "/api/v1/webhooks",
        None,
    )
    .await;
    let mut logged = HashSet::new();
    for subscription in subscriptions.as_array().unwrap() {
        let id = subscription["id"].as_str().unwrap();
        let log = call(
            &server,
            &key,
            reqwest::Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        )
        .await;
        let log = log.as_array().unwrap();
        assert_eq!(log.len(), BOOKINGS, "one delivery per booking: {log:#?}");
        for delivery in log {
            assert_eq!(delivery["status"], "succeeded", "{delivery}");
            logged.insert(delivery["message_id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(logged, ids.iter().map(|s| (*s).to_owned()).collect());
    let dead = call(
        &server,
        &key,
        reqwest::Method::GET,
        "/api/v1/jobs/dead",
        None,
    )
    .await;
    assert_eq!(dead, json!([]));
    assert!(server.terminate().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_delivery_loses_nothing_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("data.db").display());
    crash_and_restart(dir.path(), &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_delivery_loses_nothing_on_postgres() {
    let Some(db) = store::testing::TestDb::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    crash_and_restart(dir.path(), db.url()).await;
}
