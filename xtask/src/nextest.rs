//! Reading test counts out of test runners' closing lines.

/// How many tests ran and how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TestCounts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed, timed out or could not be started.
    pub failed: u64,
}

impl TestCounts {
    /// Adds another run's counts (saturating: these are report numbers, not invariants).
    pub fn add(&mut self, other: TestCounts) {
        self.passed = self.passed.saturating_add(other.passed);
        self.failed = self.failed.saturating_add(other.failed);
    }
}

/// Counts from cargo-nextest's summary line, e.g.
/// `Summary [   0.108s] 3 tests run: 2 passed, 1 failed, 1 skipped`.
///
/// Returns `None` when there is no summary: the test binaries did not build. Words nextest
/// may add (`2 passed (1 slow, 1 leaky)`, `1 timed out`, `1 exec failed`) are understood;
/// everything that is neither passed nor skipped counts as failed.
pub fn parse_nextest_summary(output: &str) -> Option<TestCounts> {
    let line = output
        .lines()
        .rev()
        .find(|line| line.trim_start().starts_with("Summary [") && line.contains(" run:"))?;
    let (_, tally) = line.split_once(" run:")?;
    let tally = strip_parenthesised(tally);
    let mut counts = TestCounts::default();
    for item in tally.split(',') {
        let item = item.trim();
        let Some((number, what)) = item.split_once(' ') else {
            continue;
        };
        let Ok(number) = number.parse::<u64>() else {
            continue;
        };
        let what = what.trim();
        if what.starts_with("passed") {
            counts.passed = counts.passed.saturating_add(number);
        } else if what.starts_with("skipped") || what.starts_with("not run") {
            // ignored tests and tests cancelled after an earlier failure are not results
        } else {
            counts.failed = counts.failed.saturating_add(number);
        }
    }
    Some(counts)
}

/// Counts from libtest's closing lines, summed over every test binary in the output, e.g.
/// `test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out`
/// (what `cargo test --doc` prints). `None` when no such line was printed.
pub fn parse_libtest_results(output: &str) -> Option<TestCounts> {
    let mut total: Option<TestCounts> = None;
    for line in output.lines() {
        let Some(rest) = line.trim_start().strip_prefix("test result: ") else {
            continue;
        };
        let mut counts = TestCounts::default();
        for item in rest.split(';') {
            let words: Vec<&str> = item.split_whitespace().collect();
            // the first item is "ok. 12 passed" / "FAILED. 3 passed"
            let (number, what) = match words.as_slice() {
                [_, number, what, ..] if item.contains('.') => (number, what),
                [number, what, ..] => (number, what),
                _ => continue,
            };
            let Ok(number) = number.parse::<u64>() else {
                continue;
            };
            match *what {
                "passed" => counts.passed = number,
                "failed" => counts.failed = number,
                _ => {}
            }
        }
        total.get_or_insert_with(TestCounts::default).add(counts);
    }
    total
}

fn strip_parenthesised(text: &str) -> String {
    let mut depth = 0_u32;
    text.chars()
        .filter(|&c| match c {
            '(' => {
                depth = depth.saturating_add(1);
                false
            }
            ')' => {
                depth = depth.saturating_sub(1);
                false
            }
            _ => depth == 0,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_with_passes_failures_and_skips() {
        let output = "  PASS [ 0.1s] a\n────────────\n     Summary [   0.108s] 3 tests run: 2 passed, 1 failed, 1 skipped\n        FAIL [   0.107s] b\nerror: test run failed\n";
        assert_eq!(
            parse_nextest_summary(output),
            Some(TestCounts {
                passed: 2,
                failed: 1
            })
        );
    }

    #[test]
    fn summary_with_annotations_and_timeouts() {
        let output = "     Summary [  60.1s] 9 tests run: 7 passed (1 slow, 1 leaky), 1 timed out, 1 exec failed, 0 skipped\n";
        assert_eq!(
            parse_nextest_summary(output),
            Some(TestCounts {
                passed: 7,
                failed: 2
            })
        );
    }

    #[test]
    fn single_test_and_partial_runs() {
        let one = "     Summary [   0.001s] 1 test run: 1 passed, 0 skipped\n";
        assert_eq!(parse_nextest_summary(one).map(|c| c.passed), Some(1));
        let partial = "     Summary [   0.5s] 3/10 tests run: 2 passed, 1 failed, 7 not run\n";
        assert_eq!(
            parse_nextest_summary(partial),
            Some(TestCounts {
                passed: 2,
                failed: 1
            })
        );
    }

    #[test]
    fn no_summary_means_the_build_failed() {
        assert_eq!(
            parse_nextest_summary("error[E0425]: cannot find value `x`\n"),
            None
        );
    }

    #[test]
    fn libtest_results_are_summed() {
        let output = "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.1s\n\
                      test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(
            parse_libtest_results(output),
            Some(TestCounts {
                passed: 15,
                failed: 2
            })
        );
        assert_eq!(parse_libtest_results("nothing here"), None);
    }
}
