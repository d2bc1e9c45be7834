//! Two completed simulations of a project compared: Ik'' per bus, largest change first.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::html;
use crate::models::project::Project;
use crate::models::simulation::{Listed, StoredResult};
use crate::ops::simulations::{self as sims, CompareInputs};
use crate::report::compare::{CompareRow, compare_buses};
use crate::report::format::run_label;
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

pub async fn compare(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<CompareQuery>,
) -> AppResult<HttpResponse> {
    let (actor, id, with) = (me.actor(), id.into_inner(), q.with);
    let CompareInputs {
        ctx,
        sim_id,
        old,
        new,
    } = state
        .op(move |conn| sims::compare(conn, &actor, id, with))
        .await?;
    let c = compare_buses(&old.1.results.buses, &new.1.results.buses);
    // The fault locations differ by design; any other option is worth a note.
    let mut oo = old.1.results.options.clone();
    let mut on = new.1.results.options.clone();
    oo.buses.clear();
    on.buses.clear();
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
        old: SimSummary::new(&old),
        new: SimSummary::new(&new),
        rows: c.rows,
        added: c.added,
        removed: c.removed,
        different_options: oo != on,
    };
    Ok(html(page.render()?))
}
