//! The binary end to end: configuration errors, `serve` with no configuration, the admin
//! commands against a served API (SQLite always, PostgreSQL with TEST_DATABASE_URL), JSON
//! logs, graceful shutdown and the `slots` contract.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod common;

use common::{Server, rendezvous};

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn get(url: &str, key: Option<&str>) -> (u16, String) {
    runtime().block_on(async {
        outbound::install_crypto_provider();
        let mut request = reqwest::Client::new().get(url);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    })
}

#[test]
fn version_and_help_explain_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(rendezvous(dir.path()).arg("--version"));
    assert!(out.status.success());
    assert_eq!(
        stdout(&out).trim(),
        format!("rendezvous {}", env!("CARGO_PKG_VERSION"))
    );

    let out = run(rendezvous(dir.path()).arg("--help"));
    assert!(out.status.success());
    let help = stdout(&out);
    for command in [
        "serve", "migrate", "admin", "slots", "quota", "busy", "roster",
    ] {
        assert!(help.contains(command), "--help lacks {command}:\n{help}");
    }
    let out = run(rendezvous(dir.path()).args(["admin", "--help"]));
    let help = stdout(&out);
    for command in [
        "create-organization",
        "create-api-key",
        "list-organizations",
    ] {
        assert!(
            help.contains(command),
            "admin --help lacks {command}:\n{help}"
        );
    }
}

#[test]
fn invalid_configuration_exits_with_one_line_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "listen = \"127.0.0.1:1\"\nlisten_port = 80\n",
    )
    .unwrap();
    // (environment, arguments, the setting the error must name)
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<&'a str>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![("RENDEZVOUS_LISTEN", "not-an-address")],
            vec![],
            "`listen`",
        ),
        (vec![("RENDEZVOUS_LISTN", "127.0.0.1:1")], vec![], "`listn`"),
        (
            vec![("RENDEZVOUS_DATABASE_URL", "mysql://x/y")],
            vec![],
            "`database_url`",
        ),
        (
            vec![
                (
                    "RENDEZVOUS_DATABASE_URL",
                    "postgres://u:hunter2@127.0.0.1:1/db",
                ),
                // Connection refused is retried until this timeout.
                ("RENDEZVOUS_DATABASE_TIMEOUT_SECS", "1"),
            ],
            vec![],
            "`database_url`",
        ),
        (
            vec![("RENDEZVOUS_DATABASE_MAX_CONNECTIONS", "many")],
            vec![],
            "`database_max_connections`",
        ),
        (
            vec![("RENDEZVOUS_SECRET_KEY", "short")],
            vec![],
            "`secret_key`",
        ),
        (vec![], vec!["--config", "bad.toml"], "`listen_port`"),
        (vec![], vec!["--config", "missing.toml"], "`config`"),
    ];
    for (env, args, setting) in cases {
        let out = run(rendezvous(dir.path())
            .envs(env.clone())
            .args(args)
            .arg("migrate"));
        let err = stderr(&out);
        assert!(!out.status.success(), "{env:?} should fail");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{env:?}: one line, got:\n{err}"
        );
        assert!(
            err.starts_with("error: ") && err.contains(setting),
            "{env:?}: {err}"
        );
        assert!(!err.contains("hunter2"), "the password leaked: {err}");
    }
}

#[test]
fn port_in_use_names_listen() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(rendezvous(dir.path())
        .env("RENDEZVOUS_LISTEN", &addr)
        .arg("serve"));
    assert!(!out.status.success());
    let last = stderr(&out)
        .trim_end()
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    assert!(
        last.starts_with("error: invalid setting `listen`"),
        "{last}"
    );
}

