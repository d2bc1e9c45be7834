//! The circuit editor: each user's working draft of a project's circuit, edited row by row
//! with htmx (every action also works as a plain form post that redirects back), saved as the
//! next numbered version, imported from a circuit or pandapower file and reset to the latest
//! version. The rules live in `ops::circuits`; this module parses requests and renders.
//!
//! - `editor`: the page; `tables`, `forms`, `diagram`: its pieces (shared with the version
//!   pages); `fragments`: the htmx answers of row actions.
//! - `rows`, `settings`, `save` (and discard), `import`, `export`: one file per action.

mod diagram;
mod editor;
mod export;
mod forms;
mod fragments;
mod import;
mod rows;
mod save;
mod settings;
mod tables;

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};

use super::{is_htmx, redirect};
use crate::circuit_edit::KindDef;
use crate::db::DbConn;
use crate::ops::{Actor, OpError, ProjectCtx};
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::project_access::ProjectAccess;

pub use crate::ops::circuits::MAX_IMPORT_BYTES;
pub(crate) use diagram::{DiagramView, PageQuery, bus_matches_response, diagram_view};
pub(crate) use export::json_download;
pub(crate) use forms::Editing;
pub(crate) use tables::{TableCtx, Tables, tables};

use diagram::diagram_buses;
use editor::editor;
use export::export_draft;
use import::import;
use rows::{add_row, delete_row, edit_row, show_row, update_row};
use save::{discard, save};
use settings::update_settings;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects/{id}/editor", web::get().to(editor))
        .route(
            "/projects/{id}/editor/settings",
            web::post().to(update_settings),
        )
        .route("/projects/{id}/editor/save", web::post().to(save))
        .route("/projects/{id}/editor/discard", web::post().to(discard))
        .route("/projects/{id}/editor/import", web::post().to(import))
        .route(
            "/projects/{id}/editor/export.json",
            web::get().to(export_draft),
        )
        .route(
            "/projects/{id}/editor/diagram/buses",
            web::get().to(diagram_buses),
        )
        .route("/projects/{id}/editor/{kind}/rows", web::post().to(add_row))
        .route(
            "/projects/{id}/editor/{kind}/rows/{element}",
            web::get().to(show_row),
        )
        .route(
            "/projects/{id}/editor/{kind}/rows/{element}",
            web::post().to(update_row),
        )
        .route(
            "/projects/{id}/editor/{kind}/rows/{element}/edit",
            web::get().to(edit_row),
        )
        .route(
            "/projects/{id}/editor/{kind}/rows/{element}/delete",
            web::post().to(delete_row),
        );
}

/// Percent-encodes a user string for one URL path segment (everything but `A-Z a-z 0-9 - _ ~`).
pub(crate) fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An HTML id for an element's row (ids are user strings: hex keeps them valid and unique).
pub(crate) fn row_dom_id(kind: &str, id: &str) -> String {
    crate::circuit_edit::row_anchor(kind, id)
}

fn kind_or_404(key: &str) -> AppResult<&'static KindDef> {
    crate::circuit_edit::kind(key).ok_or(AppError::NotFound)
}

/// Runs an operation as the request's user in the request's project (on the blocking pool).
async fn run<T, F>(state: &AppState, access: &ProjectAccess, op: F) -> Result<T, OpError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &Actor, &ProjectCtx) -> Result<T, OpError> + Send + 'static,
{
    let (actor, ctx) = (access.me.actor(), access.ctx.clone());
    state.op(move |conn| op(conn, &actor, &ctx)).await
}

/// Form fields as a map (the first value of each name).
fn form_map(pairs: Vec<(String, String)>) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (k, v) in pairs {
        map.entry(k).or_insert(v);
    }
    map
}

/// After a change: a redirect, or for htmx a full-page navigation (`HX-Redirect`).
pub(crate) fn done(req: &HttpRequest, location: &str) -> HttpResponse {
    if is_htmx(req) {
        HttpResponse::Ok()
            .insert_header(("HX-Redirect", location.to_string()))
            .finish()
    } else {
        redirect(location)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("L1"), "L1");
        assert_eq!(path_segment("Bus 1/A%"), "Bus%201%2FA%25");
        assert_eq!(path_segment(".."), "%2E%2E");
        assert_eq!(path_segment("Ü"), "%C3%9C");
        assert_eq!(row_dom_id("buses", "A"), "row-buses-41");
    }
}
