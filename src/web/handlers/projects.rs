//! Projects: the list (search, filter, sort, pages through htmx), creation with version 1 of the
//! circuit, the overview, settings (name, description, status, archive) and members.

use std::sync::Arc;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{html, html_status, is_htmx, redirect};
use crate::auth::permissions as perm;
use crate::db::write_tx;
use crate::examples::{self, EXAMPLES, Example};
use crate::models::audit::{self, Entry};
use crate::models::circuit_version::{self, CircuitVersion};
use crate::models::project::{self, ListQuery, Member, MemberError, Project, Viewer};
use crate::sc;
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::CurrentUser;
use crate::web::forms::{FormErrors, UploadForm, has_control, read_upload};
use crate::web::page::{Page, flash, local_time};
use crate::web::project_access::{self, Capability, ProjectCtx, ProjectFlags};

/// Largest circuit file accepted when creating a project: the circuit import's limit.
const MAX_CIRCUIT_FILE: usize = super::circuit::MAX_IMPORT_BYTES;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects", web::get().to(list))
        .route("/projects", web::post().to(create))
        .route("/projects/new", web::get().to(new_form))
        .route("/projects/{id}", web::get().to(overview))
        .route("/projects/{id}/settings", web::get().to(settings_form))
        .route("/projects/{id}/settings", web::post().to(update_settings))
        .route("/projects/{id}/archive", web::post().to(archive))
        .route("/projects/{id}/members", web::get().to(members))
        .route("/projects/{id}/members", web::post().to(add_member))
        .route(
            "/projects/{id}/members/{user_id}",
            web::post().to(update_member),
        )
        .route(
            "/projects/{id}/members/{user_id}/remove",
            web::post().to(remove_member),
        );
}

// ---------------------------------------------------------------- list

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

// ---------------------------------------------------------------- create

#[derive(Default, Clone)]
struct NewProjectForm {
    name: String,
    description: String,
    /// `empty`, `example` or `upload`.
    start: String,
    example: String,
}

#[derive(Template)]
#[template(path = "projects/new.html")]
struct NewPage {
    page: Page,
    form: NewProjectForm,
    errors: FormErrors,
    examples: &'static [Example],
    /// Problems of an uploaded circuit, listed under the form.
    problems: Vec<String>,
}

pub async fn new_form(session: Session, me: CurrentUser) -> AppResult<HttpResponse> {
    me.require(perm::PROJECTS_WRITE)?;
    let view = NewPage {
        page: Page::new(&session, "New project", Some(&me), "/projects"),
        form: NewProjectForm {
            start: "empty".into(),
            example: EXAMPLES[0].id.into(),
            ..Default::default()
        },
        errors: FormErrors::default(),
        examples: &EXAMPLES,
        problems: Vec::new(),
    };
    Ok(html(view.render()?))
}

/// What a project's name and description must be.
fn check_project_fields(name: &str, description: &str, errors: &mut FormErrors) {
    if name.is_empty() || name.chars().count() > 200 {
        errors.add("name", "Enter a name of up to 200 characters.");
    } else if has_control(name) {
        errors.add(
            "name",
            "The name must not contain control characters such as line breaks.",
        );
    }
    if description.chars().count() > 5000 {
        errors.add(
            "description",
            "Keep the description under 5,000 characters.",
        );
    } else if description
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.add(
            "description",
            "The description contains control characters.",
        );
    }
}

