//! Running the planned steps: every step runs (a failure never stops the run), its output
//! goes to a log under `<target>/xtask-logs/`, and a failure shows the log's last lines.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::plan::{Action, Check, Options, Step};
use crate::nextest::{parse_libtest_results, parse_nextest_summary};
use crate::report::{StepRecord, TestCell};
use crate::run::{self, Sink};
use crate::workspace::Workspace;
use crate::{docs, proof_harness, trace, venv};

/// Runs every step of `plan` (never stopping early) and returns what happened.
pub fn execute(ws: &Workspace, steps: &[Step], options: &Options) -> Vec<StepRecord> {
    let log_dir = ws.target_dir.join("xtask-logs");
    let _ = std::fs::remove_dir_all(&log_dir);
    let total = steps.len();
    let mut records = Vec::with_capacity(total);
    for (index, step) in steps.iter().enumerate() {
        let number = index.saturating_add(1);
        eprintln!("==> [{number:>2}/{total}] {}", step.name);
        let log = log_dir.join(format!("{number:02}-{}.log", file_safe(&step.name)));
        let started = Instant::now();
        let record = execute_step(ws, step, options, &log, started);
        let verdict = if record.passed { "pass" } else { "FAIL" };
        eprintln!(
            "    {verdict} in {} {}",
            format_duration(record.duration),
            record.detail
        );
        if !record.passed
            && let Ok(text) = std::fs::read_to_string(&log)
        {
            eprintln!("---- last lines of {} ----", log.display());
            eprintln!("{}", run::tail(&text, 40));
            eprintln!("----");
        }
        records.push(record);
    }
    records
}

fn execute_step(
    ws: &Workspace,
    step: &Step,
    options: &Options,
    log: &Path,
    started: Instant,
) -> StepRecord {
    let sink = Sink::Log(log.to_path_buf());
    let mut record = StepRecord {
        name: step.name.clone(),
        passed: false,
        duration: Duration::ZERO,
        detail: String::new(),
        tests: None,
        other_tests: None,
    };
    match &step.action {
        Action::Cargo { args, env, check } => {
            let mut command = cargo(ws);
            command.args(args);
            for (key, value) in env {
                command.env(key, value);
            }
            match run::run(&mut command, &sink) {
                Ok(finished) => judge(&mut record, check, finished.success, &finished.output),
                Err(error) => record.detail = format!("(could not start cargo: {error})"),
            }
        }
        Action::Docs => match docs::build(ws, &sink) {
            Ok(detail) => {
                record.passed = true;
                record.detail = detail;
            }
            Err(error) => record.detail = error,
        },
        Action::ProofRun(proof) => match proof_harness::run_proof(ws, proof, &sink) {
            Ok(detail) => {
                record.passed = true;
                record.detail = detail;
            }
            Err(error) => record.detail = error,
        },
        Action::Venv => match venv::ensure(ws, &sink) {
            Ok(detail) => {
                record.passed = true;
                record.detail = detail;
            }
            Err(error) => record.detail = error,
        },
        Action::Trace => match trace::run(ws, options.min_coverage, &sink) {
            Ok(detail) => {
                record.passed = true;
                record.detail = detail;
            }
            Err(error) => record.detail = error,
        },
    }
    record.duration = started.elapsed();
    record
}

fn judge(record: &mut StepRecord, check: &Check, success: bool, output: &str) {
    match check {
        Check::Exit => record.passed = success,
        Check::Nextest { krate, env } => {
            let counts = parse_nextest_summary(output);
            record.passed = success && counts.is_some_and(|c| c.failed == 0 && c.passed > 0);
            record.detail = match counts {
                Some(c) if c.passed == 0 && c.failed == 0 => "(no tests ran)".into(),
                Some(c) => format!("({} passed, {} failed)", c.passed, c.failed),
                None => "(test build failed)".into(),
            };
            record.tests = Some(TestCell {
                krate: krate.clone(),
                env: *env,
                counts,
            });
        }
        Check::DocTests => {
            record.passed = success;
            if let Some(c) = parse_libtest_results(output) {
                record.detail = format!("({} passed, {} failed)", c.passed, c.failed);
                record.other_tests = Some(c);
            }
        }
        Check::MustFailWith(expected) => {
            let found = output.contains(expected);
            record.passed = !success && found;
            record.detail = match (success, found) {
                (false, true) => format!("(refused as required: \"{expected}\")"),
                (true, _) => "(the build SUCCEEDED but must fail)".into(),
                (false, false) => format!("(failed, but without \"{expected}\")"),
            };
        }
    }
}

/// A `cargo` command for the workspace: run from its root, never coloured (its output is
/// parsed), and with `WRT_PYTHON` pointing at the docs venv's Python when the caller did not
/// choose one (the metrics exporter tests run Python with `prometheus_client`).
pub fn cargo(ws: &Workspace) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&ws.root)
        .env("CARGO_TERM_COLOR", "never");
    if std::env::var_os("WRT_PYTHON").is_none() {
        let python = venv::python(ws);
        if python.exists() {
            command.env("WRT_PYTHON", python);
        }
    }
    command
}

fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `12.3s` or `4m05s`.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 60.0 {
        format!("{seconds:.1}s")
    } else {
        let whole = duration.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::super::plan::Env;
    use super::*;

    /// Whether `check` passes a command that exited with `success` and printed `output`.
    fn passes(check: &Check, success: bool, output: &str) -> bool {
        let mut record = StepRecord::named("t");
        judge(&mut record, check, success, output);
        record.passed
    }

    #[test]
    fn a_nextest_run_without_tests_or_with_failures_fails_the_step() {
        let check = Check::Nextest {
            krate: "wrt-a".into(),
            env: Env::Std,
        };
        let no_tests = "Summary [ 0.1s] 0 tests run: 0 passed, 0 skipped";
        assert!(!passes(&check, true, no_tests));
        let one_failed = "Summary [ 0.1s] 2 tests run: 1 passed, 1 failed";
        assert!(!passes(&check, false, one_failed));
        let all_passed = "Summary [ 0.1s] 2 tests run: 2 passed, 0 skipped";
        assert!(passes(&check, true, all_passed));
    }

    #[test]
    fn a_negative_check_needs_both_failure_and_the_message() {
        let check = Check::MustFailWith("no global memory allocator");
        assert!(!passes(&check, true, "Finished"));
        assert!(!passes(&check, false, "error[E0308]: mismatched types"));
        let refused = "error: no global memory allocator found but one is required";
        assert!(passes(&check, false, refused));
    }
}
