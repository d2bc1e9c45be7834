//! Builds the per-unit sequence networks of IEC 60909-0 from a circuit (base power 1 MVA,
//! base voltage = the nominal voltage of each bus), with the impedance correction factors.
//!
//! Transformers are branches with an off-nominal real ratio t = (UrHV/UrLV)/(UnHV/UnLV) on the
//! HV side; their impedance sits on the LV side. Sources are shunt impedances; the equivalent
//! voltage source c·Un/√3 at the fault replaces all network feeders (clause 5.1.2).

use super::circuit::{Circuit, ElementKind};
use super::options::{Case, ScOptions};
use super::topology::Topology;
use super::vector_group::{Connection, VectorGroup};
use num_complex::Complex64 as C64;
use std::collections::HashMap;

/// What a branch of the positive-sequence network represents (for branch currents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Line(usize),
    Trafo(usize),
    /// Three-winding transformer and winding (0 HV, 1 MV, 2 LV).
    Trafo3w(usize, u8),
}

#[derive(Debug, Clone)]
pub struct Branch {
    pub f: usize,
    pub t: usize,
    /// Series impedance, pu on the base of `t`.
    pub z: C64,
    /// Off-nominal ratio on the `f` side.
    pub ratio: f64,
    /// Shunt admittances at each end, pu on the base of `t`: the `f` one is referred through
    /// the ratio like the series admittance (Yff = (y + y_f)/t², Ytt = y + y_t).
    pub y_f: C64,
    pub y_t: C64,
    pub owner: Option<Owner>,
}

/// A shunt impedance to the neutral (source or earthing path).
#[derive(Debug, Clone)]
pub struct Shunt {
    pub node: usize,
    pub z: C64,
    /// Impedance used for the equivalent-frequency network of κ method C (fictitious RGf for
    /// generators, IEC 60909-0 6.6.1 and 8.1.3.2 c); the reactance is scaled there.
    pub z_peak: C64,
}

#[derive(Debug, Clone, Default)]
pub struct SeqNetwork {
    pub branches: Vec<Branch>,
    pub shunts: Vec<Shunt>,
}

/// A power-station unit: for a fault at the generator terminals the generator takes KG,S and
/// the unit transformer no factor; for any other fault both take KS or KSO (clause 6.7).
#[derive(Debug, Clone)]
pub struct PsUnit {
    pub trafo: usize,
    pub gen_node: usize,
    pub shunt: usize,
    pub z_own: C64,
    pub z_peak_own: C64,
    pub branch: usize,
    pub branch_z_own: C64,
    /// UrG/Un of the generator bus: Ik'' at the terminals uses c·UrG (eq. 36 of 6.7.1).
    pub voltage_ratio: f64,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub n: usize,
    /// Node of each bus; None when the bus is out of service or unfed.
    pub node_of_bus: Vec<Option<usize>>,
    pub base_kv: Vec<f64>,
    /// Voltage factor c of each node for the chosen case.
    pub c: Vec<f64>,
    pub pos: SeqNetwork,
    pub zero: Option<SeqNetwork>,
    pub ps_units: Vec<PsUnit>,
    /// Current sources (full-converter units): node and current, pu.
    pub current_sources: Vec<(usize, f64)>,
    pub frequency_hz: f64,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ModelError {
    pub path: String,
    pub message: String,
}

fn err(path: String, message: impl Into<String>) -> ModelError {
    ModelError {
        path,
        message: message.into(),
    }
}

/// Voltage factors (cmax, cmin) of IEC 60909-0 Table 1 for a nominal voltage.
pub fn voltage_factors(vn_kv: f64, lv_tol_percent: u8) -> (f64, f64) {
    if vn_kv < 1.0 {
        if lv_tol_percent == 6 {
            (1.05, 0.95)
        } else {
            (1.10, 0.90)
        }
    } else {
        (1.10, 1.00)
    }
}

/// KT of a network transformer (eq. 12a): 0.95 cmax / (1 + 0.6 xT).
fn kt(vk_percent: f64, vkr_percent: f64, cmax: f64) -> f64 {
    let xt = (vk_percent.powi(2) - vkr_percent.powi(2)).max(0.0).sqrt() / 100.0;
    0.95 * cmax / (1.0 + 0.6 * xt)
}

/// Impedance from magnitude and resistance part: R + j sqrt(Z² - R²).
fn z_from(z: f64, r: f64) -> C64 {
    C64::new(r, (z * z - r * r).max(0.0).sqrt())
}

struct Builder<'a> {
    c: &'a Circuit,
    o: &'a ScOptions,
    topo: Topology,
    node_of_bus: Vec<Option<usize>>,
    base_kv: Vec<f64>,
    cmax: Vec<f64>,
    cmin: Vec<f64>,
    pos: SeqNetwork,
    zero: SeqNetwork,
    warnings: Vec<String>,
    zero_needed: bool,
    /// Power-station unit transformer index -> generator index.
    unit_of_trafo: HashMap<usize, usize>,
    /// KS/KSO of each unit transformer (for the zero sequence, eq. 26).
    k_st: HashMap<usize, f64>,
    ps_units: Vec<PsUnit>,
}

