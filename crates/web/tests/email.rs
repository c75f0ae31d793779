//! Booking e-mails end to end through a real SMTP server (aiosmtpd): the host and the
//! attendee each get one per change, and the invitations parse with the Python `icalendar`
//! package with METHOD REQUEST then CANCEL, one UID across a reschedule, and a SEQUENCE
//! that grows. Both backends.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use common::booking::{book, event_type, first_slot};
use common::smtp_sink::SmtpSink;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The messages of `batch` (two per change), by recipient.
fn by_recipient(batch: &[Value]) -> (Value, Value) {
    assert_eq!(batch.len(), 2, "{batch:#?}");
    let find = |email: &str| {
        batch
            .iter()
            .find(|m| m["rcpt_tos"] == json!([email]))
            .unwrap_or_else(|| panic!("nothing to {email}: {batch:#?}"))
            .clone()
    };
    (find("owner@acme.example"), find("ines@example.com"))
}

store::backend_test!(
    booking_changes_email_host_and_attendee_with_invitations,
    |t| async move {
        let sink = SmtpSink::start().await;
        let app = TestApp::builder().smtp(sink.port).start(t).await;
        let org = app.organization("acme").await;
        let event = event_type(&app, &org).await;

        let (_, token) = book(&app, &event, 3).await;
        let created = sink.wait_for(2).await;
        let (host, attendee) = by_recipient(&created);
        for message in [&host, &attendee] {
            assert!(
                message["subject"]
                    .as_str()
                    .unwrap()
                    .starts_with("Booked: Intro call on "),
                "{message}"
            );
            let types = message["content_types"].as_array().unwrap();
            for t in [
                "multipart/alternative",
                "text/plain",
                "text/html",
                "text/calendar",
            ] {
                assert!(types.contains(&json!(t)), "{t} in {types:?}");
            }
            let cal = &message["calendar"];
            assert_eq!(cal["method"], "REQUEST");
            assert_eq!(cal["content_type_method"], "REQUEST");
            assert_eq!(cal["sequence"], 0);
            assert_eq!(cal["organizer"], "mailto:owner@acme.example");
            assert_eq!(cal["attendees"], json!(["mailto:ines@example.com"]));
            assert_eq!(cal["status"], "CONFIRMED");
        }
        assert!(host["to"].as_str().unwrap().contains("Olive Owner"));
        assert!(
            attendee["text"]
                .as_str()
                .unwrap()
                .starts_with("Hello Ines Invitee,")
        );
        let uid = host["calendar"]["uid"].clone();
        assert_eq!(attendee["calendar"]["uid"], uid);

        // Moved: same UID, next SEQUENCE, new start.
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
        let moved = sink.wait_for(4).await;
        let (host, attendee) = by_recipient(&moved[2..]);
        for message in [&host, &attendee] {
            assert!(
                message["subject"]
                    .as_str()
                    .unwrap()
                    .starts_with("Rescheduled: ")
            );
            assert_eq!(message["calendar"]["method"], "REQUEST");
            assert_eq!(message["calendar"]["uid"], uid);
            assert_eq!(message["calendar"]["sequence"], 1);
            let dtstart: jiff::Timestamp = message["calendar"]["dtstart"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(dtstart, start.parse::<jiff::Timestamp>().unwrap());
        }

        // Cancelled: CANCEL for the same UID, SEQUENCE again higher.
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
        let all = sink.wait_for(6).await;
        let (host, attendee) = by_recipient(&all[4..]);
        for message in [&host, &attendee] {
            assert!(
                message["subject"]
                    .as_str()
                    .unwrap()
                    .starts_with("Cancelled: ")
            );
            assert!(message["text"].as_str().unwrap().contains("Reason: sick"));
            let cal = &message["calendar"];
            assert_eq!(
                (cal["method"].as_str(), cal["content_type_method"].as_str()),
                (Some("CANCEL"), Some("CANCEL"))
            );
            assert_eq!(cal["uid"], uid);
            assert_eq!(cal["sequence"], 2);
            assert_eq!(cal["status"], "CANCELLED");
        }
        let ids: std::collections::HashSet<&str> = all
            .iter()
            .map(|m| m["message_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 6, "each message has its own Message-ID");

        // The notification log has a row per message with the server's answer.
        let scope = app.scope(&org.key).await;
        let filter = domain::bookings::BookingFilter {
            limit: 100,
            newest_first: false,
            ..Default::default()
        };
        let bookings = app
            .db
            .db
            .bookings()
            .list(&scope, &filter, domain::access::Reach::Organization)
            .await
            .unwrap();
        let mut logged = Vec::new();
        for booking in bookings {
            logged.extend(
                app.db
                    .db
                    .messages()
                    .log_for_booking(&scope, booking.id)
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(logged.len(), 6, "{logged:#?}");
        assert!(
            logged
                .iter()
                .all(|m| m.status == "sent" && m.provider_response.starts_with("250"))
        );
        app.shutdown().await;
    }
);

store::backend_test!(
    the_invitees_email_carries_a_manage_link_that_opens_their_booking,
    |t| async move {
        let sink = SmtpSink::start().await;
        let app = TestApp::builder().smtp(sink.port).start(t).await;
        let org = app.organization("acme").await;
        let event = event_type(&app, &org).await;

        let (_, token) = book(&app, &event, 3).await;
        let (host, attendee) = by_recipient(&sink.wait_for(2).await);
        let text = attendee["text"].as_str().unwrap();
        let link = text
            .lines()
            .find_map(|l| l.strip_prefix("Reschedule or cancel: "))
            .unwrap_or_else(|| panic!("no manage link in {text}"));
        // `public_url` is unset: the link leads to the server itself.
        assert_eq!(link, format!("http://{}/manage/{token}", app.addr));
        assert!(
            attendee["html"]
                .as_str()
                .unwrap()
                .contains("Reschedule or cancel</a>"),
            "{attendee}"
        );
        assert!(
            !host["text"].as_str().unwrap().contains("/manage/"),
            "the host's e-mail has no invitee link: {host}"
        );

        let page = app.client.get(link).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("Intro call"), "{html}");

        // The confirmation of a move carries the same link (the token moves with the booking).
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
        let all = sink.wait_for(4).await;
        let (_, moved) = by_recipient(&all[2..]);
        assert!(
            moved["text"]
                .as_str()
                .unwrap()
                .contains(&format!("/manage/{token}")),
            "{moved}"
        );
        app.shutdown().await;
    }
);

store::backend_test!(
    a_refused_address_is_logged_as_failed_and_its_job_ends_for_good,
    |t| async move {
        let sink = SmtpSink::start().await;
        let app = TestApp::builder().smtp(sink.port).start(t).await;
        app.expect_failed_jobs();
        let org = app.organization("acme").await;
        let event = event_type(&app, &org).await;
        let start = first_slot(&app, &event, 3).await;
        let response = app
            .request(
                Method::POST,
                &format!("/api/v1/public/event-types/{event}/bookings"),
            )
            .json(&json!({ "start": start, "name": "Rita Refused",
                "email": "reject-rita@example.com", "time_zone": "UTC" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let booking: Value = response.json().await.unwrap();
        // The host's message goes; the attendee's is refused for good, not retried.
        let sent = sink.wait_for(1).await;
        assert_eq!(sent[0]["rcpt_tos"], json!(["owner@acme.example"]));
        app.run_pending_jobs().await;

        let scope = app.scope(&org.key).await;
        let id =
            domain::ids::BookingId(booking["booking"]["uid"].as_str().unwrap().parse().unwrap());
        let logged = app
            .db
            .db
            .messages()
            .log_for_booking(&scope, id)
            .await
            .unwrap();
        let refused: Vec<_> = logged
            .iter()
            .filter(|m| m.recipient == "reject-rita@example.com")
            .collect();
        assert_eq!(refused.len(), 1, "one row, written once: {logged:#?}");
        assert_eq!(refused[0].status, "failed");
        assert!(refused[0].provider_response.contains("550"), "{logged:#?}");
        assert!(
            logged
                .iter()
                .any(|m| m.recipient == "owner@acme.example" && m.status == "sent")
        );
        let dead = app.db.db.jobs().dead(&scope, None, 100).await.unwrap();
        assert_eq!(
            dead.iter().filter(|j| j.kind == "email.booking").count(),
            1,
            "{dead:#?}"
        );
        app.shutdown().await;
    }
);
