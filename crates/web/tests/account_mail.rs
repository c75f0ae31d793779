//! Account e-mails end to end through a real SMTP server (aiosmtpd): an invitation, a
//! password reset and an address verification each arrive with an absolute link, the link
//! opens a page in the server, and its form does what it says (the invitee signs in; the
//! new password works and the old one stops). The job that carries a token holds it
//! sealed. Both backends.
#![allow(clippy::unwrap_used)]

mod common;

use common::smtp_sink::SmtpSink;
use common::{FormBody, TestApp};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

/// The one message to `email` among `messages`.
fn to<'a>(messages: &'a [Value], email: &str) -> &'a Value {
    let found: Vec<_> = messages
        .iter()
        .filter(|m| m["rcpt_tos"] == json!([email]))
        .collect();
    assert_eq!(found.len(), 1, "one message to {email}: {messages:#?}");
    found[0]
}

/// The absolute link in a message's text that opens `page` (`invite`, `reset`, ...).
fn link_in(message: &Value, page: &str) -> String {
    let text = message["text"].as_str().unwrap();
    text.split_whitespace()
        .find(|w| w.starts_with("http") && w.contains(&format!("/{page}/")))
        .unwrap_or_else(|| panic!("no /{page}/ link in {text}"))
        .to_owned()
}

/// The path of an absolute link to the test server.
fn path_of(app: &TestApp, link: &str) -> String {
    let base = format!("http://{}", app.addr);
    link.strip_prefix(&base)
        .unwrap_or_else(|| panic!("{link} does not lead to {base}"))
        .to_owned()
}

/// A page's form: its login CSRF cookie (as a `Cookie` header value) and hidden token.
async fn form_of(response: Response) -> (StatusCode, String, String, String) {
    let status = response.status();
    let (cookie, token) = common::login_form_cookie(&response).unwrap_or_default();
    let html = response.text().await.unwrap();
    (status, cookie, token, html)
}

