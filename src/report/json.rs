//! The JSON export of a simulation: its row as people know it and its stored result.

use crate::models::simulation::{Listed, StoredResult};

/// The exported document (`result` is null until the simulation completed).
pub fn export_document(
    project_name: &str,
    l: &Listed,
    result: Option<&StoredResult>,
) -> serde_json::Value {
    serde_json::json!({
        "simulation": {
            "id": l.sim.id,
            "project_id": l.sim.project_id,
            "project": project_name,
            "simulation_type": l.sim.simulation_type,
            "status": l.sim.status,
            "circuit_version": l.version_number,
            "options": l.sim.options,
            "simulated_by": l.user_name,
            "queued_at": l.sim.queued_at,
            "started_at": l.sim.started_at,
            "completed_at": l.sim.completed_at,
            "duration_ms": l.sim.duration_ms,
            "error": l.sim.error,
        },
        "result": result,
    })
}
