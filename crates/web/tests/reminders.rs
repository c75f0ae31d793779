//! A booking's scheduled jobs: reminders before the start (the attendees' at the system's
//! lead time, the host's at their own) and a follow-up after the end, written with the
//! booking, moved by a reschedule, dropped by a cancellation, and sent to a real SMTP server
//! (aiosmtpd) when due. Both backends.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use common::booking::{book, event_type, first_slot};
use common::smtp_sink::SmtpSink;
use domain::ids::BookingId;
use domain::preferences::{FOLLOW_UP_DELAY, REMINDER_LEAD};
use reqwest::{Method, StatusCode};
use serde_json::json;
use store::repo::jobs::{
    FOLLOW_UP_JOB, HOST_REMINDER_JOB, Job, NewJob, REMINDER_JOB, SCHEDULED_JOBS,
};

/// The booking's pending reminders and follow-up, in [`SCHEDULED_JOBS`] order.
async fn scheduled(app: &TestApp, scope: &store::Scope, booking: BookingId) -> Vec<Job> {
    let mut jobs = app
        .db
        .db
        .jobs()
        .for_booking(scope, booking)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.state == "pending" && SCHEDULED_JOBS.contains(&j.kind.as_str()))
        .collect::<Vec<_>>();
    jobs.sort_by_key(|j| SCHEDULED_JOBS.iter().position(|k| *k == j.kind));
    jobs
}

fn at(job: &Job) -> jiff::Timestamp {
    job.run_at.to_jiff()
}

store::backend_test!(
    reschedules_move_and_cancellations_drop_scheduled_jobs,
    |t| async move {
        // No workers: the jobs stay where the booking changes put them.
        let app = TestApp::builder().start(t).await;
        let org = app.organization("acme").await;
        let scope = app.scope(&org.key).await;
        let event = event_type(&app, &org).await;

        // The host wants their reminder a day ahead; attendees keep the system's hour.
        let host_lead = jiff::SignedDuration::from_hours(24);
        let (status, prefs) = common::call(
            &app,
            Method::PUT,
            "/api/v1/me/notification-preferences",
            Some(org.key.as_str()),
            Some(json!({ "reminder_lead_minutes": 1440 })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{prefs}");
        assert_eq!(prefs["reminder_lead_minutes"], 1440);

        let (uid, token) = book(&app, &event, 3).await;
        let first = BookingId(uid.parse().unwrap());
        let (booking, _) = app.db.db.bookings().get(&scope, first).await.unwrap();
        let jobs = scheduled(&app, &scope, first).await;
        let kinds: Vec<&str> = jobs.iter().map(|j| j.kind.as_str()).collect();
        assert_eq!(kinds, SCHEDULED_JOBS);
        assert_eq!(at(&jobs[0]), booking.start_at.to_jiff() - REMINDER_LEAD);
        assert_eq!(at(&jobs[1]), booking.start_at.to_jiff() - host_lead);
        assert_eq!(at(&jobs[2]), booking.end_at.to_jiff() + FOLLOW_UP_DELAY);

        // Rescheduled: the same jobs now belong to the new booking, at its times.
        let start = first_slot(&app, &event, 5).await;
        let response = app
            .request(
                Method::POST,
                &format!("/api/v1/public/manage/{token}/reschedule"),
            )
            .json(&json!({ "start": start }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(scheduled(&app, &scope, first).await.is_empty());
        let (old, _) = app.db.db.bookings().get(&scope, first).await.unwrap();
        let moved_id = old.rescheduled_to.unwrap();
        let (moved, _) = app.db.db.bookings().get(&scope, moved_id).await.unwrap();
        let moved_jobs = scheduled(&app, &scope, moved_id).await;
        assert_eq!(
            moved_jobs.iter().map(|j| j.id).collect::<Vec<_>>(),
            jobs.iter().map(|j| j.id).collect::<Vec<_>>(),
            "moved, not queued again"
        );
        assert_eq!(at(&moved_jobs[0]), moved.start_at.to_jiff() - REMINDER_LEAD);
        assert_eq!(at(&moved_jobs[1]), moved.start_at.to_jiff() - host_lead);
        assert_eq!(at(&moved_jobs[2]), moved.end_at.to_jiff() + FOLLOW_UP_DELAY);

        // Cancelled: nothing left to send.
        let response = app
            .request(
                Method::POST,
                &format!("/api/v1/public/manage/{token}/cancel"),
            )
            .json(&json!({ "reason": "sick" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(scheduled(&app, &scope, moved_id).await.is_empty());
        app.run_pending_jobs().await;
        app.shutdown().await;
    }
);

store::backend_test!(due_reminders_reach_host_and_attendee, |t| async move {
    let sink = SmtpSink::start().await;
    let app = TestApp::builder().smtp(sink.port).start(t).await;
    let org = app.organization("acme").await;
    let scope = app.scope(&org.key).await;
    let event = event_type(&app, &org).await;
    let (uid, _) = book(&app, &event, 3).await;
    sink.wait_for(2).await;
    let booking = BookingId(uid.parse().unwrap());

    // What the scheduled reminders do when their time comes, now: the attendees' reaches the
    // attendee alone, the host's the host alone.
    let mut reminder = NewJob::now(REMINDER_JOB, json!({ "event": REMINDER_JOB }));
    reminder.booking_id = Some(booking);
    app.db.db.jobs().enqueue(&scope, &reminder).await.unwrap();
    let all = sink.wait_for(3).await;
    assert_eq!(all[2]["rcpt_tos"], json!(["ines@example.com"]));
    let mut host_reminder = NewJob::now(HOST_REMINDER_JOB, json!({ "event": HOST_REMINDER_JOB }));
    host_reminder.booking_id = Some(booking);
    app.db
        .db
        .jobs()
        .enqueue(&scope, &host_reminder)
        .await
        .unwrap();
    let all = sink.wait_for(4).await;
    assert_eq!(all[3]["rcpt_tos"], json!(["owner@acme.example"]));
    let reminders = &all[2..];
    let mut to: Vec<&str> = reminders
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap())
        .collect();
    to.sort_unstable();
    assert_eq!(to, vec!["ines@example.com", "owner@acme.example"]);
    for message in reminders {
        assert!(
            message["subject"]
                .as_str()
                .unwrap()
                .starts_with("Reminder: Intro call on "),
            "{message}"
        );
        assert!(
            message["calendar"].is_null(),
            "a reminder changes no invitation"
        );
    }

    // A follow-up thanks the attendee only.
    let mut follow_up = NewJob::now(FOLLOW_UP_JOB, json!({ "event": FOLLOW_UP_JOB }));
    follow_up.booking_id = Some(booking);
    app.db.db.jobs().enqueue(&scope, &follow_up).await.unwrap();
    let all = sink.wait_for(5).await;
    assert_eq!(all[4]["rcpt_tos"], json!(["ines@example.com"]));
    assert!(
        all[4]["subject"]
            .as_str()
            .unwrap()
            .starts_with("Thank you: ")
    );
    app.shutdown().await;
});
