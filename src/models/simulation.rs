//! Simulations: one run of an analysis on one circuit version, queued as a `simulation.run`
//! job. Reads are scoped by company through the project; the list queries never load
//! `result_json` (a 1,000-bus result is a few hundred kilobytes).
//!
//! Status moves `pending` → `running` → `completed` or `failed`, and only forward: the updates
//! that finish a simulation apply to a pending or running one only, so a job that is run twice
//! (its worker died after finishing) finishes the simulation once.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::json::{JsonText, JsonValue};
use crate::db::schema::{circuit_versions, projects, simulations, users};
use crate::models::circuit_version::CircuitVersion;
use crate::models::job::{self, Job, NewJob};
use crate::models::project::Project;
use crate::util::now;

/// The job that runs a simulation; its payload is `{"simulation_id": id}`.
pub const JOB_NAME: &str = "simulation.run";

pub const STATUSES: [&str; 5] = ["pending", "running", "completed", "failed", "cancelled"];

/// A simulation row without its result (what lists and status checks need).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = simulations)]
pub struct Simulation {
    pub id: i64,
    pub project_id: i64,
    pub circuit_version_id: i64,
    pub simulation_type: String,
    pub options: JsonValue,
    pub status: String,
    pub error: Option<String>,
    pub job_id: Option<i64>,
    pub simulated_by: i64,
    pub queued_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub completed_at: Option<NaiveDateTime>,
    pub duration_ms: Option<i64>,
    /// The same in microseconds (runs stored before it was kept have only `duration_ms`).
    pub duration_us: Option<i64>,
}

impl Simulation {
    /// The calculation time in microseconds, as precisely as it was stored.
    pub fn duration_micros(&self) -> Option<i64> {
        self.duration_us
            .or_else(|| self.duration_ms.map(|ms| ms.saturating_mul(1000)))
    }

    /// Still waiting for or inside a worker.
    pub fn is_active(&self) -> bool {
        matches!(self.status.as_str(), "pending" | "running")
    }

    /// The options it was run with (defaults where they cannot be read).
    pub fn sc_options(&self) -> crate::sc::ScOptions {
        serde_json::from_value(self.options.0.clone()).unwrap_or_default()
    }

    pub fn audit_snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "status": self.status,
            "simulation_type": self.simulation_type,
            "circuit_version_id": self.circuit_version_id,
        })
    }
}

/// A simulation with what its list row shows.
#[derive(Debug, Clone)]
pub struct Listed {
    pub sim: Simulation,
    pub version_number: i32,
    pub user_name: String,
}

/// What to queue.
#[derive(Debug, Clone)]
pub struct NewSimulation {
    pub project_id: i64,
    pub circuit_version_id: i64,
    pub simulation_type: String,
    pub options: serde_json::Value,
    pub simulated_by: i64,
}

