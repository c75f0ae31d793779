//! The calendar identity migration (`20261210000010_calendar_identity`) on bookings made
//! before it: each booking's calendar root is the first of its chain of reschedules, and its
//! SEQUENCE the highest one a channel already sent (the e-mails' counter for the root's UID,
//! the write-back's for the booking), so no calendar sees it go back. Write-back rows keep
//! the UID they were written with. Both backends.
#![allow(clippy::unwrap_used)]

use domain::access::Actor;
use domain::bookings::{BookingStatus, NewAttendee, NewBooking};
use domain::calendars::{NewCalendar, Writeback};
use domain::event_types::{BookingWindow, EventTypeFields};
use domain::ids::{BookingId, OrganizationId, Timestamp};
use domain::organizations::NewOrganization;
use rendezvous_store::repo::calendars::NewConnection;
use rendezvous_store::{Bookable, CrossTenant, Db, Error, backend_test, can, with_pool};

const SQLITE: &str = include_str!("../migrations/sqlite/20261210000010_calendar_identity.sql");
const POSTGRES: &str = include_str!("../migrations/postgres/20261210000010_calendar_identity.sql");

/// The schema before the migration: `bookings` without the identity, and the e-mails'
/// counter table as `20261126000002_email` made it.
const BEFORE_SQLITE: &str = "ALTER TABLE bookings DROP COLUMN calendar_root_id; \
    ALTER TABLE bookings DROP COLUMN calendar_sequence; \
    CREATE TABLE calendar_sequences (organization_id BLOB NOT NULL REFERENCES organizations (id) \
    ON DELETE CASCADE, uid TEXT NOT NULL, sequence INTEGER NOT NULL, \
    PRIMARY KEY (organization_id, uid)) STRICT;";
const BEFORE_POSTGRES: &str = "ALTER TABLE bookings DROP COLUMN calendar_root_id, \
    DROP COLUMN calendar_sequence; \
    CREATE TABLE calendar_sequences (organization_id UUID NOT NULL REFERENCES organizations (id) \
    ON DELETE CASCADE, uid TEXT NOT NULL, sequence INTEGER NOT NULL, \
    PRIMARY KEY (organization_id, uid));";

/// Runs `sql` (several statements) across tenants, as `Db::migrate` does.
async fn run(db: &Db, sqlite: &str, postgres: &str) -> Result<(), Error> {
    let sql = match db {
        // A pooled SQLite connection checks `ALTER TABLE` against the schema it last read,
        // which another connection may have changed since: a read first brings it up to date.
        Db::Sqlite(_) => format!("SELECT 1 FROM sqlite_master LIMIT 1; {sqlite}"),
        Db::Postgres(_) => postgres.to_owned(),
    };
    with_pool!(db, CrossTenant::Operator, pool => {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
    });
    Ok(())
}

