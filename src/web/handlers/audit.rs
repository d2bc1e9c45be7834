//! The audit trail: entries newest first with keyset pagination ("older entries" loads the next
//! page through htmx), filters, and one entry's before/after. The reads are `ops::audit`'s.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::{html, is_htmx};
use crate::models::audit::Listed;
use crate::ops::audit::{self as audit_op, EntryPage};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::page::{Page, local_time};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(list))
        .route("/audit/{id}", web::get().to(detail));
}

/// An entry as shown in lists.
pub struct EntryView {
    pub id: i64,
    pub when: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
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
        entity: match log.entity_id {
            Some(id) => format!("{} #{id}", log.entity_type),
            None => log.entity_type.clone(),
        },
        outcome: log.outcome.clone(),
        ip_address: log.ip_address.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<EntryView>,
    next_url: Option<String>,
    action: String,
    outcome: String,
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

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    q: web::Query<audit_op::ListQuery>,
) -> AppResult<HttpResponse> {
    let query = q.into_inner();
    let before = query.before;
    let actor = me.actor();
    let EntryPage {
        rows,
        more,
        action,
        outcome,
    } = state
        .op(move |conn| audit_op::list(conn, &actor, query))
        .await?;
    let next_url = match (more, rows.last()) {
        (true, Some(last)) => Some(format!(
            "/audit?before={}&action={}&outcome={}",
            last.log.id,
            urlencode(&action),
            urlencode(&outcome)
        )),
        _ => None,
    };
    let rows: Vec<EntryView> = rows.iter().map(|r| view(r, &me.user.timezone)).collect();
    if is_htmx(&req) && before.is_some() {
        return Ok(html(
            Rows {
                rows,
                next_url,
                oob: true,
            }
            .render()?,
        ));
    }
    let page = ListPage {
        page: Page::new(&session, "Audit trail", Some(&me), "/audit"),
        rows,
        next_url,
        action,
        outcome,
    };
    Ok(html(page.render()?))
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
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
