//! When a result deserves a mention: the thresholds of the findings beside the duty check,
//! all from the circuit's equipment ratings. A bus is named when its breaking current Ib
//! (Ik'' where Ib is not known) is above [`RATING_SHARE`] of the lowest rated breaking
//! current of the breakers at its voltage level; levels without rated breakers are not
//! checked (no fixed threshold stands in for a missing rating). Pure: no I/O, no wording
//! (the report module words the findings).

use std::collections::HashMap;

use super::results::{BusResult, DutyResult};

/// Buses above this share of the lowest breaker rating of their level are named.
pub const RATING_SHARE: f64 = 0.9;

/// A voltage level as a map key (kV to the volt).
fn level_key(vn_kv: f64) -> i64 {
    (vn_kv * 1000.0).round() as i64
}

/// The higher of a breaker's two utilisations, percent.
pub fn utilisation(d: &DutyResult) -> Option<f64> {
    match (d.ib_utilisation_percent, d.ip_utilisation_percent) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The current a bus is checked with against breaker ratings: Ib, else Ik''.
pub fn checked_current(b: &BusResult) -> Option<f64> {
    b.ib_ka.or(b.ikss_ka)
}

/// The threshold of each voltage level with rated breakers (see the module doc).
#[derive(Debug, Clone, Default)]
pub struct Thresholds {
    rated: HashMap<i64, RatedLevel>,
}

/// One voltage level with rated breakers.
#[derive(Debug, Clone, PartialEq)]
pub struct RatedLevel {
    pub vn_kv: f64,
    /// Ib above this is named, kA.
    pub limit_ka: f64,
    /// The lowest rated breaking current at the level, kA.
    pub rating_ka: f64,
    /// The breaker (switch id) with that rating.
    pub switch: String,
}

impl Thresholds {
    /// The thresholds of a result: its buses' voltages and its breakers' ratings.
    pub fn new(buses: &[BusResult], duty: &[DutyResult]) -> Thresholds {
        let vn: HashMap<&str, f64> = buses.iter().map(|b| (b.id.as_str(), b.vn_kv)).collect();
        let mut rated: HashMap<i64, RatedLevel> = HashMap::new();
        for d in duty {
            let (Some(rating), Some(&v)) = (d.rated_ib_ka, vn.get(d.bus.as_str())) else {
                continue;
            };
            if rating <= 0.0 || !rating.is_finite() {
                continue;
            }
            let level = RatedLevel {
                vn_kv: v,
                limit_ka: rating * RATING_SHARE,
                rating_ka: rating,
                switch: d.switch.clone(),
            };
            match rated.get(&level_key(v)) {
                Some(l) if l.rating_ka <= rating => {}
                _ => {
                    rated.insert(level_key(v), level);
                }
            }
        }
        Thresholds { rated }
    }

    /// The rated level of a bus of this voltage; `None`: no breaker rating, not checked.
    pub fn limit(&self, vn_kv: f64) -> Option<&RatedLevel> {
        self.rated.get(&level_key(vn_kv))
    }

    /// Whether the bus's Ib (or Ik'') is above its level's threshold.
    pub fn is_above(&self, b: &BusResult) -> bool {
        match (self.limit(b.vn_kv), checked_current(b)) {
            (Some(l), Some(v)) => v > l.limit_ka,
            _ => false,
        }
    }

    /// The levels with rated breakers, highest voltage first.
    pub fn rated_levels(&self) -> Vec<RatedLevel> {
        let mut levels: Vec<RatedLevel> = self.rated.values().cloned().collect();
        levels.sort_by(|a, b| b.vn_kv.total_cmp(&a.vn_kv));
        levels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bus(id: &str, vn_kv: f64) -> BusResult {
        BusResult {
            id: id.into(),
            vn_kv,
            ..Default::default()
        }
    }

    fn breaker(bus: &str, rated: Option<f64>) -> DutyResult {
        DutyResult {
            switch: format!("CB-{bus}"),
            bus: bus.into(),
            ikss_ka: None,
            ib_ka: None,
            rated_ib_ka: rated,
            ib_utilisation_percent: Some(50.0),
            ip_ka: None,
            rated_ip_ka: None,
            ip_utilisation_percent: Some(70.0),
            status: "pass".into(),
        }
    }

    #[test]
    fn the_lowest_rating_of_a_level_sets_its_threshold() {
        let buses = [
            bus("A", 20.0),
            bus("B", 20.0),
            bus("C", 110.0),
            bus("D", 0.4),
        ];
        let duty = [
            breaker("A", Some(25.0)),
            breaker("B", Some(16.0)),
            breaker("D", Some(0.0)),
            breaker("C", None),
        ];
        let t = Thresholds::new(&buses, &duty);
        let l = t.limit(20.0).unwrap();
        assert_eq!((l.limit_ka, l.rating_ka), (16.0 * RATING_SHARE, 16.0));
        assert_eq!(l.switch, "CB-B");
        assert!(t.limit(110.0).is_none());
        assert!(t.limit(0.4).is_none());
        let mut hot = bus("B", 20.0);
        hot.ikss_ka = Some(14.5);
        assert!(t.is_above(&hot));
        hot.ikss_ka = Some(14.3);
        assert!(!t.is_above(&hot));
        // Ib, where known, is what a breaker breaks.
        hot.ikss_ka = Some(20.0);
        hot.ib_ka = Some(14.3);
        assert!(!t.is_above(&hot));
        // Unrated levels are never above anything.
        let mut hv = bus("C", 110.0);
        hv.ikss_ka = Some(90.0);
        assert!(!t.is_above(&hv));
        assert_eq!(t.rated_levels().len(), 1);
        assert_eq!(utilisation(&duty[0]), Some(70.0));
    }
}
