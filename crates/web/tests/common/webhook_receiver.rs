//! The Python webhook receiver (`tools/testing/webhook_receiver.py`), started per test: it
//! verifies every request with the Standard Webhooks reference library.
#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

#[derive(Debug)]
pub struct Receiver {
    child: Child,
    pub port: u16,
    client: reqwest::Client,
}

const INSTALL: &str = "the webhook receiver needs Python 3 and the packages in \
    tools/test-requirements.txt: python3 -m pip install -r tools/test-requirements.txt";

impl Receiver {
    /// Starts the receiver on 127.0.0.1; fails (never skips) when Python or the library is
    /// missing.
    pub async fn start() -> Self {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tools/testing/webhook_receiver.py"
        );
        let mut child = Command::new("python3")
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run python3 ({e}); {INSTALL}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("the webhook receiver did not start; {INSTALL}"))
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("the webhook receiver exited; {INSTALL}"));
        let port = first
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected receiver output {first:?}"));
        Self {
            child,
            port,
            client: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Verify with `secrets`; answer 500 to the first `fail_first` tries of each message.
    pub async fn configure(&self, secrets: &[&str], fail_first: u32) {
        self.configure_with(json!({ "secrets": secrets, "fail_first": fail_first }))
            .await;
    }

    /// Any settings the receiver knows (see the script), e.g. `delay_ms`.
    pub async fn configure_with(&self, settings: Value) {
        self.client
            .post(self.url("/_config"))
            .json(&settings)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
    }

    /// Every request so far.
    pub async fn received(&self) -> Vec<Value> {
        self.client
            .get(self.url("/_received"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Waits until `done` holds for what was received, or fails after `timeout`.
    pub async fn wait_for(&self, timeout: Duration, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let got = self.received().await;
            if done(&got) {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for webhooks; received so far: {got:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
