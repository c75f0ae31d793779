//! Calendar connections end to end, against a real Radicale (CalDAV) and a real HTTP feed on
//! 127.0.0.1: connect and discover, busy time from a timed event in another zone, an all-day
//! event, a weekly event with a moved and an excluded instance, and a transparent event, seen
//! through the slots API; incremental sync sees exactly the changes; a booking is written
//! into Radicale, moved on reschedule and removed on cancel; an unreachable server keeps the
//! busy time and says `error`; ICS feeds in (with ETag) and out. Both backends.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use calendars::testing::Radicale;
use common::calendar_host::{BERLIN, monday, offered, working_host};
use common::{FormBody, TestApp, call};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn plus(day: Date, days: i64) -> Date {
    day.checked_add(jiff::Span::new().days(days)).unwrap()
}

/// A Berlin wall-clock time as an instant.
fn berlin(day: Date, hour: i8) -> jiff::Timestamp {
    day.at(hour, 0, 0, 0)
        .to_zoned(TimeZone::get(BERLIN).unwrap())
        .unwrap()
        .timestamp()
}

/// `TZID=zone:local` of an instant.
fn local_in(ts: jiff::Timestamp, zone: &str) -> String {
    format!(
        "TZID={zone}:{}",
        ts.to_zoned(TimeZone::get(zone).unwrap())
            .strftime("%Y%m%dT%H%M%S")
    )
}

fn ics(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n")
}

/// Polls Radicale until `check` holds for the resource at `url` (write-back runs after the
/// response, on its own task).
async fn eventually(
    radicale: &Radicale,
    url: &str,
    check: impl Fn(Option<&str>) -> bool,
) -> Option<String> {
    for _ in 0..100 {
        let text = radicale.get(url).await;
        if check(text.as_deref()) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{url} never reached the expected state; last: {:?}",
        radicale.get(url).await
    );
}

