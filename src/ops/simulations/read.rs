//! What the simulation pages read. Every read goes through the simulation's project: one the
//! actor may not read is `NotFound`. A pending or running simulation whose job failed for good
//! is failed on the way (see `jobs::simulation::reconcile`), so no page shows it running
//! forever.

use crate::db::DbConn;
use crate::jobs::simulation::reconcile;
use crate::models::module::{self, OfferedType};
use crate::models::project;
use crate::models::simulation::{self as sims, Listed, Simulation, StoredResult};
use crate::ops::access::{Capability, ProjectCtx};
use crate::ops::{Actor, OpError, OpResult};
use crate::report::compare::{RunFacts, refusal_reasons};
use crate::report::csv::Table;
use crate::sc::Circuit;

use super::SimulationRefusal;
use super::run::{RunChoices, run_choices};

/// A simulation the actor may read, with its project context.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub ctx: ProjectCtx,
    pub sim: Simulation,
}

/// Loads a simulation through its project in the actor's company; `NotFound` unless readable.
pub fn load(conn: &mut DbConn, actor: &Actor, id: i64) -> OpResult<Loaded> {
    let (sim, project) =
        sims::find_in_company(conn, actor.company_id, id)?.ok_or(OpError::NotFound)?;
    let role = match actor.user_id {
        Some(user_id) => project::access_role(conn, project.id, user_id)?,
        None => None,
    };
    let ctx = ProjectCtx::new(actor, project, role);
    if !ctx.can(Capability::Read) {
        return Err(OpError::NotFound);
    }
    let sim = reconcile(conn, sim)?;
    Ok(Loaded { ctx, sim })
}

/// The result of a completed simulation (the bus table alone); `NoResults` before.
pub fn completed_result(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
) -> OpResult<(Loaded, StoredResult)> {
    let loaded = load(conn, actor, id)?;
    if loaded.sim.status != "completed" {
        return Err(SimulationRefusal::NoResults.into());
    }
    let result = sims::stored_result(conn, loaded.sim.id)?;
    Ok((loaded, result))
}

/// The result of a completed simulation with its version's circuit (for the elements' names;
/// `None` when it cannot be read any more); `NoResults` before.
pub fn completed_with_circuit(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
) -> OpResult<(Loaded, StoredResult, Option<Circuit>)> {
    let (loaded, result) = completed_result(conn, actor, id)?;
    let circuit = sims::version_circuit(conn, loaded.sim.circuit_version_id)?;
    Ok((loaded, result, circuit))
}

/// One page of the project's simulations.
pub struct ListInputs {
    /// Newest first.
    pub rows: Vec<Listed>,
    pub total: i64,
    /// Every simulation type, enabled or not (for the labels).
    pub types: Vec<OfferedType>,
    /// The run form's choices when asked for and the actor may run.
    pub run: Option<RunChoices>,
}

/// Page `page_no` (from 1) of `page_size` simulations of the project, with the run form's
/// choices when `with_form` and the actor may run here.
pub fn list(
    conn: &mut DbConn,
    ctx: &ProjectCtx,
    page_no: i64,
    page_size: i64,
    with_form: bool,
) -> OpResult<ListInputs> {
    let (rows, total) =
        sims::page_for_project(conn, ctx.id(), (page_no - 1) * page_size, page_size)?;
    let mut fixed_rows = Vec::with_capacity(rows.len());
    for mut l in rows {
        if l.sim.is_active() {
            l.sim = reconcile(conn, l.sim)?;
        }
        fixed_rows.push(l);
    }
    let types = module::all_types(conn)?;
    let run = if with_form && ctx.can(Capability::Run) {
        Some(run_choices(conn, ctx.id())?)
    } else {
        None
    };
    Ok(ListInputs {
        rows: fixed_rows,
        total,
        types,
        run,
    })
}

