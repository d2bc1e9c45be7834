//! Numbers and labels as the result pages print them.

use std::fmt::Write as _;

use crate::sc::{Case, Fault, ScOptions};

/// A value with `decimals` decimals; empty when there is none.
pub fn fixed(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}")).unwrap_or_default()
}

/// `digits` significant digits without exponent (impedances span 1e-4 to 1e2 ohm).
pub fn significant(v: Option<f64>, digits: i32) -> String {
    match v {
        None => String::new(),
        Some(x) if x.abs() < f64::MIN_POSITIVE => "0".into(),
        Some(x) => {
            let magnitude = x.abs().log10().floor() as i32;
            let decimals = (digits - 1 - magnitude).clamp(0, 9) as usize;
            format!("{x:.decimals$}")
        }
    }
}

/// A result on screen: 4 significant digits (`14.52`, `503.1`, `0.1234`); empty when none.
pub fn sig_opt(v: Option<f64>) -> String {
    significant(v, 4)
}

/// [`sig_opt`] of a value that is there.
pub fn sig(v: f64) -> String {
    significant(Some(v), 4)
}

/// A voltage (or rating) without trailing zeros: `20`, `0.4`, `10.5`.
pub fn kv(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub fn fault_label(f: Fault) -> &'static str {
    match f {
        Fault::ThreePhase => "three-phase (3ph)",
        Fault::TwoPhase => "line-to-line (2ph)",
        Fault::TwoPhaseEarth => "line-to-line-to-earth (2phg)",
        Fault::SinglePhase => "line-to-earth (1ph)",
    }
}

pub fn case_label(c: Case) -> &'static str {
    match c {
        Case::Max => "maximum",
        Case::Min => "minimum",
    }
}

/// `max` or `min`.
pub fn case_short(c: Case) -> &'static str {
    match c {
        Case::Max => "max",
        Case::Min => "min",
    }
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        "pending" => "Queued",
        "running" => "Running",
        "completed" => "Completed",
        "failed" => "Failed",
        "cancelled" => "Cancelled",
        _ => "Unknown",
    }
}

pub fn duration_label(ms: Option<i64>) -> String {
    match ms {
        None => String::new(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) => format!("{:.1} s", ms as f64 / 1000.0),
    }
}

/// A calculation time given in microseconds, with two or three significant digits:
/// `0.042 ms`, `0.42 ms`, `4.2 ms`, `12 ms`, `1.3 s`.
pub fn duration_label_us(us: Option<i64>) -> String {
    match us {
        None => String::new(),
        Some(us) if us < 1 => "< 0.001 ms".into(),
        Some(us) if us < 100 => format!("{:.3} ms", us as f64 / 1000.0),
        Some(us) if us < 1_000 => format!("{:.2} ms", us as f64 / 1000.0),
        Some(us) if us < 10_000 => format!("{:.1} ms", us as f64 / 1000.0),
        Some(us) if us < 1_000_000 => format!("{:.0} ms", us as f64 / 1000.0),
        Some(us) => format!("{:.1} s", us as f64 / 1_000_000.0),
    }
}

/// One run in a line: `#12 · short circuit · 3ph max · version 3`.
pub fn run_label(id: i64, simulation_type: &str, o: &ScOptions, version: i32) -> String {
    format!(
        "#{id} · {} · {} {} · version {version}",
        simulation_type.replace('_', " "),
        o.fault.as_str(),
        case_short(o.case),
    )
}

/// Names up to `max` items, then `and N more`.
pub fn list_names(names: &[String], max: usize) -> String {
    let mut s = names
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > max {
        let _ = write!(s, " and {} more", names.len() - max);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits() {
        assert_eq!(significant(Some(0.012345), 4), "0.01235");
        assert_eq!(significant(Some(12.345), 4), "12.35");
        assert_eq!(significant(Some(1234.5), 4), "1234");
        assert_eq!(significant(None, 4), "");
        assert_eq!(sig(14.5234), "14.52");
        assert_eq!(sig(503.14), "503.1");
        assert_eq!(sig_opt(Some(1.8023)), "1.802");
        assert_eq!(kv(20.0), "20");
        assert_eq!(kv(0.4), "0.4");
        assert_eq!(kv(10.5), "10.5");
    }

    #[test]
    fn labels() {
        let o = ScOptions::default();
        assert_eq!(
            run_label(7, "short_circuit", &o, 2),
            format!(
                "#7 · short circuit · {} {} · version 2",
                o.fault.as_str(),
                case_short(o.case)
            )
        );
        assert_eq!(duration_label(Some(999)), "999 ms");
        assert_eq!(duration_label(Some(1500)), "1.5 s");
        assert_eq!(duration_label_us(Some(0)), "< 0.001 ms");
        assert_eq!(duration_label_us(Some(42)), "0.042 ms");
        assert_eq!(duration_label_us(Some(420)), "0.42 ms");
        assert_eq!(duration_label_us(Some(4_240)), "4.2 ms");
        assert_eq!(duration_label_us(Some(12_300)), "12 ms");
        assert_eq!(duration_label_us(Some(1_260_000)), "1.3 s");
        assert_eq!(duration_label_us(None), "");
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(list_names(&names, 2), "a, b and 1 more");
    }
}
