//! Sparse LDLᵀ factorization of complex symmetric matrices (the bus admittance matrix Y) and
//! Takahashi's recurrences for the entries of Z = Y⁻¹ on the pattern of L.
//!
//! Y is complex *symmetric* (not Hermitian), so Cholesky-type Hermitian solvers do not apply;
//! a general sparse LU would do twice the work. Y of a short-circuit model is strongly diagonal
//! (every energized island carries source shunts), so no pivoting is needed. The ordering is a
//! minimum-degree elimination on the graph, which yields the pattern of L directly.
//!
//! Network equivalents may carry negative resistances and reactances, so a pivot can vanish
//! (admittances that cancel at a node): a pivot below [`PIVOT_TOLERANCE`] times the sum of the
//! magnitudes of its node's entries is reported as singular, and a non-finite entry or pivot
//! as such, both with the node where it was found.
//!
//! Memory is O(nnz(L)), which for power networks grows about linearly with the number of
//! branches; no dense n×n array is ever formed.

use num_complex::Complex64 as C64;

/// A pivot whose magnitude is at most this fraction of the sum of the magnitudes of its node's
/// entries in Y is taken as zero: below it, the pivot is rounding noise of the cancellation.
pub const PIVOT_TOLERANCE: f64 = 1e-12;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SparseError {
    /// `node` is the index in the factorized matrix where the zero pivot was found.
    #[error(
        "the admittance matrix is singular: the admittances at this node cancel out (pivot {pivot:.1e} against admittances of {scale:.1e} in magnitude), as with an impedance in parallel with its negative or an island without connection to a source or to earth"
    )]
    Singular { node: usize, pivot: f64, scale: f64 },
    #[error(
        "the admittance matrix is not finite at this node (an infinite or undefined admittance: a zero or non-finite impedance)"
    )]
    NonFinite { node: usize },
}

impl SparseError {
    /// Index (in the factorized matrix) of the node where the problem was found.
    pub fn node(&self) -> usize {
        match self {
            SparseError::Singular { node, .. } | SparseError::NonFinite { node } => *node,
        }
    }
}

/// Symmetric matrix assembled from (row, col, value) contributions; duplicates add up.
#[derive(Debug, Clone, Default)]
pub struct SymmetricBuilder {
    n: usize,
    entries: Vec<(usize, usize, C64)>,
}

impl SymmetricBuilder {
    pub fn new(n: usize) -> Self {
        SymmetricBuilder {
            n,
            entries: Vec::new(),
        }
    }
    pub fn size(&self) -> usize {
        self.n
    }
    /// Adds `v` at (i, j) and, if i ≠ j, at (j, i).
    pub fn add(&mut self, i: usize, j: usize, v: C64) {
        let (a, b) = if i >= j { (i, j) } else { (j, i) };
        self.entries.push((a, b, v));
    }
    /// Adds a series admittance y between i and j (the usual branch stamp).
    pub fn add_branch(&mut self, i: usize, j: usize, y: C64) {
        self.add(i, i, y);
        self.add(j, j, y);
        self.add(i, j, -y);
    }
}

/// LDLᵀ factors of P Y Pᵀ.
#[derive(Debug, Clone)]
pub struct Ldlt {
    n: usize,
    /// perm[k] = original index eliminated k-th.
    perm: Vec<usize>,
    /// inv_perm[original] = k.
    inv_perm: Vec<usize>,
    /// Column k of L (strictly below the diagonal): sorted row indices (elimination order).
    col_ptr: Vec<usize>,
    row_idx: Vec<usize>,
    values: Vec<C64>,
    d: Vec<C64>,
    /// Off-diagonal pattern of the factorized matrix (original numbering, sorted), to check
    /// that a refactorization has the same structure.
    off_pattern: Vec<(usize, usize)>,
}

/// Diagonal and summed, sorted lower off-diagonal entries (row > col).
type Summed = (Vec<C64>, Vec<(usize, usize, C64)>);

