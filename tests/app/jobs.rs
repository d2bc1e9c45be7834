//! The job queue and its workers, on both databases.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::*;
use crate::on_both_databases;
use ampflux::jobs::{JobError, Registry, WorkerConfig, spawn_workers};
use ampflux::models::job::{self, NewJob};

const LEASE: Duration = Duration::from_secs(30);

fn enqueue_with_attempts(
    conn: &mut ampflux::db::DbConn,
    name: &str,
    max_attempts: i32,
) -> job::Job {
    job::enqueue(
        conn,
        NewJob {
            max_attempts,
            ..NewJob::new(name, serde_json::json!({}))
        },
    )
    .unwrap()
}

async fn jobs_are_claimed_by_priority_and_once(app: TestApp) {
    app.with_conn(|conn| {
        let low = job::enqueue(conn, NewJob::new("test.a", serde_json::json!({ "n": 1 }))).unwrap();
        let high = job::enqueue(
            conn,
            NewJob {
                priority: 5,
                ..NewJob::new("test.a", serde_json::json!({ "n": 2 }))
            },
        )
        .unwrap();
        let later = job::enqueue(
            conn,
            NewJob {
                scheduled_at: Some(ampflux::util::now() + chrono::Duration::hours(1)),
                ..NewJob::new("test.a", serde_json::json!({}))
            },
        )
        .unwrap();
        let first = job::claim(conn, "w1", LEASE).unwrap().expect("a job");
        assert_eq!(
            (first.id, first.status.as_str(), first.attempts),
            (high.id, "running", 1)
        );
        let second = job::claim(conn, "w2", LEASE).unwrap().expect("another job");
        assert_eq!(second.id, low.id);
        assert!(
            job::claim(conn, "w3", LEASE).unwrap().is_none(),
            "the scheduled job waits"
        );
        assert!(
            !job::complete(conn, first.id, "w2", serde_json::json!({})).unwrap(),
            "only the holder completes"
        );
        assert!(job::complete(conn, first.id, "w1", serde_json::json!({ "ok": true })).unwrap());
        let done = job::find(conn, first.id).unwrap().unwrap();
        assert_eq!(done.status, "completed");
        assert_eq!(done.result.unwrap().0, serde_json::json!({ "ok": true }));
        assert_eq!(
            job::find(conn, later.id).unwrap().unwrap().status,
            "pending"
        );
    });
}
on_both_databases!(jobs_are_claimed_by_priority_and_once);

async fn concurrent_workers_never_take_the_same_job(app: TestApp) {
    app.with_conn(|conn| {
        for i in 0..40 {
            job::enqueue(conn, NewJob::new("test.c", serde_json::json!({ "i": i }))).unwrap();
        }
    });
    let threads: Vec<_> = (0..4)
        .map(|w| {
            let pool = app.pool.clone();
            std::thread::spawn(move || {
                let worker = format!("worker-{w}");
                let mut taken = Vec::new();
                loop {
                    let mut conn = pool.get().unwrap();
                    match job::claim(&mut conn, &worker, LEASE).unwrap() {
                        Some(j) => {
                            assert!(
                                job::complete(&mut conn, j.id, &worker, serde_json::json!({}))
                                    .unwrap()
                            );
                            taken.push(j.id);
                        }
                        None => break,
                    }
                }
                taken
            })
        })
        .collect();
    let all: Vec<i64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 40, "every job run once");
    assert_eq!(unique.len(), 40, "no job run twice");
}
on_both_databases!(concurrent_workers_never_take_the_same_job);

/// Ends every lease `worker` holds now (as if its time had passed), without waiting for it.
fn expire_leases_of(app: &TestApp, worker: &str) -> usize {
    use ampflux::db::schema::jobs;
    use diesel::prelude::*;
    app.with_conn(|conn| {
        diesel::update(jobs::table.filter(jobs::locked_by.eq(worker)))
            .set(jobs::locked_until.eq(Some(ampflux::util::now() - chrono::Duration::seconds(1))))
            .execute(conn)
            .unwrap()
    })
}

async fn an_expired_lease_hands_the_job_over(app: TestApp) {
    let (taken, last_try) = app.with_conn(|conn| {
        let j = enqueue_with_attempts(conn, "test.l", 2);
        let once = job::enqueue(
            conn,
            NewJob {
                max_attempts: 1,
                priority: -1,
                ..NewJob::new("test.l", serde_json::json!({}))
            },
        )
        .unwrap();
        assert_eq!(job::claim(conn, "dead", LEASE).unwrap().unwrap().id, j.id);
        assert_eq!(
            job::claim(conn, "dead", LEASE).unwrap().unwrap().id,
            once.id
        );
        assert!(
            job::claim(conn, "alive", LEASE).unwrap().is_none(),
            "leases still valid"
        );
        (j.id, once.id)
    });
    assert_eq!(
        expire_leases_of(&app, "dead"),
        2,
        "the dead worker held two jobs"
    );
    app.with_conn(|conn| {
        // The dead worker's job is taken over (second attempt); its last-attempt job fails.
        let again = job::claim(conn, "alive", LEASE)
            .unwrap()
            .expect("taken over");
        assert_eq!((again.id, again.attempts), (taken, 2));
        assert!(
            !job::renew(conn, taken, "dead", LEASE).unwrap(),
            "the old worker lost it"
        );
        assert!(!job::complete(conn, taken, "dead", serde_json::json!({})).unwrap());
        assert!(job::complete(conn, taken, "alive", serde_json::json!({})).unwrap());
        let failed = job::find(conn, last_try).unwrap().unwrap();
        assert_eq!(failed.status, "failed");
        assert!(
            failed.error.unwrap().0["message"]
                .as_str()
                .unwrap()
                .contains("lease expired")
        );
        assert!(job::claim(conn, "alive", LEASE).unwrap().is_none());
    });
}
on_both_databases!(an_expired_lease_hands_the_job_over);

