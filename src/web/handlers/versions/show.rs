//! One version, read-only: its facts, tables and diagram (with the diagram's bus search), and
//! its JSON export exactly as stored.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::Value;

use super::version_or_404;
use crate::circuit_edit::edit;
use crate::models::circuit_version;
use crate::models::project::Project;
use crate::ops::versions::problems_of;
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::handlers::circuit::{
    self as editor, DiagramView, Editing, PageQuery, TableCtx, Tables,
};
use crate::web::handlers::projects::tab_page;
use crate::web::handlers::{html, is_htmx, redirect};
use crate::web::page::{Page, local_time};
use crate::web::project_access::{Capability, ProjectAccess, ProjectFlags};

#[derive(Template)]
#[template(path = "versions/show.html")]
struct ShowPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    csrf: String,
    number: i32,
    author: String,
    when: String,
    message: String,
    hash: String,
    counts: String,
    circuit_name: String,
    frequency: String,
    latest: i32,
    can_restore: bool,
    can_compare_draft: bool,
    tables: Tables,
    diagram: DiagramView,
}

pub async fn show(
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, i32)>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let (_, n) = path.into_inner();
    let ProjectAccess { me, ctx } = access;
    let pid = ctx.id();
    let (version, author, latest) = state
        .db(move |conn| Ok(circuit_version::with_author_and_latest(conn, pid, n)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let page = tab_page(&session, &me, &format!("Version {n}"), &ctx.project);
    let csrf = crate::auth::csrf::token(&session);
    let tz = me.user.timezone.clone();
    let query = query.into_inner();
    // Validating, tabulating and drawing a large circuit runs on the blocking pool, not on the
    // worker that serves other requests.
    let body = web::block(move || -> AppResult<String> {
        let circuit = &version.data_json.0;
        let idx = problems_of(circuit);
        let t = TableCtx {
            base: String::new(),
            editable: false,
            page_url: format!("/projects/{pid}/versions/{n}"),
            show_all: query.all.clone(),
        };
        let latest_number = latest.as_ref().map_or(n, |l| l.version_number);
        let same_as_latest = latest
            .as_ref()
            .is_some_and(|l| edit::same_circuit(&l.data_json.0, circuit));
        let view = ShowPage {
            page,
            csrf,
            flags: ctx.flags(),
            tab: "versions",
            number: n,
            author,
            when: local_time(&version.created_at, &tz),
            message: version.message.clone(),
            hash: version.content_hash.clone(),
            counts: edit::counts_text(circuit),
            circuit_name: circuit
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            frequency: circuit
                .get("frequency_hz")
                .map(edit::value_text)
                .unwrap_or_else(|| "50".into()),
            latest: latest_number,
            can_restore: ctx.offers(Capability::Edit) && !same_as_latest && !idx.has_errors(),
            can_compare_draft: ctx.can(Capability::Edit),
            tables: editor::tables(&t, circuit, &idx, &Editing::None),
            diagram: editor::diagram_view(
                circuit,
                &format!("/projects/{pid}/versions/{n}"),
                &format!("/projects/{pid}/versions/{n}/diagram/buses"),
                &query,
            ),
            project: ctx.project,
        };
        Ok(view.render()?)
    })
    .await??;
    Ok(html(body))
}

/// Version `n` as a circuit file, exactly as stored.
pub async fn export(
    state: web::Data<AppState>,
    access: ProjectAccess,
    path: web::Path<(i64, i32)>,
) -> AppResult<HttpResponse> {
    let (_, n) = path.into_inner();
    let version = version_or_404(&state, access.project_id(), n).await?;
    editor::json_download(
        &version.data_json.0,
        &format!("{}-v{n}.circuit.json", access.ctx.project.slug),
    )
}

/// The bus search of a version's diagram (htmx fragment; without htmx, the version page).
pub async fn diagram_buses(
    req: HttpRequest,
    state: web::Data<AppState>,
    access: ProjectAccess,
    path: web::Path<(i64, i32)>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let (_, n) = path.into_inner();
    let version = version_or_404(&state, access.project_id(), n).await?;
    let page_url = format!("/projects/{}/versions/{n}", access.project_id());
    if !is_htmx(&req) {
        let q: String = url::form_urlencoded::byte_serialize(query.q.as_bytes()).collect();
        return Ok(redirect(&format!("{page_url}?q={q}#diagram")));
    }
    editor::bus_matches_response(&version.data_json.0, &page_url, &query)
}