/// What the results part of the page shows besides the result.
pub struct ResultInputs {
    pub stored: StoredResult,
    /// The project's other completed simulations, newest first (to compare with).
    pub others: Vec<Listed>,
    /// The circuit of the version, for the diagram (`None` when it cannot be read any more).
    pub circuit: Option<Circuit>,
}

/// The live part of a simulation's page: its state, and once completed its results.
pub struct Live {
    pub sim: Simulation,
    pub results: Option<ResultInputs>,
}

/// At most this many simulations are offered to compare with.
const COMPARE_CHOICES: i64 = 100;

fn live(conn: &mut DbConn, sim: Simulation) -> OpResult<Live> {
    let results = if sim.status == "completed" {
        Some(ResultInputs {
            stored: sims::stored_result(conn, sim.id)?,
            others: sims::completed_in_project(conn, sim.project_id, sim.id, COMPARE_CHOICES)?,
            circuit: sims::version_circuit(conn, sim.circuit_version_id)?,
        })
    } else {
        None
    };
    Ok(Live { sim, results })
}

/// The live part alone (polled while the simulation is pending or running).
pub fn status(conn: &mut DbConn, actor: &Actor, id: i64) -> OpResult<Live> {
    let Loaded { sim, .. } = load(conn, actor, id)?;
    live(conn, sim)
}

/// A simulation's page.
pub struct ShowInputs {
    pub ctx: ProjectCtx,
    /// The simulation with its version number and who ran it.
    pub listed: Listed,
    /// Every simulation type (for the label).
    pub types: Vec<OfferedType>,
    pub live: Live,
}

pub fn show(conn: &mut DbConn, actor: &Actor, id: i64) -> OpResult<ShowInputs> {
    let Loaded { ctx, sim } = load(conn, actor, id)?;
    let listed = sims::listed(conn, sim.clone())?;
    let types = module::all_types(conn)?;
    let live = live(conn, sim)?;
    Ok(ShowInputs {
        ctx,
        listed,
        types,
        live,
    })
}

/// Two completed simulations of one project, the one queued first as old (whichever page
/// asked), with their versions' documents for the element diff.
pub struct CompareInputs {
    pub ctx: ProjectCtx,
    /// The simulation whose page asked.
    pub sim_id: i64,
    pub old: (Listed, StoredResult),
    pub new: (Listed, StoredResult),
    /// The circuit documents of the old and the new run's versions (`None` when gone).
    pub old_doc: Option<serde_json::Value>,
    pub new_doc: Option<serde_json::Value>,
}

/// Two runs that cannot be compared, and why (for the page, instead of a bare refusal).
pub struct CompareRefused {
    pub ctx: ProjectCtx,
    pub sim_id: i64,
    pub this: Listed,
    pub other: Listed,
    pub reasons: Vec<String>,
}

pub enum CompareOutcome {
    Compared(Box<CompareInputs>),
    Refused(Box<CompareRefused>),
}

