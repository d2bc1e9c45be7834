//! Simulations: run one (`run`), and what the pages read (`read`): a simulation with its
//! project, the project's list, the results, a comparison, the exports. A simulation is read
//! through its project: one the actor may not read is not found.

pub mod checks;
pub mod read;
pub mod run;

pub use read::{
    CompareInputs, CompareOutcome, CompareRefused, CsvExport, ListInputs, Live, Loaded,
    ReportInputs, ResultInputs, ShowInputs, compare, completed_result, completed_with_circuit,
    export_csv, export_json, list, load, report, show, status,
};
pub use run::{RunChoices, RunSimulation, run, run_choices, run_form};

/// Why a simulation request is refused.
#[derive(Debug, thiserror::Error)]
pub enum SimulationRefusal {
    #[error("This simulation has no results yet.")]
    NoResults,
    #[error("Only completed simulations can be compared.")]
    NotComparable,
    #[error("This simulation has no results to export.")]
    NothingToExport,
    /// The chosen circuit version lacks data the study needs: nothing was queued.
    #[error("Circuit version {version} lacks data for {}: {}.", .readiness.study, .readiness.summary)]
    Incomplete {
        version: i32,
        readiness: Box<checks::Readiness>,
    },
    #[error("Only a completed simulation has a study report; this one has no results.")]
    NoReport,
}
