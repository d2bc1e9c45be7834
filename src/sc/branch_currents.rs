//! Branch currents: for each selected fault location, the phase currents at every line and
//! transformer terminal; the largest over the fault locations is kept.
//!
//! Sequence fault currents at the fault (IEC 60909-0 clause 4 / Annex B) are injected into the
//! sequence networks (one solve each gives Z[:, k]); terminal currents follow from the branch
//! admittances and are combined into phase currents, with the vector-group phase shifts of the
//! transformers on the way (positive sequence by −30°·clock, negative sequence the other way).

use super::admittance::{Variant, earthed_nodes};
use super::calc::{CalcError, Solved, fault_z, injections};
use super::circuit::Circuit;
use super::model::{Model, Owner, PsUnit, SeqNetwork};
use super::options::{Fault, ScOptions};
use super::results::{BranchResult, finite};
use num_complex::Complex64 as C64;
use std::collections::{BTreeMap, HashMap};
use std::f64::consts::PI;

const SQRT_3: f64 = 1.732_050_807_568_877_2;

/// (element kind 0 line / 1 transformer / 2 transformer3w, element index).
type Key = (u8, usize);

fn key_of(owner: Owner) -> Key {
    match owner {
        Owner::Line(i) => (0, i),
        Owner::Trafo(i) => (1, i),
        Owner::Trafo3w(i, _) => (2, i),
    }
}

/// Element and terminal (0 from/HV, 1 to/LV or MV, 2 LV of a three-winding transformer) of a
/// branch end; the star-point end of a three-winding transformer's branch is no terminal.
fn key_and_terminal(owner: Owner, at_t: bool) -> Option<(Key, usize)> {
    match owner {
        Owner::Trafo3w(_, w) => at_t.then_some((key_of(owner), w as usize)),
        _ => Some((key_of(owner), usize::from(at_t))),
    }
}

/// Positive-sequence angle of every node against its island's first node (radians).
fn node_angles(m: &Model) -> Vec<f64> {
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m.n];
    for br in &m.pos.branches {
        let s = br.shift_deg.to_radians();
        adj[br.f].push((br.t, s));
        adj[br.t].push((br.f, -s));
    }
    let mut angle = vec![f64::NAN; m.n];
    for root in 0..m.n {
        if !angle[root].is_nan() {
            continue;
        }
        angle[root] = 0.0;
        let mut stack = vec![root];
        while let Some(u) = stack.pop() {
            for &(v, s) in &adj[u] {
                if angle[v].is_nan() {
                    angle[v] = angle[u] + s;
                    stack.push(v);
                }
            }
        }
    }
    angle
}

/// Sequence currents (I0, I1, I2) flowing into each terminal for unit injection at the fault,
/// accumulated over the branches (and earthing shunts) of one sequence network.
fn terminal_currents(
    net: &SeqNetwork,
    own: Option<&PsUnit>,
    s: &Solved,
    col: &[C64],
    seq: usize,
    scale: C64,
    out: &mut HashMap<(Key, usize), ([C64; 3], usize)>,
) {
    let one = C64::new(1.0, 0.0);
    let v = |node: usize| s.index[node].map(|i| col[i]);
    for (bi, br) in net.branches.iter().enumerate() {
        let Some(owner) = br.owner else { continue };
        let (Some(vf), Some(vt)) = (v(br.f), v(br.t)) else {
            continue;
        };
        // The unit transformer of a unit whose terminals are faulted has no KS/KSO (6.7.1).
        let z = match own {
            Some(u) if u.branch == bi => u.branch_z_own,
            _ => br.z,
        };
        let ys = one / z;
        let i_from = (ys + br.y_f) / (br.ratio * br.ratio) * vf - ys / br.ratio * vt;
        let i_to = (ys + br.y_t) * vt - ys / br.ratio * vf;
        for (at_t, i, node) in [(false, i_from, br.f), (true, i_to, br.t)] {
            if let Some(kt) = key_and_terminal(owner, at_t) {
                out.entry(kt).or_insert(([C64::default(); 3], node)).0[seq] += i * scale;
            }
        }
    }
    for sh in &net.shunts {
        let (Some((owner, terminal)), Some(vn)) = (sh.terminal, v(sh.node)) else {
            continue;
        };
        out.entry((key_of(owner), terminal))
            .or_insert(([C64::default(); 3], sh.node))
            .0[seq] += vn / sh.z * scale;
    }
}

