//! The queue's promises, on both backends: concurrent claimers never share a job, leases
//! expire and are claimed again, a stale claim cannot finish a job, failures retry and then
//! die, and a worker runs every job to its end.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::ids::{JobId, Timestamp};
use domain::organizations::NewOrganization;
use rendezvous_jobs::{
    BoxFuture, ClaimedJob, Handler, Handlers, NewJob, Outcome, Worker, WorkerConfig,
};
use store::backend_test;
use store::{Db, Operator, Scope};

async fn org(db: &Db, slug: &str) -> Scope {
    store::testing::organization(
        db,
        NewOrganization {
            slug: slug.to_owned(),
            name: slug.to_owned(),
            owner_email: format!("owner@{slug}.example"),
            owner_name: "Olive".to_owned(),
            owner_time_zone: "UTC".to_owned(),
        },
    )
    .await
    .unwrap();
    db.organizations()
        .operator_scope(&Operator::local(), slug)
        .await
        .unwrap()
}

async fn enqueue(db: &Db, scope: &Scope, n: usize, kind: &str) -> Vec<JobId> {
    let mut ids = Vec::new();
    for i in 0..n {
        let job = NewJob::now(kind, serde_json::json!({ "n": i }));
        ids.push(db.jobs().enqueue(scope, &job).await.unwrap().unwrap());
    }
    ids
}

const LEASE: Duration = Duration::from_secs(30);

backend_test!(concurrent_claimers_never_get_the_same_job, |t| async move {
    let scope = org(&t.db, "acme").await;
    let queued = enqueue(&t.db, &scope, 120, "noop").await;
    let mut claimers = Vec::new();
    for c in 0..4 {
        let db = t.db.clone();
        claimers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = db
                    .jobs()
                    .claim(&format!("claimer-{c}"), LEASE, 7)
                    .await
                    .unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|j| j.id));
            }
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for claimer in claimers {
        for id in claimer.await.unwrap() {
            total += 1;
            assert!(seen.insert(id), "job {id} was claimed twice");
        }
    }
    assert_eq!(total, queued.len());
    assert_eq!(seen, queued.into_iter().collect());
});

backend_test!(
    an_expired_lease_is_claimed_again_and_the_old_claim_is_void,
    |t| async move {
        let scope = org(&t.db, "acme").await;
        let [id] = enqueue(&t.db, &scope, 1, "noop").await[..] else {
            panic!("one job")
        };
        let first =
            t.db.jobs()
                // Long enough that the next claim still meets it on a loaded machine.
                .claim("w1", Duration::from_millis(1000), 10)
                .await
                .unwrap();
        assert_eq!(first.len(), 1);
        assert!(
            t.db.jobs().claim("w2", LEASE, 10).await.unwrap().is_empty(),
            "a live lease keeps the job"
        );
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let second = t.db.jobs().claim("w2", LEASE, 10).await.unwrap();
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].id, id);
        assert_eq!(second[0].attempt, 2);
        assert!(
            !t.db.jobs().complete(&first[0]).await.unwrap(),
            "stale claim"
        );
        assert!(!t.db.jobs().fail(&first[0], "late", None).await.unwrap());
        assert!(t.db.jobs().complete(&second[0]).await.unwrap());
        assert_eq!(
            t.db.jobs().get(&scope, id).await.unwrap().state,
            "succeeded"
        );
    }
);

backend_test!(
    failures_retry_then_die_and_dead_jobs_can_be_retried,
    |t| async move {
        let scope = org(&t.db, "acme").await;
        let mut job = NewJob::now("flaky", serde_json::json!({}));
        job.max_attempts = 2;
        let id = t.db.jobs().enqueue(&scope, &job).await.unwrap().unwrap();

        let later = Timestamp::now().plus(jiff::SignedDuration::from_millis(300));
        let claimed = t.db.jobs().claim("w", LEASE, 1).await.unwrap();
        assert!(
            t.db.jobs()
                .fail(&claimed[0], "boom 1", Some(later))
                .await
                .unwrap()
        );
        let after_one = t.db.jobs().get(&scope, id).await.unwrap();
        assert_eq!(
            (after_one.state.as_str(), after_one.run_at),
            ("pending", later)
        );
        assert!(
            t.db.jobs().claim("w", LEASE, 1).await.unwrap().is_empty(),
            "not due before its retry time"
        );

        // Once due again, it uses up its last attempt.
        tokio::time::sleep(Duration::from_millis(350)).await;
        let claimed = t.db.jobs().claim("w", LEASE, 1).await.unwrap();
        assert!(claimed[0].is_last_attempt());
        assert!(
            t.db.jobs()
                .fail(&claimed[0], "boom 2", Some(Timestamp::now()))
                .await
                .unwrap()
        );
        let dead = t.db.jobs().dead(&scope, None, 10).await.unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].last_error.as_deref(), Some("boom 2"));

        let grant = scope.grant().unwrap();
        let retried = t.db.jobs().retry_dead(&grant, id).await.unwrap();
        assert_eq!((retried.state.as_str(), retried.attempts), ("pending", 0));
        assert!(matches!(
            t.db.jobs().retry_dead(&grant, id).await,
            Err(store::Error::Conflict(
                domain::refusals::Conflict::JobNotDead
            ))
        ));
        // Another organization cannot see or retry it.
        let other = org(&t.db, "other").await;
        assert!(matches!(
            t.db.jobs().get(&other, id).await,
            Err(store::Error::NotFound(_))
        ));
        assert!(matches!(
            t.db.jobs().retry_dead(&other.grant().unwrap(), id).await,
            Err(store::Error::NotFound(_))
        ));
    }
);

