//! The `license.check` job: runs the daily license check (`ops::admin::license_check`: expiry
//! and reminder mails) every day at 03:00 UTC. Each run queues the next one; every server
//! process makes sure at start-up that one is pending (`ensure_scheduled`) and, if it runs
//! workers, runs the check once right away (`run_now`), so a day missed while the servers were
//! down is caught up at the next start.

use chrono::{Duration, NaiveDateTime, NaiveTime};

use crate::db::{DbConn, Pool};
use crate::jobs::{JobError, Registry};
use crate::models::job::{self, Job, NewJob};
use crate::ops::admin::license_check::{self, CheckReport};

pub const JOB_NAME: &str = "license.check";

/// The time of day (UTC) of the daily run.
const RUN_AT: NaiveTime = match NaiveTime::from_hms_opt(3, 0, 0) {
    Some(t) => t,
    None => panic!("03:00 is a time"),
};

/// Adds the `license.check` handler; reminder mails link to `base_url`.
pub fn register(registry: &mut Registry, base_url: String) {
    registry.register(JOB_NAME, move |conn, job| run(conn, &base_url, job));
}

fn run(conn: &mut DbConn, base_url: &str, job: &Job) -> Result<serde_json::Value, JobError> {
    // The next run is queued first, so a run that fails for good does not end the chain.
    schedule(conn, Some(job.id)).map_err(|e| JobError::retry(format!("database: {e}")))?;
    let report = check(conn, base_url).map_err(JobError::retry)?;
    serde_json::to_value(report).map_err(|e| JobError::permanent(e.to_string()))
}

fn check(conn: &mut DbConn, base_url: &str) -> Result<CheckReport, String> {
    license_check::run(conn, crate::util::now().date(), base_url).map_err(|e| {
        tracing::error!(error = ?e, "the license check failed");
        e.to_string()
    })
}

/// The next daily run after `t`: today at 03:00 UTC if that is still ahead, else tomorrow.
pub fn next_run_after(t: NaiveDateTime) -> NaiveDateTime {
    let today = t.date().and_time(RUN_AT);
    if today > t {
        today
    } else {
        today + Duration::days(1)
    }
}

/// Queues the next daily run unless one is pending already (other than `except`).
fn schedule(conn: &mut DbConn, except: Option<i64>) -> diesel::QueryResult<bool> {
    let next = NewJob {
        // After the jobs people wait for (mails, simulations) when both are due.
        priority: -10,
        max_attempts: 5,
        scheduled_at: Some(next_run_after(crate::util::now())),
        ..NewJob::new(JOB_NAME, serde_json::json!({}))
    };
    job::ensure_pending(conn, next, except)
}

/// At start-up: makes sure the daily run is pending (one, however many processes start).
pub fn ensure_scheduled(conn: &mut DbConn) -> diesel::QueryResult<bool> {
    schedule(conn, None)
}

/// At start-up: runs the check once now, in the background (a process with job workers).
pub fn run_now(pool: Pool, base_url: String) {
    actix_web::rt::spawn(async move {
        let ran = actix_web::web::block(move || {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            check(&mut conn, &base_url)
        })
        .await;
        match ran {
            Ok(Ok(report)) => tracing::info!(?report, "license check at start-up"),
            Ok(Err(e)) => tracing::warn!(error = %e, "license check at start-up failed"),
            Err(e) => tracing::warn!(error = %e, "license check at start-up did not run"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_next_at_three_utc() {
        let at = |d, h, m| {
            chrono::NaiveDate::from_ymd_opt(2026, 12, d)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
        };
        assert_eq!(next_run_after(at(5, 2, 59)), at(5, 3, 0));
        assert_eq!(next_run_after(at(5, 3, 0)), at(6, 3, 0));
        assert_eq!(next_run_after(at(5, 23, 10)), at(6, 3, 0));
    }
}
