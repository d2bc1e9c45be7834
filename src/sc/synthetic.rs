//! Synthetic networks with realistic parameters for benches, property tests and the
//! pandapower timing comparison: a 110 kV grid infeed, 110/20 kV transformers (one per 500
//! buses) and 20 kV cable feeders, radial or meshed (one extra cable per 10 buses).

use super::circuit::*;

/// Small deterministic generator (SplitMix64) so that networks are reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

fn cable(rng: &mut Rng, id: String, from: String, to: String) -> Line {
    let r = rng.uniform(0.1, 0.32);
    let x = rng.uniform(0.09, 0.14);
    Line {
        id,
        name: None,
        from_bus: from,
        to_bus: to,
        length_km: rng.uniform(0.2, 2.0),
        r_ohm_per_km: r,
        x_ohm_per_km: x,
        c_nf_per_km: rng.uniform(200.0, 350.0),
        r0_ohm_per_km: Some(4.0 * r),
        x0_ohm_per_km: Some(3.5 * x),
        c0_nf_per_km: Some(rng.uniform(150.0, 300.0)),
        parallel: 1.0,
        endtemp_degree: Some(90.0),
        max_i_ka: Some(0.4),
        in_service: true,
    }
}

/// A network with `n_buses` buses (at least 3).
pub fn network(n_buses: usize, meshed: bool, seed: u64) -> Circuit {
    let mut rng = Rng::new(seed);
    let n = n_buses.max(3);
    let mut c = Circuit::new(format!(
        "synthetic {} {n}",
        if meshed { "meshed" } else { "radial" }
    ));
    let bus = |id: String, vn_kv: f64| Bus {
        id,
        name: None,
        vn_kv,
        in_service: true,
        layout: None,
    };
    c.buses.push(bus("HV".into(), 110.0));
    c.external_grids.push(ExternalGrid {
        id: "Q".into(),
        name: None,
        bus: "HV".into(),
        s_sc_max_mva: 5000.0,
        s_sc_min_mva: Some(2000.0),
        rx_max: Some(0.1),
        rx_min: Some(0.12),
        x0x_max: Some(1.5),
        r0x0_max: Some(0.1),
        x0x_min: Some(1.5),
        r0x0_min: Some(0.1),
        in_service: true,
    });
    let n_trafos = (n / 500).max(1);
    let mut mv: Vec<String> = Vec::with_capacity(n);
    for t in 0..n_trafos {
        let id = format!("S{t}");
        c.buses.push(bus(id.clone(), 20.0));
        c.transformers.push(Transformer {
            id: format!("T{t}"),
            name: None,
            hv_bus: "HV".into(),
            lv_bus: id.clone(),
            sn_mva: 40.0,
            vn_hv_kv: 110.0,
            vn_lv_kv: 20.0,
            vk_percent: 12.0,
            vkr_percent: 0.4,
            vector_group: Some("Dyn5".into()),
            vk0_percent: Some(11.0),
            vkr0_percent: Some(0.4),
            mag0_percent: Some(100.0),
            mag0_rx: Some(0.0),
            si0_hv_partial: Some(0.9),
            xn_ohm: None,
            tap_side: None,
            tap_neutral: None,
            tap_pos: None,
            tap_min: None,
            tap_max: None,
            tap_step_percent: None,
            oltc: false,
            pt_percent: None,
            power_station_unit: false,
            parallel: 1.0,
            in_service: true,
        });
        mv.push(id);
    }
    let mut k = 0;
    while c.buses.len() < n {
        let id = format!("B{k}");
        // Attach near the end of the list: feeders grow long rather than star-shaped.
        let len = mv.len();
        let parent = mv[len - 1 - rng.below(len.min(8))].clone();
        c.buses.push(bus(id.clone(), 20.0));
        c.lines
            .push(cable(&mut rng, format!("L{k}"), parent, id.clone()));
        mv.push(id);
        k += 1;
    }
    if meshed {
        // Ring closures between nearby buses (networks are geographically local), one per 10.
        for m in 0..(mv.len() / 10) {
            let i = rng.below(mv.len());
            let j = i.saturating_sub(5 + rng.below(60));
            if i != j {
                c.lines.push(cable(
                    &mut rng,
                    format!("M{m}"),
                    mv[i].clone(),
                    mv[j].clone(),
                ));
            }
        }
    }
    c
}
