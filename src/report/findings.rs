//! The results in plain words: over-dutied breakers first, then the highest current, buses
//! near the breaker ratings of their level (the rule is `sc::findings`), what could not be
//! checked for lack of a rating, the largest branch currents, unfed buses and warnings. Every
//! element is named as engineers name it ([`Names`]) and every check says which rating it is
//! against.

use std::fmt::Write as _;

use crate::sc::findings::{RATING_SHARE, Thresholds, checked_current, utilisation};
use crate::sc::results::{BusResult, DutyResult};
use crate::sc::{Circuit, ScResults};

use super::format::{kv, list_names, sig};
use super::names::{Names, kind_label};
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

/// A bus as the diagram labels it: `id (name)` when the name says more than the id.
pub fn bus_label(b: &BusResult) -> String {
    match &b.name {
        Some(n) if !n.is_empty() && *n != b.id => format!("{} ({n})", b.id),
        _ => b.id.clone(),
    }
}

/// The rule of the thresholds in words, for the calculation details.
pub fn describe_thresholds(limits: &Thresholds, names: &Names) -> String {
    let levels = limits.rated_levels();
    if levels.is_empty() {
        return "No breaker has a rated breaking current: buses are not checked against a rating"
            .into();
    }
    let mut s = String::new();
    for l in &levels {
        let _ = write!(
            s,
            "{} kV: Ib above {} kA ({:.0} % of the lowest rated breaking current, {} kA of {}); ",
            kv(l.vn_kv),
            sig(l.limit_ka),
            RATING_SHARE * 100.0,
            kv(l.rating_ka),
            names.switch(&l.switch)
        );
    }
    s.push_str("other levels have no rated breaker and are not checked");
    s
}

/// A failing breaker: which of its currents is over which rating.
fn over_duty(d: &DutyResult, names: &Names) -> Finding {
    let mut parts = Vec::new();
    if let (Some(ib), Some(rated), Some(u)) = (d.ib_ka, d.rated_ib_ka, d.ib_utilisation_percent)
        && u > 100.0
    {
        parts.push(format!(
            "Ib {} kA > rated breaking current {} kA ({u:.1} %)",
            sig(ib),
            kv(rated)
        ));
    }
    if let (Some(ip), Some(rated), Some(u)) = (d.ip_ka, d.rated_ip_ka, d.ip_utilisation_percent)
        && u > 100.0
    {
        parts.push(format!(
            "ip {} kA > rated making current {} kA ({u:.1} %)",
            sig(ip),
            kv(rated)
        ));
    }
    Finding::new(
        "bad",
        format!(
            "{} at bus {}: {}.",
            names.switch(&d.switch),
            names.bus(&d.bus),
            parts.join("; ")
        ),
    )
}

/// The rating that sets a breaker's utilisation, in words: `Ib 12.0 kA, 80.0 % of its rated
/// breaking current 15 kA`.
fn against(d: &DutyResult) -> Option<String> {
    let ib = d.ib_utilisation_percent.unwrap_or(f64::NEG_INFINITY);
    let ip = d.ip_utilisation_percent.unwrap_or(f64::NEG_INFINITY);
    if ib >= ip {
        Some(format!(
            "Ib {} kA, {ib:.1} % of its rated breaking current {} kA",
            sig(d.ib_ka?),
            kv(d.rated_ib_ka?)
        ))
    } else {
        Some(format!(
            "ip {} kA, {ip:.1} % of its rated making current {} kA",
            sig(d.ip_ka?),
            kv(d.rated_ip_ka?)
        ))
    }
}

/// Over-dutied breakers, or the most loaded one when all pass.
fn duty_findings(res: &ScResults, names: &Names, out: &mut Vec<Finding>) {
    let duty = sorted_duty(&res.duty);
    let failing: Vec<&&DutyResult> = duty.iter().filter(|d| d.status == "fail").collect();
    out.extend(failing.iter().map(|d| over_duty(d, names)));
    if failing.is_empty()
        && let Some(closest) = duty.iter().find(|d| d.status == "pass")
        && let Some(u) = utilisation(closest)
        && let Some(what) = against(closest)
    {
        let n = res.duty.iter().filter(|d| d.status == "pass").count();
        out.push(Finding::new(
            "info",
            format!(
                "All {n} rated breaker{} within {} ratings. The most loaded is {} at bus {}: {what} ({:.1} % margin).",
                if n == 1 { " is" } else { "s are" },
                if n == 1 { "its" } else { "their" },
                names.switch(&closest.switch),
                names.bus(&closest.bus),
                100.0 - u
            ),
        ));
    }
}

