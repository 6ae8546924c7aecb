//! Where a definition begins and ends: the lines `cargo xtask trace --fix` cites.
//!
//! The check ([`super::rust_source`]) asks only that a symbol's declaration line lies in the
//! range. A range that `--fix` writes shows the whole definition instead, so that whoever
//! follows the link sees the item and not one line of it:
//!
//! * it **begins** at the first line of the doc comments and attributes directly above the
//!   declaration: `///` lines, `/** ... */` blocks and `#[...]` attributes (also when one
//!   spans several lines), with no blank line between them. Plain `//` comments count only
//!   between those and the declaration (a `// SAFETY:` under the doc comment); plain comments
//!   above all of them, and `//!`, belong to something else;
//! * it **ends** on the line that closes the item: the `}` matching the item's first `{` for
//!   `fn`, `struct`, `enum`, `union`, `trait` and `mod` (or the `;` when one comes first, as
//!   in `struct Unit;`, `struct Pair(u8, u8);`, `mod name;` or a trait method without a
//!   body); the terminating `;` for `const`, `static` and `type` (braces before it, as in
//!   `const X: S = S { .. };`, are part of the value); the delimiter closing a `macro_rules!`
//!   body (and the `;` after a `( ... )` or `[ ... ]` one); the `,` after an enum variant or a
//!   struct field, or, for the last one, its last token before the closing brace.
//!
//! Delimiters are counted by [`Lexer`], which skips string literals (`"}"`, `b"{"`, raw strings
//! `r#"{"#`), char literals (`'{'`, `'\''`, `b'}'`), line comments and (nested) block
//! comments, and tells a char literal from a lifetime or label (`'a`, `'static`).

use super::rust_source::{declared_item, is_ident_char};

/// Where [`Lexer`] is in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Ordinary code.
    Code,
    /// Inside `"..."` (also `b"..."` and `c"..."`).
    Str,
    /// Inside a raw string closed by `"` and this many `#`.
    RawStr(usize),
    /// Inside block comments nested this deep.
    Block(usize),
}

/// The significant characters of Rust code, line by line: every character outside
/// whitespace, comments and literals, one `x` per identifier, keyword or number, one `"` per
/// string literal (on the line where it closes) and one `'` per char literal, lifetime or
/// label. Delimiters `( ) [ ] { }` and punctuation (`;`, `,`, `#`, ...) come as themselves.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    lines: &'a [&'a str],
    /// 0-based index of the current line in `lines`.
    line: usize,
    /// Byte offset of the next character in the current line.
    at: usize,
    state: State,
}

impl<'a> Lexer<'a> {
    /// A lexer over `lines`, starting at the beginning of `lines[start]` (0-based) in code.
    pub fn new(lines: &'a [&'a str], start: usize) -> Self {
        Self {
            lines,
            line: start,
            at: 0,
            state: State::Code,
        }
    }

    fn skip(&mut self, bytes: usize) {
        self.at = self.at.saturating_add(bytes);
    }

    /// At a `'` in code (`rest` starts with it): skips a char literal or just the quote of a
    /// lifetime or label.
    fn quote(&mut self, rest: &str) {
        let mut after = rest.char_indices().skip(1);
        match (after.next(), after.next()) {
            // an escape: `'\n'`, `'\''`, `'\\'`, `'\u{7f}'`; the closing quote comes after
            // the escaped character
            (Some((_, '\\')), Some((escaped, c))) => {
                let from = escaped.saturating_add(c.len_utf8());
                match rest.get(from..).and_then(|tail| tail.find('\'')) {
                    Some(close) => self.skip(from.saturating_add(close).saturating_add(1)),
                    None => self.skip(1),
                }
            }
            // one character and a quote: `'{'`, `'"'`, `'a'`
            (Some(_), Some((close, '\''))) => self.skip(close.saturating_add(1)),
            // a lifetime or a label: `'a`, `'static`, `'_`
            _ => self.skip(1),
        }
    }
}

