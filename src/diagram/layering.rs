//! Rows and orders: the row each bus is drawn in and the left-to-right order within a row.
//!
//! Automatic layering: every connected part (island) is layered on its own by breadth-first
//! distance from its source buses (external grids, else synchronous generators, else static
//! generators, else the first bus), keeping only the sources of the highest voltage as roots so
//! that the highest voltage is on top. Bus couplers count as zero hops: bus sections sit side
//! by side. With breadth-first distances every link spans at most one row, so connectors never
//! have to cross a row of bars. Within rows, a few barycentre sweeps reduce crossings and the
//! order with the fewest crossings is kept.
//!
//! When every bus has a layout position, rows are the distinct y values and the order within a
//! row follows x; spacing is still computed here so that labels fit.

use super::model::{DeviceKind, LinkKind, Model};
use std::collections::VecDeque;

/// Barycentre passes (down and up); crossings rarely improve after a few.
const SWEEPS: usize = 4;

pub struct Layering {
    /// Row of each bus, 0 at the top.
    pub row: Vec<usize>,
    /// `islands[i][r]`: the buses of island `i` in row `r`, left to right.
    pub islands: Vec<Vec<Vec<usize>>>,
    /// Position of each bus within its row.
    pub pos: Vec<usize>,
}

/// Neighbours of each bus with the hop weight (0 through a coupler, 1 otherwise). A
/// three-winding transformer links each pair of its buses.
pub fn adjacency(model: &Model) -> Vec<Vec<(usize, usize)>> {
    let mut adj = vec![Vec::new(); model.circuit.buses.len()];
    for link in &model.links {
        let w = usize::from(link.kind != LinkKind::Coupler);
        for (i, &a) in link.buses.iter().enumerate() {
            for &b in &link.buses[i + 1..] {
                adj[a].push((b, w));
                adj[b].push((a, w));
            }
        }
    }
    adj
}

pub fn layer(model: &Model, adj: &[Vec<(usize, usize)>]) -> Layering {
    if let Some(l) = from_positions(model) {
        return l;
    }
    let n = adj.len();
    let mut row = vec![usize::MAX; n];
    let mut pos = vec![0; n];
    let mut islands = Vec::new();
    for members in components(adj) {
        let roots = roots(model, &members);
        let visit = bfs01(adj, &roots, &mut row);
        let depth = visit.iter().map(|&b| row[b]).max().unwrap_or(0);
        let mut rows = vec![Vec::new(); depth + 1];
        for &b in &visit {
            rows[row[b]].push(b);
        }
        order(&mut rows, adj, &row, &mut pos);
        islands.push(rows);
    }
    Layering { row, islands, pos }
}

/// Connected parts, each listed in bus order, ordered by their first bus.
fn components(adj: &[Vec<(usize, usize)>]) -> Vec<Vec<usize>> {
    let mut seen = vec![false; adj.len()];
    let mut out = Vec::new();
    for start in 0..adj.len() {
        if seen[start] {
            continue;
        }
        seen[start] = true;
        let mut members = vec![start];
        let mut i = 0;
        while i < members.len() {
            for &(v, _) in &adj[members[i]] {
                if !seen[v] {
                    seen[v] = true;
                    members.push(v);
                }
            }
            i += 1;
        }
        members.sort_unstable();
        out.push(members);
    }
    out
}

/// The buses the layering starts from; see the module documentation.
fn roots(model: &Model, members: &[usize]) -> Vec<usize> {
    let kinds = [
        DeviceKind::ExternalGrid,
        DeviceKind::Generator,
        DeviceKind::StaticGenerator,
    ];
    for kind in kinds {
        let fed: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&b| {
                model.bus_devices[b]
                    .iter()
                    .any(|&d| model.devices[d].kind == kind)
            })
            .collect();
        if !fed.is_empty() {
            return highest_voltage(model, &fed);
        }
    }
    // No source: start from one bus only, otherwise a whole unfed island lands in one row.
    highest_voltage(model, members)
        .into_iter()
        .take(1)
        .collect()
}

fn highest_voltage(model: &Model, buses: &[usize]) -> Vec<usize> {
    let vn = |b: usize| model.circuit.buses[b].vn_kv;
    let max = buses
        .iter()
        .map(|&b| vn(b))
        .fold(f64::NEG_INFINITY, f64::max);
    let top: Vec<usize> = buses.iter().copied().filter(|&b| vn(b) == max).collect();
    // NaN voltages compare unequal to everything: fall back to the first bus.
    if top.is_empty() {
        buses.iter().copied().take(1).collect()
    } else {
        top
    }
}

/// 0-1 breadth-first search: sets `dist` and returns the buses in the order first settled.
fn bfs01(adj: &[Vec<(usize, usize)>], roots: &[usize], dist: &mut [usize]) -> Vec<usize> {
    let mut queue = VecDeque::new();
    for &r in roots {
        dist[r] = 0;
        queue.push_back(r);
    }
    let mut settled = vec![false; adj.len()];
    let mut visit = Vec::new();
    while let Some(u) = queue.pop_front() {
        if settled[u] {
            continue;
        }
        settled[u] = true;
        visit.push(u);
        for &(v, w) in &adj[u] {
            let d = dist[u] + w;
            if d < dist[v] {
                dist[v] = d;
                if w == 0 {
                    queue.push_front(v);
                } else {
                    queue.push_back(v);
                }
            }
        }
    }
    visit
}

