//! The rules a host's booking changes obey, asked of services without HTTP, on both
//! backends: a no-show only once the booking has started, a cancellation only before, and
//! only `bookings.read_all` sees everyone's bookings. The API and the dashboard both ask
//! these, so what one refuses the other never offers.
#![allow(clippy::unwrap_used)]

use domain::access::Actor;
use domain::bookings::{Booking, BookingFilter, BookingStatus, NewAttendee, NewBooking};
use domain::event_types::{BookingWindow, EventTypeFields};
use domain::ids::{BookingId, Timestamp, UserId};
use rendezvous_services::booking_actions::{HostAction, actions_for};
use rendezvous_services::{ServiceError, bookings};
use store::{backend_test, can};

mod common;

use common::scope_of;
use common::{Org, org};

fn fields(slug: &str) -> EventTypeFields {
    EventTypeFields {
        slug: slug.into(),
        title: slug.into(),
        description: String::new(),
        duration_minutes: 30,
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
    }
}

fn hours_from_now(hours: i64) -> Timestamp {
    Timestamp::now().plus(jiff::SignedDuration::from_hours(hours))
}

/// A confirmed 30-minute booking of `host`'s event type `slug` at `start`, written straight
/// to the store (the engine would refuse a start in the past).
async fn booking(org: &Org, host: UserId, slug: &str, start: Timestamp) -> Booking {
    let grant = org.owner.grant::<can::ManageEventTypes>().unwrap();
    let event = org
        .db
        .event_types()
        .create(&grant, host, fields(slug))
        .await
        .unwrap();
    let bookable = org
        .db
        .event_types()
        .bookable(&org.owner, event.id)
        .await
        .unwrap();
    let mut tx = org.db.bookings().begin(&bookable).await.unwrap();
    let (booking, _, _) = tx
        .insert(
            &bookable,
            Actor::Invitee,
            NewBooking {
                start_at: start,
                end_at: start.plus(jiff::SignedDuration::from_mins(30)),
                status: BookingStatus::Confirmed,
                location: serde_json::Value::Null,
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
    booking
}

async fn change(org: &Org, id: BookingId, next: BookingStatus) -> Result<Booking, ServiceError> {
    bookings::transition(&org.db, &org.owner, id, next, None).await
}

fn refused_on_status(result: Result<Booking, ServiceError>, code: &str) {
    match result {
        Err(ServiceError::Validation(fields)) => {
            assert_eq!(fields.len(), 1, "{fields:?}");
            assert_eq!(fields[0].pointer, "/status");
            assert_eq!(fields[0].code, code);
        }
        other => panic!("expected a refusal on /status ({code}), got {other:?}"),
    }
}

backend_test!(
    a_no_show_is_marked_only_once_the_booking_has_started,
    |t| async move {
        let org = org(&t.db).await;
        let ahead = booking(&org, org.owner_id, "ahead", hours_from_now(2)).await;
        let started = booking(&org, org.owner_id, "started", hours_from_now(-2)).await;
        let now = Timestamp::now();
        assert!(!actions_for(&ahead, now).contains(&HostAction::NoShow));
        assert_eq!(actions_for(&started, now), vec![HostAction::NoShow]);

        refused_on_status(
            change(&org, ahead.id, BookingStatus::NoShow).await,
            "not_started",
        );
        let marked = change(&org, started.id, BookingStatus::NoShow)
            .await
            .unwrap();
        assert_eq!(marked.status, BookingStatus::NoShow);
    }
);

backend_test!(
    a_booking_is_cancelled_only_before_it_starts,
    |t| async move {
        let org = org(&t.db).await;
        let ahead = booking(&org, org.owner_id, "ahead", hours_from_now(2)).await;
        let started = booking(&org, org.owner_id, "started", hours_from_now(-2)).await;
        let now = Timestamp::now();
        assert_eq!(
            actions_for(&ahead, now),
            vec![HostAction::Reschedule, HostAction::Cancel]
        );
        assert!(!actions_for(&started, now).contains(&HostAction::Cancel));

        refused_on_status(
            change(&org, started.id, BookingStatus::Cancelled).await,
            "started",
        );
        let cancelled = change(&org, ahead.id, BookingStatus::Cancelled)
            .await
            .unwrap();
        assert_eq!(cancelled.status, BookingStatus::Cancelled);
        // A final state is refused for its status, whatever the time.
        let again = change(&org, ahead.id, BookingStatus::NoShow).await;
        assert!(
            matches!(again, Err(ServiceError::InvalidTransition { .. })),
            "{again:?}"
        );
    }
);

backend_test!(
    only_bookings_read_all_sees_everyones_bookings,
    |t| async move {
        let org = org(&t.db).await;
        let users = org.owner.grant::<can::ManageUsers>().unwrap();
        let (colleague, _) = rendezvous_services::accounts::send_invitation(
            &org.db,
            &users,
            domain::users::NewInvite {
                email: "max@acme.example".into(),
                name: "Max".into(),
                role: domain::access::Role::Member,
                custom_role_id: None,
                time_zone: "UTC".into(),
                valid_for: jiff::SignedDuration::from_hours(1),
            },
            &rendezvous_services::credentials::Keyring::ephemeral(),
        )
        .await
        .unwrap();
        let own = booking(&org, org.owner_id, "own", hours_from_now(2)).await;
        let theirs = booking(&org, colleague.id, "theirs", hours_from_now(3)).await;
        // The owner's key, narrowed to reading and managing bookings: no `bookings.read_all`.
        let narrowed = rendezvous_services::api_keys::issue_limited(
            &org.db,
            &org.owner,
            None,
            "bookings only",
            Some(&["bookings.read".to_owned(), "bookings.manage".to_owned()]),
            None,
        )
        .await
        .unwrap();
        let narrowed = scope_of(&org.db, narrowed.token.expose()).await;

        assert!(bookings::reads_everyone(&org.owner));
        assert!(!bookings::reads_everyone(&narrowed));
        let filter = BookingFilter {
            status: None,
            from: None,
            until: None,
            event_type_id: None,
            attendee_email: None,
            host_user_id: None,
            after: None,
            limit: 50,
            newest_first: false,
        };
        let ids = |list: Vec<Booking>| list.into_iter().map(|b| b.id).collect::<Vec<_>>();
        let everyone = bookings::list(&org.db, &org.owner, filter.clone())
            .await
            .unwrap();
        assert_eq!(ids(everyone), vec![own.id, theirs.id]);
        let hosted = bookings::list(&org.db, &narrowed, filter).await.unwrap();
        assert_eq!(ids(hosted), vec![own.id]);
        let hidden = bookings::get(&org.db, &narrowed, theirs.id).await;
        assert!(
            matches!(hidden, Err(ServiceError::NotFound(_))),
            "{hidden:?}"
        );
    }
);
