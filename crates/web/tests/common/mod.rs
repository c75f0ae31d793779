//! `TestApp`: the real server on a port-0 listener, over a throwaway database.
#![allow(dead_code, clippy::unwrap_used)]

pub mod booking;
pub mod calendar_host;
pub mod clock;
pub mod queue;
pub mod sms_receiver;
pub mod smtp_sink;
pub mod webhook_receiver;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};

use rendezvous_web as web;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use store::testing::TestDb;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use web::HttpConfig;

/// `application/x-www-form-urlencoded` bodies, as HTML forms send them.
pub trait FormBody {
    fn form_body<T: serde::Serialize + ?Sized>(self, fields: &T) -> Self;
}

impl FormBody for RequestBuilder {
    fn form_body<T: serde::Serialize + ?Sized>(self, fields: &T) -> Self {
        self.header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(serde_urlencoded::to_string(fields).expect("form fields encode"))
    }
}

/// Configures a [`TestApp`] before it starts.
#[derive(Debug)]
pub struct TestAppBuilder {
    http: HttpConfig,
    workers: bool,
    mailer: Option<notify::email::Mailer>,
    sms: Option<notify::sms::Sms>,
    /// Waits between a failed job's tries; `None`: the worker's default (seconds).
    backoff: Option<jobs::Backoff>,
    /// Rate-limit counters in the database rather than in process memory.
    shared_rate_limits: bool,
}

impl Default for TestAppBuilder {
    /// Outbound calls may reach 127.0.0.1, where tests run their CalDAV, SMTP and webhook
    /// servers.
    fn default() -> Self {
        Self {
            http: HttpConfig {
                outbound: outbound::Policy::allowing_loopback(),
                ..HttpConfig::default()
            },
            workers: false,
            mailer: None,
            sms: None,
            backoff: None,
            shared_rate_limits: false,
        }
    }
}

impl TestAppBuilder {
    /// Replaces sign-in protection and cookie settings.
    pub fn auth(mut self, auth: web::AuthConfig) -> Self {
        self.http.auth = auth;
        self
    }

    /// Registers the server with OAuth calendar providers (tests point them at wiremock).
    pub fn calendar_oauth(mut self, oauth: services::calendar_oauth::OAuthSettings) -> Self {
        self.http.calendar_oauth = oauth;
        self
    }

    /// Lifts the public booking limits: every request of a test comes from 127.0.0.1, where
    /// real invitees would come from many addresses.
    pub fn many_invitees(mut self) -> Self {
        let lots = services::rate_limit::Limit {
            max: u32::MAX,
            per: std::time::Duration::from_secs(60),
        };
        self.http.auth.settings.booking_per_ip = lots;
        self.http.auth.settings.booking_per_event_type = lots;
        self
    }

    /// Runs a job worker next to the server, with webhook retries 10 ms apart instead of
    /// the three-day schedule.
    pub fn workers(mut self) -> Self {
        self.workers = true;
        self
    }

    /// Workers send e-mail to the SMTP server on 127.0.0.1:`port` (plain, no auth).
    pub fn smtp(mut self, port: u16) -> Self {
        let settings = notify::email::SmtpSettings {
            host: "127.0.0.1".to_owned(),
            port,
            security: notify::email::Security::None,
            username: None,
            password: None,
            from: "Rendezvous <bookings@rendezvous.test>".to_owned(),
            timeout: std::time::Duration::from_secs(10),
        };
        self.mailer = Some(notify::email::Mailer::new(&settings).unwrap());
        self.workers = true;
        self
    }

    /// Workers send text messages through `provider`.
    pub fn sms(mut self, provider: notify::sms::Sms) -> Self {
        self.sms = Some(provider);
        self.workers = true;
        self
    }

