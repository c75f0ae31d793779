//! Google Calendar and Microsoft Graph adapters against wiremock, answering with the
//! documented response shapes: paging, sync token / delta link, 410 Gone, token refresh, and
//! writing events (Google by iCalUID, Graph by transactionId; a missing event is `None`).
#![allow(clippy::unwrap_used)]

use rendezvous_calendars::oauth::{OAuthClient, Pkce};
use rendezvous_calendars::providers::{
    Google, Microsoft, OutgoingEvent, Provider, RemoteChanges, RemoteWhen,
};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client() -> outbound::Client {
    outbound::install_crypto_provider();
    outbound::Client::new(outbound::Policy::allowing_loopback()).unwrap()
}

fn window() -> (jiff::Timestamp, jiff::Timestamp) {
    (
        "2026-12-01T00:00:00Z".parse().unwrap(),
        "2027-01-01T00:00:00Z".parse().unwrap(),
    )
}

#[tokio::test]
async fn google_pages_sync_tokens_and_410() {
    let server = MockServer::start().await;
    let events = "/calendar/v3/calendars/primary/events";
    Mock::given(method("GET")).and(path(events)).and(query_param("timeMin", "2026-12-01T00:00:00Z"))
        .and(query_param("pageToken", "p2")).and(header("authorization", "Bearer at-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#events", "nextSyncToken": "sync-1",
            "items": [{ "id": "allday", "status": "confirmed", "start": {"date": "2026-12-03"}, "end": {"date": "2026-12-04"} }]
        })))
        .mount(&server).await;
    Mock::given(method("GET")).and(path(events)).and(query_param("timeMin", "2026-12-01T00:00:00Z"))
        .and(query_param("singleEvents", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#events", "nextPageToken": "p2",
            "items": [
                { "id": "timed", "status": "confirmed", "start": {"dateTime": "2026-12-02T10:00:00+01:00", "timeZone": "Europe/Berlin"}, "end": {"dateTime": "2026-12-02T11:00:00+01:00"} },
                { "id": "focus", "status": "confirmed", "transparency": "transparent", "start": {"dateTime": "2026-12-02T12:00:00Z"}, "end": {"dateTime": "2026-12-02T13:00:00Z"} }
            ]
        })))
        .mount(&server).await;
    Mock::given(method("GET")).and(path(events)).and(query_param("syncToken", "sync-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#events", "nextSyncToken": "sync-2",
            "items": [
                { "id": "timed", "status": "cancelled" },
                { "id": "new", "status": "confirmed", "start": {"dateTime": "2026-12-05T09:00:00Z"}, "end": {"dateTime": "2026-12-05T09:30:00Z"} }
            ]
        })))
        .mount(&server).await;
    Mock::given(method("GET")).and(path(events)).and(query_param("syncToken", "old"))
        .respond_with(ResponseTemplate::new(410).set_body_json(json!({"error": {"code": 410, "message": "Sync token is no longer valid, a full sync is required."}})))
        .mount(&server).await;

    let http = client();
    let google = Google {
        http: &http,
        base: format!("{}/calendar/v3", server.uri()),
        access_token: "at-1".into(),
    };
    let (from, until) = window();
    let RemoteChanges::Delta {
        changed,
        removed,
        next,
    } = google.changes("primary", None, from, until).await.unwrap()
    else {
        panic!("expected a delta");
    };
    assert_eq!(next.as_deref(), Some("sync-1"));
    assert!(removed.is_empty());
    let ids: Vec<(&str, bool)> = changed.iter().map(|e| (e.id.as_str(), e.busy)).collect();
    assert_eq!(ids, [("timed", true), ("focus", false), ("allday", true)]);
    assert_eq!(
        changed[0].when,
        RemoteWhen::At {
            start: "2026-12-02T09:00:00Z".parse().unwrap(),
            end: "2026-12-02T10:00:00Z".parse().unwrap()
        }
    );
    assert_eq!(
        changed[2].when,
        RemoteWhen::AllDay {
            start: jiff::civil::date(2026, 12, 3),
            end: jiff::civil::date(2026, 12, 4)
        }
    );

    let RemoteChanges::Delta {
        changed,
        removed,
        next,
    } = google
        .changes("primary", Some("sync-1"), from, until)
        .await
        .unwrap()
    else {
        panic!("expected a delta");
    };
    assert_eq!(removed, ["timed"]);
    assert_eq!(changed.len(), 1);
    assert_eq!(next.as_deref(), Some("sync-2"));
    assert_eq!(
        google
            .changes("primary", Some("old"), from, until)
            .await
            .unwrap(),
        RemoteChanges::Expired
    );
}

