//! `wrt-budget`: judge WebAssembly binaries against a component's limits (`check`), or run
//! one in wasmtime under them (`run`). See the crate's library docs for the subcommands.

use std::process::ExitCode;

fn main() -> ExitCode {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let status = wrt_budget::main_with(std::env::args_os(), &mut stdout.lock(), &mut stderr.lock());
    ExitCode::from(status)
}
