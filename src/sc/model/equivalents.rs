//! Series impedances, switch impedances, ward equivalents and asynchronous static generators,
//! as pandapower's short-circuit calculation includes them (docs/validation.md).

use super::{Branch, Builder, ModelError, Owner, Shunt, err};
use crate::sc::circuit::GeneratorType;
use num_complex::Complex64 as C64;

const SQRT_2: f64 = std::f64::consts::SQRT_2;
const SQRT_3: f64 = 1.732_050_807_568_877_2;

/// R/X of a switch impedance: pandapower's `switch_rx_ratio` of its short-circuit calculation.
pub const SWITCH_RX: f64 = 2.0;

/// Impedance from its magnitude and R/X.
fn z_rx(z: f64, rx: f64) -> C64 {
    let x = z / (1.0 + rx * rx).sqrt();
    C64::new(rx * x, x)
}

/// Series impedances (pandapower `impedance`): per unit of sn_mva and of the nominal voltages
/// of their buses, hence at 1 MVA z = (rft + j·xft)/sn_mva with a ratio of 1; the shunt parts
/// y = (g + j·b)·sn_mva at each end. Positive, negative and (rft0 ...) zero sequence.
pub(super) fn add_impedances(b: &mut Builder) -> Result<(), ModelError> {
    for (i, e) in
        b.c.impedances
            .iter()
            .enumerate()
            .filter(|(_, e)| e.in_service)
    {
        let (Some(f), Some(t)) = (b.node(&e.from_bus), b.node(&e.to_bus)) else {
            continue;
        };
        let sn = e.sn_mva;
        let y_f = C64::new(e.gf_pu.unwrap_or(0.0), e.bf_pu.unwrap_or(0.0)) * sn;
        let y_t = C64::new(
            e.gt_pu.or(e.gf_pu).unwrap_or(0.0),
            e.bt_pu.or(e.bf_pu).unwrap_or(0.0),
        ) * sn;
        let z = C64::new(e.rft_pu, e.xft_pu) / sn;
        series(
            &mut b.pos.branches,
            &mut b.pos.shunts,
            f,
            t,
            z,
            (y_f, y_t),
            Owner::Impedance(i),
        );
        if b.zero_needed {
            let need = |v: Option<f64>, field: &str| {
                v.ok_or_else(|| {
                    err(
                        format!("impedances[{}].{field}", e.id),
                        "required for earth faults",
                    )
                })
            };
            let z0 = C64::new(need(e.rft0_pu, "rft0_pu")?, need(e.xft0_pu, "xft0_pu")?) / sn;
            let y_f0 = C64::new(e.gf0_pu.unwrap_or(0.0), e.bf0_pu.unwrap_or(0.0)) * sn;
            let y_t0 = C64::new(
                e.gt0_pu.or(e.gf0_pu).unwrap_or(0.0),
                e.bt0_pu.or(e.bf0_pu).unwrap_or(0.0),
            ) * sn;
            let zero = &mut b.zero;
            series(
                &mut zero.branches,
                &mut zero.shunts,
                f,
                t,
                z0,
                (y_f0, y_t0),
                Owner::Impedance(i),
            );
        }
    }
    Ok(())
}

/// A series element with shunt parts at its ends. When both ends are one node (buses fused by
/// a closed switch) the series part carries nothing and only the shunt parts remain.
fn series(
    branches: &mut Vec<Branch>,
    shunts: &mut Vec<Shunt>,
    f: usize,
    t: usize,
    z: C64,
    (y_f, y_t): (C64, C64),
    owner: Owner,
) {
    if f != t {
        branches.push(Branch {
            f,
            t,
            z,
            ratio: 1.0,
            y_f,
            y_t,
            owner: Some(owner),
            shift_deg: 0.0,
        });
        return;
    }
    let y = y_f + y_t;
    if y.norm() > 0.0 {
        let z = C64::new(1.0, 0.0) / y;
        shunts.push(Shunt {
            node: f,
            z,
            z_peak: z,
            terminal: None,
            passive: true,
        });
    }
}

