//! A simulation's page: its header, and the live part (status while pending or running, then
//! the results or the error), which htmx polls alone; the bus table alone when re-sorted.

use actix_session::Session;
use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::{html, is_htmx, redirect};
use crate::models::license::LicenseState;
use crate::models::module;
use crate::models::project::Project;
use crate::ops::OpError;
use crate::ops::simulations::{self as sims, Live, ShowInputs};
use crate::report::diagram::{DiagramQuery, diagram_view};
use crate::report::format::{case_label, fault_label, run_label, status_label};
use crate::report::paging::Rows;
use crate::report::results::{
    CompareChoice, ResultsView, TableQuery, result_branch_table, result_bus_table, results_view,
};
use crate::report::tables::{BranchTable, BusTable, Sort};
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::page::{Page, local_time};
use crate::web::project_access::ProjectFlags;
use crate::web::{AppState, conditional};

/// Delay of the first status check after the page is shown (most runs are done by then).
const FIRST_POLL_MS: u32 = 250;
/// Delay between status checks while a simulation is pending or running.
const POLL_MS: u32 = 500;

#[derive(Deserialize, Default, Clone)]
pub struct SortQuery {
    sort: Option<String>,
    dir: Option<String>,
    /// The bus table's page (from 1).
    page: Option<String>,
    /// The branch table's page (from 1).
    bpage: Option<String>,
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

    fn tables(&self) -> TableQuery {
        TableQuery {
            sort: self.sort(),
            buses: Rows::parse(self.page.as_deref()),
            branches: Rows::parse(self.bpage.as_deref()),
        }
    }