impl Builder<'_> {
    fn add_node(&mut self, vn: f64) -> usize {
        let (cmax, cmin) = voltage_factors(vn, self.o.lv_tol_percent);
        self.base_kv.push(vn);
        self.cmax.push(cmax);
        self.cmin.push(cmin);
        self.base_kv.len() - 1
    }
    fn node(&self, bus_id: &str) -> Option<usize> {
        self.topo.bus(bus_id).and_then(|b| self.node_of_bus[b])
    }
    /// Node for an element end: the bus's node, or a dangling auxiliary node when a switch at
    /// that end is open (the element stays connected at its other ends).
    fn end_node(&mut self, kind: ElementKind, id: &str, bus_id: &str) -> Option<usize> {
        let b = self.topo.bus(bus_id)?;
        let n = self.node_of_bus[b]?;
        if self.topo.end_closed(kind, id, b) {
            Some(n)
        } else {
            let vn = self.base_kv[n];
            Some(self.add_node(vn))
        }
    }
    fn c_case(&self, node: usize) -> f64 {
        match self.o.case {
            Case::Max => self.cmax[node],
            Case::Min => self.cmin[node],
        }
    }
}

/// Builds the model for the given options.
pub fn build(c: &Circuit, o: &ScOptions) -> Result<Model, ModelError> {
    let topo = Topology::new(c);
    let mut b = Builder {
        c,
        o,
        node_of_bus: vec![None; c.buses.len()],
        topo,
        base_kv: Vec::new(),
        cmax: Vec::new(),
        cmin: Vec::new(),
        pos: SeqNetwork::default(),
        zero: SeqNetwork::default(),
        warnings: Vec::new(),
        zero_needed: o.fault.needs_zero_sequence(),
        unit_of_trafo: HashMap::new(),
        k_st: HashMap::new(),
        ps_units: Vec::new(),
    };
    // Nodes: one per fused group of fed buses.
    let mut root_node: HashMap<usize, usize> = HashMap::new();
    for (i, bus) in c.buses.iter().enumerate() {
        if !b.topo.fed[i] {
            continue;
        }
        let root = b.topo.node_of_bus[i];
        let node = match root_node.get(&root) {
            Some(&n) => n,
            None => {
                let n = b.add_node(c.buses[root].vn_kv);
                root_node.insert(root, n);
                n
            }
        };
        if (bus.vn_kv - b.base_kv[node]).abs() > 1e-9 * bus.vn_kv {
            b.warnings.push(format!(
                "buses[{}]: fused by a closed switch with a bus of {} kV; {} kV is used",
                bus.id, b.base_kv[node], b.base_kv[node]
            ));
        }
        b.node_of_bus[i] = Some(node);
    }
    for (gi, g) in c.generators.iter().enumerate() {
        if let (true, Some(tid)) = (g.in_service, &g.power_station_trafo) {
            if let Some(ti) = c.transformers.iter().position(|t| &t.id == tid) {
                b.unit_of_trafo.insert(ti, gi);
            }
        }
    }
    add_external_grids(&mut b)?;
    add_lines(&mut b)?;
    add_generators_and_units(&mut b)?;
    add_transformers(&mut b)?;
    add_transformers3w(&mut b)?;
    add_motors(&mut b);
    let current_sources = current_sources(&b);
    let c_case: Vec<f64> = (0..b.base_kv.len()).map(|n| b.c_case(n)).collect();
    Ok(Model {
        n: b.base_kv.len(),
        node_of_bus: b.node_of_bus,
        base_kv: b.base_kv,
        c: c_case,
        pos: b.pos,
        zero: if b.zero_needed { Some(b.zero) } else { None },
        ps_units: b.ps_units,
        current_sources,
        frequency_hz: c.frequency_hz,
        warnings: b.warnings,
    })
}

