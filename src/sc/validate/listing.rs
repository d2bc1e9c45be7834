//! Warnings that list elements (unfed buses, negative impedances): one short line each, never
//! one line per element of a large network.

use super::{Problem, Severity};
use crate::sc::circuit::Circuit;
use crate::sc::topology::Topology;

/// `"a", "b", … and N more`: at most [`LISTED_IDS`] ids, so a warning stays one short line.
pub(crate) fn listed(ids: &[&str]) -> String {
    let shown: Vec<String> = ids
        .iter()
        .take(LISTED_IDS)
        .map(|id| format!("\"{id}\""))
        .collect();
    let more = if ids.len() > LISTED_IDS {
        format!(" and {} more", ids.len() - LISTED_IDS)
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

/// Ids named in a warning that lists elements.
pub const LISTED_IDS: usize = 8;

/// One warning per element kind listing the elements with negative series resistances or
/// reactances (network equivalents in real data, e.g. PEGASE): computed as given.
pub(super) fn negative_impedance_warnings(c: &Circuit) -> Vec<Problem> {
    let neg = |vs: &[Option<f64>]| vs.iter().flatten().any(|v| *v < 0.0);
    let lines: Vec<&str> = c
        .lines
        .iter()
        .filter(|l| {
            neg(&[
                Some(l.r_ohm_per_km),
                Some(l.x_ohm_per_km),
                l.r0_ohm_per_km,
                l.x0_ohm_per_km,
            ])
        })
        .map(|l| l.id.as_str())
        .collect();
    let trafos: Vec<&str> = c
        .transformers
        .iter()
        .filter(|t| {
            neg(&[
                Some(t.vk_percent),
                Some(t.vkr_percent),
                t.vk0_percent,
                t.vkr0_percent,
            ])
        })
        .map(|t| t.id.as_str())
        .collect();
    let trafos3w: Vec<&str> = c
        .transformers3w
        .iter()
        .filter(|t| {
            neg(&[
                Some(t.vk_hv_percent),
                Some(t.vk_mv_percent),
                Some(t.vk_lv_percent),
                Some(t.vkr_hv_percent),
                Some(t.vkr_mv_percent),
                Some(t.vkr_lv_percent),
                t.vk0_hv_percent,
                t.vk0_mv_percent,
                t.vk0_lv_percent,
                t.vkr0_hv_percent,
                t.vkr0_mv_percent,
                t.vkr0_lv_percent,
            ])
        })
        .map(|t| t.id.as_str())
        .collect();
    [
        ("lines", "line(s)", "r/x_ohm_per_km", lines),
        ("transformers", "transformer(s)", "vk/vkr_percent", trafos),
        ("transformers3w", "three-winding transformer(s)", "vk/vkr_percent", trafos3w),
    ]
    .into_iter()
    .filter(|(_, _, _, ids)| !ids.is_empty())
    .map(|(kind, noun, fields, ids)| Problem {
        severity: Severity::Warning,
        path: format!("{kind}[{}]", ids[0]),
        message: format!(
            "{} {noun} with a negative {fields} (network equivalents; computed as given, a negative reactance is capacitive): {}",
            ids.len(),
            listed(&ids)
        ),
    })
    .collect()
}

/// A warning listing the in-service buses that no external grid or generator feeds.
pub fn unfed_warning(c: &Circuit, topo: &Topology) -> Option<Problem> {
    let unfed: Vec<&str> = c
        .buses
        .iter()
        .enumerate()
        .filter(|(i, b)| b.in_service && !topo.fed[*i])
        .map(|(_, b)| b.id.as_str())
        .collect();
    if unfed.is_empty() {
        return None;
    }
    Some(Problem {
        severity: Severity::Warning,
        path: format!("buses[{}]", unfed[0]),
        message: format!(
            "{} bus(es) without any source ({}); their results are absent",
            unfed.len(),
            listed(&unfed)
        ),
    })
}
