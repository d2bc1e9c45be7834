//! `GET /audit/export.csv` and `/audit/export.jsonl`: the filtered trail as a download, with
//! the list's filter parameters. The body streams: each batch is read and formatted on the
//! blocking pool with a connection of its own when the client has taken the previous one, so
//! memory stays flat and a slow download holds no connection (`ops::audit::export`).

use std::sync::Arc;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use futures_util::stream::{self, StreamExt};

use super::list_input;
use crate::ops::OpError;
use crate::ops::audit::ListQuery;
use crate::ops::audit::export::{self, ExportPlan, Format};
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::CurrentUser;

pub async fn csv(
    state: web::Data<AppState>,
    me: CurrentUser,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    download(state, me, q.into_inner(), Format::Csv).await
}

pub async fn jsonl(
    state: web::Data<AppState>,
    me: CurrentUser,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    download(state, me, q.into_inner(), Format::JsonLines).await
}

async fn download(
    state: web::Data<AppState>,
    me: CurrentUser,
    query: ListQuery,
    format: Format,
) -> AppResult<HttpResponse> {
    let (actor, input) = (me.actor(), list_input(&me, query, false));
    let plan = state
        .op(move |conn| export::plan(conn, &actor, input, format))
        .await?;
    let filename = format!(
        "audit-{}-{}.{}",
        me.company.slug,
        crate::util::now().format("%Y%m%d-%H%M%S"),
        format.extension()
    );
    let header = Bytes::from(plan.header());
    let body = stream::once(async move { Ok::<_, actix_web::Error>(header) })
        .chain(batches(state.pool.clone(), Arc::new(plan)));
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, format.content_type()))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((CACHE_CONTROL, "private, no-store"))
        .streaming(body))
}

/// The plan's chunks, one batch each, read when the previous one has been taken. A failure
/// ends the body early (the client sees an incomplete download) and is logged.
fn batches(
    pool: crate::db::Pool,
    plan: Arc<ExportPlan>,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    stream::unfold(Some(0i64), move |cursor| {
        let (pool, plan) = (pool.clone(), plan.clone());
        async move {
            let cursor = cursor?;
            let next = web::block(move || {
                let mut conn = pool.get().map_err(OpError::from)?;
                plan.next_chunk(&mut conn, cursor)
            })
            .await;
            match next {
                Ok(Ok(Some((chunk, last)))) => Some((Ok(Bytes::from(chunk)), Some(last))),
                Ok(Ok(None)) => None,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, cursor, "audit export stopped");
                    Some((Err(AppError::from(e).into()), None))
                }
                Err(e) => {
                    tracing::error!(error = %e, cursor, "audit export stopped");
                    Some((Err(AppError::from(e).into()), None))
                }
            }
        }
    })
}
