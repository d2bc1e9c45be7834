//! The drawable view of a circuit: buses by index, the links between them and the devices on
//! each bus. Unknown references are dropped here (the validator reports them), so the layout and
//! the writer only ever see valid indices.

use crate::sc::circuit::{Circuit, ElementKind};
use crate::sc::topology::bus_index;
use std::borrow::Cow;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Line,
    Transformer,
    Transformer3w,
    /// A series impedance element.
    Impedance,
    /// A bus-bus switch (with or without an impedance).
    Coupler,
}

/// A connection between two or three distinct buses.
#[derive(Debug, Clone)]
pub struct Link {
    pub kind: LinkKind,
    /// Index in the circuit's list of that kind (the switch list for couplers, the impedance
    /// list for impedances).
    pub element: usize,
    /// Distinct bus indices in terminal order (from/to, hv/lv, hv/mv/lv, switch bus/other).
    pub buses: Vec<usize>,
}

/// Things drawn hanging on one bus; the order is the drawing order on the bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeviceKind {
    ExternalGrid,
    Generator,
    StaticGenerator,
    Storage,
    Motor,
    Load,
    Shunt,
    Ward,
    Xward,
}

#[derive(Debug, Clone, Copy)]
pub struct Device {
    pub kind: DeviceKind,
    pub element: usize,
    pub bus: usize,
}

/// Identity of one element for labels and tooltips.
#[derive(Debug, Clone, Copy)]
pub struct Info<'a> {
    pub id: &'a str,
    /// The name, or the id when there is no name.
    pub label: &'a str,
    pub in_service: bool,
}

pub struct Model<'a> {
    pub circuit: &'a Circuit,
    pub links: Vec<Link>,
    pub devices: Vec<Device>,
    /// Device indices per bus.
    pub bus_devices: Vec<Vec<usize>>,
    /// Link indices per bus.
    pub bus_links: Vec<Vec<usize>>,
    /// Switches sitting at one end of a line or transformer: (link, bus) -> switch indices.
    pub end_switches: HashMap<(usize, usize), Vec<usize>>,
    /// Per bus: another bus has the same label, so the id is shown with it.
    pub ambiguous: Vec<bool>,
}

/// The name when there is a non-blank one, else the id.
pub fn label<'a>(id: &'a str, name: &'a Option<String>) -> &'a str {
    match name {
        Some(n) if !n.trim().is_empty() => n,
        _ => id,
    }
}

/// Distinct known buses, first occurrence first.
fn distinct(ends: &[Option<usize>]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::with_capacity(ends.len());
    for b in ends.iter().flatten() {
        if !out.contains(b) {
            out.push(*b);
        }
    }
    out
}

impl<'a> Model<'a> {
    pub fn new(c: &'a Circuit) -> Self {
        let index = bus_index(c);
        let find = |id: &str| index.get(id).copied();
        let mut links = Vec::new();
        // First element of each id wins, as in the engine's own lookups.
        let mut link_of: HashMap<(ElementKind, &str), usize> = HashMap::new();
        let mut add = |kind: LinkKind, element: usize, ends: &[Option<usize>]| {
            let buses = distinct(ends);
            // A self loop or a dangling end leaves nothing to draw between two buses.
            (buses.len() >= 2).then(|| {
                links.push(Link {
                    kind,
                    element,
                    buses,
                });
                links.len() - 1
            })
        };
        for (i, l) in c.lines.iter().enumerate() {
            if let Some(k) = add(LinkKind::Line, i, &[find(&l.from_bus), find(&l.to_bus)]) {
                link_of.entry((ElementKind::Line, &l.id)).or_insert(k);
            }
        }
        for (i, t) in c.transformers.iter().enumerate() {
            let ends = [find(&t.hv_bus), find(&t.lv_bus)];
            if let Some(k) = add(LinkKind::Transformer, i, &ends) {
                link_of
                    .entry((ElementKind::Transformer, &t.id))
                    .or_insert(k);
            }
        }
        for (i, t) in c.transformers3w.iter().enumerate() {
            let ends = [find(&t.hv_bus), find(&t.mv_bus), find(&t.lv_bus)];
            if let Some(k) = add(LinkKind::Transformer3w, i, &ends) {
                link_of
                    .entry((ElementKind::Transformer3w, &t.id))
                    .or_insert(k);
            }
        }
        for (i, z) in c.impedances.iter().enumerate() {
            add(
                LinkKind::Impedance,
                i,
                &[find(&z.from_bus), find(&z.to_bus)],
            );
        }
        for (i, s) in c.switches.iter().enumerate() {
            if s.element_kind == ElementKind::Bus {
                add(LinkKind::Coupler, i, &[find(&s.bus), find(&s.element)]);
            }
        }
        let mut end_switches: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        for (i, s) in c.switches.iter().enumerate() {
            let Some(&k) = link_of.get(&(s.element_kind, s.element.as_str())) else {
                continue;
            };
            // A switch whose bus is not a terminal of its element has no place to sit.
            if let Some(b) = find(&s.bus).filter(|b| links[k].buses.contains(b)) {
                end_switches.entry((k, b)).or_default().push(i);
            }
        }
        let devices = devices(c, &find);
        let n = c.buses.len();
        let mut bus_devices = vec![Vec::new(); n];
        for (i, d) in devices.iter().enumerate() {
            bus_devices[d.bus].push(i);
        }
        let mut bus_links = vec![Vec::new(); n];
        for (i, l) in links.iter().enumerate() {
            for &b in &l.buses {
                bus_links[b].push(i);
            }
        }
        let mut by_label: HashMap<&str, usize> = HashMap::with_capacity(n);
        for b in &c.buses {
            *by_label.entry(label(&b.id, &b.name)).or_default() += 1;
        }
        let ambiguous = c
            .buses
            .iter()
            .map(|b| by_label.get(label(&b.id, &b.name)).is_some_and(|&k| k > 1))
            .collect();
        Model {
            ambiguous,
            circuit: c,
            links,
            devices,
            bus_devices,
            bus_links,
            end_switches,
        }
    }

