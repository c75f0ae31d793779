//! Scheduling end to end: schedules, event types, slots and bookings through the real server,
//! on SQLite and (with TEST_DATABASE_URL) PostgreSQL. The concurrency stories fire many
//! requests at once and count what committed.
#![allow(clippy::unwrap_used)]

mod common;

use common::clock::{berlin, next_monday};
use common::{Org, TestApp, call};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A POST that owns what it needs, so many can run on separate tasks at once.
fn post_owned(
    app: &TestApp,
    path: &str,
    body: Value,
) -> impl std::future::Future<Output = (StatusCode, Value)> + Send + 'static {
    let request = app.request(Method::POST, path).json(&body);
    async move {
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// A Berlin host working Mon-Fri 09:00-17:00, and one event type with `settings`.
async fn host_with_event(app: &TestApp, org: &Org, settings: Value) -> String {
    host_with_event_as(app, &org.key, settings).await
}

/// Like [`host_with_event`], for the user `key` acts as.
async fn host_with_event_as(app: &TestApp, key: &str, settings: Value) -> String {
    let (status, body) = call(
        app,
        Method::POST,
        "/api/v1/schedules",
        Some(key),
        Some(json!({
            "name": "Working hours",
            "time_zone": "Europe/Berlin",
            "weekly": { "mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]], "wed": [["09:00", "17:00"]],
                        "thu": [["09:00", "17:00"]], "fri": [["09:00", "17:00"]] }
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body["is_default"], true,
        "a user's first schedule is the default"
    );
    let mut event = json!({ "slug": "intro", "title": "Intro call", "duration_minutes": 30 });
    for (k, v) in settings.as_object().unwrap() {
        event[k] = v.clone();
    }
    let (status, body) = call(
        app,
        Method::POST,
        "/api/v1/event-types",
        Some(key),
        Some(event),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

fn invitee(start: &str) -> Value {
    json!({ "start": start, "name": "Ines Invitee", "email": "ines@example.com", "time_zone": "America/New_York" })
}

async fn slots(app: &TestApp, event: &str, date: jiff::civil::Date, zone: &str) -> Value {
    let path =
        format!("/api/v1/public/event-types/{event}/slots?start={date}&end={date}&timeZone={zone}");
    let (status, body) = call(app, Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn starts(slots: &Value) -> Vec<String> {
    slots["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            d["slots"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["start"].as_str().unwrap().to_owned())
        })
        .collect()
}

app_test!(an_invitee_books_views_and_cancels, |app| async move {
    let org = app.organization("acme").await;
    let event = host_with_event(&app, &org, json!({})).await;
    let monday = next_monday();

    // Shown in New York: Monday 09:00 Berlin is 03:00 or 04:00 there, the same date.
    let before = slots(&app, &event, monday, "Europe/Berlin").await;
    let open = starts(&before);
    assert_eq!(open.len(), 16, "09:00-17:00 in 30-minute slots");
    assert_eq!(open[0], berlin(monday, 9, 0));

    let (status, booked) = call(
        &app,
        Method::POST,
        &format!("/api/v1/public/event-types/{event}/bookings"),
        None,
        Some(invitee(&open[0])),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    assert_eq!(booked["booking"]["status"], "confirmed");
    assert_eq!(
        booked["booking"]["attendees"][0]["email"],
        "ines@example.com"
    );
    let token = booked["manage_token"].as_str().unwrap().to_owned();
    let uid = booked["booking"]["uid"].as_str().unwrap().to_owned();

    let after = starts(&slots(&app, &event, monday, "Europe/Berlin").await);
    assert!(!after.contains(&open[0]) && after.len() == 15);

    let (status, again) = call(
        &app,
        Method::POST,
        &format!("/api/v1/public/event-types/{event}/bookings"),
        None,
        Some(invitee(&open[0])),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["code"], "slot_unavailable");
    assert_eq!(again["errors"][0]["code"], "taken");

    let (status, seen) = call(
        &app,
        Method::GET,
        &format!("/api/v1/public/manage/{token}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["uid"], uid.as_str());
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/api/v1/public/manage/{}x", &token[..token.len() - 1]),
        None,
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a wrong token is not found, not forbidden"
    );

    let (status, host_view) = call(
        &app,
        Method::GET,
        &format!("/api/v1/bookings/{uid}"),
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(host_view["attendees"].as_array().unwrap().len(), 1);

    let (status, cancelled) = call(
        &app,
        Method::POST,
        &format!("/api/v1/public/manage/{token}/cancel"),
        None,
        Some(json!({"reason": "cannot make it"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        starts(&slots(&app, &event, monday, "Europe/Berlin").await).len(),
        16,
        "the slot is free again"
    );

    let (status, again) = call(
        &app,
        Method::POST,
        &format!("/api/v1/bookings/{uid}/confirm"),
        Some(&org.key),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(again["code"], "invalid_transition");
    assert_eq!(again["errors"][0]["code"], "cancelled");
    app.run_pending_jobs().await;
});

app_test!(slots_are_grouped_by_the_invitees_date, |app| async move {
    let org = app.organization("acme").await;
    let event = host_with_event(&app, &org, json!({})).await;
    let monday = next_monday();
    // Tokyo is 7 or 8 hours ahead of Berlin: Monday 16:00 Berlin is already Tuesday there.
    let tokyo = slots(&app, &event, monday, "Asia/Tokyo").await;
    for day in tokyo["days"].as_array().unwrap() {
        assert_eq!(
            day["date"],
            monday.to_string(),
            "only the Tokyo date asked for"
        );
    }
    let tuesday = slots(&app, &event, monday.tomorrow().unwrap(), "Asia/Tokyo").await;
    assert!(
        starts(&tuesday).contains(&berlin(monday, 16, 30)),
        "Monday afternoon in Berlin is Tuesday in Tokyo"
    );
});

app_test!(
    bad_bookings_name_the_field_or_the_reason,
    |app| async move {
        let org = app.organization("acme").await;
        let event = host_with_event(&app, &org, json!({
        "minimum_notice_minutes": 60,
        "duration_options": [30, 60],
        "questions": [{ "key": "topic", "label": "Topic", "kind": "select", "required": true, "options": ["sales", "support"] }]
    })).await;
        let monday = next_monday();
        let book = |body: Value| {
            let app = &app;
            let path = format!("/api/v1/public/event-types/{event}/bookings");
            async move { call(app, Method::POST, &path, None, Some(body)).await }
        };
        let good = || {
            let mut b = invitee(&berlin(monday, 10, 0));
            b["answers"] = json!({ "topic": "sales" });
            b
        };
        for (edit, pointer) in [
            (json!({"time_zone": "Mars/Base"}), "/time_zone"),
            (json!({"email": "not-an-email"}), "/email"),
            (json!({"answers": {}}), "/answers/topic"),
            (json!({"answers": {"topic": "other"}}), "/answers/topic"),
            (
                json!({"answers": {"topic": "sales", "colour": "red"}}),
                "/answers/colour",
            ),
            (json!({"duration_minutes": 45}), "/duration_minutes"),
            (json!({"start": "2020-01-01T10:00:00Z"}), "/start"),
        ] {
            let mut body = good();
            for (k, v) in edit.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (status, problem) = book(body).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{edit}: {problem}"
            );
            assert_eq!(problem["errors"][0]["pointer"], pointer, "{problem}");
        }
        for (start, reason) in [
            (berlin(monday, 8, 0), "outside_hours"),
            (berlin(monday, 10, 10), "outside_hours"),
        ] {
            let mut body = good();
            body["start"] = json!(start);
            let (status, problem) = book(body).await;
            assert_eq!(status, StatusCode::CONFLICT, "{problem}");
            assert_eq!(problem["errors"][0]["code"], reason);
        }
        let (status, _) = book(good()).await;
        assert_eq!(status, StatusCode::CREATED);
        let mut longer = good();
        longer["start"] = json!(berlin(monday, 11, 0));
        longer["duration_minutes"] = json!(60);
        let (status, booked) = book(longer).await;
        assert_eq!(status, StatusCode::CREATED, "{booked}");
        assert_eq!(booked["booking"]["end"], berlin(monday, 12, 0));
        // Nothing half written: the failed attempts left exactly the two bookings.
        let (_, page) = call(&app, Method::GET, "/api/v1/bookings", Some(&org.key), None).await;
        assert_eq!(page["bookings"].as_array().unwrap().len(), 2, "{page}");
        app.run_pending_jobs().await;
    }
);

app_test!(
    pending_bookings_hold_the_slot_until_the_host_decides,
    |app| async move {
        let org = app.organization("acme").await;
        let event = host_with_event(&app, &org, json!({ "requires_confirmation": true })).await;
        let start = berlin(next_monday(), 9, 0);
        let path = format!("/api/v1/public/event-types/{event}/bookings");
        let (status, first) = call(&app, Method::POST, &path, None, Some(invitee(&start))).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(first["booking"]["status"], "pending");
        let (status, _) = call(&app, Method::POST, &path, None, Some(invitee(&start))).await;
        assert_eq!(
            status,
            StatusCode::CONFLICT,
            "a pending booking holds its slot"
        );
        let uid = first["booking"]["uid"].as_str().unwrap();
        let (status, confirmed) = call(
            &app,
            Method::POST,
            &format!("/api/v1/bookings/{uid}/confirm"),
            Some(&org.key),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{confirmed}");
        assert_eq!(confirmed["status"], "confirmed");
        let (status, problem) = call(
            &app,
            Method::POST,
            &format!("/api/v1/bookings/{uid}/reject"),
            Some(&org.key),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(problem["errors"][0]["code"], "confirmed");
        app.run_pending_jobs().await;
    }
);

app_test!(
    a_host_reschedules_and_the_lineage_is_kept,
    |app| async move {
        let org = app.organization("acme").await;
        let event = host_with_event(&app, &org, json!({ "interval_minutes": 15 })).await;
        let monday = next_monday();
        let path = format!("/api/v1/public/event-types/{event}/bookings");
        let (_, booked) = call(
            &app,
            Method::POST,
            &path,
            None,
            Some(invitee(&berlin(monday, 9, 0))),
        )
        .await;
        let uid = booked["booking"]["uid"].as_str().unwrap().to_owned();
        let token = booked["manage_token"].as_str().unwrap().to_owned();
        // Overlapping its own old time is fine: the booking does not block itself.
        let (status, moved) = call(
            &app,
            Method::POST,
            &format!("/api/v1/bookings/{uid}/reschedule"),
            Some(&org.key),
            Some(json!({"start": berlin(monday, 9, 15)})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        let new_uid = moved["uid"].as_str().unwrap().to_owned();
        assert_eq!(moved["rescheduled_from"], uid.as_str());
        let (_, old) = call(
            &app,
            Method::GET,
            &format!("/api/v1/bookings/{uid}"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(old["status"], "rescheduled");
        assert_eq!(old["rescheduled_to"], new_uid.as_str());
        // The attendee's link follows the booking.
        let (status, moved_again) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/manage/{token}/reschedule"),
            None,
            Some(json!({"start": berlin(monday, 14, 0)})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{moved_again}");
        assert_eq!(moved_again["start"], berlin(monday, 14, 0));
        assert_eq!(moved_again["rescheduled_from"], new_uid.as_str());
        app.run_pending_jobs().await;
    }
);

store::backend_test!(
    fifty_invitees_race_for_one_slot_and_one_wins,
    |t| async move {
        let app = TestApp::builder().many_invitees().start(t).await;
        let org = app.organization("acme").await;
        let event = host_with_event(&app, &org, json!({})).await;
        let start = berlin(next_monday(), 9, 0);
        let path = format!("/api/v1/public/event-types/{event}/bookings");
        let attempts = (0..50).map(|i| {
            let mut body = invitee(&start);
            body["email"] = json!(format!("racer{i}@example.com"));
            post_owned(&app, &path, body)
        });
        let results = futures_join_all(attempts).await;
        let created = results
            .iter()
            .filter(|(s, _)| *s == StatusCode::CREATED)
            .count();
        let conflicts = results
            .iter()
            .filter(|(s, b)| *s == StatusCode::CONFLICT && b["errors"][0]["code"] == "taken")
            .count();
        assert_eq!(
            (created, conflicts),
            (1, 49),
            "{:?}",
            results.iter().map(|r| r.0).collect::<Vec<_>>()
        );
        app.run_pending_jobs().await;
    }
);

app_test!(twenty_invitees_race_for_five_seats, |app| async move {
    let org = app.organization("acme").await;
    let event = host_with_event(&app, &org, json!({ "seats": 5 })).await;
    let start = berlin(next_monday(), 9, 0);
    let path = format!("/api/v1/public/event-types/{event}/bookings");
    let attempts = (0..20).map(|i| {
        let mut body = invitee(&start);
        body["email"] = json!(format!("seat{i}@example.com"));
        post_owned(&app, &path, body)
    });
    let results = futures_join_all(attempts).await;
    let created: Vec<&Value> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(created.len(), 5);
    let uids: std::collections::HashSet<&str> = created
        .iter()
        .map(|b| b["booking"]["uid"].as_str().unwrap())
        .collect();
    assert_eq!(uids.len(), 1, "every seat is on the same booking");
    let uid = uids.into_iter().next().unwrap();
    let (_, booking) = call(
        &app,
        Method::GET,
        &format!("/api/v1/bookings/{uid}"),
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(booking["attendees"].as_array().unwrap().len(), 5);
    assert_eq!(booking["seats_taken"], 5);
    let day = starts(&slots(&app, &event, next_monday(), "Europe/Berlin").await);
    assert!(
        !day.contains(&start),
        "a full group slot is no longer offered"
    );
    app.run_pending_jobs().await;
});

/// Awaits every future, all in flight at once (no extra dependency for one helper).
async fn futures_join_all<
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<T> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn two_servers_on_one_postgres_race_for_one_slot() {
    let Some(db) = store::testing::TestDb::postgres().await else {
        return;
    };
    let url = db.url().to_owned();
    let app = TestApp::builder().start(db).await;
    let other = common::second_server(&url).await;
    let org = app.organization("acme").await;
    let event = host_with_event(&app, &org, json!({})).await;
    let start = berlin(next_monday(), 9, 0);
    let path = format!("/api/v1/public/event-types/{event}/bookings");
    outbound::install_crypto_provider();
    let client = reqwest::Client::new();
    let attempts = (0..40).map(|i| {
        let url = if i % 2 == 0 {
            app.url(&path)
        } else {
            format!("http://{other}{path}")
        };
        let mut body = invitee(&start);
        body["email"] = json!(format!("racer{i}@example.com"));
        let request = client.post(url).json(&body);
        async move { request.send().await.unwrap().status() }
    });
    let statuses = futures_join_all(attempts).await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let conflicts = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, conflicts), (1, 39), "{statuses:?}");
    app.run_pending_jobs().await;
}

app_test!(
    a_retried_booking_with_its_idempotency_key_books_once,
    |app| async move {
        let org = app.organization("acme").await;
        let event = host_with_event(&app, &org, json!({})).await;
        let monday = next_monday();
        let path = format!("/api/v1/public/event-types/{event}/bookings");
        let send = |body: Value, key: &str| {
            app.request(Method::POST, &path)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
        };
        let first = send(invitee(&berlin(monday, 9, 0)), "retry-1")
            .await
            .unwrap();
        assert_eq!(first.status(), StatusCode::CREATED);
        let first: Value = first.json().await.unwrap();
        let again = send(invitee(&berlin(monday, 9, 0)), "retry-1")
            .await
            .unwrap();
        assert_eq!(
            again.status(),
            StatusCode::CREATED,
            "a retry gets the same answer, not 409 taken"
        );
        let again: Value = again.json().await.unwrap();
        assert_eq!(again["booking"]["uid"], first["booking"]["uid"]);
        // The retry's token works; the first one's was replaced (only a hash is ever kept).
        let (status, _) = call(
            &app,
            Method::GET,
            &format!(
                "/api/v1/public/manage/{}",
                again["manage_token"].as_str().unwrap()
            ),
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let different = send(invitee(&berlin(monday, 10, 0)), "retry-1")
            .await
            .unwrap();
        assert_eq!(different.status(), StatusCode::CONFLICT);
        let problem: Value = different.json().await.unwrap();
        assert_eq!(problem["code"], "idempotency_key_reused");
        let (_, page) = call(&app, Method::GET, "/api/v1/bookings", Some(&org.key), None).await;
        assert_eq!(page["bookings"].as_array().unwrap().len(), 1, "{page}");
        app.run_pending_jobs().await;
    }
);

app_test!(bookings_keep_the_hosts_contacts_current, |app| async move {
    let org = app.organization("acme").await;
    let event = host_with_event(&app, &org, json!({})).await;
    let monday = next_monday();
    let path = format!("/api/v1/public/event-types/{event}/bookings");
    for hour in [9, 11] {
        let (status, _) = call(
            &app,
            Method::POST,
            &path,
            None,
            Some(invitee(&berlin(monday, hour, 0))),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, contacts) =
        call(&app, Method::GET, "/api/v1/contacts", Some(&org.key), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(contacts.as_array().unwrap().len(), 1, "{contacts}");
    assert_eq!(contacts[0]["email"], "ines@example.com");
    assert_eq!(contacts[0]["total_bookings"], 2);
    assert_eq!(contacts[0]["last_booking_at"], berlin(monday, 11, 0));
    app.run_pending_jobs().await;
});

app_test!(another_organization_sees_none_of_it, |app| async move {
    let acme = app.organization("acme").await;
    let other = app.organization("other").await;
    let event = host_with_event(&app, &acme, json!({})).await;
    let (_, booked) = call(
        &app,
        Method::POST,
        &format!("/api/v1/public/event-types/{event}/bookings"),
        None,
        Some(invitee(&berlin(next_monday(), 9, 0))),
    )
    .await;
    let uid = booked["booking"]["uid"].as_str().unwrap().to_owned();
    let (_, schedules) = call(
        &app,
        Method::GET,
        "/api/v1/schedules",
        Some(&acme.key),
        None,
    )
    .await;
    let schedule = schedules[0]["id"].as_str().unwrap().to_owned();
    let (_, blocked) = call(
        &app,
        Method::POST,
        "/api/v1/blocked-times",
        Some(&acme.key),
        Some(json!({"start_at": "2030-01-01T10:00:00Z", "end_at": "2030-01-01T11:00:00Z"})),
    )
    .await;
    let blocked = blocked["id"].as_str().unwrap().to_owned();
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/schedules/{schedule}"), None),
        (
            Method::PUT,
            format!("/api/v1/schedules/{schedule}"),
            Some(json!({"name": "x", "time_zone": "UTC"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/schedules/{schedule}"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/blocked-times/{blocked}"),
            None,
        ),
        (Method::GET, format!("/api/v1/event-types/{event}"), None),
        (
            Method::PUT,
            format!("/api/v1/event-types/{event}"),
            Some(json!({"slug": "x", "title": "x", "duration_minutes": 30})),
        ),
        (Method::DELETE, format!("/api/v1/event-types/{event}"), None),
        (Method::GET, format!("/api/v1/bookings/{uid}"), None),
        (
            Method::POST,
            format!("/api/v1/bookings/{uid}/cancel"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/api/v1/bookings/{uid}/reschedule"),
            Some(json!({"start": berlin(next_monday(), 10, 0)})),
        ),
        (
            Method::GET,
            format!("/api/v1/schedules/{}", uuid_like()),
            None,
        ),
    ] {
        let (status, body) = call(&app, method.clone(), &path, Some(&other.key), body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
    }
    for path in [
        "/api/v1/schedules",
        "/api/v1/event-types",
        "/api/v1/contacts",
    ] {
        let (_, list) = call(&app, Method::GET, path, Some(&other.key), None).await;
        assert_eq!(list.as_array().unwrap().len(), 0, "{path}: {list}");
    }
    let (_, page) = call(
        &app,
        Method::GET,
        "/api/v1/bookings",
        Some(&other.key),
        None,
    )
    .await;
    assert_eq!(page["bookings"].as_array().unwrap().len(), 0);
    // The owner still has everything.
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/api/v1/bookings/{uid}"),
        Some(&acme.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.run_pending_jobs().await;
});

fn uuid_like() -> String {
    "01a205ed-0000-7000-8000-000000000000".to_owned()
}

app_test!(a_single_use_link_books_once, |app| async move {
    let org = app.organization("acme").await;
    let event = host_with_event(&app, &org, json!({ "hidden": true })).await;
    let (status, link) = call(
        &app,
        Method::POST,
        &format!("/api/v1/event-types/{event}/single-use-links"),
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{link}");
    let token = link["token"].as_str().unwrap().to_owned();
    let (status, opened) = call(
        &app,
        Method::GET,
        &format!("/api/v1/public/links/{token}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(opened["event_type"]["id"], event.as_str());
    let monday = next_monday();
    let path = format!("/api/v1/public/links/{token}/bookings");
    // A refused booking does not use the link up.
    let (status, _) = call(
        &app,
        Method::POST,
        &path,
        None,
        Some(invitee(&berlin(monday, 8, 0))),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, booked) = call(
        &app,
        Method::POST,
        &path,
        None,
        Some(invitee(&berlin(monday, 9, 0))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let (status, _) = call(
        &app,
        Method::POST,
        &path,
        None,
        Some(invitee(&berlin(monday, 10, 0))),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a used link is gone");
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/api/v1/public/links/{token}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.run_pending_jobs().await;
});

app_test!(the_invitee_chooses_among_the_locations, |app| async move {
    let org = app.organization("acme").await;
    let event = host_with_event(
        &app,
        &org,
        json!({ "locations": [
        { "kind": "in_person", "address": "Hauptstr. 1, Berlin" },
        { "kind": "jitsi" }
    ] }),
    )
    .await;
    let monday = next_monday();
    let path = format!("/api/v1/public/event-types/{event}/bookings");
    let (_, first) = call(
        &app,
        Method::POST,
        &path,
        None,
        Some(invitee(&berlin(monday, 9, 0))),
    )
    .await;
    assert_eq!(
        first["booking"]["location"]["address"],
        "Hauptstr. 1, Berlin"
    );
    let mut body = invitee(&berlin(monday, 10, 0));
    body["location"] = json!(1);
    let (_, second) = call(&app, Method::POST, &path, None, Some(body)).await;
    assert!(
        second["booking"]["location"]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://meet.jit.si/rendezvous-"),
        "{second}"
    );
    let mut body = invitee(&berlin(monday, 11, 0));
    body["location"] = json!(2);
    let (status, problem) = call(&app, Method::POST, &path, None, Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["pointer"], "/location");
    app.run_pending_jobs().await;
});

app_test!(
    event_types_take_the_owners_scheduling_defaults,
    |app| async move {
        let org = app.organization("acme").await;
        let (status, defaults) = call(
            &app,
            Method::GET,
            "/api/v1/scheduling-defaults",
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            defaults,
            json!({"buffer_before_minutes": 0, "buffer_after_minutes": 0, "minimum_notice_minutes": 0, "interval_minutes": null})
        );
        let mine = json!({"buffer_before_minutes": 5, "buffer_after_minutes": 15, "minimum_notice_minutes": 240, "interval_minutes": 60});
        let (status, set) = call(
            &app,
            Method::PUT,
            "/api/v1/scheduling-defaults",
            Some(&org.key),
            Some(mine.clone()),
        )
        .await;
        assert_eq!((status, &set), (StatusCode::OK, &mine));
        let (status, bad) = call(&app, Method::PUT, "/api/v1/scheduling-defaults", Some(&org.key), Some(json!({"buffer_before_minutes": -1, "buffer_after_minutes": 0, "minimum_notice_minutes": 0}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad["errors"][0]["pointer"], "/buffer_before_minutes");

        let (_, defaulted) = call(
            &app,
            Method::POST,
            "/api/v1/event-types",
            Some(&org.key),
            Some(json!({"slug": "a", "title": "A", "duration_minutes": 30})),
        )
        .await;
        assert_eq!(defaulted["buffer_before_minutes"], 5);
        assert_eq!(defaulted["buffer_after_minutes"], 15);
        assert_eq!(defaulted["minimum_notice_minutes"], 240);
        assert_eq!(defaulted["interval_minutes"], 60);
        let (_, explicit) = call(&app, Method::POST, "/api/v1/event-types", Some(&org.key), Some(json!({"slug": "b", "title": "B", "duration_minutes": 30, "buffer_after_minutes": 0, "interval_minutes": 15}))).await;
        assert_eq!(explicit["buffer_after_minutes"], 0, "a value given is kept");
        assert_eq!(explicit["interval_minutes"], 15);
        assert_eq!(explicit["buffer_before_minutes"], 5);
    }
);

app_test!(
    the_audit_log_records_who_booked_and_from_where,
    |app| async move {
        let org = app.organization("acme").await;
        let event = host_with_event(&app, &org, json!({})).await;
        let (_, booked) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/event-types/{event}/bookings"),
            None,
            Some(invitee(&berlin(next_monday(), 9, 0))),
        )
        .await;
        let token = booked["manage_token"].as_str().unwrap().to_owned();
        call(
            &app,
            Method::POST,
            &format!("/api/v1/public/manage/{token}/cancel"),
            None,
            Some(json!({"reason": "ill"})),
        )
        .await;
        let scope = app.scope(&org.key).await;
        let log = app.db.db.audit().recent(&scope, 50).await.unwrap();
        let find = |action: &str| {
            log.iter()
                .find(|e| e.action == action)
                .unwrap_or_else(|| panic!("{action} in {log:?}"))
        };
        let created = find("booking.created");
        assert_eq!(
            (created.actor_type.as_str(), created.ip.as_deref()),
            ("invitee", Some("127.0.0.1"))
        );
        let cancelled = find("booking.cancelled");
        assert_eq!(
            (cancelled.actor_type.as_str(), cancelled.ip.as_deref()),
            ("attendee", Some("127.0.0.1"))
        );
        assert_eq!(cancelled.new_values.as_ref().unwrap()["reason"], "ill");
        let schedule = find("schedule.created");
        assert_eq!(schedule.actor_type, "api_key");
        assert!(find("event_type.created").new_values.as_ref().unwrap()["slug"] == "intro");
        app.run_pending_jobs().await;
    }
);

app_test!(every_reason_a_start_is_refused_is_named, |app| async move {
    let org = app.organization("acme").await;
    let monday = next_monday();
    // Notice of a day, a window of 60 days, one booking a day, and 2 seats.
    let event = host_with_event(
        &app,
        &org,
        json!({
            "minimum_notice_minutes": 1440, "booking_window": {"kind": "rolling", "days": 60},
            "max_per_day": 1, "seats": 2
        }),
    )
    .await;
    let path = format!("/api/v1/public/event-types/{event}/bookings");
    let reason = |start: String| {
        let (app, path) = (&app, path.clone());
        async move {
            let (status, body) = call(app, Method::POST, &path, None, Some(invitee(&start))).await;
            assert_eq!(status, StatusCode::CONFLICT, "{body}");
            body["errors"][0]["code"].as_str().unwrap().to_owned()
        }
    };
    let soon = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(1))
        .unwrap();
    let soon = jiff::Timestamp::from_second(soon.as_second() / 3600 * 3600 + 3600)
        .unwrap()
        .to_string();
    assert_eq!(reason(soon).await, "too_soon");
    let far = monday.checked_add(jiff::Span::new().days(70)).unwrap();
    let mut far_monday = far;
    while far_monday.weekday() != jiff::civil::Weekday::Monday {
        far_monday = far_monday.tomorrow().unwrap();
    }
    assert_eq!(reason(berlin(far_monday, 9, 0)).await, "beyond_window");
    // Two seats at 09:00 fill it; then the day's limit stops a new start that day.
    for i in 0..2 {
        let mut body = invitee(&berlin(monday, 9, 0));
        body["email"] = json!(format!("seat{i}@example.com"));
        let (status, _) = call(&app, Method::POST, &path, None, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    assert_eq!(reason(berlin(monday, 9, 0)).await, "full");
    assert_eq!(reason(berlin(monday, 11, 0)).await, "limit_reached");
    // Blocked time is busy time, whatever the limits say.
    let wednesday = monday.checked_add(jiff::Span::new().days(2)).unwrap();
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/blocked-times",
        Some(&org.key),
        Some(json!({ "start_at": berlin(wednesday, 10, 0), "end_at": berlin(wednesday, 11, 0) })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(reason(berlin(wednesday, 10, 0)).await, "taken");
    let (status, _) = call(
        &app,
        Method::POST,
        &path,
        None,
        Some(invitee(&berlin(monday.tomorrow().unwrap(), 11, 0))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "the next day is open");
    app.run_pending_jobs().await;
});

app_test!(hosts_filter_and_page_through_bookings, |app| async move {
    let org = app.organization("acme").await;
    let event = host_with_event(&app, &org, json!({})).await;
    let monday = next_monday();
    let path = format!("/api/v1/public/event-types/{event}/bookings");
    for (i, hour) in [9, 10, 11, 13, 14].into_iter().enumerate() {
        let mut body = invitee(&berlin(monday, hour, 0));
        body["email"] = json!(if i == 2 {
            "special@example.com".to_owned()
        } else {
            format!("p{i}@example.com")
        });
        let (status, _) = call(&app, Method::POST, &path, None, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/v1/bookings?limit=2&cursor={c}"),
            None => "/api/v1/bookings?limit=2".to_owned(),
        };
        let (status, page) = call(&app, Method::GET, &url, Some(&org.key), None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(
            page["bookings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["start"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [9, 10, 11, 13, 14].map(|h| berlin(monday, h, 0)).to_vec(),
        "every booking once, by start"
    );
    let (_, page) = call(
        &app,
        Method::GET,
        "/api/v1/bookings?attendee_email=SPECIAL@example.com",
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(page["bookings"].as_array().unwrap().len(), 1);
    assert_eq!(page["bookings"][0]["start"], berlin(monday, 11, 0));
    let from = berlin(monday, 12, 0);
    let (_, page) = call(
        &app,
        Method::GET,
        &format!("/api/v1/bookings?from={from}&status=confirmed"),
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(page["bookings"].as_array().unwrap().len(), 2);
    let (status, problem) = call(
        &app,
        Method::GET,
        "/api/v1/bookings?status=maybe",
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["pointer"], "/status");
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/v1/bookings?cursor=nonsense",
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    app.run_pending_jobs().await;
});

/// A user of `org` with `role`, active, and an API key acting as them.
async fn user_with_key(
    app: &TestApp,
    org: &Org,
    email: &str,
    role: domain::access::Role,
) -> (String, String) {
    let user = app
        .member(org, email, role, "correct horse battery staple")
        .await;
    let (status, key) = call(
        app,
        Method::POST,
        "/api/v1/api-keys",
        Some(&org.key),
        Some(json!({"name": email, "user_id": user.id})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    (user.id.to_string(), key["key"].as_str().unwrap().to_owned())
}

fn schedule_body(user_id: Option<&str>) -> Value {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut body = json!({
        "name": format!("Other hours {n}"),
        "time_zone": "Europe/Berlin",
        "weekly": { "mon": [["10:00", "12:00"]] }
    });
    if let Some(u) = user_id {
        body["user_id"] = json!(u);
    }
    body
}

app_test!(
    viewers_read_members_manage_their_own_admins_manage_anyones,
    |app| async move {
        let org = app.organization("acme").await;
        let (_, viewer) =
            user_with_key(&app, &org, "vic@acme.example", domain::access::Role::Viewer).await;
        let (m1_id, m1) =
            user_with_key(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
        let (m2_id, m2) =
            user_with_key(&app, &org, "max@acme.example", domain::access::Role::Member).await;
        let (_, admin) =
            user_with_key(&app, &org, "ada@acme.example", domain::access::Role::Admin).await;

        // A member sets up their own availability and event type.
        let event = host_with_event_as(&app, &m1, json!({"requires_confirmation": true})).await;
        let (_, schedules) = call(&app, Method::GET, "/api/v1/schedules", Some(&m1), None).await;
        let m1_schedule = schedules[0]["id"].as_str().unwrap().to_owned();
        let open = starts(&slots(&app, &event, next_monday(), "Europe/Berlin").await);
        let (status, booked) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/event-types/{event}/bookings"),
            None,
            Some(invitee(&open[0])),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{booked}");
        assert_eq!(booked["booking"]["status"], "pending");
        let uid = booked["booking"]["uid"].as_str().unwrap().to_owned();
        let (_, second) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/event-types/{event}/bookings"),
            None,
            Some(invitee(&open[1])),
        )
        .await;
        let uid2 = second["booking"]["uid"].as_str().unwrap().to_owned();

        // A viewer reads availability and event types (bookings and contacts only as far as
        // they host: none of them)...
        for path in [
            "/api/v1/schedules".to_owned(),
            format!("/api/v1/schedules/{m1_schedule}"),
            format!(
                "/api/v1/blocked-times?user_id={m1_id}&from=2020-01-01T00:00:00Z&until=2040-01-01T00:00:00Z"
            ),
            "/api/v1/event-types".to_owned(),
            format!("/api/v1/event-types/{event}"),
            "/api/v1/bookings".to_owned(),
            "/api/v1/contacts".to_owned(),
        ] {
            let (status, body) = call(&app, Method::GET, &path, Some(&viewer), None).await;
            assert_eq!(status, StatusCode::OK, "viewer GET {path}: {body}");
        }
        let path = format!("/api/v1/bookings/{uid}");
        let (status, _) = call(&app, Method::GET, &path, Some(&viewer), None).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "not a booking the viewer hosts"
        );
        // ...and changes nothing, not even their own.
        let tomorrow = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24);
        let later = tomorrow + jiff::SignedDuration::from_hours(1);
        let forbidden = [
            (
                Method::POST,
                "/api/v1/schedules".to_owned(),
                Some(schedule_body(None)),
            ),
            (
                Method::PUT,
                format!("/api/v1/schedules/{m1_schedule}"),
                Some(schedule_body(None)),
            ),
            (
                Method::POST,
                "/api/v1/event-types".to_owned(),
                Some(json!({"slug": "v", "title": "V", "duration_minutes": 30})),
            ),
            (Method::DELETE, format!("/api/v1/event-types/{event}"), None),
            (
                Method::POST,
                format!("/api/v1/event-types/{event}/single-use-links"),
                None,
            ),
            (
                Method::POST,
                "/api/v1/blocked-times".to_owned(),
                Some(
                    json!({"start_at": tomorrow.to_string(), "end_at": later.to_string(), "reason": "x"}),
                ),
            ),
            (
                Method::POST,
                format!("/api/v1/bookings/{uid}/confirm"),
                Some(json!({})),
            ),
            (
                Method::POST,
                format!("/api/v1/bookings/{uid}/cancel"),
                Some(json!({})),
            ),
        ];
        for (method, path, body) in &forbidden {
            let (status, problem) =
                call(&app, method.clone(), path, Some(&viewer), body.clone()).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "viewer {method} {path}: {problem}"
            );
            assert_eq!(problem["code"], "forbidden");
        }

        // Another member may not touch the first member's rows, nor act for them.
        let mut not_theirs = forbidden[1..].to_vec();
        not_theirs.retain(|(_, path, _)| {
            path != "/api/v1/event-types" && path != "/api/v1/blocked-times"
        });
        not_theirs.push((
            Method::POST,
            "/api/v1/schedules".to_owned(),
            Some(schedule_body(Some(&m1_id))),
        ));
        not_theirs.push((
            Method::POST,
            "/api/v1/event-types".to_owned(),
            Some(
                json!({"slug": "m", "title": "M", "duration_minutes": 30, "owner_user_id": m1_id}),
            ),
        ));
        for (method, path, body) in &not_theirs {
            let (status, problem) = call(&app, method.clone(), path, Some(&m2), body.clone()).await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "member {method} {path}: {problem}"
            );
        }
        // But manages their own.
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/schedules",
            Some(&m2),
            Some(schedule_body(None)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/schedules",
            Some(&m2),
            Some(schedule_body(Some(&m2_id))),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        // The host confirms their own booking; an admin handles anyone's.
        let (status, body) = call(
            &app,
            Method::POST,
            &format!("/api/v1/bookings/{uid}/confirm"),
            Some(&m1),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "confirmed");
        let (status, body) = call(
            &app,
            Method::POST,
            &format!("/api/v1/bookings/{uid2}/confirm"),
            Some(&admin),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = call(
            &app,
            Method::PUT,
            &format!("/api/v1/schedules/{m1_schedule}"),
            Some(&admin),
            Some(schedule_body(None)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/schedules",
            Some(&admin),
            Some(schedule_body(Some(&m2_id))),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["user_id"], m2_id.as_str());
        let (status, body) = call(&app, Method::POST, "/api/v1/blocked-times", Some(&admin),
            Some(json!({"user_id": m1_id, "start_at": tomorrow.to_string(), "end_at": later.to_string(), "reason": "x"}))).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        // An API key narrowed to reads cannot write, whoever holds it.
        let (status, narrow) = call(
            &app,
            Method::POST,
            "/api/v1/api-keys",
            Some(&org.key),
            Some(json!({"name": "ro", "scopes": ["availability.read", "bookings.read"]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let narrow = narrow["key"].as_str().unwrap();
        let (status, _) = call(&app, Method::GET, "/api/v1/schedules", Some(narrow), None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = call(&app, Method::GET, "/api/v1/event-types", Some(narrow), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = call(
            &app,
            Method::POST,
            "/api/v1/schedules",
            Some(narrow),
            Some(schedule_body(None)),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.run_pending_jobs().await;
    }
);

store::backend_test!(
    public_booking_and_manage_links_are_rate_limited,
    |t| async move {
        let minute = std::time::Duration::from_secs(60);
        let mut auth = rendezvous_web::AuthConfig::default();
        auth.settings.booking_per_ip = services::rate_limit::Limit {
            max: 5,
            per: minute,
        };
        auth.settings.booking_per_event_type = services::rate_limit::Limit {
            max: 2,
            per: minute,
        };
        auth.settings.manage_per_ip = services::rate_limit::Limit {
            max: 3,
            per: minute,
        };
        let app = TestApp::builder().auth(auth).start(t).await;
        let org = app.organization("acme").await;
        let first = host_with_event(&app, &org, json!({})).await;
        let (status, second) = call(
            &app,
            Method::POST,
            "/api/v1/event-types",
            Some(&org.key),
            Some(json!({ "slug": "other", "title": "Other", "duration_minutes": 30 })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{second}");
        let second = second["id"].as_str().unwrap().to_owned();
        let open = starts(&slots(&app, &first, next_monday(), "Europe/Berlin").await);
        let book = |event: &str, i: usize| {
            let path = format!("/api/v1/public/event-types/{event}/bookings");
            let body = invitee(&open[i]);
            let app = &app;
            async move { call(app, Method::POST, &path, None, Some(body)).await }
        };

        // Per event type: the third booking of the first event type is refused...
        assert_eq!(book(&first, 0).await.0, StatusCode::CREATED);
        assert_eq!(book(&first, 1).await.0, StatusCode::CREATED);
        let response = app
            .request(
                Method::POST,
                &format!("/api/v1/public/event-types/{first}/bookings"),
            )
            .json(&invitee(&open[2]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = response.headers()[reqwest::header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["code"], "rate_limited");
        // ...while another event type still books, until the address is over its limit.
        assert_eq!(book(&second, 3).await.0, StatusCode::CREATED);
        let (status, booked) = book(&second, 4).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = book(&second, 5).await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "5 a minute per address"
        );

        // Manage links, per address: wrong tokens and right ones count alike.
        let token = booked["manage_token"].as_str().unwrap();
        let manage = |t: String| {
            let app = &app;
            async move {
                call(
                    app,
                    Method::GET,
                    &format!("/api/v1/public/manage/{t}"),
                    None,
                    None,
                )
                .await
                .0
            }
        };
        assert_eq!(manage("rdvm_guess".to_owned()).await, StatusCode::NOT_FOUND);
        assert_eq!(
            manage("rdvm_guess2".to_owned()).await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(manage(token.to_owned()).await, StatusCode::OK);
        assert_eq!(
            manage(token.to_owned()).await,
            StatusCode::TOO_MANY_REQUESTS
        );
        let (status, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/manage/{token}/cancel"),
            None,
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        app.run_pending_jobs().await;
    }
);

store::backend_test!(
    removing_a_user_keeps_their_bookings_and_frees_their_address,
    |t| async move {
        let app = TestApp::builder().many_invitees().start(t).await;
        let org = app.organization("acme").await;
        let (mia_id, mia_key) =
            user_with_key(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
        let event = host_with_event_as(&app, &mia_key, json!({})).await;
        let start = berlin(next_monday(), 10, 0);
        let path = format!("/api/v1/public/event-types/{event}/bookings");
        let (status, booked) = call(&app, Method::POST, &path, None, Some(invitee(&start))).await;
        assert_eq!(status, StatusCode::CREATED, "{booked}");
        let booking = booked["booking"]["uid"].as_str().unwrap().to_owned();

        let user_path = format!("/api/v1/users/{mia_id}");
        let (status, body) = call(&app, Method::DELETE, &user_path, Some(&org.key), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

        // Gone from every read, her key stops at once, and deleting again finds nothing.
        let (status, _) = call(&app, Method::GET, &user_path, Some(&org.key), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, users) = call(&app, Method::GET, "/api/v1/users", Some(&org.key), None).await;
        assert!(!users.to_string().contains("mia@acme.example"), "{users}");
        let (status, _) = call(&app, Method::GET, "/api/v1/me", Some(&mia_key), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = call(&app, Method::DELETE, &user_path, Some(&org.key), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Her booking page is gone; her booking is not.
        let (status, _) = call(&app, Method::POST, &path, None, Some(invitee(&start))).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, kept) = call(
            &app,
            Method::GET,
            &format!("/api/v1/bookings/{booking}"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{kept}");
        assert_eq!(kept["host_user_id"], mia_id.as_str());

        // The address is free for someone new.
        let again = app
            .member(
                &org,
                "mia@acme.example",
                domain::access::Role::Member,
                "correct horse battery staple",
            )
            .await;
        assert_ne!(again.id.to_string(), mia_id);
        app.run_pending_jobs().await;
    }
);
