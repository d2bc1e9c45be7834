//! "Verify chain": `POST /audit/verify` checks the company's hash chain (or queues the check
//! for a large trail) and answers with the result piece; while a job runs, the piece polls
//! `GET /audit/verify/{job_id}` (htmx) until the result is there. Without htmx both answer a
//! page that shows the same piece (reload to follow a running check).

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::{html, is_htmx};
use crate::ops::audit::verify::{self, Started, Status, VerifyInput, VerifyResult};
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::page::Page;

/// The result piece: a running check (which asks for itself again), or the outcome.
pub struct VerifyView {
    /// The job to poll while it runs.
    pub poll: Option<i64>,
    /// Rows checked and the trail's size, while a job runs.
    pub progress: Option<(u64, u64)>,
    pub result: Option<VerifyResult>,
    pub failed: bool,
}

impl VerifyView {
    fn from_status(job_id: i64, status: Status) -> Self {
        let mut view = VerifyView {
            poll: None,
            progress: None,
            result: None,
            failed: false,
        };
        match status {
            Status::Waiting => view.poll = Some(job_id),
            Status::Running { checked, total } => {
                view.poll = Some(job_id);
                view.progress = Some((checked.min(total), total));
            }
            Status::Done(result) => view.result = Some(result),
            Status::Failed => view.failed = true,
        }
        view
    }
}

#[derive(Template)]
#[template(path = "audit/_verify.html")]
struct Piece {
    v: VerifyView,
}

#[derive(Template)]
#[template(path = "audit/verify.html")]
struct VerifyPage {
    page: Page,
    v: VerifyView,
}

fn respond(
    req: &HttpRequest,
    session: &Session,
    me: &CurrentUser,
    v: VerifyView,
) -> AppResult<HttpResponse> {
    if is_htmx(req) {
        return Ok(html(Piece { v }.render()?));
    }
    let page = VerifyPage {
        page: Page::new(session, "Chain check", Some(me), "/audit"),
        v,
    };
    Ok(html(page.render()?))
}

#[derive(Deserialize)]
pub struct VerifyForm {
    /// Any non-empty value: run as a job whatever the trail's size.
    background: Option<String>,
}

pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    form: web::Form<VerifyForm>,
) -> AppResult<HttpResponse> {
    let input = VerifyInput {
        background: form.background.as_deref().is_some_and(|v| !v.is_empty()),
    };
    let actor = me.actor();
    let started = state
        .op(move |conn| verify::start(conn, &actor, input))
        .await?;
    let view = match started {
        Started::Done(result) => VerifyView::from_status(0, Status::Done(result)),
        Started::Queued { job_id } => VerifyView::from_status(job_id, Status::Waiting),
    };
    respond(&req, &session, &me, view)
}

pub async fn status(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    job_id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (actor, job_id) = (me.actor(), job_id.into_inner());
    let status = state
        .op(move |conn| verify::status(conn, &actor, job_id))
        .await?;
    respond(&req, &session, &me, VerifyView::from_status(job_id, status))
}
