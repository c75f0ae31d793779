//! Text messages end to end: queued as `sms.send` jobs, sent by the server's workers through
//! the Twilio provider to a real HTTP server standing in for Twilio, and logged in the
//! notification log. A refused number fails for good on its first try; an outage is retried.
//! Both backends.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::TestApp;
use common::sms_receiver::{
    ACCOUNT_SID, AUTH_TOKEN, FROM, SmsReceiver, eventually, invalid_number, unavailable,
};
use reqwest::{Method, StatusCode};
use services::ServiceError;
use services::sms::OutgoingSms;
use store::repo::messages::LoggedMessage;

const GOOD: &str = "+14155550100";
const REFUSED: &str = "+14155550111";
const FLAKY: &str = "+14155550122";

fn sms(to: &str, body: &str) -> OutgoingSms {
    OutgoingSms {
        to: to.to_owned(),
        body: body.to_owned(),
        event: "booking.reminder".to_owned(),
        booking_id: None,
        idempotency_key: Some(format!("test:{to}")),
    }
}

/// The log rows once there are `n`, oldest first.
async fn wait_for_log(app: &TestApp, scope: &store::Scope, n: usize) -> Vec<LoggedMessage> {
    eventually(Duration::from_secs(30), "the notification log", || async {
        let rows = app.db.db.messages().recent_log(scope, 50).await.unwrap();
        (rows.len() >= n).then(|| rows.into_iter().rev().collect())
    })
    .await
}

/// The dead jobs, once there are any (a job is buried just after its log row is written).
async fn dead_jobs(app: &TestApp, key: &str) -> Vec<serde_json::Value> {
    eventually(Duration::from_secs(30), "a dead job", || async {
        let (status, dead) =
            common::call(app, Method::GET, "/api/v1/jobs/dead", Some(key), None).await;
        assert_eq!(status, StatusCode::OK, "{dead}");
        dead.as_array().filter(|jobs| !jobs.is_empty()).cloned()
    })
    .await
}

fn row<'a>(rows: &'a [LoggedMessage], to: &str) -> &'a LoggedMessage {
    let mine: Vec<_> = rows.iter().filter(|r| r.recipient == to).collect();
    assert_eq!(mine.len(), 1, "one log row for {to}: {rows:#?}");
    mine[0]
}

store::backend_test!(twilio_sends_logs_and_retries_only_outages, |t| async move {
    let receiver = SmsReceiver::start().await;
    receiver.script(REFUSED, vec![invalid_number(REFUSED)]);
    receiver.script(FLAKY, vec![unavailable(), unavailable()]);
    let app = TestApp::builder()
        .sms(receiver.provider())
        .quick_retries()
        .start(t)
        .await;
    let org = app.organization("acme").await;
    let scope = app.scope(&org.key).await;

    // Numbers that are not E.164 and empty bodies are refused when queued, naming the
    // field.
    for (message, pointer) in [
        (sms("(415) 555-0100", "Hi"), "/to"),
        (sms(GOOD, "  "), "/body"),
    ] {
        match services::sms::queue(&app.db.db, &scope, message).await {
            Err(ServiceError::Validation(errors)) => assert_eq!(errors[0].pointer, pointer),
            other => panic!("expected a 422 on {pointer}, got {other:?}"),
        }
    }

    // As typed by a person: queued in E.164 form.
    let body = "Reminder: Intro call at 10:00 & bring notes";
    for to in ["+1 (415) 555-0100", REFUSED, FLAKY] {
        let queued = services::sms::queue(&app.db.db, &scope, sms(to, body))
            .await
            .unwrap();
        assert!(queued.is_some());
    }
    // The same cause queued again sends nothing more.
    let again = services::sms::queue(&app.db.db, &scope, sms("+1 (415) 555-0100", body))
        .await
        .unwrap();
    assert_eq!(again, None);

    let rows = wait_for_log(&app, &scope, 3).await;

    // What Twilio saw: one request for the good and the refused number, three for the
    // flaky one (two 503s, then accepted).
    let received = receiver.received();
    let count = |to: &str| {
        received
            .iter()
            .filter(|r| r.field("To") == Some(to))
            .count()
    };
    assert_eq!(
        (count(GOOD), count(REFUSED), count(FLAKY)),
        (1, 1, 3),
        "{received:#?}"
    );
    for request in &received {
        assert_eq!(request.method, "POST");
        assert_eq!(
            request.path,
            format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
        );
        assert_eq!(
            request.basic_auth,
            Some((ACCOUNT_SID.to_owned(), AUTH_TOKEN.to_owned()))
        );
        assert_eq!(
            request.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(request.field("From"), Some(FROM));
        assert_eq!(request.field("Body"), Some(body));
    }

    // The log: sent with Twilio's sid and status, or failed with Twilio's reason.
    let good = row(&rows, GOOD);
    assert_eq!(
        (
            good.channel.as_str(),
            good.event.as_str(),
            good.status.as_str(),
            good.provider_response.as_str()
        ),
        ("sms", "booking.reminder", "sent", "queued")
    );
    assert!(
        good.external_id
            .as_deref()
            .is_some_and(|sid| sid.starts_with("SM")),
        "{good:?}"
    );
    let refused = row(&rows, REFUSED);
    assert_eq!(refused.status, "failed");
    assert_eq!(refused.external_id, None);
    assert!(
        refused.provider_response.contains("HTTP 400, error 21211")
            && refused
                .provider_response
                .contains("is not a valid phone number"),
        "{refused:?}"
    );
    let flaky = row(&rows, FLAKY);
    assert_eq!(flaky.status, "sent");
    assert!(flaky.external_id.is_some());

    // The refused message is a dead job after one attempt; nothing else died.
    let dead = dead_jobs(&app, &org.key).await;
    assert_eq!(dead.len(), 1, "{dead:#?}");
    assert_eq!(dead[0]["kind"], "sms.send");
    assert_eq!(dead[0]["attempts"], 1);
    assert_eq!(dead[0]["payload"]["to"], REFUSED);
    assert!(
        dead[0]["last_error"].as_str().unwrap().contains("21211"),
        "{dead:#?}"
    );
    // The refused number's job is meant to die, and the assertions above are about it.
    app.expect_failed_jobs();
    app.shutdown().await;
});

store::backend_test!(
    without_a_provider_messages_are_logged_failed,
    |t| async move {
        let app = TestApp::builder().workers().start(t).await;
        let org = app.organization("acme").await;
        let scope = app.scope(&org.key).await;
        services::sms::queue(&app.db.db, &scope, sms(GOOD, "Hello"))
            .await
            .unwrap();
        let rows = wait_for_log(&app, &scope, 1).await;
        let logged = row(&rows, GOOD);
        assert_eq!(logged.status, "failed");
        assert!(
            logged.provider_response.contains("no SMS provider"),
            "{logged:?}"
        );
        // Dead, so it can be retried once a provider is configured.
        let dead = dead_jobs(&app, &org.key).await;
        assert_eq!(dead[0]["kind"], "sms.send", "{dead:#?}");
        // Without a provider the job is meant to die, and the assertions above are about it.
        app.expect_failed_jobs();
        app.shutdown().await;
    }
);