#[tokio::test]
async fn microsoft_delta_links_removals_and_410() {
    let server = MockServer::start().await;
    let base = format!("{}/v1.0", server.uri());
    let delta = "/v1.0/me/calendars/cal-1/calendarView/delta";
    Mock::given(method("GET")).and(path(delta)).and(query_param("startDateTime", "2026-12-01T00:00:00Z"))
        .and(header("prefer", "outlook.timezone=\"UTC\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "@odata.nextLink": format!("{base}/me/calendars/cal-1/calendarView/delta?$skiptoken=page2"),
            "value": [
                { "id": "m1", "subject": "1:1", "isAllDay": false, "isCancelled": false, "showAs": "busy",
                  "start": {"dateTime": "2026-12-02T10:00:00.0000000", "timeZone": "UTC"}, "end": {"dateTime": "2026-12-02T10:30:00.0000000", "timeZone": "UTC"} },
                { "id": "m2", "isAllDay": false, "showAs": "free",
                  "start": {"dateTime": "2026-12-02T12:00:00.0000000", "timeZone": "UTC"}, "end": {"dateTime": "2026-12-02T13:00:00.0000000", "timeZone": "UTC"} }
            ]
        })))
        .mount(&server).await;
    Mock::given(method("GET")).and(path(delta)).and(query_param("$skiptoken", "page2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "@odata.deltaLink": format!("{base}/me/calendars/cal-1/calendarView/delta?$deltatoken=d1"),
            "value": [
                { "id": "m3", "isAllDay": true, "showAs": "oof",
                  "start": {"dateTime": "2026-12-24T00:00:00.0000000", "timeZone": "UTC"}, "end": {"dateTime": "2026-12-26T00:00:00.0000000", "timeZone": "UTC"} }
            ]
        })))
        .mount(&server).await;
    Mock::given(method("GET")).and(path(delta)).and(query_param("$deltatoken", "d1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "@odata.deltaLink": format!("{base}/me/calendars/cal-1/calendarView/delta?$deltatoken=d2"),
            "value": [ { "id": "m1", "@removed": {"reason": "deleted"} } ]
        })))
        .mount(&server).await;
    Mock::given(method("GET"))
        .and(path(delta))
        .and(query_param("$deltatoken", "stale"))
        .respond_with(
            ResponseTemplate::new(410)
                .set_body_json(json!({"error": {"code": "SyncStateNotFound"}})),
        )
        .mount(&server)
        .await;

    let http = client();
    let graph = Microsoft {
        http: &http,
        base: base.clone(),
        access_token: "at".into(),
    };
    let (from, until) = window();
    let RemoteChanges::Delta {
        changed,
        removed,
        next,
    } = graph.changes("cal-1", None, from, until).await.unwrap()
    else {
        panic!("expected a delta");
    };
    assert!(removed.is_empty());
    let ids: Vec<(&str, bool)> = changed.iter().map(|e| (e.id.as_str(), e.busy)).collect();
    assert_eq!(ids, [("m1", true), ("m2", false), ("m3", true)]);
    assert_eq!(
        changed[0].when,
        RemoteWhen::At {
            start: "2026-12-02T10:00:00Z".parse().unwrap(),
            end: "2026-12-02T10:30:00Z".parse().unwrap()
        }
    );
    assert_eq!(
        changed[2].when,
        RemoteWhen::AllDay {
            start: jiff::civil::date(2026, 12, 24),
            end: jiff::civil::date(2026, 12, 26)
        }
    );
    let next = next.unwrap();
    assert!(next.ends_with("$deltatoken=d1"));
    let RemoteChanges::Delta {
        changed, removed, ..
    } = graph
        .changes("cal-1", Some(&next), from, until)
        .await
        .unwrap()
    else {
        panic!("expected a delta");
    };
    assert!(changed.is_empty());
    assert_eq!(removed, ["m1"]);
    let stale = format!("{base}/me/calendars/cal-1/calendarView/delta?$deltatoken=stale");
    assert_eq!(
        graph
            .changes("cal-1", Some(&stale), from, until)
            .await
            .unwrap(),
        RemoteChanges::Expired
    );
}

#[tokio::test]
async fn oauth_code_exchange_with_pkce_and_refresh() {
    let server = MockServer::start().await;
    let pkce = Pkce::new();
    Mock::given(method("POST")).and(path("/token")).and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains(format!("code_verifier={}", pkce.verifier)))
        .and(body_string_contains("code=the-code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3599, "token_type": "Bearer"
        })))
        .mount(&server).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=rt-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "at-2", "expires_in": 3599, "token_type": "Bearer"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token=revoked"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant"})))
        .mount(&server)
        .await;
    let oauth = OAuthClient {
        authorize_url: format!("{}/authorize", server.uri()),
        token_url: format!("{}/token", server.uri()),
        client_id: "client".into(),
        client_secret: "secret".into(),
        scope: "https://www.googleapis.com/auth/calendar".into(),
    };
    let consent = oauth
        .authorize("https://rdv.example/callback", "state-1", &pkce)
        .unwrap();
    let query: std::collections::HashMap<String, String> =
        consent.query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge"], pkce.challenge);
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["state"], "state-1");

    let http = client();
    let tokens = oauth
        .exchange(
            &http,
            "the-code",
            "https://rdv.example/callback",
            &pkce.verifier,
        )
        .await
        .unwrap();
    assert_eq!(tokens.access_token, "at-1");
    assert_eq!(tokens.refresh_token.as_deref(), Some("rt-1"));
    let refreshed = oauth.refresh(&http, "rt-1").await.unwrap();
    assert_eq!(refreshed.access_token, "at-2");
    assert_eq!(
        refreshed.refresh_token.as_deref(),
        Some("rt-1"),
        "kept when not rotated"
    );
    assert!(refreshed.expires_at > jiff::Timestamp::now());
    assert!(oauth.refresh(&http, "revoked").await.is_err());
}

