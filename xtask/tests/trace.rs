//! The traceability check on a small fixture repository: it passes as written, and moving,
//! renaming or deleting cited code makes it fail with a message that names the need and the
//! citation, both through the library and through `xtask trace`; `xtask trace --fix` rewrites
//! the ranges of moved code (and only those) to the whole definitions, doc comments to closing
//! brace, and leaves renamed code to a human.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::std_instead_of_core
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use xtask::trace::{Report, check};

const MANIFEST: &str = "[workspace]\nmembers = [\"wrt-demo\", \"wrt-support\", \"xtask\"]\n";

const DEMO_MANIFEST: &str = "[package]\nname = \"wrt-demo\"\n";

/// A test support crate: `publish = false`, so its uncited public type does not count
/// against coverage (the fixture as written passes with full coverage).
const SUPPORT_MANIFEST: &str = "[package]\nname = \"wrt-support\"\npublish = false\n";
const SUPPORT_LIB_RS: &str = "/// Not shipped.\npub struct Helper;\n";

const LIB_RS: &str = "\
//! Demo crate.

/// Fixed blocks.
pub struct Pool {
    used: usize,
}

impl Pool {
    /// Hands out a block.
    pub fn allocate(&mut self) -> usize {
        self.used += 1;
        self.used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocate_counts_blocks() {
        let mut pool = Pool { used: 0 };
        assert_eq!(pool.allocate(), 1);
    }
}
";

const INDEX_RST: &str = "\
Demo
====

.. req:: Blocks are counted
   :id: REQ_COUNT

.. arch_component:: The pool
   :id: ARCH_POOL
   :satisfies: REQ_COUNT
   :source: wrt-demo/src/lib.rs:3-6
   :symbol: Pool

.. impl:: Allocation
   :id: IMPL_ALLOCATE
   :implements: REQ_COUNT, ARCH_POOL
   :source: wrt-demo/src/lib.rs:8-14
   :symbol: Pool::allocate

.. test:: Allocation counts
   :id: TEST_ALLOCATE
   :verifies: REQ_COUNT
   :test: wrt-demo/src/lib.rs::allocate_counts_blocks
";

/// A fresh fixture repository in the system temp dir, removed on drop.
struct Fixture {
    root: PathBuf,
}

impl Fixture {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "xtask-trace-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&root);
        let fixture = Self { root };
        fixture.write("Cargo.toml", MANIFEST);
        fixture.write("wrt-demo/Cargo.toml", DEMO_MANIFEST);
        fixture.write("wrt-demo/src/lib.rs", LIB_RS);
        fixture.write("wrt-support/Cargo.toml", SUPPORT_MANIFEST);
        fixture.write("wrt-support/src/lib.rs", SUPPORT_LIB_RS);
        fixture.write("docs/index.rst", INDEX_RST);
        fixture
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn edit_lib(&self, edit: impl FnOnce(&str) -> String) {
        let path = self.root.join("wrt-demo/src/lib.rs");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, edit(&text)).unwrap();
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).unwrap()
    }

    fn check(&self) -> Report {
        check(&self.root, &["wrt-demo".to_string()]).unwrap()
    }

    fn problems(&self) -> Vec<String> {
        self.check()
            .problems
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn path(&self) -> &Path {
        &self.root
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn xtask_trace(root: &Path) -> (bool, String) {
    xtask_trace_with(root, &[])
}

fn xtask_trace_with(root: &Path, extra: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["trace", "--root"])
        .arg(root)
        .args(extra)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn the_fixture_as_written_passes_with_full_coverage() {
    let fixture = Fixture::new();
    let report = fixture.check();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((report.needs, report.citations, report.tests), (4, 2, 1));
    assert_eq!(report.coverage_percent(), 100.0);
    let (ok, output) = xtask_trace(fixture.path());
    assert!(ok, "{output}");
    assert!(
        output.contains("public types cited: 1 of 1 = 100.0%"),
        "{output}"
    );
}

#[test]
fn moving_a_cited_function_fails_naming_the_need_and_the_citation() {
    let fixture = Fixture::new();
    // a new method in front of it moves `fn allocate` from line 10 to line 15, out of 8-14
    fixture.edit_lib(|text| {
        text.replace(
            "impl Pool {\n",
            "impl Pool {\n    /// Spare.\n    pub fn spare(&self) -> usize {\n        0\n    }\n\n",
        )
    });
    let problems = fixture.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    let problem = &problems[0];
    assert!(
        problem.starts_with("IMPL_ALLOCATE (docs/index.rst:13)"),
        "{problem}"
    );
    assert!(
        problem.contains("wrt-demo/src/lib.rs:8-14 Pool::allocate"),
        "{problem}"
    );
    assert!(
        problem.contains("defined at line 15 (update the range)"),
        "{problem}"
    );

    let (ok, output) = xtask_trace(fixture.path());
    assert!(!ok);
    assert!(output.contains("IMPL_ALLOCATE"), "{output}");
    assert!(
        output.contains("wrt-demo/src/lib.rs:8-14 Pool::allocate"),
        "{output}"
    );
}

#[test]
fn renaming_a_cited_function_fails_naming_the_need_and_the_citation() {
    let fixture = Fixture::new();
    fixture.edit_lib(|text| text.replace("pub fn allocate(", "pub fn take_block("));
    let problems = fixture.problems();
    // the citation and the test (which calls the old name, but the checker reads no bodies)
    let citation = problems
        .iter()
        .find(|p| p.starts_with("IMPL_ALLOCATE"))
        .unwrap_or_else(|| panic!("no problem for IMPL_ALLOCATE in {problems:?}"));
    assert!(
        citation.contains("wrt-demo/src/lib.rs:8-14 Pool::allocate"),
        "{citation}"
    );
    assert!(
        citation.contains("nor anywhere in wrt-demo/src/lib.rs"),
        "{citation}"
    );

    let (ok, output) = xtask_trace(fixture.path());
    assert!(!ok);
    assert!(
        output.contains("IMPL_ALLOCATE (docs/index.rst:13)"),
        "{output}"
    );
}

#[test]
fn renaming_the_cited_type_breaks_the_component_and_the_methods() {
    let fixture = Fixture::new();
    fixture.edit_lib(|text| text.replace("Pool", "BlockPool"));
    let problems = fixture.problems();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("ARCH_POOL") && p.contains("lib.rs:3-6 Pool"))
    );
    assert!(problems.iter().any(|p| p.starts_with("IMPL_ALLOCATE")));
    assert_eq!(fixture.check().coverage_percent(), 0.0);
}

