//! Account security findings of the outside review (issue 16), each a story against the real
//! server on both backends: API keys for other users, granting roles, password-reset links,
//! and a sign-in lockout that an attacker cannot impose on the owner.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Org, TestApp};
use rendezvous_web as web;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use services::rate_limit::Limit;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple";

/// A signed-in browser: the session cookie and the CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

impl Browser {
    fn req(&self, app: &TestApp, method: Method, path: &str) -> reqwest::RequestBuilder {
        app.request(method, path)
            .header(header::COOKIE, &self.cookie)
            .header("x-csrf-token", &self.csrf)
    }

    async fn call(
        &self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut request = self.req(app, method, path);
        if !body.is_null() {
            request = request.json(&body);
        }
        let r = request.send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

/// A sign-in attempt from client address `ip` (the test server trusts the loopback proxy).
async fn login_from(app: &TestApp, ip: &str, email: &str, password: &str) -> (StatusCode, Value) {
    let r = app
        .request(Method::POST, "/api/v1/auth/login")
        .header("x-forwarded-for", ip)
        .json(&json!({"organization": "acme", "email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let cookie = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("rdv_session="))
        .map(|c| c.split(';').next().unwrap().to_owned());
    let mut body: Value = r.json().await.unwrap_or(Value::Null);
    if let Some(cookie) = cookie {
        body["cookie"] = json!(cookie);
    }
    (status, body)
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Browser {
    let (status, body) = login_from(app, "192.0.2.1", email, password).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Browser {
        cookie: body["cookie"].as_str().unwrap().to_owned(),
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
    }
}

/// Sign-in limits out of the way, so that only the lockout is at work; client addresses
/// taken from `X-Forwarded-For`.
fn lockout_only() -> web::AuthConfig {
    let mut auth = web::AuthConfig::default();
    let plenty = Limit {
        max: 1000,
        per: Duration::from_secs(60),
    };
    auth.settings.login_per_ip = plenty;
    auth.settings.login_per_account = plenty;
    auth
}

async fn app_for(t: store::testing::TestDb) -> (TestApp, Org) {
    let app = TestApp::builder()
        .auth(lockout_only())
        .trusted_proxies(&["127.0.0.1/32", "::1/128"])
        .start(t)
        .await;
    let org = app.organization("acme").await;
    (app, org)
}

async fn call(app: &TestApp, key: &str, method: Method, path: &str, body: Value) -> StatusCode {
    let r = app
        .request(method, path)
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    r.status()
}

/// The account e-mails queued so far, as (kind, token): the token opened from its seal.
async fn account_mails(
    app: &TestApp,
    org: &Org,
    user: domain::ids::UserId,
) -> Vec<(String, String)> {
    let jobs = app
        .db
        .db
        .jobs()
        .claim("inspector", Duration::from_secs(600), 100)
        .await
        .unwrap();
    let context = services::account_mail::account_token_context(org.created.organization.id, user);
    let mails = jobs
        .iter()
        .filter(|j| j.kind == services::account_mail::ACCOUNT_EMAIL_JOB)
        .filter(|j| j.payload["user_id"] == json!(user))
        .map(|j| {
            let sealed = j.payload["sealed_token"].as_str().unwrap();
            let token = app
                .calendars
                .keys
                .open_text(context.as_bytes(), sealed)
                .unwrap();
            (j.payload["kind"].as_str().unwrap().to_owned(), token)
        })
        .collect();
    // Handed back unrun, for the test to run them before it ends.
    for job in &jobs {
        assert!(app.db.db.jobs().release(job).await.unwrap());
    }
    mails
}

store::backend_test!(
    an_admin_cannot_mint_an_api_key_for_the_owner_and_the_audit_log_names_the_real_actor,
    |t| async move {
        let (app, org) = app_for(t).await;
        let owner = org.created.owner.id;
        let admin = app
            .member(
                &org,
                "ada@acme.example",
                domain::access::Role::Admin,
                PASSWORD,
            )
            .await;
        let mia = app
            .member(
                &org,
                "mia@acme.example",
                domain::access::Role::Member,
                PASSWORD,
            )
            .await;
        let b = sign_in(&app, "ada@acme.example", PASSWORD).await;

        // The owner's key would let the admin act as owner.
        let (status, body) = b
            .call(
                &app,
                Method::POST,
                "/api/v1/api-keys",
                json!({"user_id": owner, "name": "mine now"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

        // A member's key is within the admin's own rights.
        let (status, body) = b
            .call(
                &app,
                Method::POST,
                "/api/v1/api-keys",
                json!({"user_id": mia.id, "name": "for mia"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let mia_key = body["key"].as_str().unwrap().to_owned();
        let listed: Value = b
            .req(&app, Method::GET, "/api/v1/api-keys")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let listed = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == "for mia")
            .unwrap();
        assert_eq!(listed["user_id"], json!(mia.id));
        assert_eq!(
            listed["created_by"],
            json!(admin.id),
            "the key knows its issuer"
        );

        // Whatever is done with it is the admin's doing, for Mia.
        let status = call(
            &app,
            &mia_key,
            Method::POST,
            "/api/v1/api-keys",
            json!({"name": "via"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let scope = app.scope(&org.key).await;
        let audit = app.db.db.audit().recent(&scope, 50).await.unwrap();
        let via = audit
            .iter()
            .find(|e| {
                e.action == "api_key.created"
                    && e.new_values.as_ref().is_some_and(|v| v["name"] == "via")
            })
            .unwrap();
        assert_eq!(via.actor_type, "api_key");
        assert_eq!(via.actor_id, Some(admin.id.0), "names the key's holder");
        assert_eq!(via.on_behalf_of, Some(mia.id.0), "and whom it acted as");
        let by_api: Value = app
            .request(Method::GET, "/api/v1/audit-log?action=api_key.created")
            .bearer_auth(&org.key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            by_api["entries"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["actor_id"] == json!(admin.id) && e["on_behalf_of"] == json!(mia.id)),
            "{by_api}"
        );

        // A key for another admin stays held to its issuer: demoted, the issuer loses
        // through the key what they lost themselves.
        let other = app
            .member(
                &org,
                "otto@acme.example",
                domain::access::Role::Admin,
                PASSWORD,
            )
            .await;
        let (status, body) = b
            .call(
                &app,
                Method::POST,
                "/api/v1/api-keys",
                json!({"user_id": other.id, "name": "for otto"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let otto_key = body["key"].as_str().unwrap().to_owned();
        let teams = json!({"slug": "t1", "name": "T1"});
        assert_eq!(
            call(&app, &otto_key, Method::POST, "/api/v1/teams", teams).await,
            StatusCode::CREATED
        );
        let demote = json!({"role": "member"});
        let path = format!("/api/v1/users/{}", admin.id);
        assert_eq!(
            call(&app, &org.key, Method::PATCH, &path, demote).await,
            StatusCode::OK
        );
        let teams = json!({"slug": "t2", "name": "T2"});
        assert_eq!(
            call(&app, &otto_key, Method::POST, "/api/v1/teams", teams).await,
            StatusCode::FORBIDDEN
        );
        app.run_pending_jobs().await;
    }
);

store::backend_test!(
    a_custom_role_with_users_manage_cannot_grant_its_holder_or_anyone_more_than_it_has,
    |t| async move {
        let (app, org) = app_for(t).await;
        let key = org.key.clone();
        let create_role = |name: &str, permissions: &[&str]| {
            let body = json!({"name": name, "permissions": permissions});
            let app = &app;
            let key = key.clone();
            async move {
                let r = app
                    .request(Method::POST, "/api/v1/roles")
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
                r.json::<Value>().await.unwrap()["id"].clone()
            }
        };
        let people = create_role("People", &["users.read", "users.manage"]).await;
        let boss = create_role(
            "Boss",
            &["roles.manage", "organization.manage", "audit.read"],
        )
        .await;
        let hr = app
            .member(
                &org,
                "hr@acme.example",
                domain::access::Role::Member,
                PASSWORD,
            )
            .await;
        let vic = app
            .member(
                &org,
                "vic@acme.example",
                domain::access::Role::Viewer,
                PASSWORD,
            )
            .await;
        let ada = app
            .member(
                &org,
                "ada@acme.example",
                domain::access::Role::Admin,
                PASSWORD,
            )
            .await;
        let path = format!("/api/v1/users/{}", hr.id);
        let status = call(
            &app,
            &key,
            Method::PATCH,
            &path,
            json!({"custom_role_id": people}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let b = sign_in(&app, "hr@acme.example", PASSWORD).await;
        let me = format!("/api/v1/users/{}", hr.id);
        let them = format!("/api/v1/users/{}", vic.id);

        let refused = [
            (
                &me,
                json!({"custom_role_id": boss}),
                "a richer custom role for oneself",
            ),
            (&me, json!({"role": "admin"}), "a higher role for oneself"),
            (
                &me,
                json!({"custom_role_id": null}),
                "any change of one's own role",
            ),
            (
                &them,
                json!({"role": "admin"}),
                "a role with permissions the caller lacks",
            ),
            (
                &them,
                json!({"custom_role_id": boss}),
                "a custom role the caller does not hold",
            ),
        ];
        for (path, body, what) in refused {
            let (status, answer) = b.call(&app, Method::PATCH, path, body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {answer}");
        }
        let ada_path = format!("/api/v1/users/{}", ada.id);
        let (status, _) = b
            .call(
                &app,
                Method::PATCH,
                &ada_path,
                json!({"status": "suspended"}),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "nor act on someone above oneself"
        );
        let (status, _) = b
            .call(
                &app,
                Method::POST,
                "/api/v1/users",
                json!({"email": "new@acme.example", "name": "New", "role": "admin"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "nor invite above oneself");

        // What the caller holds, they may pass on.
        let (status, body) = b
            .call(
                &app,
                Method::PATCH,
                &them,
                json!({"custom_role_id": people}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let scope = app.scope(&org.key).await;
        let stored = app.db.db.users().get(&scope, hr.id).await.unwrap();
        assert_eq!(stored.role, domain::access::Role::Member);
        assert_eq!(stored.custom_role_id.map(|r| json!(r)), Some(people));
        app.run_pending_jobs().await;
    }
);

store::backend_test!(
    a_password_reset_link_dies_when_a_newer_one_is_sent_when_used_and_on_a_password_change,
    |t| async move {
        let (app, org) = app_for(t).await;
        let mia = app
            .member(
                &org,
                "mia@acme.example",
                domain::access::Role::Member,
                PASSWORD,
            )
            .await;
        let request = || async {
            services::accounts::request_password_reset(
                &app.db.db,
                "acme",
                "mia@acme.example",
                jiff::SignedDuration::from_hours(1),
                &Default::default(),
                &app.calendars.keys,
            )
            .await
            .unwrap()
            .unwrap()
            .1
            .expose()
            .to_owned()
        };
        let reset = |token: String, password: &'static str| {
            let app = &app;
            async move {
                app.request(Method::POST, "/api/v1/auth/password-reset/confirm")
                    .json(&json!({"token": token, "password": password}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        // A newer link ends the older one: one live link per account.
        let older = request().await;
        let newer = request().await;
        assert_eq!(
            reset(older, "a brand new passphrase").await,
            StatusCode::BAD_REQUEST
        );

        // Using a link ends it, and signs out everywhere.
        let elsewhere = sign_in(&app, "mia@acme.example", PASSWORD).await;
        assert_eq!(
            reset(newer.clone(), "a brand new passphrase").await,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            reset(newer, "yet another passphrase").await,
            StatusCode::BAD_REQUEST
        );
        let (status, _) = elsewhere
            .call(&app, Method::GET, "/api/v1/me", Value::Null)
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "a reset ends every session"
        );

        // A password change ends any link sent before it, and every session but the
        // current one.
        let current = sign_in(&app, "mia@acme.example", "a brand new passphrase").await;
        let other = sign_in(&app, "mia@acme.example", "a brand new passphrase").await;
        let pending = request().await;
        let (status, body) = current
            .call(
                &app,
                Method::POST,
                "/api/v1/auth/password",
                json!({"current_password": "a brand new passphrase", "new_password": "the third passphrase"}),
            )
            .await;
        assert!(status.is_success(), "{status} {body}");
        assert_eq!(
            reset(pending, "a link from before").await,
            StatusCode::BAD_REQUEST
        );
        let (status, _) = current
            .call(&app, Method::GET, "/api/v1/me", Value::Null)
            .await;
        assert_eq!(status, StatusCode::OK, "the current session stays");
        let (status, _) = other
            .call(&app, Method::GET, "/api/v1/me", Value::Null)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the others end");
        let scope = app.scope(&org.key).await;
        let audit = app.db.db.audit().recent(&scope, 100).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "password.changed" && e.target_id == Some(mia.id.0))
        );
        app.run_pending_jobs().await;
    }
);

store::backend_test!(
    anyone_can_lock_any_account_with_five_wrong_passwords_no_longer,
    |t| async move {
        let (app, org) = app_for(t).await;
        app.member(
            &org,
            "mia@acme.example",
            domain::access::Role::Member,
            PASSWORD,
        )
        .await;
        let attacker = "203.0.113.7";
        let mut answers = Vec::new();
        for i in 0..8 {
            let (status, body) =
                login_from(&app, attacker, "mia@acme.example", &format!("guess {i}")).await;
            answers.push((status, body["code"].as_str().unwrap_or_default().to_owned()));
        }
        let wrong = (StatusCode::UNAUTHORIZED, "invalid_credentials".to_owned());
        let backoff = (StatusCode::TOO_MANY_REQUESTS, "rate_limited".to_owned());
        assert!(answers[..5].iter().all(|a| *a == wrong), "{answers:?}");
        assert!(answers[5..].iter().all(|a| *a == backoff), "{answers:?}");
        // Even the right password waits at that address: it is not even checked.
        let (status, _) = login_from(&app, attacker, "mia@acme.example", PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        // An account that does not exist backs off alike.
        let mut unknown = Vec::new();
        for i in 0..6 {
            let (status, body) =
                login_from(&app, attacker, "nobody@acme.example", &format!("guess {i}")).await;
            unknown.push((status, body["code"].as_str().unwrap_or_default().to_owned()));
        }
        assert_eq!(unknown[..], answers[..6]);

        // The owner, from their own address, is not locked out.
        let (status, body) = login_from(&app, "198.51.100.20", "mia@acme.example", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        app.run_pending_jobs().await;
    }
);

store::backend_test!(
    brute_force_across_many_addresses_meets_a_lock_that_only_the_owners_mailbox_lifts,
    |t| async move {
        let (app, org) = app_for(t).await;
        let mia = app
            .member(
                &org,
                "mia@acme.example",
                domain::access::Role::Member,
                PASSWORD,
            )
            .await;
        // 20 wrong passwords from ten addresses: under each address's backoff, over the
        // account's limit.
        for i in 0..20 {
            let ip = format!("203.0.113.{}", i % 10);
            let (status, _) =
                login_from(&app, &ip, "mia@acme.example", &format!("guess {i}")).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        // Locked: every password answers alike, so guessing on learns nothing.
        let (wrong, wrong_body) =
            login_from(&app, "203.0.113.99", "mia@acme.example", "guess x").await;
        let (right, right_body) =
            login_from(&app, "198.51.100.20", "mia@acme.example", PASSWORD).await;
        assert_eq!(wrong, StatusCode::UNAUTHORIZED);
        assert_eq!((right, &right_body["code"]), (wrong, &wrong_body["code"]));
        assert_eq!(right_body["detail"], wrong_body["detail"]);

        // The owner was told once, with an unlock link; the right password mailed another.
        let mails = account_mails(&app, &org, mia.id).await;
        let of = |kind: &str| -> Vec<String> {
            mails
                .iter()
                .filter(|(k, _)| k == kind)
                .map(|(_, t)| t.clone())
                .collect()
        };
        let (notices, links) = (of("account.locked"), of("account.unlock"));
        assert_eq!((notices.len(), links.len()), (1, 1), "{mails:?}");
        let scope = app.scope(&org.key).await;
        let audit = app.db.db.audit().recent(&scope, 200).await.unwrap();
        assert_eq!(
            audit.iter().filter(|e| e.action == "login.locked").count(),
            1
        );

        // The newer link ends the notice's; the link lifts the lock; the password signs in.
        let unlock = |token: String| {
            let app = &app;
            async move {
                app.request(Method::POST, "/api/v1/auth/unlock")
                    .json(&json!({"token": token}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(unlock(notices[0].clone()).await, StatusCode::BAD_REQUEST);
        assert_eq!(unlock(links[0].clone()).await, StatusCode::NO_CONTENT);
        assert_eq!(
            unlock(links[0].clone()).await,
            StatusCode::BAD_REQUEST,
            "once"
        );
        let (status, body) = login_from(&app, "198.51.100.20", "mia@acme.example", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        app.run_pending_jobs().await;
    }
);

store::backend_test!(
    opening_the_unlock_link_does_not_unlock_until_its_owner_confirms,
    |t| async move {
        let (app, org) = app_for(t).await;
        let mia = app
            .member(
                &org,
                "mia@acme.example",
                domain::access::Role::Member,
                PASSWORD,
            )
            .await;
        for i in 0..20 {
            let ip = format!("203.0.113.{}", i % 10);
            login_from(&app, &ip, "mia@acme.example", &format!("guess {i}")).await;
        }
        let mails = account_mails(&app, &org, mia.id).await;
        let link = mails
            .iter()
            .find(|(kind, _)| kind == "account.locked")
            .map(|(_, token)| token.clone())
            .unwrap();
        let path = format!("/unlock/{link}");

        // A mail scanner opens the link: the page only asks (an unlock uses the link up, and
        // the link still works below).
        let page = app.get(&path).await;
        assert_eq!(page.status(), StatusCode::OK);
        let (cookie, csrf) = common::login_form_cookie(&page).unwrap();
        let html = page.text().await.unwrap();
        assert!(
            html.contains(&format!("name=\"csrf_token\" value=\"{csrf}\"")),
            "{html}"
        );

        // A post from elsewhere (no cookie) is refused; the owner's click unlocks.
        let forged = app
            .request(Method::POST, &path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("csrf_token={csrf}"))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN);
        let confirmed = app
            .request(Method::POST, &path)
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!("csrf_token={csrf}"))
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), StatusCode::OK);
        let (status, body) = login_from(&app, "198.51.100.20", "mia@acme.example", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        app.run_pending_jobs().await;
    }
);

store::backend_test!(a_password_reset_lifts_the_sign_in_lock, |t| async move {
    let (app, org) = app_for(t).await;
    app.member(
        &org,
        "mia@acme.example",
        domain::access::Role::Member,
        PASSWORD,
    )
    .await;
    for i in 0..20 {
        let ip = format!("203.0.113.{}", i % 10);
        login_from(&app, &ip, "mia@acme.example", &format!("guess {i}")).await;
    }
    let (status, _) = login_from(&app, "198.51.100.20", "mia@acme.example", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "locked");
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
    let r = app
        .request(Method::POST, "/api/v1/auth/password-reset/confirm")
        .json(&json!({"token": token.expose(), "password": "a brand new passphrase"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, body) = login_from(
        &app,
        "198.51.100.20",
        "mia@acme.example",
        "a brand new passphrase",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.run_pending_jobs().await;
});
