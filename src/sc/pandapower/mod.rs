//! Import of pandapower networks written by `pandapower.to_json` (element tables stored as
//! JSON-encoded DataFrames, orient "split") into circuit format v1.
//!
//! Element ids are the pandapower index as a decimal string; names go to `name`. Anything the
//! conversion cannot carry over is listed in the returned warnings, never dropped silently.

mod columns;
mod elements;
mod frame;
mod machines;
mod network;
mod non_finite;
mod reader;
#[cfg(test)]
mod reader_tests;
mod transformers;

use super::circuit::*;
use frame::Importer;
pub use non_finite::non_finite_as_null;
pub use reader::Document;
use reader::Member;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("table \"{table}\": {message}")]
    Table { table: String, message: String },
    #[error("{0}")]
    Structure(String),
}

/// Reads a JSON input in one pass: the fields that tell the input formats apart and, for a
/// pandapower network, its DataFrames (read into compact columns; nothing else is kept).
/// pandapower writes bare NaN/Infinity: they are read as missing values when `non_finite`.
pub fn read_document(text: &str, non_finite: bool) -> Result<Document, serde_json::Error> {
    if non_finite {
        reader::from_str_non_finite(text)
    } else {
        reader::from_str(text)
    }
}

/// True when the text has bare NaN/Infinity tokens outside strings (not JSON).
pub fn has_non_finite(text: &str) -> bool {
    non_finite::has_non_finite(text)
}

impl Document {
    /// The document has a non-null `format` (an AmpFlux circuit).
    pub fn has_format(&self) -> bool {
        self.format
    }
    /// The document says it is a pandapower network (or has a `bus` and no `format`).
    pub fn claims_pandapower(&self) -> bool {
        self.class.as_deref() == Some("pandapowerNet") || (!self.format && self.has_bus())
    }
    /// True when the document is a pandapower network.
    pub fn looks_like_pandapower(&self) -> bool {
        self.class.as_deref() == Some("pandapowerNet")
            || matches!(
                self.members.get("bus"),
                Some(Member::Object { class: Some(c), .. }) if c == "DataFrame"
            )
    }
}

/// Converts a pandapower network; returns the circuit and the warnings. Each table's columns
/// are released once the whole network is converted.
pub fn import(doc: Document) -> Result<(Circuit, Vec<String>), ImportError> {
    let net = doc.object.unwrap_or(doc.members);
    let name = match net.get("name") {
        Some(Member::Text(s)) => s.clone(),
        _ => String::new(),
    };
    let frequency_hz = match net.get("f_hz") {
        Some(Member::Number(f)) => *f,
        _ => 50.0,
    };
    let mut im = Importer {
        net,
        warnings: Vec::new(),
    };
    let mut c = Circuit::new(name);
    c.frequency_hz = frequency_hz;

    // One function per pandapower table, in this order (the order of the warnings).
    network::buses(&mut im, &mut c)?;
    network::external_grids(&mut im, &mut c)?;
    network::lines(&mut im, &mut c)?;
    transformers::transformers(&mut im, &mut c)?;
    transformers::transformers3w(&mut im, &mut c)?;
    elements::impedances(&mut im, &mut c)?;
    machines::generators(&mut im, &mut c)?;
    machines::static_generators(&mut im, &mut c)?;
    elements::storages(&mut im, &mut c)?;
    machines::motors(&mut im, &mut c)?;
    machines::loads(&mut im, &mut c)?;
    elements::shunts(&mut im, &mut c)?;
    elements::wards(&mut im, &mut c)?;
    elements::xwards(&mut im, &mut c)?;
    network::switches(&mut im, &mut c)?;

    let mut unsupported = unsupported_tables(&im);
    im.warnings.append(&mut unsupported);
    Ok((c, im.warnings))
}

