//! The values of the `:source:` and `:test:` options.

use std::fmt;

/// `path:start-end`: a file relative to the repository root and a 1-based inclusive range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRange {
    /// Path relative to the repository root, `/`-separated.
    pub path: String,
    /// First line (1-based).
    pub first: usize,
    /// Last line (inclusive).
    pub last: usize,
}

impl fmt::Display for SourceRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}-{}", self.path, self.first, self.last)
    }
}

/// Parses `path:start-end` (or `path:line`).
pub fn parse_source(value: &str) -> Result<SourceRange, String> {
    let value = value.trim();
    let (path, range) = value
        .rsplit_once(':')
        .ok_or_else(|| format!("`{value}` is not `path:start-end`"))?;
    let (first, last) = match range.split_once('-') {
        Some((first, last)) => (first, last),
        None => (range, range),
    };
    let parse = |text: &str| {
        text.trim()
            .parse::<usize>()
            .map_err(|_| format!("`{value}`: `{range}` is not a line range like 12-40"))
    };
    let (first, last) = (parse(first)?, parse(last)?);
    if first == 0 || last < first {
        return Err(format!(
            "`{value}`: the range must be 1-based with start <= end"
        ));
    }
    check_relative_path(path).map_err(|reason| format!("`{value}`: {reason}"))?;
    Ok(SourceRange {
        path: path.to_string(),
        first,
        last,
    })
}

/// A test named by a `test` need: `path/to/file.rs::function`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRef {
    /// The file, relative to the repository root.
    pub path: String,
    /// The test function's name.
    pub function: String,
}

impl fmt::Display for TestRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.path, self.function)
    }
}

/// Parses `path/to/file.rs::function`.
pub fn parse_test(value: &str) -> Result<TestRef, String> {
    let value = value.trim();
    let (path, function) = value
        .split_once(".rs::")
        .ok_or_else(|| format!("`{value}` is not `path/to/file.rs::test_function`"))?;
    let valid_name =
        !function.is_empty() && function.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !valid_name {
        return Err(format!("`{value}`: `{function}` is not a function name"));
    }
    let path = format!("{path}.rs");
    check_relative_path(&path).map_err(|reason| format!("`{value}`: {reason}"))?;
    Ok(TestRef {
        path,
        function: function.to_string(),
    })
}

fn check_relative_path(path: &str) -> Result<(), String> {
    if path.is_empty() || path.starts_with('/') || path.split('/').any(|part| part == "..") {
        return Err("the path must be relative to the repository root, without `..`".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ranges() {
        let range = parse_source("wrt-foundation/src/bounded/vec.rs:25-40").unwrap();
        assert_eq!(
            (range.path.as_str(), range.first, range.last),
            ("wrt-foundation/src/bounded/vec.rs", 25, 40)
        );
        assert_eq!(range.to_string(), "wrt-foundation/src/bounded/vec.rs:25-40");
        let single = parse_source("a.rs:7").unwrap();
        assert_eq!((single.first, single.last), (7, 7));
        assert!(parse_source("a.rs").is_err());
        assert!(parse_source("a.rs:40-25").is_err());
        assert!(parse_source("a.rs:0-3").is_err());
        assert!(parse_source("a.rs:x-3").is_err());
        assert!(parse_source("../secret.rs:1-2").is_err());
        assert!(parse_source("/etc/x.rs:1-2").is_err());
    }

    #[test]
    fn test_references() {
        let test = parse_test("wrt-foundation/tests/model.rs::vec_matches_model").unwrap();
        assert_eq!(test.path, "wrt-foundation/tests/model.rs");
        assert_eq!(test.function, "vec_matches_model");
        assert_eq!(
            test.to_string(),
            "wrt-foundation/tests/model.rs::vec_matches_model"
        );
        assert!(parse_test("wrt-foundation::bounded::tests::x").is_err());
        assert!(parse_test("a.rs::not a name").is_err());
    }
}
