//! The little JSON the benchmark needs: reading the flat one-line objects the client programs
//! print, and writing strings for `report.json`.
//!
//! Only flat objects are read (string, number, `true`/`false`/`null` values; no nesting, no escapes
//! other than `\"` and `\\`): that is the whole of the client contract, and anything else is an
//! error rather than a guess.

use std::collections::BTreeMap;

/// One value of a flat object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A number (JSON has one kind).
    Number(f64),
    /// A string.
    Text(String),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A flat JSON object, read from one line.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Object(BTreeMap<String, Value>);

impl Object {
    /// Reads `line` as one flat JSON object.
    ///
    /// # Errors
    /// A message saying where the line stops being a flat object.
    pub(crate) fn parse(line: &str) -> Result<Object, String> {
        let mut rest = line
            .trim()
            .strip_prefix('{')
            .ok_or("not a JSON object")?
            .trim_start();
        let mut fields = BTreeMap::new();
        if let Some(after) = rest.strip_prefix('}') {
            return if after.trim().is_empty() {
                Ok(Object(fields))
            } else {
                Err("text after the object".into())
            };
        }
        loop {
            let (key, after) = string(rest)?;
            rest = after
                .trim_start()
                .strip_prefix(':')
                .ok_or("expected ':'")?
                .trim_start();
            let (value, after) = value(rest)?;
            fields.insert(key, value);
            rest = after.trim_start();
            if let Some(after) = rest.strip_prefix(',') {
                rest = after.trim_start();
            } else if let Some(after) = rest.strip_prefix('}') {
                return if after.trim().is_empty() {
                    Ok(Object(fields))
                } else {
                    Err("text after the object".into())
                };
            } else {
                return Err(format!("expected ',' or '}}' at {rest:?}"));
            }
        }
    }

    /// The number under `key`, if there is one.
    pub(crate) fn number(&self, key: &str) -> Option<f64> {
        match self.0.get(key) {
            Some(Value::Number(number)) => Some(*number),
            _ => None,
        }
    }
}

fn string(input: &str) -> Result<(String, &str), String> {
    let body = input
        .strip_prefix('"')
        .ok_or_else(|| format!("expected a string at {input:?}"))?;
    let mut text = String::new();
    let mut chars = body.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Ok((text, &body[at + 1..])),
            '\\' => match chars.next() {
                Some((_, escaped @ ('"' | '\\' | '/'))) => text.push(escaped),
                _ => return Err("unsupported escape in a string".into()),
            },
            c => text.push(c),
        }
    }
    Err("unterminated string".into())
}

fn value(input: &str) -> Result<(Value, &str), String> {
    if input.starts_with('"') {
        let (text, rest) = string(input)?;
        return Ok((Value::Text(text), rest));
    }
    for (word, value) in [
        ("null", Value::Null),
        ("true", Value::Bool(true)),
        ("false", Value::Bool(false)),
    ] {
        if let Some(rest) = input.strip_prefix(word) {
            return Ok((value, rest));
        }
    }
    let end = input
        .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
        .unwrap_or(input.len());
    let number = input[..end]
        .parse()
        .map_err(|_| format!("expected a value at {input:?}"))?;
    Ok((Value::Number(number), &input[end..]))
}

/// `text` as a JSON string literal, quotes included.
pub(crate) fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            c if (c as u32) < 0x20 => quoted.push_str(&format!("\\u{:04x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// `value` as a JSON number, or `null` when it is absent or not finite.
pub(crate) fn number(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => format!("{value}"),
        _ => "null".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_client_line() {
        let object = Object::parse(
            r#"{"client":"rdkafka","records":2000,"elapsed_s":0.5,"allocs":null,"ok":true,"p":-1e3}"#,
        )
        .unwrap();
        assert_eq!(object.0.get("client"), Some(&Value::Text("rdkafka".into())));
        assert_eq!(object.number("records"), Some(2000.0));
        assert_eq!(object.number("elapsed_s"), Some(0.5));
        assert_eq!(object.number("allocs"), None);
        assert_eq!(object.number("p"), Some(-1000.0));
        assert_eq!(Object::parse("{}").unwrap(), Object::default());
    }

    #[test]
    fn refuses_what_is_not_a_flat_object() {
        for line in [
            "",
            "[]",
            "{\"a\":}",
            "{\"a\":1",
            "{\"a\":{}}",
            "{\"a\":1} x",
            "{a:1}",
            "{\"a\":\"\\n\"}",
        ] {
            assert!(Object::parse(line).is_err(), "{line}");
        }
    }

    #[test]
    fn quotes_and_numbers() {
        assert_eq!(quote("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(number(Some(1.5)), "1.5");
        assert_eq!(number(Some(f64::NAN)), "null");
        assert_eq!(number(None), "null");
    }
}