fn at(hour: i8) -> Timestamp {
    Timestamp::from(
        jiff::civil::date(2031, 3, 3)
            .at(hour, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp(),
    )
}

fn confirmed(hour: i8, rescheduled_from: Option<BookingId>) -> NewBooking {
    NewBooking {
        start_at: at(hour),
        end_at: at(hour + 1),
        status: BookingStatus::Confirmed,
        location: serde_json::Value::Null,
        rescheduled_from,
        calendar_root: None,
        calendar_sequence: 0,
        hosts: Vec::new(),
    }
}

fn attendee() -> NewAttendee {
    NewAttendee {
        name: "Ines".into(),
        email: "ines@example.com".into(),
        time_zone: "UTC".into(),
        answers: Default::default(),
        notes: String::new(),
        utm: Default::default(),
    }
}

/// Books `new` alone, or as the move of `from`, the way bookings were made before.
async fn book(db: &Db, bookable: &Bookable, new: NewBooking) -> BookingId {
    let mut tx = db.bookings().begin(bookable).await.unwrap();
    let booking = match new.rescheduled_from {
        None => {
            tx.insert(bookable, Actor::Invitee, new, attendee())
                .await
                .unwrap()
                .0
        }
        Some(from) => {
            let old = tx
                .transition(Actor::Invitee, from, BookingStatus::Rescheduled, None, None)
                .await
                .unwrap();
            tx.move_to(bookable, Actor::Invitee, &old, new)
                .await
                .unwrap()
        }
    };
    tx.commit().await.unwrap();
    booking.id
}

backend_test!(
    bookings_made_before_keep_their_uid_and_never_go_back_a_sequence,
    |t| async move {
        let created = rendezvous_store::testing::organization(
            &t.db,
            NewOrganization {
                slug: "acme".into(),
                name: "Acme".into(),
                owner_email: "owner@acme.example".into(),
                owner_name: "Olive Owner".into(),
                owner_time_zone: "UTC".into(),
            },
        )
        .await
        .unwrap();
        let org: OrganizationId = created.organization.id;
        let scope =
            t.db.api_keys()
                .authenticate(created.api_key.token.expose())
                .await
                .unwrap()
                .unwrap();
        let event =
            t.db.event_types()
                .create(
                    &scope.grant::<can::ManageEventTypes>().unwrap(),
                    created.owner.id,
                    EventTypeFields {
                        slug: "intro".into(),
                        title: "Intro".into(),
                        description: String::new(),
                        duration_minutes: 60,
                        duration_options: vec![],
                        interval_minutes: None,
                        buffer_before_minutes: 0,
                        buffer_after_minutes: 0,
                        minimum_notice_minutes: 0,
                        booking_window: BookingWindow::Unlimited,
                        max_per_day: None,
                        max_per_week: None,
                        seats: 1,
                        requires_confirmation: false,
                        hidden: false,
                        locations: vec![],
                        questions: vec![],
                        schedule_id: None,
                    },
                )
                .await
                .unwrap();
        let bookable = t.db.event_types().bookable(&scope, event.id).await.unwrap();

        // A moved twice (A, B, C); D and E never moved.
        let a = book(&t.db, &bookable, confirmed(9, None)).await;
        let b = book(&t.db, &bookable, confirmed(11, Some(a))).await;
        let c = book(&t.db, &bookable, confirmed(13, Some(b))).await;
        let d = book(&t.db, &bookable, confirmed(15, None)).await;
        let e = book(&t.db, &bookable, confirmed(17, None)).await;
        // C was written to the host's calendar under its bare id, at SEQUENCE 3.
        let mut unit = t.db.begin_unit(org).await.unwrap();
        let (_, calendars) = unit
            .calendars()
            .create(
                &scope.grant::<can::ManageAvailability>().unwrap(),
                NewConnection {
                    user_id: created.owner.id,
                    kind: "caldav".into(),
                    name: "Work".into(),
                    url: "https://dav.example/".into(),
                    username: "olive".into(),
                    secret: None,
                },
                vec![NewCalendar {
                    url: "https://dav.example/bookings/".into(),
                    display_name: "Bookings".into(),
                    color: None,
                    blocks_availability: false,
                    receives_bookings: true,
                }],
            )
            .await
            .unwrap();
        unit.commit().await.unwrap();
        let written = Writeback {
            booking_id: c,
            calendar_id: calendars[0].id,
            uid: a.to_string(),
            resource: format!("https://dav.example/bookings/{a}.ics"),
            etag: Some("\"1\"".into()),
            sequence: 3,
        };
        t.db.calendar_connections()
            .save_writeback(
                &scope.grant::<can::ManageBookings>().unwrap(),
                &written,
                None,
            )
            .await
            .unwrap();

        // The schema as it was, with the e-mails' counters: A's chain sent SEQUENCE 2 (two
        // moves), E's 1 (a confirmation); D's e-mail never went.
        run(&t.db, BEFORE_SQLITE, BEFORE_POSTGRES).await.unwrap();
        let counters = format!(
            "INSERT INTO calendar_sequences (organization_id, uid, sequence) VALUES \
             ({org}, '{a}@rendezvous', 2), ({org}, '{e}@rendezvous', 1)",
            org = match &t.db {
                Db::Sqlite(_) => format!("X'{}'", org.0.simple()),
                Db::Postgres(_) => format!("'{org}'"),
            },
        );
        run(&t.db, &counters, &counters).await.unwrap();

        run(&t.db, SQLITE, POSTGRES).await.unwrap();

        for (id, root, sequence) in [(a, a, 2), (b, a, 2), (c, a, 3), (d, d, 0), (e, e, 1)] {
            let (booking, _) = t.db.bookings().get(&scope, id).await.unwrap();
            assert_eq!(
                (booking.calendar_root, booking.calendar_sequence),
                (root, sequence),
                "{id}: C's write-back had gone further than the e-mails"
            );
        }
        let kept =
            t.db.calendar_connections()
                .writeback(&scope, c)
                .await
                .unwrap()
                .unwrap();
        assert_eq!(kept, written, "the written event keeps its UID");
        assert!(
            run(
                &t.db,
                "SELECT 1 FROM calendar_sequences",
                "SELECT 1 FROM calendar_sequences"
            )
            .await
            .is_err(),
            "the e-mails' own counter is gone"
        );

        // The next change counts on from there.
        let mut tx = t.db.bookings().begin(&bookable).await.unwrap();
        assert_eq!(tx.raise_calendar_sequence(c).await.unwrap(), 4);
        tx.commit().await.unwrap();
    }
);
