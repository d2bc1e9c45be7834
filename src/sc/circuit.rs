//! Circuit format v1 (`data_json`, DESIGN.md section 4) as serde types.
//!
//! Parsing is strict: unknown fields are refused so that a misspelt parameter never falls back
//! to a silent default. Semantic checks (references, ranges) live in `validate`.

use serde::{Deserialize, Serialize};

mod elements;
pub use elements::*;

/// The value of the top-level `format` field.
pub const FORMAT_NAME: &str = "ampflux-circuit";
/// The only circuit format version this engine reads.
pub const FORMAT_VERSION: u32 = 1;

fn yes() -> bool {
    true
}
fn one() -> f64 {
    1.0
}
fn fifty() -> f64 {
    50.0
}
fn is_true(v: &bool) -> bool {
    *v
}
fn is_one(v: &f64) -> bool {
    *v == 1.0
}

/// A whole circuit document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Circuit {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub name: String,
    #[serde(default = "fifty")]
    pub frequency_hz: f64,
    #[serde(default)]
    pub buses: Vec<Bus>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_grids: Vec<ExternalGrid>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Line>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transformers: Vec<Transformer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transformers3w: Vec<Transformer3w>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub impedances: Vec<Impedance>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generators: Vec<Generator>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub motors: Vec<Motor>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub static_generators: Vec<StaticGenerator>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storages: Vec<Storage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub loads: Vec<Load>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shunts: Vec<Shunt>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wards: Vec<Ward>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub xwards: Vec<Xward>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub switches: Vec<Switch>,
}

impl Circuit {
    /// An empty circuit with the current format header.
    pub fn new(name: impl Into<String>) -> Self {
        Circuit {
            format: FORMAT_NAME.to_string(),
            version: FORMAT_VERSION,
            name: name.into(),
            frequency_hz: 50.0,
            buses: Vec::new(),
            external_grids: Vec::new(),
            lines: Vec::new(),
            transformers: Vec::new(),
            transformers3w: Vec::new(),
            impedances: Vec::new(),
            generators: Vec::new(),
            motors: Vec::new(),
            static_generators: Vec::new(),
            storages: Vec::new(),
            loads: Vec::new(),
            shunts: Vec::new(),
            wards: Vec::new(),
            xwards: Vec::new(),
            switches: Vec::new(),
        }
    }
}

/// Position of a bus in the one-line diagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    pub x: f64,
    pub y: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bus {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Nominal voltage Un (line-to-line), kV.
    pub vn_kv: f64,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<Position>,
}

/// Network feeder (IEC 60909-0 6.2): equivalent impedance from Sk''Q and R/X.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalGrid {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub bus: String,
    pub s_sc_max_mva: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s_sc_min_mva: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rx_max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rx_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x0x_max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r0x0_max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x0x_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r0x0_min: Option<f64>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub from_bus: String,
    pub to_bus: String,
    pub length_km: f64,
    pub r_ohm_per_km: f64,
    pub x_ohm_per_km: f64,
    #[serde(default)]
    pub c_nf_per_km: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r0_ohm_per_km: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x0_ohm_per_km: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub c0_nf_per_km: Option<f64>,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub parallel: f64,
    /// Conductor temperature at the end of the short circuit, used for the min case
    /// (IEC 60909-0 eq. 31).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endtemp_degree: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_i_ka: Option<f64>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

/// Side of a transformer that carries the tap changer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TapSide {
    Hv,
    Mv,
    Lv,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transformer {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub hv_bus: String,
    pub lv_bus: String,
    pub sn_mva: f64,
    pub vn_hv_kv: f64,
    pub vn_lv_kv: f64,
    pub vk_percent: f64,
    pub vkr_percent: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vk0_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vkr0_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mag0_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mag0_rx: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub si0_hv_partial: Option<f64>,
    /// Neutral earthing reactance, ohm (zero sequence: 3 Zn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xn_ohm: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap_side: Option<TapSide>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap_neutral: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap_pos: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap_min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap_max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap_step_percent: Option<f64>,
    /// Unit transformer with an on-load tap changer (KS, IEC 60909-0 6.7.1) or without (KSO, 6.7.2).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub oltc: bool,
    /// Tap range pT of an off-load tap changer, percent (KSO, eq. 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pt_percent: Option<f64>,
    /// Unit transformer of a power-station unit (pandapower's flag): no KT, also when no
    /// generator names it in power_station_trafo (then no KS/KSO either: KT = 1, as pandapower).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub power_station_unit: bool,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub parallel: f64,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transformer3w {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub hv_bus: String,
    pub mv_bus: String,
    pub lv_bus: String,
    pub sn_hv_mva: f64,
    pub sn_mv_mva: f64,
    pub sn_lv_mva: f64,
    pub vn_hv_kv: f64,
    pub vn_mv_kv: f64,
    pub vn_lv_kv: f64,
    /// Short-circuit voltage HV-MV, referred to min(sn_hv, sn_mv).
    pub vk_hv_percent: f64,
    /// Short-circuit voltage MV-LV, referred to min(sn_mv, sn_lv).
    pub vk_mv_percent: f64,
    /// Short-circuit voltage HV-LV, referred to min(sn_hv, sn_lv).
    pub vk_lv_percent: f64,
    pub vkr_hv_percent: f64,
    pub vkr_mv_percent: f64,
    pub vkr_lv_percent: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vk0_hv_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vk0_mv_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vk0_lv_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vkr0_hv_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vkr0_mv_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vkr0_lv_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector_group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap_side: Option<TapSide>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap_neutral: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap_pos: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tap_step_percent: Option<f64>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

/// Synchronous generator (IEC 60909-0 6.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generator {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub bus: String,
    pub sn_mva: f64,
    pub vn_kv: f64,
    pub xdss_pu: f64,
    pub rdss_ohm: f64,
    pub cos_phi: f64,
    #[serde(default)]
    pub pg_percent: f64,
    /// Id of the unit transformer when generator and transformer form a power-station unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub power_station_trafo: Option<String>,
    /// Saturated synchronous reactance xd sat, p.u. on the generator rating (the reciprocal of
    /// the short-circuit ratio), for the steady-state current Ik (IEC 60909-0 clause 10.2.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xdsat_pu: Option<f64>,
    /// Excitation series of the λ curves (IEC 60909-0 Figures 18 and 19), with xdsat_pu.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excitation: Option<Excitation>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

/// Rotor type and highest excitation voltage Ufmax/UfR of a synchronous generator: the curve
/// series of λmax in IEC 60909-0:2016 Figure 18 (cylindrical rotor, turbine generators:
/// series one 1.3, series two 1.6) and Figure 19 (salient pole: 1.6 and 2.0). UfR is the
/// excitation voltage at rated load and power factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Excitation {
    #[serde(rename = "turbine_1.3")]
    Turbine1_3,
    #[serde(rename = "turbine_1.6")]
    Turbine1_6,
    #[serde(rename = "salient_pole_1.6")]
    SalientPole1_6,
    #[serde(rename = "salient_pole_2.0")]
    SalientPole2_0,
}