/// The first circuit of a new project, as the form asks for it.
fn starting_circuit(
    form: &NewProjectForm,
    upload: &UploadForm,
    errors: &mut FormErrors,
    problems: &mut Vec<String>,
) -> Option<(serde_json::Value, serde_json::Value)> {
    let circuit = match form.start.as_str() {
        "empty" => sc::Circuit::new(form.name.clone()),
        "example" => match examples::find(&form.example) {
            Some(example) => example.circuit(),
            None => {
                errors.add("example", "Choose one of the examples.");
                return None;
            }
        },
        "upload" => {
            let Some((_, bytes)) = &upload.file else {
                errors.add("file", "Choose a circuit or pandapower JSON file.");
                return None;
            };
            let Ok(text) = std::str::from_utf8(bytes) else {
                errors.add("file", "The file is not a text (JSON) file.");
                return None;
            };
            match sc::parse_input(text) {
                Ok(parsed) => {
                    let found = sc::validate::validate(&parsed.circuit);
                    if sc::validate::has_errors(&found) {
                        errors.add(
                            "file",
                            "The circuit in the file has errors (listed below); fix them and upload it again.",
                        );
                        problems.extend(
                            found
                                .iter()
                                .filter(|p| p.severity == sc::validate::Severity::Error)
                                .take(50)
                                .map(|p| format!("{}: {}", p.path, p.message)),
                        );
                        return None;
                    }
                    problems.extend(parsed.warnings.iter().cloned());
                    parsed.circuit
                }
                Err(e) => {
                    errors.add("file", format!("The file cannot be read as a circuit: {e}"));
                    return None;
                }
            }
        }
        _ => {
            errors.add("start", "Choose how the circuit starts.");
            return None;
        }
    };
    let value = match serde_json::to_value(&circuit) {
        Ok(value) => value,
        Err(e) => {
            errors.add("", format!("The circuit cannot be stored: {e}"));
            return None;
        }
    };
    if let Some(at) = crate::circuit_edit::edit::nul_location(&value) {
        errors.add(
            "file",
            format!("{at} holds a NUL character (U+0000), which cannot be stored; remove it."),
        );
        return None;
    }
    let details = serde_json::json!({
        "start": form.start,
        "example": (form.start == "example").then(|| form.example.clone()),
        "file": upload.file.as_ref().filter(|_| form.start == "upload").map(|(name, _)| name.clone()),
        "buses": circuit.buses.len(),
    });
    Some((value, details))
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    payload: actix_multipart::Multipart,
) -> AppResult<HttpResponse> {
    me.require_to_change(
        &state,
        perm::PROJECTS_WRITE,
        Entry::success("project.create", "project", None),
    )
    .await?;
    let mut errors = FormErrors::default();
    let upload = match read_upload(payload, MAX_CIRCUIT_FILE).await {
        Ok(u) => u,
        Err(e) => {
            errors.add("file", e.to_string());
            UploadForm::default()
        }
    };
    let form = NewProjectForm {
        name: upload.field("name").trim().to_string(),
        description: upload.field("description").trim().to_string(),
        start: upload.field("start").to_string(),
        example: upload.field("example").to_string(),
    };
    check_project_fields(&form.name, &form.description, &mut errors);
    // Parsing and checking a file of megabytes is blocking work: off the async worker.
    let (form, errors, problems, start) = web::block(move || {
        let mut problems = Vec::new();
        let start = if errors.is_empty() {
            starting_circuit(&form, &upload, &mut errors, &mut problems)
        } else {
            None
        };
        (form, errors, problems, start)
    })
    .await?;
    let Some((circuit, details)) = start else {
        let view = NewPage {
            page: Page::new(&session, "New project", Some(&me), "/projects"),
            form,
            errors,
            examples: &EXAMPLES,
            problems,
        };
        return Ok(html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            view.render()?,
        ));
    };
    let (actor, company_id, user_id) = (me.actor().audit(), me.company_id(), me.user.id);
    let f = form.clone();
    let project = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let project = project::create(conn, company_id, user_id, &f.name, &f.description)?;
                let version = circuit_version::insert_next_in_tx(
                    conn,
                    project.id,
                    &circuit,
                    "Initial circuit",
                    user_id,
                )?;
                audit::record(
                    conn,
                    &actor,
                    Entry::success("project.create", "project", Some(project.id))
                        .project(project.id)
                        .after(project.audit_snapshot())
                        .details(details),
                )?;
                audit::record(
                    conn,
                    &actor,
                    Entry::success("circuit.save", "circuit_version", Some(version.id))
                        .project(project.id)
                        .after(version_snapshot(&version))
                        .details(serde_json::json!({ "message": version.message })),
                )?;
                Ok::<_, AppError>(project)
            })
        })
        .await?;
    let mut message = format!(
        "Project “{}” created with version 1 of its circuit.",
        project.name
    );
    if !problems.is_empty() {
        message.push_str(&format!(
            " The import noted {} thing(s): see the circuit editor.",
            problems.len()
        ));
    }
    flash(&session, "success", message);
    Ok(redirect(&format!("/projects/{}", project.id)))
}

