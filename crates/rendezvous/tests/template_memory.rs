//! The memory bound of organization templates, shown on the real binary: `rendezvous serve`
//! runs as a child process, an owner previews the template bomb of the security review (it
//! took the server from 75 MB to 12.9 GB) and the heaviest templates the template subset
//! still allows, many at once, and the server's peak resident memory (`VmHWM` in
//! `/proc/<pid>/status`, which the kernel keeps for the whole life of the process) stays
//! under 300 MB. Measuring the child rather than this test process keeps the test's own
//! allocations out of the number. Linux only (it reads `/proc`). SQLite always, PostgreSQL
//! with TEST_DATABASE_URL.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{Server, create_acme, rendezvous};
use serde_json::{Value, json};

/// What the server may reach at its peak, in kB.
const LIMIT_KB: u64 = 300 * 1024;

/// The server's peak resident memory so far, in kB.
fn peak_kb(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|kb| kb.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Templates that try to make the server allocate without bound.
fn heavy_templates() -> Vec<(&'static str, String)> {
    let title_x = |n| vec!["title"; n].join(" ~ ");
    let wide = "z".repeat(3000);
    vec![
        // The review's bomb, and other ways to grow a value in full minijinja.
        (
            "namespace bomb",
            "{% set ns = namespace(s=\"x\") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}".to_owned(),
        ),
        (
            "list bomb",
            (1..=60)
                .map(|i| format!("{{% set a{i} = [a{p}, a{p}] %}}", p = i - 1))
                .collect::<String>()
                + "{{ a60|join }}",
        ),
        (
            "macro bomb",
            "{% macro f(s, n) %}{% if n %}{{ f(s ~ s, n - 1) }}{% else %}{{ s }}{% endif %}{% endmacro %}{{ f(title, 40) }}".to_owned(),
        ),
        ("repetition", "{{ title * 99999999 }}".to_owned()),
        // Within the subset: an expression with too many parts, ...
        ("wide expression", format!("{{{{ {} }}}}", title_x(40))),
        // ... filter results near their bound (33 KB each), concatenated, ...
        (
            "filters at their bound",
            format!(
                "{{{{ {} }}}}",
                vec![format!("title|replace(\"\", \"{wide}\")"); 12].join(" ~ ")
            ),
        ),
        // ... output past its bound, ...
        (
            "large output",
            format!(
                "{{% for a in people %}}{{% for b in \"{}\" %}}{{{{ title }}}}{}{{% endfor %}}{{% endfor %}}",
                "b".repeat(200),
                "y".repeat(2000)
            ),
        ),
        // ... and loops that run out of fuel.
        (
            "fuel",
            format!(
                "{{% for a in \"{x}\" %}}{{% for b in \"{x}\" %}}{{% for c in \"{x}\" %}}{{{{ c }}}}{{% endfor %}}{{% endfor %}}{{% endfor %}}",
                x = "x".repeat(100)
            ),
        ),
    ]
}

/// Previews `text` as the text of a draft e-mail template.
async fn preview(base: String, key: String, text: String) -> (reqwest::StatusCode, Value) {
    let draft = json!({ "draft": { "subject": "{{ title }}", "html": "<p>{{ title }} {{ when }}</p>",
        "text": format!("{text} {{{{ title }}}} {{{{ when }}}}") } });
    let response = reqwest::Client::new()
        .post(format!(
            "{base}/api/v1/message-templates/booking.created/email/preview"
        ))
        .bearer_auth(key)
        .json(&draft)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn bombs_stay_bounded(dir: &Path, url: &str) {
    outbound::install_crypto_provider();
    let key = create_acme(dir, url);
    let mut cmd = rendezvous(dir);
    cmd.env("RENDEZVOUS_DATABASE_URL", url);
    let server = Server::start(cmd);
    let at_start = peak_kb(&server);

    // Each template four times at once, so several renders are in memory together.
    let mut requests = Vec::new();
    for (name, text) in heavy_templates() {
        for _ in 0..4 {
            let answer = tokio::spawn(preview(server.url(""), key.clone(), text.clone()));
            requests.push((name, answer));
        }
    }
    for (name, answer) in requests {
        let (status, problem) = answer.await.unwrap();
        // Every one is refused with a problem naming the part: never a 5xx, a hang or a
        // killed server.
        assert_eq!(status, 422, "{name}: {status} {problem}");
        assert_eq!(
            problem["errors"][0]["pointer"], "/text",
            "{name}: {problem}"
        );
    }
    let peak = peak_kb(&server);
    eprintln!("peak resident memory: {at_start} kB at start, {peak} kB after the bombs");
    assert!(
        peak < LIMIT_KB,
        "the server reached {peak} kB (limit {LIMIT_KB} kB)"
    );
    assert!(server.terminate().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_bomb_memory_stays_under_300_mb_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("data.db").display());
    bombs_stay_bounded(dir.path(), &url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_bomb_memory_stays_under_300_mb_on_postgres() {
    let Some(db) = store::testing::TestDb::postgres().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    bombs_stay_bounded(dir.path(), db.url()).await;
}
