//! A real SMTP server for tests (`tools/testing/smtp_sink.py`, aiosmtpd) that stores every
//! message; `read` parses them, invitations with the Python `icalendar` package.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const INSTALL: &str = "the SMTP tests need Python 3 with the packages in \
    tools/test-requirements.txt: python3 -m pip install -r tools/test-requirements.txt";

fn script(name: &str) -> String {
    format!("{}/../../tools/testing/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[derive(Debug)]
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts the server on 127.0.0.1; fails (never skips) when Python or aiosmtpd is missing.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new("python3")
            .arg(script("smtp_sink.py"))
            .arg(dir.path())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run python3 ({e}); {INSTALL}"));
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("the SMTP server did not start; {INSTALL}"))
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("the SMTP server exited; {INSTALL}"));
        let port = first
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("unexpected SMTP server output {first:?}"));
        Self { child, port, dir }
    }

    /// Every message so far, parsed (see `tools/testing/read_mail.py`).
    pub async fn read(&self) -> Vec<Value> {
        let out = Command::new("python3")
            .arg(script("read_mail.py"))
            .arg(self.dir.path())
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "read_mail.py failed: {}; {INSTALL}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Waits until at least `n` messages arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.read().await;
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {n} messages, got {}: {got:#?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