/// Buses near the lowest breaker rating of their level, and the levels without a rating.
fn threshold_findings(res: &ScResults, limits: &Thresholds, names: &Names, out: &mut Vec<Finding>) {
    let mut above: Vec<&BusResult> = res.buses.iter().filter(|b| limits.is_above(b)).collect();
    above.sort_by(|a, b| {
        checked_current(b)
            .unwrap_or(0.0)
            .total_cmp(&checked_current(a).unwrap_or(0.0))
    });
    let near: Vec<String> = above
        .iter()
        .filter_map(|b| {
            let l = limits.limit(b.vn_kv)?;
            let v = checked_current(b)?;
            let what = if b.ib_ka.is_some() { "Ib" } else { "Ik''" };
            Some(format!(
                "{} ({what} {} kA, {:.0} % of the rated breaking current {} kA of {})",
                names.bus(&b.id),
                sig(v),
                v / l.rating_ka * 100.0,
                kv(l.rating_ka),
                names.switch(&l.switch)
            ))
        })
        .collect();
    if !near.is_empty() {
        let (es, have) = if near.len() == 1 {
            ("", "has")
        } else {
            ("es", "have")
        };
        out.push(Finding::new(
            "warn",
            format!(
                "{} bus{es} {have} a breaking current above {:.0} % of the lowest rated breaking current at their voltage level: {}.",
                near.len(),
                RATING_SHARE * 100.0,
                list_names(&near, 10)
            ),
        ));
    }
    // Voltage levels with results but no rated breaker: said, not guessed.
    let mut unrated: Vec<f64> = Vec::new();
    for b in res.buses.iter().filter(|b| b.ikss_ka.is_some()) {
        if limits.limit(b.vn_kv).is_none() && !unrated.iter().any(|v| (v - b.vn_kv).abs() < 1e-3) {
            unrated.push(b.vn_kv);
        }
    }
    if !unrated.is_empty() && !res.buses.is_empty() {
        unrated.sort_by(|a, b| b.total_cmp(a));
        let levels: Vec<String> = unrated.iter().map(|v| format!("{} kV", kv(*v))).collect();
        out.push(Finding::new(
            "info",
            format!(
                "Not checked against a breaking rating (no breaker with rated_ib_ka at the level): buses at {}.",
                list_names(&levels, 6)
            ),
        ));
    }
}

/// Lines and cables against their thermal limits: the circuit format carries `max_i_ka`, a
/// continuous rating, and no short-time withstand current (Ithr for Tkr, IEC 60909-0 clause
/// 12 / IEC 60865-1) to set Ith over tk against, so they are named as not checked.
fn line_findings(
    res: &ScResults,
    circuit: Option<&Circuit>,
    names: &Names,
    out: &mut Vec<Finding>,
) {
    let Some(c) = circuit else { return };
    let lines: Vec<String> = c
        .lines
        .iter()
        .filter(|l| l.in_service)
        .map(|l| names.element("line", &l.id))
        .collect();
    if lines.is_empty() {
        return;
    }
    let rated = c.lines.iter().filter(|l| l.max_i_ka.is_some()).count();
    out.push(Finding::new(
        "info",
        format!(
            "Lines and cables not checked for short-circuit withstand (Ith {} s): the circuit has no short-time rating for them{}: {}.",
            kv(res.options.tk_s),
            if rated > 0 {
                format!(
                    " ({rated} give max_i_ka, a continuous rating, which is not a short-time withstand current)"
                )
            } else {
                String::new()
            },
            list_names(&lines, 10)
        ),
    ));
}

/// The three largest branch currents.
fn branch_findings(res: &ScResults, names: &Names, out: &mut Vec<Finding>) {
    let texts: Vec<String> = by_current(&res.branches)
        .into_iter()
        .filter(|b| b.ikss_ka.is_some())
        .take(3)
        .map(|b| {
            format!(
                "{} {} carries {} kA{}",
                kind_label(&b.kind).to_lowercase(),
                names.element(&b.kind, &b.id),
                sig(b.ikss_ka.unwrap_or_default()),
                b.fault_bus
                    .as_ref()
                    .map(|f| format!(" (fault at {})", names.bus(f)))
                    .unwrap_or_default()
            )
        })
        .collect();
    if !texts.is_empty() {
        out.push(Finding::new(
            "info",
            format!("The largest branch currents: {}.", texts.join("; ")),
        ));
    }
}