    /// Failed jobs that choose no time of their own are retried milliseconds later rather
    /// than seconds.
    pub fn quick_retries(mut self) -> Self {
        self.backoff = Some(jobs::Backoff {
            base: std::time::Duration::from_millis(20),
            max: std::time::Duration::from_millis(200),
        });
        self
    }

    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.http.max_body_bytes = bytes;
        self
    }

    /// Counts rate limits in the database, as several server processes would.
    pub fn shared_rate_limits(mut self) -> Self {
        self.shared_rate_limits = true;
        self
    }

    /// Believes `X-Forwarded-For` from these networks.
    pub fn trusted_proxies(mut self, cidrs: &[&str]) -> Self {
        self.http.auth.trusted_proxies = cidrs.iter().map(|c| c.parse().unwrap()).collect();
        self
    }

    /// Sets `public_url`, the base of absolute links.
    pub fn public_url(mut self, url: &str) -> Self {
        self.http.public_url = Some(url.to_owned());
        self
    }

    fn http_for(&self, db: &store::Db) -> HttpConfig {
        let mut http = self.http.clone();
        if self.shared_rate_limits {
            http.auth.settings.limiter =
                std::sync::Arc::new(services::rate_limit::DatabaseLimiter::new(db.clone()));
        }
        http
    }

    /// Another server process over the database at `url`, with the same settings: its own
    /// pool, router and port. Runs until the test ends.
    pub async fn start_peer(&self, url: &str) -> SocketAddr {
        let db = store::Db::connect(url, &store::ConnectOptions::default())
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = web::router(db.clone(), &self.http_for(&db)).unwrap();
        tokio::spawn(web::serve(listener, app, std::future::pending()));
        addr
    }

    /// Starts the server on 127.0.0.1:0 over `db`.
    pub async fn start(self, db: TestDb) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = web::router(db.db.clone(), &self.http_for(&db.db)).unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(web::serve(listener, app, async {
            let _ = rx.await;
        }));
        let calendars = services::calendar_sync::CalendarContext {
            http: outbound::Client::new(self.http.outbound.clone()).unwrap(),
            keys: self.http.credential_keys.clone(),
            sync_every: self.http.calendar_sync_every,
            oauth: self.http.calendar_oauth.clone(),
            public_url: self.http.public_url.clone(),
        };
        // Links in e-mails lead to this server unless a test says otherwise, as an unset
        // `public_url` does in the binary.
        let links = self
            .http
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{addr}"));
        let senders = services::workers::Senders {
            mailer: self.mailer.clone(),
            sms: self.sms.clone(),
            public_url: links.clone(),
        };
        let workers = self
            .workers
            .then(|| start_workers(&db.db, &calendars, senders.clone(), self.backoff));
        TestApp {
            addr,
            client: {
                outbound::install_crypto_provider();
                Client::new()
            },
            db,
            calendars,
            links,
            shutdown: Some(tx),
            server,
            workers,
            senders,
            backoff: self.backoff,
            failed_jobs_expected: AtomicBool::new(false),
        }
    }
}

/// A running server and a client for it.
///
/// When it ends (dropped, also after [`TestApp::shutdown`]) it checks the job queue and fails
/// the test if a job is unprocessed or failed, by the rule of [`queue`]: a test runs the
/// work it causes ([`TestApp::run_pending_jobs`]), and a job that fails is a bug unless the
/// test says it expects that ([`TestApp::expect_failed_jobs`]). It does not check when the
/// test is already failing.
#[derive(Debug)]
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: Client,
    pub db: TestDb,
    /// What the server's calendar sync uses (same keys), for calling background services.
    pub calendars: services::calendar_sync::CalendarContext,
    /// The base of links in e-mails.
    links: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
    workers: Option<(tokio::sync::watch::Sender<bool>, JoinHandle<()>)>,
    /// How the workers send, for the one [`TestApp::run_pending_jobs`] starts.
    senders: services::workers::Senders,
    backoff: Option<jobs::Backoff>,
    /// Failed jobs do not fail the test (unprocessed ones still do).
    failed_jobs_expected: AtomicBool,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let left = queue::left_jobs_blocking(self.db.url());
        let failed_expected = self.failed_jobs_expected.load(Ordering::Relaxed);
        if let Some(complaint) = queue::complaint(&left, failed_expected) {
            panic!("{complaint}");
        }
    }
}

