//! Issue 7's speed budget: an incremental sync of a calendar holding 5,000 events of which 10
//! changed takes under 200 ms of our own work: reading the 10 changed iCalendar objects,
//! expanding them over the sync horizon, and storing the result (replacing those resources'
//! busy periods, writing the log row and the new token) in one transaction next to the 4,990
//! unchanged events' rows. The network round trip to the CalDAV server is not ours.
//!
//! `cargo bench -p rendezvous-services --bench calendar_sync` (SQLite in a temporary file);
//! figures go to docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used)]

use divan::Bencher;
use domain::calendars::{CalendarSync, NewCalendar, SyncReport};
use domain::ids::{CalendarConnectionId, CalendarId, Timestamp};
use store::repo::calendars::NewConnection;
use store::{Granted, can};

fn main() {
    divan::main();
}

const EVENTS: usize = 5_000;
const CHANGED: usize = 10;

/// An event a week-ish ahead, one in seven of them weekly recurring.
fn event(i: usize, shift_minutes: i64) -> String {
    let start = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_mins(
            60 * (i as i64 % 2000) + shift_minutes,
        ))
        .unwrap();
    let rule = if i.is_multiple_of(7) {
        "RRULE:FREQ=WEEKLY;COUNT=20\r\n"
    } else {
        ""
    };
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:event-{i}@bench\r\n\
         DTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/Berlin:{}\r\nDURATION:PT45M\r\n{rule}\
         SUMMARY:Event {i}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        start
            .to_zoned(jiff::tz::TimeZone::get("Europe/Berlin").unwrap())
            .strftime("%Y%m%dT%H%M%S")
    )
}

/// What the sync does with each changed resource: expand it over the horizon.
fn periods(text: &str) -> Vec<(Timestamp, Timestamp)> {
    let now = jiff::Timestamp::now();
    let until = now
        .checked_add(jiff::SignedDuration::from_hours(24 * 365))
        .unwrap();
    let zone = jiff::tz::TimeZone::get("America/New_York").unwrap();
    ical::busy_times(text, now, until, &zone)
        .busy
        .into_iter()
        .map(|b| (b.start.into(), b.end.into()))
        .collect()
}

fn report() -> SyncReport {
    SyncReport {
        started_at: Timestamp::now(),
        mode: "incremental".into(),
        changed: CHANGED as i32,
        deleted: 0,
        detail: String::new(),
    }
}

struct Fixture {
    _db: store::testing::TestDb,
    db: store::Db,
    grant: Granted<can::ManageAvailability>,
    connection: CalendarConnectionId,
    calendar: CalendarId,
}

async fn fixture() -> Fixture {
    let test_db = store::testing::TestDb::sqlite().await;
    let db = test_db.db.clone();
    let created = rendezvous_services::organizations::create(
        &db,
        &store::Operator::local(),
        rendezvous_services::organizations::CreateOrganization {
            slug: "bench".into(),
            name: "Bench".into(),
            owner_email: "owner@bench.example".into(),
            owner_name: "Owner".into(),
            owner_time_zone: "America/New_York".into(),
        },
    )
    .await
    .unwrap();
    let scope = db
        .api_keys()
        .authenticate(created.api_key.token.expose())
        .await
        .unwrap()
        .unwrap();
    let grant = scope.grant::<can::ManageAvailability>().unwrap();
    let new = NewConnection {
        user_id: created.owner.id,
        kind: "caldav".into(),
        name: "bench".into(),
        url: "https://caldav.example/".into(),
        username: "u".into(),
        secret: None,
    };
    let calendar = NewCalendar {
        url: "https://caldav.example/cal/".into(),
        display_name: "Work".into(),
        color: None,
        blocks_availability: true,
        receives_bookings: false,
    };
    let mut unit = db.begin_unit(scope.organization_id()).await.unwrap();
    let (connection, calendars) = unit
        .calendars()
        .create(&grant, new, vec![calendar])
        .await
        .unwrap();
    unit.commit().await.unwrap();
    let calendar = calendars[0].id;
    let everything = CalendarSync {
        calendar_id: calendar,
        replace_all: true,
        changed: (0..EVENTS)
            .map(|i| {
                (
                    format!("https://caldav.example/cal/{i}.ics"),
                    periods(&event(i, 0)),
                )
            })
            .collect(),
        sync_token: Some("token-0".into()),
        update_validators: true,
        ..CalendarSync::default()
    };
    db.calendar_connections()
        .record_sync(&grant, connection.id, vec![everything], report())
        .await
        .unwrap();
    Fixture {
        _db: test_db,
        db,
        grant,
        connection: connection.id,
        calendar,
    }
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn incremental_sync_5000_events_10_changed(bencher: Bencher) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let f = runtime.block_on(fixture());
    let mut round = 0_i64;
    bencher.bench_local(|| {
        round += 1;
        // The changed resources as the server returns them: text to read and expand.
        let texts: Vec<(String, String)> = (0..CHANGED)
            .map(|k| {
                let i = k * (EVENTS / CHANGED);
                (
                    format!("https://caldav.example/cal/{i}.ics"),
                    event(i, round * 15),
                )
            })
            .collect();
        let sync = CalendarSync {
            calendar_id: f.calendar,
            changed: texts
                .iter()
                .map(|(url, text)| (url.clone(), periods(text)))
                .collect(),
            sync_token: Some(format!("token-{round}")),
            update_validators: true,
            ..CalendarSync::default()
        };
        runtime
            .block_on(f.db.calendar_connections().record_sync(
                &f.grant,
                f.connection,
                vec![sync],
                report(),
            ))
            .unwrap();
    });
}
