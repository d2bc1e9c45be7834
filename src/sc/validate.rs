//! Semantic validation of a circuit: every problem with its path, errors and warnings.
//!
//! Errors make a calculation impossible or meaningless (dangling references, duplicate ids,
//! non-positive ratings, zero or non-finite impedances); warnings flag data that is suspicious
//! but computable (voltage mismatch between a winding and its bus, unfed buses, negative
//! series resistances and reactances of network equivalents, which are computed as given, as
//! pandapower does: a singular network is refused by the factorization instead).

mod listing;

pub(crate) use listing::listed;
pub use listing::{LISTED_IDS, unfed_warning};

use super::circuit::{Circuit, ElementKind, FORMAT_NAME, FORMAT_VERSION};
use super::topology::{Topology, bus_index};
use super::vector_group::VectorGroup;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;

mod elements;

/// Relative difference between a transformer's rated winding voltage and its bus's nominal
/// voltage above which a warning is given.
pub const VOLTAGE_MISMATCH_TOLERANCE: f64 = 0.2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub severity: Severity,
    /// `kind[id].field`, e.g. `transformers[T2].vk_percent`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{tag}: {}: {}", self.path, self.message)
    }
}

/// True when at least one problem is an error.
pub fn has_errors(problems: &[Problem]) -> bool {
    problems.iter().any(|p| p.severity == Severity::Error)
}

struct Checker<'a> {
    c: &'a Circuit,
    /// Bus id -> index of its first occurrence.
    buses: &'a HashMap<&'a str, usize>,
    out: Vec<Problem>,
}

impl<'a> Checker<'a> {
    fn push(&mut self, severity: Severity, path: String, message: String) {
        self.out.push(Problem {
            severity,
            path,
            message,
        });
    }
    fn error(&mut self, path: String, message: String) {
        self.push(Severity::Error, path, message);
    }
    fn warn(&mut self, path: String, message: String) {
        self.push(Severity::Warning, path, message);
    }

    fn positive(&mut self, kind: &str, id: &str, field: &str, v: f64) {
        if !(v.is_finite() && v > 0.0) {
            self.error(
                format!("{kind}[{id}].{field}"),
                format!("must be greater than 0 (got {v})"),
            );
        }
    }
    fn non_negative(&mut self, kind: &str, id: &str, field: &str, v: f64) {
        if !(v.is_finite() && v >= 0.0) {
            self.error(
                format!("{kind}[{id}].{field}"),
                format!("must be 0 or greater (got {v})"),
            );
        }
    }
    fn finite(&mut self, kind: &str, id: &str, field: &str, v: f64) {
        if !v.is_finite() {
            self.error(
                format!("{kind}[{id}].{field}"),
                format!("must be a finite number (got {v})"),
            );
        }
    }
    fn opt_finite(&mut self, kind: &str, id: &str, field: &str, v: Option<f64>) {
        if let Some(v) = v {
            self.finite(kind, id, field, v);
        }
    }
    fn opt_non_negative(&mut self, kind: &str, id: &str, field: &str, v: Option<f64>) {
        if let Some(v) = v {
            self.non_negative(kind, id, field, v);
        }
    }
    fn opt_positive(&mut self, kind: &str, id: &str, field: &str, v: Option<f64>) {
        if let Some(v) = v {
            self.positive(kind, id, field, v);
        }
    }
    /// Checks a bus reference; returns the bus's nominal voltage when it exists.
    fn bus_ref(&mut self, kind: &str, id: &str, field: &str, bus: &str) -> Option<f64> {
        let vn = self.bus_vn(bus);
        if vn.is_none() {
            self.error(format!("{kind}[{id}].{field}"), format!("no bus \"{bus}\""));
        }
        vn
    }
    fn unique<'b>(&mut self, kind: &str, ids: impl Iterator<Item = &'b str>) {
        let mut seen = HashSet::new();
        for id in ids {
            if id.is_empty() {
                self.error(format!("{kind}[]"), "id must not be empty".into());
            } else if !seen.insert(id) {
                self.error(format!("{kind}[{id}]"), "duplicate id".into());
            }
        }
    }
    fn bus_vn(&self, bus: &str) -> Option<f64> {
        self.buses.get(bus).map(|&i| self.c.buses[i].vn_kv)
    }
    fn voltage_match(&mut self, kind: &str, id: &str, field: &str, rated: f64, bus: &str) {
        if let Some(vn) = self.bus_vn(bus)
            && vn > 0.0
            && rated > 0.0
            && ((rated - vn) / vn).abs() > VOLTAGE_MISMATCH_TOLERANCE
        {
            let pct = VOLTAGE_MISMATCH_TOLERANCE * 100.0;
            self.warn(
                format!("{kind}[{id}].{field}"),
                format!("{rated} kV differs from bus \"{bus}\" ({vn} kV) by more than {pct} %"),
            );
        }
    }
    fn vk_pair(
        &mut self,
        kind: &str,
        id: &str,
        vk_field: &str,
        vk: f64,
        vkr_field: &str,
        vkr: f64,
    ) {
        // Negative values (network equivalents) are computed as given: R = vkr, X = sign(vk)
        // sqrt(vk² − vkr²); only a zero or non-finite vk and |vkr| ≥ |vk| are meaningless.
        if !(vk.is_finite() && vk != 0.0) {
            self.error(
                format!("{kind}[{id}].{vk_field}"),
                format!("must be a non-zero number (got {vk})"),
            );
        }
        self.finite(kind, id, vkr_field, vkr);
        if vk.is_finite() && vkr.is_finite() && vk != 0.0 && vkr.abs() >= vk.abs() {
            let message = if vk > 0.0 && vkr >= 0.0 {
                format!("must be greater than {vkr_field} ({vkr} > {vk})")
            } else {
                format!("must be greater than {vkr_field} in magnitude ({vkr} vs {vk})")
            };
            self.error(format!("{kind}[{id}].{vk_field}"), message);
        }
    }
}