/// What the audit trail keeps of a saved version.
fn version_snapshot(v: &CircuitVersion) -> serde_json::Value {
    serde_json::json!({
        "version_number": v.version_number,
        "content_hash": v.content_hash,
        "buses": v.data_json.0.get("buses").and_then(|b| b.as_array()).map_or(0, Vec::len),
    })
}

// ---------------------------------------------------------------- overview

pub struct VersionLine {
    pub number: i32,
    pub author: String,
    pub when: String,
    pub message: String,
}

pub struct SimulationLine {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub version: i32,
    pub when: String,
}

#[derive(Template)]
#[template(path = "projects/overview.html")]
struct OverviewPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    owner: String,
    member_role: String,
    created: String,
    updated: String,
    versions: Vec<VersionLine>,
    version_count: i64,
    counts: Vec<(&'static str, usize)>,
    simulations: Vec<SimulationLine>,
    members: Vec<Member>,
}

pub async fn overview(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path.into_inner()).await?;
    let (pid, owner_id) = (ctx.id(), ctx.project.owner_id);
    let (versions, version_count, latest, simulations, members, owner) = state
        .db(move |conn| {
            let versions = overview_versions(conn, pid)?;
            let version_count = circuit_version_count(conn, pid)?;
            let latest = latest_circuit(conn, pid)?;
            let simulations = overview_simulations(conn, pid)?;
            let members = project::members(conn, pid)?;
            let owner = crate::models::user::find(conn, owner_id)?
                .map(|u| u.name)
                .unwrap_or_default();
            Ok((versions, version_count, latest, simulations, members, owner))
        })
        .await?;
    let tz = me.user.timezone.clone();
    let view = OverviewPage {
        page: Page::new(&session, ctx.project.name.clone(), Some(&me), "/projects"),
        flags: ctx.flags(),
        member_role: ctx
            .member_role
            .clone()
            .unwrap_or_else(|| "not a member (company-wide read access)".into()),
        owner,
        created: local_time(&ctx.project.created_at, &tz),
        updated: local_time(&ctx.project.updated_at, &tz),
        versions: versions
            .into_iter()
            .map(|(number, author, t, message)| VersionLine {
                number,
                author,
                when: local_time(&t, &tz),
                message,
            })
            .collect(),
        version_count,
        counts: latest.as_ref().map(element_counts).unwrap_or_default(),
        simulations: simulations
            .into_iter()
            .map(|(id, kind, status, version, t)| SimulationLine {
                id,
                kind,
                status,
                version,
                when: local_time(&t, &tz),
            })
            .collect(),
        members,
        project: ctx.project,
        tab: "overview",
    };
    Ok(html(view.render()?))
}

type VersionRow = (i32, String, chrono::NaiveDateTime, String);

fn overview_versions(conn: &mut crate::db::DbConn, pid: i64) -> QueryResult<Vec<VersionRow>> {
    use crate::db::schema::{circuit_versions as cv, users};
    cv::table
        .inner_join(users::table.on(users::id.eq(cv::created_by)))
        .filter(cv::project_id.eq(pid))
        .order(cv::version_number.desc())
        .limit(5)
        .select((cv::version_number, users::name, cv::created_at, cv::message))
        .load(conn)
}

fn circuit_version_count(conn: &mut crate::db::DbConn, pid: i64) -> QueryResult<i64> {
    use crate::db::schema::circuit_versions as cv;
    cv::table
        .filter(cv::project_id.eq(pid))
        .count()
        .get_result(conn)
}

