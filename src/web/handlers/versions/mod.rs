//! Circuit version pages: the list, one version read-only with its JSON export, the
//! element-by-element comparison of two versions (or of a version and the user's draft), and
//! restoring an old version as the next one.

pub mod diff;
pub mod list;
pub mod restore;
pub mod show;

use actix_web::web;

use crate::models::circuit_version::{self, CircuitVersion};
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects/{id}/versions", web::get().to(list::list))
        .route("/projects/{id}/versions/{n}", web::get().to(show::show))
        .route(
            "/projects/{id}/versions/{n}/export.json",
            web::get().to(show::export),
        )
        .route(
            "/projects/{id}/versions/{n}/restore",
            web::post().to(restore::restore),
        )
        .route(
            "/projects/{id}/versions/{n}/diagram/buses",
            web::get().to(show::diagram_buses),
        )
        .route("/projects/{id}/diff", web::get().to(diff::compare));
}

/// Version `n` of the project, or 404.
async fn version_or_404(state: &AppState, project_id: i64, n: i32) -> AppResult<CircuitVersion> {
    state
        .db(move |conn| Ok(circuit_version::find_by_number(conn, project_id, n)?))
        .await?
        .ok_or(AppError::NotFound)
}

/// The choices of the comparison form: the user's draft (for those who edit) and every version
/// (value, label).
fn choices(numbers: &[i32], with_draft: bool) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if with_draft {
        out.push(("draft".into(), "Your draft".into()));
    }
    out.extend(
        numbers
            .iter()
            .map(|n| (n.to_string(), format!("Version {n}"))),
    );
    out
}
