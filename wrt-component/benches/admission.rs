//! Admission throughput against wasmparser validation alone, on the same inputs.
//!
//! `cargo bench -p wrt-component --bench admission`. Target: admission (validate + read
//! requirements + judge) costs at most 1.25x validation alone.

#[path = "../tests/support/big_module.rs"]
mod big_module;

use core::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use wasmparser::Validator;
use wrt_component::ResourceLimits;
use wrt_component::admission::{admit, read_requirements, validation_features};

/// A varied module from wasm-smith with a fixed seed: many types, globals, segments, imports.
fn smith_module() -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let seed: Vec<u8> = (0..256 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let config = wasm_smith::Config {
        min_funcs: 300,
        max_funcs: 2000,
        max_instructions: 2000,
        min_types: 50,
        min_globals: 50,
        min_exports: 50,
        min_data_segments: 20,
        min_element_segments: 20,
        max_memories: 4,
        max_tables: 4,
        max_data_segments: 200,
        max_element_segments: 200,
        ..wasm_smith::Config::default()
    };
    let mut u = arbitrary::Unstructured::new(&seed);
    wasm_smith::Module::new(config, &mut u).unwrap().to_bytes()
}

fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let code = big_module::big_module(500, 300);
    let component = big_module::component_of(&big_module::big_module(100, 300), 5);
    let smith = smith_module();
    eprintln!(
        "inputs: code {} bytes, wasm-smith {} bytes, component {} bytes",
        code.len(),
        smith.len(),
        component.len()
    );
    // A tiny real component: per-call overhead rather than throughput.
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/component_nested.wasm"
    ))
    .unwrap();
    vec![
        ("code-1MB", code),
        ("wasm-smith", smith),
        ("component-5x210KB", component),
        ("fixture-component-nested", fixture),
    ]
}

fn validate_only(bytes: &[u8]) {
    let mut validator = Validator::new_with_features(validation_features());
    black_box(validator.validate_all(bytes).unwrap());
}

fn admission(bytes: &[u8], limits: &ResourceLimits) {
    let requirements = read_requirements(bytes).unwrap();
    black_box(admit(&requirements, limits));
}

fn bench(c: &mut Criterion) {
    let limits = ResourceLimits::default();
    let mut group = c.benchmark_group("admission");
    for (name, bytes) in inputs() {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("validate-only", name),
            &bytes,
            |b, bytes| {
                b.iter(|| validate_only(black_box(bytes)));
            },
        );
        group.bench_with_input(BenchmarkId::new("admit", name), &bytes, |b, bytes| {
            b.iter(|| admission(black_box(bytes), &limits));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