/// Sum of the magnitudes of each row's contributions before they add up (the scale against
/// which a pivot is judged); an error at the first node with a non-finite entry.
fn row_scale(a: &SymmetricBuilder) -> Result<Vec<f64>, SparseError> {
    let mut scale = vec![0.0; a.n];
    for &(i, j, v) in &a.entries {
        let m = v.norm();
        scale[i] += m;
        if i != j {
            scale[j] += m;
        }
    }
    match scale.iter().position(|s| !s.is_finite()) {
        Some(node) => Err(SparseError::NonFinite { node }),
        None => Ok(scale),
    }
}

/// Diagonal and summed, sorted lower off-diagonal entries (row > col) of a builder.
fn summed(a: &SymmetricBuilder) -> Summed {
    let mut entries = a.entries.clone();
    entries.sort_unstable_by_key(|e| (e.1, e.0));
    let mut diag = vec![C64::new(0.0, 0.0); a.n];
    let mut off: Vec<(usize, usize, C64)> = Vec::with_capacity(entries.len());
    for (i, j, v) in entries {
        if i == j {
            diag[i] += v;
        } else if let Some(last) = off.last_mut().filter(|l| l.0 == i && l.1 == j) {
            last.2 += v;
        } else {
            off.push((i, j, v));
        }
    }
    (diag, off)
}

impl Ldlt {
    /// Orders, analyses and factorizes.
    pub fn factorize(a: &SymmetricBuilder) -> Result<Self, SparseError> {
        let n = a.n;
        let (diag, off) = summed(a);
        let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(i, j, _) in &off {
            adj[i].push(j);
            adj[j].push(i);
        }
        for a in adj.iter_mut() {
            a.sort_unstable();
            a.dedup();
        }
        let scale = row_scale(a)?;
        let (perm, pattern) = minimum_degree(adj);
        let mut inv_perm = vec![0; n];
        for (k, &p) in perm.iter().enumerate() {
            inv_perm[p] = k;
        }
        let mut col_ptr = Vec::with_capacity(n + 1);
        col_ptr.push(0);
        let mut row_idx = Vec::new();
        for pat in &pattern {
            let start = row_idx.len();
            row_idx.extend(pat.iter().map(|&o| inv_perm[o]));
            row_idx[start..].sort_unstable();
            col_ptr.push(row_idx.len());
        }
        drop(pattern);
        let mut f = Ldlt {
            n,
            perm,
            inv_perm,
            col_ptr,
            row_idx,
            values: Vec::new(),
            d: vec![C64::new(0.0, 0.0); n],
            off_pattern: off.iter().map(|&(i, j, _)| (i, j)).collect(),
        };
        let a_cols = f.lower_columns(&off);
        f.numeric(&diag, &a_cols, &scale)?;
        Ok(f)
    }

    /// Factorizes a matrix with the same sparsity pattern (for example the equivalent-frequency
    /// network of κ method C), reusing the ordering and the symbolic analysis.
    pub fn refactorize(&self, a: &SymmetricBuilder) -> Result<Self, SparseError> {
        let (diag, off) = summed(a);
        let same = a.n == self.n
            && off.len() == self.off_pattern.len()
            && off
                .iter()
                .zip(&self.off_pattern)
                .all(|(x, y)| x.0 == y.0 && x.1 == y.1);
        if !same {
            return Ldlt::factorize(a);
        }
        let scale = row_scale(a)?;
        let mut f = Ldlt {
            n: self.n,
            perm: self.perm.clone(),
            inv_perm: self.inv_perm.clone(),
            col_ptr: self.col_ptr.clone(),
            row_idx: self.row_idx.clone(),
            values: Vec::new(),
            d: vec![C64::new(0.0, 0.0); self.n],
            off_pattern: self.off_pattern.clone(),
        };
        let a_cols = f.lower_columns(&off);
        f.numeric(&diag, &a_cols, &scale)?;
        Ok(f)
    }

