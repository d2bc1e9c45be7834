//! Two completed simulations of a project compared: Ik'', ip, Ib and Ith per bus by name,
//! largest change first, next to the versions' element differences; or, when the two cannot
//! be compared, the page says why (409).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::html;
use crate::circuit_edit::diff::diff;
use crate::models::project::Project;
use crate::models::simulation::{Listed, StoredResult};
use crate::ops::simulations::{self as sims, CompareInputs, CompareOutcome, CompareRefused};
use crate::report::compare::{CompareRow, change_lines, compare_buses, explain};
use crate::report::format::run_label;
use crate::report::names::Names;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::page::Page;
use crate::web::project_access::ProjectFlags;

#[derive(Deserialize)]
pub struct CompareQuery {
    with: Option<i64>,
}

pub struct SimSummary {
    pub id: i64,
    pub label: String,
}

impl SimSummary {
    fn new((l, r): &(Listed, StoredResult)) -> SimSummary {
        SimSummary {
            id: l.sim.id,
            label: run_label(
                l.sim.id,
                &l.sim.simulation_type,
                &r.results.options,
                l.version_number,
            ),
        }
    }

    fn listed(l: &Listed) -> SimSummary {
        SimSummary {
            id: l.sim.id,
            label: run_label(
                l.sim.id,
                &l.sim.simulation_type,
                &l.sim.sc_options(),
                l.version_number,
            ),
        }
    }
}

/// The comparison, or the reasons it cannot be made.
pub enum Body {
    Compared {
        old: SimSummary,
        new: SimSummary,
        rows: Vec<CompareRow>,
        added: Vec<String>,
        removed: Vec<String>,
        different_options: bool,
        /// The largest changes with their cause in the circuit.
        explained: Vec<String>,
        /// The versions' element differences, one line each.
        changes: Vec<String>,
        old_version: i32,
        new_version: i32,
    },
    Refused {
        this: SimSummary,
        other: SimSummary,
        reasons: Vec<String>,
    },
}

#[derive(Template)]
#[template(path = "simulations/compare.html")]
struct ComparePage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    sim_id: i64,
    body: Body,
}

fn compared(c: CompareInputs) -> (crate::ops::access::ProjectCtx, i64, Body) {
    let CompareInputs {
        ctx,
        sim_id,
        old,
        new,
        old_doc,
        new_doc,
    } = c;
    let old_names = Names::new(None, &old.1.results.buses);
    let new_names = Names::new(None, &new.1.results.buses);
    let cmp = compare_buses(
        &old.1.results.buses,
        &new.1.results.buses,
        &old_names,
        &new_names,
    );
    let changes = match (&old_doc, &new_doc) {
        (Some(a), Some(b)) => change_lines(&diff(a, b), Some(a), Some(b)),
        _ => Vec::new(),
    };
    let (old_version, new_version) = (old.0.version_number, new.0.version_number);
    // The fault locations differ by design; any other option is worth a note.
    let mut oo = old.1.results.options.clone();
    let mut on = new.1.results.options.clone();
    oo.buses.clear();
    on.buses.clear();
    let body = Body::Compared {
        old: SimSummary::new(&old),
        new: SimSummary::new(&new),
        explained: explain(&cmp.headlines, &changes, old_version, new_version),
        rows: cmp.rows,
        added: cmp.added,
        removed: cmp.removed,
        different_options: oo != on,
        changes,
        old_version,
        new_version,
    };
    (ctx, sim_id, body)
}

pub async fn compare(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<CompareQuery>,
) -> AppResult<HttpResponse> {
    let (actor, id, with) = (me.actor(), id.into_inner(), q.with);
    // Compared (and the versions diffed) on the blocking pool: large circuits take a while.
    let (ctx, sim_id, body) = state
        .op(move |conn| {
            Ok(match sims::compare(conn, &actor, id, with)? {
                CompareOutcome::Compared(c) => compared(*c),
                CompareOutcome::Refused(r) => {
                    let CompareRefused {
                        ctx,
                        sim_id,
                        this,
                        other,
                        reasons,
                    } = *r;
                    let body = Body::Refused {
                        this: SimSummary::listed(&this),
                        other: SimSummary::listed(&other),
                        reasons,
                    };
                    (ctx, sim_id, body)
                }
            })
        })
        .await?;
    let status = match body {
        Body::Compared { .. } => StatusCode::OK,
        Body::Refused { .. } => StatusCode::CONFLICT,
    };
    let page = ComparePage {
        page: super::page(
            &session,
            &me,
            format!("Compare simulations · {}", ctx.project.name),
        ),
        flags: ctx.flags(),
        project: ctx.project,
        tab: "simulations",
        sim_id,
        body,
    };
    let mut res = html(page.render()?);
    *res.status_mut() = status;
    Ok(res)
}
