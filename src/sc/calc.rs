//! The calculation: equivalent voltage source at the fault (IEC 60909-0 clause 5.1.2), all
//! fault locations from the diagonal of Z = Y⁻¹ (Takahashi, never a dense Z).

use super::admittance::{Variant, assemble, earthed_nodes};
use super::circuit::{Circuit, SwitchType};
use super::model::{self, Model, ModelError, PsUnit};
use super::options::{Case, Fault, KappaMethod, ScOptions};
use super::results::{BranchResult, BusResult, DutyResult, ScResults, finite};
use super::sparse::{Ldlt, SparseError};
use super::validate::{Problem, Severity, has_errors, validate};
use num_complex::Complex64 as C64;
use std::f64::consts::SQRT_2;

const SQRT_3: f64 = 1.732_050_807_568_877_2;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalcError {
    #[error("the circuit is invalid ({} problem(s))", .0.iter().filter(|p| p.severity == Severity::Error).count())]
    Invalid(Vec<Problem>),
    #[error("{0}")]
    Model(#[from] ModelError),
    #[error("options.{field}: {message}")]
    Options {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Solver(#[from] SparseError),
}

impl CalcError {
    /// Every problem, for display (one line each).
    pub fn problems(&self) -> Vec<String> {
        match self {
            CalcError::Invalid(p) => p.iter().map(|p| p.to_string()).collect(),
            other => vec![format!("error: {other}")],
        }
    }
}

/// Factorized sequence network over a subset of model nodes.
struct Solved {
    index: Vec<Option<usize>>,
    f: Ldlt,
}

impl Solved {
    fn new(
        m: &Model,
        net: &model::SeqNetwork,
        include: &[bool],
        v: Variant,
    ) -> Result<Self, CalcError> {
        let mut index = vec![None; m.n];
        let mut k = 0;
        for (i, &inc) in include.iter().enumerate() {
            if inc {
                index[i] = Some(k);
                k += 1;
            }
        }
        let y = assemble(net, &index, k, v);
        Ok(Solved {
            index,
            f: Ldlt::factorize(&y)?,
        })
    }
    /// Diagonal of Z for every model node (None where excluded).
    fn diagonal(&self) -> Vec<Option<C64>> {
        let d = self.f.inverse_diagonal();
        self.index.iter().map(|i| i.map(|i| d[i])).collect()
    }
    /// Z[k, k] by one solve.
    fn diagonal_at(&self, node: usize) -> Option<C64> {
        let i = self.index[node]?;
        let mut e = vec![C64::default(); self.f.size()];
        e[i] = C64::new(1.0, 0.0);
        self.f.solve(&mut e);
        Some(e[i])
    }
    /// Z · injections (model numbering).
    fn apply(&self, injections: &[(usize, C64)]) -> Vec<Option<C64>> {
        let mut rhs = vec![C64::default(); self.f.size()];
        for &(node, i) in injections {
            if let Some(k) = self.index[node] {
                rhs[k] += i;
            }
        }
        self.f.solve(&mut rhs);
        self.index.iter().map(|i| i.map(|i| rhs[i])).collect()
    }
}

/// Per-node impedances needed by the formulas.
#[derive(Debug, Clone, Copy, Default)]
struct NodeZ {
    z1: C64,
    /// None: no zero-sequence path.
    z0: Option<C64>,
    /// Equivalent impedance at fc (method C), unscaled.
    zc: Option<C64>,
    /// |Σ Z1[k,j] I_j| of the current sources.
    source_sum: f64,
    /// UrG/Un at power-station unit terminals.
    voltage_ratio: f64,
}

/// Runs a short-circuit calculation.
pub fn calculate(c: &Circuit, o: &ScOptions) -> Result<ScResults, CalcError> {
    let problems = validate(c);
    if has_errors(&problems) {
        return Err(CalcError::Invalid(problems));
    }
    check_options(c, o)?;
    let mut warnings: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect();
    let m = model::build(c, o)?;
    warnings.extend(m.warnings.iter().cloned());

    // Fault locations (bus indices), keeping the order of the circuit.
    let selected: Vec<usize> = if o.buses.is_empty() {
        (0..c.buses.len()).collect()
    } else {
        c.buses
            .iter()
            .enumerate()
            .filter(|(_, b)| o.buses.contains(&b.id))
            .map(|(i, _)| i)
            .collect()
    };
    let zs = node_impedances(c, &m, o, &selected, &mut warnings)?;

    let mut buses = Vec::with_capacity(selected.len());
    for &bi in &selected {
        let bus = &c.buses[bi];
        let mut r = BusResult {
            id: bus.id.clone(),
            name: bus.name.clone(),
            vn_kv: bus.vn_kv,
            ..Default::default()
        };
        if let (Some(node), Some(nz)) = (m.node_of_bus[bi], zs.get(&bi)) {
            fill_bus(&mut r, &m, o, node, nz);
        }
        buses.push(r);
    }
    let branches = if o.branch_results {
        branch_currents(c, &m, o, &selected, &mut warnings)?
    } else {
        Vec::new()
    };
    let duty = duty_check(c, &buses);
    Ok(ScResults {
        options: o.clone(),
        buses,
        branches,
        duty,
        warnings,
    })
}

fn check_options(c: &Circuit, o: &ScOptions) -> Result<(), CalcError> {
    let bad = |field, message: String| Err(CalcError::Options { field, message });
    if o.lv_tol_percent != 6 && o.lv_tol_percent != 10 {
        return bad(
            "lv_tol_percent",
            format!("must be 6 or 10 (got {})", o.lv_tol_percent),
        );
    }
    if !(o.tk_s.is_finite() && o.tk_s > 0.0) {
        return bad("tk_s", format!("must be greater than 0 (got {})", o.tk_s));
    }
    if !(o.r_fault_ohm.is_finite() && o.r_fault_ohm >= 0.0) {
        return bad(
            "r_fault_ohm",
            format!("must be 0 or greater (got {})", o.r_fault_ohm),
        );
    }
    if !(o.x_fault_ohm.is_finite() && o.x_fault_ohm >= 0.0) {
        return bad(
            "x_fault_ohm",
            format!("must be 0 or greater (got {})", o.x_fault_ohm),
        );
    }
    for id in &o.buses {
        if !c.buses.iter().any(|b| &b.id == id) {
            return bad("buses", format!("no bus \"{id}\""));
        }
    }
    Ok(())
}

fn fault_z(m: &Model, o: &ScOptions, node: usize) -> C64 {
    C64::new(o.r_fault_ohm, o.x_fault_ohm) / m.base_kv[node].powi(2)
}

/// Current-source injections I_j = k·IrG with angle −arg(Z[j,j]) (pandapower's convention for
/// 3ph; −90° for the other fault types).
fn injections(m: &Model, o: &ScOptions, diag: &[Option<C64>]) -> Vec<(usize, C64)> {
    m.current_sources
        .iter()
        .map(|&(node, i)| {
            let angle = match (o.fault, diag[node]) {
                (Fault::ThreePhase, Some(z)) => -z.arg(),
                _ => -std::f64::consts::FRAC_PI_2,
            };
            (node, C64::from_polar(i, angle))
        })
        .collect()
}

fn node_impedances(
    c: &Circuit,
    m: &Model,
    o: &ScOptions,
    selected: &[usize],
    warnings: &mut Vec<String>,
) -> Result<std::collections::HashMap<usize, NodeZ>, CalcError> {
    let all = vec![true; m.n];
    let fc_ratio = fc_ratio(m.frequency_hz);
    let needs_c = o.kappa_method == KappaMethod::C;
    let pos = Solved::new(m, &m.pos, &all, Variant::default())?;
    let d1 = pos.diagonal();
    let peak = if needs_c {
        let v = Variant {
            own_unit: None,
            freq_ratio: Some(fc_ratio),
        };
        Some(Solved::new(m, &m.pos, &all, v)?.diagonal())
    } else {
        None
    };
    let sums = if m.current_sources.is_empty() {
        None
    } else {
        Some(pos.apply(&injections(m, o, &d1)))
    };
    let d0 = match &m.zero {
        Some(zero) => {
            let earthed = earthed_nodes(zero, m.n);
            if earthed.iter().any(|&e| e) {
                Solved::new(m, zero, &earthed, Variant::default())?.diagonal()
            } else {
                vec![None; m.n]
            }
        }
        None => vec![None; m.n],
    };
    let mut out = std::collections::HashMap::new();
    for &bi in selected {
        let Some(node) = m.node_of_bus[bi] else {
            continue;
        };
        let Some(z1) = d1[node] else { continue };
        let zf = fault_z(m, o, node);
        let source_sum = sums
            .as_ref()
            .and_then(|s| s[node])
            .map(|s| s.norm())
            .unwrap_or(0.0);
        out.insert(
            bi,
            NodeZ {
                z1,
                z0: d0[node],
                zc: peak.as_ref().and_then(|p| p[node]),
                source_sum,
                voltage_ratio: 1.0,
            },
        );
        let _ = zf;
    }
    // Faults at the terminals of power-station units: their own correction factors (6.7.1).
    // The zero sequence keeps the unit values (the generator side is delta-isolated anyway).
    for u in &m.ps_units {
        let targets: Vec<usize> = selected
            .iter()
            .copied()
            .filter(|&bi| m.node_of_bus[bi] == Some(u.gen_node))
            .collect();
        if targets.is_empty() || o.fault.needs_zero_sequence() {
            continue;
        }
        let nz = unit_terminal_impedances(m, o, u, needs_c, fc_ratio)?;
        for bi in targets {
            if let Some(entry) = out.get_mut(&bi) {
                entry.z1 = nz.z1;
                entry.zc = nz.zc;
                entry.source_sum = nz.source_sum;
                entry.voltage_ratio = u.voltage_ratio;
            }
        }
    }
    if !m.current_sources.is_empty() && o.fault == Fault::TwoPhaseEarth {
        warnings.push("static_generators: current sources are not included for 2phg faults".into());
    }
    let _ = c;
    Ok(out)
}

fn unit_terminal_impedances(
    m: &Model,
    o: &ScOptions,
    u: &PsUnit,
    needs_c: bool,
    fc_ratio: f64,
) -> Result<NodeZ, CalcError> {
    let all = vec![true; m.n];
    let v = Variant {
        own_unit: Some(u),
        freq_ratio: None,
    };
    let s = Solved::new(m, &m.pos, &all, v)?;
    let z1 = s.diagonal_at(u.gen_node).unwrap_or_default();
    let zc = if needs_c {
        let vc = Variant {
            own_unit: Some(u),
            freq_ratio: Some(fc_ratio),
        };
        Solved::new(m, &m.pos, &all, vc)?.diagonal_at(u.gen_node)
    } else {
        None
    };
    let source_sum = if m.current_sources.is_empty() {
        0.0
    } else {
        // Angles from the unit-specific diagonal at the source nodes.
        let diag: Vec<Option<C64>> = (0..m.n)
            .map(|n| {
                if m.current_sources.iter().any(|&(sn, _)| sn == n) {
                    s.diagonal_at(n)
                } else {
                    None
                }
            })
            .collect();
        s.apply(&injections(m, o, &diag))[u.gen_node]
            .map(|v| v.norm())
            .unwrap_or(0.0)
    };
    Ok(NodeZ {
        z1,
        z0: None,
        zc,
        source_sum,
        voltage_ratio: u.voltage_ratio,
    })
}

/// fc/f of κ method C: fc = 20 Hz at 50 Hz and 24 Hz at 60 Hz (IEC 60909-0 8.1.3.2 c), so
/// the ratio is 0.4 for both frequencies.
fn fc_ratio(_f: f64) -> f64 {
    0.4
}

/// κ = 1.02 + 0.98 e^(−3R/X) (eq. 55).
pub fn kappa_of(rx: f64) -> f64 {
    1.02 + 0.98 * (-3.0 * rx).exp()
}

/// Factor m of the DC component for Ith (eq. 102, IEC 60909-0:2016 Annex? / clause 12):
/// m = (e^(4 f Tk ln(κ−1)) − 1) / (2 f Tk ln(κ−1)); its limit for κ → 2 is 2.
pub fn m_factor(kappa: f64, f: f64, tk: f64) -> f64 {
    let l = (kappa - 1.0).ln();
    let a = 2.0 * f * tk * l;
    if a.abs() < 1e-12 {
        return 2.0;
    }
    ((2.0 * a).exp() - 1.0) / a
}

fn fill_bus(r: &mut BusResult, m: &Model, o: &ScOptions, node: usize, nz: &NodeZ) {
    let vb = m.base_kv[node];
    let zbase = vb * vb;
    let c = m.c[node];
    let zf = fault_z(m, o, node);
    let i_base = 1.0 / (SQRT_3 * vb); // kA per pu at 1 MVA
    let zk = nz.z1 + zf;
    r.rk_ohm = finite(zk.re * zbase);
    r.xk_ohm = finite(zk.im * zbase);
    let source = nz.source_sum / zk.norm() * i_base;
    let kappa = kappa_at(m, o, node, nz, zf);
    r.kappa = finite(kappa);
    let (ik1, ik2) = match o.fault {
        Fault::ThreePhase => {
            // Eq. (29): Ik'' = c Un / (√3 |Zk|).
            let ik = c / zk.norm() * i_base * nz.voltage_ratio;
            r.skss_mva = finite(SQRT_3 * vb * (ik + source));
            (ik, source)
        }
        Fault::TwoPhase => {
            // Eq. (44): Ik2'' = c Un / |Z(1) + Z(2)|, Z(2) = Z(1). Fault impedance as pandapower.
            let ik = c / (2.0 * zk.norm()) / vb * nz.voltage_ratio;
            r.skss_mva = finite((ik + source) * vb / SQRT_3);
            (ik, source)
        }
        Fault::SinglePhase => {
            // Eq. (52): Ik1'' = √3 c Un / |2 Z(1) + Z(0)| (fault impedance 3 ZF).
            let ik = match nz.z0 {
                Some(z0) => {
                    let z0f = z0 + zf;
                    r.rk0_ohm = finite(z0f.re * zbase);
                    r.xk0_ohm = finite(z0f.im * zbase);
                    SQRT_3 * c / (zk * 2.0 + z0f).norm() / vb
                }
                None => 0.0,
            };
            (ik, source)
        }
        Fault::TwoPhaseEarth => {
            // Eq. (56)-(58) with Z(2) = Z(1); without a zero-sequence path it is a 2ph fault.
            let z1 = nz.z1;
            match nz.z0 {
                Some(z0) => {
                    r.rk0_ohm = finite(z0.re * zbase);
                    r.xk0_ohm = finite(z0.im * zbase);
                    let a = C64::from_polar(1.0, 2.0 * std::f64::consts::PI / 3.0);
                    let d = (z1 * z1 + z1 * z0 * 2.0).norm();
                    let il2 = c * (z0 - a * z1).norm() / d / vb;
                    let il3 = c * (z0 - a * a * z1).norm() / d / vb;
                    r.ike_ka = finite(SQRT_3 * c * z1.norm() / d / vb);
                    (il2.max(il3), 0.0)
                }
                None => (c / (2.0 * z1.norm()) / vb, 0.0),
            }
        }
    };
    let ik = ik1 + ik2;
    r.ikss_ka = finite(ik);
    // Eq. (54): ip = κ √2 Ik'' (current sources contribute √2 Ik'' only).
    r.ip_ka = finite(SQRT_2 * (kappa * ik1 + ik2));
    // Eq. (100)-(102): Ith = Ik'' √(m + n), n = 1 (far-from-generator).
    r.ith_ka = finite(ik * (m_factor(kappa, m.frequency_hz, o.tk_s) + 1.0).sqrt());
}

fn kappa_at(m: &Model, o: &ScOptions, node: usize, nz: &NodeZ, zf: C64) -> f64 {
    match o.kappa_method {
        KappaMethod::C => match nz.zc {
            Some(zc) => {
                let ratio = fc_ratio(m.frequency_hz);
                let z = zc + zf;
                kappa_of(z.re / z.im * ratio)
            }
            None => kappa_of((nz.z1 + zf).re / (nz.z1 + zf).im),
        },
        KappaMethod::B => {
            // Eq. (59): κ(b) = 1.15 κ for meshed networks, at most 1.8 (LV) or 2.0 (HV).
            let z = nz.z1 + zf;
            let k = kappa_of(z.re / z.im);
            let cap = if m.base_kv[node] < 1.0 { 1.8 } else { 2.0 };
            (1.15 * k).clamp(1.0, cap)
        }
    }
}

/// Branch currents of 3ph faults: for each selected fault bus one solve gives Z[:, k]; the
/// largest terminal current over the fault locations is kept.
fn branch_currents(
    c: &Circuit,
    m: &Model,
    o: &ScOptions,
    selected: &[usize],
    warnings: &mut Vec<String>,
) -> Result<Vec<BranchResult>, CalcError> {
    if o.fault != Fault::ThreePhase {
        warnings.push("branch currents are computed for 3ph faults only".into());
        return Ok(Vec::new());
    }
    let all = vec![true; m.n];
    let pos = Solved::new(m, &m.pos, &all, Variant::default())?;
    // Per owner: [from, to, lv] current and fault bus.
    let mut best: std::collections::BTreeMap<(u8, usize), ([f64; 3], Option<usize>)> =
        Default::default();
    for &bi in selected {
        let Some(node) = m.node_of_bus[bi] else {
            continue;
        };
        let Some(k) = pos.index[node] else { continue };
        let mut col = vec![C64::default(); pos.f.size()];
        col[k] = C64::new(1.0, 0.0);
        pos.f.solve(&mut col);
        let zk = col[k] + fault_z(m, o, node);
        let i_f = C64::new(m.c[node], 0.0) / zk;
        for br in &m.pos.branches {
            let Some(owner) = br.owner else { continue };
            let (Some(f), Some(t)) = (pos.index[br.f], pos.index[br.t]) else {
                continue;
            };
            let (vf, vt) = (col[f] * i_f, col[t] * i_f);
            let ys = C64::new(1.0, 0.0) / br.z;
            let t2 = br.ratio * br.ratio;
            let i_from = (ys + br.y_f) / t2 * vf - ys / br.ratio * vt;
            let i_to = (ys + br.y_t) * vt - ys / br.ratio * vf;
            let ka_f = i_from.norm() / (SQRT_3 * m.base_kv[br.f]);
            let ka_t = i_to.norm() / (SQRT_3 * m.base_kv[br.t]);
            let (key, slots): ((u8, usize), [(usize, f64); 2]) = match owner {
                model::Owner::Line(i) => ((0, i), [(0, ka_f), (1, ka_t)]),
                model::Owner::Trafo(i) => ((1, i), [(0, ka_f), (1, ka_t)]),
                // Star branches: the winding terminal is the `t` end.
                model::Owner::Trafo3w(i, w) => ((2, i), [(w as usize, ka_t), (w as usize, ka_t)]),
            };
            let e = best.entry(key).or_insert(([0.0; 3], None));
            let mut improved = false;
            for (slot, v) in slots {
                if v > e.0[slot] {
                    e.0[slot] = v;
                    improved = true;
                }
            }
            if improved && e.0.iter().cloned().fold(0.0, f64::max) == slots[0].1.max(slots[1].1) {
                e.1 = Some(bi);
            }
        }
    }
    Ok(best
        .into_iter()
        .map(|((kind, i), (v, bus))| {
            let (kind, id) = match kind {
                0 => ("line", c.lines[i].id.clone()),
                1 => ("transformer", c.transformers[i].id.clone()),
                _ => ("transformer3w", c.transformers3w[i].id.clone()),
            };
            let pos = |x: f64| {
                if kind == "transformer3w" || x > 0.0 {
                    finite(x)
                } else {
                    Some(0.0)
                }
            };
            BranchResult {
                kind: kind.into(),
                id,
                ikss_from_ka: pos(v[0]),
                ikss_to_ka: pos(v[1]),
                ikss_lv_ka: if kind == "transformer3w" {
                    finite(v[2])
                } else {
                    None
                },
                ikss_ka: finite(v.iter().cloned().fold(0.0, f64::max)),
                fault_bus: bus.map(|b| c.buses[b].id.clone()),
            }
        })
        .collect())
}

/// Duty check of circuit breakers with ratings against the results at their bus.
fn duty_check(c: &Circuit, buses: &[BusResult]) -> Vec<DutyResult> {
    c.switches
        .iter()
        .filter(|s| s.in_service && s.switch_type == Some(SwitchType::CB))
        .filter(|s| s.rated_ib_ka.is_some() || s.rated_ip_ka.is_some())
        .filter_map(|s| {
            let r = buses.iter().find(|b| b.id == s.bus)?;
            let util = |v: Option<f64>, rated: Option<f64>| match (v, rated) {
                (Some(v), Some(rt)) => finite(v / rt * 100.0),
                _ => None,
            };
            let ib_u = util(r.ikss_ka, s.rated_ib_ka);
            let ip_u = util(r.ip_ka, s.rated_ip_ka);
            let status = if r.ikss_ka.is_none() {
                "unknown"
            } else if ib_u.unwrap_or(0.0) > 100.0 || ip_u.unwrap_or(0.0) > 100.0 {
                "fail"
            } else {
                "pass"
            };
            Some(DutyResult {
                switch: s.id.clone(),
                bus: s.bus.clone(),
                ib_ka: r.ikss_ka,
                rated_ib_ka: s.rated_ib_ka,
                ib_utilisation_percent: ib_u,
                ip_ka: r.ip_ka,
                rated_ip_ka: s.rated_ip_ka,
                ip_utilisation_percent: ip_u,
                status: status.into(),
            })
        })
        .collect()
}

#[allow(dead_code)]
fn case_name(c: Case) -> &'static str {
    match c {
        Case::Max => "max",
        Case::Min => "min",
    }
}
