//! Backend conformance: every repository behaves the same on SQLite and PostgreSQL.
//! Each test runs once per backend (see `backend_test!`), each on its own database.
#![allow(clippy::unwrap_used)]

use domain::access::{Actor, Role};
use domain::ids::{ApiKeyId, Timestamp};
use domain::organizations::{NewOrganization, OrganizationChanges};
use domain::refusals::{Conflict, UniqueField};
use rendezvous_store::backend_test;
use rendezvous_store::{Db, Error, Operator};

fn acme(slug: &str) -> NewOrganization {
    NewOrganization {
        slug: slug.to_owned(),
        name: "Acme Clinic".to_owned(),
        owner_email: "Owner@Example.com".to_owned(),
        owner_name: "Olive Owner".to_owned(),
        owner_time_zone: "Europe/Berlin".to_owned(),
    }
}

async fn create(db: &Db, slug: &str) -> rendezvous_store::testing::TestOrganization {
    rendezvous_store::testing::organization(db, acme(slug))
        .await
        .unwrap()
}

backend_test!(migrating_twice_is_a_no_op, |t| async move {
    t.db.migrate().await.unwrap();
    t.db.ping().await.unwrap();
});

backend_test!(slugs_are_unique, |t| async move {
    create(&t.db, "acme").await;
    let again = rendezvous_store::testing::organization(&t.db, acme("acme")).await;
    assert!(
        matches!(
            again,
            Err(Error::Conflict(Conflict::ValueTaken(UniqueField::Slug)))
        ),
        "{again:?}"
    );
});

backend_test!(the_same_email_may_join_two_organizations, |t| async move {
    let a = create(&t.db, "a").await;
    let b = create(&t.db, "b").await;
    assert_eq!(a.owner.email, b.owner.email);
    assert_ne!(a.owner.id, b.owner.id);
});

backend_test!(organizations_are_listed_by_slug, |t| async move {
    create(&t.db, "zeta").await;
    create(&t.db, "alpha").await;
    let slugs: Vec<String> =
        t.db.organizations()
            .list(&Operator::local())
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.slug)
            .collect();
    assert_eq!(slugs, ["alpha", "zeta"]);
});

backend_test!(a_scope_sees_only_its_own_organization, |t| async move {
    let a = create(&t.db, "a").await;
    let b = create(&t.db, "b").await;
    let scope_a =
        t.db.api_keys()
            .authenticate(a.api_key.token.expose())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(t.db.organizations().get(&scope_a).await.unwrap().slug, "a");
    let other_user = t.db.users().get(&scope_a, b.owner.id).await;
    assert!(matches!(other_user, Err(Error::NotFound("user"))));
    let other_key =
        t.db.api_keys()
            .revoke(&scope_a.admin().unwrap(), b.api_key.id)
            .await;
    assert!(matches!(other_key, Err(Error::NotFound("api key"))));
    // b's key still works: a could not touch it.
    assert!(
        t.db.api_keys()
            .authenticate(b.api_key.token.expose())
            .await
            .unwrap()
            .is_some()
    );
});

backend_test!(
    wrong_unknown_and_revoked_keys_do_not_authenticate,
    |t| async move {
        let created = create(&t.db, "acme").await;
        let keys = t.db.api_keys();
        let token = created.api_key.token.expose().to_owned();

        assert!(keys.authenticate("").await.unwrap().is_none());
        assert!(keys.authenticate("rdv_nonsense").await.unwrap().is_none());
        // Same ids, different secret.
        let mut forged = token.clone();
        let last = forged.pop().unwrap();
        forged.push(if last == 'A' { 'B' } else { 'A' });
        assert!(keys.authenticate(&forged).await.unwrap().is_none());

        let scope = keys.authenticate(&token).await.unwrap().unwrap();
        let admin = scope.admin().expect("owners may manage keys");
        let second = keys.issue(&admin, created.owner.id, "ci").await.unwrap();
        keys.revoke(&admin, created.api_key.id).await.unwrap();
        keys.revoke(&admin, created.api_key.id).await.unwrap();
        assert!(keys.authenticate(&token).await.unwrap().is_none());
        assert!(
            keys.authenticate(second.token.expose())
                .await
                .unwrap()
                .is_some()
        );

        let listed = keys.list(&scope).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed[0].revoked_at.is_some());
        assert_eq!(listed[1].name, "ci");
        let missing = keys.revoke(&admin, ApiKeyId::new()).await;
        assert!(matches!(missing, Err(Error::NotFound("api key"))));
    }
);

