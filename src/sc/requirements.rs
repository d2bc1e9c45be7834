//! What a study needs beyond a valid circuit: the data each element must carry for a fault
//! type, a case and the duty check. The single source of these rules: the engine refuses a
//! calculation with [`missing`] before it builds its model, the run form refuses a run with it
//! before anything is queued, and the editor's checks list it per study type.
//!
//! Rules (in-service elements only; one pass over the circuit, linear in its size):
//! - every case: external grids need R/X of the case (`rx_max` or `rx_min`);
//! - min case (IEC 60909-0 4.3.2): external grids need `s_sc_min_mva` and `rx_min`, lines the
//!   conductor temperature at the end of the short circuit `endtemp_degree` (eq. 31);
//! - earth faults (2phg, 1ph): zero-sequence data: external grids `x0x_*` and `r0x0_*` of the
//!   case, lines `r0_ohm_per_km` and `x0_ohm_per_km`, series impedances `rft0_pu` and
//!   `xft0_pu`, transformers their `vector_group` (which says how they are earthed; a
//!   two-winding transformer's vk0 defaults to vk), three-winding transformers with an earthed
//!   winding their six `vk0_*`/`vkr0_*` values; vector groups whose zero-sequence model the
//!   engine does not have are named too;
//! - duty check: at least one circuit breaker (type CB) in service, each with `rated_ib_ka`
//!   and `rated_ip_ka`.

use super::circuit::{Circuit, SwitchType};
use super::options::{Case, Fault, ScOptions};
use super::vector_group::{Connection, VectorGroup};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;

/// A study: fault type, case, and whether breakers are checked against their ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Study {
    pub fault: Fault,
    pub case: Case,
    pub duty_check: bool,
}

impl Study {
    /// The study a calculation with these options is (no duty check).
    pub fn of(o: &ScOptions) -> Study {
        Study {
            fault: o.fault,
            case: o.case,
            duty_check: false,
        }
    }

    /// Every study the run form offers: each fault type in both cases, then the duty check
    /// (three-phase, maximum case).
    pub fn all() -> Vec<Study> {
        let mut out = Vec::with_capacity(9);
        for fault in [
            Fault::ThreePhase,
            Fault::TwoPhase,
            Fault::TwoPhaseEarth,
            Fault::SinglePhase,
        ] {
            for case in [Case::Max, Case::Min] {
                out.push(Study {
                    fault,
                    case,
                    duty_check: false,
                });
            }
        }
        out.push(Study {
            fault: Fault::ThreePhase,
            case: Case::Max,
            duty_check: true,
        });
        out
    }

    /// `3ph max`, `1ph min`, `duty check (3ph max)`.
    pub fn label(&self) -> String {
        let case = match self.case {
            Case::Max => "max",
            Case::Min => "min",
        };
        if self.duty_check {
            format!("duty check ({} {case})", self.fault.as_str())
        } else {
            format!("{} {case}", self.fault.as_str())
        }
    }
}

/// Why an element's data is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    /// Needed for every case (R/X of a network feeder).
    Case,
    MinCase,
    EarthFault,
    DutyCheck,
    /// The zero-sequence model of this vector group is not available.
    Unsupported,
}

/// What one element lacks for a study.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Missing {
    /// Element kind as the circuit format names it (`lines`, `external_grids`, ...).
    pub kind: &'static str,
    /// Element id; empty when the study lacks an element altogether (no breaker).
    pub id: String,
    /// The fields it lacks (format names); empty when `id` is empty.
    pub fields: Vec<&'static str>,
    pub need: Need,
    /// Why, in words: "required for the min case (IEC 60909-0 eq. 31)".
    pub message: String,
}

impl Missing {
    /// `lines[L1].r0_ohm_per_km, x0_ohm_per_km`, as the validator writes paths.
    pub fn path(&self) -> String {
        match self.fields.as_slice() {
            _ if self.id.is_empty() => self.kind.to_string(),
            [] => format!("{}[{}]", self.kind, self.id),
            [one] => format!("{}[{}].{one}", self.kind, self.id),
            many => format!("{}[{}].{}", self.kind, self.id, many.join(", ")),
        }
    }
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path(), self.message)
    }
}