/// Checks a parsed circuit; returns every problem found in document order, including the
/// warning about unfed buses.
pub fn validate(c: &Circuit) -> Vec<Problem> {
    let mut out = validate_data(c);
    if !has_errors(&out) {
        out.extend(unfed_warning(c, &Topology::new(c)));
    }
    out
}

/// The element checks of [`validate`], without the topology (unfed buses).
pub fn validate_data(c: &Circuit) -> Vec<Problem> {
    validate_data_with(c, &bus_index(c))
}

/// [`validate_data`] with a bus index built by the caller (shared with the topology).
pub fn validate_data_with<'a>(c: &'a Circuit, buses: &'a HashMap<&'a str, usize>) -> Vec<Problem> {
    let mut k = Checker {
        c,
        buses,
        out: Vec::new(),
    };
    if c.format != FORMAT_NAME {
        k.error(
            "format".into(),
            format!("must be \"{FORMAT_NAME}\" (got \"{}\")", c.format),
        );
    }
    if c.version != FORMAT_VERSION {
        k.error(
            "version".into(),
            format!("must be {FORMAT_VERSION} (got {})", c.version),
        );
    }
    if c.frequency_hz != 50.0 && c.frequency_hz != 60.0 {
        k.error(
            "frequency_hz".into(),
            format!("must be 50 or 60 (got {})", c.frequency_hz),
        );
    }
    if c.buses.is_empty() {
        k.error("buses".into(), "the circuit has no bus".into());
    }
    for (i, b) in c.buses.iter().enumerate() {
        if b.id.is_empty() {
            k.error("buses[]".into(), "id must not be empty".into());
        } else if buses.get(b.id.as_str()) != Some(&i) {
            k.error(format!("buses[{}]", b.id), "duplicate id".into());
        }
    }
    k.unique(
        "external_grids",
        c.external_grids.iter().map(|e| e.id.as_str()),
    );
    k.unique("lines", c.lines.iter().map(|e| e.id.as_str()));
    k.unique("transformers", c.transformers.iter().map(|e| e.id.as_str()));
    k.unique(
        "transformers3w",
        c.transformers3w.iter().map(|e| e.id.as_str()),
    );
    k.unique("generators", c.generators.iter().map(|e| e.id.as_str()));
    k.unique("motors", c.motors.iter().map(|e| e.id.as_str()));
    k.unique(
        "static_generators",
        c.static_generators.iter().map(|e| e.id.as_str()),
    );
    k.unique("loads", c.loads.iter().map(|e| e.id.as_str()));
    k.unique("switches", c.switches.iter().map(|e| e.id.as_str()));

    for b in &c.buses {
        k.positive("buses", &b.id, "vn_kv", b.vn_kv);
    }
    for e in &c.external_grids {
        let kd = "external_grids";
        k.bus_ref(kd, &e.id, "bus", &e.bus);
        k.positive(kd, &e.id, "s_sc_max_mva", e.s_sc_max_mva);
        k.opt_positive(kd, &e.id, "s_sc_min_mva", e.s_sc_min_mva);
        k.opt_non_negative(kd, &e.id, "rx_max", e.rx_max);
        k.opt_non_negative(kd, &e.id, "rx_min", e.rx_min);
        k.opt_positive(kd, &e.id, "x0x_max", e.x0x_max);
        k.opt_non_negative(kd, &e.id, "r0x0_max", e.r0x0_max);
        k.opt_positive(kd, &e.id, "x0x_min", e.x0x_min);
        k.opt_non_negative(kd, &e.id, "r0x0_min", e.r0x0_min);
        if let (Some(min), true) = (e.s_sc_min_mva, e.s_sc_max_mva.is_finite())
            && min > e.s_sc_max_mva
        {
            k.error(
                format!("{kd}[{}].s_sc_min_mva", e.id),
                format!("must not exceed s_sc_max_mva ({min} > {})", e.s_sc_max_mva),
            );
        }
    }
    for l in &c.lines {
        let kd = "lines";
        let vn_from = k.bus_ref(kd, &l.id, "from_bus", &l.from_bus);
        let vn_to = k.bus_ref(kd, &l.id, "to_bus", &l.to_bus);
        if l.from_bus == l.to_bus {
            k.error(
                format!("{kd}[{}].to_bus", l.id),
                "must differ from from_bus".into(),
            );
        }
        k.positive(kd, &l.id, "length_km", l.length_km);
        k.finite(kd, &l.id, "r_ohm_per_km", l.r_ohm_per_km);
        k.finite(kd, &l.id, "x_ohm_per_km", l.x_ohm_per_km);
        if l.r_ohm_per_km == 0.0 && l.x_ohm_per_km == 0.0 {
            k.error(
                format!("{kd}[{}].x_ohm_per_km", l.id),
                "the impedance must not be zero (use a bus-bus switch)".into(),
            );
        }
        k.non_negative(kd, &l.id, "c_nf_per_km", l.c_nf_per_km);
        k.opt_finite(kd, &l.id, "r0_ohm_per_km", l.r0_ohm_per_km);
        k.opt_finite(kd, &l.id, "x0_ohm_per_km", l.x0_ohm_per_km);
        if l.r0_ohm_per_km == Some(0.0) && l.x0_ohm_per_km == Some(0.0) {
            k.error(
                format!("{kd}[{}].x0_ohm_per_km", l.id),
                "the zero-sequence impedance must not be zero".into(),
            );
        }
        k.opt_non_negative(kd, &l.id, "c0_nf_per_km", l.c0_nf_per_km);
        k.positive(kd, &l.id, "parallel", l.parallel);
        if let Some(t) = l.endtemp_degree
            && !(t.is_finite() && t >= 20.0)
        {
            k.error(
                format!("{kd}[{}].endtemp_degree", l.id),
                format!("must be 20 or greater (got {t})"),
            );
        }
        if let (Some(a), Some(b)) = (vn_from, vn_to)
            && a > 0.0
            && ((a - b) / a).abs() > 1e-6
        {
            k.warn(
                format!("{kd}[{}]", l.id),
                format!("connects buses of different voltage ({a} kV and {b} kV)"),
            );
        }
    }
    for t in &c.transformers {
        let kd = "transformers";
        k.bus_ref(kd, &t.id, "hv_bus", &t.hv_bus);
        k.bus_ref(kd, &t.id, "lv_bus", &t.lv_bus);
        if t.hv_bus == t.lv_bus {
            k.error(
                format!("{kd}[{}].lv_bus", t.id),
                "must differ from hv_bus".into(),
            );
        }
        k.positive(kd, &t.id, "sn_mva", t.sn_mva);
        k.positive(kd, &t.id, "vn_hv_kv", t.vn_hv_kv);
        k.positive(kd, &t.id, "vn_lv_kv", t.vn_lv_kv);
        k.vk_pair(
            kd,
            &t.id,
            "vk_percent",
            t.vk_percent,
            "vkr_percent",
            t.vkr_percent,
        );
        if let (Some(vk0), Some(vkr0)) = (t.vk0_percent, t.vkr0_percent) {
            k.vk_pair(kd, &t.id, "vk0_percent", vk0, "vkr0_percent", vkr0);
        }
        k.opt_positive(kd, &t.id, "mag0_percent", t.mag0_percent);
        k.opt_non_negative(kd, &t.id, "mag0_rx", t.mag0_rx);
        if let Some(s) = t.si0_hv_partial
            && !(0.0..=1.0).contains(&s)
        {
            k.error(
                format!("{kd}[{}].si0_hv_partial", t.id),
                format!("must be 0 to 1 (got {s})"),
            );
        }
        k.positive(kd, &t.id, "parallel", t.parallel);
        if let Some(vg) = &t.vector_group
            && let Err(e) = VectorGroup::parse(vg, 2)
        {
            k.error(format!("{kd}[{}].vector_group", t.id), e.to_string());
        }
        k.voltage_match(kd, &t.id, "vn_hv_kv", t.vn_hv_kv, &t.hv_bus);
        k.voltage_match(kd, &t.id, "vn_lv_kv", t.vn_lv_kv, &t.lv_bus);
    }
    for t in &c.transformers3w {
        let kd = "transformers3w";
        k.bus_ref(kd, &t.id, "hv_bus", &t.hv_bus);
        k.bus_ref(kd, &t.id, "mv_bus", &t.mv_bus);
        k.bus_ref(kd, &t.id, "lv_bus", &t.lv_bus);
        if t.hv_bus == t.mv_bus || t.mv_bus == t.lv_bus || t.hv_bus == t.lv_bus {
            k.error(
                format!("{kd}[{}]", t.id),
                "the three buses must differ".into(),
            );
        }
        for (f, v) in [
            ("sn_hv_mva", t.sn_hv_mva),
            ("sn_mv_mva", t.sn_mv_mva),
            ("sn_lv_mva", t.sn_lv_mva),
        ] {
            k.positive(kd, &t.id, f, v);
        }
        for (f, v) in [
            ("vn_hv_kv", t.vn_hv_kv),
            ("vn_mv_kv", t.vn_mv_kv),
            ("vn_lv_kv", t.vn_lv_kv),
        ] {
            k.positive(kd, &t.id, f, v);
        }
        k.vk_pair(
            kd,
            &t.id,
            "vk_hv_percent",
            t.vk_hv_percent,
            "vkr_hv_percent",
            t.vkr_hv_percent,
        );
        k.vk_pair(
            kd,
            &t.id,
            "vk_mv_percent",
            t.vk_mv_percent,
            "vkr_mv_percent",
            t.vkr_mv_percent,
        );
        k.vk_pair(
            kd,
            &t.id,
            "vk_lv_percent",
            t.vk_lv_percent,
            "vkr_lv_percent",
            t.vkr_lv_percent,
        );
        if let Some(vg) = &t.vector_group
            && let Err(e) = VectorGroup::parse(vg, 3)
        {
            k.error(format!("{kd}[{}].vector_group", t.id), e.to_string());
        }
        k.voltage_match(kd, &t.id, "vn_hv_kv", t.vn_hv_kv, &t.hv_bus);
        k.voltage_match(kd, &t.id, "vn_mv_kv", t.vn_mv_kv, &t.mv_bus);
        k.voltage_match(kd, &t.id, "vn_lv_kv", t.vn_lv_kv, &t.lv_bus);
    }
    let mut unit_trafos = HashSet::new();
    for g in &c.generators {
        let kd = "generators";
        k.bus_ref(kd, &g.id, "bus", &g.bus);
        k.positive(kd, &g.id, "sn_mva", g.sn_mva);
        k.positive(kd, &g.id, "vn_kv", g.vn_kv);
        k.positive(kd, &g.id, "xdss_pu", g.xdss_pu);
        k.non_negative(kd, &g.id, "rdss_ohm", g.rdss_ohm);
        if !(g.cos_phi > 0.0 && g.cos_phi <= 1.0) {
            k.error(
                format!("{kd}[{}].cos_phi", g.id),
                format!("must be in (0, 1] (got {})", g.cos_phi),
            );
        }
        if !g.pg_percent.is_finite() || g.pg_percent <= -100.0 {
            k.error(
                format!("{kd}[{}].pg_percent", g.id),
                format!("must be above -100 (got {})", g.pg_percent),
            );
        }
        k.voltage_match(kd, &g.id, "vn_kv", g.vn_kv, &g.bus);
        k.opt_positive(kd, &g.id, "xdsat_pu", g.xdsat_pu);
        // The λ method (clause 10.2.1) needs both; one alone is most likely an omission.
        match (g.xdsat_pu, g.excitation) {
            (Some(_), None) => k.warn(
                format!("{kd}[{}].excitation", g.id),
                "xdsat_pu is given without the excitation series: the steady-state current Ik is not calculated where this generator alone feeds a fault".into(),
            ),
            (None, Some(_)) => k.warn(
                format!("{kd}[{}].xdsat_pu", g.id),
                "the excitation series is given without xdsat_pu: the steady-state current Ik is not calculated where this generator alone feeds a fault".into(),
            ),
            (Some(xs), Some(_)) if xs.is_finite() && xs < g.xdss_pu => k.warn(
                format!("{kd}[{}].xdsat_pu", g.id),
                format!("is below x″d ({xs} < {}): the saturated synchronous reactance is normally several times the subtransient one", g.xdss_pu),
            ),
            _ => {}
        }
        if let Some(tid) = &g.power_station_trafo {
            match c.transformers.iter().find(|t| &t.id == tid) {
                None => k.error(
                    format!("{kd}[{}].power_station_trafo", g.id),
                    format!("no transformer \"{tid}\""),
                ),
                Some(t) if t.lv_bus != g.bus => k.error(
                    format!("{kd}[{}].power_station_trafo", g.id),
                    format!("transformer \"{tid}\" has its LV side at bus \"{}\", not at the generator's bus \"{}\"", t.lv_bus, g.bus),
                ),
                Some(_) => {
                    if !unit_trafos.insert(tid.as_str()) {
                        k.error(
                            format!("{kd}[{}].power_station_trafo", g.id),
                            format!("transformer \"{tid}\" already belongs to another power-station unit"),
                        );
                    }
                }
            }
        }
    }
    for m in &c.motors {
        let kd = "motors";
        k.bus_ref(kd, &m.id, "bus", &m.bus);
        k.positive(kd, &m.id, "pn_mech_mw", m.pn_mech_mw);
        k.positive(kd, &m.id, "vn_kv", m.vn_kv);
        k.positive(kd, &m.id, "lrc_pu", m.lrc_pu);
        k.non_negative(kd, &m.id, "rx", m.rx);
        if m.pole_pairs == Some(0) {
            k.error(
                format!("{kd}[{}].pole_pairs", m.id),
                "must be 1 or greater (got 0)".to_string(),
            );
        }
        if !(m.cos_phi > 0.0 && m.cos_phi <= 1.0) {
            k.error(
                format!("{kd}[{}].cos_phi", m.id),
                format!("must be in (0, 1] (got {})", m.cos_phi),
            );
        }
        if !(m.efficiency_percent > 0.0 && m.efficiency_percent <= 100.0) {
            k.error(
                format!("{kd}[{}].efficiency_percent", m.id),
                format!("must be in (0, 100] (got {})", m.efficiency_percent),
            );
        }
    }
    for l in &c.loads {
        k.bus_ref("loads", &l.id, "bus", &l.bus);
    }
    for s in &c.switches {
        let kd = "switches";
        k.bus_ref(kd, &s.id, "bus", &s.bus);
        let path = format!("{kd}[{}].element", s.id);
        let terminals: Option<Vec<&str>> = match s.element_kind {
            ElementKind::Bus => {
                if !k.buses.contains_key(s.element.as_str()) {
                    k.error(path.clone(), format!("no bus \"{}\"", s.element));
                } else if s.element == s.bus {
                    k.error(
                        path.clone(),
                        "a bus-bus switch must connect two different buses".into(),
                    );
                }
                None
            }
            ElementKind::Line => c
                .lines
                .iter()
                .find(|l| l.id == s.element)
                .map(|l| vec![l.from_bus.as_str(), l.to_bus.as_str()]),
            ElementKind::Transformer => c
                .transformers
                .iter()
                .find(|t| t.id == s.element)
                .map(|t| vec![t.hv_bus.as_str(), t.lv_bus.as_str()]),
            ElementKind::Transformer3w => c
                .transformers3w
                .iter()
                .find(|t| t.id == s.element)
                .map(|t| vec![t.hv_bus.as_str(), t.mv_bus.as_str(), t.lv_bus.as_str()]),
        };
        if s.element_kind != ElementKind::Bus {
            match terminals {
                None => k.error(
                    path,
                    format!("no {:?} \"{}\"", s.element_kind, s.element).to_lowercase(),
                ),
                Some(ts) if !ts.contains(&s.bus.as_str()) => k.error(
                    format!("{kd}[{}].bus", s.id),
                    format!("bus \"{}\" is not a terminal of \"{}\"", s.bus, s.element),
                ),
                Some(_) => {}
            }
        }
        k.opt_positive(kd, &s.id, "rated_ib_ka", s.rated_ib_ka);
        k.opt_positive(kd, &s.id, "rated_ip_ka", s.rated_ip_ka);
    }
    elements::check(&mut k);
    k.out.extend(listing::negative_impedance_warnings(c));

    k.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn circuit(json: &str) -> Circuit {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let c = circuit(
            r#"{"format":"ampflux-circuit","version":1,
            "buses":[{"id":"B1","vn_kv":20},{"id":"B2","vn_kv":0.4},{"id":"B1","vn_kv":20}],
            "external_grids":[{"id":"Q","bus":"B1","s_sc_max_mva":100,"rx_max":0.1}],
            "transformers":[{"id":"T2","hv_bus":"B1","lv_bus":"B2","sn_mva":0.63,"vn_hv_kv":20,"vn_lv_kv":0.4,
                             "vk_percent":0.3,"vkr_percent":0.4,"vector_group":"Dyn13"}],
            "lines":[{"id":"L7","from_bus":"B1","to_bus":"B9","length_km":-1,"r_ohm_per_km":0.1,"x_ohm_per_km":0.1}]}"#,
        );
        let lines: Vec<String> = validate(&c)
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        let expect = [
            "buses[B1]: duplicate id",
            "transformers[T2].vk_percent: must be greater than vkr_percent (0.4 > 0.3)",
            "lines[L7].to_bus: no bus \"B9\"",
            "lines[L7].length_km: must be greater than 0 (got -1)",
        ];
        for e in expect {
            assert!(lines.iter().any(|l| l == e), "missing {e:?} in {lines:#?}");
        }
        assert!(lines.iter().any(|l| {
            l.starts_with("transformers[T2].vector_group: \"Dyn13\" is not a vector group")
        }));
    }

    #[test]
    fn unfed_buses_and_voltage_mismatch_are_warnings() {
        let c = circuit(
            r#"{"format":"ampflux-circuit","version":1,
            "buses":[{"id":"A","vn_kv":110},{"id":"B","vn_kv":20},{"id":"C","vn_kv":20}],
            "external_grids":[{"id":"Q","bus":"A","s_sc_max_mva":1000,"rx_max":0.1}],
            "transformers":[{"id":"T","hv_bus":"A","lv_bus":"B","sn_mva":40,"vn_hv_kv":110,"vn_lv_kv":10,
                             "vk_percent":12,"vkr_percent":0.4}]}"#,
        );
        let p = validate(&c);
        assert!(!has_errors(&p), "{p:?}");
        assert!(
            p.iter()
                .any(|x| x.path == "transformers[T].vn_lv_kv" && x.severity == Severity::Warning)
        );
        assert!(
            p.iter()
                .any(|x| x.path == "buses[C]" && x.message.contains("without any source"))
        );
    }
}
