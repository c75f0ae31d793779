//! The HTTP API end to end: the real server on port 0, on SQLite and (with
//! TEST_DATABASE_URL) PostgreSQL.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

const PROBLEM: &str = "application/problem+json";

async fn problem(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE].to_str().unwrap(),
        PROBLEM
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["type"], format!("urn:rendezvous:problem:{code}"));
    assert!(body["title"].is_string());
    body
}

app_test!(healthz_answers_and_carries_a_request_id, |app| async move {
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"status": "ok"})
    );

    let response = app
        .request(Method::GET, "/healthz")
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "abc-123");
});

app_test!(readyz_follows_the_database, |app| async move {
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    app.db.db.close().await;
    problem(
        app.get("/readyz").await,
        StatusCode::SERVICE_UNAVAILABLE,
        "database_unavailable",
    )
    .await;
    // Liveness does not depend on the database.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
});

app_test!(
    metrics_count_requests_by_route_and_status,
    |app| async move {
        app.get("/healthz").await;
        app.get("/no/such/page/anywhere").await;
        let response = app.get("/metrics").await;
        assert_eq!(response.status(), StatusCode::OK);
        let text = response.text().await.unwrap();
        for needle in [
            r#"http_requests_total{method="GET",route="/healthz",status="200"}"#,
            r#"http_requests_total{method="GET",route="unmatched",status="404"}"#,
            r#"http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.005"}"#,
            r#"db_pool_connections{state="idle""#,
            r#"db_pool_max_connections{"#,
        ] {
            assert!(text.contains(needle), "missing {needle} in\n{text}");
        }
    }
);

app_test!(
    openapi_document_and_docs_page_are_served,
    |app| async move {
        let response = app.get("/api/v1/openapi.json").await;
        assert_eq!(response.status(), StatusCode::OK);
        let doc: Value = response.json().await.unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"]["/api/v1/organization"]["patch"].is_object());

        let page = app.get("/api/v1/docs").await;
        assert_eq!(page.status(), StatusCode::OK);
        let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("default-src 'self'"));
        let html = page.text().await.unwrap();
        assert!(html.contains("<rapi-doc"));
        assert!(
            !html.contains("https://"),
            "the page must not load from other origins"
        );

        let script = app.get("/api/v1/docs/rapidoc-min.js").await;
        assert_eq!(script.status(), StatusCode::OK);
        assert!(script.bytes().await.unwrap().len() > 100_000);
    }
);

app_test!(api_requires_a_valid_bearer_key, |app| async move {
    let org = app.organization("acme").await;

    let missing = app.get("/api/v1/organization").await;
    assert!(missing.headers().contains_key(header::WWW_AUTHENTICATE));
    problem(missing, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    let basic = app
        .request(Method::GET, "/api/v1/organization")
        .header(header::AUTHORIZATION, "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    problem(basic, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    for bad in ["nonsense", "rdv_AAAA", &org.key.replace('A', "B")] {
        let response = app
            .request(Method::GET, "/api/v1/organization")
            .bearer_auth(bad)
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::UNAUTHORIZED, "invalid_api_key").await;
    }

    let ok = app
        .request(Method::GET, "/api/v1/organization")
        .bearer_auth(&org.key)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["slug"], "acme");
    assert_eq!(body["id"], org.created.organization.id.to_string());

    // Revoked keys stop working at once.
    let scope = app.scope(&org.key).await;
    services::api_keys::revoke(&app.db.db, &scope, org.created.api_key.id)
        .await
        .unwrap();
    let revoked = app
        .request(Method::GET, "/api/v1/organization")
        .bearer_auth(&org.key)
        .send()
        .await
        .unwrap();
    problem(revoked, StatusCode::UNAUTHORIZED, "invalid_api_key").await;
});

