//! Who may read and write what, end to end on both backends: shared objects need the
//! permission of their kind (members change their own), reads of bookings, contacts,
//! routing submissions and calendar connections reach only as far as the reader hosts, and
//! an event type whose host is suspended or removed is not offered to the public.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Org, TestApp, call};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// Monday of the week after next, in Berlin: always in the future, never in notice.
fn next_monday() -> jiff::civil::Date {
    let today = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::get("Europe/Berlin").unwrap())
        .date();
    let mut day = today.checked_add(jiff::Span::new().days(8)).unwrap();
    while day.weekday() != jiff::civil::Weekday::Monday {
        day = day.tomorrow().unwrap();
    }
    day
}

fn berlin(date: jiff::civil::Date, hour: i8) -> String {
    date.at(hour, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::get("Europe/Berlin").unwrap())
        .unwrap()
        .timestamp()
        .to_string()
}

/// Who calls: an API key (the organization's owner) or a signed-in session, whose
/// permissions are read at every request (a custom role given later applies at once).
#[derive(Clone, Debug)]
enum Who {
    Key(String),
    Session { cookie: String, csrf: String },
}

/// An active user of `org` with `role`, signed in: their id and session.
async fn person(
    app: &TestApp,
    org: &Org,
    email: &str,
    role: domain::access::Role,
) -> (String, Who) {
    let user = app.member(org, email, role, PASSWORD).await;
    let slug = org.created.organization.slug.clone();
    let login = app
        .request(Method::POST, "/api/v1/auth/login")
        .json(&json!({"organization": slug, "email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = login
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("rdv_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = login.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    (user.id.to_string(), Who::Session { cookie, csrf })
}

/// Calls as `who`, expecting `expected`; returns the body.
async fn expect(
    app: &TestApp,
    method: Method,
    path: &str,
    who: &Who,
    body: Option<Value>,
    expected: StatusCode,
) -> Value {
    let mut request = app.request(method.clone(), path);
    request = match who {
        Who::Key(key) => request.bearer_auth(key),
        Who::Session { cookie, csrf } => request
            .header(header::COOKIE, cookie)
            .header("x-csrf-token", csrf),
    };
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let got = serde_json::from_str(&text).unwrap_or(Value::String(text));
    assert_eq!(status, expected, "{method} {path}: {got}");
    got
}

/// The owner's key.
fn owner(org: &Org) -> Who {
    Who::Key(org.key.clone())
}

/// Gives the caller working hours on weekdays 09:00-17:00 Berlin and an event type; returns
/// its id.
async fn hosting(app: &TestApp, key: &Who, slug: &str) -> String {
    let day = json!([["09:00", "17:00"]]);
    expect(
        app,
        Method::POST,
        "/api/v1/schedules",
        key,
        Some(json!({
            "name": "Hours", "time_zone": "Europe/Berlin",
            "weekly": { "mon": day, "tue": day, "wed": day, "thu": day, "fri": day }
        })),
        StatusCode::CREATED,
    )
    .await;
    event_type(app, key, slug).await
}

/// An event type of the caller's; returns its id.
async fn event_type(app: &TestApp, key: &Who, slug: &str) -> String {
    let event = expect(
        app,
        Method::POST,
        "/api/v1/event-types",
        key,
        Some(json!({ "slug": slug, "title": slug, "duration_minutes": 30 })),
        StatusCode::CREATED,
    )
    .await;
    event["id"].as_str().unwrap().to_owned()
}

async fn book(app: &TestApp, event: &str, hour: i8, email: &str) -> (StatusCode, Value) {
    call(
        app,
        Method::POST,
        &format!("/api/v1/public/event-types/{event}/bookings"),
        None,
        Some(json!({
            "start": berlin(next_monday(), hour), "name": email, "email": email,
            "time_zone": "Europe/Berlin"
        })),
    )
    .await
}

async fn booked(app: &TestApp, event: &str, hour: i8, email: &str) -> Value {
    let (status, body) = book(app, event, hour, email).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// A custom role with `permissions`, given to `user` by the owner.
async fn custom_role(app: &TestApp, org: &Org, user: &str, permissions: &[&str]) {
    let role = expect(
        app,
        Method::POST,
        "/api/v1/roles",
        &owner(org),
        Some(json!({ "name": permissions.join(" "), "permissions": permissions })),
        StatusCode::CREATED,
    )
    .await;
    expect(
        app,
        Method::PATCH,
        &format!("/api/v1/users/{user}"),
        &owner(org),
        Some(json!({ "custom_role_id": role["id"] })),
        StatusCode::OK,
    )
    .await;
}

fn routing_form(name: &str) -> Value {
    json!({"name": name,
           "fields": [{"key": "size", "label": "Team size", "kind": "number", "required": true}],
           "routes": [],
           "fallback": {"kind": "message", "text": "We will write to you."}})
}

fn phishing_form() -> Value {
    json!({"name": "Find your call", "fields": [], "routes": [],
           "fallback": {"kind": "url", "url": "https://phish.example/login"}})
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_owned())
        .collect()
}

store::backend_test!(
    any_member_can_no_longer_rewrite_or_delete_any_routing_form,
    |t| async move {
        let app = TestApp::builder().start(t).await;
        let org = app.organization("acme").await;
        let boss = owner(&org);
        let (_, mia) = person(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
        let (max_id, max) =
            person(&app, &org, "max@acme.example", domain::access::Role::Member).await;
        let (_, ada) = person(&app, &org, "ada@acme.example", domain::access::Role::Admin).await;

        // The owner's form: a member can read it, but neither redirect nor delete it.
        let owners = expect(
            &app,
            Method::POST,
            "/api/v1/routing-forms",
            &boss,
            Some(routing_form("Owner's")),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(owners["owner_user_id"], org.created.owner.id.to_string());
        let path = format!("/api/v1/routing-forms/{}", owners["id"].as_str().unwrap());
        expect(&app, Method::GET, &path, &mia, None, StatusCode::OK).await;
        expect(
            &app,
            Method::PUT,
            &path,
            &mia,
            Some(phishing_form()),
            StatusCode::FORBIDDEN,
        )
        .await;
        expect(
            &app,
            Method::DELETE,
            &path,
            &mia,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
        let unchanged = expect(&app, Method::GET, &path, &boss, None, StatusCode::OK).await;
        assert_eq!(unchanged["fallback"]["kind"], "message", "{unchanged}");

        // The dashboard asks the same rule: its editor refuses her too.
        let (cookie, csrf) = app.sign_in("acme", "mia@acme.example", PASSWORD).await;
        let r = app
            .client
            .post(app.url(&format!(
                "/dashboard/routing-forms/{}",
                owners["id"].as_str().unwrap()
            )))
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!(
                "csrf_token={csrf}&name=Phished&fields=size+%7C+Size+%7C+number+%7C+required\
                 &rules=&fallback=url+https%3A%2F%2Fphish.example%2F"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let unchanged = expect(&app, Method::GET, &path, &boss, None, StatusCode::OK).await;
        assert_eq!(unchanged["name"], "Owner's", "{unchanged}");

        // Her own form is hers to change and delete; another member's is not.
        let mine = expect(
            &app,
            Method::POST,
            "/api/v1/routing-forms",
            &mia,
            Some(routing_form("Mia's")),
            StatusCode::CREATED,
        )
        .await;
        let mine = format!("/api/v1/routing-forms/{}", mine["id"].as_str().unwrap());
        expect(
            &app,
            Method::PUT,
            &mine,
            &mia,
            Some(routing_form("Mia's, renamed")),
            StatusCode::OK,
        )
        .await;
        expect(
            &app,
            Method::PUT,
            &mine,
            &max,
            Some(phishing_form()),
            StatusCode::FORBIDDEN,
        )
        .await;
        // Admins hold routing_forms.manage; so does a custom role that grants it.
        expect(
            &app,
            Method::PUT,
            &mine,
            &ada,
            Some(routing_form("Reviewed")),
            StatusCode::OK,
        )
        .await;
        custom_role(&app, &org, &max_id, &["routing_forms.manage"]).await;
        expect(
            &app,
            Method::PUT,
            &path,
            &max,
            Some(routing_form("Kept tidy")),
            StatusCode::OK,
        )
        .await;
        expect(
            &app,
            Method::DELETE,
            &mine,
            &mia,
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
        app.run_pending_jobs().await;
        app.shutdown().await;
    }
);

store::backend_test!(
    writing_shared_objects_needs_the_permission_for_that_object_kind,
    |t| async move {
        let app = TestApp::builder().start(t).await;
        let org = app.organization("acme").await;
        let boss = owner(&org);
        let (mia_id, mia) =
            person(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
        let (max_id, max) =
            person(&app, &org, "max@acme.example", domain::access::Role::Member).await;
        let workflow = json!({
            "name": "Desk", "trigger": "booking.created",
            "actions": [{ "kind": "email_address", "address": "desk@acme.example",
                          "subject": "New: {{ title }}", "body": "{{ title }}" }]
        });
        let webhook = json!({ "url": "https://hooks.example/rdv" });
        let template = json!({ "subject": "{{ title }}",
                               "html": "<p>{{ title }}, {{ when }}</p>",
                               "text": "{{ title }}, {{ when }}" });
        let template_path = "/api/v1/message-templates/booking.created/email";

        // A member writes none of the organization's shared objects.
        for (path, body) in [
            ("/api/v1/workflows", &workflow),
            ("/api/v1/webhooks", &webhook),
        ] {
            expect(
                &app,
                Method::POST,
                path,
                &mia,
                Some(body.clone()),
                StatusCode::FORBIDDEN,
            )
            .await;
        }
        expect(
            &app,
            Method::PUT,
            template_path,
            &mia,
            Some(template.clone()),
            StatusCode::FORBIDDEN,
        )
        .await;

        // Each kind has its own permission, usable in a custom role, and grants nothing else.
        custom_role(&app, &org, &mia_id, &["workflows.manage"]).await;
        expect(
            &app,
            Method::POST,
            "/api/v1/workflows",
            &mia,
            Some(workflow.clone()),
            StatusCode::CREATED,
        )
        .await;
        expect(
            &app,
            Method::POST,
            "/api/v1/webhooks",
            &mia,
            Some(webhook.clone()),
            StatusCode::FORBIDDEN,
        )
        .await;
        custom_role(&app, &org, &max_id, &["templates.manage"]).await;
        expect(
            &app,
            Method::PUT,
            template_path,
            &max,
            Some(template.clone()),
            StatusCode::OK,
        )
        .await;
        expect(
            &app,
            Method::POST,
            "/api/v1/workflows",
            &max,
            Some(workflow.clone()),
            StatusCode::FORBIDDEN,
        )
        .await;

        // A team event type is the team's: its owner, no lead, cannot change it for every
        // host; the team's lead (with the owner acting through users.manage) can.
        let event = hosting(&app, &max, "max-demo").await;
        let team = expect(
            &app,
            Method::POST,
            "/api/v1/teams",
            &boss,
            Some(json!({ "slug": "sales", "name": "Sales" })),
            StatusCode::CREATED,
        )
        .await;
        let team_id = team["id"].as_str().unwrap();
        for (user, role) in [(&max_id, "member"), (&mia_id, "member")] {
            expect(
                &app,
                Method::PUT,
                &format!("/api/v1/teams/{team_id}/members/{user}"),
                &boss,
                Some(json!({ "role": role })),
                StatusCode::OK,
            )
            .await;
        }
        expect(
            &app,
            Method::PUT,
            &format!("/api/v1/event-types/{event}/team"),
            &boss,
            Some(json!({ "team_id": team_id, "kind": "collective",
                         "hosts": [{ "user_id": max_id }, { "user_id": mia_id }] })),
            StatusCode::OK,
        )
        .await;
        let change = json!({ "slug": "max-demo", "title": "Free money", "duration_minutes": 30 });
        let path = format!("/api/v1/event-types/{event}");
        expect(
            &app,
            Method::PUT,
            &path,
            &max,
            Some(change.clone()),
            StatusCode::FORBIDDEN,
        )
        .await;
        expect(
            &app,
            Method::DELETE,
            &path,
            &max,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
        expect(
            &app,
            Method::POST,
            &format!("{path}/single-use-links"),
            &max,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
        expect(
            &app,
            Method::PUT,
            &path,
            &boss,
            Some(change),
            StatusCode::OK,
        )
        .await;
        app.run_pending_jobs().await;
        app.shutdown().await;
    }
);

store::backend_test!(
    members_and_viewers_no_longer_read_every_booking_contact_submission_and_connection,
    |t| async move {
        let app = TestApp::builder().start(t).await;
        let org = app.organization("acme").await;
        let boss = owner(&org);
        let (mia_id, mia) =
            person(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
        let (max_id, max) =
            person(&app, &org, "max@acme.example", domain::access::Role::Member).await;
        let (_, vera) = person(
            &app,
            &org,
            "vera@acme.example",
            domain::access::Role::Viewer,
        )
        .await;
        let (_, ada) = person(&app, &org, "ada@acme.example", domain::access::Role::Admin).await;
        let (rita_id, rita) = person(
            &app,
            &org,
            "rita@acme.example",
            domain::access::Role::Member,
        )
        .await;

        // Max is booked on his own event type; Mia on hers.
        let max_event = hosting(&app, &max, "max-call").await;
        let mia_event = hosting(&app, &mia, "mia-call").await;
        let maxs = booked(&app, &max_event, 10, "secret.client@example.com").await;
        let maxs = maxs["booking"]["uid"].as_str().unwrap().to_owned();
        let mias = booked(&app, &mia_event, 11, "mias.client@example.com").await;
        let mias = mias["booking"]["uid"].as_str().unwrap().to_owned();

        let bookings = |page: &Value| ids(&page["bookings"], "uid");
        let page = expect(
            &app,
            Method::GET,
            "/api/v1/bookings",
            &mia,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(bookings(&page), vec![mias.clone()], "{page}");
        expect(
            &app,
            Method::GET,
            &format!("/api/v1/bookings/{maxs}"),
            &mia,
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
        let page = expect(
            &app,
            Method::GET,
            "/api/v1/bookings",
            &vera,
            None,
            StatusCode::OK,
        )
        .await;
        assert!(bookings(&page).is_empty(), "a viewer hosts nothing: {page}");
        let page = expect(
            &app,
            Method::GET,
            "/api/v1/bookings",
            &ada,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            bookings(&page).len(),
            2,
            "admins read every booking: {page}"
        );
        expect(
            &app,
            Method::GET,
            &format!("/api/v1/bookings/{maxs}"),
            &ada,
            None,
            StatusCode::OK,
        )
        .await;

        // Contacts: her own only.
        let contacts = expect(
            &app,
            Method::GET,
            "/api/v1/contacts",
            &mia,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            ids(&contacts, "email"),
            vec!["mias.client@example.com"],
            "{contacts}"
        );
        let contacts = expect(
            &app,
            Method::GET,
            "/api/v1/contacts",
            &vera,
            None,
            StatusCode::OK,
        )
        .await;
        assert!(contacts.as_array().unwrap().is_empty(), "{contacts}");
        let contacts = expect(
            &app,
            Method::GET,
            "/api/v1/contacts",
            &ada,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(contacts.as_array().unwrap().len(), 2, "{contacts}");

        // A team event type Mia and Rita host: each reads its bookings (and their
        // contacts), whoever the round robin chose.
        let team = expect(
            &app,
            Method::POST,
            "/api/v1/teams",
            &boss,
            Some(json!({ "slug": "sales", "name": "Sales" })),
            StatusCode::CREATED,
        )
        .await;
        let team_id = team["id"].as_str().unwrap();
        hosting(&app, &rita, "rita-call").await;
        for user in [&mia_id, &rita_id] {
            expect(
                &app,
                Method::PUT,
                &format!("/api/v1/teams/{team_id}/members/{user}"),
                &boss,
                Some(json!({ "role": "member" })),
                StatusCode::OK,
            )
            .await;
        }
        let demo = expect(
            &app,
            Method::POST,
            "/api/v1/event-types",
            &boss,
            Some(json!({ "slug": "demo", "title": "Demo", "duration_minutes": 30 })),
            StatusCode::CREATED,
        )
        .await;
        let demo = demo["id"].as_str().unwrap().to_owned();
        expect(
            &app,
            Method::PUT,
            &format!("/api/v1/event-types/{demo}/team"),
            &boss,
            Some(json!({ "team_id": team_id, "kind": "round_robin",
                         "hosts": [{ "user_id": rita_id }, { "user_id": mia_id }] })),
            StatusCode::OK,
        )
        .await;
        let team_booking = booked(&app, &demo, 14, "team.client@example.com").await;
        let team_booking = team_booking["booking"]["uid"].as_str().unwrap().to_owned();
        for key in [&mia, &rita] {
            expect(
                &app,
                Method::GET,
                &format!("/api/v1/bookings/{team_booking}"),
                key,
                None,
                StatusCode::OK,
            )
            .await;
            let contacts = expect(
                &app,
                Method::GET,
                "/api/v1/contacts",
                key,
                None,
                StatusCode::OK,
            )
            .await;
            assert!(
                ids(&contacts, "email").contains(&"team.client@example.com".to_owned()),
                "{contacts}"
            );
        }
        expect(
            &app,
            Method::GET,
            &format!("/api/v1/bookings/{team_booking}"),
            &max,
            None,
            StatusCode::NOT_FOUND,
        )
        .await;

        // Routing submissions: the form's owner and who reads everything.
        let form = expect(
            &app,
            Method::POST,
            "/api/v1/routing-forms",
            &boss,
            Some(routing_form("Owner's")),
            StatusCode::CREATED,
        )
        .await;
        let form = form["id"].as_str().unwrap();
        let (status, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/public/routing-forms/{form}/submissions"),
            None,
            Some(json!({ "answers": { "size": 12 } })),
        )
        .await;
        assert!(status.is_success(), "{status}");
        let submissions = format!("/api/v1/routing-forms/{form}/submissions");
        expect(
            &app,
            Method::GET,
            &submissions,
            &mia,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
        expect(
            &app,
            Method::GET,
            &submissions,
            &vera,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
        let seen = expect(&app, Method::GET, &submissions, &ada, None, StatusCode::OK).await;
        assert_eq!(seen.as_array().unwrap().len(), 1, "{seen}");
        let own = expect(
            &app,
            Method::POST,
            "/api/v1/routing-forms",
            &mia,
            Some(routing_form("Mia's")),
            StatusCode::CREATED,
        )
        .await;
        expect(
            &app,
            Method::GET,
            &format!(
                "/api/v1/routing-forms/{}/submissions",
                own["id"].as_str().unwrap()
            ),
            &mia,
            None,
            StatusCode::OK,
        )
        .await;

        // Calendar connections: another user's address and account are never a member's.
        let scope = app.scope(&org.key).await;
        let grant = scope.grant::<store::can::ManageAvailability>().unwrap();
        let mut unit = app.db.db.begin_unit(scope.organization_id()).await.unwrap();
        let (connection, _) = unit
            .calendars()
            .create(
                &grant,
                store::repo::calendars::NewConnection {
                    user_id: domain::ids::UserId(max_id.parse().unwrap()),
                    kind: "ics".to_owned(),
                    name: "Private".to_owned(),
                    url: "https://calendar.example/private-token-123.ics".to_owned(),
                    username: String::new(),
                    secret: None,
                },
                Vec::new(),
            )
            .await
            .unwrap();
        unit.commit().await.unwrap();
        let connection = format!("/api/v1/calendar-connections/{}", connection.id.0);
        for path in [
            connection.clone(),
            format!("{connection}/logs"),
            format!("/api/v1/calendar-connections?user_id={max_id}"),
        ] {
            for key in [&mia, &vera] {
                expect(&app, Method::GET, &path, key, None, StatusCode::FORBIDDEN).await;
            }
            expect(&app, Method::GET, &path, &max, None, StatusCode::OK).await;
            expect(&app, Method::GET, &path, &ada, None, StatusCode::OK).await;
        }

        // The dashboard asks the same rule: no booking of Max's opens for Mia.
        let (cookie, _) = app.sign_in("acme", "mia@acme.example", PASSWORD).await;
        let page = |path: String| {
            app.client
                .get(app.url(&path))
                .header(header::COOKIE, cookie.clone())
                .send()
        };
        let r = page(format!("/dashboard/bookings/{maxs}/reschedule"))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let html = page("/dashboard?view=upcoming&scope=all".to_owned())
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!html.contains("secret.client@example.com"));
        assert!(html.contains("mias.client@example.com"));
        let forms = page("/dashboard/routing-forms".to_owned())
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(!forms.contains(&format!("/dashboard/routing-forms/{form}/submissions")));
        let own_id = own["id"].as_str().unwrap();
        assert!(forms.contains(&format!("/dashboard/routing-forms/{own_id}/submissions")));
        let r = page(format!("/dashboard/routing-forms/{form}/submissions"))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);

        // bookings.read_all widens it, in the API and the dashboard alike.
        custom_role(&app, &org, &mia_id, &["bookings.read_all"]).await;
        let page = expect(
            &app,
            Method::GET,
            "/api/v1/bookings",
            &mia,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(bookings(&page).len(), 3, "{page}");
        let html = app
            .client
            .get(app.url("/dashboard?view=upcoming&scope=all"))
            .header(header::COOKIE, cookie.clone())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("secret.client@example.com"));
        app.run_pending_jobs().await;
        app.shutdown().await;
    }
);

store::backend_test!(
    a_suspended_or_deleted_hosts_event_types_are_not_booked_or_shown,
    |t| async move {
        let app = TestApp::builder().start(t).await;
        let org = app.organization("acme").await;
        let boss = owner(&org);
        let (max_id, max) =
            person(&app, &org, "max@acme.example", domain::access::Role::Member).await;
        let (mia_id, mia) =
            person(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
        let (rita_id, rita) = person(
            &app,
            &org,
            "rita@acme.example",
            domain::access::Role::Member,
        )
        .await;
        let event = hosting(&app, &max, "max-call").await;
        hosting(&app, &mia, "mia-call").await;
        hosting(&app, &rita, "rita-call").await;
        let link = expect(
            &app,
            Method::POST,
            &format!("/api/v1/event-types/{event}/single-use-links"),
            &max,
            None,
            StatusCode::CREATED,
        )
        .await;
        let token = link["token"].as_str().unwrap().to_owned();
        let monday = next_monday();
        let slots = |event: &str| {
            format!(
                "/api/v1/public/event-types/{event}/slots?start={monday}&end={monday}&timeZone=UTC"
            )
        };
        // An attendee's booking from before, to try rescheduling.
        let before = booked(&app, &event, 9, "early@example.com").await;
        let manage = before["manage_token"].as_str().unwrap().to_owned();

        let team = expect(
            &app,
            Method::POST,
            "/api/v1/teams",
            &boss,
            Some(json!({ "slug": "sales", "name": "Sales" })),
            StatusCode::CREATED,
        )
        .await;
        let team_id = team["id"].as_str().unwrap();
        for user in [&max_id, &mia_id, &rita_id] {
            expect(
                &app,
                Method::PUT,
                &format!("/api/v1/teams/{team_id}/members/{user}"),
                &boss,
                Some(json!({ "role": "member" })),
                StatusCode::OK,
            )
            .await;
        }
        let mut team_events = Vec::new();
        for (slug, kind) in [("rr", "round_robin"), ("together", "collective")] {
            let created = expect(
                &app,
                Method::POST,
                "/api/v1/event-types",
                &boss,
                Some(json!({ "slug": slug, "title": slug, "duration_minutes": 30 })),
                StatusCode::CREATED,
            )
            .await;
            let id = created["id"].as_str().unwrap().to_owned();
            expect(
                &app,
                Method::PUT,
                &format!("/api/v1/event-types/{id}/team"),
                &boss,
                Some(json!({ "team_id": team_id, "kind": kind,
                             "hosts": [{ "user_id": max_id }, { "user_id": mia_id }] })),
                StatusCode::OK,
            )
            .await;
            team_events.push(id);
        }
        let (round_robin, collective) = (team_events[0].clone(), team_events[1].clone());
        let (status, _) = call(&app, Method::GET, &slots(&collective), None, None).await;
        assert_eq!(status, StatusCode::OK);

        // Max is suspended.
        expect(
            &app,
            Method::PATCH,
            &format!("/api/v1/users/{max_id}"),
            &boss,
            Some(json!({ "status": "suspended" })),
            StatusCode::OK,
        )
        .await;
        for (method, path, body) in [
            (
                Method::GET,
                format!("/api/v1/public/event-types/{event}"),
                None,
            ),
            (Method::GET, slots(&event), None),
            (Method::GET, format!("/api/v1/public/links/{token}"), None),
            (
                Method::POST,
                format!("/api/v1/public/links/{token}/bookings"),
                Some(
                    json!({ "start": berlin(monday, 10), "name": "L", "email": "l@example.com",
                             "time_zone": "Europe/Berlin" }),
                ),
            ),
            (
                Method::POST,
                format!("/api/v1/public/manage/{manage}/reschedule"),
                Some(json!({ "start": berlin(monday, 12) })),
            ),
            (
                Method::GET,
                format!("/api/v1/public/event-types/{collective}"),
                None,
            ),
            (Method::GET, slots(&collective), None),
        ] {
            let (status, got) = call(&app, method.clone(), &path, None, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {got}");
        }
        let (status, _) = book(&app, &event, 10, "late@example.com").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = book(&app, &collective, 10, "late@example.com").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        for page in [format!("/book/{event}"), format!("/link/{token}")] {
            assert_eq!(
                app.get(&page).await.status(),
                StatusCode::NOT_FOUND,
                "{page}"
            );
        }

        // A round robin goes on with the hosts left: Max is no candidate.
        for hour in [10, 11, 12] {
            let team_booking =
                booked(&app, &round_robin, hour, &format!("rr{hour}@example.com")).await;
            assert_eq!(
                team_booking["booking"]["host_user_id"], mia_id,
                "{team_booking}"
            );
        }

        // Removed is like suspended.
        let rita_event = event_type(&app, &rita, "rita-call-2").await;
        expect(
            &app,
            Method::DELETE,
            &format!("/api/v1/users/{rita_id}"),
            &boss,
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
        let (status, _) = call(&app, Method::GET, &slots(&rita_event), None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = book(&app, &rita_event, 10, "r@example.com").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Back from suspension, Max's event type is offered again.
        expect(
            &app,
            Method::PATCH,
            &format!("/api/v1/users/{max_id}"),
            &boss,
            Some(json!({ "status": "active" })),
            StatusCode::OK,
        )
        .await;
        booked(&app, &event, 15, "back@example.com").await;
        app.run_pending_jobs().await;
        app.shutdown().await;
    }
);
