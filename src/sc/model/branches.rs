//! Branches: lines and cables, two- and three-winding transformers.

use super::transformer_zero::add_transformer_zero;
use super::{Branch, Builder, ModelError, Owner, Shunt, err, kt, z_from};
use crate::sc::circuit::ElementKind;
use crate::sc::options::Case;
use crate::sc::vector_group::{Connection, VectorGroup};
use num_complex::Complex64 as C64;

pub(super) fn add_lines(b: &mut Builder) -> Result<(), ModelError> {
    for (li, l) in b.c.lines.iter().enumerate().filter(|(_, l)| l.in_service) {
        let (Some(fb), Some(tb)) = (b.topo.bus(&l.from_bus), b.topo.bus(&l.to_bus)) else {
            continue;
        };
        // A line to an out-of-service bus stays energized from its other end, open at the
        // dead end (its zero-sequence capacitance still counts), as pandapower does.
        let dead = |bus: usize| !b.c.buses[bus].in_service;
        let (f, t) = match (b.node_of_bus[fb], b.node_of_bus[tb]) {
            (Some(_), Some(_)) => (
                b.end_node_at(ElementKind::Line, &l.id, fb),
                b.end_node_at(ElementKind::Line, &l.id, tb),
            ),
            (Some(n), None) if dead(tb) => {
                let vn = b.base_kv[n];
                (
                    b.end_node_at(ElementKind::Line, &l.id, fb),
                    Some(b.add_node(vn)),
                )
            }
            (None, Some(n)) if dead(fb) => {
                let vn = b.base_kv[n];
                (
                    Some(b.add_node(vn)),
                    b.end_node_at(ElementKind::Line, &l.id, tb),
                )
            }
            _ => continue,
        };
        let (Some(f), Some(t)) = (f, t) else { continue };
        // Clause 6.4 / eq. (31): for minimum currents, resistance at the end temperature.
        let temp = match b.o.case {
            Case::Max => 1.0,
            Case::Min => {
                let te = l.endtemp_degree.ok_or_else(|| {
                    err(
                        format!("lines[{}].endtemp_degree", l.id),
                        "required for the min case (IEC 60909-0 eq. 31)",
                    )
                })?;
                1.0 + 0.004 * (te - 20.0)
            }
        };
        let zb = b.base_kv[f].powi(2);
        let z = C64::new(
            l.r_ohm_per_km * l.length_km * temp,
            l.x_ohm_per_km * l.length_km,
        ) / l.parallel
            / zb;
        // Line capacitances are neglected in the positive sequence (clause 6.4).
        b.pos.branches.push(Branch {
            f,
            t,
            z,
            ratio: 1.0,
            y_f: C64::default(),
            y_t: C64::default(),
            owner: Some(Owner::Line(li)),
            shift_deg: 0.0,
        });
        if b.zero_needed {
            let need = |v: Option<f64>, field: &str| {
                v.ok_or_else(|| {
                    err(
                        format!("lines[{}].{field}", l.id),
                        "required for earth faults",
                    )
                })
            };
            let r0 = need(l.r0_ohm_per_km, "r0_ohm_per_km")?;
            let x0 = need(l.x0_ohm_per_km, "x0_ohm_per_km")?;
            let c0 = l.c0_nf_per_km.unwrap_or(0.0);
            let z0 = C64::new(r0 * l.length_km * temp, x0 * l.length_km) / l.parallel / zb;
            let b0 = 2.0
                * std::f64::consts::PI
                * b.c.frequency_hz
                * c0
                * 1e-9
                * zb
                * l.length_km
                * l.parallel;
            let half = C64::new(0.0, b0 / 2.0);
            b.zero.branches.push(Branch {
                f,
                t,
                z: z0,
                ratio: 1.0,
                y_f: half,
                y_t: half,
                owner: Some(Owner::Line(li)),
                shift_deg: 0.0,
            });
        }
    }
    Ok(())
}

