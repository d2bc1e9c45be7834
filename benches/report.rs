//! The study report of a 1,000-bus study: the view model, the HTML page and the PDF (issue 12
//! target: under 1 s each). Run with `cargo bench --bench report`.

use ampflux::models::simulation::{CircuitInfo, EngineInfo, StoredResult};
use ampflux::report::study::{ReportMeta, StudyReport, build, html, pdf};
use ampflux::sc::{ScOptions, calculate, synthetic::network};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn meta() -> ReportMeta {
    ReportMeta {
        sim_id: 1,
        project: "Bench".into(),
        author: "Bench".into(),
        date: "2026-12-06 00:00 UTC".into(),
        kind: "Short circuit".into(),
    }
}

fn report(c: &mut Criterion) {
    let circuit = network(1_000, true, 42);
    let options = ScOptions {
        branch_results: true,
        ..ScOptions::default()
    };
    let results = calculate(&circuit, &options).expect("valid network");
    let stored = StoredResult {
        format: "ampflux-simulation-result".into(),
        format_version: 1,
        engine: EngineInfo::current(),
        simulation_type: "short_circuit".into(),
        circuit: CircuitInfo {
            version_id: 1,
            version_number: 1,
            name: circuit.name.clone(),
            content_hash: "0".repeat(64),
            buses: circuit.buses.len(),
        },
        computed_at: ampflux::util::now(),
        duration_ms: 1,
        results,
    };
    let mut group = c.benchmark_group("report_1000_buses");
    group.sample_size(10);
    group.bench_function("view_model", |b| {
        b.iter(|| build(meta(), black_box(&stored), Some(&circuit)))
    });
    let rep: StudyReport = build(meta(), &stored, Some(&circuit));
    group.bench_function("html", |b| {
        b.iter(|| html::render(black_box(&rep)).expect("renders"))
    });
    group.bench_function("pdf", |b| {
        b.iter(|| pdf::render(black_box(&rep)).expect("renders"))
    });
    group.bench_function("view_model_html_pdf", |b| {
        b.iter(|| {
            let rep = build(meta(), black_box(&stored), Some(&circuit));
            (
                html::render(&rep).expect("renders"),
                pdf::render(&rep).expect("renders"),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, report);
criterion_main!(benches);
