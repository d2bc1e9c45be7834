//! Simulations: run, and what can be asked of one (compare, export).

/// Why a simulation request is refused.
#[derive(Debug, thiserror::Error)]
pub enum SimulationRefusal {
    #[error("This simulation has no results yet.")]
    NoResults,
}