    /// Lower triangle of the permuted matrix by column.
    /// (column pointers, (row, value) entries), flat like a CSC matrix.
    fn lower_columns(&self, off: &[(usize, usize, C64)]) -> (Vec<usize>, Vec<(usize, C64)>) {
        let permuted = |&(i, j, v): &(usize, usize, C64)| {
            let (pi, pj) = (self.inv_perm[i], self.inv_perm[j]);
            if pi > pj { (pi, pj, v) } else { (pj, pi, v) }
        };
        let mut ptr = vec![0usize; self.n + 1];
        for e in off {
            ptr[permuted(e).1 + 1] += 1;
        }
        for c in 0..self.n {
            ptr[c + 1] += ptr[c];
        }
        let mut next = ptr.clone();
        let mut entries = vec![(0usize, C64::new(0.0, 0.0)); off.len()];
        for e in off {
            let (r, c, v) = permuted(e);
            entries[next[c]] = (r, v);
            next[c] += 1;
        }
        (ptr, entries)
    }

    pub fn size(&self) -> usize {
        self.n
    }
    /// Number of stored off-diagonal entries of L.
    pub fn nnz_l(&self) -> usize {
        self.row_idx.len()
    }

    fn col(&self, k: usize) -> std::ops::Range<usize> {
        self.col_ptr[k]..self.col_ptr[k + 1]
    }

    /// Left-looking numeric factorization with a dense work vector.
    fn numeric(
        &mut self,
        diag: &[C64],
        a: &(Vec<usize>, Vec<(usize, C64)>),
        scale: &[f64],
    ) -> Result<(), SparseError> {
        let n = self.n;
        let zero = C64::new(0.0, 0.0);
        self.values = vec![zero; self.row_idx.len()];
        // Row structure of L (flat): for each row j, the columns k < j with L[j,k] != 0 and the
        // position of that entry inside column k. Columns are visited in order, so each row's
        // list comes out sorted by k.
        let mut row_ptr = vec![0usize; n + 1];
        for &r in &self.row_idx {
            row_ptr[r + 1] += 1;
        }
        for j in 0..n {
            row_ptr[j + 1] += row_ptr[j];
        }
        let mut next = row_ptr.clone();
        let mut row_entries = vec![(0usize, 0usize); self.row_idx.len()];
        for k in 0..n {
            for p in self.col(k) {
                let r = self.row_idx[p];
                row_entries[next[r]] = (k, p);
                next[r] += 1;
            }
        }
        drop(next);
        let (a_ptr, a_entries) = a;
        let mut w = vec![zero; n];
        for j in 0..n {
            w[j] = diag[self.perm[j]];
            for &(r, v) in &a_entries[a_ptr[j]..a_ptr[j + 1]] {
                w[r] += v;
            }
            for &(k, p) in &row_entries[row_ptr[j]..row_ptr[j + 1]] {
                let ljk = self.values[p];
                let factor = ljk * self.d[k];
                // Entries of column k at rows >= j; the column is sorted and contains j at p.
                w[j] -= ljk * factor;
                for q in (p + 1)..self.col_ptr[k + 1] {
                    let i = self.row_idx[q];
                    w[i] -= self.values[q] * factor;
                }
            }
            let dj = w[j];
            w[j] = zero;
            let node = self.perm[j];
            if !dj.is_finite() {
                return Err(SparseError::NonFinite { node });
            }
            if dj.norm() <= PIVOT_TOLERANCE * scale[node] {
                return Err(SparseError::Singular {
                    node,
                    pivot: dj.norm(),
                    scale: scale[node],
                });
            }
            self.d[j] = dj;
            for p in self.col(j) {
                let i = self.row_idx[p];
                self.values[p] = w[i] / dj;
                w[i] = zero;
            }
        }
        Ok(())
    }

    /// Solves Y x = b (original numbering) in place.
    pub fn solve(&self, b: &mut [C64]) {
        let n = self.n;
        let mut y: Vec<C64> = (0..n).map(|k| b[self.perm[k]]).collect();
        for k in 0..n {
            let yk = y[k];
            if yk == C64::new(0.0, 0.0) {
                continue;
            }
            for p in self.col(k) {
                y[self.row_idx[p]] -= self.values[p] * yk;
            }
        }
        for (yk, dk) in y.iter_mut().zip(&self.d) {
            *yk /= *dk;
        }
        for k in (0..n).rev() {
            let mut s = y[k];
            for p in self.col(k) {
                s -= self.values[p] * y[self.row_idx[p]];
            }
            y[k] = s;
        }
        for k in 0..n {
            b[self.perm[k]] = y[k];
        }
    }

