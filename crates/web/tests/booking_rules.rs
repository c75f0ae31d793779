//! The API obeys the booking rules the dashboard and the manage page show, on both backends:
//! a no-show only once the booking has started, a cancellation or a move only before (422
//! naming `/status`), for the host and the attendee alike. Who
//! sees everyone's bookings is `access.rs`'s
//! `members_and_viewers_no_longer_read_every_booking_contact_submission_and_connection`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Org, TestApp, call};
use domain::access::Actor;
use domain::bookings::{BookingStatus, NewAttendee, NewBooking};
use domain::ids::{EventTypeId, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// A confirmed booking of `event` that started an hour ago, written straight to the store
/// (booking through the API refuses a start in the past); its uid.
async fn started_booking(app: &TestApp, org: &Org, event: &str) -> String {
    started_booking_with_token(app, org, event).await.0
}

/// Like [`started_booking`]; its uid and the attendee's manage token.
async fn started_booking_with_token(app: &TestApp, org: &Org, event: &str) -> (String, String) {
    let scope = app.scope(&org.key).await;
    let db = &app.db.db;
    let bookable = db
        .event_types()
        .bookable(&scope, EventTypeId(event.parse().unwrap()))
        .await
        .unwrap();
    let start = Timestamp::now().plus(jiff::SignedDuration::from_hours(-1));
    let mut tx = db.bookings().begin(&bookable).await.unwrap();
    let (booking, _, token) = tx
        .insert(
            &bookable,
            Actor::Invitee,
            NewBooking {
                start_at: start,
                end_at: start.plus(jiff::SignedDuration::from_mins(30)),
                status: BookingStatus::Confirmed,
                location: Value::Null,
                rescheduled_from: None,
                calendar_root: None,
                calendar_sequence: 0,
                hosts: Vec::new(),
            },
            NewAttendee {
                name: "Ines Invitee".into(),
                email: "ines@example.com".into(),
                time_zone: "UTC".into(),
                answers: Default::default(),
                notes: String::new(),
                utm: Default::default(),
            },
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (booking.id.0.to_string(), token.expose().to_owned())
}

async fn post(app: &TestApp, org: &Org, path: String) -> (StatusCode, Value) {
    call(
        app,
        Method::POST,
        &path,
        Some(&org.key),
        Some(serde_json::json!({})),
    )
    .await
}

fn assert_refused(status: StatusCode, body: &Value, code: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["pointer"], "/status", "{body}");
    assert_eq!(body["errors"][0]["code"], code, "{body}");
}

store::backend_test!(a_no_show_is_refused_before_the_start, |t| async move {
    let app = TestApp::builder().start(t).await;
    let org = app.organization("acme").await;
    let event = common::booking::event_type(&app, &org).await;
    let (ahead, _) = common::booking::book(&app, &event, 1).await;
    let started = started_booking(&app, &org, &event).await;

    let (status, body) = post(&app, &org, format!("/api/v1/bookings/{ahead}/no-show")).await;
    assert_refused(status, &body, "not_started");
    let (status, body) = post(&app, &org, format!("/api/v1/bookings/{started}/no-show")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "no_show");
    app.run_pending_jobs().await;
    app.shutdown().await;
});

store::backend_test!(a_cancellation_is_refused_after_the_start, |t| async move {
    let app = TestApp::builder().start(t).await;
    let org = app.organization("acme").await;
    let event = common::booking::event_type(&app, &org).await;
    let (ahead, _) = common::booking::book(&app, &event, 1).await;
    let started = started_booking(&app, &org, &event).await;

    let (status, body) = post(&app, &org, format!("/api/v1/bookings/{started}/cancel")).await;
    assert_refused(status, &body, "started");
    let (status, body) = post(&app, &org, format!("/api/v1/bookings/{ahead}/cancel")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");
    app.run_pending_jobs().await;
    app.shutdown().await;
});

store::backend_test!(
    a_booking_that_has_started_is_not_moved_by_anyone,
    |t| async move {
        let app = TestApp::builder().start(t).await;
        let org = app.organization("acme").await;
        let event = common::booking::event_type(&app, &org).await;
        let (started, token) = started_booking_with_token(&app, &org, &event).await;
        let later = Timestamp::now()
            .plus(jiff::SignedDuration::from_hours(24 * 9))
            .to_jiff()
            .to_string();

        let (status, body) = call(
            &app,
            Method::POST,
            &format!("/api/v1/bookings/{started}/reschedule"),
            Some(&org.key),
            Some(serde_json::json!({ "start": later })),
        )
        .await;
        assert_refused(status, &body, "started");
        let (status, body) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/manage/{token}/reschedule"),
            None,
            Some(serde_json::json!({ "start": later })),
        )
        .await;
        assert_refused(status, &body, "started");
        let (status, body) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/manage/{token}/cancel"),
            None,
            Some(serde_json::json!({})),
        )
        .await;
        assert_refused(status, &body, "started");

        // The attendee's page offers neither, and says why.
        let page = app
            .client
            .get(app.url(&format!("/manage/{token}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!page.contains("id=\"show-reschedule\""), "{page}");
        assert!(!page.contains("id=\"show-cancel\""), "{page}");
        assert!(page.contains("id=\"no-changes\""), "{page}");
        app.run_pending_jobs().await;
        app.shutdown().await;
    }
);

store::backend_test!(
    the_manage_page_offers_what_the_api_allows_before_the_start,
    |t| async move {
        let app = TestApp::builder().start(t).await;
        let org = app.organization("acme").await;
        let event = common::booking::event_type(&app, &org).await;
        let (_, token) = common::booking::book(&app, &event, 1).await;
        let page = app
            .client
            .get(app.url(&format!("/manage/{token}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("id=\"show-reschedule\""), "{page}");
        assert!(page.contains("id=\"show-cancel\""), "{page}");
        assert!(!page.contains("id=\"no-changes\""), "{page}");
        app.run_pending_jobs().await;
        app.shutdown().await;
    }
);
