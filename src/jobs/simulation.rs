//! The `simulation.run` job: loads the simulation and its circuit version, runs the engine on
//! the blocking pool (the worker calls handlers through `web::block`), and stores the result
//! or a readable error, with the audit entry, in one transaction.
//!
//! Idempotent: a simulation that is already completed or failed is left alone, and the final
//! update applies to a pending or running simulation only. A job taken over after its worker
//! died therefore finishes the simulation exactly once (one `simulation.complete` entry).

use std::time::Instant;

use crate::db::{DbConn, write_tx};
use crate::jobs::{JobError, Registry};
use crate::models::RequestMeta;
use crate::models::audit::{self, Actor, Entry};
use crate::models::job::{self, Job};
use crate::models::simulation::{
    self as sims, CircuitInfo, EngineInfo, RESULT_FORMAT, RESULT_FORMAT_VERSION, Simulation,
    StoredResult,
};
use crate::sc::{self, CalcError, ScOptions};

pub use crate::models::simulation::JOB_NAME;

/// Adds the `simulation.run` handler.
pub fn register(registry: &mut Registry) {
    registry.register(JOB_NAME, run);
}

/// A database error: retried, and logged rather than kept in the message, which reaches the
/// simulation's page when the last attempt fails (it may name tables and constraints).
fn retry(e: diesel::result::Error) -> JobError {
    tracing::warn!(error = %e, "simulation job: database error");
    JobError::retry("a database error (details in the server log)")
}

/// How one run ended.
enum Ran {
    Completed {
        result: Box<StoredResult>,
        /// Parse and calculation time in microseconds.
        duration_us: i64,
    },
    Failed {
        message: String,
        duration_us: Option<i64>,
    },
    /// Finished by an earlier run: nothing to do.
    AlreadyFinished,
}

/// The job handler.
pub fn run(conn: &mut DbConn, job: &Job) -> Result<serde_json::Value, JobError> {
    let id = job
        .payload
        .get("simulation_id")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| JobError::permanent("the payload names no simulation_id"))?;
    let sim = sims::find(conn, id)
        .map_err(retry)?
        .ok_or_else(|| JobError::permanent(format!("simulation {id} does not exist")))?;
    if !sim.is_active() {
        return Ok(serde_json::json!({ "simulation_id": id, "status": sim.status, "ran": false }));
    }
    let ran = match execute(conn, &sim) {
        Ok(ran) => ran,
        Err(e) if job.attempts >= job.max_attempts => {
            // The last attempt: fail the simulation rather than leave it running forever.
            Ran::Failed {
                message: format!("The simulation could not be run: {}", e.message),
                duration_us: None,
            }
        }
        Err(e) => return Err(e),
    };
    match ran {
        Ran::AlreadyFinished => {
            Ok(serde_json::json!({ "simulation_id": id, "status": "finished", "ran": false }))
        }
        Ran::Completed {
            result,
            duration_us,
        } => {
            let recorded = record_completed(conn, &sim, *result, duration_us).map_err(retry)?;
            Ok(serde_json::json!({ "simulation_id": id, "status": "completed", "ran": recorded }))
        }
        Ran::Failed {
            message,
            duration_us,
        } => {
            record_failed(conn, &sim, &message, duration_us).map_err(retry)?;
            Err(JobError::permanent(message))
        }
    }
}

fn execute(conn: &mut DbConn, sim: &Simulation) -> Result<Ran, JobError> {
    if !sims::mark_running(conn, sim.id).map_err(retry)? {
        return Ok(Ran::AlreadyFinished);
    }
    let failed = |message: String| {
        Ok(Ran::Failed {
            message,
            duration_us: None,
        })
    };
    let Some(version) = sims::version(conn, sim.circuit_version_id).map_err(retry)? else {
        return failed("The circuit version of this simulation no longer exists.".into());
    };
    let options: ScOptions = match serde_json::from_value(sim.options.0.clone()) {
        Ok(o) => o,
        Err(e) => return failed(format!("The simulation's options cannot be read: {e}.")),
    };
    let started = Instant::now();
    let text = version.data_json.0.to_string();
    let parsed = match sc::parse_input(&text) {
        Ok(p) => p,
        Err(e) => {
            return failed(format!(
                "The circuit of version {} cannot be read: {e}",
                version.version_number
            ));
        }
    };
    drop(text);
    // The duty check's own need (rated breakers); the engine checks the fault and case.
    if sim.simulation_type == "duty_check" {
        let study = sc::requirements::Study {
            duty_check: true,
            ..sc::requirements::Study::of(&options)
        };
        let missing = sc::requirements::missing(&parsed.circuit, &study);
        if !missing.is_empty() {
            return failed(calc_error_message(
                &CalcError::Incomplete(missing),
                version.version_number,
            ));
        }
    }
    let calculated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        sc::calculate(&parsed.circuit, &options)
    }));
    // Microseconds: a small circuit takes well under a millisecond.
    let elapsed = i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX);
    let mut results = match calculated {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            return Ok(Ran::Failed {
                message: calc_error_message(&e, version.version_number),
                duration_us: Some(elapsed),
            });
        }
        Err(_) => {
            tracing::error!(simulation = sim.id, "the engine panicked");
            return Ok(Ran::Failed {
                message: "The engine stopped with an internal error. The problem was logged; \
                          tell your administrator."
                    .into(),
                duration_us: Some(elapsed),
            });
        }
    };
    let mut warnings = parsed.warnings;
    warnings.append(&mut results.warnings);
    if sim.simulation_type == "duty_check" && results.duty.is_empty() {
        warnings.push(
            "No circuit breaker in service has a rated breaking or making current: the duty \
             check has nothing to check."
                .into(),
        );
    }
    results.warnings = warnings;
    Ok(Ran::Completed {
        result: Box::new(StoredResult {
            format: RESULT_FORMAT.into(),
            format_version: RESULT_FORMAT_VERSION,
            engine: EngineInfo::current(),
            simulation_type: sim.simulation_type.clone(),
            circuit: CircuitInfo {
                version_id: version.id,
                version_number: version.version_number,
                name: parsed.circuit.name.clone(),
                content_hash: version.content_hash.clone(),
                buses: parsed.circuit.buses.len(),
            },
            computed_at: crate::util::now(),
            duration_ms: elapsed / 1000,
            results,
        }),
        duration_us: elapsed,
    })
}

