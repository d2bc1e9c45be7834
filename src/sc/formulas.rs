//! Fault formulas of IEC 60909-0 at one bus: Ik'' for each fault type, Sk'', κ (methods B
//! and C), ip and Ith, from the sequence impedances at the fault location.

use super::model::Model;
use super::options::{Fault, KappaMethod, ScOptions};
use super::results::{BusResult, finite};
use num_complex::Complex64 as C64;
use std::f64::consts::SQRT_2;

const SQRT_3: f64 = 1.732_050_807_568_877_2;

/// Per-node impedances needed by the formulas.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct NodeZ {
    pub(super) z1: C64,
    /// None: no zero-sequence path.
    pub(super) z0: Option<C64>,
    /// Equivalent impedance at fc (method C), unscaled.
    pub(super) zc: Option<C64>,
    /// |Σ Z1[k,j] I_j| of the current sources.
    pub(super) source_sum: f64,
    /// UrG/Un at power-station unit terminals.
    pub(super) voltage_ratio: f64,
    /// Factor of κ method B: 1.15 where the bus is fed over parallel paths (eq. 59).
    pub(super) kappa_b_factor: f64,
}

/// fc/f of κ method C: fc = 20 Hz at 50 Hz and 24 Hz at 60 Hz (IEC 60909-0 8.1.3.2 c), so
/// the ratio is 0.4 for both frequencies.
pub(super) fn fc_ratio(_f: f64) -> f64 {
    0.4
}

/// κ = 1.02 + 0.98 e^(−3R/X) (eq. 55). Eq. (55) is defined for R/X ≥ 0 (κ ≤ 2, a DC
/// component that never grows); a negative R/X (negative resistances of network equivalents
/// outweighing the rest) gives κ = 2, its limit for R/X → 0, and so m = 2 in Ith.
pub fn kappa_of(rx: f64) -> f64 {
    let rx = if rx < 0.0 { 0.0 } else { rx };
    1.02 + 0.98 * (-3.0 * rx).exp()
}

/// Factor m of the DC component for Ith (eq. 102, IEC 60909-0:2016 Annex? / clause 12):
/// m = (e^(4 f Tk ln(κ−1)) − 1) / (2 f Tk ln(κ−1)); its limit for κ → 2 is 2.
pub fn m_factor(kappa: f64, f: f64, tk: f64) -> f64 {
    let l = (kappa - 1.0).ln();
    let a = 2.0 * f * tk * l;
    if a.abs() < 1e-12 {
        return 2.0;
    }
    ((2.0 * a).exp() - 1.0) / a
}

/// The fault impedance ZF in per unit at a node.
pub(super) fn fault_z(m: &Model, o: &ScOptions, node: usize) -> C64 {
    C64::new(o.r_fault_ohm, o.x_fault_ohm) / m.base_kv[node].powi(2)
}

