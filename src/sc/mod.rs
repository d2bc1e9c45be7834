//! IEC 60909-0:2016 short-circuit engine. Pure: no database, web or file I/O.
//!
//! Entry points: [`parse_input`] (circuit v1 or pandapower JSON, detected by content),
//! [`validate::validate`] and [`calc::calculate`].

pub mod admittance;
pub mod branch_currents;
pub mod calc;
pub mod circuit;
pub mod duty;
pub mod findings;
pub mod formulas;
pub mod meshing;
pub mod model;
pub mod options;
pub mod pandapower;
pub mod requirements;
pub mod results;
mod solve;
pub mod sparse;
pub mod steady;
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

/// Parses a circuit v1 document or a pandapower `to_json` file.
///
/// One streaming pass tells the formats apart and reads a pandapower network's tables into
/// compact columns (no JSON tree of the file is built); a circuit is then parsed once, straight
/// into the typed structs.
pub fn parse_input(text: &str) -> Result<Parsed, InputError> {
    let doc = match pandapower::read_document(text, false) {
        Ok(doc) => doc,
        Err(e) => {
            // pandapower writes bare NaN/Infinity: accepted there (as missing values) only.
            if e.is_syntax()
                && pandapower::has_non_finite(text)
                && let Ok(doc) = pandapower::read_document(text, true)
                && !doc.has_format()
            {
                return parse_pandapower(doc);
            }
            return Err(e.into());
        }
    };
    if doc.has_format() || !doc.claims_pandapower() {
        if !doc.has_format() {
            return Err(InputError::UnknownFormat);
        }
        drop(doc);
        // Strict parsing explains a wrong format name or unknown fields with their position.
        let circuit: Circuit =
            serde_json::from_str(text).map_err(|e| InputError::Circuit(e.to_string()))?;
        return Ok(Parsed {
            circuit,
            format: InputFormat::Circuit,
            warnings: Vec::new(),
        });
    }
    parse_pandapower(doc)
}

fn parse_pandapower(doc: pandapower::Document) -> Result<Parsed, InputError> {
    if !doc.looks_like_pandapower() {
        return Err(InputError::UnknownFormat);
    }
    let (circuit, warnings) = pandapower::import(doc)?;
    Ok(Parsed {
        circuit,
        format: InputFormat::Pandapower,
        warnings,
    })
}