/// Two-winding transformers (clause 6.3.1) with KT (eq. 12a), unit transformers with KS/KSO.
pub(super) fn add_transformers(b: &mut Builder) -> Result<(), ModelError> {
    for (ti, t) in
        b.c.transformers
            .iter()
            .enumerate()
            .filter(|(_, t)| t.in_service)
    {
        if b.node(&t.hv_bus).is_none() || b.node(&t.lv_bus).is_none() {
            continue;
        }
        let Some(f) = b.end_node(ElementKind::Transformer, &t.id, &t.hv_bus) else {
            continue;
        };
        let Some(to) = b.end_node(ElementKind::Transformer, &t.id, &t.lv_bus) else {
            continue;
        };
        let (vb_hv, vb_lv) = (b.base_kv[f], b.base_kv[to]);
        // A transformer flagged as a unit transformer takes no KT even without its generator
        // (then KT = 1 and no KS/KSO, as pandapower; docs/validation.md).
        let is_unit = b.unit_of_trafo.contains_key(&ti) || t.power_station_unit;
        // Rated ratio only: IEC 60909-0 clause 6.3.1 (tap position is not used, as pandapower).
        let ratio = (t.vn_hv_kv / t.vn_lv_kv) / (vb_hv / vb_lv);
        let zbase = (t.vn_lv_kv / vb_lv).powi(2) / t.sn_mva;
        let z = z_from(t.vk_percent / 100.0 * zbase, t.vkr_percent / 100.0 * zbase) / t.parallel;
        // KT (eq. 12a) for the maximum case only, as PowerFactory and pandapower apply it
        // (docs/validation.md); unit transformers take KS/KSO instead (6.7).
        let k = if is_unit || b.o.case == Case::Min {
            1.0
        } else {
            kt(t.vk_percent, t.vkr_percent, b.cmax[to])
        };
        let branch = b.pos.branches.len();
        let k_unit = b.k_st.get(&ti).copied();
        b.pos.branches.push(Branch {
            f,
            t: to,
            z: z * k_unit.unwrap_or(k),
            ratio,
            y_f: C64::default(),
            y_t: C64::default(),
            owner: Some(Owner::Trafo(ti)),
            shift_deg: clock_shift(t.vector_group.as_deref(), 2, 0),
        });
        if let Some(u) = b.ps_units.iter_mut().find(|u| u.trafo == ti) {
            u.branch = branch;
            u.branch_z_own = z;
        }
        if b.zero_needed {
            add_transformer_zero(b, ti, f, to, ratio, k, k_unit)?;
        }
    }
    // Units whose transformer is missing keep only their generator correction.
    b.ps_units.retain(|u| u.branch != usize::MAX);
    Ok(())
}

