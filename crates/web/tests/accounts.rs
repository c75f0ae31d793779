//! Accounts end to end on both backends: sign-in protection, sessions and CSRF, custom
//! roles and teams, and tenant isolation across two organizations.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Org, TestApp};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use services::rate_limit::Limit;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple";

/// An active member of `org` who signs in with [`PASSWORD`].
async fn member(
    app: &TestApp,
    org: &Org,
    email: &str,
    role: domain::access::Role,
) -> domain::users::User {
    app.member(org, email, role, PASSWORD).await
}

/// A signed-in browser: the session cookie and the CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

async fn login(app: &TestApp, org: &str, email: &str, password: &str) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/auth/login")
        .json(&json!({"organization": org, "email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn sign_in(app: &TestApp, org: &str, email: &str) -> Browser {
    let r = login(app, org, email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookies: Vec<String> = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("rdv_session="))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
    assert!(session.contains("Secure"), "cookies are Secure by default");
    let cookie = session.split(';').next().unwrap().to_owned();
    let body: Value = r.json().await.unwrap();
    Browser {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
    }
}

impl Browser {
    fn req(&self, app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
        app.request(method, path)
            .header(header::COOKIE, &self.cookie)
            .header("x-csrf-token", &self.csrf)
    }
}

fn bearer(app: &TestApp, org: &Org, method: Method, path: &str) -> reqwest::RequestBuilder {
    app.request(method, path).bearer_auth(&org.key)
}

async fn code(r: reqwest::Response) -> (StatusCode, String) {
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

fn generous() -> web::AuthConfig {
    let mut auth = web::AuthConfig::default();
    let plenty = Limit {
        max: 1000,
        per: Duration::from_secs(60),
    };
    auth.settings.login_per_ip = plenty;
    auth.settings.login_per_account = plenty;
    auth
}

use rendezvous_web as web;

store::backend_test!(
    brute_force_from_one_address_backs_off_after_five_tries,
    |t| async move {
        let app = TestApp::builder().auth(generous()).start(t).await;
        let org = app.organization("acme").await;
        let user = member(&app, &org, "mia@acme.example", domain::access::Role::Member).await;

        let mut answers = Vec::new();
        for i in 0..100 {
            let r = login(
                &app,
                "acme",
                "mia@acme.example",
                &format!("wrong guess {i:03}"),
            )
            .await;
            answers.push(code(r).await);
        }
        assert!(
            answers[..5]
                .iter()
                .all(|a| *a == (StatusCode::UNAUTHORIZED, "invalid_credentials".to_owned())),
            "{answers:?}"
        );
        assert!(
            answers[5..]
                .iter()
                .all(|a| *a == (StatusCode::TOO_MANY_REQUESTS, "rate_limited".to_owned())),
            "then the address backs off, unevaluated: {answers:?}"
        );
        // The right password from that address waits too (15 minutes).
        let r = login(&app, "acme", "mia@acme.example", PASSWORD).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = r.headers()[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((13 * 60..=15 * 60).contains(&retry), "{retry}");

        let scope = app.scope(&org.key).await;
        let stored = app.db.db.users().get(&scope, user.id).await.unwrap();
        assert_eq!(
            stored.locked_until, None,
            "five failures do not lock the account"
        );
        let audit = app.db.db.audit().recent(&scope, 200).await.unwrap();
        let count = |a: &str| audit.iter().filter(|e| e.action == a).count();
        assert_eq!(
            count("login.failed"),
            5,
            "only the 5 tries before the backoff are evaluated"
        );
        assert_eq!(count("login.succeeded"), 0);
        app.run_pending_jobs().await;
    }
);

store::backend_test!(sign_in_is_rate_limited_with_retry_after, |t| async move {
    let app = TestApp::builder().start(t).await;
    app.organization("acme").await;
    let mut limited = None;
    for i in 0..30 {
        let r = login(
            &app,
            "acme",
            &format!("u{i}@acme.example"),
            "whatever it is",
        )
        .await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((i, r));
            break;
        }
    }
    let (i, r) = limited.expect("the per-address limit stops a run of sign-ins");
    assert_eq!(i, 20, "20 a minute per address by default");
    let retry: u64 = r.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(code(r).await.1, "rate_limited");
});

store::backend_test!(sessions_need_csrf_and_end_at_sign_out, |t| async move {
    let app = TestApp::builder().start(t).await;
    let org = app.organization("acme").await;
    member(&app, &org, "mia@acme.example", domain::access::Role::Admin).await;
    let b = sign_in(&app, "acme", "mia@acme.example").await;

    let me: Value = b
        .req(&app, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "mia@acme.example");
    assert!(me["api_key_id"].is_null());

    // An unsafe request with the cookie but without the token is refused.
    let r = app
        .request(Method::POST, "/api/v1/teams")
        .header(header::COOKIE, &b.cookie)
        .json(&json!({"slug": "x", "name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(r).await,
        (StatusCode::FORBIDDEN, "csrf_failed".to_owned())
    );
    let r = b
        .req(&app, Method::POST, "/api/v1/teams")
        .json(&json!({"slug": "x", "name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    let r = b
        .req(&app, Method::POST, "/api/v1/auth/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = b.req(&app, Method::GET, "/api/v1/me").send().await.unwrap();
    assert_eq!(
        code(r).await,
        (StatusCode::UNAUTHORIZED, "invalid_session".to_owned())
    );
    app.run_pending_jobs().await;
});

store::backend_test!(password_change_and_reset, |t| async move {
    let app = TestApp::builder().start(t).await;
    let org = app.organization("acme").await;
    member(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
    let b = sign_in(&app, "acme", "mia@acme.example").await;

    let r = b
        .req(&app, Method::POST, "/api/v1/auth/password")
        .json(&json!({"current_password": PASSWORD, "new_password": "Password123!"}))
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["pointer"], "/new_password");
    assert_eq!(body["errors"][0]["code"], "password_common");
    let r = b.req(&app, Method::POST, "/api/v1/auth/password")
        .json(&json!({"current_password": "not it at all", "new_password": "a fresh long passphrase"}))
        .send().await.unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["pointer"], "/current_password");

    // Reset requests answer 202 whether or not the account exists.
    for email in ["mia@acme.example", "nobody@acme.example"] {
        let r = app
            .request(Method::POST, "/api/v1/auth/password-reset")
            .json(&json!({"organization": "acme", "email": email}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    let (_, token) = services::accounts::request_password_reset(
        &app.db.db,
        "acme",
        "mia@acme.example",
        jiff::SignedDuration::from_hours(1),
        &Default::default(),
        &app.calendars.keys,
    )
    .await
    .unwrap()
    .unwrap();
    let confirm = |token: String| {
        app.request(Method::POST, "/api/v1/auth/password-reset/confirm")
            .json(&json!({"token": token, "password": "a fresh long passphrase"}))
            .send()
    };
    assert_eq!(
        confirm(token.expose().to_owned()).await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let again = confirm(token.expose().to_owned()).await.unwrap();
    assert_eq!(
        code(again).await,
        (StatusCode::BAD_REQUEST, "invalid_token".to_owned())
    );
    // The reset ended the old session, and the new password works.
    let r = b.req(&app, Method::GET, "/api/v1/me").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = login(&app, "acme", "mia@acme.example", "a fresh long passphrase").await;
    assert_eq!(r.status(), StatusCode::OK);
    app.run_pending_jobs().await;
});

store::backend_test!(
    owner_builds_a_team_and_a_custom_role_grants_exactly_its_permissions,
    |t| async move {
        let app = TestApp::builder().start(t).await;
        let org = app.organization("acme").await;

        // The owner defines a role that manages teams, and creates a team.
        let r = bearer(&app, &org, Method::POST, "/api/v1/roles")
            .json(&json!({"name": "team manager", "permissions": ["teams.read", "teams.manage"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let role: Value = r.json().await.unwrap();
        let r = bearer(&app, &org, Method::POST, "/api/v1/roles")
            .json(&json!({"name": "bad", "permissions": ["teams.read", "teams.fly"]}))
            .send()
            .await
            .unwrap();
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["pointer"], "/permissions/1");

        let team: Value = bearer(&app, &org, Method::POST, "/api/v1/teams")
            .json(&json!({"slug": "support", "name": "Support"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();

        // The owner invites a viewer (over HTTP the invitation answers 201; a second is 409).
        let r = bearer(&app, &org, Method::POST, "/api/v1/users")
            .json(&json!({"email": "ivy@acme.example", "name": "Ivy", "role": "viewer"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let r = bearer(&app, &org, Method::POST, "/api/v1/users")
            .json(&json!({"email": "IVY@acme.example", "name": "Ivy", "role": "viewer"}))
            .send()
            .await
            .unwrap();
        assert_eq!(code(r).await, (StatusCode::CONFLICT, "conflict".to_owned()));

        let mia = member(&app, &org, "mia@acme.example", domain::access::Role::Viewer).await;
        let r = bearer(
            &app,
            &org,
            Method::PUT,
            &format!(
                "/api/v1/teams/{}/members/{}",
                team["id"].as_str().unwrap(),
                mia.id
            ),
        )
        .json(&json!({"role": "member"}))
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let b = sign_in(&app, "acme", "mia@acme.example").await;

        // As a plain viewer she reads but does not manage.
        let create = |slug: &'static str| {
            b.req(&app, Method::POST, "/api/v1/teams")
                .json(&json!({"slug": slug, "name": "Sales"}))
                .send()
        };
        assert_eq!(
            code(create("sales").await.unwrap()).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            b.req(&app, Method::GET, "/api/v1/teams")
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );

        // The owner gives her the custom role.
        let r = bearer(
            &app,
            &org,
            Method::PATCH,
            &format!("/api/v1/users/{}", mia.id),
        )
        .json(&json!({"custom_role_id": role["id"]}))
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK);

        // Now she manages teams, and nothing more.
        assert_eq!(create("sales").await.unwrap().status(), StatusCode::CREATED);
        let r = b
            .req(
                &app,
                Method::PUT,
                &format!(
                    "/api/v1/teams/{}/members/{}",
                    team["id"].as_str().unwrap(),
                    mia.id
                ),
            )
            .json(&json!({"role": "lead"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        for (method, path, body) in [
            (
                Method::POST,
                "/api/v1/users".to_owned(),
                json!({"email": "x@acme.example", "name": "X", "role": "member"}),
            ),
            (
                Method::PATCH,
                format!("/api/v1/users/{}", mia.id),
                json!({"role": "admin"}),
            ),
            (
                Method::POST,
                "/api/v1/roles".to_owned(),
                json!({"name": "r", "permissions": []}),
            ),
            (
                Method::PATCH,
                "/api/v1/organization".to_owned(),
                json!({"name": "Mine now"}),
            ),
        ] {
            let r = b
                .req(&app, method.clone(), &path)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(
                code(r).await,
                (StatusCode::FORBIDDEN, "forbidden".to_owned()),
                "{method} {path}"
            );
        }

        // Taking the role away takes the permission away at the next request.
        let r = bearer(
            &app,
            &org,
            Method::PATCH,
            &format!("/api/v1/users/{}", mia.id),
        )
        .json(&json!({"custom_role_id": null}))
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(create("ops").await.unwrap().status(), StatusCode::FORBIDDEN);

        let scope = app.scope(&org.key).await;
        let audit = app.db.db.audit().recent(&scope, 100).await.unwrap();
        assert_eq!(
            audit
                .iter()
                .filter(|e| e.action == "user.role_changed")
                .count(),
            2
        );
        assert!(audit.iter().any(|e| e.action == "role.created"));
        assert!(
            audit
                .iter()
                .any(|e| e.action == "login.succeeded" && e.ip.is_some())
        );
        app.run_pending_jobs().await;
    }
);

store::backend_test!(tenants_cannot_reach_each_others_rows, |t| async move {
    let app = TestApp::builder().start(t).await;
    let a = app.organization("alpha").await;
    let b = app.organization("beta").await;
    let a_user = member(&app, &a, "mia@alpha.example", domain::access::Role::Member).await;
    let b_user = member(&app, &b, "bo@beta.example", domain::access::Role::Member).await;
    let a_role: Value = bearer(&app, &a, Method::POST, "/api/v1/roles")
        .json(&json!({"name": "r", "permissions": ["teams.read"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let a_team: Value = bearer(&app, &a, Method::POST, "/api/v1/teams")
        .json(&json!({"slug": "t", "name": "T"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let b_team: Value = bearer(&app, &b, Method::POST, "/api/v1/teams")
        .json(&json!({"slug": "t", "name": "T"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (a_role, a_team, b_team) = (
        a_role["id"].as_str().unwrap().to_owned(),
        a_team["id"].as_str().unwrap().to_owned(),
        b_team["id"].as_str().unwrap().to_owned(),
    );
    let guessed = uuid::Uuid::now_v7().to_string();

    // B's owner (full rights), by key and by session, against A's ids and guessed ids.
    let b_owner_session = {
        let b_admin = member(&app, &b, "admin@beta.example", domain::access::Role::Admin).await;
        let _ = b_admin;
        sign_in(&app, "beta", "admin@beta.example").await
    };
    let mut attempts: Vec<(Method, String, Option<Value>)> = Vec::new();
    for id in [a_user.id.to_string(), guessed.clone()] {
        attempts.push((Method::GET, format!("/api/v1/users/{id}"), None));
        attempts.push((
            Method::PATCH,
            format!("/api/v1/users/{id}"),
            Some(json!({"name": "x"})),
        ));
        attempts.push((Method::DELETE, format!("/api/v1/users/{id}"), None));
        attempts.push((
            Method::PUT,
            format!("/api/v1/teams/{b_team}/members/{id}"),
            Some(json!({"role": "member"})),
        ));
    }
    for id in [a_role.clone(), guessed.clone()] {
        attempts.push((Method::GET, format!("/api/v1/roles/{id}"), None));
        attempts.push((
            Method::PATCH,
            format!("/api/v1/roles/{id}"),
            Some(json!({"name": "x"})),
        ));
        attempts.push((Method::DELETE, format!("/api/v1/roles/{id}"), None));
        attempts.push((
            Method::PATCH,
            format!("/api/v1/users/{}", b_user.id),
            Some(json!({"custom_role_id": id})),
        ));
    }
    for id in [a_team.clone(), guessed.clone()] {
        attempts.push((Method::GET, format!("/api/v1/teams/{id}"), None));
        attempts.push((
            Method::PATCH,
            format!("/api/v1/teams/{id}"),
            Some(json!({"name": "x"})),
        ));
        attempts.push((Method::DELETE, format!("/api/v1/teams/{id}"), None));
        attempts.push((Method::GET, format!("/api/v1/teams/{id}/members"), None));
        attempts.push((
            Method::PUT,
            format!("/api/v1/teams/{id}/members/{}", b_user.id),
            Some(json!({"role": "member"})),
        ));
        attempts.push((
            Method::DELETE,
            format!("/api/v1/teams/{id}/members/{}", a_user.id),
            None,
        ));
    }
    for (method, path, body) in &attempts {
        for by_session in [false, true] {
            let mut req = if by_session {
                b_owner_session.req(&app, method.clone(), path)
            } else {
                bearer(&app, &b, method.clone(), path)
            };
            if let Some(body) = body {
                req = req.json(body);
            }
            let r = req.send().await.unwrap();
            assert_eq!(
                r.status(),
                StatusCode::NOT_FOUND,
                "{method} {path} (session: {by_session})"
            );
        }
    }

    // Lists show only B's rows.
    for path in ["/api/v1/users", "/api/v1/roles", "/api/v1/teams"] {
        let list = bearer(&app, &b, Method::GET, path)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for a_id in [a_user.id.to_string(), a_role.clone(), a_team.clone()] {
            assert!(!list.contains(&a_id), "{path} leaks {a_id}");
        }
    }
    // A's rows are untouched.
    let r = bearer(&app, &a, Method::GET, &format!("/api/v1/teams/{a_team}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = bearer(
        &app,
        &a,
        Method::GET,
        &format!("/api/v1/users/{}", a_user.id),
    )
    .send()
    .await
    .unwrap();
    let u: Value = r.json().await.unwrap();
    assert_eq!(u["name"], a_user.name.as_str());
    // A session cookie of A used with B's slug in mind still sees A only.
    let a_session = sign_in(&app, "alpha", "mia@alpha.example").await;
    let org: Value = a_session
        .req(&app, Method::GET, "/api/v1/organization")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(org["slug"], "alpha");
    app.run_pending_jobs().await;
});

async fn json_of(r: reqwest::Response) -> (StatusCode, Value) {
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

store::backend_test!(api_keys_are_issued_listed_and_revoked, |t| async move {
    let app = TestApp::builder().start(t).await;
    let org = app.organization("acme").await;
    let expires = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24);
    let (status, issued) = json_of(
        bearer(&app, &org, Method::POST, "/api/v1/api-keys")
            .json(&json!({"name": "reader", "scopes": ["users.read"], "expires_at": expires.to_string()}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let key = issued["key"].as_str().unwrap().to_owned();
    let id = issued["id"].as_str().unwrap().to_owned();
    let with_key = |m: Method, p: &str| app.request(m, p).bearer_auth(&key);

    // The key is narrowed to its scopes.
    let r = with_key(Method::GET, "/api/v1/users").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = with_key(Method::GET, "/api/v1/teams").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Listed with its limits, never with the secret.
    let (status, list) = json_of(
        bearer(&app, &org, Method::GET, "/api/v1/api-keys")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!list.to_string().contains(&key));
    let listed = list
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id.as_str())
        .unwrap();
    assert_eq!(listed["name"], "reader");
    assert_eq!(listed["scopes"], json!(["users.read"]));
    assert!(listed["expires_at"].is_string());
    assert!(listed["revoked_at"].is_null());

    // Bad input names the field.
    for (body, pointer) in [
        (json!({"name": "x", "scopes": ["nope"]}), "/scopes/0"),
        (
            json!({"name": "x", "expires_at": "2001-01-01T00:00:00Z"}),
            "/expires_at",
        ),
        (json!({"name": " "}), "/name"),
    ] {
        let (status, problem) = json_of(
            bearer(&app, &org, Method::POST, "/api/v1/api-keys")
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(problem["errors"][0]["pointer"], pointer, "{problem}");
    }

    // Members issue, list and revoke keys of their own, never anyone else's, and a key
    // never carries more than its issuer holds.
    let mia = member(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
    let b = sign_in(&app, "acme", "mia@acme.example").await;
    let (status, mine) = json_of(
        b.req(&app, Method::POST, "/api/v1/api-keys")
            .json(&json!({"name": "mine", "scopes": ["users.read", "bookings.read"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{mine}");
    let mine_key = mine["key"].as_str().unwrap().to_owned();
    let r = app
        .request(Method::GET, "/api/v1/me")
        .bearer_auth(&mine_key)
        .send()
        .await
        .unwrap();
    let (_, me) = json_of(r).await;
    assert_eq!(
        me["user_id"],
        mia.id.0.to_string(),
        "the key acts as its issuer"
    );
    let (status, listed) = json_of(
        b.req(&app, Method::GET, "/api/v1/api-keys")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "only her own: {listed}"
    );
    for (body, expected) in [
        // Someone else's key needs an owner or admin.
        (
            json!({"name": "theirs", "user_id": org.created.owner.id.0}),
            StatusCode::FORBIDDEN,
        ),
        // A permission she lacks is not hers to give.
        (
            json!({"name": "admin", "scopes": ["users.manage"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = b
            .req(&app, Method::POST, "/api/v1/api-keys")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), expected, "{body}");
    }
    // A narrowed key passes its narrowing on to the keys it issues.
    let r = app
        .request(Method::POST, "/api/v1/api-keys")
        .bearer_auth(&mine_key)
        .json(&json!({"name": "child"}))
        .send()
        .await
        .unwrap();
    let (status, child) = json_of(r).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no api_keys.manage in its scopes: {child}"
    );
    // She cannot revoke the owner's key: not found, as if it did not exist.
    let r = b
        .req(&app, Method::DELETE, &format!("/api/v1/api-keys/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = b
        .req(
            &app,
            Method::DELETE,
            &format!("/api/v1/api-keys/{}", mine["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // Viewers hold no api_keys.manage.
    member(&app, &org, "vic@acme.example", domain::access::Role::Viewer).await;
    let v = sign_in(&app, "acme", "vic@acme.example").await;
    let r = v
        .req(&app, Method::POST, "/api/v1/api-keys")
        .json(&json!({"name": "mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Revoked: stops at once; revoking again is fine.
    for _ in 0..2 {
        let r = bearer(
            &app,
            &org,
            Method::DELETE,
            &format!("/api/v1/api-keys/{id}"),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    let r = with_key(Method::GET, "/api/v1/users").send().await.unwrap();
    assert_eq!(
        code(r).await,
        (StatusCode::UNAUTHORIZED, "invalid_api_key".to_owned())
    );
    app.run_pending_jobs().await;
});

store::backend_test!(my_sessions_are_listed_and_revoked, |t| async move {
    let app = TestApp::builder().auth(generous()).start(t).await;
    let org = app.organization("acme").await;
    member(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
    member(&app, &org, "max@acme.example", domain::access::Role::Member).await;
    let one = sign_in(&app, "acme", "mia@acme.example").await;
    let two = sign_in(&app, "acme", "mia@acme.example").await;
    let three = sign_in(&app, "acme", "mia@acme.example").await;
    let other = sign_in(&app, "acme", "max@acme.example").await;

    let (status, list) = json_of(
        one.req(&app, Method::GET, "/api/v1/me/sessions")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 3, "only my own");
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(list.iter().all(|s| s["active"] == true));
    let (_, two_list) = json_of(
        two.req(&app, Method::GET, "/api/v1/me/sessions")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let two_id = two_list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, other_list) = json_of(
        other
            .req(&app, Method::GET, "/api/v1/me/sessions")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let other_id = other_list[0]["id"].as_str().unwrap().to_owned();

    // Another user's session is not mine to end.
    let r = one
        .req(
            &app,
            Method::DELETE,
            &format!("/api/v1/me/sessions/{other_id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = other
        .req(&app, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // One device signed out.
    let r = one
        .req(
            &app,
            Method::DELETE,
            &format!("/api/v1/me/sessions/{two_id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = two
        .req(&app, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Everywhere else signed out; this one lives on.
    let (status, body) = json_of(
        one.req(&app, Method::POST, "/api/v1/me/sessions/revoke-others")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["revoked"], 1, "two was already revoked");
    let r = three
        .req(&app, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = one
        .req(&app, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = other
        .req(&app, Method::GET, "/api/v1/me")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "other users keep their sessions"
    );
    app.run_pending_jobs().await;
});

store::backend_test!(email_addresses_are_verified_by_token, |t| async move {
    let app = TestApp::builder().start(t).await;
    let org = app.organization("acme").await;
    member(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
    let b = sign_in(&app, "acme", "mia@acme.example").await;
    let r = b
        .req(&app, Method::POST, "/api/v1/me/email-verification")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);

    // The owner's address (not verified by accepting an invitation), by key.
    let r = bearer(&app, &org, Method::POST, "/api/v1/me/email-verification")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    // The token the e-mail carries (it goes to the log until the mailer exists).
    let scope = app.scope(&org.key).await;
    let (_, token) = services::accounts::request_email_verification(
        &app.db.db,
        &scope,
        jiff::SignedDuration::from_hours(1),
        &app.calendars.keys,
    )
    .await
    .unwrap();
    let path = format!("/api/v1/users/{}", org.created.owner.id);
    let (_, before) = json_of(bearer(&app, &org, Method::GET, &path).send().await.unwrap()).await;
    assert_eq!(before["email_verified"], false);

    let confirm = |t: &str| {
        app.request(Method::POST, "/api/v1/auth/verify-email")
            .json(&json!({"token": t}))
            .send()
    };
    let r = confirm("rdva_not-a-token").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = confirm(token.expose()).await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (_, after) = json_of(bearer(&app, &org, Method::GET, &path).send().await.unwrap()).await;
    assert_eq!(after["email_verified"], true);
    let r = confirm(token.expose()).await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a token is good once");
    app.run_pending_jobs().await;
});

store::backend_test!(the_audit_log_is_filtered_and_paged, |t| async move {
    let app = TestApp::builder().start(t).await;
    let org = app.organization("acme").await;
    let started = jiff::Timestamp::now();
    let mut ids = Vec::new();
    for i in 0..5 {
        let (status, issued) = json_of(
            bearer(&app, &org, Method::POST, "/api/v1/api-keys")
                .json(&json!({"name": format!("k{i}")}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        ids.push(issued["id"].as_str().unwrap().to_owned());
    }
    let r = bearer(
        &app,
        &org,
        Method::DELETE,
        &format!("/api/v1/api-keys/{}", ids[0]),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let get = |q: String| {
        let app = &app;
        let org = &org;
        async move {
            json_of(
                bearer(app, org, Method::GET, &format!("/api/v1/audit-log{q}"))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    // Paged newest first, by action.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("?action=api_key.created&limit=2&cursor={c}"),
            None => "?action=api_key.created&limit=2".to_owned(),
        };
        let (status, page) = get(q).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for e in page["entries"].as_array().unwrap() {
            assert_eq!(e["action"], "api_key.created");
            seen.push(e["target_id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    // By target, by actor, by time range.
    let (_, page) = get(format!("?target_id={}", ids[0])).await;
    let actions: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["api_key.revoked", "api_key.created"]);
    let owner = org.created.owner.id;
    let (_, page) = get(format!("?actor_id={owner}&target_type=api_key")).await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 6, "{page}");
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
    let (_, page) = get(format!("?from={later}")).await;
    assert!(page["entries"].as_array().unwrap().is_empty());
    let (_, page) = get(format!("?from={started}&until={later}&target_type=api_key")).await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 6);

    // Bad filters, and callers without audit.read.
    let (status, problem) = get("?cursor=nonsense".to_owned()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["pointer"], "/cursor");
    let (status, _) = get(format!("?from={later}&until={started}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    member(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
    let b = sign_in(&app, "acme", "mia@acme.example").await;
    let r = b
        .req(&app, Method::GET, "/api/v1/audit-log")
        .send()
        .await
        .unwrap();
    assert_eq!(code(r).await.0, StatusCode::FORBIDDEN);
    app.run_pending_jobs().await;
});

store::backend_test!(
    keys_sessions_and_audit_entries_stay_in_their_organization,
    |t| async move {
        let app = TestApp::builder().start(t).await;
        let a = app.organization("alpha").await;
        let b = app.organization("beta").await;
        member(&app, &a, "mia@alpha.example", domain::access::Role::Member).await;
        let a_session = sign_in(&app, "alpha", "mia@alpha.example").await;
        let (_, a_sessions) = json_of(
            a_session
                .req(&app, Method::GET, "/api/v1/me/sessions")
                .send()
                .await
                .unwrap(),
        )
        .await;
        let a_session_id = a_sessions[0]["id"].as_str().unwrap().to_owned();
        let (_, a_key) = json_of(
            bearer(&app, &a, Method::POST, "/api/v1/api-keys")
                .json(&json!({"name": "a"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let a_key_id = a_key["id"].as_str().unwrap().to_owned();
        let a_user = a.created.owner.id.to_string();
        let guessed = uuid::Uuid::now_v7().to_string();

        // B's owner: by key and by an admin's session.
        member(&app, &b, "admin@beta.example", domain::access::Role::Admin).await;
        let b_session = sign_in(&app, "beta", "admin@beta.example").await;
        let mut attempts = vec![
            (Method::DELETE, format!("/api/v1/api-keys/{a_key_id}"), None),
            (Method::DELETE, format!("/api/v1/api-keys/{guessed}"), None),
            (
                Method::DELETE,
                format!("/api/v1/me/sessions/{a_session_id}"),
                None,
            ),
            (
                Method::DELETE,
                format!("/api/v1/me/sessions/{guessed}"),
                None,
            ),
        ];
        for user in [&a_user, &guessed] {
            attempts.push((
                Method::POST,
                "/api/v1/api-keys".to_owned(),
                Some(json!({"name": "x", "user_id": user})),
            ));
        }
        for (method, path, body) in &attempts {
            for by_session in [false, true] {
                let mut req = if by_session {
                    b_session.req(&app, method.clone(), path)
                } else {
                    bearer(&app, &b, method.clone(), path)
                };
                if let Some(body) = body {
                    req = req.json(body);
                }
                let r = req.send().await.unwrap();
                assert_eq!(
                    r.status(),
                    StatusCode::NOT_FOUND,
                    "{method} {path} (session: {by_session})"
                );
            }
        }
        // Lists show only B's.
        for path in [
            "/api/v1/api-keys".to_owned(),
            "/api/v1/audit-log?limit=200".to_owned(),
            format!("/api/v1/audit-log?target_id={a_key_id}"),
            format!("/api/v1/audit-log?actor_id={a_user}"),
        ] {
            let text = bearer(&app, &b, Method::GET, &path)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            for a_id in [&a_key_id, &a_user, &a_session_id] {
                assert!(!text.contains(a_id.as_str()), "{path} leaks {a_id}");
            }
        }
        // A's key and session still work.
        let r = app
            .request(Method::GET, "/api/v1/me")
            .bearer_auth(a_key["key"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = a_session
            .req(&app, Method::GET, "/api/v1/me")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        app.run_pending_jobs().await;
    }
);

store::backend_test!(expired_sessions_and_keys_get_401, |t| async move {
    let mut auth = generous();
    auth.settings.session_ttl = Duration::from_secs(1);
    let app = TestApp::builder().auth(auth).start(t).await;
    let org = app.organization("acme").await;
    member(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
    let browser = sign_in(&app, "acme", "mia@acme.example").await;
    let expires = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(1))
        .unwrap();
    let r = bearer(&app, &org, Method::POST, "/api/v1/api-keys")
        .json(&json!({"name": "short-lived", "expires_at": expires.to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let key = r.json::<Value>().await.unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = |auth: Option<&str>| {
        let request = app.request(Method::GET, "/api/v1/me");
        match auth {
            Some(key) => request.bearer_auth(key),
            None => request.header(header::COOKIE, &browser.cookie),
        }
        .send()
    };
    assert_eq!(me(None).await.unwrap().status(), StatusCode::OK);
    assert_eq!(me(Some(&key)).await.unwrap().status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        me(None).await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "expired session"
    );
    assert_eq!(
        me(Some(&key)).await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "expired key"
    );
    assert_eq!(
        me(Some(&org.key)).await.unwrap().status(),
        StatusCode::OK,
        "other keys still work"
    );
    app.run_pending_jobs().await;
});

store::backend_test!(
    team_leads_run_their_own_team_and_removed_teams_vanish,
    |t| async move {
        let app = TestApp::builder().auth(generous()).start(t).await;
        let org = app.organization("acme").await;
        let leo = member(&app, &org, "leo@acme.example", domain::access::Role::Member).await;
        let mia = member(&app, &org, "mia@acme.example", domain::access::Role::Member).await;
        member(&app, &org, "max@acme.example", domain::access::Role::Member).await;
        let mut teams = Vec::new();
        for slug in ["sales", "ops"] {
            let (status, team) = json_of(
                bearer(&app, &org, Method::POST, "/api/v1/teams")
                    .json(&json!({"slug": slug, "name": slug}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{team}");
            teams.push(team["id"].as_str().unwrap().to_owned());
        }
        let (sales, ops) = (&teams[0], &teams[1]);
        let r = bearer(
            &app,
            &org,
            Method::PUT,
            &format!("/api/v1/teams/{sales}/members/{}", leo.id),
        )
        .json(&json!({"role": "lead"}))
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK);

        let leo_b = sign_in(&app, "acme", "leo@acme.example").await;
        let max_b = sign_in(&app, "acme", "max@acme.example").await;
        let put_mia = |b: &Browser, team: &str| {
            b.req(
                &app,
                Method::PUT,
                &format!("/api/v1/teams/{team}/members/{}", mia.id),
            )
            .json(&json!({"role": "member"}))
            .send()
        };
        // The lead runs his team: members and name.
        assert_eq!(
            put_mia(&leo_b, sales).await.unwrap().status(),
            StatusCode::OK
        );
        let r = leo_b
            .req(&app, Method::PATCH, &format!("/api/v1/teams/{sales}"))
            .json(&json!({"name": "Sales EMEA"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = leo_b
            .req(
                &app,
                Method::DELETE,
                &format!("/api/v1/teams/{sales}/members/{}", mia.id),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        // ... and nothing else: not another team, not creating or deleting teams.
        assert_eq!(
            put_mia(&leo_b, ops).await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        let r = leo_b
            .req(&app, Method::DELETE, &format!("/api/v1/teams/{sales}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let r = leo_b
            .req(&app, Method::POST, "/api/v1/teams")
            .json(&json!({"slug": "mine", "name": "Mine"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // A plain member of the organization does not run the team.
        assert_eq!(
            put_mia(&max_b, sales).await.unwrap().status(),
            StatusCode::FORBIDDEN
        );

        // Removed: gone from reads, its lead runs nothing, its slug is free again.
        let r = bearer(
            &app,
            &org,
            Method::DELETE,
            &format!("/api/v1/teams/{sales}"),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let r = bearer(&app, &org, Method::GET, &format!("/api/v1/teams/{sales}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let (_, list) = json_of(
            bearer(&app, &org, Method::GET, "/api/v1/teams")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
        assert_eq!(
            put_mia(&leo_b, sales).await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
        let r = bearer(&app, &org, Method::POST, "/api/v1/teams")
            .json(&json!({"slug": "sales", "name": "Sales again"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        app.run_pending_jobs().await;
    }
);

store::backend_test!(
    rate_limits_are_shared_by_processes_and_follow_the_forwarded_client,
    |t| async move {
        let url = t.url().to_owned();
        let builder = TestApp::builder()
            .shared_rate_limits()
            .trusted_proxies(&["127.0.0.0/8"]);
        let peer = builder.start_peer(&url).await;
        let app = builder.start(t).await;
        app.organization("acme").await;
        let attempt = |base: String, client: &'static str, i: usize| {
            app.client
                .post(format!("{base}/api/v1/auth/login"))
                .header("x-forwarded-for", client)
                .json(&json!({"organization": "acme", "email": format!("u{i}@acme.example"), "password": "whatever it is"}))
                .send()
        };
        // 20 a minute per client address, counted across both processes: the two servers
        // together let exactly 20 through.
        let mut statuses = Vec::new();
        for i in 0..21 {
            let base = if i % 2 == 0 {
                app.url("")
            } else {
                format!("http://{peer}")
            };
            statuses.push(attempt(base, "203.0.113.7", i).await.unwrap().status());
        }
        assert!(
            statuses[..20]
                .iter()
                .all(|s| *s == StatusCode::UNAUTHORIZED),
            "{statuses:?}"
        );
        assert_eq!(statuses[20], StatusCode::TOO_MANY_REQUESTS);
        // Behind the trusted proxy, another client has a budget of its own.
        let other = attempt(app.url(""), "198.51.100.4", 99).await.unwrap();
        assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
    }
);

fn sign_up_body(slug: &str, email: &str, password: &str) -> Value {
    json!({
        "organization_name": "Acme Clinic",
        "organization_slug": slug,
        "name": "Olive Owner",
        "email": email,
        "password": password,
        "time_zone": "Europe/Berlin",
    })
}

store::backend_test!(
    anyone_can_sign_up_an_organization_when_the_operator_allows_it,
    |t| async move {
        let mut auth = generous();
        auth.settings.signup_per_ip = Limit {
            max: 100,
            per: Duration::from_secs(60),
        };
        let app = TestApp::builder().auth(auth).start(t).await;
        let r = app
            .request(Method::POST, "/api/v1/auth/sign-up")
            .json(&sign_up_body("acme", "olive@acme.example", PASSWORD))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let cookie = r
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("rdv_session="))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        // Signed in as the owner of the new organization, address not yet verified.
        let (status, me) = json_of(
            app.request(Method::GET, "/api/v1/me")
                .header(header::COOKIE, &cookie)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["role"], "owner");
        assert_eq!(me["email"], "olive@acme.example");
        assert_eq!(
            login(&app, "acme", "olive@acme.example", PASSWORD)
                .await
                .status(),
            StatusCode::OK
        );

        // A taken slug is 409; bad fields are 422 naming each field, the password by its rule.
        let r = app
            .request(Method::POST, "/api/v1/auth/sign-up")
            .json(&sign_up_body("acme", "other@acme.example", PASSWORD))
            .send()
            .await
            .unwrap();
        assert_eq!(code(r).await, (StatusCode::CONFLICT, "conflict".to_owned()));
        let mut bad = sign_up_body("Not A Slug", "not-an-email", "password");
        bad["time_zone"] = json!("Mars/Olympus");
        bad["name"] = json!("  ");
        let (status, problem) = json_of(
            app.request(Method::POST, "/api/v1/auth/sign-up")
                .json(&bad)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut pointers: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        pointers.sort_unstable();
        assert_eq!(
            pointers,
            [
                "/email",
                "/name",
                "/organization_slug",
                "/password",
                "/time_zone"
            ],
            "{problem}"
        );
        let weak = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["pointer"] == "/password")
            .unwrap();
        assert!(
            weak["code"].as_str().unwrap().starts_with("password_"),
            "{weak}"
        );
        // Nothing half written: the refused sign-ups made no organization.
        let r = login(&app, "not-a-slug", "not-an-email", "password").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        app.run_pending_jobs().await;
    }
);

store::backend_test!(sign_up_can_be_closed_and_is_rate_limited, |t| async move {
    let url = t.url().to_owned();
    let mut closed = web::AuthConfig::default();
    closed.settings.open_signup = false;
    let closed_builder = TestApp::builder().auth(closed);
    let closed_peer = closed_builder.start_peer(&url).await;
    let app = TestApp::builder().start(t).await;

    let r = app
        .client
        .post(format!("http://{closed_peer}/api/v1/auth/sign-up"))
        .json(&sign_up_body("acme", "olive@acme.example", PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(r).await,
        (StatusCode::FORBIDDEN, "signup_closed".to_owned())
    );

    // Five sign-ups an hour per address by default.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let r = app
            .request(Method::POST, "/api/v1/auth/sign-up")
            .json(&sign_up_body(
                &format!("org{i}"),
                "olive@acme.example",
                PASSWORD,
            ))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert_eq!(&statuses[..5], [StatusCode::CREATED; 5]);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    app.run_pending_jobs().await;
});
