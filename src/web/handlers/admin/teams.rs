//! Teams (`/admin/teams`): the list with the create form, a team's page (edit, delete, its
//! members and the projects given to it). The member and project lists are pieces that htmx
//! swaps after a change (422 with the field error beside the picker); without htmx a change
//! redirects back to the team's page, or shows it again with the error. The rules are
//! `ops::admin::teams`'.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{AdminTab, admin_page};
use crate::db::DbConn;
use crate::models::team::{self, Grant, Team, TeamMember};
use crate::ops::admin::teams::{self as ops, GrantInput, TeamInput, TeamView};
use crate::ops::input::FieldErrors;
use crate::ops::{Actor, OpError};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::handlers::{html, html_status, is_htmx, redirect, render};
use crate::web::page::{Page, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/teams", web::get().to(list))
        .route("/admin/teams", web::post().to(create))
        .route("/admin/teams/{id}", web::get().to(show))
        .route("/admin/teams/{id}", web::post().to(update))
        .route("/admin/teams/{id}/delete", web::post().to(delete))
        .route("/admin/teams/{id}/members", web::post().to(add_member))
        .route(
            "/admin/teams/{id}/members/{user_id}/remove",
            web::post().to(remove_member),
        )
        .route("/admin/teams/{id}/projects", web::post().to(grant_project))
        .route(
            "/admin/teams/{id}/projects/{project_id}/remove",
            web::post().to(revoke_project),
        );
}

#[derive(Deserialize, Default, Clone)]
pub struct TeamForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

impl TeamForm {
    fn input(&self) -> TeamInput {
        TeamInput {
            name: self.name.clone(),
            description: self.description.clone(),
        }
    }
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    user_id: String,
}

#[derive(Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    project_id: String,
    #[serde(default)]
    role: String,
}

#[derive(Template)]
#[template(path = "admin/teams.html")]
struct TeamsPage {
    page: Page,
    tabs: Vec<AdminTab>,
    teams: Vec<team::Listed>,
    form: TeamForm,
    errors: FieldErrors,
}

/// The team's members with the add-member picker (`admin/_team_members.html`).
#[derive(Template)]
#[template(path = "admin/_team_members.html")]
struct MembersPiece {
    team_id: i64,
    csrf: String,
    members: Vec<TeamMember>,
    candidates: Vec<(i64, String, String)>,
    errors: FieldErrors,
}

/// The projects given to the team with the give-a-project picker.
#[derive(Template)]
#[template(path = "admin/_team_projects.html")]
struct ProjectsPiece {
    team_id: i64,
    csrf: String,
    grants: Vec<Grant>,
    candidates: Vec<(i64, String, String)>,
    roles: &'static [&'static str],
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "admin/team.html")]
struct TeamPage {
    page: Page,
    tabs: Vec<AdminTab>,
    team: Team,
    form: TeamForm,
    errors: FieldErrors,
    members: MembersPiece,
    projects: ProjectsPiece,
}

/// Which piece of a team's page a change concerns, with its field errors.
enum Piece {
    Members(FieldErrors),
    Projects(FieldErrors),
}

fn members_piece(csrf: &str, view: &TeamView, errors: FieldErrors) -> MembersPiece {
    MembersPiece {
        team_id: view.team.id,
        csrf: csrf.to_string(),
        members: view.members.clone(),
        candidates: view.user_candidates.clone(),
        errors,
    }
}

fn projects_piece(csrf: &str, view: &TeamView, errors: FieldErrors) -> ProjectsPiece {
    ProjectsPiece {
        team_id: view.team.id,
        csrf: csrf.to_string(),
        grants: view.grants.clone(),
        candidates: view.project_candidates.clone(),
        roles: &team::GRANT_ROLES,
        errors,
    }
}

/// The team's page; `form` and `errors` are the edit form's, `piece` holds a piece's errors.
fn team_page(
    session: &Session,
    me: &CurrentUser,
    view: TeamView,
    form: Option<TeamForm>,
    errors: FieldErrors,
    piece: Option<Piece>,
) -> TeamPage {
    let (page, tabs) = admin_page(
        session,
        me,
        format!("{} · Teams", view.team.name),
        "/admin/teams",
    );
    let (member_errors, project_errors) = match piece {
        Some(Piece::Members(e)) => (e, FieldErrors::default()),
        Some(Piece::Projects(e)) => (FieldErrors::default(), e),
        None => (FieldErrors::default(), FieldErrors::default()),
    };
    let form = form.unwrap_or_else(|| TeamForm {
        name: view.team.name.clone(),
        description: view.team.description.clone(),
    });
    TeamPage {
        members: members_piece(&page.csrf, &view, member_errors),
        projects: projects_piece(&page.csrf, &view, project_errors),
        team: view.team,
        page,
        tabs,
        form,
        errors,
    }
}

async fn read_view(state: &AppState, me: &CurrentUser, team_id: i64) -> AppResult<TeamView> {
    let actor = me.actor();
    Ok(state
        .op(move |conn| ops::show(conn, &actor, team_id))
        .await?)
}

