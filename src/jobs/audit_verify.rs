//! The `audit.verify` job: "Verify chain" for a large trail (`ops::audit::verify`). It reports
//! the rows checked every [`PROGRESS_EVERY`] rows in the job's result, which the page polls,
//! and ends with the check's result there.

use crate::db::DbConn;
use crate::jobs::{JobError, Registry};
use crate::models::RequestMeta;
use crate::models::audit;
use crate::models::job::{self, Job};
use crate::ops::audit::verify::{self, JOB_NAME, Payload};

/// Rows between two progress reports.
const PROGRESS_EVERY: u64 = 10_000;

/// Adds the `audit.verify` handler.
pub fn register(registry: &mut Registry) {
    registry.register(JOB_NAME, run);
}

fn run(conn: &mut DbConn, job: &Job) -> Result<serde_json::Value, JobError> {
    let payload: Payload = serde_json::from_value(job.payload.0.clone())
        .map_err(|e| JobError::permanent(format!("not an audit.verify payload: {e}")))?;
    let who = audit::Actor {
        company_id: payload.company_id,
        user_id: payload.user_id,
        meta: RequestMeta {
            ip_address: payload.ip_address,
            user_agent: payload.user_agent,
        },
    };
    let worker = job.locked_by.clone().unwrap_or_default();
    let mut reported = 0u64;
    let mut progress = |conn: &mut DbConn, checked: u64| {
        if checked >= reported + PROGRESS_EVERY {
            reported = checked;
            let value = serde_json::json!({ "checked": checked });
            if let Err(e) = job::report_progress(conn, job.id, &worker, value) {
                // Only the progress bar misses a step.
                tracing::warn!(error = %e, "audit.verify: progress not recorded");
            }
        }
    };
    let result = verify::check(conn, &who, "job", &mut progress).map_err(|e| {
        tracing::warn!(error = %e, "audit.verify failed");
        JobError::retry("a database error (details in the server log)")
    })?;
    serde_json::to_value(result).map_err(|e| JobError::permanent(e.to_string()))
}
