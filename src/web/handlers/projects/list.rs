//! The project list: search, filter by status, sort and pages; htmx swaps just the results,
//! which each process keeps per user and query until the company's revision moves.

use std::sync::Arc;

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::permissions as perm;
use crate::models::project::{self, ListQuery, Viewer};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::handlers::{html, is_htmx};
use crate::web::page::{Page, local_time};

#[derive(Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    dir: String,
    #[serde(default)]
    page: Option<i64>,
}

/// One row of the list as shown.
pub struct ProjectRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub status: String,
    pub owner: String,
    pub latest_version: String,
    pub last_simulation: String,
    pub last_simulation_status: String,
    pub members: i64,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "projects/list.html")]
struct ListPage<'a> {
    page: Page,
    query: &'a ListQuery,
    can_create: bool,
    /// The rendered `ListResults`.
    results: &'a str,
}

#[derive(Template)]
#[template(path = "projects/_results.html")]
struct ListResults<'a> {
    query: &'a ListState,
    rows: Vec<ProjectRow>,
    total: i64,
    can_create: bool,
}

/// The list's query, normalized, with the links it needs.
struct ListState {
    q: String,
    status: String,
    sort: String,
    descending: bool,
    page: i64,
    pages: i64,
}

impl ListState {
    fn href(&self, sort: &str, descending: bool, page: i64) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            s.append_pair("q", &self.q);
        }
        if !self.status.is_empty() {
            s.append_pair("status", &self.status);
        }
        s.append_pair("sort", sort);
        s.append_pair("dir", if descending { "desc" } else { "asc" });
        if page > 0 {
            s.append_pair("page", &page.to_string());
        }
        format!("/projects?{}", s.finish())
    }

    /// The link a column head points to: the other direction when it is the current sort.
    pub fn sort_href(&self, sort: &str) -> String {
        let descending = if self.sort == sort {
            !self.descending
        } else {
            sort == "updated" || sort == "created"
        };
        self.href(sort, descending, 0)
    }

    /// `aria-sort` of a column head.
    pub fn aria_sort(&self, sort: &str) -> &'static str {
        match (self.sort == sort, self.descending) {
            (false, _) => "none",
            (true, true) => "descending",
            (true, false) => "ascending",
        }
    }

    pub fn page_href(&self, page: i64) -> String {
        self.href(&self.sort, self.descending, page)
    }

    pub fn has_prev(&self) -> bool {
        self.page > 0
    }

    pub fn has_next(&self) -> bool {
        self.page + 1 < self.pages
    }

    pub fn shown_page(&self) -> i64 {
        self.page + 1
    }

    pub fn prev_page(&self) -> i64 {
        self.page - 1
    }

    pub fn next_page(&self) -> i64 {
        self.page + 1
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    params: web::Query<ListParams>,
) -> AppResult<HttpResponse> {
    me.require(perm::PROJECTS_READ)?;
    let p = params.into_inner();
    let status = if p.status == "all" || project::STATUSES.contains(&p.status.as_str()) {
        p.status
    } else {
        String::new()
    };
    let sort = if project::SORTS.contains(&p.sort.as_str()) {
        p.sort
    } else {
        "updated".to_string()
    };
    let descending = match p.dir.as_str() {
        "asc" => false,
        "desc" => true,
        _ => sort == "updated" || sort == "created",
    };
    let query = ListQuery {
        // Names hold no control characters, and PostgreSQL refuses NUL in a query.
        search: p.q.chars().filter(|c| !c.is_control()).take(200).collect(),
        status,
        sort,
        descending,
        page: p.page.unwrap_or(0).clamp(0, 100_000),
    };
    let can_create = me.can(perm::PROJECTS_WRITE);
    // The results are the same until the company's revision moves (any project, version,
    // member, simulation or user change), so each process renders them once per revision.
    let key = (me.user.id, query);
    let cached = me
        .revision
        .and_then(|revision| state.project_lists.get(&key, revision));
    let results = match cached {
        Some(results) => results,
        None => {
            let results: Arc<str> = render_list_results(&state, &me, &key.1, can_create)
                .await?
                .into();
            if let Some(revision) = me.revision {
                state
                    .project_lists
                    .insert(key.clone(), revision, results.clone());
            }
            results
        }
    };
    // A search or sort through htmx swaps just the results (and pushes the URL, so a reload
    // shows the same list).
    if is_htmx(&req) && !req.headers().contains_key("hx-boosted") {
        return Ok(html(results.to_string()));
    }
    let view = ListPage {
        page: Page::new(&session, "Projects", Some(&me), "/projects"),
        query: &key.1,
        can_create,
        results: &results,
    };
    Ok(html(view.render()?))
}

/// Reads one page of the list and renders its results.
async fn render_list_results(
    state: &AppState,
    me: &CurrentUser,
    query: &ListQuery,
    can_create: bool,
) -> AppResult<String> {
    let viewer = Viewer {
        company_id: me.company_id(),
        user_id: me.user.id,
        read_all: me.can(perm::PROJECTS_READ_ALL),
    };
    let q = query.clone();
    let (listed, total) = state
        .db(move |conn| Ok(project::list(conn, viewer, &q)?))
        .await?;
    let tz = &me.user.timezone;
    let rows = listed
        .into_iter()
        .map(|l| ProjectRow {
            id: l.project.id,
            name: l.project.name,
            description: l.project.description,
            status: l.project.status,
            owner: l.owner_name,
            latest_version: l.latest_version.map_or("–".into(), |v| format!("v{v}")),
            last_simulation: l
                .last_simulation
                .as_ref()
                .map_or("none yet".into(), |(_, t)| local_time(t, tz)),
            last_simulation_status: l.last_simulation.map(|(s, _)| s).unwrap_or_default(),
            members: l.member_count,
            updated: local_time(&l.project.updated_at, tz),
        })
        .collect();
    let list_state = ListState {
        q: query.search.clone(),
        status: query.status.clone(),
        sort: query.sort.clone(),
        descending: query.descending,
        page: query.page,
        pages: ((total + project::PAGE_SIZE - 1) / project::PAGE_SIZE).max(1),
    };
    Ok(ListResults {
        query: &list_state,
        rows,
        total,
        can_create,
    }
    .render()?)
}
