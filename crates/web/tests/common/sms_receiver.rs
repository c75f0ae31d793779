//! A stand-in for Twilio's Messages API: a real HTTP server on 127.0.0.1 (axum, port 0) that
//! records every request and answers each `To` number with the answers a test scripted for
//! it (then 201 Created with a fresh `SM...` sid).
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};

/// The account and token the tests configure.
pub const ACCOUNT_SID: &str = "ACtest0123456789";
pub const AUTH_TOKEN: &str = "twilio-test-token";
pub const FROM: &str = "+15005550006";

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// `(user, password)` of the basic auth header, if there was one.
    pub basic_auth: Option<(String, String)>,
    pub content_type: Option<String>,
    /// The form fields, in order.
    pub form: Vec<(String, String)>,
}

impl Received {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    /// Answers still to give, per `To` number, first one next.
    scripted: HashMap<String, Vec<(StatusCode, Value)>>,
    next_sid: u32,
}

/// The running receiver.
#[derive(Clone)]
pub struct SmsReceiver {
    inner: Arc<Mutex<Inner>>,
    pub port: u16,
}

impl std::fmt::Debug for SmsReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsReceiver")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl SmsReceiver {
    /// Starts on 127.0.0.1:0; it runs until the test ends.
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { inner, port }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Answers the next messages to `to` with `answers`, in order.
    pub fn script(&self, to: &str, answers: Vec<(StatusCode, Value)>) {
        self.inner
            .lock()
            .unwrap()
            .scripted
            .insert(to.to_owned(), answers);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// The provider the server's workers use: Twilio, pointed here.
    pub fn provider(&self) -> notify::sms::Sms {
        let http = outbound::Client::new(outbound::Policy::allowing_loopback()).unwrap();
        let twilio = notify::sms::TwilioSms::new(
            notify::sms::TwilioSettings {
                base_url: self.base_url(),
                account_sid: ACCOUNT_SID.to_owned(),
                auth_token: AUTH_TOKEN.to_owned(),
                sender: notify::sms::TwilioSender::From(FROM.to_owned()),
            },
            http,
        )
        .unwrap();
        notify::sms::Sms::new(twilio)
    }
}

/// Twilio's error body for an invalid `To` number.
pub fn invalid_number(to: &str) -> (StatusCode, Value) {
    (
        StatusCode::BAD_REQUEST,
        json!({
            "code": 21211,
            "message": format!("The 'To' number {to} is not a valid phone number."),
            "more_info": "https://www.twilio.com/docs/errors/21211",
            "status": 400
        }),
    )
}

/// An outage.
pub fn unavailable() -> (StatusCode, Value) {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        json!({ "code": 20503, "message": "Service unavailable", "status": 503 }),
    )
}

async fn answer(
    State(inner): State<Arc<Mutex<Inner>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let basic_auth = header("authorization")
        .and_then(|v| v.strip_prefix("Basic ").map(str::to_owned))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(u, p)| (u.to_owned(), p.to_owned()))
        });
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let received = Received {
        method: method.to_string(),
        path: uri.path().to_owned(),
        basic_auth,
        content_type: header("content-type"),
        form,
    };
    let to = received.field("To").unwrap_or_default().to_owned();
    let mut inner = inner.lock().unwrap();
    inner.received.push(received);
    let scripted = inner
        .scripted
        .get_mut(&to)
        .filter(|answers| !answers.is_empty())
        .map(|answers| answers.remove(0));
    let (status, body) = scripted.unwrap_or_else(|| {
        inner.next_sid += 1;
        (
            StatusCode::CREATED,
            json!({
                "sid": format!("SM{:032}", inner.next_sid),
                "status": "queued",
                "to": to,
                "error_code": null,
                "error_message": null
            }),
        )
    });
    (status, axum::Json(body)).into_response()
}

/// Polls `check` until it answers `Some`, failing after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
