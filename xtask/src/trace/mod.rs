//! `cargo xtask trace`: every source citation in the docs still points at the code it names.
//!
//! Checked, for every need in `docs/**/*.rst` (see the crate docs for the convention):
//!
//! * every need has an `:id:`, and ids are unique;
//! * every `arch_component` and `impl` has `:source:` and `:symbol:`; the cited file exists,
//!   the range lies inside it, and every symbol is defined inside the range
//!   ([`rust_source`] gives the exact rule);
//! * every `test` has `:test:`; each named file exists and holds that function with `#[test]`;
//! * links point at existing needs of the right type (`satisfies` → `req`, `implements` →
//!   `req` or `arch_component`, `verifies` → `req`), every component, implementation and test
//!   has its outgoing link, and every requirement is satisfied or implemented by something and
//!   verified by at least one test;
//! * the share of public types of the published library crates (not `publish = false`) whose
//!   definition some need cites is at least the threshold ([`DEFAULT_MIN_COVERAGE`] percent unless `--min-coverage` says
//!   otherwise).
//!
//! Every problem names the need, where it is written, and the citation that failed.
//!
//! `cargo xtask trace --fix` rewrites the `:source:` ranges the check rejects when only lines
//! moved, to the smallest range over the symbols' whole definitions (see [`fix`] and
//! [`extent`]).

mod checker;
pub mod citation;
pub mod extent;
pub mod fix;
pub mod inventory;
pub mod rst;
pub mod rust_source;

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::run::{self, Sink};
use crate::workspace::Workspace;
use checker::Checker;
use inventory::PublicType;

/// The minimum share (percent) of public types that needs must cite.
pub const DEFAULT_MIN_COVERAGE: f64 = 90.0;

/// One thing wrong with the docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The need's id.
    pub need: String,
    /// `docs/file.rst:line` of the need.
    pub location: String,
    /// The citation (or option) at fault, as written.
    pub citation: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): `{}`: {}",
            self.need, self.location, self.citation, self.message
        )
    }
}

/// What the check found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Needs read.
    pub needs: usize,
    /// Symbols cited by `arch_component` / `impl` needs.
    pub citations: usize,
    /// Test functions named by `test` needs.
    pub tests: usize,
    /// Everything wrong.
    pub problems: Vec<Problem>,
    /// Public types of the library crates.
    pub public_types: Vec<PublicType>,
    /// `(file, name)` of the public types some need cites (validly).
    pub cited: BTreeSet<(String, String)>,
}

impl Report {
    /// Public types no need cites.
    pub fn uncited(&self) -> Vec<&PublicType> {
        self.public_types
            .iter()
            .filter(|t| !self.cited.contains(&(t.file.clone(), t.name.clone())))
            .collect()
    }

    /// Cited share of public types in percent (100 when there are none).
    pub fn coverage_percent(&self) -> f64 {
        let total = self.public_types.len();
        if total == 0 {
            return 100.0;
        }
        let cited = total.saturating_sub(self.uncited().len());
        // counts are far below 2^52: the conversion is exact
        cited as f64 * 100.0 / total as f64
    }
}

