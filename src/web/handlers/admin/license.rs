//! `/admin/license`: the company's current license (plan, seats and projects used of what it
//! allows, dates, status, days left, why the company is read-only) and every license it had.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{AdminTab, admin_page};
use crate::models::license::{License, LicenseState};
use crate::ops::admin::license::{self as ops, Overview};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::handlers::render;
use crate::web::page::Page;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/license", web::get().to(show));
}

/// A license as the page shows it.
struct LicenseView {
    plan: String,
    seats: i32,
    max_projects: i32,
    start_date: String,
    end_date: String,
    status: String,
}

impl From<&License> for LicenseView {
    fn from(l: &License) -> Self {
        LicenseView {
            plan: l.plan.clone(),
            seats: l.seats,
            max_projects: l.max_projects,
            start_date: l.start_date.to_string(),
            end_date: l.end_date.to_string(),
            status: l.status.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/license.html")]
struct LicensePage {
    page: Page,
    tabs: Vec<AdminTab>,
    current: Option<LicenseView>,
    seats_used: i64,
    projects_used: i64,
    /// Counting today; `None` while the company is read-only.
    days_left: Option<i64>,
    /// Why the company is read-only, or `None`.
    read_only: Option<String>,
    history: Vec<LicenseView>,
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
) -> AppResult<HttpResponse> {
    let actor = me.actor();
    let overview: Overview = state.op(move |conn| ops::overview(conn, &actor)).await?;
    let (days_left, read_only) = match overview.state {
        LicenseState::Active { days_left, .. } => (Some(days_left), None),
        LicenseState::Inactive { reason } => (None, Some(reason)),
    };
    let (page, tabs) = admin_page(&session, &me, "License", "/admin/license");
    render(
        StatusCode::OK,
        &LicensePage {
            page,
            tabs,
            current: overview.current.as_ref().map(LicenseView::from),
            seats_used: overview.seats_used,
            projects_used: overview.projects_used,
            days_left,
            read_only,
            history: overview.history.iter().map(LicenseView::from).collect(),
        },
    )
}
