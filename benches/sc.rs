//! Short-circuit engine benches: all-bus calculations on synthetic radial and meshed networks
//! of 1k, 10k and 100k buses (3ph max with ip and Ith, and 1ph). Run with `cargo bench --bench sc`.

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

criterion_group!(benches, all_bus);
criterion_main!(benches);