/// Simulation `id` compared with `with` (which must be readable too). Runs of another
/// project, not completed, or of another fault type or case are refused with the reasons.
pub fn compare(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    with: Option<i64>,
) -> OpResult<CompareOutcome> {
    let Loaded { ctx, sim } = load(conn, actor, id)?;
    let other_id =
        with.ok_or_else(|| OpError::field("with", "Choose a simulation to compare with."))?;
    let Loaded {
        ctx: other_ctx,
        sim: other,
    } = load(conn, actor, other_id)?;
    let (oa, ob) = (sim.sc_options(), other.sc_options());
    let reasons = refusal_reasons(
        &RunFacts {
            id: sim.id,
            project_id: sim.project_id,
            project_name: &ctx.project.name,
            status: &sim.status,
            fault: oa.fault,
            case: oa.case,
        },
        &RunFacts {
            id: other.id,
            project_id: other.project_id,
            project_name: &other_ctx.project.name,
            status: &other.status,
            fault: ob.fault,
            case: ob.case,
        },
    );
    let sim_id = sim.id;
    if !reasons.is_empty() {
        let this = sims::listed(conn, sim)?;
        let other = sims::listed(conn, other)?;
        return Ok(CompareOutcome::Refused(Box::new(CompareRefused {
            ctx,
            sim_id,
            this,
            other,
            reasons,
        })));
    }
    let ra = sims::stored_result(conn, sim.id)?;
    let rb = sims::stored_result(conn, other.id)?;
    let la = sims::listed(conn, sim)?;
    let lb = sims::listed(conn, other)?;
    let (old, new) = if (la.sim.queued_at, la.sim.id) <= (lb.sim.queued_at, lb.sim.id) {
        ((la, ra), (lb, rb))
    } else {
        ((lb, rb), (la, ra))
    };
    let doc = |conn: &mut DbConn, version_id: i64| -> OpResult<Option<serde_json::Value>> {
        Ok(sims::version(conn, version_id)?.map(|v| v.data_json.0))
    };
    let old_doc = doc(conn, old.0.sim.circuit_version_id)?;
    let new_doc = if new.0.sim.circuit_version_id == old.0.sim.circuit_version_id {
        old_doc.clone()
    } else {
        doc(conn, new.0.sim.circuit_version_id)?
    };
    Ok(CompareOutcome::Compared(Box::new(CompareInputs {
        ctx,
        sim_id,
        old,
        new,
        old_doc,
        new_doc,
    })))
}

/// A result to export as CSV, with what its header block and names need.
pub struct CsvExport {
    pub table: Table,
    pub project_name: String,
    pub sim: Simulation,
    pub stored: StoredResult,
    /// The simulated version's circuit (names); `None` when it cannot be read any more.
    pub circuit: Option<Circuit>,
}

/// The result to export as CSV (`table` is `None` when the name was not one of the tables).
pub fn export_csv(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    table: Option<Table>,
) -> OpResult<CsvExport> {
    let loaded = load(conn, actor, id)?;
    let table = table
        .ok_or_else(|| OpError::field("table", "The table must be buses, branches or duty."))?;
    if loaded.sim.status != "completed" {
        return Err(SimulationRefusal::NothingToExport.into());
    }
    let stored = sims::stored_result(conn, loaded.sim.id)?;
    let circuit = sims::version_circuit(conn, loaded.sim.circuit_version_id)?;
    Ok(CsvExport {
        table,
        project_name: loaded.ctx.project.name,
        sim: loaded.sim,
        stored,
        circuit,
    })
}

/// Everything about a simulation to export as JSON: its project's name, the simulation as
/// listed and its result once completed.
pub fn export_json(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
) -> OpResult<(String, Listed, Option<StoredResult>)> {
    let Loaded { ctx, sim } = load(conn, actor, id)?;
    let result = if sim.status == "completed" {
        Some(sims::stored_result(conn, sim.id)?)
    } else {
        None
    };
    Ok((ctx.project.name, sims::listed(conn, sim)?, result))
}

/// What the study report of a completed simulation is made of.
pub struct ReportInputs {
    pub project_name: String,
    /// The simulation with its version number and who ran it.
    pub listed: Listed,
    /// Every simulation type (for the label).
    pub types: Vec<OfferedType>,
    pub stored: StoredResult,
    /// The circuit of the version (`None` when it cannot be read any more).
    pub circuit: Option<Circuit>,
}

/// The study report's inputs; `NoReport` unless the simulation completed. Reading it is not
/// a change, so nothing is audited (as for the exports).
pub fn report(conn: &mut DbConn, actor: &Actor, id: i64) -> OpResult<ReportInputs> {
    let Loaded { ctx, sim } = load(conn, actor, id)?;
    if sim.status != "completed" {
        return Err(SimulationRefusal::NoReport.into());
    }
    let stored = sims::stored_result(conn, sim.id)?;
    let circuit = sims::version_circuit(conn, sim.circuit_version_id)?;
    Ok(ReportInputs {
        project_name: ctx.project.name,
        listed: sims::listed(conn, sim)?,
        types: module::all_types(conn)?,
        stored,
        circuit,
    })
}