fn add_external_grids(b: &mut Builder) -> Result<(), ModelError> {
    for e in b.c.external_grids.iter().filter(|e| e.in_service) {
        let Some(node) = b.node(&e.bus) else { continue };
        let path = |f: &str| format!("external_grids[{}].{f}", e.id);
        let (s, rx, x0x, r0x0, suffix) = match b.o.case {
            Case::Max => (Some(e.s_sc_max_mva), e.rx_max, e.x0x_max, e.r0x0_max, "max"),
            Case::Min => (e.s_sc_min_mva, e.rx_min, e.x0x_min, e.r0x0_min, "min"),
        };
        let s = s.ok_or_else(|| {
            err(
                path(&format!("s_sc_{suffix}_mva")),
                "required for this case",
            )
        })?;
        let rx = rx.ok_or_else(|| err(path(&format!("rx_{suffix}")), "required for this case"))?;
        // Clause 6.2, eq. (1): ZQ = c UnQ² / S''kQ, XQ = ZQ / sqrt(1 + (R/X)²).
        let z = b.c_case(node) / s;
        let x = z / (1.0 + rx * rx).sqrt();
        let zq = C64::new(rx * x, x);
        b.pos.shunts.push(Shunt {
            node,
            z: zq,
            z_peak: zq,
        });
        if b.zero_needed {
            let x0x = x0x
                .ok_or_else(|| err(path(&format!("x0x_{suffix}")), "required for earth faults"))?;
            let r0x0 = r0x0
                .ok_or_else(|| err(path(&format!("r0x0_{suffix}")), "required for earth faults"))?;
            let x0 = x0x * x;
            let z0 = C64::new(r0x0 * x0, x0);
            b.zero.shunts.push(Shunt {
                node,
                z: z0,
                z_peak: z0,
            });
        }
    }
    Ok(())
}

