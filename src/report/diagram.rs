//! The one-line diagram as pages and documents show it. Pure: no I/O, no HTTP.
//!
//! # One component for every page
//! The editor, a version and a simulation's results show the same block: [`diagram_view`]
//! builds its [`DiagramView`] and `templates/circuit/_diagram.html` renders it (with
//! `_figure.html` for the drawing, which an editor change redraws out of band). Results add
//! the Ik'' annotations and the legend of their bands; without results the diagram is plain.
//! Circuits above [`MAX_FULL_DIAGRAM_BUSES`] buses show a bus search and the neighbourhood of
//! the chosen bus (with results: by default the bus with the highest Ik'').
//!
//! # For documents: [`diagram_svg`]
//! The study report embeds the same drawing as a standalone SVG document (vector graphics,
//! nothing outside it referenced), with the legend drawn inside when asked:
//!
//! ```ignore
//! use ampflux::report::diagram::{SvgOptions, diagram_svg};
//! let d = diagram_svg(&circuit, Some(&results), &SvgOptions::default());
//! // d.svg: "<svg xmlns=... viewBox=\"0 0 W H\" width=\"W\" height=\"H\" ...>...</svg>"
//! // d.width, d.height: its size in diagram units (1 unit = 1 CSS px = 0.75 pt at 100 %);
//! // every text is at least `crate::diagram::MIN_FONT` units, so scaling the figure to a
//! // page width keeps text readable down to about 60 % (7 pt).
//! // d.note: non-empty when only the neighbourhood of one bus is drawn (large circuits).
//! ```
//! The signature is stable: later options go into [`SvgOptions`] with defaults.

use crate::diagram::{Annotations, LegendEntry, MAX_FULL_DIAGRAM_BUSES, RenderOptions};
use crate::sc::{Circuit, ScResults};

/// Branch hops around the chosen bus drawn for circuits above [`MAX_FULL_DIAGRAM_BUSES`],
/// unless the page asks for another depth.
pub const NEIGHBOURHOOD_DEPTH: usize = 2;
/// Deepest neighbourhood offered.
pub const MAX_DEPTH: usize = 6;
/// Buses listed by the bus search.
const BUS_MATCHES: usize = 50;

/// What the page asks of its diagram (from its query string).
#[derive(Debug, Clone, Default)]
pub struct DiagramQuery {
    /// The page the diagram is on (links and the search form go there), without query.
    pub page_url: String,
    /// Where the bus search asks for matches as an htmx fragment; empty: a plain form.
    pub search_url: String,
    /// The heading level of the block: 2 on the editor and version pages, 3 in results.
    pub heading_level: u8,
    /// The bus to centre on (large circuits) or to highlight.
    pub bus: String,
    /// Branch hops around it (text from the query; see [`DiagramQuery::depth`]).
    pub depth: String,
    /// The bus search's text.
    pub q: String,
}

impl DiagramQuery {
    /// 2 unless 1 to [`MAX_DEPTH`] is asked for.
    pub fn depth(&self) -> usize {
        self.depth
            .trim()
            .parse()
            .unwrap_or(NEIGHBOURHOOD_DEPTH)
            .clamp(1, MAX_DEPTH)
    }
}

/// A bus in the diagram's bus search.
#[derive(Debug, Clone)]
pub struct BusMatch {
    pub id: String,
    pub name: String,
    pub vn: String,
    /// With results: its Ik'' ("12.3 kA", or "not fed").
    pub value: String,
    pub url: String,
    pub selected: bool,
}

/// The diagram block of a page.
#[derive(Debug, Clone)]
pub struct DiagramView {
    /// Inline SVG from `diagram::render` (safe to embed: no scripts, styles or external refs).
    pub svg: Option<String>,
    /// Shown instead of the drawing, or (large circuits) above it.
    pub message: String,
    /// The whole circuit is drawn (else a bus search and a neighbourhood).
    pub full: bool,
    pub heading_level: u8,
    pub bus_count: usize,
    pub limit: usize,
    pub page_url: String,
    pub search_url: String,
    pub query: String,
    /// The centre of the neighbourhood drawn: its id and its label.
    pub selected: Option<String>,
    pub selected_label: String,
    pub depth: usize,
    pub depths: Vec<usize>,
    pub matches: Vec<BusMatch>,
    pub total_matches: usize,
    /// With results: the Ik'' bands, lowest first (empty without results).
    pub legend: Vec<LegendEntry>,
}

