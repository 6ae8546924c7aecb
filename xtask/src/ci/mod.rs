//! `cargo xtask ci`: every check in every environment, one summary table, non-zero exit on
//! any failure.
//!
//! Steps, in order (each recorded as pass/fail with its duration; a failure never stops the
//! run, so one report shows everything that is wrong):
//!
//! 0. the project's Python venv ([`crate::venv`]), unless `WRT_PYTHON` names an interpreter
//!    already (in a full run always: the docs need it)
//! 1. `cargo fmt --all -- --check`
//! 2. per environment, per library crate: `cargo clippy -p X --all-targets <features> -- -D warnings`
//! 3. per environment, per library crate: `cargo nextest run -p X <features> --no-fail-fast`,
//!    whose summary line gives the passed / failed counts of the table
//! 4. std only: clippy and nextest for xtask itself, `cargo test --doc -p X`, and
//!    `cargo doc -p X --no-deps` with `RUSTDOCFLAGS=-D warnings` (xtask included)
//! 5. the `#![no_std]` proof crates ([`crate::proofs`]) of the environments run
//! 6. full runs only (no `--env`): `cargo xtask docs`, `cargo xtask trace`, and
//!    `cargo package` of every library crate not `publish = false`, all in one command so
//!    that each is built from its `.crate` against the others' (see [`plan`])
//!
//! Features per environment: `no_alloc` = `--no-default-features`, `alloc` =
//! `--no-default-features --features alloc`, `std` = the default features. `RUSTFLAGS` is
//! never changed between steps, so cargo reuses what an earlier step built.

mod execute;
mod plan;

use std::io;
use std::path::PathBuf;
use std::time::Instant;

pub use execute::{cargo, execute, format_duration};
pub use plan::{Action, Check, Env, Options, Step, cargo_step, parse_args, plan};

use crate::workspace::{TOOLING_CRATE, Workspace};

/// `cargo xtask ci`: plans, runs, prints the table; `Ok(true)` when everything passed.
pub fn main(ws: &Workspace, args: &[String]) -> io::Result<bool> {
    let options = parse_args(args).map_err(io::Error::other)?;
    let libraries = ws.library_crates()?;
    let mut options = options;
    options.restricted = ws.restricted_crates()?;
    let packaged = ws.published_crates()?;
    let steps = plan(&libraries, &options, &ws.target_dir, &packaged);
    let started = Instant::now();
    let records = execute(ws, &steps, &options);
    let mut rows: Vec<String> = libraries.clone();
    if options.envs.contains(&Env::Std) {
        rows.push(TOOLING_CRATE.to_string());
    }
    let table = crate::report::render(&rows, &options.envs, &records, started.elapsed());
    println!("{table}");
    let summary_path: PathBuf = ws.target_dir.join("xtask-logs").join("summary.txt");
    let _ = std::fs::write(&summary_path, &table);
    Ok(records.iter().all(|record| record.passed))
}
