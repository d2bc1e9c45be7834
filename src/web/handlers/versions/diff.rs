//! Comparing two circuits of a project, element by element: two versions, or a version and the
//! user's own draft.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use super::choices;
use crate::circuit_edit::diff::{self, FieldChange, KindDiff};
use crate::models::circuit_draft;
use crate::models::circuit_version;
use crate::models::project::Project;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::handlers::html_status;
use crate::web::handlers::projects::tab_page;
use crate::web::page::{Page, local_time};
use crate::web::project_access::{Capability, ProjectAccess, ProjectFlags};

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

/// One side of a comparison: `draft` (the user's own) or a version number, as a label and
/// the circuit; else the message saying why not.
async fn side(
    state: &AppState,
    access: &ProjectAccess,
    which: &str,
) -> Result<(String, Value), String> {
    let (pid, uid) = (access.project_id(), access.me.user.id);
    if which == "draft" {
        if !access.ctx.can(Capability::Edit) {
            return Err("Only people who may edit this circuit have a draft.".into());
        }
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
    let found = state
        .db(move |conn| Ok(circuit_version::with_author(conn, pid, n)?))
        .await
        .map_err(|e| e.to_string())?;
    match found {
        Some((v, author)) => Ok((
            format!(
                "version {n} ({author}, {})",
                local_time(&v.created_at, &access.me.user.timezone)
            ),
            v.data_json.0,
        )),
        None => Err(format!("There is no version {n} in this project.")),
    }
}

pub async fn compare(
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    query: web::Query<DiffQuery>,
) -> AppResult<HttpResponse> {
    let pid = access.project_id();
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
            side(&state, &access, &from).await,
            side(&state, &access, &to).await,
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
    let status = crate::web::forms::form_status(error.is_none());
    let ProjectAccess { me, ctx } = access;
    let page = DiffPage {
        page: tab_page(&session, &me, "Compare circuits", &ctx.project),
        flags: ctx.flags(),
        tab: "versions",
        choices: choices(&numbers, ctx.can(Capability::Edit)),
        from,
        to,
        error,
        result,
        project: ctx.project,
    };
    Ok(html_status(status, page.render()?))
}