/// A bus's name, or its id when it has none.
fn label_of(b: &crate::sc::circuit::Bus) -> &str {
    match &b.name {
        Some(n) if !n.trim().is_empty() => n,
        _ => &b.id,
    }
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

fn ikss_of(results: Option<&ScResults>) -> std::collections::HashMap<&str, Option<f64>> {
    results
        .map(|r| r.buses.iter().map(|b| (b.id.as_str(), b.ikss_ka)).collect())
        .unwrap_or_default()
}

/// The buses matching the search (id or name, any case), at most [`BUS_MATCHES`], and how
/// many match in all. With results, the highest Ik'' first.
pub fn bus_matches(
    c: &Circuit,
    results: Option<&ScResults>,
    dq: &DiagramQuery,
) -> (Vec<BusMatch>, usize) {
    let needle = dq.q.trim().to_lowercase();
    let depth = dq.depth();
    let ikss = ikss_of(results);
    let mut hits: Vec<&crate::sc::circuit::Bus> = c
        .buses
        .iter()
        .filter(|b| {
            needle.is_empty()
                || b.id.to_lowercase().contains(&needle)
                || b.name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&needle))
        })
        .collect();
    if results.is_some() {
        let value = |b: &crate::sc::circuit::Bus| {
            ikss.get(b.id.as_str())
                .copied()
                .flatten()
                .unwrap_or(f64::NEG_INFINITY)
        };
        hits.sort_by(|a, b| value(b).total_cmp(&value(a)));
    }
    let total = hits.len();
    let matches = hits
        .into_iter()
        .take(BUS_MATCHES)
        .map(|b| BusMatch {
            url: bus_url(&dq.page_url, &b.id, depth, dq.q.trim()),
            selected: b.id == dq.bus.trim(),
            id: b.id.clone(),
            name: b.name.clone().unwrap_or_default(),
            vn: crate::diagram::decimals(b.vn_kv, 3),
            value: match (results, ikss.get(b.id.as_str())) {
                (None, _) => String::new(),
                (Some(_), Some(Some(v))) => format!("{} kA", crate::diagram::three_digits(*v)),
                (Some(_), _) => "not fed".into(),
            },
        })
        .collect();
    (matches, total)
}

