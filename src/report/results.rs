//! The results part of a simulation's page: calculation details, findings, the three tables,
//! what to compare with and the diagram.

use crate::models::simulation::{Simulation, StoredResult};
use crate::sc::findings::Thresholds;

use super::diagram::DiagramView;
use super::findings::{Finding, describe_thresholds, findings};
use super::format::{duration_label, duration_label_us};
use super::names::Names;
use super::paging::Rows;
use super::tables::{BranchTable, BusTable, DutyRow, Sort, branch_table, bus_table, duty_rows};

/// Another completed run of the project to compare with.
pub struct CompareChoice {
    pub id: i64,
    pub label: String,
}

pub struct ResultsView {
    pub sim_id: i64,
    pub is_duty: bool,
    pub facts: Vec<(&'static str, String)>,
    pub findings: Vec<Finding>,
    pub warnings: Vec<String>,
    pub table: BusTable,
    /// A page of the branch table (`has_branches`: the result has any).
    pub branches: BranchTable,
    pub has_branches: bool,
    pub branch_results: bool,
    pub duty: Vec<DutyRow>,
    pub duty_failures: usize,
    pub compare: Vec<CompareChoice>,
    pub diagram: Option<DiagramView>,
}

/// The bus table of a stored result with its findings' thresholds.
/// Buses are named from the names stored with their results (the same as the circuit's).
pub fn result_bus_table(sim_id: i64, r: &StoredResult, sort: Sort, rows: Rows) -> BusTable {
    let limits = Thresholds::new(&r.results.buses, &r.results.duty);
    let names = Names::new(None, &r.results.buses);
    bus_table(sim_id, &r.results, sort, rows, &limits, &names)
}

/// A page of the branch table of a stored result (branches named as in `circuit`, when it can
/// still be read).
pub fn result_branch_table(
    sim_id: i64,
    r: &StoredResult,
    circuit: Option<&crate::sc::Circuit>,
    rows: Rows,
) -> BranchTable {
    let names = Names::new(circuit, &r.results.buses);
    branch_table(sim_id, &r.results.branches, rows, &names)
}

/// What a results page shows of its tables: the bus table's sort and the pages asked for.
#[derive(Debug, Clone, Copy)]
pub struct TableQuery {
    pub sort: Sort,
    pub buses: Rows,
    pub branches: Rows,
}

/// What was calculated, by what, how long it took and with which options.
fn facts(
    sim: &Simulation,
    r: &StoredResult,
    limits: &Thresholds,
    names: &Names,
) -> Vec<(&'static str, String)> {
    let o = &r.results.options;
    vec![
        (
            "Engine",
            format!(
                "{} {} ({})",
                r.engine.name, r.engine.version, r.engine.standard
            ),
        ),
        (
            "Buses calculated",
            format!("{} of {}", r.results.buses.len(), r.circuit.buses),
        ),
        (
            "Calculation time",
            duration_label_us(
                sim.duration_micros()
                    .or(Some(r.duration_ms.saturating_mul(1000))),
            ),
        ),
        (
            "Queued to completed",
            duration_label(
                sim.completed_at
                    .map(|c| (c - sim.queued_at).num_milliseconds().max(0)),
            ),
        ),
        (
            "Thresholds for findings",
            describe_thresholds(limits, names),
        ),
        (
            "Options",
            format!(
                "LV tolerance {} %, κ method {:?}, Tk {} s, tmin {} s, fault impedance {} + j{} Ω",
                o.lv_tol_percent, o.kappa_method, o.tk_s, o.tmin_s, o.r_fault_ohm, o.x_fault_ohm
            ),
        ),
    ]
}

/// `circuit` is the simulated version's (names of branches and breakers, lines' ratings);
/// `None` when it cannot be read any more.
pub fn results_view(
    sim: &Simulation,
    r: &StoredResult,
    query: TableQuery,
    compare: Vec<CompareChoice>,
    diagram: Option<DiagramView>,
    circuit: Option<&crate::sc::Circuit>,
) -> ResultsView {
    let res = &r.results;
    let limits = Thresholds::new(&res.buses, &res.duty);
    let names = Names::new(circuit, &res.buses);
    ResultsView {
        sim_id: sim.id,
        is_duty: sim.simulation_type == "duty_check",
        facts: facts(sim, r, &limits, &names),
        findings: findings(res, &limits, &names, circuit),
        warnings: res.warnings.clone(),
        table: bus_table(sim.id, res, query.sort, query.buses, &limits, &names),
        branches: branch_table(sim.id, &res.branches, query.branches, &names),
        has_branches: !res.branches.is_empty(),
        branch_results: res.options.branch_results,
        duty: duty_rows(&res.duty, &names),
        duty_failures: res.duty.iter().filter(|d| d.status == "fail").count(),
        compare,
        diagram,
    }
}
