//! Writers that escape what passes through them, so any `Display` value can be written
//! straight into a quoted Prometheus label or JSON string without an intermediate buffer.

use core::fmt::{self, Write};

/// Escapes a Prometheus label value (`\\`, `\"`, `\n`) or, with `help`, a HELP text
/// (`\\`, `\n` only), as the text exposition format requires.
pub(crate) struct PrometheusEscape<'a, W: Write + ?Sized> {
    pub(crate) out: &'a mut W,
    pub(crate) help: bool,
}

impl<W: Write + ?Sized> Write for PrometheusEscape<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let help = self.help;
        write_escaped(self.out, text, |ch| match ch {
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '"' if !help => Some("\\\""),
            _ => None,
        })
    }
}

/// Writes `text`, replacing the characters `escape` maps; the runs in between are written
/// as whole slices, which keeps the common case (nothing to escape) one `write_str`.
fn write_escaped<W: Write + ?Sized>(
    out: &mut W,
    text: &str,
    escape: impl Fn(char) -> Option<&'static str>,
) -> fmt::Result {
    let mut rest = text;
    while let Some((at, ch, replacement)) = rest
        .char_indices()
        .find_map(|(at, ch)| escape(ch).map(|r| (at, ch, r)))
    {
        // `at` comes from `char_indices`, so it is a boundary; checked anyway, never panics.
        let (plain, tail) = rest.split_at_checked(at).ok_or(fmt::Error)?;
        out.write_str(plain)?;
        out.write_str(replacement)?;
        rest = tail.get(ch.len_utf8()..).unwrap_or("");
    }
    out.write_str(rest)
}

/// Escapes a JSON string body (RFC 8259 §7): quote, backslash and every control character.
pub(crate) struct JsonEscape<'a, W: Write + ?Sized> {
    pub(crate) out: &'a mut W,
}

impl<W: Write + ?Sized> Write for JsonEscape<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut rest = text;
        while let Some((at, ch)) = rest
            .char_indices()
            .find(|&(_, ch)| ch == '"' || ch == '\\' || u32::from(ch) < 0x20)
        {
            let (plain, tail) = rest.split_at_checked(at).ok_or(fmt::Error)?;
            self.out.write_str(plain)?;
            match ch {
                '"' => self.out.write_str("\\\"")?,
                '\\' => self.out.write_str("\\\\")?,
                '\n' => self.out.write_str("\\n")?,
                '\r' => self.out.write_str("\\r")?,
                '\t' => self.out.write_str("\\t")?,
                control => write!(self.out, "\\u{:04x}", u32::from(control))?,
            }
            rest = tail.get(ch.len_utf8()..).unwrap_or("");
        }
        self.out.write_str(rest)
    }
}

/// Writes `value` as a quoted JSON string.
pub(crate) fn json_string<W: Write + ?Sized>(out: &mut W, value: &str) -> fmt::Result {
    out.write_char('"')?;
    JsonEscape { out: &mut *out }.write_str(value)?;
    out.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    #[test]
    fn prometheus_label_and_help_escaping() {
        let mut label = String::new();
        PrometheusEscape {
            out: &mut label,
            help: false,
        }
        .write_str("a\\b\"c\nd")
        .unwrap();
        assert_eq!(label, r#"a\\b\"c\nd"#);
        let mut help = String::new();
        PrometheusEscape {
            out: &mut help,
            help: true,
        }
        .write_str("a\\b\"c\nd")
        .unwrap();
        assert_eq!(help, r#"a\\b"c\nd"#);
    }

    #[test]
    fn json_escapes_controls_quotes_and_backslashes() {
        let mut text = String::new();
        json_string(&mut text, "q\"b\\n\n\t\u{1}é").unwrap();
        assert_eq!(text, r#""q\"b\\n\n\t\u0001é""#);
    }
}
