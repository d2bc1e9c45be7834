//! Puts the validator's problems (`lines[L7].to_bus: no bus "B9"`) beside the row and the
//! field they concern. Paths name elements by id; an id may itself contain `]` or `.`, so a
//! path is matched against the elements that exist rather than split blindly.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::edit::{element_id, elements};
use super::fields::{KINDS, KindDef};
use crate::sc::validate::{Problem, Severity};

/// A problem of one element.
#[derive(Debug, Clone, PartialEq)]
pub struct RowProblem {
    /// The field it concerns (a field name of the kind), if any.
    pub field: Option<String>,
    pub severity: Severity,
    pub message: String,
}

/// The problems of a circuit, by element and for the whole circuit.
#[derive(Debug, Clone, Default)]
pub struct ProblemIndex {
    by_row: HashMap<(&'static str, String), Vec<RowProblem>>,
    /// Problems of the whole document (format, frequency, "no bus") or of elements that could
    /// not be found, with their path.
    pub general: Vec<Problem>,
    pub errors: usize,
    pub warnings: usize,
    /// What the circuit is ready for, one line per study type (`ready for 3ph max`, `1ph max
    /// needs R0/X0 on 3 lines`); empty while it has errors.
    pub studies: Vec<StudyLine>,
}

/// One study type's readiness.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyLine {
    pub ready: bool,
    pub text: String,
}

/// The readiness lines of a valid circuit, by the engine's own rules.
pub fn study_lines(c: &crate::sc::Circuit) -> Vec<StudyLine> {
    use crate::sc::requirements::{Study, missing, summary};
    Study::all()
        .iter()
        .map(|s| {
            let m = missing(c, s);
            StudyLine {
                ready: m.is_empty(),
                text: summary(s, &m),
            }
        })
        .collect()
}

impl ProblemIndex {
    /// The problems of one element.
    pub fn row(&self, kind: &str, id: &str) -> &[RowProblem] {
        KINDS
            .iter()
            .find(|k| k.key == kind)
            .and_then(|k| self.by_row.get(&(k.key, id.to_string())))
            .map_or(&[], Vec::as_slice)
    }

    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    pub fn is_empty(&self) -> bool {
        self.errors == 0 && self.warnings == 0
    }
}

/// Splits `kind[id]` or `kind[id].field` for a kind whose element `id` exists.
fn split_path<'p>(
    path: &'p str,
    circuit: &Value,
) -> Option<(&'static KindDef, &'p str, Option<&'p str>)> {
    let kind = KINDS.iter().find(|k| {
        path.len() > k.key.len() + 1
            && path.starts_with(k.key)
            && path[k.key.len()..].starts_with('[')
    })?;
    let rest = &path[kind.key.len() + 1..];
    let exists = |id: &str| elements(circuit, kind).iter().any(|e| element_id(e) == id);
    // `kind[id]` alone.
    if let Some(id) = rest.strip_suffix(']')
        && exists(id)
    {
        return Some((kind, id, None));
    }
    // `kind[id].field`: the field is a known field name (or at least a plain identifier).
    let mut search = rest;
    while let Some(at) = search.rfind("].") {
        let id = &rest[..at];
        let field = &rest[at + 2..];
        if exists(id)
            && !field.is_empty()
            && field
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            return Some((kind, id, Some(field)));
        }
        search = &rest[..at];
    }
    None
}

/// Indexes the problems of `circuit` (the document the validator checked).
pub fn index(circuit: &Value, problems: &[Problem]) -> ProblemIndex {
    let mut out = ProblemIndex::default();
    for p in problems {
        match p.severity {
            Severity::Error => out.errors += 1,
            Severity::Warning => out.warnings += 1,
        }
        match split_path(&p.path, circuit) {
            Some((kind, id, field)) => out
                .by_row
                .entry((kind.key, id.to_string()))
                .or_default()
                .push(RowProblem {
                    // `kind[]`: the id itself is the problem.
                    field: field.or(id.is_empty().then_some("id")).map(str::to_string),
                    severity: p.severity,
                    message: p.message.clone(),
                }),
            None => {
                // `kind[]` (an empty id) belongs to the elements without an id.
                let empty = KINDS
                    .iter()
                    .find(|k| p.path == format!("{}[]", k.key))
                    .filter(|k| {
                        elements(circuit, k)
                            .iter()
                            .any(|e| element_id(e).is_empty())
                    });
                match empty {
                    Some(k) => {
                        out.by_row
                            .entry((k.key, String::new()))
                            .or_default()
                            .push(RowProblem {
                                field: Some("id".into()),
                                severity: p.severity,
                                message: p.message.clone(),
                            })
                    }
                    None => out.general.push(p.clone()),
                }
            }
        }
    }
    out
}

