//! Simulations: the project's list and run form, the results page (live status while the job
//! runs, sortable bus table, branch currents, duty check, findings, one-line diagram),
//! comparison of two simulations, and CSV/JSON exports.
//!
//! Every route loads the simulation joined to its project within the caller's company and
//! then checks the project access rules, so another tenant's (or an unreadable project's)
//! simulation is a 404.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{html, html_status, is_htmx, redirect};
use crate::db::write_tx;
use crate::models::audit::{self, Entry};
use crate::models::module::{self, OfferedType, TypeLookup};
use crate::models::project::Project;
use crate::models::simulation::{self as sims, Listed, NewSimulation, Simulation, StoredResult};
use crate::sc::results::{BranchResult, BusResult, DutyResult};
use crate::sc::{Case, Fault, KappaMethod, ScOptions};
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::CurrentUser;
use crate::web::forms::{FormErrors, has_control};
use crate::web::page::{Page, local_time};
use crate::web::project_access::{self, Capability, ProjectCtx, ProjectFlags};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects/{id}/simulations", web::get().to(list))
        .route("/projects/{id}/simulations", web::post().to(run))
        .route("/projects/{id}/simulations/new", web::get().to(new_form))
        .route("/simulations/{id}", web::get().to(show))
        .route("/simulations/{id}/status", web::get().to(status))
        .route("/simulations/{id}/buses", web::get().to(bus_table))
        .route("/simulations/{id}/compare", web::get().to(compare))
        .route("/simulations/{id}/export.csv", web::get().to(export_csv))
        .route("/simulations/{id}/export.json", web::get().to(export_json));
}

const PAGE_SIZE: i64 = 20;
/// The highest page number asked for (keeps the offset far from overflowing).
const MAX_PAGE: i64 = 1_000_000;
/// Delay of the first status check after the page is shown (most runs are done by then).
const FIRST_POLL_MS: u32 = 250;
/// Delay between status checks while a simulation is pending or running.
const POLL_MS: u32 = 500;
/// Buses above this Ik'' are named in the findings when no breaker has a rating.
pub const FIXED_THRESHOLD_KA: f64 = 40.0;
/// Buses above this share of the lowest breaker rating are named in the findings.
pub const RATING_SHARE: f64 = 0.9;

// ------------------------------------------------------------------ loading

/// A simulation the signed-in user may read, with its project context.
struct Loaded {
    ctx: ProjectCtx,
    sim: Simulation,
}

/// Loads a simulation through its project in the caller's company; 404 unless readable. A
/// pending or running simulation whose job failed for good is failed on the way (see
/// `jobs::simulation::reconcile`).
async fn load(state: &AppState, me: &CurrentUser, id: i64) -> AppResult<Loaded> {
    let (company_id, user_id, me2) = (me.company_id(), me.user.id, me.clone());
    state
        .db(move |conn| {
            let Some((sim, project, role)) = sims::find_in_company(conn, company_id, id, user_id)?
            else {
                return Err(AppError::NotFound);
            };
            let ctx = ProjectCtx::new(&me2.actor(), project, role);
            if !ctx.can(Capability::Read) {
                return Err(AppError::NotFound);
            }
            let sim = crate::jobs::simulation::reconcile(conn, sim)?;
            Ok(Loaded { ctx, sim })
        })
        .await
}

/// The stored result of a completed simulation.
fn stored_result(conn: &mut crate::db::DbConn, sim: &Simulation) -> AppResult<StoredResult> {
    let value = sims::result_json(conn, sim.id)?
        .ok_or_else(|| AppError::Internal(format!("simulation {} has no result", sim.id)))?;
    serde_json::from_value(value.0).map_err(|e| {
        AppError::Internal(format!(
            "simulation {}: the stored result cannot be read: {e}",
            sim.id
        ))
    })
}

fn path_id(id: web::Path<i64>) -> i64 {
    id.into_inner()
}

// ------------------------------------------------------------------ formatting

fn fixed(v: Option<f64>, decimals: usize) -> String {
    v.map(|x| format!("{x:.decimals$}")).unwrap_or_default()
}

/// `digits` significant digits without exponent (impedances span 1e-4 to 1e2 ohm).
fn significant(v: Option<f64>, digits: i32) -> String {
    match v {
        None => String::new(),
        Some(x) if x.abs() < f64::MIN_POSITIVE => "0".into(),
        Some(x) => {
            let magnitude = x.abs().log10().floor() as i32;
            let decimals = (digits - 1 - magnitude).clamp(0, 9) as usize;
            format!("{x:.decimals$}")
        }
    }
}

fn kv(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn fault_label(f: Fault) -> &'static str {
    match f {
        Fault::ThreePhase => "three-phase (3ph)",
        Fault::TwoPhase => "line-to-line (2ph)",
        Fault::TwoPhaseEarth => "line-to-line-to-earth (2phg)",
        Fault::SinglePhase => "line-to-earth (1ph)",
    }
}

fn case_label(c: Case) -> &'static str {
    match c {
        Case::Max => "maximum",
        Case::Min => "minimum",
    }
}

fn status_label(status: &str) -> &'static str {
    match status {
        "pending" => "Queued",
        "running" => "Running",
        "completed" => "Completed",
        "failed" => "Failed",
        "cancelled" => "Cancelled",
        _ => "Unknown",
    }
}

fn duration_label(ms: Option<i64>) -> String {
    match ms {
        None => String::new(),
        Some(ms) if ms < 1000 => format!("{ms} ms"),
        Some(ms) => format!("{:.1} s", ms as f64 / 1000.0),
    }
}

/// The options of a stored simulation (defaults where they cannot be read).
fn options_of(sim: &Simulation) -> ScOptions {
    serde_json::from_value(sim.options.0.clone()).unwrap_or_default()
}

// ------------------------------------------------------------------ the run form

#[derive(Deserialize, Clone, Debug, Default)]
pub struct RunForm {
    #[serde(default)]
    simulation_type: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    fault: String,
    #[serde(default)]
    case: String,
    #[serde(default)]
    lv_tol_percent: String,
    #[serde(default)]
    kappa_method: String,
    #[serde(default)]
    tk_s: String,
    #[serde(default)]
    tmin_s: String,
    #[serde(default)]
    r_fault_ohm: String,
    #[serde(default)]
    x_fault_ohm: String,
    #[serde(default)]
    buses: String,
    #[serde(default)]
    branch_results: String,
}

