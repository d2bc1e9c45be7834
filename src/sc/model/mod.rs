//! Builds the per-unit sequence networks of IEC 60909-0 from a circuit (base power 1 MVA,
//! base voltage = the nominal voltage of each bus), with the impedance correction factors.
//!
//! Transformers are branches with an off-nominal real ratio t = (UrHV/UrLV)/(UnHV/UnLV) on the
//! HV side; their impedance sits on the LV side. Sources are shunt impedances; the equivalent
//! voltage source c·Un/√3 at the fault replaces all network feeders (clause 5.1.2).

mod branches;
mod equivalents;
mod sources;
mod transformer_zero;

use branches::{add_lines, add_transformers, add_transformers3w};
use equivalents::{add_async_generators, add_impedances, add_switch_impedances, add_wards};
use sources::{add_external_grids, add_generators_and_units, add_motors, current_sources};

use super::circuit::{Circuit, ElementKind};
use super::options::{Case, ScOptions};
use super::topology::Topology;
use num_complex::Complex64 as C64;
use std::collections::HashMap;

/// What a branch of the positive-sequence network represents (for branch currents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Line(usize),
    Trafo(usize),
    /// Three-winding transformer and winding (0 HV, 1 MV, 2 LV).
    Trafo3w(usize, u8),
    /// Series impedance element.
    Impedance(usize),
    /// Bus-bus switch with an impedance (z_ohm).
    Switch(usize),
}

#[derive(Debug, Clone)]
pub struct Branch {
    pub f: usize,
    pub t: usize,
    /// Series impedance, pu on the base of `t`.
    pub z: C64,
    /// Off-nominal ratio on the `f` side.
    pub ratio: f64,
    /// Shunt admittances at each end, pu on the base of `t`: the `f` one is referred through
    /// the ratio like the series admittance (Yff = (y + y_f)/t², Ytt = y + y_t).
    pub y_f: C64,
    pub y_t: C64,
    pub owner: Option<Owner>,
    /// Positive-sequence phase shift of the `t` side against the `f` side, degrees
    /// (−30° × clock number for transformers; the negative sequence shifts the other way).
    pub shift_deg: f64,
}

/// A shunt impedance to the neutral (source or earthing path).
#[derive(Debug, Clone)]
pub struct Shunt {
    pub node: usize,
    pub z: C64,
    /// Impedance used for the equivalent-frequency network of κ method C (fictitious RGf for
    /// generators, IEC 60909-0 6.6.1 and 8.1.3.2 c); the reactance is scaled there.
    pub z_peak: C64,
    /// Element terminal whose current this shunt carries (zero-sequence earthing of a
    /// transformer winding), for branch currents.
    pub terminal: Option<(Owner, usize)>,
    /// A passive admittance (ward equivalent, shunt part of a series impedance), not a source:
    /// no path to earth for the meshing rule of κ method B.
    pub passive: bool,
}

#[derive(Debug, Clone, Default)]
pub struct SeqNetwork {
    pub branches: Vec<Branch>,
    pub shunts: Vec<Shunt>,
}

/// A power-station unit: for a fault at the generator terminals the generator takes KG,S and
/// the unit transformer no factor; for any other fault both take KS or KSO (clause 6.7).
#[derive(Debug, Clone)]
pub struct PsUnit {
    pub trafo: usize,
    pub gen_node: usize,
    pub shunt: usize,
    pub z_own: C64,
    pub z_peak_own: C64,
    pub branch: usize,
    pub branch_z_own: C64,
    /// UrG/Un of the generator bus: Ik'' at the terminals uses c·UrG (eq. 36 of 6.7.1).
    pub voltage_ratio: f64,
}

/// A rotating machine feeding the short circuit, for the breaking current (clause 9.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Machine {
    /// Index of its shunt in the positive-sequence network.
    pub shunt: usize,
    pub node: usize,
    /// Rated current IrG or IrM, kA.
    pub ir_ka: f64,
    pub kind: MachineKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MachineKind {
    /// Synchronous generator, by its index in the circuit's generators.
    Synchronous { generator: usize },
    /// Asynchronous motor with its rated active power per pair of poles (MW), when known.
    Asynchronous { mw_per_pole_pair: Option<f64> },
}