async fn teams_page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    form: TeamForm,
    errors: FieldErrors,
) -> AppResult<TeamsPage> {
    let actor = me.actor();
    let teams = state.op(move |conn| ops::list(conn, &actor)).await?;
    let (page, tabs) = admin_page(session, me, "Teams", "/admin/teams");
    Ok(TeamsPage {
        page,
        tabs,
        teams,
        form,
        errors,
    })
}

pub async fn list(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
) -> AppResult<HttpResponse> {
    let view = teams_page(
        &state,
        &session,
        &me,
        TeamForm::default(),
        FieldErrors::default(),
    )
    .await?;
    Ok(html(view.render()?))
}

pub async fn create(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    form: web::Form<TeamForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let (actor, input) = (me.actor(), form.input());
    match state.op(move |conn| ops::create(conn, &actor, input)).await {
        Ok(team) => {
            flash(&session, "success", format!("Team {} created.", team.name));
            Ok(redirect(&format!("/admin/teams/{}", team.id)))
        }
        Err(OpError::Invalid(errors)) => {
            let view = teams_page(&state, &session, &me, form, errors).await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &view)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn show(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let view = read_view(&state, &me, path.into_inner()).await?;
    let page = team_page(&session, &me, view, None, FieldErrors::default(), None);
    Ok(html(page.render()?))
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
    form: web::Form<TeamForm>,
) -> AppResult<HttpResponse> {
    let team_id = path.into_inner();
    let form = form.into_inner();
    let (actor, input) = (me.actor(), form.input());
    match state
        .op(move |conn| ops::update(conn, &actor, team_id, input))
        .await
    {
        Ok(team) => {
            flash(&session, "success", "Team saved.");
            Ok(redirect(&format!("/admin/teams/{}", team.id)))
        }
        Err(OpError::Invalid(errors)) => {
            let view = read_view(&state, &me, team_id).await?;
            let page = team_page(&session, &me, view, Some(form), errors, None);
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (actor, team_id) = (me.actor(), path.into_inner());
    let team = state
        .op(move |conn| ops::delete(conn, &actor, team_id))
        .await?;
    flash(
        &session,
        "success",
        format!(
            "Team {} deleted: its members no longer reach its projects through it.",
            team.name
        ),
    );
    Ok(redirect("/admin/teams"))
}

/// What a member or project change needs of its request.
type Cx = (HttpRequest, web::Data<AppState>, Session, CurrentUser);

/// Runs a member or project change as the signed-in user and answers: the piece for htmx (422
/// with the field error), else a redirect to the team's page, or the page with the error.
async fn answer<T: Send + 'static>(
    (req, state, session, me): Cx,
    team_id: i64,
    piece: fn(FieldErrors) -> Piece,
    op: impl FnOnce(&mut DbConn, &Actor) -> Result<T, OpError> + Send + 'static,
) -> AppResult<HttpResponse> {
    let actor = me.actor();
    let errors = match state.op(move |conn| op(conn, &actor)).await {
        Ok(_) => None,
        Err(OpError::Invalid(errors)) => Some(errors),
        Err(e) => return Err(e.into()),
    };
    let status = match errors {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None if !is_htmx(&req) => return Ok(redirect(&format!("/admin/teams/{team_id}"))),
        None => StatusCode::OK,
    };
    let view = read_view(&state, &me, team_id).await?;
    let piece = piece(errors.unwrap_or_default());
    let body = if is_htmx(&req) {
        let csrf = crate::auth::csrf::token(&session);
        match piece {
            Piece::Members(e) => members_piece(&csrf, &view, e).render()?,
            Piece::Projects(e) => projects_piece(&csrf, &view, e).render()?,
        }
    } else {
        team_page(
            &session,
            &me,
            view,
            None,
            FieldErrors::default(),
            Some(piece),
        )
        .render()?
    };
    Ok(html_status(status, body))
}

pub async fn add_member(
    cx: Cx,
    path: web::Path<i64>,
    form: web::Form<MemberForm>,
) -> AppResult<HttpResponse> {
    let team_id = path.into_inner();
    let user_id = form.user_id.trim().parse::<i64>().ok();
    answer(cx, team_id, Piece::Members, move |conn, actor| {
        ops::add_member(conn, actor, team_id, user_id)
    })
    .await
}

pub async fn remove_member(cx: Cx, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (team_id, user_id) = path.into_inner();
    answer(cx, team_id, Piece::Members, move |conn, actor| {
        ops::remove_member(conn, actor, team_id, user_id)
    })
    .await
}

pub async fn grant_project(
    cx: Cx,
    path: web::Path<i64>,
    form: web::Form<GrantForm>,
) -> AppResult<HttpResponse> {
    let team_id = path.into_inner();
    let input = GrantInput {
        project_id: form.project_id.trim().parse::<i64>().ok(),
        role: form.role.clone(),
    };
    answer(cx, team_id, Piece::Projects, move |conn, actor| {
        ops::grant_project(conn, actor, team_id, input)
    })
    .await
}

pub async fn revoke_project(cx: Cx, path: web::Path<(i64, i64)>) -> AppResult<HttpResponse> {
    let (team_id, project_id) = path.into_inner();
    answer(cx, team_id, Piece::Projects, move |conn, actor| {
        ops::revoke_project(conn, actor, team_id, project_id)
    })
    .await
}
