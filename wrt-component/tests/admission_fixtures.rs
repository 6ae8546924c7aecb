//! The committed `.wasm` fixtures are exactly what their `.wat` sources compile to.
//!
//! Regenerate after editing a `.wat`:
//! `WRT_REGENERATE_FIXTURES=1 cargo test -p wrt-component --test admission_fixtures`
#![cfg(feature = "alloc")]

mod support;

use std::fs;
use std::path::PathBuf;

use support::fixtures::dir as fixtures_dir;

fn wat_sources() -> Vec<PathBuf> {
    let mut sources: Vec<PathBuf> = fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wat"))
        .collect();
    sources.sort();
    sources
}

#[test]
fn every_wasm_fixture_is_its_wat_compiled() {
    let regenerate = std::env::var_os("WRT_REGENERATE_FIXTURES").is_some();
    let sources = wat_sources();
    assert!(sources.len() >= 10, "fixtures missing: {sources:?}");
    for source in sources {
        let compiled =
            wat::parse_file(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        let binary = source.with_extension("wasm");
        if regenerate {
            fs::write(&binary, &compiled).unwrap();
        }
        let committed = fs::read(&binary)
            .unwrap_or_else(|e| panic!("{}: {e} (regenerate the fixtures)", binary.display()));
        assert!(
            committed == compiled,
            "{} differs from {}: regenerate the fixtures",
            binary.display(),
            source.display()
        );
    }
}

#[test]
fn every_wasm_fixture_has_a_wat_source() {
    for entry in fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "wasm") {
            assert!(
                path.with_extension("wat").exists(),
                "{} has no .wat",
                path.display()
            );
        }
    }
}