fn latest_circuit(
    conn: &mut crate::db::DbConn,
    pid: i64,
) -> QueryResult<Option<serde_json::Value>> {
    use crate::db::schema::circuit_versions as cv;
    cv::table
        .filter(cv::project_id.eq(pid))
        .order(cv::version_number.desc())
        .select(cv::data_json)
        .first::<crate::db::json::JsonValue>(conn)
        .optional()
        .map(|v| v.map(|j| j.0))
}

type SimulationRow = (i64, String, String, i32, chrono::NaiveDateTime);

fn overview_simulations(conn: &mut crate::db::DbConn, pid: i64) -> QueryResult<Vec<SimulationRow>> {
    use crate::db::schema::{circuit_versions as cv, simulations as s};
    s::table
        .inner_join(cv::table)
        .filter(s::project_id.eq(pid))
        .order(s::id.desc())
        .limit(5)
        .select((
            s::id,
            s::simulation_type,
            s::status,
            cv::version_number,
            s::queued_at,
        ))
        .load(conn)
}

/// Element counts of a circuit document, by kind, for kinds present.
fn element_counts(circuit: &serde_json::Value) -> Vec<(&'static str, usize)> {
    const KINDS: [(&str, &str); 15] = [
        ("buses", "buses"),
        ("external_grids", "external grids"),
        ("lines", "lines"),
        ("transformers", "transformers"),
        ("transformers3w", "three-winding transformers"),
        ("impedances", "series impedances"),
        ("generators", "generators"),
        ("motors", "motors"),
        ("static_generators", "static generators"),
        ("storages", "storage units"),
        ("loads", "loads"),
        ("shunts", "shunts"),
        ("wards", "ward equivalents"),
        ("xwards", "extended ward equivalents"),
        ("switches", "switches"),
    ];
    KINDS
        .iter()
        .filter_map(|(key, label)| {
            let n = circuit
                .get(*key)
                .and_then(|v| v.as_array())
                .map_or(0, Vec::len);
            (n > 0 || *key == "buses").then_some((*label, n))
        })
        .collect()
}

use diesel::prelude::*;

// ---------------------------------------------------------------- settings

#[derive(Deserialize, Clone, Default)]
pub struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    status: String,
}

#[derive(Template)]
#[template(path = "projects/settings.html")]
struct SettingsPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    form: SettingsForm,
    errors: FormErrors,
    statuses: &'static [&'static str],
}

pub async fn settings_form(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path.into_inner()).await?;
    if !ctx.can(Capability::Manage) {
        return Err(AppError::Forbidden);
    }
    let view = SettingsPage {
        page: Page::new(
            &session,
            format!("Settings · {}", ctx.project.name),
            Some(&me),
            "/projects",
        ),
        flags: ctx.flags(),
        form: SettingsForm {
            name: ctx.project.name.clone(),
            description: ctx.project.description.clone(),
            status: ctx.project.status.clone(),
        },
        errors: FormErrors::default(),
        statuses: &project::STATUSES,
        project: ctx.project,
        tab: "settings",
    };
    Ok(html(view.render()?))
}

pub async fn update_settings(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
    form: web::Form<SettingsForm>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path.into_inner()).await?;
    let mut form = form.into_inner();
    form.name = form.name.trim().to_string();
    form.description = form.description.trim().to_string();
    let action = if form.status == "archived" && !ctx.is_archived() {
        "project.archive"
    } else {
        "project.update"
    };
    project_access::require_to_change(
        &state,
        &me,
        &ctx,
        Capability::Manage,
        Entry::success(action, "project", Some(ctx.id())),
    )
    .await?;
    let mut errors = FormErrors::default();
    check_project_fields(&form.name, &form.description, &mut errors);
    if !project::STATUSES.contains(&form.status.as_str()) {
        errors.add("status", "Choose one of the statuses.");
    }
    if !errors.is_empty() {
        let view = SettingsPage {
            page: Page::new(
                &session,
                format!("Settings · {}", ctx.project.name),
                Some(&me),
                "/projects",
            ),
            flags: ctx.flags(),
            form,
            errors,
            statuses: &project::STATUSES,
            project: ctx.project,
            tab: "settings",
        };
        return Ok(html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            view.render()?,
        ));
    }
    let pid = ctx.id();
    save_project(&state, &me, &ctx, action, form.clone()).await?;
    flash(
        &session,
        "success",
        if action == "project.archive" {
            "Project archived: it is read-only until an owner reactivates it."
        } else {
            "Project settings saved."
        },
    );
    Ok(redirect(&format!("/projects/{pid}")))
}

