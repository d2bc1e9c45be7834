//! Simulations: the project's list and run form, the results page (live status while the job
//! runs, sortable bus table, branch currents, duty check, findings, one-line diagram),
//! comparison of two simulations, CSV/JSON exports, and the study report (HTML and PDF).
//!
//! `/projects/{id}/simulations...` routes take the project through `ProjectAccess`;
//! `/simulations/{id}...` routes read the simulation through `ops::simulations`, which loads
//! its project (another tenant's, or an unreadable project's, simulation is a 404). What the
//! results say and how they are formatted is `crate::report`.

mod compare;
mod export;
mod list;
mod report;
mod run;
mod show;

pub use show::{BodyKey, RenderedBody};

use actix_session::Session;
use actix_web::web;

use crate::web::extractors::CurrentUser;
use crate::web::page::Page;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects/{id}/simulations", web::get().to(list::list))
        .route("/projects/{id}/simulations", web::post().to(run::run))
        .route(
            "/projects/{id}/simulations/new",
            web::get().to(run::new_form),
        )
        .route("/simulations/{id}", web::get().to(show::show))
        .route("/simulations/{id}/status", web::get().to(show::status))
        .route("/simulations/{id}/buses", web::get().to(show::bus_table))
        .route(
            "/simulations/{id}/branches",
            web::get().to(show::branch_table),
        )
        .route("/simulations/{id}/compare", web::get().to(compare::compare))
        .route(
            "/simulations/{id}/export.csv",
            web::get().to(export::export_csv),
        )
        .route(
            "/simulations/{id}/export.json",
            web::get().to(export::export_json),
        )
        .route("/simulations/{id}/report", web::get().to(report::report))
        .route(
            "/simulations/{id}/report.pdf",
            web::get().to(report::report_pdf),
        );
}

/// The page frame of a simulations page (the Projects section).
fn page(session: &Session, me: &CurrentUser, title: String) -> Page {
    Page::new(session, title, Some(me), "/projects")
}
