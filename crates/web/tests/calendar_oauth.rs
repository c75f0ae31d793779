//! Google Calendar and Microsoft 365 connections over OAuth 2.0, with wiremock standing in
//! for Google and Microsoft (their documented request and response shapes): the connect
//! flow (start → consent URL with the PKCE challenge and state → callback → code exchanged
//! with the right verifier → connection with its calendars), refused states (unknown, used,
//! expired, another user's), the browser sent back to the dashboard with a message, busy
//! time the slots API respects, a token refresh before expiry and after a 401, a 410 Gone
//! resync, and bookings written back (Google by iCalUID, Microsoft by transactionId):
//! created, updated on reschedule, deleted on cancel, never twice. Both backends.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use common::calendar_host::{BERLIN, monday, offered, working_host};
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

fn berlin(day: Date, hour: i8) -> jiff::Zoned {
    day.at(hour, 0, 0, 0)
        .to_zoned(TimeZone::get(BERLIN).unwrap())
        .unwrap()
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
        .public_url("https://rdv.example")
        .auth(rendezvous_web::AuthConfig {
            secure_cookies: false,
            ..rendezvous_web::AuthConfig::default()
        })
        .start(t)
        .await
}

/// A GET from an API client (`Accept: application/json`) that does not follow redirects;
/// `auth` is a bearer key or a Cookie header.
async fn get_raw(app: &TestApp, path: &str, auth: Auth<'_>) -> (StatusCode, String, Value) {
    get_accepting(app, path, auth, "application/json").await
}

/// A GET as a browser sends it (asking for HTML), not following redirects.
async fn browser_get(app: &TestApp, path: &str, cookie: &str) -> (StatusCode, String, Value) {
    get_accepting(
        app,
        path,
        Auth::Cookie(cookie),
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    )
    .await
}

async fn get_accepting(
    app: &TestApp,
    path: &str,
    auth: Auth<'_>,
    accept: &str,
) -> (StatusCode, String, Value) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client
        .get(app.url(path))
        .header(reqwest::header::ACCEPT, accept);
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
/// The token endpoint's answer to any authorization code: access token `at-1`, refresh
/// token `rt-1`, expiring in `expires_in` seconds.
async fn mount_code_exchange(mock: &MockServer, expires_in: i64) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(token_response("at-1", Some("rt-1"), expires_in))
        .mount(mock)
        .await;
}

/// Google's calendar list with one calendar, `work`, the user's own and primary.
async fn mount_google_work_calendar(mock: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/calendar/v3/users/me/calendarList"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "items": [{ "id": "work", "summary": "Work", "accessRole": "owner", "primary": true }]
        })))
        .mount(mock)
        .await;
}

async fn stored_tokens(app: &TestApp, org: &common::Org, id: &str) -> Value {
    let db = &app.db.db;
    let scope = db
        .calendar_connections()
        .system_scope(&store::Operator::local(), org.created.organization.id);
    let grant = scope.grant::<store::can::ManageAvailability>().unwrap();
    let id = domain::ids::CalendarConnectionId(id.parse().unwrap());
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
        let event = working_host(&app, key).await;
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
        assert_eq!(
            location,
            "/dashboard/calendars?oauth=connected&provider=google"
        );

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
            domain::ids::Timestamp::now().plus(-jiff::SignedDuration::from_mins(1)),
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
        domain::access::Role::Member,
        "correct horse battery",
    )
    .await;
    let (cookie, _) = app
        .sign_in("acme", "max@acme.example", "correct horse battery")
        .await;
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
    app.run_pending_jobs().await;
});

