//! Google Calendar and Microsoft 365 connections over OAuth 2.0, with wiremock standing in
//! for Google and Microsoft (their documented response shapes): the connect flow (start →
//! consent URL with the PKCE challenge and state → callback → code exchanged with the right
//! verifier → connection with its calendars), refused states (unknown, used, expired,
//! another user's), busy time the slots API respects, a token refresh before expiry and
//! after a 401, and a 410 Gone resync. Both backends.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use common::{TestApp, call};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use services::calendar_oauth::{OAuthSettings, ProviderSettings};
use wiremock::matchers::{
    body_string_contains, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BERLIN: &str = "Europe/Berlin";

/// Monday at least a week ahead, so nothing is inside minimum notice.
fn monday() -> Date {
    let mut day = jiff::Zoned::now()
        .with_time_zone(TimeZone::get(BERLIN).unwrap())
        .date()
        .checked_add(jiff::Span::new().days(8))
        .unwrap();
    while day.weekday() != jiff::civil::Weekday::Monday {
        day = day.tomorrow().unwrap();
    }
    day
}

fn berlin(day: Date, hour: i8) -> jiff::Zoned {
    day.at(hour, 0, 0, 0)
        .to_zoned(TimeZone::get(BERLIN).unwrap())
        .unwrap()
}

/// Berlin start times (HH:MM) offered on `day`.
async fn offered(app: &TestApp, event: &str, day: Date) -> Vec<String> {
    let path =
        format!("/api/v1/public/event-types/{event}/slots?start={day}&end={day}&timeZone={BERLIN}");
    let (status, body) = call(app, Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["days"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["slots"].as_array().unwrap().iter())
        .map(|s| {
            let ts: jiff::Timestamp = s["start"].as_str().unwrap().parse().unwrap();
            ts.to_zoned(TimeZone::get(BERLIN).unwrap())
                .strftime("%H:%M")
                .to_string()
        })
        .collect()
}

/// A Berlin host working Mon-Fri 09:00-17:00 with a 30-minute event type; returns its id.
async fn host(app: &TestApp, key: &str) -> String {
    let (status, body) = call(app, Method::POST, "/api/v1/schedules", Some(key), Some(json!({
        "name": "Working hours", "time_zone": BERLIN,
        "weekly": { "mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]], "wed": [["09:00", "17:00"]],
                    "thu": [["09:00", "17:00"]], "fri": [["09:00", "17:00"]] }
    }))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = call(
        app,
        Method::POST,
        "/api/v1/event-types",
        Some(key),
        Some(json!({ "slug": "intro", "title": "Intro call", "duration_minutes": 30 })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

fn settings(mock: &MockServer) -> OAuthSettings {
    let provider = |api: &str| ProviderSettings {
        client_id: "rdv-client".into(),
        client_secret: "rdv-secret".into(),
        authorize_url: format!("{}/authorize", mock.uri()),
        token_url: format!("{}/token", mock.uri()),
        api_url: format!("{}{api}", mock.uri()),
    };
    OAuthSettings {
        google: Some(provider("/calendar/v3")),
        microsoft: Some(provider("/v1.0")),
        public_url: "https://rdv.example".into(),
    }
}

async fn start_app(t: store::testing::TestDb, mock: &MockServer) -> TestApp {
    TestApp::builder()
        .calendar_oauth(settings(mock))
        .auth(rendezvous_web::AuthConfig {
            secure_cookies: false,
            ..rendezvous_web::AuthConfig::default()
        })
        .start(t)
        .await
}

/// A GET that does not follow redirects; `auth` is a bearer key or a Cookie header.
async fn get_raw(app: &TestApp, path: &str, auth: Auth<'_>) -> (StatusCode, String, Value) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.get(app.url(path));
    request = match auth {
        Auth::Key(key) => request.bearer_auth(key),
        Auth::Cookie(cookie) => request.header(reqwest::header::COOKIE, cookie),
    };
    let response = request.send().await.unwrap();
    let status = response.status();
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    (
        status,
        location,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

#[derive(Clone, Copy)]
enum Auth<'a> {
    Key(&'a str),
    Cookie(&'a str),
}

/// Starts connecting `provider`; returns the consent URL's query.
async fn start(app: &TestApp, provider: &str, auth: Auth<'_>) -> HashMap<String, String> {
    let (status, location, body) = get_raw(
        app,
        &format!("/api/v1/calendar-connections/oauth/{provider}/start"),
        auth,
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let url = reqwest::Url::parse(&location).unwrap();
    assert!(location.contains("/authorize?"), "{location}");
    url.query_pairs().into_owned().collect()
}

fn callback_path(provider: &str, code: &str, state: &str) -> String {
    format!(
        "/api/v1/calendar-connections/oauth/{provider}/callback?{}",
        serde_urlencoded::to_string([("code", code), ("state", state)]).unwrap()
    )
}

/// The form fields of every request the mock got at `at`.
async fn form_posts(mock: &MockServer, at: &str) -> Vec<HashMap<String, String>> {
    mock.received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == at)
        .map(|r| serde_urlencoded::from_bytes(&r.body).unwrap())
        .collect()
}

/// The connection's tokens as sealed in the database.
async fn stored_tokens(app: &TestApp, org: &common::Org, id: &str) -> Value {
    let db = &app.db.db;
    let scope = db
        .calendar_connections()
        .system_scope(&store::Operator::local(), org.created.organization.id);
    let grant = scope.grant::<store::can::ManageAvailability>().unwrap();
    let id = store::types::CalendarConnectionId(id.parse().unwrap());
    let connection = db.calendar_connections().get(&scope, id).await.unwrap();
    let sealed = db
        .calendar_connections()
        .secret(&grant, id)
        .await
        .unwrap()
        .unwrap();
    let mut context = org.created.organization.id.0.as_bytes().to_vec();
    context.extend_from_slice(connection.user_id.0.as_bytes());
    serde_json::from_str(&app.calendars.keys.open(&context, &sealed).unwrap()).unwrap()
}

fn token_response(access: &str, refresh: Option<&str>, expires_in: i64) -> ResponseTemplate {
    let mut body = json!({
        "access_token": access, "token_type": "Bearer", "expires_in": expires_in,
        "scope": "https://www.googleapis.com/auth/calendar.events"
    });
    if let Some(refresh) = refresh {
        body["refresh_token"] = json!(refresh);
    }
    ResponseTemplate::new(200).set_body_json(body)
}

store::backend_test!(
    google_connect_flow_with_pkce_lists_calendars_and_blocks_slots,
    |t| async move {
        let mock = MockServer::start().await;
        let app = start_app(t, &mock).await;
        let org = app.organization("acme").await;
        let key = org.key.as_str();
        let event = host(&app, key).await;
        let mon = monday();

        // Google's documented shapes: the token endpoint, calendarList, events.list.
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=authorization_code"))
            .and(body_string_contains("code=google-code"))
            .respond_with(token_response("at-1", Some("rt-1"), 3599))
            .mount(&mock)
            .await;
        Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList"))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#calendarList", "etag": "\"p1\"", "nextSyncToken": "cl-1",
            "items": [
                { "kind": "calendar#calendarListEntry", "id": "work", "summary": "Work",
                  "timeZone": BERLIN, "backgroundColor": "#9fe1e7", "accessRole": "owner", "primary": true },
                { "kind": "calendar#calendarListEntry", "id": "holidays", "summary": "Holidays in Germany",
                  "backgroundColor": "#16a765", "accessRole": "reader" }
            ]
        })))
        .mount(&mock)
        .await;
        let at = |hour: i8| {
            berlin(mon, hour)
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        };
        Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/work/events"))
        .and(query_param("singleEvents", "true"))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#events", "summary": "Work", "timeZone": BERLIN,
            "items": [
                { "kind": "calendar#event", "id": "ev1", "status": "confirmed", "summary": "Planning",
                  "start": { "dateTime": at(10), "timeZone": BERLIN }, "end": { "dateTime": at(11), "timeZone": BERLIN } },
                { "kind": "calendar#event", "id": "ev2", "status": "confirmed", "summary": "Focus",
                  "transparency": "transparent",
                  "start": { "dateTime": at(14) }, "end": { "dateTime": at(15) } },
                { "kind": "calendar#event", "id": "ev3", "status": "cancelled" }
            ],
            "nextSyncToken": "sync-1"
        })))
        .mount(&mock)
        .await;

        // Start: a 303 to the consent page with S256 PKCE, the state, offline access.
        let consent = start(&app, "google", Auth::Key(key)).await;
        assert_eq!(consent["response_type"], "code");
        assert_eq!(consent["client_id"], "rdv-client");
        assert_eq!(
            consent["redirect_uri"],
            "https://rdv.example/api/v1/calendar-connections/oauth/google/callback"
        );
        assert_eq!(consent["code_challenge_method"], "S256");
        assert_eq!(consent["access_type"], "offline");
        assert_eq!(consent["prompt"], "consent");
        assert!(consent["scope"].contains("calendar"), "{consent:?}");
        let state = consent["state"].clone();
        assert!(state.len() >= 32);

        // Callback: exchanged, listed, synced; back to the dashboard.
        let (status, location, body) = get_raw(
            &app,
            &callback_path("google", "google-code", &state),
            Auth::Key(key),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(location, "/dashboard/calendars");

        // The code went with the verifier whose S256 is the challenge sent at start.
        let exchanges = form_posts(&mock, "/token").await;
        assert_eq!(exchanges.len(), 1);
        let verifier = exchanges[0]["code_verifier"].clone();
        assert_eq!(
            calendars::oauth::Pkce::from_verifier(verifier).challenge,
            consent["code_challenge"]
        );
        assert_eq!(exchanges[0]["redirect_uri"], consent["redirect_uri"]);

        let (status, list) = call(
            &app,
            Method::GET,
            "/api/v1/calendar-connections",
            Some(key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let connection = &list[0];
        assert_eq!(connection["kind"], "google");
        assert_eq!(connection["status"], "active", "{connection}");
        let calendars: Vec<(String, bool)> = connection["calendars"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["display_name"].as_str().unwrap().to_owned(),
                    c["blocks_availability"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            calendars,
            [
                ("Holidays in Germany".to_owned(), false),
                ("Work".to_owned(), true)
            ]
        );
        let tokens = stored_tokens(&app, &org, connection["id"].as_str().unwrap()).await;
        assert_eq!(tokens["access_token"], "at-1");
        assert_eq!(tokens["refresh_token"], "rt-1");

        // Busy 10:00-11:00; the transparent event does not block.
        let slots = offered(&app, &event, mon).await;
        assert!(
            !slots.contains(&"10:00".to_owned()) && !slots.contains(&"10:30".to_owned()),
            "{slots:?}"
        );
        assert!(
            slots.contains(&"11:00".to_owned()) && slots.contains(&"14:00".to_owned()),
            "{slots:?}"
        );

        // The same state again: used. A made-up one: unknown.
        let (status, _, body) = get_raw(
            &app,
            &callback_path("google", "google-code", &state),
            Auth::Key(key),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["pointer"], "/state", "{body}");
        assert_eq!(body["errors"][0]["code"], "used", "{body}");
        let (status, _, body) = get_raw(
            &app,
            &callback_path("google", "google-code", "not-a-state-we-issued"),
            Auth::Key(key),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["code"], "unknown", "{body}");
        // Still exactly one exchange: refused states never reach the token endpoint.
        assert_eq!(form_posts(&mock, "/token").await.len(), 1);
    }
);

store::backend_test!(expired_and_other_users_states_are_refused, |t| async move {
    let mock = MockServer::start().await;
    let app = start_app(t, &mock).await;
    let org = app.organization("acme").await;
    let key = org.key.as_str();

    // Started eleven minutes ago: expired.
    let db = &app.db.db;
    let scope = db
        .calendar_connections()
        .system_scope(&store::Operator::local(), org.created.organization.id);
    let grant = scope.grant::<store::can::ManageAvailability>().unwrap();
    let owner = org.created.owner.id;
    let old = db
        .calendar_connections()
        .start_oauth(
            &grant,
            owner,
            "google",
            "verifier",
            store::types::Timestamp::now().plus(-jiff::SignedDuration::from_mins(1)),
        )
        .await
        .unwrap();
    let (status, _, body) = get_raw(
        &app,
        &callback_path("google", "c", old.expose()),
        Auth::Key(key),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["code"], "expired", "{body}");

    // The owner starts; a colleague signed in with a session cannot finish it.
    let consent = start(&app, "google", Auth::Key(key)).await;
    app.member(
        &org,
        "max@acme.example",
        store::Role::Member,
        "correct horse battery",
    )
    .await;
    let (cookie, _) = sign_in(&app, "acme", "max@acme.example", "correct horse battery").await;
    let (status, _, body) = get_raw(
        &app,
        &callback_path("google", "c", &consent["state"]),
        Auth::Cookie(&cookie),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["code"], "other_user", "{body}");
    // A state for Google is not one for Microsoft.
    let (status, _, body) = get_raw(
        &app,
        &callback_path("microsoft", "c", &consent["state"]),
        Auth::Key(key),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["code"], "unknown", "{body}");
    // The dashboard offers both configured providers.
    let html = reqwest::Client::new()
        .get(app.url("/dashboard/calendars"))
        .header(reqwest::header::COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for (name, provider) in [("Google", "google"), ("Microsoft", "microsoft")] {
        let link = format!(
            r#"href="/api/v1/calendar-connections/oauth/{provider}/start">Connect {name}</a>"#
        );
        assert!(html.contains(&link), "{html}");
    }
    // The colleague can start their own (the session cookie works for GET).
    let theirs = start(&app, "microsoft", Auth::Cookie(&cookie)).await;
    assert!(theirs["scope"].contains("offline_access"), "{theirs:?}");
    assert!(!theirs.contains_key("access_type"), "{theirs:?}");
    assert!(form_posts(&mock, "/token").await.is_empty());

    // An unknown provider, and one not configured, are 404.
    let (status, _, _) = get_raw(
        &app,
        "/api/v1/calendar-connections/oauth/yahoo/start",
        Auth::Key(key),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

store::backend_test!(
    google_refreshes_an_expiring_token_and_seals_the_new_one,
    |t| async move {
        let mock = MockServer::start().await;
        let app = start_app(t, &mock).await;
        let org = app.organization("acme").await;
        let key = org.key.as_str();
        // The exchanged token expires within a minute: the first sync refreshes it first.
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=authorization_code"))
            .respond_with(token_response("at-1", Some("rt-1"), 30))
            .mount(&mock)
            .await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=refresh_token"))
            .and(body_string_contains("refresh_token=rt-1"))
            // Google does not send a new refresh token on refresh: the old one is kept.
            .respond_with(token_response("at-2", None, 3599))
            .mount(&mock)
            .await;
        Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [{ "id": "work", "summary": "Work", "accessRole": "owner", "primary": true }]
        })))
        .mount(&mock)
        .await;
        Mock::given(method("GET"))
            .and(path("/calendar/v3/calendars/work/events"))
            .and(header("authorization", "Bearer at-2"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "items": [], "nextSyncToken": "s1" })),
            )
            .mount(&mock)
            .await;
        let consent = start(&app, "google", Auth::Key(key)).await;
        let (status, _, body) = get_raw(
            &app,
            &callback_path("google", "code", &consent["state"]),
            Auth::Key(key),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let (_, list) = call(
            &app,
            Method::GET,
            "/api/v1/calendar-connections",
            Some(key),
            None,
        )
        .await;
        assert_eq!(list[0]["status"], "active", "{list}");
        let id = list[0]["id"].as_str().unwrap().to_owned();
        let tokens = stored_tokens(&app, &org, &id).await;
        assert_eq!(tokens["access_token"], "at-2");
        assert_eq!(tokens["refresh_token"], "rt-1");
        let refreshes: Vec<_> = form_posts(&mock, "/token")
            .await
            .into_iter()
            .filter(|f| f["grant_type"] == "refresh_token")
            .collect();
        assert_eq!(refreshes.len(), 1);
        assert_eq!(refreshes[0]["client_id"], "rdv-client");
    }
);

store::backend_test!(
    microsoft_delta_sync_refreshes_on_401_and_resyncs_on_410,
    |t| async move {
        let mock = MockServer::start().await;
        let app = start_app(t, &mock).await;
        let org = app.organization("acme").await;
        let key = org.key.as_str();
        let event = host(&app, key).await;
        let mon = monday();
        let utc = |hour: i8| {
            berlin(mon, hour)
                .with_time_zone(TimeZone::UTC)
                .strftime("%Y-%m-%dT%H:%M:%S.0000000")
                .to_string()
        };
        let graph_event = |id: &str, from: i8, to: i8| {
            json!({ "@odata.etag": "W/\"e\"", "id": id, "subject": "Review", "isAllDay": false,
                "isCancelled": false, "showAs": "busy",
                "start": { "dateTime": utc(from), "timeZone": "UTC" },
                "end": { "dateTime": utc(to), "timeZone": "UTC" } })
        };
        let delta = |token: &str| {
            format!(
                "{}/v1.0/me/calendars/cal-1/calendarView/delta?$deltatoken={token}",
                mock.uri()
            )
        };
        let view = "/v1.0/me/calendars/cal-1/calendarView/delta";

        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=authorization_code"))
            .respond_with(token_response("at-1", Some("rt-1"), 3600))
            .mount(&mock)
            .await;
        // Microsoft rotates refresh tokens: the new one is kept.
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=refresh_token"))
            .and(body_string_contains("refresh_token=rt-1"))
            .respond_with(token_response("at-2", Some("rt-2"), 3600))
            .mount(&mock)
            .await;
        Mock::given(method("GET"))
        .and(path("/v1.0/me/calendars"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#me/calendars",
            "value": [{ "id": "cal-1", "name": "Calendar", "hexColor": "", "canEdit": true,
                        "isDefaultCalendar": true, "owner": { "name": "Olive", "address": "owner@acme.example" } }]
        })))
        .mount(&mock)
        .await;
        // Full reads (no delta token): busy 10:00-11:00 with at-1; moved to 14:00 by the time
        // of the resync (at-2).
        Mock::given(method("GET"))
            .and(path(view))
            .and(query_param_is_missing("$deltatoken"))
            .and(header("authorization", "Bearer at-1"))
            .and(header("prefer", "outlook.timezone=\"UTC\""))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "value": [graph_event("m1", 10, 11)], "@odata.deltaLink": delta("d1")
            })))
            .mount(&mock)
            .await;
        Mock::given(method("GET"))
            .and(path(view))
            .and(query_param_is_missing("$deltatoken"))
            .and(header("authorization", "Bearer at-2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "value": [graph_event("m1", 14, 15)], "@odata.deltaLink": delta("d2")
            })))
            .mount(&mock)
            .await;
        // The delta link: at-1 has been revoked (401); with at-2 the token is too old (410).
        Mock::given(method("GET"))
        .and(path(view))
        .and(query_param("$deltatoken", "d1"))
        .and(header("authorization", "Bearer at-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": { "code": "InvalidAuthenticationToken", "message": "Access token has expired or is not yet valid." }
        })))
        .mount(&mock)
        .await;
        Mock::given(method("GET"))
        .and(path(view))
        .and(query_param("$deltatoken", "d1"))
        .and(header("authorization", "Bearer at-2"))
        .respond_with(ResponseTemplate::new(410).set_body_json(json!({
            "error": { "code": "SyncStateNotFound", "message": "The sync state generation is not found." }
        })))
        .mount(&mock)
        .await;

        let consent = start(&app, "microsoft", Auth::Key(key)).await;
        let (status, _, body) = get_raw(
            &app,
            &callback_path("microsoft", "ms-code", &consent["state"]),
            Auth::Key(key),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        let (_, list) = call(
            &app,
            Method::GET,
            "/api/v1/calendar-connections",
            Some(key),
            None,
        )
        .await;
        assert_eq!(list[0]["kind"], "microsoft", "{list}");
        assert_eq!(list[0]["status"], "active", "{list}");
        assert_eq!(list[0]["calendars"][0]["display_name"], "Calendar");
        assert_eq!(list[0]["calendars"][0]["color"], Value::Null);
        let id = list[0]["id"].as_str().unwrap().to_owned();
        let slots = offered(&app, &event, mon).await;
        assert!(!slots.contains(&"10:00".to_owned()), "{slots:?}");
        assert!(slots.contains(&"14:00".to_owned()), "{slots:?}");

        // Sync now: 401 → refresh → 410 → a full read; the busy time moved.
        let (status, synced) = call(
            &app,
            Method::POST,
            &format!("/api/v1/calendar-connections/{id}/sync"),
            Some(key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{synced}");
        assert_eq!(
            synced["log"]["outcome"],
            "ok",
            "{synced} {:?}",
            form_posts(&mock, "/token").await
        );
        assert_eq!(synced["log"]["mode"], "full", "{synced}");
        let slots = offered(&app, &event, mon).await;
        assert!(slots.contains(&"10:00".to_owned()), "{slots:?}");
        assert!(!slots.contains(&"14:00".to_owned()), "{slots:?}");
        let tokens = stored_tokens(&app, &org, &id).await;
        assert_eq!(tokens["access_token"], "at-2");
        assert_eq!(tokens["refresh_token"], "rt-2");
        // One refresh after the 401, none again for the resync.
        let refreshes = form_posts(&mock, "/token")
            .await
            .into_iter()
            .filter(|f| f["grant_type"] == "refresh_token")
            .count();
        assert_eq!(refreshes, 1);
    }
);

/// Signs `email` in through the sign-in form; returns the Cookie header and the CSRF token.
async fn sign_in(
    app: &TestApp,
    organization: &str,
    email: &str,
    password: &str,
) -> (String, String) {
    let (login_cookie, login_token) = app.sign_in_form().await;
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(app.url("/signin"))
        .header(reqwest::header::COOKIE, login_cookie)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(
            serde_urlencoded::to_string([
                ("csrf_token", login_token.as_str()),
                ("organization", organization),
                ("email", email),
                ("password", password),
            ])
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let mut cookies = Vec::new();
    let mut csrf = String::new();
    for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
        let pair = value
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        if let Some(token) = pair.strip_prefix("rdv_csrf=") {
            csrf = token.to_owned();
        }
        cookies.push(pair);
    }
    (cookies.join("; "), csrf)
}