backend_test!(
    updates_are_audited_with_old_and_new_values,
    |t| async move {
        let created = create(&t.db, "acme").await;
        let scope =
            t.db.organizations()
                .operator_scope(&Operator::local(), "acme")
                .await
                .unwrap();
        let updated =
            t.db.organizations()
                .update(
                    &scope.admin().unwrap(),
                    OrganizationChanges {
                        name: Some("Acme Health".to_owned()),
                        ..OrganizationChanges::default()
                    },
                )
                .await
                .unwrap();
        assert_eq!(updated.name, "Acme Health");
        assert!(updated.updated_at >= created.organization.updated_at);

        let log = t.db.audit().recent(&scope, 10).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["organization.updated", "organization.created"]);
        assert_eq!(log[0].actor_type, "operator");
        assert_eq!(
            log[0].old_values,
            Some(serde_json::json!({ "name": "Acme Clinic" }))
        );
        assert_eq!(
            log[0].new_values,
            Some(serde_json::json!({ "name": "Acme Health" }))
        );
    }
);

backend_test!(
    instants_round_trip_at_millisecond_precision,
    |t| async move {
        // Written through the bridge, read back through it: identical on both backends,
        // including before 1970 and before PostgreSQL's 2000 epoch.
        let samples = [-86_400_000_i64, 0, 946_684_799_999, 1_700_000_000_123];
        for ms in samples {
            let ts = Timestamp::from_millisecond(ms).unwrap();
            let back: (Timestamp,) = match &t.db {
                Db::Sqlite(db) => sqlx::query_as("SELECT $1")
                    .bind(ts)
                    .fetch_one(&**db)
                    .await
                    .unwrap(),
                Db::Postgres(pool) => sqlx::query_as("SELECT $1::timestamptz")
                    .bind(ts)
                    .fetch_one(pool)
                    .await
                    .unwrap(),
            };
            assert_eq!(back.0, ts);
        }
    }
);

backend_test!(concurrent_writers_do_not_fail, |t| async move {
    // SQLite serializes writers with BEGIN IMMEDIATE + busy timeout; none may see SQLITE_BUSY.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            rendezvous_store::testing::organization(&db, acme(&format!("org-{i}")))
                .await
                .map(|_| ())
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let count =
        t.db.organizations()
            .list(&Operator::local())
            .await
            .unwrap()
            .len();
    assert_eq!(count, 8);
});

backend_test!(
    job_idempotency_keys_are_unique_per_organization,
    |t| async move {
        // The jobs crate will own this table; here the shared schema is checked on both
        // backends with one SQL text, through the same bridges the repositories use.
        use rendezvous_store::types::{JobId, OrganizationId};
        use sqlx::types::Json;

        const INSERT: &str = "INSERT INTO jobs (organization_id, id, kind, payload, run_at, \
        idempotency_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $5, $5)";
        async fn insert(db: &Db, org: OrganizationId, key: &str) -> Result<(), sqlx::Error> {
            let now = Timestamp::now();
            rendezvous_store::with_pool!(db, org, pool => {
                sqlx::query(INSERT)
                    .bind(org)
                    .bind(JobId::new())
                    .bind("email.send")
                    .bind(Json(serde_json::json!({"to": "a@b.example"})))
                    .bind(now)
                    .bind(key)
                    .execute(pool)
                    .await
                    .map(|_| ())
            })
        }

        let a = create(&t.db, "a").await.organization.id;
        let b = create(&t.db, "b").await.organization.id;
        insert(&t.db, a, "booking-1/confirmation").await.unwrap();
        let again = insert(&t.db, a, "booking-1/confirmation")
            .await
            .unwrap_err();
        assert!(again.as_database_error().unwrap().is_unique_violation());
        insert(&t.db, b, "booking-1/confirmation").await.unwrap();

        const READ: &str = "SELECT payload, state, attempts FROM jobs WHERE organization_id = $1";
        type Job = (Json<serde_json::Value>, String, i32);
        async fn read(db: &Db, org: OrganizationId) -> Result<Job, sqlx::Error> {
            rendezvous_store::with_pool!(db, org, pool => {
                sqlx::query_as(READ).bind(org).fetch_one(pool).await
            })
        }
        let (payload, state, attempts) = read(&t.db, a).await.unwrap();
        assert_eq!(payload.0["to"], "a@b.example");
        assert_eq!((state.as_str(), attempts), ("pending", 0));
    }
);

