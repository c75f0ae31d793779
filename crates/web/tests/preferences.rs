//! Notification preferences: the signed-in user's muted message types, do-not-disturb
//! hours, reminder lead time and preferred channel, validated, and applied to their host
//! messages (muted: not queued; in DND: queued for when it ends; a cancellation at once;
//! `sms`: texted through a Twilio stand-in while the invitee is e-mailed through a real SMTP
//! server, or e-mailed when no SMS provider is configured). Both backends.
#![allow(clippy::unwrap_used)]

mod common;

use common::booking::{book, event_type};
use common::sms_receiver::{SmsReceiver, eventually};
use common::smtp_sink::SmtpSink;
use common::{FormBody, TestApp};
use domain::ids::BookingId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use services::booking_mail::EMAIL_JOB;
use store::repo::jobs::{HOST_REMINDER_JOB, NewJob, REMINDER_JOB};

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
    let scope = app.scope(key).await;
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
    assert_eq!(
        prefs,
        json!({ "muted_events": [], "do_not_disturb": null, "reminder_lead_minutes": null, "preferred_channel": "email" })
    );

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

fn pointers(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {problem}"))
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect()
}

async fn set_phone(app: &TestApp, key: &str, phone: &str) -> (StatusCode, Value) {
    common::call(
        app,
        Method::PATCH,
        "/api/v1/me/profile",
        Some(key),
        Some(json!({ "phone": phone })),
    )
    .await
}

const HOST_PHONE: &str = "+14155550100";

