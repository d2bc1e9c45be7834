//! Tests of the diagram: fixtures render with every bus, output is well-formed and safe to
//! inline, layering and neighbourhoods are as documented, and odd circuits do not panic.

use super::layout::Layout;
use super::model::Model;
use super::text::escape;
use super::*;
use crate::sc::circuit::Circuit;
use crate::sc::parse_input;
use crate::sc::synthetic;
use serde_json::{Value, json};

fn parse(text: &str) -> Circuit {
    parse_input(text).expect("fixture parses").circuit
}

fn substation() -> Circuit {
    parse(include_str!(
        "../../tests/fixtures/sc/examples/substation.circuit.json"
    ))
}

fn iec_full() -> Circuit {
    parse(include_str!("../../tests/fixtures/sc/iec60909_4_full.json"))
}

/// A circuit from the top-level JSON fields given (format header added).
fn circuit(fields: Value) -> Circuit {
    let mut doc = json!({"format": "ampflux-circuit", "version": 1, "name": "test"});
    if let (Some(d), Some(f)) = (doc.as_object_mut(), fields.as_object()) {
        d.extend(f.clone());
    }
    serde_json::from_value(doc).expect("test circuit parses")
}

fn bus(id: &str, vn_kv: impl Into<Value>) -> Value {
    let vn_kv = vn_kv.into();
    json!({"id": id, "vn_kv": vn_kv})
}

fn line(id: &str, from: &str, to: &str) -> Value {
    json!({"id": id, "from_bus": from, "to_bus": to, "length_km": 1, "r_ohm_per_km": 0.1,
           "x_ohm_per_km": 0.1})
}

fn trafo(id: &str, hv: &str, lv: &str) -> Value {
    json!({"id": id, "hv_bus": hv, "lv_bus": lv, "sn_mva": 40, "vn_hv_kv": 110, "vn_lv_kv": 20,
           "vk_percent": 12, "vkr_percent": 0.4})
}

fn grid(id: &str, bus: &str) -> Value {
    json!({"id": id, "bus": bus, "s_sc_max_mva": 1000})
}

fn render_default(c: &Circuit) -> String {
    render(c, None, &RenderOptions::default())
}

fn layout_of(c: &Circuit) -> Layout {
    Layout::new(&Model::new(c), None, false)
}

fn bus_y(c: &Circuit, layout: &Layout, id: &str) -> f64 {
    let i = c.buses.iter().position(|b| b.id == id).expect("bus exists");
    layout.buses[i].y
}

/// Minimal XML check: one root, tags balanced and nested, quotes paired, `&` only in the
/// escapes the writer uses, no `<` inside tags or text.
fn assert_well_formed(svg: &str) {
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        assert_entities(&rest[..start]);
        assert!(
            !rest[..start].contains('>'),
            "stray > in text near {:?}",
            &rest[..start]
        );
        let len = rest[start..].find('>').expect("tag is closed");
        let tag = &rest[start + 1..start + len];
        assert!(!tag.contains('<'), "< inside tag {tag:?}");
        assert_eq!(tag.matches('"').count() % 2, 0, "unpaired quote in {tag:?}");
        assert_entities(tag);
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name), "closing tag {name} does not match");
        } else {
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or_default();
            if stack.is_empty() {
                roots += 1;
            }
            if !tag.ends_with('/') {
                stack.push(name);
            }
        }
        rest = &rest[start + len + 1..];
    }
    assert!(rest.is_empty(), "text after the root: {rest:?}");
    assert!(stack.is_empty(), "unclosed tags {stack:?}");
    assert_eq!(roots, 1);
    assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
}

fn assert_entities(s: &str) {
    for (i, _) in s.match_indices('&') {
        let tail = &s[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| tail.starts_with(e)),
            "bare & in {s:?}"
        );
    }
}

