//! `cargo xtask trace --fix`: rewrites `:source:` ranges from their `:symbol:`s after code
//! moved.
//!
//! For every `arch_component` and `impl` need whose range the check rejects (a symbol is not
//! defined inside it, or it ends past the end of the file), the range becomes the smallest one
//! that holds the whole definitions of all its symbols, so that the link shows the items and
//! not just their first lines. Each symbol is found by the check's own rule,
//! [`rust_source::definitions_in`] (one declaration line per symbol), and its definition runs
//! from the first line of its doc comments and attributes to the line that closes the item
//! ([`extent::definition_lines`]: the `}` matching its body's `{`, or its `;`). The new range
//! goes from the smallest start to the largest end; it holds every declaration line, so a
//! rewritten range always passes the check (and [`fixed_range`] makes sure it does).
//!
//! Ranges the check accepts are left as written, so the context an author chose around an
//! item stays. A citation is never guessed at: when its file is missing, a symbol is defined
//! nowhere in the file (renamed or removed) or in more than one place (ambiguous), the end of
//! a definition cannot be found (its braces do not balance), or the `:source:` value is
//! wrapped over several lines, it is left alone and reported. Only the range inside the
//! `:source:` value changes; every other byte of the `.rst` file, line endings included, stays
//! as it was.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use super::checker::join_numbers;
use super::citation::{self, SourceRange};
use super::rst::{self, Need};
use super::{Problem, extent, relative, rst_files, rust_source};

/// A `:source:` range rewritten (or, in a [`plan`], to be rewritten).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The need's id.
    pub need: String,
    /// `docs/file.rst:line` of the `:source:` option.
    pub location: String,
    /// The range as written.
    pub old: SourceRange,
    /// The range that holds the symbols' whole definitions.
    pub new: SourceRange,
}

/// What [`plan`] found and [`fix`] did.
#[derive(Debug, Clone, Default)]
pub struct FixReport {
    /// `:source:` citations of `arch_component` and `impl` needs looked at.
    pub citations: usize,
    /// Of those, ranges that already hold their symbols (left as written).
    pub covered: usize,
    /// Ranges rewritten, in file and line order.
    pub changes: Vec<Change>,
    /// Citations that cannot be fixed; they are left as written.
    pub problems: Vec<Problem>,
    /// The new text of every `.rst` file with a change, keyed by its path below the root.
    pub rewritten: BTreeMap<PathBuf, String>,
}

/// The range a citation should have, by [`fixed_range`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The range holds every symbol's definition: nothing to do.
    Covered,
    /// The range misses a definition; this one, the smallest over their whole definitions,
    /// holds them all.
    Moved(SourceRange),
}

/// Why a citation cannot be fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfixable {
    /// The citation at fault, as the check names it (`path:a-b Symbol`).
    pub citation: String,
    /// What is wrong.
    pub message: String,
}

/// Does `range` hold the definitions of all `symbols` in `lines` (the cited file)? The same
/// test the check makes: the range lies inside the file and each symbol has a defining line
/// in it.
pub fn covers(range: &SourceRange, lines: &[&str], symbols: &[String]) -> bool {
    range.last <= lines.len()
        && !symbols.is_empty()
        && symbols.iter().all(|symbol| {
            !rust_source::definitions_in(lines, range.first, range.last, symbol).is_empty()
        })
}