    /// The bus's name; its id when it has none; `name (id)` when another bus has the same
    /// name.
    pub fn bus_label(&self, b: usize) -> Cow<'a, str> {
        let bus = &self.circuit.buses[b];
        let name = label(&bus.id, &bus.name);
        if self.ambiguous[b] && name != bus.id {
            Cow::Owned(format!("{name} ({})", bus.id))
        } else {
            Cow::Borrowed(name)
        }
    }

    pub fn link_info(&self, l: &Link) -> Info<'a> {
        let c = self.circuit;
        let (id, name, in_service) = match l.kind {
            LinkKind::Line => {
                let e = &c.lines[l.element];
                (&e.id, &e.name, e.in_service)
            }
            LinkKind::Transformer => {
                let e = &c.transformers[l.element];
                (&e.id, &e.name, e.in_service)
            }
            LinkKind::Transformer3w => {
                let e = &c.transformers3w[l.element];
                (&e.id, &e.name, e.in_service)
            }
            LinkKind::Impedance => {
                let e = &c.impedances[l.element];
                (&e.id, &e.name, e.in_service)
            }
            LinkKind::Coupler => {
                let e = &c.switches[l.element];
                (&e.id, &e.name, e.in_service)
            }
        };
        Info {
            id,
            label: label(id, name),
            in_service,
        }
    }

    pub fn device_info(&self, d: &Device) -> Info<'a> {
        let c = self.circuit;
        let (id, name, in_service) = match d.kind {
            DeviceKind::ExternalGrid => {
                let e = &c.external_grids[d.element];
                (&e.id, &e.name, e.in_service)
            }
            DeviceKind::Generator => {
                let e = &c.generators[d.element];
                (&e.id, &e.name, e.in_service)
            }
            DeviceKind::StaticGenerator => {
                let e = &c.static_generators[d.element];
                (&e.id, &e.name, e.in_service)
            }
            DeviceKind::Motor => {
                let e = &c.motors[d.element];
                (&e.id, &e.name, e.in_service)
            }
            DeviceKind::Storage => {
                let e = &c.storages[d.element];
                (&e.id, &e.name, e.in_service)
            }
            DeviceKind::Load => {
                let e = &c.loads[d.element];
                (&e.id, &e.name, e.in_service)
            }
            DeviceKind::Shunt => {
                let e = &c.shunts[d.element];
                (&e.id, &e.name, e.in_service)
            }
            DeviceKind::Ward => {
                let e = &c.wards[d.element];
                (&e.id, &e.name, e.in_service)
            }
            DeviceKind::Xward => {
                let e = &c.xwards[d.element];
                (&e.id, &e.name, e.in_service)
            }
        };
        Info {
            id,
            label: label(id, name),
            in_service,
        }
    }

    pub fn switch_info(&self, s: usize) -> Info<'a> {
        let e = &self.circuit.switches[s];
        Info {
            id: &e.id,
            label: label(&e.id, &e.name),
            in_service: e.in_service,
        }
    }
}

/// Devices in drawing order: by kind, then by their order in the circuit.
fn devices(c: &Circuit, find: &dyn Fn(&str) -> Option<usize>) -> Vec<Device> {
    let lists: [(DeviceKind, Vec<&str>); 9] = [
        (
            DeviceKind::ExternalGrid,
            c.external_grids.iter().map(|e| e.bus.as_str()).collect(),
        ),
        (
            DeviceKind::Generator,
            c.generators.iter().map(|e| e.bus.as_str()).collect(),
        ),
        (
            DeviceKind::StaticGenerator,
            c.static_generators.iter().map(|e| e.bus.as_str()).collect(),
        ),
        (
            DeviceKind::Storage,
            c.storages.iter().map(|e| e.bus.as_str()).collect(),
        ),
        (
            DeviceKind::Motor,
            c.motors.iter().map(|e| e.bus.as_str()).collect(),
        ),
        (
            DeviceKind::Load,
            c.loads.iter().map(|e| e.bus.as_str()).collect(),
        ),
        (
            DeviceKind::Shunt,
            c.shunts.iter().map(|e| e.bus.as_str()).collect(),
        ),
        (
            DeviceKind::Ward,
            c.wards.iter().map(|e| e.bus.as_str()).collect(),
        ),
        (
            DeviceKind::Xward,
            c.xwards.iter().map(|e| e.bus.as_str()).collect(),
        ),
    ];
    let mut out = Vec::new();
    for (kind, buses) in lists {
        for (element, bus) in buses.into_iter().enumerate() {
            if let Some(bus) = find(bus) {
                out.push(Device { kind, element, bus });
            }
        }
    }
    out
}
