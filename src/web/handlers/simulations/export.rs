//! Downloads: one result table as CSV, or everything about a simulation as JSON.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::ops::simulations as sims;
use crate::report::csv::{Table, results_csv};
use crate::report::json::export_document;
use crate::report::names::Names;
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::CurrentUser;

#[derive(Deserialize)]
pub struct CsvQuery {
    table: Option<String>,
}

fn attachment(content_type: &str, filename: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type.to_string()))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(body)
}

/// `?table=buses` (default), `branches` or `duty`.
pub async fn export_csv(
    state: web::Data<AppState>,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<CsvQuery>,
) -> AppResult<HttpResponse> {
    let (actor, id) = (me.actor(), id.into_inner());
    let table = q.table.as_deref().map_or(Some(Table::Buses), Table::parse);
    let (filename, body) = state
        .op(move |conn| {
            let e = sims::export_csv(conn, &actor, id, table)?;
            let names = Names::new(e.circuit.as_ref(), &e.stored.results.buses);
            Ok((
                e.table.filename(e.sim.id),
                results_csv(&e.project_name, e.sim.id, &e.stored, e.table, &names),
            ))
        })
        .await?;
    Ok(attachment("text/csv; charset=utf-8", &filename, body))
}

pub async fn export_json(
    state: web::Data<AppState>,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (actor, id) = (me.actor(), id.into_inner());
    // Serialised on the blocking pool: a large result is megabytes of JSON.
    let body = state
        .db(move |conn| {
            let (project_name, listed, result) = sims::export_json(conn, &actor, id)?;
            let doc = export_document(&project_name, &listed, result.as_ref());
            serde_json::to_string_pretty(&doc).map_err(|e| AppError::Internal(e.to_string()))
        })
        .await?;
    Ok(attachment(
        "application/json",
        &format!("simulation-{id}.json"),
        body,
    ))
}
