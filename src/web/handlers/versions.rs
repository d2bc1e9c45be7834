//! Circuit versions: the list, one version read-only, its JSON export, the element-by-element
//! comparison of two versions (or of a version and the user's draft), and restoring an old
//! version as the next one (versions are immutable: a restore writes a new version with the
//! old content, message "Restored version N").

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use super::circuit::{self as editor, DiagramView, Editing, PageQuery, TableCtx, Tables, done};
use super::html;
use crate::circuit_edit::diff::{self, FieldChange, KindDiff};
use crate::circuit_edit::edit;
use crate::db::write_tx;
use crate::models::audit::{self, Entry};
use crate::models::circuit_draft;
use crate::models::circuit_version::{self, CircuitVersion};
use crate::models::project::Project;
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::CurrentUser;
use crate::web::page::{Page, flash, local_time};
use crate::web::project_access::{self, Capability, ProjectCtx, ProjectFlags};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects/{id}/versions", web::get().to(list))
        .route("/projects/{id}/versions/{n}", web::get().to(show))
        .route(
            "/projects/{id}/versions/{n}/export.json",
            web::get().to(export),
        )
        .route(
            "/projects/{id}/versions/{n}/restore",
            web::post().to(restore),
        )
        .route(
            "/projects/{id}/versions/{n}/diagram/buses",
            web::get().to(diagram_buses),
        )
        .route("/projects/{id}/diff", web::get().to(compare));
}

async fn version_or_404(state: &AppState, project_id: i64, n: i32) -> AppResult<CircuitVersion> {
    state
        .db(move |conn| Ok(circuit_version::find_by_number(conn, project_id, n)?))
        .await?
        .ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------- list

struct VersionRow {
    number: i32,
    author: String,
    when: String,
    message: String,
    counts: String,
    hash: String,
    is_latest: bool,
}

#[derive(Template)]
#[template(path = "versions/list.html")]
struct ListPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    csrf: String,
    rows: Vec<VersionRow>,
    /// (value, label) of the comparison form's choices.
    choices: Vec<(String, String)>,
    default_from: String,
    default_to: String,
}

fn choices(numbers: &[i32], with_draft: bool) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if with_draft {
        out.push(("draft".into(), "Your draft".into()));
    }
    out.extend(
        numbers
            .iter()
            .map(|n| (n.to_string(), format!("Version {n}"))),
    );
    out
}

pub async fn list(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path.into_inner()).await?;
    let pid = ctx.id();
    let summaries = state
        .db(move |conn| Ok(circuit_version::list_summaries(conn, pid)?))
        .await?;
    let tz = me.user.timezone.clone();
    let latest = summaries.first().map(|s| s.version_number);
    let rows: Vec<VersionRow> = summaries
        .iter()
        .map(|s| VersionRow {
            number: s.version_number,
            author: s.author.clone(),
            when: local_time(&s.created_at, &tz),
            message: s.message.clone(),
            counts: edit::counts_text_of(&s.counts),
            hash: s.content_hash.chars().take(12).collect(),
            is_latest: Some(s.version_number) == latest,
        })
        .collect();
    let numbers: Vec<i32> = rows.iter().map(|r| r.number).collect();
    let page = ListPage {
        page: Page::new(
            &session,
            format!("Versions · {}", ctx.project.name),
            Some(&me),
            "/projects",
        ),
        csrf: crate::auth::csrf::token(&session),
        flags: ctx.flags(),
        tab: "versions",
        choices: choices(&numbers, ctx.can(Capability::Edit)),
        default_from: numbers
            .get(1)
            .or(numbers.first())
            .map(i32::to_string)
            .unwrap_or_default(),
        default_to: numbers.first().map(i32::to_string).unwrap_or_default(),
        rows,
        project: ctx.project,
    };
    Ok(html(page.render()?))
}