/// Three-winding transformers as a star of three branches around an auxiliary node on the HV
/// base (clause 6.3.2, eq. 10), with KT per winding pair (eq. 13).
pub(super) fn add_transformers3w(b: &mut Builder) -> Result<(), ModelError> {
    for (ti, t) in
        b.c.transformers3w
            .iter()
            .enumerate()
            .filter(|(_, t)| t.in_service)
    {
        let buses = [&t.hv_bus, &t.mv_bus, &t.lv_bus];
        if buses.iter().all(|id| b.node(id).is_none()) {
            continue;
        }
        let Some(hv_node) = b
            .node(&t.hv_bus)
            .or_else(|| b.node(&t.mv_bus))
            .or_else(|| b.node(&t.lv_bus))
        else {
            continue;
        };
        let vn = [t.vn_hv_kv, t.vn_mv_kv, t.vn_lv_kv];
        let sn = [t.sn_hv_mva, t.sn_mv_mva, t.sn_lv_mva];
        let star_base = b
            .node(&t.hv_bus)
            .map(|n| b.base_kv[n])
            .unwrap_or(b.base_kv[hv_node]);
        let star = b.add_node(star_base);
        let ends: Vec<Option<usize>> = buses
            .iter()
            .map(|id| {
                if b.node(id).is_some() {
                    b.end_node(ElementKind::Transformer3w, &t.id, id)
                } else {
                    None
                }
            })
            .collect();
        let cmax_lv = b.node(&t.lv_bus).map(|n| b.cmax[n]).unwrap_or(1.1);
        let pairs_vk = [t.vk_hv_percent, t.vk_mv_percent, t.vk_lv_percent];
        let pairs_vkr = [t.vkr_hv_percent, t.vkr_mv_percent, t.vkr_lv_percent];
        // KT per winding pair (eq. 13), maximum case only like two-winding transformers.
        let kts: Vec<f64> = (0..3)
            .map(|i| match b.o.case {
                Case::Max => kt(pairs_vk[i], pairs_vkr[i], cmax_lv),
                Case::Min => 1.0,
            })
            .collect();
        let star_z = |vk: [f64; 3], vkr: [f64; 3]| -> [C64; 3] {
            // Pair values referred to sn_hv: HV-MV, MV-LV, HV-LV (pandapower's convention).
            let to_hv = |v: [f64; 3]| {
                [
                    v[0] * sn[0] / sn[0].min(sn[1]) * kts[0],
                    v[1] * sn[0] / sn[1].min(sn[2]) * kts[1],
                    v[2] * sn[0] / sn[0].min(sn[2]) * kts[2],
                ]
            };
            let (zk, rk) = (to_hv(vk), to_hv(vkr));
            let xk: Vec<f64> = (0..3)
                .map(|i| (zk[i].powi(2) - rk[i].powi(2)).max(0.0).sqrt())
                .collect();
            let star = |v: &[f64]| {
                [
                    0.5 * (v[0] + v[2] - v[1]),
                    0.5 * (v[1] + v[0] - v[2]),
                    0.5 * (v[2] + v[1] - v[0]),
                ]
            };
            let (rs, xs) = (star(&rk), star(&xk));
            [0, 1, 2].map(|i| C64::new(rs[i], xs[i]) / 100.0 / sn[0])
        };
        let zs = star_z(pairs_vk, pairs_vkr);
        if let Some(w) = zs.iter().position(|z| z.norm() == 0.0) {
            return Err(err(
                format!("transformers3w[{}]", t.id),
                format!(
                    "the equivalent star impedance of the {} winding is zero",
                    ["HV", "MV", "LV"][w]
                ),
            ));
        }
        // Per winding: impedance in pu on the winding bus base and ratio HV-side/that side.
        let winding = |b: &Builder, i: usize, z: C64, node: usize| -> (C64, f64) {
            let vb = b.base_kv[node];
            let ratio = (t.vn_hv_kv / vn[i]) / (star_base / vb);
            (z * (vn[i] / vb).powi(2), ratio)
        };
        for (i, end) in ends.iter().enumerate() {
            let Some(node) = *end else { continue };
            let (z, ratio) = winding(b, i, zs[i], node);
            b.pos.branches.push(Branch {
                f: star,
                t: node,
                z,
                ratio,
                y_f: C64::default(),
                y_t: C64::default(),
                owner: Some(Owner::Trafo3w(ti, i as u8)),
                shift_deg: if i == 0 {
                    0.0
                } else {
                    clock_shift(t.vector_group.as_deref(), 3, i - 1)
                },
            });
        }
        if b.zero_needed {
            let path = |f: &str| format!("transformers3w[{}].{f}", t.id);
            let vg_text = t
                .vector_group
                .as_deref()
                .ok_or_else(|| err(path("vector_group"), "required for earth faults"))?;
            let vg = VectorGroup::parse(vg_text, 3)
                .map_err(|e| err(path("vector_group"), e.to_string()))?;
            if vg
                .windings
                .iter()
                .any(|w| matches!(w, Connection::Z | Connection::Zn))
            {
                return Err(err(
                    path("vector_group"),
                    format!("zero-sequence model of {vg_text} is not supported"),
                ));
            }
            if !vg.windings.iter().any(|w| w.earthed()) {
                continue;
            }
            let need = |v: Option<f64>, f: &str| {
                v.ok_or_else(|| err(path(f), "required for earth faults"))
            };
            let vk0 = [
                need(t.vk0_hv_percent, "vk0_hv_percent")?,
                need(t.vk0_mv_percent, "vk0_mv_percent")?,
                need(t.vk0_lv_percent, "vk0_lv_percent")?,
            ];
            let vkr0 = [
                need(t.vkr0_hv_percent, "vkr0_hv_percent")?,
                need(t.vkr0_mv_percent, "vkr0_mv_percent")?,
                need(t.vkr0_lv_percent, "vkr0_lv_percent")?,
            ];
            let zs0 = star_z(vk0, vkr0);
            for (i, end) in ends.iter().enumerate() {
                match vg.windings[i] {
                    // Earthed star: zero-sequence current passes between bus and star point.
                    Connection::Yn => {
                        if let Some(node) = *end {
                            let (z, ratio) = winding(b, i, zs0[i], node);
                            b.zero.branches.push(Branch {
                                f: star,
                                t: node,
                                z,
                                ratio,
                                y_f: C64::default(),
                                y_t: C64::default(),
                                owner: Some(Owner::Trafo3w(ti, i as u8)),
                                shift_deg: 0.0,
                            });
                        }
                    }
                    // Delta: short-circuits the zero sequence at the star point.
                    Connection::D => {
                        let z_star = zs0[i] * (t.vn_hv_kv / star_base).powi(2);
                        b.zero.shunts.push(Shunt {
                            node: star,
                            z: z_star,
                            z_peak: z_star,
                            terminal: None,
                            passive: false,
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Positive-sequence phase shift of a lower-voltage winding against HV, degrees: −30° per
/// clock number (IEC 60076-1 vector groups; 0 when the group or its clock is not given).
fn clock_shift(vector_group: Option<&str>, windings: usize, which: usize) -> f64 {
    vector_group
        .and_then(|v| VectorGroup::parse(v, windings).ok())
        .and_then(|g| g.clocks.get(which).copied().flatten())
        .map_or(0.0, |c| -30.0 * f64::from(c))
}
