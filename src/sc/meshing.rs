//! Which buses are fed over more than one path (IEC 60909-0 8.1.3.2: κ method B applies the
//! factor 1.15 to meshed networks only).
//!
//! The network graph gets an extra "earth" vertex joined to every node with a source shunt
//! (passive shunts such as ward equivalents are no source).
//! A node has two or more simple paths to earth exactly when the path from it to earth in the
//! block-cut tree (biconnected components, Tarjan) passes through a block that is more than a
//! single bridge edge.

use super::model::SeqNetwork;

/// `meshed[node]`: the node is fed over parallel paths.
pub fn meshed_nodes(net: &SeqNetwork, n: usize) -> Vec<bool> {
    let earth = n;
    let mut edges: Vec<(usize, usize)> = net
        .branches
        .iter()
        .filter(|b| b.f != b.t)
        .map(|b| (b.f, b.t))
        .collect();
    let mut has_source = vec![false; n];
    for s in net.shunts.iter().filter(|s| !s.passive) {
        if !has_source[s.node] {
            has_source[s.node] = true;
            edges.push((s.node, earth));
        }
    }
    let nv = n + 1;
    let mut adj: Vec<Vec<(usize, usize)>> = vec![Vec::new(); nv];
    for (e, &(a, b)) in edges.iter().enumerate() {
        adj[a].push((b, e));
        adj[b].push((a, e));
    }
    let blocks = biconnected_blocks(&adj, edges.len(), earth);
    // Block membership of every vertex; a block is "meshed" when it has more than one edge.
    let mut vertex_blocks: Vec<Vec<usize>> = vec![Vec::new(); nv];
    let mut block_vertices: Vec<Vec<usize>> = Vec::with_capacity(blocks.len());
    let mut block_meshed = Vec::with_capacity(blocks.len());
    for (bi, block) in blocks.iter().enumerate() {
        let mut vs: Vec<usize> = block
            .iter()
            .flat_map(|&e| [edges[e].0, edges[e].1])
            .collect();
        vs.sort_unstable();
        vs.dedup();
        for &v in &vs {
            vertex_blocks[v].push(bi);
        }
        block_vertices.push(vs);
        block_meshed.push(block.len() > 1);
    }
    // Walk the block-cut tree from earth, carrying "a meshed block lies on the way".
    let mut flag = vec![false; nv];
    let mut seen_v = vec![false; nv];
    let mut seen_b = vec![false; blocks.len()];
    let mut stack = vec![earth];
    seen_v[earth] = true;
    while let Some(u) = stack.pop() {
        for &b in &vertex_blocks[u] {
            if seen_b[b] {
                continue;
            }
            seen_b[b] = true;
            let f = flag[u] || block_meshed[b];
            for &w in &block_vertices[b] {
                if !seen_v[w] {
                    seen_v[w] = true;
                    flag[w] = f;
                    stack.push(w);
                }
            }
        }
    }
    flag.truncate(n);
    flag
}

/// Biconnected components as lists of edge ids (iterative Tarjan; parallel edges allowed).
fn biconnected_blocks(adj: &[Vec<(usize, usize)>], n_edges: usize, root: usize) -> Vec<Vec<usize>> {
    let nv = adj.len();
    let mut disc = vec![usize::MAX; nv];
    let mut low = vec![0usize; nv];
    let mut edge_stack: Vec<usize> = Vec::new();
    let mut used = vec![false; n_edges];
    let mut blocks = Vec::new();
    let mut time = 0;
    let starts = std::iter::once(root).chain(0..nv);
    for s in starts {
        if disc[s] != usize::MAX {
            continue;
        }
        disc[s] = time;
        low[s] = time;
        time += 1;
        // Frame: vertex, edge it was entered by, next adjacency position.
        let mut frames: Vec<(usize, usize, usize)> = vec![(s, usize::MAX, 0)];
        while let Some(&mut (u, pe, ref mut pos)) = frames.last_mut() {
            if *pos < adj[u].len() {
                let (w, e) = adj[u][*pos];
                *pos += 1;
                if e == pe || used[e] {
                    continue;
                }
                used[e] = true;
                edge_stack.push(e);
                if disc[w] == usize::MAX {
                    disc[w] = time;
                    low[w] = time;
                    time += 1;
                    frames.push((w, e, 0));
                } else {
                    low[u] = low[u].min(disc[w]);
                }
            } else {
                frames.pop();
                if let Some(&(p, _, _)) = frames.last() {
                    low[p] = low[p].min(low[u]);
                    if low[u] >= disc[p] {
                        // p separates u's subtree: pop the block ending with edge pe.
                        let mut block = Vec::new();
                        while let Some(e) = edge_stack.pop() {
                            block.push(e);
                            if e == pe {
                                break;
                            }
                        }
                        blocks.push(block);
                    }
                }
            }
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sc::model::{Branch, SeqNetwork, Shunt};
    use num_complex::Complex64 as C64;

    fn net(branches: &[(usize, usize)], sources: &[usize]) -> SeqNetwork {
        let z = C64::new(0.1, 1.0);
        SeqNetwork {
            branches: branches
                .iter()
                .map(|&(f, t)| Branch {
                    f,
                    t,
                    z,
                    ratio: 1.0,
                    y_f: C64::default(),
                    y_t: C64::default(),
                    owner: None,
                    shift_deg: 0.0,
                })
                .collect(),
            shunts: sources
                .iter()
                .map(|&node| Shunt {
                    node,
                    z,
                    z_peak: z,
                    terminal: None,
                    passive: false,
                })
                .collect(),
        }
    }

    #[test]
    fn radial_feeder_is_not_meshed() {
        let m = meshed_nodes(&net(&[(0, 1), (1, 2), (1, 3)], &[0]), 4);
        assert_eq!(m, vec![false; 4]);
    }

    #[test]
    fn ring_and_its_spur_are_meshed() {
        // Ring 0-1-2-0 fed at 0; spur 2-3 hangs off the ring; 4 hangs off the source bus.
        let m = meshed_nodes(&net(&[(0, 1), (1, 2), (2, 0), (2, 3), (0, 4)], &[0]), 5);
        assert_eq!(m, vec![false, true, true, true, false]);
    }

    #[test]
    fn two_sources_mesh_the_path_between_them() {
        let m = meshed_nodes(&net(&[(0, 1), (1, 2), (2, 3)], &[0, 2]), 4);
        assert_eq!(m, vec![true, true, true, true]);
    }

    #[test]
    fn parallel_lines_are_a_mesh() {
        let m = meshed_nodes(&net(&[(0, 1), (0, 1), (1, 2)], &[0]), 3);
        assert_eq!(m, vec![false, true, true]);
    }
}
