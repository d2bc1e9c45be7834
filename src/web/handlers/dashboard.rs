//! The dashboard: company, license state and recent activity.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::audit::{EntryView, view};
use super::html;
use crate::auth::permissions;
use crate::models::audit;
use crate::models::license::LicenseState;
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
}

pub async fn show(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
) -> AppResult<HttpResponse> {
    let can_audit = me.can(permissions::AUDIT_READ);
    let (company_id, user_id) = (me.company_id(), me.user.id);
    let (rows, roles) = state
        .db(move |conn| {
            // Readers of the audit trail see the company's activity; others their own.
            let filter = audit::Filter {
                user_id: (!can_audit).then_some(user_id),
                ..Default::default()
            };
            let (rows, _) = audit::page(conn, company_id, &filter, None, 10)?;
            let roles = crate::models::role::role_names_for_user(conn, user_id)?;
            Ok((rows, roles))
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