fn message(need: Need) -> &'static str {
    match need {
        Need::Case => "required for this case",
        Need::MinCase => "required for the min case (IEC 60909-0 4.3.2)",
        Need::EarthFault => "required for earth faults (2phg, 1ph)",
        Need::DutyCheck => "required for the duty check",
        Need::Unsupported => "not supported",
    }
}

struct Out(Vec<Missing>);

impl Out {
    /// Adds the fields among `fields` that are absent, as one item.
    fn need(&mut self, kind: &'static str, id: &str, need: Need, fields: &[(&'static str, bool)]) {
        let absent: Vec<&'static str> = fields
            .iter()
            .filter(|(_, present)| !present)
            .map(|(f, _)| *f)
            .collect();
        if !absent.is_empty() {
            let mut msg = message(need).to_string();
            if need == Need::MinCase && kind == "lines" {
                msg = "required for the min case (IEC 60909-0 eq. 31)".into();
            }
            self.0.push(Missing {
                kind,
                id: id.to_string(),
                fields: absent,
                need,
                message: msg,
            });
        }
    }
    fn unsupported(&mut self, kind: &'static str, id: &str, message: String) {
        self.0.push(Missing {
            kind,
            id: id.to_string(),
            fields: vec!["vector_group"],
            need: Need::Unsupported,
            message,
        });
    }
}

/// Two-winding vector-group keys with a zero-sequence model (besides zigzag windings).
const TWO_WINDING_ZERO: [&str; 5] = ["dyn", "ynd", "yyn", "yny", "ynyn"];

/// Everything the circuit lacks for `study`, element by element in document order. Empty when
/// the study can run (provided the circuit passes validation).
pub fn missing(c: &Circuit, study: &Study) -> Vec<Missing> {
    let mut out = Out(Vec::new());
    let min = study.case == Case::Min;
    let earth = study.fault.needs_zero_sequence();
    for e in c.external_grids.iter().filter(|e| e.in_service) {
        let kd = "external_grids";
        if min {
            out.need(
                kd,
                &e.id,
                Need::MinCase,
                &[
                    ("s_sc_min_mva", e.s_sc_min_mva.is_some()),
                    ("rx_min", e.rx_min.is_some()),
                ],
            );
        } else {
            out.need(kd, &e.id, Need::Case, &[("rx_max", e.rx_max.is_some())]);
        }
        if earth {
            let fields = if min {
                [
                    ("x0x_min", e.x0x_min.is_some()),
                    ("r0x0_min", e.r0x0_min.is_some()),
                ]
            } else {
                [
                    ("x0x_max", e.x0x_max.is_some()),
                    ("r0x0_max", e.r0x0_max.is_some()),
                ]
            };
            out.need(kd, &e.id, Need::EarthFault, &fields);
        }
    }
    for l in c.lines.iter().filter(|l| l.in_service) {
        if min {
            out.need(
                "lines",
                &l.id,
                Need::MinCase,
                &[("endtemp_degree", l.endtemp_degree.is_some())],
            );
        }
        if earth {
            out.need(
                "lines",
                &l.id,
                Need::EarthFault,
                &[
                    ("r0_ohm_per_km", l.r0_ohm_per_km.is_some()),
                    ("x0_ohm_per_km", l.x0_ohm_per_km.is_some()),
                ],
            );
        }
    }
    if earth {
        earth_fault_transformers(c, &mut out);
        for z in c.impedances.iter().filter(|z| z.in_service) {
            out.need(
                "impedances",
                &z.id,
                Need::EarthFault,
                &[
                    ("rft0_pu", z.rft0_pu.is_some()),
                    ("xft0_pu", z.xft0_pu.is_some()),
                ],
            );
        }
    }
    if study.duty_check {
        let breakers: Vec<_> = c
            .switches
            .iter()
            .filter(|s| s.in_service && s.switch_type == Some(SwitchType::CB))
            .collect();
        if breakers.is_empty() {
            out.0.push(Missing {
                kind: "switches",
                id: String::new(),
                fields: Vec::new(),
                need: Need::DutyCheck,
                message: "the duty check needs at least one circuit breaker (a switch of type \
                          CB) in service"
                    .into(),
            });
        }
        for s in breakers {
            out.need(
                "switches",
                &s.id,
                Need::DutyCheck,
                &[
                    ("rated_ib_ka", s.rated_ib_ka.is_some()),
                    ("rated_ip_ka", s.rated_ip_ka.is_some()),
                ],
            );
        }
    }
    out.0
}

