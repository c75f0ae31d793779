//! A NUL character (U+0000) anywhere in the input is refused before it reaches a database
//! (PostgreSQL cannot store it in text), with a problem that names the field.
#![allow(clippy::unwrap_used)]

mod common;

use common::{FormBody, booking};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn assert_refused(response: reqwest::Response, pointer: &str) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "validation_failed", "{body}");
    assert_eq!(body["errors"][0]["pointer"], pointer, "{body}");
    assert_eq!(body["errors"][0]["code"], "nul_character", "{body}");
}

app_test!(
    nul_characters_are_refused_naming_the_field,
    |app| async move {
        let org = app.organization("acme").await;
        let event = booking::event_type(&app, &org).await;
        let start = booking::first_slot(&app, &event, 2).await;

        // A public booking: in the name, in the notes.
        for (field, body) in [
            (
                "/name",
                json!({"start": start, "name": "Eve\u{0}", "email": "eve@example.com", "time_zone": "UTC"}),
            ),
            (
                "/notes",
                json!({"start": start, "name": "Eve", "email": "eve@example.com", "time_zone": "UTC", "notes": "a\u{0}b"}),
            ),
        ] {
            let response = app
                .request(
                    Method::POST,
                    &format!("/api/v1/public/event-types/{event}/bookings"),
                )
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_refused(response, field).await;
        }

        // An event type's title, through the API.
        let response = app
            .request(Method::POST, "/api/v1/event-types")
            .bearer_auth(&org.key)
            .json(&json!({"slug": "nul", "title": "Intro\u{0}", "duration_minutes": 30}))
            .send()
            .await
            .unwrap();
        assert_refused(response, "/title").await;

        // The organization on the sign-in form, and in a query string.
        let response = app
            .request(Method::POST, "/signin")
            .form_body(&[
                ("organization", "acme\u{0}"),
                ("email", "a@b.c"),
                ("password", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert_refused(response, "/organization").await;
        let response = app.get("/signin?organization=acme%00").await;
        assert_refused(response, "/organization").await;

        // In a path: no resource has such a name.
        let response = app.get("/u/acme%00/nobody").await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);

        // Nothing was booked.
        let (status, bookings) =
            common::call(&app, Method::GET, "/api/v1/bookings", Some(&org.key), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            bookings["bookings"].as_array().map(Vec::len),
            Some(0),
            "{bookings}"
        );
    }
);