async fn failures_retry_with_backoff_then_fail(app: TestApp) {
    app.with_conn(|conn| {
        let j = enqueue_with_attempts(conn, "test.f", 2);
        job::claim(conn, "w", LEASE).unwrap().unwrap();
        let retry = job::fail(conn, j.id, "w", "boom", Duration::from_secs(3600), false)
            .unwrap()
            .unwrap();
        assert_eq!(retry.status, "pending");
        assert!(
            retry.scheduled_at > ampflux::util::now() + chrono::Duration::minutes(59),
            "backed off"
        );
        assert!(
            job::claim(conn, "w", LEASE).unwrap().is_none(),
            "not before its time"
        );
        let k = enqueue_with_attempts(conn, "test.f", 2);
        job::claim(conn, "w", LEASE).unwrap().unwrap();
        job::fail(conn, k.id, "w", "try again", Duration::ZERO, false)
            .unwrap()
            .unwrap();
        let second = job::claim(conn, "w", LEASE).unwrap().unwrap();
        assert_eq!((second.id, second.attempts), (k.id, 2));
        let failed = job::fail(conn, k.id, "w", "still broken", Duration::ZERO, false)
            .unwrap()
            .unwrap();
        assert_eq!(failed.status, "failed");
        assert_eq!(failed.error.unwrap().0["message"], "still broken");
        let p = job::enqueue(conn, NewJob::new("test.f", serde_json::json!({}))).unwrap();
        job::claim(conn, "w", LEASE).unwrap().unwrap();
        let permanent = job::fail(conn, p.id, "w", "bad input", Duration::ZERO, true)
            .unwrap()
            .unwrap();
        assert_eq!(
            (permanent.status.as_str(), permanent.attempts),
            ("failed", 1)
        );
    });
}
on_both_databases!(failures_retry_with_backoff_then_fail);

async fn workers_run_handlers_and_record_outcomes(app: TestApp) {
    let mut registry = Registry::default();
    registry.register("test.double", |_, job| {
        let n = job.payload.0["n"]
            .as_i64()
            .ok_or_else(|| JobError::permanent("n missing"))?;
        Ok(serde_json::json!({ "doubled": n * 2 }))
    });
    registry.register("test.flaky", |_, job| {
        if job.attempts < 2 {
            Err(JobError::retry("first try fails"))
        } else {
            Ok(serde_json::json!("ok"))
        }
    });
    let config = WorkerConfig {
        workers: 2,
        lease: LEASE,
        idle_poll: Duration::from_millis(20),
        retry_base: Duration::ZERO,
    };
    let ids = app.with_conn(|conn| {
        [
            job::enqueue(
                conn,
                NewJob::new("test.double", serde_json::json!({ "n": 21 })),
            )
            .unwrap()
            .id,
            job::enqueue(conn, NewJob::new("test.flaky", serde_json::json!({})))
                .unwrap()
                .id,
            job::enqueue(conn, NewJob::new("test.double", serde_json::json!({})))
                .unwrap()
                .id,
            job::enqueue(conn, NewJob::new("test.nobody", serde_json::json!({})))
                .unwrap()
                .id,
        ]
    });
    let handles = spawn_workers(app.pool.clone(), registry, config, "test");
    let mut done = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        done = app.with_conn(|conn| {
            ids.iter()
                .map(|&id| job::find(conn, id).unwrap().unwrap())
                .collect()
        });
        if done
            .iter()
            .all(|j| j.status == "completed" || j.status == "failed")
        {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(20)).await;
    }
    for h in handles {
        h.abort();
    }
    assert_eq!(done[0].status, "completed");
    assert_eq!(done[0].result.as_ref().unwrap().0["doubled"], 42);
    assert_eq!(
        (done[1].status.as_str(), done[1].attempts),
        ("completed", 2),
        "retried once"
    );
    assert_eq!(
        (done[2].status.as_str(), done[2].attempts),
        ("failed", 1),
        "permanent: no retry"
    );
    assert_eq!(done[3].status, "failed");
    assert!(
        done[3].error.as_ref().unwrap().0["message"]
            .as_str()
            .unwrap()
            .contains("no handler")
    );
}
on_both_databases!(workers_run_handlers_and_record_outcomes);
