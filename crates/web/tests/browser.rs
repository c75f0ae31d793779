//! The pages in a real browser: headless Chromium, driven by playwright-core from
//! `tools/browser-tests/scenarios.js`, against the real server over each backend.
//!
//! Stories: an invitee in America/New_York books a Europe/Berlin host's slot and sees the
//! right local time, reschedules and cancels with the manage link; the host signs in, edits
//! availability (a bad time is answered next to its field) and sees the slots change, then
//! gives that day its own hours on the override calendar by keyboard; the host confirms a
//! pending booking; another site embeds the booking page and hears of the booking; a
//! visitor fills in a routing form and lands on the booking page, whose slots are asked for
//! with the submission; the host creates and edits an event type, rebrands, issues and
//! revokes an API key, looks at everyone's bookings, makes a team with a lead, and opens the
//! routing form editor and the webhooks page. Every page visited is saved as a screenshot
//! under
//! `target/screenshots/<backend>/`.
//!
//! Needs Debian's `chromium` and `npm ci` in tools/browser-tests (`tools/test.d/browser.sh`
//! installs both); without them the test fails saying so.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Org, TestApp, call};
use rendezvous_web as web;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const PASSWORD: &str = "correct horse battery staple";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn require_browser() -> PathBuf {
    let tools = workspace().join("tools/browser-tests");
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install it with `apt-get install -y chromium` \
         (tools/test.d/browser.sh does it; tools/test runs that hook)"
    );
    assert!(
        tools.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci` in tools/browser-tests \
         (tools/test.d/browser.sh does it; tools/test runs that hook)"
    );
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "node is missing: install Node.js 18 or newer (`apt-get install -y nodejs npm`)"
    );
    tools
}

async fn created(app: &TestApp, path: &str, key: Option<&str>, body: Value) -> Value {
    let (status, answer) = call(app, Method::POST, path, key, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{path}: {answer}");
    answer
}

/// A weekday at least a week ahead, in Berlin: free of notice, inside any month view.
fn monday_ahead() -> jiff::civil::Date {
    let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
    let mut day = jiff::Zoned::now()
        .with_time_zone(berlin)
        .date()
        .checked_add(jiff::Span::new().days(8))
        .unwrap();
    while day.weekday() != jiff::civil::Weekday::Monday {
        day = day.tomorrow().unwrap();
    }
    day
}

fn instant(date: jiff::civil::Date, hour: i8, zone: &str) -> jiff::Timestamp {
    date_time(date, hour, 0, zone)
}

fn date_time(date: jiff::civil::Date, hour: i8, minute: i8, zone: &str) -> jiff::Timestamp {
    date.at(hour, minute, 0, 0)
        .to_zoned(jiff::tz::TimeZone::get(zone).unwrap())
        .unwrap()
        .timestamp()
}

/// What the invitee's browser should show for `ts`: en-US, 12-hour, in New York.
fn new_york_time(ts: jiff::Timestamp) -> String {
    let ny = ts.to_zoned(jiff::tz::TimeZone::get("America/New_York").unwrap());
    ny.strftime("%-I:%M %p").to_string()
}

fn new_york_day(ts: jiff::Timestamp) -> String {
    let ny = ts.to_zoned(jiff::tz::TimeZone::get("America/New_York").unwrap());
    ny.strftime("%A, %B %-d, %Y").to_string()
}

struct Seeded {
    org: Org,
    host_key: String,
    intro: String,
    consult: String,
    workshop: String,
    pending_uid: String,
    /// A routing form sending teams of more than ten to the intro call.
    routing_form: String,
}

/// A Berlin host, an admin of her organization (Mon-Fri 09:00-17:00), with three event types and a booking waiting for
/// confirmation; the organization wears a teal brand.
async fn seed(app: &TestApp, day: jiff::civil::Date) -> Seeded {
    let org = app.organization("acme").await;
    let (status, body) = call(
        app,
        Method::PATCH,
        "/api/v1/organization",
        Some(&org.key),
        Some(json!({"name": "Acme Clinic", "brand_color": "#0f766e"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let host = app
        .member(
            &org,
            "berta@acme.example",
            domain::access::Role::Admin,
            PASSWORD,
        )
        .await;
    let key = created(
        app,
        "/api/v1/api-keys",
        Some(&org.key),
        json!({"name": "berta", "user_id": host.id}),
    )
    .await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = call(
        app,
        Method::PATCH,
        "/api/v1/me/profile",
        Some(&key),
        Some(json!({"name": "Berta Berliner", "slug": "berta"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let weekday = json!([["09:00", "17:00"]]);
    created(
        app,
        "/api/v1/schedules",
        Some(&key),
        json!({"name": "Working hours", "time_zone": "Europe/Berlin",
               "weekly": {"mon": weekday, "tue": weekday, "wed": weekday, "thu": weekday, "fri": weekday}}),
    )
    .await;
    let intro = created(
        app,
        "/api/v1/event-types",
        Some(&key),
        json!({"slug": "intro", "title": "Intro call", "duration_minutes": 30,
        "description": "A first talk about what you need and how we can help.",
        "locations": [{"kind": "jitsi"}],
        "questions": [
            {"key": "company", "label": "Company", "kind": "short_text", "required": true},
            {"key": "phone", "label": "Phone number", "kind": "phone"}
        ]}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let consult = created(
        app,
        "/api/v1/event-types",
        Some(&key),
        json!({"slug": "consult", "title": "Consultation", "duration_minutes": 45,
               "requires_confirmation": true,
               "locations": [{"kind": "in_person", "address": "Torstraße 1, Berlin"}]}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let workshop = created(
        app,
        "/api/v1/event-types",
        Some(&key),
        json!({"slug": "workshop", "title": "Group workshop", "duration_minutes": 60, "seats": 8,
               "description": "Hands-on session for up to eight people."}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // 45-minute starts from 09:00: 09:00, 09:45, 10:30.
    let wednesday = day.checked_add(jiff::Span::new().days(2)).unwrap();
    let pending_at = date_time(wednesday, 10, 30, "Europe/Berlin");
    let pending = created(
        app,
        &format!("/api/v1/public/event-types/{consult}/bookings"),
        None,
        json!({"start": pending_at.to_string(), "name": "Paula Pending", "email": "paula@example.com",
               "time_zone": "Europe/Paris"}),
    )
    .await;
    assert_eq!(pending["booking"]["status"], "pending", "{pending}");
    let routing_form = created(
        app,
        "/api/v1/routing-forms",
        Some(&key),
        json!({"name": "Find your call",
               "fields": [{"key": "size", "label": "Team size", "kind": "number", "required": true}],
               "routes": [{"when": {"field": "size", "op": "greater_than", "value": 10},
                           "action": {"kind": "event_type", "event_type_id": intro}}],
               "fallback": {"kind": "message", "text": "We will write to you."}}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Seeded {
        org,
        host_key: key,
        intro,
        consult,
        workshop,
        pending_uid: pending["booking"]["uid"].as_str().unwrap().to_owned(),
        routing_form,
    }
}

store::backend_test!(invitee_and_host_stories_in_chromium, |t| async move {
    let tools = require_browser();
    let backend = match t.db.backend() {
        store::Backend::Sqlite => "sqlite",
        store::Backend::Postgres => "postgres",
    };
    let auth = web::AuthConfig {
        // Plain HTTP on 127.0.0.1.
        secure_cookies: false,
        ..web::AuthConfig::default()
    };
    let app = TestApp::builder().auth(auth).many_invitees().start(t).await;
    let day = monday_ahead();
    let next_day = day.tomorrow().unwrap();
    let seeded = seed(&app, day).await;

    let first_slot = instant(day, 9, "Europe/Berlin");
    let moved_slot = instant(next_day, 9, "Europe/Berlin");
    let screenshots = workspace().join("target/screenshots").join(backend);
    std::fs::create_dir_all(&screenshots).unwrap();
    let scenario = json!({
        "baseUrl": app.url(""),
        "screenshots": screenshots,
        "intro": seeded.intro,
        "consult": seeded.consult,
        "workshop": seeded.workshop,
        "routingForm": seeded.routing_form,
        "organization": "acme",
        "hostEmail": "berta@acme.example",
        "hostPassword": PASSWORD,
        "day": day.to_string(),
        "nextDay": next_day.to_string(),
        "month": day.strftime("%Y-%m").to_string(),
        "nextDayMonth": next_day.strftime("%Y-%m").to_string(),
        "expect": {
            "firstSlotNewYork": new_york_time(first_slot),
            "bookedDayNewYork": new_york_day(first_slot),
            "movedDayNewYork": new_york_day(moved_slot),
            "hostFirstSlotAfterEdit": "13:00",
        },
    });
    let script = tools.join("scenarios.js");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .env("RDV_SCENARIO", scenario.to_string())
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser scenarios failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    println!("{stdout}");

    // What the browser did is what the database holds.
    let (status, list) = call(
        &app,
        Method::GET,
        "/api/v1/bookings?limit=50",
        Some(&seeded.host_key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let bookings = list["bookings"].as_array().unwrap().clone();
    let status_of = |start: jiff::Timestamp, event: &str| -> Vec<String> {
        bookings
            .iter()
            .filter(|b| b["event_type_id"] == event && b["start"] == start.to_string())
            .map(|b| b["status"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(status_of(first_slot, &seeded.intro), ["rescheduled"]);
    assert_eq!(status_of(moved_slot, &seeded.intro), ["cancelled"]);
    let (status, pending) = call(
        &app,
        Method::GET,
        &format!("/api/v1/bookings/{}", seeded.pending_uid),
        Some(&seeded.host_key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{pending}");
    assert_eq!(
        pending["status"], "confirmed",
        "the host confirmed it in the dashboard"
    );
    let (_, schedules) = call(
        &app,
        Method::GET,
        "/api/v1/schedules",
        Some(&seeded.host_key),
        None,
    )
    .await;
    let schedules = schedules.as_array().unwrap().clone();
    assert_eq!(
        schedules[0]["weekly"]["mon"],
        json!([["13:00", "15:00"]]),
        "{schedules:?}"
    );
    drop(seeded.org);
    app.run_pending_jobs().await;
});
