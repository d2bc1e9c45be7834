//! Assembly of the nodal admittance matrix of a sequence network.

use super::model::{PsUnit, SeqNetwork};
use super::sparse::SymmetricBuilder;
use num_complex::Complex64 as C64;

/// Which impedances to stamp.
#[derive(Debug, Clone, Copy, Default)]
pub struct Variant<'a> {
    /// Power-station unit whose terminals are faulted: generator with KG,S, transformer as is.
    pub own_unit: Option<&'a PsUnit>,
    /// Equivalent frequency ratio fc/f of κ method C: reactances scaled, peak impedances used.
    pub freq_ratio: Option<f64>,
}

fn scale_x(z: C64, ratio: Option<f64>) -> C64 {
    match ratio {
        Some(r) => C64::new(z.re, z.im * r),
        None => z,
    }
}

/// Y of the network restricted to the nodes with `index[node] = Some(i)`.
pub fn assemble(
    net: &SeqNetwork,
    index: &[Option<usize>],
    size: usize,
    v: Variant,
) -> SymmetricBuilder {
    let mut y = SymmetricBuilder::new(size);
    let one = C64::new(1.0, 0.0);
    for (bi, br) in net.branches.iter().enumerate() {
        let (Some(f), Some(t)) = (index[br.f], index[br.t]) else {
            continue;
        };
        let mut z = br.z;
        if let Some(u) = v.own_unit
            && u.branch == bi
        {
            z = u.branch_z_own;
        }
        let ys = one / scale_x(z, v.freq_ratio);
        let t2 = br.ratio * br.ratio;
        if f == t {
            // Both ends on one node (buses fused by a closed switch): the four entries of the
            // branch add up on the diagonal, so the series part cancels (for ratio 1).
            y.add(f, f, (ys + br.y_f) / t2 + ys + br.y_t - ys * 2.0 / br.ratio);
            continue;
        }
        y.add(f, f, (ys + br.y_f) / t2);
        y.add(t, t, ys + br.y_t);
        y.add(f, t, -ys / br.ratio);
    }
    for (si, sh) in net.shunts.iter().enumerate() {
        let Some(n) = index[sh.node] else { continue };
        let (mut z, mut zp) = (sh.z, sh.z_peak);
        if let Some(u) = v.own_unit
            && u.shunt == si
        {
            z = u.z_own;
            zp = u.z_peak_own;
        }
        let z = match v.freq_ratio {
            Some(r) => scale_x(zp, Some(r)),
            None => z,
        };
        y.add(n, n, one / z);
    }
    y
}

/// Nodes connected (through branches) to at least one shunt: the others float in this
/// sequence network (no zero-sequence path to earth) and have an infinite impedance.
pub fn earthed_nodes(net: &SeqNetwork, n: usize) -> Vec<bool> {
    let mut uf = super::topology::UnionFind::new(n);
    let mut earthed_seed = vec![false; n];
    for br in &net.branches {
        uf.union(br.f, br.t);
        if br.y_f.norm() > 0.0 {
            earthed_seed[br.f] = true;
        }
        if br.y_t.norm() > 0.0 {
            earthed_seed[br.t] = true;
        }
    }
    for sh in &net.shunts {
        earthed_seed[sh.node] = true;
    }
    let mut root_earthed = vec![false; n];
    for (i, &e) in earthed_seed.iter().enumerate() {
        if e {
            let r = uf.find(i);
            root_earthed[r] = true;
        }
    }
    (0..n).map(|i| root_earthed[uf.find(i)]).collect()
}
