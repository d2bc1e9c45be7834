//! Zero-sequence networks of two-winding transformers.

use super::{Branch, Builder, ModelError, Owner, Shunt, err, z_from};
use crate::sc::vector_group::{Connection, VectorGroup};
use num_complex::Complex64 as C64;

/// Zero-sequence model of a two-winding transformer by vector group (clause 6.3.2, Table 2).
#[allow(clippy::too_many_arguments)]
pub(super) fn add_transformer_zero(
    b: &mut Builder,
    ti: usize,
    f: usize,
    to: usize,
    ratio: f64,
    kt: f64,
    k_unit: Option<f64>,
) -> Result<(), ModelError> {
    let t = &b.c.transformers[ti];
    let path = |field: &str| format!("transformers[{}].{field}", t.id);
    let vg_text = t
        .vector_group
        .as_deref()
        .ok_or_else(|| err(path("vector_group"), "required for earth faults"))?;
    let vg =
        VectorGroup::parse(vg_text, 2).map_err(|e| err(path("vector_group"), e.to_string()))?;
    let key = vg.key();
    if !vg.hv().earthed() && !vg.lv().earthed() {
        return Ok(()); // no zero-sequence path through the transformer
    }
    let zigzag = matches!(vg.hv(), Connection::Z | Connection::Zn)
        || matches!(vg.lv(), Connection::Z | Connection::Zn);
    if zigzag && k_unit.is_some() {
        return Err(err(
            path("vector_group"),
            format!("zero-sequence model of {vg_text} in a power-station unit is not supported"),
        ));
    }
    let vk0 = t
        .vk0_percent
        .filter(|v| v.abs() > 1e-8)
        .unwrap_or(t.vk_percent);
    let vkr0 = t
        .vkr0_percent
        .filter(|v| v.abs() > 1e-8)
        .unwrap_or(t.vkr_percent);
    let (vb_hv, vb_lv) = (b.base_kv[f], b.base_kv[to]);
    let tap_lv = (t.vn_lv_kv / vb_lv).powi(2);
    let tap_hv = (t.vn_hv_kv / vb_hv).powi(2);
    // Impedances are on the HV base for YNd and YNy, on the LV base otherwise.
    let on_hv = key == "ynd" || key == "yny";
    let tap = if on_hv { tap_hv } else { tap_lv };
    let z_abs = vk0 / 100.0 / t.sn_mva * tap;
    let r_abs = vkr0 / 100.0 / t.sn_mva * tap;
    let mut z0 = z_from(z_abs, r_abs) / t.parallel * kt;
    let zn = C64::new(0.0, t.xn_ohm.unwrap_or(0.0));
    if let Some(ks) = k_unit {
        // Eq. (26): Z(0)S = KS · Z(0)THV + 3 ZN, referred to the HV side.
        let vkx0 = (vk0 * vk0 - vkr0 * vkr0).max(0.0).sqrt();
        let z_othv = C64::new(vkr0, vkx0) / 100.0 * (t.vn_hv_kv.powi(2) / t.sn_mva) / t.parallel;
        z0 = (z_othv * ks + zn * 3.0) / vb_hv.powi(2);
    } else if zn.norm() > 0.0 {
        let v_earth = if vg.hv().earthed() { vb_hv } else { vb_lv };
        z0 += zn * 3.0 / v_earth.powi(2);
    }
    let mag0 = t.mag0_percent.unwrap_or(100.0) / 100.0;
    let mag0_rx = t.mag0_rx.unwrap_or(0.0);
    let zm = z_abs * mag0;
    let xm = zm / (mag0_rx * mag0_rx + 1.0).sqrt();
    let z_mag = C64::new(xm * mag0_rx, xm) / t.parallel;
    // The earthing shunt carries the zero-sequence current of that winding's terminal.
    let shunt = |b: &mut Builder, node: usize, z: C64, terminal: usize| {
        b.zero.shunts.push(Shunt {
            node,
            z,
            z_peak: z,
            terminal: Some((Owner::Trafo(ti), terminal)),
            passive: false,
        });
    };
    if zigzag {
        // A zigzag winding carries zero-sequence current with the ampere-turns of its two
        // half-windings cancelling on each limb, so it decouples the zero-sequence systems of
        // the two sides (IEC 60909-0 6.3.2; IEC TR 60909-4 earthing transformers). Its
        // zero-sequence impedance is the one measured at the zigzag terminals (vk0_percent,
        // vkr0_percent, with KT), plus 3 ZN at the zigzag star point. An earthed star on the
        // other side has only its magnetizing path (as in YNy); a delta, an unearthed star or
        // an unearthed zigzag no zero-sequence path.
        let side = |b: &Builder, node: usize, vn: f64| {
            let tap = (vn / b.base_kv[node]).powi(2);
            let z = z_from(vk0 / 100.0 / t.sn_mva * tap, vkr0 / 100.0 / t.sn_mva * tap);
            z / t.parallel * kt
        };
        let ends = [(vg.hv(), f, t.vn_hv_kv, 0), (vg.lv(), to, t.vn_lv_kv, 1)];
        for (conn, node, vn, terminal) in ends {
            match conn {
                Connection::Zn => {
                    let z = side(b, node, vn) + zn * 3.0 / b.base_kv[node].powi(2);
                    shunt(b, node, z, terminal);
                }
                Connection::Yn => {
                    let z = z_mag * (vn / b.base_kv[node]).powi(2) / tap + side(b, node, vn);
                    shunt(b, node, z, terminal);
                }
                _ => {}
            }
        }
        return Ok(());
    }
    match key.as_str() {
        "dyn" => shunt(b, to, z0, 1),
        "ynd" => shunt(b, f, z0, 0),
        "yyn" => shunt(b, to, z_mag + z0, 1),
        "yny" => shunt(b, f, z_mag + z0, 0),
        "ynyn" => {
            // T equivalent (HV part si0·Z0, LV part (1−si0)·Z0, magnetizing branch), as a π.
            let si0 = t.si0_hv_partial.unwrap_or(0.5);
            let (z1, z2, z3) = (z0 * si0, z0 * (1.0 - si0), z_mag);
            let zt = z1 * z2 + z2 * z3 + z1 * z3;
            let (za, zb, zc) = (zt / z2, zt / z1, zt / z3);
            b.zero.branches.push(Branch {
                f,
                t: to,
                z: zc,
                ratio,
                y_f: C64::new(1.0, 0.0) / za,
                y_t: C64::new(1.0, 0.0) / zb,
                owner: Some(Owner::Trafo(ti)),
                shift_deg: 0.0,
            });
        }
        _ => {
            return Err(err(
                path("vector_group"),
                format!("zero-sequence model of {vg_text} is not supported"),
            ));
        }
    }
    Ok(())
}