fn add_lines(b: &mut Builder) -> Result<(), ModelError> {
    for (li, l) in b.c.lines.iter().enumerate().filter(|(_, l)| l.in_service) {
        if b.node(&l.from_bus).is_none() || b.node(&l.to_bus).is_none() {
            continue;
        }
        let f = b.end_node(ElementKind::Line, &l.id, &l.from_bus);
        let t = b.end_node(ElementKind::Line, &l.id, &l.to_bus);
        let (Some(f), Some(t)) = (f, t) else { continue };
        // Clause 6.4 / eq. (31): for minimum currents, resistance at the end temperature.
        let temp = match b.o.case {
            Case::Max => 1.0,
            Case::Min => {
                let te = l.endtemp_degree.ok_or_else(|| {
                    err(
                        format!("lines[{}].endtemp_degree", l.id),
                        "required for the min case (IEC 60909-0 eq. 31)",
                    )
                })?;
                1.0 + 0.004 * (te - 20.0)
            }
        };
        let zb = b.base_kv[f].powi(2);
        let z = C64::new(
            l.r_ohm_per_km * l.length_km * temp,
            l.x_ohm_per_km * l.length_km,
        ) / l.parallel
            / zb;
        // Line capacitances are neglected in the positive sequence (clause 6.4).
        b.pos.branches.push(Branch {
            f,
            t,
            z,
            ratio: 1.0,
            y_f: C64::default(),
            y_t: C64::default(),
            owner: Some(Owner::Line(li)),
        });
        if b.zero_needed {
            let need = |v: Option<f64>, field: &str| {
                v.ok_or_else(|| {
                    err(
                        format!("lines[{}].{field}", l.id),
                        "required for earth faults",
                    )
                })
            };
            let r0 = need(l.r0_ohm_per_km, "r0_ohm_per_km")?;
            let x0 = need(l.x0_ohm_per_km, "x0_ohm_per_km")?;
            let c0 = l.c0_nf_per_km.unwrap_or(0.0);
            let z0 = C64::new(r0 * l.length_km * temp, x0 * l.length_km) / l.parallel / zb;
            let b0 = 2.0
                * std::f64::consts::PI
                * b.c.frequency_hz
                * c0
                * 1e-9
                * zb
                * l.length_km
                * l.parallel;
            let half = C64::new(0.0, b0 / 2.0);
            b.zero.branches.push(Branch {
                f,
                t,
                z: z0,
                ratio: 1.0,
                y_f: half,
                y_t: half,
                owner: None,
            });
        }
    }
    Ok(())
}

/// Generators (clause 6.6) and power-station units (6.7): KG, KS, KSO.
fn add_generators_and_units(b: &mut Builder) -> Result<(), ModelError> {
    for g in b.c.generators.iter().filter(|g| g.in_service) {
        let Some(node) = b.node(&g.bus) else { continue };
        let vb = b.base_kv[node];
        let cmax = b.cmax[node];
        let sin_phi = (1.0 - g.cos_phi * g.cos_phi).max(0.0).sqrt();
        let x = g.xdss_pu * g.vn_kv.powi(2) / g.sn_mva;
        // Fictitious resistance RGf for the peak current (clause 6.6.1).
        let rf_ratio = if g.vn_kv <= 1.0 {
            0.15
        } else if g.sn_mva < 100.0 {
            0.07
        } else {
            0.05
        };
        let zg = C64::new(g.rdss_ohm, x) / vb.powi(2);
        let zg_peak = C64::new(rf_ratio * x, x) / vb.powi(2);
        let pg = g.pg_percent / 100.0;
        let unit = g
            .power_station_trafo
            .as_ref()
            .and_then(|tid| b.c.transformers.iter().position(|t| &t.id == tid))
            .filter(|&ti| b.c.transformers[ti].in_service);
        match unit {
            None => {
                // Eq. (18): KG = Un/UrG · cmax / (1 + x''d sin φrG), with UG = UrG(1 + pG).
                let k = vb / (g.vn_kv * (1.0 + pg)) * cmax / (1.0 + g.xdss_pu * sin_phi);
                b.pos.shunts.push(Shunt {
                    node,
                    z: zg * k,
                    z_peak: zg_peak * k,
                });
            }
            Some(ti) => {
                let t = &b.c.transformers[ti];
                let Some(hv) = b.node(&t.hv_bus) else {
                    b.pos.shunts.push(Shunt {
                        node,
                        z: zg,
                        z_peak: zg_peak,
                    });
                    continue;
                };
                let v_q = b.base_kv[hv];
                let xt = (t.vk_percent.powi(2) - t.vkr_percent.powi(2))
                    .max(0.0)
                    .sqrt()
                    / 100.0;
                let (ks, kg_own) = if t.oltc {
                    // Eq. (22): KS = UnQ²/UrG² · UrTLV²/UrTHV² · cmax / (1 + |x''d − xT| sin φrG).
                    let ks = (v_q / g.vn_kv).powi(2) * (t.vn_lv_kv / t.vn_hv_kv).powi(2) * cmax
                        / (1.0 + (g.xdss_pu - xt).abs() * sin_phi);
                    (ks, cmax / (1.0 + g.xdss_pu * sin_phi))
                } else {
                    // Eq. (24): KSO = UnQ/(UrG(1+pG)) · UrTLV/UrTHV · (1 ± pT) · cmax/(1 + x''d sin φrG).
                    let pt = match t.pt_percent {
                        Some(p) => p / 100.0,
                        None => match (t.tap_step_percent, t.tap_max, t.tap_neutral) {
                            (Some(s), Some(mx), Some(nt)) => -(s * (mx - nt)) / 100.0,
                            _ => 0.0,
                        },
                    };
                    let kso = v_q / (g.vn_kv * (1.0 + pg))
                        * (t.vn_lv_kv / t.vn_hv_kv)
                        * (1.0 - pt)
                        * cmax
                        / (1.0 + g.xdss_pu * sin_phi);
                    (kso, 1.0 / (1.0 + pg) * cmax / (1.0 + g.xdss_pu * sin_phi))
                };
                b.k_st.insert(ti, ks);
                let shunt = b.pos.shunts.len();
                b.pos.shunts.push(Shunt {
                    node,
                    z: zg * ks,
                    z_peak: zg_peak * ks,
                });
                b.ps_units.push(PsUnit {
                    trafo: ti,
                    gen_node: node,
                    shunt,
                    z_own: zg * kg_own,
                    z_peak_own: zg_peak * kg_own,
                    branch: usize::MAX, // set when the transformer is added
                    branch_z_own: C64::default(),
                    voltage_ratio: g.vn_kv / vb,
                });
            }
        }
    }
    Ok(())
}