/// A worker for every job kind over `db`, calling out with the server's calendar client.
fn start_workers(
    db: &store::Db,
    calendars: &services::calendar_sync::CalendarContext,
    senders: services::workers::Senders,
    backoff: Option<jobs::Backoff>,
) -> (tokio::sync::watch::Sender<bool>, JoinHandle<()>) {
    let handlers = services::workers::handlers_with_retries(
        db,
        &calendars.http,
        calendars,
        senders,
        &[std::time::Duration::from_millis(10)],
    );
    let config = jobs::WorkerConfig {
        concurrency: 8,
        idle_poll: std::time::Duration::from_millis(20),
        grace: std::time::Duration::from_secs(2),
        backoff: backoff.unwrap_or_default(),
        ..jobs::WorkerConfig::default()
    };
    let worker = jobs::Worker::new(db.clone(), handlers, config);
    let (stop, mut stopping) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(worker.run(async move {
        let _ = stopping.wait_for(|s| *s).await;
    }));
    (stop, running)
}

/// An organization made for a test, with its owner's API key.
#[derive(Debug)]
pub struct Org {
    pub created: services::organizations::CreatedOrganization,
    pub key: String,
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder::default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    /// Opens the sign-in form as a browser would: returns its login CSRF cookie (as a
    /// `Cookie` header value) and the token of its hidden `csrf_token` field, which a
    /// `POST /signin` must carry together.
    pub async fn sign_in_form(&self) -> (String, String) {
        let response = self.client.get(self.url("/signin")).send().await.unwrap();
        login_form_cookie(&response).expect("the sign-in form sets its login CSRF cookie")
    }

