//! One booking is one event in every calendar: a booking made, moved and cancelled carries
//! the same UID in the iMIP e-mails (read by the Python `icalendar` package through a real
//! SMTP server), the write-back to a real Radicale, the invitee's `.ics` download and the
//! host's ICS feed, and at each step the same SEQUENCE everywhere, higher than the step
//! before. Both backends.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use calendars::testing::Radicale;
use common::calendar_host::{BERLIN, monday, working_host};
use common::smtp_sink::SmtpSink;
use common::{TestApp, call};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A Berlin wall-clock time on `day` as an instant.
fn berlin(day: Date, hour: i8) -> jiff::Timestamp {
    day.at(hour, 0, 0, 0)
        .to_zoned(TimeZone::get(BERLIN).unwrap())
        .unwrap()
        .timestamp()
}

/// What one VEVENT says about its identity and state.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    uid: String,
    sequence: u32,
    status: String,
}

/// The VEVENTs of an iCalendar text (content lines unfolded), with their UID, SEQUENCE and
/// STATUS.
fn events(text: &str) -> Vec<Seen> {
    let unfolded = text.replace("\r\n ", "").replace("\r\n\t", "");
    let mut events = Vec::new();
    let mut current: Option<Vec<(String, String)>> = None;
    for line in unfolded.split("\r\n") {
        match line {
            "BEGIN:VEVENT" => current = Some(Vec::new()),
            "END:VEVENT" => {
                let props = current.take().unwrap();
                let get = |name: &str| {
                    props
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_else(|| panic!("no {name} in {props:?}"))
                };
                events.push(Seen {
                    uid: get("UID"),
                    sequence: get("SEQUENCE").parse().unwrap(),
                    status: get("STATUS"),
                });
            }
            _ => {
                if let (Some(props), Some((name, value))) = (current.as_mut(), line.split_once(':'))
                {
                    let name = name.split(';').next().unwrap().to_owned();
                    props.push((name, value.to_owned()));
                }
            }
        }
    }
    events
}

/// The one VEVENT of `text`.
fn the_event(text: &str) -> Seen {
    let all = events(text);
    assert_eq!(all.len(), 1, "{text}");
    all.into_iter().next().unwrap()
}