backend_test!(the_same_idempotency_key_queues_one_job, |t| async move {
    let scope = org(&t.db, "acme").await;
    let mut job = NewJob::now("once", serde_json::json!({}));
    job.idempotency_key = Some("k".to_owned());
    assert!(t.db.jobs().enqueue(&scope, &job).await.unwrap().is_some());
    assert!(t.db.jobs().enqueue(&scope, &job).await.unwrap().is_none());
    assert_eq!(t.db.jobs().count(&scope, "pending").await.unwrap(), 1);
});

/// Fails each job's first run, succeeds after; counts successful runs per job.
#[derive(Clone, Default)]
struct FlakyOnce {
    runs: Arc<Mutex<HashMap<JobId, u32>>>,
    successes: Arc<Mutex<HashMap<JobId, u32>>>,
}

impl Handler for FlakyOnce {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let run = {
                let mut runs = self.runs.lock().unwrap();
                let n = runs.entry(job.id).or_default();
                *n += 1;
                *n
            };
            if run == 1 {
                return Outcome::Retry {
                    error: "first try fails".to_owned(),
                    at: Some(Timestamp::now()),
                };
            }
            *self.successes.lock().unwrap().entry(job.id).or_default() += 1;
            Outcome::Succeeded
        })
    }
}

backend_test!(two_workers_run_every_job_to_success_once, |t| async move {
    let scope = org(&t.db, "acme").await;
    let queued = enqueue(&t.db, &scope, 60, "flaky").await;
    let handler = FlakyOnce::default();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let config = WorkerConfig {
        concurrency: 4,
        idle_poll: Duration::from_millis(20),
        ..WorkerConfig::default()
    };
    let mut workers = Vec::new();
    for _ in 0..2 {
        let worker = Worker::new(
            t.db.clone(),
            Handlers::new().on("flaky", handler.clone()),
            config.clone(),
        );
        let mut stopped = stopped.clone();
        workers.push(tokio::spawn(worker.run(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while t.db.jobs().count(&scope, "succeeded").await.unwrap() < 60 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "jobs did not finish"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let successes = handler.successes.lock().unwrap().clone();
    for id in queued {
        assert_eq!(successes.get(&id), Some(&1), "job {id} succeeded once");
        assert_eq!(t.db.jobs().get(&scope, id).await.unwrap().attempts, 2);
    }
});

/// Never finishes.
struct Stuck;

impl Handler for Stuck {
    fn run<'a>(&'a self, _job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(std::future::pending())
    }
}

backend_test!(shutdown_hands_back_jobs_it_cut_off, |t| async move {
    let scope = org(&t.db, "acme").await;
    let [id] = enqueue(&t.db, &scope, 1, "stuck").await[..] else {
        panic!("one job")
    };
    let config = WorkerConfig {
        grace: Duration::from_millis(50),
        idle_poll: Duration::from_millis(10),
        ..WorkerConfig::default()
    };
    let worker = Worker::new(t.db.clone(), Handlers::new().on("stuck", Stuck), config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async move {
        let _ = stopped.await;
    }));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while t.db.jobs().get(&scope, id).await.unwrap().state != "running" {
        assert!(tokio::time::Instant::now() < deadline, "never claimed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(()).unwrap();
    running.await.unwrap();
    let job = t.db.jobs().get(&scope, id).await.unwrap();
    assert_eq!((job.state.as_str(), job.attempts), ("pending", 0));
});

backend_test!(unknown_kinds_go_dead, |t| async move {
    let scope = org(&t.db, "acme").await;
    let [id] = enqueue(&t.db, &scope, 1, "mystery").await[..] else {
        panic!("one job")
    };
    let config = WorkerConfig {
        idle_poll: Duration::from_millis(10),
        ..WorkerConfig::default()
    };
    let worker = Worker::new(t.db.clone(), Handlers::new(), config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async move {
        let _ = stopped.await;
    }));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while t.db.jobs().get(&scope, id).await.unwrap().state != "dead" {
        assert!(tokio::time::Instant::now() < deadline, "never buried");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(()).unwrap();
    running.await.unwrap();
    let job = t.db.jobs().get(&scope, id).await.unwrap();
    assert!(job.last_error.unwrap().contains("no handler"));
});