/// The engine's refusal in words: the validator's problems one per line.
pub fn calc_error_message(e: &CalcError, version_number: i32) -> String {
    match e {
        CalcError::Invalid(_) => {
            let mut s = format!(
                "Circuit version {version_number} does not pass validation, so it cannot be \
                 calculated. Fix these problems in the circuit editor and save a new version:"
            );
            for line in e.problems() {
                s.push('\n');
                s.push_str(&line);
            }
            s
        }
        CalcError::Incomplete(missing) => {
            let mut s = format!(
                "Circuit version {version_number} lacks data this study needs. Add it in the \
                 circuit editor and save a new version:"
            );
            for m in missing {
                s.push('\n');
                s.push_str(&m.to_string());
            }
            s
        }
        CalcError::Options { field, message } => {
            format!("The option {field} is not accepted: {message}.")
        }
        other => format!("The calculation failed: {other}."),
    }
}

fn actor_for(conn: &mut DbConn, sim: &Simulation) -> diesel::QueryResult<Actor> {
    Ok(Actor {
        company_id: sims::company_of_project(conn, sim.project_id)?,
        user_id: Some(sim.simulated_by),
        meta: RequestMeta::default(),
    })
}

/// Stores the result and audits it once; false when the simulation was finished already.
fn record_completed(
    conn: &mut DbConn,
    sim: &Simulation,
    result: StoredResult,
    duration_us: i64,
) -> diesel::QueryResult<bool> {
    let actor = actor_for(conn, sim)?;
    let summary = serde_json::json!({
        "status": "completed",
        "duration_ms": result.duration_ms,
        "duration_us": duration_us,
        "buses": result.results.buses.len(),
        "warnings": result.results.warnings.len(),
        "duty_failures": result.results.duty.iter().filter(|d| d.status == "fail").count(),
    });
    let value = serde_json::to_value(&result)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    write_tx(conn, |conn| {
        if !sims::complete(conn, sim.id, value, duration_us)? {
            return Ok(false);
        }
        audit::record(
            conn,
            &actor,
            Entry::success("simulation.complete", "simulation", Some(sim.id))
                .project(sim.project_id)
                .before(serde_json::json!({ "status": "running" }))
                .after(summary),
        )?;
        Ok(true)
    })
}

/// Stores the failure and audits it once; false when the simulation was finished already.
fn record_failed(
    conn: &mut DbConn,
    sim: &Simulation,
    message: &str,
    duration_us: Option<i64>,
) -> diesel::QueryResult<bool> {
    let actor = actor_for(conn, sim)?;
    write_tx(conn, |conn| {
        if !sims::fail(conn, sim.id, message, duration_us)? {
            return Ok(false);
        }
        audit::record(
            conn,
            &actor,
            Entry::failure("simulation.fail", "simulation", Some(sim.id))
                .project(sim.project_id)
                .before(serde_json::json!({ "status": sim.status }))
                .after(serde_json::json!({ "status": "failed", "error": message })),
        )?;
        Ok(true)
    })
}

/// A pending or running simulation whose job failed for good without the handler recording
/// it (its worker died on the last attempt, or the handler panicked every time) is failed
/// with the job's error. Returns the simulation as it now stands.
pub fn reconcile(conn: &mut DbConn, sim: Simulation) -> diesel::QueryResult<Simulation> {
    if !sim.is_active() {
        return Ok(sim);
    }
    let Some(job_id) = sim.job_id else {
        return Ok(sim);
    };
    let Some(j) = job::find(conn, job_id)? else {
        return Ok(sim);
    };
    if !matches!(j.status.as_str(), "failed" | "cancelled") {
        return Ok(sim);
    }
    let reason = j
        .error
        .as_ref()
        .and_then(|e| e.get("message"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("the job was stopped")
        .to_string();
    record_failed(
        conn,
        &sim,
        &format!("The simulation could not be run: {reason}."),
        None,
    )?;
    Ok(sims::find(conn, sim.id)?.unwrap_or(sim))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_details_stay_in_the_log() {
        use diesel::result::{DatabaseErrorKind, Error};
        let e = Error::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new("duplicate key value violates unique constraint \"secret_idx\"".to_string()),
        );
        let message = retry(e).message;
        assert!(!message.contains("secret_idx"), "{message}");
    }
}
