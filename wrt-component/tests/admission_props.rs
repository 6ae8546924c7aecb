//! Property tests: requirements of wasm-smith modules equal an independent count taken from
//! wasmparser's payloads; arbitrary and mutated bytes never panic; a 1 MB module is admitted
//! quickly.
#![cfg(feature = "alloc")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

#[path = "support/big_module.rs"]
mod big_module;

use arbitrary::Unstructured;
use big_module::big_module;
use proptest::prelude::*;
use wasmparser_count::Count;
use wrt_component::ResourceLimits;
use wrt_component::admission::{Budget, DeclaredLimits, Requirements, admit, read_requirements};

/// The independent count: a straight walk over wasmparser's payloads, sharing no code with
/// the admission reader.
mod wasmparser_count {
    use wasmparser::{ElementItems, Parser, Payload, TypeRef};

    #[derive(Debug, Default, PartialEq, Eq)]
    pub struct Count {
        /// (initial, maximum, memory64, shared, imported)
        pub memories: Vec<(u64, Option<u64>, bool, bool, bool)>,
        /// (initial, maximum, imported)
        pub tables: Vec<(u64, Option<u64>, bool)>,
        pub globals: (u32, u32),
        pub functions: (u32, u32),
        pub imports: u32,
        pub exports: u32,
        pub element_segments: u32,
        pub element_items: u64,
        pub data_segments: u32,
        pub data_bytes: u64,
        pub custom_names: Vec<String>,
    }

    pub fn count(bytes: &[u8]) -> Count {
        let mut c = Count::default();
        let mut parser = Parser::new(0);
        parser.set_features(wrt_component::admission::validation_features());
        for payload in parser.parse_all(bytes) {
            match payload.unwrap() {
                Payload::ImportSection(s) => {
                    for import in s.into_imports() {
                        c.imports += 1;
                        match import.unwrap().ty {
                            TypeRef::Func(_) | TypeRef::FuncExact(_) => c.functions.0 += 1,
                            TypeRef::Global(_) => c.globals.0 += 1,
                            TypeRef::Memory(m) => {
                                c.memories
                                    .push((m.initial, m.maximum, m.memory64, m.shared, true));
                            }
                            TypeRef::Table(t) => c.tables.push((t.initial, t.maximum, true)),
                            TypeRef::Tag(_) => {}
                        }
                    }
                }
                Payload::FunctionSection(s) => c.functions.1 = s.count(),
                Payload::GlobalSection(s) => c.globals.1 = s.count(),
                Payload::ExportSection(s) => c.exports = s.count(),
                Payload::MemorySection(s) => {
                    for m in s {
                        let m = m.unwrap();
                        c.memories
                            .push((m.initial, m.maximum, m.memory64, m.shared, false));
                    }
                }
                Payload::TableSection(s) => {
                    for t in s {
                        let t = t.unwrap().ty;
                        c.tables.push((t.initial, t.maximum, false));
                    }
                }
                Payload::ElementSection(s) => {
                    for e in s {
                        c.element_segments += 1;
                        c.element_items += u64::from(match e.unwrap().items {
                            ElementItems::Functions(f) => f.count(),
                            ElementItems::Expressions(_, x) => x.count(),
                        });
                    }
                }
                Payload::DataSection(s) => {
                    for d in s {
                        c.data_segments += 1;
                        c.data_bytes += d.unwrap().data.len() as u64;
                    }
                }
                Payload::CustomSection(s) => c.custom_names.push(s.name().to_string()),
                _ => {}
            }
        }
        c
    }
}

fn smith_module(seed: &[u8]) -> Option<Vec<u8>> {
    let config = wasm_smith::Config {
        max_memories: 4,
        max_tables: 4,
        min_memories: 0,
        memory64_enabled: true,
        threads_enabled: true,
        custom_page_sizes_enabled: false,
        generate_custom_sections: true,
        max_funcs: 20,
        max_instructions: 50,
        ..wasm_smith::Config::default()
    };
    let mut u = Unstructured::new(seed);
    wasm_smith::Module::new(config, &mut u)
        .ok()
        .map(|m| m.to_bytes())
}

