//! A real Radicale CalDAV server for tests, started on 127.0.0.1 with htpasswd auth in a
//! temporary directory, and stopped when dropped. Needs `python3 -m pip install -r
//! tools/test-requirements.txt`; without it, starting fails with that instruction.
#![allow(clippy::unwrap_used)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running Radicale with one user.
#[derive(Debug)]
pub struct Radicale {
    child: Child,
    /// `http://127.0.0.1:PORT/`
    pub url: String,
    pub username: String,
    pub password: String,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Radicale {
    /// Starts Radicale and waits until it answers. Panics with install instructions when the
    /// `radicale` Python package is missing.
    pub async fn start() -> Radicale {
        let found = Command::new("python3")
            .args(["-c", "import radicale"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            found,
            "Radicale is not installed: run `python3 -m pip install -r tools/test-requirements.txt` (or `tools/test`, which does it)"
        );
        let dir = tempfile::tempdir().unwrap();
        let (username, password) = ("host".to_owned(), "s3cret-app-password".to_owned());
        std::fs::write(dir.path().join("users"), format!("{username}:{password}\n")).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = format!(
            "[server]\nhosts = 127.0.0.1:{port}\n\n[auth]\ntype = htpasswd\nhtpasswd_filename = {users}\nhtpasswd_encryption = plain\n\n[storage]\nfilesystem_folder = {storage}\n\n[rights]\ntype = owner_only\n\n[logging]\nlevel = warning\n",
            users = dir.path().join("users").display(),
            storage = dir.path().join("collections").display(),
        );
        let config_path = dir.path().join("config");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new("python3")
            .args(["-m", "radicale", "--config"])
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // Its log goes to a file beside its storage, not into the test output.
            .stderr(std::fs::File::create(dir.path().join("radicale.log")).unwrap())
            .spawn()
            .unwrap();
        let radicale = Radicale {
            child,
            url: format!("http://127.0.0.1:{port}/"),
            username,
            password,
            http: reqwest::Client::new(),
            _dir: dir,
        };
        for _ in 0..300 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return radicale;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("Radicale did not start listening on port {port} within 15 s");
    }

    /// The user's collection URL of calendar `name`.
    pub fn calendar_url(&self, name: &str) -> String {
        format!("{}{}/{name}/", self.url, self.username)
    }

    /// Creates an event calendar called `name` (MKCALENDAR) and returns its URL.
    pub async fn make_calendar(&self, name: &str, display_name: &str) -> String {
        let url = self.calendar_url(name);
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>{display_name}</d:displayname><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"#
        );
        let response = self
            .http
            .request(reqwest::Method::from_bytes(b"MKCALENDAR").unwrap(), &url)
            .basic_auth(&self.username, Some(&self.password))
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "MKCALENDAR: {}",
            response.status()
        );
        url
    }

    /// Writes `ics` as `calendar_url` + `name` (creating or replacing it).
    pub async fn put(&self, calendar_url: &str, name: &str, ics: &str) {
        let response = self
            .http
            .put(format!("{calendar_url}{name}"))
            .basic_auth(&self.username, Some(&self.password))
            .header("content-type", "text/calendar")
            .body(ics.to_owned())
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "PUT {name}: {}",
            response.status()
        );
    }

    pub async fn delete(&self, calendar_url: &str, name: &str) {
        let response = self
            .http
            .delete(format!("{calendar_url}{name}"))
            .basic_auth(&self.username, Some(&self.password))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "DELETE {name}: {}",
            response.status()
        );
    }

    /// The text of a resource by absolute URL, or `None` when absent.
    pub async fn get(&self, url: &str) -> Option<String> {
        let response = self
            .http
            .get(url)
            .basic_auth(&self.username, Some(&self.password))
            .send()
            .await
            .unwrap();
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return None;
        }
        assert!(
            response.status().is_success(),
            "GET {url}: {}",
            response.status()
        );
        Some(response.text().await.unwrap())
    }
}

impl Drop for Radicale {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
