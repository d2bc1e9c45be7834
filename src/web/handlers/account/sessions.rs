//! Where one is signed in: the list, and signing sessions out (in place through htmx).

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::super::{html, is_htmx, redirect};
use crate::ops::OpError;
use crate::ops::accounts::sessions as sessions_op;
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::CurrentUser;
use crate::web::page::{Page, flash, local_time};

pub struct SessionView {
    pub public_id: String,
    pub browser: String,
    pub ip_address: String,
    pub created: String,
    pub last_seen: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "account/sessions.html")]
struct SessionsPage {
    page: Page,
    sessions: Vec<SessionView>,
}

/// The table alone, for htmx.
#[derive(Template)]
#[template(path = "account/_sessions.html")]
struct SessionsTable {
    sessions: Vec<SessionView>,
    csrf: String,
}

/// A short description of a browser from its user agent, e.g. "Firefox on Linux".
pub fn describe_browser(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.filter(|u| !u.is_empty()) else {
        return "Unknown browser".into();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chromium/", "Chromium"),
        ("HeadlessChrome/", "Headless Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map_or("Other browser", |(_, name)| name);
    let os = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match os {
        Some(os) => format!("{browser} on {os}"),
        None => browser.to_string(),
    }
}

async fn load_sessions(state: &AppState, me: &CurrentUser) -> AppResult<Vec<SessionView>> {
    let actor = me.actor();
    let idle =
        chrono::Duration::from_std(state.config.session_idle).unwrap_or(chrono::Duration::hours(2));
    let rows = state
        .op(move |conn| sessions_op::list(conn, &actor, crate::util::now() - idle))
        .await?;
    let tz = me.user.timezone.clone();
    Ok(rows
        .into_iter()
        .map(|r| SessionView {
            current: me.session_public_id.as_deref() == Some(r.public_id.as_str()),
            browser: describe_browser(r.user_agent.as_deref()),
            ip_address: r.ip_address.unwrap_or_else(|| "unknown".into()),
            created: local_time(&r.created_at, &tz),
            last_seen: local_time(&r.last_seen_at, &tz),
            public_id: r.public_id,
        })
        .collect())
}

pub async fn sessions(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
) -> AppResult<HttpResponse> {
    let list = load_sessions(&state, &me).await?;
    let page = SessionsPage {
        page: Page::new(&session, "Your sessions", Some(&me), "/account"),
        sessions: list,
    };
    Ok(html(page.render()?))
}

/// After signing sessions out: the table again for htmx, else back to the page with a message.
async fn after_revoke(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    message: String,
) -> AppResult<HttpResponse> {
    if is_htmx(req) {
        let table = SessionsTable {
            sessions: load_sessions(state, me).await?,
            csrf: crate::auth::csrf::token(session),
        };
        return Ok(html(table.render()?));
    }
    flash(session, "success", message);
    Ok(redirect("/account/sessions"))
}

pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    public_id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let public_id = public_id.into_inner();
    let (actor, current) = (me.actor(), me.session_public_id.clone());
    let revoked = state
        .op(move |conn| sessions_op::revoke(conn, &actor, current.as_deref(), &public_id))
        .await;
    match revoked {
        Ok(()) => {}
        // Not a conflict: the request itself is wrong.
        Err(OpError::Account(r)) => return Err(AppError::BadRequest(r.to_string())),
        Err(e) => return Err(e.into()),
    }
    after_revoke(
        &req,
        &state,
        &session,
        &me,
        "The session was signed out.".into(),
    )
    .await
}

pub async fn revoke_others(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
) -> AppResult<HttpResponse> {
    let (actor, keep) = (me.actor(), me.session_public_id.clone());
    let ended = state
        .op(move |conn| sessions_op::revoke_others(conn, &actor, keep.as_deref()))
        .await?;
    after_revoke(
        &req,
        &state,
        &session,
        &me,
        format!("{ended} other session(s) signed out."),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::describe_browser;

    #[test]
    fn browsers() {
        assert_eq!(
            describe_browser(Some(
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
            )),
            "Firefox on Linux"
        );
        assert_eq!(
            describe_browser(Some(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
            )),
            "Chrome on Windows"
        );
        assert_eq!(describe_browser(None), "Unknown browser");
    }
}
