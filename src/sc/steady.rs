//! Steady-state short-circuit current Ik of three-phase faults fed by synchronous generators
//! (IEC 60909-0:2016 clause 10.2), and the factors λmax and λmin of Figures 18 and 19.
//!
//! The fault location's network is split into its feeders: the parts that remain connected
//! when the fault bus is taken out (each source at the fault bus itself is a feeder of its
//! own). With the fault bus at zero voltage the feeders do not interact, so their partial
//! currents add up to Ik''. Each feeder's steady-state contribution follows clause 10.2:
//! - no synchronous generator: its initial partial current (network feeders keep theirs,
//!   asynchronous motors contribute nothing: the partial current is taken in the network
//!   without motors);
//! - one synchronous generator or power-station unit and no other source: the single-fed
//!   rule of 10.2.1, Ik = λ·IrG with λ from Ik''G/IrG, the generator's own initial current at
//!   its terminals (10.2.2 adds these contributions for non-meshed networks);
//! - a generator together with other sources in the same feeder (several sources feeding over
//!   a meshed part of the network): 10.2.3, Ik = I''kM, the initial partial current in the
//!   network without motors.
//!
//! Ik is the magnitude of the sum of these contributions, each with the phase angle of its
//! partial current (as Ik'' itself is summed); far from generators it reduces to Ik'' without
//! motors. Current sources (full-converter units, clause 6.9) add their contribution to Ik''
//! unchanged: k·Ir is a steady-state value.
//!
//! This partition is not `meshing::meshed_nodes`, the rule of κ method B: that one counts any
//! two sources as parallel paths, also when they sit on separate radial feeders, which clause
//! 10.2.2 treats as non-meshed.

use super::admittance::Variant;
use super::circuit::{Circuit, Excitation, Generator};
use super::formulas::{NodeZ, fault_z};
use super::model::{Branch, MachineKind, Model, PsUnit, SeqNetwork};
use super::options::{Case, ScOptions};
use super::solve::{CalcError, Solved, fault_voltages};
use super::topology::UnionFind;
use num_complex::Complex64 as C64;
use std::collections::{BTreeMap, BTreeSet, HashMap};

const SQRT_3: f64 = 1.732_050_807_568_877_2;

/// What λ depends on: the generator's saturated synchronous reactance, its subtransient
/// reactance and rated power factor (p.u. on its rating), and the excitation series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LambdaMachine {
    pub xdsat_pu: f64,
    pub xdss_pu: f64,
    pub cos_phi: f64,
    pub excitation: Excitation,
}

impl LambdaMachine {
    /// The generator's λ data, when it carries xdsat_pu and excitation.
    pub fn of(g: &Generator) -> Option<Self> {
        Some(LambdaMachine {
            xdsat_pu: g.xdsat_pu?,
            xdss_pu: g.xdss_pu,
            cos_phi: g.cos_phi,
            excitation: g.excitation?,
        })
    }

    fn sin_phi(&self) -> f64 {
        (1.0 - self.cos_phi * self.cos_phi).max(0.0).sqrt()
    }

    /// Reactance between the generator terminals and the fault, p.u. on the generator rating,
    /// from Ik''G/IrG = E''/(x''d + xe) with the subtransient EMF at rated load
    /// E'' = 1 + x''d sin φrG (the EMF behind the correction factor KG of eq. 18); 0 at the
    /// terminals.
    fn external_reactance(&self, ratio: f64) -> f64 {
        let e2 = 1.0 + self.xdss_pu * self.sin_phi();
        (e2 / ratio - self.xdss_pu).max(0.0)
    }
}

/// λmax of IEC 60909-0:2016 clause 10.2.1 (Figure 18 for turbine generators, Figure 19 for
/// salient-pole generators) for Ik''G/IrG = `ratio`.
///
/// AmpFlux computes the curves from the steady-state model they describe instead of reading
/// the figures: the highest excitation Ufmax/UfR times the excitation at rated load drives
/// the EMF E = (Ufmax/UfR)·|1 + j xd sat (cos φrG − j sin φrG)| behind xd sat (the
/// cylindrical-rotor phasor diagram at rated load, linear on the saturated reactance), so
/// λmax = E / (xd sat + xe), with xe the reactance to the fault from Ik''G/IrG (see
/// [`LambdaMachine`]). The voltage regulator cannot hold a steady current above the initial
/// one, so λmax ≤ Ik''G/IrG. This is a model of the figures, not a digitisation: expect
/// differences of some per cent to values read from them.
pub fn lambda_max(ratio: f64, g: &LambdaMachine) -> f64 {
    if ratio.is_nan() || ratio <= 0.0 {
        return 0.0;
    }
    let (s, c) = (g.sin_phi(), g.cos_phi);
    let e_rated = (1.0 + g.xdsat_pu * s).hypot(g.xdsat_pu * c);
    let e = g.excitation.ceiling() * e_rated;
    (e / (g.xdsat_pu + g.external_reactance(ratio))).min(ratio)
}