impl Excitation {
    /// Every value, as the format spells it.
    pub const NAMES: [&'static str; 4] = [
        "turbine_1.3",
        "turbine_1.6",
        "salient_pole_1.6",
        "salient_pole_2.0",
    ];

    /// Ufmax/UfR.
    pub fn ceiling(self) -> f64 {
        match self {
            Excitation::Turbine1_3 => 1.3,
            Excitation::Turbine1_6 | Excitation::SalientPole1_6 => 1.6,
            Excitation::SalientPole2_0 => 2.0,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Excitation::Turbine1_3 => Self::NAMES[0],
            Excitation::Turbine1_6 => Self::NAMES[1],
            Excitation::SalientPole1_6 => Self::NAMES[2],
            Excitation::SalientPole2_0 => Self::NAMES[3],
        }
    }
}

/// Asynchronous motor (IEC 60909-0 6.8), rated values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Motor {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub bus: String,
    pub pn_mech_mw: f64,
    pub cos_phi: f64,
    pub efficiency_percent: f64,
    /// Locked-rotor to rated current ratio ILR/IrM.
    pub lrc_pu: f64,
    /// RM/XM.
    pub rx: f64,
    pub vn_kv: f64,
    /// Number of pole pairs p, for the factor q of the breaking current (IEC 60909-0 eq. 73);
    /// q = 1 when absent (conservative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pole_pairs: Option<u32>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

/// Static generator (pandapower `sgen`). By `generator_type`: a full-converter unit, a current
/// source of k times rated current (IEC 60909-0 6.9); an asynchronous generator, an impedance
/// 1/lrc_pu · Un²/sn_mva with R/X = rx; a doubly fed asynchronous generator, an impedance
/// √2·kappa·Un/(√3·max_ik_ka) with R/X = rx, whose kappa is the peak factor at its bus.
/// With k, an asynchronous type is a current source too (pandapower's `current_source`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticGenerator {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub bus: String,
    #[serde(default, skip_serializing_if = "GeneratorType::is_current_source")]
    pub generator_type: GeneratorType,
    /// Rated power, MVA (current sources and asynchronous generators).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sn_mva: Option<f64>,
    /// Short-circuit current / rated current of the current source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<f64>,
    /// Locked-rotor current / rated current (async).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lrc_pu: Option<f64>,
    /// R/X of the machine impedance (async, async_doubly_fed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rx: Option<f64>,
    /// Highest instantaneous short-circuit current of a 3ph fault, kA (async_doubly_fed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ik_ka: Option<f64>,
    /// Peak factor κ given by the manufacturer (async_doubly_fed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kappa: Option<f64>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Load {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub bus: String,
    #[serde(default)]
    pub p_mw: f64,
    #[serde(default)]
    pub q_mvar: f64,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

/// What a switch connects its bus to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElementKind {
    Bus,
    Line,
    Transformer,
    Transformer3w,
}

/// Switch type; the variant names are the strings of the format.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SwitchType {
    /// Circuit breaker (duty-checked when rated).
    CB,
    /// Load-break switch.
    LBS,
    /// Disconnector.
    DS,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Switch {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub bus: String,
    pub element_kind: ElementKind,
    pub element: String,
    #[serde(default = "yes")]
    pub closed: bool,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub switch_type: Option<SwitchType>,
    /// Rated short-circuit breaking current, kA (duty check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_ib_ka: Option<f64>,
    /// Rated short-circuit making current (peak), kA (duty check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_ip_ka: Option<f64>,
    /// Impedance of a bus-bus switch, ohm: closed, with z_ohm > 0, it is a series impedance of
    /// that magnitude with R/X = 2 (pandapower's short-circuit switch model) instead of fusing
    /// its buses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub z_ohm: Option<f64>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub in_service: bool,
}

impl Switch {
    /// A closed, in-service bus-bus switch with an impedance: a branch, not a fusion.
    pub fn is_impedance(&self) -> bool {
        self.element_kind == ElementKind::Bus
            && self.closed
            && self.in_service
            && self.z_ohm.is_some_and(|z| z > 0.0)
    }
}
