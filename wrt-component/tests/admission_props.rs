//! Property tests: requirements of wasm-smith modules equal an independent count taken from
//! wasmparser's payloads; arbitrary and mutated bytes never panic; a 1 MB module is admitted
//! quickly.
#![cfg(feature = "alloc")]

mod support;

use arbitrary::Unstructured;
use proptest::prelude::*;
use support::big_module::{self, big_module};
use wasmparser_count::Count;
use wrt_component::admission::{DeclaredLimits, Requirements, admit, read_requirements};
use wrt_component::{LimitKind, ResourceLimits};

/// The independent count: a straight walk over wasmparser's payloads, sharing no code with
/// the admission reader.
mod wasmparser_count {
    use wasmparser::{ElementItems, MemoryType, Parser, Payload, TypeRef};

    #[derive(Debug, Default, PartialEq, Eq)]
    pub struct Count {
        /// (initial, maximum, page size, memory64, shared, imported)
        pub memories: Vec<(u64, Option<u64>, u64, bool, bool, bool)>,
        /// (initial, maximum, imported)
        pub tables: Vec<(u64, Option<u64>, bool)>,
        /// (imported, defined)
        pub globals: (u32, u32),
        /// (imported, defined)
        pub functions: (u32, u32),
        /// (imported, defined)
        pub tags: (u32, u32),
        pub imports: u32,
        pub exports: u32,
        pub element_segments: u32,
        /// Always 0 for wasm-smith 0.263 modules (it caps each segment at zero items);
        /// tests/admission_rows.rs counts items on a fixture.
        pub element_items: u64,
        pub data_segments: u32,
        pub data_bytes: u64,
        pub custom_names: Vec<String>,
        pub custom_bytes: u64,
    }

    fn memory(m: &MemoryType, imported: bool) -> (u64, Option<u64>, u64, bool, bool, bool) {
        let page_size = m.page_size_log2.map_or(65_536, |log2| 1u64 << log2);
        (
            m.initial, m.maximum, page_size, m.memory64, m.shared, imported,
        )
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
                            TypeRef::Memory(m) => c.memories.push(memory(&m, true)),
                            TypeRef::Table(t) => c.tables.push((t.initial, t.maximum, true)),
                            TypeRef::Tag(_) => c.tags.0 += 1,
                        }
                    }
                }
                Payload::FunctionSection(s) => c.functions.1 = s.count(),
                Payload::GlobalSection(s) => c.globals.1 = s.count(),
                Payload::TagSection(s) => c.tags.1 = s.count(),
                Payload::ExportSection(s) => c.exports = s.count(),
                Payload::MemorySection(s) => {
                    for m in s {
                        c.memories.push(memory(&m.unwrap(), false));
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
                Payload::CustomSection(s) => {
                    c.custom_names.push(s.name().to_string());
                    c.custom_bytes += s.data().len() as u64;
                }
                _ => {}
            }
        }
        c
    }
}

/// A wasm-smith module from `seed`, followed by up to three custom sections whose names and
/// contents also come from `seed` (wasm-smith itself never emits custom sections).
fn smith_module(seed: &[u8]) -> Option<Vec<u8>> {
    let config = wasm_smith::Config {
        max_memories: 4,
        max_tables: 4,
        min_memories: 0,
        memory64_enabled: true,
        threads_enabled: true,
        custom_page_sizes_enabled: true,
        max_funcs: 20,
        max_instructions: 50,
        ..wasm_smith::Config::default()
    };
    let mut u = Unstructured::new(seed);
    let mut bytes = wasm_smith::Module::new(config, &mut u).ok()?.to_bytes();
    let sections = seed.first().map_or(0, |b| b % 4);
    for (i, byte) in seed.iter().take(usize::from(sections)).enumerate() {
        let name = format!("smith-{i}-{byte}");
        let contents = vec![*byte; usize::from(*byte % 16)];
        let mut body = vec![name.len() as u8];
        body.extend(name.as_bytes());
        body.extend(&contents);
        bytes.push(0); // custom section id
        bytes.push(body.len() as u8); // under 128: a one-byte LEB128 size
        bytes.extend(body);
    }
    Some(bytes)
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
                    x.page_size,
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
        tags: (m.tags.imported, m.tags.defined),
        imports: m.imports,
        exports: m.exports,
        element_segments: m.element_segments,
        element_items: m.element_items,
        data_segments: m.data_segments,
        data_bytes: m.data_bytes,
        custom_names: m.custom_sections.names.clone(),
        custom_bytes: m.custom_sections.bytes,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(128) })]

    #[test]
    fn smith_modules_match_an_independent_count(seed in proptest::collection::vec(any::<u8>(), 256..8192)) {
        // A seed wasm-smith cannot use is rejected, not passed: proptest draws another and
        // fails the test if too many are rejected.
        let bytes = smith_module(&seed);
        prop_assume!(bytes.is_some());
        let bytes = bytes.unwrap();
        let requirements = read_requirements(&bytes)
            .unwrap_or_else(|e| panic!("wasm-smith module refused: {e}"));
        let count = wasmparser_count::count(&bytes);
        prop_assert_eq!(admission_count(&requirements), wasmparser_count::count(&bytes));
        let Requirements::Module(module) = &requirements else { unreachable!() };
        prop_assert_eq!(module.custom_sections.count as usize, count.custom_names.len());
        let totals = requirements.totals();
        prop_assert_eq!(totals.memories, count.memories.len() as u64);
        prop_assert_eq!(totals.tables, count.tables.len() as u64);
        let initial_bytes = count
            .memories
            .iter()
            .fold(0u64, |sum, m| sum.saturating_add(m.0.saturating_mul(m.2)));
        prop_assert_eq!(totals.memory_initial_bytes, initial_bytes);
        let initial_elements = count.tables.iter().fold(0u64, |sum, t| sum.saturating_add(t.0));
        prop_assert_eq!(totals.table_initial_elements, initial_elements);
        let report = admit(&requirements, &ResourceLimits::default());
        prop_assert_eq!(report.rows.len(), LimitKind::COUNT);
    }

    #[test]
    fn declared_limits_round_trip_and_arbitrary_payloads_never_panic(
        values in proptest::collection::vec(proptest::option::of(any::<u64>()), LimitKind::COUNT),
        payload in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut declared = DeclaredLimits::default();
        for (kind, value) in LimitKind::ALL.iter().zip(&values) {
            if let Some(value) = value {
                declared.set(*kind, *value);
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
        let mut bytes = support::fixtures::bytes(fixture);
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
fn a_one_megabyte_module_is_read_and_admitted() {
    // How fast is the admission benchmark's business (`benches/admission.rs`, the same
    // module); a timed assertion here would only measure how loaded the machine is.
    let bytes = big_module(500, 300);
    assert!(bytes.len() >= 1 << 20, "only {} bytes", bytes.len());
    let requirements = read_requirements(&bytes).unwrap();
    let report = admit(&requirements, &ResourceLimits::default());
    assert!(report.is_admitted());
    let Requirements::Module(module) = &requirements else {
        panic!()
    };
    assert_eq!(module.functions.defined, 500);
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
