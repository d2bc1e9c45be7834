//! People (`/admin/users`, permission `users:manage`): the list of the company's users and
//! open invitations (search, role and status filters, pages; htmx swaps the results and the
//! URL keeps the query), and one user's page. The changes are in `actions` (a user) and
//! `invitations`; the rules live in `ops::admin`.

mod actions;
mod invitations;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{AdminTab, admin_page};
use crate::auth::permissions as perm;
use crate::models::people;
use crate::ops::admin::users::{self as users_op, PeoplePage, PeopleQuery, SeatUsage, UserDetail};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::handlers::account::sessions::describe_browser;
use crate::web::handlers::{html, html_status, is_htmx};
use crate::web::page::{Page, local_time};

pub fn routes(cfg: &mut web::ServiceConfig) {
    use actions::{
        change_role, deactivate, delete, password_reset, reactivate, reset_two_factor,
        revoke_all_sessions, revoke_session,
    };
    // `/admin/users/invite` before `/admin/users/{id}`.
    cfg.route("/admin/users", web::get().to(list))
        .route("/admin/users/invite", web::get().to(invitations::form))
        .route("/admin/users/invite", web::post().to(invitations::invite))
        .route(
            "/admin/users/invitations/{id}/resend",
            web::post().to(invitations::resend),
        )
        .route(
            "/admin/users/invitations/{id}/revoke",
            web::post().to(invitations::revoke),
        )
        .route("/admin/users/{id}", web::get().to(show))
        .route("/admin/users/{id}/role", web::post().to(change_role))
        .route("/admin/users/{id}/deactivate", web::post().to(deactivate))
        .route("/admin/users/{id}/reactivate", web::post().to(reactivate))
        .route(
            "/admin/users/{id}/password-reset",
            web::post().to(password_reset),
        )
        .route("/admin/users/{id}/delete", web::post().to(delete))
        .route(
            "/admin/users/{id}/two-factor/reset",
            web::post().to(reset_two_factor),
        )
        .route(
            "/admin/users/{id}/sessions/revoke-all",
            web::post().to(revoke_all_sessions),
        )
        .route(
            "/admin/users/{id}/sessions/{public_id}/revoke",
            web::post().to(revoke_session),
        );
}

/// "3 of 5 seats used (2 active users, 1 pending invitation)".
fn seats_line(s: &SeatUsage) -> String {
    let n = |k: i64, one: &str, many: &str| format!("{k} {}", if k == 1 { one } else { many });
    format!(
        "{} of {} used ({}, {})",
        s.used(),
        n(s.seats, "seat", "seats"),
        n(s.active, "active user", "active users"),
        n(s.pending, "pending invitation", "pending invitations")
    )
}

// ------------------------------------------------------------------ the list

/// One row of the people list: a user, or an open invitation.
pub struct PersonRow {
    pub user_id: Option<i64>,
    pub invitation_id: Option<i64>,
    pub name: String,
    pub username: String,
    pub email: String,
    pub roles: String,
    /// `active`, `unverified`, `deactivated`, `deleted`, `invited` or `expired`.
    pub status: &'static str,
    pub last_sign_in: String,
}

/// The list's query, normalized, with the links it needs.
pub struct ListState {
    pub q: String,
    pub role: String,
    pub status: String,
    pub page: i64,
    pub pages: i64,
    pub total: i64,
}

impl ListState {
    pub fn page_href(&self, page: i64) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("role", &self.role),
            ("status", &self.status),
        ] {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        let query = s.finish();
        if query.is_empty() {
            "/admin/users".into()
        } else {
            format!("/admin/users?{query}")
        }
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }

    pub fn prev_href(&self) -> String {
        self.page_href(self.page - 1)
    }

    pub fn next_href(&self) -> String {
        self.page_href(self.page + 1)
    }
}

/// The results: swapped by htmx, part of the page otherwise.
#[derive(Template)]
#[template(path = "admin/_users_rows.html")]
struct Results {
    query: ListState,
    rows: Vec<PersonRow>,
    csrf: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListPage {
    page: Page,
    tabs: Vec<AdminTab>,
    seats: String,
    roles: &'static [&'static str],
    statuses: &'static [&'static str],
    q: String,
    role: String,
    status: String,
    results: String,
}

fn rows(listed: PeoplePage, tz: &str) -> (Vec<PersonRow>, ListState) {
    let now = crate::util::now();
    let invitations = listed.invitations.into_iter().map(|i| PersonRow {
        user_id: None,
        invitation_id: Some(i.invitation.id),
        status: if i.invitation.is_pending(now) {
            "invited"
        } else {
            "expired"
        },
        name: i.invitation.name,
        username: String::new(),
        email: i.invitation.email,
        roles: i.role,
        last_sign_in: String::new(),
    });
    let users = listed.users.into_iter().map(|l| PersonRow {
        user_id: Some(l.user.id),
        invitation_id: None,
        status: people::status_of(&l.user),
        last_sign_in: l
            .user
            .last_login_at
            .map_or_else(|| "never".into(), |t| local_time(&t, tz)),
        name: l.user.name,
        username: l.user.username,
        email: l.user.email,
        roles: l.roles.join(", "),
    });
    let rows = invitations.chain(users).collect();
    let state = ListState {
        q: listed.filter.search,
        role: listed.filter.role,
        status: listed.filter.status,
        page: listed.page,
        pages: listed.pages,
        total: listed.total,
    };
    (rows, state)
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    query: web::Query<PeopleQuery>,
) -> AppResult<HttpResponse> {
    me.require(perm::USERS_MANAGE)?;
    let (actor, query) = (me.actor(), query.into_inner());
    let listed = state
        .op(move |conn| users_op::list(conn, &actor, query))
        .await?;
    let seats = seats_line(&listed.seats);
    let (rows, query) = rows(listed, &me.user.timezone);
    let (q, role, status) = (query.q.clone(), query.role.clone(), query.status.clone());
    let results = Results {
        query,
        rows,
        csrf: crate::auth::csrf::token(&session),
    }
    .render()?;
    // A search through htmx swaps the results (a history restore wants the whole page).
    if is_htmx(&req) && !req.headers().contains_key("hx-history-restore-request") {
        return Ok(html(results));
    }
    let (page, tabs) = admin_page(&session, &me, "People", "/admin/users");
    let view = ListPage {
        page,
        tabs,
        seats,
        roles: &crate::models::role::COMPANY_ROLES,
        statuses: &people::STATUSES,
        q,
        role,
        status,
        results,
    };
    Ok(html(view.render()?))
}

