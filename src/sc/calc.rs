//! The calculation: equivalent voltage source at the fault (IEC 60909-0 clause 5.1.2), all
//! fault locations from the diagonal of Z = Y⁻¹ (Takahashi, never a dense Z).

use super::admittance::{Variant, earthed_nodes};
use super::branch_currents::branch_currents;
use super::circuit::Circuit;
use super::duty::{breaking_currents, duty_check, duty_switch};
use super::formulas::{NodeZ, fc_ratio, fill_bus};
use super::meshing::meshed_nodes;
use super::model::{self, Model, PsUnit};
use super::options::{Fault, KappaMethod, ScOptions};
use super::results::{BusResult, ScResults, finite};
use super::solve::{Solved, injections};
use super::steady::{Steady, steady_currents};
use super::topology::Topology;
use super::validate::{has_errors, listed, unfed_warning, validate_data_with};
use num_complex::Complex64 as C64;

pub use super::solve::CalcError;

/// Fault locations up to which the breaking current is calculated at every bus when machines
/// feed a three-phase fault (one solve per bus; beyond it only at rated breakers' buses).
pub const IB_EVERY_BUS_LIMIT: usize = 5000;

/// Runs a short-circuit calculation.
pub fn calculate(c: &Circuit, o: &ScOptions) -> Result<ScResults, CalcError> {
    let topo = Topology::new(c);
    let mut problems = validate_data_with(c, &topo.bus_index);
    if has_errors(&problems) {
        return Err(CalcError::Invalid(problems));
    }
    check_options(c, o)?;
    // The data this study needs: the same rules the run form and the editor apply.
    let missing = super::requirements::missing(c, &super::requirements::Study::of(o));
    if !missing.is_empty() {
        return Err(CalcError::Incomplete(missing));
    }
    problems.extend(unfed_warning(c, &topo));
    let mut warnings: Vec<String> = problems
        .iter()
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect();
    let m = model::build_with(c, o, topo)?;
    warnings.extend(m.warnings.iter().cloned());

    // Fault locations (bus indices), keeping the order of the circuit.
    let selected: Vec<usize> = if o.buses.is_empty() {
        (0..c.buses.len()).collect()
    } else {
        c.buses
            .iter()
            .enumerate()
            .filter(|(_, b)| o.buses.contains(&b.id))
            .map(|(i, _)| i)
            .collect()
    };
    let zs = node_impedances(&m, o, &selected, &mut warnings).map_err(|e| locate(e, c, &m))?;

    let mut buses = Vec::with_capacity(selected.len());
    for &bi in &selected {
        let bus = &c.buses[bi];
        let mut r = BusResult {
            id: bus.id.clone(),
            name: bus.name.clone(),
            vn_kv: bus.vn_kv,
            ..Default::default()
        };
        if let (Some(node), Some(nz)) = (m.node_of_bus[bi], zs.get(&bi)) {
            fill_bus(&mut r, &m, o, node, nz);
        }
        buses.push(r);
    }
    let negative: Vec<&str> = buses
        .iter()
        .filter(|r| {
            r.rk_ohm
                .zip(r.xk_ohm)
                .is_some_and(|(r, x)| r < 0.0 || x < 0.0)
        })
        .map(|r| r.id.as_str())
        .collect();
    if !negative.is_empty() {
        warnings.push(format!(
            "buses: {} fault location(s) with a negative R/X of the short-circuit impedance (negative impedances of network equivalents), where κ (eq. 55) is taken as 2, its limit for R/X → 0: {}",
            negative.len(),
            listed(&negative)
        ));
    }
    let branches = if o.branch_results {
        branch_currents(c, &m, o, &selected).map_err(|e| locate(e, c, &m))?
    } else {
        Vec::new()
    };
    // Breaking currents (clause 9.1) at every fault location, or, in large networks fed by
    // machines (one solve per bus), at the buses of the duty check's breakers only.
    let all_ib = m.machines.is_empty()
        || o.fault != Fault::ThreePhase
        || selected.len() <= IB_EVERY_BUS_LIMIT;
    if !all_ib {
        warnings.push(format!(
            "buses: the breaking current Ib and the steady-state current Ik are given at the buses of rated breakers only: with machines feeding a three-phase fault they take one solve per bus, done for every bus up to {IB_EVERY_BUS_LIMIT} fault locations"
        ));
    }
    let targets: Vec<(usize, usize, f64)> = selected
        .iter()
        .zip(&buses)
        .filter(|(_, r)| all_ib || c.switches.iter().any(|s| duty_switch(s) && s.bus == r.id))
        .filter_map(|(&bi, r)| Some((bi, m.node_of_bus[bi]?, r.ikss_ka?)))
        .collect();
    let ib_at = breaking_currents(&m, o, &targets).map_err(|e| locate(e, c, &m))?;
    // Ik (clause 10): see BusResult::ik_ka.
    let steady_is_initial = m.machines.is_empty() || o.fault != Fault::ThreePhase;
    let steady = if steady_is_initial {
        Steady::default()
    } else {
        let at: Vec<(usize, usize)> = targets.iter().map(|&(bi, n, _)| (bi, n)).collect();
        steady_currents(c, &m, o, &at, &zs).map_err(|e| locate(e, c, &m))?
    };
    if !steady.lacking.is_empty() {
        let ids: Vec<&str> = steady
            .lacking
            .iter()
            .map(|&gi| c.generators[gi].id.as_str())
            .collect();
        warnings.push(format!(
            "generators: the steady-state current Ik is not given where {} generator(s) feed a three-phase fault alone, for want of xdsat_pu and excitation (the λ method of IEC 60909-0 clause 10.2.1): {}",
            ids.len(),
            listed(&ids)
        ));
    }
    for (&bi, r) in selected.iter().zip(buses.iter_mut()) {
        r.ib_ka = ib_at.get(&bi).copied().and_then(finite);
        r.ik_ka = if steady_is_initial {
            r.ikss_ka
        } else {
            steady.ik.get(&bi).copied().and_then(finite)
        };
    }
    let ib: std::collections::HashMap<String, f64> = ib_at
        .into_iter()
        .map(|(bi, v)| (c.buses[bi].id.clone(), v))
        .collect();
    let duty = duty_check(c, &buses, &ib);
    Ok(ScResults {
        options: o.clone(),
        buses,
        branches,
        duty,
        warnings,
    })
}

