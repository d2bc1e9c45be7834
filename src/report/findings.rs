//! The results in plain words: over-dutied breakers first, then the highest current, buses
//! above their threshold (the rule is `sc::findings`), the largest branch currents, unfed buses
//! and warnings.

use std::fmt::Write as _;

use crate::sc::ScResults;
use crate::sc::findings::{FIXED_THRESHOLD_KA, RATING_SHARE, Thresholds, utilisation};
use crate::sc::results::{BusResult, DutyResult};

use super::format::{kv, list_names};
use super::tables::{by_current, sorted_duty};

pub struct Finding {
    /// `bad`, `warn` or `info`.
    pub level: &'static str,
    pub text: String,
}

impl Finding {
    fn new(level: &'static str, text: String) -> Finding {
        Finding { level, text }
    }
}

/// A bus as named in findings: `id (name)` when the name says more than the id.
pub fn bus_label(b: &BusResult) -> String {
    match &b.name {
        Some(n) if !n.is_empty() && *n != b.id => format!("{} ({n})", b.id),
        _ => b.id.clone(),
    }
}

/// The rule of the thresholds in words, for the calculation details.
pub fn describe_thresholds(limits: &Thresholds) -> String {
    let levels = limits.rated_levels();
    let mut s = String::new();
    for l in &levels {
        let _ = write!(
            s,
            "{} kV: {:.2} kA ({:.0} % of the lowest breaker rating, {} kA); ",
            kv(l.vn_kv),
            l.limit_ka,
            RATING_SHARE * 100.0,
            kv(l.rating_ka)
        );
    }
    let _ = write!(
        s,
        "{}{FIXED_THRESHOLD_KA} kA where no breaker is rated",
        if levels.is_empty() {
            "Ik'' above "
        } else {
            "other levels: "
        }
    );
    s
}

/// A failing breaker: which of its currents is over which rating.
fn over_duty(d: &DutyResult) -> Finding {
    let mut parts = Vec::new();
    if let (Some(ib), Some(rated), Some(u)) = (d.ib_ka, d.rated_ib_ka, d.ib_utilisation_percent)
        && u > 100.0
    {
        parts.push(format!(
            "its breaking current Ib {ib:.2} kA is {u:.1} % of its rating {} kA ({:.1} % over)",
            kv(rated),
            u - 100.0
        ));
    }
    if let (Some(ip), Some(rated), Some(u)) = (d.ip_ka, d.rated_ip_ka, d.ip_utilisation_percent)
        && u > 100.0
    {
        parts.push(format!(
            "its peak current ip {ip:.2} kA is {u:.1} % of its making rating {} kA ({:.1} % over)",
            kv(rated),
            u - 100.0
        ));
    }
    Finding::new(
        "bad",
        format!(
            "Breaker {} at bus {} is over its duty: {}.",
            d.switch,
            d.bus,
            parts.join("; ")
        ),
    )
}

/// Over-dutied breakers, or the most loaded one when all pass.
fn duty_findings(res: &ScResults, out: &mut Vec<Finding>) {
    let duty = sorted_duty(&res.duty);
    let failing: Vec<&&DutyResult> = duty.iter().filter(|d| d.status == "fail").collect();
    out.extend(failing.iter().map(|d| over_duty(d)));
    if failing.is_empty()
        && let Some(closest) = duty.iter().find(|d| d.status == "pass")
        && let Some(u) = utilisation(closest)
    {
        out.push(Finding::new(
            "info",
            format!(
                "All {} rated breaker{} are within their duty. The most loaded is {} at bus {}: \
                 {u:.1} % of its rating ({:.1} % margin).",
                res.duty.iter().filter(|d| d.status == "pass").count(),
                if res.duty.len() == 1 { "" } else { "s" },
                closest.switch,
                closest.bus,
                100.0 - u
            ),
        ));
    }
}

/// Buses above the thresholds: near a breaker rating of their level, or above the fixed
/// threshold where no breaker is rated.
fn threshold_findings(res: &ScResults, limits: &Thresholds, out: &mut Vec<Finding>) {
    let mut near_rating: Vec<String> = Vec::new();
    let mut above_fixed: Vec<String> = Vec::new();
    let mut above: Vec<&BusResult> = res.buses.iter().filter(|b| limits.is_above(b)).collect();
    above.sort_by(|a, b| {
        b.ikss_ka
            .unwrap_or(0.0)
            .total_cmp(&a.ikss_ka.unwrap_or(0.0))
    });
    for b in above {
        let ik = b.ikss_ka.unwrap_or_default();
        match limits.limit(b.vn_kv) {
            (_, Some(rating)) => near_rating.push(format!(
                "{} ({ik:.2} kA, {:.0} % of {} kA)",
                b.id,
                ik / rating * 100.0,
                kv(rating)
            )),
            (_, None) => above_fixed.push(format!("{} ({ik:.2} kA)", b.id)),
        }
    }
    let plural = |n: usize| {
        if n == 1 { ("", "has") } else { ("es", "have") }
    };
    if !near_rating.is_empty() {
        let (es, have) = plural(near_rating.len());
        out.push(Finding::new(
            "warn",
            format!(
                "{} bus{es} {have} Ik'' above {:.0} % of the lowest breaker rating at their \
                 voltage level: {}.",
                near_rating.len(),
                RATING_SHARE * 100.0,
                list_names(&near_rating, 10)
            ),
        ));
    }
    if !above_fixed.is_empty() {
        let (es, have) = plural(above_fixed.len());
        out.push(Finding::new(
            "warn",
            format!(
                "{} bus{es} {have} Ik'' above {FIXED_THRESHOLD_KA} kA at voltage levels without \
                 rated breakers: {}.",
                above_fixed.len(),
                list_names(&above_fixed, 10)
            ),
        ));
    }
}

