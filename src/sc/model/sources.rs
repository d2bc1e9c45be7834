//! Sources: network feeders, generators and power-station units, motors, current sources.

use super::{Builder, Machine, MachineKind, ModelError, PsUnit, Shunt, err};
use crate::sc::options::Case;
use num_complex::Complex64 as C64;

const SQRT_3: f64 = 1.732_050_807_568_877_2;

/// Network feeders (clause 6.2, eq. 1): ZQ = c UnQ² / S''kQ with R/X, and X0/X, R0/X0.
pub(super) fn add_external_grids(b: &mut Builder) -> Result<(), ModelError> {
    for e in b.c.external_grids.iter().filter(|e| e.in_service) {
        let Some(node) = b.node(&e.bus) else { continue };
        let path = |f: &str| format!("external_grids[{}].{f}", e.id);
        let (s, rx, x0x, r0x0, suffix) = match b.o.case {
            Case::Max => (Some(e.s_sc_max_mva), e.rx_max, e.x0x_max, e.r0x0_max, "max"),
            Case::Min => (e.s_sc_min_mva, e.rx_min, e.x0x_min, e.r0x0_min, "min"),
        };
        let s = s.ok_or_else(|| {
            err(
                path(&format!("s_sc_{suffix}_mva")),
                "required for this case",
            )
        })?;
        let rx = rx.ok_or_else(|| err(path(&format!("rx_{suffix}")), "required for this case"))?;
        // Clause 6.2, eq. (1): ZQ = c UnQ² / S''kQ, XQ = ZQ / sqrt(1 + (R/X)²).
        let z = b.c_case(node) / s;
        let x = z / (1.0 + rx * rx).sqrt();
        let zq = C64::new(rx * x, x);
        b.pos.shunts.push(Shunt {
            node,
            z: zq,
            z_peak: zq,
            terminal: None,
            passive: false,
        });
        if b.zero_needed {
            let x0x = x0x
                .ok_or_else(|| err(path(&format!("x0x_{suffix}")), "required for earth faults"))?;
            let r0x0 = r0x0
                .ok_or_else(|| err(path(&format!("r0x0_{suffix}")), "required for earth faults"))?;
            let x0 = x0x * x;
            let z0 = C64::new(r0x0 * x0, x0);
            b.zero.shunts.push(Shunt {
                node,
                z: z0,
                z_peak: z0,
                terminal: None,
                passive: false,
            });
        }
    }
    Ok(())
}

