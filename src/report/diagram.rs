//! The one-line diagram of a result: annotated with Ik'' per bus and coloured by level (see
//! `crate::diagram`); the whole circuit, or for large circuits the neighbourhood of one bus.

use crate::diagram::{Annotations, MAX_FULL_DIAGRAM_BUSES, RenderOptions};
use crate::sc::results::BusResult;
use crate::sc::{Circuit, ScResults};

use super::findings::bus_label;

/// Branch hops around the chosen bus drawn for circuits above [`MAX_FULL_DIAGRAM_BUSES`].
pub const NEIGHBOURHOOD_DEPTH: usize = 2;

pub struct DiagramView {
    /// The SVG markup from `diagram::render` (escaped there).
    pub svg: String,
    /// Shown when only a neighbourhood is drawn.
    pub note: String,
    /// For large circuits: the buses to choose the neighbourhood from (id, label, selected).
    pub choices: Vec<(String, String, bool)>,
}

/// The diagram of `circuit` with the results: whole, or for large circuits around `bus` (by
/// default the bus with the highest Ik''). `None` when there is no bus to centre on.
pub fn diagram_view(circuit: &Circuit, res: &ScResults, bus: Option<&str>) -> Option<DiagramView> {
    let annotations = Annotations::from_results(res);
    if circuit.buses.len() <= MAX_FULL_DIAGRAM_BUSES {
        let svg = crate::diagram::render(circuit, Some(&annotations), &RenderOptions::default());
        return Some(DiagramView {
            svg,
            note: String::new(),
            choices: Vec::new(),
        });
    }
    // Large: the neighbourhood of one bus; the choices list the buses by Ik'', highest first.
    let mut by_ikss: Vec<&BusResult> = res.buses.iter().collect();
    by_ikss.sort_by(|a, b| {
        b.ikss_ka
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.ikss_ka.unwrap_or(f64::NEG_INFINITY))
    });
    let centre = bus
        .filter(|id| circuit.buses.iter().any(|b| b.id == *id))
        .map(str::to_string)
        .or_else(|| by_ikss.first().map(|b| b.id.clone()))
        .or_else(|| circuit.buses.first().map(|b| b.id.clone()))?;
    let part = crate::diagram::neighbourhood(circuit, &centre, NEIGHBOURHOOD_DEPTH)?;
    let svg = crate::diagram::render(
        &part,
        Some(&annotations),
        &RenderOptions {
            highlight_bus: Some(centre.clone()),
            ..RenderOptions::default()
        },
    );
    let choices = by_ikss
        .iter()
        .map(|b| {
            let label = match b.ikss_ka {
                Some(v) => format!("{} · {v:.2} kA", bus_label(b)),
                None => format!("{} · not fed", bus_label(b)),
            };
            (b.id.clone(), label, b.id == centre)
        })
        .collect();
    Some(DiagramView {
        svg,
        note: format!(
            "The circuit has {} buses, more than a diagram can show at once: this is the part \
             within {NEIGHBOURHOOD_DEPTH} branches of bus {centre} ({} buses).",
            circuit.buses.len(),
            part.buses.len()
        ),
        choices,
    })
}
