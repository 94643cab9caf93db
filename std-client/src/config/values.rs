//! Parsers for property values, as the Java client reads them: trimmed, case-insensitive
//! booleans and names, decimal integers within a range, durations in milliseconds.

use std::time::Duration;

use super::ConfigError;

/// Parses `true` or `false` (any case).
pub(crate) fn parse_bool(property: &str, value: &str) -> Result<bool, ConfigError> {
    let value_trimmed = value.trim();
    if value_trimmed.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value_trimmed.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(ConfigError::invalid(property, value, "true or false"))
    }
}

/// Parses a decimal integer in `min..=max`; `expected` says the range in words for errors.
pub(crate) fn parse_int(
    property: &str,
    value: &str,
    min: i64,
    max: i64,
    expected: &'static str,
) -> Result<i64, ConfigError> {
    match value.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(ConfigError::invalid(property, value, expected)),
    }
}

/// Parses a non-negative `u32`-sized count (Java `int` properties with a lower bound of 0 or 1).
pub(crate) fn parse_count(
    property: &str,
    value: &str,
    min: u32,
    expected: &'static str,
) -> Result<u32, ConfigError> {
    let n = parse_int(
        property,
        value,
        i64::from(min),
        i64::from(i32::MAX),
        expected,
    )?;
    u32::try_from(n).map_err(|_| ConfigError::invalid(property, value, expected))
}

/// Parses a byte size that fits `usize` (Java `int` or `long` sizes), at least `min`.
pub(crate) fn parse_bytes(
    property: &str,
    value: &str,
    min: u64,
    expected: &'static str,
) -> Result<usize, ConfigError> {
    let n = parse_int(
        property,
        value,
        i64::try_from(min).unwrap_or(i64::MAX),
        i64::MAX,
        expected,
    )?;
    usize::try_from(n).map_err(|_| ConfigError::invalid(property, value, expected))
}

/// Parses a size given in KiB (librdkafka's `*.kbytes` properties), at least 1, in bytes.
pub(crate) fn parse_kib(property: &str, value: &str) -> Result<usize, ConfigError> {
    let kib = parse_bytes(property, value, 1, "a size in KiB")?;
    kib.checked_mul(1024)
        .ok_or_else(|| ConfigError::invalid(property, value, "a size in KiB"))
}

/// Parses a duration given in milliseconds, at least `min_ms`.
pub(crate) fn parse_ms(
    property: &str,
    value: &str,
    min_ms: u64,
    expected: &'static str,
) -> Result<Duration, ConfigError> {
    let n = parse_int(
        property,
        value,
        i64::try_from(min_ms).unwrap_or(i64::MAX),
        i64::MAX,
        expected,
    )?;
    u64::try_from(n)
        .map(Duration::from_millis)
        .map_err(|_| ConfigError::invalid(property, value, expected))
}

/// Splits a comma-separated list, trimming items and dropping empty ones.
pub(crate) fn parse_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A trimmed value, or `None` when it is empty (Java's "null" for optional strings).
pub(crate) fn optional_string(value: &str) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// Looks `value` up (case-insensitively, trimmed) in a table of names.
pub(crate) fn parse_name<T: Copy>(
    property: &str,
    value: &str,
    table: &[(&str, T)],
    expected: &'static str,
) -> Result<T, ConfigError> {
    let trimmed = value.trim();
    table
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(trimmed))
        .map(|&(_, item)| item)
        .ok_or_else(|| ConfigError::invalid(property, value, expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("p", " TRUE "), Ok(true));
        assert_eq!(parse_bool("p", "false"), Ok(false));
        assert!(parse_bool("p", "yes").is_err());
    }

    #[test]
    fn integers_and_durations() {
        assert_eq!(parse_int("p", " 5 ", 0, 5, "0..5"), Ok(5));
        assert!(parse_int("p", "6", 0, 5, "0..5").is_err());
        assert!(parse_int("p", "5x", 0, 5, "0..5").is_err());
        assert_eq!(parse_count("p", "2147483647", 0, "n"), Ok(i32::MAX as u32));
        assert!(parse_count("p", "2147483648", 0, "n").is_err());
        assert!(parse_count("p", "-1", 0, "n").is_err());
        assert_eq!(
            parse_ms("p", "1500", 0, "ms"),
            Ok(Duration::from_millis(1500))
        );
        assert!(parse_ms("p", "-1", 0, "ms").is_err());
        assert_eq!(parse_bytes("p", "16384", 0, "bytes"), Ok(16384));
    }

    #[test]
    fn lists_and_names() {
        assert_eq!(
            parse_list(" a:1 , ,b:2,"),
            vec!["a:1".to_owned(), "b:2".to_owned()]
        );
        assert_eq!(optional_string("  "), None);
        let table = [("one", 1), ("two", 2)];
        assert_eq!(parse_name("p", " TWO", &table, "one or two"), Ok(2));
        assert!(parse_name("p", "three", &table, "one or two").is_err());
    }
}
