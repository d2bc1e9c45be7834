//! Results to test the report with.

use crate::models::simulation::{CircuitInfo, EngineInfo, StoredResult};
use crate::sc::results::{BusResult, DutyResult};
use crate::sc::{ScOptions, ScResults};

/// A 20 kV bus with this Ik''.
pub fn bus(id: &str, ikss: Option<f64>) -> BusResult {
    BusResult {
        id: id.into(),
        vn_kv: 20.0,
        ikss_ka: ikss,
        ..Default::default()
    }
}

/// A breaker at `bus` breaking `ib` kA against a rating of `rated` kA.
pub fn breaker(id: &str, bus: &str, ib: f64, rated: f64) -> DutyResult {
    DutyResult {
        switch: id.into(),
        bus: bus.into(),
        ikss_ka: Some(ib),
        ib_ka: Some(ib),
        rated_ib_ka: Some(rated),
        ib_utilisation_percent: Some(ib / rated * 100.0),
        ip_ka: None,
        rated_ip_ka: None,
        ip_utilisation_percent: None,
        status: if ib > rated { "fail" } else { "pass" }.into(),
    }
}

pub fn stored_with(buses: Vec<BusResult>, duty: Vec<DutyResult>) -> StoredResult {
    StoredResult {
        format: "ampflux-simulation-result".into(),
        format_version: 1,
        engine: EngineInfo::current(),
        simulation_type: "short_circuit".into(),
        circuit: CircuitInfo {
            version_id: 1,
            version_number: 1,
            name: "t".into(),
            content_hash: String::new(),
            buses: buses.len(),
        },
        computed_at: crate::util::now(),
        duration_ms: 1,
        results: ScResults {
            options: ScOptions::default(),
            buses,
            branches: Vec::new(),
            duty,
            warnings: Vec::new(),
        },
    }
}
