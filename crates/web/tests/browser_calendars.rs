//! The calendar connections page in headless Chromium (playwright-core, driven by
//! `tools/browser-tests/calendars.js`) against the real server over each backend: a host
//! signs in, follows the nav link, gets an internal feed URL refused next to its field, adds
//! a real ICS feed (served on 127.0.0.1 by the test), syncs it and disconnects it.
//! Screenshots go to `target/screenshots/<backend>/`.
//!
//! Needs Debian's `chromium` and `npm ci` in tools/browser-tests (`tools/test.d/browser.sh`
//! installs both); without them the test fails saying so.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::TestApp;
use rendezvous_web as web;
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn require_browser() -> PathBuf {
    let tools = workspace().join("tools/browser-tests");
    assert!(
        Path::new("/usr/bin/chromium").exists()
            && tools.join("node_modules/playwright-core").exists(),
        "chromium or playwright-core is missing: run tools/test.d/browser.sh"
    );
    tools
}

/// Serves one ICS body at `/feed.ics` on 127.0.0.1.
async fn feed_server() -> String {
    let body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:h\r\n\
        DTSTAMP:20261101T000000Z\r\nDTSTART;VALUE=DATE:20301225\r\nSUMMARY:Holiday\r\nEND:VEVENT\r\n\
        END:VCALENDAR\r\n";
    let app =
        axum::Router::new().route("/feed.ics", axum::routing::get(move || async move { body }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/feed.ics")
}

store::backend_test!(calendar_page_in_chromium, |t| async move {
    let tools = require_browser();
    let backend = match t.db.backend() {
        store::Backend::Sqlite => "sqlite",
        store::Backend::Postgres => "postgres",
    };
    let auth = web::AuthConfig {
        secure_cookies: false,
        ..web::AuthConfig::default()
    };
    let app = TestApp::builder().auth(auth).start(t).await;
    let org = app.organization("acme").await;
    app.member(
        &org,
        "host@acme.example",
        domain::access::Role::Member,
        PASSWORD,
    )
    .await;
    let screenshots = workspace().join("target/screenshots").join(backend);
    std::fs::create_dir_all(&screenshots).unwrap();
    let scenario = json!({
        "baseUrl": app.url(""),
        "screenshots": screenshots,
        "organization": "acme",
        "hostEmail": "host@acme.example",
        "hostPassword": PASSWORD,
        "feedUrl": feed_server().await,
    });
    let script = tools.join("calendars.js");
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .env("RDV_SCENARIO", scenario.to_string())
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    assert!(
        output.status.success(),
        "calendar page scenario failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    app.run_pending_jobs().await;
});
