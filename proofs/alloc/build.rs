//! Compiles the proof's WAT fixtures to Wasm at build time, so the `no_std` library embeds
//! the bytes (`include_bytes!`) and needs no parser of its own at run time.

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    for name in ["grow", "call_host"] {
        let source = format!("wat/{name}.wat");
        println!("cargo::rerun-if-changed={source}");
        let wasm = match wat::parse_file(&source) {
            Ok(wasm) => wasm,
            Err(error) => {
                eprintln!("{source}: {error}");
                std::process::exit(1);
            }
        };
        if let Err(error) = std::fs::write(out.join(format!("{name}.wasm")), wasm) {
            eprintln!("{name}.wasm: {error}");
            std::process::exit(1);
        }
    }
}