/// Reads the docs under `root/docs` and the sources of `libraries`, and checks them.
pub fn check(root: &Path, libraries: &[String]) -> io::Result<Report> {
    let mut needs = Vec::new();
    for file in &rst_files(root)? {
        let text = std::fs::read_to_string(file)?;
        needs.extend(rst::parse_needs(&text, &relative(root, file)));
    }
    let mut checker = Checker::new(root, needs.len());
    checker.check_ids(&needs);
    for need in &needs {
        match need.kind.as_str() {
            "arch_component" | "impl" => checker.check_citation(need),
            "test" => checker.check_tests(need),
            _ => {}
        }
        // Tests named on any other need are checked the same way: a named test that does
        // not exist would otherwise be a citation nobody reads.
        if need.kind != "test" && !need.list("test").is_empty() {
            checker.check_tests(need);
        }
    }
    checker.check_links(&needs);
    for library in libraries {
        let mut sources = Vec::new();
        let src = root.join(library).join("src");
        if src.is_dir() {
            collect_files(&src, "rs", &mut sources)?;
        }
        sources.sort();
        for file in sources {
            let rel = relative(root, &file);
            if rel.components().any(|c| c.as_os_str() == "tests") || rel.ends_with("tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file)?;
            let name = rel.to_string_lossy().replace('\\', "/");
            checker.add_public_types(inventory::public_types(&name, &text));
        }
    }
    Ok(checker.finish())
}

/// The `.rst` files below `root/docs`, sorted.
fn rst_files(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    collect_files(&root.join("docs"), "rst", &mut files)?;
    files.sort();
    Ok(files)
}

fn relative(root: &Path, file: &Path) -> PathBuf {
    file.strip_prefix(root).unwrap_or(file).to_path_buf()
}

/// Files with extension `ext` below `dir`, skipping build output and hidden directories.
fn collect_files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if !name.starts_with('.') && !name.starts_with('_') && name != "target" {
                collect_files(&path, ext, out)?;
            }
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    Ok(())
}

/// Runs the check and writes the report to `sink`; `Ok` carries the one-line summary.
pub fn run(ws: &Workspace, min_coverage: f64, sink: &Sink) -> Result<String, String> {
    let libraries = ws
        .published_crates()
        .map_err(|e| format!("cannot read Cargo.toml: {e}"))?;
    let report = check(&ws.root, &libraries).map_err(|e| format!("cannot read the docs: {e}"))?;
    let coverage = report.coverage_percent();
    let total = report.public_types.len();
    let cited = total.saturating_sub(report.uncited().len());
    let mut lines = vec![format!(
        "trace: {} needs, {} cited symbols, {} named tests",
        report.needs, report.citations, report.tests
    )];
    for problem in &report.problems {
        lines.push(format!("error: {problem}"));
    }
    lines.push(format!(
        "trace: public types cited: {cited} of {total} = {coverage:.1}% (threshold {min_coverage:.1}%)"
    ));
    for uncited in report.uncited() {
        lines.push(format!(
            "  not cited: {} ({}:{})",
            uncited.name, uncited.file, uncited.line
        ));
    }
    for line in &lines {
        let _ = run::note(sink, line);
    }
    let summary = format!(
        "({} needs, {} citations, {} tests; public types cited {cited}/{total} = {coverage:.1}%)",
        report.needs, report.citations, report.tests
    );
    if !report.problems.is_empty() {
        return Err(format!(
            "({} citation problems; if only lines moved, `cargo xtask trace --fix` rewrites \
             the ranges from their :symbol:s) {summary}",
            report.problems.len()
        ));
    }
    if coverage < min_coverage {
        return Err(format!("(coverage below {min_coverage:.1}%) {summary}"));
    }
    Ok(summary)
}

/// `cargo xtask trace [--root DIR] [--min-coverage PERCENT] [--fix]`.
pub fn main(args: &[String]) -> Result<bool, String> {
    let mut ws = Workspace::locate();
    let mut min_coverage = DEFAULT_MIN_COVERAGE;
    let mut fix = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--fix" => fix = true,
            "--root" => {
                let dir = iter.next().ok_or("--root needs a directory")?;
                ws = Workspace::at(PathBuf::from(dir));
            }
            "--min-coverage" => {
                let value = iter.next().ok_or("--min-coverage needs a percentage")?;
                min_coverage = value
                    .parse()
                    .map_err(|_| format!("--min-coverage: not a number: {value:?}"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if fix {
        return fix::run(&ws.root);
    }
    match run(&ws, min_coverage, &Sink::Terminal) {
        Ok(summary) => {
            println!("trace: ok {summary}");
            Ok(true)
        }
        Err(error) => {
            println!("trace: FAILED {error}");
            Ok(false)
        }
    }
}