/// Zero-sequence impedance pieces of a two-winding transformer.
fn add_transformers(b: &mut Builder) -> Result<(), ModelError> {
    for (ti, t) in
        b.c.transformers
            .iter()
            .enumerate()
            .filter(|(_, t)| t.in_service)
    {
        if b.node(&t.hv_bus).is_none() || b.node(&t.lv_bus).is_none() {
            continue;
        }
        let Some(f) = b.end_node(ElementKind::Transformer, &t.id, &t.hv_bus) else {
            continue;
        };
        let Some(to) = b.end_node(ElementKind::Transformer, &t.id, &t.lv_bus) else {
            continue;
        };
        let (vb_hv, vb_lv) = (b.base_kv[f], b.base_kv[to]);
        let is_unit = b.unit_of_trafo.contains_key(&ti);
        // Rated ratio only: IEC 60909-0 clause 6.3.1 (tap position is not used, as pandapower).
        let ratio = (t.vn_hv_kv / t.vn_lv_kv) / (vb_hv / vb_lv);
        let zbase = (t.vn_lv_kv / vb_lv).powi(2) / t.sn_mva;
        let z = z_from(t.vk_percent / 100.0 * zbase, t.vkr_percent / 100.0 * zbase) / t.parallel;
        // KT (eq. 12a) for maximum and minimum currents alike: the minimum-case values of
        // IEC TR 60909-4 (Table 10) are only reproduced with it (pandapower 3.5 omits it there).
        let k = if is_unit {
            1.0
        } else {
            kt(t.vk_percent, t.vkr_percent, b.cmax[to])
        };
        let branch = b.pos.branches.len();
        let k_unit = b.k_st.get(&ti).copied();
        b.pos.branches.push(Branch {
            f,
            t: to,
            z: z * k_unit.unwrap_or(k),
            ratio,
            y_f: C64::default(),
            y_t: C64::default(),
            owner: Some(Owner::Trafo(ti)),
        });
        if let Some(u) = b.ps_units.iter_mut().find(|u| u.trafo == ti) {
            u.branch = branch;
            u.branch_z_own = z;
        }
        if b.zero_needed {
            add_transformer_zero(b, ti, f, to, ratio, k, k_unit)?;
        }
    }
    // Units whose transformer is missing keep only their generator correction.
    b.ps_units.retain(|u| u.branch != usize::MAX);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn add_transformer_zero(
    b: &mut Builder,
    ti: usize,
    f: usize,
    to: usize,
    ratio: f64,
    kt: f64,
    k_unit: Option<f64>,
) -> Result<(), ModelError> {
    let t = &b.c.transformers[ti];
    let path = |field: &str| format!("transformers[{}].{field}", t.id);
    let vg_text = t
        .vector_group
        .as_deref()
        .ok_or_else(|| err(path("vector_group"), "required for earth faults"))?;
    let vg =
        VectorGroup::parse(vg_text, 2).map_err(|e| err(path("vector_group"), e.to_string()))?;
    let key = vg.key();
    if !vg.hv().earthed() && !vg.lv().earthed() {
        return Ok(()); // no zero-sequence path through the transformer
    }
    if matches!(vg.hv(), Connection::Z | Connection::Zn)
        || matches!(vg.lv(), Connection::Z | Connection::Zn)
    {
        return Err(err(
            path("vector_group"),
            format!("zero-sequence model of {vg_text} is not supported"),
        ));
    }
    let vk0 = t
        .vk0_percent
        .filter(|v| v.abs() > 1e-8)
        .unwrap_or(t.vk_percent);
    let vkr0 = t
        .vkr0_percent
        .filter(|v| v.abs() > 1e-8)
        .unwrap_or(t.vkr_percent);
    let (vb_hv, vb_lv) = (b.base_kv[f], b.base_kv[to]);
    let tap_lv = (t.vn_lv_kv / vb_lv).powi(2);
    let tap_hv = (t.vn_hv_kv / vb_hv).powi(2);
    // Impedances are on the HV base for YNd and YNy, on the LV base otherwise.
    let on_hv = key == "ynd" || key == "yny";
    let tap = if on_hv { tap_hv } else { tap_lv };
    let z_abs = vk0 / 100.0 / t.sn_mva * tap;
    let r_abs = vkr0 / 100.0 / t.sn_mva * tap;
    let mut z0 = z_from(z_abs, r_abs) / t.parallel * kt;
    let zn = C64::new(0.0, t.xn_ohm.unwrap_or(0.0));
    if let Some(ks) = k_unit {
        // Eq. (26): Z(0)S = KS · Z(0)THV + 3 ZN, referred to the HV side.
        let vkx0 = (vk0 * vk0 - vkr0 * vkr0).max(0.0).sqrt();
        let z_othv = C64::new(vkr0, vkx0) / 100.0 * (t.vn_hv_kv.powi(2) / t.sn_mva) / t.parallel;
        z0 = (z_othv * ks + zn * 3.0) / vb_hv.powi(2);
    } else if zn.norm() > 0.0 {
        let v_earth = if vg.hv().earthed() { vb_hv } else { vb_lv };
        z0 += zn * 3.0 / v_earth.powi(2);
    }
    let mag0 = t.mag0_percent.unwrap_or(100.0) / 100.0;
    let mag0_rx = t.mag0_rx.unwrap_or(0.0);
    let zm = z_abs * mag0;
    let xm = zm / (mag0_rx * mag0_rx + 1.0).sqrt();
    let z_mag = C64::new(xm * mag0_rx, xm) / t.parallel;
    let shunt = |b: &mut Builder, node: usize, z: C64| {
        b.zero.shunts.push(Shunt { node, z, z_peak: z });
    };
    match key.as_str() {
        "dyn" => shunt(b, to, z0),
        "ynd" => shunt(b, f, z0),
        "yyn" => shunt(b, to, z_mag + z0),
        "yny" => shunt(b, f, z_mag + z0),
        "ynyn" => {
            // T equivalent (HV part si0·Z0, LV part (1−si0)·Z0, magnetizing branch), as a π.
            let si0 = t.si0_hv_partial.unwrap_or(0.5);
            let (z1, z2, z3) = (z0 * si0, z0 * (1.0 - si0), z_mag);
            let zt = z1 * z2 + z2 * z3 + z1 * z3;
            let (za, zb, zc) = (zt / z2, zt / z1, zt / z3);
            b.zero.branches.push(Branch {
                f,
                t: to,
                z: zc,
                ratio,
                y_f: C64::new(1.0, 0.0) / za,
                y_t: C64::new(1.0, 0.0) / zb,
                owner: None,
            });
        }
        _ => {
            return Err(err(
                path("vector_group"),
                format!("zero-sequence model of {vg_text} is not supported"),
            ));
        }
    }
    Ok(())
}

/// Three-winding transformers as a star of three branches around an auxiliary node on the HV
/// base (clause 6.3.2, eq. 10), with KT per winding pair (eq. 13).
fn add_transformers3w(b: &mut Builder) -> Result<(), ModelError> {
    for (ti, t) in
        b.c.transformers3w
            .iter()
            .enumerate()
            .filter(|(_, t)| t.in_service)
    {
        let buses = [&t.hv_bus, &t.mv_bus, &t.lv_bus];
        if buses.iter().all(|id| b.node(id).is_none()) {
            continue;
        }
        let Some(hv_node) = b
            .node(&t.hv_bus)
            .or_else(|| b.node(&t.mv_bus))
            .or_else(|| b.node(&t.lv_bus))
        else {
            continue;
        };
        let vn = [t.vn_hv_kv, t.vn_mv_kv, t.vn_lv_kv];
        let sn = [t.sn_hv_mva, t.sn_mv_mva, t.sn_lv_mva];
        let star_base = b
            .node(&t.hv_bus)
            .map(|n| b.base_kv[n])
            .unwrap_or(b.base_kv[hv_node]);
        let star = b.add_node(star_base);
        let ends: Vec<Option<usize>> = buses
            .iter()
            .map(|id| {
                if b.node(id).is_some() {
                    b.end_node(ElementKind::Transformer3w, &t.id, id)
                } else {
                    None
                }
            })
            .collect();
        let cmax_lv = b.node(&t.lv_bus).map(|n| b.cmax[n]).unwrap_or(1.1);
        let pairs_vk = [t.vk_hv_percent, t.vk_mv_percent, t.vk_lv_percent];
        let pairs_vkr = [t.vkr_hv_percent, t.vkr_mv_percent, t.vkr_lv_percent];
        let kts: Vec<f64> = (0..3)
            .map(|i| kt(pairs_vk[i], pairs_vkr[i], cmax_lv))
            .collect();
        let star_z = |vk: [f64; 3], vkr: [f64; 3]| -> [C64; 3] {
            // Pair values referred to sn_hv: HV-MV, MV-LV, HV-LV (pandapower's convention).
            let to_hv = |v: [f64; 3]| {
                [
                    v[0] * sn[0] / sn[0].min(sn[1]) * kts[0],
                    v[1] * sn[0] / sn[1].min(sn[2]) * kts[1],
                    v[2] * sn[0] / sn[0].min(sn[2]) * kts[2],
                ]
            };
            let (zk, rk) = (to_hv(vk), to_hv(vkr));
            let xk: Vec<f64> = (0..3)
                .map(|i| (zk[i].powi(2) - rk[i].powi(2)).max(0.0).sqrt())
                .collect();
            let star = |v: &[f64]| {
                [
                    0.5 * (v[0] + v[2] - v[1]),
                    0.5 * (v[1] + v[0] - v[2]),
                    0.5 * (v[2] + v[1] - v[0]),
                ]
            };
            let (rs, xs) = (star(&rk), star(&xk));
            [0, 1, 2].map(|i| C64::new(rs[i], xs[i]) / 100.0 / sn[0])
        };
        let zs = star_z(pairs_vk, pairs_vkr);
        // Per winding: impedance in pu on the winding bus base and ratio HV-side/that side.
        let winding = |b: &Builder, i: usize, z: C64, node: usize| -> (C64, f64) {
            let vb = b.base_kv[node];
            let ratio = (t.vn_hv_kv / vn[i]) / (star_base / vb);
            (z * (vn[i] / vb).powi(2), ratio)
        };
        for (i, end) in ends.iter().enumerate() {
            let Some(node) = *end else { continue };
            let (z, ratio) = winding(b, i, zs[i], node);
            b.pos.branches.push(Branch {
                f: star,
                t: node,
                z,
                ratio,
                y_f: C64::default(),
                y_t: C64::default(),
                owner: Some(Owner::Trafo3w(ti, i as u8)),
            });
        }
        if b.zero_needed {
            let path = |f: &str| format!("transformers3w[{}].{f}", t.id);
            let vg_text = t
                .vector_group
                .as_deref()
                .ok_or_else(|| err(path("vector_group"), "required for earth faults"))?;
            let vg = VectorGroup::parse(vg_text, 3)
                .map_err(|e| err(path("vector_group"), e.to_string()))?;
            if vg
                .windings
                .iter()
                .any(|w| matches!(w, Connection::Z | Connection::Zn))
            {
                return Err(err(
                    path("vector_group"),
                    format!("zero-sequence model of {vg_text} is not supported"),
                ));
            }
            if !vg.windings.iter().any(|w| w.earthed()) {
                continue;
            }
            let need = |v: Option<f64>, f: &str| {
                v.ok_or_else(|| err(path(f), "required for earth faults"))
            };
            let vk0 = [
                need(t.vk0_hv_percent, "vk0_hv_percent")?,
                need(t.vk0_mv_percent, "vk0_mv_percent")?,
                need(t.vk0_lv_percent, "vk0_lv_percent")?,
            ];
            let vkr0 = [
                need(t.vkr0_hv_percent, "vkr0_hv_percent")?,
                need(t.vkr0_mv_percent, "vkr0_mv_percent")?,
                need(t.vkr0_lv_percent, "vkr0_lv_percent")?,
            ];
            let zs0 = star_z(vk0, vkr0);
            for (i, end) in ends.iter().enumerate() {
                match vg.windings[i] {
                    // Earthed star: zero-sequence current passes between bus and star point.
                    Connection::Yn => {
                        if let Some(node) = *end {
                            let (z, ratio) = winding(b, i, zs0[i], node);
                            b.zero.branches.push(Branch {
                                f: star,
                                t: node,
                                z,
                                ratio,
                                y_f: C64::default(),
                                y_t: C64::default(),
                                owner: None,
                            });
                        }
                    }
                    // Delta: short-circuits the zero sequence at the star point.
                    Connection::D => {
                        let z_star = zs0[i] * (t.vn_hv_kv / star_base).powi(2);
                        b.zero.shunts.push(Shunt {
                            node: star,
                            z: z_star,
                            z_peak: z_star,
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Asynchronous motors (clause 6.8, eq. 26-27); not for minimum currents (clause 4.3.2).
fn add_motors(b: &mut Builder) {
    if b.o.case == Case::Min {
        return;
    }
    for m in b.c.motors.iter().filter(|m| m.in_service) {
        let Some(node) = b.node(&m.bus) else { continue };
        let s = m.pn_mech_mw / (m.efficiency_percent / 100.0 * m.cos_phi);
        let z = 1.0 / m.lrc_pu * m.vn_kv.powi(2) / s / b.base_kv[node].powi(2);
        let x = z / (1.0 + m.rx * m.rx).sqrt();
        let zm = C64::new(m.rx * x, x);
        b.pos.shunts.push(Shunt {
            node,
            z: zm,
            z_peak: zm,
        });
    }
}

/// Full-converter sources as current sources of k·IrG (clause 6.9); not for minimum currents.
fn current_sources(b: &Builder) -> Vec<(usize, f64)> {
    if b.o.case == Case::Min {
        return Vec::new();
    }
    b.c.static_generators
        .iter()
        .filter(|s| s.in_service)
        .filter_map(|s| b.node(&s.bus).map(|n| (n, s.sn_mva * s.k)))
        .filter(|(_, i)| *i > 0.0)
        .collect()
}
