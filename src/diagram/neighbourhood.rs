//! The neighbourhood of one bus as a circuit of its own, for diagrams of large networks.

use super::layering;
use super::model::Model;
use crate::sc::circuit::{Circuit, ElementKind};
use std::collections::{HashSet, VecDeque};

/// The buses within `depth` branch hops of `bus_id` (lines, transformers and impedances count one hop,
/// closed or open bus couplers none, so coupled bus sections come together), with every element
/// attached to them. Branches, transformers and couplers with a terminal outside the set are
/// omitted, as are switches on omitted elements, so the result only references its own buses;
/// a generator's `power_station_trafo` is cleared when that transformer is left out. Elements
/// keep their circuit order. `None` when no bus has that id.
pub fn neighbourhood(circuit: &Circuit, bus_id: &str, depth: usize) -> Option<Circuit> {
    let start = circuit.buses.iter().position(|b| b.id == bus_id)?;
    let model = Model::new(circuit);
    let adj = layering::adjacency(&model);
    let keep_bus = within(&adj, start, depth);
    let ids: HashSet<&str> = circuit
        .buses
        .iter()
        .enumerate()
        .filter(|(i, _)| keep_bus[*i])
        .map(|(_, b)| b.id.as_str())
        .collect();
    let inside = |id: &str| ids.contains(id);
    let c = circuit;
    let around = format!("around {bus_id} ({depth} hops)");
    let name = if c.name.trim().is_empty() {
        around
    } else {
        format!("{}: {around}", c.name)
    };
    let mut out = Circuit::new(name);
    out.frequency_hz = c.frequency_hz;
    out.buses = c
        .buses
        .iter()
        .enumerate()
        .filter(|(i, _)| keep_bus[*i])
        .map(|(_, b)| b.clone())
        .collect();
    out.lines = keep(&c.lines, |l| inside(&l.from_bus) && inside(&l.to_bus));
    out.transformers = keep(&c.transformers, |t| inside(&t.hv_bus) && inside(&t.lv_bus));
    out.transformers3w = keep(&c.transformers3w, |t| {
        inside(&t.hv_bus) && inside(&t.mv_bus) && inside(&t.lv_bus)
    });
    out.external_grids = keep(&c.external_grids, |e| inside(&e.bus));
    out.motors = keep(&c.motors, |e| inside(&e.bus));
    out.static_generators = keep(&c.static_generators, |e| inside(&e.bus));
    out.loads = keep(&c.loads, |e| inside(&e.bus));
    out.impedances = keep(&c.impedances, |z| inside(&z.from_bus) && inside(&z.to_bus));
    out.storages = keep(&c.storages, |e| inside(&e.bus));
    out.shunts = keep(&c.shunts, |e| inside(&e.bus));
    out.wards = keep(&c.wards, |e| inside(&e.bus));
    out.xwards = keep(&c.xwards, |e| inside(&e.bus));
    let trafos: HashSet<&str> = out.transformers.iter().map(|t| t.id.as_str()).collect();
    out.generators = keep(&c.generators, |e| inside(&e.bus));
    for g in &mut out.generators {
        if g.power_station_trafo
            .as_deref()
            .is_some_and(|t| !trafos.contains(t))
        {
            g.power_station_trafo = None;
        }
    }
    let lines: HashSet<&str> = out.lines.iter().map(|e| e.id.as_str()).collect();
    let trafos3w: HashSet<&str> = out.transformers3w.iter().map(|e| e.id.as_str()).collect();
    let kept = |kind: ElementKind, id: &str| match kind {
        ElementKind::Bus => inside(id),
        ElementKind::Line => lines.contains(id),
        ElementKind::Transformer => trafos.contains(id),
        ElementKind::Transformer3w => trafos3w.contains(id),
    };
    let switches = keep(&c.switches, |s| {
        inside(&s.bus) && kept(s.element_kind, &s.element)
    });
    out.switches = switches;
    Some(out)
}

fn keep<T: Clone>(items: &[T], pred: impl Fn(&T) -> bool) -> Vec<T> {
    items.iter().filter(|e| pred(e)).cloned().collect()
}

/// Buses at most `depth` weighted hops from `start` (0-1 breadth-first search).
fn within(adj: &[Vec<(usize, usize)>], start: usize, depth: usize) -> Vec<bool> {
    let mut dist = vec![usize::MAX; adj.len()];
    dist[start] = 0;
    let mut queue = VecDeque::from([start]);
    while let Some(u) = queue.pop_front() {
        for &(v, w) in &adj[u] {
            let d = dist[u] + w;
            if d <= depth && d < dist[v] {
                dist[v] = d;
                if w == 0 {
                    queue.push_front(v);
                } else {
                    queue.push_back(v);
                }
            }
        }
    }
    dist.iter().map(|&d| d <= depth).collect()
}