fn earth_fault_transformers(c: &Circuit, out: &mut Out) {
    // Unit transformers (KS/KSO) of in-service generators: no zigzag model there.
    let units: HashSet<&str> = c
        .generators
        .iter()
        .filter(|g| g.in_service)
        .filter_map(|g| g.power_station_trafo.as_deref())
        .collect();
    for t in c.transformers.iter().filter(|t| t.in_service) {
        let kd = "transformers";
        let Some(text) = t.vector_group.as_deref() else {
            out.need(kd, &t.id, Need::EarthFault, &[("vector_group", false)]);
            continue;
        };
        // An unreadable vector group is a validation error, reported there.
        let Ok(vg) = VectorGroup::parse(text, 2) else {
            continue;
        };
        if !vg.hv().earthed() && !vg.lv().earthed() {
            continue;
        }
        let zigzag = [vg.hv(), vg.lv()]
            .iter()
            .any(|w| matches!(w, Connection::Z | Connection::Zn));
        if zigzag && units.contains(t.id.as_str()) {
            out.unsupported(
                kd,
                &t.id,
                format!("zero-sequence model of {text} in a power-station unit is not supported"),
            );
        } else if !zigzag && !TWO_WINDING_ZERO.contains(&vg.key().as_str()) {
            out.unsupported(
                kd,
                &t.id,
                format!("zero-sequence model of {text} is not supported"),
            );
        }
    }
    for t in c.transformers3w.iter().filter(|t| t.in_service) {
        let kd = "transformers3w";
        let Some(text) = t.vector_group.as_deref() else {
            out.need(kd, &t.id, Need::EarthFault, &[("vector_group", false)]);
            continue;
        };
        let Ok(vg) = VectorGroup::parse(text, 3) else {
            continue;
        };
        if vg
            .windings
            .iter()
            .any(|w| matches!(w, Connection::Z | Connection::Zn))
        {
            out.unsupported(
                kd,
                &t.id,
                format!("zero-sequence model of {text} is not supported"),
            );
            continue;
        }
        if !vg.windings.iter().any(|w| w.earthed()) {
            continue;
        }
        out.need(
            kd,
            &t.id,
            Need::EarthFault,
            &[
                ("vk0_hv_percent", t.vk0_hv_percent.is_some()),
                ("vk0_mv_percent", t.vk0_mv_percent.is_some()),
                ("vk0_lv_percent", t.vk0_lv_percent.is_some()),
                ("vkr0_hv_percent", t.vkr0_hv_percent.is_some()),
                ("vkr0_mv_percent", t.vkr0_mv_percent.is_some()),
                ("vkr0_lv_percent", t.vkr0_lv_percent.is_some()),
            ],
        );
    }
}

/// A short name for what is missing: `R0/X0`, `S''k min and R/X min`.
fn what(kind: &str, fields: &[&str]) -> String {
    let label = |f: &str| -> &'static str {
        match f {
            "s_sc_min_mva" => "S''k min",
            "rx_min" => "R/X min",
            "rx_max" => "R/X max",
            "x0x_max" | "x0x_min" => "X0/X",
            "r0x0_max" | "r0x0_min" => "R0/X0",
            "endtemp_degree" => "end temperature",
            "r0_ohm_per_km" | "rft0_pu" => "R0",
            "x0_ohm_per_km" | "xft0_pu" => "X0",
            "vector_group" => "vector group",
            "rated_ib_ka" => "rated Ib",
            "rated_ip_ka" => "rated ip",
            f if f.starts_with("vk0_") || f.starts_with("vkr0_") => "vk0/vkr0",
            _ => "data",
        }
    };
    let mut labels: Vec<&str> = Vec::new();
    for f in fields {
        let l = label(f);
        if !labels.contains(&l) {
            labels.push(l);
        }
    }
    if kind == "external_grids" && labels == ["X0/X", "R0/X0"] {
        return "X0/X and R0/X0".into();
    }
    if labels == ["R0", "X0"] {
        return "R0/X0".into();
    }
    if labels == ["rated Ib", "rated ip"] {
        return "ratings".into();
    }
    labels.join(" and ")
}

