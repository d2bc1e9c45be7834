//! Calculation options (serde: they are stored with every simulation).

use serde::{Deserialize, Serialize};

/// Fault type (IEC 60909-0 1.3 / 4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Fault {
    /// Balanced three-phase fault.
    #[serde(rename = "3ph")]
    ThreePhase,
    /// Line-to-line fault without earth connection.
    #[serde(rename = "2ph")]
    TwoPhase,
    /// Line-to-line fault with earth connection.
    #[serde(rename = "2phg")]
    TwoPhaseEarth,
    /// Line-to-earth fault.
    #[serde(rename = "1ph")]
    SinglePhase,
}

impl Fault {
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::ThreePhase => "3ph",
            Fault::TwoPhase => "2ph",
            Fault::TwoPhaseEarth => "2phg",
            Fault::SinglePhase => "1ph",
        }
    }
    /// True when the zero-sequence network is needed.
    pub fn needs_zero_sequence(self) -> bool {
        matches!(self, Fault::TwoPhaseEarth | Fault::SinglePhase)
    }
}

/// Maximum or minimum short-circuit currents (IEC 60909-0 4.3.1 / 4.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Case {
    Max,
    Min,
}

/// Method for the peak factor κ in meshed networks (IEC 60909-0 8.1.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KappaMethod {
    /// Uniform ratio R/X at the fault location with factor 1.15 (eq. 59).
    B,
    /// Equivalent frequency fc (eq. 60-62).
    C,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScOptions {
    pub fault: Fault,
    pub case: Case,
    /// Low-voltage tolerance, 6 or 10 percent (Table 1); any number equal to one of them
    /// (10, 10.0, 1e1) is accepted.
    #[serde(deserialize_with = "deserialize_lv_tol")]
    pub lv_tol_percent: u8,
    pub kappa_method: KappaMethod,
    /// Fault duration Tk for Ith, seconds.
    pub tk_s: f64,
    /// Minimum time delay tmin for the breaking current Ib (IEC 60909-0 9.1.1, factors μ
    /// and q), seconds: the shortest time from the start of the short circuit to the
    /// separation of the first pole of the breaker.
    pub tmin_s: f64,
    pub r_fault_ohm: f64,
    pub x_fault_ohm: f64,
    /// Fault locations; all buses when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buses: Vec<String>,
    /// Branch currents: the largest over the selected fault locations.
    pub branch_results: bool,
}

impl Default for ScOptions {
    fn default() -> Self {
        ScOptions {
            fault: Fault::ThreePhase,
            case: Case::Max,
            lv_tol_percent: 10,
            kappa_method: KappaMethod::C,
            tk_s: 1.0,
            tmin_s: 0.1,
            r_fault_ohm: 0.0,
            x_fault_ohm: 0.0,
            buses: Vec::new(),
            branch_results: false,
        }
    }
}

/// The low-voltage tolerance as engineers write it: any number equal to 6 or 10 ("10",
/// "10.0", " 6 ", "1e1"), in percent.
pub fn parse_lv_tol(text: &str) -> Result<u8, String> {
    match text.trim().replace(',', ".").parse::<f64>() {
        Ok(v) => lv_tol_of(v).ok_or_else(|| format!("must be 6 or 10 (got {})", text.trim())),
        Err(_) => Err(format!("must be 6 or 10 (got \"{}\")", text.trim())),
    }
}

fn lv_tol_of(v: f64) -> Option<u8> {
    if v == 6.0 {
        Some(6)
    } else if v == 10.0 {
        Some(10)
    } else {
        None
    }
}

fn deserialize_lv_tol<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let v = f64::deserialize(d)?;
    lv_tol_of(v).ok_or_else(|| serde::de::Error::custom(format!("must be 6 or 10 (got {v})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lv_tolerance_as_engineers_write_it() {
        for (text, want) in [
            ("10", 10),
            ("10.0", 10),
            (" 6 ", 6),
            ("6,0", 6),
            ("1e1", 10),
        ] {
            assert_eq!(parse_lv_tol(text), Ok(want), "{text}");
        }
        for text in ["7", "", "ten", "NaN", "10.5"] {
            assert!(parse_lv_tol(text).is_err(), "{text}");
        }
        let o: ScOptions = serde_json::from_str(r#"{"lv_tol_percent": 6.0, "tk_s": 1}"#).unwrap();
        assert_eq!((o.lv_tol_percent, o.tk_s), (6, 1.0));
        assert!(serde_json::from_str::<ScOptions>(r#"{"lv_tol_percent": 8}"#).is_err());
    }
}
