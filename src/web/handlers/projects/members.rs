//! A project's members: the list, and adding, changing the role of and removing a member. htmx
//! gets the member list back; a refusal is shown above it (422). Beside the direct members, the
//! teams the project was given to (changed under `/admin/teams`) with their role and people.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::tab_page;
use crate::auth::permissions as perm;
use crate::models::project::{self, Member, Project};
use crate::models::team::{self, ProjectTeam};
use crate::ops::OpError;
use crate::ops::members::{self as ops, AddMember};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::handlers::{html, html_status, is_htmx, redirect};
use crate::web::page::Page;
use crate::web::project_access::{Capability, ProjectAccess, ProjectFlags};

/// The member list with its forms (`projects/_members.html`).
#[derive(Template)]
#[template(path = "projects/_members.html")]
struct MemberList {
    project_id: i64,
    csrf: String,
    manage: bool,
    members: Vec<Member>,
    candidates: Vec<project::Candidate>,
    roles: &'static [&'static str],
    error: Option<String>,
    my_id: i64,
    /// The teams the project was given to, each with its people.
    teams: Vec<ProjectTeam>,
    /// Team names link to their admin page.
    link_teams: bool,
    /// The project's only owner, who is offered no "Remove" (the project keeps an owner).
    sole_owner: Option<i64>,
}

#[derive(Template)]
#[template(path = "projects/members.html")]
struct MembersPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    list: MemberList,
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    role: String,
}

/// Reads the member list (with the users who could be added, for those who manage).
async fn member_list(
    state: &AppState,
    session: &Session,
    access: &ProjectAccess,
    error: Option<String>,
) -> AppResult<MemberList> {
    let manage = access.ctx.offers(Capability::Manage);
    let project = access.ctx.project.clone();
    let (members, candidates, teams) = state
        .db(move |conn| {
            let (members, candidates) = project::members_and_candidates(conn, &project, manage)?;
            Ok((members, candidates, team::of_project(conn, project.id)?))
        })
        .await?;
    let mut owners = members.iter().filter(|m| m.role == "owner");
    let sole_owner = match (owners.next(), owners.next()) {
        (Some(only), None) => Some(only.user_id),
        _ => None,
    };
    Ok(MemberList {
        sole_owner,
        project_id: access.project_id(),
        csrf: crate::auth::csrf::token(session),
        manage,
        members,
        candidates,
        roles: &project::MEMBER_ROLES,
        error,
        my_id: access.me.user.id,
        teams,
        link_teams: access.me.can(perm::USERS_MANAGE),
    })
}

fn page(session: &Session, access: ProjectAccess, list: MemberList) -> MembersPage {
    let ProjectAccess { me, ctx } = access;
    MembersPage {
        page: tab_page(session, &me, "Members", &ctx.project),
        flags: ctx.flags(),
        project: ctx.project,
        tab: "members",
        list,
    }
}

pub async fn list(
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
) -> AppResult<HttpResponse> {
    let list = member_list(&state, &session, &access, None).await?;
    Ok(html(page(&session, access, list).render()?))
}

/// The answer to a membership change: the member list for htmx, else the members page (a
/// redirect after a change, the page with the refusal above the list otherwise).
async fn respond(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    access: ProjectAccess,
    outcome: Result<Member, OpError>,
) -> AppResult<HttpResponse> {
    let error = match outcome {
        Ok(_) => None,
        Err(OpError::Invalid(errors)) => Some(errors.summary()),
        Err(OpError::Member(refusal)) => Some(refusal.to_string()),
        Err(e) => return Err(e.into()),
    };
    let status = crate::web::forms::form_status(error.is_none());
    if !is_htmx(req) && error.is_none() {
        return Ok(redirect(&format!(
            "/projects/{}/members",
            access.project_id()
        )));
    }
    let list = member_list(state, session, &access, error).await?;
    let body = if is_htmx(req) {
        list.render()?
    } else {
        page(session, access, list).render()?
    };
    Ok(html_status(status, body))
}

pub async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    form: web::Form<MemberForm>,
) -> AppResult<HttpResponse> {
    let input = AddMember {
        user_id: form.user_id.parse::<i64>().ok(),
        role: form.role.clone(),
    };
    let (actor, ctx) = (access.me.actor(), access.ctx.clone());
    let outcome = state
        .op(move |conn| ops::add(conn, &actor, &ctx, input))
        .await;
    respond(&req, &state, &session, access, outcome).await
}

pub async fn change_role(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, i64)>,
    form: web::Form<MemberForm>,
) -> AppResult<HttpResponse> {
    let (_, user_id) = path.into_inner();
    let (actor, ctx, role) = (access.me.actor(), access.ctx.clone(), form.role.clone());
    let outcome = state
        .op(move |conn| ops::change_role(conn, &actor, &ctx, user_id, &role))
        .await;
    respond(&req, &state, &session, access, outcome).await
}

pub async fn remove(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (_, user_id) = path.into_inner();
    let (actor, ctx) = (access.me.actor(), access.ctx.clone());
    let outcome = state
        .op(move |conn| ops::remove(conn, &actor, &ctx, user_id))
        .await;
    respond(&req, &state, &session, access, outcome).await
}