    /// Diagonal of Z = Y⁻¹ (original numbering) by Takahashi's recurrences, computing Z only on
    /// the pattern of L + Lᵀ (the sparse inverse subset): O(Σ |col|²) time, O(nnz(L)) memory.
    pub fn inverse_diagonal(&self) -> Vec<C64> {
        let n = self.n;
        let zero = C64::new(0.0, 0.0);
        let mut zl = vec![zero; self.row_idx.len()];
        let mut zd = vec![zero; n];
        for j in (0..n).rev() {
            let range = self.col(j);
            let rows = &self.row_idx[range.clone()];
            let lj = &self.values[range.clone()];
            // Z[i, j] for i in struct(L[:, j]).
            for (a, &i) in rows.iter().enumerate() {
                let mut s = zero;
                for (b, &k) in rows.iter().enumerate() {
                    let zik = if i == k {
                        zd[i]
                    } else {
                        let (lo, hi) = if i < k { (i, k) } else { (k, i) };
                        self.lookup(&zl, lo, hi)
                    };
                    s -= lj[b] * zik;
                }
                zl[range.start + a] = s;
            }
            let mut s = C64::new(1.0, 0.0) / self.d[j];
            for (b, _) in rows.iter().enumerate() {
                s -= lj[b] * zl[range.start + b];
            }
            zd[j] = s;
        }
        let mut out = vec![zero; n];
        for k in 0..n {
            out[self.perm[k]] = zd[k];
        }
        out
    }

    /// Z[hi, lo] (hi > lo, elimination order) from the column of `lo`.
    fn lookup(&self, zl: &[C64], lo: usize, hi: usize) -> C64 {
        let range = self.col(lo);
        match self.row_idx[range.clone()].binary_search(&hi) {
            Ok(pos) => zl[range.start + pos],
            // Cannot happen: struct(L[:, j]) is a clique of the filled graph.
            Err(_) => C64::new(0.0, 0.0),
        }
    }

    /// Position of an original index in elimination order.
    pub fn position(&self, original: usize) -> usize {
        self.inv_perm[original]
    }
}

/// Columns of Z = Y⁻¹ one after the other (the branch currents need Z[:, k] for every fault
/// location), bit for bit as [`Ldlt::solve`] of a unit vector but cheaper: the buffers are
/// kept, no permutation of the right-hand side, and the forward substitution and the division
/// by D run only on the entries a unit vector reaches (the path to the root of the
/// elimination tree). The others stay +0 and become 0 / D[k], a signed zero computed once.
pub struct ColumnSolver<'a> {
    f: &'a Ldlt,
    zero_over_d: Vec<C64>,
    y: Vec<C64>,
    path: Vec<usize>,
}

impl<'a> ColumnSolver<'a> {
    pub fn new(f: &'a Ldlt) -> Self {
        let zero = C64::new(0.0, 0.0);
        ColumnSolver {
            f,
            // As `solve` computes it (`/=`).
            zero_over_d: f
                .d
                .iter()
                .map(|&d| {
                    let mut z = zero;
                    z /= d;
                    z
                })
                .collect(),
            y: Vec::with_capacity(f.n),
            path: Vec::new(),
        }
    }

    /// Column `k` (original numbering) of Z into `out` (original numbering, length n).
    pub fn column(&mut self, k: usize, out: &mut [C64]) {
        let f = self.f;
        let zero = C64::new(0.0, 0.0);
        // The rows of column j of L are ancestors of j in the elimination tree; the first one
        // is its parent. So L⁻¹·e reaches exactly the path from the start to the root.
        self.path.clear();
        let mut j = f.inv_perm[k];
        self.path.push(j);
        while let Some(&parent) = f.row_idx.get(f.col(j)).and_then(|rows| rows.first()) {
            j = parent;
            self.path.push(j);
        }
        let y = &mut self.y;
        y.clear();
        y.extend_from_slice(&self.zero_over_d);
        for &j in &self.path {
            y[j] = zero;
        }
        y[f.inv_perm[k]] = C64::new(1.0, 0.0);
        for &j in &self.path {
            let yj = y[j];
            if yj == zero {
                continue;
            }
            for p in f.col(j) {
                y[f.row_idx[p]] -= f.values[p] * yj;
            }
        }
        for &j in &self.path {
            y[j] /= f.d[j];
        }
        for j in (0..f.n).rev() {
            let mut s = y[j];
            for p in f.col(j) {
                s -= f.values[p] * y[f.row_idx[p]];
            }
            y[j] = s;
        }
        for (j, &v) in y.iter().enumerate() {
            out[f.perm[j]] = v;
        }
    }
}

