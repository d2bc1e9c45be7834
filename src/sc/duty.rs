//! Equipment duty check: circuit breakers against the results at their bus, with the
//! symmetrical breaking current Ib of IEC 60909-0:2016 clause 9.1.

use super::admittance::Variant;
use super::circuit::{Circuit, SwitchType};
use super::model::{MachineKind, Model};
use super::options::{Fault, ScOptions};
use super::results::{BusResult, DutyResult, finite};
use super::solve::{CalcError, Solved, fault_voltages};
use std::collections::HashMap;

const SQRT_3: f64 = 1.732_050_807_568_877_2;

/// The minimum time delays for which eq. (70) and (73) give curves, seconds.
const TMIN: [f64; 4] = [0.02, 0.05, 0.10, 0.25];

/// Linear interpolation in tmin between the curves (the outermost curve outside the range).
fn interpolate(tmin: f64, f: impl Fn(usize) -> f64) -> f64 {
    if tmin <= TMIN[0] {
        return f(0);
    }
    for i in 1..TMIN.len() {
        if tmin <= TMIN[i] {
            let w = (tmin - TMIN[i - 1]) / (TMIN[i] - TMIN[i - 1]);
            return f(i - 1) * (1.0 - w) + f(i) * w;
        }
    }
    f(TMIN.len() - 1)
}

/// Factor μ of the decay of the symmetrical short-circuit current (IEC 60909-0:2016 eq. 70)
/// for I''kG/IrG (or I''kM/IrM) = `x`: at most 1, and 1 when x ≤ 2.
pub fn mu(x: f64, tmin_s: f64) -> f64 {
    if x <= 2.0 {
        return 1.0;
    }
    const A: [(f64, f64, f64); 4] = [
        (0.84, 0.26, 0.26),
        (0.71, 0.51, 0.30),
        (0.62, 0.72, 0.32),
        (0.56, 0.94, 0.38),
    ];
    interpolate(tmin_s, |i| A[i].0 + A[i].1 * (-A[i].2 * x).exp()).min(1.0)
}

/// Factor q of the decay of asynchronous motor currents (IEC 60909-0:2016 eq. 73) for the
/// rated active power per pair of poles `m_mw` (MW); at most 1.
pub fn q(m_mw: f64, tmin_s: f64) -> f64 {
    const A: [(f64, f64); 4] = [(1.03, 0.12), (0.79, 0.12), (0.57, 0.12), (0.26, 0.10)];
    let ln = m_mw.ln();
    interpolate(tmin_s, |i| A[i].0 + A[i].1 * ln).clamp(0.0, 1.0)
}

/// Breaking current Ib (kA) at the given buses (bus index, node, Ik'' in kA).
///
/// 3ph faults, eq. (75): Ib = Ik'' − Σ (ΔU''Gi / (c Un/√3)) (1 − μi) I''kGi
/// − Σ (ΔU''Mj / (c Un/√3)) (1 − μj qj) I''kMj, with the partial currents I''kGi and the
/// voltage differences ΔU''Gi at the machine terminals from the same equivalent-source solution
/// as Ik''. For a single-fed fault at a machine's terminals it is μ·Ik'' (eq. 70) or μ·q·Ik''
/// (eq. 72); with network feeders only (far from generator) it is Ik'' (eq. 69); current
/// sources do not decay. Unbalanced faults: Ib = Ik'' (clause 9.1.4 / 9.1.5, flux decay not
/// considered).
pub(super) fn breaking_currents(
    m: &Model,
    o: &ScOptions,
    targets: &[(usize, usize, f64)],
) -> Result<HashMap<usize, f64>, CalcError> {
    let mut out: HashMap<usize, f64> = targets.iter().map(|&(b, _, ik)| (b, ik)).collect();
    if o.fault != Fault::ThreePhase || m.machines.is_empty() || targets.is_empty() {
        return Ok(out);
    }
    let all = vec![true; m.n];
    let main = Solved::new(m, &m.pos, &all, Variant::default())?;
    for &(bi, node, ik) in targets {
        let Some((dv, unit)) = fault_voltages(m, &m.pos, &m.ps_units, &main, o, node)? else {
            continue;
        };
        let mut decay = 0.0;
        for mc in &m.machines {
            let z = match unit {
                Some(u) if u.shunt == mc.shunt => u.z_own,
                _ => m.pos.shunts[mc.shunt].z,
            };
            let v = dv[mc.node]; // ΔU'' at the machine terminals, pu (zero outside the network)
            let ik_m = (v / z).norm() / (SQRT_3 * m.base_kv[mc.node]); // kA
            if ik_m <= 0.0 {
                continue;
            }
            let du = (v.norm() / m.c[mc.node]).min(1.0);
            let x = ik_m / mc.ir_ka;
            let factor = match mc.kind {
                MachineKind::Synchronous { .. } => mu(x, o.tmin_s),
                MachineKind::Asynchronous { mw_per_pole_pair } => {
                    mu(x, o.tmin_s) * mw_per_pole_pair.map_or(1.0, |p| q(p, o.tmin_s))
                }
            };
            decay += du * (1.0 - factor) * ik_m;
        }
        out.insert(bi, (ik - decay).max(0.0));
    }
    Ok(out)
}

/// Duty check of circuit breakers with ratings against the results at their bus: Ib against
/// rated_ib_ka, ip against rated_ip_ka. `ib` holds the breaking current per bus index.
pub fn duty_check(c: &Circuit, buses: &[BusResult], ib: &HashMap<String, f64>) -> Vec<DutyResult> {
    c.switches
        .iter()
        .filter(|s| duty_switch(s))
        .filter_map(|s| {
            let r = buses.iter().find(|b| b.id == s.bus)?;
            let util = |v: Option<f64>, rated: Option<f64>| match (v, rated) {
                (Some(v), Some(rt)) => finite(v / rt * 100.0),
                _ => None,
            };
            let ib_ka = r.ikss_ka.map(|ik| ib.get(&r.id).copied().unwrap_or(ik));
            let ib_u = util(ib_ka, s.rated_ib_ka);
            let ip_u = util(r.ip_ka, s.rated_ip_ka);
            let status = if r.ikss_ka.is_none() {
                "unknown"
            } else if ib_u.unwrap_or(0.0) > 100.0 || ip_u.unwrap_or(0.0) > 100.0 {
                "fail"
            } else {
                "pass"
            };
            Some(DutyResult {
                switch: s.id.clone(),
                bus: s.bus.clone(),
                ikss_ka: r.ikss_ka,
                ib_ka,
                rated_ib_ka: s.rated_ib_ka,
                ib_utilisation_percent: ib_u,
                ip_ka: r.ip_ka,
                rated_ip_ka: s.rated_ip_ka,
                ip_utilisation_percent: ip_u,
                status: status.into(),
            })
        })
        .collect()
}

/// Circuit breakers in service with at least one rating.
pub(super) fn duty_switch(s: &super::circuit::Switch) -> bool {
    s.in_service
        && s.switch_type == Some(SwitchType::CB)
        && (s.rated_ib_ka.is_some() || s.rated_ip_ka.is_some())
}
