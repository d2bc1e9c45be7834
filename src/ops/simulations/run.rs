//! Run a simulation: check the actor may run in the project, validate the options against the
//! enabled modules and the project's versions, then write the simulation, its job and the
//! `simulation.run` audit entry in one transaction and wake the workers.

use std::collections::HashSet;

use serde::Deserialize;

use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Entry};
use crate::models::module::{self, OfferedType, TypeLookup};
use crate::models::simulation::{self as sims, NewSimulation, Simulation, VersionChoice};
use crate::ops::access::{Capability, ProjectCtx};
use crate::ops::input::{FieldErrors, has_control};
use crate::ops::projects::ProjectRefusal;
use crate::ops::{Actor, OpError, OpResult};
use crate::sc::requirements::Study;
use crate::sc::{Case, Circuit, Fault, KappaMethod, ScOptions};

use super::{SimulationRefusal, checks};

/// The simulation type that checks breakers against their ratings.
pub const DUTY_CHECK: &str = "duty_check";

/// What a run asks for, as typed (pages send it as a form; numbers are text so a wrong one can
/// be shown again as typed).
#[derive(Deserialize, Clone, Debug, Default)]
#[serde(default)]
pub struct RunSimulation {
    pub simulation_type: String,
    /// The version number; empty for the newest.
    pub version: String,
    pub fault: String,
    pub case: String,
    pub lv_tol_percent: String,
    pub kappa_method: String,
    pub tk_s: String,
    pub tmin_s: String,
    pub r_fault_ohm: String,
    pub x_fault_ohm: String,
    /// Fault locations: bus ids separated by commas or lines; empty for every bus.
    pub buses: String,
    /// `yes` (or empty) or `no`.
    pub branch_results: String,
}

impl RunSimulation {
    /// The engine's defaults (branch currents on) for `version` and `kind`.
    pub fn defaults(version: Option<i32>, kind: Option<&str>) -> RunSimulation {
        let o = ScOptions::default();
        RunSimulation {
            simulation_type: kind.unwrap_or("short_circuit").to_string(),
            version: version.map(|v| v.to_string()).unwrap_or_default(),
            fault: o.fault.as_str().into(),
            case: "max".into(),
            lv_tol_percent: o.lv_tol_percent.to_string(),
            kappa_method: "C".into(),
            tk_s: o.tk_s.to_string(),
            tmin_s: o.tmin_s.to_string(),
            r_fault_ohm: o.r_fault_ohm.to_string(),
            x_fault_ohm: o.x_fault_ohm.to_string(),
            buses: String::new(),
            branch_results: "yes".into(),
        }
    }

    /// Every field without surrounding whitespace.
    pub fn trimmed(mut self) -> RunSimulation {
        for f in [
            &mut self.simulation_type,
            &mut self.version,
            &mut self.fault,
            &mut self.case,
            &mut self.lv_tol_percent,
            &mut self.kappa_method,
            &mut self.tk_s,
            &mut self.tmin_s,
            &mut self.r_fault_ohm,
            &mut self.x_fault_ohm,
            &mut self.buses,
            &mut self.branch_results,
        ] {
            *f = f.trim().to_string();
        }
        self
    }
}

/// What a run may choose from: the enabled simulation types and the project's versions
/// (newest first).
pub struct RunChoices {
    pub types: Vec<OfferedType>,
    pub versions: Vec<VersionChoice>,
    /// Version number and what its circuit is ready for, study by study (the run page only;
    /// empty elsewhere).
    pub readiness: Option<(i32, Vec<checks::Readiness>)>,
}

/// The choices of the run form (no permission check: the caller shows the form only to those
/// who may run).
pub fn run_choices(conn: &mut DbConn, project_id: i64) -> OpResult<RunChoices> {
    Ok(RunChoices {
        types: module::enabled_types(conn)?,
        versions: sims::version_choices(conn, project_id)?,
        readiness: None,
    })
}