/// Names the place of a factorization error: the buses of its node, or an internal node.
fn locate(e: CalcError, c: &Circuit, m: &Model) -> CalcError {
    match e {
        CalcError::Solver {
            network,
            node,
            source,
            ..
        } => {
            let buses: Vec<String> = m
                .node_of_bus
                .iter()
                .enumerate()
                .filter(|(_, n)| **n == Some(node))
                .map(|(bi, _)| format!("\"{}\"", c.buses[bi].id))
                .take(4)
                .collect();
            let at = match buses.len() {
                0 => "an internal node (a three-winding transformer's star point or the open end of an element)".to_string(),
                1 => format!("bus {}", buses[0]),
                _ => format!("buses {} (joined by closed switches)", buses.join(", ")),
            };
            CalcError::Solver {
                network,
                node,
                at,
                source,
            }
        }
        other => other,
    }
}

fn check_options(c: &Circuit, o: &ScOptions) -> Result<(), CalcError> {
    let bad = |field, message: String| Err(CalcError::Options { field, message });
    if o.lv_tol_percent != 6 && o.lv_tol_percent != 10 {
        return bad(
            "lv_tol_percent",
            format!("must be 6 or 10 (got {})", o.lv_tol_percent),
        );
    }
    if !(o.tk_s.is_finite() && o.tk_s > 0.0) {
        return bad("tk_s", format!("must be greater than 0 (got {})", o.tk_s));
    }
    if !(o.tmin_s.is_finite() && o.tmin_s > 0.0) {
        return bad(
            "tmin_s",
            format!("must be greater than 0 (got {})", o.tmin_s),
        );
    }
    if !(o.r_fault_ohm.is_finite() && o.r_fault_ohm >= 0.0) {
        return bad(
            "r_fault_ohm",
            format!("must be 0 or greater (got {})", o.r_fault_ohm),
        );
    }
    if !(o.x_fault_ohm.is_finite() && o.x_fault_ohm >= 0.0) {
        return bad(
            "x_fault_ohm",
            format!("must be 0 or greater (got {})", o.x_fault_ohm),
        );
    }
    for id in &o.buses {
        if !c.buses.iter().any(|b| &b.id == id) {
            return bad("buses", format!("no bus \"{id}\""));
        }
    }
    Ok(())
}