store::backend_test!(lead_time_channel_and_phone_are_validated, |t| async move {
    let app = TestApp::builder().start(t).await;
    let org = app.organization("acme").await;
    let key = &org.key;

    for (body, pointer) in [
        (
            json!({ "reminder_lead_minutes": 4 }),
            "/reminder_lead_minutes",
        ),
        (
            json!({ "reminder_lead_minutes": 10081 }),
            "/reminder_lead_minutes",
        ),
        (json!({ "preferred_channel": "fax" }), "/preferred_channel"),
        // No phone on the profile yet.
        (json!({ "preferred_channel": "sms" }), "/preferred_channel"),
    ] {
        let (status, problem) = call(&app, Method::PUT, key, Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(pointers(&problem), vec![pointer], "{body}");
    }
    let (status, problem) = set_phone(&app, key, "415 555 0100").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(pointers(&problem), vec!["/phone"]);

    let (status, me) = set_phone(&app, key, "+1 (415) 555-0100").await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["phone"], HOST_PHONE);
    let (status, saved) = call(
        &app,
        Method::PUT,
        key,
        Some(json!({ "preferred_channel": "sms", "reminder_lead_minutes": 5 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["preferred_channel"], "sms");
    let (_, read) = call(&app, Method::GET, key, None).await;
    assert_eq!(read, saved);
    app.shutdown().await;
});

store::backend_test!(
    an_sms_preferring_host_is_texted_while_the_invitee_is_emailed,
    |t| async move {
        let sink = SmtpSink::start().await;
        let receiver = SmsReceiver::start().await;
        let app = TestApp::builder()
            .smtp(sink.port)
            .sms(receiver.provider())
            .start(t)
            .await;
        let org = app.organization("acme").await;
        let key = &org.key;
        let scope = app.scope(key).await;
        let event = event_type(&app, &org).await;
        let (status, _) = set_phone(&app, key, HOST_PHONE).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = call(
            &app,
            Method::PUT,
            key,
            Some(json!({ "preferred_channel": "sms" })),
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        // Booked: the invitee's notice is an e-mail, the host's a text message.
        let (uid, _) = book(&app, &event, 3).await;
        let booking = BookingId(uid.parse().unwrap());
        let texts = eventually(
            std::time::Duration::from_secs(30),
            "the host's text",
            || async {
                let got = receiver.received();
                (!got.is_empty()).then_some(got)
            },
        )
        .await;
        assert_eq!(texts[0].field("To"), Some(HOST_PHONE));
        assert!(
            texts[0].field("Body").unwrap().contains("Intro call"),
            "{:?}",
            texts[0].field("Body")
        );
        let mails = sink.wait_for(1).await;
        assert_eq!(mails[0]["rcpt_tos"], json!(["ines@example.com"]));

        // Reminders: the host's is texted, the invitee's e-mailed.
        for kind in [HOST_REMINDER_JOB, REMINDER_JOB] {
            let mut job = NewJob::now(kind, json!({ "event": kind }));
            job.booking_id = Some(booking);
            app.db.db.jobs().enqueue(&scope, &job).await.unwrap();
        }
        let texts = eventually(
            std::time::Duration::from_secs(30),
            "the host's reminder",
            || async {
                let got = receiver.received();
                (got.len() >= 2).then_some(got)
            },
        )
        .await;
        assert_eq!(texts[1].field("To"), Some(HOST_PHONE));
        let mails = sink.wait_for(2).await;
        assert_eq!(mails[1]["rcpt_tos"], json!(["ines@example.com"]));
        assert!(
            mails[1]["subject"]
                .as_str()
                .unwrap()
                .starts_with("Reminder: ")
        );

        // Every text is in the notification log, and no e-mail went to the host.
        let log = eventually(std::time::Duration::from_secs(30), "the log", || async {
            let rows = app
                .db
                .db
                .messages()
                .log_for_booking(&scope, booking)
                .await
                .unwrap();
            (rows.iter().filter(|r| r.channel == "sms").count() >= 2).then_some(rows)
        })
        .await;
        let mut texted: Vec<(&str, &str, &str)> = log
            .iter()
            .filter(|r| r.channel == "sms")
            .map(|r| (r.event.as_str(), r.recipient.as_str(), r.status.as_str()))
            .collect();
        texted.sort_unstable();
        assert_eq!(
            texted,
            vec![
                ("booking.created", HOST_PHONE, "sent"),
                ("booking.reminder", HOST_PHONE, "sent"),
            ]
        );
        assert!(
            log.iter().all(|r| r.recipient != "owner@acme.example"),
            "{log:#?}"
        );
        assert_eq!(receiver.received().len(), 2);
        app.shutdown().await;
    }
);

store::backend_test!(
    without_an_sms_provider_an_sms_preferring_host_is_emailed,
    |t| async move {
        let sink = SmtpSink::start().await;
        let app = TestApp::builder().smtp(sink.port).start(t).await;
        let org = app.organization("acme").await;
        let key = &org.key;
        let event = event_type(&app, &org).await;
        let (status, _) = set_phone(&app, key, HOST_PHONE).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = call(
            &app,
            Method::PUT,
            key,
            Some(json!({ "preferred_channel": "sms" })),
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        book(&app, &event, 3).await;
        let mails = sink.wait_for(2).await;
        let mut to: Vec<&str> = mails
            .iter()
            .map(|m| m["rcpt_tos"][0].as_str().unwrap())
            .collect();
        to.sort_unstable();
        assert_eq!(to, vec!["ines@example.com", "owner@acme.example"]);
        app.shutdown().await;
    }
);

store::backend_test!(
    the_settings_page_sets_phone_lead_time_and_channel,
    |t| async move {
        let app = TestApp::builder()
            .auth(rendezvous_web::AuthConfig {
                secure_cookies: false,
                ..rendezvous_web::AuthConfig::default()
            })
            .start(t)
            .await;
        let org = app.organization("acme").await;
        let password = "correct horse battery staple";
        app.member(
            &org,
            "host@acme.example",
            domain::access::Role::Member,
            password,
        )
        .await;
        let (cookie, csrf) = app.sign_in("acme", "host@acme.example", password).await;
        let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
            let request = app
                .client
                .post(app.url(path))
                .header(reqwest::header::COOKIE, &cookie)
                .form_body(&fields);
            async move {
                let response = request.send().await.unwrap();
                let status = response.status();
                (status, response.text().await.unwrap())
            }
        };
        let notifications = |lead: &str, channel: &str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("reminder_lead_minutes", lead.to_owned()),
                ("preferred_channel", channel.to_owned()),
            ]
        };

        // Without the session's CSRF token the form is refused.
        let mut forged = notifications("30", "email");
        forged[0].1 = "forged".to_owned();
        let (status, _) = post("/dashboard/settings/notifications", forged).await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // SMS without a phone, and a lead time out of range: errors next to their fields,
        // the typed values kept.
        let (status, html) = post(
            "/dashboard/settings/notifications",
            notifications("2", "sms"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(
            html.contains(r#"id="e-notifications_preferred_channel""#),
            "{html}"
        );
        assert!(
            html.contains(r#"id="e-notifications_reminder_lead_minutes""#),
            "{html}"
        );
        assert!(html.contains(r#"<option value="sms" selected>"#), "{html}");

        // A phone that is not international: refused on the profile form.
        let profile = |phone: &str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("name", "Hanna Host".to_owned()),
                ("slug", String::new()),
                ("time_zone", "Europe/Berlin".to_owned()),
                ("phone", phone.to_owned()),
            ]
        };
        let (status, html) = post("/dashboard/settings/profile", profile("0151 234")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        assert!(html.contains(r#"id="e-profile_phone""#), "{html}");
        let (status, html) = post("/dashboard/settings/profile", profile("+49 151 2345678")).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains(r#"value="+491512345678""#), "{html}");

        // Now SMS is accepted, and the page shows what was saved.
        let (status, html) = post(
            "/dashboard/settings/notifications",
            notifications("30", "sms"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Notification settings saved."), "{html}");
        assert!(html.contains(r#"<option value="sms" selected>"#), "{html}");
        assert!(
            html.contains(r#"name="reminder_lead_minutes" type="number" value="30""#),
            "{html}"
        );
        app.run_pending_jobs().await;
        app.shutdown().await;
    }
);
