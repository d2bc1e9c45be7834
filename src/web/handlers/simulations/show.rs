//! A simulation's page: its header, and the live part (status while pending or running, then
//! the results or the error), which htmx polls alone; the bus table alone when re-sorted.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::{html, is_htmx, redirect};
use crate::models::module;
use crate::models::project::Project;
use crate::ops::simulations::{self as sims, Live, ShowInputs};
use crate::report::diagram::{DiagramQuery, diagram_view};
use crate::report::format::{case_label, fault_label, run_label, status_label};
use crate::report::results::{CompareChoice, ResultsView, result_bus_table, results_view};
use crate::report::tables::{BusTable, Sort};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::page::{Page, local_time};
use crate::web::project_access::ProjectFlags;

/// Delay of the first status check after the page is shown (most runs are done by then).
const FIRST_POLL_MS: u32 = 250;
/// Delay between status checks while a simulation is pending or running.
const POLL_MS: u32 = 500;

#[derive(Deserialize, Default, Clone)]
pub struct SortQuery {
    sort: Option<String>,
    dir: Option<String>,
    /// The diagram (large circuits): the bus whose neighbourhood it shows, its depth and the
    /// bus search.
    bus: Option<String>,
    depth: Option<String>,
    q: Option<String>,
}

impl SortQuery {
    fn sort(&self) -> Sort {
        Sort::parse(self.sort.as_deref(), self.dir.as_deref())
    }
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

impl LiveView {
    fn new(live: Live, q: &SortQuery, poll_ms: u32, tz: &str) -> LiveView {
        let Live { sim, results } = live;
        let results = results.map(|r| {
            let compare = r
                .others
                .iter()
                .map(|l| CompareChoice {
                    id: l.sim.id,
                    label: format!(
                        "{} · {}",
                        run_label(
                            l.sim.id,
                            &l.sim.simulation_type,
                            &l.sim.sc_options(),
                            l.version_number
                        ),
                        local_time(&l.sim.queued_at, tz)
                    ),
                })
                .collect();
            let dq = DiagramQuery {
                page_url: format!("/simulations/{}", sim.id),
                search_url: String::new(),
                heading_level: 3,
                bus: q.bus.clone().unwrap_or_default(),
                depth: q.depth.clone().unwrap_or_default(),
                q: q.q.clone().unwrap_or_default(),
            };
            let diagram = r
                .circuit
                .as_ref()
                .map(|c| diagram_view(Some(c), Some(&r.stored.results), &dq));
            results_view(&sim, &r.stored, q.sort(), compare, diagram)
        });
        LiveView {
            sim_id: sim.id,
            status_label: status_label(&sim.status),
            active: sim.is_active(),
            poll_ms,
            error: sim.error,
            status: sim.status,
            results,
        }
    }
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

/// The live part alone (htmx).
#[derive(Template)]
#[template(path = "simulations/_live.html")]
struct LivePiece {
    live: LiveView,
}

/// The bus table alone (htmx).
#[derive(Template)]
#[template(path = "simulations/_bus_table.html")]
struct BusTablePiece {
    table: BusTable,
}

pub async fn show(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<SortQuery>,
) -> AppResult<HttpResponse> {
    let (actor, id, tz) = (me.actor(), id.into_inner(), me.user.timezone.clone());
    let q = q.into_inner();
    // The results are formatted on the blocking pool too (sorting and drawing large circuits).
    let (shown, live) = state
        .op(move |conn| {
            let ShowInputs {
                ctx,
                listed,
                types,
                live,
            } = sims::show(conn, &actor, id)?;
            let live = LiveView::new(live, &q, FIRST_POLL_MS, &tz);
            Ok(((ctx, listed, types), live))
        })
        .await?;
    let (ctx, listed, types) = shown;
    let o = listed.sim.sc_options();
    let page = ShowPage {
        page: super::page(
            &session,
            &me,
            format!("Simulation #{} · {}", listed.sim.id, ctx.project.name),
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
    let (actor, id, tz) = (me.actor(), id.into_inner(), me.user.timezone.clone());
    let live = state
        .op(move |conn| {
            let live = sims::status(conn, &actor, id)?;
            Ok(LiveView::new(live, &SortQuery::default(), POLL_MS, &tz))
        })
        .await?;
    Ok(html(LivePiece { live }.render()?))
}

/// The bus table alone, sorted (htmx); a plain request goes to the page with the same sort.
pub async fn bus_table(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<SortQuery>,
) -> AppResult<HttpResponse> {
    let (actor, id) = (me.actor(), id.into_inner());
    let sort = q.sort();
    if !is_htmx(&req) {
        let loaded = state.op(move |conn| sims::load(conn, &actor, id)).await?;
        return Ok(redirect(&format!(
            "/simulations/{}?sort={}&dir={}#buses",
            loaded.sim.id,
            sort.key,
            sort.dir.as_str()
        )));
    }
    let table = state
        .op(move |conn| {
            let (loaded, result) = sims::completed_result(conn, &actor, id)?;
            Ok(result_bus_table(loaded.sim.id, &result, sort))
        })
        .await?;
    Ok(html(BusTablePiece { table }.render()?))
}