/// Writes name, description and status with the audit entry (`action`) in one transaction.
async fn save_project(
    state: &AppState,
    me: &CurrentUser,
    ctx: &ProjectCtx,
    action: &'static str,
    f: SettingsForm,
) -> AppResult<()> {
    let (actor, before, pid) = (me.actor().audit(), ctx.project.audit_snapshot(), ctx.id());
    state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let updated = project::update(conn, pid, &f.name, &f.description, &f.status)?;
                audit::record(
                    conn,
                    &actor,
                    Entry::success(action, "project", Some(pid))
                        .project(pid)
                        .before(before)
                        .after(updated.audit_snapshot()),
                )?;
                Ok::<_, AppError>(())
            })
        })
        .await
}

pub async fn archive(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path.into_inner()).await?;
    project_access::require_to_change(
        &state,
        &me,
        &ctx,
        Capability::Manage,
        Entry::success("project.archive", "project", Some(ctx.id())),
    )
    .await?;
    let pid = ctx.id();
    if ctx.is_archived() {
        flash(&session, "info", "The project is already archived.");
        return Ok(redirect(&format!("/projects/{pid}")));
    }
    let p = &ctx.project;
    let form = SettingsForm {
        name: p.name.clone(),
        description: p.description.clone(),
        status: "archived".into(),
    };
    save_project(&state, &me, &ctx, "project.archive", form).await?;
    flash(
        &session,
        "success",
        "Project archived: it is read-only until an owner reactivates it.",
    );
    Ok(redirect(&format!("/projects/{pid}")))
}

// ---------------------------------------------------------------- members

#[derive(Template)]
#[template(path = "projects/members.html", blocks = ["member_list"])]
struct MembersPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    members: Vec<Member>,
    candidates: Vec<(i64, String, String)>,
    roles: &'static [&'static str],
    error: Option<String>,
    my_id: i64,
}

async fn members_view(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    ctx: ProjectCtx,
    error: Option<String>,
) -> AppResult<MembersPage> {
    let project = ctx.project.clone();
    let manage = ctx.can(Capability::Manage);
    let (members, candidates) = state
        .db(move |conn| {
            let members = project::members(conn, project.id)?;
            let candidates = if manage {
                project::candidates(conn, &project)?
            } else {
                Vec::new()
            };
            Ok((members, candidates))
        })
        .await?;
    Ok(MembersPage {
        page: Page::new(
            session,
            format!("Members · {}", ctx.project.name),
            Some(me),
            "/projects",
        ),
        flags: ctx.flags(),
        members,
        candidates,
        roles: &project::MEMBER_ROLES,
        error,
        my_id: me.user.id,
        project: ctx.project,
        tab: "members",
    })
}

/// The members page, or just its list for htmx; a refusal is shown above the list (422).
async fn members_response(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    ctx: ProjectCtx,
    error: Option<String>,
) -> AppResult<HttpResponse> {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let pid = ctx.id();
    let view = members_view(state, session, me, ctx, error).await?;
    if is_htmx(req) {
        Ok(html_status(status, view.as_member_list().render()?))
    } else if status == StatusCode::OK {
        Ok(redirect(&format!("/projects/{pid}/members")))
    } else {
        Ok(html_status(status, view.render()?))
    }
}

pub async fn members(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path.into_inner()).await?;
    let view = members_view(&state, &session, &me, ctx, None).await?;
    Ok(html(view.render()?))
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    role: String,
}

fn member_error(e: MemberError) -> Result<String, AppError> {
    match e {
        MemberError::Refused(m) => Ok(m.to_string()),
        MemberError::Db(e) => Err(AppError::Db(e)),
    }
}

