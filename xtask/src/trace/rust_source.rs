//! Line-based reading of Rust sources: where an item is defined, whether a function is a
//! test, and which public types a file declares.
//!
//! # When is a symbol "defined" on a line?
//!
//! A line *declares* `Name` when, after leading whitespace, an optional visibility (`pub`,
//! `pub(crate)`, `pub(in path)`, ...) and any of the qualifiers `const async unsafe extern
//! "C" default`, it has one of the item keywords `struct enum union trait type fn const static
//! mod macro_rules!` followed by whitespace and then exactly `Name` (the next character is
//! not part of an identifier). `impl Name` is NOT a definition.
//!
//! `Type::member` is defined on a line that declares `member` as above (`fn`, associated
//! `const` / `type`), or that starts with `member` as an enum variant or a struct field, AND
//! whose enclosing block is about `Type`: the nearest line above it with less indentation
//! that opens an item is `impl<...> Type<...>`, `impl<...> Trait for Type<...>`, `trait Type`,
//! `enum Type` or `struct Type` (header lines up to the `{` are joined, so rustfmt's
//! multi-line `impl` headers are understood).

/// Item keywords that introduce a name.
const ITEM_KEYWORDS: [&str; 10] = [
    "struct",
    "enum",
    "union",
    "trait",
    "type",
    "fn",
    "const",
    "static",
    "mod",
    "macro_rules!",
];

/// Words that may precede the item keyword.
const QUALIFIERS: [&str; 7] = [
    "const", "async", "unsafe", "extern", "\"C\"", "default", "safe",
];

pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn leading_ident(text: &str) -> &str {
    let end = text.find(|c: char| !is_ident_char(c)).unwrap_or(text.len());
    &text[..end]
}

pub(crate) fn indentation(line: &str) -> usize {
    line.len().saturating_sub(line.trim_start().len())
}

/// `line` without leading whitespace and without a leading visibility.
fn strip_visibility(line: &str) -> &str {
    let trimmed = line.trim_start();
    let Some(rest) = trimmed.strip_prefix("pub") else {
        return trimmed;
    };
    if rest.starts_with(is_ident_char) {
        return trimmed; // an identifier such as `pubkey`
    }
    let rest = rest.trim_start();
    if let Some(inner) = rest.strip_prefix('(')
        && let Some(close) = inner.find(')')
    {
        return inner[close.saturating_add(1)..].trim_start();
    }
    rest
}

/// The name `line` declares, if it declares an item (see the module docs), with its keyword.
pub fn declared_item(line: &str) -> Option<(&'static str, &str)> {
    let mut rest = strip_visibility(line);
    loop {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..word_end];
        let after = rest[word_end..].trim_start();
        if let Some(keyword) = ITEM_KEYWORDS.iter().find(|k| **k == word) {
            let name = leading_ident(after);
            let name_is_keyword = ITEM_KEYWORDS.contains(&name) || QUALIFIERS.contains(&name);
            let const_qualifier = word == "const" && name_is_keyword;
            if !name.is_empty() && !const_qualifier {
                return Some((keyword, name));
            }
        }
        if QUALIFIERS.contains(&word) || word.starts_with("extern") {
            rest = after;
            continue;
        }
        return None;
    }
}

/// Does `line` declare an item called `name`?
pub fn declares(line: &str, name: &str) -> bool {
    declared_item(line).is_some_and(|(_, declared)| declared == name)
}

/// Does `line` declare `member` as a variant or field (`Member,` `Member {` `Member(`
/// `Member =` `pub member:`)?
fn declares_variant_or_field(line: &str, member: &str) -> bool {
    let rest = strip_visibility(line);
    let Some(after) = rest.strip_prefix(member) else {
        return false;
    };
    let after = after.trim_start();
    after.is_empty() || after.starts_with([',', '{', '(', '=', ':']) && !after.starts_with("::")
}

