//! `wrt-budget`, the command-line tool: `check` judges WebAssembly binaries against a
//! component's limits before anything runs; `run` runs one in wasmtime with WASI, held to
//! those limits by the engine itself, and reports what it used.
//!
//! ```text
//! wrt-budget check [limit flags] [--limits FILE] [--policy P] [--json] FILE...
//! wrt-budget FILE...                       (no subcommand: check)
//! wrt-budget run [limit flags] [--limits FILE] [--dir HOST[::GUEST]]... [--env KEY=VALUE]...
//!                [--trap] [--json] [--platform-memory] FILE [-- ARGS...]
//! ```
//!
//! Exit status of `check`: 0 all admitted, 1 some refused, 2 an error. Of `run`: the
//! program's own exit code when it exits; 1 refused by admission; 2 an error (unreadable,
//! malformed, bad flags, missing import); 3 the program trapped (the report says whether a
//! limit did it).
//!
//! The tool is a library too so that its tests drive it in-process; its dependencies (clap,
//! toml, serde, wasmtime-wasi) stay its own and never reach a user of the wrt libraries.
#![forbid(unsafe_code)]

pub mod check;
mod inventory;
mod json;
mod limit_args;
mod limits_file;
mod render;
pub mod run;
mod usage;

use std::ffi::OsString;
use std::io::Write;

pub use limit_args::LimitArgs;
pub use limits_file::{LimitsFile, Value, parse_duration, parse_size};

/// `check`: every file admitted. `run`: the program exited 0.
pub const EXIT_OK: u8 = 0;
/// Refused by admission (nothing ran).
pub const EXIT_REFUSED: u8 = 1;
/// Unreadable or malformed input, bad flags, a missing import.
pub const EXIT_ERROR: u8 = 2;
/// `run`: the program trapped (a limit or the program itself).
pub const EXIT_TRAPPED: u8 = 3;

/// Parses `argv` (program name first) and runs the subcommand; returns the exit status.
/// Output goes to `out`; progress, reports of `run` and argument errors to `err`.
pub fn main_with<I, T>(argv: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
    // An argument that is not UTF-8 is no subcommand: a file for `check`.
    let subcommand = argv
        .get(1)
        .map(|arg| arg.to_str().unwrap_or_default().to_string());
    // clap names the program after argv[0] in its usage lines: the subcommand's full name.
    let named = |mut argv: Vec<OsString>, name: &str| {
        if let Some(program) = argv.first_mut() {
            *program = name.into();
        }
        argv
    };
    match subcommand.as_deref() {
        Some("run") => {
            argv.remove(1);
            parse_and_run(named(argv, "wrt-budget run"), out, err, run::run)
        }
        Some("check") => {
            argv.remove(1);
            parse_and_run(named(argv, "wrt-budget check"), out, err, check::run)
        }
        // Asked-for help and version go to stdout, exit 0; no arguments at all is an error.
        Some("--help" | "-h") => {
            let _ = writeln!(out, "{USAGE}");
            EXIT_OK
        }
        Some("--version" | "-V") => {
            let _ = writeln!(out, "wrt-budget {}", env!("CARGO_PKG_VERSION"));
            EXIT_OK
        }
        None => {
            let _ = writeln!(err, "{USAGE}");
            EXIT_ERROR
        }
        Some(_) => parse_and_run(named(argv, "wrt-budget check"), out, err, check::run),
    }
}

const USAGE: &str = "Usage: wrt-budget check [OPTIONS] FILE...\n       wrt-budget run [OPTIONS] FILE [-- ARGS...]\n\n\
    check  judge binaries against a component's limits (the default subcommand)\n\
    run    run a WASI command in wasmtime under the limits and report its usage\n\n\
    `wrt-budget check --help` and `wrt-budget run --help` list the options.";

/// Parses a subcommand's arguments and runs it; `--help` and `--version` exit 0, bad
/// arguments exit 2 with clap's message on `err`.
fn parse_and_run<A: clap::Parser>(
    argv: Vec<OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    run: fn(&A, &mut dyn Write, &mut dyn Write) -> u8,
) -> u8 {
    match A::try_parse_from(argv) {
        Ok(args) => run(&args, out, err),
        // `--help` and `--version` are answers (stdout, exit 0); anything else is an error.
        Err(error) if error.use_stderr() => {
            let _ = write!(err, "{}", error.render());
            EXIT_ERROR
        }
        Err(answer) => {
            let _ = write!(out, "{}", answer.render());
            EXIT_OK
        }
    }
}