store::backend_test!(
    google_refreshes_an_expiring_token_and_seals_the_new_one,
    |t| async move {
        let mock = MockServer::start().await;
        let app = start_app(t, &mock).await;
        let org = app.organization("acme").await;
        let key = org.key.as_str();
        // The exchanged token expires within a minute: the first sync refreshes it first.
        mount_code_exchange(&mock, 30).await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=refresh_token"))
            .and(body_string_contains("refresh_token=rt-1"))
            // Google does not send a new refresh token on refresh: the old one is kept.
            .respond_with(token_response("at-2", None, 3599))
            .mount(&mock)
            .await;
        mount_google_work_calendar(&mock).await;
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
        let event = working_host(&app, key).await;
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

        mount_code_exchange(&mock, 3600).await;
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

/// Connects `provider` for the key's owner through start and callback (the mock must answer
/// the token exchange and the calendar list); returns the connection's id and its calendars'
/// ids by provider id.
async fn connect(app: &TestApp, provider: &str, key: &str) -> (String, HashMap<String, String>) {
    let consent = start(app, provider, Auth::Key(key)).await;
    let (status, location, body) = get_raw(
        app,
        &callback_path(provider, "the-code", &consent["state"]),
        Auth::Key(key),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(location.contains("oauth=connected"), "{location}");
    let (_, list) = call(
        app,
        Method::GET,
        "/api/v1/calendar-connections",
        Some(key),
        None,
    )
    .await;
    let connection = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == provider)
        .unwrap();
    assert_eq!(connection["status"], "active", "{connection}");
    let calendars = connection["calendars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["url"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (connection["id"].as_str().unwrap().to_owned(), calendars)
}

/// Chooses the calendar to receive bookings (and block availability).
async fn receive_bookings_in(app: &TestApp, key: &str, connection: &str, calendar: &str) {
    let (status, chosen) = call(
        app,
        Method::PATCH,
        &format!("/api/v1/calendar-connections/{connection}/calendars/{calendar}"),
        Some(key),
        Some(json!({"blocks_availability": true, "receives_bookings": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{chosen}");
    assert_eq!(chosen["receives_bookings"], true);
}

/// Books the event type at `start` as Ines; returns the booking's uid.
async fn book_at(app: &TestApp, event: &str, start: &jiff::Zoned) -> String {
    let (status, booked) = call(
        app,
        Method::POST,
        &format!("/api/v1/public/event-types/{event}/bookings"),
        None,
        Some(
            json!({ "start": start.timestamp().to_string(), "name": "Ines Invitee",
                     "email": "ines@example.com", "time_zone": BERLIN }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    booked["booking"]["uid"].as_str().unwrap().to_owned()
}

/// Moves a booking as its host; returns the new booking's uid.
async fn reschedule(app: &TestApp, key: &str, booking: &str, start: &jiff::Zoned) -> String {
    let (status, moved) = call(
        app,
        Method::POST,
        &format!("/api/v1/bookings/{booking}/reschedule"),
        Some(key),
        Some(json!({"start": start.timestamp().to_string()})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    moved["uid"].as_str().unwrap().to_owned()
}

async fn cancel(app: &TestApp, key: &str, booking: &str) {
    let (status, body) = call(
        app,
        Method::POST,
        &format!("/api/v1/bookings/{booking}/cancel"),
        Some(key),
        Some(json!({"reason": "ill"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Runs the write-back of `booking` now, as the `calendar.writeback` job does.
async fn write_back(
    app: &TestApp,
    org: &common::Org,
    booking: &str,
) -> Result<services::calendar_writeback::Outcome, services::calendar_writeback::WritebackError> {
    services::calendar_writeback::booking_changed(
        &app.db.db,
        &app.calendars,
        org.created.organization.id,
        domain::ids::BookingId(booking.parse().unwrap()),
    )
    .await
}

/// Where the store says `booking` was written: (provider event id, sequence).
async fn written(app: &TestApp, org: &common::Org, booking: &str) -> Option<(String, i32)> {
    let db = &app.db.db;
    let scope = db
        .calendar_connections()
        .system_scope(&store::Operator::local(), org.created.organization.id);
    db.calendar_connections()
        .writeback(&scope, domain::ids::BookingId(booking.parse().unwrap()))
        .await
        .unwrap()
        .map(|row| (row.resource, row.sequence))
}

/// The JSON bodies of the requests the mock got, by method and path.
async fn json_requests(mock: &MockServer, verb: &str, at: &str) -> Vec<Value> {
    mock.received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == at)
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

fn utc_text(at: &jiff::Zoned) -> String {
    at.timestamp().to_string()
}

store::backend_test!(
    google_write_back_inserts_by_ical_uid_updates_on_reschedule_and_deletes_on_cancel,
    |t| async move {
        let mock = MockServer::start().await;
        let app = start_app(t, &mock).await;
        let org = app.organization("acme").await;
        let key = org.key.as_str();
        let event = working_host(&app, key).await;
        let mon = monday();
        let events = "/calendar/v3/calendars/work/events";

        mount_code_exchange(&mock, 3600).await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=refresh_token"))
            .respond_with(token_response("at-2", None, 3600))
            .mount(&mock)
            .await;
        mount_google_work_calendar(&mock).await;
        // Sync: nothing at first; after the reschedule, the incremental read still reports
        // our event at its old time (and someone else's meeting at 14:00).
        Mock::given(method("GET"))
            .and(path(events))
            .and(query_param("singleEvents", "true"))
            .and(query_param_is_missing("syncToken"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "items": [], "nextSyncToken": "s1" })),
            )
            .mount(&mock)
            .await;
        let google_event = |id: &str, from: i8, to: i8| {
            json!({ "kind": "calendar#event", "id": id, "status": "confirmed", "summary": "x",
                "start": { "dateTime": berlin(mon, from).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string() },
                "end": { "dateTime": berlin(mon, to).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string() } })
        };
        Mock::given(method("GET"))
            .and(path(events))
            .and(query_param("syncToken", "s1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "items": [google_event("gev1", 10, 11), google_event("theirs", 14, 15)],
                "nextSyncToken": "s2"
            })))
            .mount(&mock)
            .await;

        let (connection, calendars) = connect(&app, "google", key).await;
        // Google calendars can now receive bookings.
        receive_bookings_in(&app, key, &connection, &calendars["work"]).await;
        let booking = book_at(&app, &event, &berlin(mon, 10)).await;
        // The booking's calendar UID, the one its e-mails carry.
        let uid = format!("{booking}@rendezvous");

        // The first attempt: nothing has this iCalUID yet; the insert reaches Google but its
        // answer is lost (503). The job will run again.
        Mock::given(method("GET"))
            .and(path(events))
            .and(query_param("iCalUID", uid.as_str()))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "kind": "calendar#events", "items": [] })),
            )
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&mock)
            .await;
        Mock::given(method("POST"))
            .and(path(events))
            .and(query_param("sendUpdates", "none"))
            .respond_with(ResponseTemplate::new(503).set_body_json(json!({
                "error": { "code": 503, "message": "Backend Error" }
            })))
            .mount(&mock)
            .await;
        assert!(write_back(&app, &org, &booking).await.is_err());
        let inserts = json_requests(&mock, "POST", events).await;
        assert_eq!(inserts.len(), 1);
        let insert = &inserts[0];
        assert_eq!(insert["iCalUID"], uid.as_str(), "{insert}");
        assert_eq!(insert["sequence"], 0);
        assert_eq!(insert["summary"], "Intro call: Ines Invitee");
        assert_eq!(insert["start"]["dateTime"], utc_text(&berlin(mon, 10)));
        assert_eq!(
            insert["end"]["dateTime"],
            utc_text(
                &berlin(mon, 10)
                    .checked_add(jiff::Span::new().minutes(30))
                    .unwrap()
            )
        );
        // The host (the owner) lives in New York: Google shows the event in that zone.
        assert_eq!(insert["start"]["timeZone"], "America/New_York");
        let description = insert["description"].as_str().unwrap();
        assert!(
            description.contains("Invitee: Ines Invitee <ines@example.com>"),
            "{description}"
        );
        assert!(
            description.contains(&format!(
                "https://rdv.example/dashboard/bookings/{booking}/reschedule"
            )),
            "{description}"
        );
        assert_eq!(written(&app, &org, &booking).await, None);

        // The retry finds the event by its iCalUID and updates it: no second insert. The
        // first update meets a revoked access token (401): refreshed once, then retried.
        let found = json!({ "kind": "calendar#events", "items": [{
            "kind": "calendar#event", "id": "gev1", "etag": "\"3181\"", "iCalUID": uid,
            "sequence": 0, "status": "confirmed" }] });
        Mock::given(method("GET"))
            .and(path(events))
            .and(query_param("iCalUID", uid.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(found))
            .with_priority(2)
            .mount(&mock)
            .await;
        let gev1 = format!("{events}/gev1");
        Mock::given(method("PUT"))
            .and(path(gev1.as_str()))
            .and(header("authorization", "Bearer at-1"))
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({
                "error": { "code": 401, "message": "Invalid Credentials" }
            })))
            .mount(&mock)
            .await;
        Mock::given(method("PUT"))
            .and(path(gev1.as_str()))
            .and(header("authorization", "Bearer at-2"))
            .and(query_param("sendUpdates", "none"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "kind": "calendar#event", "id": "gev1", "etag": "\"3182\"", "status": "confirmed"
            })))
            .mount(&mock)
            .await;
        assert_eq!(
            write_back(&app, &org, &booking).await.unwrap(),
            services::calendar_writeback::Outcome::Created
        );
        assert_eq!(
            json_requests(&mock, "POST", events).await.len(),
            1,
            "no second insert"
        );
        assert_eq!(
            written(&app, &org, &booking).await,
            Some(("gev1".to_owned(), 0))
        );
        let refreshes = form_posts(&mock, "/token")
            .await
            .into_iter()
            .filter(|f| f["grant_type"] == "refresh_token")
            .count();
        assert_eq!(refreshes, 1);
        assert_eq!(
            stored_tokens(&app, &org, &connection).await["access_token"],
            "at-2"
        );

        // Rescheduled to 11:00: the same event, sequence + 1.
        let moved = reschedule(&app, key, &booking, &berlin(mon, 11)).await;
        assert_eq!(
            write_back(&app, &org, &moved).await.unwrap(),
            services::calendar_writeback::Outcome::Updated
        );
        let updates = json_requests(&mock, "PUT", &gev1).await;
        let update = updates.last().unwrap();
        assert_eq!(update["sequence"], 1, "{update}");
        assert_eq!(
            update["iCalUID"],
            uid.as_str(),
            "the UID it was written with"
        );
        assert_eq!(update["start"]["dateTime"], utc_text(&berlin(mon, 11)));
        assert_eq!(
            written(&app, &org, &moved).await,
            Some(("gev1".to_owned(), 1))
        );

        // The next sync still sees our event at 10:00: it does not make the host busy (the
        // booking at 11:00 does); someone else's meeting at 14:00 does.
        let (status, synced) = call(
            &app,
            Method::POST,
            &format!("/api/v1/calendar-connections/{connection}/sync"),
            Some(key),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{synced}");
        assert_eq!(synced["log"]["mode"], "incremental", "{synced}");
        let slots = offered(&app, &event, mon).await;
        assert!(slots.contains(&"10:00".to_owned()), "{slots:?}");
        assert!(!slots.contains(&"11:00".to_owned()), "{slots:?}");
        assert!(!slots.contains(&"14:00".to_owned()), "{slots:?}");

        // Cancelled: deleted; then nothing is left to do.
        Mock::given(method("DELETE"))
            .and(path(gev1.as_str()))
            .and(query_param("sendUpdates", "none"))
            .respond_with(ResponseTemplate::new(204))
            .expect(1)
            .mount(&mock)
            .await;
        cancel(&app, key, &moved).await;
        assert_eq!(
            write_back(&app, &org, &moved).await.unwrap(),
            services::calendar_writeback::Outcome::Deleted
        );
        assert_eq!(written(&app, &org, &moved).await, None);
        assert_eq!(
            write_back(&app, &org, &moved).await.unwrap(),
            services::calendar_writeback::Outcome::Nothing
        );
        app.run_pending_jobs().await;
    }
);

/// Polls until the mock got `count` requests `verb` at `at` (the write-back runs as a job,
/// after the booking's response).
async fn requests_eventually(mock: &MockServer, verb: &str, at: &str, count: usize) -> Vec<Value> {
    for _ in 0..100 {
        let got = json_requests(mock, verb, at).await;
        if got.len() >= count {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{verb} {at} never reached {count} request(s)");
}

store::backend_test!(
    microsoft_write_back_creates_with_a_transaction_id_patches_and_deletes,
    |t| async move {
        let mock = MockServer::start().await;
        let app = TestApp::builder()
            .calendar_oauth(settings(&mock))
            .public_url("https://rdv.example")
            .workers()
            .start(t)
            .await;
        let org = app.organization("acme").await;
        let key = org.key.as_str();
        let event = working_host(&app, key).await;
        let mon = monday();
        let graph_time = |at: &jiff::Zoned| {
            at.with_time_zone(TimeZone::UTC)
                .strftime("%Y-%m-%dT%H:%M:%S")
                .to_string()
        };

        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(token_response("at-1", Some("rt-1"), 3600))
            .mount(&mock)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1.0/me/calendars"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "value": [{ "id": "cal-1", "name": "Calendar", "canEdit": true, "isDefaultCalendar": true }]
            })))
            .mount(&mock)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1.0/me/calendars/cal-1/calendarView/delta"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "value": [], "@odata.deltaLink": format!("{}/v1.0/me/calendars/cal-1/calendarView/delta?$deltatoken=d1", mock.uri())
            })))
            .mount(&mock)
            .await;
        // Graph answers a create with the event, a PATCH with the changed event, and 404 to
        // a DELETE of an event the user already removed.
        Mock::given(method("POST"))
            .and(path("/v1.0/me/calendars/cal-1/events"))
            .and(header("authorization", "Bearer at-1"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({
                "@odata.etag": "W/\"DwAAABYAAAA1\"", "id": "AAMkAGI2-1", "subject": "Intro call: Ines Invitee"
            })))
            .mount(&mock)
            .await;
        Mock::given(method("PATCH"))
            .and(path("/v1.0/me/events/AAMkAGI2-1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "@odata.etag": "W/\"DwAAABYAAAA2\"", "id": "AAMkAGI2-1"
            })))
            .mount(&mock)
            .await;
        Mock::given(method("DELETE"))
            .and(path("/v1.0/me/events/AAMkAGI2-1"))
            .respond_with(ResponseTemplate::new(404).set_body_json(json!({
                "error": { "code": "ErrorItemNotFound", "message": "The specified object was not found in the store." }
            })))
            .mount(&mock)
            .await;

        let (connection, calendars) = connect(&app, "microsoft", key).await;
        receive_bookings_in(&app, key, &connection, &calendars["cal-1"]).await;

        // Booked: created once, with the booking's calendar UID as Graph's transactionId.
        let booking = book_at(&app, &event, &berlin(mon, 10)).await;
        let created =
            requests_eventually(&mock, "POST", "/v1.0/me/calendars/cal-1/events", 1).await;
        let body = &created[0];
        assert_eq!(
            body["transactionId"],
            format!("{booking}@rendezvous"),
            "{body}"
        );
        assert_eq!(body["subject"], "Intro call: Ines Invitee");
        assert_eq!(body["start"]["dateTime"], graph_time(&berlin(mon, 10)));
        assert_eq!(body["start"]["timeZone"], "UTC");
        assert_eq!(body["showAs"], "busy");
        assert!(
            body["body"]["content"].as_str().unwrap().contains(&format!(
                "https://rdv.example/dashboard/bookings/{booking}/reschedule"
            )),
            "{body}"
        );
        assert!(
            body.get("attendees").is_none(),
            "Outlook would invite them itself"
        );

        // Rescheduled: the same event is patched, no second one is created.
        let moved = reschedule(&app, key, &booking, &berlin(mon, 11)).await;
        let patches = requests_eventually(&mock, "PATCH", "/v1.0/me/events/AAMkAGI2-1", 1).await;
        assert_eq!(
            patches[0]["start"]["dateTime"],
            graph_time(&berlin(mon, 11))
        );
        assert!(patches[0].get("transactionId").is_none());
        assert_eq!(
            json_requests(&mock, "POST", "/v1.0/me/calendars/cal-1/events")
                .await
                .len(),
            1
        );

        // Cancelled: deleted; Graph's 404 (already gone) counts as done.
        cancel(&app, key, &moved).await;
        requests_eventually(&mock, "DELETE", "/v1.0/me/events/AAMkAGI2-1", 1).await;
        for _ in 0..100 {
            if written(&app, &org, &moved).await.is_none() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(written(&app, &org, &moved).await, None);
        app.run_pending_jobs().await;
    }
);