/// The type an item header is about: `impl<T> Foo<T>` → `Foo`, `impl Display for Foo` →
/// `Foo`, `pub trait Foo: Bar` → `Foo`, `enum Foo` → `Foo`.
pub fn header_subject(header: &str) -> Option<String> {
    let rest = strip_visibility(header);
    let rest = rest.strip_prefix("unsafe ").unwrap_or(rest).trim_start();
    if let Some(after_impl) = rest.strip_prefix("impl") {
        if after_impl.starts_with(is_ident_char) {
            return None;
        }
        let mut text = skip_generics(after_impl.trim_start());
        if let Some(for_at) = find_top_level(text, " for ") {
            text = &text[for_at.saturating_add(5)..];
        }
        let text = text
            .trim_start()
            .trim_start_matches('&')
            .trim_start()
            .trim_start_matches("dyn ")
            .trim_start();
        let path_end = text
            .find(|c: char| !(is_ident_char(c) || c == ':'))
            .unwrap_or(text.len());
        let path = &text[..path_end];
        let last = path.rsplit("::").next().unwrap_or(path);
        return (!last.is_empty()).then(|| last.to_string());
    }
    match declared_item(header) {
        Some(("trait" | "enum" | "struct" | "union", name)) => Some(name.to_string()),
        _ => None,
    }
}

/// `text` after a leading `<...>` (balanced), or `text` itself.
fn skip_generics(text: &str) -> &str {
    if !text.starts_with('<') {
        return text;
    }
    let mut depth = 0_usize;
    for (at, c) in text.char_indices() {
        match c {
            '<' => depth = depth.saturating_add(1),
            '>' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return &text[at.saturating_add(1)..];
                }
            }
            _ => {}
        }
    }
    ""
}

/// Byte offset of `needle` in `text` outside any `<...>`.
fn find_top_level(text: &str, needle: &str) -> Option<usize> {
    let mut depth = 0_usize;
    for (at, c) in text.char_indices() {
        match c {
            '<' => depth = depth.saturating_add(1),
            '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 && text[at..].starts_with(needle) => return Some(at),
            _ => {}
        }
    }
    None
}

/// Joined header text of the item that encloses line `index` (0-based), if any.
pub fn enclosing_header(lines: &[&str], index: usize) -> Option<String> {
    let own_indent = indentation(lines.get(index)?);
    let mut at = index;
    while at > 0 {
        at = at.saturating_sub(1);
        let line = lines.get(at)?;
        if line.trim().is_empty() || indentation(line) >= own_indent {
            continue;
        }
        let trimmed = line.trim_start();
        // lines of a multi-line header (`where` clauses, a lone `{`) belong to it: keep going up
        let opens_item = trimmed.starts_with("impl")
            || trimmed.starts_with("unsafe impl")
            || header_subject(line).is_some();
        if !opens_item {
            if trimmed.starts_with('}') {
                return None;
            }
            continue;
        }
        let mut header = String::new();
        for part in lines.iter().skip(at).take(12) {
            header.push_str(part.trim());
            header.push(' ');
            if part.contains('{') {
                break;
            }
        }
        return Some(header);
    }
    None
}