/// The results in plain words, most important first. `circuit` is the simulated version's
/// (for the lines' ratings); `None` when it cannot be read any more.
pub fn findings(
    res: &ScResults,
    limits: &Thresholds,
    names: &Names,
    circuit: Option<&Circuit>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    // Duty first: over-dutied equipment is the headline.
    duty_findings(res, names, &mut out);
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
                "The highest Ik'' is {} kA, at bus {} ({} kV).",
                sig(top.ikss_ka.unwrap_or_default()),
                names.bus(&top.id),
                kv(top.vn_kv)
            ),
        ));
    }
    threshold_findings(res, limits, names, &mut out);
    line_findings(res, circuit, names, &mut out);
    branch_findings(res, names, &mut out);
    let unfed: Vec<String> = res
        .buses
        .iter()
        .filter(|b| b.ikss_ka.is_none())
        .map(|b| names.bus(&b.id))
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
    fn findings_name_overdutied_breakers_and_the_rating_they_are_against() {
        let mut hv = bus("HV", Some(30.0));
        hv.vn_kv = 110.0;
        let mut hv2 = bus("HV2", Some(45.0));
        hv2.vn_kv = 110.0;
        let mut feeder = bus("7", Some(15.0));
        feeder.name = Some("Feeder A".into());
        feeder.ib_ka = Some(14.0);
        let buses = vec![hv, hv2, feeder, bus("MV2", Some(10.0)), bus("X", None)];
        let r = stored_with(
            buses,
            vec![
                breaker("CB2", "MV2", 10.0, 20.0),
                breaker("CB-3", "7", 15.0, 12.5),
            ],
        );
        let names = Names::new(None, &r.results.buses);
        let limits = Thresholds::new(&r.results.buses, &r.results.duty);
        let texts: Vec<String> = findings(&r.results, &limits, &names, None)
            .into_iter()
            .map(|f| f.text)
            .collect();
        assert_eq!(
            texts[0],
            "CB-3 at bus Feeder A: Ib 15.00 kA > rated breaking current 12.5 kA (120.0 %)."
        );
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("The highest Ik'' is 45.00 kA, at bus HV2 (110 kV)"))
        );
        assert!(texts.iter().any(|t| t.contains("1 bus has a breaking current above 90 % of the lowest rated breaking current at their voltage level: Feeder A (Ib 14.00 kA, 112 % of the rated breaking current 12.5 kA of CB-3)")), "{texts:?}");
        // No fixed threshold: 45 kA at an unrated level is "not checked", not "above 40 kA".
        assert!(
            texts.iter().any(
                |t| t.contains("Not checked against a breaking rating") && t.contains("110 kV")
            ),
            "{texts:?}"
        );
        assert!(!texts.iter().any(|t| t.contains("40 kA")), "{texts:?}");
        assert!(
            texts.iter().any(|t| t.starts_with("1 bus is not fed")),
            "{texts:?}"
        );
        assert_eq!(
            describe_thresholds(&limits, &names),
            "20 kV: Ib above 11.25 kA (90 % of the lowest rated breaking current, 12.5 kA of \
             CB-3); other levels have no rated breaker and are not checked"
        );
    }

    #[test]
    fn all_breakers_within_duty_names_the_most_loaded_and_its_rating() {
        let r = stored_with(
            vec![bus("MV", Some(5.0))],
            vec![breaker("CB1", "MV", 5.0, 20.0)],
        );
        let names = Names::new(None, &r.results.buses);
        let limits = Thresholds::new(&r.results.buses, &r.results.duty);
        let texts: Vec<String> = findings(&r.results, &limits, &names, None)
            .into_iter()
            .map(|f| f.text)
            .collect();
        assert_eq!(
            texts[0],
            "All 1 rated breaker is within its ratings. The most loaded is CB1 at bus MV: Ib \
             5.000 kA, 25.0 % of its rated breaking current 20 kA (75.0 % margin)."
        );
        assert_eq!(
            describe_thresholds(&Thresholds::default(), &names),
            "No breaker has a rated breaking current: buses are not checked against a rating"
        );
    }

    #[test]
    fn lines_without_a_short_time_rating_are_not_checked() {
        let c = crate::sc::parse_input(
            r#"{"format": "ampflux-circuit", "version": 1,
              "buses": [{"id": "a", "vn_kv": 20}, {"id": "b", "vn_kv": 20}],
              "lines": [{"id": "L1", "name": "Cable north", "from_bus": "a", "to_bus": "b",
                         "length_km": 1, "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.1, "max_i_ka": 0.4}]}"#,
        )
        .unwrap()
        .circuit;
        let r = stored_with(vec![bus("a", Some(5.0))], Vec::new());
        let names = Names::new(Some(&c), &r.results.buses);
        let texts: Vec<String> = findings(&r.results, &Thresholds::default(), &names, Some(&c))
            .into_iter()
            .map(|f| f.text)
            .collect();
        assert!(
            texts.iter().any(|t| t
                .starts_with("Lines and cables not checked for short-circuit withstand (Ith 1 s)")
                && t.contains("max_i_ka, a continuous rating")
                && t.ends_with(": Cable north.")),
            "{texts:?}"
        );
    }
}
