//! A reader for Java `.properties` text, as `java.util.Properties::load` reads it.
//!
//! Natural lines end in `\n`, `\r\n` or `\r`. Blank lines and lines whose first non-blank
//! character is `#` or `!` are skipped. A line ending in an odd number of `\` continues on the
//! next line, whose leading blanks are dropped. The key runs to the first unescaped `=`, `:` or
//! blank; blanks and one `=` or `:` after it are skipped, and the rest of the line is the value
//! (trailing blanks kept). Escapes in keys and values: `\t \n \r \f`, `\uXXXX` (surrogate pairs
//! combine), and `\x` for any other `x`. A malformed `\u` escape is an error with its line.

use super::ConfigError;

/// The blanks of the properties format: space, tab, form feed.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

/// Splits `text` into natural lines at `\n`, `\r\n` or `\r`.
fn natural_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\n', '\r']) {
            Some(at) => {
                let (line, tail) = current.split_at(at);
                let skip = if tail.starts_with("\r\n") { 2 } else { 1 };
                rest = tail.get(skip..);
                Some(line)
            }
            None => {
                rest = None;
                (!current.is_empty()).then_some(current)
            }
        }
    })
}

/// A builder that takes properties by name: what every configuration's `from_properties`
/// and `from_properties_text` are made of.
pub(crate) trait FromProperties: Default {
    /// The configuration built.
    type Config;
    /// Sets one property.
    fn set_property(&mut self, property: &str, value: &str) -> Result<(), ConfigError>;
    /// Builds the configuration.
    fn build_config(self) -> Result<Self::Config, ConfigError>;
}

/// Builds `B`'s configuration from `(property, value)` pairs; later pairs win.
pub(crate) fn from_pairs<B, I, K, V>(pairs: I) -> Result<B::Config, ConfigError>
where
    B: FromProperties,
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut builder = B::default();
    for (key, value) in pairs {
        builder.set_property(key.as_ref(), value.as_ref())?;
    }
    builder.build_config()
}

/// Builds `B`'s configuration from the text of a `.properties` file.
pub(crate) fn from_text<B: FromProperties>(text: &str) -> Result<B::Config, ConfigError> {
    from_pairs::<B, _, _, _>(parse_properties(text)?)
}

/// Parses properties text into `(key, value)` pairs, in order (later duplicates are kept; the
/// config readers let the last one win, as `Properties` does).
///
/// # Errors
/// [`ConfigError::PropertiesSyntax`] for a malformed `\u` escape.
pub fn parse_properties(text: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let mut pairs = Vec::new();
    let mut logical = String::new();
    let mut start_line = 0;
    let mut continuing = false;
    for (index, line) in natural_lines(text).enumerate() {
        let line = line.trim_start_matches(is_blank);
        if !continuing {
            if line.is_empty() || line.starts_with(['#', '!']) {
                continue;
            }
            start_line = index + 1;
        }
        let trailing_backslashes = line.chars().rev().take_while(|&c| c == '\\').count();
        continuing = trailing_backslashes % 2 == 1;
        logical.push_str(if continuing {
            line.strip_suffix('\\').unwrap_or(line)
        } else {
            line
        });
        if !continuing {
            pairs.push(split_logical_line(&logical, start_line)?);
            logical.clear();
        }
    }
    if continuing {
        // A continuation at the end of the text continues into nothing.
        pairs.push(split_logical_line(&logical, start_line)?);
    }
    Ok(pairs)
}

/// Splits one logical line into its unescaped key and value.
fn split_logical_line(line: &str, line_number: usize) -> Result<(String, String), ConfigError> {
    let mut key_end = line.len();
    let mut separator_is_blank = true;
    let mut escaped = false;
    for (at, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '=' || c == ':' || is_blank(c) {
            key_end = at;
            separator_is_blank = is_blank(c);
            break;
        }
    }
    let (raw_key, rest) = line.split_at(key_end);
    let mut rest = rest.trim_start_matches(is_blank);
    if !separator_is_blank || rest.starts_with(['=', ':']) {
        rest = rest.get(1..).unwrap_or("").trim_start_matches(is_blank);
    }
    Ok((
        unescape(raw_key, line_number)?,
        unescape(rest, line_number)?,
    ))
}

