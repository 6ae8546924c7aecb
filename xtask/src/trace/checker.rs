//! The checks themselves, need by need (see the module docs of [`super`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::rst::Need;
use super::{Problem, Report, citation, inventory, rust_source};

/// Reads cited files once and collects problems into a [`Report`].
pub(super) struct Checker<'a> {
    root: &'a Path,
    /// Cited files, read once: `None` when missing.
    files: HashMap<String, Option<String>>,
    report: Report,
}

impl<'a> Checker<'a> {
    pub(super) fn new(root: &'a Path, needs: usize) -> Self {
        Self {
            root,
            files: HashMap::new(),
            report: Report {
                needs,
                ..Report::default()
            },
        }
    }

    pub(super) fn add_public_types(&mut self, types: Vec<inventory::PublicType>) {
        self.report.public_types.extend(types);
    }

    pub(super) fn finish(self) -> Report {
        self.report
    }

    fn problem(&mut self, need: &Need, citation: &str, message: String) {
        self.report.problems.push(Problem {
            need: need.id(),
            location: need.location(),
            citation: citation.to_string(),
            message,
        });
    }

    fn file(&mut self, path: &str) -> Option<String> {
        let root = self.root;
        self.files
            .entry(path.to_string())
            .or_insert_with(|| std::fs::read_to_string(root.join(path)).ok())
            .clone()
    }

    pub(super) fn check_ids(&mut self, needs: &[Need]) {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for need in needs {
            match need.option("id") {
                None => self.problem(need, ":id:", "every need needs an explicit :id:".into()),
                Some(id) => {
                    if let Some(first) = seen.insert(id.to_string(), need.location()) {
                        self.problem(need, id, format!("duplicate id, first used at {first}"));
                    }
                }
            }
        }
    }

    pub(super) fn check_citation(&mut self, need: &Need) {
        let (Some(source), Some(_)) = (need.option("source"), need.option("symbol")) else {
            let message = format!(
                "a {} must cite its code with :source: path:start-end and :symbol: Name",
                need.kind
            );
            self.problem(need, ":source:/:symbol:", message);
            return;
        };
        let range = match citation::parse_source(source) {
            Ok(range) => range,
            Err(message) => return self.problem(need, source, message),
        };
        let Some(text) = self.file(&range.path) else {
            let message = format!("the cited file {} does not exist", range.path);
            return self.problem(need, &range.to_string(), message);
        };
        let lines: Vec<&str> = text.lines().collect();
        if range.last > lines.len() {
            let message = format!(
                "the range ends past the end of {} ({} lines)",
                range.path,
                lines.len()
            );
            return self.problem(need, &range.to_string(), message);
        }
        let symbols = need.list("symbol");
        if symbols.is_empty() {
            return self.problem(need, &range.to_string(), ":symbol: is empty".into());
        }
        for symbol in symbols {
            self.report.citations = self.report.citations.saturating_add(1);
            let found = rust_source::definitions_in(&lines, range.first, range.last, &symbol);
            if !found.is_empty() {
                if !symbol.contains("::") {
                    self.report.cited.insert((range.path.clone(), symbol));
                }
                continue;
            }
            let elsewhere = rust_source::definitions_in(&lines, 1, lines.len(), &symbol);
            let message = match elsewhere.as_slice() {
                [] => format!(
                    "`{symbol}` is not defined in the range, nor anywhere in {}",
                    range.path
                ),
                lines_found => format!(
                    "`{symbol}` is not defined in the range; it is defined at line {} (update the range)",
                    join_numbers(lines_found)
                ),
            };
            self.problem(need, &format!("{range} {symbol}"), message);
        }
    }

    pub(super) fn check_tests(&mut self, need: &Need) {
        let tests = need.list("test");
        if tests.is_empty() {
            let message = "a test need must name its test functions in :test: path.rs::function";
            return self.problem(need, ":test:", message.into());
        }
        for value in tests {
            self.report.tests = self.report.tests.saturating_add(1);
            let test = match citation::parse_test(&value) {
                Ok(test) => test,
                Err(message) => {
                    self.problem(need, &value, message);
                    continue;
                }
            };
            let Some(text) = self.file(&test.path) else {
                let message = format!("the test file {} does not exist", test.path);
                self.problem(need, &test.to_string(), message);
                continue;
            };
            let lines: Vec<&str> = text.lines().collect();
            match inventory::test_function(&lines, &test.function) {
                Ok(_) => {}
                Err(inventory::TestLookup::Missing) => {
                    let message = format!("no `fn {}` in {}", test.function, test.path);
                    self.problem(need, &test.to_string(), message);
                }
                Err(inventory::TestLookup::NotATest { line }) => {
                    let message =
                        format!("`fn {}` (line {line}) is not marked #[test]", test.function);
                    self.problem(need, &test.to_string(), message);
                }
            }
        }
    }

    pub(super) fn check_links(&mut self, needs: &[Need]) {
        let kinds: HashMap<String, &str> = needs
            .iter()
            .filter_map(|n| n.option("id").map(|id| (id.to_string(), n.kind.as_str())))
            .collect();
        let rules: [(&str, &str, &[&str]); 3] = [
            ("arch_component", "satisfies", &["req"]),
            ("impl", "implements", &["req", "arch_component"]),
            ("test", "verifies", &["req"]),
        ];
        let mut realised: BTreeSet<String> = BTreeSet::new();
        let mut verified: BTreeSet<String> = BTreeSet::new();
        for need in needs {
            for (kind, link, allowed) in rules {
                let targets = need.list(link);
                if need.kind == kind && targets.is_empty() {
                    let message = format!("a {kind} must name what it {link} in :{link}:");
                    self.problem(need, &format!(":{link}:"), message);
                }
                for target in targets {
                    match kinds.get(&target) {
                        None => {
                            let message = format!("links to `{target}`, which no need defines");
                            self.problem(need, &format!(":{link}: {target}"), message);
                        }
                        Some(target_kind) if !allowed.contains(target_kind) => {
                            let message = format!(
                                "`{target}` is a {target_kind}; {link} must point at {}",
                                allowed.join(" or ")
                            );
                            self.problem(need, &format!(":{link}: {target}"), message);
                        }
                        Some(_) => {
                            if link == "verifies" {
                                verified.insert(target);
                            } else {
                                realised.insert(target);
                            }
                        }
                    }
                }
            }
        }
        for need in needs.iter().filter(|n| n.kind == "req") {
            let id = need.id();
            if !realised.contains(&id) {
                let message = "no arch_component satisfies it and no impl implements it".into();
                self.problem(need, &id, message);
            }
            if !verified.contains(&id) {
                self.problem(need, &id, "no test verifies it".into());
            }
        }
    }
}

/// `1, 5, 9`: the lines a symbol is defined on, for a message.
pub(super) fn join_numbers(numbers: &[usize]) -> String {
    numbers
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
