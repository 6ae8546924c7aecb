//! Reading sphinx-needs directives (and only their options) out of reStructuredText.

use std::path::{Path, PathBuf};

/// The need types of the docs (the directive names configured in `docs/conf.py`).
pub const NEED_TYPES: [&str; 4] = ["req", "arch_component", "impl", "test"];

/// One need directive as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// The directive name: one of [`NEED_TYPES`].
    pub kind: String,
    /// The text after `::` on the directive line.
    pub title: String,
    /// The `.rst` file, as given to [`parse_needs`].
    pub file: PathBuf,
    /// 1-based line of the directive.
    pub line: usize,
    /// The options in order (`:name: value`), continuation lines joined with a space.
    pub options: Vec<(String, String)>,
    /// 1-based line of each option's `:name:` line, in the order of [`Need::options`].
    pub option_lines: Vec<usize>,
}

impl Need {
    /// The value of option `name`, if given.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The 1-based line that opens option `name` (the one [`Need::option`] reads), if given.
    pub fn option_line(&self, name: &str) -> Option<usize> {
        let position = self.options.iter().position(|(key, _)| key == name)?;
        self.option_lines.get(position).copied()
    }

    /// The `:id:`, or a placeholder naming where the need is (the check reports it missing).
    pub fn id(&self) -> String {
        match self.option("id") {
            Some(id) => id.to_string(),
            None => format!("<{} without :id:>", self.kind),
        }
    }

    /// `docs/memory.rst:42`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }

    /// The comma-separated entries of a link or list option, trimmed, empty ones dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.option(name)
            .map(|value| {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn indentation(line: &str) -> usize {
    line.len().saturating_sub(line.trim_start().len())
}

/// `Some(name)` when `line` opens a directive `.. name::`.
fn directive_name(line: &str) -> Option<&str> {
    let rest = line.trim_start().strip_prefix(".. ")?;
    let (name, _) = rest.split_once("::")?;
    let name = name.trim();
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-:".contains(c)))
    .then_some(name)
}

/// Does `line` open a block whose indented body is literal text (code samples that may show
/// need directives without defining them)?
fn opens_literal_block(line: &str) -> bool {
    match directive_name(line) {
        Some(name) => matches!(
            name,
            "code-block" | "code" | "sourcecode" | "parsed-literal"
        ),
        None => {
            let trimmed = line.trim_end();
            trimmed.ends_with("::") && !trimmed.trim_start().starts_with("..")
        }
    }
}

/// Every need directive in `text` (the contents of `file`), skipping literal blocks.
pub fn parse_needs(text: &str, file: &Path) -> Vec<Need> {
    let lines: Vec<&str> = text.lines().collect();
    let mut needs = Vec::new();
    let mut literal_indent: Option<usize> = None;
    let mut index = 0;
    while let Some(&line) = lines.get(index) {
        index = index.saturating_add(1);
        if let Some(outer) = literal_indent {
            if line.trim().is_empty() || indentation(line) > outer {
                continue;
            }
            literal_indent = None;
        }
        if opens_literal_block(line) {
            literal_indent = Some(indentation(line));
            continue;
        }
        let Some(kind) = directive_name(line).filter(|name| NEED_TYPES.contains(name)) else {
            continue;
        };
        let directive_indent = indentation(line);
        let title = line
            .split_once("::")
            .map(|(_, title)| title.trim().to_string())
            .unwrap_or_default();
        let mut need = Need {
            kind: kind.to_string(),
            title,
            file: file.to_path_buf(),
            line: index,
            options: Vec::new(),
            option_lines: Vec::new(),
        };
        let mut option_indent = None;
        while let Some(&next) = lines.get(index) {
            if next.trim().is_empty() || indentation(next) <= directive_indent {
                break;
            }
            let trimmed = next.trim();
            let this_indent = indentation(next);
            let is_option = option_indent.is_none_or(|indent| this_indent == indent)
                && trimmed.starts_with(':')
                && trimmed[1..].contains(':');
            if is_option {
                let body = &trimmed[1..];
                let Some((name, value)) = body.split_once(':') else {
                    break;
                };
                option_indent = Some(this_indent);
                need.options
                    .push((name.trim().to_string(), value.trim().to_string()));
                need.option_lines.push(index.saturating_add(1));
            } else if let (Some(indent), Some(last)) = (option_indent, need.options.last_mut())
                && this_indent > indent
            {
                // a long option value wrapped onto the next line
                if !last.1.is_empty() {
                    last.1.push(' ');
                }
                last.1.push_str(trimmed);
            } else {
                break;
            }
            index = index.saturating_add(1);
        }
        needs.push(need);
    }
    needs
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
Title
=====

.. req:: No hidden allocation
   :id: REQ_A
   :status: accepted

   Body text with :term:`colons`.

.. note::

   .. impl:: Nested in a note
      :id: IMPL_A
      :implements: REQ_A,
         ARCH_B
      :source: a/src/lib.rs:1-2
      :symbol: A

Example::

   .. impl:: Only an example
      :id: IMPL_EXAMPLE

.. code-block:: rst

   .. test:: Also an example
      :id: TEST_EXAMPLE

.. test:: Real test
   :id: TEST_A
   :verifies: REQ_A
   :test: a/src/lib.rs::works
";

    #[test]
    fn needs_and_their_options_are_read() {
        let needs = parse_needs(SAMPLE, Path::new("docs/x.rst"));
        let ids: Vec<String> = needs.iter().map(Need::id).collect();
        assert_eq!(ids, ["REQ_A", "IMPL_A", "TEST_A"]);
        assert_eq!(needs[0].line, 4);
        assert_eq!(needs[0].title, "No hidden allocation");
        assert_eq!(needs[0].option("status"), Some("accepted"));
        assert_eq!(needs[1].list("implements"), ["REQ_A", "ARCH_B"]);
        assert_eq!(needs[1].option("source"), Some("a/src/lib.rs:1-2"));
        assert_eq!(needs[2].location(), "docs/x.rst:29");
        assert_eq!(needs[1].option_line("id"), Some(13));
        assert_eq!(needs[1].option_line("source"), Some(16));
        assert_eq!(needs[1].option_line("title"), None);
    }

    #[test]
    fn literal_blocks_hide_examples() {
        let needs = parse_needs(SAMPLE, Path::new("x.rst"));
        assert!(needs.iter().all(|n| !n.id().contains("EXAMPLE")));
    }

    #[test]
    fn a_need_without_id_is_still_found() {
        let needs = parse_needs(
            ".. impl:: untitled\n   :source: x.rs:1\n",
            Path::new("x.rst"),
        );
        assert_eq!(needs.len(), 1);
        assert!(needs[0].id().contains("without :id:"));
    }
}
