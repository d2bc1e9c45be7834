//! Calculation options (serde: they are stored with every simulation).

use serde::{Deserialize, Serialize};

/// Fault type (IEC 60909-0 1.3 / 4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Fault {
    /// Balanced three-phase fault.
    #[serde(rename = "3ph")]
    ThreePhase,
    /// Line-to-line fault without earth connection.
    #[serde(rename = "2ph")]
    TwoPhase,
    /// Line-to-line fault with earth connection.
    #[serde(rename = "2phg")]
    TwoPhaseEarth,
    /// Line-to-earth fault.
    #[serde(rename = "1ph")]
    SinglePhase,
}

impl Fault {
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::ThreePhase => "3ph",
            Fault::TwoPhase => "2ph",
            Fault::TwoPhaseEarth => "2phg",
            Fault::SinglePhase => "1ph",
        }
    }
    /// True when the zero-sequence network is needed.
    pub fn needs_zero_sequence(self) -> bool {
        matches!(self, Fault::TwoPhaseEarth | Fault::SinglePhase)
    }
}

/// Maximum or minimum short-circuit currents (IEC 60909-0 4.3.1 / 4.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Case {
    Max,
    Min,
}

/// Method for the peak factor κ in meshed networks (IEC 60909-0 8.1.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KappaMethod {
    /// Uniform ratio R/X at the fault location with factor 1.15 (eq. 59).
    B,
    /// Equivalent frequency fc (eq. 60-62).
    C,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScOptions {
    pub fault: Fault,
    pub case: Case,
    /// Low-voltage tolerance, 6 or 10 percent (Table 1).
    pub lv_tol_percent: u8,
    pub kappa_method: KappaMethod,
    /// Fault duration Tk for Ith, seconds.
    pub tk_s: f64,
    /// Minimum time delay tmin for the breaking current Ib (IEC 60909-0 9.1.1, factors μ
    /// and q), seconds: the shortest time from the start of the short circuit to the
    /// separation of the first pole of the breaker.
    pub tmin_s: f64,
    pub r_fault_ohm: f64,
    pub x_fault_ohm: f64,
    /// Fault locations; all buses when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buses: Vec<String>,
    /// Branch currents: the largest over the selected fault locations.
    pub branch_results: bool,
}

impl Default for ScOptions {
    fn default() -> Self {
        ScOptions {
            fault: Fault::ThreePhase,
            case: Case::Max,
            lv_tol_percent: 10,
            kappa_method: KappaMethod::C,
            tk_s: 1.0,
            tmin_s: 0.1,
            r_fault_ohm: 0.0,
            x_fault_ohm: 0.0,
            buses: Vec::new(),
            branch_results: false,
        }
    }
}
