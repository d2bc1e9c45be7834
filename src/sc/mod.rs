//! IEC 60909-0:2016 short-circuit engine. Pure: no database, web or file I/O.
//!
//! Entry points: [`parse_input`] (circuit v1 or pandapower JSON, detected by content),
//! [`validate::validate`] and [`calc::calculate`].

pub mod admittance;
pub mod calc;
pub mod circuit;
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
    #[error("not valid JSON: {0}")]
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

/// Parses a circuit v1 document or a pandapower `to_json` file.
pub fn parse_input(text: &str) -> Result<Parsed, InputError> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    if value.get("format").and_then(|f| f.as_str()) == Some(circuit::FORMAT_NAME) {
        let circuit: Circuit =
            serde_json::from_str(text).map_err(|e| InputError::Circuit(e.to_string()))?;
        return Ok(Parsed {
            circuit,
            format: InputFormat::Circuit,
            warnings: Vec::new(),
        });
    }
    if pandapower::looks_like_pandapower(&value) {
        let (circuit, warnings) = pandapower::import(&value)?;
        return Ok(Parsed {
            circuit,
            format: InputFormat::Pandapower,
            warnings,
        });
    }
    if value.get("format").is_some() {
        // A circuit with a wrong format name: let strict parsing and validation explain.
        let circuit: Circuit =
            serde_json::from_str(text).map_err(|e| InputError::Circuit(e.to_string()))?;
        return Ok(Parsed {
            circuit,
            format: InputFormat::Circuit,
            warnings: Vec::new(),
        });
    }
    Err(InputError::UnknownFormat)
}
