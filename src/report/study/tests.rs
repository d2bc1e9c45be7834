//! The study report's view model and PDF on the example circuit and on a large synthetic one.

use super::*;
use crate::models::simulation::{CircuitInfo, EngineInfo, StoredResult};
use crate::sc::{ScOptions, calculate, parse_input};

fn example() -> (Circuit, StoredResult) {
    let text = include_str!("../../../tests/fixtures/sc/examples/substation.circuit.json");
    let circuit = parse_input(text).expect("example parses").circuit;
    stored(
        circuit,
        ScOptions {
            branch_results: true,
            ..ScOptions::default()
        },
    )
}

fn stored(circuit: Circuit, options: ScOptions) -> (Circuit, StoredResult) {
    let results = calculate(&circuit, &options).expect("calculates");
    let r = StoredResult {
        format: "ampflux-simulation-result".into(),
        format_version: 1,
        engine: EngineInfo::current(),
        simulation_type: "short_circuit".into(),
        circuit: CircuitInfo {
            version_id: 1,
            version_number: 3,
            name: circuit.name.clone(),
            content_hash: "ab12cd34".into(),
            buses: circuit.buses.len(),
        },
        computed_at: crate::util::now(),
        duration_ms: 5,
        results,
    };
    (circuit, r)
}

fn meta() -> ReportMeta {
    ReportMeta {
        sim_id: 7,
        project: "Hafen Süd substation".into(),
        author: "Ada Engineer".into(),
        date: "2026-12-06 10:00 UTC".into(),
        kind: "Short circuit".into(),
    }
}

#[test]
fn the_view_model_has_every_section_with_names_and_units() {
    let (circuit, r) = example();
    let rep = build(meta(), &r, Some(&circuit));
    assert_eq!(rep.title, "Short-circuit study: Hafen Süd substation");
    let fact = |k: &str| {
        rep.facts
            .iter()
            .find(|(l, _)| l == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(fact("Content hash (SHA-256)").as_deref(), Some("ab12cd34"));
    assert_eq!(fact("Author").as_deref(), Some("Ada Engineer"));
    assert_eq!(fact("Standard").as_deref(), Some(STANDARD));
    assert!(fact("Circuit").unwrap().ends_with("version 3"));
    let opt = |k: &str| {
        rep.options
            .iter()
            .find(|(l, _)| l == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(
        opt("Voltage factor c"),
        "110 kV: cmax = 1.10; 20 kV: cmax = 1.10; 10.5 kV: cmax = 1.10; 0.4 kV: cmax = 1.10"
    );
    assert_eq!(opt("Fault duration Tk (for Ith)"), "1 s");
    assert!(!rep.assumptions.is_empty());
    // Bus results: one row per bus, named, with Ik'' to three decimals.
    let buses = &rep.results[0];
    assert_eq!(buses.rows.len(), r.results.buses.len());
    assert_eq!(buses.columns[2].label, "Ik''");
    assert_eq!(buses.columns[2].unit, "kA");
    for (row, b) in buses.rows.iter().zip(&r.results.buses) {
        assert_eq!(row.cells[2], format!("{:.3}", b.ikss_ka.unwrap()));
    }
    assert_eq!(rep.results[1].title, "Branch currents");
    // Duty: failing first; input data per element kind present.
    let duty = rep.duty.as_ref().expect("the example has a breaker");
    assert_eq!(duty.rows.len(), r.results.duty.len());
    let kinds: Vec<&str> = rep.inputs.iter().map(|t| t.key.as_str()).collect();
    for k in [
        "input-buses",
        "input-grids",
        "input-lines",
        "input-transformers",
        "input-switches",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert!(
        rep.diagram
            .as_ref()
            .is_some_and(|d| d.svg.starts_with("<svg"))
    );
    assert!(rep.chart.svg.contains("Ik'' per bus"));
    assert!(
        rep.findings
            .iter()
            .any(|f| f.text.starts_with("The highest Ik''"))
    );
}

#[test]
fn the_chart_colours_by_level_and_keeps_the_highest_bars() {
    let (circuit, r) = example();
    let names = Names::new(Some(&circuit), &r.results.buses);
    let fig = chart::ikss_chart(&r.results.buses, &names);
    assert!(fig.svg.contains("110 kV") && fig.svg.contains("0.4 kV"));
    assert_eq!(
        fig.svg.matches("<rect x=\"190\"").count(),
        r.results.buses.len()
    );
    let many: Vec<_> = (0..100)
        .map(|i| crate::sc::results::BusResult {
            id: format!("b{i}"),
            vn_kv: 20.0,
            ikss_ka: Some(f64::from(i)),
            ..Default::default()
        })
        .collect();
    let fig = chart::ikss_chart(&many, &Names::new(None, &many));
    assert_eq!(fig.svg.matches("<rect x=\"190\"").count(), chart::MAX_BARS);
    assert!(fig.svg.contains(">b99<") && !fig.svg.contains(">b0<"));
    assert!(fig.note.starts_with("The 60 buses with the highest Ik''"));
}

#[test]
fn the_pdf_is_a_pdf_with_pages_numbered() {
    let (circuit, r) = example();
    let rep = build(meta(), &r, Some(&circuit));
    let bytes = pdf::render(&rep).expect("renders");
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.ends_with(b"%%EOF") || bytes.ends_with(b"%%EOF\n"));
    let pages = pdf::page_count(&rep).unwrap();
    assert!(pages >= 4, "{pages} pages");
    // The page tree counts the pages laid out, each page object is in the file.
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains(&format!("/Type/Pages/Count {pages}/")),
        "page tree"
    );
    assert_eq!(text.matches("/Type/Page/").count(), pages);
}

#[test]
fn a_large_report_spans_pages() {
    let circuit = crate::sc::synthetic::network(300, false, 1);
    let (circuit, r) = stored(circuit, ScOptions::default());
    let rep = build(meta(), &r, Some(&circuit));
    assert_eq!(rep.results[0].rows.len(), 300);
    let pages = pdf::page_count(&rep).unwrap();
    assert!(pages > 8, "{pages} pages");
    let bytes = pdf::render(&rep).expect("renders");
    assert!(bytes.starts_with(b"%PDF-"));
}