impl RunForm {
    /// The form with the engine's defaults (branch currents on) for `version` and `kind`.
    fn defaults(version: Option<i32>, kind: Option<&str>) -> RunForm {
        let o = ScOptions::default();
        RunForm {
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

    fn trimmed(mut self) -> RunForm {
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

/// Ranges of the numeric options: (field, label, min, min inclusive, max, unit).
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

/// Checks the form against the modules and the project's versions (in a blocking task).
fn validate_run(
    conn: &mut crate::db::DbConn,
    project_id: i64,
    f: &RunForm,
) -> AppResult<Result<RunRequest, FormErrors>> {
    let mut errors = FormErrors::default();
    let kind = match module::lookup_type(conn, &f.simulation_type)? {
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
    };
    let mut o = ScOptions::default();
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
    if let Some(k) = &kind {
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
    match parse_number(&f.tk_s, &TK_RANGE) {
        Some(v) => o.tk_s = v,
        None => errors.add(
            "tk_s",
            "Enter the fault duration Tk in seconds: more than 0 and at most 10.",
        ),
    }
    match parse_number(&f.tmin_s, &TMIN_RANGE) {
        Some(v) => o.tmin_s = v,
        None => errors.add(
            "tmin_s",
            "Enter the minimum time delay tmin in seconds: more than 0 and at most 1.",
        ),
    }
    match parse_number(&f.r_fault_ohm, &FAULT_Z_RANGE) {
        Some(v) => o.r_fault_ohm = v,
        None => errors.add(
            "r_fault_ohm",
            "Enter the fault resistance in ohms: from 0 to 1000.",
        ),
    }
    match parse_number(&f.x_fault_ohm, &FAULT_Z_RANGE) {
        Some(v) => o.x_fault_ohm = v,
        None => errors.add(
            "x_fault_ohm",
            "Enter the fault reactance in ohms: from 0 to 1000.",
        ),
    }
    match f.branch_results.as_str() {
        "yes" | "" => o.branch_results = true,
        "no" => o.branch_results = false,
        _ => errors.add("branch_results", "Choose yes or no."),
    }
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
    // The version (newest when none is named).
    let versions = sims::version_choices(conn, project_id)?;
    let chosen = if f.version.is_empty() {
        versions.first()
    } else {
        match f.version.parse::<i32>() {
            Ok(n) => versions.iter().find(|v| v.version_number == n),
            Err(_) => None,
        }
    };
    let mut version = None;
    match chosen {
        None if versions.is_empty() => errors.add(
            "version",
            "This project has no circuit version yet: save one in the circuit editor first.",
        ),
        None => errors.add("version", "Choose one of the project's circuit versions."),
        Some(v) => version = Some((v.id, v.version_number)),
    }
    if let Some((version_id, number)) = version
        && !wanted.is_empty()
        && !errors.has("buses")
    {
        let circuit = sims::version(conn, version_id)?
            .map(|v| v.data_json.0)
            .unwrap_or_default();
        let ids: HashSet<&str> = circuit
            .get("buses")
            .and_then(serde_json::Value::as_array)
            .map(|buses| {
                buses
                    .iter()
                    .filter_map(|b| b.get("id").and_then(serde_json::Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
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
    o.buses = wanted;
    match (errors.is_empty(), kind, version) {
        (true, Some(kind), Some((version_id, version_number))) => Ok(Ok(RunRequest {
            kind,
            version_id,
            version_number,
            options: o,
        })),
        _ => Ok(Err(errors)),
    }
}

/// The run form as rendered.
pub struct RunFormView {
    pub action: String,
    pub form: RunForm,
    pub errors: FormErrors,
    pub types: Vec<OfferedType>,
    pub versions: Vec<(i32, String)>,
    pub faults: Vec<(&'static str, &'static str)>,
    pub cases: Vec<(&'static str, &'static str)>,
    /// The form without the less common options (on the list page).
    pub compact: bool,
}

const FAULTS: [(&str, &str); 4] = [
    ("3ph", "Three-phase (3ph)"),
    ("2ph", "Line-to-line (2ph)"),
    ("2phg", "Line-to-line-to-earth (2phg)"),
    ("1ph", "Line-to-earth (1ph)"),
];
const CASES: [(&str, &str); 2] = [("max", "Maximum"), ("min", "Minimum")];

impl RunFormView {
    fn is_selected(&self, field: &str, value: &str) -> bool {
        let current = match field {
            "simulation_type" => &self.form.simulation_type,
            "version" => &self.form.version,
            "fault" => &self.form.fault,
            "case" => &self.form.case,
            "lv_tol_percent" => &self.form.lv_tol_percent,
            "kappa_method" => &self.form.kappa_method,
            "branch_results" => &self.form.branch_results,
            _ => return false,
        };
        current == value
    }
}

/// Loads what the form offers: enabled simulation types and the project's versions.
async fn form_view(
    state: &AppState,
    me: &CurrentUser,
    project_id: i64,
    form: RunForm,
    errors: FormErrors,
    compact: bool,
) -> AppResult<RunFormView> {
    let tz = me.user.timezone.clone();
    let (types, versions) = state
        .db(move |conn| {
            Ok((
                module::enabled_types(conn)?,
                sims::version_choices(conn, project_id)?,
            ))
        })
        .await?;
    let versions = versions
        .iter()
        .map(|v| {
            let mut label = format!("Version {}", v.version_number);
            if !v.message.is_empty() {
                let message: String = v.message.chars().take(60).collect();
                let _ = write!(label, " — {message}");
            }
            let _ = write!(label, " ({})", local_time(&v.created_at, &tz));
            (v.version_number, label)
        })
        .collect::<Vec<_>>();
    let mut form = form;
    if form.version.is_empty()
        && let Some((n, _)) = versions.first()
    {
        form.version = n.to_string();
    }
    Ok(RunFormView {
        action: format!("/projects/{project_id}/simulations"),
        form,
        errors,
        types,
        versions,
        faults: FAULTS.to_vec(),
        cases: CASES.to_vec(),
        compact,
    })
}

#[derive(Template)]
#[template(path = "simulations/new.html")]
struct NewPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    run: RunFormView,
}

#[derive(Deserialize)]
pub struct NewQuery {
    version: Option<i32>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

fn require_run_to_view(ctx: &ProjectCtx) -> AppResult<()> {
    if ctx.can(Capability::Run) {
        Ok(())
    } else if ctx.is_archived() {
        Err(AppError::Conflict(
            "This project is archived and read-only. An owner can reactivate it in its settings."
                .into(),
        ))
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn new_form(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path_id(id)).await?;
    require_run_to_view(&ctx)?;
    let q = q.into_inner();
    let form = RunForm::defaults(q.version, q.kind.as_deref());
    let mut run = form_view(&state, &me, ctx.id(), form, FormErrors::default(), false).await?;
    if let Some(n) = q.version
        && !run.versions.iter().any(|(v, _)| *v == n)
    {
        run.errors.add(
            "version",
            format!("There is no version {n}: the newest version is chosen instead."),
        );
        run.form.version = run
            .versions
            .first()
            .map(|(v, _)| v.to_string())
            .unwrap_or_default();
    }
    let page = NewPage {
        page: Page::new(
            &session,
            format!("New simulation · {}", ctx.project.name),
            Some(&me),
            "/projects",
        ),
        flags: ctx.flags(),
        project: ctx.project,
        tab: "simulations",
        run,
    };
    Ok(html(page.render()?))
}

pub async fn run(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<RunForm>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path_id(id)).await?;
    project_access::require_to_change(
        &state,
        &me,
        &ctx,
        Capability::Run,
        Entry::success("simulation.run", "simulation", None),
    )
    .await?;
    let form = form.into_inner().trimmed();
    let project_id = ctx.id();
    let f = form.clone();
    let checked = state
        .db(move |conn| validate_run(conn, project_id, &f))
        .await?;
    let request = match checked {
        Ok(r) => r,
        Err(errors) => {
            let run = form_view(&state, &me, project_id, form, errors, false).await?;
            let page = NewPage {
                page: Page::new(
                    &session,
                    format!("New simulation · {}", ctx.project.name),
                    Some(&me),
                    "/projects",
                ),
                flags: ctx.flags(),
                project: ctx.project,
                tab: "simulations",
                run,
            };
            return Ok(html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                page.render()?,
            ));
        }
    };
    let (actor, user_id) = (me.actor().audit(), me.user.id);
    let sim = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let options = serde_json::to_value(&request.options)
                    .map_err(|e| AppError::Internal(e.to_string()))?;
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
                    &actor,
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
                Ok::<_, AppError>(sim)
            })
        })
        .await?;
    crate::jobs::wake();
    Ok(redirect(&format!("/simulations/{}", sim.id)))
}

// ------------------------------------------------------------------ the project's list

pub struct ListRow {
    pub id: i64,
    pub status: String,
    pub status_label: &'static str,
    pub kind: String,
    pub fault: &'static str,
    pub case: &'static str,
    pub version: i32,
    pub user: String,
    pub queued: String,
    pub duration: String,
}

pub struct ListView {
    pub project_id: i64,
    pub rows: Vec<ListRow>,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub active: bool,
}

impl ListView {
    fn page_url(&self, page: i64) -> String {
        format!("/projects/{}/simulations?page={page}", self.project_id)
    }
    fn current_url(&self) -> String {
        self.page_url(self.page)
    }
    fn newer_url(&self) -> String {
        self.page_url(self.page - 1)
    }
    fn older_url(&self) -> String {
        self.page_url(self.page + 1)
    }
}

#[derive(Template)]
#[template(path = "simulations/list.html")]
struct ListPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    list: ListView,
    run: Option<RunFormView>,
}

#[derive(Template)]
#[template(path = "simulations/list_fragment.html")]
struct ListFragment {
    list: ListView,
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
}

fn list_row(l: &Listed, types: &[OfferedType], tz: &str) -> ListRow {
    let o = options_of(&l.sim);
    ListRow {
        id: l.sim.id,
        status: l.sim.status.clone(),
        status_label: status_label(&l.sim.status),
        kind: module::label_of(types, &l.sim.simulation_type),
        fault: o.fault.as_str(),
        case: match o.case {
            Case::Max => "max",
            Case::Min => "min",
        },
        version: l.version_number,
        user: l.user_name.clone(),
        queued: local_time(&l.sim.queued_at, tz),
        duration: duration_label(l.sim.duration_ms),
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path_id(id)).await?;
    let project_id = ctx.id();
    let page_no = q.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let (rows, total, types) = state
        .db(move |conn| {
            let (rows, total) =
                sims::page_for_project(conn, project_id, (page_no - 1) * PAGE_SIZE, PAGE_SIZE)?;
            // Simulations left behind by a dead worker show as failed, not running forever.
            let mut fixed_rows = Vec::with_capacity(rows.len());
            for mut l in rows {
                if l.sim.is_active() {
                    l.sim = crate::jobs::simulation::reconcile(conn, l.sim)?;
                }
                fixed_rows.push(l);
            }
            Ok((fixed_rows, total, module::all_types(conn)?))
        })
        .await?;
    let tz = me.user.timezone.clone();
    let list = ListView {
        project_id,
        active: rows.iter().any(|l| l.sim.is_active()),
        rows: rows.iter().map(|l| list_row(l, &types, &tz)).collect(),
        page: page_no,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        total,
    };
    if is_htmx(&req) {
        return Ok(html(ListFragment { list }.render()?));
    }
    let run = if ctx.can(Capability::Run) {
        Some(
            form_view(
                &state,
                &me,
                project_id,
                RunForm::defaults(None, None),
                FormErrors::default(),
                true,
            )
            .await?,
        )
    } else {
        None
    };
    let page = ListPage {
        page: Page::new(
            &session,
            format!("Simulations · {}", ctx.project.name),
            Some(&me),
            "/projects",
        ),
        flags: ctx.flags(),
        project: ctx.project,
        tab: "simulations",
        list,
        run,
    };
    Ok(html(page.render()?))
}

// ------------------------------------------------------------------ results

/// Sortable columns of the bus table: (key, header, numeric).
const BUS_COLUMNS: [(&str, &str, bool); 9] = [
    ("bus", "Bus", false),
    ("name", "Name", false),
    ("vn", "Un (kV)", true),
    ("ikss", "Ik'' (kA)", true),
    ("skss", "Sk'' (MVA)", true),
    ("ip", "ip (kA)", true),
    ("ith", "Ith (kA)", true),
    ("rk", "Rk (Ω)", true),
    ("xk", "Xk (Ω)", true),
];

#[derive(Deserialize, Default, Clone)]
pub struct SortQuery {
    sort: Option<String>,
    dir: Option<String>,
    /// The bus whose neighbourhood the diagram shows (large circuits).
    bus: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Asc,
    Desc,
}

/// The table's sort: a known column and a direction (Ik'' descending by default).
fn sort_of(q: &SortQuery) -> (&'static str, Dir) {
    let key = q
        .sort
        .as_deref()
        .and_then(|s| BUS_COLUMNS.iter().find(|c| c.0 == s))
        .map_or("ikss", |c| c.0);
    let numeric = BUS_COLUMNS.iter().any(|c| c.0 == key && c.2);
    let dir = match q.dir.as_deref() {
        Some("asc") => Dir::Asc,
        Some("desc") => Dir::Desc,
        _ if numeric => Dir::Desc,
        _ => Dir::Asc,
    };
    (key, dir)
}

pub struct SortHeader {
    pub label: &'static str,
    pub href: String,
    pub hx: String,
    /// `ascending`, `descending` or `none` (aria-sort).
    pub aria_sort: &'static str,
    pub numeric: bool,
}

pub struct BusRow {
    pub id: String,
    pub name: String,
    pub vn: String,
    pub ikss: String,
    pub skss: String,
    pub ip: String,
    pub ith: String,
    pub rk: String,
    pub xk: String,
    pub rk0: String,
    pub xk0: String,
    pub ike: String,
    pub over: bool,
    pub unfed: bool,
}

pub struct BusTable {
    pub sim_id: i64,
    pub headers: Vec<SortHeader>,
    pub rows: Vec<BusRow>,
    pub zero_sequence: bool,
    pub earth_current: bool,
    pub sort_note: String,
}

fn value_of(b: &BusResult, key: &str) -> Option<f64> {
    match key {
        "vn" => Some(b.vn_kv),
        "ikss" => b.ikss_ka,
        "skss" => b.skss_mva,
        "ip" => b.ip_ka,
        "ith" => b.ith_ka,
        "rk" => b.rk_ohm,
        "xk" => b.xk_ohm,
        _ => None,
    }
}

/// Sorted indices of the buses: O(n log n); buses without a value come last either way.
fn sorted_buses(buses: &[BusResult], key: &str, dir: Dir) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..buses.len()).collect();
    match key {
        "bus" | "name" => {
            let text = |b: &BusResult| -> String {
                if key == "bus" {
                    b.id.to_lowercase()
                } else {
                    b.name.clone().unwrap_or_default().to_lowercase()
                }
            };
            let keys: Vec<String> = buses.iter().map(text).collect();
            idx.sort_by(|&a, &b| {
                let o = keys[a].cmp(&keys[b]).then(a.cmp(&b));
                if dir == Dir::Desc { o.reverse() } else { o }
            });
        }
        _ => {
            idx.sort_by(|&a, &b| {
                match (value_of(&buses[a], key), value_of(&buses[b], key)) {
                    (Some(x), Some(y)) => {
                        let o = x.total_cmp(&y);
                        if dir == Dir::Desc { o.reverse() } else { o }
                    }
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                }
                .then(a.cmp(&b))
            });
        }
    }
    idx
}

fn bus_table_view(sim_id: i64, r: &StoredResult, q: &SortQuery, limits: &Thresholds) -> BusTable {
    let (key, dir) = sort_of(q);
    let headers = BUS_COLUMNS
        .iter()
        .map(|&(k, label, numeric)| {
            let next = if k == key {
                if dir == Dir::Asc { "desc" } else { "asc" }
            } else if numeric {
                "desc"
            } else {
                "asc"
            };
            SortHeader {
                label,
                href: format!("/simulations/{sim_id}?sort={k}&dir={next}#buses"),
                hx: format!("/simulations/{sim_id}/buses?sort={k}&dir={next}"),
                aria_sort: match (k == key, dir) {
                    (false, _) => "none",
                    (true, Dir::Asc) => "ascending",
                    (true, Dir::Desc) => "descending",
                },
                numeric,
            }
        })
        .collect();
    let buses = &r.results.buses;
    let rows = sorted_buses(buses, key, dir)
        .into_iter()
        .map(|i| {
            let b = &buses[i];
            BusRow {
                id: b.id.clone(),
                name: b.name.clone().unwrap_or_default(),
                vn: kv(b.vn_kv),
                ikss: fixed(b.ikss_ka, 3),
                skss: fixed(b.skss_mva, 1),
                ip: fixed(b.ip_ka, 3),
                ith: fixed(b.ith_ka, 3),
                rk: significant(b.rk_ohm, 4),
                xk: significant(b.xk_ohm, 4),
                rk0: significant(b.rk0_ohm, 4),
                xk0: significant(b.xk0_ohm, 4),
                ike: fixed(b.ike_ka, 3),
                over: limits.is_above(b),
                unfed: b.ikss_ka.is_none(),
            }
        })
        .collect();
    let label = BUS_COLUMNS.iter().find(|c| c.0 == key).map_or("", |c| c.1);
    BusTable {
        sim_id,
        headers,
        rows,
        zero_sequence: r.results.options.fault.needs_zero_sequence(),
        earth_current: r.results.options.fault == Fault::TwoPhaseEarth,
        sort_note: format!(
            "Sorted by {label}, {}.",
            if dir == Dir::Asc {
                "ascending"
            } else {
                "descending"
            }
        ),
    }
}

pub struct BranchRow {
    pub kind: String,
    pub id: String,
    pub from: String,
    pub to: String,
    pub lv: String,
    pub max: String,
    pub fault_bus: String,
}

fn branch_rows(branches: &[BranchResult]) -> Vec<BranchRow> {
    let mut sorted: Vec<&BranchResult> = branches.iter().collect();
    sorted.sort_by(|a, b| {
        b.ikss_ka
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.ikss_ka.unwrap_or(f64::NEG_INFINITY))
    });
    sorted
        .into_iter()
        .map(|b| BranchRow {
            kind: b.kind.clone(),
            id: b.id.clone(),
            from: fixed(b.ikss_from_ka, 3),
            to: fixed(b.ikss_to_ka, 3),
            lv: fixed(b.ikss_lv_ka, 3),
            max: fixed(b.ikss_ka, 3),
            fault_bus: b.fault_bus.clone().unwrap_or_default(),
        })
        .collect()
}

pub struct DutyRow {
    pub switch: String,
    pub bus: String,
    pub ikss: String,
    pub ib: String,
    pub rated_ib: String,
    pub ib_pct: String,
    pub ip: String,
    pub rated_ip: String,
    pub ip_pct: String,
    pub margin: String,
    pub status: String,
}

/// The higher of a breaker's two utilisations, percent.
fn utilisation(d: &DutyResult) -> Option<f64> {
    match (d.ib_utilisation_percent, d.ip_utilisation_percent) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Failing breakers first, then by utilisation, highest first.
fn sorted_duty(duty: &[DutyResult]) -> Vec<&DutyResult> {
    let mut sorted: Vec<&DutyResult> = duty.iter().collect();
    let rank = |d: &DutyResult| match d.status.as_str() {
        "fail" => 0,
        "pass" => 1,
        _ => 2,
    };
    sorted.sort_by(|a, b| {
        rank(a).cmp(&rank(b)).then(
            utilisation(b)
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&utilisation(a).unwrap_or(f64::NEG_INFINITY)),
        )
    });
    sorted
}

fn duty_rows(duty: &[DutyResult]) -> Vec<DutyRow> {
    sorted_duty(duty)
        .into_iter()
        .map(|d| DutyRow {
            switch: d.switch.clone(),
            bus: d.bus.clone(),
            ikss: fixed(d.ikss_ka, 3),
            ib: fixed(d.ib_ka, 3),
            rated_ib: fixed(d.rated_ib_ka, 1),
            ib_pct: fixed(d.ib_utilisation_percent, 1),
            ip: fixed(d.ip_ka, 3),
            rated_ip: fixed(d.rated_ip_ka, 1),
            ip_pct: fixed(d.ip_utilisation_percent, 1),
            margin: utilisation(d)
                .map(|u| format!("{:+.1} %", 100.0 - u))
                .unwrap_or_default(),
            status: d.status.clone(),
        })
        .collect()
}

pub struct Finding {
    /// `bad`, `warn` or `info`.
    pub level: &'static str,
    pub text: String,
}

fn bus_label(b: &BusResult) -> String {
    match &b.name {
        Some(n) if !n.is_empty() && *n != b.id => format!("{} ({n})", b.id),
        _ => b.id.clone(),
    }
}

fn list_names(names: &[String], max: usize) -> String {
    let mut s = names
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > max {
        let _ = write!(s, " and {} more", names.len() - max);
    }
    s
}

/// A voltage level as a map key (kV to the volt).
fn level_key(vn_kv: f64) -> i64 {
    (vn_kv * 1000.0).round() as i64
}

/// Where a bus's Ik'' deserves a mention: above [`RATING_SHARE`] of the lowest rated breaking
/// current of the breakers at its voltage level, or above [`FIXED_THRESHOLD_KA`] at levels
/// without rated breakers.
pub struct Thresholds {
    /// Voltage level → (threshold kA, lowest rating kA).
    rated: HashMap<i64, (f64, f64)>,
}

impl Thresholds {
    fn new(r: &StoredResult) -> Thresholds {
        let vn: HashMap<&str, f64> = r
            .results
            .buses
            .iter()
            .map(|b| (b.id.as_str(), b.vn_kv))
            .collect();
        let mut rated: HashMap<i64, (f64, f64)> = HashMap::new();
        for d in &r.results.duty {
            let (Some(rating), Some(v)) = (d.rated_ib_ka, vn.get(d.bus.as_str())) else {
                continue;
            };
            if rating <= 0.0 || !rating.is_finite() {
                continue;
            }
            let entry = rated
                .entry(level_key(*v))
                .or_insert((rating * RATING_SHARE, rating));
            if rating < entry.1 {
                *entry = (rating * RATING_SHARE, rating);
            }
        }
        Thresholds { rated }
    }