mod bookings_last_line {
    use super::*;
    use domain::bookings::{BookingStatus, NewAttendee, NewBooking};
    use domain::event_types::{BookingWindow, EventTypeFields};

    fn at(hour: i64, minute: i64) -> Timestamp {
        // 2030-01-07 is a Monday.
        Timestamp::from_millisecond((1_894_060_800 + hour * 3600 + minute * 60) * 1000).unwrap()
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

    // The engine check is skipped on purpose: the database itself must refuse a second
    // pending or confirmed booking that overlaps the first (buffers included), and accept one
    // that only touches it.
    backend_test!(
        overlapping_active_bookings_are_refused_by_the_database,
        |t| async move {
            let created = create(&t.db, "acme").await;
            let scope =
                t.db.api_keys()
                    .authenticate(created.api_key.token.expose())
                    .await
                    .unwrap()
                    .unwrap();
            let fields = EventTypeFields {
                slug: "intro".into(),
                title: "Intro".into(),
                description: String::new(),
                duration_minutes: 30,
                duration_options: vec![],
                interval_minutes: None,
                buffer_before_minutes: 0,
                buffer_after_minutes: 10,
                minimum_notice_minutes: 0,
                booking_window: BookingWindow::Unlimited,
                max_per_day: None,
                max_per_week: None,
                seats: 1,
                requires_confirmation: true,
                hidden: false,
                locations: vec![],
                questions: vec![],
                schedule_id: None,
            };
            let event =
                t.db.event_types()
                    .create(
                        &scope
                            .grant::<rendezvous_store::can::ManageEventTypes>()
                            .unwrap(),
                        created.owner.id,
                        fields,
                    )
                    .await
                    .unwrap();
            let bookable = t.db.event_types().bookable(&scope, event.id).await.unwrap();
            let book = |start: Timestamp, end: Timestamp| NewBooking {
                start_at: start,
                end_at: end,
                status: BookingStatus::Pending,
                location: serde_json::Value::Null,
                rescheduled_from: None,
                calendar_root: None,
                calendar_sequence: 0,
                hosts: Vec::new(),
            };
            let mut tx = t.db.bookings().begin(&bookable).await.unwrap();
            let (first, _, _) = tx
                .insert(
                    &bookable,
                    Actor::Invitee,
                    book(at(9, 0), at(9, 30)),
                    attendee(),
                )
                .await
                .unwrap();
            tx.commit().await.unwrap();

            // 09:35 is inside the first booking's 10-minute after-buffer.
            let mut tx = t.db.bookings().begin(&bookable).await.unwrap();
            let refused = tx
                .insert(
                    &bookable,
                    Actor::Invitee,
                    book(at(9, 35), at(10, 0)),
                    attendee(),
                )
                .await;
            assert!(
                matches!(refused, Err(Error::Conflict(Conflict::SlotTaken))),
                "{refused:?}"
            );
            drop(tx);

            // 09:40 only touches the buffer's end.
            let mut tx = t.db.bookings().begin(&bookable).await.unwrap();
            tx.insert(
                &bookable,
                Actor::Invitee,
                book(at(9, 40), at(10, 0)),
                attendee(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();

            // Once the first is cancelled, its time is free for another.
            let mut tx = t.db.bookings().begin(&bookable).await.unwrap();
            tx.transition(
                Actor::Invitee,
                first.id,
                BookingStatus::Cancelled,
                None,
                None,
            )
            .await
            .unwrap();
            tx.insert(
                &bookable,
                Actor::Invitee,
                book(at(9, 0), at(9, 30)),
                attendee(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();

            // A second host on a booking holds their time too: a booking whose first host is
            // that second host may not overlap it, until the booking is cancelled.
            let grant = scope.grant::<rendezvous_store::can::ManageUsers>().unwrap();
            let mut unit = t.db.begin_unit(created.organization.id).await.unwrap();
            let second = unit
                .users()
                .invite(
                    &grant,
                    domain::users::NewInvite {
                        email: "second@example.com".into(),
                        name: "Second".into(),
                        role: Role::Member,
                        custom_role_id: None,
                        time_zone: "UTC".into(),
                        valid_for: jiff::SignedDuration::from_hours(1),
                    },
                )
                .await
                .unwrap();
            unit.commit().await.unwrap();
            let host = |user_id, fixed| domain::bookings::BookingHost {
                user_id,
                fixed,
                reason: "test".into(),
            };
            let shared = NewBooking {
                hosts: vec![host(created.owner.id, true), host(second.id, false)],
                ..book(at(12, 0), at(12, 30))
            };
            let mut tx = t.db.bookings().begin(&bookable).await.unwrap();
            let (both, _, _) = tx
                .insert(&bookable, Actor::Invitee, shared, attendee())
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let alone = || NewBooking {
                hosts: vec![host(second.id, false)],
                ..book(at(12, 15), at(12, 45))
            };
            let mut tx = t.db.bookings().begin(&bookable).await.unwrap();
            let refused = tx
                .insert(&bookable, Actor::Invitee, alone(), attendee())
                .await;
            assert!(
                matches!(refused, Err(Error::Conflict(Conflict::SlotTaken))),
                "{refused:?}"
            );
            drop(tx);
            let mut tx = t.db.bookings().begin(&bookable).await.unwrap();
            tx.transition(
                Actor::Invitee,
                both.id,
                BookingStatus::Cancelled,
                None,
                None,
            )
            .await
            .unwrap();
            tx.insert(&bookable, Actor::Invitee, alone(), attendee())
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    );
}

backend_test!(
    rate_limit_windows_count_every_hit_and_start_over,
    |t| async move {
        let limits = t.db.rate_limits();
        let t0 = Timestamp::from_millisecond(1_800_000_000_000).unwrap();
        let at = move |ms: i64| Timestamp::from_millisecond(t0.as_millisecond() + ms).unwrap();
        for expected in 1..=3 {
            let w = limits
                .hit("login/ip/1.2.3.4", at(expected), 60_000)
                .await
                .unwrap();
            assert_eq!((w.started_at, w.hits), (at(1), expected));
        }
        let other = limits
            .hit("login/ip/5.6.7.8", at(10), 60_000)
            .await
            .unwrap();
        assert_eq!(other.hits, 1, "keys count apart");
        // A minute after the window began, it starts over.
        let w = limits
            .hit("login/ip/1.2.3.4", at(60_001), 60_000)
            .await
            .unwrap();
        assert_eq!((w.started_at, w.hits), (at(60_001), 1));

        // Concurrent hits (as from several processes) lose no count.
        let hits = (0..20).map(|_| {
            let db = t.db.clone();
            tokio::spawn(async move { db.rate_limits().hit("shared", at(70_000), 60_000).await })
        });
        let mut counts = Vec::new();
        for hit in hits {
            counts.push(hit.await.unwrap().unwrap().hits);
        }
        counts.sort_unstable();
        assert_eq!(counts, (1..=20).collect::<Vec<_>>());

        assert_eq!(
            limits.sweep(at(60_000)).await.unwrap(),
            1,
            "only the old window"
        );
    }
);

async fn owner_scope(db: &Db, slug: &str) -> rendezvous_store::Scope {
    let created = create(db, slug).await;
    db.api_keys()
        .authenticate(created.api_key.token.expose())
        .await
        .unwrap()
        .unwrap()
}

backend_test!(
    message_templates_are_saved_replaced_and_reset,
    |t| async move {
        use domain::templates::TemplateSources;
        use rendezvous_store::can;
        let sources = |text: &str| TemplateSources {
            subject: "S {{ title }}".into(),
            html: "<p>{{ title }}</p>".into(),
            text: text.into(),
        };
        let scope = owner_scope(&t.db, "acme").await;
        let other = owner_scope(&t.db, "other").await;
        let grant = scope.grant::<can::ManageTemplates>().unwrap();
        let templates = t.db.templates();
        assert_eq!(
            templates
                .get(&scope, "booking.created", "email")
                .await
                .unwrap(),
            None
        );
        templates
            .put(&grant, "booking.created", "email", &sources("one"))
            .await
            .unwrap();
        let saved = templates
            .put(&grant, "booking.created", "email", &sources("two"))
            .await
            .unwrap();
        assert_eq!(saved.text, "two");
        assert_eq!(templates.list(&scope).await.unwrap(), vec![saved.clone()]);
        // Another organization sees nothing of it.
        assert!(templates.list(&other).await.unwrap().is_empty());
        assert_eq!(
            templates
                .find(other.organization_id(), "booking.created", "email")
                .await
                .unwrap(),
            None
        );
        assert!(
            templates
                .delete(&grant, "booking.created", "email")
                .await
                .unwrap()
        );
        assert!(
            !templates
                .delete(&grant, "booking.created", "email")
                .await
                .unwrap()
        );
        assert!(templates.list(&scope).await.unwrap().is_empty());
    }
);