#[derive(Debug, Clone)]
pub struct Model {
    pub n: usize,
    /// Node of each bus; None when the bus is out of service or unfed.
    pub node_of_bus: Vec<Option<usize>>,
    pub base_kv: Vec<f64>,
    /// Voltage factor c of each node for the chosen case.
    pub c: Vec<f64>,
    pub pos: SeqNetwork,
    pub zero: Option<SeqNetwork>,
    pub ps_units: Vec<PsUnit>,
    /// Generators and motors (positive-sequence shunts), for the breaking current.
    pub machines: Vec<Machine>,
    /// Current sources (full-converter units): node and current, pu.
    pub current_sources: Vec<(usize, f64)>,
    /// Peak factor κ given for a node by a doubly fed asynchronous generator there (the
    /// largest when several), used instead of κ method B or C at that node, as pandapower.
    pub kappa_at: Vec<Option<f64>>,
    pub frequency_hz: f64,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ModelError {
    pub path: String,
    pub message: String,
}

fn err(path: String, message: impl Into<String>) -> ModelError {
    ModelError {
        path,
        message: message.into(),
    }
}

/// Voltage factors (cmax, cmin) of IEC 60909-0 Table 1 for a nominal voltage.
pub fn voltage_factors(vn_kv: f64, lv_tol_percent: u8) -> (f64, f64) {
    if vn_kv < 1.0 {
        if lv_tol_percent == 6 {
            (1.05, 0.95)
        } else {
            (1.10, 0.90)
        }
    } else {
        (1.10, 1.00)
    }
}

/// KT of a network transformer (eq. 12a): 0.95 cmax / (1 + 0.6 xT).
fn kt(vk_percent: f64, vkr_percent: f64, cmax: f64) -> f64 {
    let xt = (vk_percent.powi(2) - vkr_percent.powi(2)).max(0.0).sqrt() / 100.0;
    0.95 * cmax / (1.0 + 0.6 * xt)
}

/// Impedance from magnitude and resistance part: R + j sign(Z) sqrt(Z² − R²). A negative
/// short-circuit voltage (a network equivalent) gives a negative reactance, a negative
/// resistance part a negative resistance, as pandapower computes them.
fn z_from(z: f64, r: f64) -> C64 {
    C64::new(r, z.signum() * (z * z - r * r).max(0.0).sqrt())
}

struct Builder<'a> {
    c: &'a Circuit,
    o: &'a ScOptions,
    topo: Topology<'a>,
    node_of_bus: Vec<Option<usize>>,
    base_kv: Vec<f64>,
    cmax: Vec<f64>,
    cmin: Vec<f64>,
    pos: SeqNetwork,
    zero: SeqNetwork,
    warnings: Vec<String>,
    zero_needed: bool,
    /// Power-station unit transformer index -> generator index.
    unit_of_trafo: HashMap<usize, usize>,
    /// KS/KSO of each unit transformer (for the zero sequence, eq. 26).
    k_st: HashMap<usize, f64>,
    ps_units: Vec<PsUnit>,
    machines: Vec<Machine>,
    /// Node -> κ of the doubly fed asynchronous generators there.
    kappa_at: HashMap<usize, f64>,
}

