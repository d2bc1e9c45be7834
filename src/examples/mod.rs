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
        description: "The 380/110/30/10 kV network of IEC TR 60909-4 section 6, with power-station units, motors and breakers.",
        source: include_str!("iec60909_4.circuit.json"),
    },
];

pub fn find(id: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.id == id)
}

impl Example {
    /// The example as a circuit v1 document (parsed once). The IEC network is the engine's
    /// test network (tests/fixtures/sc/iec60909_4_full.json, a pandapower file) as a circuit
    /// document with the TR's names as ids, plus minimum-case data and breakers of our own
    /// (docs/circuit-format.md, "Built-in examples").
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

    /// Every study the run form offers runs on every example out of the box.
    #[test]
    fn every_example_is_ready_for_every_study() {
        use crate::sc::requirements::{Study, missing};
        use crate::sc::{ScOptions, calculate};
        for example in &EXAMPLES {
            let c = example.circuit();
            for study in Study::all() {
                let m = missing(&c, &study);
                assert!(m.is_empty(), "{} {}: {m:?}", example.id, study.label());
                let o = ScOptions {
                    fault: study.fault,
                    case: study.case,
                    ..Default::default()
                };
                let r = calculate(&c, &o)
                    .unwrap_or_else(|e| panic!("{} {}: {e}", example.id, study.label()));
                assert!(
                    r.buses.iter().any(|b| b.ikss_ka.is_some_and(|i| i > 0.0)),
                    "{} {}",
                    example.id,
                    study.label()
                );
                if study.duty_check {
                    assert!(!r.duty.is_empty(), "{}", example.id);
                }
            }
        }
    }

    /// The IEC example computes the maximum case exactly as the engine's test network of the
    /// TR (the published values are checked on that file): same buses by name, same numbers.
    #[test]
    fn iec_example_max_case_equals_the_test_network() {
        use crate::sc::{Case, Fault, ScOptions, calculate};
        let fixture = sc::parse_input(include_str!("../../tests/fixtures/sc/iec60909_4_full.json"))
            .unwrap()
            .circuit;
        let example = find("iec60909-4").unwrap().circuit();
        for fault in [
            Fault::ThreePhase,
            Fault::TwoPhase,
            Fault::TwoPhaseEarth,
            Fault::SinglePhase,
        ] {
            let o = ScOptions {
                fault,
                case: Case::Max,
                tk_s: 0.1,
                ..Default::default()
            };
            let want = calculate(&fixture, &o).unwrap();
            let got = calculate(&example, &o).unwrap();
            assert_eq!(want.buses.len(), got.buses.len());
            for (w, g) in want.buses.iter().zip(&got.buses) {
                assert_eq!(w.name.as_deref(), Some(g.id.as_str()));
                let mut w = w.clone();
                w.id = g.id.clone();
                w.name = g.name.clone();
                // The example's generators carry xdsat_pu and excitation (typical values),
                // which a pandapower file cannot: the fixture has Ik of three-phase faults
                // only where no generator feeds alone (no λ needed), the example everywhere.
                if fault == Fault::ThreePhase {
                    assert!(g.ik_ka.is_some(), "{}", g.id);
                    if w.ik_ka.is_some() {
                        assert_eq!(w.ik_ka, g.ik_ka, "{}", g.id);
                    }
                    w.ik_ka = g.ik_ka;
                }
                assert_eq!(&w, g, "{fault:?} at bus {}", g.id);
            }
        }
    }
}
