//! Checks before a run: what a circuit version lacks for the chosen study, element by element,
//! each with a link to its row in the circuit editor. The rules are the engine's own
//! ([`crate::sc::requirements`]), so a run the form accepts is never refused for missing data
//! once queued.

use std::collections::HashMap;

use crate::circuit_edit::row_anchor;
use crate::sc::Circuit;
use crate::sc::requirements::{self, Missing, Study};

/// Items listed in a refusal before "and N more" (a large circuit may lack data everywhere).
pub const LISTED: usize = 50;

/// One element that lacks data.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingItem {
    /// `line “L1”` (with its name when it has one), or `circuit breakers` for a missing kind.
    pub place: String,
    /// The fields it lacks, as the format names them (`r0_ohm_per_km, x0_ohm_per_km`).
    pub fields: String,
    pub message: String,
    /// Its row in the circuit editor.
    pub href: String,
}

/// What a circuit lacks for one study.
#[derive(Debug, Clone, PartialEq)]
pub struct Readiness {
    /// `1ph min`, `duty check (3ph max)`.
    pub study: String,
    /// One line: `ready for 3ph max` or `1ph max needs R0/X0 on 3 lines`.
    pub summary: String,
    /// The first [`LISTED`] items.
    pub items: Vec<MissingItem>,
    /// Items not listed.
    pub more: usize,
}

impl Readiness {
    pub fn is_ready(&self) -> bool {
        self.items.is_empty()
    }
}

fn singular(kind: &str) -> &'static str {
    match kind {
        "external_grids" => "external grid",
        "lines" => "line",
        "transformers" => "transformer",
        "transformers3w" => "three-winding transformer",
        "impedances" => "impedance",
        "switches" => "switch",
        _ => "element",
    }
}

/// Element names of the kinds that appear in `missing` (one pass over each such kind).
fn names<'c>(c: &'c Circuit, missing: &[Missing]) -> HashMap<(&'static str, &'c str), &'c str> {
    let mut out = HashMap::new();
    let mut kinds: Vec<&'static str> = missing.iter().map(|m| m.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut add = |kind: &'static str, id: &'c str, name: &'c Option<String>| {
        if let Some(n) = name.as_deref().filter(|n| !n.is_empty() && *n != id) {
            out.insert((kind, id), n);
        }
    };
    for kind in kinds {
        match kind {
            "external_grids" => c
                .external_grids
                .iter()
                .for_each(|e| add(kind, &e.id, &e.name)),
            "lines" => c.lines.iter().for_each(|e| add(kind, &e.id, &e.name)),
            "transformers" => c
                .transformers
                .iter()
                .for_each(|e| add(kind, &e.id, &e.name)),
            "transformers3w" => c
                .transformers3w
                .iter()
                .for_each(|e| add(kind, &e.id, &e.name)),
            "impedances" => c.impedances.iter().for_each(|e| add(kind, &e.id, &e.name)),
            "switches" => c.switches.iter().for_each(|e| add(kind, &e.id, &e.name)),
            _ => {}
        }
    }
    out
}

/// What `c` lacks for `study`, with links into the editor of project `project_id`.
pub fn readiness(project_id: i64, c: &Circuit, study: &Study) -> Readiness {
    let missing = requirements::missing(c, study);
    let summary = requirements::summary(study, &missing);
    let names = names(c, &missing);
    let editor = format!("/projects/{project_id}/editor");
    let items = missing
        .iter()
        .take(LISTED)
        .map(|m| {
            if m.id.is_empty() {
                return MissingItem {
                    place: "circuit breakers".into(),
                    fields: String::new(),
                    message: m.message.clone(),
                    href: format!("{editor}?all={}#section-{}", m.kind, m.kind),
                };
            }
            let place = match names.get(&(m.kind, m.id.as_str())) {
                Some(name) => format!("{} “{name}” ({})", singular(m.kind), m.id),
                None => format!("{} “{}”", singular(m.kind), m.id),
            };
            MissingItem {
                place,
                fields: m.fields.join(", "),
                message: m.message.clone(),
                href: format!("{editor}?all={}#{}", m.kind, row_anchor(m.kind, &m.id)),
            }
        })
        .collect();
    Readiness {
        study: study.label(),
        summary,
        items,
        more: missing.len().saturating_sub(LISTED),
    }
}

/// The readiness of every study the run form offers (the editor's and the form's lines).
pub fn every_study(project_id: i64, c: &Circuit) -> Vec<Readiness> {
    Study::all()
        .iter()
        .map(|s| readiness(project_id, c, s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_name_the_element_and_link_to_its_row() {
        let c: Circuit = serde_json::from_str(
            r#"{"format":"ampflux-circuit","version":1,
            "buses":[{"id":"A","vn_kv":20},{"id":"B","vn_kv":20}],
            "external_grids":[{"id":"Q","bus":"A","s_sc_max_mva":500,"rx_max":0.1}],
            "lines":[{"id":"L 1","name":"Feeder north","from_bus":"A","to_bus":"B","length_km":1,
                      "r_ohm_per_km":0.1,"x_ohm_per_km":0.1}]}"#,
        )
        .unwrap();
        let study = Study {
            fault: crate::sc::Fault::SinglePhase,
            case: crate::sc::Case::Max,
            duty_check: false,
        };
        let r = readiness(7, &c, &study);
        assert!(!r.is_ready());
        assert_eq!(r.items[1].place, "line “Feeder north” (L 1)");
        assert_eq!(r.items[1].fields, "r0_ohm_per_km, x0_ohm_per_km");
        assert_eq!(
            r.items[1].href,
            format!(
                "/projects/7/editor?all=lines#{}",
                row_anchor("lines", "L 1")
            )
        );
        assert_eq!(r.items[0].place, "external grid “Q”");
        let all = every_study(7, &c);
        assert_eq!(all.len(), 9);
        assert_eq!(all[0].summary, "ready for 3ph max");
    }
}
