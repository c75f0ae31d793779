//! The facts a booking is checked against, read and assembled by services from store's
//! handles, on both backends: whose hours apply (the event type's own schedule for its owner
//! hosting alone, the default schedules of a team's hosts) and what a booking records with
//! it (the host's contact with the attendee).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use domain::event_types::{BookingWindow, EventTypeFields};
use domain::ids::{ScheduleId, Timestamp, UserId};
use domain::team_event_types::{HostSettings, Strategy, TeamKind, TeamSettings};
use domain::teams::TeamRole;
use rendezvous_services::availability::{SlotQuery, slots};
use rendezvous_services::bookings::{BookInput, book, public_bookable};
use rendezvous_services::credentials::Keyring;
use rendezvous_services::event_types::EventTypeInput;
use rendezvous_services::schedules::ScheduleInput;
use rendezvous_services::{contacts, event_types, schedules, team_event_types, teams};
use store::{backend_test, can};

mod common;

use common::{Org, org};

async fn colleague(org: &Org) -> UserId {
    let grant = org.owner.grant::<can::ManageUsers>().unwrap();
    let (user, _) = rendezvous_services::accounts::send_invitation(
        &org.db,
        &grant,
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
    user.id
}

/// A schedule of `user`: Mondays `from`-`until` UTC.
async fn mondays(org: &Org, user: UserId, from: &str, until: &str, default: bool) -> ScheduleId {
    let weekly = BTreeMap::from([("mon".to_owned(), vec![[from.to_owned(), until.to_owned()]])]);
    schedules::create(
        &org.db,
        &org.owner,
        ScheduleInput {
            user_id: Some(user),
            name: format!("{from}-{until}"),
            time_zone: "UTC".into(),
            weekly,
            overrides: BTreeMap::new(),
            is_default: default,
        },
    )
    .await
    .unwrap()
    .id
}

fn fields(slug: &str, schedule_id: Option<ScheduleId>) -> EventTypeFields {
    EventTypeFields {
        slug: slug.into(),
        title: slug.into(),
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
        schedule_id,
    }
}

/// Monday of the week after next, UTC: always ahead.
fn next_monday() -> jiff::civil::Date {
    let mut day = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::UTC)
        .date()
        .checked_add(jiff::Span::new().days(8))
        .unwrap();
    while day.weekday() != jiff::civil::Weekday::Monday {
        day = day.tomorrow().unwrap();
    }
    day
}

fn at(day: jiff::civil::Date, hour: i8) -> Timestamp {
    Timestamp::from(
        day.at(hour, 0, 0, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp(),
    )
}

/// The hours (UTC) of the starts offered on `day`.
async fn offered_hours(
    org: &Org,
    event: domain::ids::EventTypeId,
    day: jiff::civil::Date,
) -> Vec<i8> {
    let bookable = public_bookable(&org.db, event).await.unwrap();
    let days = slots(
        &org.db,
        &bookable,
        SlotQuery {
            from: at(day, 0),
            until: at(day.tomorrow().unwrap(), 0),
            time_zone: "UTC".into(),
            duration_minutes: None,
            routing_submission: None,
        },
    )
    .await
    .unwrap();
    days.iter()
        .flat_map(|d| &d.slots)
        .map(|s| s.start.to_jiff().to_zoned(jiff::tz::TimeZone::UTC).hour())
        .collect()
}

fn invitee(start: Timestamp) -> BookInput {
    BookInput {
        start,
        duration_minutes: None,
        name: "Ines Invitee".into(),
        email: "Ines@Example.com".into(),
        time_zone: "Europe/Berlin".into(),
        answers: BTreeMap::new(),
        notes: String::new(),
        utm: BTreeMap::new(),
        idempotency_key: None,
        location: None,
        client_ip: None,
    }
}

backend_test!(
    the_event_types_schedule_is_its_owners_alone,
    |t| async move {
        let org = org(&t.db).await;
        let max = colleague(&org).await;
        mondays(&org, org.owner_id, "09:00", "17:00", true).await;
        let mornings = mondays(&org, org.owner_id, "09:00", "11:00", false).await;
        mondays(&org, max, "13:00", "15:00", true).await;
        let day = next_monday();

        // Hosting alone, the owner is booked in the event type's own hours.
        let solo = event_types::create(
            &org.db,
            &org.owner,
            EventTypeInput {
                owner_user_id: None,
                fields: fields("solo", Some(mornings)),
                defaulted: vec![],
            },
        )
        .await
        .unwrap();
        assert_eq!(offered_hours(&org, solo.id, day).await, vec![9, 10]);

        // A team's hosts are booked in their default hours, the owner among them.
        let team_event = event_types::create(
            &org.db,
            &org.owner,
            EventTypeInput {
                owner_user_id: None,
                fields: fields("together", Some(mornings)),
                defaulted: vec![],
            },
        )
        .await
        .unwrap();
        let team = teams::create(&org.db, &org.owner, "sales", "Sales")
            .await
            .unwrap();
        for user in [org.owner_id, max] {
            teams::put_member(&org.db, &org.owner, team.id, user, TeamRole::Member)
                .await
                .unwrap();
        }
        let host = |user_id| HostSettings {
            user_id,
            fixed: false,
            weight: 1,
            priority: 0,
            max_per_day: None,
            max_per_week: None,
        };
        team_event_types::set(
            &org.db,
            &org.owner,
            team_event.id,
            TeamSettings {
                team_id: team.id,
                kind: TeamKind::Collective,
                strategy: Strategy::LeastRecent,
                hosts_per_booking: 1,
                max_lead: 1,
                hosts: vec![host(org.owner_id), host(max)],
            },
        )
        .await
        .unwrap();
        // 09:00-17:00 (the owner's default) meets 13:00-15:00 (Max's); the event type's
        // 09:00-11:00 plays no part.
        assert_eq!(offered_hours(&org, team_event.id, day).await, vec![13, 14]);
    }
);

backend_test!(every_booking_counts_for_the_hosts_contact, |t| async move {
    let org = org(&t.db).await;
    mondays(&org, org.owner_id, "09:00", "17:00", true).await;
    let event = event_types::create(
        &org.db,
        &org.owner,
        EventTypeInput {
            owner_user_id: None,
            fields: fields("intro", None),
            defaulted: vec![],
        },
    )
    .await
    .unwrap();
    let bookable = public_bookable(&org.db, event.id).await.unwrap();
    let keys = Keyring::ephemeral();
    let day = next_monday();
    let first = book(&org.db, &keys, &bookable, invitee(at(day, 9)))
        .await
        .unwrap();
    book(&org.db, &keys, &bookable, invitee(at(day, 11)))
        .await
        .unwrap();

    let known = contacts::list(&org.db, &org.owner, Some(org.owner_id), 50)
        .await
        .unwrap();
    assert_eq!(known.len(), 1, "{known:?}");
    let contact = &known[0];
    assert_eq!(contact.email, "ines@example.com");
    assert_eq!(contact.name, "Ines Invitee");
    assert_eq!(contact.time_zone, "Europe/Berlin");
    assert_eq!(contact.total_bookings, 2);
    assert_eq!(contact.last_booking_at, at(day, 11));
    assert_eq!(first.booking.host_user_id, org.owner_id);
});