/// Closed bus-bus switches with an impedance: |Z| = z_ohm with R/X = 2 (pandapower's
/// short-circuit switch model), on the base of the switch's bus, in every sequence.
pub(super) fn add_switch_impedances(b: &mut Builder) {
    for (i, s) in b.c.switches.iter().enumerate() {
        if !s.is_impedance() {
            continue;
        }
        let (Some(f), Some(t)) = (b.node(&s.bus), b.node(&s.element)) else {
            continue;
        };
        let z = z_rx(s.z_ohm.unwrap_or(0.0), SWITCH_RX) / b.base_kv[f].powi(2);
        let none = (C64::default(), C64::default());
        series(
            &mut b.pos.branches,
            &mut b.pos.shunts,
            f,
            t,
            z,
            none,
            Owner::Switch(i),
        );
        if b.zero_needed {
            let zero = &mut b.zero;
            series(
                &mut zero.branches,
                &mut zero.shunts,
                f,
                t,
                z,
                none,
                Owner::Switch(i),
            );
        }
    }
}

/// Ward and extended ward equivalents: the impedance part as a shunt admittance
/// Y = (pz_mw + j·qz_mvar)/Un², i.e. pz + j·qz per unit at 1 MVA, in the positive (and
/// negative) sequence only, for both cases, as pandapower's short-circuit calculation. The
/// internal branch of an xward ends at a voltage source that is no short-circuit source, so it
/// carries no current and is left out.
pub(super) fn add_wards(b: &mut Builder) {
    let wards = b.c.wards.iter().filter(|w| w.in_service);
    let xwards = b.c.xwards.iter().filter(|w| w.in_service);
    let parts = wards
        .map(|w| (&w.bus, w.pz_mw, w.qz_mvar))
        .chain(xwards.map(|w| (&w.bus, w.pz_mw, w.qz_mvar)));
    for (bus, pz, qz) in parts {
        let Some(node) = b.node(bus) else { continue };
        let y = C64::new(pz, qz);
        if y.norm() == 0.0 {
            continue;
        }
        let z = C64::new(1.0, 0.0) / y;
        b.pos.shunts.push(Shunt {
            node,
            z,
            z_peak: z,
            terminal: None,
            passive: true,
        });
    }
}

/// Asynchronous static generators as impedances at the bus voltage Un, in the positive (and
/// negative) sequence, for both cases (pandapower):
/// - async: Z = 1/lrc_pu · Un²/sn_mva with R/X = rx (as a motor, IEC 60909-0 eq. 26);
/// - async_doubly_fed: Z = √2·κ·Un/(√3·max_ik_ka) with R/X = rx (IEC 60909-0 6.8, ZWD), and
///   the manufacturer's κ is the peak factor at its bus.
pub(super) fn add_async_generators(b: &mut Builder) {
    for s in b.c.static_generators.iter().filter(|s| s.in_service) {
        let Some(node) = b.node(&s.bus) else { continue };
        let vn = b.base_kv[node];
        // Ohm, then per unit at 1 MVA.
        let z_ohm = match s.generator_type {
            GeneratorType::CurrentSource => continue,
            GeneratorType::Async => match (s.sn_mva, s.lrc_pu) {
                (Some(sn), Some(lrc)) => vn * vn / (lrc * sn),
                _ => continue,
            },
            GeneratorType::AsyncDoublyFed => match (s.max_ik_ka, s.kappa) {
                (Some(ik), Some(kappa)) => {
                    let k = b.kappa_at.entry(node).or_insert(kappa);
                    *k = k.max(kappa);
                    SQRT_2 * kappa * vn / (SQRT_3 * ik)
                }
                _ => continue,
            },
        };
        let Some(rx) = s.rx else { continue };
        let z = z_rx(z_ohm, rx) / (vn * vn);
        b.pos.shunts.push(Shunt {
            node,
            z,
            z_peak: z,
            terminal: None,
            passive: false,
        });
    }
}
