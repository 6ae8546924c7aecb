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
    if options.docs_and_trace {
        forget_earlier_packings(&ws.target_dir, &packaged);
    }
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

/// Removes what earlier packings of `crates` left: the packaging build directory and cargo's
/// unpacked copies of the crates.
///
/// `cargo package` verifies each crate against its siblings' `.crate` files through a local
/// registry under its target directory. It unpacks them under `$CARGO_HOME/registry/src`, in
/// a directory named by the registry's path and the crate's name and version, and reuses one
/// that exists; and it never rebuilds a registry crate it has built. Our versions do not
/// change between commits, so a second run would verify against the first run's code (a
/// clean-clone run failed that way, on types an earlier commit had). Only the packaging
/// directory and our crates' unpacked copies go; cargo makes them again from the fresh
/// `.crate` files.
fn forget_earlier_packings(target_dir: &std::path::Path, crates: &[String]) {
    let build = plan::package_target_dir(target_dir);
    if build.exists()
        && let Err(e) = std::fs::remove_dir_all(&build)
    {
        eprintln!("ci: cannot empty {}: {e}", build.display());
    }
    let Some(cargo_home) = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
    else {
        return;
    };
    let Ok(registries) = std::fs::read_dir(cargo_home.join("registry").join("src")) else {
        return;
    };
    for registry in registries.flatten() {
        let Ok(unpacked) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for dir in unpacked.flatten() {
            let name = dir.file_name().to_string_lossy().into_owned();
            if crates.iter().any(|krate| is_unpacked_copy_of(&name, krate)) {
                match std::fs::remove_dir_all(dir.path()) {
                    Ok(()) => println!("ci: removed stale unpacked {}", dir.path().display()),
                    Err(e) => eprintln!("ci: cannot remove {}: {e}", dir.path().display()),
                }
            }
        }
    }
}

/// `wrt-foundation-0.1.0` is an unpacked copy of `wrt-foundation`; `wrt-foundation-extra-1.0`
/// is not (a version starts with a digit).
fn is_unpacked_copy_of(dir_name: &str, krate: &str) -> bool {
    dir_name
        .strip_prefix(krate)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::is_unpacked_copy_of;

    #[test]
    fn only_a_crate_name_followed_by_a_version_is_its_unpacked_copy() {
        assert!(is_unpacked_copy_of(
            "wrt-foundation-0.1.0",
            "wrt-foundation"
        ));
        assert!(!is_unpacked_copy_of(
            "wrt-foundation-extra-1.0",
            "wrt-foundation"
        ));
        assert!(!is_unpacked_copy_of("wrt-foundation", "wrt-foundation"));
        assert!(!is_unpacked_copy_of("serde-1.0.0", "wrt-foundation"));
    }
}