#[test]
fn deleting_the_cited_file_fails_for_every_need_that_cites_it() {
    let fixture = Fixture::new();
    std::fs::remove_file(fixture.path().join("wrt-demo/src/lib.rs")).unwrap();
    let problems = fixture.problems();
    for need in ["ARCH_POOL", "IMPL_ALLOCATE", "TEST_ALLOCATE"] {
        let problem = problems
            .iter()
            .find(|p| p.starts_with(need))
            .unwrap_or_else(|| panic!("no problem for {need} in {problems:?}"));
        assert!(problem.contains("wrt-demo/src/lib.rs"), "{problem}");
        assert!(problem.contains("does not exist"), "{problem}");
    }
    let (ok, output) = xtask_trace(fixture.path());
    assert!(!ok);
    assert!(output.contains("ARCH_POOL (docs/index.rst:7): `wrt-demo/src/lib.rs:3-6`: the cited file wrt-demo/src/lib.rs does not exist"), "{output}");
}

#[test]
fn a_range_past_the_end_of_the_file_fails() {
    let fixture = Fixture::new();
    fixture.write(
        "docs/index.rst",
        &INDEX_RST.replace("lib.rs:8-14", "lib.rs:8-400"),
    );
    let problems = fixture.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("IMPL_ALLOCATE") && problems[0].contains("past the end"));
}

#[test]
fn a_renamed_or_unmarked_test_fails() {
    let fixture = Fixture::new();
    fixture.edit_lib(|text| text.replace("fn allocate_counts_blocks", "fn counts"));
    let problems = fixture.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("TEST_ALLOCATE"));
    assert!(problems[0].contains("no `fn allocate_counts_blocks`"));

    let fixture = Fixture::new();
    fixture.edit_lib(|text| text.replace("    #[test]\n", ""));
    let problems = fixture.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("is not marked #[test]"));
}

#[test]
fn a_test_named_on_an_impl_need_is_checked_too() {
    let fixture = Fixture::new();
    let named = INDEX_RST.replace(
        "   :symbol: Pool::allocate\n",
        "   :symbol: Pool::allocate\n   :test: wrt-demo/src/lib.rs::allocate_counts_blocks\n",
    );
    fixture.write("docs/index.rst", &named);
    assert_eq!(fixture.problems(), Vec::<String>::new());
    fixture.edit_lib(|text| text.replace("fn allocate_counts_blocks", "fn counts"));
    let problems = fixture.problems();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("IMPL_ALLOCATE") && p.contains("no `fn allocate_counts_blocks`")),
        "{problems:?}"
    );
}

