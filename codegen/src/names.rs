//! Rust names for definition names: `snake_case` fields and modules, keywords avoided.

/// `ThrottleTimeMs` → `throttle_time_ms`, `timeoutMs` → `timeout_ms`, `ISRs` → `isrs`.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p));
            let next = chars.get(i + 1);
            let after_lower = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            let acronym_end = prev.is_some_and(char::is_ascii_uppercase)
                && next.is_some_and(char::is_ascii_lowercase);
            // "IDs" and "ISRs": a lone trailing `s` after an acronym stays attached to it.
            let plural =
                next == Some(&'s') && chars.get(i + 2).is_none_or(|n| n.is_ascii_uppercase());
            if after_lower || (acronym_end && !plural) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A field name that is safe as a Rust identifier.
pub(crate) fn field_name(name: &str) -> String {
    let snake = snake_case(name);
    const KEYWORDS: [&str; 12] = [
        "type", "match", "ref", "move", "self", "mod", "fn", "loop", "where", "use", "async",
        "await",
    ];
    if KEYWORDS.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases() {
        assert_eq!(snake_case("ThrottleTimeMs"), "throttle_time_ms");
        assert_eq!(snake_case("timeoutMs"), "timeout_ms");
        assert_eq!(snake_case("TopicId"), "topic_id");
        assert_eq!(snake_case("IsrNodes"), "isr_nodes");
        assert_eq!(snake_case("ZkMigrationReady"), "zk_migration_ready");
        assert_eq!(snake_case("SASLHandshake"), "sasl_handshake");
        assert_eq!(snake_case("TopicIDs"), "topic_ids");
        assert_eq!(field_name("Type"), "type_");
    }
}
