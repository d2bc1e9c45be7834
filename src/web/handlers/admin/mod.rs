//! Company administration (`/admin/...`): people and invitations, teams, the license, the
//! company's profile and its security events. Each page asks for its own permission
//! (`users:manage`, or `licenses:read` for the license); the rules live in `ops::admin`.

pub mod users;

use actix_session::Session;
use actix_web::{HttpResponse, web};

use super::redirect;
use crate::auth::permissions as perm;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::CurrentUser;
use crate::web::page::Page;

pub mod company;
pub mod license;
pub mod security;
pub mod teams;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(home));
    company::routes(cfg);
    license::routes(cfg);
    security::routes(cfg);
    teams::routes(cfg);
    users::routes(cfg);
}

/// `/admin` opens the first admin page the user may see.
async fn home(me: CurrentUser) -> AppResult<HttpResponse> {
    tabs(&me, "")
        .first()
        .map(|t| redirect(t.href))
        .ok_or(AppError::NotFound)
}

/// One tab of the admin area.
#[derive(Debug, Clone)]
pub struct AdminTab {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// The admin tabs this user may open; `current` is the href of the one shown.
pub fn tabs(me: &CurrentUser, current: &str) -> Vec<AdminTab> {
    let all: [(&str, &str, &str); 5] = [
        ("/admin/users", "People", perm::USERS_MANAGE),
        ("/admin/teams", "Teams", perm::USERS_MANAGE),
        ("/admin/license", "License", perm::LICENSES_READ),
        ("/admin/company", "Company", perm::USERS_MANAGE),
        ("/admin/security", "Security events", perm::USERS_MANAGE),
    ];
    all.into_iter()
        .filter(|(_, _, permission)| me.can(permission))
        .map(|(href, label, _)| AdminTab {
            href,
            label,
            active: href == current,
        })
        .collect()
}

/// The frame of an admin page: the "Company" navigation entry marked, and the tabs.
pub fn admin_page(
    session: &Session,
    me: &CurrentUser,
    title: impl Into<String>,
    tab: &str,
) -> (Page, Vec<AdminTab>) {
    (Page::new(session, title, Some(me), "/admin"), tabs(me, tab))
}
