//! Result types. Every number is optional: an unfed bus has no result (absent in JSON, never
//! NaN or zero), and non-finite values are dropped when results are assembled.

use super::options::ScOptions;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScResults {
    pub options: ScOptions,
    pub buses: Vec<BusResult>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<BranchResult>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duty: Vec<DutyResult>,
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BusResult {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub vn_kv: f64,
    /// Initial symmetrical short-circuit current Ik'' (for 2phg: the larger line current).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ikss_ka: Option<f64>,
    /// Initial symmetrical short-circuit power Sk''.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skss_mva: Option<f64>,
    /// Peak short-circuit current ip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_ka: Option<f64>,
    /// Thermal equivalent short-circuit current Ith for tk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ith_ka: Option<f64>,
    /// Positive-sequence short-circuit impedance Zk = Rk + jXk at the fault location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rk_ohm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xk_ohm: Option<f64>,
    /// Zero-sequence short-circuit impedance (earth faults); absent when no zero-sequence path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rk0_ohm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xk0_ohm: Option<f64>,
    /// Earth current IkE2E'' of a line-to-line-to-earth fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ike_ka: Option<f64>,
    /// Peak factor κ used for ip and Ith.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kappa: Option<f64>,
    /// Symmetrical breaking current Ib for the options' tmin (IEC 60909-0:2016 clause 9.1;
    /// the same rule as the duty check's): Ik'' far from generators and for unbalanced faults,
    /// eq. (75) with μ and q where machines feed a three-phase fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ib_ka: Option<f64>,
    /// Steady-state short-circuit current Ik (IEC 60909-0:2016 clause 10). Ik = Ik'' when no
    /// synchronous generator or motor feeds the network (far from generator) and for
    /// unbalanced faults (flux decay not considered). Three-phase faults fed by machines
    /// (`steady`): per feeder of the fault location, λ·IrG where one generator or
    /// power-station unit feeds alone (10.2.1, λmax or λmin of Figures 18/19 by the case,
    /// from the generator's xdsat_pu and excitation), the initial partial current without
    /// motors elsewhere (network feeders; several sources in one feeder, 10.2.3: I''kM),
    /// summed as in 10.2.2. Absent where a generator feeding alone lacks xdsat_pu or
    /// excitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ik_ka: Option<f64>,
    /// |Zk| = |Rk + jXk|, ohm (with the fault impedance, as Rk and Xk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zk_ohm: Option<f64>,
    /// |Z(0)k| of earth faults, ohm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z0k_ohm: Option<f64>,
    /// Rk/Xk at the fault location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rx: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BranchResult {
    /// `line`, `transformer`, `transformer3w`, `impedance` or `switch` (a bus-bus switch with
    /// an impedance; from = its bus, to = the other bus).
    pub kind: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ikss_from_ka: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ikss_to_ka: Option<f64>,
    /// For transformers3w: current at the LV terminal (from = HV, to = MV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ikss_lv_ka: Option<f64>,
    /// The largest of the terminal currents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ikss_ka: Option<f64>,
    /// Fault bus giving that current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_bus: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DutyResult {
    pub switch: String,
    pub bus: String,
    /// Initial symmetrical short-circuit current Ik'' at the bus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ikss_ka: Option<f64>,
    /// Symmetrical breaking current Ib (IEC 60909-0 9.1; μ and q for the minimum time delay
    /// tmin_s; Ib = Ik'' for unbalanced faults and far from generators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ib_ka: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_ib_ka: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ib_utilisation_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_ka: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_ip_ka: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_utilisation_percent: Option<f64>,
    /// `pass`, `fail`, or `unknown` when the bus has no result.
    pub status: String,
}

/// Keeps finite numbers only.
pub fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}
