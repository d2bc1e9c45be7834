//! Circuit downloads: the draft (and, for the version pages, a version) as a circuit file.

use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::run;
use crate::ops::circuits;
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::project_access::ProjectAccess;

/// A JSON file download.
pub(crate) fn json_download(data: &Value, file_name: &str) -> AppResult<HttpResponse> {
    let mut body = serde_json::to_string_pretty(data)
        .map_err(|e| AppError::Internal(format!("circuit JSON: {e}")))?;
    body.push('\n');
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(body))
}

/// The user's draft as a circuit file.
pub async fn export_draft(
    state: web::Data<AppState>,
    access: ProjectAccess,
) -> AppResult<HttpResponse> {
    let draft = run(&state, &access, circuits::draft).await?;
    json_download(
        &draft.data_json.0,
        &format!("{}-draft.circuit.json", access.ctx.project.slug),
    )
}