/// The page at `location` as the signed-in browser sees it.
async fn page_html(app: &TestApp, cookie: &str, location: String) -> String {
    app.client
        .get(app.url(&location))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

store::backend_test!(
    the_oauth_callback_sends_the_browser_back_with_a_message,
    |t| async move {
        let mock = MockServer::start().await;
        let app = start_app(t, &mock).await;
        let org = app.organization("acme").await;
        let password = "correct horse battery";
        app.member(
            &org,
            "max@acme.example",
            domain::access::Role::Member,
            password,
        )
        .await;
        let (cookie, _) = app.sign_in("acme", "max@acme.example", password).await;
        let page = |location: String| page_html(&app, &cookie, location);

        // The user declines on Google's consent screen.
        let consent = start(&app, "google", Auth::Cookie(&cookie)).await;
        let declined = format!(
            "/api/v1/calendar-connections/oauth/google/callback?error=access_denied&state={}",
            consent["state"]
        );
        let (status, location, _) = browser_get(&app, &declined, &cookie).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            location,
            "/dashboard/calendars?oauth=declined&provider=google"
        );
        let html = page(location).await;
        assert!(
            html.contains(r#"<p class="error" role="alert">Google Calendar was not connected: access was not allowed.</p>"#),
            "{html}"
        );

        // A state we never issued.
        let (status, location, _) =
            browser_get(&app, &callback_path("google", "c", "made-up"), &cookie).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            location,
            "/dashboard/calendars?oauth=state_unknown&provider=google"
        );
        assert!(
            page(location)
                .await
                .contains("This connection attempt was not started here.")
        );

        // The token endpoint refuses the code.
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("code=bad-code"))
            .respond_with(ResponseTemplate::new(400).set_body_json(json!({
                "error": "invalid_grant", "error_description": "Bad Request"
            })))
            .mount(&mock)
            .await;
        let consent = start(&app, "microsoft", Auth::Cookie(&cookie)).await;
        let (_, location, _) = browser_get(
            &app,
            &callback_path("microsoft", "bad-code", &consent["state"]),
            &cookie,
        )
        .await;
        assert_eq!(
            location,
            "/dashboard/calendars?oauth=code_rejected&provider=microsoft"
        );
        assert!(
            page(location)
                .await
                .contains("Microsoft 365 refused the authorization.")
        );

        // Success: a notice, no error.
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("code=good-code"))
            .respond_with(token_response("at-1", Some("rt-1"), 3600))
            .mount(&mock)
            .await;
        mount_google_work_calendar(&mock).await;
        Mock::given(method("GET"))
            .and(path("/calendar/v3/calendars/work/events"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({ "items": [], "nextSyncToken": "s1" })),
            )
            .mount(&mock)
            .await;
        let consent = start(&app, "google", Auth::Cookie(&cookie)).await;
        let (_, location, _) = browser_get(
            &app,
            &callback_path("google", "good-code", &consent["state"]),
            &cookie,
        )
        .await;
        assert_eq!(
            location,
            "/dashboard/calendars?oauth=connected&provider=google"
        );
        let html = page(location).await;
        assert!(
            html.contains(r#"<p class="notice" role="status">Connected Google Calendar."#),
            "{html}"
        );
        assert!(!html.contains(r#"role="alert""#), "{html}");

        // Whatever else the address says, the page shows only its own words.
        let html = page(
            "/dashboard/calendars?oauth=%3Cscript%3Ealert(1)%3C%2Fscript%3E&provider=%3Cb%3Eevil"
                .to_owned(),
        )
        .await;
        assert!(
            html.contains("Connecting the calendar provider failed."),
            "{html}"
        );
        assert!(
            !html.contains("<script>alert(1)") && !html.contains("evil"),
            "{html}"
        );

        // An API client asking for JSON still gets problem+json.
        let (status, _, body) = get_raw(
            &app,
            &callback_path("google", "c", "made-up"),
            Auth::Cookie(&cookie),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["pointer"], "/state", "{body}");
        let consent = start(&app, "google", Auth::Cookie(&cookie)).await;
        let declined = format!(
            "/api/v1/calendar-connections/oauth/google/callback?error=access_denied&state={}",
            consent["state"]
        );
        let (status, _, body) = get_raw(&app, &declined, Auth::Cookie(&cookie)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["pointer"], "/error", "{body}");
        app.run_pending_jobs().await;
    }
);
