//! Project pages: the list (search, filter, sort, pages through htmx), creation with version 1
//! of the circuit, the overview, settings (name, description, status, archive) and members.

pub mod create;
pub mod list;
pub mod members;
pub mod overview;
pub mod settings;

use actix_session::Session;
use actix_web::web;

use crate::models::project::Project;
use crate::web::extractors::CurrentUser;
use crate::web::page::Page;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects", web::get().to(list::list))
        .route("/projects", web::post().to(create::create))
        .route("/projects/new", web::get().to(create::new_form))
        .route("/projects/{id}", web::get().to(overview::overview))
        .route("/projects/{id}/settings", web::get().to(settings::form))
        .route("/projects/{id}/settings", web::post().to(settings::update))
        .route("/projects/{id}/archive", web::post().to(settings::archive))
        .route("/projects/{id}/members", web::get().to(members::list))
        .route("/projects/{id}/members", web::post().to(members::add))
        .route(
            "/projects/{id}/members/{user_id}",
            web::post().to(members::change_role),
        )
        .route(
            "/projects/{id}/members/{user_id}/remove",
            web::post().to(members::remove),
        );
}

/// The page frame of a project's tab, titled `<tab> · <project name>`.
pub fn tab_page(session: &Session, me: &CurrentUser, tab: &str, project: &Project) -> Page {
    Page::new(
        session,
        format!("{tab} · {}", project.name),
        Some(me),
        "/projects",
    )
}