/// The choices of the run form for an actor who may run here: an archived project refuses,
/// anyone else without the capability is forbidden (a page view: nothing is recorded). With
/// them, what version `version` (the newest when `None` or unknown) is ready for.
pub fn run_form(conn: &mut DbConn, ctx: &ProjectCtx, version: Option<i32>) -> OpResult<RunChoices> {
    if !ctx.can(Capability::Run) {
        return Err(if ctx.is_archived() {
            ProjectRefusal::Archived.into()
        } else {
            OpError::Forbidden {
                permission: crate::auth::permissions::SIMULATIONS_RUN,
            }
        });
    }
    let mut choices = run_choices(conn, ctx.id())?;
    let chosen = choices
        .versions
        .iter()
        .find(|v| Some(v.version_number) == version)
        .or(choices.versions.first());
    if let Some(v) = chosen {
        let number = v.version_number;
        if let Some(c) = sims::version_circuit(conn, v.id)? {
            choices.readiness = Some((number, checks::every_study(ctx.id(), &c)));
        }
    }
    Ok(choices)
}

/// Queues a simulation: the row, its job and the audit entry in one transaction, then wakes
/// the workers. `OpError::Invalid` names each wrong field.
pub fn run(
    conn: &mut DbConn,
    actor: &Actor,
    ctx: &ProjectCtx,
    input: RunSimulation,
) -> OpResult<Simulation> {
    ctx.require(
        conn,
        actor,
        Capability::Run,
        Entry::success("simulation.run", "simulation", None),
    )?;
    let request = validate(conn, ctx.id(), &input.trimmed())?;
    let user_id = actor.user_id.ok_or(OpError::Forbidden {
        permission: crate::auth::permissions::SIMULATIONS_RUN,
    })?;
    let project_id = ctx.id();
    let audit_actor = actor.audit();
    let sim = write_tx(conn, |conn| {
        let options = serde_json::to_value(&request.options)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        let (sim, job) = sims::create_with_job(
            conn,
            NewSimulation {
                project_id,
                circuit_version_id: request.version_id,
                simulation_type: request.kind.kind.id.clone(),
                options: options.clone(),
                simulated_by: user_id,
            },
        )?;
        audit::record(
            conn,
            &audit_actor,
            Entry::success("simulation.run", "simulation", Some(sim.id))
                .project(project_id)
                .after(serde_json::json!({
                    "simulation_type": request.kind.kind.id,
                    "module": request.kind.module,
                    "version": request.version_number,
                    "circuit_version_id": request.version_id,
                    "options": options,
                }))
                .details(serde_json::json!({ "job_id": job.id })),
        )?;
        Ok::<_, OpError>(sim)
    })?;
    crate::jobs::wake();
    Ok(sim)
}

/// A numeric option's range.
struct Range {
    min: f64,
    min_inclusive: bool,
    max: f64,
}

const TK_RANGE: Range = Range {
    min: 0.0,
    min_inclusive: false,
    max: 10.0,
};
const TMIN_RANGE: Range = Range {
    min: 0.0,
    min_inclusive: false,
    max: 1.0,
};
const FAULT_Z_RANGE: Range = Range {
    min: 0.0,
    min_inclusive: true,
    max: 1000.0,
};
/// At most this many fault locations may be named.
const MAX_FAULT_BUSES: usize = 1000;

fn parse_number(text: &str, range: &Range) -> Option<f64> {
    let v: f64 = text.trim().replace(',', ".").parse().ok()?;
    let above_min = if range.min_inclusive {
        v >= range.min
    } else {
        v > range.min
    };
    (v.is_finite() && above_min && v <= range.max).then_some(v)
}

/// A validated run request.
struct RunRequest {
    kind: OfferedType,
    version_id: i64,
    version_number: i32,
    options: ScOptions,
}

/// The simulation type: enabled, disabled (its module is off) or unknown.
fn check_type(
    conn: &mut DbConn,
    f: &RunSimulation,
    errors: &mut FieldErrors,
) -> OpResult<Option<OfferedType>> {
    Ok(match module::lookup_type(conn, &f.simulation_type)? {
        TypeLookup::Enabled(t) => Some(t),
        TypeLookup::Disabled(t) => {
            errors.add(
                "simulation_type",
                format!(
                    "“{}” cannot be run: its module “{}” is disabled. A platform administrator \
                     can enable it.",
                    t.kind.label, t.module_display_name
                ),
            );
            None
        }
        TypeLookup::Unknown if f.simulation_type.is_empty() => {
            errors.add("simulation_type", "Choose a simulation type.");
            None
        }
        TypeLookup::Unknown => {
            errors.add(
                "simulation_type",
                "There is no such simulation type. Choose one from the list.",
            );
            None
        }
    })
}