/// Column k of Z of a factorized network (None when the node is not part of it).
fn column(s: &Solved, node: usize) -> Option<(Vec<C64>, C64)> {
    let k = s.index[node]?;
    let mut col = vec![C64::default(); s.f.size()];
    col[k] = C64::new(1.0, 0.0);
    s.f.solve(&mut col);
    let zkk = col[k];
    Some((col, zkk))
}

/// Z·Isrc of the current sources in a factorized positive-sequence network (solver order),
/// injection angles as for the bus results.
fn source_voltages(m: &Model, o: &ScOptions, s: &Solved) -> Result<Option<Vec<C64>>, CalcError> {
    // Not for 2phg faults, as the bus results (calc.rs warns).
    if m.current_sources.is_empty() || o.fault == Fault::TwoPhaseEarth {
        return Ok(None);
    }
    let mut diag = vec![None; m.n];
    for &(node, _) in &m.current_sources {
        if let Some((_, z)) = column(s, node) {
            diag[node] = Some(z);
        }
    }
    let mut rhs = vec![C64::default(); s.f.size()];
    for (node, i) in injections(m, o, &diag) {
        if let Some(k) = s.index[node] {
            rhs[k] += i;
        }
    }
    s.f.solve(&mut rhs);
    Ok(Some(rhs))
}