#[test]
fn broken_links_and_unverified_requirements_fail() {
    let fixture = Fixture::new();
    let without_test = INDEX_RST.split(".. test::").next().unwrap().to_string();
    fixture.write(
        "docs/index.rst",
        &without_test.replace(
            ":implements: REQ_COUNT, ARCH_POOL",
            ":implements: REQ_COUNT, ARCH_GONE",
        ),
    );
    let problems = fixture.problems();
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("IMPL_ALLOCATE") && p.contains("ARCH_GONE"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("REQ_COUNT") && p.contains("no test verifies it"))
    );
}

#[test]
fn an_uncited_public_type_lowers_coverage_below_the_threshold() {
    let fixture = Fixture::new();
    fixture.edit_lib(|text| {
        format!("{text}\n/// Not documented anywhere.\npub enum Orphan {{ A }}\n")
    });
    let report = fixture.check();
    assert!(report.problems.is_empty());
    assert_eq!(report.coverage_percent(), 50.0);
    let (ok, output) = xtask_trace(fixture.path());
    assert!(!ok);
    assert!(
        output.contains("not cited: Orphan (wrt-demo/src/lib.rs:28)"),
        "{output}"
    );
    assert!(output.contains("coverage below 90.0%"), "{output}");
}

/// Ten lines in front of `impl Pool`: `fn allocate` moves from line 10 to line 20, its
/// definition (doc comment to closing brace) from 9-13 to 19-23.
fn ten_lines_above_the_impl(text: &str) -> String {
    let filler: String = (1..=10).map(|n| format!("// filler {n}\n")).collect();
    text.replace("impl Pool {\n", &format!("{filler}impl Pool {{\n"))
}

#[test]
fn fix_rewrites_the_range_of_code_that_moved_and_then_the_check_passes() {
    let fixture = Fixture::new();
    // CRLF line endings: the fix must keep them, like every other byte
    let rst = INDEX_RST.replace('\n', "\r\n");
    fixture.write("docs/index.rst", &rst);
    fixture.edit_lib(ten_lines_above_the_impl);

    let (ok, output) = xtask_trace(fixture.path());
    assert!(!ok, "{output}");
    assert!(
        output.contains("`Pool::allocate` is not defined in the range; it is defined at line 20"),
        "{output}"
    );
    assert!(output.contains("`cargo xtask trace --fix`"), "{output}");

    let (ok, output) = xtask_trace_with(fixture.path(), &["--fix"]);
    assert!(ok, "{output}");
    assert!(
        output
            .contains("fixed docs/index.rst:16: IMPL_ALLOCATE: wrt-demo/src/lib.rs:8-14 -> 19-23"),
        "{output}"
    );
    assert!(output.contains("rewrote 1 range in 1 file"), "{output}");
    assert!(!output.contains("ARCH_POOL"), "{output}");
    // only the moved range changed; ARCH_POOL's 3-6 still holds `Pool` and stays as written
    assert_eq!(
        fixture.read("docs/index.rst"),
        rst.replace("lib.rs:8-14", "lib.rs:19-23")
    );

    let (ok, output) = xtask_trace(fixture.path());
    assert!(ok, "{output}");
    assert!(fixture.check().problems.is_empty());

    let (ok, output) = xtask_trace_with(fixture.path(), &["--fix"]);
    assert!(ok, "{output}");
    assert!(output.contains("nothing to fix"), "{output}");
}

#[test]
fn fix_leaves_a_renamed_symbol_alone_and_fails() {
    let fixture = Fixture::new();
    // `Pool` moves ten lines down and `allocate` is renamed
    fixture.edit_lib(|text| {
        let filler: String = (1..=10).map(|n| format!("// filler {n}\n")).collect();
        text.replace(
            "/// Fixed blocks.\n",
            &format!("{filler}/// Fixed blocks.\n"),
        )
        .replace("pub fn allocate(", "pub fn take_block(")
    });
    let (ok, _) = xtask_trace(fixture.path());
    assert!(!ok);

    let (ok, output) = xtask_trace_with(fixture.path(), &["--fix"]);
    assert!(!ok, "{output}");
    assert!(
        output.contains(
            "error: IMPL_ALLOCATE (docs/index.rst:13): `wrt-demo/src/lib.rs:8-14 Pool::allocate`: \
             cannot fix: `Pool::allocate` is defined nowhere in wrt-demo/src/lib.rs"
        ),
        "{output}"
    );
    assert!(
        output.contains("fixed docs/index.rst:10: ARCH_POOL: wrt-demo/src/lib.rs:3-6 -> 13-16"),
        "{output}"
    );
    assert!(
        output.contains("FAILED, 1 problem left as written"),
        "{output}"
    );
    // the renamed citation is exactly as written; the moved one is fixed
    assert_eq!(
        fixture.read("docs/index.rst"),
        INDEX_RST.replace("lib.rs:3-6", "lib.rs:13-16")
    );

    // still failing, on the renamed symbol only
    let problems = fixture.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("IMPL_ALLOCATE"), "{problems:?}");
}

