//! The project's simulations, newest first, with the compact run form (htmx refreshes the list
//! alone while any simulation runs).

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::{html, is_htmx};
use super::run::RunFormView;
use crate::models::module::{self, OfferedType};
use crate::models::project::Project;
use crate::models::simulation::Listed;
use crate::ops::input::FieldErrors;
use crate::ops::simulations::{self as sims, RunSimulation};
use crate::report::format::{case_short, duration_label_us, status_label};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::page::{Page, local_time};
use crate::web::project_access::{ProjectAccess, ProjectFlags};

const PAGE_SIZE: i64 = 20;
/// The highest page number asked for (keeps the offset far from overflowing).
const MAX_PAGE: i64 = 1_000_000;

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

impl ListRow {
    fn new(l: &Listed, types: &[OfferedType], tz: &str) -> ListRow {
        let o = l.sim.sc_options();
        ListRow {
            id: l.sim.id,
            status: l.sim.status.clone(),
            status_label: status_label(&l.sim.status),
            kind: module::label_of(types, &l.sim.simulation_type),
            fault: o.fault.as_str(),
            case: case_short(o.case),
            version: l.version_number,
            user: l.user_name.clone(),
            queued: local_time(&l.sim.queued_at, tz),
            duration: duration_label_us(l.sim.duration_micros()),
        }
    }
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
    pub fn current_url(&self) -> String {
        self.page_url(self.page)
    }
    pub fn newer_url(&self) -> String {
        self.page_url(self.page - 1)
    }
    pub fn older_url(&self) -> String {
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

/// The list alone (htmx).
#[derive(Template)]
#[template(path = "simulations/_list.html")]
struct ListPiece {
    list: ListView,
}

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let project_id = access.project_id();
    let page_no = q.page.unwrap_or(1).clamp(1, MAX_PAGE);
    let htmx = is_htmx(&req);
    let ctx = access.ctx.clone();
    let found = state
        .op(move |conn| sims::list(conn, &ctx, page_no, PAGE_SIZE, !htmx))
        .await?;
    let tz = access.me.user.timezone.clone();
    let list = ListView {
        project_id,
        active: found.rows.iter().any(|l| l.sim.is_active()),
        rows: found
            .rows
            .iter()
            .map(|l| ListRow::new(l, &found.types, &tz))
            .collect(),
        page: page_no,
        pages: ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        total: found.total,
    };
    if htmx {
        return Ok(html(ListPiece { list }.render()?));
    }
    let run = found.run.map(|choices| {
        let form = RunSimulation::defaults(None, None);
        RunFormView::new(project_id, choices, form, FieldErrors::default(), true, &tz)
    });
    let page = ListPage {
        page: super::page(
            &session,
            &access.me,
            format!("Simulations · {}", access.ctx.project.name),
        ),
        flags: access.ctx.flags(),
        project: access.ctx.project,
        tab: "simulations",
        list,
        run,
    };
    Ok(html(page.render()?))
}