/// Fault and case, also against what the simulation type offers.
fn check_fault_and_case(
    f: &RunSimulation,
    kind: Option<&OfferedType>,
    o: &mut ScOptions,
    errors: &mut FieldErrors,
) {
    match f.fault.as_str() {
        "3ph" => o.fault = Fault::ThreePhase,
        "2ph" => o.fault = Fault::TwoPhase,
        "2phg" => o.fault = Fault::TwoPhaseEarth,
        "1ph" => o.fault = Fault::SinglePhase,
        _ => errors.add("fault", "Choose a fault type: 3ph, 2ph, 2phg or 1ph."),
    }
    match f.case.as_str() {
        "max" => o.case = Case::Max,
        "min" => o.case = Case::Min,
        _ => errors.add("case", "Choose the maximum or the minimum case."),
    }
    let Some(k) = kind else {
        return;
    };
    if !errors.has("fault") && !k.kind.faults.contains(&f.fault) {
        errors.add(
            "fault",
            format!(
                "“{}” offers these fault types: {}.",
                k.kind.label,
                k.kind.faults.join(", ")
            ),
        );
    }
    if !errors.has("case") && !k.kind.cases.contains(&f.case) {
        errors.add(
            "case",
            format!(
                "“{}” runs on the {} case only.",
                k.kind.label,
                k.kind.cases.join(" or ")
            ),
        );
    }
}