fn noun(kind: &str, n: usize) -> String {
    let (one, many) = match kind {
        "external_grids" => ("external grid", "external grids"),
        "lines" => ("line", "lines"),
        "transformers" => ("transformer", "transformers"),
        "transformers3w" => ("three-winding transformer", "three-winding transformers"),
        "impedances" => ("impedance", "impedances"),
        "switches" => ("breaker", "breakers"),
        other => (other, other),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One line about a study: `ready for 3ph max`, or `1ph max needs R0/X0 on 3 lines, X0/X and
/// R0/X0 on 1 external grid`.
pub fn summary(study: &Study, missing: &[Missing]) -> String {
    if missing.is_empty() {
        return format!("ready for {}", study.label());
    }
    // (kind, what) -> count, in order of first appearance.
    let mut groups: Vec<(&str, String, usize)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for m in missing {
        if m.id.is_empty() {
            notes.push(m.message.clone());
            continue;
        }
        let w = if m.need == Need::Unsupported {
            "a supported vector group".to_string()
        } else {
            what(m.kind, &m.fields)
        };
        match groups.iter_mut().find(|(k, x, _)| *k == m.kind && *x == w) {
            Some(g) => g.2 += 1,
            None => groups.push((m.kind, w, 1)),
        }
    }
    let mut parts: Vec<String> = notes;
    parts.extend(
        groups
            .into_iter()
            .map(|(kind, w, n)| format!("{w} on {}", noun(kind, n))),
    );
    format!("{} needs {}", study.label(), parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn circuit(json: &str) -> Circuit {
        serde_json::from_str(json).unwrap()
    }

    fn study(fault: Fault, case: Case) -> Study {
        Study {
            fault,
            case,
            duty_check: false,
        }
    }

    const BARE: &str = r#"{"format":"ampflux-circuit","version":1,
        "buses":[{"id":"A","vn_kv":20},{"id":"B","vn_kv":20},{"id":"C","vn_kv":0.4}],
        "external_grids":[{"id":"Q","bus":"A","s_sc_max_mva":500,"rx_max":0.1}],
        "lines":[{"id":"L1","from_bus":"A","to_bus":"B","length_km":1,"r_ohm_per_km":0.1,"x_ohm_per_km":0.1},
                 {"id":"L2","from_bus":"A","to_bus":"B","length_km":1,"r_ohm_per_km":0.1,"x_ohm_per_km":0.1,
                  "r0_ohm_per_km":0.3,"x0_ohm_per_km":0.3,"endtemp_degree":80},
                 {"id":"L3","from_bus":"A","to_bus":"B","length_km":1,"r_ohm_per_km":0.1,"x_ohm_per_km":0.1,
                  "in_service":false}],
        "transformers":[{"id":"T","hv_bus":"B","lv_bus":"C","sn_mva":0.63,"vn_hv_kv":20,"vn_lv_kv":0.4,
                         "vk_percent":6,"vkr_percent":1}],
        "switches":[{"id":"CB","bus":"A","element_kind":"line","element":"L1","type":"CB","rated_ib_ka":16}]}"#;

    #[test]
    fn three_phase_max_needs_nothing_more_than_a_valid_circuit() {
        let c = circuit(BARE);
        assert!(missing(&c, &study(Fault::ThreePhase, Case::Max)).is_empty());
        assert!(missing(&c, &study(Fault::TwoPhase, Case::Max)).is_empty());
        assert_eq!(
            summary(&study(Fault::ThreePhase, Case::Max), &[]),
            "ready for 3ph max"
        );
    }

    #[test]
    fn min_case_needs_grid_minimum_and_line_end_temperature() {
        let c = circuit(BARE);
        let s = study(Fault::ThreePhase, Case::Min);
        let m = missing(&c, &s);
        let paths: Vec<String> = m.iter().map(Missing::to_string).collect();
        assert_eq!(
            paths,
            [
                "external_grids[Q].s_sc_min_mva, rx_min: required for the min case (IEC 60909-0 4.3.2)",
                "lines[L1].endtemp_degree: required for the min case (IEC 60909-0 eq. 31)",
            ]
        );
        assert_eq!(
            summary(&s, &m),
            "3ph min needs S''k min and R/X min on 1 external grid, end temperature on 1 line"
        );
    }

    #[test]
    fn earth_faults_need_zero_sequence_data() {
        let c = circuit(BARE);
        let s = study(Fault::SinglePhase, Case::Max);
        let m = missing(&c, &s);
        let paths: Vec<String> = m.iter().map(Missing::path).collect();
        // L2 has its data and L3 is out of service.
        assert_eq!(
            paths,
            [
                "external_grids[Q].x0x_max, r0x0_max",
                "lines[L1].r0_ohm_per_km, x0_ohm_per_km",
                "transformers[T].vector_group",
            ]
        );
        assert_eq!(
            summary(&s, &m),
            "1ph max needs X0/X and R0/X0 on 1 external grid, R0/X0 on 1 line, vector group on 1 transformer"
        );
        // 2phg min: the min-case data and the zero sequence of the min case.
        let m = missing(&c, &study(Fault::TwoPhaseEarth, Case::Min));
        assert!(
            m.iter()
                .any(|x| x.path() == "external_grids[Q].x0x_min, r0x0_min")
        );
        assert!(m.iter().any(|x| x.path() == "lines[L1].endtemp_degree"));
    }

    #[test]
    fn vector_groups_tell_which_transformers_need_zero_sequence_data() {
        let mut c = circuit(BARE);
        c.transformers[0].vector_group = Some("Yy0".into());
        let s = study(Fault::SinglePhase, Case::Max);
        assert!(!missing(&c, &s).iter().any(|m| m.kind == "transformers"));
        c.transformers[0].vector_group = Some("Dyn5".into());
        assert!(!missing(&c, &s).iter().any(|m| m.kind == "transformers"));
        c.transformers[0].vector_group = Some("YNyn0".into());
        assert!(!missing(&c, &s).iter().any(|m| m.kind == "transformers"));
    }

    #[test]
    fn duty_check_needs_rated_breakers() {
        let mut c = circuit(BARE);
        let s = Study {
            fault: Fault::ThreePhase,
            case: Case::Max,
            duty_check: true,
        };
        let m = missing(&c, &s);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].path(), "switches[CB].rated_ip_ka");
        assert_eq!(
            summary(&s, &m),
            "duty check (3ph max) needs rated ip on 1 breaker"
        );
        c.switches.clear();
        let m = missing(&c, &s);
        assert_eq!((m.len(), m[0].id.as_str()), (1, ""));
        assert!(summary(&s, &m).contains("at least one circuit breaker"));
    }

    #[test]
    fn the_engine_refuses_what_is_missing_before_it_builds_its_model() {
        let c = circuit(BARE);
        let o = ScOptions {
            case: Case::Min,
            ..Default::default()
        };
        match crate::sc::calculate(&c, &o) {
            Err(crate::sc::CalcError::Incomplete(m)) => {
                assert_eq!(m, missing(&c, &Study::of(&o)));
            }
            other => panic!("{other:?}"),
        }
        assert!(crate::sc::calculate(&c, &ScOptions::default()).is_ok());
    }

    #[test]
    fn every_study_is_offered_once() {
        let all = Study::all();
        assert_eq!(all.len(), 9);
        let labels: HashSet<String> = all.iter().map(Study::label).collect();
        assert_eq!(labels.len(), 9);
        assert!(labels.contains("duty check (3ph max)"));
    }

    /// The benches' synthetic networks run 3ph and 1ph in the max case: nothing is missing,
    /// and the check is one pass (the 100,000-bus network is checked for every study in the
    /// time of reading it).
    #[test]
    fn synthetic_networks_are_ready_for_the_benchmarked_studies() {
        let c = crate::sc::synthetic::network(100_000, true, 42);
        let started = std::time::Instant::now();
        for s in Study::all() {
            let m = missing(&c, &s);
            if !s.duty_check && s.case == Case::Max {
                assert!(m.is_empty(), "{}: {:?}", s.label(), &m[..m.len().min(3)]);
            }
        }
        eprintln!("9 studies on 100,000 buses: {:?}", started.elapsed());
    }
}