fn outgoing() -> OutgoingEvent {
    OutgoingEvent {
        uid: "0193-booking".into(),
        sequence: 2,
        summary: "Intro call: Ines".into(),
        description: "Invitee: Ines <ines@example.com>".into(),
        location: "https://meet.example/abc".into(),
        start: "2026-12-02T09:00:00Z".parse().unwrap(),
        end: "2026-12-02T09:30:00Z".parse().unwrap(),
        time_zone: "Europe/Berlin".into(),
    }
}

#[tokio::test]
async fn google_and_graph_write_events_in_their_documented_shapes() {
    let server = MockServer::start().await;
    let events = "/calendar/v3/calendars/ines%40example.com/events";
    Mock::given(method("GET")).and(path(events)).and(query_param("iCalUID", "0193-booking"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "kind": "calendar#events", "items": [
            { "kind": "calendar#event", "id": "g1", "etag": "\"1\"", "sequence": 4, "status": "cancelled" }] })))
        .mount(&server).await;
    Mock::given(method("POST"))
        .and(path(events))
        .and(query_param("sendUpdates", "none"))
        .and(body_string_contains("\"iCalUID\":\"0193-booking\""))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "kind": "calendar#event", "id": "g2", "etag": "\"2\"" })),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{events}/gone")))
        .respond_with(
            ResponseTemplate::new(410).set_body_json(
                json!({"error": {"code": 410, "message": "Resource has been deleted"}}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{events}/gone")))
        .respond_with(ResponseTemplate::new(410))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1.0/me/calendars/cal-1/events"))
        .and(body_string_contains("\"transactionId\":\"0193-booking\""))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({ "@odata.etag": "W/\"m\"", "id": "m1" })),
        )
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v1.0/me/events/m-gone"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error": {"code": "ErrorItemNotFound"}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1.0/me/events/m1"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;

    let http = client();
    let google = Google {
        http: &http,
        base: format!("{}/calendar/v3", server.uri()),
        access_token: "at".into(),
    };
    let found = google
        .find_by_ical_uid("ines@example.com", "0193-booking")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.id.as_str(), found.sequence), ("g1", Some(4)));
    let inserted = google
        .insert("ines@example.com", &outgoing())
        .await
        .unwrap();
    assert_eq!(
        (inserted.id.as_str(), inserted.etag.as_deref()),
        ("g2", Some("\"2\""))
    );
    let body: serde_json::Value = serde_json::from_slice(
        &server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .find(|r| r.method.as_str() == "POST")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(body["sequence"], 2);
    assert_eq!(
        body["start"],
        json!({ "dateTime": "2026-12-02T09:00:00Z", "timeZone": "Europe/Berlin" })
    );
    assert_eq!(body["location"], "https://meet.example/abc");
    assert_eq!(
        body["extendedProperties"]["private"]["rendezvousBooking"],
        "0193-booking"
    );
    assert_eq!(
        google
            .update("ines@example.com", "gone", &outgoing())
            .await
            .unwrap(),
        None
    );
    google.delete("ines@example.com", "gone").await.unwrap();

    let graph = Microsoft {
        http: &http,
        base: format!("{}/v1.0", server.uri()),
        access_token: "at".into(),
    };
    let created = graph
        .create("cal-1", &outgoing(), "0193-booking")
        .await
        .unwrap();
    assert_eq!(
        (created.id.as_str(), created.etag.as_deref()),
        ("m1", Some("W/\"m\""))
    );
    let body: serde_json::Value = serde_json::from_slice(
        &server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .find(|r| r.url.path() == "/v1.0/me/calendars/cal-1/events")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(
        body["start"],
        json!({ "dateTime": "2026-12-02T09:00:00", "timeZone": "UTC" })
    );
    assert_eq!(
        body["body"],
        json!({ "contentType": "text", "content": "Invitee: Ines <ines@example.com>" })
    );
    assert_eq!(body["location"]["displayName"], "https://meet.example/abc");
    assert_eq!(graph.update("m-gone", &outgoing()).await.unwrap(), None);
    // A failure other than "gone" is an error, so the job retries.
    assert!(graph.delete("m1").await.is_err());
}
