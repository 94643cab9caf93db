//! Records as the independent clients print them: the Java console consumer with keys, headers
//! and timestamps, and kcat with [`KCAT_FORMAT`], read back into [`PrintedRecord`]s.
//!
//! Both print text, so some values cannot be told apart: the console consumer prints a null key
//! or header value as `null`, kcat prints a null key as nothing and a null header value as
//! `NULL`. Tests that use these parsers avoid keys and header values spelled like that, and
//! values that are null, empty, or hold tabs, commas, colons, `=` or line breaks.

use crate::java_tools;

/// kcat's `-f` format: key, value, headers (`k=v,k=v`), timestamp.
pub const KCAT_FORMAT: &str = "%k\t%s\t%h\t%T\n";

/// One record as printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintedRecord {
    /// The key; `None` when printed as null.
    pub key: Option<String>,
    /// The value.
    pub value: String,
    /// The headers in order; a value is `None` when printed as null.
    pub headers: Vec<(String, Option<String>)>,
    /// The timestamp (ms).
    pub timestamp: i64,
}

/// Reads `count` records of `topic` from the beginning with the Java console consumer, printing
/// keys, headers and timestamps.
///
/// # Panics
///
/// The tool fails, or prints a line that does not parse.
pub fn console_consumer(bootstrap: &str, topic: &str, count: usize) -> Vec<PrintedRecord> {
    let count = count.to_string();
    let run = java_tools::run(
        "console-consumer",
        &[
            "--bootstrap-server",
            bootstrap,
            "--topic",
            topic,
            "--from-beginning",
            "--max-messages",
            &count,
            "--timeout-ms",
            "60000",
            // The brief's `--property`, under the name Kafka 4 gives it: `--property` still
            // works but prints a deprecation notice on stdout, among the records.
            "--formatter-property",
            "print.key=true",
            "--formatter-property",
            "print.headers=true",
            "--formatter-property",
            "print.timestamp=true",
        ],
        None,
        "",
    );
    assert!(run.success, "console-consumer failed: {run:?}");
    parse_console_consumer(&run.stdout)
}

/// Parses the console consumer's `CreateTime:<ts>\t<headers>\t<key>\t<value>` lines, where
/// headers are `k:v,k:v` or `NO_HEADERS`.
///
/// # Panics
///
/// A line does not have that shape.
pub fn parse_console_consumer(stdout: &str) -> Vec<PrintedRecord> {
    stdout
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.splitn(4, '\t').collect();
            let [timestamp, headers, key, value] = fields[..] else {
                panic!("unexpected console-consumer line {line:?}")
            };
            let timestamp = timestamp
                .strip_prefix("CreateTime:")
                .and_then(|t| t.parse().ok())
                .unwrap_or_else(|| panic!("timestamp in {line:?}"));
            let headers = if headers == "NO_HEADERS" {
                Vec::new()
            } else {
                split_headers(headers, ':', "null")
            };
            PrintedRecord {
                key: (key != "null").then(|| key.to_string()),
                value: value.to_string(),
                headers,
                timestamp,
            }
        })
        .collect()
}

/// Parses lines printed with [`KCAT_FORMAT`].
///
/// # Panics
///
/// A line does not have that shape.
pub fn parse_kcat(stdout: &str) -> Vec<PrintedRecord> {
    stdout
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [key, value, headers, timestamp] = fields[..] else {
                panic!("unexpected kcat line {line:?}")
            };
            PrintedRecord {
                key: (!key.is_empty()).then(|| key.to_string()),
                value: value.to_string(),
                headers: split_headers(headers, '=', "NULL"),
                timestamp: timestamp
                    .parse()
                    .unwrap_or_else(|_| panic!("timestamp in {line:?}")),
            }
        })
        .collect()
}

fn split_headers(text: &str, separator: char, null: &str) -> Vec<(String, Option<String>)> {
    text.split(',')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair
                .split_once(separator)
                .unwrap_or_else(|| panic!("header {pair:?}"));
            (key.to_string(), (value != null).then(|| value.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_consumer_lines_parse() {
        let out = "CreateTime:17\ta:1,b:null\tnull\tv\nCreateTime:18\tNO_HEADERS\tk\tx\ty\n";
        assert_eq!(
            parse_console_consumer(out),
            [
                PrintedRecord {
                    key: None,
                    value: "v".into(),
                    headers: vec![("a".into(), Some("1".into())), ("b".into(), None)],
                    timestamp: 17,
                },
                PrintedRecord {
                    key: Some("k".into()),
                    value: "x\ty".into(),
                    headers: Vec::new(),
                    timestamp: 18,
                },
            ]
        );
    }

    #[test]
    fn kcat_lines_parse() {
        let out = "\tv\ta=1,b=NULL\t17\nk\tx\t\t18\n";
        assert_eq!(
            parse_kcat(out),
            [
                PrintedRecord {
                    key: None,
                    value: "v".into(),
                    headers: vec![("a".into(), Some("1".into())), ("b".into(), None)],
                    timestamp: 17,
                },
                PrintedRecord {
                    key: Some("k".into()),
                    value: "x".into(),
                    headers: Vec::new(),
                    timestamp: 18,
                },
            ]
        );
    }
}