/// Nothing that CSP `default-src 'self'; style-src 'self'` would block or that could run.
fn assert_inline_safe(svg: &str) {
    for banned in [
        "style=",
        "<style",
        "<script",
        "href",
        "url(",
        "<foreignObject",
        "<image",
    ] {
        assert!(!svg.contains(banned), "{banned} in output");
    }
    for (i, _) in svg.match_indices(" on") {
        let name: String = svg[i + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        assert!(
            !svg[i + 3 + name.len()..].starts_with('='),
            "event handler attribute on{name}"
        );
    }
    assert!(svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 "#));
    assert!(svg.contains(r#"role="img""#) && svg.contains("aria-labelledby="));
    let id_of = |attr: &str| {
        let from = svg.find(attr)? + attr.len();
        svg[from..].split('"').next().map(str::to_string)
    };
    for attr in [r#"aria-labelledby=""#, r#"aria-describedby=""#] {
        if let Some(id) = id_of(attr) {
            assert!(
                svg.contains(&format!(r#" id="{id}""#)),
                "{attr} points nowhere"
            );
        }
    }
}

/// The bus name as drawn (escaped) and its group, for every bus.
fn assert_every_bus(c: &Circuit, svg: &str) {
    let groups =
        svg.matches(r#"<g class="bus""#).count() + svg.matches(r#"<g class="bus "#).count();
    assert_eq!(groups, c.buses.len());
    for b in &c.buses {
        let name = super::model::label(&b.id, &b.name);
        assert!(
            svg.contains(&format!(">{}</text>", escape(name))),
            "bus name {name} missing"
        );
        assert!(svg.contains(&format!(r#"data-bus="{}""#, escape(&b.id))));
    }
}

#[test]
fn empty_circuit_says_so() {
    let svg = render_default(&Circuit::new("empty"));
    assert!(svg.contains("No buses yet"));
    assert_well_formed(&svg);
    assert_inline_safe(&svg);
}

#[test]
fn substation_example_renders_every_element() {
    let c = substation();
    let svg = render_default(&c);
    assert_well_formed(&svg);
    assert_inline_safe(&svg);
    assert_every_bus(&c, &svg);
    for class in [
        "link transformer",
        "link line",
        "link coupler closed",
        "device ext-grid",
        "device generator",
        "device static-generator",
        "device motor",
        "device load",
        "switch closed",
    ] {
        assert!(
            svg.contains(&format!(r#"class="{class}""#)),
            "{class} missing"
        );
    }
    assert_eq!(svg.matches(r#"class="link transformer""#).count(), 3);
    assert!(svg.contains(r#"id="sld-bus-HV""#) && svg.contains(r#"<title id="sld-title">"#));
}

#[test]
fn iec_60909_4_network_renders_every_bus() {
    let c = iec_full();
    assert!(c.buses.len() >= 10);
    let svg = render_default(&c);
    assert_well_formed(&svg);
    assert_inline_safe(&svg);
    assert_every_bus(&c, &svg);
}

#[test]
fn user_text_is_escaped() {
    let nasty = "<script>&\"'";
    let c = circuit(json!({
        "name": "</svg><script>alert(1)</script>",
        "buses": [{"id": "x<y", "name": nasty, "vn_kv": 20}, bus("B", 20)],
        "external_grids": [grid("Q&A", "x<y")],
        "lines": [{"id": "L\"1", "name": "</g>", "from_bus": "x<y", "to_bus": "B",
                   "length_km": 1, "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.1}],
        "switches": [{"id": "S'1", "bus": "B", "element_kind": "line", "element": "L\"1",
                      "closed": false}]
    }));
    let svg = render(
        &c,
        None,
        &RenderOptions {
            highlight_bus: Some("x<y".into()),
            id_prefix: "p\" onload=\"x".into(),
            svg_legend: false,
        },
    );
    assert_well_formed(&svg);
    assert_inline_safe(&svg);
    assert!(!svg.contains("<script") && !svg.contains("</g></text>"));
    assert!(svg.contains("&lt;script&gt;&amp;&quot;&#39;"));
    assert!(svg.contains(r#"data-bus="x&lt;y""#));
    assert!(svg.contains(r#"id="ponloadxbus-x_3c_y""#));
    assert!(svg.contains(r#"class="bus highlight""#));
    let underlay = svg.find("bus-highlight").expect("highlight drawn");
    assert!(underlay < svg.find(r#"<g class="links">"#).expect("links layer"));
}

#[test]
fn buses_fed_through_transformers_are_drawn_below_their_source() {
    let c = substation();
    let l = layout_of(&c);
    let y = |id| bus_y(&c, &l, id);
    assert!(y("HV") < y("MV"));
    assert_eq!(y("MV"), y("MV2"), "coupled bus sections share a row");
    assert_eq!(y("MV"), y("G"));
    assert!(y("MV2") < y("F1") && y("F1") < y("LV"));

    // Declaration order does not matter: the source decides, not the first bus.
    let c = circuit(json!({
        "buses": [bus("LV", 20), bus("HV", 110)],
        "external_grids": [grid("Q", "HV")],
        "transformers": [trafo("T", "HV", "LV")]
    }));
    let l = layout_of(&c);
    assert!(bus_y(&c, &l, "HV") < bus_y(&c, &l, "LV"));
}

#[test]
fn highest_voltage_source_is_on_top_and_unfed_islands_start_at_their_highest_bus() {
    let c = circuit(json!({
        "buses": [bus("A", 20), bus("B", 110), bus("C", 20), bus("D", 0.4)],
        "external_grids": [grid("QA", "A"), grid("QB", "B")],
        "transformers": [trafo("T", "B", "A"), trafo("T2", "C", "D")],
    }));
    let l = layout_of(&c);
    let y = |id| bus_y(&c, &l, id);
    assert!(y("B") < y("A"));
    assert!(y("C") < y("D"));
    assert_eq!(y("B"), y("C"), "both islands start in the top row");
}

#[test]
fn islands_are_side_by_side() {
    let c = circuit(json!({
        "buses": [bus("A", 20), bus("B", 20), bus("C", 20), bus("D", 20)],
        "lines": [line("L1", "A", "B"), line("L2", "C", "D")],
    }));
    let l = layout_of(&c);
    let (a, b, cc, d) = (&l.buses[0], &l.buses[1], &l.buses[2], &l.buses[3]);
    let first_right = a.box_right().max(b.box_right());
    let second_left = cc.box_left().min(d.box_left());
    assert!(first_right < second_left);
    assert_eq!(a.y, cc.y);
    assert!(a.y < b.y);
}

#[test]
fn layout_positions_are_used_only_when_every_bus_has_one() {
    let c = circuit(json!({
        "buses": [
            {"id": "A", "vn_kv": 20, "layout": {"x": 0, "y": 0}},
            {"id": "B", "vn_kv": 20, "layout": {"x": 50, "y": 100}},
            {"id": "C", "vn_kv": 20, "layout": {"x": -50, "y": 100}},
        ],
        "external_grids": [grid("Q", "B")],
        "lines": [line("L1", "A", "B"), line("L2", "A", "C")],
    }));
    let l = layout_of(&c);
    assert!(l.buses[0].y < l.buses[1].y);
    assert_eq!(l.buses[1].y, l.buses[2].y);
    assert!(l.buses[2].x < l.buses[1].x, "order within a row follows x");

    let mut partial = c.clone();
    partial.buses[0].layout = None;
    let l = layout_of(&partial);
    assert!(
        l.buses[1].y < l.buses[0].y,
        "automatic: the grid bus B is on top"
    );
}

#[test]
fn neighbourhood_of_depth_one() {
    let c = substation();
    let ids = |n: &Circuit| n.buses.iter().map(|b| b.id.clone()).collect::<Vec<_>>();
    let n = neighbourhood(&c, "MV", 1).expect("bus exists");
    // MV2 is coupled (zero hops), so F1 is one hop away through L1.
    assert_eq!(ids(&n), ["HV", "MV", "MV2", "F1"]);
    let element_ids = |v: Vec<&str>| v.join(",");
    assert_eq!(
        element_ids(n.transformers.iter().map(|e| e.id.as_str()).collect()),
        "T1"
    );
    assert_eq!(
        element_ids(n.lines.iter().map(|e| e.id.as_str()).collect()),
        "L1"
    );
    assert_eq!(
        element_ids(n.switches.iter().map(|e| e.id.as_str()).collect()),
        "CB1,DS1"
    );
    assert_eq!(n.external_grids.len(), 1);
    assert_eq!((n.motors.len(), n.static_generators.len()), (1, 1));
    assert!(n.generators.is_empty() && n.loads.is_empty());
    assert!(
        crate::sc::validate::validate(&n)
            .iter()
            .all(|p| !p.message.contains("no bus"))
    );

    assert_eq!(
        ids(&neighbourhood(&c, "MV", 0).expect("bus exists")),
        ["MV", "MV2"]
    );
    assert!(neighbourhood(&c, "nope", 3).is_none());

    // The unit transformer is kept with its generator, or the reference cleared without it.
    let g1 = neighbourhood(&c, "G", 1).expect("bus exists");
    assert_eq!(g1.generators[0].power_station_trafo.as_deref(), Some("TG"));
    let g0 = neighbourhood(&c, "G", 0).expect("bus exists");
    assert_eq!(ids(&g0), ["G"]);
    assert_eq!(g0.generators[0].power_station_trafo, None);
    assert_well_formed(&render_default(&g0));
}

#[test]
fn annotations_are_coloured_by_band_with_a_legend_on_request() {
    let c = substation();
    let a = Annotations::from_ikss(&[("HV", 55.0), ("MV", 12.0), ("LV", 5.0)]);
    let with_legend = RenderOptions {
        svg_legend: true,
        ..RenderOptions::default()
    };
    let svg = render(&c, Some(&a), &with_legend);
    assert_well_formed(&svg);
    assert_inline_safe(&svg);
    assert!(svg.contains(r#"<g class="legend">"#));
    // Every band is in the legend, with its colour and caption.
    assert_eq!(
        svg.matches(r#"class="legend-swatch""#).count(),
        BAND_COLOURS.len()
    );
    for (i, colour) in BAND_COLOURS.iter().enumerate() {
        assert!(svg.contains(&format!(r#"width="14" height="14" fill="{colour}""#)));
        assert!(svg.contains(&format!(">{}</text>", escape(&band_caption(i)))));
    }
    // Values in their band's colour, and the bar too.
    for (id, value, band) in [("HV", "55.0", 4), ("MV", "12.0", 1), ("LV", "5.00", 0)] {
        let colour = BAND_COLOURS[band];
        let group = bus_group_text(&svg, id);
        assert!(
            group.contains(&format!(r#"class="bus-value band-{band}" "#))
                && group.contains(&format!(
                    r#"fill="{colour}">Ik&#39;&#39; {value} kA</text>"#
                )),
            "{id}: {group}"
        );
        assert!(
            group.contains(&format!(r#"stroke="{colour}" stroke-width="7""#)),
            "{group}"
        );
    }
    assert_eq!(svg.matches(r#"class="bus annotated""#).count(), 3);
    // Pages draw the legend in HTML: none in the SVG by default.
    assert!(!render(&c, Some(&a), &RenderOptions::default()).contains("legend"));
    assert!(!render_default(&c).contains("legend"));
}

/// The markup of one bus's group.
fn bus_group_text<'s>(svg: &'s str, id: &str) -> &'s str {
    let start = svg
        .find(&format!(r#"data-bus="{id}" id="#))
        .expect("bus group");
    let end = svg[start..].find("</g>").expect("group end");
    &svg[start..start + end]
}

/// Every `font-size` in the document.
fn font_sizes(svg: &str) -> Vec<f64> {
    svg.match_indices(r#"font-size=""#)
        .filter_map(|(i, m)| {
            svg[i + m.len()..]
                .split('"')
                .next()
                .and_then(|v| v.parse().ok())
        })
        .collect()
}

#[test]
fn no_text_is_smaller_than_the_readable_minimum() {
    let a = Annotations::from_ikss(&[("HV", 20.0), ("MV", 10.0)]);
    let legend = RenderOptions {
        svg_legend: true,
        ..RenderOptions::default()
    };
    let equivalents = parse(include_str!(
        "../../tests/fixtures/sc/examples/equivalents.circuit.json"
    ));
    for (c, annotations) in [
        (substation(), Some(&a)),
        (iec_full(), None),
        (equivalents, None),
        (synthetic::network(60, true, 3), None),
    ] {
        let svg = render(&c, annotations, &legend);
        let sizes = font_sizes(&svg);
        assert!(sizes.len() > c.buses.len(), "texts found");
        assert!(
            sizes.iter().all(|&f| f >= MIN_FONT),
            "a font below {MIN_FONT}: {:?}",
            sizes.iter().filter(|&&f| f < MIN_FONT).collect::<Vec<_>>()
        );
        assert!(svg.contains(r#"data-min-font="12""#));
        // Bus names are larger than the rest.
        assert!(svg.contains(r#"class="bus-name" "#));
        let name_size = svg
            .split(r#"class="bus-name" "#)
            .nth(1)
            .map(font_sizes)
            .and_then(|v| v.first().copied());
        assert_eq!(name_size, Some(14.0));
    }
}

#[test]
fn buses_are_labelled_by_name_and_by_id_only_when_names_repeat_or_are_missing() {
    let c = circuit(json!({
        "buses": [
            {"id": "0", "name": "Main", "vn_kv": 20},
            {"id": "1", "name": "Feeder", "vn_kv": 20},
            {"id": "2", "name": "Feeder", "vn_kv": 20},
            {"id": "3", "name": " ", "vn_kv": 20},
        ],
        "lines": [line("L1", "0", "1"), line("L2", "0", "2"), line("L3", "0", "3")],
    }));
    let svg = render_default(&c);
    let name = |id: &str| {
        let g = bus_group_text(&svg, id);
        let from = g.find(r#"class="bus-name""#).expect("name");
        let text = &g[from..];
        let start = text.find('>').expect("text start") + 1;
        let end = text.find("</text>").expect("text end");
        text[start..end].to_string()
    };
    assert_eq!(name("0"), "Main");
    assert_eq!(name("1"), "Feeder (1)");
    assert_eq!(name("2"), "Feeder (2)");
    assert_eq!(name("3"), "3");
    assert!(svg.contains("Line L2: Main – Feeder (2)"));
}

#[test]
fn open_and_out_of_service_elements_are_marked() {
    let mut c = substation();
    c.switches[0].closed = false;
    c.lines[0].in_service = false;
    c.buses[5].in_service = false;
    let svg = render_default(&c);
    assert_well_formed(&svg);
    assert!(svg.contains(r#"class="link coupler open""#));
    assert!(svg.contains(r#"class="link line oos" data-element="L1" stroke-dasharray"#));
    assert!(svg.contains(r#"class="bus oos""#));
}

fn trafo3w(id: &str, hv: &str, mv: &str, lv: &str) -> Value {
    json!({"id": id, "hv_bus": hv, "mv_bus": mv, "lv_bus": lv,
        "sn_hv_mva": 40, "sn_mv_mva": 40, "sn_lv_mva": 10, "vn_hv_kv": 110, "vn_mv_kv": 20,
        "vn_lv_kv": 10, "vk_hv_percent": 12, "vk_mv_percent": 8, "vk_lv_percent": 10,
        "vkr_hv_percent": 0.3, "vkr_mv_percent": 0.3, "vkr_lv_percent": 0.3})
}

/// No two of the three connections of any three-winding transformer share a point.
fn assert_three_winding_untangled(c: &Circuit) -> usize {
    let model = Model::new(c);
    let l = Layout::new(&model, None, false);
    let mut checked = 0;
    for (link, route) in model.links.iter().zip(&l.routes) {
        if link.kind != super::model::LinkKind::Transformer3w {
            continue;
        }
        let lines = super::winding::connections(route);
        assert_eq!(lines.len(), 3);
        for i in 0..3 {
            for j in i + 1..3 {
                assert!(
                    !super::winding::polylines_cross(&lines[i], &lines[j]),
                    "{}: connections {i} and {j} cross: {lines:?}",
                    c.name
                );
            }
        }
        checked += 1;
    }
    checked
}

#[test]
fn three_winding_transformers_never_cross_their_own_connections() {
    // The IEC TR 60909-4 network has four of them (two with the same buses).
    assert_eq!(assert_three_winding_untangled(&iec_full()), 4);
    let at = |id: &str, vn: f64, x: f64, y: f64| json!({"id": id, "vn_kv": vn, "layout": {"x": x, "y": y}});
    // Both other windings below and to the right, to the left, on either side, one in the
    // hub's own row, and (automatic layout) both below.
    let placements: [[(f64, f64); 4]; 6] = [
        [(0.0, 0.0), (10.0, 1.0), (20.0, 1.0), (-10.0, 1.0)],
        [(0.0, 0.0), (-20.0, 1.0), (-10.0, 1.0), (10.0, 1.0)],
        [(0.0, 0.0), (-10.0, 1.0), (10.0, 1.0), (20.0, 1.0)],
        [(0.0, 0.0), (10.0, 0.0), (20.0, 1.0), (-10.0, 1.0)],
        [(0.0, 0.0), (10.0, 0.0), (20.0, 0.0), (-10.0, 1.0)],
        [(0.0, 0.0), (-10.0, 0.0), (10.0, 1.0), (-20.0, 1.0)],
    ];
    for (k, p) in placements.iter().enumerate() {
        let mut c = circuit(json!({
            "buses": [at("H", 110.0, p[0].0, p[0].1), at("M", 20.0, p[1].0, p[1].1),
                      at("L", 10.0, p[2].0, p[2].1), at("X", 20.0, p[3].0, p[3].1)],
            "external_grids": [grid("Q", "H")],
            "transformers3w": [trafo3w("T3", "H", "M", "L")],
            "transformers": [trafo("T", "H", "X")],
            "loads": [{"id": "D1", "bus": "M"}, {"id": "D2", "bus": "L"}]
        }));
        c.name = format!("placement {k}");
        assert_eq!(assert_three_winding_untangled(&c), 1);
        let svg = render_default(&c);
        assert_well_formed(&svg);
        assert_eq!(svg.matches(r#"<path class="winding""#).count(), 3);
    }
    let c = circuit(json!({
        "buses": [bus("H", 110), bus("M", 20), bus("L", 10), bus("M2", 20), bus("L2", 10)],
        "external_grids": [grid("Q", "H")],
        "transformers3w": [trafo3w("T3", "H", "M", "L"), trafo3w("T4", "H", "M2", "L2")],
        "lines": [line("L1", "M", "M2")]
    }));
    assert_eq!(assert_three_winding_untangled(&c), 2);
}

#[test]
fn odd_circuits_do_not_panic() {
    let mut c = circuit(json!({
        "buses": [bus("A", 20), bus("A", 20), bus("B", 0.4), bus("C", 20)],
        "lines": [line("L1", "A", "A"), line("L2", "A", "nowhere"), line("L3", "A", "C"),
                  line("L3", "C", "B")],
        "transformers": [trafo("T", "B", "B")],
        "transformers3w": [{"id": "T3", "hv_bus": "A", "mv_bus": "A", "lv_bus": "B",
            "sn_hv_mva": 1, "sn_mv_mva": 1, "sn_lv_mva": 1, "vn_hv_kv": 20, "vn_mv_kv": 20,
            "vn_lv_kv": 0.4, "vk_hv_percent": 6, "vk_mv_percent": 6, "vk_lv_percent": 6,
            "vkr_hv_percent": 1, "vkr_mv_percent": 1, "vkr_lv_percent": 1}],
        "loads": [{"id": "D", "bus": "ghost"}],
        "switches": [
            {"id": "S1", "bus": "A", "element_kind": "bus", "element": "A"},
            {"id": "S2", "bus": "B", "element_kind": "line", "element": "L3"},
            {"id": "S3", "bus": "A", "element_kind": "transformer", "element": "missing"},
            {"id": "S4", "bus": "C", "element_kind": "bus", "element": "A", "closed": false},
            {"id": "S5", "bus": "C", "element_kind": "line", "element": "L3"},
            {"id": "S6", "bus": "C", "element_kind": "line", "element": "L3"}
        ]
    }));
    c.buses[3].vn_kv = f64::NAN;
    let svg = render_default(&c);
    assert_well_formed(&svg);
    assert!(svg.contains(r#"id="sld-bus-A_dup1""#));
    assert_eq!(svg, render_default(&c), "deterministic");
    for id in ["A", "B", "C"] {
        assert!(neighbourhood(&c, id, 2).is_some());
    }
}

#[test]
fn synthetic_300_bus_networks_render_compactly() {
    for meshed in [false, true] {
        let c = synthetic::network(MAX_FULL_DIAGRAM_BUSES, meshed, 7);
        let started = std::time::Instant::now();
        let svg = render_default(&c);
        let elapsed = started.elapsed();
        assert_well_formed(&svg);
        assert_every_bus(&c, &svg);
        let l = layout_of(&c);
        eprintln!(
            "300 buses (meshed: {meshed}): {} bytes, {:.0} x {:.0}, {elapsed:?}",
            svg.len(),
            l.width,
            l.height
        );
        assert!(svg.len() < 400_000, "{} bytes", svg.len());
        assert!(l.width < 20_000.0 && l.height < 20_000.0);
        assert_eq!(svg, render_default(&c), "deterministic");
        assert_no_overlap(&l);
    }
}

/// Boxes (label and bar) of one row never overlap.
fn assert_no_overlap(l: &Layout) {
    let mut boxes: Vec<(f64, f64, f64)> = l
        .buses
        .iter()
        .map(|b| (b.y, b.box_left(), b.box_right()))
        .collect();
    boxes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    for w in boxes.windows(2) {
        if w[0].0 == w[1].0 {
            assert!(w[0].2 <= w[1].1 + 1e-6, "overlap {w:?}");
        }
    }
}

#[test]
fn fixtures_have_no_overlapping_buses() {
    assert_no_overlap(&layout_of(&substation()));
    assert_no_overlap(&layout_of(&iec_full()));
}

#[test]
fn equivalents_example_renders_impedances_and_bus_attachments() {
    let c = parse(include_str!(
        "../../tests/fixtures/sc/examples/equivalents.circuit.json"
    ));
    let svg = render_default(&c);
    assert_well_formed(&svg);
    assert_inline_safe(&svg);
    assert_every_bus(&c, &svg);
    for class in [
        "link impedance",
        "link coupler closed",
        "device storage",
        "device shunt",
        "device ward",
        "device xward",
        "device static-generator",
    ] {
        assert!(
            svg.contains(&format!(r#"class="{class}""#)),
            "{class} missing"
        );
    }
    assert!(svg.contains("Series impedance Park equivalent: A – Wind park"));
    // Asynchronous static generators are drawn as rotating machines.
    assert_eq!(svg.matches(">GA</text>").count(), 2);
    assert!(svg.contains("Static generator WT2 (async_doubly_fed) at Section 2"));
    assert!(svg.contains("Bus coupler CB2: A – Section 2, impedance 0.5 Ω"));
    assert!(svg.contains("1 series impedances, 1 storage units, 1 shunts, 2 ward equivalents"));
    // The impedance is a hop: the neighbourhood of A reaches B through it.
    let n = crate::diagram::neighbourhood(&c, "A", 1).unwrap();
    assert_eq!(n.impedances.len(), 1);
    assert_eq!(
        (
            n.storages.len(),
            n.xwards.len(),
            n.wards.len(),
            n.shunts.len()
        ),
        (1, 1, 1, 1)
    );
}
