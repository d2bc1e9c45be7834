//! The dashboard: company, license state and recent activity.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::audit::{EntryView, view};
use super::html;
use crate::auth::permissions;
use crate::models::license::LicenseState;
use crate::models::{audit, project};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::page::Page;

#[derive(Template)]
#[template(path = "dashboard.html")]
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
    let (company_id, user_id) = (me.company_id(), me.user.id);
    let can_read_projects = me.can(permissions::PROJECTS_READ);
    let viewer = project::Viewer {
        company_id,
        user_id,
        read_all: me.can(permissions::PROJECTS_READ_ALL),
    };
    let (rows, roles, (projects, project_total)) = state
        .db(move |conn| {
            // Readers of the audit trail see the company's activity; others their own.
            let filter = audit::Filter {
                user_id: (!can_audit).then_some(user_id),
                ..Default::default()
            };
            let (rows, _) = audit::page(conn, company_id, &filter, None, 10)?;
            let roles = crate::models::role::role_names_for_user(conn, user_id)?;
            let projects = if can_read_projects {
                project::list(conn, viewer, &project::ListQuery::default())?
            } else {
                (Vec::new(), 0)
            };
            Ok((rows, roles, projects))
        })
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
        roles: roles.into_iter().map(|r| r.replace('_', " ")).collect(),
        activity: rows.iter().map(|r| view(r, &tz)).collect(),
        activity_is_company: can_audit,
        can_audit,
        projects: projects
            .into_iter()
            .take(5)
            .map(|l| {
                (
                    l.project.id,
                    l.project.name,
                    l.project.status,
                    crate::web::page::local_time(&l.project.updated_at, &tz),
                )
            })
            .collect(),
        project_total,
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