/// λmin of IEC 60909-0:2016 clause 10.2.1 (Figures 18 and 19): constant no-load excitation,
/// EMF 1 p.u. behind xd sat, so λmin = 1 / (xd sat + xe) (at the terminals 1/xd sat, the
/// short-circuit ratio); at most Ik''G/IrG. A model of the figures, as [`lambda_max`].
pub fn lambda_min(ratio: f64, g: &LambdaMachine) -> f64 {
    if ratio.is_nan() || ratio <= 0.0 {
        return 0.0;
    }
    (1.0 / (g.xdsat_pu + g.external_reactance(ratio))).min(ratio)
}

/// λ of the case: λmax for maximum, λmin for minimum short-circuit currents.
pub fn lambda(case: Case, ratio: f64, g: &LambdaMachine) -> f64 {
    match case {
        Case::Max => lambda_max(ratio, g),
        Case::Min => lambda_min(ratio, g),
    }
}

/// Ik at the fault locations, and the generators whose missing λ data left some bus without.
#[derive(Debug, Default)]
pub(super) struct Steady {
    /// Bus index -> Ik, kA.
    pub(super) ik: HashMap<usize, f64>,
    /// Generators (indices) feeding a fault alone without xdsat_pu and excitation.
    pub(super) lacking: BTreeSet<usize>,
}

/// What a positive-sequence shunt is for clause 10.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    /// Network feeder, asynchronous generator, passive admittance: keeps its partial current.
    Other,
    /// Synchronous generator (machine index).
    Generator(usize),
}

/// The positive-sequence network without asynchronous motors (they give no steady-state
/// current, clause 10.2.2), with each remaining shunt's kind and the power-station units
/// re-indexed to it.
struct WithoutMotors {
    net: SeqNetwork,
    kinds: Vec<(Source, bool)>,
    units: Vec<PsUnit>,
    /// Machine index -> its shunt in `net` (synchronous generators).
    gen_shunt: HashMap<usize, usize>,
}

fn without_motors(m: &Model) -> WithoutMotors {
    let mut by_shunt: HashMap<usize, (usize, MachineKind)> = HashMap::new();
    for (mi, mc) in m.machines.iter().enumerate() {
        by_shunt.insert(mc.shunt, (mi, mc.kind));
    }
    let mut net = SeqNetwork {
        branches: m.pos.branches.clone(),
        shunts: Vec::with_capacity(m.pos.shunts.len()),
    };
    let mut kinds = Vec::with_capacity(m.pos.shunts.len());
    let mut new_index = vec![usize::MAX; m.pos.shunts.len()];
    let mut gen_shunt = HashMap::new();
    for (si, sh) in m.pos.shunts.iter().enumerate() {
        let kind = match by_shunt.get(&si) {
            Some((_, MachineKind::Asynchronous { .. })) => continue,
            Some((mi, MachineKind::Synchronous { .. })) => {
                gen_shunt.insert(*mi, net.shunts.len());
                Source::Generator(*mi)
            }
            None => Source::Other,
        };
        new_index[si] = net.shunts.len();
        net.shunts.push(sh.clone());
        kinds.push((kind, sh.passive));
    }
    let units = m
        .ps_units
        .iter()
        .map(|u| PsUnit {
            shunt: new_index[u.shunt],
            ..u.clone()
        })
        .collect();
    WithoutMotors {
        net,
        kinds,
        units,
        gen_shunt,
    }
}

/// Current into a branch at its end on `at` (the node voltages `v` in p.u.).
fn end_current(br: &Branch, z: C64, at_f: bool, vf: C64, vt: C64) -> C64 {
    let ys = C64::new(1.0, 0.0) / z;
    let yft = -ys / br.ratio;
    if at_f {
        (ys + br.y_f) / (br.ratio * br.ratio) * vf + yft * vt
    } else {
        (ys + br.y_t) * vt + yft * vf
    }
}

