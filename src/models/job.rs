//! Background jobs: enqueued rows claimed by workers under a lease. A claim is one write
//! transaction: on PostgreSQL `FOR UPDATE SKIP LOCKED` lets many processes claim side by side
//! without taking the same job; on SQLite the write lock serializes claims. A job whose lease
//! expired (its worker died) is claimed again, until `max_attempts` is spent. Only the worker
//! holding the lease may renew, complete or fail a job.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::json::JsonValue;
use crate::db::schema::jobs;
use crate::db::{BackendKind, DbConn, write_tx};
use crate::util::now;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: i64,
    pub name: String,
    pub payload: JsonValue,
    pub result: Option<JsonValue>,
    pub error: Option<JsonValue>,
    pub status: String,
    pub priority: i32,
    pub attempts: i32,
    pub max_attempts: i32,
    pub scheduled_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub locked_by: Option<String>,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub name: String,
    pub payload: serde_json::Value,
    pub priority: i32,
    pub max_attempts: i32,
    /// Not before this time (now when `None`).
    pub scheduled_at: Option<NaiveDateTime>,
}

impl NewJob {
    pub fn new(name: &str, payload: serde_json::Value) -> NewJob {
        NewJob {
            name: name.to_string(),
            payload,
            priority: 0,
            max_attempts: 3,
            scheduled_at: None,
        }
    }
}

/// The pending and running jobs of this name (a handful: for reusing one that is under way).
pub fn active_named(conn: &mut DbConn, name: &str) -> QueryResult<Vec<Job>> {
    jobs::table
        .filter(jobs::name.eq(name))
        .filter(jobs::status.eq_any(["pending", "running"]))
        .select(Job::as_select())
        .load(conn)
}

/// The name of the job that sends one mail (`jobs::mail`).
pub const MAIL_JOB: &str = "mail.send";