fn admission_count(requirements: &Requirements) -> Count {
    let Requirements::Module(m) = requirements else {
        panic!("not a module")
    };
    Count {
        memories: m
            .memories
            .iter()
            .map(|x| {
                (
                    x.initial_pages,
                    x.maximum_pages,
                    x.memory64,
                    x.shared,
                    x.origin.is_imported(),
                )
            })
            .collect(),
        tables: m
            .tables
            .iter()
            .map(|t| {
                (
                    t.initial_elements,
                    t.maximum_elements,
                    t.origin.is_imported(),
                )
            })
            .collect(),
        globals: (m.globals.imported, m.globals.defined),
        functions: (m.functions.imported, m.functions.defined),
        imports: m.imports,
        exports: m.exports,
        element_segments: m.element_segments,
        element_items: m.element_items,
        data_segments: m.data_segments,
        data_bytes: m.data_bytes,
        custom_names: m.custom_sections.names.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(128) })]

    #[test]
    fn smith_modules_match_an_independent_count(seed in proptest::collection::vec(any::<u8>(), 64..2048)) {
        let Some(bytes) = smith_module(&seed) else { return Ok(()) };
        let requirements = read_requirements(&bytes)
            .unwrap_or_else(|e| panic!("wasm-smith module refused: {e}"));
        prop_assert_eq!(admission_count(&requirements), wasmparser_count::count(&bytes));
        let totals = requirements.totals();
        let count = wasmparser_count::count(&bytes);
        prop_assert_eq!(totals.memories, count.memories.len() as u64);
        prop_assert_eq!(totals.tables, count.tables.len() as u64);
        let report = admit(&requirements, &ResourceLimits::default());
        prop_assert_eq!(report.rows.len(), 9);
    }

    #[test]
    fn declared_limits_round_trip_and_arbitrary_payloads_never_panic(
        values in proptest::collection::vec(proptest::option::of(any::<u64>()), Budget::COUNT),
        payload in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut declared = DeclaredLimits::default();
        for (budget, value) in Budget::ALL.iter().zip(&values) {
            if let Some(value) = value {
                declared.set(*budget, *value);
            }
        }
        prop_assert_eq!(DeclaredLimits::parse(&declared.encode()), Ok(declared));
        if let Ok(parsed) = DeclaredLimits::parse(&payload) {
            // Whatever parses re-encodes to something that parses to the same limits.
            prop_assert_eq!(DeclaredLimits::parse(&parsed.encode()), Ok(parsed));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        if let Ok(requirements) = read_requirements(&bytes) {
            let _ = admit(&requirements, &ResourceLimits::default());
        }
        let mut with_header = b"\0asm\x01\0\0\0".to_vec();
        with_header.extend(&bytes);
        let _ = read_requirements(&with_header);
        let mut component = b"\0asm\x0d\0\x01\0".to_vec();
        component.extend(&bytes);
        let _ = read_requirements(&component);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        fixture in prop::sample::select(&["component_nested.wasm", "module_full.wasm", "declared_limits.wasm"][..]),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(fixture);
        let mut bytes = std::fs::read(path).unwrap();
        for (index, byte) in edits {
            let at = index.index(bytes.len());
            bytes[at] = byte;
        }
        if let Ok(requirements) = read_requirements(&bytes) {
            let _ = admit(&requirements, &ResourceLimits::unlimited());
        }
    }
}

#[test]
fn a_one_megabyte_module_is_admitted_quickly() {
    let bytes = big_module(500, 300);
    assert!(bytes.len() >= 1 << 20, "only {} bytes", bytes.len());
    let started = std::time::Instant::now();
    let requirements = read_requirements(&bytes).unwrap();
    let report = admit(&requirements, &ResourceLimits::default());
    let elapsed = started.elapsed();
    eprintln!("admitted {} bytes in {elapsed:?}", bytes.len());
    assert!(report.is_admitted());
    let Requirements::Module(module) = &requirements else {
        panic!()
    };
    assert_eq!(module.functions.defined, 500);
    // A generous sanity bound for unoptimised CI builds; the benchmark measures speed.
    assert!(elapsed.as_secs() < 5, "{elapsed:?}");
}

#[test]
fn a_component_of_hand_encoded_modules_charges_each_instantiation() {
    let bytes = big_module::component_of(&big_module(10, 10), 3);
    let requirements = read_requirements(&bytes).unwrap();
    let totals = requirements.totals();
    assert_eq!((totals.instances, totals.memories), (4, 3));
    assert_eq!(totals.memory_initial_bytes, 3 * 16 * 65_536);
    assert_eq!(totals.memory_maximum_bytes, 3 * 64 * 65_536);
}