/// The invitation of the e-mails of one change (to the host and to the invitee), which must
/// agree with each other.
fn invitation(batch: &[Value]) -> (Seen, String) {
    assert_eq!(batch.len(), 2, "{batch:#?}");
    let seen: Vec<(Seen, String)> = batch
        .iter()
        .map(|m| {
            let cal = &m["calendar"];
            (
                Seen {
                    uid: cal["uid"].as_str().unwrap().to_owned(),
                    sequence: u32::try_from(cal["sequence"].as_u64().unwrap()).unwrap(),
                    status: cal["status"].as_str().unwrap().to_owned(),
                },
                cal["method"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(seen[0], seen[1], "host and invitee get the same invitation");
    seen[0].clone()
}

/// Polls Radicale until the resource at `url` satisfies `check` (write-back runs as a job).
async fn eventually(
    radicale: &Radicale,
    url: &str,
    check: impl Fn(Option<&str>) -> bool,
) -> Option<String> {
    for _ in 0..150 {
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

/// The `.ics` the invitee downloads from their manage page.
async fn download(app: &TestApp, token: &str) -> Seen {
    let response = app.get(&format!("/manage/{token}/event.ics")).await;
    assert_eq!(response.status(), StatusCode::OK);
    the_event(&response.text().await.unwrap())
}

/// The host's feed entry for `uid`.
async fn in_feed(app: &TestApp, feed: &str, uid: &str) -> Seen {
    let response = app.get(feed).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let mine: Vec<Seen> = events(&text).into_iter().filter(|e| e.uid == uid).collect();
    assert_eq!(mine.len(), 1, "one entry for {uid} in {text}");
    mine.into_iter().next().unwrap()
}

store::backend_test!(
    one_booking_has_one_uid_and_one_sequence_in_every_calendar,
    |t| async move {
        let sink = SmtpSink::start().await;
        let app = TestApp::builder().smtp(sink.port).start(t).await;
        let radicale = Radicale::start().await;
        let bookings_cal = radicale.make_calendar("bookings", "Bookings").await;
        let org = app.organization("acme").await;
        let key = org.key.as_str();
        let event = working_host(&app, key).await;
        let thu = monday().checked_add(jiff::Span::new().days(3)).unwrap();

        // The host's bookings go to Radicale; their feed is subscribed.
        let (status, connection) = call(&app, Method::POST, "/api/v1/calendar-connections", Some(key), Some(json!({
            "kind": "caldav", "url": radicale.url, "username": radicale.username, "password": radicale.password
        }))).await;
        assert_eq!(status, StatusCode::CREATED, "{connection}");
        let connection_id = connection["id"].as_str().unwrap();
        let calendar = connection["calendars"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["display_name"] == "Bookings")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, chosen) = call(
            &app,
            Method::PATCH,
            &format!("/api/v1/calendar-connections/{connection_id}/calendars/{calendar}"),
            Some(key),
            Some(json!({"blocks_availability": false, "receives_bookings": true})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{chosen}");
        let (status, feed) = call(
            &app,
            Method::POST,
            "/api/v1/me/calendar-feed",
            Some(key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{feed}");
        let feed = feed["path"].as_str().unwrap().to_owned();

        // Booked.
        let (status, booked) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/event-types/{event}/bookings"),
            None,
            Some(
                json!({ "start": berlin(thu, 11).to_string(), "name": "Ines Invitee",
                "email": "ines@example.com", "time_zone": BERLIN }),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{booked}");
        let first_id = booked["booking"]["uid"].as_str().unwrap().to_owned();
        let token = booked["manage_token"].as_str().unwrap().to_owned();
        let (mailed, method) = invitation(&sink.wait_for(2).await);
        assert_eq!(method, "REQUEST");
        let uid = mailed.uid.clone();
        let resource = format!("{bookings_cal}{first_id}.ics");
        let written = the_event(
            &eventually(&radicale, &resource, |t| t.is_some())
                .await
                .unwrap(),
        );
        let confirmed = |sequence| Seen {
            uid: uid.clone(),
            sequence,
            status: "CONFIRMED".to_owned(),
        };
        assert_eq!(mailed, confirmed(mailed.sequence));
        assert_eq!(written, mailed, "the write-back is the e-mail's event");
        assert_eq!(download(&app, &token).await, mailed);
        assert_eq!(in_feed(&app, &feed, &uid).await, mailed);

        // Moved by the invitee: a new booking row, the same event, the next SEQUENCE.
        let response = app
            .request(
                Method::POST,
                &format!("/api/v1/public/manage/{token}/reschedule"),
            )
            .json(&json!({ "start": berlin(thu, 15).to_string() }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let moved: Value = response.json().await.unwrap();
        assert_ne!(
            moved["uid"].as_str().unwrap(),
            first_id,
            "a new booking row"
        );
        let (remailed, method) = invitation(&sink.wait_for(4).await[2..]);
        assert_eq!(method, "REQUEST");
        assert_eq!(remailed, confirmed(remailed.sequence));
        assert!(
            remailed.sequence > mailed.sequence,
            "{remailed:?} after {mailed:?}"
        );
        let sequence_line = format!("SEQUENCE:{}", remailed.sequence);
        let rewritten = the_event(
            &eventually(&radicale, &resource, |t| {
                t.is_some_and(|t| t.contains(&sequence_line))
            })
            .await
            .unwrap(),
        );
        assert_eq!(rewritten, remailed, "the write-back moved the same event");
        assert_eq!(download(&app, &token).await, remailed);
        assert_eq!(in_feed(&app, &feed, &uid).await, remailed);

        // Cancelled by the invitee: CANCEL for the same UID at the next SEQUENCE; the `.ics`
        // and the feed say CANCELLED with it; the written event is removed.
        let response = app
            .request(
                Method::POST,
                &format!("/api/v1/public/manage/{token}/cancel"),
            )
            .json(&json!({ "reason": "ill" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let (cancelled, method) = invitation(&sink.wait_for(6).await[4..]);
        assert_eq!(method, "CANCEL");
        assert!(
            cancelled.sequence > remailed.sequence,
            "{cancelled:?} after {remailed:?}"
        );
        assert_eq!(
            cancelled,
            Seen {
                uid: uid.clone(),
                sequence: cancelled.sequence,
                status: "CANCELLED".to_owned(),
            }
        );
        assert_eq!(download(&app, &token).await, cancelled);
        assert_eq!(in_feed(&app, &feed, &uid).await, cancelled);
        eventually(&radicale, &resource, |t| t.is_none()).await;

        app.run_pending_jobs().await;
        app.shutdown().await;
    }
);
