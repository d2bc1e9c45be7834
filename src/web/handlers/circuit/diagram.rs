//! The one-line diagram of the editor and version pages: the whole circuit, or for large
//! circuits a bus search and the neighbourhood of the chosen bus.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use super::super::{html, is_htmx, redirect};
use crate::ops::circuits;
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
    /// Branch hops around the chosen bus: 2 unless 1 to 6 is asked for.
    pub(super) fn depth(&self) -> usize {
        self.depth.trim().parse().unwrap_or(2).clamp(1, MAX_DEPTH)
    }

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
}

/// Deepest neighbourhood offered.
const MAX_DEPTH: usize = 6;
/// Buses listed by the bus search.
const BUS_MATCHES: usize = 50;

/// A bus in the diagram's bus search.
pub(crate) struct BusMatch {
    pub id: String,
    pub name: String,
    pub vn: String,
    pub url: String,
    pub selected: bool,
}

/// The one-line diagram block: the whole circuit, or for large circuits a bus search and the
/// neighbourhood of the chosen bus.
pub(crate) struct DiagramView {
    /// Inline SVG from `diagram::render` (safe to embed: no scripts, styles or external refs).
    pub svg: Option<String>,
    pub message: String,
    pub full: bool,
    pub bus_count: usize,
    pub limit: usize,
    pub page_url: String,
    pub search_url: String,
    pub query: String,
    pub selected: Option<String>,
    pub depth: usize,
    pub depths: Vec<usize>,
    pub matches: Vec<BusMatch>,
    pub total_matches: usize,
}

fn query_value(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn bus_url(page_url: &str, bus: &str, depth: usize, q: &str) -> String {
    let mut url = format!("{page_url}?bus={}&depth={depth}", query_value(bus));
    if !q.is_empty() {
        url.push_str(&format!("&q={}", query_value(q)));
    }
    url.push_str("#diagram");
    url
}

fn bus_matches(c: &crate::sc::Circuit, dq: &PageQuery, page_url: &str) -> (Vec<BusMatch>, usize) {
    let needle = dq.q.trim().to_lowercase();
    let depth = dq.depth();
    let mut total = 0;
    let mut out = Vec::new();
    for b in &c.buses {
        let name = b.name.clone().unwrap_or_default();
        if !needle.is_empty()
            && !b.id.to_lowercase().contains(&needle)
            && !name.to_lowercase().contains(&needle)
        {
            continue;
        }
        total += 1;
        if out.len() < BUS_MATCHES {
            out.push(BusMatch {
                url: bus_url(page_url, &b.id, depth, dq.q.trim()),
                selected: b.id == dq.bus,
                id: b.id.clone(),
                name,
                vn: b.vn_kv.to_string(),
            });
        }
    }
    (out, total)
}

pub(crate) fn diagram_view(
    circuit: &Value,
    page_url: &str,
    search_url: &str,
    dq: &PageQuery,
) -> DiagramView {
    let depth = dq.depth();
    let mut view = DiagramView {
        svg: None,
        message: String::new(),
        full: true,
        bus_count: 0,
        limit: crate::diagram::MAX_FULL_DIAGRAM_BUSES,
        page_url: page_url.to_string(),
        search_url: search_url.to_string(),
        query: dq.q.trim().to_string(),
        selected: None,
        depth,
        depths: (1..=MAX_DEPTH).collect(),
        matches: Vec::new(),
        total_matches: 0,
    };
    let c = match <crate::sc::Circuit as serde::Deserialize>::deserialize(circuit) {
        Ok(c) => c,
        Err(_) => {
            view.message = "No diagram: the circuit does not parse.".into();
            return view;
        }
    };
    view.bus_count = c.buses.len();
    let bus = dq.bus.trim();
    let options = |highlight: Option<&str>| crate::diagram::RenderOptions {
        highlight_bus: highlight.map(str::to_string),
        ..Default::default()
    };
    if view.bus_count <= view.limit {
        let highlight = c.buses.iter().any(|b| b.id == bus).then_some(bus);
        view.svg = Some(crate::diagram::render(&c, None, &options(highlight)));
        return view;
    }
    view.full = false;
    let (matches, total) = bus_matches(&c, dq, page_url);
    view.matches = matches;
    view.total_matches = total;
    if bus.is_empty() {
        view.message = format!(
            "Choose a bus above to see the diagram of its surroundings ({} buses are too many for one drawing).",
            view.bus_count
        );
    } else {
        match crate::diagram::neighbourhood(&c, bus, depth) {
            Some(sub) => {
                view.selected = Some(bus.to_string());
                view.svg = Some(crate::diagram::render(&sub, None, &options(Some(bus))));
            }
            None => view.message = format!("There is no bus “{bus}” in this circuit."),
        }
    }
    view
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
            query_value(&query.q)
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
        let (matches, total) = bus_matches(&c, query, page_url);
        d.matches = matches;
        d.total_matches = total;
    }
    Ok(html(BusMatchesFragment { d }.render()?))
}