/// The calculation options: tolerance, κ method, times, fault impedance, branch currents.
fn check_options(f: &RunSimulation, o: &mut ScOptions, errors: &mut FieldErrors) {
    match crate::sc::options::parse_lv_tol(&f.lv_tol_percent) {
        Ok(v) => o.lv_tol_percent = v,
        Err(_) => errors.add(
            "lv_tol_percent",
            "Choose a low-voltage tolerance of 6 % or 10 %.",
        ),
    }
    match f.kappa_method.trim() {
        "B" | "b" => o.kappa_method = KappaMethod::B,
        "C" | "c" => o.kappa_method = KappaMethod::C,
        _ => errors.add(
            "kappa_method",
            "Choose method B or C for the peak factor κ.",
        ),
    }
    let numbers: [(&'static str, &str, &Range, &mut f64, &str); 4] = [
        (
            "tk_s",
            &f.tk_s,
            &TK_RANGE,
            &mut o.tk_s,
            "Enter the fault duration Tk in seconds: more than 0 and at most 10.",
        ),
        (
            "tmin_s",
            &f.tmin_s,
            &TMIN_RANGE,
            &mut o.tmin_s,
            "Enter the minimum time delay tmin in seconds: more than 0 and at most 1.",
        ),
        (
            "r_fault_ohm",
            &f.r_fault_ohm,
            &FAULT_Z_RANGE,
            &mut o.r_fault_ohm,
            "Enter the fault resistance in ohms: from 0 to 1000.",
        ),
        (
            "x_fault_ohm",
            &f.x_fault_ohm,
            &FAULT_Z_RANGE,
            &mut o.x_fault_ohm,
            "Enter the fault reactance in ohms: from 0 to 1000.",
        ),
    ];
    for (field, text, range, target, message) in numbers {
        match parse_number(text, range) {
            Some(v) => *target = v,
            None => errors.add(field, message),
        }
    }
    match f.branch_results.as_str() {
        "yes" | "" => o.branch_results = true,
        "no" => o.branch_results = false,
        _ => errors.add("branch_results", "Choose yes or no."),
    }
}

/// The version (newest when none is named): its id and number.
fn check_version(
    conn: &mut DbConn,
    project_id: i64,
    f: &RunSimulation,
    errors: &mut FieldErrors,
) -> OpResult<Option<(i64, i32)>> {
    let versions = sims::version_choices(conn, project_id)?;
    let chosen = if f.version.is_empty() {
        versions.first()
    } else {
        match f.version.parse::<i32>() {
            Ok(n) => versions.iter().find(|v| v.version_number == n),
            Err(_) => None,
        }
    };
    Ok(match chosen {
        None if versions.is_empty() => {
            errors.add(
                "version",
                "This project has no circuit version yet: save one in the circuit editor first.",
            );
            None
        }
        None => {
            errors.add("version", "Choose one of the project's circuit versions.");
            None
        }
        Some(v) => Some((v.id, v.version_number)),
    })
}

/// The named fault locations must be buses of the version's circuit.
fn check_buses_exist(circuit: &Circuit, number: i32, wanted: &[String], errors: &mut FieldErrors) {
    let ids: HashSet<&str> = circuit.buses.iter().map(|b| b.id.as_str()).collect();
    let missing: Vec<&str> = wanted
        .iter()
        .map(String::as_str)
        .filter(|id| !ids.contains(id))
        .take(5)
        .collect();
    if !missing.is_empty() {
        errors.add(
            "buses",
            format!(
                "Version {number} has no bus {}.",
                missing
                    .iter()
                    .map(|m| format!("“{m}”"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
}

/// Checks the request against the modules and the project's versions.
fn validate(conn: &mut DbConn, project_id: i64, f: &RunSimulation) -> OpResult<RunRequest> {
    let mut errors = FieldErrors::default();
    let kind = check_type(conn, f, &mut errors)?;
    let mut o = ScOptions::default();
    check_fault_and_case(f, kind.as_ref(), &mut o, &mut errors);
    check_options(f, &mut o, &mut errors);
    let wanted: Vec<String> = f
        .buses
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if has_control(&f.buses.replace('\n', "")) {
        errors.add("buses", "Bus ids must not contain control characters.");
    } else if wanted.len() > MAX_FAULT_BUSES {
        errors.add(
            "buses",
            format!("Name at most {MAX_FAULT_BUSES} buses, or none for all buses."),
        );
    }
    let version = check_version(conn, project_id, f, &mut errors)?;
    // The version's circuit as the engine reads it; an unreadable one is refused here rather
    // than queued to fail in the worker.
    let circuit = match version {
        Some((version_id, number)) => {
            let c = sims::version_circuit(conn, version_id)?;
            if c.is_none() {
                errors.add(
                    "version",
                    format!(
                        "Version {number} cannot be read as a circuit: open it in the editor, \
                         which names the faulty fields, and save a corrected version."
                    ),
                );
            }
            c
        }
        None => None,
    };
    if let (Some(c), Some((_, number))) = (&circuit, version)
        && !wanted.is_empty()
        && !errors.has("buses")
    {
        check_buses_exist(c, number, &wanted, &mut errors);
    }
    o.buses = wanted;
    match (errors.is_empty(), kind, version) {
        (true, Some(kind), Some((version_id, version_number))) => {
            // Checks before a run: nothing is queued for a circuit that lacks data.
            if let Some(c) = &circuit {
                let study = Study {
                    duty_check: kind.kind.id == DUTY_CHECK,
                    ..Study::of(&o)
                };
                let r = checks::readiness(project_id, c, &study);
                if !r.is_ready() {
                    return Err(SimulationRefusal::Incomplete {
                        version: version_number,
                        readiness: Box::new(r),
                    }
                    .into());
                }
            }
            Ok(RunRequest {
                kind,
                version_id,
                version_number,
                options: o,
            })
        }
        _ => Err(OpError::Invalid(errors)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_as_engineers_write_them_within_their_range() {
        assert_eq!(parse_number("0,5", &TK_RANGE), Some(0.5));
        assert_eq!(parse_number(" 10 ", &TK_RANGE), Some(10.0));
        assert_eq!(parse_number("0", &TK_RANGE), None);
        assert_eq!(parse_number("0", &FAULT_Z_RANGE), Some(0.0));
        assert_eq!(parse_number("1.5", &TMIN_RANGE), None);
        assert_eq!(parse_number("NaN", &FAULT_Z_RANGE), None);
        assert_eq!(parse_number("abc", &FAULT_Z_RANGE), None);
    }

    #[test]
    fn defaults_and_trimming() {
        let d = RunSimulation::defaults(Some(3), None);
        assert_eq!(
            (
                d.simulation_type.as_str(),
                d.version.as_str(),
                d.case.as_str()
            ),
            ("short_circuit", "3", "max")
        );
        let t = RunSimulation {
            fault: " 3ph\n".into(),
            buses: " B1, B2 ".into(),
            ..RunSimulation::default()
        }
        .trimmed();
        assert_eq!((t.fault.as_str(), t.buses.as_str()), ("3ph", "B1, B2"));
    }
}