/// Minimum-degree ordering on the elimination graph. Returns the elimination order and, for
/// each eliminated node, its neighbours at elimination time (original indices): exactly the
/// below-diagonal pattern of that column of L.
fn minimum_degree(mut adj: Vec<Vec<usize>>) -> (Vec<usize>, Vec<Vec<usize>>) {
    let n = adj.len();
    let mut eliminated = vec![false; n];
    // Bucket queue by degree with lazy deletion: an entry is current when the node is not yet
    // eliminated and its degree still equals the bucket.
    let mut buckets: Vec<Vec<usize>> = Vec::new();
    let push = |buckets: &mut Vec<Vec<usize>>, deg: usize, v: usize| {
        if buckets.len() <= deg {
            buckets.resize_with(deg + 1, Vec::new);
        }
        buckets[deg].push(v);
    };
    for v in (0..n).rev() {
        push(&mut buckets, adj[v].len(), v);
    }
    let mut lowest = 0;
    let mut order = Vec::with_capacity(n);
    let mut pattern = Vec::with_capacity(n);
    let mut mark = vec![usize::MAX; n];
    loop {
        while lowest < buckets.len() && buckets[lowest].is_empty() {
            lowest += 1;
        }
        let Some(v) = buckets.get_mut(lowest).and_then(Vec::pop) else {
            break;
        };
        if eliminated[v] || adj[v].len() != lowest {
            continue;
        }
        eliminated[v] = true;
        let nbrs = std::mem::take(&mut adj[v]);
        // Connect the neighbours pairwise (fill-in) and drop v from their lists.
        for &u in &nbrs {
            let list = &mut adj[u];
            if let Ok(pos) = list.binary_search(&v) {
                list.remove(pos);
            }
            for &x in list.iter() {
                mark[x] = u;
            }
            let mut added = false;
            for &w in &nbrs {
                if w != u && mark[w] != u {
                    list.push(w);
                    added = true;
                }
            }
            if added {
                list.sort_unstable();
            }
        }
        for &u in &nbrs {
            let d = adj[u].len();
            push(&mut buckets, d, u);
            lowest = lowest.min(d);
        }
        order.push(v);
        pattern.push(nbrs);
    }
    (order, pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(re: f64, im: f64) -> C64 {
        C64::new(re, im)
    }

    /// A small meshed network: ring of 6 nodes plus a chord and shunts.
    fn sample() -> SymmetricBuilder {
        let mut b = SymmetricBuilder::new(6);
        for i in 0..6 {
            b.add_branch(i, (i + 1) % 6, C64::new(1.0, -10.0) / (1.0 + i as f64));
        }
        b.add_branch(0, 3, c(0.5, -4.0));
        b.add(0, 0, c(0.2, -3.0));
        b.add(4, 4, c(0.1, -1.0));
        b
    }

    fn dense(b: &SymmetricBuilder) -> Vec<Vec<C64>> {
        let mut m = vec![vec![c(0.0, 0.0); b.n]; b.n];
        for &(i, j, v) in &b.entries {
            m[i][j] += v;
            if i != j {
                m[j][i] += v;
            }
        }
        m
    }

    #[test]
    fn solve_matches_dense_product() {
        let b = sample();
        let f = Ldlt::factorize(&b).unwrap();
        let rhs: Vec<C64> = (0..6).map(|i| c(i as f64, 1.0)).collect();
        let mut x = rhs.clone();
        f.solve(&mut x);
        let m = dense(&b);
        for i in 0..6 {
            let s: C64 = (0..6).map(|j| m[i][j] * x[j]).sum();
            assert!((s - rhs[i]).norm() < 1e-10, "row {i}: {s} vs {}", rhs[i]);
        }
    }

    #[test]
    fn takahashi_diagonal_matches_solves() {
        let b = sample();
        let f = Ldlt::factorize(&b).unwrap();
        let diag = f.inverse_diagonal();
        for k in 0..6 {
            let mut e = vec![c(0.0, 0.0); 6];
            e[k] = c(1.0, 0.0);
            f.solve(&mut e);
            assert!((e[k] - diag[k]).norm() < 1e-12 * e[k].norm().max(1.0));
        }
    }

    #[test]
    fn columns_are_bit_for_bit_those_of_solve() {
        // A tree of 40 nodes with a few chords: long elimination paths that skip many nodes.
        let n = 40;
        let mut b = SymmetricBuilder::new(n);
        for i in 1..n {
            let y = c(1.0 + (i % 7) as f64, -8.0 - (i % 5) as f64);
            b.add_branch(i, (i - 1) / 3, y);
        }
        for (i, j) in [(5, 17), (11, 30), (2, 39)] {
            b.add_branch(i, j, c(0.7, -5.0));
        }
        b.add(0, 0, c(0.2, -3.0));
        b.add(25, 25, c(0.1, -1.0));
        let f = Ldlt::factorize(&b).unwrap();
        let mut solver = ColumnSolver::new(&f);
        let mut col = vec![c(0.0, 0.0); n];
        let bits = |v: &[C64]| -> Vec<(u64, u64)> {
            v.iter().map(|z| (z.re.to_bits(), z.im.to_bits())).collect()
        };
        for k in (0..n).rev().chain([7, 0, 7]) {
            let mut e = vec![c(0.0, 0.0); n];
            e[k] = c(1.0, 0.0);
            f.solve(&mut e);
            solver.column(k, &mut col);
            assert_eq!(bits(&col), bits(&e), "column {k}");
        }
    }

    #[test]
    fn singular_matrix_is_reported() {
        let mut b = SymmetricBuilder::new(2);
        b.add_branch(0, 1, c(1.0, -1.0));
        assert!(matches!(
            Ldlt::factorize(&b),
            Err(SparseError::Singular { .. })
        ));
    }

    #[test]
    fn cancelling_admittances_are_singular_at_their_node() {
        // Node 1 hangs on node 0 by +j1 and −j1 in parallel: its admittances cancel, whatever
        // the elimination order; node 0 alone is well fed.
        let mut b = SymmetricBuilder::new(3);
        b.add(0, 0, c(0.0, -1.0));
        b.add_branch(0, 2, c(0.0, -5.0));
        b.add_branch(0, 1, c(0.0, -1.0));
        b.add_branch(0, 1, c(0.0, 1.0));
        let e = Ldlt::factorize(&b).unwrap_err();
        assert_eq!(e.node(), 1, "{e:?}");
        assert!(e.to_string().contains("cancel out"), "{e}");
        // A negative reactance in series with a larger positive one is fine.
        let mut b = SymmetricBuilder::new(2);
        b.add(0, 0, c(0.0, -1.0));
        b.add_branch(0, 1, C64::new(1.0, 0.0) / c(0.0, 2.0));
        b.add_branch(0, 1, C64::new(1.0, 0.0) / c(0.0, -3.0));
        b.add(1, 1, c(0.0, -0.5));
        assert!(Ldlt::factorize(&b).is_ok());
    }

    #[test]
    fn non_finite_entries_are_reported_at_their_node() {
        let mut b = SymmetricBuilder::new(3);
        b.add(0, 0, c(0.0, -1.0));
        b.add_branch(0, 1, c(0.0, -1.0));
        b.add_branch(1, 2, C64::new(1.0, 0.0) / c(0.0, 0.0));
        let e = Ldlt::factorize(&b).unwrap_err();
        assert!(matches!(e, SparseError::NonFinite { node: 1 | 2 }), "{e:?}");
    }
}
