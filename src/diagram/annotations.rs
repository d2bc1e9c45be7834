//! Result annotations: a label and a fault level per bus, drawn under the bus name with the bar
//! coloured on a sequential scale. The label always carries the number, so colour is never the
//! only carrier of information.

use super::text::three_digits;
use crate::sc::ScResults;
use std::collections::HashMap;

/// The Ik'' bands of the annotations: upper limits in kA (the last band is open), picked at
/// rated short-circuit breaking currents of switchgear (IEC 62271-100 R10 series), so that a
/// colour says which class of equipment the level calls for.
pub const BAND_LIMITS_KA: [f64; 4] = [10.0, 20.0, 31.5, 50.0];

/// One colour per band, lowest first: a sequential green → amber → red → purple scale, each
/// at least 4.5:1 against white so that values written in their band's colour stay readable.
pub const BAND_COLOURS: [&str; 5] = ["#2e7d32", "#8a6d00", "#c43e00", "#b71c1c", "#6a1b9a"];

/// The band of a value in kA (NaN counts as the lowest).
pub fn band_of(ka: f64) -> usize {
    BAND_LIMITS_KA
        .iter()
        .take_while(|&&limit| ka >= limit)
        .count()
}

/// The caption of band `i`, e.g. `< 10 kA`, `10 – 20 kA`, `≥ 50 kA`.
pub fn band_caption(i: usize) -> String {
    let n = BAND_LIMITS_KA.len();
    match i {
        0 => format!("< {} kA", BAND_LIMITS_KA[0]),
        i if i >= n => format!("≥ {} kA", BAND_LIMITS_KA[n - 1]),
        i => format!("{} – {} kA", BAND_LIMITS_KA[i - 1], BAND_LIMITS_KA[i]),
    }
}

/// What to show at one bus.
#[derive(Debug, Clone, PartialEq)]
pub struct BusAnnotation {
    /// Short text, e.g. `Ik'' 12.3 kA`.
    pub label: String,
    /// Index into [`BAND_COLOURS`] (see [`band_of`]).
    pub band: usize,
}

impl BusAnnotation {
    pub fn colour(&self) -> &'static str {
        BAND_COLOURS[self.band.min(BAND_COLOURS.len() - 1)]
    }
}

/// A row of the legend: a band's colour, caption and how many buses fall in it.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub colour: &'static str,
    pub caption: String,
    pub count: usize,
}

/// Annotations for a diagram, keyed by bus id, with the legend's title.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotations {
    pub bus_values: HashMap<String, BusAnnotation>,
    /// Legend caption, e.g. `Ik''`.
    pub legend_title: String,
}

impl Annotations {
    /// Ik'' per bus in kA, banded by [`BAND_LIMITS_KA`], labels with three significant
    /// digits. Non-finite and negative values are left out (an unfed bus has no result).
    pub fn from_ikss<S: AsRef<str>>(values: &[(S, f64)]) -> Self {
        let valid = |v: f64| v.is_finite() && v >= 0.0;
        let bus_values = values
            .iter()
            .filter(|(_, v)| valid(*v))
            .map(|(id, v)| {
                let annotation = BusAnnotation {
                    label: format!("Ik'' {} kA", three_digits(*v)),
                    band: band_of(*v),
                };
                (id.as_ref().to_string(), annotation)
            })
            .collect();
        Annotations {
            bus_values,
            legend_title: "Ik''".into(),
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

    /// Every band, lowest first, with the number of annotated buses in it (bands without a
    /// bus are listed too, so that the scale reads the same on every diagram).
    pub fn legend(&self) -> Vec<LegendEntry> {
        let mut counts = [0usize; BAND_COLOURS.len()];
        for a in self.bus_values.values() {
            counts[a.band.min(BAND_COLOURS.len() - 1)] += 1;
        }
        counts
            .iter()
            .enumerate()
            .map(|(i, &count)| LegendEntry {
                colour: BAND_COLOURS[i],
                caption: band_caption(i),
                count,
            })
            .collect()
    }
}

/// The colour of a position on a 0 (lowest) to 1 (highest) scale, by the band colours
/// (charts colouring relative values); NaN counts as 0.
pub fn level_colour(level: f64) -> String {
    let t = if level.is_nan() {
        0.0
    } else {
        level.clamp(0.0, 1.0)
    };
    let i = ((t * BAND_COLOURS.len() as f64) as usize).min(BAND_COLOURS.len() - 1);
    BAND_COLOURS[i].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ikss_values_fall_in_fixed_bands() {
        let a = Annotations::from_ikss(&[
            ("A", 55.0),
            ("B", 12.0),
            ("C", f64::NAN),
            ("D", -1.0),
            ("E", 9.99),
            ("F", 31.5),
        ]);
        assert_eq!(a.bus_values.len(), 4);
        assert_eq!(a.get("A").map(|x| x.band), Some(4));
        assert_eq!(a.get("B").map(|x| x.band), Some(1));
        assert_eq!(a.get("E").map(|x| x.band), Some(0));
        assert_eq!(a.get("F").map(|x| x.band), Some(3));
        assert_eq!(a.get("A").map(|x| x.label.as_str()), Some("Ik'' 55.0 kA"));
        assert_eq!(a.get("A").map(BusAnnotation::colour), Some("#6a1b9a"));
        let legend = a.legend();
        assert_eq!(legend.len(), 5);
        assert_eq!(
            legend.iter().map(|e| e.count).collect::<Vec<_>>(),
            [1, 1, 0, 1, 1]
        );
        assert_eq!(legend[0].caption, "< 10 kA");
        assert_eq!(legend[3].caption, "31.5 – 50 kA");
        assert_eq!(legend[4].caption, "≥ 50 kA");
    }

    #[test]
    fn colour_scale_ends() {
        assert_eq!(level_colour(0.0), "#2e7d32");
        assert_eq!(level_colour(1.0), "#6a1b9a");
        assert_eq!(level_colour(7.0), "#6a1b9a");
        assert_eq!(level_colour(f64::NAN), "#2e7d32");
    }
}