app_test!(me_names_the_keys_user, |app| async move {
    let org = app.organization("acme").await;
    let response = app
        .request(Method::GET, "/api/v1/me")
        .bearer_auth(&org.key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["email"], "owner@acme.example");
    assert_eq!(body["role"], "owner");
    assert_eq!(body["time_zone"], "America/New_York");
    assert_eq!(body["api_key_id"], org.created.api_key.id.to_string());
});

app_test!(tenants_only_see_their_own_organization, |app| async move {
    let a = app.organization("a").await;
    let b = app.organization("b").await;
    for (org, slug) in [(&a, "a"), (&b, "b")] {
        let body: Value = app
            .request(Method::GET, "/api/v1/organization")
            .bearer_auth(&org.key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["slug"], slug);
    }
});

app_test!(patch_updates_and_audits, |app| async move {
    let org = app.organization("acme").await;
    let response = app
        .request(Method::PATCH, "/api/v1/organization")
        .bearer_auth(&org.key)
        .json(&json!({"name": "Acme Health"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["name"], "Acme Health");

    let scope = app.scope(&org.key).await;
    let log = app.db.db.audit().recent(&scope, 1).await.unwrap();
    assert_eq!(log[0].action, "organization.updated");
    assert_eq!(log[0].actor_type, "api_key");
    assert_eq!(log[0].actor_id, Some(org.created.owner.id.0));
});

app_test!(
    bad_bodies_get_problems_that_name_the_field,
    |app| async move {
        let org = app.organization("acme").await;
        let patch = |body: &'static str, content_type: &'static str| {
            app.request(Method::PATCH, "/api/v1/organization")
                .bearer_auth(&org.key)
                .header(header::CONTENT_TYPE, content_type)
                .body(body)
                .send()
        };
        let json = "application/json";

        let body = problem(
            patch(r#"{"name": "#, json).await.unwrap(),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        )
        .await;
        assert!(body["detail"].as_str().unwrap().contains("line 1"));

        let body = problem(
            patch(r#"{"name": 5}"#, json).await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["pointer"], "/name");
        assert_eq!(body["errors"][0]["code"], "invalid_type");

        let body = problem(
            patch(r#"{"name": "x", "colour": "red"}"#, json)
                .await
                .unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["pointer"], "/colour");
        assert_eq!(body["errors"][0]["code"], "unknown_field");

        let body = problem(
            patch(r#"{"name": ""}"#, json).await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["pointer"], "/name");

        problem(
            patch(r#"{"name": "x"}"#, "text/plain").await.unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
);

store::backend_test!(oversize_bodies_get_413, |t| async move {
    let app = TestApp::builder().max_body_bytes(1024).start(t).await;
    let org = app.organization("acme").await;
    let name = "x".repeat(4096);
    let response = app
        .request(Method::PATCH, "/api/v1/organization")
        .bearer_auth(&org.key)
        .json(&json!({ "name": name }))
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
});

app_test!(unknown_paths_and_methods_are_problems, |app| async move {
    problem(app.get("/nope").await, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .request(Method::DELETE, "/api/v1/organization")
        .send()
        .await
        .unwrap();
    problem(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
});

app_test!(shutdown_stops_the_server, |app| async move {
    let url = app.url("/healthz");
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    app.shutdown().await;
    outbound::install_crypto_provider();
    assert!(reqwest::get(url).await.is_err(), "the port is closed");
});

app_test!(shutdown_lets_in_flight_requests_finish, |app| async move {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let org = app.organization("acme").await;
    let body = r#"{"name": "Finished"}"#;
    // Send the head of a request now and its body only after shutdown has begun: the request
    // is in flight when the signal arrives.
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "PATCH /api/v1/organization HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        org.key,
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;

    let shutdown = tokio::spawn(app.shutdown());
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(
        !shutdown.is_finished(),
        "shutdown must wait for the request"
    );

    stream.write_all(body.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("Finished"));
    shutdown.await.unwrap();
});

app_test!(
    an_unknown_api_path_is_a_problem_not_a_page,
    |app| async move {
        let response = app.get("/api/v1/no-such-thing").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
);