pub(super) fn fill_bus(r: &mut BusResult, m: &Model, o: &ScOptions, node: usize, nz: &NodeZ) {
    let vb = m.base_kv[node];
    let zbase = vb * vb;
    let c = m.c[node];
    let zf = fault_z(m, o, node);
    let i_base = 1.0 / (SQRT_3 * vb); // kA per pu at 1 MVA
    let zk = nz.z1 + zf;
    r.rk_ohm = finite(zk.re * zbase);
    r.xk_ohm = finite(zk.im * zbase);
    let source = nz.source_sum / zk.norm() * i_base;
    let kappa = kappa_at(m, o, node, nz, zf);
    r.kappa = finite(kappa.ip);
    let (ik1, ik2) = match o.fault {
        Fault::ThreePhase => {
            // Eq. (29): Ik'' = c Un / (√3 |Zk|).
            let ik = c / zk.norm() * i_base * nz.voltage_ratio;
            r.skss_mva = finite(SQRT_3 * vb * (ik + source));
            (ik, source)
        }
        Fault::TwoPhase => {
            // Eq. (44): Ik2'' = c Un / |Z(1) + Z(2)|, Z(2) = Z(1). Fault impedance as pandapower.
            let ik = c / (2.0 * zk.norm()) / vb * nz.voltage_ratio;
            r.skss_mva = finite((ik + source) * vb / SQRT_3);
            (ik, source)
        }
        Fault::SinglePhase => {
            // Eq. (52): Ik1'' = √3 c Un / |2 Z(1) + Z(0)| (fault impedance 3 ZF).
            let ik = match nz.z0 {
                Some(z0) => {
                    let z0f = z0 + zf;
                    r.rk0_ohm = finite(z0f.re * zbase);
                    r.xk0_ohm = finite(z0f.im * zbase);
                    SQRT_3 * c / (zk * 2.0 + z0f).norm() / vb * nz.voltage_ratio
                }
                None => 0.0,
            };
            (ik, source)
        }
        Fault::TwoPhaseEarth => {
            // Eq. (56)-(58) with Z(2) = Z(1); without a zero-sequence path it is a 2ph fault.
            let z1 = nz.z1;
            match nz.z0 {
                Some(z0) => {
                    r.rk0_ohm = finite(z0.re * zbase);
                    r.xk0_ohm = finite(z0.im * zbase);
                    let a = C64::from_polar(1.0, 2.0 * std::f64::consts::PI / 3.0);
                    let d = (z1 * z1 + z1 * z0 * 2.0).norm() / nz.voltage_ratio;
                    let il2 = c * (z0 - a * z1).norm() / d / vb;
                    let il3 = c * (z0 - a * a * z1).norm() / d / vb;
                    r.ike_ka = finite(SQRT_3 * c * z1.norm() / d / vb);
                    (il2.max(il3), 0.0)
                }
                None => (c / (2.0 * z1.norm()) / vb * nz.voltage_ratio, 0.0),
            }
        }
    };
    let ik = ik1 + ik2;
    r.ikss_ka = finite(ik);
    // Eq. (54): ip = κ √2 Ik'' (current sources contribute √2 Ik'' only).
    r.ip_ka = finite(SQRT_2 * (kappa.ip * ik1 + ik2));
    // Eq. (100)-(102): Ith = Ik'' √(m + n), n = 1 (far-from-generator).
    r.ith_ka = finite(ik * (m_factor(kappa.dc, m.frequency_hz, o.tk_s) + 1.0).sqrt());
    // |Zk|, |Z(0)k| and Rk/Xk as PowerFactory and pandapower report them: from the same
    // impedances as Rk, Xk, R(0)k and X(0)k above (fault impedance included).
    r.zk_ohm = finite(zk.norm() * zbase);
    r.z0k_ohm = r
        .rk0_ohm
        .zip(r.xk0_ohm)
        .and_then(|(a, b)| finite(a.hypot(b)));
    r.rx = finite(zk.re / zk.im);
}

/// The peak factor for ip, and the one that describes the DC component's decay for the factor
/// m of Ith (eq. 102): the same, except that the latter never carries method B's safety
/// factor 1.15 or its cap, which are margins on the peak and not a property of the decay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Kappa {
    pub(super) ip: f64,
    pub(super) dc: f64,
}

/// R/X at the fault location below which method B needs no safety factor 1.15.
const KAPPA_B_RX_LIMIT: f64 = 0.3;

pub(super) fn kappa_at(m: &Model, o: &ScOptions, node: usize, nz: &NodeZ, zf: C64) -> Kappa {
    // A doubly fed asynchronous generator's own κ at its bus (pandapower's model).
    if let Some(k) = m.kappa_at.get(node).copied().flatten() {
        return Kappa { ip: k, dc: k };
    }
    let zk = nz.z1 + zf;
    match o.kappa_method {
        KappaMethod::C => {
            let k = match nz.zc {
                Some(zc) => {
                    let z = zc + zf;
                    kappa_of(z.re / z.im * fc_ratio(m.frequency_hz))
                }
                None => kappa_of(zk.re / zk.im),
            };
            Kappa { ip: k, dc: k }
        }
        KappaMethod::B => {
            // Eq. (55) with Rk/Xk at the fault; at a bus fed over parallel paths eq. (59)
            // κ(b) = 1.15 κ, at most 1.8 (LV) or 2.0 (MV, HV), unless R/X < 0.3. IEC TR
            // 60909-4 applies that condition to Rk/Xk at the fault location: its method-B
            // column carries no 1.15 at any node of its meshed network, although its 110 kV
            // lines have R/X = 0.31 (docs/validation.md).
            let rx = zk.re / zk.im;
            let k = kappa_of(rx);
            let ip = if nz.kappa_b_factor > 1.0 && rx >= KAPPA_B_RX_LIMIT {
                let cap = if m.base_kv[node] < 1.0 { 1.8 } else { 2.0 };
                (nz.kappa_b_factor * k).min(cap)
            } else {
                k
            };
            Kappa { ip, dc: k }
        }
    }
}
