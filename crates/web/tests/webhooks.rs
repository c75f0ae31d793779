//! Webhooks end to end: booking events reach a real receiver (Python, verifying with the
//! Standard Webhooks reference library), failures are retried with the same `webhook-id`,
//! exhausted deliveries disable the subscription and leave a dead job that can be retried,
//! test-sends, secret rotation, the SSRF guard and tenant isolation. Both backends.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::booking::{book, event_type};
use common::smtp_sink::SmtpSink;
use common::webhook_receiver::Receiver;
use common::{Org, TestApp, call};
use domain::access::Actor;
use domain::bookings::{BookingStatus, NewAttendee, NewBooking};
use domain::ids::{EventTypeId, Timestamp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Subscribes `url`; returns (id, secret).
async fn subscribe(app: &TestApp, org: &Org, body: Value) -> (String, String) {
    let (status, created) = call(
        app,
        Method::POST,
        "/api/v1/webhooks",
        Some(&org.key),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    (created["id"].as_str().unwrap().to_owned(), secret)
}

async fn deliveries(app: &TestApp, org: &Org, id: &str) -> Vec<Value> {
    let (status, body) = call(
        app,
        Method::GET,
        &format!("/api/v1/webhooks/{id}/deliveries"),
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

const WAIT: Duration = Duration::from_secs(30);

/// The delivery log once none of its deliveries is pending any more: the receiver may have
/// answered before the worker recorded the attempt.
async fn settled_deliveries(app: &TestApp, org: &Org, id: &str) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let log = deliveries(app, org, id).await;
        if log.iter().all(|d| d["status"] != "pending") {
            return log;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still pending: {log:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

store::backend_test!(booking_events_reach_the_receiver_signed, |t| async move {
    let app = TestApp::builder().workers().start(t).await;
    let org = app.organization("acme").await;
    let event = event_type(&app, &org).await;
    let receiver = Receiver::start().await;
    let (id, secret) = subscribe(
        &app,
        &org,
        json!({ "url": receiver.url("/hooks"), "description": "CRM" }),
    )
    .await;
    receiver.configure(&[&secret], 0).await;

    let (uid, token) = book(&app, &event, 3).await;
    // The booking a subscriber receives is the one the API answers, attendees included.
    let created = receiver.wait_for(WAIT, |r| !r.is_empty()).await;
    let booking = api_booking(&app, &org, &uid).await;
    assert_eq!(booking["attendees"][0]["email"], "ines@example.com");
    assert_eq!(created[0]["body"]["data"]["booking"], booking);
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/v1/public/manage/{token}/cancel"),
        Some(&org.key),
        Some(json!({ "reason": "sick" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let got = receiver.wait_for(WAIT, |r| r.len() >= 2).await;
    let cancelled = api_booking(&app, &org, &uid).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(got[1]["body"]["data"]["booking"], cancelled);
    for request in &got {
        assert_eq!(request["verified"], true, "{request}");
        assert_eq!(request["status"], 204);
        assert_eq!(request["body"]["version"], 1);
        assert_eq!(request["body"]["data"]["booking"]["uid"], uid.as_str());
    }
    let mut types: Vec<&str> = got
        .iter()
        .map(|r| r["body"]["type"].as_str().unwrap())
        .collect();
    types.sort();
    assert_eq!(types, ["booking.cancelled", "booking.created"]);
    assert_ne!(got[0]["id"], got[1]["id"], "each event is its own message");

    // The log shows each delivery settled on its first attempt.
    let log = settled_deliveries(&app, &org, &id).await;
    assert_eq!(log.len(), 2);
    for delivery in &log {
        assert_eq!(delivery["status"], "succeeded", "{delivery}");
        assert_eq!(delivery["attempts"], 1);
        assert_eq!(delivery["attempt_log"][0]["status_code"], 204);
        assert!(delivery["message_id"].as_str().unwrap().starts_with("msg_"));
    }
    app.shutdown().await;
});

/// `GET /api/v1/bookings/{uid}` as the owner sees it.
async fn api_booking(app: &TestApp, org: &Org, uid: &str) -> Value {
    let (status, body) = call(
        app,
        Method::GET,
        &format!("/api/v1/bookings/{uid}"),
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Books `start` of `event` for `email`, answering the event type's `topic` question;
/// returns the public answer.
async fn book_seat(app: &TestApp, event: &str, start: &str, email: &str) -> Value {
    let (status, body) = call(
        app,
        Method::POST,
        &format!("/api/v1/public/event-types/{event}/bookings"),
        None,
        Some(
            json!({ "start": start, "name": email, "email": email, "time_zone": "UTC",
                     "answers": { "topic": "pricing" } }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// The one request of event `kind` the receiver got, once it has.
async fn wait_for_event(receiver: &Receiver, kind: &str) -> Value {
    let got = receiver
        .wait_for(WAIT, |r| r.iter().any(|x| x["body"]["type"] == kind))
        .await;
    let mut of_kind = got.iter().filter(|x| x["body"]["type"] == kind);
    let request = of_kind.next().unwrap().clone();
    assert!(of_kind.next().is_none(), "one {kind}: {got:#?}");
    assert_eq!(request["verified"], true, "{request}");
    request["body"].clone()
}

store::backend_test!(
    seats_routing_and_host_changes_each_arrive_as_their_event,
    |t| async move {
        let app = TestApp::builder().workers().start(t).await;
        let org = app.organization("acme").await;
        event_type(&app, &org).await;
        let (status, group) = call(
            &app,
            Method::POST,
            "/api/v1/event-types",
            Some(&org.key),
            Some(json!({ "slug": "workshop", "title": "Workshop", "duration_minutes": 30,
                         "seats": 3,
                         "questions": [{ "key": "topic", "label": "Topic", "kind": "short_text" }] })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{group}");
        let group = group["id"].as_str().unwrap().to_owned();
        let receiver = Receiver::start().await;
        let (_, secret) = subscribe(&app, &org, json!({ "url": receiver.url("/hooks") })).await;
        receiver.configure(&[&secret], 0).await;

        // The first seat makes the booking; the second is an invitee joining it.
        let start = common::booking::first_slot(&app, &group, 3).await;
        let first = book_seat(&app, &group, &start, "ada@example.com").await;
        let uid = first["booking"]["uid"].as_str().unwrap().to_owned();
        let created = wait_for_event(&receiver, "booking.created").await;
        assert_eq!(
            created["data"]["booking"]["attendees"][0]["answers"],
            json!({ "topic": "pricing" })
        );
        let second = book_seat(&app, &group, &start, "bo@example.com").await;
        assert_eq!(second["booking"]["uid"], uid.as_str(), "one group booking");
        let joined = wait_for_event(&receiver, "invitee.created").await;
        let booking = api_booking(&app, &org, &uid).await;
        assert_eq!(booking["seats_taken"], 2);
        assert_eq!(joined["data"]["booking"], booking);
        assert_eq!(joined["data"]["attendee"]["email"], "bo@example.com");
        assert_eq!(
            joined["data"]["attendee"], booking["attendees"][1],
            "the attendee as the API shows it"
        );

        // The second invitee gives their seat up; the booking stays for the first.
        let token = second["manage_token"].as_str().unwrap();
        let (status, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/manage/{token}/cancel"),
            None,
            Some(json!({ "reason": "double booked" })),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let left = wait_for_event(&receiver, "invitee.cancelled").await;
        let booking = api_booking(&app, &org, &uid).await;
        assert_eq!(
            (booking["status"].as_str(), booking["seats_taken"].as_i64()),
            (Some("confirmed"), Some(1))
        );
        assert_eq!(left["data"]["booking"], booking);
        assert_eq!(left["data"]["attendee"]["status"], "cancelled");
        assert_eq!(left["data"]["attendee"]["cancel_reason"], "double booked");

        // The host marks it held.
        let (status, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/bookings/{uid}/complete"),
            Some(&org.key),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let completed = wait_for_event(&receiver, "booking.completed").await;
        assert_eq!(
            completed["data"]["booking"],
            api_booking(&app, &org, &uid).await
        );

        // A routing form filled in, as its submission was answered.
        let (status, form) = call(
            &app,
            Method::POST,
            "/api/v1/routing-forms",
            Some(&org.key),
            Some(json!({ "name": "Find your call",
                         "fields": [{ "key": "size", "label": "Team size", "kind": "number" }],
                         "routes": [],
                         "fallback": { "kind": "message", "text": "We will write to you." } })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{form}");
        let (status, submission) = call(
            &app,
            Method::POST,
            &format!(
                "/api/v1/public/routing-forms/{}/submissions",
                form["id"].as_str().unwrap()
            ),
            None,
            Some(json!({ "answers": { "size": 12 } })),
        )
        .await;
        assert!(status.is_success(), "{status} {submission}");
        let routed = wait_for_event(&receiver, "routing.submitted").await;
        assert_eq!(routed["data"]["submission"], submission);
        app.shutdown().await;
    }
);

store::backend_test!(a_no_show_arrives_as_the_api_shows_it, |t| async move {
    let app = TestApp::builder().workers().start(t).await;
    let org = app.organization("acme").await;
    let event = event_type(&app, &org).await;
    let receiver = Receiver::start().await;
    let (_, secret) = subscribe(
        &app,
        &org,
        json!({ "url": receiver.url("/hooks"), "events": ["booking.no_show"] }),
    )
    .await;
    receiver.configure(&[&secret], 0).await;
    // A booking that started an hour ago: nobody can book one through the API.
    let scope = app.scope(&org.key).await;
    let db = &app.db.db;
    let bookable = db
        .event_types()
        .bookable(&scope, EventTypeId(event.parse().unwrap()))
        .await
        .unwrap();
    let start = Timestamp::now().plus(jiff::SignedDuration::from_hours(-1));
    let mut tx = db.bookings().begin(&bookable).await.unwrap();
    let (booking, _, _) = tx
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
    let uid = booking.id.0.to_string();

    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/api/v1/bookings/{uid}/no-show"),
        Some(&org.key),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let no_show = wait_for_event(&receiver, "booking.no_show").await;
    let booking = api_booking(&app, &org, &uid).await;
    assert_eq!(booking["status"], "no_show");
    assert_eq!(no_show["data"]["booking"], booking);
    app.shutdown().await;
});

store::backend_test!(
    a_failing_receiver_gets_the_same_id_until_it_succeeds,
    |t| async move {
        let app = TestApp::builder().workers().start(t).await;
        let org = app.organization("acme").await;
        let event = event_type(&app, &org).await;
        let receiver = Receiver::start().await;
        let (id, secret) = subscribe(
            &app,
            &org,
            json!({ "url": receiver.url("/hooks"), "events": ["booking.created"] }),
        )
        .await;
        receiver.configure(&[&secret], 3).await;

        let (_uid, token) = book(&app, &event, 3).await;
        let got = receiver
            .wait_for(WAIT, |r| r.iter().any(|x| x["status"] == 204))
            .await;
        let statuses: Vec<i64> = got.iter().map(|r| r["status"].as_i64().unwrap()).collect();
        assert_eq!(statuses, [500, 500, 500, 204]);
        assert!(
            got.iter().all(|r| r["id"] == got[0]["id"]),
            "one webhook-id: {got:#?}"
        );
        assert!(got.iter().all(|r| r["verified"] == true));

        // A cancellation is not in the subscription's events: nothing more arrives.
        call(
            &app,
            Method::POST,
            &format!("/api/v1/public/manage/{token}/cancel"),
            Some(&org.key),
            Some(json!({})),
        )
        .await;
        let log = settled_deliveries(&app, &org, &id).await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["status"], "succeeded");
        assert_eq!(log[0]["attempts"], 4);
        let codes: Vec<i64> = log[0]["attempt_log"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["status_code"].as_i64().unwrap())
            .collect();
        assert_eq!(codes, [500, 500, 500, 204]);
        assert_eq!(log[0]["attempt_log"][0]["response_body"], "try later");
        app.run_pending_jobs().await;
        app.shutdown().await;
    }
);

store::backend_test!(
    exhausted_deliveries_disable_the_subscription_and_go_dead,
    |t| async move {
        let sink = SmtpSink::start().await;
        let app = TestApp::builder().smtp(sink.port).start(t).await;
        let org = app.organization("acme").await;
        let event = event_type(&app, &org).await;
        let receiver = Receiver::start().await;
        let (id, secret) = subscribe(&app, &org, json!({ "url": receiver.url("/hooks") })).await;
        // Fails every one of the ten attempts a delivery gets.
        receiver.configure(&[&secret], 10).await;
        book(&app, &event, 3).await;
        receiver.wait_for(WAIT, |r| r.len() >= 10).await;

        let deadline = tokio::time::Instant::now() + WAIT;
        let dead = loop {
            let (status, dead) =
                call(&app, Method::GET, "/api/v1/jobs/dead", Some(&org.key), None).await;
            assert_eq!(status, StatusCode::OK, "{dead}");
            if dead.as_array().unwrap().len() == 1 {
                break dead;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no dead job: {dead}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(dead[0]["kind"], "webhook.deliver");
        assert_eq!(dead[0]["attempts"], 10);
        assert!(dead[0]["last_error"].as_str().unwrap().contains("500"));

        let (_, subscription) = call(
            &app,
            Method::GET,
            &format!("/api/v1/webhooks/{id}"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(subscription["enabled"], false);
        assert!(
            subscription["disabled_reason"]
                .as_str()
                .unwrap()
                .contains("10 times")
        );
        let log = deliveries(&app, &org, &id).await;
        assert_eq!(
            (log[0]["status"].as_str(), log[0]["attempts"].as_i64()),
            (Some("failed"), Some(10))
        );

        // Owners see why in the audit log.
        let (_, audit) = call(
            &app,
            Method::GET,
            "/api/v1/audit-log?action=webhook_subscription.disabled",
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(
            audit["entries"].as_array().map(Vec::len),
            Some(1),
            "{audit}"
        );
        assert_eq!(audit["entries"][0]["target_id"], id.as_str());

        // The owner is told by e-mail (besides the booking's two messages), and the
        // notification log has it.
        let mail = sink.wait_for(3).await;
        let notice = mail
            .iter()
            .find(|m| {
                m["subject"]
                    .as_str()
                    .unwrap()
                    .starts_with("Webhook turned off: ")
            })
            .unwrap_or_else(|| panic!("no notice: {mail:#?}"));
        assert_eq!(notice["rcpt_tos"], json!(["owner@acme.example"]));
        let text = notice["text"].as_str().unwrap();
        assert!(text.contains(&receiver.url("/hooks")), "{text}");
        assert!(text.contains("failed 10 times"), "{text}");
        let scope = app.scope(&org.key).await;
        let logged = app.db.db.messages().recent_log(&scope, 10).await.unwrap();
        assert!(
            logged.iter().any(|m| m.event == "webhook.disabled"
                && m.recipient == "owner@acme.example"
                && m.status == "sent"),
            "{logged:#?}"
        );

        // Fixed receiver, re-enabled subscription, retried job: delivered with the same id.
        let (status, _) = call(
            &app,
            Method::PATCH,
            &format!("/api/v1/webhooks/{id}"),
            Some(&org.key),
            Some(json!({ "enabled": true })),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let job = dead[0]["id"].as_str().unwrap();
        let (status, retried) = call(
            &app,
            Method::POST,
            &format!("/api/v1/jobs/{job}/retry"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{retried}");
        assert_eq!(retried["state"], "pending");
        let got = receiver.wait_for(WAIT, |r| r.len() >= 11).await;
        assert_eq!(got[10]["status"], 204);
        assert_eq!(got[10]["id"], got[0]["id"]);
        let (status, again) = call(
            &app,
            Method::POST,
            &format!("/api/v1/jobs/{job}/retry"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");
        assert_eq!(again["code"], "job_not_dead");
        app.shutdown().await;
    }
);

store::backend_test!(test_send_rotation_and_the_ssrf_guard, |t| async move {
    let app = TestApp::builder().start(t).await;
    let org = app.organization("acme").await;
    let receiver = Receiver::start().await;

    for (url, code) in [
        ("http://10.1.2.3/hook", "forbidden_address"),
        (
            "http://169.254.169.254/latest/meta-data",
            "forbidden_address",
        ),
        ("http://[::ffff:192.168.0.1]/", "forbidden_address"),
        ("ftp://example.com/hook", "url"),
        ("not a url", "url"),
    ] {
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/webhooks",
            Some(&org.key),
            Some(json!({ "url": url })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {body}");
        assert_eq!(body["errors"][0]["pointer"], "/url", "{url}");
        assert_eq!(body["errors"][0]["code"], code, "{url}: {body}");
    }
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/webhooks",
        Some(&org.key),
        Some(
            json!({ "url": receiver.url("/"), "events": ["booking.created", "booking.exploded"] }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["pointer"], "/events/1");
    let (_, list) = call(&app, Method::GET, "/api/v1/webhooks", Some(&org.key), None).await;
    assert_eq!(list, json!([]), "nothing half written");

    let (id, old_secret) = subscribe(&app, &org, json!({ "url": receiver.url("/hooks") })).await;
    receiver.configure(&[&old_secret], 0).await;
    let (status, sent) = call(
        &app,
        Method::POST,
        &format!("/api/v1/webhooks/{id}/test"),
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["status"], "succeeded");
    assert_eq!(sent["attempt_log"][0]["status_code"], 204);
    let got = receiver.received().await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["verified"], true);
    assert_eq!(got[0]["body"]["type"], "webhook.test");

    // After a rotation, messages verify with the new secret and, for a while, the old one.
    let (status, rotated) = call(
        &app,
        Method::POST,
        &format!("/api/v1/webhooks/{id}/rotate-secret"),
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, old_secret);
    for secret in [&new_secret, &old_secret] {
        receiver.configure(&[secret], 0).await;
        let (_, sent) = call(
            &app,
            Method::POST,
            &format!("/api/v1/webhooks/{id}/test"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(sent["status"], "succeeded", "{sent}");
        assert_eq!(receiver.received().await[0]["verified"], true);
    }
    // A receiver that knows neither refuses it, and the log says so.
    receiver
        .configure(&["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], 0)
        .await;
    let (_, sent) = call(
        &app,
        Method::POST,
        &format!("/api/v1/webhooks/{id}/test"),
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(sent["status"], "failed");
    assert_eq!(sent["attempt_log"][0]["status_code"], 400);
    assert_eq!(deliveries(&app, &org, &id).await.len(), 4);

    // At rest, both secrets are sealed: the database never holds them in the clear.
    let scope = app.scope(&org.key).await;
    let delivery = sent["id"].as_str().unwrap().parse().unwrap();
    let stored = app
        .db
        .db
        .webhooks()
        .target(&scope, domain::ids::WebhookDeliveryId(delivery))
        .await
        .unwrap()
        .secrets;
    let previous = stored.previous.clone().unwrap();
    for (kept, plain) in [(&stored.current, &new_secret), (&previous, &old_secret)] {
        assert!(kept.starts_with("sealed:"), "{kept}");
        let body = plain.trim_start_matches("whsec_");
        assert!(
            !kept.contains(body),
            "the secret is not stored in the clear"
        );
    }
    app.shutdown().await;
});

store::backend_test!(
    other_organizations_and_members_cannot_reach_webhooks,
    |t| async move {
        let app = TestApp::builder().start(t).await;
        let org = app.organization("acme").await;
        let other = app.organization("other").await;
        let receiver = Receiver::start().await;
        let (id, _) = subscribe(&app, &org, json!({ "url": receiver.url("/hooks") })).await;
        for (method, path) in [
            (Method::GET, format!("/api/v1/webhooks/{id}")),
            (Method::PATCH, format!("/api/v1/webhooks/{id}")),
            (Method::DELETE, format!("/api/v1/webhooks/{id}")),
            (Method::POST, format!("/api/v1/webhooks/{id}/test")),
            (Method::POST, format!("/api/v1/webhooks/{id}/rotate-secret")),
            (Method::GET, format!("/api/v1/webhooks/{id}/deliveries")),
        ] {
            let body = (method == Method::PATCH).then(|| json!({ "enabled": false }));
            let (status, _) = call(&app, method.clone(), &path, Some(&other.key), body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        }
        let (_, theirs) = call(
            &app,
            Method::GET,
            "/api/v1/webhooks",
            Some(&other.key),
            None,
        )
        .await;
        assert_eq!(theirs, json!([]));

        app.member(
            &org,
            "mo@acme.example",
            domain::access::Role::Member,
            "a long enough passphrase",
        )
        .await;
        let key = member_key(&app, &org, "mo@acme.example").await;
        let (status, _) = call(&app, Method::GET, "/api/v1/webhooks", Some(&key), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = call(&app, Method::GET, "/api/v1/jobs/dead", Some(&key), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.run_pending_jobs().await;
        app.shutdown().await;
    }
);

/// An API key for a member, issued by the owner.
async fn member_key(app: &TestApp, org: &Org, email: &str) -> String {
    let (_, users) = call(app, Method::GET, "/api/v1/users", Some(&org.key), None).await;
    let items = users
        .get("items")
        .unwrap_or(&users)
        .as_array()
        .unwrap()
        .clone();
    let user = items.iter().find(|u| u["email"] == email).unwrap();
    let (status, issued) = call(
        app,
        Method::POST,
        "/api/v1/api-keys",
        Some(&org.key),
        Some(json!({ "name": "mo", "user_id": user["id"] })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    issued["key"]
        .as_str()
        .or(issued["token"].as_str())
        .unwrap()
        .to_owned()
}