/// The diagram block of a page: the whole circuit, or for large circuits the bus search and
/// the neighbourhood of the chosen bus; annotated when `results` are given.
pub fn diagram_view(
    circuit: Option<&Circuit>,
    results: Option<&ScResults>,
    dq: &DiagramQuery,
) -> DiagramView {
    let depth = dq.depth();
    let annotations = results.map(Annotations::from_results);
    let mut view = DiagramView {
        svg: None,
        message: String::new(),
        full: true,
        heading_level: if dq.heading_level == 3 { 3 } else { 2 },
        bus_count: 0,
        limit: MAX_FULL_DIAGRAM_BUSES,
        page_url: dq.page_url.clone(),
        search_url: dq.search_url.clone(),
        query: dq.q.trim().to_string(),
        selected: None,
        selected_label: String::new(),
        depth,
        depths: (1..=MAX_DEPTH).collect(),
        matches: Vec::new(),
        total_matches: 0,
        legend: annotations
            .as_ref()
            .filter(|a| !a.is_empty())
            .map(Annotations::legend)
            .unwrap_or_default(),
    };
    let Some(c) = circuit else {
        view.message = "No diagram: the circuit does not parse.".into();
        return view;
    };
    view.bus_count = c.buses.len();
    let bus = dq.bus.trim();
    let options = |highlight: Option<&str>| RenderOptions {
        highlight_bus: highlight.map(str::to_string),
        ..Default::default()
    };
    if view.bus_count <= view.limit {
        let highlight = c.buses.iter().any(|b| b.id == bus).then_some(bus);
        view.svg = Some(crate::diagram::render(
            c,
            annotations.as_ref(),
            &options(highlight),
        ));
        return view;
    }
    view.full = false;
    let (matches, total) = bus_matches(c, results, dq);
    // With results, the bus with the highest Ik'' unless one is chosen.
    let centre = if bus.is_empty() && results.is_some() {
        matches.first().map(|m| m.id.clone()).unwrap_or_default()
    } else {
        bus.to_string()
    };
    view.matches = matches;
    view.total_matches = total;
    if centre.is_empty() {
        view.message = format!(
            "Choose a bus above to see the diagram of its surroundings ({} buses are too many for one drawing).",
            view.bus_count
        );
        return view;
    }
    match crate::diagram::neighbourhood(c, &centre, depth) {
        Some(sub) => {
            view.selected_label = c
                .buses
                .iter()
                .find(|b| b.id == centre)
                .map(|b| label_of(b).to_string())
                .unwrap_or_default();
            view.svg = Some(crate::diagram::render(
                &sub,
                annotations.as_ref(),
                &options(Some(&centre)),
            ));
            view.selected = Some(centre);
        }
        None => view.message = format!("There is no bus “{centre}” in this circuit."),
    }
    view
}

/// Choices for [`diagram_svg`].
#[derive(Debug, Clone)]
pub struct SvgOptions {
    /// Draw the legend of the Ik'' bands inside the SVG (default: yes).
    pub legend: bool,
    /// Prefix of the `id`s inside the SVG (several diagrams in one document need different
    /// ones).
    pub id_prefix: String,
    /// The bus to centre on for circuits above [`MAX_FULL_DIAGRAM_BUSES`] buses (default: the
    /// highest Ik'', else the first bus).
    pub centre: Option<String>,
}

impl Default for SvgOptions {
    fn default() -> Self {
        SvgOptions {
            legend: true,
            id_prefix: "report-sld-".into(),
            centre: None,
        }
    }
}

/// A standalone SVG document of the diagram, see the module documentation.
#[derive(Debug, Clone)]
pub struct SvgDiagram {
    pub svg: String,
    /// Its size in diagram units (the `width` and `height` attributes).
    pub width: f64,
    pub height: f64,
    /// Empty when the whole circuit is drawn; else which part is.
    pub note: String,
}

/// The diagram of `circuit` as a standalone SVG document, annotated and with the legend of
/// the Ik'' bands when `results` are given: the whole circuit, or above
/// [`MAX_FULL_DIAGRAM_BUSES`] buses the neighbourhood of one bus.
pub fn diagram_svg(
    circuit: &Circuit,
    results: Option<&ScResults>,
    options: &SvgOptions,
) -> SvgDiagram {
    let annotations = results.map(Annotations::from_results);
    let render = RenderOptions {
        id_prefix: options.id_prefix.clone(),
        svg_legend: options.legend,
        highlight_bus: None,
    };
    let (svg, note) = if circuit.buses.len() <= MAX_FULL_DIAGRAM_BUSES {
        (
            crate::diagram::render(circuit, annotations.as_ref(), &render),
            String::new(),
        )
    } else {
        let dq = DiagramQuery {
            bus: options.centre.clone().unwrap_or_default(),
            ..Default::default()
        };
        let (matches, _) = bus_matches(circuit, results, &dq);
        let centre = options
            .centre
            .clone()
            .filter(|id| circuit.buses.iter().any(|b| b.id == *id))
            .or_else(|| matches.first().map(|m| m.id.clone()))
            .unwrap_or_default();
        match crate::diagram::neighbourhood(circuit, &centre, NEIGHBOURHOOD_DEPTH) {
            Some(part) => {
                let label = circuit
                    .buses
                    .iter()
                    .find(|b| b.id == centre)
                    .map(label_of)
                    .unwrap_or(&centre);
                let note = format!(
                    "The circuit has {} buses, more than one drawing can show: this is the part \
                     within {NEIGHBOURHOOD_DEPTH} branches of bus {label} ({} buses).",
                    circuit.buses.len(),
                    part.buses.len()
                );
                let render = RenderOptions {
                    highlight_bus: Some(centre.clone()),
                    ..render
                };
                (
                    crate::diagram::render(&part, annotations.as_ref(), &render),
                    note,
                )
            }
            None => (
                crate::diagram::render(&Circuit::new(""), None, &render),
                String::new(),
            ),
        }
    };
    let (width, height) = svg_size(&svg);
    SvgDiagram {
        svg,
        width,
        height,
        note,
    }
}