/// Replaces a job's payload (the mail job removes a sent message's body).
pub fn replace_payload(conn: &mut DbConn, id: i64, payload: serde_json::Value) -> QueryResult<()> {
    diesel::update(jobs::table.find(id))
        .set((
            jobs::payload.eq(JsonValue(payload)),
            jobs::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn enqueue(conn: &mut DbConn, job: NewJob) -> QueryResult<Job> {
    let t = now();
    diesel::insert_into(jobs::table)
        .values((
            jobs::name.eq(job.name),
            jobs::payload.eq(JsonValue(job.payload)),
            jobs::status.eq("pending"),
            jobs::priority.eq(job.priority),
            jobs::max_attempts.eq(job.max_attempts.max(1)),
            jobs::scheduled_at.eq(job.scheduled_at.unwrap_or(t)),
            jobs::created_at.eq(t),
            jobs::updated_at.eq(t),
        ))
        .returning(jobs::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Job>> {
    jobs::table
        .find(id)
        .select(Job::as_select())
        .first(conn)
        .optional()
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

fn lease_end(lease: Duration) -> NaiveDateTime {
    now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5))
}

/// Claims the next ready job (highest priority, then oldest) for `worker`, or `None`.
pub fn claim(conn: &mut DbConn, worker: &str, lease: Duration) -> QueryResult<Option<Job>> {
    claim_filtered(conn, worker, lease, None)
}

/// Like [`claim`], but only jobs with one of `names`: a process claims only the jobs it has
/// handlers for (another process, or a newer version of this one, may run the others). Names
/// are job names like `simulation.run` (no commas).
pub fn claim_named(
    conn: &mut DbConn,
    worker: &str,
    lease: Duration,
    names: &[String],
) -> QueryResult<Option<Job>> {
    if names.is_empty() {
        return Ok(None);
    }
    claim_filtered(conn, worker, lease, Some(names))
}

fn claim_filtered(
    conn: &mut DbConn,
    worker: &str,
    lease: Duration,
    names: Option<&[String]>,
) -> QueryResult<Option<Job>> {
    write_tx(conn, |conn| {
        let t = now();
        // A job whose last allowed attempt lost its worker has failed for good.
        let mut lost = jobs::table
            .filter(jobs::status.eq("running"))
            .filter(jobs::locked_until.lt(t))
            .filter(jobs::attempts.ge(jobs::max_attempts))
            .select(jobs::id)
            .into_boxed();
        if let Some(names) = names {
            lost = lost.filter(jobs::name.eq_any(names));
        }
        let lost: Vec<i64> = lost.load(conn)?;
        if !lost.is_empty() {
            diesel::update(jobs::table.filter(jobs::id.eq_any(&lost)))
                .set((
                    jobs::status.eq("failed"),
                    jobs::failed_at.eq(t),
                    jobs::locked_until.eq(None::<NaiveDateTime>),
                    jobs::locked_by.eq(None::<String>),
                    jobs::error.eq(Some(JsonValue(serde_json::json!({
                        "message": "the worker stopped before the job finished (lease expired) on its last attempt"
                    })))),
                    jobs::updated_at.eq(t),
                ))
                .execute(conn)?;
        }

        let candidate: Option<i64> = match conn.kind() {
            BackendKind::Postgres => {
                let by_name = if names.is_some() {
                    "AND name = ANY(string_to_array($2, ',')) "
                } else {
                    "AND $2 = '' "
                };
                diesel::sql_query(format!(
                    "SELECT id FROM jobs \
                     WHERE ((status = 'pending' AND scheduled_at <= $1) \
                        OR (status = 'running' AND locked_until < $1)) \
                     {by_name}\
                     ORDER BY priority DESC, scheduled_at, id \
                     LIMIT 1 FOR UPDATE SKIP LOCKED"
                ))
                .bind::<diesel::sql_types::Timestamp, _>(t)
                .bind::<diesel::sql_types::Text, _>(names.map(|n| n.join(",")).unwrap_or_default())
                .get_result::<IdRow>(conn)
                .optional()?
                .map(|r| r.id)
            }
            BackendKind::Sqlite => {
                let mut q = jobs::table
                    .filter(
                        jobs::status
                            .eq("pending")
                            .and(jobs::scheduled_at.le(t))
                            .or(jobs::status.eq("running").and(jobs::locked_until.lt(t))),
                    )
                    .order((
                        jobs::priority.desc(),
                        jobs::scheduled_at.asc(),
                        jobs::id.asc(),
                    ))
                    .select(jobs::id)
                    .into_boxed();
                if let Some(names) = names {
                    q = q.filter(jobs::name.eq_any(names));
                }
                q.first(conn).optional()?
            }
        };
        let Some(id) = candidate else { return Ok(None) };
        diesel::update(jobs::table.find(id))
            .set((
                jobs::status.eq("running"),
                jobs::attempts.eq(jobs::attempts + 1),
                jobs::locked_until.eq(Some(lease_end(lease))),
                jobs::locked_by.eq(Some(worker)),
                jobs::started_at.eq(Some(t)),
                jobs::updated_at.eq(t),
            ))
            .returning(jobs::all_columns)
            .get_result(conn)
            .map(Some)
    })
}

/// The jobs `worker` holds a lease on (running, locked by it).
fn held(id: i64, worker: &str) -> jobs::BoxedQuery<'_, crate::db::MultiBackend> {
    jobs::table
        .filter(jobs::id.eq(id))
        .filter(jobs::status.eq("running"))
        .filter(jobs::locked_by.eq(worker))
        .into_boxed()
}

/// Extends the lease; false when the worker no longer holds the job (it was taken over).
pub fn renew(conn: &mut DbConn, id: i64, worker: &str, lease: Duration) -> QueryResult<bool> {
    let n = diesel::update(jobs::table)
        .filter(jobs::id.eq(id))
        .filter(jobs::status.eq("running"))
        .filter(jobs::locked_by.eq(worker))
        .set((
            jobs::locked_until.eq(Some(lease_end(lease))),
            jobs::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records success; false when the worker no longer held the job (its result is dropped).
pub fn complete(
    conn: &mut DbConn,
    id: i64,
    worker: &str,
    result: serde_json::Value,
) -> QueryResult<bool> {
    let t = now();
    let n = diesel::update(jobs::table)
        .filter(jobs::id.eq(id))
        .filter(jobs::status.eq("running"))
        .filter(jobs::locked_by.eq(worker))
        .set((
            jobs::status.eq("completed"),
            jobs::result.eq(Some(JsonValue(result))),
            jobs::completed_at.eq(Some(t)),
            jobs::locked_until.eq(None::<NaiveDateTime>),
            jobs::locked_by.eq(None::<String>),
            jobs::updated_at.eq(t),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records how far a running job has got, in `result` until the final result replaces it
/// (a page polls it); false when `worker` no longer holds the job.
pub fn report_progress(
    conn: &mut DbConn,
    id: i64,
    worker: &str,
    progress: serde_json::Value,
) -> QueryResult<bool> {
    let n = diesel::update(jobs::table)
        .filter(jobs::id.eq(id))
        .filter(jobs::status.eq("running"))
        .filter(jobs::locked_by.eq(worker))
        .set((
            jobs::result.eq(Some(JsonValue(progress))),
            jobs::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Makes sure a job named like `new` is pending (a recurring job's next run): enqueues `new`
/// unless one is pending already, other than `except` (the run that asks). Several processes
/// may ask at once: on PostgreSQL a transaction-level advisory lock on the name makes them take
/// turns, SQLite's write transaction does the same. Returns true when it enqueued.
pub fn ensure_pending(conn: &mut DbConn, new: NewJob, except: Option<i64>) -> QueryResult<bool> {
    write_tx(conn, |conn| {
        if conn.kind() == BackendKind::Postgres {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind::<diesel::sql_types::Text, _>(&new.name)
                .execute(conn)?;
        }
        let mut pending = jobs::table
            .filter(jobs::name.eq(&new.name))
            .filter(jobs::status.eq("pending"))
            .into_boxed();
        if let Some(id) = except {
            pending = pending.filter(jobs::id.ne(id));
        }
        if pending.count().get_result::<i64>(conn)? > 0 {
            return Ok(false);
        }
        enqueue(conn, new)?;
        Ok(true)
    })
}

/// Delay before attempt `attempts + 1`: `base` doubled per attempt made, at most one hour.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let factor = 2u32.saturating_pow(u32::try_from(attempts.max(1) - 1).unwrap_or(0));
    (base.saturating_mul(factor)).min(Duration::from_secs(3600))
}

/// Records a failed attempt: back to `pending` after a backoff while attempts remain, else
/// `failed`. `permanent` skips the retries (the job can never succeed). Returns the job as it
/// now stands, or `None` when the worker no longer held it.
pub fn fail(
    conn: &mut DbConn,
    id: i64,
    worker: &str,
    message: &str,
    retry_base: Duration,
    permanent: bool,
) -> QueryResult<Option<Job>> {
    write_tx(conn, |conn| {
        let Some(job) = held(id, worker)
            .select(Job::as_select())
            .first(conn)
            .optional()?
        else {
            return Ok(None);
        };
        let t = now();
        let error = JsonValue(serde_json::json!({ "message": message, "attempt": job.attempts }));
        let retry = !permanent && job.attempts < job.max_attempts;
        let update = diesel::update(jobs::table.find(id));
        let updated = if retry {
            let at = t + chrono::Duration::from_std(backoff(retry_base, job.attempts))
                .unwrap_or(chrono::Duration::hours(1));
            update
                .set((
                    jobs::status.eq("pending"),
                    jobs::error.eq(Some(error)),
                    jobs::scheduled_at.eq(at),
                    jobs::locked_until.eq(None::<NaiveDateTime>),
                    jobs::locked_by.eq(None::<String>),
                    jobs::updated_at.eq(t),
                ))
                .returning(jobs::all_columns)
                .get_result(conn)?
        } else {
            update
                .set((
                    jobs::status.eq("failed"),
                    jobs::error.eq(Some(error)),
                    jobs::failed_at.eq(Some(t)),
                    jobs::locked_until.eq(None::<NaiveDateTime>),
                    jobs::locked_by.eq(None::<String>),
                    jobs::updated_at.eq(t),
                ))
                .returning(jobs::all_columns)
                .get_result(conn)?
        };
        Ok(Some(updated))
    })
}

#[cfg(test)]
mod tests {
    use super::backoff;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_and_caps() {
        let base = Duration::from_secs(10);
        assert_eq!(backoff(base, 1), Duration::from_secs(10));
        assert_eq!(backoff(base, 2), Duration::from_secs(20));
        assert_eq!(backoff(base, 4), Duration::from_secs(80));
        assert_eq!(backoff(base, 40), Duration::from_secs(3600));
    }
}