/// One warning per table with elements that this converter does not carry over.
fn unsupported_tables(im: &Importer) -> Vec<String> {
    let supported = [
        "bus",
        "ext_grid",
        "line",
        "trafo",
        "trafo3w",
        "impedance",
        "gen",
        "sgen",
        "storage",
        "motor",
        "load",
        "shunt",
        "ward",
        "xward",
        "switch",
    ];
    let mut unsupported = Vec::new();
    for (name, value) in im.net.iter() {
        if supported.contains(&name.as_str()) || name.starts_with("res_") || name == "std_types" {
            continue;
        }
        if !matches!(value, Member::Object { class: Some(c), .. } if c == "DataFrame") {
            continue;
        }
        let n = im.table(name).map(|r| r.len()).unwrap_or(0);
        if n > 0
            && !matches!(
                name.as_str(),
                "measurement"
                    | "pwl_cost"
                    | "poly_cost"
                    | "controller"
                    | "group"
                    | "bus_geodata"
                    | "line_geodata"
                    | "characteristic"
                    | "trafo_characteristic_table"
            )
        {
            unsupported.push(format!(
                "{name}: {n} element(s) not imported (element type not supported)"
            ));
        }
    }
    unsupported
}

#[cfg(test)]
mod tests {
    use crate::sc::{InputError, InputFormat, parse_input};

    #[test]
    fn detects_formats_by_content() {
        let pp = parse_input(include_str!(
            "../../../tests/fixtures/sc/iec60909_4_small.json"
        ))
        .unwrap();
        assert_eq!(pp.format, InputFormat::Pandapower);
        assert_eq!(pp.circuit.buses[0].id, "0");
        assert_eq!(pp.circuit.transformers3w.len(), 2);
        let own = parse_input(include_str!(
            "../../../tests/fixtures/sc/examples/substation.circuit.json"
        ))
        .unwrap();
        assert_eq!(own.format, InputFormat::Circuit);
        assert!(matches!(
            parse_input("{\"hello\": 1}"),
            Err(InputError::UnknownFormat)
        ));
        assert!(matches!(parse_input("[1, 2"), Err(InputError::Json(_))));
    }

    #[test]
    fn unsupported_content_is_listed() {
        let mut v: serde_json::Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/sc/iec60909_4_small.json"
        ))
        .unwrap();
        let frame = r#"{"columns":["from_bus","to_bus","p_mw"],"index":[0],"data":[[0,1,0.1]]}"#;
        v["_object"]["dcline"] = serde_json::json!({"_module": "pandas.core.frame", "_class": "DataFrame",
            "_object": frame, "orient": "split"});
        let parsed = parse_input(&v.to_string()).unwrap();
        assert!(
            parsed
                .warnings
                .iter()
                .any(|w| w == "dcline: 1 element(s) not imported (element type not supported)"),
            "{:?}",
            parsed.warnings
        );
        assert!(
            parsed.warnings.iter().any(
                |w| w.starts_with("trafo: power-flow parameters not used by IEC 60909 ignored")
            )
        );
    }

    #[test]
    fn bare_nan_tokens_are_missing_values() {
        let text = include_str!("../../../tests/fixtures/sc/iec60909_4_small.json");
        let clean = parse_input(text).unwrap();
        // As pandapower's to_json writes them: bare tokens in std_types and in a DataFrame.
        let with_nan = text.replacen(
            "\"_object\": {",
            "\"_object\": {\n    \"std_types\": {\"line\": {\"x\": {\"r0_ohm_per_km\": NaN, \"max\": Infinity, \"min\": -Infinity}}},",
            1,
        );
        assert!(
            with_nan.contains("NaN")
                && serde_json::from_str::<serde_json::Value>(&with_nan).is_err()
        );
        let parsed = parse_input(&with_nan).expect("NaN accepted");
        assert_eq!(parsed.format, InputFormat::Pandapower);
        assert_eq!(parsed.circuit, clean.circuit);
        // In a DataFrame cell NaN is a missing value, like null.
        let nan_cell = text.replacen("null", "NaN", 1);
        assert_eq!(parse_input(&nan_cell).unwrap().circuit, clean.circuit);
        // An AmpFlux circuit with NaN stays refused, with the parser's position.
        let circuit = include_str!("../../../tests/fixtures/sc/examples/substation.circuit.json")
            .replacen("\"vn_kv\": 110", "\"vn_kv\": NaN", 1);
        assert!(matches!(parse_input(&circuit), Err(InputError::Json(_))));
    }
}