fn node_impedances(
    m: &Model,
    o: &ScOptions,
    selected: &[usize],
    warnings: &mut Vec<String>,
) -> Result<std::collections::HashMap<usize, NodeZ>, CalcError> {
    let all = vec![true; m.n];
    let fc_ratio = fc_ratio(m.frequency_hz);
    let needs_c = o.kappa_method == KappaMethod::C;
    let pos = Solved::new(m, &m.pos, &all, Variant::default())?;
    let d1 = pos.diagonal();
    let peak = if needs_c {
        let v = Variant {
            own_unit: None,
            freq_ratio: Some(fc_ratio),
        };
        Some(pos.sibling(m, &m.pos, v)?.diagonal())
    } else {
        None
    };
    let sums = if m.current_sources.is_empty() {
        None
    } else {
        Some(pos.apply(&injections(m, o, &d1)))
    };
    let d0 = match &m.zero {
        Some(zero) => {
            let earthed = earthed_nodes(zero, m.n);
            if earthed.iter().any(|&e| e) {
                Solved::new(m, zero, &earthed, Variant::default())?.diagonal()
            } else {
                vec![None; m.n]
            }
        }
        None => vec![None; m.n],
    };
    // κ method B: the factor 1.15 is considered only at buses fed over parallel paths
    // (formulas::kappa_at decides with R/X at the fault location).
    let meshed = if o.kappa_method == KappaMethod::B {
        meshed_nodes(&m.pos, m.n)
    } else {
        Vec::new()
    };
    let mut out = std::collections::HashMap::new();
    for &bi in selected {
        let Some(node) = m.node_of_bus[bi] else {
            continue;
        };
        let Some(z1) = d1[node] else { continue };
        let source_sum = sums
            .as_ref()
            .and_then(|s| s[node])
            .map(|s| s.norm())
            .unwrap_or(0.0);
        out.insert(
            bi,
            NodeZ {
                z1,
                z0: d0[node],
                zc: peak.as_ref().and_then(|p| p[node]),
                source_sum,
                voltage_ratio: 1.0,
                kappa_b_factor: if meshed.get(node).copied().unwrap_or(false) {
                    1.15
                } else {
                    1.0
                },
            },
        );
    }
    // Faults at the terminals of power-station units: their own correction factors (6.7.1),
    // for every fault type. The zero sequence keeps the unit values (KS/KSO of eq. 26; the
    // generator side of a unit transformer is delta-isolated in practice).
    for u in &m.ps_units {
        let targets: Vec<usize> = selected
            .iter()
            .copied()
            .filter(|&bi| m.node_of_bus[bi] == Some(u.gen_node))
            .collect();
        if targets.is_empty() {
            continue;
        }
        let nz = unit_terminal_impedances(m, o, u, needs_c, fc_ratio)?;
        for bi in targets {
            if let Some(entry) = out.get_mut(&bi) {
                entry.z1 = nz.z1;
                entry.zc = nz.zc;
                entry.source_sum = nz.source_sum;
                entry.voltage_ratio = u.voltage_ratio;
                entry.kappa_b_factor = entry.kappa_b_factor.max(nz.kappa_b_factor);
            }
        }
    }
    if !m.current_sources.is_empty() && o.fault == Fault::TwoPhaseEarth {
        warnings.push("static_generators: current sources are not included for 2phg faults".into());
    }
    Ok(out)
}

fn unit_terminal_impedances(
    m: &Model,
    o: &ScOptions,
    u: &PsUnit,
    needs_c: bool,
    fc_ratio: f64,
) -> Result<NodeZ, CalcError> {
    let all = vec![true; m.n];
    let v = Variant {
        own_unit: Some(u),
        freq_ratio: None,
    };
    let s = Solved::new(m, &m.pos, &all, v)?;
    let z1 = s.diagonal_at(u.gen_node).unwrap_or_default();
    let zc = if needs_c {
        let vc = Variant {
            own_unit: Some(u),
            freq_ratio: Some(fc_ratio),
        };
        s.sibling(m, &m.pos, vc)?.diagonal_at(u.gen_node)
    } else {
        None
    };
    let source_sum = if m.current_sources.is_empty() {
        0.0
    } else {
        // Angles from the unit-specific diagonal at the source nodes.
        let diag: Vec<Option<C64>> = (0..m.n)
            .map(|n| {
                if m.current_sources.iter().any(|&(sn, _)| sn == n) {
                    s.diagonal_at(n)
                } else {
                    None
                }
            })
            .collect();
        s.apply(&injections(m, o, &diag))[u.gen_node]
            .map(|v| v.norm())
            .unwrap_or(0.0)
    };
    Ok(NodeZ {
        z1,
        z0: None,
        zc,
        source_sum,
        voltage_ratio: u.voltage_ratio,
        kappa_b_factor: 1.0,
    })
}