/// The range `range` should have so that it holds every one of `symbols`, defined in `lines`
/// (the cited file): [`Verdict::Covered`] when it already does, else the smallest range over
/// the whole definition of each symbol (doc comments and attributes to closing line, by
/// [`extent::definition_lines`]). Fails, naming every symbol at fault, when a symbol is
/// defined nowhere in the file or on more than one line, or its definition has no end.
pub fn fixed_range(
    range: &SourceRange,
    lines: &[&str],
    symbols: &[String],
) -> Result<Verdict, Vec<Unfixable>> {
    if symbols.is_empty() {
        return Err(vec![Unfixable {
            citation: range.to_string(),
            message: ":symbol: is empty; cannot fix".into(),
        }]);
    }
    if covers(range, lines, symbols) {
        return Ok(Verdict::Covered);
    }
    let mut extents = Vec::new();
    let mut unfixable = Vec::new();
    for symbol in symbols {
        let found = rust_source::definitions_in(lines, 1, lines.len(), symbol);
        let fault = match found.as_slice() {
            [line] => match extent::definition_lines(lines, *line, symbol) {
                Some(whole) => {
                    extents.push(whole);
                    continue;
                }
                None => format!(
                    "cannot fix: where the definition of `{symbol}` (line {line} of {}) ends \
                     cannot be found (unbalanced braces?); left as written",
                    range.path
                ),
            },
            [] => format!(
                "cannot fix: `{symbol}` is defined nowhere in {} (renamed or removed?); left \
                 as written",
                range.path
            ),
            several => format!(
                "cannot fix: `{symbol}` is defined at lines {} of {}, ambiguous; left as \
                 written",
                join_numbers(several),
                range.path
            ),
        };
        unfixable.push(Unfixable {
            citation: format!("{range} {symbol}"),
            message: fault,
        });
    }
    if !unfixable.is_empty() {
        return Err(unfixable);
    }
    let first = extents.iter().map(|(first, _)| *first).min();
    let last = extents.iter().map(|(_, last)| *last).max();
    let new = match (first, last) {
        (Some(first), Some(last)) => SourceRange {
            path: range.path.clone(),
            first,
            last,
        },
        // unreachable: `symbols` is not empty and every symbol has an extent
        _ => {
            return Err(vec![Unfixable {
                citation: range.to_string(),
                message: "cannot fix: no definition found".into(),
            }]);
        }
    };
    // every extent holds its declaration line, so the check accepts `new`; never write a
    // range it would reject
    if !covers(&new, lines, symbols) {
        return Err(vec![Unfixable {
            citation: range.to_string(),
            message: format!("cannot fix: the range {new} would not pass the check"),
        }]);
    }
    Ok(Verdict::Moved(new))
}

/// `line` (one line of an `.rst` file, with its line ending) with the value of its `:source:`
/// option, `old`, replaced by `new`; every other byte kept. `None` when the line is not a
/// `:source:` option whose whole value is `old` (for instance when the value is wrapped onto
/// the next line).
pub fn rewrite_source_line(line: &str, old: &str, new: &str) -> Option<String> {
    let trimmed = line.trim_start();
    let lead = line.len().saturating_sub(trimmed.len());
    let (name, value) = trimmed.strip_prefix(':')?.split_once(':')?;
    if name.trim() != "source" || old.is_empty() {
        return None;
    }
    let value_gap = value.len().saturating_sub(value.trim_start().len());
    let start = lead
        .saturating_add(1)
        .saturating_add(name.len())
        .saturating_add(1)
        .saturating_add(value_gap);
    let end = start.saturating_add(old.len());
    let (before, written, after) = (line.get(..start)?, line.get(start..end)?, line.get(end..)?);
    if written != old || !after.trim().is_empty() {
        return None;
    }
    Some(format!("{before}{new}{after}"))
}

/// `text` with the lines named in `edits` (1-based line → new line, line ending included)
/// replaced; every other byte kept. Lines are counted as [`str::lines`] counts them.
pub fn replace_lines(text: &str, edits: &BTreeMap<usize, String>) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, line) in text.split_inclusive('\n').enumerate() {
        match edits.get(&index.saturating_add(1)) {
            Some(new) => out.push_str(new),
            None => out.push_str(line),
        }
    }
    out
}

/// Cited files, read once: `None` when missing.
struct Sources<'a> {
    root: &'a Path,
    files: HashMap<String, Option<String>>,
}

impl Sources<'_> {
    fn get(&mut self, path: &str) -> Option<&str> {
        let root = self.root;
        self.files
            .entry(path.to_string())
            .or_insert_with(|| std::fs::read_to_string(root.join(path)).ok())
            .as_deref()
    }
}

fn problem(need: &Need, citation: &str, message: String) -> Problem {
    Problem {
        need: need.id(),
        location: need.location(),
        citation: citation.to_string(),
        message,
    }
}