/// Ik (kA) of three-phase faults at `targets` (bus index, node) where machines feed the
/// network; `zs` holds the Ik'' impedances (for the current sources' share).
pub(super) fn steady_currents(
    c: &Circuit,
    m: &Model,
    o: &ScOptions,
    targets: &[(usize, usize)],
    zs: &HashMap<usize, NodeZ>,
) -> Result<Steady, CalcError> {
    let mut out = Steady::default();
    if targets.is_empty() {
        return Ok(out);
    }
    let wm = without_motors(m);
    let all = vec![true; m.n];
    let main = Solved::new(m, &wm.net, &all, Variant::default())?;
    // Feeders of a fault at `node`: components of the network without it.
    for &(bi, node) in targets {
        let Some((v, unit)) = fault_voltages(m, &wm.net, &wm.units, &main, o, node)? else {
            continue;
        };
        let shunt_z = |si: usize| match unit {
            Some(u) if u.shunt == si => u.z_own,
            _ => wm.net.shunts[si].z,
        };
        // Feeders: union-find over the branches that do not touch the fault node.
        let mut uf = UnionFind::new(m.n);
        for br in &wm.net.branches {
            if br.f != node && br.t != node {
                uf.union(br.f, br.t);
            }
        }
        // Partial current (p.u.) and sources of each feeder, keyed by its root; the fault
        // node's own shunts are feeders of their own (keyed past the nodes).
        let mut current: BTreeMap<usize, C64> = BTreeMap::new();
        let mut sources: HashMap<usize, Vec<Source>> = HashMap::new();
        for (bidx, br) in wm.net.branches.iter().enumerate() {
            let z = match unit {
                Some(u) if u.branch == bidx => u.branch_z_own,
                _ => br.z,
            };
            let (at_f, other) = match (br.f == node, br.t == node) {
                (true, false) => (true, br.t),
                (false, true) => (false, br.f),
                (true, true) => {
                    // Both ends on the fault node: a passive admittance there.
                    let i = end_current(br, z, true, v[node], v[node])
                        + end_current(br, z, false, v[node], v[node]);
                    *current.entry(usize::MAX).or_default() += i;
                    continue;
                }
                (false, false) => continue,
            };
            *current.entry(uf.find(other)).or_default() +=
                end_current(br, z, at_f, v[br.f], v[br.t]);
        }
        for (si, sh) in wm.net.shunts.iter().enumerate() {
            let (kind, passive) = wm.kinds[si];
            if sh.node == node {
                let key = m.n + si;
                *current.entry(key).or_default() += v[node] / shunt_z(si);
                if !passive {
                    sources.entry(key).or_default().push(kind);
                }
            } else if !passive {
                sources.entry(uf.find(sh.node)).or_default().push(kind);
            }
        }
        let mut total = C64::default();
        let mut known = true;
        for (key, i) in &current {
            let factor = match sources.get(key).map(Vec::as_slice) {
                // One synchronous generator alone: λ (clause 10.2.1).
                Some(&[Source::Generator(mi)]) => {
                    let mc = &m.machines[mi];
                    let ig = wm.gen_shunt.get(&mi).map_or(0.0, |&si| {
                        (v[mc.node] / shunt_z(si)).norm() / (SQRT_3 * m.base_kv[mc.node])
                    });
                    let r = ig / mc.ir_ka;
                    let generator = match mc.kind {
                        MachineKind::Synchronous { generator } => Some(generator),
                        MachineKind::Asynchronous { .. } => None,
                    };
                    match generator.map(|gi| (gi, LambdaMachine::of(&c.generators[gi]))) {
                        Some((_, Some(g))) if r > 0.0 => lambda(o.case, r, &g) / r,
                        Some((gi, None)) => {
                            out.lacking.insert(gi);
                            known = false;
                            1.0
                        }
                        _ => 1.0,
                    }
                }
                // No generator, or one among other sources (10.2.3): I''kM.
                _ => 1.0,
            };
            total += i * factor;
        }
        if !known {
            continue;
        }
        let i_base = 1.0 / (SQRT_3 * m.base_kv[node]);
        let cs = zs.get(&bi).map_or(0.0, |nz| {
            nz.source_sum / (nz.z1 + fault_z(m, o, node)).norm() * i_base
        });
        let ik = total.norm() * i_base + cs;
        if ik.is_finite() {
            out.ik.insert(bi, ik);
        }
    }
    Ok(out)
}