/// Runs a membership change in one write transaction with its audit entry (`before`/`after`
/// from the change's result); a refusal becomes the message shown above the list.
async fn change_membership(
    state: &AppState,
    me: &CurrentUser,
    pid: i64,
    user_id: i64,
    action: &'static str,
    change: impl FnOnce(&mut crate::db::DbConn) -> Result<(Option<Member>, Option<Member>), MemberError>
    + Send
    + 'static,
) -> AppResult<Option<String>> {
    let actor = me.actor().audit();
    state
        .db(move |conn| {
            write_tx(conn, |conn| match change(conn) {
                Ok((before, after)) => {
                    let mut entry =
                        Entry::success(action, "project_member", Some(user_id)).project(pid);
                    if let Some(b) = before {
                        entry = entry.before(b.audit_snapshot());
                    }
                    if let Some(a) = after {
                        entry = entry.after(a.audit_snapshot());
                    }
                    audit::record(conn, &actor, entry)?;
                    Ok(None)
                }
                Err(e) => member_error(e).map(Some),
            })
        })
        .await
}

pub async fn add_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
    form: web::Form<MemberForm>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path.into_inner()).await?;
    project_access::require_to_change(
        &state,
        &me,
        &ctx,
        Capability::Manage,
        Entry::success("member.add", "project_member", None),
    )
    .await?;
    let (Ok(user_id), true) = (
        form.user_id.parse::<i64>(),
        project::MEMBER_ROLES.contains(&form.role.as_str()),
    ) else {
        return members_response(
            &req,
            &state,
            &session,
            &me,
            ctx,
            Some("Choose a user and a role.".into()),
        )
        .await;
    };
    let (project, role) = (ctx.project.clone(), form.role.clone());
    let outcome = change_membership(
        &state,
        &me,
        project.id,
        user_id,
        "member.add",
        move |conn| {
            Ok((
                None,
                Some(project::add_member(conn, &project, user_id, &role)?),
            ))
        },
    )
    .await?;
    members_response(&req, &state, &session, &me, ctx, outcome).await
}

pub async fn update_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<(i64, i64)>,
    form: web::Form<MemberForm>,
) -> AppResult<HttpResponse> {
    let (pid, user_id) = path.into_inner();
    let ctx = project_access::load(&state, &me, pid).await?;
    project_access::require_to_change(
        &state,
        &me,
        &ctx,
        Capability::Manage,
        Entry::success("member.update", "project_member", Some(user_id)),
    )
    .await?;
    if !project::MEMBER_ROLES.contains(&form.role.as_str()) {
        return members_response(
            &req,
            &state,
            &session,
            &me,
            ctx,
            Some("Choose owner, editor or viewer.".into()),
        )
        .await;
    }
    let role = form.role.clone();
    let outcome = change_membership(&state, &me, pid, user_id, "member.update", move |conn| {
        let (before, after) = project::set_member_role(conn, pid, user_id, &role)?;
        Ok((Some(before), Some(after)))
    })
    .await?;
    members_response(&req, &state, &session, &me, ctx, outcome).await
}

pub async fn remove_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (pid, user_id) = path.into_inner();
    let ctx = project_access::load(&state, &me, pid).await?;
    project_access::require_to_change(
        &state,
        &me,
        &ctx,
        Capability::Manage,
        Entry::success("member.remove", "project_member", Some(user_id)),
    )
    .await?;
    let outcome = change_membership(&state, &me, pid, user_id, "member.remove", move |conn| {
        Ok((Some(project::remove_member(conn, pid, user_id)?), None))
    })
    .await?;
    members_response(&req, &state, &session, &me, ctx, outcome).await
}

#[cfg(test)]
mod tests {
    use super::element_counts;
    use crate::circuit_edit::fields::KINDS;

    #[test]
    fn every_element_kind_is_counted() {
        let mut circuit = serde_json::json!({});
        for k in &KINDS {
            circuit[k.key] = serde_json::json!([{"id": "x"}]);
        }
        assert_eq!(element_counts(&circuit).len(), KINDS.len());
    }
}