// ---------------------------------------------------------------- one version

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
    me: CurrentUser,
    path: web::Path<(i64, i32)>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let (project_id, n) = path.into_inner();
    let ctx = project_access::load(&state, &me, project_id).await?;
    let pid = ctx.id();
    let (version, author, latest) = state
        .db(move |conn| {
            let Some(v) = circuit_version::find_by_number(conn, pid, n)? else {
                return Ok(None);
            };
            let author = circuit_version::author_name(conn, &v)?;
            let latest = circuit_version::latest(conn, pid)?;
            Ok(Some((v, author, latest)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let page = Page::new(
        &session,
        format!("Version {n} · {}", ctx.project.name),
        Some(&me),
        "/projects",
    );
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
            can_restore: ctx.can(Capability::Edit) && !same_as_latest && !idx.has_errors(),
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

fn problems_of(circuit: &Value) -> crate::circuit_edit::problems::ProblemIndex {
    crate::circuit_edit::problems::check(circuit).unwrap_or_default()
}

/// Version `n` as a circuit file, exactly as stored.
pub async fn export(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<(i64, i32)>,
) -> AppResult<HttpResponse> {
    let (project_id, n) = path.into_inner();
    let ctx = project_access::load(&state, &me, project_id).await?;
    let version = version_or_404(&state, ctx.id(), n).await?;
    editor::json_download(
        &version.data_json.0,
        &format!("{}-v{n}.circuit.json", ctx.project.slug),
    )
}

/// The bus search of a version's diagram (htmx fragment; without htmx, the version page).
pub async fn diagram_buses(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<(i64, i32)>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let (project_id, n) = path.into_inner();
    let ctx = project_access::load(&state, &me, project_id).await?;
    let version = version_or_404(&state, ctx.id(), n).await?;
    let page_url = format!("/projects/{}/versions/{n}", ctx.id());
    if !super::is_htmx(&req) {
        let q: String = url::form_urlencoded::byte_serialize(query.q.as_bytes()).collect();
        return Ok(super::redirect(&format!("{page_url}?q={q}#diagram")));
    }
    editor::bus_matches_response(&version.data_json.0, &page_url, &query)
}

// ---------------------------------------------------------------- restore

enum RestoreOutcome {
    Restored { new: CircuitVersion },
    SameAsLatest { latest: i32 },
    Invalid { errors: usize },
}

pub async fn restore(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<(i64, i32)>,
) -> AppResult<HttpResponse> {
    let (project_id, n) = path.into_inner();
    let ctx = project_access::load(&state, &me, project_id).await?;
    project_access::require_to_change(
        &state,
        &me,
        &ctx,
        Capability::Edit,
        Entry::success("circuit.restore", "circuit_version", None)
            .details(serde_json::json!({ "from_version": n })),
    )
    .await?;
    let old = version_or_404(&state, ctx.id(), n).await?;
    let (actor, pid, uid) = (me.actor().audit(), ctx.id(), me.user.id);
    let outcome = state
        .db(move |conn| {
            circuit_version::retry_on_conflict(
                || {
                    write_tx(conn, |conn| {
                        circuit_version::lock_project(conn, pid)?;
                        let latest = circuit_version::latest(conn, pid)?;
                        if let Some(l) = &latest {
                            if edit::same_circuit(&l.data_json.0, &old.data_json.0) {
                                return Ok(RestoreOutcome::SameAsLatest {
                                    latest: l.version_number,
                                });
                            }
                        }
                        let content = &old.data_json.0;
                        let idx = problems_of(content);
                        if idx.has_errors() {
                            return Ok(RestoreOutcome::Invalid { errors: idx.errors });
                        }
                        let message = format!("Restored version {n}");
                        let new =
                            circuit_version::insert_next_in_tx(conn, pid, content, &message, uid)?;
                        // A draft without changes of its own follows the project to the
                        // restored content; one with changes keeps them (and is told that a
                        // newer version exists).
                        if let Some(draft) = circuit_draft::find_for_update(conn, pid, uid)? {
                            let base = match draft.base_version_id {
                                Some(id) => circuit_version::find_in_project(conn, pid, id)?,
                                None => None,
                            };
                            let unchanged = base.is_some_and(|b| {
                                edit::same_circuit(&b.data_json.0, &draft.data_json.0)
                            });
                            if unchanged {
                                circuit_draft::rebase(conn, draft.id, Some(&new), content)?;
                            }
                        }
                        let mut entry =
                            Entry::success("circuit.restore", "circuit_version", Some(new.id))
                                .project(pid)
                                .after(circuit_version::snapshot(&new))
                                .details(serde_json::json!({ "from_version": n }));
                        if let Some(l) = &latest {
                            entry = entry.before(circuit_version::snapshot(l));
                        }
                        audit::record(conn, &actor, entry)?;
                        Ok::<_, AppError>(RestoreOutcome::Restored { new })
                    })
                },
                |e| matches!(e, AppError::Db(d) if circuit_version::is_unique_violation(d)),
            )
        })
        .await?;
    let pid = ctx.id();
    match outcome {
        RestoreOutcome::Restored { new } => {
            flash(
                &session,
                "success",
                format!(
                    "Version {n} restored: it is version {} now.",
                    new.version_number
                ),
            );
            Ok(done(&req, &format!("/projects/{pid}/versions")))
        }
        RestoreOutcome::SameAsLatest { latest } => {
            flash(
                &session,
                "error",
                format!(
                    "Nothing to restore: version {latest}, the latest, has the same content as version {n}."
                ),
            );
            Ok(done(&req, &format!("/projects/{pid}/versions/{n}")))
        }
        RestoreOutcome::Invalid { errors } => {
            flash(
                &session,
                "error",
                format!(
                    "Version {n} cannot be restored as it is: it has {errors} error{}. Import its JSON into your draft to correct it.",
                    if errors == 1 { "" } else { "s" }
                ),
            );
            Ok(done(&req, &format!("/projects/{pid}/versions/{n}")))
        }
    }
}

// ---------------------------------------------------------------- compare

#[derive(Deserialize)]
pub struct DiffQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

struct DiffView {
    from_label: String,
    to_label: String,
    header: Vec<FieldChange>,
    kinds: Vec<KindDiff>,
    added: usize,
    removed: usize,
    changed: usize,
}

#[derive(Template)]
#[template(path = "versions/diff.html")]
struct DiffPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    choices: Vec<(String, String)>,
    from: String,
    to: String,
    error: Option<String>,
    result: Option<DiffView>,
}

/// One side of a comparison: `draft` (the user's own) or a version number.
async fn side(
    state: &AppState,
    me: &CurrentUser,
    ctx: &ProjectCtx,
    which: &str,
) -> Result<(String, Value), String> {
    if which == "draft" {
        if !ctx.can(Capability::Edit) {
            return Err("Only people who may edit this circuit have a draft.".into());
        }
        let pid = ctx.id();
        let uid = me.user.id;
        let draft = state
            .db(move |conn| Ok(circuit_draft::find(conn, pid, uid)?))
            .await
            .map_err(|e| e.to_string())?;
        return match draft {
            Some(d) => Ok(("your draft".into(), d.data_json.0)),
            None => Err("You have no draft yet: open the circuit editor first.".into()),
        };
    }
    let Ok(n) = which.trim().trim_start_matches(['v', 'V']).parse::<i32>() else {
        return Err(format!(
            "“{which}” is neither a version number nor “draft”."
        ));
    };
    let pid = ctx.id();
    let found = state
        .db(move |conn| {
            let Some(v) = circuit_version::find_by_number(conn, pid, n)? else {
                return Ok(None);
            };
            let author = circuit_version::author_name(conn, &v)?;
            Ok(Some((v, author)))
        })
        .await
        .map_err(|e| e.to_string())?;
    match found {
        Some((v, author)) => Ok((
            format!(
                "version {n} ({author}, {})",
                local_time(&v.created_at, &me.user.timezone)
            ),
            v.data_json.0,
        )),
        None => Err(format!("There is no version {n} in this project.")),
    }
}

pub async fn compare(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
    query: web::Query<DiffQuery>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path.into_inner()).await?;
    let pid = ctx.id();
    let numbers: Vec<i32> = state
        .db(move |conn| Ok(circuit_version::list_summaries(conn, pid)?))
        .await?
        .iter()
        .map(|s| s.version_number)
        .collect();
    let query = query.into_inner();
    let mut from = query.from.trim().to_string();
    let mut to = query.to.trim().to_string();
    if from.is_empty() && to.is_empty() {
        to = numbers.first().map(i32::to_string).unwrap_or_default();
        from = numbers
            .get(1)
            .or(numbers.first())
            .map(i32::to_string)
            .unwrap_or_default();
    }
    let (mut error, mut result) = (None, None);
    if from.is_empty() || to.is_empty() {
        if !(query.from.is_empty() && query.to.is_empty()) {
            error = Some("Choose the two circuits to compare.".to_string());
        }
    } else {
        match (
            side(&state, &me, &ctx, &from).await,
            side(&state, &me, &ctx, &to).await,
        ) {
            (Ok((from_label, a)), Ok((to_label, b))) => {
                let d = web::block(move || diff::diff(&a, &b)).await?;
                let (added, removed, changed) = d.totals();
                result = Some(DiffView {
                    from_label,
                    to_label,
                    header: d.header,
                    kinds: d.kinds,
                    added,
                    removed,
                    changed,
                });
            }
            (Err(e), _) | (_, Err(e)) => error = Some(e),
        }
    }
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    let page = DiffPage {
        page: Page::new(
            &session,
            format!("Compare circuits · {}", ctx.project.name),
            Some(&me),
            "/projects",
        ),
        flags: ctx.flags(),
        tab: "versions",
        choices: choices(&numbers, ctx.can(Capability::Edit)),
        from,
        to,
        error,
        result,
        project: ctx.project,
    };
    Ok(super::html_status(status, page.render()?))
}