#[test]
fn serve_without_configuration_creates_database_and_key_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(rendezvous(dir.path()));
    let (status, body) = get(&server.url("/healthz"), None);
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    assert_eq!(get(&server.url("/readyz"), None).0, 200);

    assert!(dir.path().join("rendezvous.db").is_file());
    let mode = std::fs::metadata(dir.path().join("secret.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let logs = server.logs.clone();
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
    let logs = logs.lock().unwrap().join("\n");
    assert!(logs.contains("stopped"), "{logs}");
    let key = std::fs::read_to_string(dir.path().join("secret.key")).unwrap();
    assert!(!logs.contains(key.trim()), "the secret key was logged");
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = rendezvous(dir.path());
    cmd.args(["--log-format", "json"]);
    let server = Server::start(cmd);
    get(&server.url("/healthz"), None);
    let logs = server.logs.clone();
    server.terminate();
    let logs = logs.lock().unwrap();
    assert!(!logs.is_empty());
    for line in logs.iter() {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(value["level"].is_string(), "{line}");
    }
}

#[test]
fn environment_overrides_file_overrides_defaults() {
    let dir = tempfile::tempdir().unwrap();
    // The file's listen would fail (port 1); Server::start sets RENDEZVOUS_LISTEN, which wins.
    // The file's log_format beats the default.
    std::fs::write(
        dir.path().join("rendezvous.toml"),
        "listen = \"127.0.0.1:1\"\nlog_format = \"json\"\ndatabase_url = \"sqlite://other.db\"\n",
    )
    .unwrap();
    let mut cmd = rendezvous(dir.path());
    cmd.args(["--config", "rendezvous.toml"]);
    let server = Server::start(cmd);
    assert_eq!(get(&server.url("/healthz"), None).0, 200);
    let logs = server.logs.clone();
    assert!(server.terminate().success());
    let logs = logs.lock().unwrap();
    assert!(logs.iter().all(|l| l.starts_with('{')), "{logs:?}");
    assert!(dir.path().join("other.db").is_file());
    assert!(!dir.path().join("rendezvous.db").exists());
}

fn admin_and_api(dir: &Path, database_url: &str) {
    let cmd = || {
        let mut c = rendezvous(dir);
        c.env("RENDEZVOUS_DATABASE_URL", database_url);
        c
    };
    let out = run(cmd().args([
        "admin",
        "create-organization",
        "--name",
        "Acme Clinic",
        "--slug",
        "acme",
        "--owner-email",
        "owner@acme.example",
        "--owner-name",
        "Olive Owner",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let key = stdout(&out).trim().to_owned();
    assert!(key.starts_with("rdv_") && !key.contains('\n'), "{key}");

    let out = run(cmd().args([
        "admin",
        "create-organization",
        "--name",
        "Again",
        "--slug",
        "acme",
        "--owner-email",
        "a@b.example",
        "--owner-name",
        "A",
    ]));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--slug: already taken"),
        "{}",
        stderr(&out)
    );

    let out = run(cmd().args([
        "admin",
        "create-organization",
        "--name",
        "X",
        "--slug",
        "Not Valid",
        "--owner-email",
        "nope",
        "--owner-name",
        "A",
    ]));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("--slug") && err.contains("--owner-email"),
        "{err}"
    );

    let out = run(cmd().args([
        "admin",
        "create-api-key",
        "--organization",
        "acme",
        "--name",
        "ci",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let second = stdout(&out).trim().to_owned();
    assert!(second.starts_with("rdv_") && second != key);

    let out = run(cmd().args(["admin", "list-organizations"]));
    assert!(out.status.success());
    assert!(
        stdout(&out).lines().any(|l| l.starts_with("acme ")),
        "{}",
        stdout(&out)
    );

    let server = Server::start(cmd());
    let (status, body) = get(&server.url("/api/v1/organization"), Some(&key));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"slug\":\"acme\""));
    assert_eq!(
        get(&server.url("/api/v1/organization"), Some(&second)).0,
        200
    );
    assert_eq!(
        get(&server.url("/api/v1/organization"), Some("rdv_x")).0,
        401
    );
    assert!(server.terminate().success());
}

#[test]
fn admin_commands_drive_the_api_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("data.db").display());
    admin_and_api(dir.path(), &url);
}

#[test]
fn admin_commands_drive_the_api_on_postgres() {
    let Some(db) = runtime().block_on(store::testing::TestDb::postgres()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    admin_and_api(dir.path(), db.url());
}

#[test]
fn slots_rejects_bad_input_with_exit_2_and_error_lines() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = rendezvous(dir.path())
        .arg("slots")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"this is not json")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        !err.is_empty() && err.lines().all(|l| l.starts_with("error: ")),
        "{err}"
    );

    std::fs::write(dir.path().join("in.json"), "[").unwrap();
    let out = run(rendezvous(dir.path()).args(["slots", "--input", "in.json"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// The example request of ENGINE.md.
const SLOTS_EXAMPLE: &str = r#"{
  "now": "2026-03-20T12:00:00Z",
  "range": { "start": "2026-03-23T00:00:00Z", "end": "2026-04-06T00:00:00Z" },
  "event": { "kind": "single", "duration": 30, "interval": 15, "buffer_after": 10,
             "minimum_notice": 120, "timezone": "Europe/Berlin" },
  "hosts": [ { "id": "alice", "timezone": "Europe/Berlin",
               "weekly": { "mon": [["09:00", "12:00"]] } } ]
}"#;

#[test]
fn slots_prints_the_engine_result_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("request.json"), SLOTS_EXAMPLE).unwrap();
    let from_file = run(rendezvous(dir.path()).args(["slots", "--input", "request.json"]));
    assert_eq!(from_file.status.code(), Some(0), "{}", stderr(&from_file));
    let text = stdout(&from_file);
    assert!(text.ends_with('\n'));
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let slots = doc["slots"].as_array().unwrap();
    // Two Mondays, 09:00-12:00 Berlin, 30 minutes every 15: 11 starts each.
    assert_eq!(slots.len(), 22, "{text}");
    assert_eq!(slots[0]["start"], "2026-03-23T08:00:00Z");

    let mut child = rendezvous(dir.path())
        .arg("slots")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(SLOTS_EXAMPLE.as_bytes())
        .unwrap();
    let from_stdin = child.wait_with_output().unwrap();
    assert_eq!(from_stdin.status.code(), Some(0));
    assert_eq!(stdout(&from_stdin), text, "stdin and --input agree");
}

