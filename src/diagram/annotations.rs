//! Result annotations: a label and a fault level per bus, drawn under the bus name with the bar
//! coloured on a sequential scale. The label always carries the number, so colour is never the
//! only carrier of information.

use super::text::three_digits;
use crate::sc::ScResults;
use std::collections::HashMap;

/// What to show at one bus.
#[derive(Debug, Clone, PartialEq)]
pub struct BusAnnotation {
    /// Short text, e.g. `Ik'' 12.3 kA`.
    pub label: String,
    /// Position on the colour scale, 0 (lowest) to 1 (highest); clamped when drawn.
    pub level: f64,
}

/// Annotations for a diagram, keyed by bus id, with the legend's captions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotations {
    pub bus_values: HashMap<String, BusAnnotation>,
    /// Legend caption, e.g. `Ik'' (kA)`.
    pub legend_title: String,
    /// Texts at the low and high ends of the legend's scale.
    pub legend_low: String,
    pub legend_high: String,
}

impl Annotations {
    /// Ik'' per bus in kA: levels relative to the largest value, labels with three significant
    /// digits. Non-finite and negative values are left out (an unfed bus has no result).
    pub fn from_ikss<S: AsRef<str>>(values: &[(S, f64)]) -> Self {
        let valid = |v: f64| v.is_finite() && v >= 0.0;
        let max = values
            .iter()
            .map(|(_, v)| *v)
            .filter(|v| valid(*v))
            .fold(0.0, f64::max);
        let bus_values = values
            .iter()
            .filter(|(_, v)| valid(*v))
            .map(|(id, v)| {
                let annotation = BusAnnotation {
                    label: format!("Ik'' {} kA", three_digits(*v)),
                    level: if max > 0.0 { v / max } else { 0.0 },
                };
                (id.as_ref().to_string(), annotation)
            })
            .collect();
        Annotations {
            bus_values,
            legend_title: "Ik'' (kA)".into(),
            legend_low: "0".into(),
            legend_high: three_digits(max),
        }
    }

    /// [`Annotations::from_ikss`] over the buses of a calculation that have an Ik''.
    pub fn from_results(results: &ScResults) -> Self {
        let values: Vec<(&str, f64)> = results
            .buses
            .iter()
            .filter_map(|b| b.ikss_ka.map(|v| (b.id.as_str(), v)))
            .collect();
        Self::from_ikss(&values)
    }

    pub fn get(&self, bus_id: &str) -> Option<&BusAnnotation> {
        self.bus_values.get(bus_id)
    }

    pub fn is_empty(&self) -> bool {
        self.bus_values.is_empty()
    }
}

/// Sequential scale green → amber → red as `#rrggbb`; NaN counts as 0.
pub fn level_colour(level: f64) -> String {
    const GREEN: [f64; 3] = [46.0, 125.0, 50.0];
    const AMBER: [f64; 3] = [240.0, 160.0, 0.0];
    const RED: [f64; 3] = [198.0, 40.0, 40.0];
    let t = if level.is_nan() {
        0.0
    } else {
        level.clamp(0.0, 1.0)
    };
    let (a, b, u) = if t < 0.5 {
        (GREEN, AMBER, t * 2.0)
    } else {
        (AMBER, RED, t * 2.0 - 1.0)
    };
    let mix = |i: usize| (a[i] + (b[i] - a[i]) * u).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(0), mix(1), mix(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ikss_levels_are_relative_to_the_largest_value() {
        let a = Annotations::from_ikss(&[("A", 20.0), ("B", 10.0), ("C", f64::NAN), ("D", -1.0)]);
        assert_eq!(a.bus_values.len(), 2);
        assert_eq!(a.get("A").map(|x| x.level), Some(1.0));
        assert_eq!(a.get("B").map(|x| x.level), Some(0.5));
        assert_eq!(a.get("A").map(|x| x.label.as_str()), Some("Ik'' 20.0 kA"));
        assert_eq!(a.legend_high, "20.0");
        let zero = Annotations::from_ikss(&[("A".to_string(), 0.0)]);
        assert_eq!(zero.get("A").map(|x| x.level), Some(0.0));
    }

    #[test]
    fn colour_scale_ends() {
        assert_eq!(level_colour(0.0), "#2e7d32");
        assert_eq!(level_colour(0.5), "#f0a000");
        assert_eq!(level_colour(1.0), "#c62828");
        assert_eq!(level_colour(7.0), "#c62828");
        assert_eq!(level_colour(f64::NAN), "#2e7d32");
    }
}
