//! `/admin/security`: the company's security events, newest first, with filters in the address
//! and keyset pagination ("older events" appends the next page through htmx; the same link
//! works as a plain page). The reads are `ops::admin::security`'s.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{AdminTab, admin_page};
use crate::models::security_event::ListedEvent;
use crate::ops::admin::security::{
    self as security_op, AppliedEvents, EventInput, EventPage, EventQuery, SEVERITIES,
};
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::handlers::{html, is_htmx, render};
use crate::web::page::{Page, local_time};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/security", web::get().to(list));
}

/// An event as listed.
pub struct EventView {
    pub id: i64,
    pub when: String,
    pub event_type: String,
    pub severity: String,
    pub user: String,
    pub description: String,
    pub ip_address: String,
}

fn view(e: &ListedEvent, timezone: &str) -> EventView {
    let ev = &e.event;
    EventView {
        id: ev.id,
        when: local_time(&ev.created_at, timezone),
        event_type: ev.event_type.clone(),
        severity: ev.severity.clone(),
        user: e.username.clone().unwrap_or_else(|| "—".into()),
        description: ev.description.clone(),
        ip_address: ev.ip_address.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "admin/security.html")]
struct SecurityPage {
    page: Page,
    tabs: Vec<AdminTab>,
    rows: Vec<EventView>,
    next_url: Option<String>,
    applied: AppliedEvents,
    filter_query: String,
    errors: FieldErrors,
    severities: &'static [&'static str],
    types: Vec<String>,
    from: String,
    to: String,
    timezone: String,
}

/// More rows, for htmx.
#[derive(Template)]
#[template(path = "admin/_events.html")]
struct Rows {
    rows: Vec<EventView>,
    next_url: Option<String>,
    /// Also replace the "older events" link, out of band.
    oob: bool,
}

async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    q: web::Query<EventQuery>,
) -> AppResult<HttpResponse> {
    let query = q.into_inner();
    let fragment = is_htmx(&req) && query.before.is_some();
    let (from_typed, to_typed) = (
        query.from.clone().unwrap_or_default(),
        query.to.clone().unwrap_or_default(),
    );
    let actor = me.actor();
    let input = EventInput {
        query,
        timezone: me.user.timezone.clone(),
        types: !fragment,
    };
    let EventPage {
        rows,
        more,
        applied,
        errors,
        types,
    } = state
        .op(move |conn| security_op::list(conn, &actor, input))
        .await?;
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in applied.pairs() {
        s.append_pair(k, &v);
    }
    let filter_query = s.finish();
    let next_url = match (more, rows.last()) {
        (true, Some(last)) if filter_query.is_empty() => {
            Some(format!("/admin/security?before={}", last.event.id))
        }
        (true, Some(last)) => Some(format!(
            "/admin/security?{filter_query}&before={}",
            last.event.id
        )),
        _ => None,
    };
    let rows: Vec<EventView> = rows.iter().map(|e| view(e, &me.user.timezone)).collect();
    if fragment {
        return Ok(html(
            Rows {
                rows,
                next_url,
                oob: true,
            }
            .render()?,
        ));
    }
    let (page, tabs) = admin_page(&session, &me, "Security events", "/admin/security");
    let status = crate::web::forms::form_status(errors.is_empty());
    let body = SecurityPage {
        page,
        tabs,
        rows,
        next_url,
        from: applied.from.map(|d| d.to_string()).unwrap_or(from_typed),
        to: applied.to.map(|d| d.to_string()).unwrap_or(to_typed),
        applied,
        filter_query,
        errors,
        severities: &SEVERITIES,
        types,
        timezone: me.user.timezone.clone(),
    };
    render(status, &body)
}