impl Builder<'_> {
    fn add_node(&mut self, vn: f64) -> usize {
        let (cmax, cmin) = voltage_factors(vn, self.o.lv_tol_percent);
        self.base_kv.push(vn);
        self.cmax.push(cmax);
        self.cmin.push(cmin);
        self.base_kv.len() - 1
    }
    fn node(&self, bus_id: &str) -> Option<usize> {
        self.topo.bus(bus_id).and_then(|b| self.node_of_bus[b])
    }
    /// Node for an element end: the bus's node, or a dangling auxiliary node when a switch at
    /// that end is open (the element stays connected at its other ends).
    fn end_node(&mut self, kind: ElementKind, id: &str, bus_id: &str) -> Option<usize> {
        let b = self.topo.bus(bus_id)?;
        self.end_node_at(kind, id, b)
    }
    /// [`Self::end_node`] for a resolved bus index.
    fn end_node_at(&mut self, kind: ElementKind, id: &str, b: usize) -> Option<usize> {
        let n = self.node_of_bus[b]?;
        if self.topo.end_closed(kind, id, b) {
            Some(n)
        } else {
            let vn = self.base_kv[n];
            Some(self.add_node(vn))
        }
    }
    fn c_case(&self, node: usize) -> f64 {
        match self.o.case {
            Case::Max => self.cmax[node],
            Case::Min => self.cmin[node],
        }
    }
}

/// Builds the model for the given options.
pub fn build(c: &Circuit, o: &ScOptions) -> Result<Model, ModelError> {
    build_with(c, o, Topology::new(c))
}

/// Builds the model from an already computed topology.
pub fn build_with<'a>(
    c: &'a Circuit,
    o: &ScOptions,
    topo: Topology<'a>,
) -> Result<Model, ModelError> {
    let mut b = Builder {
        c,
        o,
        node_of_bus: vec![None; c.buses.len()],
        topo,
        base_kv: Vec::new(),
        cmax: Vec::new(),
        cmin: Vec::new(),
        pos: SeqNetwork::default(),
        zero: SeqNetwork::default(),
        warnings: Vec::new(),
        zero_needed: o.fault.needs_zero_sequence(),
        unit_of_trafo: HashMap::new(),
        k_st: HashMap::new(),
        ps_units: Vec::new(),
        machines: Vec::new(),
        kappa_at: HashMap::new(),
    };
    // Nodes: one per fused group of fed buses.
    let mut root_node: HashMap<usize, usize> = HashMap::new();
    for (i, bus) in c.buses.iter().enumerate() {
        if !b.topo.fed[i] {
            continue;
        }
        let root = b.topo.node_of_bus[i];
        let node = match root_node.get(&root) {
            Some(&n) => n,
            None => {
                let n = b.add_node(c.buses[root].vn_kv);
                root_node.insert(root, n);
                n
            }
        };
        if (bus.vn_kv - b.base_kv[node]).abs() > 1e-9 * bus.vn_kv {
            b.warnings.push(format!(
                "buses[{}]: fused by a closed switch with a bus of {} kV; {} kV is used",
                bus.id, b.base_kv[node], b.base_kv[node]
            ));
        }
        b.node_of_bus[i] = Some(node);
    }
    for (gi, g) in c.generators.iter().enumerate() {
        if let (true, Some(tid)) = (g.in_service, &g.power_station_trafo)
            && let Some(ti) = c.transformers.iter().position(|t| &t.id == tid)
        {
            b.unit_of_trafo.insert(ti, gi);
        }
    }
    add_external_grids(&mut b)?;
    add_lines(&mut b)?;
    add_generators_and_units(&mut b)?;
    add_transformers(&mut b)?;
    add_transformers3w(&mut b)?;
    add_impedances(&mut b)?;
    add_switch_impedances(&mut b);
    add_motors(&mut b);
    add_async_generators(&mut b);
    add_wards(&mut b);
    let current_sources = current_sources(&b);
    let c_case: Vec<f64> = (0..b.base_kv.len()).map(|n| b.c_case(n)).collect();
    let mut kappa_at = vec![None; b.base_kv.len()];
    for (&node, &k) in &b.kappa_at {
        kappa_at[node] = Some(k);
    }
    Ok(Model {
        n: b.base_kv.len(),
        node_of_bus: b.node_of_bus,
        base_kv: b.base_kv,
        c: c_case,
        pos: b.pos,
        zero: if b.zero_needed { Some(b.zero) } else { None },
        ps_units: b.ps_units,
        machines: b.machines,
        current_sources,
        kappa_at,
        frequency_hz: c.frequency_hz,
        warnings: b.warnings,
    })
}