/// Barycentre sweeps; keeps the order with the fewest crossings between adjacent rows.
fn order(rows: &mut [Vec<usize>], adj: &[Vec<(usize, usize)>], row: &[usize], pos: &mut [usize]) {
    set_positions(rows, pos);
    let mut best = crossings(rows, adj, row, pos);
    let mut best_rows = rows.to_vec();
    for _ in 0..SWEEPS {
        if best == 0 {
            break;
        }
        for r in 1..rows.len() {
            sweep(rows, r, r - 1, adj, row, pos);
        }
        keep_best(rows, adj, row, pos, &mut best, &mut best_rows);
        for r in (0..rows.len().saturating_sub(1)).rev() {
            sweep(rows, r, r + 1, adj, row, pos);
        }
        keep_best(rows, adj, row, pos, &mut best, &mut best_rows);
    }
    rows.clone_from_slice(&best_rows);
    set_positions(rows, pos);
}

fn keep_best(
    rows: &[Vec<usize>],
    adj: &[Vec<(usize, usize)>],
    row: &[usize],
    pos: &[usize],
    best: &mut usize,
    best_rows: &mut Vec<Vec<usize>>,
) {
    let c = crossings(rows, adj, row, pos);
    if c < *best {
        *best = c;
        *best_rows = rows.to_vec();
    }
}

fn set_positions(rows: &[Vec<usize>], pos: &mut [usize]) {
    for r in rows {
        for (i, &b) in r.iter().enumerate() {
            pos[b] = i;
        }
    }
}

/// Reorders row `r` by the mean position of each bus's neighbours in row `by`. A bus without
/// such neighbours keeps the key of the bus before it, so it stays next to it.
fn sweep(
    rows: &mut [Vec<usize>],
    r: usize,
    by: usize,
    adj: &[Vec<(usize, usize)>],
    row: &[usize],
    pos: &mut [usize],
) {
    let mut last = -1.0;
    let mut keyed: Vec<(f64, usize, usize)> = rows[r]
        .iter()
        .map(|&b| {
            let (sum, count) = adj[b]
                .iter()
                .filter(|&&(v, _)| row[v] == by)
                .fold((0.0, 0usize), |(s, c), &(v, _)| (s + pos[v] as f64, c + 1));
            if count > 0 {
                last = sum / count as f64;
            }
            (last, pos[b], b)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    rows[r] = keyed.into_iter().map(|k| k.2).collect();
    for (i, &b) in rows[r].iter().enumerate() {
        pos[b] = i;
    }
}

/// Crossings between adjacent rows: inversions of the lower ends once sorted by upper ends.
fn crossings(
    rows: &[Vec<usize>],
    adj: &[Vec<(usize, usize)>],
    row: &[usize],
    pos: &[usize],
) -> usize {
    let mut total = 0;
    for (r, upper) in rows.iter().enumerate() {
        let mut edges: Vec<(usize, usize)> = upper
            .iter()
            .flat_map(|&u| {
                adj[u]
                    .iter()
                    .filter(|&&(v, _)| row[v] == r + 1)
                    .map(move |&(v, _)| (pos[u], pos[v]))
            })
            .collect();
        edges.sort_unstable();
        let mut lower: Vec<usize> = edges.into_iter().map(|e| e.1).collect();
        total += inversions(&mut lower);
    }
    total
}

/// Counts pairs i < j with v[i] > v[j] by merge sort (sorts `v`).
fn inversions(v: &mut [usize]) -> usize {
    if v.len() < 2 {
        return 0;
    }
    let mid = v.len() / 2;
    let mut count = inversions(&mut v[..mid]) + inversions(&mut v[mid..]);
    let mut merged = Vec::with_capacity(v.len());
    let (mut i, mut j) = (0, mid);
    while i < mid && j < v.len() {
        if v[j] < v[i] {
            count += mid - i;
            merged.push(v[j]);
            j += 1;
        } else {
            merged.push(v[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&v[i..mid]);
    merged.extend_from_slice(&v[j..]);
    v.copy_from_slice(&merged);
    count
}

/// Rows from the buses' own layout positions, when every bus has a finite one.
fn from_positions(model: &Model) -> Option<Layering> {
    let buses = &model.circuit.buses;
    let points: Vec<(f64, f64)> = buses
        .iter()
        .map(|b| b.layout.map(|p| (p.x, p.y)))
        .collect::<Option<_>>()?;
    if points.is_empty() || points.iter().any(|(x, y)| !x.is_finite() || !y.is_finite()) {
        return None;
    }
    let mut ys: Vec<f64> = points.iter().map(|p| p.1).collect();
    ys.sort_by(f64::total_cmp);
    ys.dedup();
    let row: Vec<usize> = points
        .iter()
        .map(|p| ys.partition_point(|&y| y < p.1))
        .collect();
    let mut rows = vec![Vec::new(); ys.len()];
    let mut by_x: Vec<usize> = (0..buses.len()).collect();
    by_x.sort_by(|&a, &b| points[a].0.total_cmp(&points[b].0).then(a.cmp(&b)));
    for b in by_x {
        rows[row[b]].push(b);
    }
    let mut pos = vec![0; buses.len()];
    set_positions(&rows, &mut pos);
    Some(Layering {
        row,
        islands: vec![rows],
        pos,
    })
}

#[cfg(test)]
mod tests {
    use super::inversions;

    #[test]
    fn counts_inversions() {
        assert_eq!(inversions(&mut [0, 1, 2]), 0);
        assert_eq!(inversions(&mut [2, 1, 0]), 3);
        assert_eq!(inversions(&mut [1, 0, 1, 0]), 3);
    }
}
