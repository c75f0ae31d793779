//! Organization message templates: saving checks them (422 naming the part and the missing
//! placeholder, or the syntax error), previews render sample data, and a saved template is
//! what the real SMTP server (aiosmtpd) receives, until it is reset. Both backends.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use common::booking::{book, event_type};
use common::smtp_sink::SmtpSink;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app.request(method, path).bearer_auth(key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

const CREATED_EMAIL: &str = "/api/v1/message-templates/booking.created/email";

fn custom() -> Value {
    json!({
        "subject": "New: {{ title }} ({{ role }})",
        "html": "<p>Dear {{ recipient }}, {{ title }} at {{ when }}.</p>",
        "text": "Dear {{ recipient }}, {{ title }} at {{ when }}.",
    })
}

store::backend_test!(templates_are_checked_previewed_and_reset, |t| async move {
    let app = TestApp::builder().start(t).await;
    let org = app.organization("acme").await;
    let key = &org.key;

    let (status, list) = call(&app, Method::GET, "/api/v1/message-templates", key, None).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(
        list.len(),
        21,
        "8 booking message types on 2 channels, 5 account messages by e-mail"
    );
    assert!(list.iter().all(|t| t["customized"] == false));

    // Account messages: e-mail only, and their link must stay.
    let invitation = "/api/v1/message-templates/account.invitation/email";
    let (status, got) = call(&app, Method::GET, invitation, key, None).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert!(
        got["available_placeholders"]
            .as_array()
            .unwrap()
            .contains(&json!("link"))
    );
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/v1/message-templates/account.invitation/sms",
        key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let no_link = json!({"subject": "Welcome", "html": "<p>{{ link }}</p>", "text": "Welcome, {{ recipient }}"});
    let (status, problem) = call(&app, Method::PUT, invitation, key, Some(no_link)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/text");
    assert_eq!(problem["errors"][0]["code"], "missing_placeholder");

    // Lacking a required placeholder: 422 naming the part and the placeholder.
    let mut missing = custom();
    missing["html"] = json!("<p>Dear {{ recipient }}, {{ title }}.</p>");
    let (status, problem) = call(&app, Method::PUT, CREATED_EMAIL, key, Some(missing)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/html");
    assert_eq!(problem["errors"][0]["code"], "missing_placeholder");
    assert!(
        problem["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("{{ when }}"),
        "{problem}"
    );

    // Not compiling, and an unknown placeholder: 422 too.
    let mut broken = custom();
    broken["subject"] = json!("{% if title %}{{ title }}");
    broken["text"] = json!("{{ title }} {{ when }} {{ secret_sauce }}");
    let (status, problem) = call(&app, Method::PUT, CREATED_EMAIL, key, Some(broken)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let errors: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["pointer"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        vec![("/subject", "syntax"), ("/text", "unknown_placeholder")]
    );

    // SMS has only a text.
    let (status, problem) = call(
        &app,
        Method::PUT,
        "/api/v1/message-templates/booking.reminder/sms",
        key,
        Some(json!({ "subject": "x", "text": "{{ title }} {{ when }}" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["pointer"], "/subject");

    // Unknown types and channels are not found.
    for path in [
        "/api/v1/message-templates/booking.exploded/email",
        "/api/v1/message-templates/booking.created/pigeon",
    ] {
        let (status, _) = call(&app, Method::GET, path, key, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }

    // A draft previews without being saved.
    let (status, preview) = call(
        &app,
        Method::POST,
        &format!("{CREATED_EMAIL}/preview"),
        key,
        Some(json!({ "draft": custom() })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    insta::assert_json_snapshot!("draft_preview", preview);
    let (_, current) = call(&app, Method::GET, CREATED_EMAIL, key, None).await;
    assert_eq!(current["customized"], false);

    // Saved, it applies; the preview of what applies shows it.
    let (status, saved) = call(&app, Method::PUT, CREATED_EMAIL, key, Some(custom())).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["customized"], true);
    assert_eq!(saved["text"], custom()["text"]);
    let (_, preview) = call(
        &app,
        Method::POST,
        &format!("{CREATED_EMAIL}/preview"),
        key,
        Some(json!({})),
    )
    .await;
    assert_eq!(preview["subject"], "New: Intro call (attendee)");

    // Another organization still has the built-in template.
    let other = app.organization("other").await;
    let (_, theirs) = call(&app, Method::GET, CREATED_EMAIL, &other.key, None).await;
    assert_eq!(theirs["customized"], false);

    // Reset: the built-in template applies again.
    let (status, reset) = call(&app, Method::DELETE, CREATED_EMAIL, key, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reset["customized"], false);
    assert!(reset["subject"].as_str().unwrap().contains("{{ verb }}"));
    // The built-in reminder SMS, rendered with sample data.
    let (_, sms) = call(
        &app,
        Method::POST,
        "/api/v1/message-templates/booking.reminder/sms/preview",
        key,
        Some(json!({})),
    )
    .await;
    insta::assert_json_snapshot!("reminder_sms_preview", sms);
    app.shutdown().await;
});

store::backend_test!(saved_templates_are_what_people_receive, |t| async move {
    let sink = SmtpSink::start().await;
    let app = TestApp::builder().smtp(sink.port).start(t).await;
    let org = app.organization("acme").await;
    let event = event_type(&app, &org).await;
    let (status, saved) = call(&app, Method::PUT, CREATED_EMAIL, &org.key, Some(custom())).await;
    assert_eq!(status, StatusCode::OK, "{saved}");

    book(&app, &event, 3).await;
    let created = sink.wait_for(2).await;
    let mut subjects: Vec<&str> = created
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    subjects.sort_unstable();
    assert_eq!(
        subjects,
        vec!["New: Intro call (attendee)", "New: Intro call (host)"]
    );
    let attendee = created
        .iter()
        .find(|m| m["rcpt_tos"] == json!(["ines@example.com"]))
        .unwrap();
    assert!(
        attendee["text"]
            .as_str()
            .unwrap()
            .starts_with("Dear Ines Invitee, Intro call at "),
        "{attendee}"
    );
    // The invitation is still attached.
    assert_eq!(attendee["calendar"]["method"], "REQUEST");

    // Reset: the next booking's e-mails use the built-in wording.
    call(&app, Method::DELETE, CREATED_EMAIL, &org.key, None).await;
    book(&app, &event, 4).await;
    let all = sink.wait_for(4).await;
    assert!(
        all[2..]
            .iter()
            .all(|m| m["subject"].as_str().unwrap().starts_with("Booked: ")),
        "{all:#?}"
    );
    app.shutdown().await;
});

/// The bomb of the security review: it doubled a string forty times and took the server to
/// 12.9 GB.
const BOMB: &str = "{% set ns = namespace(s=\"x\") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}";

store::backend_test!(template_bomb_is_refused_at_save, |t| async move {
    let app = TestApp::builder().start(t).await;
    let org = app.organization("acme").await;
    let key = &org.key;

    // Saving: 422 naming the part; nothing saved.
    let mut bomb = custom();
    bomb["html"] = json!(format!("{BOMB} {{{{ title }}}} {{{{ when }}}}"));
    let (status, problem) = call(&app, Method::PUT, CREATED_EMAIL, key, Some(bomb.clone())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/html", "{problem}");
    assert_eq!(problem["errors"][0]["code"], "not_allowed", "{problem}");
    let (_, current) = call(&app, Method::GET, CREATED_EMAIL, key, None).await;
    assert_eq!(current["customized"], false);

    // Previewing a draft: the same answer, at once.
    let (status, problem) = call(
        &app,
        Method::POST,
        &format!("{CREATED_EMAIL}/preview"),
        key,
        Some(json!({ "draft": bomb })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/html", "{problem}");

    // What the subset allows but renders over 256 KB: refused at save, naming the part.
    let mut large = custom();
    large["text"] = json!(format!(
        "{{% for i in [1, 2, 3] %}}{}{{% endfor %}}{{{{ title }}}} {{{{ when }}}}",
        "y".repeat(90_000)
    ));
    let (status, problem) = call(&app, Method::PUT, CREATED_EMAIL, key, Some(large)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["pointer"], "/text", "{problem}");
    assert_eq!(problem["errors"][0]["code"], "too_large", "{problem}");

    // A workflow action's body: 422 naming the action's field.
    let (status, problem) = call(
        &app,
        Method::POST,
        "/api/v1/workflows",
        key,
        Some(json!({
            "name": "Bomb",
            "trigger": "booking.created",
            "actions": [{ "kind": "email_attendee", "subject": "{{ title }}", "body": BOMB }],
        })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        problem["errors"][0]["pointer"], "/actions/0/body",
        "{problem}"
    );
    assert_eq!(problem["errors"][0]["code"], "not_allowed", "{problem}");
    app.shutdown().await;
});

store::backend_test!(org_templates_cannot_use_debug_or_safe, |t| async move {
    let app = TestApp::builder().start(t).await;
    let org = app.organization("acme").await;
    for (html, what) in [
        ("<p>{{ debug() }}</p>", "calling functions"),
        ("<p>{{ recipient|safe }}</p>", "`safe`"),
        (
            "{% autoescape false %}<p>{{ recipient }}</p>{% endautoescape %}",
            "autoescape",
        ),
    ] {
        let mut set = custom();
        set["html"] = json!(format!("{html} {{{{ title }}}} {{{{ when }}}}"));
        let (status, problem) = call(&app, Method::PUT, CREATED_EMAIL, &org.key, Some(set)).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{html}: {problem}"
        );
        assert_eq!(problem["errors"][0]["pointer"], "/html", "{problem}");
        assert!(
            problem["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .contains(what),
            "{html}: {problem}"
        );
    }
    app.shutdown().await;
});

store::backend_test!(
    render_failure_falls_back_to_builtin_without_retry,
    |t| async move {
        let sink = SmtpSink::start().await;
        let app = TestApp::builder().smtp(sink.port).start(t).await;
        let org = app.organization("acme").await;
        let event = event_type(&app, &org).await;
        // A template saved before templates were checked (or written straight into the
        // database): the API would refuse it.
        let scope = app.scope(&org.key).await;
        let grant = scope.grant().unwrap();
        app.db
            .db
            .templates()
            .put(
                &grant,
                "booking.created",
                "email",
                &domain::templates::TemplateSources {
                    subject: "{{ title }}".into(),
                    html: format!("{BOMB} {{{{ title }}}} {{{{ when }}}}"),
                    text: "{{ title }} {{ when }}".into(),
                },
            )
            .await
            .unwrap();

        book(&app, &event, 3).await;
        // Both e-mails go out at once, in the built-in wording.
        let sent = sink.wait_for(2).await;
        assert!(
            sent.iter()
                .all(|m| m["subject"].as_str().unwrap().starts_with("Booked: ")),
            "{sent:#?}"
        );
        // The notification log says why; no job is retried or dead.
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        let logged = loop {
            let logged = app.db.db.messages().recent_log(&scope, 10).await.unwrap();
            if logged.len() >= 2 || tokio::time::Instant::now() > deadline {
                break logged;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        assert_eq!(logged.len(), 2, "{logged:#?}");
        for row in &logged {
            assert_eq!(row.status, "sent");
            assert!(
                row.provider_response
                    .starts_with("the organization's email template failed (template html: "),
                "{row:?}"
            );
            assert!(row.provider_response.contains("the built-in one was sent"));
        }
        assert_eq!(app.db.db.jobs().count(&scope, "dead").await.unwrap(), 0);
        app.shutdown().await;
    }
);
