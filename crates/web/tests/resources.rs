//! Resources end to end: managers describe rooms and equipment, members reserve them, and a
//! resource of capacity N never holds more than N reservations at once, on SQLite and
//! PostgreSQL, under races within one server and across two.
#![allow(clippy::unwrap_used)]

mod common;

use common::clock::{berlin, next_monday};
use common::{Org, TestApp, call};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A room open on weekdays 08:00-18:00 in Berlin, reserved for 30 minutes to 4 hours.
fn room(name: &str, extra: Value) -> Value {
    let mut body = json!({
        "name": name,
        "kind": "space",
        "location": "Building A, floor 2",
        "attributes": {"projector": true, "seats": 8},
        "time_zone": "Europe/Berlin",
        "weekly": {
            "mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]], "wed": [["08:00", "18:00"]],
            "thu": [["08:00", "18:00"]], "fri": [["08:00", "18:00"]]
        },
        "min_duration_minutes": 30,
        "max_duration_minutes": 240
    });
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

async fn create_room(app: &TestApp, org: &Org, name: &str, extra: Value) -> String {
    let (status, body) = call(
        app,
        Method::POST,
        "/api/v1/resources",
        Some(&org.key),
        Some(room(name, extra)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// A member of `org` and an API key that acts as them.
async fn member_key(app: &TestApp, org: &Org, email: &str) -> String {
    let user = app
        .member(
            org,
            email,
            domain::access::Role::Member,
            "correct horse battery",
        )
        .await;
    let (status, body) = call(
        app,
        Method::POST,
        "/api/v1/api-keys",
        Some(&org.key),
        Some(json!({"name": "tests", "user_id": user.id.to_string()})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["key"].as_str().unwrap().to_owned()
}

async fn reserve(
    app: &TestApp,
    key: &str,
    resources: &[&str],
    start: &str,
    end: &str,
) -> (StatusCode, Value) {
    call(
        app,
        Method::POST,
        "/api/v1/reservations",
        Some(key),
        Some(
            json!({"resource_ids": resources, "start_at": start, "end_at": end, "title": "Review"}),
        ),
    )
    .await
}

fn refusal(body: &Value) -> (&str, &str) {
    (
        body["errors"][0]["pointer"].as_str().unwrap_or_default(),
        body["errors"][0]["code"].as_str().unwrap_or_default(),
    )
}

app_test!(
    a_manager_describes_a_room_and_a_member_reserves_it,
    |app| async move {
        let org = app.organization("acme").await;
        let (status, building) = call(
            &app,
            Method::POST,
            "/api/v1/resource-groups",
            Some(&org.key),
            Some(json!({"name": "Building A"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{building}");
        let (status, floor) = call(
            &app,
            Method::POST,
            "/api/v1/resource-groups",
            Some(&org.key),
            Some(json!({"name": "Floor 2", "parent_id": building["id"]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{floor}");
        let ada = create_room(&app, &org, "Room Ada", json!({"group_id": floor["id"]})).await;
        let mia = member_key(&app, &org, "mia@acme.example").await;
        let max = member_key(&app, &org, "max@acme.example").await;

        // Members see resources but do not manage them.
        let (status, list) = call(&app, Method::GET, "/api/v1/resources", Some(&mia), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list[0]["name"], "Room Ada");
        assert_eq!(list[0]["attributes"]["seats"], 8);
        let (status, _) = call(
            &app,
            Method::POST,
            "/api/v1/resources",
            Some(&mia),
            Some(room("Mine", json!({}))),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        let monday = next_monday();
        let (status, reservation) = reserve(
            &app,
            &mia,
            &[&ada],
            &berlin(monday, 10, 0),
            &berlin(monday, 11, 0),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{reservation}");
        assert_eq!(reservation["status"], "confirmed");
        assert_eq!(reservation["source"], "api");
        let id = reservation["id"].as_str().unwrap().to_owned();

        // Capacity 1: an overlap is refused and names the resource.
        let (status, body) = reserve(
            &app,
            &max,
            &[&ada],
            &berlin(monday, 10, 30),
            &berlin(monday, 11, 30),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["code"], "resource_unavailable");
        assert_eq!(refusal(&body), ("/resource_ids/0", "full"));
        assert!(
            body["detail"].as_str().unwrap().contains("Room Ada"),
            "{body}"
        );
        // Back to back is fine.
        let (status, body) = reserve(
            &app,
            &max,
            &[&ada],
            &berlin(monday, 11, 0),
            &berlin(monday, 12, 0),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        // The resource's rules, each named where it applies.
        let (status, body) = reserve(
            &app,
            &max,
            &[&ada],
            &berlin(monday, 17, 30),
            &berlin(monday, 18, 30),
        )
        .await;
        assert_eq!(
            (status, refusal(&body)),
            (StatusCode::CONFLICT, ("/start_at", "outside_hours"))
        );
        let (status, body) = reserve(
            &app,
            &max,
            &[&ada],
            &berlin(monday, 14, 0),
            &berlin(monday, 14, 15),
        )
        .await;
        assert_eq!(
            (status, refusal(&body)),
            (StatusCode::CONFLICT, ("/end_at", "too_short"))
        );
        let (status, body) = reserve(
            &app,
            &max,
            &[&ada],
            &berlin(monday, 9, 0),
            &berlin(monday, 14, 0),
        )
        .await;
        assert_eq!(
            (status, refusal(&body)),
            (StatusCode::CONFLICT, ("/end_at", "too_long"))
        );

        // Members see their own reservations only.
        let (_, mine) = call(&app, Method::GET, "/api/v1/reservations", Some(&mia), None).await;
        assert_eq!(mine.as_array().unwrap().len(), 1);
        let (status, _) = call(
            &app,
            Method::GET,
            &format!("/api/v1/reservations/{id}"),
            Some(&max),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/reservations/{id}/cancel"),
            Some(&max),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, all) = call(
            &app,
            Method::GET,
            "/api/v1/reservations",
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(all.as_array().unwrap().len(), 2);

        // Cancelling frees the time.
        let (status, cancelled) = call(
            &app,
            Method::POST,
            &format!("/api/v1/reservations/{id}/cancel"),
            Some(&mia),
            Some(json!({"reason": "moved online"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{cancelled}");
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(cancelled["reason"], "moved online");
        let (status, body) = reserve(
            &app,
            &max,
            &[&ada],
            &berlin(monday, 10, 0),
            &berlin(monday, 11, 0),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        // A resource with reservations is kept; its group cannot go while it holds it.
        let (status, body) = call(
            &app,
            Method::DELETE,
            &format!("/api/v1/resources/{ada}"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("has_reservations"))
        );
        let (status, body) = call(
            &app,
            Method::DELETE,
            &format!("/api/v1/resource-groups/{}", floor["id"].as_str().unwrap()),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("group_not_empty"))
        );

        // Hidden: gone for members, there for managers.
        let (status, _) = call(
            &app,
            Method::PUT,
            &format!("/api/v1/resources/{ada}"),
            Some(&org.key),
            Some(room("Room Ada", json!({"status": "hidden"}))),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (_, list) = call(&app, Method::GET, "/api/v1/resources", Some(&mia), None).await;
        assert_eq!(list, json!([]));
        let (status, _) = call(
            &app,
            Method::GET,
            &format!("/api/v1/resources/{ada}"),
            Some(&mia),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, list) = call(&app, Method::GET, "/api/v1/resources", Some(&org.key), None).await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        app.run_pending_jobs().await;
    }
);

app_test!(
    a_room_that_needs_approval_is_held_while_pending,
    |app| async move {
        let org = app.organization("acme").await;
        let hall = create_room(&app, &org, "Hall", json!({"requires_approval": true})).await;
        let mia = member_key(&app, &org, "mia@acme.example").await;
        let max = member_key(&app, &org, "max@acme.example").await;
        let monday = next_monday();
        let (status, pending) = reserve(
            &app,
            &mia,
            &[&hall],
            &berlin(monday, 9, 0),
            &berlin(monday, 10, 0),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{pending}");
        assert_eq!(pending["status"], "pending");
        let id = pending["id"].as_str().unwrap().to_owned();
        let (status, body) = reserve(
            &app,
            &max,
            &[&hall],
            &berlin(monday, 9, 0),
            &berlin(monday, 10, 0),
        )
        .await;
        assert_eq!(
            (status, refusal(&body)),
            (StatusCode::CONFLICT, ("/resource_ids/0", "full"))
        );
        let path = |verb: &str| format!("/api/v1/reservations/{id}/{verb}");
        let (status, _) = call(
            &app,
            Method::POST,
            &path("approve"),
            Some(&mia),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, approved) = call(
            &app,
            Method::POST,
            &path("approve"),
            Some(&org.key),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        assert_eq!(approved["status"], "confirmed");
        let (status, body) = call(
            &app,
            Method::POST,
            &path("reject"),
            Some(&org.key),
            Some(json!({})),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("invalid_transition"))
        );
        // A manager's own reservation needs no approval.
        let (status, body) = reserve(
            &app,
            &org.key,
            &[&hall],
            &berlin(monday, 11, 0),
            &berlin(monday, 12, 0),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(body["status"], "confirmed");
        app.run_pending_jobs().await;
    }
);

app_test!(
    a_reservation_holds_all_its_resources_or_none,
    |app| async move {
        let org = app.organization("acme").await;
        let ada = create_room(&app, &org, "Room Ada", json!({})).await;
        let beamer = create_room(
            &app,
            &org,
            "Beamer",
            json!({"kind": "equipment", "capacity": 2}),
        )
        .await;
        let monday = next_monday();
        let (start, end) = (berlin(monday, 13, 0), berlin(monday, 14, 0));
        let (status, both) = reserve(&app, &org.key, &[&ada, &beamer], &start, &end).await;
        assert_eq!(status, StatusCode::CREATED, "{both}");
        assert_eq!(both["resource_ids"].as_array().unwrap().len(), 2);
        // The beamer has a second unit, the room does not: nothing is held.
        let (status, body) = reserve(&app, &org.key, &[&beamer, &ada], &start, &end).await;
        assert_eq!(
            (status, refusal(&body)),
            (StatusCode::CONFLICT, ("/resource_ids/1", "full"))
        );
        let (_, held) = call(
            &app,
            Method::GET,
            &format!("/api/v1/reservations?resource_id={beamer}"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(held.as_array().unwrap().len(), 1, "{held}");
        let (status, body) = reserve(&app, &org.key, &[&beamer], &start, &end).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
);

app_test!(bad_reservations_name_their_field, |app| async move {
    let org = app.organization("acme").await;
    let ada = create_room(&app, &org, "Room Ada", json!({})).await;
    let monday = next_monday();
    let (status, body) = reserve(
        &app,
        &org.key,
        &[&ada, &ada],
        &berlin(monday, 11, 0),
        &berlin(monday, 10, 0),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/resource_ids/1", "/end_at"], "{body}");
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/reservations",
        Some(&org.key),
        Some(
            json!({"resource_ids": [ada], "start_at": berlin(monday, 9, 0),
                        "end_at": berlin(monday, 10, 0), "titel": "typo"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/resources",
        Some(&org.key),
        Some(room(
            "",
            json!({"capacity": 0, "time_zone": "Mars/Base",
                                 "weekly": {"funday": [["09:00", "10:00"]]}}),
        )),
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
        ["/name", "/capacity", "/time_zone", "/weekly/funday"],
        "{body}"
    );
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/resources",
        Some(&org.key),
        Some(room("Room Ada", json!({}))),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["errors"][0]["pointer"], "/name");
});

/// Awaits every future, all in flight at once.
async fn join_all<F: std::future::Future<Output = T> + Send + 'static, T: Send + 'static>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<T> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

store::backend_test!(
    fifty_reservations_race_for_a_room_of_capacity_three,
    |t| async move {
        let app = TestApp::builder().many_invitees().start(t).await;
        let org = app.organization("acme").await;
        let studio = create_room(&app, &org, "Studio", json!({"capacity": 3})).await;
        let monday = next_monday();
        let body = json!({"resource_ids": [studio], "start_at": berlin(monday, 9, 0),
                          "end_at": berlin(monday, 10, 0)});
        let client = reqwest::Client::new();
        let attempts = (0..50).map(|i| {
            // Half start a little later: overlapping, not identical, periods.
            let mut body = body.clone();
            if i % 2 == 1 {
                body["start_at"] = json!(berlin(monday, 9, 30));
                body["end_at"] = json!(berlin(monday, 10, 30));
            }
            let request = client
                .post(app.url("/api/v1/reservations"))
                .bearer_auth(&org.key)
                .json(&body);
            async move { request.send().await.unwrap().status() }
        });
        let statuses = join_all(attempts).await;
        let created = statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count();
        let full = statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count();
        assert_eq!((created, full), (3, 47), "{statuses:?}");
        let (_, held) = call(
            &app,
            Method::GET,
            "/api/v1/reservations",
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(held.as_array().unwrap().len(), 3);
    }
);

#[tokio::test]
async fn two_servers_on_one_postgres_race_for_a_room_of_capacity_three() {
    let Some(db) = store::testing::TestDb::postgres().await else {
        return;
    };
    let url = db.url().to_owned();
    let app = TestApp::builder().many_invitees().start(db).await;
    let other = common::second_server(&url).await;
    let org = app.organization("acme").await;
    let studio = create_room(&app, &org, "Studio", json!({"capacity": 3})).await;
    let monday = next_monday();
    let body = json!({"resource_ids": [studio], "start_at": berlin(monday, 9, 0),
                      "end_at": berlin(monday, 10, 0)});
    outbound::install_crypto_provider();
    let client = reqwest::Client::new();
    let attempts = (0..40).map(|i| {
        let url = if i % 2 == 0 {
            app.url("/api/v1/reservations")
        } else {
            format!("http://{other}/api/v1/reservations")
        };
        let request = client.post(url).bearer_auth(&org.key).json(&body);
        async move { request.send().await.unwrap().status() }
    });
    let statuses = join_all(attempts).await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 3, "{statuses:?}");
}

app_test!(
    a_weekly_quota_limits_each_member_and_names_itself,
    |app| async move {
        let org = app.organization("acme").await;
        let ada = create_room(&app, &org, "Room Ada", json!({})).await;
        let (status, quota) = call(
            &app,
            Method::POST,
            "/api/v1/resource-quotas",
            Some(&org.key),
            Some(
                json!({"name": "Ada: 2 hours a week", "limit": 2, "unit": "hours",
                        "period": "week", "scope": "resource", "resource_id": ada,
                        "time_zone": "Europe/Berlin"}),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{quota}");
        assert_eq!(quota["first_weekday"], "monday");
        let mia = member_key(&app, &org, "mia@acme.example").await;
        let max = member_key(&app, &org, "max@acme.example").await;
        let monday = next_monday();
        let day = |n: i64| monday.checked_add(jiff::Span::new().days(n)).unwrap();
        for n in [0, 1] {
            let (status, body) = reserve(
                &app,
                &mia,
                &[&ada],
                &berlin(day(n), 9, 0),
                &berlin(day(n), 10, 0),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        // Two hours is the limit, not over it; a third is.
        let (status, body) = reserve(
            &app,
            &mia,
            &[&ada],
            &berlin(day(2), 9, 0),
            &berlin(day(2), 10, 0),
        )
        .await;
        assert_eq!(
            (status, refusal(&body)),
            (StatusCode::CONFLICT, ("/resource_ids/0", "over_quota"))
        );
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains("Ada: 2 hours a week") && detail.contains(&monday.to_string()),
            "{detail}"
        );
        // The quota limits each person; next week starts afresh; managers are not held to it.
        let (status, _) = reserve(
            &app,
            &max,
            &[&ada],
            &berlin(day(2), 9, 0),
            &berlin(day(2), 10, 0),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = reserve(
            &app,
            &mia,
            &[&ada],
            &berlin(day(7), 9, 0),
            &berlin(day(7), 10, 0),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = reserve(
            &app,
            &org.key,
            &[&ada],
            &berlin(day(3), 9, 0),
            &berlin(day(3), 12, 0),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        // Cancelling gives the time back.
        let (_, mine) = call(&app, Method::GET, "/api/v1/reservations", Some(&mia), None).await;
        let first = mine[0]["id"].as_str().unwrap();
        let (status, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/reservations/{first}/cancel"),
            Some(&mia),
            Some(json!({})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = reserve(
            &app,
            &mia,
            &[&ada],
            &berlin(day(4), 9, 0),
            &berlin(day(4), 10, 0),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        // Members read the quotas they reserve under, and change none.
        let (status, list) = call(
            &app,
            Method::GET,
            "/api/v1/resource-quotas",
            Some(&mia),
            None,
        )
        .await;
        assert_eq!(
            (status, list.as_array().unwrap().len()),
            (StatusCode::OK, 1)
        );
        let id = quota["id"].as_str().unwrap();
        let (status, _) = call(
            &app,
            Method::DELETE,
            &format!("/api/v1/resource-quotas/{id}"),
            Some(&mia),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.run_pending_jobs().await;
    }
);

app_test!(
    a_daily_quota_counts_only_its_enforced_hours,
    |app| async move {
        let org = app.organization("acme").await;
        let ada = create_room(&app, &org, "Room Ada", json!({})).await;
        let (status, quota) = call(
            &app,
            Method::POST,
            "/api/v1/resource-quotas",
            Some(&org.key),
            Some(
                json!({"name": "One morning booking", "limit": 1, "unit": "reservations",
                        "period": "day", "enforced_hours": ["08:00", "12:00"],
                        "time_zone": "Europe/Berlin"}),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{quota}");
        let mia = member_key(&app, &org, "mia@acme.example").await;
        let monday = next_monday();
        let at = |h| berlin(monday, h, 0);
        assert_eq!(
            reserve(&app, &mia, &[&ada], &at(9), &at(10)).await.0,
            StatusCode::CREATED
        );
        assert_eq!(
            reserve(&app, &mia, &[&ada], &at(13), &at(14)).await.0,
            StatusCode::CREATED
        );
        assert_eq!(
            reserve(&app, &mia, &[&ada], &at(14), &at(15)).await.0,
            StatusCode::CREATED
        );
        let (status, body) = reserve(&app, &mia, &[&ada], &at(11), &at(13)).await;
        assert_eq!(
            (status, refusal(&body)),
            (StatusCode::CONFLICT, ("/resource_ids/0", "over_quota"))
        );

        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/resource-quotas",
            Some(&org.key),
            Some(
                json!({"name": "Bad", "limit": -1, "unit": "hours", "period": "week",
                        "enforced_hours": ["12:00", "08:00"], "first_weekday": "Funday",
                        "time_zone": "Europe/Berlin"}),
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
        assert_eq!(pointers, ["/limit", "/first_weekday", "/enforced_hours"]);
        let (status, _) = call(
            &app,
            Method::POST,
            "/api/v1/resource-quotas",
            Some(&org.key),
            Some(
                json!({"name": "Ghost", "limit": 1, "unit": "hours", "period": "week",
                        "resource_id": "00000000-0000-7000-8000-000000000000",
                        "time_zone": "Europe/Berlin"}),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        app.run_pending_jobs().await;
    }
);

app_test!(
    a_search_lists_the_rooms_free_for_a_period_and_why_the_others_are_not,
    |app| async move {
        let org = app.organization("acme").await;
        let group = |name: &str, parent: Option<Value>| {
            let body = json!({"name": name, "parent_id": parent});
            let app = &app;
            let key = org.key.clone();
            async move {
                let (status, g) = call(
                    app,
                    Method::POST,
                    "/api/v1/resource-groups",
                    Some(&key),
                    Some(body),
                )
                .await;
                assert_eq!(status, StatusCode::CREATED, "{g}");
                g["id"].clone()
            }
        };
        let building_a = group("Building A", None).await;
        let floor = group("Floor 2", Some(building_a.clone())).await;
        let building_b = group("Building B", None).await;
        let room_in = |group: &Value, projector: bool, seats: i64| json!({"group_id": group, "attributes": {"projector": projector, "seats": seats}});
        let ada = create_room(&app, &org, "Ada", room_in(&floor, true, 8)).await;
        create_room(&app, &org, "Babbage", room_in(&floor, false, 12)).await;
        create_room(&app, &org, "Curie", room_in(&floor, true, 4)).await;
        create_room(&app, &org, "Dijkstra", room_in(&building_b, true, 10)).await;
        create_room(&app, &org, "Eve", room_in(&building_a, true, 10)).await;
        let tuesday = next_monday().tomorrow().unwrap();
        let (start, end) = (berlin(tuesday, 14, 0), berlin(tuesday, 15, 0));
        let (status, _) = reserve(&app, &org.key, &[&ada], &berlin(tuesday, 14, 30), &end).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, hits) = call(
            &app,
            Method::POST,
            "/api/v1/resources/search",
            Some(&org.key),
            Some(
                json!({"start_at": start, "end_at": end, "group_id": building_a,
                        "attributes": {"projector": true}, "at_least": {"seats": 8}}),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{hits}");
        let summary: Vec<(&str, bool, Option<&str>)> = hits
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["resource"]["name"].as_str().unwrap(),
                    h["available"].as_bool().unwrap(),
                    h["reason"].as_str(),
                )
            })
            .collect();
        assert_eq!(summary, [("Eve", true, None), ("Ada", false, Some("full"))]);
        // In the evening every room is closed.
        let (_, hits) = call(
            &app,
            Method::POST,
            "/api/v1/resources/search",
            Some(&org.key),
            Some(json!({"start_at": berlin(tuesday, 19, 0), "end_at": berlin(tuesday, 20, 0)})),
        )
        .await;
        assert!(
            hits.as_array()
                .unwrap()
                .iter()
                .all(|h| h["reason"] == "outside_hours"),
            "{hits}"
        );
        assert_eq!(hits.as_array().unwrap().len(), 5);
    }
);

/// A dashboard page or form answer as a signed-in browser gets it.
async fn page(
    app: &TestApp,
    cookie: &str,
    method: Method,
    path: &str,
    form: &[(&str, String)],
) -> (StatusCode, String) {
    use common::FormBody;
    let mut request = app
        .request(method, path)
        .header(reqwest::header::COOKIE, cookie);
    if !form.is_empty() {
        request = request.form_body(form);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

app_test!(
    a_member_finds_and_reserves_a_room_on_the_dashboard,
    |app| async move {
        let org = app.organization("acme").await;
        create_room(&app, &org, "Room Ada", json!({})).await;
        let _ = member_key(&app, &org, "mia@acme.example").await;
        let (cookie, csrf) = app
            .sign_in("acme", "mia@acme.example", "correct horse battery")
            .await;
        let monday = next_monday().to_string();
        let find = format!("/dashboard/resources?date={monday}&from=10:00&to=11:00&seats=");
        let (status, html) = page(&app, &cookie, Method::GET, &find, &[]).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains("Room Ada") && html.contains(">free<"),
            "{html}"
        );
        assert!(
            !html.contains("Add a resource"),
            "members do not manage resources"
        );
        let id = html
            .split("name=\"resource_id\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        let form = |title: &str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("resource_id", id.clone()),
                ("date", monday.clone()),
                ("from", "10:00".to_owned()),
                ("to", "11:00".to_owned()),
                ("seats", String::new()),
                ("title", title.to_owned()),
            ]
        };
        let (status, html) = page(
            &app,
            &cookie,
            Method::POST,
            "/dashboard/resources/reserve",
            &form("Design review"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Reserved "), "{html}");
        assert!(
            html.contains("Design review"),
            "listed under your reservations"
        );
        let (status, html) = page(
            &app,
            &cookie,
            Method::POST,
            "/dashboard/resources/reserve",
            &form("Again"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("Room Ada is already reserved"), "{html}");
        // Evening: closed, and the page says why.
        let late = format!("/dashboard/resources?date={monday}&from=19:00&to=20:00");
        let (_, html) = page(&app, &cookie, Method::GET, &late, &[]).await;
        assert!(html.contains("outside the hours of Room Ada"), "{html}");
        app.run_pending_jobs().await;
    }
);

app_test!(
    an_admin_adds_a_resource_and_approves_reservations_on_the_dashboard,
    |app| async move {
        let org = app.organization("acme").await;
        app.member(
            &org,
            "ada@acme.example",
            domain::access::Role::Admin,
            "correct horse battery",
        )
        .await;
        let (cookie, csrf) = app
            .sign_in("acme", "ada@acme.example", "correct horse battery")
            .await;
        let (status, html) = page(&app, &cookie, Method::GET, "/dashboard/resources", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Add a resource") && html.contains("Nothing waits for approval"));
        let new = |name: &str, capacity: &str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("name", name.to_owned()),
                ("kind", "space".to_owned()),
                ("capacity", capacity.to_owned()),
                ("location", "Floor 2".to_owned()),
                ("time_zone", "Europe/Berlin".to_owned()),
                ("opens", "08:00".to_owned()),
                ("closes", "18:00".to_owned()),
                ("requires_approval", "on".to_owned()),
            ]
        };
        let (status, html) = page(
            &app,
            &cookie,
            Method::POST,
            "/dashboard/resources",
            &new("", "0"),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html.contains("id=\"e-name\"") && html.contains("id=\"e-capacity\""),
            "{html}"
        );
        let (status, html) = page(
            &app,
            &cookie,
            Method::POST,
            "/dashboard/resources",
            &new("Hall", "1"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Hall added."), "{html}");
        assert!(html.contains("needs approval"), "{html}");
        // A member's request waits in the queue until the admin approves it.
        let mia = member_key(&app, &org, "mia@acme.example").await;
        let (_, list) = call(&app, Method::GET, "/api/v1/resources", Some(&mia), None).await;
        let hall = list[0]["id"].as_str().unwrap().to_owned();
        let monday = next_monday();
        let (status, pending) = reserve(
            &app,
            &mia,
            &[&hall],
            &berlin(monday, 9, 0),
            &berlin(monday, 10, 0),
        )
        .await;
        assert_eq!(
            (status, pending["status"].as_str()),
            (StatusCode::CREATED, Some("pending"))
        );
        let (_, html) = page(&app, &cookie, Method::GET, "/dashboard/resources", &[]).await;
        assert!(
            html.contains("Waiting for approval") && html.contains(">Approve<"),
            "{html}"
        );
        let approve = format!(
            "/dashboard/reservations/{}/approve",
            pending["id"].as_str().unwrap()
        );
        let (status, html) = page(
            &app,
            &cookie,
            Method::POST,
            &approve,
            &[("csrf_token", csrf.clone())],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains("Reservation approved.") && html.contains("Nothing waits for approval")
        );
        app.run_pending_jobs().await;
    }
);

app_test!(
    a_blackout_refuses_cancels_or_keeps_what_it_overlaps,
    |app| async move {
        let org = app.organization("acme").await;
        let (_, building) = call(
            &app,
            Method::POST,
            "/api/v1/resource-groups",
            Some(&org.key),
            Some(json!({"name": "Building A"})),
        )
        .await;
        let (_, floor) = call(
            &app,
            Method::POST,
            "/api/v1/resource-groups",
            Some(&org.key),
            Some(json!({"name": "Floor 2", "parent_id": building["id"]})),
        )
        .await;
        let ada = create_room(&app, &org, "Ada", json!({"group_id": floor["id"]})).await;
        let eve = create_room(&app, &org, "Eve", json!({})).await;
        let monday = next_monday();
        let (_, booked) = reserve(
            &app,
            &org.key,
            &[&ada],
            &berlin(monday, 9, 0),
            &berlin(monday, 10, 0),
        )
        .await;
        let blackout = |policy: &str| {
            json!({"title": "Floor closed for painting", "start_at": berlin(monday, 8, 0),
                   "end_at": berlin(monday, 12, 0), "group_id": building["id"], "policy": policy})
        };
        // Refuse (the default) while a reservation of a room below the group overlaps.
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/resource-blackouts",
            Some(&org.key),
            Some(blackout("refuse")),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("reservations_overlap"))
        );
        // Notify keeps it and lists it.
        let (status, kept) = call(
            &app,
            Method::POST,
            "/api/v1/resource-blackouts",
            Some(&org.key),
            Some(blackout("notify")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{kept}");
        assert_eq!(kept["overlapping"][0]["id"], booked["id"]);
        assert_eq!(kept["overlapping"][0]["status"], "confirmed");
        // The blacked-out time can no longer be reserved there; other rooms are untouched.
        let (status, body) = reserve(
            &app,
            &org.key,
            &[&ada],
            &berlin(monday, 11, 0),
            &berlin(monday, 12, 0),
        )
        .await;
        assert_eq!(
            (status, refusal(&body)),
            (StatusCode::CONFLICT, ("/start_at", "blacked_out"))
        );
        let (status, _) = reserve(
            &app,
            &org.key,
            &[&eve],
            &berlin(monday, 11, 0),
            &berlin(monday, 12, 0),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        // Cancel cancels the overlapping reservation with the title as the reason.
        let id = kept["blackout"]["id"].as_str().unwrap();
        let (status, _) = call(
            &app,
            Method::DELETE,
            &format!("/api/v1/resource-blackouts/{id}"),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, cancelled) = call(
            &app,
            Method::POST,
            "/api/v1/resource-blackouts",
            Some(&org.key),
            Some(blackout("cancel")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{cancelled}");
        assert_eq!(cancelled["overlapping"][0]["status"], "cancelled");
        assert_eq!(
            cancelled["overlapping"][0]["reason"],
            "Cancelled: Floor closed for painting"
        );
        let (_, list) = call(
            &app,
            Method::GET,
            &format!(
                "/api/v1/resource-blackouts?from={}&until={}",
                berlin(monday, 0, 0),
                berlin(monday, 23, 0)
            ),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
        // A blackout names a resource or a group, not both and not neither.
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/resource-blackouts",
            Some(&org.key),
            Some(json!({"title": "x", "start_at": berlin(monday, 8, 0), "end_at": berlin(monday, 9, 0)})),
        )
        .await;
        assert_eq!(
            (status, body["errors"][0]["pointer"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("/resource_id"))
        );
    }
);

app_test!(
    a_reservation_nobody_checked_in_to_is_released,
    |app| async move {
        let org = app.organization("acme").await;
        let all_week: serde_json::Map<String, Value> =
            ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .iter()
                .map(|d| ((*d).to_owned(), json!([["00:00", "24:00"]])))
                .collect();
        let desk = create_room(
            &app,
            &org,
            "Desk 7",
            json!({"kind": "space", "weekly": all_week, "check_in_required": true,
                   "release_after_minutes": 10, "max_duration_minutes": null}),
        )
        .await;
        let soon = jiff::Timestamp::now()
            .round(
                jiff::TimestampRound::new()
                    .smallest(jiff::Unit::Minute)
                    .mode(jiff::RoundMode::Ceil),
            )
            .unwrap()
            + jiff::SignedDuration::from_mins(2);
        let hour = jiff::SignedDuration::from_hours(1);
        let (status, now_one) = reserve(
            &app,
            &org.key,
            &[&desk],
            &soon.to_string(),
            &(soon + hour).to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{now_one}");
        let (status, later) = reserve(
            &app,
            &org.key,
            &[&desk],
            &(soon + hour).to_string(),
            &(soon + hour * 2).to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{later}");
        let check_in =
            |id: &Value| format!("/api/v1/reservations/{}/check-in", id.as_str().unwrap());
        let (status, checked) = call(
            &app,
            Method::POST,
            &check_in(&now_one["id"]),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{checked}");
        let first = checked["checked_in_at"].clone();
        assert!(first.is_string(), "{checked}");
        let (_, again) = call(
            &app,
            Method::POST,
            &check_in(&now_one["id"]),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(again["checked_in_at"], first, "the first check-in is kept");
        let (status, body) = call(
            &app,
            Method::POST,
            &check_in(&later["id"]),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(
            (status, body["errors"][0]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("not_now"))
        );

        // Both release jobs run now: the one checked in to stays, the other is released.
        let scope = app.scope(&org.key).await;
        for r in [&now_one, &later] {
            let key = format!("release:{}", r["id"].as_str().unwrap());
            assert!(
                app.db
                    .db
                    .jobs()
                    .run_now(&scope, "reservation.release", &key)
                    .await
                    .unwrap()
            );
        }
        app.run_pending_jobs().await;
        let get = |id: &Value| format!("/api/v1/reservations/{}", id.as_str().unwrap());
        let (_, kept) = call(
            &app,
            Method::GET,
            &get(&now_one["id"]),
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(kept["status"], "confirmed");
        let (_, released) = call(&app, Method::GET, &get(&later["id"]), Some(&org.key), None).await;
        assert_eq!(released["status"], "cancelled");
        assert_eq!(released["reason"], "Released: nobody checked in");
        // The released time is free again.
        let (status, _) = reserve(
            &app,
            &org.key,
            &[&desk],
            &(soon + hour).to_string(),
            &(soon + hour * 2).to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
);

app_test!(
    collisions_go_to_the_conflict_log_for_a_manager_to_settle,
    |app| async move {
        let org = app.organization("acme").await;
        let beamer = create_room(
            &app,
            &org,
            "Beamer",
            json!({"kind": "equipment", "capacity": 2}),
        )
        .await;
        let monday = next_monday();
        for _ in 0..2 {
            let (status, _) = reserve(
                &app,
                &org.key,
                &[&beamer],
                &berlin(monday, 9, 0),
                &berlin(monday, 10, 0),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED);
        }
        // One unit breaks: capacity 1 while two reservations overlap.
        let (status, _) = call(
            &app,
            Method::PUT,
            &format!("/api/v1/resources/{beamer}"),
            Some(&org.key),
            Some(room("Beamer", json!({"kind": "equipment", "capacity": 1}))),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        // And a blackout over them is kept with notify.
        let (status, _) = call(
            &app,
            Method::POST,
            "/api/v1/resource-blackouts",
            Some(&org.key),
            Some(json!({"title": "Lamp change", "start_at": berlin(monday, 8, 0),
                        "end_at": berlin(monday, 11, 0), "resource_id": beamer, "policy": "notify"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, log) = call(
            &app,
            Method::GET,
            "/api/v1/resource-conflicts?status=open",
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{log}");
        let kinds: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == "blackout").count(),
            2,
            "{log}"
        );
        assert_eq!(
            kinds.iter().filter(|k| **k == "capacity_cut").count(),
            1,
            "{log}"
        );
        let cut = log
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "capacity_cut")
            .unwrap();
        assert!(cut["detail"].as_str().unwrap().contains("Up to 2"), "{cut}");
        let id = cut["id"].as_str().unwrap();
        let (status, settled) = call(
            &app,
            Method::PATCH,
            &format!("/api/v1/resource-conflicts/{id}"),
            Some(&org.key),
            Some(json!({"status": "resolved", "resolution": "Borrowed a beamer from floor 3"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{settled}");
        assert_eq!(settled["status"], "resolved");
        let (_, open) = call(
            &app,
            Method::GET,
            "/api/v1/resource-conflicts?status=open",
            Some(&org.key),
            None,
        )
        .await;
        assert_eq!(open.as_array().unwrap().len(), 2);
        // Members do not read the log.
        let mia = member_key(&app, &org, "mia@acme.example").await;
        let (status, _) = call(
            &app,
            Method::GET,
            "/api/v1/resource-conflicts",
            Some(&mia),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.run_pending_jobs().await;
    }
);

app_test!(
    the_dashboard_checks_in_and_settles_conflicts,
    |app| async move {
        let org = app.organization("acme").await;
        app.member(
            &org,
            "ada@acme.example",
            domain::access::Role::Admin,
            "correct horse battery",
        )
        .await;
        let (cookie, csrf) = app
            .sign_in("acme", "ada@acme.example", "correct horse battery")
            .await;
        let all_week: serde_json::Map<String, Value> =
            ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .iter()
                .map(|d| ((*d).to_owned(), json!([["00:00", "24:00"]])))
                .collect();
        let desk = create_room(
            &app,
            &org,
            "Desk 7",
            json!({"weekly": all_week, "check_in_required": true, "max_duration_minutes": null}),
        )
        .await;
        // Ada's own reservation, starting in a few minutes: check-in is open.
        let (_, api_keys) = call(&app, Method::GET, "/api/v1/users", Some(&org.key), None).await;
        let ada_id = api_keys
            .as_array()
            .and_then(|users| users.iter().find(|u| u["email"] == "ada@acme.example"))
            .map(|u| u["id"].clone())
            .unwrap();
        let (_, key) = call(
            &app,
            Method::POST,
            "/api/v1/api-keys",
            Some(&org.key),
            Some(json!({"name": "ada", "user_id": ada_id})),
        )
        .await;
        let ada_key = key["key"].as_str().unwrap().to_owned();
        let soon = jiff::Timestamp::now()
            .round(
                jiff::TimestampRound::new()
                    .smallest(jiff::Unit::Minute)
                    .mode(jiff::RoundMode::Ceil),
            )
            .unwrap()
            + jiff::SignedDuration::from_mins(2);
        let (status, mine) = reserve(
            &app,
            &ada_key,
            &[&desk],
            &soon.to_string(),
            &(soon + jiff::SignedDuration::from_hours(1)).to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{mine}");
        let (_, html) = page(&app, &cookie, Method::GET, "/dashboard/resources", &[]).await;
        assert!(html.contains(">Check in<"), "{html}");
        let check_in = format!(
            "/dashboard/reservations/{}/check-in",
            mine["id"].as_str().unwrap()
        );
        let (status, html) = page(
            &app,
            &cookie,
            Method::POST,
            &check_in,
            &[("csrf_token", csrf.clone())],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains("Checked in.") && html.contains(">checked in<"),
            "{html}"
        );

        // A blackout kept over it is an open conflict, settled from the page.
        let (status, _) = call(
            &app,
            Method::POST,
            "/api/v1/resource-blackouts",
            Some(&org.key),
            Some(json!({"title": "Cleaning", "start_at": soon.to_string(),
                        "end_at": (soon + jiff::SignedDuration::from_hours(2)).to_string(),
                        "resource_id": desk, "policy": "notify"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, html) = page(&app, &cookie, Method::GET, "/dashboard/resources", &[]).await;
        assert!(html.contains("overlaps the blackout “Cleaning”"), "{html}");
        let (_, log) = call(
            &app,
            Method::GET,
            "/api/v1/resource-conflicts",
            Some(&org.key),
            None,
        )
        .await;
        let settle = format!(
            "/dashboard/resource-conflicts/{}/ignored",
            log[0]["id"].as_str().unwrap()
        );
        let (status, html) = page(
            &app,
            &cookie,
            Method::POST,
            &settle,
            &[("csrf_token", csrf.clone())],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(
            html.contains("Conflict marked ignored.") && html.contains("No open conflicts."),
            "{html}"
        );
        app.run_pending_jobs().await;
    }
);
