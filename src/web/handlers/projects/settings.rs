//! A project's settings: name, description and status (archiving or reactivating it), and the
//! archive button.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::tab_page;
use crate::models::project::{self, Project};
use crate::ops::OpError;
use crate::ops::input::FieldErrors;
use crate::ops::projects::{self as ops, ProjectRefusal, ProjectSettings};
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::handlers::{html, html_status, redirect};
use crate::web::page::{Page, flash};
use crate::web::project_access::{Capability, ProjectAccess, ProjectFlags};

const ARCHIVED: &str = "Project archived: it is read-only until an owner reactivates it.";

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
    errors: FieldErrors,
    statuses: &'static [&'static str],
}

impl SettingsPage {
    fn new(
        session: &Session,
        access: ProjectAccess,
        form: SettingsForm,
        errors: FieldErrors,
    ) -> Self {
        let ProjectAccess { me, ctx } = access;
        SettingsPage {
            page: tab_page(session, &me, "Settings", &ctx.project),
            flags: ctx.flags(),
            form,
            errors,
            statuses: &project::STATUSES,
            project: ctx.project,
            tab: "settings",
        }
    }
}

pub async fn form(session: Session, access: ProjectAccess) -> AppResult<HttpResponse> {
    if !access.ctx.can(Capability::Manage) {
        return Err(AppError::Forbidden);
    }
    let p = &access.ctx.project;
    let form = SettingsForm {
        name: p.name.clone(),
        description: p.description.clone(),
        status: p.status.clone(),
    };
    let view = SettingsPage::new(&session, access, form, FieldErrors::default());
    Ok(html(view.render()?))
}

pub async fn update(
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    form: web::Form<SettingsForm>,
) -> AppResult<HttpResponse> {
    let mut form = form.into_inner();
    form.name = form.name.trim().to_string();
    form.description = form.description.trim().to_string();
    let input = ProjectSettings {
        name: form.name.clone(),
        description: form.description.clone(),
        status: form.status.clone(),
    };
    let (actor, ctx) = (access.me.actor(), access.ctx.clone());
    match state
        .op(move |conn| ops::update_settings(conn, &actor, &ctx, input))
        .await
    {
        Ok(saved) => {
            let message = if saved.archived {
                ARCHIVED
            } else {
                "Project settings saved."
            };
            flash(&session, "success", message);
            Ok(redirect(&format!("/projects/{}", saved.project.id)))
        }
        Err(OpError::Invalid(errors)) => {
            let view = SettingsPage::new(&session, access, form, errors);
            Ok(html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                view.render()?,
            ))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn archive(
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
) -> AppResult<HttpResponse> {
    let (actor, ctx) = (access.me.actor(), access.ctx.clone());
    match state.op(move |conn| ops::archive(conn, &actor, &ctx)).await {
        Ok(_) => flash(&session, "success", ARCHIVED),
        Err(OpError::Project(refusal @ ProjectRefusal::AlreadyArchived)) => {
            flash(&session, "info", refusal.to_string());
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect(&format!("/projects/{}", access.project_id())))
}