/// Works out the fix of one `.rst` file (`text`, at `file` below the root) into `report`.
fn plan_file(sources: &mut Sources<'_>, file: &Path, text: &str, report: &mut FixReport) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut edits = BTreeMap::new();
    for need in rst::parse_needs(text, file) {
        if !matches!(need.kind.as_str(), "arch_component" | "impl") {
            continue;
        }
        report.citations = report.citations.saturating_add(1);
        let (Some(source), Some(_)) = (need.option("source"), need.option("symbol")) else {
            let message = format!(
                "cannot fix: a {} must cite its code with :source: path:start-end and \
                 :symbol: Name",
                need.kind
            );
            report
                .problems
                .push(problem(&need, ":source:/:symbol:", message));
            continue;
        };
        let range = match citation::parse_source(source) {
            Ok(range) => range,
            Err(message) => {
                let message = format!("cannot fix: {message}");
                report.problems.push(problem(&need, source, message));
                continue;
            }
        };
        let Some(cited) = sources.get(&range.path) else {
            let message = format!(
                "cannot fix: the cited file {} does not exist; left as written",
                range.path
            );
            report
                .problems
                .push(problem(&need, &range.to_string(), message));
            continue;
        };
        let cited_lines: Vec<&str> = cited.lines().collect();
        let new = match fixed_range(&range, &cited_lines, &need.list("symbol")) {
            Ok(Verdict::Covered) => {
                report.covered = report.covered.saturating_add(1);
                continue;
            }
            Ok(Verdict::Moved(new)) => new,
            Err(unfixable) => {
                for Unfixable { citation, message } in unfixable {
                    report.problems.push(problem(&need, &citation, message));
                }
                continue;
            }
        };
        let rewritten = need.option_line("source").and_then(|number| {
            let line = lines.get(number.saturating_sub(1))?;
            Some((number, rewrite_source_line(line, source, &new.to_string())?))
        });
        let Some((number, line)) = rewritten else {
            let message = format!(
                "cannot fix: the :source: value is not on one line by itself; write {new} by hand"
            );
            report
                .problems
                .push(problem(&need, &range.to_string(), message));
            continue;
        };
        edits.insert(number, line);
        report.changes.push(Change {
            need: need.id(),
            location: format!("{}:{number}", file.display()),
            old: range,
            new,
        });
    }
    if !edits.is_empty() {
        report
            .rewritten
            .insert(file.to_path_buf(), replace_lines(text, &edits));
    }
}

/// What `--fix` would change in the docs under `root/docs`, without writing anything.
pub fn plan(root: &Path) -> io::Result<FixReport> {
    let mut sources = Sources {
        root,
        files: HashMap::new(),
    };
    let mut report = FixReport::default();
    for file in rst_files(root)? {
        let text = std::fs::read_to_string(&file)?;
        plan_file(&mut sources, &relative(root, &file), &text, &mut report);
    }
    Ok(report)
}

/// Rewrites, in place, every `:source:` range under `root/docs` that [`plan`] can fix.
pub fn fix(root: &Path) -> io::Result<FixReport> {
    let report = plan(root)?;
    for (file, text) in &report.rewritten {
        std::fs::write(root.join(file), text)?;
    }
    Ok(report)
}

/// `cargo xtask trace --fix`: fixes the docs under `root` and prints what it did; `true` when
/// no citation is left that it could not fix.
pub fn run(root: &Path) -> Result<bool, String> {
    let report = fix(root).map_err(|e| format!("cannot fix the docs: {e}"))?;
    for change in &report.changes {
        println!(
            "fixed {}: {}: {} -> {}-{}",
            change.location, change.need, change.old, change.new.first, change.new.last
        );
    }
    for problem in &report.problems {
        println!("error: {problem}");
    }
    let changed = match (report.changes.len(), report.rewritten.len()) {
        (0, _) => format!(
            "nothing to fix ({} of {} ranges already hold their symbols)",
            report.covered, report.citations
        ),
        (changes, files) => format!(
            "rewrote {changes} {} in {files} {} ({} ranges looked at)",
            plural(changes, "range", "ranges"),
            plural(files, "file", "files"),
            report.citations
        ),
    };
    if report.problems.is_empty() {
        println!("trace --fix: ok, {changed}");
        return Ok(true);
    }
    println!(
        "trace --fix: FAILED, {} {} left as written (fix by hand); {changed}",
        report.problems.len(),
        plural(report.problems.len(), "problem", "problems"),
    );
    Ok(false)
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "\
//! Demo.

/// Blocks.
pub struct Pool {
    used: usize,
}

impl Pool {
    /// Hands out a block.
    pub fn allocate(&mut self) -> usize {
        0
    }

    pub fn release(&mut self) {}
}

fn helper() {}

mod inner {
    fn helper() {}
}
";

    fn range(first: usize, last: usize) -> SourceRange {
        SourceRange {
            path: "a/src/lib.rs".into(),
            first,
            last,
        }
    }

    fn symbols(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_string()).collect()
    }

    #[test]
    fn a_range_that_holds_its_symbols_is_left_alone() {
        let lines: Vec<&str> = SOURCE.lines().collect();
        let verdict = fixed_range(&range(3, 6), &lines, &symbols(&["Pool"]));
        assert_eq!(verdict, Ok(Verdict::Covered));
        let verdict = fixed_range(&range(8, 16), &lines, &symbols(&["Pool::allocate"]));
        assert_eq!(verdict, Ok(Verdict::Covered));
    }

    #[test]
    fn a_moved_symbol_gets_the_smallest_range_over_its_whole_definition() {
        let lines: Vec<&str> = SOURCE.lines().collect();
        // from its doc comment to its closing brace (the declaration alone is line 10)
        let verdict = fixed_range(&range(1, 3), &lines, &symbols(&["Pool::allocate"]));
        assert_eq!(verdict, Ok(Verdict::Moved(range(9, 12))));
        // the smallest start to the largest end
        let several = symbols(&["Pool::release", "Pool", "Pool::allocate"]);
        assert_eq!(
            fixed_range(&range(3, 6), &lines, &several),
            Ok(Verdict::Moved(range(3, 14)))
        );
        // past the end of the file
        assert_eq!(
            fixed_range(&range(3, 400), &lines, &symbols(&["Pool"])),
            Ok(Verdict::Moved(range(3, 6)))
        );
        assert_eq!(
            fixed_range(&range(1, 2), &lines, &symbols(&["Pool::used"])),
            Ok(Verdict::Moved(range(5, 5)))
        );
    }

    /// Fake braces, a `where` clause over lines, attributes over lines, values and members.
    const TRICKY: &str = r##"/// Bytes.
