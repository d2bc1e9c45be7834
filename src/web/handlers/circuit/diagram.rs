//! The one-line diagram of the editor and version pages: the whole circuit, or for large
//! circuits a bus search and the neighbourhood of the chosen bus.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use super::super::{html, is_htmx, redirect};
use crate::ops::circuits;
pub(crate) use crate::report::diagram::DiagramView;
use crate::report::diagram::{self as report_diagram, DiagramQuery};
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::project_access::ProjectAccess;

/// The query of the editor and version pages: the element kinds shown in full (`all`: a kind
/// key, or `all`), and for the diagram a bus to centre on (large circuits), its depth and a
/// bus search.
#[derive(Deserialize, Default, Clone)]
pub struct PageQuery {
    #[serde(default)]
    pub all: String,
    #[serde(default)]
    pub bus: String,
    #[serde(default)]
    pub depth: String,
    #[serde(default)]
    pub q: String,
}

impl PageQuery {
    /// The query of the page an htmx request came from (`HX-Current-URL`), so that a row edit
    /// redraws the diagram the user is looking at.
    pub(super) fn of_current_url(req: &HttpRequest) -> PageQuery {
        let url = req
            .headers()
            .get("hx-current-url")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| url::Url::parse(v).ok());
        let mut q = PageQuery::default();
        if let Some(url) = url {
            for (k, v) in url.query_pairs() {
                match k.as_ref() {
                    "bus" => q.bus = v.into_owned(),
                    "depth" => q.depth = v.into_owned(),
                    "q" => q.q = v.into_owned(),
                    "all" => q.all = v.into_owned(),
                    _ => {}
                }
            }
        }
        q
    }

    /// The diagram's part of the query, for a diagram on `page_url`.
    fn diagram(&self, page_url: &str, search_url: &str) -> DiagramQuery {
        DiagramQuery {
            page_url: page_url.to_string(),
            search_url: search_url.to_string(),
            heading_level: 2,
            bus: self.bus.clone(),
            depth: self.depth.clone(),
            q: self.q.clone(),
        }
    }
}

/// The one-line diagram block of the editor and version pages (the shared component of
/// `report::diagram`, without results).
pub(crate) fn diagram_view(
    circuit: &Value,
    page_url: &str,
    search_url: &str,
    dq: &PageQuery,
) -> DiagramView {
    let c = <crate::sc::Circuit as serde::Deserialize>::deserialize(circuit).ok();
    report_diagram::diagram_view(c.as_ref(), None, &dq.diagram(page_url, search_url))
}

/// The bus search of the editor's diagram (htmx fragment; without htmx, the editor page).
pub async fn diagram_buses(
    req: HttpRequest,
    state: web::Data<AppState>,
    access: ProjectAccess,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let page_url = format!("/projects/{}/editor", access.project_id());
    if !is_htmx(&req) {
        return Ok(redirect(&format!(
            "{page_url}?q={}#diagram",
            url::form_urlencoded::byte_serialize(query.q.as_bytes()).collect::<String>()
        )));
    }
    let (actor, ctx) = (access.me.actor(), access.ctx);
    let circuit = state
        .op(move |conn| circuits::shown_circuit(conn, &actor, &ctx))
        .await?
        .ok_or(AppError::NotFound)?;
    bus_matches_response(&circuit, &page_url, &query)
}

#[derive(Template)]
#[template(path = "circuit/_bus_matches.html")]
struct BusMatchesFragment {
    d: DiagramView,
}

/// The bus search's matches as an htmx fragment.
pub(crate) fn bus_matches_response(
    circuit: &Value,
    page_url: &str,
    query: &PageQuery,
) -> AppResult<HttpResponse> {
    let mut d = diagram_view(&Value::Null, page_url, "", query);
    if let Ok(c) = serde_json::from_value::<crate::sc::Circuit>(circuit.clone()) {
        let (matches, total) = report_diagram::bus_matches(&c, None, &query.diagram(page_url, ""));
        d.matches = matches;
        d.total_matches = total;
    }
    Ok(html(BusMatchesFragment { d }.render()?))
}