impl Iterator for Lexer<'_> {
    /// `(0-based line, character)`.
    type Item = (usize, char);

    fn next(&mut self) -> Option<(usize, char)> {
        loop {
            let text = *self.lines.get(self.line)?;
            let Some(rest) = text.get(self.at..).filter(|rest| !rest.is_empty()) else {
                self.line = self.line.saturating_add(1);
                self.at = 0;
                continue;
            };
            let Some(c) = rest.chars().next() else {
                continue; // unreachable: `rest` is not empty
            };
            let line = self.line;
            match self.state {
                State::Block(depth) => {
                    if rest.starts_with("*/") {
                        self.skip(2);
                        self.state = match depth.saturating_sub(1) {
                            0 => State::Code,
                            outer => State::Block(outer),
                        };
                    } else if rest.starts_with("/*") {
                        self.skip(2);
                        self.state = State::Block(depth.saturating_add(1));
                    } else {
                        self.skip(c.len_utf8());
                    }
                }
                State::Str => {
                    if c == '\\' {
                        // the escaped character (a `"` or `\`), if any is on this line
                        let escaped = rest.chars().nth(1).map_or(0, char::len_utf8);
                        self.skip(1_usize.saturating_add(escaped));
                    } else if c == '"' {
                        self.skip(1);
                        self.state = State::Code;
                        return Some((line, '"'));
                    } else {
                        self.skip(c.len_utf8());
                    }
                }
                State::RawStr(hashes) => {
                    let closes = c == '"'
                        && rest.get(1..).is_some_and(|tail| {
                            tail.bytes().take_while(|b| *b == b'#').count() >= hashes
                        });
                    if closes {
                        self.skip(1_usize.saturating_add(hashes));
                        self.state = State::Code;
                        return Some((line, '"'));
                    }
                    self.skip(c.len_utf8());
                }
                State::Code => {
                    if c.is_whitespace() {
                        self.skip(c.len_utf8());
                    } else if rest.starts_with("//") {
                        self.at = text.len();
                    } else if rest.starts_with("/*") {
                        self.skip(2);
                        self.state = State::Block(1);
                    } else if c == '"' {
                        self.skip(1);
                        self.state = State::Str;
                    } else if c == '\'' {
                        self.quote(rest);
                        return Some((line, '\''));
                    } else if is_ident_char(c) {
                        let end = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
                        self.skip(end);
                        let tail = rest.get(end..).unwrap_or("");
                        let hashes = tail.bytes().take_while(|b| *b == b'#').count();
                        let raw = matches!(rest.get(..end), Some("r" | "br" | "cr"))
                            && tail.get(hashes..).is_some_and(|t| t.starts_with('"'));
                        if raw {
                            self.skip(hashes.saturating_add(1));
                            self.state = State::RawStr(hashes);
                        } else {
                            return Some((line, 'x'));
                        }
                    } else {
                        self.skip(c.len_utf8());
                        return Some((line, c));
                    }
                }
            }
        }
    }
}

fn opens(c: char) -> bool {
    matches!(c, '(' | '[' | '{')
}

fn closes(c: char) -> bool {
    matches!(c, ')' | ']' | '}')
}

/// How an item's text ends (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `fn`, `struct`, `enum`, `union`, `trait`, `mod`: a `{ ... }` body, or a `;` first.
    Item,
    /// `const`, `static`, `type`: a `;`.
    Value,
    /// `macro_rules!`: its delimited body, and a `;` after `( ... )` or `[ ... ]`.
    Macro,
    /// An enum variant or a struct field: a `,`, or the closing brace of the enclosing item.
    Member,
}

impl Shape {
    /// The shape of what `line` declares: `member` as an item, else as a variant or field.
    pub fn of(line: &str, member: &str) -> Self {
        match declared_item(line) {
            Some((keyword, name)) if name == member => match keyword {
                "const" | "static" | "type" => Self::Value,
                "macro_rules!" => Self::Macro,
                _ => Self::Item,
            },
            _ => Self::Member,
        }
    }
}

