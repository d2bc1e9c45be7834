//! When a result deserves a mention: the thresholds of the findings beside the duty check. A
//! bus is named when its Ik'' is above [`RATING_SHARE`] of the lowest rated breaking current of
//! the breakers at its voltage level, or above [`FIXED_THRESHOLD_KA`] at levels without rated
//! breakers. Pure: no I/O, no wording (the report module words the findings).

use std::collections::HashMap;

use super::results::{BusResult, DutyResult};

/// Buses above this Ik'' are named in the findings when no breaker has a rating.
pub const FIXED_THRESHOLD_KA: f64 = 40.0;
/// Buses above this share of the lowest breaker rating are named in the findings.
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

/// The threshold of each voltage level with rated breakers (see the module doc).
#[derive(Debug, Clone, Default)]
pub struct Thresholds {
    /// Voltage level → (threshold kA, lowest rating kA).
    rated: HashMap<i64, (f64, f64)>,
}

/// One voltage level with rated breakers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatedLevel {
    pub vn_kv: f64,
    /// Ik'' above this is named, kA.
    pub limit_ka: f64,
    /// The lowest rated breaking current at the level, kA.
    pub rating_ka: f64,
}

impl Thresholds {
    /// The thresholds of a result: its buses' voltages and its breakers' ratings.
    pub fn new(buses: &[BusResult], duty: &[DutyResult]) -> Thresholds {
        let vn: HashMap<&str, f64> = buses.iter().map(|b| (b.id.as_str(), b.vn_kv)).collect();
        let mut rated: HashMap<i64, (f64, f64)> = HashMap::new();
        for d in duty {
            let (Some(rating), Some(v)) = (d.rated_ib_ka, vn.get(d.bus.as_str())) else {
                continue;
            };
            if rating <= 0.0 || !rating.is_finite() {
                continue;
            }
            let entry = rated
                .entry(level_key(*v))
                .or_insert((rating * RATING_SHARE, rating));
            if rating < entry.1 {
                *entry = (rating * RATING_SHARE, rating);
            }
        }
        Thresholds { rated }
    }

    /// The threshold for a bus of this voltage, and the breaker rating it comes from (`None`:
    /// the fixed threshold).
    pub fn limit(&self, vn_kv: f64) -> (f64, Option<f64>) {
        match self.rated.get(&level_key(vn_kv)) {
            Some(&(limit, rating)) => (limit, Some(rating)),
            None => (FIXED_THRESHOLD_KA, None),
        }
    }

    /// Whether the bus's Ik'' is above its threshold.
    pub fn is_above(&self, b: &BusResult) -> bool {
        b.ikss_ka.is_some_and(|v| v > self.limit(b.vn_kv).0)
    }

    /// The levels with rated breakers, highest voltage first.
    pub fn rated_levels(&self) -> Vec<RatedLevel> {
        let mut levels: Vec<(i64, (f64, f64))> = self.rated.iter().map(|(k, v)| (*k, *v)).collect();
        levels.sort_by_key(|(k, _)| std::cmp::Reverse(*k));
        levels
            .into_iter()
            .map(|(k, (limit_ka, rating_ka))| RatedLevel {
                vn_kv: k as f64 / 1000.0,
                limit_ka,
                rating_ka,
            })
            .collect()
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
        assert_eq!(t.limit(20.0), (16.0 * RATING_SHARE, Some(16.0)));
        assert_eq!(t.limit(110.0), (FIXED_THRESHOLD_KA, None));
        assert_eq!(t.limit(0.4), (FIXED_THRESHOLD_KA, None));
        let mut hot = bus("B", 20.0);
        hot.ikss_ka = Some(14.5);
        assert!(t.is_above(&hot));
        hot.ikss_ka = Some(14.3);
        assert!(!t.is_above(&hot));
        assert_eq!(t.rated_levels().len(), 1);
        assert_eq!(utilisation(&duty[0]), Some(70.0));
    }
}