/// Inserts a pending simulation and its job. Call it inside the caller's write transaction
/// (with the audit entry), then [`crate::jobs::wake`] after the commit.
pub fn create_with_job(conn: &mut DbConn, new: NewSimulation) -> QueryResult<(Simulation, Job)> {
    let t = now();
    let id: i64 = diesel::insert_into(simulations::table)
        .values((
            simulations::project_id.eq(new.project_id),
            simulations::circuit_version_id.eq(new.circuit_version_id),
            simulations::simulation_type.eq(&new.simulation_type),
            simulations::options.eq(JsonValue(new.options)),
            simulations::status.eq("pending"),
            simulations::simulated_by.eq(new.simulated_by),
            simulations::queued_at.eq(t),
        ))
        .returning(simulations::id)
        .get_result(conn)?;
    let job = job::enqueue(
        conn,
        NewJob::new(JOB_NAME, serde_json::json!({ "simulation_id": id })),
    )?;
    diesel::update(simulations::table.find(id))
        .set(simulations::job_id.eq(Some(job.id)))
        .execute(conn)?;
    let sim = find(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
    Ok((sim, job))
}

/// A simulation of the company (through its project) with its project, or `None` (another
/// tenant's id is simply not found).
pub fn find_in_company(
    conn: &mut DbConn,
    company_id: i64,
    id: i64,
) -> QueryResult<Option<(Simulation, Project)>> {
    simulations::table
        .inner_join(projects::table)
        .filter(simulations::id.eq(id))
        .filter(projects::company_id.eq(company_id))
        .select((Simulation::as_select(), Project::as_select()))
        .first(conn)
        .optional()
}

/// Any simulation by id (for the worker, which has no user).
pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Simulation>> {
    simulations::table
        .find(id)
        .select(Simulation::as_select())
        .first(conn)
        .optional()
}

/// The stored result of a simulation, if any.
pub fn result_json(conn: &mut DbConn, id: i64) -> QueryResult<Option<JsonValue>> {
    Ok(simulations::table
        .find(id)
        .select(simulations::result_json)
        .first::<Option<JsonValue>>(conn)
        .optional()?
        .flatten())
}

/// Why a completed simulation's result cannot be shown (a database read error: the row is
/// there but its `result_json` is missing or not of the stored format).
#[derive(Debug, thiserror::Error)]
#[error("simulation {id}: the stored result cannot be read")]
pub struct UnreadableResult {
    pub id: i64,
    #[source]
    pub source: Option<serde_json::Error>,
}

/// The stored result of a simulation (a completed one has one; anything else is an error).
pub fn stored_result(conn: &mut DbConn, id: i64) -> QueryResult<StoredResult> {
    let unreadable = |source| {
        diesel::result::Error::DeserializationError(Box::new(UnreadableResult { id, source }))
    };
    // Parsed from the text straight into the result: going through a `serde_json::Value`
    // took most of the time of a large result's page (docs/PERFORMANCE.md).
    let text = simulations::table
        .find(id)
        .select(simulations::result_json)
        .first::<Option<JsonText>>(conn)
        .optional()?
        .flatten()
        .ok_or_else(|| unreadable(None))?;
    serde_json::from_str(&text.0).map_err(|e| unreadable(Some(e)))
}

/// The simulation's list data (version number, user name).
pub fn listed(conn: &mut DbConn, sim: Simulation) -> QueryResult<Listed> {
    let version_number = circuit_versions::table
        .find(sim.circuit_version_id)
        .select(circuit_versions::version_number)
        .first(conn)?;
    let user_name = super::user::name_of(conn, sim.simulated_by)?;
    Ok(Listed {
        sim,
        version_number,
        user_name,
    })
}

fn to_listed(rows: Vec<(Simulation, i32, String)>) -> Vec<Listed> {
    rows.into_iter()
        .map(|(sim, version_number, user_name)| Listed {
            sim,
            version_number,
            user_name,
        })
        .collect()
}

/// One page of the project's simulations, newest first, and the total count.
pub fn page_for_project(
    conn: &mut DbConn,
    project_id: i64,
    offset: i64,
    limit: i64,
) -> QueryResult<(Vec<Listed>, i64)> {
    let total: i64 = simulations::table
        .filter(simulations::project_id.eq(project_id))
        .count()
        .get_result(conn)?;
    let rows = simulations::table
        .inner_join(circuit_versions::table)
        .inner_join(users::table.on(users::id.eq(simulations::simulated_by)))
        .filter(simulations::project_id.eq(project_id))
        .order((simulations::queued_at.desc(), simulations::id.desc()))
        .offset(offset)
        .limit(limit)
        .select((
            Simulation::as_select(),
            circuit_versions::version_number,
            super::user::display_name(),
        ))
        .load(conn)?;
    Ok((to_listed(rows), total))
}

/// The project's completed simulations other than `except`, newest first (for the compare
/// picker).
pub fn completed_in_project(
    conn: &mut DbConn,
    project_id: i64,
    except: i64,
    limit: i64,
) -> QueryResult<Vec<Listed>> {
    let rows = simulations::table
        .inner_join(circuit_versions::table)
        .inner_join(users::table.on(users::id.eq(simulations::simulated_by)))
        .filter(simulations::project_id.eq(project_id))
        .filter(simulations::status.eq("completed"))
        .filter(simulations::id.ne(except))
        .order((simulations::queued_at.desc(), simulations::id.desc()))
        .limit(limit)
        .select((
            Simulation::as_select(),
            circuit_versions::version_number,
            super::user::display_name(),
        ))
        .load(conn)?;
    Ok(to_listed(rows))
}

/// Whether any simulation of the project is pending or running.
pub fn any_active(conn: &mut DbConn, project_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        simulations::table
            .filter(simulations::project_id.eq(project_id))
            .filter(simulations::status.eq_any(["pending", "running"])),
    ))
    .get_result(conn)
}

/// A circuit version as listed in the run form (without its data).
#[derive(Debug, Clone, Queryable)]
pub struct VersionChoice {
    pub id: i64,
    pub version_number: i32,
    pub message: String,
    pub created_at: NaiveDateTime,
}