/// The `width` and `height` attributes of the root element.
fn svg_size(svg: &str) -> (f64, f64) {
    let attr = |name: &str| {
        let key = format!(r#" {name}=""#);
        let root = &svg[..svg.find('>').unwrap_or(svg.len())];
        root.find(&key)
            .and_then(|i| root[i + key.len()..].split('"').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    (attr("width"), attr("height"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sc::synthetic;

    fn substation() -> Circuit {
        crate::sc::parse_input(include_str!(
            "../../tests/fixtures/sc/examples/substation.circuit.json"
        ))
        .expect("fixture parses")
        .circuit
    }

    fn results_for(c: &Circuit) -> ScResults {
        ScResults {
            options: crate::sc::ScOptions::default(),
            buses: c
                .buses
                .iter()
                .enumerate()
                .map(|(i, b)| super::super::fixtures::bus(&b.id, Some(5.0 + 10.0 * i as f64)))
                .collect(),
            branches: Vec::new(),
            duty: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn report_svg_is_standalone_with_legend_and_bands() {
        let c = substation();
        let r = results_for(&c);
        let d = diagram_svg(&c, Some(&r), &SvgOptions::default());
        assert!(
            d.svg
                .starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg""#)
        );
        assert!(d.svg.ends_with("</svg>"));
        assert!(d.svg.contains(r#"<g class="legend">"#));
        assert!(d.svg.contains(r#"id="report-sld-title""#));
        assert!(d.note.is_empty());
        assert!(d.width > 100.0 && d.height > 100.0);
        for colour in crate::diagram::BAND_COLOURS {
            assert!(d.svg.contains(colour), "{colour}");
        }
        let plain = diagram_svg(
            &c,
            None,
            &SvgOptions {
                legend: false,
                ..SvgOptions::default()
            },
        );
        assert!(!plain.svg.contains("legend") && !plain.svg.contains("Ik&#39;&#39;"));
    }

    #[test]
    fn large_circuits_show_the_neighbourhood_of_the_highest_ikss() {
        let c = synthetic::network(MAX_FULL_DIAGRAM_BUSES + 20, false, 3);
        let r = results_for(&c);
        let top = c.buses.last().map(|b| b.id.clone()).unwrap_or_default();
        let d = diagram_svg(&c, Some(&r), &SvgOptions::default());
        assert!(d.note.contains("branches of bus"), "{}", d.note);
        assert!(d.svg.contains(&format!(r#"data-bus="{top}""#)));
        let view = diagram_view(
            Some(&c),
            Some(&r),
            &DiagramQuery {
                page_url: "/simulations/1".into(),
                heading_level: 3,
                ..Default::default()
            },
        );
        assert!(!view.full);
        assert_eq!(view.selected.as_deref(), Some(top.as_str()));
        assert_eq!(
            view.matches.first().map(|m| m.id.as_str()),
            Some(top.as_str())
        );
        assert_eq!(view.legend.len(), crate::diagram::BAND_COLOURS.len());
        // Without results, the page asks for a bus first.
        let plain = diagram_view(Some(&c), None, &DiagramQuery::default());
        assert!(plain.svg.is_none() && plain.message.contains("Choose a bus"));
        assert!(plain.legend.is_empty());
    }
}
