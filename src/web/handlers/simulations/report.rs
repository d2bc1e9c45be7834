//! The study report of a completed simulation: a print-ready HTML page and the same report as
//! a PDF download (both from `report::study`). Same access as the results page: another
//! tenant's simulation is a 404, one without results a clear refusal. Reading is not audited
//! (the exports are not either).

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

use super::super::html;
use crate::models::module;
use crate::ops::simulations::{self as sims, ReportInputs};
use crate::report::study::{self, ReportMeta, StudyReport};
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::CurrentUser;
use crate::web::page::local_time;

/// Reads the simulation and builds the report (on the blocking pool: large studies take a
/// while to format).
async fn load(state: &AppState, me: &CurrentUser, id: i64) -> AppResult<StudyReport> {
    let (actor, tz) = (me.actor(), me.user.timezone.clone());
    let report = state
        .op(move |conn| {
            let ReportInputs {
                project_name,
                listed,
                types,
                stored,
                circuit,
            } = sims::report(conn, &actor, id)?;
            let meta = ReportMeta {
                sim_id: listed.sim.id,
                project: project_name,
                author: listed.user_name.clone(),
                date: local_time(&stored.computed_at, &tz),
                kind: module::label_of(&types, &listed.sim.simulation_type),
            };
            Ok(study::build(meta, &stored, circuit.as_ref()))
        })
        .await?;
    Ok(report)
}

pub async fn report(
    state: web::Data<AppState>,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let r = load(&state, &me, id.into_inner()).await?;
    Ok(html(study::html::render(&r)?))
}

pub async fn report_pdf(
    state: web::Data<AppState>,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let r = load(&state, &me, id.into_inner()).await?;
    let sim_id = r.sim_id;
    let bytes = web::block(move || study::pdf::render(&r))
        .await?
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/pdf"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"simulation-{sim_id}-report.pdf\""),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}
