//! Topology: bus lookup, bus fusion by closed bus-bus switches, open element ends and the set
//! of buses fed by a source. Shared by the validator and the model builder.

use super::circuit::{Circuit, ElementKind};
use std::collections::{HashMap, HashSet};

/// Disjoint-set forest with path halving.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }
    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    pub fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra.max(rb)] = ra.min(rb);
        }
    }
}

#[derive(Debug, Clone)]
pub struct Topology<'a> {
    pub bus_index: HashMap<&'a str, usize>,
    /// Electrical node of each bus (buses fused by closed bus-bus switches share one).
    pub node_of_bus: Vec<usize>,
    /// Element id -> (kind, bus index) of every open (or out-of-service) switch at its ends.
    pub open_ends: HashMap<&'a str, Vec<(ElementKind, usize)>>,
    /// Bus is in service and connected to an external grid or a generator.
    pub fed: Vec<bool>,
}

impl<'a> Topology<'a> {
    /// Builds the topology; unknown references are skipped (the validator reports them).
    pub fn new(c: &'a Circuit) -> Self {
        let bus_index = bus_index(c);
        let n = c.buses.len();
        let live = |i: usize| c.buses[i].in_service;
        let mut fuse = UnionFind::new(n);
        let mut open_ends: HashMap<&str, Vec<(ElementKind, usize)>> = HashMap::new();
        for s in &c.switches {
            let Some(&b) = bus_index.get(s.bus.as_str()) else {
                continue;
            };
            let closed = s.closed && s.in_service;
            match s.element_kind {
                // A switch with an impedance is a branch (model), not a fusion.
                ElementKind::Bus if s.is_impedance() => {}
                ElementKind::Bus => {
                    if let Some(&e) = bus_index.get(s.element.as_str())
                        && closed
                        && live(b)
                        && live(e)
                    {
                        fuse.union(b, e);
                    }
                }
                kind => {
                    if !closed {
                        open_ends
                            .entry(s.element.as_str())
                            .or_default()
                            .push((kind, b));
                    }
                }
            }
        }
        let node_of_bus: Vec<usize> = (0..n).map(|i| fuse.find(i)).collect();

        // Connectivity through branches, for the fed flags.
        let mut conn = UnionFind::new(n);
        for (i, &node) in node_of_bus.iter().enumerate() {
            conn.union(i, node);
        }
        let bus = |id: &str| bus_index.get(id).copied().filter(|&i| live(i));
        let closed_end = |kind, id: &str, b: usize| end_closed(&open_ends, kind, id, b);
        for l in c.lines.iter().filter(|l| l.in_service) {
            if let (Some(f), Some(t)) = (bus(&l.from_bus), bus(&l.to_bus))
                && closed_end(ElementKind::Line, &l.id, f)
                && closed_end(ElementKind::Line, &l.id, t)
            {
                conn.union(f, t);
            }
        }
        for t in c.transformers.iter().filter(|t| t.in_service) {
            if let (Some(h), Some(l)) = (bus(&t.hv_bus), bus(&t.lv_bus))
                && closed_end(ElementKind::Transformer, &t.id, h)
                && closed_end(ElementKind::Transformer, &t.id, l)
            {
                conn.union(h, l);
            }
        }
        for t in c.transformers3w.iter().filter(|t| t.in_service) {
            let ends: Vec<usize> = [&t.hv_bus, &t.mv_bus, &t.lv_bus]
                .iter()
                .filter_map(|id| bus(id))
                .filter(|&b| closed_end(ElementKind::Transformer3w, &t.id, b))
                .collect();
            for w in ends.windows(2) {
                conn.union(w[0], w[1]);
            }
        }
        for z in c.impedances.iter().filter(|z| z.in_service) {
            if let (Some(f), Some(t)) = (bus(&z.from_bus), bus(&z.to_bus)) {
                conn.union(f, t);
            }
        }
        for s in c.switches.iter().filter(|s| s.is_impedance()) {
            if let (Some(f), Some(t)) = (bus(&s.bus), bus(&s.element)) {
                conn.union(f, t);
            }
        }
        let mut source_roots = HashSet::new();
        let sources = c
            .external_grids
            .iter()
            .filter(|e| e.in_service)
            .map(|e| &e.bus)
            .chain(c.generators.iter().filter(|g| g.in_service).map(|g| &g.bus));
        for id in sources {
            if let Some(b) = bus(id) {
                source_roots.insert(conn.find(b));
            }
        }
        let fed = (0..n)
            .map(|i| live(i) && source_roots.contains(&conn.find(i)))
            .collect();
        Topology {
            bus_index,
            node_of_bus,
            open_ends,
            fed,
        }
    }

    pub fn bus(&self, id: &str) -> Option<usize> {
        self.bus_index.get(id).copied()
    }

    pub fn end_closed(&self, kind: ElementKind, id: &str, bus: usize) -> bool {
        end_closed(&self.open_ends, kind, id, bus)
    }
}

/// Bus id -> index of its first occurrence.
pub fn bus_index(c: &Circuit) -> HashMap<&str, usize> {
    let mut index = HashMap::with_capacity(c.buses.len());
    for (i, b) in c.buses.iter().enumerate() {
        index.entry(b.id.as_str()).or_insert(i);
    }
    index
}

fn end_closed(
    open: &HashMap<&str, Vec<(ElementKind, usize)>>,
    kind: ElementKind,
    id: &str,
    bus: usize,
) -> bool {
    open.is_empty() || open.get(id).is_none_or(|ends| !ends.contains(&(kind, bus)))
}
