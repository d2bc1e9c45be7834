//! Element kinds beyond lines, transformers and machines: shunts, ward equivalents, series
//! impedances and storage units, with pandapower's parameter names (docs/circuit-format.md).

use super::{is_one, is_true, one, yes};
use serde::{Deserialize, Serialize};

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// Shunt (reactor or capacitor bank, pandapower `shunt`): p_mw and q_mvar are drawn at vn_kv
/// per step. It has no short-circuit contribution: IEC 60909-0 neglects shunt admittances of
/// non-rotating loads in the positive-sequence system and pandapower's short-circuit
/// calculation leaves shunts out of every sequence network; kept for completeness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shunt {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub bus: String,
    /// Active power per step at vn_kv, MW.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub p_mw: f64,
    /// Reactive power per step at vn_kv, Mvar (positive: inductive, a reactor).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub q_mvar: f64,
    /// Rated voltage, kV (default: the bus's nominal voltage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vn_kv: Option<f64>,
    /// Steps in service.
    #[serde(default = "one_step", skip_serializing_if = "is_one_step")]
    pub step: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_step: Option<u32>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

fn one_step() -> u32 {
    1
}
fn is_one_step(v: &u32) -> bool {
    *v == 1
}

/// Ward equivalent (pandapower `ward`): a constant power (ps_mw, qs_mvar; no short-circuit
/// effect) and a constant impedance given by its power pz_mw, qz_mvar at the bus's nominal
/// voltage. In the short circuit the impedance part is a shunt admittance to earth in the
/// positive- and negative-sequence systems, Y = (pz_mw + j·qz_mvar)/Un² (S, Un in kV), as
/// pandapower's short-circuit calculation defines it; no zero-sequence path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ward {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub bus: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ps_mw: f64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub qs_mvar: f64,
    pub pz_mw: f64,
    pub qz_mvar: f64,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

/// Extended ward equivalent (pandapower `xward`): a ward plus an internal voltage source vm_pu
/// behind r_ohm + j·x_ohm. In the short circuit it acts as a ward (the internal source is no
/// short-circuit source, so its branch carries no current; pandapower alike).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Xward {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub bus: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ps_mw: f64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub qs_mvar: f64,
    pub pz_mw: f64,
    pub qz_mvar: f64,
    pub r_ohm: f64,
    pub x_ohm: f64,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub vm_pu: f64,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

/// Series impedance between two buses (pandapower `impedance`), in per unit of sn_mva and the
/// nominal voltages of its buses. Shunt parts gf/bf (from end) and gt/bt (to end) likewise.
/// The engine's network model is reciprocal: rtf/xtf (to → from) must equal rft/xft when given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Impedance {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub from_bus: String,
    pub to_bus: String,
    pub sn_mva: f64,
    pub rft_pu: f64,
    pub xft_pu: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtf_pu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xtf_pu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gf_pu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bf_pu: Option<f64>,
    /// Default gf_pu.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt_pu: Option<f64>,
    /// Default bf_pu.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bt_pu: Option<f64>,
    /// Zero sequence (needed for earth faults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rft0_pu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xft0_pu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtf0_pu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xtf0_pu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gf0_pu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bf0_pu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt0_pu: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bt0_pu: Option<f64>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

/// Battery storage (pandapower `storage`). No short-circuit contribution (pandapower's
/// short-circuit calculation leaves storage out); an inverter's contribution is entered as a
/// static generator with k. Kept for completeness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub bus: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub p_mw: f64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub q_mvar: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sn_mva: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_e_mwh: Option<f64>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

/// Short-circuit model of a static generator (pandapower's `generator_type`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratorType {
    /// Full-converter unit: a current source of k·Ir (IEC 60909-0 6.9).
    #[default]
    CurrentSource,
    /// Asynchronous generator: an impedance from lrc_pu and rx at the bus voltage.
    Async,
    /// Doubly fed asynchronous generator: an impedance from max_ik_ka, kappa and rx.
    AsyncDoublyFed,
}

impl GeneratorType {
    pub fn as_str(self) -> &'static str {
        match self {
            GeneratorType::CurrentSource => "current_source",
            GeneratorType::Async => "async",
            GeneratorType::AsyncDoublyFed => "async_doubly_fed",
        }
    }
    pub fn is_current_source(&self) -> bool {
        *self == GeneratorType::CurrentSource
    }
}