    /// Signs `email` in through the sign-in form, as a browser would; returns the `Cookie`
    /// header of the session and its CSRF token.
    pub async fn sign_in(
        &self,
        organization: &str,
        email: &str,
        password: &str,
    ) -> (String, String) {
        let (login_cookie, login_token) = self.sign_in_form().await;
        let response = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(self.url("/signin"))
            .header(reqwest::header::COOKIE, login_cookie)
            .form_body(&[
                ("csrf_token", login_token.as_str()),
                ("organization", organization),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[reqwest::header::LOCATION], "/dashboard");
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

    /// The store scope an API key opens, for tests that read or write the store directly.
    pub async fn scope(&self, key: &str) -> store::Scope {
        self.db
            .db
            .api_keys()
            .authenticate(key)
            .await
            .expect("authenticating an API key")
            .expect("the API key is valid")
    }

    /// Creates an organization the way the CLI does, returning its first key.
    pub async fn organization(&self, slug: &str) -> Org {
        let created = services::organizations::create(
            &self.db.db,
            &store::Operator::local(),
            services::organizations::CreateOrganization {
                slug: slug.to_owned(),
                name: format!("{slug} Inc."),
                owner_email: format!("owner@{slug}.example"),
                owner_name: "Olive Owner".to_owned(),
                owner_time_zone: "America/New_York".to_owned(),
            },
        )
        .await
        .unwrap();
        let key = created.api_key.token.expose().to_owned();
        Org { created, key }
    }

    /// Invites `email` into `org` through the store (to get the token the e-mail would
    /// carry), then accepts the invitation over HTTP with `password`: an active member.
    pub async fn member(
        &self,
        org: &Org,
        email: &str,
        role: domain::access::Role,
        password: &str,
    ) -> domain::users::User {
        let scope = self.scope(&org.key).await;
        let grant = scope.grant::<store::can::ManageUsers>().unwrap();
        let invite = domain::users::NewInvite {
            email: email.to_owned(),
            name: email.to_owned(),
            role,
            custom_role_id: None,
            time_zone: "Europe/Berlin".to_owned(),
            valid_for: jiff::SignedDuration::from_hours(1),
        };
        let (user, token) =
            services::accounts::send_invitation(&self.db.db, &grant, invite, &self.calendars.keys)
                .await
                .unwrap();
        let accepted = self
            .request(Method::POST, "/api/v1/auth/invitations/accept")
            .json(&serde_json::json!({"token": token.expose(), "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            accepted.status(),
            reqwest::StatusCode::NO_CONTENT,
            "{}",
            accepted.text().await.unwrap()
        );
        user
    }

    /// Starts a worker for every job kind (e-mails logged), as a process started after the
    /// fact would: it picks up whatever the queue holds. Stops the running one first.
    #[allow(dead_code)]
    pub async fn restart_workers(&mut self) {
        if let Some((stop, running)) = self.workers.take() {
            let _ = stop.send(true);
            running.await.unwrap();
        }
        let senders = services::workers::Senders {
            public_url: self.links.clone(),
            ..services::workers::Senders::default()
        };
        self.workers = Some(start_workers(&self.db.db, &self.calendars, senders, None));
    }

    /// Runs the queue until nothing is due, running, or waiting for a retry due within
    /// 30 s: with the app's own workers when it has them, else with a worker started for the
    /// purpose (same senders and backoff) and stopped after. A job still failing after that
    /// is left as it is, for the check at the end to report.
    ///
    /// # Panics
    /// When jobs are still due or running after 30 s.
    pub async fn run_pending_jobs(&self) {
        let temporary = self.workers.is_none().then(|| {
            start_workers(
                &self.db.db,
                &self.calendars,
                self.senders.clone(),
                self.backoff,
            )
        });
        const PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let retries_until =
            store::types::Timestamp::now().plus(jiff::SignedDuration::try_from(PATIENCE).unwrap());
        // A try that failed and is retried before the deadline may yet succeed.
        let retrying = |j: &queue::LeftJob| {
            j.problem == queue::Problem::Failed && j.state == "pending" && j.run_at <= retries_until
        };
        loop {
            let left = queue::left_jobs(&self.db.db).await.unwrap();
            if !left.iter().any(|j| j.due || retrying(j)) {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                assert!(
                    !left.iter().any(|j| j.due),
                    "jobs still due or running after {PATIENCE:?}:\n{}",
                    left.iter().map(|j| format!("  {j}\n")).collect::<String>()
                );
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        if let Some((stop, running)) = temporary {
            let _ = stop.send(true);
            running.await.unwrap();
        }
    }

    /// Lets this test end with failed (dead, or retrying) jobs in the queue: only for a test
    /// that asserts the failure itself. Unprocessed jobs still fail it.
    pub fn expect_failed_jobs(&self) {
        self.failed_jobs_expected.store(true, Ordering::Relaxed);
    }

    /// Stops accepting, lets in-flight requests finish, and returns when the server has;
    /// stops the workers, which hand back the jobs they hold.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.server).await.unwrap().unwrap();
        if let Some((stop, running)) = self.workers.take() {
            let _ = stop.send(true);
            running.await.unwrap();
        }
    }
}

/// The login CSRF cookie a pre-sign-in form's page sets (as a `Cookie` header value), and
/// the token its hidden `csrf_token` field carries (the cookie's value).
pub fn login_form_cookie(response: &Response) -> Option<(String, String)> {
    let cookie = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("rdv_login_csrf="))
        .and_then(|v| v.split(';').next())?
        .to_owned();
    let token = cookie.trim_start_matches("rdv_login_csrf=").to_owned();
    Some((cookie, token))
}

/// Runs a test body against a default `TestApp` on each backend.
#[macro_export]
macro_rules! app_test {
    ($name:ident, |$app:ident| $body:expr) => {
        store::backend_test!($name, |t| async move {
            let $app = $crate::common::TestApp::builder().start(t).await;
            $body.await
        });
    };
}

/// Another server process's worth of state over the same database: its own pool and router
/// on its own port. Returns its address; it runs until the test ends.
pub async fn second_server(url: &str) -> SocketAddr {
    let db = store::Db::connect(url, &store::ConnectOptions::default())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = web::router(db, &HttpConfig::default()).unwrap();
    tokio::spawn(web::serve(listener, app, std::future::pending()));
    addr
}

/// One API call: `key` as the bearer token, `body` as JSON. Returns the status and the
/// body as JSON (`Null` when empty, a string when it is not JSON).
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app.request(method, path);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}
