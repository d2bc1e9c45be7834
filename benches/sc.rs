//! Short-circuit engine benches: all-bus calculations on synthetic radial and meshed networks
//! of 1k, 10k and 100k buses (3ph max with ip and Ith, and 1ph), and the largest branch
//! currents over all fault locations (meshed, 1k and 10k buses). Run with
//! `cargo bench --bench sc` (one group: `cargo bench --bench sc -- branch_currents`).

use ampflux::sc::{Fault, ScOptions, calculate, synthetic::network};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn all_bus(c: &mut Criterion) {
    let mut group = c.benchmark_group("all_bus");
    group.sample_size(10);
    for &n in &[1_000usize, 10_000, 100_000] {
        for meshed in [false, true] {
            let circuit = network(n, meshed, 42);
            let kind = if meshed { "meshed" } else { "radial" };
            for fault in [Fault::ThreePhase, Fault::SinglePhase] {
                let options = ScOptions {
                    fault,
                    ..Default::default()
                };
                let id = BenchmarkId::new(format!("{kind}_{}", fault.as_str()), n);
                group.bench_with_input(id, &circuit, |b, circuit| {
                    b.iter(|| {
                        calculate(black_box(circuit), black_box(&options)).expect("valid network")
                    })
                });
            }
        }
    }
    group.finish();
}

/// The web app's simulation default: all buses, 3ph max, with the branch currents (the largest
/// over all fault locations: one solve and one pass over the branches per fault bus, so
/// quadratic in the network size). 1ph adds the zero-sequence network.
fn branch_currents(c: &mut Criterion) {
    let mut group = c.benchmark_group("branch_currents");
    group.sample_size(10);
    for &n in &[1_000usize, 10_000] {
        let circuit = network(n, true, 42);
        for fault in [Fault::ThreePhase, Fault::SinglePhase] {
            let options = ScOptions {
                fault,
                branch_results: true,
                ..Default::default()
            };
            let id = BenchmarkId::new(format!("meshed_{}", fault.as_str()), n);
            group.bench_with_input(id, &circuit, |b, circuit| {
                b.iter(|| {
                    calculate(black_box(circuit), black_box(&options)).expect("valid network")
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, all_bus, branch_currents);
criterion_main!(benches);
