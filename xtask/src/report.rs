//! The one summary table that closes `cargo xtask ci`.

use std::fmt::Write as _;
use std::time::Duration;

use crate::ci::{Env, format_duration};
use crate::nextest::TestCounts;

/// What one step did.
#[derive(Debug, Clone)]
pub struct StepRecord {
    /// The step's name.
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// How long it took.
    pub duration: Duration,
    /// A short note for the table (counts, the reason of a failure).
    pub detail: String,
    /// For test runs: the table cell it fills.
    pub tests: Option<TestCell>,
    /// For other steps that run tests (doctests): their counts, added to the closing total.
    pub other_tests: Option<TestCounts>,
}

impl StepRecord {
    /// A record that has not passed (yet), for building step by step.
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_string(),
            passed: false,
            duration: Duration::ZERO,
            detail: String::new(),
            tests: None,
            other_tests: None,
        }
    }
}

/// One cell of the crate × environment table.
#[derive(Debug, Clone)]
pub struct TestCell {
    /// Row.
    pub krate: String,
    /// Column.
    pub env: Env,
    /// `None` when the tests did not build.
    pub counts: Option<TestCounts>,
}

/// Renders the test matrix, then every other step, then the closing count lines.
///
/// The last line is `tests: N passed, M failed` over every test run (nextest and doctests),
/// the plain form CI systems read.
pub fn render(rows: &[String], envs: &[Env], records: &[StepRecord], wall: Duration) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n======== cargo xtask ci: summary ========");
    let _ = writeln!(
        out,
        "\nTests (nextest), crate x environment: passed / failed"
    );
    let first_width = rows.iter().map(String::len).max().unwrap_or(5).max(5);
    let cell_width = 20;
    let _ = write!(out, "{:<first_width$}", "crate");
    for env in envs {
        let _ = write!(out, " | {:<cell_width$}", env.name());
    }
    out.push('\n');
    let rule_len =
        first_width.saturating_add(envs.len().saturating_mul(cell_width.saturating_add(3)));
    let _ = writeln!(out, "{}", "-".repeat(rule_len));
    let mut total = TestCounts::default();
    for row in rows {
        let _ = write!(out, "{row:<first_width$}");
        for &env in envs {
            let cell = records
                .iter()
                .filter_map(|record| record.tests.as_ref().map(|cell| (record, cell)))
                .find(|(_, cell)| &cell.krate == row && cell.env == env);
            let text = match cell {
                None => "-".to_string(),
                Some((_, TestCell { counts: None, .. })) => "BUILD FAILED".to_string(),
                Some((
                    record,
                    TestCell {
                        counts: Some(counts),
                        ..
                    },
                )) => {
                    total.add(*counts);
                    let mark = if record.passed { "" } else { "  FAIL" };
                    format!("{} / {}{mark}", counts.passed, counts.failed)
                }
            };
            let _ = write!(out, " | {text:<cell_width$}");
        }
        out.push('\n');
    }

    let _ = writeln!(out, "\nOther steps");
    let others: Vec<&StepRecord> = records.iter().filter(|r| r.tests.is_none()).collect();
    let name_width = others
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    for record in &others {
        let verdict = if record.passed { "pass" } else { "FAIL" };
        let _ = writeln!(
            out,
            "{:<name_width$}  {verdict}  {:>7}  {}",
            record.name,
            format_duration(record.duration),
            record.detail
        );
    }

    for counts in records.iter().filter_map(|r| r.other_tests) {
        total.add(counts);
    }
    let failed_steps: Vec<&str> = records
        .iter()
        .filter(|r| !r.passed)
        .map(|r| r.name.as_str())
        .collect();
    let _ = writeln!(out, "\nwall time: {}", format_duration(wall));
    if failed_steps.is_empty() {
        let _ = writeln!(out, "result: every step passed");
    } else {
        let _ = writeln!(out, "result: FAILED steps: {}", failed_steps.join(", "));
    }
    let _ = writeln!(
        out,
        "steps: {} passed, {} failed",
        records.len().saturating_sub(failed_steps.len()),
        failed_steps.len()
    );
    let _ = write!(
        out,
        "tests: {} passed, {} failed",
        total.passed, total.failed
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, passed: bool, tests: Option<TestCell>) -> StepRecord {
        StepRecord {
            passed,
            tests,
            ..StepRecord::named(name)
        }
    }

    #[test]
    fn table_has_cells_other_steps_and_closing_counts() {
        let records = vec![
            record("fmt", true, None),
            record(
                "nextest a (std)",
                true,
                Some(TestCell {
                    krate: "a".into(),
                    env: Env::Std,
                    counts: Some(TestCounts {
                        passed: 5,
                        failed: 0,
                    }),
                }),
            ),
            record(
                "nextest a (no_alloc)",
                false,
                Some(TestCell {
                    krate: "a".into(),
                    env: Env::NoAlloc,
                    counts: None,
                }),
            ),
        ];
        let text = render(
            &["a".into()],
            &[Env::NoAlloc, Env::Std],
            &records,
            Duration::from_secs(75),
        );
        assert!(text.contains("BUILD FAILED"));
        assert!(text.contains("5 / 0"));
        assert!(text.contains("FAILED steps: nextest a (no_alloc)"));
        assert!(text.contains("wall time: 1m15s"));
        assert!(text.contains("steps: 2 passed, 1 failed"));
        assert!(text.ends_with("tests: 5 passed, 0 failed"));
    }
}