// ------------------------------------------------------------------ one user

pub struct SessionView {
    pub public_id: String,
    pub browser: String,
    pub ip_address: String,
    pub created: String,
    pub last_seen: String,
}

pub struct EventView {
    pub when: String,
    pub event_type: String,
    pub severity: String,
    pub description: String,
    pub ip_address: String,
}

pub struct ProjectView {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub role: String,
    /// Where the role comes from: "direct member (editor)", "team Field crew (viewer)".
    pub through: String,
}

fn access_sources(m: &crate::models::people::Membership) -> String {
    let direct = m.direct_role.iter().map(|r| format!("direct member ({r})"));
    let teams = m.teams.iter().map(|(t, r)| format!("team {t} ({r})"));
    direct.chain(teams).collect::<Vec<_>>().join(", ")
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    page: Page,
    tabs: Vec<AdminTab>,
    id: i64,
    name: String,
    username: String,
    email: String,
    status: &'static str,
    is_active: bool,
    roles: Vec<String>,
    company_role: String,
    role_choices: &'static [&'static str],
    last_sign_in: String,
    created: String,
    /// Since when the user signs in with two factors (`None`: off).
    two_factor: Option<String>,
    is_me: bool,
    /// The company is read-only: only the forms that take access away are offered.
    read_only: bool,
    projects: Vec<ProjectView>,
    sessions: Vec<SessionView>,
    events: Vec<EventView>,
    /// Why the last change was refused.
    error: Option<String>,
}

fn user_page(
    session: &Session,
    me: &CurrentUser,
    d: UserDetail,
    error: Option<String>,
) -> UserPage {
    let tz = me.user.timezone.as_str();
    let (page, tabs) = admin_page(session, me, d.user.name.clone(), "/admin/users");
    let company_role = d
        .roles
        .iter()
        .find(|r| crate::models::role::COMPANY_ROLES.contains(&r.as_str()))
        .cloned()
        .unwrap_or_default();
    UserPage {
        page,
        tabs,
        id: d.user.id,
        status: people::status_of(&d.user),
        is_active: d.user.is_active,
        is_me: d.user.id == me.user.id,
        read_only: crate::ops::actor::read_only_reason(me.license.as_ref()).is_some(),
        last_sign_in: d
            .user
            .last_login_at
            .map_or_else(|| "never".into(), |t| local_time(&t, tz)),
        created: local_time(&d.user.created_at, tz),
        two_factor: d.user.two_factor_enabled_at.map(|t| local_time(&t, tz)),
        name: d.user.name,
        username: d.user.username,
        email: d.user.email,
        roles: d.roles,
        company_role,
        role_choices: &crate::models::role::COMPANY_ROLES,
        projects: d
            .projects
            .into_iter()
            .map(|p| ProjectView {
                through: access_sources(&p),
                id: p.project_id,
                name: p.name,
                status: p.status,
                role: p.role,
            })
            .collect(),
        sessions: d
            .sessions
            .into_iter()
            .map(|s| SessionView {
                browser: describe_browser(s.user_agent.as_deref()),
                ip_address: s.ip_address.unwrap_or_else(|| "unknown".into()),
                created: local_time(&s.created_at, tz),
                last_seen: local_time(&s.last_seen_at, tz),
                public_id: s.public_id,
            })
            .collect(),
        events: d
            .events
            .into_iter()
            .map(|e| EventView {
                when: local_time(&e.created_at, tz),
                event_type: e.event_type,
                severity: e.severity,
                description: e.description,
                ip_address: e.ip_address.unwrap_or_default(),
            })
            .collect(),
        error,
    }
}

/// The user's page, with `error` (why a change was refused) above it and that status.
async fn render_user(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<HttpResponse> {
    let actor = me.actor();
    let idle =
        chrono::Duration::from_std(state.config.session_idle).unwrap_or(chrono::Duration::hours(2));
    let detail = state
        .op(move |conn| users_op::detail(conn, &actor, id, crate::util::now() - idle))
        .await?;
    Ok(html_status(
        status,
        user_page(session, me, detail, error).render()?,
    ))
}

pub async fn show(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    me.require(perm::USERS_MANAGE)?;
    render_user(&state, &session, &me, id.into_inner(), StatusCode::OK, None).await
}