/// The three largest branch currents.
fn branch_findings(res: &ScResults, out: &mut Vec<Finding>) {
    let names: Vec<String> = by_current(&res.branches)
        .into_iter()
        .filter(|b| b.ikss_ka.is_some())
        .take(3)
        .map(|b| {
            format!(
                "{} {} carries {:.2} kA{}",
                b.kind,
                b.id,
                b.ikss_ka.unwrap_or_default(),
                b.fault_bus
                    .as_ref()
                    .map(|f| format!(" (fault at {f})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    if !names.is_empty() {
        out.push(Finding::new(
            "info",
            format!("The largest branch currents: {}.", names.join("; ")),
        ));
    }
}

/// The results in plain words, most important first.
pub fn findings(res: &ScResults, limits: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    // Duty first: over-dutied equipment is the headline.
    duty_findings(res, &mut out);
    if let Some(top) = res
        .buses
        .iter()
        .filter(|b| b.ikss_ka.is_some())
        .max_by(|a, b| {
            a.ikss_ka
                .unwrap_or(0.0)
                .total_cmp(&b.ikss_ka.unwrap_or(0.0))
        })
    {
        out.push(Finding::new(
            "info",
            format!(
                "The highest Ik'' is {:.2} kA, at bus {} ({} kV).",
                top.ikss_ka.unwrap_or_default(),
                bus_label(top),
                kv(top.vn_kv)
            ),
        ));
    }
    threshold_findings(res, limits, &mut out);
    branch_findings(res, &mut out);
    let unfed: Vec<String> = res
        .buses
        .iter()
        .filter(|b| b.ikss_ka.is_none())
        .map(|b| b.id.clone())
        .collect();
    if !unfed.is_empty() {
        out.push(Finding::new(
            "warn",
            format!(
                "{} bus{} not fed by any source and ha{} no result: {}.",
                unfed.len(),
                if unfed.len() == 1 { " is" } else { "es are" },
                if unfed.len() == 1 { "s" } else { "ve" },
                list_names(&unfed, 10)
            ),
        ));
    }
    if !res.warnings.is_empty() {
        out.push(Finding::new(
            "warn",
            format!(
                "The calculation gave {} warning{} (listed below).",
                res.warnings.len(),
                if res.warnings.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{breaker, bus, stored_with};
    use super::*;

    #[test]
    fn findings_name_overdutied_breakers_and_buses_near_their_levels_ratings() {
        let mut hv = bus("HV", Some(30.0));
        hv.vn_kv = 110.0;
        let mut hv2 = bus("HV2", Some(45.0));
        hv2.vn_kv = 110.0;
        let buses = vec![
            hv,
            hv2,
            bus("MV", Some(15.0)),
            bus("MV2", Some(10.0)),
            bus("X", None),
        ];
        let r = stored_with(
            buses,
            vec![
                breaker("CB2", "MV2", 10.0, 20.0),
                breaker("CB1", "MV", 15.0, 12.5),
            ],
        );
        let limits = Thresholds::new(&r.results.buses, &r.results.duty);
        assert_eq!(limits.limit(20.0), (12.5 * RATING_SHARE, Some(12.5)));
        assert_eq!(limits.limit(110.0), (FIXED_THRESHOLD_KA, None));
        let texts: Vec<String> = findings(&r.results, &limits)
            .into_iter()
            .map(|f| f.text)
            .collect();
        assert!(
            texts[0].starts_with("Breaker CB1 at bus MV is over its duty: its breaking current Ib 15.00 kA is 120.0 % of its rating 12.5 kA (20.0 % over)"),
            "{texts:?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("The highest Ik'' is 45.00 kA, at bus HV2 (110 kV)"))
        );
        assert!(texts.iter().any(|t| t.contains("1 bus has Ik'' above 90 % of the lowest breaker rating at their voltage level: MV (15.00 kA, 120 % of 12.5 kA)")), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains("1 bus has Ik'' above 40 kA at voltage levels without rated breakers: HV2 (45.00 kA)")), "{texts:?}");
        assert!(
            texts.iter().any(|t| t.starts_with("1 bus is not fed")),
            "{texts:?}"
        );
        assert_eq!(
            describe_thresholds(&limits),
            "20 kV: 11.25 kA (90 % of the lowest breaker rating, 12.5 kA); other levels: 40 kA \
             where no breaker is rated"
        );
    }

    #[test]
    fn all_breakers_within_duty_names_the_most_loaded() {
        let r = stored_with(
            vec![bus("MV", Some(5.0))],
            vec![breaker("CB1", "MV", 5.0, 20.0)],
        );
        let limits = Thresholds::new(&r.results.buses, &r.results.duty);
        let texts: Vec<String> = findings(&r.results, &limits)
            .into_iter()
            .map(|f| f.text)
            .collect();
        assert_eq!(
            texts[0],
            "All 1 rated breaker are within their duty. The most loaded is CB1 at bus MV: 25.0 % \
             of its rating (75.0 % margin)."
        );
        assert_eq!(
            describe_thresholds(&Thresholds::default()),
            "Ik'' above 40 kA where no breaker is rated"
        );
    }
}