#[derive(Debug)]
#[cfg_attr(
    test,
    derive(Clone)
)]
pub struct Buffer<'a, T>
where
    T: Copy + 'a,
{
    /// The bytes.
    bytes: &'a [T],
}

impl<'a, T: Copy> Buffer<'a, T> {
    /// Renders it.
    pub fn render(&self) -> String {
        let open = '{';
        let raw = r#"}"#; // }
        /* } { */
        format!("{open}{raw}}}")
    }

    pub fn map<U, F>(self, f: F) -> Option<U>
    where
        F: FnOnce(&'a [T]) -> U,
    {
        Some(f(self.bytes))
    }
}

/// Empty.
pub const EMPTY: Buffer<'static, u8> = Buffer {
    bytes: &[],
};

pub enum Kind {
    /// One.
    One { at: usize },
    Two(u8)
}

macro_rules! buffer {
    ($x:expr) => {{ $x }};
}
"##;

    /// The ranges `fixed_range` writes, for one symbol and for every pair, pass the check
    /// itself ([`Checker::check_citation`]) and hold each symbol's whole definition.
    #[test]
    fn a_fixed_range_passes_the_check() {
        use crate::trace::checker::Checker;
        let root = std::env::temp_dir().join(format!("xtask-fix-check-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("a/src")).unwrap();
        let cases: [(&str, &[&str]); 2] = [
            (
                SOURCE,
                &["Pool", "Pool::used", "Pool::allocate", "Pool::release"],
            ),
            (
                TRICKY,
                &[
                    "Buffer",
                    "Buffer::bytes",
                    "Buffer::render",
                    "Buffer::map",
                    "EMPTY",
                    "Kind",
                    "Kind::One",
                    "Kind::Two",
                    "buffer",
                ],
            ),
        ];
        let mut checked = 0;
        for (source, names) in cases {
            std::fs::write(root.join("a/src/lib.rs"), source).unwrap();
            let lines: Vec<&str> = source.lines().collect();
            let mut sets: Vec<Vec<String>> = names.iter().map(|n| symbols(&[n])).collect();
            for (at, first) in names.iter().enumerate() {
                for second in &names[at + 1..] {
                    sets.push(symbols(&[first, second]));
                }
            }
            for names in sets {
                // a range past the end of the file: the check rejects it
                let Ok(Verdict::Moved(new)) = fixed_range(&range(400, 400), &lines, &names) else {
                    panic!("{names:?} should be fixable");
                };
                assert!(covers(&new, &lines, &names), "{new} for {names:?}");
                for name in &names {
                    let [decl] = rust_source::definitions_in(&lines, 1, lines.len(), name)[..]
                    else {
                        panic!("{name} is not declared once");
                    };
                    let (first, last) = extent::definition_lines(&lines, decl, name).unwrap();
                    assert!(new.first <= first && last <= new.last, "{new} for {name}");
                }
                let rst = format!(
                    ".. impl:: Fixed\n   :id: IMPL_FIXED\n   :source: {new}\n   :symbol: {}\n",
                    names.join(", ")
                );
                let needs = rst::parse_needs(&rst, Path::new("docs/x.rst"));
                let mut checker = Checker::new(&root, needs.len());
                for need in &needs {
                    checker.check_citation(need);
                }
                let report = checker.finish();
                assert_eq!(report.citations, names.len(), "{rst}");
                assert!(report.problems.is_empty(), "{rst}: {:?}", report.problems);
                checked += 1;
            }
        }
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(checked, 4 + 6 + 9 + 36);
    }

    #[test]
    fn a_definition_without_an_end_is_not_fixed() {
        let lines = ["/// Doc.", "pub fn open() {", "    let s = \"{\";"];
        let Err(problems) = fixed_range(&range(1, 1), &lines, &symbols(&["open"])) else {
            panic!("an unclosed definition must not be fixed");
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].citation, "a/src/lib.rs:1-1 open");
        assert!(
            problems[0]
                .message
                .contains("where the definition of `open` (line 2 of a/src/lib.rs) ends"),
            "{problems:?}"
        );
    }

    #[test]
    fn renamed_and_ambiguous_symbols_are_not_fixed() {
        let lines: Vec<&str> = SOURCE.lines().collect();
        let Err(problems) = fixed_range(&range(1, 2), &lines, &symbols(&["Pool", "Gone"])) else {
            panic!("a missing symbol must not be fixed");
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].citation, "a/src/lib.rs:1-2 Gone");
        assert!(problems[0].message.contains("defined nowhere"));

        let Err(problems) = fixed_range(&range(1, 2), &lines, &symbols(&["helper"])) else {
            panic!("an ambiguous symbol must not be fixed");
        };
        assert!(problems[0].message.contains("lines 17, 20"), "{problems:?}");
        assert!(problems[0].message.contains("ambiguous"), "{problems:?}");

        assert!(fixed_range(&range(1, 2), &lines, &[]).is_err());
    }

    #[test]
    fn only_the_range_of_the_source_value_is_rewritten() {
        let old = "a/src/lib.rs:8-14";
        assert_eq!(
            rewrite_source_line(
                "   :source: a/src/lib.rs:8-14\r\n",
                old,
                "a/src/lib.rs:18-24"
            )
            .as_deref(),
            Some("   :source: a/src/lib.rs:18-24\r\n")
        );
        assert_eq!(
            rewrite_source_line(
                "\t:source:   a/src/lib.rs:8-14  \n",
                old,
                "a/src/lib.rs:1-1"
            )
            .as_deref(),
            Some("\t:source:   a/src/lib.rs:1-1  \n")
        );
        // not the option, another option, or a value that goes on
        assert_eq!(
            rewrite_source_line("   :symbol: a/src/lib.rs:8-14\n", old, "x"),
            None
        );
        assert_eq!(
            rewrite_source_line("   :source: a/src/lib.rs:8-140\n", old, "x"),
            None
        );
        assert_eq!(
            rewrite_source_line("   :source: b/src/lib.rs:8-14\n", old, "x"),
            None
        );
        assert_eq!(rewrite_source_line("a/src/lib.rs:8-14\n", old, "x"), None);
    }

    #[test]
    fn replacing_lines_keeps_every_other_byte() {
        let text = "one\r\ntwo\n\nfour";
        let edits = BTreeMap::from([(2, "TWO\n".to_string()), (4, "FOUR".to_string())]);
        assert_eq!(replace_lines(text, &edits), "one\r\nTWO\n\nFOUR");
        assert_eq!(replace_lines(text, &BTreeMap::new()), text);
    }

    #[test]
    fn a_file_is_planned_in_place() {
        let root = std::env::temp_dir().join(format!("xtask-fix-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("a/src")).unwrap();
        std::fs::write(root.join("a/src/lib.rs"), SOURCE).unwrap();
        let rst = "\
.. impl:: Moved\r
   :id: IMPL_MOVED\r
   :source: a/src/lib.rs:1-2\r
   :symbol: Pool::allocate\r
\r
.. impl:: Fine\r
   :id: IMPL_FINE\r
   :source: a/src/lib.rs:3-6\r
   :symbol: Pool\r
\r
.. arch_component:: Gone\r
   :source: a/src/gone.rs:1-2\r
   :symbol: Gone\r
";
        let mut sources = Sources {
            root: &root,
            files: HashMap::new(),
        };
        let mut report = FixReport::default();
        plan_file(&mut sources, Path::new("docs/x.rst"), rst, &mut report);
        let _ = std::fs::remove_dir_all(&root);

        assert_eq!((report.citations, report.covered), (3, 1));
        assert_eq!(
            report.changes,
            [Change {
                need: "IMPL_MOVED".into(),
                location: "docs/x.rst:3".into(),
                old: range(1, 2),
                new: range(9, 12),
            }]
        );
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(report.problems[0].need.contains("without :id:"));
        assert!(report.problems[0].message.contains("does not exist"));
        let expected = rst.replace("lib.rs:1-2", "lib.rs:9-12");
        assert_eq!(
            report.rewritten.get(Path::new("docs/x.rst")),
            Some(&expected)
        );
    }
}