#[test]
fn fix_leaves_citations_of_a_missing_file_alone_and_fails() {
    let fixture = Fixture::new();
    std::fs::remove_file(fixture.path().join("wrt-demo/src/lib.rs")).unwrap();
    let (ok, output) = xtask_trace_with(fixture.path(), &["--fix"]);
    assert!(!ok, "{output}");
    assert!(
        output.contains("ARCH_POOL") && output.contains("IMPL_ALLOCATE"),
        "{output}"
    );
    assert!(
        output.contains("cannot fix: the cited file wrt-demo/src/lib.rs does not exist"),
        "{output}"
    );
    assert!(output.contains("nothing to fix"), "{output}");
    assert_eq!(fixture.read("docs/index.rst"), INDEX_RST);
}

#[test]
fn fix_cites_whole_definitions_past_fake_braces_and_where_clauses() {
    let fixture = Fixture::new();
    let both = "\n.. impl:: Allocation and its pool\n   :id: IMPL_BOTH\n   :implements: \
                REQ_COUNT\n   :source: wrt-demo/src/lib.rs:3-14\n   :symbol: Pool, Pool::allocate\n";
    let rst = format!("{INDEX_RST}{both}");
    fixture.write("docs/index.rst", &rst);
    assert!(fixture.problems().is_empty(), "{:?}", fixture.problems());
    // everything moves down ten lines; `allocate` gets a `where` clause over three lines and
    // braces in a string, a char, a raw string, a byte and two comments
    let filler: String = (1..=10).map(|n| format!("// filler {n}\n")).collect();
    fixture.edit_lib(|text| {
        text.replace("//! Demo crate.\n", &format!("//! Demo crate.\n{filler}"))
            .replace(
                "pub fn allocate(&mut self) -> usize {\n",
                "pub fn allocate<'a>(&'a mut self) -> usize\n    where\n        Self: 'a,\n    {\n",
            )
            .replace(
                "        self.used += 1;\n",
                "        let _ = (\"}\", '{', r#\"}\"#, b'{'); // }\n        /* { */\n        \
                 self.used += 1;\n",
            )
    });
    let lib = fixture.read("wrt-demo/src/lib.rs");
    let lines: Vec<&str> = lib.lines().collect();
    assert_eq!(lines[12], "/// Fixed blocks.");
    assert_eq!(lines[18], "    /// Hands out a block.");
    assert_eq!(lines[27], "    }", "the end of `allocate`");
    assert_eq!(fixture.problems().len(), 3, "{:?}", fixture.problems());

    let (ok, output) = xtask_trace_with(fixture.path(), &["--fix"]);
    assert!(ok, "{output}");
    for fixed in [
        "fixed docs/index.rst:10: ARCH_POOL: wrt-demo/src/lib.rs:3-6 -> 13-16",
        "fixed docs/index.rst:16: IMPL_ALLOCATE: wrt-demo/src/lib.rs:8-14 -> 19-28",
        // the smallest start to the largest end of the two
        "fixed docs/index.rst:27: IMPL_BOTH: wrt-demo/src/lib.rs:3-14 -> 13-28",
    ] {
        assert!(output.contains(fixed), "{fixed} in {output}");
    }
    assert!(output.contains("rewrote 3 ranges in 1 file"), "{output}");
    assert_eq!(
        fixture.read("docs/index.rst"),
        rst.replace("lib.rs:3-6", "lib.rs:13-16")
            .replace("lib.rs:8-14", "lib.rs:19-28")
            .replace("lib.rs:3-14", "lib.rs:13-28")
    );
    // the plain check accepts what --fix wrote
    assert!(fixture.problems().is_empty(), "{:?}", fixture.problems());
    let (ok, output) = xtask_trace(fixture.path());
    assert!(ok, "{output}");
}
