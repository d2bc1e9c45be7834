//! The dashboard: company, license state and recent activity.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::audit::{EntryView, view};
use super::html;
use crate::auth::permissions;
use crate::models::dashboard::{self, DashboardQuery};
use crate::models::license::LicenseState;
use crate::models::project::Viewer;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::page::{Page, local_time};

#[derive(Template)]
#[template(path = "dashboard/show.html")]
struct DashboardPage {
    page: Page,
    company_name: String,
    company_code: String,
    license_line: String,
    license_ok: bool,
    roles: Vec<String>,
    activity: Vec<EntryView>,
    activity_is_company: bool,
    can_audit: bool,
    /// The most recently changed projects the user may see (name, status, updated).
    projects: Vec<(i64, String, String, String)>,
    project_total: i64,
    can_read_projects: bool,
    can_create_projects: bool,
}

pub async fn show(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
) -> AppResult<HttpResponse> {
    let can_audit = me.can(permissions::AUDIT_READ);
    let can_read_projects = me.can(permissions::PROJECTS_READ);
    // Readers of the audit trail see the company's activity; others their own.
    let query = DashboardQuery {
        company_id: me.company_id(),
        user_id: me.user.id,
        own_activity_only: !can_audit,
        projects: can_read_projects.then(|| Viewer {
            company_id: me.company_id(),
            user_id: me.user.id,
            read_all: me.can(permissions::PROJECTS_READ_ALL),
        }),
    };
    let data = state
        .db(move |conn| Ok(dashboard::load(conn, &query)?))
        .await?;
    let (license_line, license_ok) = match me.license_state() {
        LicenseState::Active { plan, days_left } => (
            format!(
                "{} license, active, {days_left} day{} left",
                capitalize(&plan),
                if days_left == 1 { "" } else { "s" }
            ),
            true,
        ),
        LicenseState::Inactive { reason } => (reason, false),
    };
    let tz = me.user.timezone.clone();
    let page = DashboardPage {
        page: Page::new(&session, "Dashboard", Some(&me), "/"),
        company_name: me.company.name.clone(),
        company_code: me.company.code.clone(),
        license_line,
        license_ok,
        roles: data
            .roles
            .into_iter()
            .map(|r| r.replace('_', " "))
            .collect(),
        activity: data.activity.iter().map(|r| view(r, &tz)).collect(),
        activity_is_company: can_audit,
        can_audit,
        projects: data
            .projects
            .into_iter()
            .take(5)
            .map(|l| {
                (
                    l.project.id,
                    l.project.name,
                    l.project.status,
                    local_time(&l.project.updated_at, &tz),
                )
            })
            .collect(),
        project_total: data.project_total,
        can_read_projects,
        can_create_projects: me.can(permissions::PROJECTS_WRITE),
    };
    Ok(html(page.render()?))
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