/// The project's versions, newest first, without their circuits.
pub fn version_choices(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<VersionChoice>> {
    circuit_versions::table
        .filter(circuit_versions::project_id.eq(project_id))
        .order(circuit_versions::version_number.desc())
        .select((
            circuit_versions::id,
            circuit_versions::version_number,
            circuit_versions::message,
            circuit_versions::created_at,
        ))
        .load(conn)
}

/// A circuit version with its data.
pub fn version(conn: &mut DbConn, id: i64) -> QueryResult<Option<CircuitVersion>> {
    circuit_versions::table
        .find(id)
        .select(CircuitVersion::as_select())
        .first(conn)
        .optional()
}

/// The circuit of a version as the engine reads it; `None` when the version is gone or its
/// document cannot be read any more.
pub fn version_circuit(conn: &mut DbConn, id: i64) -> QueryResult<Option<crate::sc::Circuit>> {
    // Stored versions are circuit documents: parsed from the text straight into the circuit
    // (not through a `serde_json::Value`: a 100,000-bus circuit is about 23 MB).
    let text = circuit_versions::table
        .find(id)
        .select(circuit_versions::data_json)
        .first::<JsonText>(conn)
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str::<crate::sc::Circuit>(&t.0).ok()))
}

/// The company that owns a project (the worker's audit entries need it).
pub fn company_of_project(conn: &mut DbConn, project_id: i64) -> QueryResult<i64> {
    projects::table
        .find(project_id)
        .select(projects::company_id)
        .first(conn)
}

/// Marks a pending (or taken-over running) simulation as running. False when it is finished
/// already (or gone).
pub fn mark_running(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    let n = diesel::update(simulations::table)
        .filter(simulations::id.eq(id))
        .filter(simulations::status.eq_any(["pending", "running"]))
        .set((
            simulations::status.eq("running"),
            simulations::started_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Stores a result: `completed`, with the duration. False when the simulation was finished
/// already (nothing is changed).
pub fn complete(
    conn: &mut DbConn,
    id: i64,
    result: serde_json::Value,
    duration_us: i64,
) -> QueryResult<bool> {
    let n = diesel::update(simulations::table)
        .filter(simulations::id.eq(id))
        .filter(simulations::status.eq_any(["pending", "running"]))
        .set((
            simulations::status.eq("completed"),
            simulations::result_json.eq(Some(JsonValue(result))),
            simulations::error.eq(None::<String>),
            simulations::completed_at.eq(Some(now())),
            simulations::duration_ms.eq(Some(duration_us / 1000)),
            simulations::duration_us.eq(Some(duration_us)),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records a failure with a readable message. False when the simulation was finished already.
pub fn fail(
    conn: &mut DbConn,
    id: i64,
    error: &str,
    duration_us: Option<i64>,
) -> QueryResult<bool> {
    let n = diesel::update(simulations::table)
        .filter(simulations::id.eq(id))
        .filter(simulations::status.eq_any(["pending", "running"]))
        .set((
            simulations::status.eq("failed"),
            simulations::error.eq(Some(error)),
            simulations::completed_at.eq(Some(now())),
            simulations::duration_ms.eq(duration_us.map(|us| us / 1000)),
            simulations::duration_us.eq(duration_us),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// What `result_json` holds (format `ampflux-simulation-result`, version 1): the engine's
/// results as they came out of [`crate::sc::calculate`] (options and warnings included), with
/// what produced them.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct StoredResult {
    pub format: String,
    pub format_version: u32,
    pub engine: EngineInfo,
    pub simulation_type: String,
    pub circuit: CircuitInfo,
    /// When the engine finished (UTC).
    pub computed_at: NaiveDateTime,
    /// Parse and calculation time, milliseconds (rounded down; the simulation row keeps
    /// microseconds).
    pub duration_ms: i64,
    pub results: crate::sc::ScResults,
}

pub const RESULT_FORMAT: &str = "ampflux-simulation-result";
pub const RESULT_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct EngineInfo {
    pub name: String,
    pub version: String,
    pub standard: String,
}

impl EngineInfo {
    pub fn current() -> EngineInfo {
        EngineInfo {
            name: "ampflux-sc".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            standard: "IEC 60909-0:2016".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct CircuitInfo {
    pub version_id: i64,
    pub version_number: i32,
    pub name: String,
    pub content_hash: String,
    pub buses: usize,
}
