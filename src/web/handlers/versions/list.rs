//! The list of a project's circuit versions, with the form to compare two of them.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::choices;
use crate::circuit_edit::edit;
use crate::models::circuit_version;
use crate::models::project::Project;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::handlers::html;
use crate::web::handlers::projects::tab_page;
use crate::web::page::{Page, local_time};
use crate::web::project_access::{Capability, ProjectAccess, ProjectFlags};

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

pub async fn list(
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
) -> AppResult<HttpResponse> {
    let ProjectAccess { me, ctx } = access;
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
        page: tab_page(&session, &me, "Versions", &ctx.project),
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
