//! The audit trail: entries newest first with keyset pagination ("older entries" loads the next
//! page through htmx), filters in the address, one entry's before/after, the export
//! (`export.rs`) and the chain check (`verify.rs`). The reads are `ops::audit`'s.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{html, is_htmx, render};
use crate::models::audit::Listed;
use crate::ops::audit::{self as audit_op, Applied, EntryPage, ListInput};
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::page::{Page, local_time};

mod export;
mod verify;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Before `/audit/{id}`, which would take these segments for ids.
    cfg.route("/audit", web::get().to(list))
        .route("/audit/export.csv", web::get().to(export::csv))
        .route("/audit/export.jsonl", web::get().to(export::jsonl))
        .route("/audit/verify", web::post().to(verify::start))
        .route("/audit/verify/{job_id}", web::get().to(verify::status))
        .route("/audit/{id}", web::get().to(detail));
}

/// An entry as shown in lists.
pub struct EntryView {
    pub id: i64,
    pub when: String,
    pub actor: String,
    pub action: String,
    /// What the entry is about: its name (`project “Grid study”`), else its type and id.
    pub entity: String,
    /// The page of what the entry is about, while it exists.
    pub entity_href: Option<String>,
    pub outcome: String,
    pub ip_address: String,
}

pub fn view(row: &Listed, timezone: &str) -> EntryView {
    let log = &row.log;
    EntryView {
        id: log.id,
        when: local_time(&log.created_at, timezone),
        actor: row.actor.clone().unwrap_or_else(|| "—".into()),
        action: log.action.clone(),
        entity: match (&row.target, log.entity_id) {
            (Some(t), _) => t.label.clone(),
            (None, Some(id)) => format!("{} #{id}", log.entity_type),
            (None, None) => log.entity_type.clone(),
        },
        entity_href: row.target.as_ref().and_then(|t| t.href.clone()),
        outcome: log.outcome.clone(),
        ip_address: log.ip_address.clone().unwrap_or_default(),
    }
}

/// A choice of a filter's select, marked when chosen.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(items: impl IntoIterator<Item = (String, String)>, chosen: &str) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value == chosen,
            value,
            label,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<EntryView>,
    next_url: Option<String>,
    applied: Applied,
    /// The filters as a query string (for the export links), `""` when none.
    filter_query: String,
    errors: FieldErrors,
    users: Vec<Choice>,
    projects: Vec<Choice>,
    actions: Vec<String>,
    entity_types: Vec<Choice>,
    from: String,
    to: String,
    timezone: String,
}

/// More rows, for htmx.
#[derive(Template)]
#[template(path = "audit/_rows.html")]
struct Rows {
    rows: Vec<EntryView>,
    next_url: Option<String>,
    /// Also replace the "older entries" link, out of band.
    oob: bool,
}

/// The filters as a URL query (`user=3&action=user.`), empty when none.
pub fn query_string(applied: &Applied) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in applied.pairs() {
        s.append_pair(k, &v);
    }
    s.finish()
}

/// The list input for `query`, in the reader's time zone.
pub fn list_input(me: &CurrentUser, query: audit_op::ListQuery, pickers: bool) -> ListInput {
    ListInput {
        query,
        timezone: me.user.timezone.clone(),
        pickers,
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    q: web::Query<audit_op::ListQuery>,
) -> AppResult<HttpResponse> {
    let query = q.into_inner();
    let fragment = is_htmx(&req) && query.before.is_some();
    let (actor, input) = (me.actor(), list_input(&me, query, !fragment));
    let EntryPage {
        rows,
        more,
        applied,
        errors,
        pickers,
    } = state
        .op(move |conn| audit_op::list(conn, &actor, input))
        .await?;
    let filter_query = query_string(&applied);
    let next_url = match (more, rows.last()) {
        (true, Some(last)) if filter_query.is_empty() => {
            Some(format!("/audit?before={}", last.log.id))
        }
        (true, Some(last)) => Some(format!("/audit?{filter_query}&before={}", last.log.id)),
        _ => None,
    };
    let rows: Vec<EntryView> = rows.iter().map(|r| view(r, &me.user.timezone)).collect();
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
    let pickers = pickers.unwrap_or_default();
    let page = ListPage {
        page: Page::new(&session, "Audit trail", Some(&me), "/audit"),
        rows,
        next_url,
        users: choices(
            pickers
                .users
                .into_iter()
                .map(|c| (c.id.to_string(), c.label)),
            &applied.user.map(|u| u.to_string()).unwrap_or_default(),
        ),
        projects: choices(
            pickers
                .projects
                .into_iter()
                .map(|c| (c.id.to_string(), c.label)),
            &applied.project.map(|p| p.to_string()).unwrap_or_default(),
        ),
        actions: pickers.actions,
        entity_types: choices(
            pickers.entity_types.into_iter().map(|t| (t.clone(), t)),
            &applied.entity_type,
        ),
        // As typed when not a date (shown again beside its error).
        from: applied
            .from
            .map(|d| d.to_string())
            .unwrap_or_else(|| raw(&req, "from")),
        to: applied
            .to
            .map(|d| d.to_string())
            .unwrap_or_else(|| raw(&req, "to")),
        timezone: me.user.timezone.clone(),
        filter_query,
        applied,
        errors,
    };
    let status = crate::web::forms::form_status(page.errors.is_empty());
    render(status, &page)
}

/// A query parameter as sent.
fn raw(req: &HttpRequest, name: &str) -> String {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.chars().take(100).collect())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "audit/detail.html")]
struct DetailPage {
    page: Page,
    entry: EntryView,
    user_agent: String,
    before: Option<String>,
    after: Option<String>,
    details: Option<String>,
    hash: String,
    prev_hash: String,
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

pub async fn detail(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (actor, id) = (me.actor(), id.into_inner());
    let row = state
        .op(move |conn| audit_op::detail(conn, &actor, id))
        .await?;
    let details = Some(&row.log.details.0).filter(|d| d.as_object().is_some_and(|o| !o.is_empty()));
    let page = DetailPage {
        page: Page::new(
            &session,
            format!("Audit entry #{}", row.log.id),
            Some(&me),
            "/audit",
        ),
        entry: view(&row, &me.user.timezone),
        user_agent: row.log.user_agent.clone().unwrap_or_default(),
        before: row.log.before().map(pretty),
        after: row.log.after().map(pretty),
        details: details.map(pretty),
        hash: row.log.hash.clone(),
        prev_hash: row.log.prev_hash.clone(),
    };
    Ok(html(page.render()?))
}
