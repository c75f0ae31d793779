//! What a test left in the job queue, read across organizations.
//!
//! A job is **unprocessed** when it is `running` (the test ended with it in flight), or
//! `pending` and due (`run_at` now or earlier): work the test caused and never saw done.
//! A job is **failed** when it is `dead`, or when a try of it failed and it waits for
//! another (`pending` or `running` with a `last_error`). Everything else is fine:
//! `succeeded` jobs, and `pending` jobs that never failed and are due later, which is what
//! reminders, follow-ups, scheduled workflow actions and the next calendar sync are by
//! design.

use std::fmt;

use store::types::Timestamp;

/// Why a job left in the queue fails the test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Due (or in flight) and not done.
    Unprocessed,
    /// Dead, or waiting to retry after a failed try.
    Failed,
}

/// A job that is not settled, as the failure message lists it.
#[derive(Debug)]
pub struct LeftJob {
    pub problem: Problem,
    /// Running, or pending and due: a worker has it or would take it now.
    pub due: bool,
    pub kind: String,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: Timestamp,
    pub last_error: Option<String>,
}

impl fmt::Display for LeftJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problem = match self.problem {
            Problem::Unprocessed => "unprocessed",
            Problem::Failed => "failed",
        };
        write!(
            f,
            "{problem:<11} {} state={} attempts={}/{} run_at={} last_error={}",
            self.kind,
            self.state,
            self.attempts,
            self.max_attempts,
            self.run_at,
            self.last_error.as_deref().unwrap_or("-"),
        )
    }
}

/// Which rule, if any, a job in `state` with `last_error` breaks; `due`: whether it is
/// running or due.
fn problem(state: &str, last_error: Option<&str>, due: bool) -> Option<Problem> {
    match state {
        "succeeded" => None,
        "dead" => Some(Problem::Failed),
        _ if last_error.is_some() => Some(Problem::Failed),
        _ if due => Some(Problem::Unprocessed),
        _ => None,
    }
}

type Row = (String, String, i32, i32, Timestamp, Option<String>);

/// Every job of every organization in `db` that is unprocessed or failed, oldest due first.
pub async fn left_jobs(db: &store::Db) -> Result<Vec<LeftJob>, store::Error> {
    const SQL: &str = "SELECT kind, state, attempts, max_attempts, run_at, last_error \
        FROM jobs WHERE state <> 'succeeded' ORDER BY run_at, kind";
    // The queue is shared by every organization, as the workers that scan it see it.
    let mut tx = db.begin_read(store::CrossTenant::Worker).await?;
    let rows: Vec<Row> = store::with_tx!(&mut tx, conn => {
        sqlx::query_as(SQL).fetch_all(conn).await?
    });
    tx.commit().await?;
    let now = Timestamp::now();
    Ok(rows
        .into_iter()
        .filter_map(
            |(kind, state, attempts, max_attempts, run_at, last_error)| {
                let due = state == "running" || (state == "pending" && run_at <= now);
                let problem = problem(&state, last_error.as_deref(), due)?;
                Some(LeftJob {
                    problem,
                    due,
                    kind,
                    state,
                    attempts,
                    max_attempts,
                    run_at,
                    last_error,
                })
            },
        )
        .collect())
}

/// [`left_jobs`] of the database at `url`, read from a thread of its own with its own
/// runtime and connection: a `Drop` inside the test's runtime can neither await nor use the
/// test's pool.
pub fn left_jobs_blocking(url: &str) -> Vec<LeftJob> {
    let url = url.to_owned();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for reading the job queue");
        runtime.block_on(async {
            let options = store::ConnectOptions {
                max_connections: 1,
                ..store::ConnectOptions::default()
            };
            let db = store::Db::connect(&url, &options)
                .await
                .expect("connect to the test database to read its job queue");
            let left = left_jobs(&db).await.expect("read the job queue");
            db.close().await;
            left
        })
    })
    .join()
    .expect("reading the job queue")
}

/// The failure message for `left`, or `None` when the queue is settled. `failed_expected`
/// excuses failed jobs (never unprocessed ones).
pub fn complaint(left: &[LeftJob], failed_expected: bool) -> Option<String> {
    let blamed: Vec<&LeftJob> = left
        .iter()
        .filter(|j| !(failed_expected && j.problem == Problem::Failed))
        .collect();
    if blamed.is_empty() {
        return None;
    }
    let mut message =
        String::from("the test left jobs in the queue (see tests/common/queue.rs for the rule):\n");
    for job in blamed {
        message.push_str(&format!("  {job}\n"));
    }
    message.push_str(
        "Run due jobs with `app.run_pending_jobs().await`; a test that asserts a job's \
         failure calls `app.expect_failed_jobs()`.",
    );
    Some(message)
}