/// Generators (clause 6.6) and power-station units (6.7): KG, KS, KSO.
pub(super) fn add_generators_and_units(b: &mut Builder) -> Result<(), ModelError> {
    for (gi, g) in
        b.c.generators
            .iter()
            .enumerate()
            .filter(|(_, g)| g.in_service)
    {
        let Some(node) = b.node(&g.bus) else { continue };
        let vb = b.base_kv[node];
        let cmax = b.cmax[node];
        let sin_phi = (1.0 - g.cos_phi * g.cos_phi).max(0.0).sqrt();
        let x = g.xdss_pu * g.vn_kv.powi(2) / g.sn_mva;
        // Fictitious resistance RGf for the peak current (clause 6.6.1).
        let rf_ratio = if g.vn_kv <= 1.0 {
            0.15
        } else if g.sn_mva < 100.0 {
            0.07
        } else {
            0.05
        };
        let zg = C64::new(g.rdss_ohm, x) / vb.powi(2);
        let zg_peak = C64::new(rf_ratio * x, x) / vb.powi(2);
        let pg = g.pg_percent / 100.0;
        let unit = g
            .power_station_trafo
            .as_ref()
            .and_then(|tid| b.c.transformers.iter().position(|t| &t.id == tid))
            .filter(|&ti| b.c.transformers[ti].in_service);
        b.machines.push(Machine {
            shunt: b.pos.shunts.len(),
            node,
            ir_ka: g.sn_mva / (SQRT_3 * g.vn_kv),
            kind: MachineKind::Synchronous { generator: gi },
        });
        match unit {
            None => {
                // Eq. (18): KG = Un/UrG · cmax / (1 + x''d sin φrG), with UG = UrG(1 + pG).
                let k = vb / (g.vn_kv * (1.0 + pg)) * cmax / (1.0 + g.xdss_pu * sin_phi);
                b.pos.shunts.push(Shunt {
                    node,
                    z: zg * k,
                    z_peak: zg_peak * k,
                    terminal: None,
                    passive: false,
                });
            }
            Some(ti) => {
                let t = &b.c.transformers[ti];
                let Some(hv) = b.node(&t.hv_bus) else {
                    b.pos.shunts.push(Shunt {
                        node,
                        z: zg,
                        z_peak: zg_peak,
                        terminal: None,
                        passive: false,
                    });
                    continue;
                };
                let v_q = b.base_kv[hv];
                let xt = (t.vk_percent.powi(2) - t.vkr_percent.powi(2))
                    .max(0.0)
                    .sqrt()
                    / 100.0;
                let (ks, kg_own) = if t.oltc {
                    // Eq. (22): KS = UnQ²/UrG² · UrTLV²/UrTHV² · cmax / (1 + |x''d − xT| sin φrG).
                    let ks = (v_q / g.vn_kv).powi(2) * (t.vn_lv_kv / t.vn_hv_kv).powi(2) * cmax
                        / (1.0 + (g.xdss_pu - xt).abs() * sin_phi);
                    (ks, cmax / (1.0 + g.xdss_pu * sin_phi))
                } else {
                    // Eq. (24): KSO = UnQ/(UrG(1+pG)) · UrTLV/UrTHV · (1 ± pT) · cmax/(1 + x''d sin φrG).
                    let pt = match t.pt_percent {
                        Some(p) => p / 100.0,
                        None => match (t.tap_step_percent, t.tap_max, t.tap_neutral) {
                            (Some(s), Some(mx), Some(nt)) => -(s * (mx - nt)) / 100.0,
                            _ => 0.0,
                        },
                    };
                    let kso = v_q / (g.vn_kv * (1.0 + pg))
                        * (t.vn_lv_kv / t.vn_hv_kv)
                        * (1.0 - pt)
                        * cmax
                        / (1.0 + g.xdss_pu * sin_phi);
                    (kso, 1.0 / (1.0 + pg) * cmax / (1.0 + g.xdss_pu * sin_phi))
                };
                b.k_st.insert(ti, ks);
                let shunt = b.pos.shunts.len();
                b.pos.shunts.push(Shunt {
                    node,
                    z: zg * ks,
                    z_peak: zg_peak * ks,
                    terminal: None,
                    passive: false,
                });
                b.ps_units.push(PsUnit {
                    trafo: ti,
                    gen_node: node,
                    shunt,
                    z_own: zg * kg_own,
                    z_peak_own: zg_peak * kg_own,
                    branch: usize::MAX, // set when the transformer is added
                    branch_z_own: C64::default(),
                    voltage_ratio: g.vn_kv / vb,
                });
            }
        }
    }
    Ok(())
}

/// Asynchronous motors (clause 6.8, eq. 26-27); not for minimum currents (clause 4.3.2).
pub(super) fn add_motors(b: &mut Builder) {
    if b.o.case == Case::Min {
        return;
    }
    for m in b.c.motors.iter().filter(|m| m.in_service) {
        let Some(node) = b.node(&m.bus) else { continue };
        let s = m.pn_mech_mw / (m.efficiency_percent / 100.0 * m.cos_phi);
        let z = 1.0 / m.lrc_pu * m.vn_kv.powi(2) / s / b.base_kv[node].powi(2);
        let x = z / (1.0 + m.rx * m.rx).sqrt();
        let zm = C64::new(m.rx * x, x);
        b.machines.push(Machine {
            shunt: b.pos.shunts.len(),
            node,
            ir_ka: s / (SQRT_3 * m.vn_kv),
            kind: MachineKind::Asynchronous {
                mw_per_pole_pair: m.pole_pairs.map(|p| m.pn_mech_mw / f64::from(p)),
            },
        });
        b.pos.shunts.push(Shunt {
            node,
            z: zm,
            z_peak: zm,
            terminal: None,
            passive: false,
        });
    }
}

/// Full-converter sources as current sources of k·IrG (clause 6.9); not for minimum currents.
pub(super) fn current_sources(b: &Builder) -> Vec<(usize, f64)> {
    if b.o.case == Case::Min {
        return Vec::new();
    }
    // Every static generator with k (asynchronous types too: pandapower's current_source).
    b.c.static_generators
        .iter()
        .filter(|s| s.in_service)
        .filter_map(|s| Some((b.node(&s.bus)?, s.sn_mva? * s.k?)))
        .filter(|(_, i)| *i > 0.0)
        .collect()
}
