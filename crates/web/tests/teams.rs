//! Team scheduling end to end: collective and round-robin event types, host choice, fixed
//! hosts, per-host limits and reschedules, through the real server on SQLite and (with
//! TEST_DATABASE_URL) PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use common::clock::{berlin, local, next_monday};
use common::{Org, TestApp, call};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A user of `org` (invited through the store; a host need not have signed in).
async fn user(app: &TestApp, org: &Org, email: &str) -> String {
    let scope = app.scope(&org.key).await;
    let grant = scope.grant::<store::can::ManageUsers>().unwrap();
    let invite = domain::users::NewInvite {
        email: email.to_owned(),
        name: email.to_owned(),
        role: domain::access::Role::Member,
        custom_role_id: None,
        time_zone: "Europe/Berlin".to_owned(),
        valid_for: jiff::SignedDuration::from_hours(1),
    };
    let (user, _) =
        services::accounts::send_invitation(&app.db.db, &grant, invite, &app.calendars.keys)
            .await
            .unwrap();
    user.id.to_string()
}

/// Gives `user` a default schedule: every weekday `from`-`until` in `zone`.
async fn working_hours(app: &TestApp, org: &Org, user: &str, zone: &str, from: &str, until: &str) {
    let day = json!([[from, until]]);
    let (status, body) = call(
        app,
        Method::POST,
        "/api/v1/schedules",
        Some(&org.key),
        Some(json!({
            "user_id": user, "name": "Hours", "time_zone": zone,
            "weekly": { "mon": day, "tue": day, "wed": day, "thu": day, "fri": day }
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// A team of `members`, and an event type of the owner's that the team hosts with `setup`
/// (whose `hosts` name members by index, with their settings).
async fn team_event(app: &TestApp, org: &Org, members: &[String], setup: Value) -> String {
    let (status, team) = call(
        app,
        Method::POST,
        "/api/v1/teams",
        Some(&org.key),
        Some(json!({ "slug": "sales", "name": "Sales" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    let team_id = team["id"].as_str().unwrap().to_owned();
    for member in members {
        let (status, body) = call(
            app,
            Method::PUT,
            &format!("/api/v1/teams/{team_id}/members/{member}"),
            Some(&org.key),
            Some(json!({ "role": "member" })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, event) = call(
        app,
        Method::POST,
        "/api/v1/event-types",
        Some(&org.key),
        Some(json!({ "slug": "demo", "title": "Demo", "duration_minutes": 30 })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{event}");
    let event_id = event["id"].as_str().unwrap().to_owned();
    let mut setup = setup;
    setup["team_id"] = json!(team_id);
    let hosts: Vec<Value> = setup["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let mut h = h.clone();
            let index = h["member"].as_u64().unwrap() as usize;
            h.as_object_mut().unwrap().remove("member");
            h["user_id"] = json!(members[index]);
            h
        })
        .collect();
    setup["hosts"] = json!(hosts);
    let (status, body) = call(
        app,
        Method::PUT,
        &format!("/api/v1/event-types/{event_id}/team"),
        Some(&org.key),
        Some(setup),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    event_id
}

/// `count` users working 09:00-17:00 Berlin on weekdays.
async fn berlin_hosts(app: &TestApp, org: &Org, count: usize) -> Vec<String> {
    let mut hosts = Vec::new();
    for n in 0..count {
        let id = user(app, org, &format!("host{n}@example.com")).await;
        working_hours(app, org, &id, "Europe/Berlin", "09:00", "17:00").await;
        hosts.push(id);
    }
    hosts
}

fn invitee(start: &str, n: usize) -> Value {
    json!({ "start": start, "name": format!("Invitee {n}"), "email": format!("i{n}@example.com"), "time_zone": "Europe/Berlin" })
}

async fn book(app: &TestApp, event: &str, start: &str, n: usize) -> (StatusCode, Value) {
    call(
        app,
        Method::POST,
        &format!("/api/v1/public/event-types/{event}/bookings"),
        None,
        Some(invitee(start, n)),
    )
    .await
}

async fn slot_starts(app: &TestApp, event: &str, date: jiff::civil::Date) -> Vec<String> {
    let path =
        format!("/api/v1/public/event-types/{event}/slots?start={date}&end={date}&timeZone=UTC");
    let (status, body) = call(app, Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["slots"].as_array().unwrap().clone())
        .map(|s| s["start"].as_str().unwrap().to_owned())
        .collect()
}

fn host_ids(booking: &Value) -> Vec<String> {
    booking["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["user_id"].as_str().unwrap().to_owned())
        .collect()
}

store::backend_test!(
    thirty_invitees_race_for_one_slot_of_three_hosts,
    |t| async move {
        let app = TestApp::builder().many_invitees().start(t).await;
        let org = app.organization("acme").await;
        let hosts = berlin_hosts(&app, &org, 3).await;
        let event = team_event(
        &app,
        &org,
        &hosts,
        json!({ "kind": "round_robin", "hosts": [{"member": 0}, {"member": 1}, {"member": 2}] }),
    )
    .await;
        let start = berlin(next_monday(), 10, 0);
        let path = format!("/api/v1/public/event-types/{event}/bookings");
        let attempts: Vec<_> = (0..30)
            .map(|n| {
                let request = app.request(Method::POST, &path).json(&invitee(&start, n));
                tokio::spawn(async move {
                    let response = request.send().await.unwrap();
                    let status = response.status();
                    (
                        status,
                        response.json::<Value>().await.unwrap_or(Value::Null),
                    )
                })
            })
            .collect();
        let mut booked = Vec::new();
        for attempt in attempts {
            let (status, body) = attempt.await.unwrap();
            match status {
                StatusCode::CREATED => booked.push(body),
                StatusCode::CONFLICT => assert_eq!(body["errors"][0]["code"], "taken", "{body}"),
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!(booked.len(), 3, "one booking per host");
        let mut chosen: Vec<String> = booked
            .iter()
            .map(|b| b["booking"]["host_user_id"].as_str().unwrap().to_owned())
            .collect();
        chosen.sort();
        chosen.dedup();
        assert_eq!(chosen.len(), 3, "three different hosts: {booked:?}");
        assert!(
            slot_starts(&app, &event, next_monday())
                .await
                .iter()
                .all(|s| s != &start)
        );
        app.run_pending_jobs().await;
    }
);

app_test!(
    collective_slots_need_every_host_free_across_three_zones,
    |app| async move {
        let org = app.organization("acme").await;
        let monday = next_monday();
        let zones = [
            ("Europe/Berlin", "09:00", "17:00"),
            ("America/New_York", "07:00", "12:00"),
            ("Asia/Kolkata", "17:00", "22:00"),
        ];
        let mut hosts = Vec::new();
        for (n, (zone, from, until)) in zones.iter().enumerate() {
            let id = user(&app, &org, &format!("host{n}@example.com")).await;
            working_hours(&app, &org, &id, zone, from, until).await;
            hosts.push(id);
        }
        let event = team_event(
            &app,
            &org,
            &hosts,
            json!({ "kind": "collective", "hosts": [{"member": 0}, {"member": 1}, {"member": 2}] }),
        )
        .await;
        // Expected: the half-hour starts inside all three windows on Monday, computed here.
        let window = |(zone, from, until): &(&str, &str, &str)| {
            let hm = |s: &str| -> (i8, i8) { (s[..2].parse().unwrap(), s[3..].parse().unwrap()) };
            let (fh, fm) = hm(from);
            let (uh, um) = hm(until);
            (local(monday, zone, fh, fm), local(monday, zone, uh, um))
        };
        let windows: Vec<_> = zones.iter().map(window).collect();
        let from = windows.iter().map(|w| w.0).max().unwrap();
        let until = windows.iter().map(|w| w.1).min().unwrap();
        assert!(from < until, "the three windows overlap on Monday");
        let mut expected = Vec::new();
        let mut start = from;
        while start + jiff::SignedDuration::from_mins(30) <= until {
            expected.push(start.to_string());
            start += jiff::SignedDuration::from_mins(30);
        }
        let starts: Vec<String> = slot_starts(&app, &event, monday.tomorrow().unwrap())
            .await
            .into_iter()
            .chain(slot_starts(&app, &event, monday).await)
            .filter(|s| {
                let t: jiff::Timestamp = s.parse().unwrap();
                t >= windows.iter().map(|w| w.0).min().unwrap()
                    && t < until + jiff::SignedDuration::from_hours(12)
            })
            .collect();
        let mut starts = starts;
        starts.sort();
        starts.dedup();
        assert_eq!(starts, expected);

        // One host blocked for the first of those starts removes it for the team.
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/blocked-times",
            Some(&org.key),
            Some(json!({ "user_id": hosts[2], "start_at": expected[0], "end_at": expected[1] })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = book(&app, &event, &expected[0], 0).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        // A booking holds every host's time, each with the reason.
        let (status, body) = book(&app, &event, &expected[1], 1).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let mut on_booking = host_ids(&body["booking"]);
        on_booking.sort();
        let mut all = hosts.clone();
        all.sort();
        assert_eq!(on_booking, all);
        assert!(
            body["booking"]["hosts"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h["reason"] == "collective")
        );
        // Each host's own calendar now shows the time taken, whoever is the booking's first host.
        let (status, body) = call(
            &app,
            Method::GET,
            &format!("/api/v1/bookings?host_user_id={}", hosts[2]),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["bookings"].as_array().unwrap().len(), 1);
        app.run_pending_jobs().await;
    }
);

app_test!(rotation_and_weights_through_the_api, |app| async move {
    let org = app.organization("acme").await;
    let hosts = berlin_hosts(&app, &org, 3).await;
    let rotate = team_event(
        &app,
        &org,
        &hosts,
        json!({ "kind": "round_robin", "strategy": "rotate",
                "hosts": [{"member": 0}, {"member": 1}, {"member": 2}] }),
    )
    .await;
    let monday = next_monday();
    let mut order = Vec::new();
    for n in 0..6 {
        let (status, body) = book(&app, &rotate, &berlin(monday, 9 + n as i8, 0), n).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert!(
            body["booking"]["hosts"][0]["reason"]
                .as_str()
                .unwrap()
                .starts_with("rotate")
        );
        order.push(body["booking"]["host_user_id"].as_str().unwrap().to_owned());
    }
    let expected: Vec<String> = (0..6).map(|n| hosts[n % 3].clone()).collect();
    assert_eq!(order, expected, "rotation follows the hosts' order");
    app.run_pending_jobs().await;
});

app_test!(weighted_hosts_get_their_shares, |app| async move {
    let org = app.organization("acme").await;
    let hosts = berlin_hosts(&app, &org, 2).await;
    let event = team_event(
        &app,
        &org,
        &hosts,
        json!({ "kind": "round_robin", "strategy": "weighted",
                "hosts": [{"member": 0, "weight": 1}, {"member": 1, "weight": 2}] }),
    )
    .await;
    let mut counts = [0; 2];
    let mut day = next_monday();
    for n in 0..12 {
        if n % 6 == 0 && n > 0 {
            day = day.tomorrow().unwrap();
        }
        let (status, body) = book(&app, &event, &berlin(day, 9 + (n % 6) as i8, 0), n).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let host = body["booking"]["host_user_id"].as_str().unwrap();
        counts[hosts.iter().position(|h| h == host).unwrap()] += 1;
    }
    assert_eq!(counts, [4, 8]);
    app.run_pending_jobs().await;
});

app_test!(fixed_hosts_limits_and_reschedules, |app| async move {
    let org = app.organization("acme").await;
    let hosts = berlin_hosts(&app, &org, 3).await;
    // Host 0 is on every booking; hosts 1 and 2 rotate, host 1 at most once a day.
    let event = team_event(
        &app,
        &org,
        &hosts,
        json!({ "kind": "round_robin", "strategy": "rotate",
                "hosts": [{"member": 0, "fixed": true}, {"member": 1, "max_per_day": 1}, {"member": 2}] }),
    )
    .await;
    let monday = next_monday();
    let (status, first) = book(&app, &event, &berlin(monday, 9, 0), 0).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(
        host_ids(&first["booking"]),
        vec![hosts[1].clone(), hosts[0].clone()]
    );
    assert_eq!(first["booking"]["hosts"][1]["reason"], "fixed");
    let (status, second) = book(&app, &event, &berlin(monday, 10, 0), 1).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["booking"]["host_user_id"], hosts[2].as_str());
    // Host 1 had their one booking today: rotation passes them by.
    let (status, third) = book(&app, &event, &berlin(monday, 11, 0), 2).await;
    assert_eq!(status, StatusCode::CREATED, "{third}");
    assert_eq!(third["booking"]["host_user_id"], hosts[2].as_str());

    // The fixed host blocked: no start for anyone.
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/blocked-times",
        Some(&org.key),
        Some(json!({ "user_id": hosts[0], "start_at": berlin(monday, 14, 0), "end_at": berlin(monday, 15, 0) })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let starts = slot_starts(&app, &event, monday).await;
    let blocked: jiff::Timestamp = berlin(monday, 14, 0).parse().unwrap();
    assert!(
        starts
            .iter()
            .all(|s| s.parse::<jiff::Timestamp>().unwrap() != blocked)
    );
    assert!(
        starts.contains(
            &berlin(monday, 15, 0)
                .parse::<jiff::Timestamp>()
                .unwrap()
                .to_string()
        )
    );

    // A reschedule keeps the host when free...
    let token = third["manage_token"].as_str().unwrap();
    let (status, moved) = call(
        &app,
        Method::POST,
        &format!("/api/v1/public/manage/{token}/reschedule"),
        None,
        Some(json!({ "start": berlin(monday, 16, 0) })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["host_user_id"], hosts[2].as_str());
    assert_eq!(moved["hosts"][0]["reason"], "kept");
    // ...and chooses again when not (host 2 is busy on Tuesday at 09:00; host 1 is free).
    let tuesday = monday.tomorrow().unwrap();
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/blocked-times",
        Some(&org.key),
        Some(json!({ "user_id": hosts[2], "start_at": berlin(tuesday, 9, 0), "end_at": berlin(tuesday, 10, 0) })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, again) = call(
        &app,
        Method::POST,
        &format!("/api/v1/public/manage/{token}/reschedule"),
        None,
        Some(json!({ "start": berlin(tuesday, 9, 0) })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["host_user_id"], hosts[1].as_str());
    assert!(
        again["hosts"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("rotate")
    );
    app.run_pending_jobs().await;
});

app_test!(
    team_setup_is_checked_and_kept_to_its_organization,
    |app| async move {
        let org = app.organization("acme").await;
        let hosts = berlin_hosts(&app, &org, 2).await;
        let event = team_event(
            &app,
            &org,
            &hosts,
            json!({ "kind": "round_robin", "hosts": [{"member": 0}, {"member": 1}] }),
        )
        .await;
        let (status, setup) = call(
            &app,
            Method::GET,
            &format!("/api/v1/event-types/{event}/team"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{setup}");
        assert_eq!(setup["strategy"], "least_recent");
        let team_id = setup["team_id"].as_str().unwrap().to_owned();

        // A stranger to the team, a zero weight, a repeated host, too many per booking.
        let outsider = user(&app, &org, "outsider@example.com").await;
        let (status, body) = call(
            &app,
            Method::PUT,
            &format!("/api/v1/event-types/{event}/team"),
            Some(&org.key),
            Some(
                json!({ "team_id": team_id, "kind": "round_robin", "hosts_per_booking": 4,
                     "hosts": [{"user_id": outsider}, {"user_id": hosts[0], "weight": 0},
                               {"user_id": hosts[0]}] }),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let pointers: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        assert_eq!(
            pointers,
            [
                "/hosts/0/user_id",
                "/hosts/1/weight",
                "/hosts/2/user_id",
                "/hosts_per_booking"
            ]
        );
        let (status, body) = call(
            &app,
            Method::PUT,
            &format!("/api/v1/event-types/{event}/team"),
            Some(&org.key),
            Some(json!({ "team_id": team_id, "kind": "sometimes", "hosts": [] })),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

        // Another organization sees none of it.
        let other = app.organization("other").await;
        for (method, body) in [
            (Method::GET, None),
            (
                Method::PUT,
                Some(
                    json!({ "team_id": team_id, "kind": "collective", "hosts": [{"user_id": hosts[0]}] }),
                ),
            ),
        ] {
            let (status, answer) = call(
                &app,
                method,
                &format!("/api/v1/event-types/{event}/team"),
                Some(&other.key),
                body,
            )
            .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
        }
        // The booking audit row names the hosts and why.
        let (status, booked) = book(&app, &event, &berlin(next_monday(), 9, 0), 0).await;
        assert_eq!(status, StatusCode::CREATED, "{booked}");
        let (status, log) = call(
            &app,
            Method::GET,
            "/api/v1/audit-log?action=booking.created",
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{log}");
        let entry = &log["entries"][0];
        assert!(
            entry["new_values"]["hosts"][0]["reason"]
                .as_str()
                .unwrap()
                .starts_with("least_recent"),
            "{entry}"
        );
        app.run_pending_jobs().await;
    }
);

app_test!(
    routing_forms_route_store_and_link_bookings,
    |app| async move {
        let org = app.organization("acme").await;
        let hosts = berlin_hosts(&app, &org, 3).await;
        let event = team_event(
        &app,
        &org,
        &hosts,
        json!({ "kind": "round_robin", "hosts": [{"member": 0}, {"member": 1}, {"member": 2}] }),
    )
    .await;
        let fields = json!([
            { "key": "size", "label": "Company size", "kind": "number", "required": true },
            { "key": "country", "label": "Country", "kind": "select", "options": ["Germany", "France", "Other"] },
            { "key": "topics", "label": "Topics", "kind": "multi_select", "options": ["api", "billing"] },
            { "key": "note", "label": "Note", "kind": "short_text" }
        ]);
        let form = json!({
            "name": "Contact sales",
            "fields": fields,
            "routes": [
                { "when": { "all": [ { "field": "size", "op": "greater_than", "value": 100 },
                                     { "field": "country", "op": "in", "value": ["Germany", "France"] } ] },
                  "action": { "kind": "members", "event_type_id": event, "user_ids": [hosts[1]] } },
                { "when": { "any": [ { "field": "topics", "op": "contains", "value": "api" },
                                     { "field": "note", "op": "contains", "value": "integration" } ] },
                  "action": { "kind": "event_type", "event_type_id": event } },
                { "when": { "field": "country", "op": "equals", "value": "Other" },
                  "action": { "kind": "url", "url": "https://example.com/partners" } },
                { "when": { "all": [ { "field": "size", "op": "less_than", "value": 2 },
                                     { "field": "country", "op": "not_equals", "value": "France" } ] },
                  "action": { "kind": "message", "text": "Try our free plan" } }
            ],
            "fallback": { "kind": "message", "text": "We will write to you" }
        });
        let (status, created) = call(
            &app,
            Method::POST,
            "/api/v1/routing-forms",
            Some(&org.key),
            Some(form),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let form_id = created["id"].as_str().unwrap().to_owned();
        let submit = |answers: Value| {
            let path = format!("/api/v1/public/routing-forms/{form_id}/submissions");
            let app = &app;
            async move {
                call(
                    app,
                    Method::POST,
                    &path,
                    None,
                    Some(json!({ "answers": answers })),
                )
                .await
            }
        };
        for (answers, matched) in [
            (json!({ "size": 500, "country": "Germany" }), json!(0)),
            (
                json!({ "size": 500, "country": "Other", "note": "An INTEGRATION question" }),
                json!(1),
            ),
            (json!({ "size": 5, "topics": ["api"] }), json!(1)),
            (json!({ "size": 5, "country": "Other" }), json!(2)),
            (json!({ "size": 1 }), json!(3)),
            (json!({ "size": 1, "country": "France" }), Value::Null),
            (json!({ "size": 50, "country": "Germany" }), Value::Null),
        ] {
            let (status, body) = submit(answers.clone()).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            assert_eq!(body["matched"], matched, "{answers} -> {body}");
        }
        // Invalid input names the answer; nothing is stored.
        let (status, body) = submit(json!({ "country": "Spain" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let pointers: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        assert_eq!(pointers, ["/answers/size", "/answers/country"]);

        // Booking after the members route: only host 1 is chosen, and the submission is linked.
        let (_, routed) = submit(json!({ "size": 900, "country": "France" })).await;
        assert_eq!(routed["route"]["kind"], "members");
        let mut request = invitee(&berlin(next_monday(), 9, 0), 1);
        request["routing_submission_id"] = routed["id"].clone();
        let (status, booked) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/event-types/{event}/bookings"),
            None,
            Some(request.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{booked}");
        assert_eq!(booked["booking"]["host_user_id"], hosts[1].as_str());
        // Used once only.
        request["start"] = json!(berlin(next_monday(), 10, 0));
        let (status, body) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/event-types/{event}/bookings"),
            None,
            Some(request),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["pointer"], "/routing_submission_id");
        let (status, list) = call(
            &app,
            Method::GET,
            &format!("/api/v1/routing-forms/{form_id}/submissions"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(list.as_array().unwrap().len(), 8);
        assert_eq!(list[0]["booking_id"], booked["booking"]["uid"]);

        // A form's rules are checked against its fields and its targets.
        let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/routing-forms",
        Some(&org.key),
        Some(json!({
            "name": "Broken",
            "fields": fields,
            "routes": [
                { "when": { "field": "nope", "op": "equals", "value": 1 }, "action": { "kind": "message", "text": "x" } },
                { "when": { "field": "note", "op": "greater_than", "value": 3 }, "action": { "kind": "url", "url": "ftp://x" } }
            ],
            "fallback": { "kind": "event_type", "event_type_id": uuid::Uuid::nil() }
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
        assert_eq!(
            pointers,
            [
                "/routes/0/when/field",
                "/routes/1/when/value",
                "/routes/1/action/url",
                "/fallback/event_type_id"
            ]
        );
        // Another organization cannot see or change the form.
        let other = app.organization("other").await;
        let (status, _) = call(
            &app,
            Method::GET,
            &format!("/api/v1/routing-forms/{form_id}"),
            Some(&other.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = call(
            &app,
            Method::DELETE,
            &format!("/api/v1/routing-forms/{form_id}"),
            Some(&other.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        app.run_pending_jobs().await;
    }
);

app_test!(
    two_hosts_per_booking_from_a_pool_of_three,
    |app| async move {
        let org = app.organization("acme").await;
        let hosts = berlin_hosts(&app, &org, 3).await;
        let event = team_event(
            &app,
            &org,
            &hosts,
            json!({ "kind": "round_robin", "strategy": "least_recent", "hosts_per_booking": 2,
                "hosts": [{"member": 0}, {"member": 1}, {"member": 2}] }),
        )
        .await;
        let start = berlin(next_monday(), 11, 0);
        let (status, first) = book(&app, &event, &start, 0).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let mut chosen = host_ids(&first["booking"]);
        chosen.sort();
        chosen.dedup();
        assert_eq!(chosen.len(), 2, "{first}");
        // One host is left free at that start: not enough for another booking.
        assert!(
            !slot_starts(&app, &event, next_monday())
                .await
                .contains(&start.parse::<jiff::Timestamp>().unwrap().to_string())
        );
        let (status, body) = book(&app, &event, &start, 1).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        // The next booking goes to the host left out first (least recent), plus one of the others.
        let (status, second) = book(&app, &event, &berlin(next_monday(), 12, 0), 2).await;
        assert_eq!(status, StatusCode::CREATED, "{second}");
        let left_out = hosts.iter().find(|h| !chosen.contains(h)).unwrap();
        assert!(host_ids(&second["booking"]).contains(left_out), "{second}");
        app.run_pending_jobs().await;
    }
);

/// The code of the 409 refusing `start`.
async fn refusal(app: &TestApp, event: &str, start: &str) -> String {
    let (status, body) = book(app, event, start, 99).await;
    assert_eq!(status, StatusCode::CONFLICT, "{start}: {body}");
    body["errors"][0]["code"].as_str().unwrap().to_owned()
}

async fn block(app: &TestApp, org: &Org, user: &str, from: &str, until: &str) {
    let (status, body) = call(
        app,
        Method::POST,
        "/api/v1/blocked-times",
        Some(&org.key),
        Some(json!({ "user_id": user, "start_at": from, "end_at": until })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

app_test!(
    team_refusals_name_hours_limits_and_busy_time,
    |app| async move {
        let org = app.organization("acme").await;
        let hosts = berlin_hosts(&app, &org, 2).await;
        let event = team_event(
            &app,
            &org,
            &hosts,
            json!({ "kind": "round_robin",
                "hosts": [{"member": 0, "max_per_day": 1}, {"member": 1, "max_per_day": 1}] }),
        )
        .await;
        let monday = next_monday();
        for (n, hour) in [(0, 9), (1, 10)] {
            let (status, body) = book(&app, &event, &berlin(monday, hour, 0), n).await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        assert_eq!(
            refusal(&app, &event, &berlin(monday, 11, 0)).await,
            "limit_reached",
            "both hosts had their one booking of the day"
        );
        assert_eq!(
            refusal(&app, &event, &berlin(monday, 7, 0)).await,
            "outside_hours"
        );
        let tuesday = monday.tomorrow().unwrap();
        for host in &hosts {
            block(
                &app,
                &org,
                host,
                &berlin(tuesday, 13, 0),
                &berlin(tuesday, 14, 0),
            )
            .await;
        }
        assert_eq!(
            refusal(&app, &event, &berlin(tuesday, 13, 0)).await,
            "taken"
        );
        // One host busy is not a refusal: the other takes it.
        block(
            &app,
            &org,
            &hosts[0],
            &berlin(tuesday, 15, 0),
            &berlin(tuesday, 16, 0),
        )
        .await;
        let (status, body) = book(&app, &event, &berlin(tuesday, 15, 0), 3).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["booking"]["host_user_id"], hosts[1].as_str());
        app.run_pending_jobs().await;
    }
);

app_test!(
    routed_slots_offer_only_the_named_hosts_starts,
    |app| async move {
        let org = app.organization("acme").await;
        let hosts = berlin_hosts(&app, &org, 2).await;
        let event = team_event(
            &app,
            &org,
            &hosts,
            json!({ "kind": "round_robin", "hosts": [{"member": 0}, {"member": 1}] }),
        )
        .await;
        let monday = next_monday();
        block(
            &app,
            &org,
            &hosts[1],
            &berlin(monday, 9, 0),
            &berlin(monday, 12, 0),
        )
        .await;
        let (status, form) = call(
        &app,
        Method::POST,
        "/api/v1/routing-forms",
        Some(&org.key),
        Some(json!({
            "name": "Enterprise",
            "fields": [{ "key": "size", "label": "Company size", "kind": "number", "required": true }],
            "routes": [{ "when": { "field": "size", "op": "greater_than", "value": 100 },
                         "action": { "kind": "members", "event_type_id": event, "user_ids": [hosts[1]] } }],
            "fallback": { "kind": "event_type", "event_type_id": event }
        })),
    )
    .await;
        assert_eq!(status, StatusCode::CREATED, "{form}");
        let (status, routed) = call(
            &app,
            Method::POST,
            &format!(
                "/api/v1/public/routing-forms/{}/submissions",
                form["id"].as_str().unwrap()
            ),
            None,
            Some(json!({ "answers": { "size": 500 } })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{routed}");
        let submission = routed["id"].as_str().unwrap().to_owned();
        let routed_slots = |submission: String| {
            let app = &app;
            let path = format!(
                "/api/v1/public/event-types/{event}/slots?start={monday}&end={monday}&timeZone=Europe/Berlin&routing_submission_id={submission}"
            );
            async move { call(app, Method::GET, &path, None, None).await }
        };
        let instant = |s: &str| s.parse::<jiff::Timestamp>().unwrap();
        let nine = instant(&berlin(monday, 9, 0));
        let noon = instant(&berlin(monday, 12, 0));
        let everyone: Vec<jiff::Timestamp> = slot_starts(&app, &event, monday)
            .await
            .iter()
            .map(|s| instant(s))
            .collect();
        assert!(everyone.contains(&nine), "host 0 is free at 09:00");
        let (status, body) = routed_slots(submission.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let theirs: Vec<jiff::Timestamp> = body["days"][0]["slots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| instant(s["start"].as_str().unwrap()))
            .collect();
        assert_eq!(theirs.first(), Some(&noon), "host 1 is busy until noon");
        assert!(theirs.iter().all(|s| everyone.contains(s)));

        // Booking through the route agrees with the list.
        let mut request = invitee(&berlin(monday, 9, 0), 1);
        request["routing_submission_id"] = json!(submission);
        let path = format!("/api/v1/public/event-types/{event}/bookings");
        let (status, body) = call(&app, Method::POST, &path, None, Some(request.clone())).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["errors"][0]["code"], "taken");
        request["start"] = json!(berlin(monday, 12, 0));
        let (status, body) = call(&app, Method::POST, &path, None, Some(request)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["booking"]["host_user_id"], hosts[1].as_str());

        // A used or unknown submission is a field error, not a silent fallback to everyone.
        for submission in [submission, uuid::Uuid::new_v4().to_string()] {
            let (status, body) = routed_slots(submission).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(body["errors"][0]["pointer"], "/routing_submission_id");
        }
        app.run_pending_jobs().await;
    }
);

app_test!(a_team_event_type_goes_back_to_its_owner, |app| async move {
    let org = app.organization("acme").await;
    let hosts = berlin_hosts(&app, &org, 2).await;
    let owner = org.created.owner.id.to_string();
    working_hours(&app, &org, &owner, "Europe/Berlin", "13:00", "17:00").await;
    let event = team_event(
        &app,
        &org,
        &hosts,
        json!({ "kind": "round_robin", "hosts": [{"member": 0}, {"member": 1}] }),
    )
    .await;
    let monday = next_monday();
    let (status, team_booking) = book(&app, &event, &berlin(monday, 9, 0), 0).await;
    assert_eq!(status, StatusCode::CREATED, "{team_booking}");
    let team_host = team_booking["booking"]["host_user_id"].clone();
    assert_ne!(team_host, json!(owner));

    // A member who neither manages teams nor leads this one may not.
    let member = app
        .member(
            &org,
            "mo@example.com",
            domain::access::Role::Member,
            "a long enough password",
        )
        .await;
    let (status, key) = call(
        &app,
        Method::POST,
        "/api/v1/api-keys",
        Some(&org.key),
        Some(json!({ "name": "mo", "user_id": member.id.0 })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let team_path = format!("/api/v1/event-types/{event}/team");
    let (status, body) = call(&app, Method::DELETE, &team_path, key["key"].as_str(), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, body) = call(&app, Method::DELETE, &team_path, Some(&org.key), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    for method in [Method::GET, Method::DELETE] {
        let (status, body) = call(&app, method, &team_path, Some(&org.key), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    // The owner's own hours decide now, and the owner hosts.
    let starts = slot_starts(&app, &event, monday).await;
    let first = starts.first().unwrap().parse::<jiff::Timestamp>().unwrap();
    assert_eq!(
        first,
        berlin(monday, 13, 0).parse::<jiff::Timestamp>().unwrap()
    );
    let (status, body) = book(&app, &event, &berlin(monday, 13, 0), 1).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["booking"]["host_user_id"], json!(owner));
    // The booking made while the team hosted keeps its host.
    let (status, kept) = call(
        &app,
        Method::GET,
        &format!(
            "/api/v1/bookings/{}",
            team_booking["booking"]["uid"].as_str().unwrap()
        ),
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{kept}");
    assert_eq!(kept["host_user_id"], team_host);
    app.run_pending_jobs().await;
});

store::backend_test!(
    a_round_robin_invitee_is_told_the_host_who_was_chosen_and_the_team_offers_its_event_types,
    |t| async move {
        let app = TestApp::builder().start(t).await;
        let org = app.organization("acme").await;
        let hosts = berlin_hosts(&app, &org, 2).await;
        let event = team_event(
            &app,
            &org,
            &hosts,
            json!({ "kind": "round_robin", "hosts": [{"member": 0}, {"member": 1}] }),
        )
        .await;
        // The team's booking page names the team, not the event type's owner.
        let page = app
            .get(&format!("/book/{event}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains(r#"<p class="host">Sales</p>"#), "{page}");
        assert!(!page.contains("Olive Owner"), "{page}");
        // The team's page offers its event types under the team.
        let page = app.get("/t/acme/sales").await.text().await.unwrap();
        assert!(page.contains("Book Sales"), "{page}");
        assert!(page.contains(r#"href="/acme/team/sales/demo""#), "{page}");

        let (status, body) = book(&app, &event, &berlin(next_monday(), 10, 0), 0).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let chosen = body["booking"]["host_user_id"].as_str().unwrap();
        let index = hosts.iter().position(|h| h == chosen).unwrap();
        // `user` names each host by their address.
        let (chosen, other) = (
            format!("host{index}@example.com"),
            format!("host{}@example.com", 1 - index),
        );
        let token = body["manage_token"].as_str().unwrap();

        // The confirmation, the manage page and the .ics name the host who was chosen.
        for (path, says) in [
            (
                format!("/manage/{token}?booked=1"),
                format!("You are booked with {chosen}"),
            ),
            (
                format!("/manage/{token}"),
                format!("Your booking with {chosen}"),
            ),
            (
                format!("/manage/{token}/event.ics"),
                format!("SUMMARY:Demo with {chosen}\r\n"),
            ),
        ] {
            let response = app.get(&path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let text = response.text().await.unwrap();
            assert!(text.contains(&says), "{path}: {text}");
            assert!(!text.contains("Olive Owner"), "{path}: {text}");
            assert!(!text.contains(&other), "{path}: {text}");
        }
        app.run_pending_jobs().await;
    }
);

app_test!(a_team_event_type_has_a_readable_link, |app| async move {
    let org = app.organization("acme").await;
    let hosts = berlin_hosts(&app, &org, 2).await;
    team_event(
        &app,
        &org,
        &hosts,
        json!({ "kind": "round_robin", "hosts": [{"member": 0}, {"member": 1}] }),
    )
    .await;
    let page = app.get("/acme/team/sales/demo").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Demo"), "{html}");
    let listing = app.get("/t/acme/sales").await.text().await.unwrap();
    assert!(
        listing.contains("href=\"/acme/team/sales/demo\""),
        "{listing}"
    );
    assert_eq!(
        app.get("/acme/team/sales/nope").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/acme/team/nobody/demo").await.status(),
        StatusCode::NOT_FOUND
    );
    app.run_pending_jobs().await;
});
