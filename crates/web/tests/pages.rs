//! The pages over HTTP, without a browser: what they answer to strangers, to forged forms
//! and to another organization, on SQLite and (with TEST_DATABASE_URL) PostgreSQL. The
//! browser stories are in browser.rs.
#![allow(clippy::unwrap_used)]

mod common;

use common::{FormBody, Org, TestApp};
use rendezvous_web as web;
use reqwest::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE,
};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery staple";

/// Runs a test body against a server with plain-HTTP cookies on each backend.
macro_rules! pages_test {
    ($name:ident, |$app:ident| $body:expr) => {
        store::backend_test!($name, |t| async move {
            let $app = start(t).await;
            $body.await
        });
    };
}

fn no_redirects() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

async fn start(t: store::testing::TestDb) -> TestApp {
    let auth = web::AuthConfig {
        secure_cookies: false,
        ..web::AuthConfig::default()
    };
    TestApp::builder().auth(auth).many_invitees().start(t).await
}

/// A Berlin host with Mon-Fri hours and one event type; returns (host key, event type id).
async fn host(app: &TestApp, org: &Org, email: &str) -> (String, String) {
    let user = app
        .member(org, email, domain::access::Role::Member, PASSWORD)
        .await;
    let key: Value = app
        .client
        .post(app.url("/api/v1/api-keys"))
        .bearer_auth(&org.key)
        .json(&json!({"name": email, "user_id": user.id}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = key["key"].as_str().unwrap().to_owned();
    let hours = json!([["09:00", "17:00"]]);
    let status = app
        .client
        .post(app.url("/api/v1/schedules"))
        .bearer_auth(&key)
        .json(&json!({"name": "Hours", "time_zone": "Europe/Berlin",
            "weekly": {"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours}}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::CREATED);
    let event: Value = app
        .client
        .post(app.url("/api/v1/event-types"))
        .bearer_auth(&key)
        .json(
            &json!({"slug": "intro", "title": "Intro <call>", "duration_minutes": 30,
                      "requires_confirmation": true}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (key, event["id"].as_str().unwrap().to_owned())
}

/// Opens the sign-in form; returns its login CSRF cookie (as a Cookie header) and the token
/// of its hidden field.
async fn sign_in_form(app: &TestApp) -> (String, String) {
    let response = no_redirects().get(app.url("/signin")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("rdv_login_csrf="))
        .expect("the sign-in form sets its login CSRF cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let html = response.text().await.unwrap();
    let token = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    assert_eq!(cookie, format!("rdv_login_csrf={token}"));
    (cookie, token)
}

/// Signs in through the sign-in form; returns the Cookie header and the CSRF token.
async fn sign_in(app: &TestApp, organization: &str, email: &str) -> (String, String) {
    app.sign_in(organization, email, PASSWORD).await
}

/// Books the event type's first free start in a week's time; returns the booking id.
async fn a_booking(app: &TestApp, event: &str) -> String {
    a_booking_with_token(app, event).await.0
}

/// Books like `a_booking`; returns the booking id and the attendee's manage token.
async fn a_booking_with_token(app: &TestApp, event: &str) -> (String, String) {
    let from = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24 * 7))
        .unwrap();
    let until = from
        .checked_add(jiff::SignedDuration::from_hours(24 * 7))
        .unwrap();
    let slots: Value = app
        .get(&format!(
            "/api/v1/public/event-types/{event}/slots?start={from}&end={until}&timeZone=UTC"
        ))
        .await
        .json()
        .await
        .unwrap();
    let start = slots["days"][0]["slots"][0]["start"]
        .as_str()
        .unwrap()
        .to_owned();
    let booked: Value = app
        .client
        .post(app.url(&format!("/api/v1/public/event-types/{event}/bookings")))
        .json(&json!({"start": start, "name": "Ines", "email": "ines@example.com", "time_zone": "UTC"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        booked["booking"]["uid"].as_str().unwrap().to_owned(),
        booked["manage_token"].as_str().unwrap().to_owned(),
    )
}

pages_test!(public_pages_render_escape_and_compress, |app| async move {
    let org = app.organization("acme").await;
    let (_, event) = host(&app, &org, "berta@acme.example").await;
    let response = app
        .client
        .get(app.url(&format!("/book/{event}")))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
    assert!(
        response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = app
        .get(&format!("/book/{event}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Intro &lt;call&gt;"), "titles are escaped");
    assert!(!html.contains("Intro <call>"));
    assert!(
        html.contains("Request booking"),
        "confirmation-required wording"
    );

    let unknown = app.get(&format!("/book/{}", uuid_v4())).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.text().await.unwrap().contains("<h1>Not found</h1>"));
    let bad_token = app.get("/manage/rdvm_nonsense").await;
    assert_eq!(bad_token.status(), StatusCode::NOT_FOUND);
    let css = app.get("/static/app.css").await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    app.run_pending_jobs().await;
});

pages_test!(
    dashboard_needs_a_session_and_its_csrf_token,
    |app| async move {
        let org = app.organization("acme").await;
        host(&app, &org, "berta@acme.example").await;
        let client = no_redirects();
        let stranger = client.get(app.url("/dashboard")).send().await.unwrap();
        assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
        assert_eq!(stranger.headers()[LOCATION], "/signin");

        let (login_cookie, login_token) = sign_in_form(&app).await;
        let wrong = client
            .post(app.url("/signin"))
            .header(COOKIE, &login_cookie)
            .form_body(&[
                ("csrf_token", login_token.as_str()),
                ("organization", "acme"),
                ("email", "berta@acme.example"),
                ("password", "nope"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
        assert!(wrong.text().await.unwrap().contains("id=\"signin-error\""));

        let (cookie, csrf) = sign_in(&app, "acme", "berta@acme.example").await;
        let dashboard = client
            .get(app.url("/dashboard"))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(dashboard.status(), StatusCode::OK);
        assert!(
            dashboard
                .text()
                .await
                .unwrap()
                .contains(&format!("value=\"{csrf}\""))
        );

        let form = |token: &str| {
            vec![
                ("csrf_token", token.to_owned()),
                ("name", "Hours".to_owned()),
                ("time_zone", "Europe/Berlin".to_owned()),
                ("mon", "10:00-12:00".to_owned()),
            ]
        };
        for forged in ["", "not-the-token"] {
            let refused = client
                .post(app.url("/dashboard/availability"))
                .header(COOKIE, &cookie)
                .form_body(&form(forged))
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "token {forged:?}");
        }
        let saved = client
            .post(app.url("/dashboard/availability"))
            .header(COOKIE, &cookie)
            .form_body(&form(&csrf))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::OK);
        assert!(saved.text().await.unwrap().contains("Availability saved."));

        // Bad input is answered next to its field, and nothing is written.
        let mut bad = form(&csrf);
        bad[3].1 = "17:00-09:00".to_owned();
        bad[2].1 = "Mars/Olympus".to_owned();
        let refused = client
            .post(app.url("/dashboard/availability"))
            .header(COOKIE, &cookie)
            .form_body(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text().await.unwrap();
        assert!(html.contains("id=\"e-mon\""), "{html}");
        assert!(html.contains("id=\"e-time_zone\""), "{html}");
        let page = client
            .get(app.url("/dashboard/availability"))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("value=\"10:00-12:00\""),
            "the good save stands"
        );

        // The API's header path still works with the same token.
        let api = client
            .get(app.url("/api/v1/me"))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::OK);

        let out = client
            .post(app.url("/signout"))
            .header(COOKIE, &cookie)
            .form_body(&[("csrf_token", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), StatusCode::SEE_OTHER);
        let after = client
            .get(app.url("/dashboard"))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(after.status(), StatusCode::SEE_OTHER, "the session is gone");
        app.run_pending_jobs().await;
    }
);

pages_test!(another_organization_gets_404, |app| async move {
    let acme = app.organization("acme").await;
    let (_, event) = host(&app, &acme, "berta@acme.example").await;
    let booking = a_booking(&app, &event).await;
    let other = app.organization("other").await;
    host(&app, &other, "olga@other.example").await;
    let (cookie, csrf) = sign_in(&app, "other", "olga@other.example").await;
    let client = no_redirects();
    let page = client
        .get(app.url(&format!("/dashboard/bookings/{booking}/reschedule")))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    let confirm = client
        .post(app.url(&format!("/dashboard/bookings/{booking}/confirm")))
        .header(COOKIE, &cookie)
        .form_body(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(confirm.status(), StatusCode::NOT_FOUND);
    let list = client
        .get(app.url("/dashboard?view=pending"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !list.contains(&booking),
        "acme's booking is not listed for other"
    );

    // Acme's own host can confirm it from the dashboard.
    let (cookie, csrf) = sign_in(&app, "acme", "berta@acme.example").await;
    let confirm = client
        .post(app.url(&format!("/dashboard/bookings/{booking}/confirm")))
        .header(COOKIE, &cookie)
        .form_body(&[("csrf_token", csrf.as_str()), ("view", "pending")])
        .send()
        .await
        .unwrap();
    assert_eq!(confirm.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        confirm.headers()[LOCATION],
        "/dashboard?view=pending&done=confirm"
    );
    app.run_pending_jobs().await;
});

fn uuid_v4() -> String {
    // A well-formed id no event type has.
    "0193a0a0-0000-7000-8000-000000000000".to_owned()
}

pages_test!(every_dashboard_page_renders, |app| async move {
    let org = app.organization("acme").await;
    let user = app
        .member(
            &org,
            "ada@acme.example",
            domain::access::Role::Admin,
            PASSWORD,
        )
        .await;
    let _ = user;
    let (cookie, _) = sign_in(&app, "acme", "ada@acme.example").await;
    let client = no_redirects();
    for path in [
        "/dashboard",
        "/dashboard?view=past",
        "/dashboard/availability",
        "/dashboard/event-types",
        "/dashboard/event-types/new",
        "/dashboard/settings",
        "/dashboard/availability?month=2027-02&day=2027-02-28",
        "/dashboard/availability?month=nonsense",
        "/dashboard/webhooks",
        "/dashboard/teams",
        "/dashboard/routing-forms",
        "/dashboard/routing-forms/new",
    ] {
        let response = client
            .get(app.url(path))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    app.run_pending_jobs().await;
});

async fn send(app: &TestApp, method: reqwest::Method, path: &str, key: &str, body: Value) -> Value {
    let response = app
        .client
        .request(method, app.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap_or(Value::Null)
}

pages_test!(team_page_lists_members_with_a_handle, |app| async move {
    use reqwest::Method;
    let org = app.organization("acme").await;
    let (berta, _) = host(&app, &org, "berta@acme.example").await;
    let (carl, _) = host(&app, &org, "carl@acme.example").await;
    send(
        &app,
        Method::PATCH,
        "/api/v1/me/profile",
        &berta,
        json!({"name": "Berta", "slug": "berta"}),
    )
    .await;
    send(
        &app,
        Method::POST,
        "/api/v1/event-types",
        &berta,
        json!({"slug": "secret", "title": "Secret plan", "duration_minutes": 30, "hidden": true}),
    )
    .await;
    let team = send(
        &app,
        Method::POST,
        "/api/v1/teams",
        &org.key,
        json!({"slug": "sales", "name": "Sales"}),
    )
    .await;
    let team = team["id"].as_str().unwrap().to_owned();
    for key in [&berta, &carl] {
        let me = send(&app, Method::GET, "/api/v1/me", key, Value::Null).await;
        let user = me["user_id"].as_str().unwrap().to_owned();
        send(
            &app,
            Method::PUT,
            &format!("/api/v1/teams/{team}/members/{user}"),
            &org.key,
            json!({"role": "member"}),
        )
        .await;
    }
    let page = app.get("/t/acme/sales").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<h1>Sales</h1>"), "{html}");
    assert!(
        html.contains("/u/acme/berta") && html.contains("Intro &lt;call&gt;"),
        "{html}"
    );
    assert!(
        !html.contains("Secret plan"),
        "hidden event types are not listed"
    );
    assert!(
        !html.contains("carl@acme.example"),
        "members without a handle are not listed"
    );
    // Readable booking links: listed ones on the organizer page, hidden ones by their link.
    let organizer = app.get("/u/acme/berta").await.text().await.unwrap();
    assert!(organizer.contains("href=\"/acme/berta/"), "{organizer}");
    assert_eq!(app.get("/acme/berta/secret").await.status(), StatusCode::OK);
    assert_eq!(
        app.get("/acme/berta/nope").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/other-org/berta/secret").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/t/acme/nope").await.status(),
        StatusCode::NOT_FOUND
    );
    app.organization("other").await;
    assert_eq!(
        app.get("/t/other/sales").await.status(),
        StatusCode::NOT_FOUND
    );
    app.run_pending_jobs().await;
});

pages_test!(sign_in_form_refuses_forged_posts, |app| async move {
    let org = app.organization("acme").await;
    host(&app, &org, "berta@acme.example").await;
    let client = no_redirects();
    let credentials = [
        ("organization", "acme"),
        ("email", "berta@acme.example"),
        ("password", PASSWORD),
    ];
    let (login_cookie, login_token) = sign_in_form(&app).await;
    let (_, other_token) = sign_in_form(&app).await;
    // A cross-site form has no login cookie (SameSite=Strict) and cannot read the token; a
    // token from another browser's form does not match this browser's cookie.
    let forged = [
        (None, None),
        (None, Some(login_token.as_str())),
        (Some(login_cookie.as_str()), None),
        (Some(login_cookie.as_str()), Some("")),
        (Some(login_cookie.as_str()), Some(other_token.as_str())),
    ];
    for (cookie, token) in forged {
        let mut fields = credentials.to_vec();
        if let Some(token) = token {
            fields.push(("csrf_token", token));
        }
        let mut request = client.post(app.url("/signin")).form_body(&fields);
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        let refused = request.send().await.unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::FORBIDDEN,
            "{cookie:?} {token:?}"
        );
        assert!(
            !refused
                .headers()
                .get_all(SET_COOKIE)
                .iter()
                .any(|v| v.to_str().unwrap().starts_with("rdv_session=")),
            "no session for a forged sign-in"
        );
        let html = refused.text().await.unwrap();
        assert!(html.contains("id=\"signin-error\""));
        assert!(
            html.contains("name=\"csrf_token\""),
            "a fresh form to try again"
        );
    }

    let mut fields = credentials.to_vec();
    fields.push(("csrf_token", login_token.as_str()));
    let accepted = client
        .post(app.url("/signin"))
        .header(COOKIE, &login_cookie)
        .form_body(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    app.run_pending_jobs().await;
});

pages_test!(date_overrides_are_set_on_the_month_grid, |app| async move {
    let org = app.organization("acme").await;
    let (key, _) = host(&app, &org, "berta@acme.example").await;
    let (cookie, csrf) = sign_in(&app, "acme", "berta@acme.example").await;
    let client = no_redirects();
    let month = client
        .get(app.url("/dashboard/availability?month=2026-12&day=2026-12-24"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(month.status(), StatusCode::OK);
    let html = month.text().await.unwrap();
    assert!(html.contains("December 2026"));
    assert!(html.contains("aria-label=\"Thursday 24 December 2026\" aria-current=\"date\""));
    assert!(html.contains("Weekly hours (09:00-17:00)"));

    let post = |fields: Vec<(&'static str, String)>| {
        client
            .post(app.url("/dashboard/availability/overrides"))
            .header(COOKIE, &cookie)
            .form_body(&fields)
            .send()
    };
    let day = |csrf: &str, mode: &str, windows: &str| {
        vec![
            ("csrf_token", csrf.to_owned()),
            ("date", "2026-12-24".to_owned()),
            ("mode", mode.to_owned()),
            ("windows", windows.to_owned()),
        ]
    };
    let forged = post(day("wrong", "closed", "")).await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Unreadable hours, and hours the service refuses, are named at the hours field.
    for windows in ["ten to noon", "12:00-10:00"] {
        let refused = post(day(&csrf, "hours", windows)).await.unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{windows}"
        );
        let html = refused.text().await.unwrap();
        assert!(
            html.contains("id=\"e-override_windows\""),
            "{windows}: {html}"
        );
        assert!(
            html.contains(&format!("value=\"{windows}\"")),
            "kept as typed"
        );
    }

    let schedule = || async {
        let list: Value = app
            .client
            .get(app.url("/api/v1/schedules"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = list.get("items").unwrap_or(&list);
        items[0].clone()
    };
    let saved = post(day(&csrf, "hours", "10:00-12:00")).await.unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert!(
        saved.headers()[LOCATION]
            .to_str()
            .unwrap()
            .contains("day=2026-12-24&saved=override")
    );
    let s = schedule().await;
    assert_eq!(s["overrides"]["2026-12-24"], json!([["10:00", "12:00"]]));
    assert_eq!(
        s["weekly"]["mon"],
        json!([["09:00", "17:00"]]),
        "weekly kept"
    );

    post(day(&csrf, "closed", "")).await.unwrap();
    assert_eq!(schedule().await["overrides"]["2026-12-24"], json!([]));
    let grid = client
        .get(app.url("/dashboard/availability?month=2026-12"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(grid.contains("class=\"day closed\""));
    assert!(grid.contains("Thursday 24 December 2026, unavailable"));

    // Saving the weekly hours keeps the overrides; "weekly hours" removes the day's one.
    let weekly = client
        .post(app.url("/dashboard/availability"))
        .header(COOKIE, &cookie)
        .form_body(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Hours"),
            ("time_zone", "Europe/Berlin"),
            ("mon", "10:00-12:00"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(weekly.status(), StatusCode::OK);
    assert_eq!(schedule().await["overrides"]["2026-12-24"], json!([]));
    post(day(&csrf, "weekly", "")).await.unwrap();
    assert_eq!(schedule().await["overrides"].get("2026-12-24"), None);
    app.run_pending_jobs().await;
});

/// The value of the input with `id` in `html`, unescaped (minijinja escapes `/` too).
fn input_value(html: &str, id: &str) -> Option<String> {
    let rest = html.split(&format!("id=\"{id}\"")).nth(1)?;
    let rest = rest.split("value=\"").nth(1)?;
    rest.split('"')
        .next()
        .map(|v| v.replace("&#x2f;", "/").replace("&amp;", "&"))
}

pages_test!(admins_manage_webhooks_on_the_dashboard, |app| async move {
    use common::webhook_receiver::Receiver;
    let org = app.organization("acme").await;
    host(&app, &org, "berta@acme.example").await;
    app.member(
        &org,
        "olga@acme.example",
        domain::access::Role::Admin,
        PASSWORD,
    )
    .await;
    let client = no_redirects();

    // Members neither see the page nor its link.
    let (member, _) = sign_in(&app, "acme", "berta@acme.example").await;
    let dashboard = client
        .get(app.url("/dashboard"))
        .header(COOKIE, &member)
        .send()
        .await
        .unwrap();
    assert!(
        !dashboard
            .text()
            .await
            .unwrap()
            .contains("/dashboard/webhooks")
    );
    let refused = client
        .get(app.url("/dashboard/webhooks"))
        .header(COOKIE, &member)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let (cookie, csrf) = sign_in(&app, "acme", "olga@acme.example").await;
    let receiver = Receiver::start().await;
    let create = |fields: Vec<(&'static str, String)>| {
        client
            .post(app.url("/dashboard/webhooks"))
            .header(COOKIE, &cookie)
            .form_body(&fields)
            .send()
    };
    let forged = create(vec![("url", receiver.url("/hooks"))]).await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let bad = create(vec![
        ("csrf_token", csrf.clone()),
        ("url", "ftp://example.com".to_owned()),
        ("events", "booking.created".to_owned()),
        ("scope", "organization".to_owned()),
    ])
    .await
    .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert!(html.contains("id=\"e-url\""), "{html}");
    assert!(
        html.contains("value=\"booking.created\" checked"),
        "ticks kept"
    );

    let created = create(vec![
        ("csrf_token", csrf.clone()),
        ("url", receiver.url("/hooks")),
        ("description", "CRM".to_owned()),
        ("events", "booking.created".to_owned()),
        ("events", "booking.cancelled".to_owned()),
        ("scope", "organization".to_owned()),
    ])
    .await
    .unwrap();
    assert_eq!(created.status(), StatusCode::OK);
    let html = created.text().await.unwrap();
    let secret = input_value(&html, "new-secret").expect("the secret is shown once");
    assert!(html.contains("booking.cancelled, booking.created"));
    receiver.configure(&[&secret], 0).await;
    let list: Value = app
        .client
        .get(app.url("/api/v1/webhooks"))
        .bearer_auth(&org.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = list.get("items").unwrap_or(&list);
    let id = items[0]["id"].as_str().unwrap().to_owned();

    let act = |action: &'static str| {
        client
            .post(app.url(&format!("/dashboard/webhooks/{id}/{action}")))
            .header(COOKIE, &cookie)
            .form_body(&[("csrf_token", csrf.as_str())])
            .send()
    };
    let tested = act("test").await.unwrap();
    assert_eq!(tested.status(), StatusCode::OK);
    let html = tested.text().await.unwrap();
    assert!(
        html.contains("Test event sent: the receiver answered HTTP 2"),
        "{html}"
    );
    assert!(html.contains("webhook.test"), "the delivery is listed");
    assert_eq!(receiver.received().await.len(), 1);

    let rotated = act("rotate").await.unwrap().text().await.unwrap();
    let new_secret = input_value(&rotated, "new-secret").unwrap();
    assert_ne!(new_secret, secret);

    let disabled = act("disable").await.unwrap().text().await.unwrap();
    assert!(disabled.contains("id=\"webhook-state\">disabled"));
    assert!(disabled.contains("data-action=\"enable\">Re-enable"));
    let enabled = act("enable").await.unwrap().text().await.unwrap();
    assert!(enabled.contains("id=\"webhook-state\">enabled"));

    let deleted = act("delete").await.unwrap();
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let gone = client
        .get(app.url(&format!("/dashboard/webhooks/{id}")))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    app.run_pending_jobs().await;
});

pages_test!(
    teams_members_and_team_event_types_on_the_dashboard,
    |app| async move {
        let org = app.organization("acme").await;
        let (_, intro) = host(&app, &org, "berta@acme.example").await;
        let olga = app
            .member(
                &org,
                "olga@acme.example",
                domain::access::Role::Admin,
                PASSWORD,
            )
            .await;
        let (cookie, csrf) = sign_in(&app, "acme", "olga@acme.example").await;
        let client = no_redirects();
        let post = |path: String, fields: Vec<(String, String)>| {
            client
                .post(app.url(&path))
                .header(COOKIE, &cookie)
                .form_body(&fields)
                .send()
        };
        let with_csrf = |fields: &[(&str, &str)]| {
            let mut all = vec![("csrf_token".to_owned(), csrf.clone())];
            all.extend(
                fields
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
            );
            all
        };

        let bad = post(
            "/dashboard/teams".into(),
            with_csrf(&[("name", "Sales"), ("slug", "Sales Team")]),
        )
        .await
        .unwrap();
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().await.unwrap().contains("id=\"e-slug\""));
        let created = post(
            "/dashboard/teams".into(),
            with_csrf(&[("name", "Sales"), ("slug", "sales")]),
        )
        .await
        .unwrap();
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        let team_path = created.headers()[LOCATION].to_str().unwrap().to_owned();

        let page = client
            .get(app.url(&team_path))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.replace("&#x2f;", "/").contains("/t/acme/sales"));
        // Both people are candidates; add them (Olga leads).
        let users: Value = app
            .client
            .get(app.url("/api/v1/users"))
            .bearer_auth(&org.key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let users = users.get("items").unwrap_or(&users).clone();
        let berta = users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["email"] == "berta@acme.example")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let olga = olga.id.0.to_string();
        for (user, role) in [(&berta, "member"), (&olga, "lead")] {
            let added = post(
                format!("{team_path}/members"),
                with_csrf(&[("user_id", user), ("role", role)]),
            )
            .await
            .unwrap();
            assert_eq!(added.status(), StatusCode::SEE_OTHER);
        }

        // No hosts ticked: the service's complaint is shown at the hosts.
        let team_event = |hosts: &[&str]| {
            let mut fields = with_csrf(&[
                ("event_type_id", intro.as_str()),
                ("kind", "round_robin"),
                ("strategy", "weighted"),
                ("hosts_per_booking", "1"),
            ]);
            for h in hosts {
                fields.push(("host".to_owned(), (*h).to_owned()));
                fields.push((format!("weight_{h}"), "3".to_owned()));
            }
            fields
        };
        let refused = post(format!("{team_path}/event-types"), team_event(&[]))
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().await.unwrap().contains("id=\"e-hosts\""));
        let saved = post(
            format!("{team_path}/event-types"),
            team_event(&[berta.as_str(), olga.as_str()]),
        )
        .await
        .unwrap();
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let page = client
            .get(app.url(&team_path))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("class=\"member-row\""));
        assert!(page.contains("<td>lead</td>"));
        assert!(page.contains("class=\"team-event-row\""));
        assert!(page.contains("weighted"));
        assert!(page.contains("weight 3"));

        // A host's own limits are set on the form, shown, and on the form again when the
        // setup is changed, so saving it unchanged keeps them.
        let mut limited = team_event(&[berta.as_str(), olga.as_str()]);
        limited.push((format!("max_day_{berta}"), "2".to_owned()));
        limited.push((format!("max_week_{berta}"), "5".to_owned()));
        let saved = post(format!("{team_path}/event-types"), limited)
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let page = client
            .get(app.url(&team_path))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("at most 2 a day, at most 5 a week"), "{page}");
        let edit = client
            .get(app.url(&format!("{team_path}?edit={intro}")))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(edit.contains("Change how the team hosts"), "{edit}");
        assert!(
            edit.contains(&format!(
                "name=\"max_day_{berta}\" type=\"number\" min=\"1\" value=\"2\""
            )),
            "{edit}"
        );
        assert!(edit.contains(&format!("name=\"host\" value=\"{berta}\" checked")));
        assert!(edit.contains(&format!("<option value=\"{intro}\" selected>")));

        let removed = post(
            format!("{team_path}/members/{berta}/remove"),
            with_csrf(&[]),
        )
        .await
        .unwrap();
        assert_eq!(removed.status(), StatusCode::SEE_OTHER);
        let forged = post(
            format!("{team_path}/members/{olga}/remove"),
            vec![("csrf_token".to_owned(), "wrong".to_owned())],
        )
        .await
        .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        app.run_pending_jobs().await;
    }
);

pages_test!(routing_forms_are_edited_and_followed, |app| async move {
    let org = app.organization("acme").await;
    let (_, intro) = host(&app, &org, "berta@acme.example").await;
    let (cookie, csrf) = sign_in(&app, "acme", "berta@acme.example").await;
    let client = no_redirects();
    let editor = |fields: &str, rules: &str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("name", "Contact us".to_owned()),
            ("fields", fields.to_owned()),
            ("rules", rules.to_owned()),
            (
                "fallback",
                "message Thanks, we will write to you.".to_owned(),
            ),
        ]
    };
    let fields =
        "size | Team size | number | required\ntopic | Topic | select | optional | Sales, Support";
    let save = |body: Vec<(&'static str, String)>| {
        client
            .post(app.url("/dashboard/routing-forms/new"))
            .header(COOKIE, &cookie)
            .form_body(&body)
            .send()
    };
    // The service names the rule whose field does not exist.
    let refused = save(editor(fields, &format!("seats > 10 -> event {intro}")))
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("id=\"e-rules\""), "{html}");
    assert!(html.contains("Rule 1:"));
    let rules =
        format!("size > 10 -> event {intro}\ntopic = Support -> url https://help.example.com/");
    let saved = save(editor(fields, &rules)).await.unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let location = saved.headers()[LOCATION].to_str().unwrap().to_owned();
    let id = location
        .trim_start_matches("/dashboard/routing-forms/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let edit = client
        .get(app.url(&location))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&gt;", ">");
    assert!(edit.contains(&rules), "rules read back: {edit}");

    // The public page: typed fields, errors at the field, then the routes.
    let public = reqwest::get(app.url(&format!("/forms/{id}")))
        .await
        .unwrap();
    assert_eq!(public.status(), StatusCode::OK);
    let html = public.text().await.unwrap();
    assert!(html.contains("type=\"number\""));
    assert!(html.contains("<option>Support</option>"));
    let submit = |answers: &[(&str, &str)]| {
        let body: Vec<(String, String)> = answers
            .iter()
            .map(|(k, v)| (format!("a.{k}"), (*v).to_owned()))
            .collect();
        client
            .post(app.url(&format!("/forms/{id}")))
            .form_body(&body)
            .send()
    };
    let missing = submit(&[("topic", "Sales")]).await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = missing.text().await.unwrap();
    assert!(html.contains("id=\"e-a-0\""), "{html}");
    assert!(
        html.contains("<option selected>Sales</option>"),
        "answers kept"
    );

    let to_booking = submit(&[("size", "25")]).await.unwrap();
    assert_eq!(to_booking.status(), StatusCode::SEE_OTHER);
    let next = to_booking.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(
        next.starts_with(&format!("/book/{intro}?routing_submission_id=")),
        "{next}"
    );
    let to_url = submit(&[("size", "2"), ("topic", "Support")])
        .await
        .unwrap();
    assert_eq!(to_url.headers()[LOCATION], "https://help.example.com/");
    let to_message = submit(&[("size", "2")]).await.unwrap();
    assert_eq!(to_message.status(), StatusCode::OK);
    assert!(
        to_message
            .text()
            .await
            .unwrap()
            .contains("Thanks, we will write to you.")
    );

    let list = client
        .get(app.url(&format!("/dashboard/routing-forms/{id}/submissions")))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(list.matches("class=\"submission-row\"").count(), 3);
    assert!(list.contains("rule 1: event"));
    assert!(list.contains("fallback: message"));
    app.run_pending_jobs().await;
});

pages_test!(admins_see_and_filter_everyones_bookings, |app| async move {
    let org = app.organization("acme").await;
    let (_, berta_event) = host(&app, &org, "berta@acme.example").await;
    let (_, carl_event) = host(&app, &org, "carl@acme.example").await;
    a_booking(&app, &berta_event).await;
    a_booking(&app, &carl_event).await;
    app.member(
        &org,
        "olga@acme.example",
        domain::access::Role::Admin,
        PASSWORD,
    )
    .await;
    let client = no_redirects();
    let page = |cookie: String, query: String| {
        let client = client.clone();
        let url = app.url(&format!("/dashboard?view=pending{query}"));
        async move {
            let response = client.get(url).header(COOKIE, cookie).send().await.unwrap();
            let status = response.status();
            (status, response.text().await.unwrap())
        }
    };
    let rows = |html: &str| html.matches("class=\"booking-row\"").count();

    // A member sees her own, even when asking for everyone's.
    let (berta, _) = sign_in(&app, "acme", "berta@acme.example").await;
    let (_, html) = page(berta.clone(), "&scope=all".into()).await;
    assert_eq!(rows(&html), 1);
    assert!(!html.contains("Everyone&#x27;s") && !html.contains("Everyone's"));

    let (olga, _) = sign_in(&app, "acme", "olga@acme.example").await;
    let (_, mine) = page(olga.clone(), String::new()).await;
    assert_eq!(rows(&mine), 0, "the admin hosts nothing herself");
    assert!(mine.contains("scope=all"), "but may switch to everyone's");
    let (_, all) = page(olga.clone(), "&scope=all".into()).await;
    assert_eq!(rows(&all), 2);
    assert!(
        all.contains("Host: Carl") || all.contains("Host: carl"),
        "{all}"
    );

    let users: Value = app
        .client
        .get(app.url("/api/v1/users"))
        .bearer_auth(&org.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let users = users.get("items").unwrap_or(&users).clone();
    let carl = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "carl@acme.example")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, by_host) = page(olga.clone(), format!("&scope=all&host={carl}")).await;
    assert_eq!(rows(&by_host), 1);
    assert!(by_host.contains(&format!("value=\"{carl}\" selected")));
    let (_, by_event) = page(olga.clone(), format!("&scope=all&event_type={berta_event}")).await;
    assert_eq!(rows(&by_event), 1);
    let (_, cancelled) = page(olga.clone(), "&scope=all&status=cancelled".into()).await;
    assert_eq!(rows(&cancelled), 0);
    let today = jiff::Zoned::now().date();
    let in_a_month = today.checked_add(jiff::Span::new().days(31)).unwrap();
    let (_, ranged) = page(
        olga.clone(),
        format!("&scope=all&from={today}&to={in_a_month}"),
    )
    .await;
    assert_eq!(rows(&ranged), 2);
    let (_, too_early) = page(olga.clone(), format!("&scope=all&from={today}&to={today}")).await;
    assert_eq!(rows(&too_early), 0, "bookings are a week ahead");

    let (status, bad) = page(olga.clone(), "&scope=all&from=soon&to=2020-01-01".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("id=\"e-from\""));
    let (_, backwards) = page(olga, format!("&scope=all&from={in_a_month}&to={today}")).await;
    assert!(backwards.contains("id=\"e-to\""));
    app.run_pending_jobs().await;
});

store::backend_test!(
    the_ics_carries_the_manage_link_under_public_url,
    |t| async move {
        let app = TestApp::builder()
            .many_invitees()
            .public_url("https://book.example.com/")
            .start(t)
            .await;
        let org = app.organization("acme").await;
        let (key, event) = host(&app, &org, "berta@acme.example").await;
        let (booking, token) = a_booking_with_token(&app, &event).await;
        let ics = app
            .get(&format!("/manage/{token}/event.ics"))
            .await
            .text()
            .await
            .unwrap();
        // The host confirms each booking: until then the invitee's copy is tentative.
        assert!(ics.contains("\r\nSTATUS:TENTATIVE\r\n"), "{ics}");
        let confirmed = app
            .client
            .post(app.url(&format!("/api/v1/bookings/{booking}/confirm")))
            .bearer_auth(&key)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), StatusCode::OK);
        let ics = app
            .get(&format!("/manage/{token}/event.ics"))
            .await
            .text()
            .await
            .unwrap();
        assert!(ics.contains("\r\nSTATUS:CONFIRMED\r\n"), "{ics}");
        let unfolded = ics.replace("\r\n ", "");
        let link = format!("https://book.example.com/manage/{token}");
        assert!(unfolded.contains(&format!("\r\nURL:{link}\r\n")), "{ics}");
        assert!(
            unfolded.contains(&format!("Reschedule or cancel: {link}")),
            "{ics}"
        );
        let page = app
            .get(&format!("/manage/{token}"))
            .await
            .text()
            .await
            .unwrap();
        let google = page
            .split("calendar.google.com")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(google.contains("book.example.com"), "{google}");

        // Without public_url there is no address to link to.
        let plain = start(store::testing::TestDb::sqlite().await).await;
        let org = plain.organization("acme").await;
        let (_, event) = host(&plain, &org, "berta@acme.example").await;
        let (_, token) = a_booking_with_token(&plain, &event).await;
        let ics = plain
            .get(&format!("/manage/{token}/event.ics"))
            .await
            .text()
            .await
            .unwrap();
        assert!(!ics.contains("\r\nURL:"));
        plain.run_pending_jobs().await;
        app.run_pending_jobs().await;
    }
);

pages_test!(admins_manage_workflows_on_the_dashboard, |app| async move {
    let org = app.organization("acme").await;
    let (_, event) = host(&app, &org, "berta@acme.example").await;
    app.member(
        &org,
        "olga@acme.example",
        domain::access::Role::Admin,
        PASSWORD,
    )
    .await;
    let client = no_redirects();

    // Members neither see the page nor its link.
    let (member, _) = sign_in(&app, "acme", "berta@acme.example").await;
    let dashboard = client
        .get(app.url("/dashboard"))
        .header(COOKIE, &member)
        .send()
        .await
        .unwrap();
    assert!(
        !dashboard
            .text()
            .await
            .unwrap()
            .contains("/dashboard/workflows")
    );
    let refused = client
        .get(app.url("/dashboard/workflows"))
        .header(COOKIE, &member)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let (cookie, csrf) = sign_in(&app, "acme", "olga@acme.example").await;
    let page = client
        .get(app.url("/dashboard/workflows"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("href=\"/dashboard/workflows\" aria-current=\"page\""));
    assert!(html.contains("name=\"a1_kind\""), "two empty action rows");

    let post = |path: String, fields: Vec<(&'static str, String)>| {
        client
            .post(app.url(&path))
            .header(COOKIE, &cookie)
            .form_body(&fields)
            .send()
    };
    let forged = post(
        "/dashboard/workflows".into(),
        vec![("name", "x".to_owned())],
    )
    .await
    .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // The second row's errors are shown at its fields; what was typed is kept.
    let fields = |body: &str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("name", "Remind".to_owned()),
            ("active", "on".to_owned()),
            ("trigger", "before_start".to_owned()),
            ("offset_minutes", "60".to_owned()),
            ("event_type_ids", event.clone()),
            ("a0_kind", String::new()),
            ("a1_kind", "email_attendee".to_owned()),
            ("a1_subject", "Soon: {{ title }}".to_owned()),
            ("a1_body", body.to_owned()),
        ]
    };
    let bad = post("/dashboard/workflows".into(), fields("{{ nonsense }}"))
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert!(html.contains("id=\"e-a1_body\""), "{html}");
    assert!(html.contains("Soon: {{ title }}"), "typed subject kept");
    assert!(html.contains(&format!("value=\"{event}\" checked")));

    let created = post(
        "/dashboard/workflows".into(),
        fields("See you {{ when }}, {{ recipient }}."),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), StatusCode::OK);
    let html = created.text().await.unwrap();
    let secret = input_value(&html, "new-secret").expect("the secret is shown once");
    assert!(secret.starts_with("whsec_"));
    assert!(html.contains("60 min before the start"), "{html}");
    let list: Value = app
        .client
        .get(app.url("/api/v1/workflows"))
        .bearer_auth(&org.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["actions"][0]["kind"], "email_attendee");
    assert_eq!(list[0]["conditions"]["event_type_ids"], json!([event]));
    let id = list[0]["id"].as_str().unwrap().to_owned();

    // Edited on its page: switched off, with a webhook added in a spare row.
    let shown = client
        .get(app.url(&format!("/dashboard/workflows/{id}")))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), StatusCode::OK);
    let html = shown.text().await.unwrap();
    assert!(html.contains("No runs yet."));
    assert!(
        html.contains("name=\"a2_kind\""),
        "spare rows after the action"
    );
    let mut edit = fields("See you {{ when }}.");
    edit.retain(|(name, _)| *name != "active");
    // Two answer conditions, the second in the spare row; a blank row between is left out.
    edit.push(("c0_key", "size".to_owned()));
    edit.push(("c0_op", "equals".to_owned()));
    edit.push(("c0_value", "12".to_owned()));
    edit.push(("c2_key", "topic".to_owned()));
    edit.push(("c2_op", "contains".to_owned()));
    edit.push(("c2_value", "sales".to_owned()));
    edit.push(("a2_kind", "webhook".to_owned()));
    edit.push(("a2_url", "http://10.0.0.1/hook".to_owned()));
    let refused = post(format!("/dashboard/workflows/{id}"), edit.clone())
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("id=\"e-a2_url\""));
    edit.pop();
    edit.push(("a2_url", "https://hooks.example.com/x".to_owned()));
    let saved = post(format!("/dashboard/workflows/{id}"), edit)
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(saved.text().await.unwrap().contains("Workflow saved."));
    let got: Value = app
        .client
        .get(app.url(&format!("/api/v1/workflows/{id}")))
        .bearer_auth(&org.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["active"], false);
    assert_eq!(got["actions"][1]["url"], "https://hooks.example.com/x");
    assert_eq!(
        got["conditions"]["answers"],
        json!([{"key": "size", "op": "equals", "value": "12"},
               {"key": "topic", "op": "contains", "value": "sales"}])
    );
    // Both conditions are on the page again, so saving it does not drop one.
    let html = client
        .get(app.url(&format!("/dashboard/workflows/{id}")))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("name=\"c1_key\" type=\"text\" value=\"topic\""),
        "{html}"
    );
    assert!(html.contains("name=\"c2_key\""), "a spare condition row");

    let deleted = post(
        format!("/dashboard/workflows/{id}/delete"),
        vec![("csrf_token", csrf.clone())],
    )
    .await
    .unwrap();
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(deleted.headers()[LOCATION], "/dashboard/workflows");
    app.run_pending_jobs().await;
    app.shutdown().await;
});

pages_test!(
    an_event_types_schedule_is_chosen_on_its_form_and_kept_by_an_edit,
    |app| async move {
        let org = app.organization("acme").await;
        let (key, event) = host(&app, &org, "berta@acme.example").await;
        let hours = json!([["18:00", "21:00"]]);
        let evenings: Value = app
            .client
            .post(app.url("/api/v1/schedules"))
            .bearer_auth(&key)
            .json(&json!({"name": "Evenings", "time_zone": "Europe/Berlin",
                "weekly": {"mon": hours}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let evenings = evenings["id"].as_str().unwrap().to_owned();
        let (cookie, csrf) = sign_in(&app, "acme", "berta@acme.example").await;
        let client = no_redirects();
        let edit = client
            .get(app.url(&format!("/dashboard/event-types/{event}")))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(edit.contains("Evenings (Europe&#x2f;Berlin)"), "{edit}");
        assert!(
            edit.contains("<option value=\"\" selected>"),
            "the default is chosen until another is: {edit}"
        );

        let form = |schedule: &str| {
            vec![
                ("csrf_token", csrf.clone()),
                ("title", "Intro".to_owned()),
                ("slug", "intro".to_owned()),
                ("duration_minutes", "30".to_owned()),
                ("seats", "1".to_owned()),
                ("window", "unlimited".to_owned()),
                ("locations", "jitsi".to_owned()),
                ("schedule_id", schedule.to_owned()),
            ]
        };
        let saved = client
            .post(app.url(&format!("/dashboard/event-types/{event}")))
            .header(COOKIE, &cookie)
            .form_body(&form(&evenings))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let stored: Value = app
            .client
            .get(app.url(&format!("/api/v1/event-types/{event}")))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(stored["schedule_id"], json!(evenings));
        let edit = client
            .get(app.url(&format!("/dashboard/event-types/{event}")))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            edit.contains(&format!("<option value=\"{evenings}\" selected>")),
            "{edit}"
        );

        // Another member's schedule is refused next to the field, and nothing changes.
        let (other_key, _) = host(&app, &org, "carl@acme.example").await;
        let theirs: Value = app
            .client
            .post(app.url("/api/v1/schedules"))
            .bearer_auth(&other_key)
            .json(&json!({"name": "Carl's", "time_zone": "UTC", "weekly": {"tue": hours}}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let theirs = theirs["id"].as_str().unwrap().to_owned();
        let refused = client
            .post(app.url(&format!("/dashboard/event-types/{event}")))
            .header(COOKIE, &cookie)
            .form_body(&form(&theirs))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("id=\"e-schedule_id\"")
        );
        app.run_pending_jobs().await;
    }
);