#[test]
fn slots_rejects_bytes_that_are_not_utf8_like_any_bad_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), b"{\"now\": \"\xff\xfe\"}").unwrap();
    let out = run(rendezvous(dir.path()).args(["slots", "--input", "bad.json"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
}

#[test]
fn slots_survives_a_reader_that_stops_early() {
    // A year of round-the-clock five-minute slots: far more output than a pipe holds.
    let big = r#"{"now": "2026-01-01T00:00:00Z",
        "range": {"start": "2026-01-01T00:00:00Z", "end": "2026-12-31T00:00:00Z"},
        "event": {"kind": "single", "duration": 5},
        "hosts": [{"id": "h", "timezone": "UTC", "weekly": {
            "mon": [["00:00", "24:00"]], "tue": [["00:00", "24:00"]], "wed": [["00:00", "24:00"]],
            "thu": [["00:00", "24:00"]], "fri": [["00:00", "24:00"]], "sat": [["00:00", "24:00"]],
            "sun": [["00:00", "24:00"]]}}]}"#;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("big.json"), big).unwrap();
    let mut child = rendezvous(dir.path())
        .args(["slots", "--input", "big.json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(first.starts_with(b"{\"slots\":["));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The example document of QUOTAS.md, with a request that takes the week over 4 hours.
const QUOTA_EXAMPLE: &str = r#"{"quota": {"limit": 4, "unit": "hours", "period": "week", "scope": "resource",
           "applies_to": {"resource": "r1"},
           "enforced_days": ["monday", "tuesday"], "enforced_hours": {"start": "08:00", "end": "17:00"},
           "count_completed": true},
 "first_weekday": "monday", "timezone": "Europe/Berlin", "now": "2026-03-02T08:00:00+01:00",
 "user_groups": [2], "resource_schedule": {"r1": 1, "r2": 1, "r3": 2},
 "existing": [{"id": "b1", "start": "2026-03-02T09:00:00+01:00", "end": "2026-03-02T11:00:00+01:00", "resource": "r1"}],
 "requested": [{"start": "2026-03-03T09:00:00+01:00", "end": "2026-03-03T12:00:00+01:00", "resource": "r1", "resources": ["r1", "r2"]}],
 "deleting": ["b7"]}"#;

#[test]
fn quota_prints_the_outcome_and_rejects_bad_documents_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("quota.json"), QUOTA_EXAMPLE).unwrap();
    let out = run(rendezvous(dir.path()).args(["quota", "--input", "quota.json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        doc,
        serde_json::json!({"outcome": "denied", "periods": [{
            "start": "2026-03-02T00:00:00+01:00", "end": "2026-03-09T00:00:00+01:00",
            "total": 5, "limit": 4}]})
    );

    let mut child = rendezvous(dir.path())
        .arg("quota")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bad = QUOTA_EXAMPLE.replace("\"hours\"", "\"minutes\"");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(bad.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out),
        "error: quota.unit: expected one of \"hours\", \"reservations\"\n"
    );

    std::fs::write(dir.path().join("bad.json"), b"{\"now\": \"\xff\"}").unwrap();
    let out = run(rendezvous(dir.path()).args(["quota", "--input", "bad.json"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).starts_with("error: : not valid JSON"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn busy_prints_sorted_utc_periods_warns_per_event_and_rejects_unusable_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cal.ics");
    std::fs::write(
        &file,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\
BEGIN:VEVENT\r\nUID:late\r\nDTSTART;TZID=Europe/Berlin:20260310T140000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:day\r\nDTSTART;VALUE=DATE:20260310\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:free\r\nTRANSP:TRANSPARENT\r\nDTSTART:20260310T090000Z\r\nDURATION:PT1H\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:odd\r\nDTSTART:20260311T100000Z\r\nDTEND:20260311T090000Z\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n",
    )
    .unwrap();
    let busy = |args: &[&str]| {
        run(rendezvous(dir.path())
            .arg("busy")
            .args(args)
            .arg(&file)
            .stdin(Stdio::null()))
    };
    let out = busy(&[
        "--from",
        "2026-03-01T00:00:00Z",
        "--until",
        "2026-04-01T00:00:00Z",
        "--zone",
        "America/New_York",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let got: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        got,
        serde_json::json!([
            {"uid": "day", "start": "2026-03-10T04:00:00Z", "end": "2026-03-11T04:00:00Z"},
            {"uid": "late", "start": "2026-03-10T13:00:00Z", "end": "2026-03-10T14:00:00Z"},
            {"uid": "odd", "start": "2026-03-11T09:00:00Z", "end": "2026-03-11T10:00:00Z"},
        ])
    );
    assert_eq!(
        stderr(&out)
            .lines()
            .filter(|l| l.starts_with("warning: odd: "))
            .count(),
        1,
        "{}",
        stderr(&out)
    );
    for bad in [
        [
            "--from",
            "yesterday",
            "--until",
            "2026-04-01T00:00:00Z",
            "--zone",
            "UTC",
        ],
        [
            "--from",
            "2026-03-01T00:00:00Z",
            "--until",
            "2026-04-01T00:00:00Z",
            "--zone",
            "Mars/Olympus",
        ],
        [
            "--from",
            "2026-04-01T00:00:00Z",
            "--until",
            "2026-03-01T00:00:00Z",
            "--zone",
            "UTC",
        ],
    ] {
        let out = busy(&bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
    }
    let out = run(rendezvous(dir.path()).args([
        "busy",
        "--from",
        "2026-03-01T00:00:00Z",
        "--until",
        "2026-04-01T00:00:00Z",
        "--zone",
        "UTC",
        "/nonexistent/cal.ics",
    ]));
    assert_eq!(out.status.code(), Some(2));
}

/// A small rostering instance (ROSTER.md): two nurses, three shifts, one of them nights.
const ROSTER_EXAMPLE: &str = r#"{"format": "roster-instance/1", "name": "ward-7",
  "timezone": "Europe/Berlin", "horizon": {"start": "2024-01-01", "days": 3},
  "participants": [
    {"id": "ana", "skills": ["Nurse"], "desired_dates": ["2024-01-02"]},
    {"id": "bo", "skills": ["Nurse"], "unavailable_dates": ["2024-01-02"]}],
  "targets": [
    {"id": "t1", "start": "2024-01-01T06:00:00+01:00", "end": "2024-01-01T14:00:00+01:00",
     "location": "Ward", "required_count": 1, "required_skills": ["Nurse"]},
    {"id": "t2", "start": "2024-01-02T06:00:00+01:00", "end": "2024-01-02T14:00:00+01:00",
     "location": "Ward", "required_count": 1, "required_skills": ["Nurse"]},
    {"id": "t3", "start": "2024-01-03T06:00:00+01:00", "end": "2024-01-03T14:00:00+01:00",
     "location": "Ward", "required_count": 1, "required_skills": ["Nurse"]}]}"#;

#[test]
fn roster_solve_prints_a_covered_solution_and_score_agrees() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.json"), ROSTER_EXAMPLE).unwrap();
    let args = ["roster", "solve", "--input", "in.json", "--seed", "3"];
    let out = run(rendezvous(dir.path()).args(args));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["format"], "roster-solution/1");
    assert_eq!(doc["instance"], "ward-7");
    assert_eq!(doc["score"]["hard_feasible"], true, "{text}");
    assert_eq!(doc["assignments"].as_array().unwrap().len(), 3);
    // t2 can only be ana's (bo is away that day).
    assert!(
        doc["assignments"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({"target": "t2", "participant": "ana"}))
    );
    assert_eq!(
        stdout(&run(rendezvous(dir.path()).args(args))),
        text,
        "same seed"
    );

    std::fs::write(dir.path().join("out.json"), &text).unwrap();
    let out = run(rendezvous(dir.path()).args(["roster", "score", "in.json", "out.json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let score: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(score, doc["score"]);
    assert_eq!(score["soft"]["desired_minutes"], 480);

    let out = run(rendezvous(dir.path()).args([
        "roster", "solve", "--input", "in.json", "--pinned", "out.json",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out).trim(), "note: pinned: 3 kept, 0 dropped");
    let again: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(again["assignments"], doc["assignments"]);
}

#[test]
fn roster_rejects_bad_documents_with_exit_2_and_error_lines() {
    let dir = tempfile::tempdir().unwrap();
    let bad = ROSTER_EXAMPLE
        .replace(
            r#""skills": ["Nurse"], "desired"#,
            r#""skills": [7], "desired"#,
        )
        .replace(r#""days": 3"#, r#""days": 3, "colour": "red""#);
    std::fs::write(dir.path().join("bad.json"), bad).unwrap();
    let out = run(rendezvous(dir.path()).args(["roster", "solve", "--input", "bad.json"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out),
        "error: horizon.colour: unknown field\nerror: participants[0].skills[0]: expected a string\n"
    );

    std::fs::write(dir.path().join("in.json"), ROSTER_EXAMPLE).unwrap();
    std::fs::write(
        dir.path().join("sol.json"),
        r#"{"format": "roster-solution/1", "assignments": [{"target": "t9", "participant": "ana"}]}"#,
    )
    .unwrap();
    let out = run(rendezvous(dir.path()).args(["roster", "score", "in.json", "sol.json"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr(&out),
        "error: assignments[0].target: no target has the id \"t9\"\n"
    );

    let mut child = rendezvous(dir.path())
        .args(["roster", "solve"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"\xff[").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).starts_with("error: "), "{}", stderr(&out));
}