app_test!(caldav_busy_time_sync_and_write_back, |app| async move {
    // Write-back and periodic sync run as jobs.
    let mut app = app;
    app.restart_workers().await;
    let radicale = Radicale::start().await;
    let work = radicale.make_calendar("work", "Work").await;
    let bookings_cal = radicale.make_calendar("bookings", "Bookings").await;
    let org = app.organization("acme").await;
    let key = org.key.as_str();
    let event = working_host(&app, key).await;
    let mon = monday();
    let (tue, wed, thu) = (plus(mon, 1), plus(mon, 2), plus(mon, 3));

    // Monday 10:00-11:00 Berlin, written in Tokyo time.
    let tokyo = |start: jiff::Timestamp| {
        ics(&format!(
            "BEGIN:VEVENT\r\nUID:tokyo\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;{}\r\nDTEND;{}\r\nSUMMARY:Call with Tokyo\r\nEND:VEVENT\r\n",
            local_in(start, "Asia/Tokyo"),
            local_in(
                start
                    .checked_add(jiff::SignedDuration::from_hours(1))
                    .unwrap(),
                "Asia/Tokyo"
            )
        ))
    };
    radicale
        .put(&work, "tokyo.ics", &tokyo(berlin(mon, 10)))
        .await;
    // Tuesday all day.
    radicale.put(&work, "offsite.ics", &ics(&format!(
        "BEGIN:VEVENT\r\nUID:offsite\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nSUMMARY:Offsite\r\nEND:VEVENT\r\n",
        tue.strftime("%Y%m%d"), wed.strftime("%Y%m%d")
    ))).await;
    // Wednesdays 09:00-10:00 Berlin, three weeks; the second moved to 14:00, the third excluded.
    let (wed2, wed3) = (plus(wed, 7), plus(wed, 14));
    radicale.put(&work, "weekly.ics", &ics(&format!(
        "BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;{}\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEXDATE;{}\r\nSUMMARY:Standup\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20261101T000000Z\r\nRECURRENCE-ID;{}\r\nDTSTART;{}\r\nDURATION:PT1H\r\nSUMMARY:Standup (moved)\r\nEND:VEVENT\r\n",
        local_in(berlin(wed, 9), BERLIN), local_in(berlin(wed3, 9), BERLIN),
        local_in(berlin(wed2, 9), BERLIN), local_in(berlin(wed2, 14), BERLIN)
    ))).await;
    // Thursday 09:00-10:00, transparent: does not block.
    radicale.put(&work, "focus.ics", &ics(&format!(
        "BEGIN:VEVENT\r\nUID:focus\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{}\r\nDURATION:PT1H\r\nTRANSP:TRANSPARENT\r\nSUMMARY:Focus\r\nEND:VEVENT\r\n",
        ical::write::utc(berlin(thu, 9))
    ))).await;

    // Connect: discovery finds both calendars; the first sync runs.
    let (status, connection) = call(&app, Method::POST, "/api/v1/calendar-connections", Some(key), Some(json!({
        "kind": "caldav", "url": radicale.url, "username": radicale.username, "password": radicale.password
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{connection}");
    assert_eq!(connection["status"], "active", "{connection}");
    assert!(connection.get("password").is_none());
    let names: Vec<&str> = connection["calendars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bookings", "Work"]);
    let id = connection["id"].as_str().unwrap().to_owned();
    let bookings_id = connection["calendars"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // The slots API sees the busy time.
    let monday_slots = offered(&app, &event, mon).await;
    assert!(
        monday_slots.contains(&"09:30".to_owned()) && monday_slots.contains(&"11:00".to_owned()),
        "{monday_slots:?}"
    );
    assert!(
        !monday_slots.contains(&"10:00".to_owned()) && !monday_slots.contains(&"10:30".to_owned()),
        "{monday_slots:?}"
    );
    assert!(
        offered(&app, &event, tue).await.is_empty(),
        "the all-day event blocks Tuesday"
    );
    let w1 = offered(&app, &event, wed).await;
    assert!(
        !w1.contains(&"09:00".to_owned()) && w1.contains(&"14:00".to_owned()),
        "{w1:?}"
    );
    let w2 = offered(&app, &event, wed2).await;
    assert!(
        w2.contains(&"09:00".to_owned()) && !w2.contains(&"14:00".to_owned()),
        "moved instance: {w2:?}"
    );
    let w3 = offered(&app, &event, wed3).await;
    assert!(
        w3.contains(&"09:00".to_owned()),
        "excluded instance: {w3:?}"
    );
    assert!(
        offered(&app, &event, thu)
            .await
            .contains(&"09:00".to_owned()),
        "transparent"
    );
    // The booking check agrees with the slots: a busy start cannot be booked.
    let book_path = format!("/api/v1/public/event-types/{event}/bookings");
    let invitee = |start: jiff::Timestamp| json!({ "start": start.to_string(), "name": "Ines Invitee", "email": "ines@example.com", "time_zone": "America/New_York" });
    let (status, body) = call(
        &app,
        Method::POST,
        &book_path,
        None,
        Some(invitee(berlin(mon, 10))),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Incremental sync sees exactly the changes: one moved, one deleted.
    radicale
        .put(&work, "tokyo.ics", &tokyo(berlin(mon, 12)))
        .await;
    radicale.delete(&work, "offsite.ics").await;
    let (status, synced) = call(
        &app,
        Method::POST,
        &format!("/api/v1/calendar-connections/{id}/sync"),
        Some(key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{synced}");
    assert_eq!(synced["log"]["outcome"], "ok", "{synced}");
    assert_eq!(synced["log"]["mode"], "incremental", "{synced}");
    assert_eq!(synced["log"]["changed"], 1, "{synced}");
    assert_eq!(synced["log"]["deleted"], 1, "{synced}");
    let monday_slots = offered(&app, &event, mon).await;
    assert!(
        monday_slots.contains(&"10:00".to_owned()) && !monday_slots.contains(&"12:00".to_owned()),
        "{monday_slots:?}"
    );
    assert!(
        !offered(&app, &event, tue).await.is_empty(),
        "the deleted all-day event no longer blocks"
    );

    // The periodic sync (what `serve` runs on an interval) picks up a new event.
    radicale.put(&work, "late.ics", &ics(&format!(
        "BEGIN:VEVENT\r\nUID:late\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{}\r\nDURATION:PT30M\r\nEND:VEVENT\r\n",
        ical::write::utc(berlin(tue, 16))
    ))).await;
    let scope = app
        .db
        .db
        .calendar_connections()
        .system_scope(&store::Operator::local(), org.created.organization.id);
    let due = app
        .db
        .db
        .jobs()
        .run_now(
            &scope,
            services::calendar_sync::CALENDAR_SYNC_JOB,
            &format!("connection:{id}"),
        )
        .await
        .unwrap();
    assert!(due, "the connection has its sync job");
    let mut seen = false;
    for _ in 0..100 {
        if !offered(&app, &event, tue)
            .await
            .contains(&"16:00".to_owned())
        {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "the periodic sync job picked up the new event");
    // It ran once and waits for its next turn: still one job for the connection.
    let mut pending = 0;
    for _ in 0..50 {
        pending = app.db.db.jobs().count(&scope, "pending").await.unwrap();
        if pending == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pending, 1, "only the sync job is queued, due again later");

    // Another organization cannot see or change the connection.
    let other = app.organization("other").await;
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/api/v1/calendar-connections/{id}"),
        Some(&other.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/calendar-connections/{id}/calendars/{bookings_id}"),
        Some(&other.key),
        Some(json!({"blocks_availability": false, "receives_bookings": true})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bookings go to the "Bookings" calendar.
    let (status, chosen) = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/calendar-connections/{id}/calendars/{bookings_id}"),
        Some(key),
        Some(json!({"blocks_availability": false, "receives_bookings": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{chosen}");
    assert_eq!(chosen["receives_bookings"], true);
    let (status, booked) = call(
        &app,
        Method::POST,
        &book_path,
        None,
        Some(invitee(berlin(thu, 11))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let booking_id = booked["booking"]["uid"]
        .as_str()
        .or(booked["booking"]["id"].as_str())
        .unwrap()
        .to_owned();
    let resource = format!("{bookings_cal}{booking_id}.ics");
    let written = eventually(&radicale, &resource, |t| t.is_some())
        .await
        .unwrap();
    assert!(
        written.contains(&format!("UID:{booking_id}@rendezvous\r\n")),
        "{written}"
    );
    assert!(
        written.contains(&format!("DTSTART:{}", ical::write::utc(berlin(thu, 11)))),
        "{written}"
    );
    assert!(written.contains("SEQUENCE:0"), "{written}");
    assert!(written.contains("Intro call: Ines Invitee"), "{written}");

    // Someone edits the event in their calendar app: our stored ETag is now stale, so the
    // next write gets 412 and must retry after a fresh GET.
    radicale
        .put(
            &bookings_cal,
            &format!("{booking_id}.ics"),
            &written.replace("SUMMARY:", "SUMMARY:(edited) "),
        )
        .await;

    // Rescheduled: the same event (UID) moves, SEQUENCE + 1.
    let (status, moved) = call(
        &app,
        Method::POST,
        &format!("/api/v1/bookings/{booking_id}/reschedule"),
        Some(key),
        Some(json!({"start": berlin(thu, 15).to_string()})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let new_id = moved["uid"]
        .as_str()
        .or(moved["id"].as_str())
        .unwrap()
        .to_owned();
    let updated = eventually(&radicale, &resource, |t| {
        t.is_some_and(|t| t.contains("SEQUENCE:1"))
    })
    .await
    .unwrap();
    assert!(
        updated.contains(&format!("UID:{booking_id}@rendezvous\r\n")),
        "{updated}"
    );
    assert!(
        updated.contains(&format!("DTSTART:{}", ical::write::utc(berlin(thu, 15)))),
        "{updated}"
    );

    // Cancelled: removed from the calendar.
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/api/v1/bookings/{new_id}/cancel"),
        Some(key),
        Some(json!({"reason": "ill"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    eventually(&radicale, &resource, |t| t.is_none()).await;

    // The server goes away: the connection says `error`, and the busy time it had stays.
    drop(radicale);
    let (status, synced) = call(
        &app,
        Method::POST,
        &format!("/api/v1/calendar-connections/{id}/sync"),
        Some(key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{synced}");
    assert_eq!(synced["connection"]["status"], "error", "{synced}");
    assert!(
        synced["connection"]["last_error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{synced}"
    );
    assert_eq!(synced["log"]["outcome"], "error");
    assert!(
        !offered(&app, &event, mon)
            .await
            .contains(&"12:00".to_owned()),
        "kept busy time still blocks"
    );
    let (status, logs) = call(
        &app,
        Method::GET,
        &format!("/api/v1/calendar-connections/{id}/logs"),
        Some(key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let outcomes: Vec<&str> = logs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["error", "ok", "ok", "ok"], "{logs}");

    // Disconnecting frees the time.
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/calendar-connections/{id}"),
        Some(key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        offered(&app, &event, mon)
            .await
            .contains(&"12:00".to_owned())
    );
});

app_test!(
    connections_refuse_internal_addresses_and_bad_credentials,
    |app| async move {
        let org = app.organization("acme").await;
        // A literal private address is refused before any request is made.
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/calendar-connections",
            Some(&org.key),
            Some(json!({
                "kind": "caldav", "url": "http://10.9.8.7/dav/", "username": "u", "password": "p"
            })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["pointer"], "/url", "{body}");
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/calendar-connections",
            Some(&org.key),
            Some(json!({
                "kind": "caldav", "url": "ftp://example.com/", "username": "", "password": ""
            })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let pointers: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        assert_eq!(pointers, ["/url", "/username", "/password"], "{body}");
        // Wrong password against a real server.
        let radicale = Radicale::start().await;
        let (status, body) = call(&app, Method::POST, "/api/v1/calendar-connections", Some(&org.key), Some(json!({
        "kind": "caldav", "url": radicale.url, "username": radicale.username, "password": "wrong"
    }))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["pointer"], "/password", "{body}");
        let (status, list) = call(
            &app,
            Method::GET,
            "/api/v1/calendar-connections",
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list, json!([]), "nothing half written");
    }
);

/// A feed server: serves `body` with an ETag and answers 304 when it matches.
async fn feed_server(body: String) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use axum::http::{HeaderMap, header};
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    let app = axum::Router::new().route(
        "/feed.ics",
        axum::routing::get(move |headers: HeaderMap| {
            let body = body.clone();
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                if headers
                    .get(header::IF_NONE_MATCH)
                    .is_some_and(|v| v == "\"v1\"")
                {
                    return (
                        StatusCode::NOT_MODIFIED,
                        [(header::ETAG, "\"v1\"")],
                        String::new(),
                    );
                }
                (StatusCode::OK, [(header::ETAG, "\"v1\"")], body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/feed.ics"), hits)
}

app_test!(ics_feeds_in_and_out, |app| async move {
    let org = app.organization("acme").await;
    let key = org.key.as_str();
    let event = working_host(&app, key).await;
    let mon = monday();
    let (url, hits) = feed_server(ics(&format!(
        "BEGIN:VEVENT\r\nUID:feed-1\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{}\r\nDURATION:PT2H\r\nEND:VEVENT\r\n",
        ical::write::utc(berlin(mon, 13))
    ))).await;
    let (status, connection) = call(
        &app,
        Method::POST,
        "/api/v1/calendar-connections",
        Some(key),
        Some(json!({"kind": "ics", "url": url, "name": "Holidays"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{connection}");
    assert_eq!(connection["status"], "active", "{connection}");
    let slots = offered(&app, &event, mon).await;
    assert!(
        !slots.contains(&"13:00".to_owned())
            && !slots.contains(&"14:30".to_owned())
            && slots.contains(&"15:00".to_owned()),
        "{slots:?}"
    );
    // Unchanged feed: 304, nothing re-read, the busy time stays.
    let id = connection["id"].as_str().unwrap();
    let (_, synced) = call(
        &app,
        Method::POST,
        &format!("/api/v1/calendar-connections/{id}/sync"),
        Some(key),
        None,
    )
    .await;
    assert_eq!(synced["log"]["mode"], "not_modified", "{synced}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert!(
        !offered(&app, &event, mon)
            .await
            .contains(&"13:00".to_owned())
    );
    // A feed cannot receive bookings.
    let calendar = connection["calendars"][0]["id"].as_str().unwrap();
    let (status, body) = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/calendar-connections/{id}/calendars/{calendar}"),
        Some(key),
        Some(json!({"blocks_availability": true, "receives_bookings": true})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Feeds out: the secret URL lists the host's bookings, until revoked.
    let (status, booked) = call(&app, Method::POST, &format!("/api/v1/public/event-types/{event}/bookings"), None,
        Some(json!({ "start": berlin(mon, 9).to_string(), "name": "Ines Invitee", "email": "ines@example.com", "time_zone": "America/New_York" }))).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let booking_id = booked["booking"]["uid"]
        .as_str()
        .or(booked["booking"]["id"].as_str())
        .unwrap()
        .to_owned();
    let (status, feed) = call(
        &app,
        Method::POST,
        "/api/v1/me/calendar-feed",
        Some(key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{feed}");
    let path = feed["path"].as_str().unwrap().to_owned();
    let response = app.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains(&format!("UID:{booking_id}@rendezvous\r\n")),
        "{text}"
    );
    assert!(text.contains("SUMMARY:Intro call: Ines Invitee"), "{text}");
    let (status, _) = call(
        &app,
        Method::DELETE,
        "/api/v1/me/calendar-feed",
        Some(key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/v1/public/calendar-feeds/rdvf_nonsense")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    app.run_pending_jobs().await;
});

app_test!(
    queued_write_back_survives_a_worker_crash,
    |app| async move {
        // No worker runs yet: the booking's write-back waits in the queue, committed with it.
        let mut app = app;
        let radicale = Radicale::start().await;
        let bookings_cal = radicale.make_calendar("bookings", "Bookings").await;
        let org = app.organization("acme").await;
        let key = org.key.as_str();
        let event = working_host(&app, key).await;
        let thu = plus(monday(), 3);
        let (status, connection) = call(&app, Method::POST, "/api/v1/calendar-connections", Some(key), Some(json!({
            "kind": "caldav", "url": radicale.url, "username": radicale.username, "password": radicale.password
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{connection}");
        let id = connection["id"].as_str().unwrap().to_owned();
        let calendar = connection["calendars"][0]["id"].as_str().unwrap();
        // The bookings calendar both blocks and receives: our own events in it must not
        // count against the bookings they are.
        let (status, chosen) = call(
            &app,
            Method::PATCH,
            &format!("/api/v1/calendar-connections/{id}/calendars/{calendar}"),
            Some(key),
            Some(json!({"blocks_availability": true, "receives_bookings": true})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{chosen}");

        let (status, booked) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/event-types/{event}/bookings"),
            None,
            Some(
                json!({ "start": berlin(thu, 11).to_string(), "name": "Ines Invitee",
                "email": "ines@example.com", "time_zone": "America/New_York" }),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{booked}");
        let booking_id = booked["booking"]["uid"]
            .as_str()
            .or(booked["booking"]["id"].as_str())
            .unwrap()
            .to_owned();
        let resource = format!("{bookings_cal}{booking_id}.ics");
        let scope = app
            .db
            .db
            .calendar_connections()
            .system_scope(&store::Operator::local(), org.created.organization.id);

        // A worker claims the write-back and dies before doing it: its lease runs out.
        let claimed = app
            .db
            .db
            .jobs()
            .claim("crashed-worker", Duration::from_millis(300), 100)
            .await
            .unwrap();
        assert!(
            claimed
                .iter()
                .any(|j| j.kind == store::repo::jobs::CALENDAR_WRITEBACK_JOB),
            "{claimed:?}"
        );
        assert!(radicale.get(&resource).await.is_none());
        tokio::time::sleep(Duration::from_millis(400)).await;

        // A new worker starts: the write-back lands.
        app.restart_workers().await;
        let written = eventually(&radicale, &resource, |t| t.is_some())
            .await
            .unwrap();
        assert!(
            written.contains(&format!("UID:{booking_id}@rendezvous\r\n")),
            "{written}"
        );

        // Synced back, the event is busy time of the bookings calendar; moving the booking
        // frees 11:00 at once, before any sync sees the moved event.
        let (status, synced) = call(
            &app,
            Method::POST,
            &format!("/api/v1/calendar-connections/{id}/sync"),
            Some(key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{synced}");
        let (status, moved) = call(
            &app,
            Method::POST,
            &format!("/api/v1/bookings/{booking_id}/reschedule"),
            Some(key),
            Some(json!({"start": berlin(thu, 15).to_string()})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        eventually(&radicale, &resource, |t| {
            t.is_some_and(|t| t.contains("SEQUENCE:1"))
        })
        .await;
        let slots = offered(&app, &event, thu).await;
        assert!(
            slots.contains(&"11:00".to_owned()) && !slots.contains(&"15:00".to_owned()),
            "{slots:?}"
        );
        assert_eq!(
            app.db.db.jobs().count(&scope, "dead").await.unwrap(),
            0,
            "no job gave up"
        );
    }
);

app_test!(
    a_rotated_key_still_opens_and_reseals_stored_passwords,
    |app| async move {
        let radicale = Radicale::start().await;
        radicale.make_calendar("work", "Work").await;
        let org = app.organization("acme").await;
        let (status, connection) = call(&app, Method::POST, "/api/v1/calendar-connections", Some(&org.key), Some(json!({
            "kind": "caldav", "url": radicale.url, "username": radicale.username, "password": radicale.password
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{connection}");
        let id =
            domain::ids::CalendarConnectionId(connection["id"].as_str().unwrap().parse().unwrap());
        let db = &app.db.db;
        let scope = db
            .calendar_connections()
            .system_scope(&store::Operator::local(), org.created.organization.id);
        let grant = scope.grant::<store::can::ManageAvailability>().unwrap();
        let new_secret = b"the new secret key, at least thirty-two characters";

        // The server restarts with a new secret key and the old one listed as previous.
        let rotated = services::calendar_sync::CalendarContext {
            keys: app.calendars.keys.rotated_to(new_secret),
            ..app.calendars.clone()
        };
        let log = services::calendar_sync::sync_now(db, &rotated, &scope, id)
            .await
            .unwrap();
        assert_eq!(log.outcome, "ok", "{log:?}");
        let sealed = db
            .calendar_connections()
            .secret(&grant, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sealed.key_id, rotated.keys.current_id());

        // Re-sealed: the old key can go.
        let only_new = services::calendar_sync::CalendarContext {
            keys: services::credentials::Keyring::from_secret(new_secret),
            ..app.calendars.clone()
        };
        let log = services::calendar_sync::sync_now(db, &only_new, &scope, id)
            .await
            .unwrap();
        assert_eq!(log.outcome, "ok", "{log:?}");
    }
);

store::backend_test!(
    the_calendars_page_adds_syncs_and_disconnects,
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
        let host_id = app
            .member(
                &org,
                "host@acme.example",
                domain::access::Role::Member,
                password,
            )
            .await
            .id
            .0;
        let (cookie, csrf) = app.sign_in("acme", "host@acme.example", password).await;
        let post = |path: &str, fields: Vec<(&'static str, String)>| {
            app.client
                .post(app.url(path))
                .header(reqwest::header::COOKIE, &cookie)
                .form_body(&fields)
                .send()
        };

        let page = app
            .client
            .get(app.url("/dashboard/calendars"))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("No calendars connected yet."), "{html}");
        // No OAuth provider is configured here: none is offered.
        assert!(!html.contains("Connect Google"), "{html}");
        assert!(html.contains(r#"href="/dashboard/calendars" aria-current="page""#));

        // Without the session's CSRF token the form is refused.
        let (feed, _) = feed_server(ics("BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20300101T100000Z\r\nDURATION:PT1H\r\nEND:VEVENT\r\n")).await;
        let refused = post(
            "/dashboard/calendars/ics",
            vec![("csrf_token", "forged".into()), ("feed_url", feed.clone())],
        )
        .await
        .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);

        // An internal address: the error sits next to the URL field, the typed value kept.
        let invalid = post(
            "/dashboard/calendars/ics",
            vec![
                ("csrf_token", csrf.clone()),
                ("feed_url", "http://10.1.2.3/feed.ics".into()),
            ],
        )
        .await
        .unwrap();
        assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = invalid.text().await.unwrap();
        assert!(html.contains(r#"id="e-ics_url""#), "{html}");
        // The typed URL is kept in the field (HTML-escaped: `/` is `&#x2f;`).
        assert!(
            html.contains(r#"value="http:&#x2f;&#x2f;10.1.2.3&#x2f;feed.ics""#),
            "{html}"
        );

        let added = post(
            "/dashboard/calendars/ics",
            vec![
                ("csrf_token", csrf.clone()),
                ("feed_url", feed.clone()),
                ("feed_name", "Holidays".into()),
            ],
        )
        .await
        .unwrap();
        assert_eq!(added.status(), StatusCode::OK);
        let html = added.text().await.unwrap();
        assert!(html.contains("Added the feed Holidays."), "{html}");
        assert!(
            html.contains("ICS feed") && html.contains("active"),
            "{html}"
        );

        let (status, list) = call(
            &app,
            Method::GET,
            "/api/v1/calendar-connections",
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let connections = list.as_array().unwrap();
        assert_eq!(
            connections.len(),
            0,
            "the owner has none: the host's is theirs"
        );
        let (_, list) = call(
            &app,
            Method::GET,
            &format!("/api/v1/calendar-connections?user_id={host_id}"),
            Some(&org.key),
            None,
        )
        .await;
        let id = list[0]["id"].as_str().unwrap().to_owned();
        let calendar = list[0]["calendars"][0]["id"].as_str().unwrap().to_owned();

        // A feed cannot receive bookings: said next to that calendar.
        let refused = post(
            &format!("/dashboard/calendars/{id}/calendars/{calendar}"),
            vec![
                ("csrf_token", csrf.clone()),
                ("blocks_availability", "on".into()),
                ("receives_bookings", "on".into()),
            ],
        )
        .await
        .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text().await.unwrap();
        assert!(html.contains(&format!(r#"id="e-k-{calendar}""#)), "{html}");
        // Unticked: it stops blocking.
        let saved = post(
            &format!("/dashboard/calendars/{id}/calendars/{calendar}"),
            vec![("csrf_token", csrf.clone())],
        )
        .await
        .unwrap();
        assert_eq!(saved.status(), StatusCode::OK);
        let (_, list) = call(
            &app,
            Method::GET,
            &format!("/api/v1/calendar-connections?user_id={host_id}"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(
            list[0]["calendars"][0]["blocks_availability"], false,
            "{list}"
        );

        let synced = post(
            &format!("/dashboard/calendars/{id}/sync"),
            vec![("csrf_token", csrf.clone())],
        )
        .await
        .unwrap();
        assert_eq!(synced.status(), StatusCode::OK);
        assert!(synced.text().await.unwrap().contains("Synced."));

        let gone = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(app.url(&format!("/dashboard/calendars/{id}/disconnect")))
            .header(reqwest::header::COOKIE, &cookie)
            .form_body(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(gone.status(), StatusCode::SEE_OTHER);
        let (_, list) = call(
            &app,
            Method::GET,
            &format!("/api/v1/calendar-connections?user_id={host_id}"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(list, json!([]));
        app.run_pending_jobs().await;
    }
);

app_test!(
    a_feed_read_in_part_says_so_on_its_connection_page,
    |app| async move {
        let org = app.organization("acme").await;
        let password = "correct horse battery";
        let max = app
            .member(
                &org,
                "max@acme.example",
                domain::access::Role::Member,
                password,
            )
            .await;
        let (status, issued) = call(
            &app,
            Method::POST,
            "/api/v1/api-keys",
            Some(&org.key),
            Some(json!({"name": "max", "user_id": max.id})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{issued}");
        let key = issued["key"].as_str().unwrap().to_owned();
        let event = working_host(&app, &key).await;
        let mon = monday();
        // Its end before its start, as some servers write it: read swapped, blocking 13-15,
        // and named in the sync's warnings.
        let (url, _) = feed_server(ics(&format!(
            "BEGIN:VEVENT\r\nUID:backwards-1\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{}\r\nDTEND:{}\r\nEND:VEVENT\r\n",
            ical::write::utc(berlin(mon, 15)),
            ical::write::utc(berlin(mon, 13)),
        )))
        .await;
        let (status, connection) = call(
            &app,
            Method::POST,
            "/api/v1/calendar-connections",
            Some(&key),
            Some(json!({"kind": "ics", "url": url, "name": "Old server"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{connection}");
        let slots = offered(&app, &event, mon).await;
        assert!(
            !slots.contains(&"13:30".to_owned()) && slots.contains(&"15:00".to_owned()),
            "{slots:?}"
        );

        let (cookie, _) = app.sign_in("acme", "max@acme.example", password).await;
        let html = reqwest::Client::new()
            .get(app.url("/dashboard/calendars"))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("class=\"warning connection-warnings\""),
            "{html}"
        );
        assert!(html.contains("backwards-1"), "the event is named: {html}");
        app.run_pending_jobs().await;
    }
);
