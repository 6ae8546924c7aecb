//! `wrt-budget`: judge WebAssembly binaries against a component's resource limits before
//! instantiating them.
//!
//! ```text
//! cargo run -p wrt-component --example wrt-budget -- \
//!     wrt-component/tests/fixtures/demo.wasm --limits wrt-component/tests/fixtures/limits.toml
//! ```
//!
//! It is an example of wrt-component, not a binary of the library, so that its command-line
//! dependencies (clap, toml, serde, serde_json, wat) stay dev-dependencies and no_std users of
//! the library never build them. Exit status: 0 when every file is admitted, 1 when one is
//! refused, 2 on any error (unreadable or malformed file, bad limits).

mod cli;
mod json;
mod limits_file;
mod render;

use std::process::ExitCode;

fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let status = cli::main_with(std::env::args_os(), &mut stdout.lock(), &mut stderr.lock());
    ExitCode::from(status)
}
