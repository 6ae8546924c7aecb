//! What a source file offers the checker besides definitions: test functions and public
//! types.

use super::rust_source::{declared_item, indentation};

/// 1-based line of `fn name` when it is a test: `#[test]` among the attribute lines right
/// above it (as `proptest!` and `#[test]` functions both write it).
pub fn test_function(lines: &[&str], name: &str) -> Result<usize, TestLookup> {
    let mut defined_at = None;
    for (index, line) in lines.iter().enumerate() {
        if declared_item(line) != Some(("fn", name)) {
            continue;
        }
        defined_at = Some(index.saturating_add(1));
        let mut at = index;
        while at > 0 {
            at = at.saturating_sub(1);
            let above = lines.get(at).map_or("", |l| l.trim());
            if above.starts_with("#[test]") || above.contains("#[test]") {
                return Ok(index.saturating_add(1));
            }
            let attribute_or_comment = above.starts_with("#[")
                || above.starts_with("//")
                || above.ends_with(")]")
                || above.ends_with(']');
            if !attribute_or_comment {
                break;
            }
        }
    }
    match defined_at {
        Some(line) => Err(TestLookup::NotATest { line }),
        None => Err(TestLookup::Missing),
    }
}

/// Why [`test_function`] found no test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestLookup {
    /// No `fn` of that name in the file.
    Missing,
    /// The function exists (at `line`) but carries no `#[test]`.
    NotATest {
        /// 1-based line of the function.
        line: usize,
    },
}

/// A public type declared in a library crate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PublicType {
    /// Path relative to the repository root, with `/` separators.
    pub file: String,
    /// 1-based line of the declaration.
    pub line: usize,
    /// The type's name.
    pub name: String,
}

/// The `pub struct|enum|trait|type|union` items of one source file, outside `#[cfg(test)]`
/// items (a `#[cfg(test)] mod tests { ... }` is skipped to its closing brace).
pub fn public_types(file: &str, text: &str) -> Vec<PublicType> {
    let lines: Vec<&str> = text.lines().collect();
    let mut types = Vec::new();
    let mut skip_until_indent: Option<usize> = None;
    let mut cfg_test_pending = false;
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if let Some(indent) = skip_until_indent {
            if indentation(line) == indent && trimmed.starts_with('}') {
                skip_until_indent = None;
            }
            continue;
        }
        if trimmed.starts_with("#[cfg(test)]") {
            cfg_test_pending = true;
            continue;
        }
        if cfg_test_pending {
            if trimmed.starts_with("#[") || trimmed.starts_with("//") || trimmed.is_empty() {
                continue;
            }
            cfg_test_pending = false;
            if trimmed.ends_with('{') {
                skip_until_indent = Some(indentation(line));
            }
            continue;
        }
        let public = trimmed.starts_with("pub ");
        if let (true, Some((keyword, name))) = (public, declared_item(line))
            && matches!(keyword, "struct" | "enum" | "trait" | "type" | "union")
        {
            types.push(PublicType {
                file: file.to_string(),
                line: index.saturating_add(1),
                name: name.to_string(),
            });
        }
    }
    types
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_are_functions_marked_test() {
        let text = "#[test]\nfn plain() {}\n\nproptest! {\n    #![proptest_config(ProptestConfig::with_cases(64))]\n    #[test]\n    /// doc\n    fn model(x in 0..3u8) {}\n}\n#[cfg(test)]\nfn helper() {}\n";
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(test_function(&lines, "plain"), Ok(2));
        assert_eq!(test_function(&lines, "model"), Ok(8));
        assert_eq!(
            test_function(&lines, "helper"),
            Err(TestLookup::NotATest { line: 11 })
        );
        assert_eq!(test_function(&lines, "absent"), Err(TestLookup::Missing));
    }

    #[test]
    fn public_types_skip_test_modules_and_private_items() {
        let text = "pub struct A;\nstruct Private;\npub(crate) struct Crate;\npub type Alias = A;\n\n#[cfg(test)]\nmod tests {\n    pub struct InTests;\n}\npub trait T {}\n";
        let names: Vec<String> = public_types("x.rs", text)
            .into_iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(names, ["A", "Alias", "T"]);
    }
}