/// 0-based last line of the item of shape `shape` declared on line `decl` (0-based); `None`
/// when the text ends first or a closing delimiter comes that the item did not open (the
/// declaration is not where code is, or the braces do not balance).
pub fn item_end(lines: &[&str], decl: usize, shape: Shape) -> Option<usize> {
    let mut depth = 0_usize;
    let mut body = false;
    // a `( ... )` or `[ ... ]` macro body closed on this line; a `;` may follow
    let mut macro_closed: Option<usize> = None;
    let mut macro_opener = None;
    let mut last = decl;
    for (line, c) in Lexer::new(lines, decl) {
        if let Some(closed_at) = macro_closed {
            return Some(if c == ';' { line } else { closed_at });
        }
        if opens(c) {
            if depth == 0 {
                body = c == '{';
                macro_opener.get_or_insert(c);
            }
            depth = depth.saturating_add(1);
        } else if closes(c) {
            if depth == 0 {
                return (shape == Shape::Member).then_some(last);
            }
            depth = depth.saturating_sub(1);
            if depth == 0 {
                match shape {
                    Shape::Item if body => return Some(line),
                    Shape::Macro => match macro_opener {
                        Some('{') | None => return Some(line),
                        Some(_) => macro_closed = Some(line),
                    },
                    _ => {}
                }
            }
        } else if depth == 0 {
            let ends = match shape {
                Shape::Item | Shape::Value => c == ';',
                Shape::Member => c == ',' || c == ';',
                Shape::Macro => false,
            };
            if ends {
                return Some(line);
            }
        }
        last = line;
    }
    macro_closed
}

/// How many lines above its last line [`doc_start`] looks for the first line of a multi-line
/// attribute or block comment.
const LOOKBACK: usize = 64;

