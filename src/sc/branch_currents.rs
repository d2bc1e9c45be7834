//! Branch currents: for each selected fault location, the phase currents at every line and
//! transformer terminal; the largest over the fault locations is kept.
//!
//! Sequence fault currents at the fault (IEC 60909-0 clause 4 / Annex B) are injected into the
//! sequence networks (one solve each gives Z[:, k]); terminal currents follow from the branch
//! admittances and are combined into phase currents, with the vector-group phase shifts of the
//! transformers on the way (positive sequence by −30°·clock, negative sequence the other way).

use super::admittance::{Variant, earthed_nodes};
use super::circuit::Circuit;
use super::formulas::fault_z;
use super::model::{Branch, Model, Owner, PsUnit, SeqNetwork};
use super::options::{Fault, ScOptions};
use super::results::{BranchResult, finite};
use super::solve::{CalcError, Solved, injections};
use super::sparse::ColumnSolver;
use num_complex::Complex64 as C64;
use std::collections::HashMap;
use std::f64::consts::PI;

const SQRT_3: f64 = 1.732_050_807_568_877_2;

/// (element kind 0 line / 1 transformer / 2 transformer3w / 3 impedance / 4 switch, element
/// index).
type Key = (u8, usize);

fn key_of(owner: Owner) -> Key {
    match owner {
        Owner::Line(i) => (0, i),
        Owner::Trafo(i) => (1, i),
        Owner::Trafo3w(i, _) => (2, i),
        Owner::Impedance(i) => (3, i),
        Owner::Switch(i) => (4, i),
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

/// Admittance terms of a branch: i_from = yff·vf − yft·vt and i_to = ytt·vt − yft·vf.
#[derive(Clone, Copy)]
struct Terms {
    y: [C64; 3],
    /// The three bit for bit equal (a line: no shunts, ratio 1), so i_to = −i_from exactly,
    /// up to the sign of a zero, which the sums (from +0) do not keep.
    series: bool,
}

/// The terms of a branch with series impedance `z`: the textbook expressions (ys + y_f)/t²,
/// ys/t and ys + y_t, only evaluated once instead of per fault, so the currents are bit for
/// bit the same.
fn admittance_terms(br: &Branch, z: C64) -> Terms {
    let ys = C64::new(1.0, 0.0) / z;
    let y = [
        (ys + br.y_f) / (br.ratio * br.ratio),
        ys / br.ratio,
        ys + br.y_t,
    ];
    let bits = |c: C64| (c.re.to_bits(), c.im.to_bits());
    let series = bits(y[0]) == bits(y[1]) && bits(y[1]) == bits(y[2]);
    Terms { y, series }
}

/// A branch that carries the current of an element terminal at one end or both, in solver
/// numbering.
struct BranchTerm {
    /// Index in the network's branches (the unit transformer of a faulted unit differs).
    branch: usize,
    f: usize,
    t: usize,
    y: Terms,
    slot_f: Option<usize>,
    slot_t: Option<usize>,
}

/// An earthing shunt that carries a terminal's current (zero sequence of a transformer).
struct ShuntTerm {
    node: usize,
    z: C64,
    slot: usize,
}

/// What one sequence network contributes to the terminal currents, the same for every fault.
/// Branches and shunts outside the solved node set carry no current and are left out.
#[derive(Default)]
struct Plan {
    branches: Vec<BranchTerm>,
    shunts: Vec<ShuntTerm>,
}

/// An element terminal, numbered densely before the fault loop so that a fault's terminal
/// currents go into plain vectors instead of a hash map.
struct Slot {
    element: usize,
    terminal: usize,
    /// Angle class of the terminal's node (see `AngleClasses`).
    class: usize,
    /// √3·Ub of the terminal's node: phase current in kA = |I| (pu) / kv.
    kv: f64,
}

/// The distinct positive-sequence node angles (few: sums of the transformer clock shifts), so
/// that a fault costs a few sin/cos instead of two per terminal.
struct AngleClasses {
    class_of: Vec<usize>,
    angles: Vec<f64>,
}

impl AngleClasses {
    fn new(angle: &[f64]) -> Self {
        let mut ids: HashMap<u64, usize> = HashMap::new();
        let mut angles = Vec::new();
        let class_of = angle
            .iter()
            .map(|&a| {
                *ids.entry(a.to_bits()).or_insert_with(|| {
                    angles.push(a);
                    angles.len() - 1
                })
            })
            .collect();
        AngleClasses { class_of, angles }
    }

    /// Per class (e^{jθ}, e^{−jθ}) with θ = class angle − `base`: the positive sequence turns
    /// one way, the negative the other. The same θ and trig as per terminal, so identical.
    fn rotations(&self, base: f64, out: &mut Vec<(C64, C64)>) {
        out.clear();
        out.extend(self.angles.iter().map(|&a| {
            let th = a - base;
            (C64::from_polar(1.0, th), C64::from_polar(1.0, -th))
        }));
    }
}

/// The terminals and the per-network plans of one calculation.
struct Layout {
    /// Element keys in result order (sorted).
    elements: Vec<Key>,
    /// Terminals in the order first met: the positive sequence's first (`n_positive`, carrying
    /// current for every fault), then those only in the zero sequence.
    slots: Vec<Slot>,
    n_positive: usize,
    pos: Plan,
    zero: Plan,
}

/// Numbers the element terminals as first met, building the plans.
#[derive(Default)]
struct Numbering {
    ids: HashMap<(Key, usize), usize>,
    /// Per slot: element key, terminal, node.
    found: Vec<(Key, usize, usize)>,
}

impl Numbering {
    fn slot(&mut self, (key, terminal): (Key, usize), node: usize) -> usize {
        *self.ids.entry((key, terminal)).or_insert_with(|| {
            self.found.push((key, terminal, node));
            self.found.len() - 1
        })
    }

    fn plan(&mut self, (net, s): (&SeqNetwork, &Solved)) -> Plan {
        let mut p = Plan::default();
        for (bi, br) in net.branches.iter().enumerate() {
            let Some(owner) = br.owner else { continue };
            let (Some(f), Some(t)) = (s.index[br.f], s.index[br.t]) else {
                continue;
            };
            let slot_f = key_and_terminal(owner, false).map(|kt| self.slot(kt, br.f));
            let slot_t = key_and_terminal(owner, true).map(|kt| self.slot(kt, br.t));
            p.branches.push(BranchTerm {
                branch: bi,
                f,
                t,
                y: admittance_terms(br, br.z),
                slot_f,
                slot_t,
            });
        }
        for sh in &net.shunts {
            let (Some((owner, terminal)), Some(node)) = (sh.terminal, s.index[sh.node]) else {
                continue;
            };
            let slot = self.slot((key_of(owner), terminal), sh.node);
            p.shunts.push(ShuntTerm {
                node,
                z: sh.z,
                slot,
            });
        }
        p
    }
}

impl Layout {
    /// A terminal's node (base voltage, angle) is that of its first occurrence: branches
    /// before shunts, positive before zero sequence.
    fn new(
        m: &Model,
        pos: (&SeqNetwork, &Solved),
        zero: Option<(&SeqNetwork, &Solved)>,
        classes: &AngleClasses,
    ) -> Self {
        let mut numbering = Numbering::default();
        let pos = numbering.plan(pos);
        let n_positive = numbering.found.len();
        let zero = zero.map(|z| numbering.plan(z)).unwrap_or_default();
        let found = numbering.found;
        let mut elements: Vec<Key> = found.iter().map(|f| f.0).collect();
        elements.sort_unstable();
        elements.dedup();
        let slots = found
            .into_iter()
            .map(|(key, terminal, node)| Slot {
                // Always found: the keys come from `found`.
                element: match elements.binary_search(&key) {
                    Ok(e) | Err(e) => e,
                },
                terminal,
                class: classes.class_of[node],
                kv: SQRT_3 * m.base_kv[node],
            })
            .collect();
        Layout {
            elements,
            slots,
            n_positive,
            pos,
            zero,
        }
    }
}

/// Adds the terminal currents of one sequence network for the node voltages `v` (solver
/// order), times each scale, to the slots of each output. Per output and slot the additions
/// come in a fixed order (branches, then shunts): the sums are the same bit for bit whichever
/// outputs are computed together.
fn accumulate<const N: usize>(
    plan: &Plan,
    own: Option<(usize, Terms)>,
    v: &[C64],
    mut outputs: [(C64, &mut [C64]); N],
) {
    for b in &plan.branches {
        // The unit transformer of a unit whose terminals are faulted has no KS/KSO (6.7.1).
        let terms = match own {
            Some((bi, y)) if bi == b.branch => y,
            _ => b.y,
        };
        let [yff, yft, ytt] = terms.y;
        let (vf, vt) = (v[b.f], v[b.t]);
        let i_from = yff * vf - yft * vt;
        if terms.series {
            // Half the products: −(i·scale) = (−i)·scale exactly.
            for (scale, out) in outputs.iter_mut() {
                let i = i_from * *scale;
                if let Some(s) = b.slot_f {
                    out[s] += i;
                }
                if let Some(s) = b.slot_t {
                    out[s] -= i;
                }
            }
            continue;
        }
        let i_to = ytt * vt - yft * vf;
        for (slot, i) in [(b.slot_f, i_from), (b.slot_t, i_to)] {
            if let Some(s) = slot {
                for (scale, out) in outputs.iter_mut() {
                    out[s] += i * *scale;
                }
            }
        }
    }
    for sh in &plan.shunts {
        let i = v[sh.node] / sh.z;
        for (scale, out) in outputs.iter_mut() {
            out[sh.slot] += i * *scale;
        }
    }
}

/// Positive- and negative-sequence terminal currents: the same branch currents (from the
/// positive-sequence column) scaled by I1 and by I2, so one pass does both when I2 = I1
/// (1ph: the same sums) or I2 = 0 (3ph: every product is ±0, the sums stay exactly +0,
/// unless a branch current is infinite or NaN, which then shows in the I1 sums). Returns true
/// when `acc1` holds the negative sequence too; `separate` asks for a copy in `acc2` instead
/// (the current sources go into `acc1` afterwards). `acc2_written`: `acc2` is not all +0.
fn positive_negative(
    plan: &Plan,
    own: Option<(usize, Terms)>,
    col: &[C64],
    (i1, i2): (C64, C64),
    separate: bool,
    acc1: &mut [C64],
    (acc2, acc2_written): (&mut [C64], &mut bool),
) -> bool {
    let zero = C64::default();
    acc1.fill(zero);
    let same = i1.re.to_bits() == i2.re.to_bits() && i1.im.to_bits() == i2.im.to_bits();
    if same || (i2 == zero && i1.is_finite()) {
        accumulate(plan, own, col, [(i1, &mut *acc1)]);
        if same && !separate {
            return true;
        }
        if same {
            acc2.copy_from_slice(acc1);
            *acc2_written = true;
            return false;
        }
        if acc1.iter().all(|i| i.is_finite()) {
            if std::mem::take(acc2_written) {
                acc2.fill(zero);
            }
            return false;
        }
        acc1.fill(zero);
    }
    acc2.fill(zero);
    *acc2_written = true;
    accumulate(plan, own, col, [(i1, acc1), (i2, acc2)]);
    false
}

/// Column k of Z of a factorized network into `col` (solver order); returns Z[k, k] (None
/// when the node is not part of the network).
fn column_into(
    s: &Solved,
    columns: &mut ColumnSolver,
    node: usize,
    col: &mut Vec<C64>,
) -> Option<C64> {
    let k = s.index[node]?;
    col.resize(s.f.size(), C64::default());
    columns.column(k, col);
    Some(col[k])
}

/// Largest phase current of an element over the faults so far.
#[derive(Clone, Copy, Default)]
struct Largest {
    /// Per terminal, kA.
    terminal: [f64; 3],
    /// Over the terminals, kA, and where it occurred first: (position in the selected fault
    /// locations, bus).
    overall: f64,
    fault: Option<(usize, usize)>,
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
        if let Some(z) = s.diagonal_at(node) {
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

/// The selected fault locations (position, bus) in a fixed scrambled order: sorted by a hash
/// of the position. The order only affects the speed, never the results (maxima, and ties
/// won by the first position): each time a fault raises a terminal's maximum the terminal
/// needs the full evaluation. In a scrambled order that happens about ln(faults) times per
/// terminal; in bus order (along the feeders) or by fault level, faults approaching a terminal
/// raise it again and again (measured in bus order: 4× as many full evaluations for 3ph, 40×
/// for 1ph at 10,000 buses).
fn fault_order(selected: &[usize]) -> Vec<(usize, usize)> {
    let mut order: Vec<(usize, usize)> = selected.iter().copied().enumerate().collect();
    order.sort_unstable_by_key(|&(position, _)| scramble(position as u64));
    order
}

/// SplitMix64's finalizer: a bijection on u64 (so no two positions tie) that spreads
/// neighbouring positions far apart.
fn scramble(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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
    type UnitNet<'a> = (&'a PsUnit, Solved, Option<Vec<C64>>, Option<(usize, Terms)>);
    let mut unit_nets: HashMap<usize, UnitNet> = HashMap::new();
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
            let own_y = m
                .pos
                .branches
                .get(u.branch)
                .map(|br| (u.branch, admittance_terms(br, u.branch_z_own)));
            unit_nets.insert(u.gen_node, (u, s, src, own_y));
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
    let classes = AngleClasses::new(&angle);
    // The unit networks have the node set of `pos`, hence its plan.
    let layout = Layout::new(
        m,
        (&m.pos, &pos),
        zero.as_ref().map(|(net, s)| (*net, s)),
        &classes,
    );
    let a = C64::from_polar(1.0, 2.0 * PI / 3.0);
    let a2 = a * a;
    let zero_c = C64::default();
    let mut largest = vec![Largest::default(); layout.elements.len()];
    // Slots reported (prefix of `slots`): an element is in the results once a fault has given
    // one of its terminals a current, even 0.
    let mut reported = 0;
    // Buffers reused over the faults: Z columns and the terminal currents per sequence.
    let (mut col1, mut col0, mut rot) = (Vec::new(), Vec::new(), Vec::new());
    let mut pos_columns = ColumnSolver::new(&pos.f);
    let mut zero_columns = zero.as_ref().map(|(_, s)| (s, ColumnSolver::new(&s.f)));
    let mut acc = [(); 3].map(|_| vec![zero_c; layout.slots.len()]);
    // Per sequence: `acc` not all +0 (the sequences a fault does not use stay +0).
    let mut written = [false; 3];
    // Per slot: squared phase current (pu) up to which the terminal's maximum certainly
    // stays (negative: always evaluate).
    let mut skip_below = vec![-1.0; layout.slots.len()];
    for (rank, bi) in fault_order(selected) {
        let Some(node) = m.node_of_bus[bi] else {
            continue;
        };
        // A unit's network is solved for its terminals only (usually one bus).
        let mut unit_columns;
        let (own, pos, src, own_y, columns) = match unit_nets.get(&node) {
            Some((u, s, src, own_y)) => {
                unit_columns = ColumnSolver::new(&s.f);
                (Some(*u), s, src, *own_y, &mut unit_columns)
            }
            None => (None, &pos, &src_main, None, &mut pos_columns),
        };
        let vratio = own.map_or(1.0, |u| u.voltage_ratio);
        let Some(z1) = column_into(pos, columns, node, &mut col1) else {
            continue;
        };
        let z0 = zero_columns
            .as_mut()
            .and_then(|(s, columns)| column_into(s, columns, node, &mut col0));
        let zf = fault_z(m, o, node);
        // Current sources (static generators, clause 6.9) by superposition: their injections
        // raise the Thevenin voltage at the fault by (Z·Isrc)[k] (phasor; the bus Ik'' adds the
        // magnitudes, eq. 29 with the current-source term), and their own flow Z·Isrc stays in
        // the positive-sequence network.
        let vs = src.as_ref().and_then(|v| Some(v[pos.index[node]?]));
        // Unit terminals: the voltage source c·UrG/√3 (eq. 36 of 6.7.1).
        let cv = C64::new(m.c[node] * vratio, 0.0) + vs.unwrap_or_default();
        // Sequence currents at the fault for a prefault voltage c (phase a is the faulted or
        // the healthy phase as in IEC 60909-0 Annex B).
        let (i0, i1, i2) = match (o.fault, z0) {
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
        let [acc0, acc1, acc2] = &mut acc;
        let negative_in_positive = positive_negative(
            &layout.pos,
            own_y,
            &col1,
            (i1, i2),
            src.is_some(),
            acc1,
            (acc2, &mut written[2]),
        );
        if let Some(v) = src.as_ref() {
            accumulate(
                &layout.pos,
                own_y,
                v,
                [(C64::new(-1.0, 0.0), &mut acc1[..])],
            );
        }
        // The zero-sequence-only terminals are reported when the fault's zero sequence is.
        let zero_solved = zero.is_some() && z0.is_some();
        if zero_solved {
            acc0.fill(zero_c);
            written[0] = true;
            accumulate(&layout.zero, None, &col0, [(i0, &mut acc0[..])]);
        } else if std::mem::take(&mut written[0]) {
            acc0.fill(zero_c);
        }
        let n = if zero_solved {
            layout.slots.len()
        } else {
            layout.n_positive
        };
        reported = reported.max(n);
        // Sequences with a non-zero scale. The others are +0, or NaN at a terminal whose
        // current is not finite, where the full evaluation keeps the maxima too (NaN phases).
        let (s0, s2) = (zero_solved && i0 != zero_c, i2 != zero_c);
        let terms = f64::from(1 + u8::from(s0) + u8::from(s2));
        // Into each terminal's own frame, relative to the faulted bus.
        classes.rotations(angle[node], &mut rot);
        let acc2 = if negative_in_positive { &*acc1 } else { acc2 };
        let (acc0, acc1, acc2) = (&acc0[..n], &acc1[..n], &acc2[..n]);
        for s in 0..n {
            // Most faults do not raise a terminal's maximum: skip the three hypot (most of the
            // time otherwise) when every phase's |I|² is clearly below it. Bounds, cheapest
            // first: terms·Σ|Ik|² >= (Σ|Ik|)² (Cauchy-Schwarz) >= |I0 + I1' + I2'|² (the
            // rotations are unit phasors), then the phases themselves. The relative margin of
            // `skip_below` covers the rounding against hypot; NaN and overflow never compare
            // below. So the maxima are bit for bit those of the full evaluation.
            let limit = skip_below[s];
            let sq1 = acc1[s].norm_sqr();
            let sum_sq = if s0 || s2 {
                let sq0 = if s0 { acc0[s].norm_sqr() } else { 0.0 };
                let sq2 = if s2 { acc2[s].norm_sqr() } else { 0.0 };
                let sum_sq = sq1 + sq0 + sq2;
                if sum_sq * terms <= limit {
                    continue;
                }
                let sum = sq1.sqrt() + sq0.sqrt() + sq2.sqrt();
                if sum * sum <= limit {
                    continue;
                }
                sum_sq
            } else {
                if sq1 <= limit {
                    continue;
                }
                sq1
            };
            // No current at all (beyond the fault in a radial part, in 3ph): phase currents 0.
            if sum_sq == 0.0
                && acc1[s] == zero_c
                && (!s0 || acc0[s] == zero_c)
                && (!s2 || acc2[s] == zero_c)
            {
                continue;
            }
            let seq = [acc0[s], acc1[s], acc2[s]];
            let slot = &layout.slots[s];
            let (r1, r2) = rot[slot.class];
            let p1 = seq[1] * r1;
            let p2 = seq[2] * r2;
            let phases = [
                seq[0] + p1 + p2,
                seq[0] + a2 * p1 + a * p2,
                seq[0] + a * p1 + a2 * p2,
            ];
            if phases.iter().all(|p| p.norm_sqr() <= limit) {
                continue;
            }
            let ka = phases.iter().map(|p| p.norm()).fold(0.0, f64::max) / slot.kv;
            let e = &mut largest[slot.element];
            if let Some(t) = e.terminal.get_mut(slot.terminal) {
                *t = t.max(ka);
                let limit = (*t * slot.kv).powi(2) * (1.0 - 1e-9);
                // Far from overflow and from subnormals, where norm_sqr loses precision.
                skip_below[s] = if (1e-280..1e280).contains(&limit) {
                    limit
                } else {
                    -1.0
                };
            }
            // The first fault location in `selected` order wins a tie, as in a pass in that
            // order (a skipped terminal is strictly below the maximum, so no tie is missed).
            if ka > e.overall || (ka == e.overall && e.fault.is_some_and(|(r, _)| rank < r)) {
                e.overall = ka;
                e.fault = Some((rank, bi));
            }
        }
    }
    let mut seen = vec![false; layout.elements.len()];
    for slot in &layout.slots[..reported] {
        seen[slot.element] = true;
    }
    Ok(layout
        .elements
        .iter()
        .zip(largest)
        .zip(seen)
        .filter(|(_, seen)| *seen)
        .map(|((&(kind, i), e), _)| {
            let v = e.terminal;
            let (kind, id) = match kind {
                0 => ("line", c.lines[i].id.clone()),
                1 => ("transformer", c.transformers[i].id.clone()),
                2 => ("transformer3w", c.transformers3w[i].id.clone()),
                3 => ("impedance", c.impedances[i].id.clone()),
                _ => ("switch", c.switches[i].id.clone()),
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
                fault_bus: e.fault.map(|(_, b)| c.buses[b].id.clone()),
            }
        })
        .collect())
}