/// Resolves the escapes of the properties format.
fn unescape(raw: &str, line: usize) -> Result<String, ConfigError> {
    let malformed = ConfigError::PropertiesSyntax {
        line,
        reason: "malformed \\uXXXX escape",
    };
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    let mut pending_high: Option<u16> = None;
    while let Some(c) = chars.next() {
        let unit = if c == '\\' {
            match chars.next() {
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    if hex.len() != 4 || !hex.chars().all(|h| h.is_ascii_hexdigit()) {
                        return Err(malformed);
                    }
                    Some(u16::from_str_radix(&hex, 16).map_err(|_| malformed.clone())?)
                }
                Some('t') => {
                    out.push('\t');
                    None
                }
                Some('n') => {
                    out.push('\n');
                    None
                }
                Some('r') => {
                    out.push('\r');
                    None
                }
                Some('f') => {
                    out.push('\u{c}');
                    None
                }
                Some(other) => {
                    out.push(other);
                    None
                }
                None => None,
            }
        } else {
            out.push(c);
            None
        };
        match (pending_high.take(), unit) {
            (Some(high), Some(low)) => {
                let decoded = char::decode_utf16([high, low]).next();
                out.push(
                    decoded
                        .and_then(Result::ok)
                        .ok_or_else(|| malformed.clone())?,
                );
            }
            (Some(_), None) => return Err(malformed),
            (None, Some(unit)) if (0xd800..0xdc00).contains(&unit) => pending_high = Some(unit),
            (None, Some(unit)) => {
                out.push(char::from_u32(u32::from(unit)).ok_or(malformed.clone())?)
            }
            (None, None) => {}
        }
    }
    if pending_high.is_some() {
        return Err(malformed);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Writes `text` so that `parse_properties` reads it back unchanged.
    fn escape(text: &str, is_key: bool) -> String {
        let mut out = String::new();
        for (index, c) in text.chars().enumerate() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\u{c}' => out.push_str("\\f"),
                ' ' if is_key || index == 0 => out.push_str("\\ "),
                '=' | ':' | '#' | '!' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out
    }

    proptest! {
        #[test]
        fn escaped_pairs_read_back(
            pairs in proptest::collection::vec(("\\PC{1,12}", "\\PC{0,12}"), 0..6),
            separator in prop::sample::select(vec!["=", ":", " ", " = ", "\t:"]),
        ) {
            let text: String = pairs
                .iter()
                .map(|(k, v)| format!("{}{separator}{}\n", escape(k, true), escape(v, false)))
                .collect();
            prop_assert_eq!(parse_properties(&text).unwrap(), pairs);
        }

        #[test]
        fn any_text_parses_or_fails_cleanly(text in "\\PC{0,80}|[\\\\u0-9a-fA-F=: \n]{0,40}") {
            let _ = parse_properties(&text);
        }
    }

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse_properties(text).unwrap()
    }

    fn pair(key: &str, value: &str) -> (String, String) {
        (key.to_owned(), value.to_owned())
    }

    #[test]
    fn separators_and_comments() {
        let text = "# comment\n! also a comment\n\n  a=1\nb : 2\nc 3\nd\te=4\nf=\ng\n  #h=5\n";
        assert_eq!(
            pairs(text),
            vec![
                pair("a", "1"),
                pair("b", "2"),
                pair("c", "3"),
                pair("d", "e=4"),
                pair("f", ""),
                pair("g", ""),
            ]
        );
    }

    #[test]
    fn line_endings() {
        assert_eq!(
            pairs("a=1\r\nb=2\rc=3"),
            vec![pair("a", "1"), pair("b", "2"), pair("c", "3")]
        );
    }

    #[test]
    fn continuations() {
        let text = "list = a,\\\n       b,\\\n  c\nnext=1\\\\\nlast=x\\";
        assert_eq!(
            pairs(text),
            vec![
                pair("list", "a,b,c"),
                pair("next", "1\\"),
                pair("last", "x")
            ]
        );
        // A continued line is not a comment even if it starts with `#`.
        assert_eq!(pairs("a=1\\\n#2"), vec![pair("a", "1#2")]);
    }

    #[test]
    fn escapes() {
        let text = "key\\ with\\=odd\\:chars = tab\\there\\u0041\\uD83D\\uDE00 \\\\ \\x\n";
        assert_eq!(
            pairs(text),
            vec![pair("key with=odd:chars", "tab\there\u{41}\u{1f600} \\ x")]
        );
        assert_eq!(pairs("a=  trailing  "), vec![pair("a", "trailing  ")]);
    }

    #[test]
    fn malformed_unicode_escapes_name_the_line() {
        let expected = Err(ConfigError::PropertiesSyntax {
            line: 2,
            reason: "malformed \\uXXXX escape",
        });
        assert_eq!(parse_properties("a=1\nb=\\u00G1"), expected);
        assert_eq!(parse_properties("a=1\nb=\\u00"), expected);
        assert_eq!(parse_properties("a=1\nb=\\uD83D"), expected);
    }
}
