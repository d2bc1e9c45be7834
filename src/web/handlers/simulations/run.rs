//! The run form (its own page, and compact on the list page) and running a simulation.

use std::fmt::Write as _;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::{html, html_status, redirect};
use crate::models::module::OfferedType;
use crate::models::project::Project;
use crate::ops::OpError;
use crate::ops::input::FieldErrors;
use crate::ops::simulations::checks::Readiness;
use crate::ops::simulations::{self as sims, RunChoices, RunSimulation, SimulationRefusal};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::page::{Page, local_time};
use crate::web::project_access::{ProjectAccess, ProjectFlags};

/// The run form as rendered.
pub struct RunFormView {
    pub action: String,
    pub form: RunSimulation,
    pub errors: FieldErrors,
    pub types: Vec<OfferedType>,
    pub versions: Vec<(i32, String)>,
    pub faults: Vec<(&'static str, &'static str)>,
    pub cases: Vec<(&'static str, &'static str)>,
    /// The form without the less common options (on the list page).
    pub compact: bool,
    /// What the chosen version is ready for, study by study (the run page).
    pub readiness: Option<(i32, Vec<Readiness>)>,
    /// The refused run's study: what the version lacks (nothing was queued).
    pub missing: Option<(i32, Readiness)>,
}

const FAULTS: [(&str, &str); 4] = [
    ("3ph", "Three-phase (3ph)"),
    ("2ph", "Line-to-line (2ph)"),
    ("2phg", "Line-to-line-to-earth (2phg)"),
    ("1ph", "Line-to-earth (1ph)"),
];
const CASES: [(&str, &str); 2] = [("max", "Maximum"), ("min", "Minimum")];

impl RunFormView {
    /// The form over `choices`, the newest version chosen when none is; version labels in the
    /// user's time zone.
    pub fn new(
        project_id: i64,
        choices: RunChoices,
        mut form: RunSimulation,
        errors: FieldErrors,
        compact: bool,
        tz: &str,
    ) -> RunFormView {
        let versions = choices
            .versions
            .iter()
            .map(|v| {
                let mut label = format!("Version {}", v.version_number);
                if !v.message.is_empty() {
                    let message: String = v.message.chars().take(60).collect();
                    let _ = write!(label, " — {message}");
                }
                let _ = write!(label, " ({})", local_time(&v.created_at, tz));
                (v.version_number, label)
            })
            .collect::<Vec<_>>();
        if form.version.is_empty()
            && let Some((n, _)) = versions.first()
        {
            form.version = n.to_string();
        }
        RunFormView {
            action: format!("/projects/{project_id}/simulations"),
            form,
            errors,
            types: choices.types,
            versions,
            faults: FAULTS.to_vec(),
            cases: CASES.to_vec(),
            compact,
            readiness: choices.readiness,
            missing: None,
        }
    }

    pub fn is_selected(&self, field: &str, value: &str) -> bool {
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

#[derive(Template)]
#[template(path = "simulations/new.html")]
struct NewPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    run: RunFormView,
}

impl NewPage {
    fn render_for(session: &Session, access: ProjectAccess, run: RunFormView) -> AppResult<String> {
        let page = NewPage {
            page: super::page(
                session,
                &access.me,
                format!("New simulation · {}", access.ctx.project.name),
            ),
            flags: access.ctx.flags(),
            project: access.ctx.project,
            tab: "simulations",
            run,
        };
        Ok(page.render()?)
    }
}

#[derive(Deserialize)]
pub struct NewQuery {
    version: Option<i32>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

pub async fn new_form(
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    q: web::Query<NewQuery>,
) -> AppResult<HttpResponse> {
    let ctx = access.ctx.clone();
    let q = q.into_inner();
    let version = q.version;
    let choices = state
        .op(move |conn| sims::run_form(conn, &ctx, version))
        .await?;
    let form = RunSimulation::defaults(q.version, q.kind.as_deref());
    let mut run = RunFormView::new(
        access.project_id(),
        choices,
        form,
        FieldErrors::default(),
        false,
        &access.me.user.timezone,
    );
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
    Ok(html(NewPage::render_for(&session, access, run)?))
}

pub async fn run(
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    form: web::Form<RunSimulation>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner().trimmed();
    let (actor, ctx, input) = (access.me.actor(), access.ctx.clone(), form.clone());
    match state
        .op(move |conn| sims::run(conn, &actor, &ctx, input))
        .await
    {
        Ok(sim) => Ok(redirect(&format!("/simulations/{}", sim.id))),
        Err(OpError::Invalid(errors)) => {
            refused_form(&state, session, access, form, errors, None).await
        }
        Err(OpError::Simulation(SimulationRefusal::Incomplete { version, readiness })) => {
            let missing = Some((version, *readiness));
            refused_form(
                &state,
                session,
                access,
                form,
                FieldErrors::default(),
                missing,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The run page again with the refusal (422): wrong fields, or what the circuit lacks.
async fn refused_form(
    state: &AppState,
    session: Session,
    access: ProjectAccess,
    form: RunSimulation,
    errors: FieldErrors,
    missing: Option<(i32, Readiness)>,
) -> AppResult<HttpResponse> {
    let project_id = access.project_id();
    let choices = state
        .op(move |conn| sims::run_choices(conn, project_id))
        .await?;
    let mut run = RunFormView::new(
        project_id,
        choices,
        form,
        errors,
        false,
        &access.me.user.timezone,
    );
    run.missing = missing;
    Ok(html_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        NewPage::render_for(&session, access, run)?,
    ))
}