async fn post_form(
    app: &TestApp,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let response = app
        .request(Method::POST, path)
        .header(reqwest::header::COOKIE, cookie)
        .form_body(fields)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> StatusCode {
    app.request(Method::POST, "/api/v1/auth/login")
        .json(&json!({"organization": "acme", "email": email, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

store::backend_test!(
    an_invitation_arrives_and_its_page_creates_the_account,
    |t| async move {
        let sink = SmtpSink::start().await;
        let app = TestApp::builder().smtp(sink.port).start(t).await;
        let org = app.organization("acme").await;
        let (status, body) = common::call(
            &app,
            Method::POST,
            "/api/v1/users",
            Some(&org.key),
            Some(json!({"email": "mia@acme.example", "name": "mia", "role": "member"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");

        let messages = sink.wait_for(1).await;
        let invitation = to(&messages, "mia@acme.example");
        assert_eq!(
            invitation["subject"], "Accept your invitation (acme Inc.)",
            "{invitation}"
        );
        assert!(
            invitation["text"]
                .as_str()
                .unwrap()
                .starts_with("Hello mia,")
        );
        let link = link_in(invitation, "invite");
        assert!(
            invitation["html"]
                .as_str()
                .unwrap()
                .contains("Accept your invitation"),
            "{invitation}"
        );
        let path = path_of(&app, &link);

        // The link opens a form for a name and a password, named for the organization.
        let (status, cookie, csrf, html) = form_of(app.get(&path).await).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Join acme"), "{html}");
        assert!(html.contains("mia@acme.example"), "{html}");
        assert!(!cookie.is_empty() && !csrf.is_empty());

        // A form without its cookie is refused; mismatched and weak passwords name the field.
        let (status, _) = post_form(
            &app,
            &path,
            "",
            &[
                ("csrf_token", &csrf),
                ("name", "Mia"),
                ("password", "x"),
                ("password_confirm", "x"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, html) = post_form(
            &app,
            &path,
            &cookie,
            &[
                ("csrf_token", &csrf),
                ("name", "Mia Member"),
                ("password", "a long enough passphrase"),
                ("password_confirm", "another passphrase"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"e-password_confirm\""), "{html}");
        let (status, html) = post_form(
            &app,
            &path,
            &cookie,
            &[
                ("csrf_token", &csrf),
                ("name", "Mia Member"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains("id=\"e-password\""), "{html}");

        let (status, html) = post_form(
            &app,
            &path,
            &cookie,
            &[
                ("csrf_token", &csrf),
                ("name", "Mia Member"),
                ("password", "a long enough passphrase"),
                ("password_confirm", "a long enough passphrase"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Welcome aboard"), "{html}");
        assert!(
            html.contains("signin?organization=acme\">Sign in</a>"),
            "{html}"
        );
        assert_eq!(
            sign_in(&app, "mia@acme.example", "a long enough passphrase").await,
            StatusCode::OK
        );
        let (_, users) =
            common::call(&app, Method::GET, "/api/v1/users", Some(&org.key), None).await;
        assert!(
            users.to_string().contains("Mia Member"),
            "the invitee chose their name: {users}"
        );

        // Used: the link now says so, not a server error.
        let response = app.get(&path).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("This invitation cannot be used")
        );

        // Logged as sent, with the server's answer.
        let log = app
            .db
            .db
            .messages()
            .recent_log(&app.scope(&org.key).await, 10)
            .await
            .unwrap();
        assert!(
            log.iter().any(|m| m.event == "account.invitation"
                && m.recipient == "mia@acme.example"
                && m.status == "sent"
                && m.provider_response.starts_with("250")),
            "{log:?}"
        );
        app.shutdown().await;
    }
);

store::backend_test!(
    a_reset_link_from_the_forgot_form_sets_a_new_password,
    |t| async move {
        let sink = SmtpSink::start().await;
        let app = TestApp::builder().smtp(sink.port).start(t).await;
        let org = app.organization("acme").await;
        app.member(
            &org,
            "mia@acme.example",
            domain::access::Role::Member,
            "the first passphrase",
        )
        .await;

        // The sign-in page leads to the request form.
        let signin = app
            .get("/signin?organization=acme")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            signin.contains("forgot?organization=acme\" id=\"forgot-link\""),
            "{signin}"
        );
        let (status, cookie, csrf, html) =
            form_of(app.get("/signin/forgot?organization=acme").await).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        // An unknown address is answered alike, and nothing is sent to it.
        for email in ["nobody@acme.example", "mia@acme.example"] {
            let (status, html) = post_form(
                &app,
                "/signin/forgot",
                &cookie,
                &[
                    ("csrf_token", &csrf),
                    ("organization", "acme"),
                    ("email", email),
                ],
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{html}");
            assert!(html.contains("id=\"reset-sent\""), "{html}");
        }
        // Mia's invitation (`member` invites her) and the reset.
        let messages = sink.wait_for(2).await;
        assert_eq!(messages.len(), 2, "{messages:#?}");
        let reset = messages
            .iter()
            .find(|m| m["subject"] == "Reset your password (acme Inc.)")
            .unwrap_or_else(|| panic!("no reset e-mail: {messages:#?}"));
        assert_eq!(reset["rcpt_tos"], json!(["mia@acme.example"]));
        let path = path_of(&app, &link_in(reset, "reset"));

        let (status, cookie, csrf, html) = form_of(app.get(&path).await).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Choose a new password"), "{html}");
        let (status, html) = post_form(
            &app,
            &path,
            &cookie,
            &[
                ("csrf_token", &csrf),
                ("password", "the second passphrase"),
                ("password_confirm", "the second passphrase"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("Your password is changed"), "{html}");
        assert_eq!(
            sign_in(&app, "mia@acme.example", "the first passphrase").await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            sign_in(&app, "mia@acme.example", "the second passphrase").await,
            StatusCode::OK
        );
        // Once only.
        let (status, html) = post_form(
            &app,
            &path,
            &cookie,
            &[
                ("csrf_token", &csrf),
                ("password", "a third passphrase"),
                ("password_confirm", "a third passphrase"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("This reset link cannot be used"), "{html}");
        let garbage = app.get("/reset/not-a-token").await;
        assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
        app.shutdown().await;
    }
);

store::backend_test!(a_verification_link_confirms_the_address, |t| async move {
    let sink = SmtpSink::start().await;
    let app = TestApp::builder().smtp(sink.port).start(t).await;
    let org = app.organization("acme").await;
    let (status, _) = common::call(
        &app,
        Method::POST,
        "/api/v1/me/email-verification",
        Some(&org.key),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let messages = sink.wait_for(1).await;
    let message = to(&messages, "owner@acme.example");
    assert_eq!(
        message["subject"],
        "Confirm your e-mail address (acme Inc.)"
    );
    let path = path_of(&app, &link_in(message, "verify"));

    let user = format!("/api/v1/users/{}", org.created.owner.id);
    let (_, before) = common::call(&app, Method::GET, &user, Some(&org.key), None).await;
    assert_eq!(before["email_verified"], false);
    let response = app.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Your e-mail address is confirmed")
    );
    let (_, after) = common::call(&app, Method::GET, &user, Some(&org.key), None).await;
    assert_eq!(after["email_verified"], true);
    let again = app.get(&path).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    app.shutdown().await;
});

store::backend_test!(
    the_job_that_carries_a_token_holds_it_sealed,
    |t| async move {
        // No workers: the job stays queued for inspection.
        let app = TestApp::builder().start(t).await;
        let org = app.organization("acme").await;
        let (_, token) = services::accounts::request_password_reset(
            &app.db.db,
            "acme",
            "owner@acme.example",
            jiff::SignedDuration::from_hours(1),
            &Default::default(),
            &app.calendars.keys,
        )
        .await
        .unwrap()
        .unwrap();
        let jobs = app
            .db
            .db
            .jobs()
            .claim("inspector", std::time::Duration::from_secs(60), 10)
            .await
            .unwrap();
        let job = jobs
            .iter()
            .find(|j| j.kind == services::account_mail::ACCOUNT_EMAIL_JOB)
            .unwrap();
        assert_eq!(job.organization_id, org.created.organization.id);
        let payload = job.payload.to_string();
        assert!(!payload.contains(token.expose()), "{payload}");
        assert!(
            job.payload["sealed_token"]
                .as_str()
                .unwrap()
                .starts_with("sealed:"),
            "{payload}"
        );
        assert_eq!(job.payload["kind"], "account.password_reset");
        for job in &jobs {
            assert!(app.db.db.jobs().release(job).await.unwrap());
        }
        app.run_pending_jobs().await;
        app.shutdown().await;
    }
);

store::backend_test!(
    an_organizations_own_invitation_template_is_what_arrives,
    |t| async move {
        let sink = SmtpSink::start().await;
        let app = TestApp::builder().smtp(sink.port).start(t).await;
        let org = app.organization("acme").await;
        let (status, body) = common::call(
            &app,
            Method::PUT,
            "/api/v1/message-templates/account.invitation/email",
            Some(&org.key),
            Some(json!({
                "subject": "Come and join {{ organization }}",
                "html": "<p>Hi {{ recipient }}, <a href=\"{{ link }}\">join us</a> by {{ expires }}.</p>",
                "text": "Hi {{ recipient }}, join us: {{ link }}",
            })),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = common::call(
            &app,
            Method::POST,
            "/api/v1/users",
            Some(&org.key),
            Some(json!({"email": "mia@acme.example", "name": "Mia", "role": "member"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let messages = sink.wait_for(1).await;
        let message = to(&messages, "mia@acme.example");
        assert_eq!(message["subject"], "Come and join acme Inc.");
        let text = message["text"].as_str().unwrap();
        assert!(text.starts_with("Hi Mia, join us: http://"), "{text}");
        let response = app.get(&path_of(&app, &link_in(message, "invite"))).await;
        assert_eq!(response.status(), StatusCode::OK);
        app.shutdown().await;
    }
);