/// Do `lines` hold one or more whole outer attributes (`#[...]`) and nothing else?
fn only_attributes(lines: &[&str]) -> bool {
    let mut depth = 0_usize;
    let mut expect = '#';
    let mut any = false;
    for (_, c) in Lexer::new(lines, 0) {
        if depth > 0 {
            if opens(c) {
                depth = depth.saturating_add(1);
            } else if closes(c) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        if c != expect {
            return false;
        }
        if c == '[' {
            depth = 1;
            any = true;
        }
        expect = if c == '#' { '[' } else { '#' };
    }
    any && depth == 0 && expect == '#'
}

/// Is `trimmed` (a whole line, trimmed) an outer doc comment line `/// ...`?
fn is_doc_line(trimmed: &str) -> bool {
    trimmed.starts_with("///") && !trimmed.starts_with("////")
}

/// 0-based first line of the doc comments and attributes directly above line `decl`
/// (0-based), or `decl` when there are none (see the module docs).
pub fn doc_start(lines: &[&str], decl: usize) -> usize {
    let mut start = decl;
    let mut at = decl;
    while at > 0 {
        let above = at.saturating_sub(1);
        let trimmed = lines.get(above).map_or("", |line| line.trim());
        if trimmed.is_empty() || trimmed.starts_with("//!") || trimmed.starts_with("/*!") {
            break;
        }
        if is_doc_line(trimmed) {
            (start, at) = (above, above);
            continue;
        }
        if trimmed.starts_with("//") {
            at = above; // a plain comment: kept only if docs or attributes are above it
            continue;
        }
        let lowest = above.saturating_sub(LOOKBACK);
        if trimmed.ends_with("*/") {
            // a block comment ending here (and nothing else on its lines): a doc comment if it
            // opens with `/**`
            let opened = (lowest..=above).rev().find(|index| {
                lines
                    .get(*index)
                    .is_some_and(|line| line.trim_start().starts_with("/*"))
            });
            let comment = opened.filter(|opened| {
                lines
                    .get(*opened..=above)
                    .is_some_and(|span| Lexer::new(span, 0).next().is_none())
            });
            let Some(opened) = comment else { break };
            let head = lines.get(opened).map_or("", |line| line.trim_start());
            if head.starts_with("/*!") {
                break;
            }
            if head.starts_with("/**") && !head.starts_with("/***") && !head.starts_with("/**/") {
                start = opened;
            }
            at = opened;
            continue;
        }
        // an attribute (or the last line of one) ends here: find the line that opens it
        let opened = (lowest..=above).rev().find(|index| {
            lines
                .get(*index)
                .is_some_and(|line| line.trim_start().starts_with("#["))
        });
        let attribute =
            opened.filter(|opened| lines.get(*opened..=above).is_some_and(only_attributes));
        let Some(opened) = attribute else { break };
        (start, at) = (opened, opened);
    }
    start
}

/// 1-based first and last line of the whole definition of `symbol` (`Name` or
/// `Type::member`) declared on line `decl` (1-based): its doc comments and attributes, and the
/// item up to its end (see the module docs). `None` when its end cannot be found.
pub fn definition_lines(lines: &[&str], decl: usize, symbol: &str) -> Option<(usize, usize)> {
    let index = decl.checked_sub(1)?;
    let line = lines.get(index)?;
    let member = symbol.rsplit("::").next().unwrap_or(symbol);
    let end = item_end(lines, index, Shape::of(line, member))?;
    Some((
        doc_start(lines, index).saturating_add(1),
        end.saturating_add(1),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::rust_source::definitions_in;

    /// The significant characters of `text` (one line) as a string.
    fn lexed(text: &str) -> String {
        let lines = [text];
        Lexer::new(&lines, 0).map(|(_, c)| c).collect()
    }

    #[test]
    fn braces_in_strings_chars_and_comments_are_not_code() {
        assert_eq!(lexed(r#"f("}", '{', b'}', b"{") {"#), "x(\",',x',x\"){");
        assert_eq!(lexed(r#"let s = "a \" } \\"; }"#), "xx=\";}");
        assert_eq!(lexed(r"let c = '\''; let d = '\\'; {"), "xx=';xx=';{");
        assert_eq!(lexed(r"'\u{7b}' '\x7d' }"), "''}");
        assert_eq!(
            lexed(r###"r#"{"# r"}" br#"{"}"# r##"x"#{"## {"###),
            "\"\"\"\"{"
        );
        assert_eq!(lexed("a // } {"), "x");
        assert_eq!(lexed("a /* { */ b /* /* } */ } */ c"), "xxx");
        assert_eq!(lexed("'\"' {"), "'{");
    }

    #[test]
    fn lifetimes_and_labels_are_not_char_literals() {
        assert_eq!(
            lexed("fn f<'a>(x: &'a str) -> &'a str {"),
            "xx<'x>(x:&'xx)->&'xx{"
        );
        assert_eq!(lexed("'outer: loop { break 'outer; }"), "'x:x{x'x;}");
        assert_eq!(lexed("&'static str, '_ }"), "&'xx,'x}");
        // a raw identifier is not a raw string
        assert_eq!(lexed("r#type { }"), "x#x{}");
    }

    #[test]
    fn strings_and_block_comments_span_lines() {
        let lines = ["let s = \"{", "}\"; /* {", "} */ {"];
        let lexed: Vec<(usize, char)> = Lexer::new(&lines, 0).collect();
        assert_eq!(
            lexed,
            [(0, 'x'), (0, 'x'), (0, '='), (1, '"'), (1, ';'), (2, '{')]
        );
    }

    const SOURCE: &str = r###"//! Demo.

/// A pool.
///
/// Its blocks.
#[derive(Debug)]
#[cfg_attr(
    feature = "serde",
    derive(Serialize)
)]
pub struct Pool<'a, T>
where
    T: Copy + 'a,
{
    /// Used blocks.
    used: usize,
    name: &'a str,
}

// A section banner, not about `Unit`.
pub struct Unit;

/// Two halves.
pub struct Pair(u8, u8);

impl<'a, T> Pool<'a, T>
where
    T: Copy,
{
    /// Hands out a block.
    // SAFETY: not unsafe, just a plain comment under the doc
    #[inline]
    pub fn allocate(&mut self) -> usize {
        let close = "}";
        let open = '{';
        let raw = r#"{"#;
        // }
        /* { */
        let _ = (close, open, raw, '\'', b'}');
        0
    }

    pub fn release<F>(&mut self, f: F)
    where
        F: FnOnce(&'a str) -> [u8; 2],
    {
        let _ = f;
    }
}

/// A constant with braces in its value.
pub const ORIGIN: Point = Point {
    x: 0,
};

type Table = [u8; 4];

pub enum State {
    /// Free.
    Ready,
    Active { owner: u32 },
    Last(u8)
}

macro_rules! bounded {
    ($x:expr) => {{ $x }};
}

macro_rules! paren (
    () => {}
);

pub trait Clock {
    /// Now.
    fn now(&self) -> u64;
}

mod outline;
"###;

    /// The extent of `symbol`, declared on the one line the check's rule finds for it.
    fn extent(symbol: &str) -> Option<(usize, usize)> {
        let lines: Vec<&str> = SOURCE.lines().collect();
        let found = definitions_in(&lines, 1, lines.len(), symbol);
        let [decl] = found.as_slice() else {
            panic!("`{symbol}` is declared on lines {found:?}");
        };
        definition_lines(&lines, *decl, symbol)
    }

    #[test]
    fn items_run_from_their_docs_and_attributes_to_their_closing_brace() {
        // docs, two attributes (one over four lines), a `where` clause over two lines
        assert_eq!(extent("Pool"), Some((3, 18)));
        // a doc comment, a plain comment under it, an attribute; a body full of fake braces
        assert_eq!(extent("Pool::allocate"), Some((30, 41)));
        // no docs; a multi-line `where` clause before the body
        assert_eq!(extent("Pool::release"), Some((43, 48)));
    }

    #[test]
    fn unit_tuple_and_value_items_end_at_their_semicolon() {
        // a plain comment right above is not a doc comment
        assert_eq!(extent("Unit"), Some((21, 21)));
        assert_eq!(extent("Pair"), Some((23, 24)));
        // the braces of a struct literal belong to the value
        assert_eq!(extent("ORIGIN"), Some((51, 54)));
        assert_eq!(extent("Table"), Some((56, 56)));
        assert_eq!(extent("Clock::now"), Some((74, 75)));
        assert_eq!(extent("outline"), Some((78, 78)));
        assert_eq!(extent("Clock"), Some((73, 76)));
    }

    #[test]
    fn variants_and_fields_end_at_their_comma_or_the_closing_brace() {
        assert_eq!(extent("State"), Some((58, 63)));
        assert_eq!(extent("State::Ready"), Some((59, 60)));
        assert_eq!(extent("State::Active"), Some((61, 61)));
        assert_eq!(extent("State::Last"), Some((62, 62)));
        assert_eq!(extent("Pool::used"), Some((15, 16)));
        assert_eq!(extent("Pool::name"), Some((17, 17)));
        let one_line = ["pub enum Orphan { A }"];
        assert_eq!(definition_lines(&one_line, 1, "Orphan"), Some((1, 1)));
    }

    #[test]
    fn macros_end_with_their_body() {
        assert_eq!(extent("bounded"), Some((65, 67)));
        assert_eq!(extent("paren"), Some((69, 71)));
    }

    #[test]
    fn an_item_whose_end_is_missing_has_no_extent() {
        let unclosed = ["/// Doc.", "pub fn f() {", "    let s = \"}\";"];
        assert_eq!(definition_lines(&unclosed, 2, "f"), None);
        // a closing brace the item did not open
        let stray = ["fn f() }"];
        assert_eq!(definition_lines(&stray, 1, "f"), None);
        assert_eq!(definition_lines(&stray, 0, "f"), None);
        assert_eq!(definition_lines(&stray, 2, "f"), None);
    }

    #[test]
    fn docs_stop_at_blank_lines_other_items_and_inner_docs() {
        let lines = [
            "//! Module.",
            "/// Doc of A.",
            "pub struct A;",
            "#[derive(Debug)]",
            "pub struct B;",
            "",
            "/** Block",
            "    doc. */",
            "#[doc = \"x ] [\"] #[inline]",
            "fn c() {}",
            "const T: [u8; 2] = [",
            "    1, 2]; // ]",
            "fn d() {}",
        ];
        assert_eq!(definition_lines(&lines, 3, "A"), Some((2, 3)));
        assert_eq!(definition_lines(&lines, 5, "B"), Some((4, 5)));
        assert_eq!(definition_lines(&lines, 10, "c"), Some((7, 10)));
        // the line above ends with `]` but is the end of another item, not an attribute
        assert_eq!(definition_lines(&lines, 13, "d"), Some((13, 13)));
        assert!(only_attributes(&["#[a]", "#[b(", "  c)] #[d]"]));
        assert!(!only_attributes(&["#[a] const X: u8 = 0;"]));
        assert!(!only_attributes(&["#![inner]"]));
        assert!(!only_attributes(&["#[unclosed("]));
    }
}
