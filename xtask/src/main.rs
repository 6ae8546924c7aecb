//! `cargo xtask`: project automation (see the library docs: `cargo doc -p xtask --open`).
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use std::process::ExitCode;

use xtask::ci::{self, Env, Step};
use xtask::workspace::Workspace;
use xtask::{docs, proofs, trace};

const USAGE: &str = "\
usage: cargo xtask <command>

  ci [--env no_alloc|alloc|std]... [--min-coverage PCT]
        fmt, clippy and nextest per crate per environment, rustdoc, doctests, the no_std
        proofs, the docs, the traceability check and the packaging of every publishable
        library crate; one summary table; non-zero exit on any failure (with --env: only
        those columns, without docs, trace and packaging)
  proofs
        build the #![no_std] proof crates (and check the no_alloc proof rejects alloc)
  docs
        Sphinx + sphinx-needs HTML into target/docs/html (warnings are errors), needs.json
  trace [--root DIR] [--min-coverage PCT] [--fix]
        check every source citation in docs/ against the code; print the share of
        public types cited (--fix: rewrite the :source: ranges whose symbols moved)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let ws = Workspace::locate();
    let outcome = match command.as_str() {
        "ci" => ci::main(&ws, rest).map_err(|e| e.to_string()),
        "proofs" => Ok(run_proofs(&ws)),
        "docs" => Ok(docs::main(&ws)),
        "trace" => trace::main(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(true)
        }
        other => Err(format!("unknown command {other:?}\n{USAGE}")),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("xtask: {error}");
            ExitCode::from(2)
        }
    }
}

fn run_proofs(ws: &Workspace) -> bool {
    let steps: Vec<Step> = proofs::steps(&Env::ALL, &ws.target_dir);
    let options = ci::Options {
        envs: Env::ALL.to_vec(),
        docs_and_trace: false,
        min_coverage: trace::DEFAULT_MIN_COVERAGE,
        restricted: Vec::new(),
    };
    let records = ci::execute(ws, &steps, &options);
    records.iter().all(|record| record.passed)
}
