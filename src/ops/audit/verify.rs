//! "Verify chain" on the trail's page (`audit:read`): the check of `ampflux audit verify`,
//! for the reader's company. A trail of up to [`INLINE_MAX`] entries is checked during the
//! request; a larger one (or on request) by an `audit.verify` job whose progress and result the
//! page polls. A check is a read, so it runs while the company is read-only too.
//!
//! Each check is recorded as an `audit.verify` entry (success, with the result in its details),
//! written after the walk: who checked the trail when, and what they found, is itself part of
//! the trail, and costs one row.

use serde::{Deserialize, Serialize};

use crate::auth::permissions;
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry, Progress};
use crate::models::job::{self, NewJob};
use crate::ops::{Actor, OpError};

/// The job's name (registered in `app::job_registry`).
pub const JOB_NAME: &str = "audit.verify";

/// The largest trail checked during the request (about a second on either database).
pub const INLINE_MAX: i64 = 50_000;

#[derive(Debug, Clone, Default)]
pub struct VerifyInput {
    /// Run as a job whatever the size.
    pub background: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broken {
    pub id: i64,
    pub reason: String,
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyResult {
    pub entries_checked: u64,
    pub first_broken: Option<Broken>,
    /// The last entry that matched, and its hash (the chain's head when nothing is broken).
    pub last_id: Option<i64>,
    pub last_hash: Option<String>,
}

pub enum Started {
    Done(VerifyResult),
    Queued { job_id: i64 },
}

pub enum Status {
    /// Queued, or waiting to be tried again.
    Waiting,
    Running {
        checked: u64,
        total: u64,
    },
    Done(VerifyResult),
    Failed,
}

/// What the job needs to act for the reader (written by [`start`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    pub company_id: i64,
    pub user_id: Option<i64>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// Entries in the chain when asked (for the progress bar).
    pub total: i64,
}

/// Checks the actor's company's chain now, or queues the job for a large trail.
pub fn start(conn: &mut DbConn, actor: &Actor, input: VerifyInput) -> Result<Started, OpError> {
    actor.require(permissions::AUDIT_READ)?;
    let total = audit::head(conn, actor.company_id)?.map_or(0, |h| h.0);
    if !input.background && total <= INLINE_MAX {
        return Ok(Started::Done(check(
            conn,
            &actor.audit(),
            "page",
            &mut |_, _| {},
        )?));
    }
    let payload = serde_json::json!({
        "company_id": actor.company_id,
        "user_id": actor.user_id,
        "ip_address": actor.meta.ip_address,
        "user_agent": actor.meta.user_agent,
        "total": total,
    });
    let company_id = actor.company_id;
    let job_id = write_tx(conn, |conn| {
        // A check of this company under way is shown rather than queued again, so repeated
        // posts cannot fill the queue with walks of the whole trail.
        let under_way = job::active_named(conn, JOB_NAME)?
            .into_iter()
            .find(|j| j.payload.0.get("company_id").and_then(|c| c.as_i64()) == Some(company_id));
        if let Some(j) = under_way {
            return Ok::<_, diesel::result::Error>(j.id);
        }
        let queued = job::enqueue(
            conn,
            NewJob {
                max_attempts: 2,
                ..NewJob::new(JOB_NAME, payload)
            },
        )?;
        Ok(queued.id)
    })?;
    crate::jobs::wake();
    Ok(Started::Queued { job_id })
}

/// Walks `who`'s company's chain and records the `audit.verify` entry (the page and the job).
pub fn check(
    conn: &mut DbConn,
    who: &audit::Actor,
    via: &str,
    progress: Progress<'_>,
) -> Result<VerifyResult, OpError> {
    let report = audit::verify_chain_with_progress(conn, Some(who.company_id), progress)?;
    let (last_id, last_hash) = report.last_intact.clone().unzip();
    let result = VerifyResult {
        entries_checked: report.rows_checked,
        first_broken: report.first_broken.map(|b| Broken {
            id: b.id,
            reason: b.reason,
        }),
        last_id,
        last_hash,
    };
    let details = serde_json::json!({
        "entries_checked": result.entries_checked,
        "intact": result.first_broken.is_none(),
        "first_broken": result.first_broken.as_ref().map(|b| b.id),
        "via": via,
    });
    write_tx(conn, |conn| {
        audit::record(
            conn,
            who,
            Entry::success("audit.verify", "audit_trail", None).details(details),
        )
    })?;
    Ok(result)
}

/// How the actor's company's check `job_id` stands; another company's job (or another kind
/// of job) is not found.
pub fn status(conn: &mut DbConn, actor: &Actor, job_id: i64) -> Result<Status, OpError> {
    actor.require(permissions::AUDIT_READ)?;
    let job = job::find(conn, job_id)?
        .filter(|j| j.name == JOB_NAME)
        .ok_or(OpError::NotFound)?;
    let payload: Payload =
        serde_json::from_value(job.payload.0.clone()).map_err(|_| OpError::NotFound)?;
    if payload.company_id != actor.company_id {
        return Err(OpError::NotFound);
    }
    let result = job.result.as_ref().map(|r| r.0.clone());
    Ok(match job.status.as_str() {
        "completed" => match result.and_then(|r| serde_json::from_value(r).ok()) {
            Some(done) => Status::Done(done),
            None => Status::Failed,
        },
        "running" => Status::Running {
            checked: result
                .and_then(|r| r.get("checked").and_then(serde_json::Value::as_u64))
                .unwrap_or(0),
            total: u64::try_from(payload.total).unwrap_or(0),
        },
        "pending" => Status::Waiting,
        _ => Status::Failed,
    })
}
