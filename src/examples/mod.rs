//! Built-in example circuits a new project can start from.

use std::sync::OnceLock;

use crate::sc::{self, Circuit};

/// An example offered on the new-project form.
pub struct Example {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    source: &'static str,
}

pub const EXAMPLES: [Example; 2] = [
    Example {
        id: "substation",
        title: "Example substation",
        description: "110/20 kV substation with a cable feeder, a generator, a motor and a breaker (6 buses).",
        source: include_str!("substation.circuit.json"),
    },
    Example {
        id: "iec60909-4",
        title: "IEC TR 60909-4 test network",
        description: "The 380/110/30/10 kV network of IEC TR 60909-4 section 6, with power-station units and motors.",
        source: include_str!("iec60909_4.pandapower.json"),
    },
];

pub fn find(id: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.id == id)
}

impl Example {
    /// The example as a circuit v1 document (the IEC network ships as the pandapower file the
    /// engine's tests check against, converted once).
    pub fn circuit(&self) -> Circuit {
        static CACHE: [OnceLock<Circuit>; 2] = [OnceLock::new(), OnceLock::new()];
        let slot = EXAMPLES.iter().position(|e| e.id == self.id).unwrap_or(0);
        CACHE[slot]
            .get_or_init(|| match sc::parse_input(self.source) {
                Ok(parsed) => parsed.circuit,
                // Covered by the test below; an empty circuit is the harmless fallback.
                Err(_) => Circuit::new(self.title),
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_parses_and_validates() {
        for example in &EXAMPLES {
            let parsed = sc::parse_input(example.source).expect(example.id);
            assert!(!parsed.circuit.buses.is_empty(), "{}", example.id);
            let problems = sc::validate::validate(&parsed.circuit);
            assert!(
                !sc::validate::has_errors(&problems),
                "{}: {problems:?}",
                example.id
            );
            assert_eq!(example.circuit(), parsed.circuit);
        }
    }
}