/// 1-based line numbers in `first..=last` (1-based, inclusive) that define `symbol`.
pub fn definitions_in(lines: &[&str], first: usize, last: usize, symbol: &str) -> Vec<usize> {
    let (owner, member) = match symbol.rsplit_once("::") {
        Some((owner, member)) => (Some(owner.rsplit("::").next().unwrap_or(owner)), member),
        None => (None, symbol),
    };
    let mut found = Vec::new();
    for number in first..=last {
        let Some(line) = lines.get(number.saturating_sub(1)) else {
            break;
        };
        let hit = match owner {
            None => declares(line, member),
            Some(owner) => {
                (declares(line, member) || declares_variant_or_field(line, member))
                    && enclosing_header(lines, number.saturating_sub(1))
                        .and_then(|header| header_subject(&header))
                        .is_some_and(|subject| subject == owner)
            }
        };
        if hit {
            found.push(number);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_recognised() {
        assert_eq!(
            declared_item("pub struct BoundedVec<T, const N: usize> {"),
            Some(("struct", "BoundedVec"))
        );
        assert_eq!(
            declared_item("    pub(crate) fn push(&mut self)"),
            Some(("fn", "push"))
        );
        assert_eq!(
            declared_item("pub const fn new() -> Self {"),
            Some(("fn", "new"))
        );
        assert_eq!(
            declared_item("    pub const ZERO: Self = Self(0);"),
            Some(("const", "ZERO"))
        );
        assert_eq!(
            declared_item("pub unsafe extern \"C\" fn entry() {"),
            Some(("fn", "entry"))
        );
        assert_eq!(
            declared_item("pub(in crate::memory) enum Kind {"),
            Some(("enum", "Kind"))
        );
        assert_eq!(
            declared_item("type Handle = u32;"),
            Some(("type", "Handle"))
        );
        assert_eq!(
            declared_item("macro_rules! bounded {"),
            Some(("macro_rules!", "bounded"))
        );
        assert_eq!(declared_item("impl<T> BoundedVec<T> {"), None);
        assert_eq!(declared_item("let fn_name = 3;"), None);
        assert_eq!(declared_item("// pub struct Commented"), None);
    }

    #[test]
    fn names_must_match_exactly() {
        assert!(declares("pub struct BoundedVec<T> {", "BoundedVec"));
        assert!(!declares("pub struct BoundedVecIter<T> {", "BoundedVec"));
        assert!(!declares("pub struct Bounded {", "BoundedVec"));
    }

    #[test]
    fn header_subjects() {
        assert_eq!(
            header_subject("impl<T, const N: usize> BoundedVec<T, N> {").as_deref(),
            Some("BoundedVec")
        );
        assert_eq!(
            header_subject("impl<T: fmt::Debug> fmt::Debug for BoundedVec<T> {").as_deref(),
            Some("BoundedVec")
        );
        assert_eq!(
            header_subject("impl<C: Clock + ?Sized> Clock for &C {").as_deref(),
            Some("C")
        );
        assert_eq!(
            header_subject("unsafe impl Sync for crate::pool::Arena {").as_deref(),
            Some("Arena")
        );
        assert_eq!(
            header_subject("pub trait Clock: Send {").as_deref(),
            Some("Clock")
        );
        assert_eq!(
            header_subject("pub enum ResourceState {").as_deref(),
            Some("ResourceState")
        );
        assert_eq!(header_subject("fn helper() {"), None);
    }

    const SOURCE: &str = "\
pub struct Pool {
    pub used: usize,
}

impl<const N: usize> core::ops::Index<usize>
    for Pool
{
    type Output = u8;
}

impl Pool {
    pub fn allocate(&mut self) -> usize {
        0
    }
}

pub enum State {
    Ready,
    Active { owner: u32 },
}

fn allocate() {}
";

    #[test]
    fn members_need_the_right_enclosing_item() {
        let lines: Vec<&str> = SOURCE.lines().collect();
        assert_eq!(definitions_in(&lines, 1, 23, "Pool"), [1]);
        assert_eq!(definitions_in(&lines, 1, 23, "Pool::allocate"), [12]);
        assert_eq!(definitions_in(&lines, 1, 23, "allocate"), [12, 22]);
        assert_eq!(definitions_in(&lines, 1, 23, "Pool::Output"), [8]);
        assert_eq!(definitions_in(&lines, 1, 23, "Pool::used"), [2]);
        assert_eq!(definitions_in(&lines, 1, 23, "State::Active"), [19]);
        assert!(definitions_in(&lines, 1, 23, "State::allocate").is_empty());
        assert!(definitions_in(&lines, 13, 23, "Pool::allocate").is_empty());
    }
}
