//! IEC 60909-0:2016 short-circuit engine. Pure: no database, web or file I/O.
//!
//! Entry points: [`parse_input`] (circuit v1 or pandapower JSON, detected by content),
//! [`validate::validate`] and [`calc::calculate`].

pub mod admittance;
pub mod branch_currents;
pub mod calc;
pub mod circuit;
pub mod duty;
pub mod formulas;
pub mod meshing;
pub mod model;
pub mod options;
pub mod pandapower;
pub mod results;
pub mod sparse;
pub mod synthetic;
pub mod topology;
pub mod validate;
pub mod vector_group;

#[cfg(test)]
mod tests;

pub use calc::{CalcError, calculate};
pub use circuit::Circuit;
pub use options::{Case, Fault, KappaMethod, ScOptions};
pub use results::ScResults;

/// Input format, detected from the JSON content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    Circuit,
    Pandapower,
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read the JSON input: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "unknown input: expected an AmpFlux circuit (\"format\": \"ampflux-circuit\") or a pandapower network (to_json)"
    )]
    UnknownFormat,
    #[error("circuit: {0}")]
    Circuit(String),
    #[error("pandapower: {0}")]
    Pandapower(#[from] pandapower::ImportError),
}

/// A parsed input with the import warnings (pandapower conversion).
#[derive(Debug, Clone)]
pub struct Parsed {
    pub circuit: Circuit,
    pub format: InputFormat,
    pub warnings: Vec<String>,
}

/// The fields that tell the input formats apart; everything else is skipped without building
/// a JSON tree (a 100k-bus circuit is parsed once, straight into the typed structs).
#[derive(serde::Deserialize)]
struct Probe {
    format: Option<serde::de::IgnoredAny>,
    #[serde(rename = "_class")]
    class: Option<String>,
    bus: Option<serde::de::IgnoredAny>,
}

/// Parses a circuit v1 document or a pandapower `to_json` file.
pub fn parse_input(text: &str) -> Result<Parsed, InputError> {
    let probe: Probe = match serde_json::from_str(text) {
        Ok(probe) => probe,
        Err(e) => {
            // pandapower writes bare NaN/Infinity: accepted there (as missing values) only.
            let fixed = pandapower::non_finite_as_null(text);
            if matches!(fixed, std::borrow::Cow::Owned(_))
                && let Ok(probe) = serde_json::from_str::<Probe>(&fixed)
                && probe.format.is_none()
            {
                return parse_pandapower(&fixed);
            }
            return Err(e.into());
        }
    };
    let pandapower = probe.class.as_deref() == Some("pandapowerNet")
        || (probe.format.is_none() && probe.bus.is_some());
    if probe.format.is_some() || !pandapower {
        if probe.format.is_none() {
            return Err(InputError::UnknownFormat);
        }
        // Strict parsing explains a wrong format name or unknown fields with their position.
        let circuit: Circuit =
            serde_json::from_str(text).map_err(|e| InputError::Circuit(e.to_string()))?;
        return Ok(Parsed {
            circuit,
            format: InputFormat::Circuit,
            warnings: Vec::new(),
        });
    }
    parse_pandapower(text)
}

fn parse_pandapower(text: &str) -> Result<Parsed, InputError> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    if !pandapower::looks_like_pandapower(&value) {
        return Err(InputError::UnknownFormat);
    }
    let (circuit, warnings) = pandapower::import(&value)?;
    Ok(Parsed {
        circuit,
        format: InputFormat::Pandapower,
        warnings,
    })
}