pub(super) fn branch_currents(
    c: &Circuit,
    m: &Model,
    o: &ScOptions,
    selected: &[usize],
) -> Result<Vec<BranchResult>, CalcError> {
    let all = vec![true; m.n];
    let pos = Solved::new(m, &m.pos, &all, Variant::default())?;
    // Faults at the terminals of a power-station unit: the network with the unit's own
    // correction factors (generator KG,S, transformer without KS/KSO, clause 6.7.1), one
    // factorization per unit whose terminals are selected.
    let src_main = source_voltages(m, o, &pos)?;
    let mut unit_nets: HashMap<usize, (&PsUnit, Solved, Option<Vec<C64>>)> = HashMap::new();
    for u in &m.ps_units {
        if selected
            .iter()
            .any(|&bi| m.node_of_bus[bi] == Some(u.gen_node))
        {
            let v = Variant {
                own_unit: Some(u),
                freq_ratio: None,
            };
            let s = Solved::new(m, &m.pos, &all, v)?;
            let src = source_voltages(m, o, &s)?;
            unit_nets.insert(u.gen_node, (u, s, src));
        }
    }
    let zero = match (&m.zero, o.fault.needs_zero_sequence()) {
        (Some(z), true) => {
            let earthed = earthed_nodes(z, m.n);
            if earthed.iter().any(|&e| e) {
                Some((z, Solved::new(m, z, &earthed, Variant::default())?))
            } else {
                None
            }
        }
        _ => None,
    };
    let angle = node_angles(m);
    let a = C64::from_polar(1.0, 2.0 * PI / 3.0);
    // Per element: largest phase current at each terminal, fault bus of the overall largest.
    let mut best: BTreeMap<Key, ([f64; 3], Option<usize>, f64)> = BTreeMap::new();
    for &bi in selected {
        let Some(node) = m.node_of_bus[bi] else {
            continue;
        };
        let (own, pos, src) = match unit_nets.get(&node) {
            Some((u, s, src)) => (Some(*u), s, src),
            None => (None, &pos, &src_main),
        };
        let vratio = own.map_or(1.0, |u| u.voltage_ratio);
        let Some((col1, z1)) = column(pos, node) else {
            continue;
        };
        let col0 = zero.as_ref().and_then(|(_, s)| column(s, node));
        let zf = fault_z(m, o, node);
        // Current sources (static generators, clause 6.9) by superposition: their injections
        // raise the Thevenin voltage at the fault by (Z·Isrc)[k] (phasor; the bus Ik'' adds the
        // magnitudes, eq. 29 with the current-source term), and their own flow Z·Isrc stays in
        // the positive-sequence network.
        let vs = src.as_ref().and_then(|v| Some(v[pos.index[node]?]));
        // Unit terminals: the voltage source c·UrG/√3 (eq. 36 of 6.7.1).
        let cv = C64::new(m.c[node] * vratio, 0.0) + vs.unwrap_or_default();
        let zero_c = C64::default();
        // Sequence currents at the fault for a prefault voltage c (phase a is the faulted or
        // the healthy phase as in IEC 60909-0 Annex B).
        let (i0, i1, i2) = match (o.fault, col0.as_ref().map(|c| c.1)) {
            (Fault::ThreePhase, _) => (zero_c, cv / (z1 + zf), zero_c),
            (Fault::TwoPhase, _) | (Fault::TwoPhaseEarth, None) => {
                let i = cv / ((z1 + zf) * 2.0);
                (zero_c, i, -i)
            }
            (Fault::SinglePhase, Some(z0)) => {
                let i = cv / ((z1 + zf) * 2.0 + z0 + zf);
                (i, i, i)
            }
            (Fault::SinglePhase, None) => (zero_c, zero_c, zero_c),
            (Fault::TwoPhaseEarth, Some(z0)) => {
                let i1 = cv / (z1 + z1 * z0 / (z1 + z0));
                (-i1 * z1 / (z1 + z0), i1, -i1 * z0 / (z1 + z0))
            }
        };
        let mut terms: HashMap<(Key, usize), ([C64; 3], usize)> = HashMap::new();
        terminal_currents(&m.pos, own, pos, &col1, 1, i1, &mut terms);
        if let Some(v) = src.as_ref() {
            terminal_currents(&m.pos, own, pos, v, 1, C64::new(-1.0, 0.0), &mut terms);
        }
        terminal_currents(&m.pos, own, pos, &col1, 2, i2, &mut terms);
        if let (Some((net, s)), Some((col0, _))) = (zero.as_ref(), col0.as_ref()) {
            terminal_currents(net, None, s, col0, 0, i0, &mut terms);
        }
        for ((key, terminal), (seq, tnode)) in terms {
            // Rotate into the terminal's own frame, relative to the faulted bus.
            let th = angle[tnode] - angle[node];
            let p1 = seq[1] * C64::from_polar(1.0, th);
            let p2 = seq[2] * C64::from_polar(1.0, -th);
            let phases = [
                seq[0] + p1 + p2,
                seq[0] + a * a * p1 + a * p2,
                seq[0] + a * p1 + a * a * p2,
            ];
            let ka =
                phases.iter().map(|p| p.norm()).fold(0.0, f64::max) / (SQRT_3 * m.base_kv[tnode]);
            let e = best.entry(key).or_insert(([0.0; 3], None, 0.0));
            if terminal < 3 {
                e.0[terminal] = e.0[terminal].max(ka);
            }
            if ka > e.2 {
                e.2 = ka;
                e.1 = Some(bi);
            }
        }
    }
    Ok(best
        .into_iter()
        .map(|((kind, i), (v, bus, _))| {
            let (kind, id) = match kind {
                0 => ("line", c.lines[i].id.clone()),
                1 => ("transformer", c.transformers[i].id.clone()),
                _ => ("transformer3w", c.transformers3w[i].id.clone()),
            };
            BranchResult {
                kind: kind.into(),
                id,
                ikss_from_ka: finite(v[0]),
                ikss_to_ka: finite(v[1]),
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