    /// The threshold for a bus of this voltage, and whether it comes from a breaker rating.
    fn limit(&self, vn_kv: f64) -> (f64, Option<f64>) {
        match self.rated.get(&level_key(vn_kv)) {
            Some(&(limit, rating)) => (limit, Some(rating)),
            None => (FIXED_THRESHOLD_KA, None),
        }
    }

    fn is_above(&self, b: &BusResult) -> bool {
        b.ikss_ka.is_some_and(|v| v > self.limit(b.vn_kv).0)
    }

    /// The rule in words, for the calculation details.
    fn describe(&self) -> String {
        let mut levels: Vec<(&i64, &(f64, f64))> = self.rated.iter().collect();
        levels.sort_by_key(|(k, _)| std::cmp::Reverse(**k));
        let mut s = String::new();
        for (k, (limit, rating)) in levels {
            let _ = write!(
                s,
                "{} kV: {limit:.2} kA ({:.0} % of the lowest breaker rating, {} kA); ",
                kv(*k as f64 / 1000.0),
                RATING_SHARE * 100.0,
                kv(*rating)
            );
        }
        let _ = write!(
            s,
            "{}{FIXED_THRESHOLD_KA} kA where no breaker is rated",
            if self.rated.is_empty() {
                "Ik'' above "
            } else {
                "other levels: "
            }
        );
        s
    }
}

/// The results in plain words.
fn findings(r: &StoredResult, limits: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    let res = &r.results;
    // Duty first: over-dutied equipment is the headline.
    let duty = sorted_duty(&res.duty);
    let failing: Vec<&&DutyResult> = duty.iter().filter(|d| d.status == "fail").collect();
    for d in &failing {
        let mut parts = Vec::new();
        if let (Some(ib), Some(rated), Some(u)) = (d.ib_ka, d.rated_ib_ka, d.ib_utilisation_percent)
            && u > 100.0
        {
            parts.push(format!(
                "its breaking current Ib {ib:.2} kA is {u:.1} % of its rating {} kA ({:.1} % over)",
                kv(rated),
                u - 100.0
            ));
        }
        if let (Some(ip), Some(rated), Some(u)) = (d.ip_ka, d.rated_ip_ka, d.ip_utilisation_percent)
            && u > 100.0
        {
            parts.push(format!(
                "its peak current ip {ip:.2} kA is {u:.1} % of its making rating {} kA ({:.1} % over)",
                kv(rated),
                u - 100.0
            ));
        }
        out.push(Finding {
            level: "bad",
            text: format!(
                "Breaker {} at bus {} is over its duty: {}.",
                d.switch,
                d.bus,
                parts.join("; ")
            ),
        });
    }
    if failing.is_empty()
        && let Some(closest) = duty.iter().find(|d| d.status == "pass")
        && let Some(u) = utilisation(closest)
    {
        out.push(Finding {
            level: "info",
            text: format!(
                "All {} rated breaker{} are within their duty. The most loaded is {} at bus {}: \
                 {u:.1} % of its rating ({:.1} % margin).",
                res.duty.iter().filter(|d| d.status == "pass").count(),
                if res.duty.len() == 1 { "" } else { "s" },
                closest.switch,
                closest.bus,
                100.0 - u
            ),
        });
    }
    // Highest current.
    if let Some(top) = res
        .buses
        .iter()
        .filter(|b| b.ikss_ka.is_some())
        .max_by(|a, b| {
            a.ikss_ka
                .unwrap_or(0.0)
                .total_cmp(&b.ikss_ka.unwrap_or(0.0))
        })
    {
        out.push(Finding {
            level: "info",
            text: format!(
                "The highest Ik'' is {:.2} kA, at bus {} ({} kV).",
                top.ikss_ka.unwrap_or_default(),
                bus_label(top),
                kv(top.vn_kv)
            ),
        });
    }
    // Buses above the thresholds: near a breaker rating of their level, or above the fixed
    // threshold where no breaker is rated.
    let mut near_rating: Vec<String> = Vec::new();
    let mut above_fixed: Vec<String> = Vec::new();
    let mut above: Vec<&BusResult> = res.buses.iter().filter(|b| limits.is_above(b)).collect();
    above.sort_by(|a, b| {
        b.ikss_ka
            .unwrap_or(0.0)
            .total_cmp(&a.ikss_ka.unwrap_or(0.0))
    });
    for b in above {
        let ik = b.ikss_ka.unwrap_or_default();
        match limits.limit(b.vn_kv) {
            (_, Some(rating)) => near_rating.push(format!(
                "{} ({ik:.2} kA, {:.0} % of {} kA)",
                b.id,
                ik / rating * 100.0,
                kv(rating)
            )),
            (_, None) => above_fixed.push(format!("{} ({ik:.2} kA)", b.id)),
        }
    }
    let plural = |n: usize| {
        if n == 1 { ("", "has") } else { ("es", "have") }
    };
    if !near_rating.is_empty() {
        let (es, have) = plural(near_rating.len());
        out.push(Finding {
            level: "warn",
            text: format!(
                "{} bus{es} {have} Ik'' above {:.0} % of the lowest breaker rating at their \
                 voltage level: {}.",
                near_rating.len(),
                RATING_SHARE * 100.0,
                list_names(&near_rating, 10)
            ),
        });
    }
    if !above_fixed.is_empty() {
        let (es, have) = plural(above_fixed.len());
        out.push(Finding {
            level: "warn",
            text: format!(
                "{} bus{es} {have} Ik'' above {FIXED_THRESHOLD_KA} kA at voltage levels without \
                 rated breakers: {}.",
                above_fixed.len(),
                list_names(&above_fixed, 10)
            ),
        });
    }
    // Largest contributors.
    let mut branches: Vec<&BranchResult> = res
        .branches
        .iter()
        .filter(|b| b.ikss_ka.is_some())
        .collect();
    branches.sort_by(|a, b| {
        b.ikss_ka
            .unwrap_or(0.0)
            .total_cmp(&a.ikss_ka.unwrap_or(0.0))
    });
    if !branches.is_empty() {
        let names: Vec<String> = branches
            .iter()
            .take(3)
            .map(|b| {
                format!(
                    "{} {} carries {:.2} kA{}",
                    b.kind,
                    b.id,
                    b.ikss_ka.unwrap_or_default(),
                    b.fault_bus
                        .as_ref()
                        .map(|f| format!(" (fault at {f})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        out.push(Finding {
            level: "info",
            text: format!("The largest branch currents: {}.", names.join("; ")),
        });
    }
    // Unfed buses.
    let unfed: Vec<String> = res
        .buses
        .iter()
        .filter(|b| b.ikss_ka.is_none())
        .map(|b| b.id.clone())
        .collect();
    if !unfed.is_empty() {
        out.push(Finding {
            level: "warn",
            text: format!(
                "{} bus{} not fed by any source and ha{} no result: {}.",
                unfed.len(),
                if unfed.len() == 1 { " is" } else { "es are" },
                if unfed.len() == 1 { "s" } else { "ve" },
                list_names(&unfed, 10)
            ),
        });
    }
    if !res.warnings.is_empty() {
        out.push(Finding {
            level: "warn",
            text: format!(
                "The calculation gave {} warning{} (listed below).",
                res.warnings.len(),
                if res.warnings.len() == 1 { "" } else { "s" }
            ),
        });
    }
    out
}

pub struct CompareChoice {
    pub id: i64,
    pub label: String,
}

pub struct DiagramView {
    /// The SVG markup from `diagram::render` (escaped there).
    pub svg: String,
    /// Shown when only a neighbourhood is drawn.
    pub note: String,
    /// For large circuits: the buses to choose the neighbourhood from (id, label, selected).
    pub choices: Vec<(String, String, bool)>,
}

pub struct ResultsView {
    pub sim_id: i64,
    pub is_duty: bool,
    pub facts: Vec<(&'static str, String)>,
    pub findings: Vec<Finding>,
    pub warnings: Vec<String>,
    pub table: BusTable,
    pub branches: Vec<BranchRow>,
    pub branch_results: bool,
    pub duty: Vec<DutyRow>,
    pub duty_failures: usize,
    pub compare: Vec<CompareChoice>,
    pub diagram: Option<DiagramView>,
}

/// The live part of the results page: status while pending or running, then the results or
/// the error.
pub struct LiveView {
    pub sim_id: i64,
    pub status: String,
    pub status_label: &'static str,
    pub active: bool,
    pub poll_ms: u32,
    pub error: Option<String>,
    pub results: Option<ResultsView>,
}

fn results_view(
    sim: &Simulation,
    r: &StoredResult,
    q: &SortQuery,
    compare: Vec<CompareChoice>,
    diagram: Option<DiagramView>,
) -> ResultsView {
    let limits = Thresholds::new(r);
    let o = &r.results.options;
    let facts = vec![
        (
            "Engine",
            format!(
                "{} {} ({})",
                r.engine.name, r.engine.version, r.engine.standard
            ),
        ),
        (
            "Buses calculated",
            format!("{} of {}", r.results.buses.len(), r.circuit.buses),
        ),
        ("Calculation time", duration_label(Some(r.duration_ms))),
        (
            "Queued to completed",
            duration_label(
                sim.completed_at
                    .map(|c| (c - sim.queued_at).num_milliseconds().max(0)),
            ),
        ),
        ("Thresholds for findings", limits.describe()),
        (
            "Options",
            format!(
                "LV tolerance {} %, κ method {:?}, Tk {} s, tmin {} s, fault impedance {} + j{} Ω",
                o.lv_tol_percent, o.kappa_method, o.tk_s, o.tmin_s, o.r_fault_ohm, o.x_fault_ohm
            ),
        ),
    ];
    ResultsView {
        sim_id: sim.id,
        is_duty: sim.simulation_type == "duty_check",
        facts,
        findings: findings(r, &limits),
        warnings: r.results.warnings.clone(),
        table: bus_table_view(sim.id, r, q, &limits),
        branches: branch_rows(&r.results.branches),
        branch_results: o.branch_results,
        duty: duty_rows(&r.results.duty),
        duty_failures: r.results.duty.iter().filter(|d| d.status == "fail").count(),
        compare,
        diagram,
    }
}

/// Builds the live view in a blocking task (reads and parses the stored result).
async fn live_view(
    state: &AppState,
    me: &CurrentUser,
    sim: Simulation,
    q: SortQuery,
    poll_ms: u32,
) -> AppResult<LiveView> {
    let tz = me.user.timezone.clone();
    state
        .db(move |conn| {
            let results = if sim.status == "completed" {
                let r = stored_result(conn, &sim)?;
                let others = sims::completed_in_project(conn, sim.project_id, sim.id, 100)?;
                let compare = others
                    .iter()
                    .map(|l| {
                        let o = options_of(&l.sim);
                        CompareChoice {
                            id: l.sim.id,
                            label: format!(
                                "#{} · {} · {} {} · version {} · {}",
                                l.sim.id,
                                l.sim.simulation_type.replace('_', " "),
                                o.fault.as_str(),
                                if o.case == Case::Max { "max" } else { "min" },
                                l.version_number,
                                local_time(&l.sim.queued_at, &tz)
                            ),
                        }
                    })
                    .collect();
                let diagram = diagram_view(conn, &sim, &r, &q)?;
                Some(results_view(&sim, &r, &q, compare, diagram))
            } else {
                None
            };
            Ok(LiveView {
                sim_id: sim.id,
                status_label: status_label(&sim.status),
                active: sim.is_active(),
                poll_ms,
                error: sim.error.clone(),
                status: sim.status,
                results,
            })
        })
        .await
}

/// Branch hops around the chosen bus drawn for circuits above
/// [`crate::diagram::MAX_FULL_DIAGRAM_BUSES`].
const NEIGHBOURHOOD_DEPTH: usize = 2;

/// The one-line diagram annotated with Ik'' per bus and coloured by level (see
/// `crate::diagram`): the whole circuit, or for large circuits the neighbourhood of the chosen
/// bus (`?bus=`, by default the bus with the highest Ik''). `None` when the circuit of the
/// version cannot be read any more.
fn diagram_view(
    conn: &mut crate::db::DbConn,
    sim: &Simulation,
    r: &StoredResult,
    q: &SortQuery,
) -> AppResult<Option<DiagramView>> {
    use crate::diagram::{Annotations, MAX_FULL_DIAGRAM_BUSES, RenderOptions};
    let Some(version) = sims::version(conn, sim.circuit_version_id)? else {
        return Ok(None);
    };
    // Stored versions are circuit documents: read straight from the loaded JSON.
    let Ok(circuit) = <crate::sc::Circuit as serde::Deserialize>::deserialize(&version.data_json.0)
    else {
        return Ok(None);
    };
    let annotations = Annotations::from_results(&r.results);
    if circuit.buses.len() <= MAX_FULL_DIAGRAM_BUSES {
        let svg = crate::diagram::render(&circuit, Some(&annotations), &RenderOptions::default());
        return Ok(Some(DiagramView {
            svg,
            note: String::new(),
            choices: Vec::new(),
        }));
    }
    // Large: the neighbourhood of one bus; the choices list the buses by Ik'', highest first.
    let mut by_ikss: Vec<&BusResult> = r.results.buses.iter().collect();
    by_ikss.sort_by(|a, b| {
        b.ikss_ka
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.ikss_ka.unwrap_or(f64::NEG_INFINITY))
    });
    let centre = q
        .bus
        .as_deref()
        .filter(|id| circuit.buses.iter().any(|b| b.id == *id))
        .map(str::to_string)
        .or_else(|| by_ikss.first().map(|b| b.id.clone()))
        .or_else(|| circuit.buses.first().map(|b| b.id.clone()));
    let Some(centre) = centre else {
        return Ok(None);
    };
    let Some(part) = crate::diagram::neighbourhood(&circuit, &centre, NEIGHBOURHOOD_DEPTH) else {
        return Ok(None);
    };
    let svg = crate::diagram::render(
        &part,
        Some(&annotations),
        &RenderOptions {
            highlight_bus: Some(centre.clone()),
            ..RenderOptions::default()
        },
    );
    let choices = by_ikss
        .iter()
        .map(|b| {
            let label = match b.ikss_ka {
                Some(v) => format!("{} · {v:.2} kA", bus_label(b)),
                None => format!("{} · not fed", bus_label(b)),
            };
            (b.id.clone(), label, b.id == centre)
        })
        .collect();
    Ok(Some(DiagramView {
        svg,
        note: format!(
            "The circuit has {} buses, more than a diagram can show at once: this is the part \
             within {NEIGHBOURHOOD_DEPTH} branches of bus {centre} ({} buses).",
            circuit.buses.len(),
            part.buses.len()
        ),
        choices,
    }))
}

#[derive(Template)]
#[template(path = "simulations/show.html")]
struct ShowPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    sim_id: i64,
    kind: String,
    version: i32,
    fault: &'static str,
    case: &'static str,
    user: String,
    queued: String,
    live: LiveView,
}

#[derive(Template)]
#[template(path = "simulations/live_fragment.html")]
struct LiveFragment {
    live: LiveView,
}

#[derive(Template)]
#[template(path = "simulations/bus_table_fragment.html")]
struct BusTableFragment {
    table: BusTable,
}

pub async fn show(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<SortQuery>,
) -> AppResult<HttpResponse> {
    let Loaded { ctx, sim } = load(&state, &me, path_id(id)).await?;
    let o = options_of(&sim);
    let s2 = sim.clone();
    let (listed, types) = state
        .db(move |conn| Ok((sims::listed(conn, s2)?, module::all_types(conn)?)))
        .await?;
    let live = live_view(&state, &me, sim, q.into_inner(), FIRST_POLL_MS).await?;
    let page = ShowPage {
        page: Page::new(
            &session,
            format!("Simulation #{} · {}", listed.sim.id, ctx.project.name),
            Some(&me),
            "/projects",
        ),
        flags: ctx.flags(),
        project: ctx.project,
        tab: "simulations",
        sim_id: listed.sim.id,
        kind: module::label_of(&types, &listed.sim.simulation_type),
        version: listed.version_number,
        fault: fault_label(o.fault),
        case: case_label(o.case),
        user: listed.user_name.clone(),
        queued: local_time(&listed.sim.queued_at, &me.user.timezone),
        live,
    };
    Ok(html(page.render()?))
}

/// The live part alone (htmx polls it while the simulation is pending or running).
pub async fn status(
    state: web::Data<AppState>,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let Loaded { sim, .. } = load(&state, &me, path_id(id)).await?;
    let live = live_view(&state, &me, sim, SortQuery::default(), POLL_MS).await?;
    Ok(html(LiveFragment { live }.render()?))
}

/// The bus table alone, sorted (htmx); a plain request goes to the page with the same sort.
pub async fn bus_table(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<SortQuery>,
) -> AppResult<HttpResponse> {
    let Loaded { sim, .. } = load(&state, &me, path_id(id)).await?;
    let q = q.into_inner();
    let (key, dir) = sort_of(&q);
    if !is_htmx(&req) {
        return Ok(redirect(&format!(
            "/simulations/{}?sort={key}&dir={}#buses",
            sim.id,
            if dir == Dir::Asc { "asc" } else { "desc" }
        )));
    }
    if sim.status != "completed" {
        return Err(AppError::Conflict(
            "This simulation has no results yet.".into(),
        ));
    }
    let table = state
        .db(move |conn| {
            let r = stored_result(conn, &sim)?;
            Ok(bus_table_view(sim.id, &r, &q, &Thresholds::new(&r)))
        })
        .await?;
    Ok(html(BusTableFragment { table }.render()?))
}

// ------------------------------------------------------------------ compare

#[derive(Deserialize)]
pub struct CompareQuery {
    with: Option<i64>,
}

pub struct CompareRow {
    pub bus: String,
    pub vn: String,
    pub old: String,
    pub new: String,
    pub delta: String,
    pub percent: String,
    /// `up`, `down` or `same`.
    pub trend: &'static str,
}

pub struct SimSummary {
    pub id: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "simulations/compare.html")]
struct ComparePage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    sim_id: i64,
    old: SimSummary,
    new: SimSummary,
    rows: Vec<CompareRow>,
    added: Vec<String>,
    removed: Vec<String>,
    different_options: bool,
}

fn summary_label(l: &Listed, r: &StoredResult) -> String {
    let o = &r.results.options;
    format!(
        "#{} · {} · {} {} · version {}",
        l.sim.id,
        l.sim.simulation_type.replace('_', " "),
        o.fault.as_str(),
        if o.case == Case::Max { "max" } else { "min" },
        l.version_number
    )
}

/// Per bus old and new Ik'', largest absolute change first; buses on one side only are
/// returned as added (only in `new`) and removed (only in `old`).
pub fn compare_buses(
    old: &[BusResult],
    new: &[BusResult],
) -> (Vec<CompareRow>, Vec<String>, Vec<String>) {
    let old_by_id: HashMap<&str, &BusResult> = old.iter().map(|b| (b.id.as_str(), b)).collect();
    let new_ids: HashSet<&str> = new.iter().map(|b| b.id.as_str()).collect();
    let mut rows: Vec<(Option<f64>, CompareRow)> = Vec::new();
    let mut added = Vec::new();
    for n in new {
        let Some(o) = old_by_id.get(n.id.as_str()) else {
            added.push(n.id.clone());
            continue;
        };
        let delta = match (o.ikss_ka, n.ikss_ka) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        };
        let percent = match (o.ikss_ka, delta) {
            (Some(a), Some(d)) if a != 0.0 => Some(d / a * 100.0),
            _ => None,
        };
        rows.push((
            delta,
            CompareRow {
                bus: n.id.clone(),
                vn: kv(n.vn_kv),
                old: fixed(o.ikss_ka, 3),
                new: fixed(n.ikss_ka, 3),
                delta: delta.map(|d| format!("{d:+.3}")).unwrap_or_default(),
                percent: percent.map(|p| format!("{p:+.1} %")).unwrap_or_default(),
                trend: match delta {
                    Some(d) if d > 1e-9 => "up",
                    Some(d) if d < -1e-9 => "down",
                    _ => "same",
                },
            },
        ));
    }
    rows.sort_by(|a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => y.abs().total_cmp(&x.abs()),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let removed = old
        .iter()
        .filter(|b| !new_ids.contains(b.id.as_str()))
        .map(|b| b.id.clone())
        .collect();
    (rows.into_iter().map(|(_, r)| r).collect(), added, removed)
}

pub async fn compare(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<CompareQuery>,
) -> AppResult<HttpResponse> {
    let Loaded { ctx, sim } = load(&state, &me, path_id(id)).await?;
    let Some(other_id) = q.with else {
        return Err(AppError::BadRequest(
            "Choose a simulation to compare with.".into(),
        ));
    };
    // The other simulation must be readable too, and of the same project.
    let other = load(&state, &me, other_id).await?.sim;
    if other.project_id != sim.project_id {
        return Err(AppError::NotFound);
    }
    if sim.status != "completed" || other.status != "completed" {
        return Err(AppError::Conflict(
            "Only completed simulations can be compared.".into(),
        ));
    }
    let (a, b) = (sim.clone(), other);
    let (la, ra, lb, rb) = state
        .db(move |conn| {
            let ra = stored_result(conn, &a)?;
            let rb = stored_result(conn, &b)?;
            Ok((sims::listed(conn, a)?, ra, sims::listed(conn, b)?, rb))
        })
        .await?;
    // Old is the one queued first.
    let ((lo, ro), (ln, rn)) = if (la.sim.queued_at, la.sim.id) <= (lb.sim.queued_at, lb.sim.id) {
        ((la, ra), (lb, rb))
    } else {
        ((lb, rb), (la, ra))
    };
    let (rows, added, removed) = compare_buses(&ro.results.buses, &rn.results.buses);
    let mut oo = ro.results.options.clone();
    let mut on = rn.results.options.clone();
    oo.buses.clear();
    on.buses.clear();
    let page = ComparePage {
        page: Page::new(
            &session,
            format!("Compare simulations · {}", ctx.project.name),
            Some(&me),
            "/projects",
        ),
        flags: ctx.flags(),
        project: ctx.project,
        tab: "simulations",
        sim_id: sim.id,
        old: SimSummary {
            id: lo.sim.id,
            label: summary_label(&lo, &ro),
        },
        new: SimSummary {
            id: ln.sim.id,
            label: summary_label(&ln, &rn),
        },
        rows,
        added,
        removed,
        different_options: oo != on,
    };
    Ok(html(page.render()?))
}

// ------------------------------------------------------------------ exports

/// A CSV text cell: a leading `=`, `+`, `-`, `@`, tab or carriage return (a formula to a
/// spreadsheet) gets a `'` in front; quoted when it holds a comma, quote or line break.
pub fn csv_text(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// A CSV number cell (full precision; empty when there is no value).
fn csv_num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn csv_line(out: &mut String, cells: &[String]) {
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

#[derive(Deserialize)]
pub struct CsvQuery {
    table: Option<String>,
}

/// The CSV of one result table: `buses` (default), `branches` or `duty`.
pub fn results_csv(r: &StoredResult, table: &str) -> Option<String> {
    let res = &r.results;
    let mut out = String::new();
    match table {
        "buses" => {
            csv_line(
                &mut out,
                &[
                    "bus", "name", "vn_kv", "ikss_ka", "skss_mva", "ip_ka", "ith_ka", "rk_ohm",
                    "xk_ohm", "rk0_ohm", "xk0_ohm", "ike_ka", "kappa",
                ]
                .map(String::from),
            );
            for b in &res.buses {
                csv_line(
                    &mut out,
                    &[
                        csv_text(&b.id),
                        csv_text(b.name.as_deref().unwrap_or("")),
                        b.vn_kv.to_string(),
                        csv_num(b.ikss_ka),
                        csv_num(b.skss_mva),
                        csv_num(b.ip_ka),
                        csv_num(b.ith_ka),
                        csv_num(b.rk_ohm),
                        csv_num(b.xk_ohm),
                        csv_num(b.rk0_ohm),
                        csv_num(b.xk0_ohm),
                        csv_num(b.ike_ka),
                        csv_num(b.kappa),
                    ],
                );
            }
        }
        "branches" => {
            csv_line(
                &mut out,
                &[
                    "kind",
                    "id",
                    "ikss_from_ka",
                    "ikss_to_ka",
                    "ikss_lv_ka",
                    "ikss_ka",
                    "fault_bus",
                ]
                .map(String::from),
            );
            for b in &res.branches {
                csv_line(
                    &mut out,
                    &[
                        csv_text(&b.kind),
                        csv_text(&b.id),
                        csv_num(b.ikss_from_ka),
                        csv_num(b.ikss_to_ka),
                        csv_num(b.ikss_lv_ka),
                        csv_num(b.ikss_ka),
                        csv_text(b.fault_bus.as_deref().unwrap_or("")),
                    ],
                );
            }
        }
        "duty" => {
            csv_line(
                &mut out,
                &[
                    "switch",
                    "bus",
                    "ikss_ka",
                    "ib_ka",
                    "rated_ib_ka",
                    "ib_utilisation_percent",
                    "ip_ka",
                    "rated_ip_ka",
                    "ip_utilisation_percent",
                    "status",
                ]
                .map(String::from),
            );
            for d in sorted_duty(&res.duty) {
                csv_line(
                    &mut out,
                    &[
                        csv_text(&d.switch),
                        csv_text(&d.bus),
                        csv_num(d.ikss_ka),
                        csv_num(d.ib_ka),
                        csv_num(d.rated_ib_ka),
                        csv_num(d.ib_utilisation_percent),
                        csv_num(d.ip_ka),
                        csv_num(d.rated_ip_ka),
                        csv_num(d.ip_utilisation_percent),
                        csv_text(&d.status),
                    ],
                );
            }
        }
        _ => return None,
    }
    Some(out)
}

fn attachment(content_type: &str, filename: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type.to_string()))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(body)
}

pub async fn export_csv(
    state: web::Data<AppState>,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<CsvQuery>,
) -> AppResult<HttpResponse> {
    let Loaded { sim, .. } = load(&state, &me, path_id(id)).await?;
    let table = q.into_inner().table.unwrap_or_else(|| "buses".into());
    if !matches!(table.as_str(), "buses" | "branches" | "duty") {
        return Err(AppError::BadRequest(
            "The table must be buses, branches or duty.".into(),
        ));
    }
    if sim.status != "completed" {
        return Err(AppError::Conflict(
            "This simulation has no results to export.".into(),
        ));
    }
    let sim_id = sim.id;
    let t = table.clone();
    let body = state
        .db(move |conn| {
            let r = stored_result(conn, &sim)?;
            results_csv(&r, &t).ok_or(AppError::NotFound)
        })
        .await?;
    let suffix = if table == "buses" {
        String::new()
    } else {
        format!("-{table}")
    };
    Ok(attachment(
        "text/csv; charset=utf-8",
        &format!("simulation-{sim_id}{suffix}.csv"),
        body,
    ))
}

pub async fn export_json(
    state: web::Data<AppState>,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let Loaded { ctx, sim } = load(&state, &me, path_id(id)).await?;
    let project_name = ctx.project.name.clone();
    let sim_id = sim.id;
    let body = state
        .db(move |conn| {
            let result = if sim.status == "completed" {
                Some(stored_result(conn, &sim)?)
            } else {
                None
            };
            let l = sims::listed(conn, sim)?;
            let doc = serde_json::json!({
                "simulation": {
                    "id": l.sim.id,
                    "project_id": l.sim.project_id,
                    "project": project_name,
                    "simulation_type": l.sim.simulation_type,
                    "status": l.sim.status,
                    "circuit_version": l.version_number,
                    "options": l.sim.options,
                    "simulated_by": l.user_name,
                    "queued_at": l.sim.queued_at,
                    "started_at": l.sim.started_at,
                    "completed_at": l.sim.completed_at,
                    "duration_ms": l.sim.duration_ms,
                    "error": l.sim.error,
                },
                "result": result,
            });
            serde_json::to_string_pretty(&doc).map_err(|e| AppError::Internal(e.to_string()))
        })
        .await?;
    Ok(attachment(
        "application/json",
        &format!("simulation-{sim_id}.json"),
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_guarded() {
        assert_eq!(csv_text("B1"), "B1");
        assert_eq!(csv_text("=1+2"), "'=1+2");
        assert_eq!(csv_text("+A"), "'+A");
        assert_eq!(csv_text("-A"), "'-A");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("a,b"), "\"a,b\"");
        assert_eq!(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(
            csv_text("=HYPERLINK(\"x\",1)"),
            "\"'=HYPERLINK(\"\"x\"\",1)\""
        );
        assert_eq!(csv_text("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn significant_digits() {
        assert_eq!(significant(Some(0.012345), 4), "0.01235");
        assert_eq!(significant(Some(12.345), 4), "12.35");
        assert_eq!(significant(Some(1234.5), 4), "1234");
        assert_eq!(significant(None, 4), "");
        assert_eq!(kv(20.0), "20");
        assert_eq!(kv(0.4), "0.4");
        assert_eq!(kv(10.5), "10.5");
    }

    fn bus(id: &str, ikss: Option<f64>) -> BusResult {
        BusResult {
            id: id.into(),
            vn_kv: 20.0,
            ikss_ka: ikss,
            ..Default::default()
        }
    }

    #[test]
    fn sorting_puts_missing_values_last() {
        let buses = vec![
            bus("a", Some(2.0)),
            bus("b", None),
            bus("c", Some(5.0)),
            bus("d", Some(1.0)),
        ];
        assert_eq!(sorted_buses(&buses, "ikss", Dir::Desc), vec![2, 0, 3, 1]);
        assert_eq!(sorted_buses(&buses, "ikss", Dir::Asc), vec![3, 0, 2, 1]);
        assert_eq!(sorted_buses(&buses, "bus", Dir::Desc), vec![3, 2, 1, 0]);
        let q = SortQuery {
            sort: Some("nonsense".into()),
            dir: Some("sideways".into()),
            bus: None,
        };
        assert!(matches!(sort_of(&q), ("ikss", Dir::Desc)));
    }

    fn stored_with(buses: Vec<BusResult>, duty: Vec<DutyResult>) -> StoredResult {
        StoredResult {
            format: "ampflux-simulation-result".into(),
            format_version: 1,
            engine: crate::models::simulation::EngineInfo::current(),
            simulation_type: "short_circuit".into(),
            circuit: crate::models::simulation::CircuitInfo {
                version_id: 1,
                version_number: 1,
                name: "t".into(),
                content_hash: String::new(),
                buses: buses.len(),
            },
            computed_at: crate::util::now(),
            duration_ms: 1,
            results: crate::sc::ScResults {
                options: ScOptions::default(),
                buses,
                branches: Vec::new(),
                duty,
                warnings: Vec::new(),
            },
        }
    }

    #[test]
    fn findings_name_overdutied_breakers_and_buses_near_their_levels_ratings() {
        let mut hv = bus("HV", Some(30.0));
        hv.vn_kv = 110.0;
        let mut hv2 = bus("HV2", Some(45.0));
        hv2.vn_kv = 110.0;
        let buses = vec![
            hv,
            hv2,
            bus("MV", Some(15.0)),
            bus("MV2", Some(10.0)),
            bus("X", None),
        ];
        let breaker = |id: &str, bus: &str, ib: f64, rated: f64| DutyResult {
            switch: id.into(),
            bus: bus.into(),
            ikss_ka: Some(ib),
            ib_ka: Some(ib),
            rated_ib_ka: Some(rated),
            ib_utilisation_percent: Some(ib / rated * 100.0),
            ip_ka: None,
            rated_ip_ka: None,
            ip_utilisation_percent: None,
            status: if ib > rated { "fail" } else { "pass" }.into(),
        };
        let r = stored_with(
            buses,
            vec![
                breaker("CB2", "MV2", 10.0, 20.0),
                breaker("CB1", "MV", 15.0, 12.5),
            ],
        );
        let limits = Thresholds::new(&r);
        assert_eq!(limits.limit(20.0), (12.5 * RATING_SHARE, Some(12.5)));
        assert_eq!(limits.limit(110.0), (FIXED_THRESHOLD_KA, None));
        let texts: Vec<String> = findings(&r, &limits).into_iter().map(|f| f.text).collect();
        assert!(
            texts[0].starts_with("Breaker CB1 at bus MV is over its duty: its breaking current Ib 15.00 kA is 120.0 % of its rating 12.5 kA (20.0 % over)"),
            "{texts:?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("The highest Ik'' is 45.00 kA, at bus HV2 (110 kV)"))
        );
        assert!(texts.iter().any(|t| t.contains("1 bus has Ik'' above 90 % of the lowest breaker rating at their voltage level: MV (15.00 kA, 120 % of 12.5 kA)")), "{texts:?}");
        assert!(texts.iter().any(|t| t.contains("1 bus has Ik'' above 40 kA at voltage levels without rated breakers: HV2 (45.00 kA)")), "{texts:?}");
        assert!(
            texts.iter().any(|t| t.starts_with("1 bus is not fed")),
            "{texts:?}"
        );
        let duty = duty_rows(&r.results.duty);
        assert_eq!(
            (duty[0].switch.as_str(), duty[0].status.as_str()),
            ("CB1", "fail")
        );
        assert_eq!(duty[0].margin, "-20.0 %");
        assert_eq!(duty[1].margin, "+50.0 %");
    }

    #[test]
    fn comparison_sorts_by_absolute_change() {
        let old = vec![
            bus("a", Some(10.0)),
            bus("b", Some(5.0)),
            bus("gone", Some(1.0)),
        ];
        let new = vec![
            bus("a", Some(9.0)),
            bus("b", Some(8.0)),
            bus("new", Some(2.0)),
        ];
        let (rows, added, removed) = compare_buses(&old, &new);
        assert_eq!(rows[0].bus, "b");
        assert_eq!(rows[0].percent, "+60.0 %");
        assert_eq!(rows[1].bus, "a");
        assert_eq!(rows[1].delta, "-1.000");
        assert_eq!(added, vec!["new".to_string()]);
        assert_eq!(removed, vec!["gone".to_string()]);
    }
}