    /// The query as the page reads it (unknown sorts and pages fall back alike), as a cache
    /// key.
    fn cache_key(&self) -> String {
        let t = self.tables();
        // Debug-quoted strings, so no two queries share a key.
        format!(
            "{}|{}|{}|{}|{:?}|{:?}|{:?}",
            t.sort.key,
            t.sort.dir.as_str(),
            t.buses.number(),
            t.branches.number(),
            self.bus,
            self.depth,
            self.q
        )
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
            // Only runs the comparison accepts: the same fault type and case.
            let own = sim.sc_options();
            let compare = r
                .others
                .iter()
                .filter(|l| {
                    let o = l.sim.sc_options();
                    o.fault == own.fault && o.case == own.case
                })
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
            results_view(
                &sim,
                &r.stored,
                q.tables(),
                compare,
                diagram,
                r.circuit.as_ref(),
            )
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

/// A simulation's page content inside the frame (header, facts, live part).
#[derive(Template)]
#[template(path = "simulations/_show_body.html")]
struct ShowBody {
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
#[template(path = "simulations/show.html")]
struct ShowPage<'a> {
    page: Page,
    body: &'a str,
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

/// The branch table alone (htmx).
#[derive(Template)]
#[template(path = "simulations/_branch_table.html")]
struct BranchTablePiece {
    table: BranchTable,
}

/// A simulation's rendered page content, kept per user, simulation and query while the
/// company's revision stays (see `AppState::result_pages`): a finished simulation never
/// changes, and whatever else the page shows (the project, the user's access, the other runs
/// to compare with) moves the revision when it changes.
pub struct RenderedBody {
    title: String,
    html: String,
    digest: [u8; 32],
    /// Pending or running: never cached, never answered with 304.
    active: bool,
    /// Asked for in its plain form (pages that exist, no diagram search): only such contents are
    /// kept, so odd queries (`?page=99999`, a new search string each time) cannot crowd the
    /// cache.
    plain_query: bool,
}

/// The cache key of a rendered page content: user, simulation, and the normalised query.
pub type BodyKey = (i64, i64, String);

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<SortQuery>,
) -> AppResult<HttpResponse> {
    let q = q.into_inner();
    // What the page offers (run, settings) also follows the license's dates, which pass
    // without a write: the read-only state is part of the key.
    let read_only = !matches!(me.license_state(), LicenseState::Active { .. });
    let key: BodyKey = (
        me.user.id,
        id.into_inner(),
        format!("{}|ro={read_only}", q.cache_key()),
    );
    let cached = |state: &AppState| {
        me.revision
            .and_then(|revision| state.result_pages.get(&key, revision))
    };
    let body = match cached(&state) {
        Some(body) => body,
        None => {
            let _gate = state.render_gate(&key).lock().await;
            match cached(&state) {
                // Rendered by the request this one waited for.
                Some(body) => body,
                None => {
                    let body = Arc::new(render_body(&state, &me, key.1, q).await?);
                    if let (Some(revision), false, true) =
                        (me.revision, body.active, body.plain_query)
                    {
                        state
                            .result_pages
                            .insert(key.clone(), revision, body.clone());
                    }
                    body
                }
            }
        }
    };
    let page = super::page(&session, &me, body.title.clone());
    let tag = match page.fingerprint() {
        Some(frame) if !body.active => {
            Some(conditional::entity_tag(&[&body.digest, frame.as_bytes()]))
        }
        _ => None,
    };
    if let Some(tag) = &tag
        && conditional::matches(&req, tag)
    {
        return Ok(conditional::not_modified(tag));
    }
    let res = html(
        ShowPage {
            page,
            body: &body.html,
        }
        .render()?,
    );
    Ok(match &tag {
        Some(tag) => conditional::tagged(res, tag),
        None => res,
    })
}

/// Reads and renders a simulation's page content (results formatted on the blocking pool too:
/// sorting and drawing large circuits).
async fn render_body(
    state: &AppState,
    me: &CurrentUser,
    id: i64,
    q: SortQuery,
) -> AppResult<RenderedBody> {
    let (actor, tz) = (me.actor(), me.user.timezone.clone());
    let asked = q.tables();
    let searching = q.q.as_deref().is_some_and(|s| !s.trim().is_empty());
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
    let title = format!("Simulation #{} · {}", listed.sim.id, ctx.project.name);
    let active = live.active;
    let plain_query = !searching
        && live.results.as_ref().is_none_or(|r| {
            r.table.nav.page == asked.buses.number()
                && r.branches.nav.page == asked.branches.number()
        });
    let body = ShowBody {
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
    let html = body.render()?;
    Ok(RenderedBody {
        title,
        digest: conditional::body_digest(&html),
        html,
        active,
        plain_query,
    })
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

/// The bus table alone, sorted, one page (htmx); a plain request goes to the page with the
/// same sort and page.
pub async fn bus_table(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<SortQuery>,
) -> AppResult<HttpResponse> {
    let (actor, id) = (me.actor(), id.into_inner());
    let t = q.tables();
    if !is_htmx(&req) {
        let loaded = state.op(move |conn| sims::load(conn, &actor, id)).await?;
        return Ok(redirect(&format!(
            "/simulations/{}?sort={}&dir={}&page={}#buses",
            loaded.sim.id,
            t.sort.key,
            t.sort.dir.as_str(),
            t.buses.number()
        )));
    }
    // Only what the table reads is in the key (not the branch page or the diagram's query).
    let key: BodyKey = (
        me.user.id,
        id,
        format!(
            "buses|{}|{}|{}",
            t.sort.key,
            t.sort.dir.as_str(),
            t.buses.number()
        ),
    );
    let body = cached_fragment(&state, &me, key, move |conn| {
        let (loaded, result) = sims::completed_result(conn, &actor, id)?;
        let table = result_bus_table(loaded.sim.id, &result, t.sort, t.buses);
        let plain = table.nav.page == t.buses.number();
        Ok(BusTablePiece { table }.render().map(|html| (html, plain)))
    })
    .await?;
    Ok(fragment_response(&req, &body))
}

/// The branch table alone, one page (htmx); a plain request goes to the page.
pub async fn branch_table(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<SortQuery>,
) -> AppResult<HttpResponse> {
    let (actor, id) = (me.actor(), id.into_inner());
    let rows = Rows::parse(q.page.as_deref());
    if !is_htmx(&req) {
        let loaded = state.op(move |conn| sims::load(conn, &actor, id)).await?;
        return Ok(redirect(&format!(
            "/simulations/{}?bpage={}#branches",
            loaded.sim.id,
            rows.number()
        )));
    }
    let key: BodyKey = (me.user.id, id, format!("branches|{}", rows.number()));
    let body = cached_fragment(&state, &me, key, move |conn| {
        let (loaded, result, circuit) = sims::completed_with_circuit(conn, &actor, id)?;
        let table = result_branch_table(loaded.sim.id, &result, circuit.as_ref(), rows);
        let plain = table.nav.page == rows.number();
        Ok(BranchTablePiece { table }
            .render()
            .map(|html| (html, plain)))
    })
    .await?;
    Ok(fragment_response(&req, &body))
}

/// A fragment of a finished simulation, rendered once per company revision (as the page);
/// `render` gives the HTML and whether the query was plain (kept only then).
async fn cached_fragment<F>(
    state: &AppState,
    me: &CurrentUser,
    key: BodyKey,
    render: F,
) -> AppResult<Arc<RenderedBody>>
where
    F: FnOnce(&mut crate::db::DbConn) -> Result<Result<(String, bool), askama::Error>, OpError>
        + Send
        + 'static,
{
    let cached = || {
        me.revision
            .and_then(|revision| state.result_pages.get(&key, revision))
    };
    if let Some(body) = cached() {
        return Ok(body);
    }
    let _gate = state.render_gate(&key).lock().await;
    if let Some(body) = cached() {
        return Ok(body);
    }
    // The render says whether the query was plain (a page that exists): only those are kept.
    let (html, plain) = state.op(render).await??;
    let body = Arc::new(RenderedBody {
        title: String::new(),
        digest: conditional::body_digest(&html),
        html,
        active: false,
        plain_query: plain,
    });
    if let (Some(revision), true) = (me.revision, plain) {
        state.result_pages.insert(key, revision, body.clone());
    }
    Ok(body)
}

/// A cached fragment with its entity tag (it carries no token: the tag is the body's).
fn fragment_response(req: &HttpRequest, body: &RenderedBody) -> HttpResponse {
    let tag = conditional::entity_tag(&[&body.digest]);
    if conditional::matches(req, &tag) {
        return conditional::not_modified(&tag);
    }
    conditional::tagged(html(body.html.clone()), &tag)
}