/// Parses and validates a document: the problems, or the parse error when the document does
/// not parse as a circuit at all.
pub fn check(circuit: &Value) -> Result<ProblemIndex, String> {
    let parsed = crate::sc::Circuit::deserialize(circuit).map_err(|e| e.to_string())?;
    let mut idx = index(circuit, &crate::sc::validate::validate(&parsed));
    if !idx.has_errors() {
        idx.studies = study_lines(&parsed);
    }
    Ok(idx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problem(path: &str) -> Problem {
        Problem {
            severity: Severity::Error,
            path: path.into(),
            message: "m".into(),
        }
    }

    #[test]
    fn paths_map_to_rows_and_fields() {
        let c = json!({"format": "ampflux-circuit", "version": 1,
            "buses": [{"id": "B]1.x", "vn_kv": 20}, {"id": "", "vn_kv": 1}],
            "lines": [{"id": "L7"}], "transformers3w": [{"id": "T"}], "transformers": [{"id": "T"}]});
        let idx = index(
            &c,
            &[
                problem("lines[L7].to_bus"),
                problem("lines[L7]"),
                problem("buses[B]1.x].vn_kv"),
                problem("buses[B]1.x]"),
                problem("transformers3w[T].vk_hv_percent"),
                problem("transformers[T]"),
                problem("buses[]"),
                problem("frequency_hz"),
                problem("lines[L8].to_bus"),
            ],
        );
        assert_eq!(idx.row("lines", "L7").len(), 2);
        assert_eq!(idx.row("lines", "L7")[0].field.as_deref(), Some("to_bus"));
        assert_eq!(idx.row("lines", "L7")[1].field, None);
        assert_eq!(idx.row("buses", "B]1.x")[0].field.as_deref(), Some("vn_kv"));
        assert_eq!(idx.row("buses", "B]1.x").len(), 2);
        assert_eq!(
            idx.row("transformers3w", "T")[0].field.as_deref(),
            Some("vk_hv_percent")
        );
        assert_eq!(idx.row("transformers", "T").len(), 1);
        assert_eq!(idx.row("buses", "")[0].field.as_deref(), Some("id"));
        assert_eq!(idx.general.len(), 2, "{:?}", idx.general);
        assert_eq!(idx.errors, 9);
    }

    #[test]
    fn check_runs_the_validator() {
        let c = json!({"format": "ampflux-circuit", "version": 1,
            "buses": [{"id": "A", "vn_kv": 20}],
            "lines": [{"id": "L", "from_bus": "A", "to_bus": "Z", "length_km": 1,
                       "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.1}]});
        let idx = check(&c).unwrap();
        assert!(idx.has_errors());
        assert!(
            idx.row("lines", "L")
                .iter()
                .any(|p| p.field.as_deref() == Some("to_bus"))
        );
        assert!(
            idx.studies.is_empty(),
            "no readiness while there are errors"
        );
        assert!(check(&json!({"format": 1})).is_err());
    }

    #[test]
    fn a_valid_circuit_says_what_it_is_ready_for() {
        let c = json!({"format": "ampflux-circuit", "version": 1,
            "buses": [{"id": "A", "vn_kv": 20}, {"id": "B", "vn_kv": 20}],
            "external_grids": [{"id": "Q", "bus": "A", "s_sc_max_mva": 500, "rx_max": 0.1,
                                "x0x_max": 1, "r0x0_max": 0.1}],
            "lines": [{"id": "L", "from_bus": "A", "to_bus": "B", "length_km": 1,
                       "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.1}]});
        let idx = check(&c).unwrap();
        let lines: Vec<&str> = idx.studies.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(lines.len(), 9);
        assert_eq!(lines[0], "ready for 3ph max");
        assert!(idx.studies[0].ready);
        assert_eq!(lines[6], "1ph max needs R0/X0 on 1 line");
        assert!(!idx.studies[6].ready);
    }
}
