//! The Java tools shipped in the broker's jars (console producer and consumer, topics, perf
//! tests, ...), run by a short name with the same class path as the brokers.
//!
//! Tools log WARN and above to stderr (config in `target/kafka/tools-log4j2.yaml`), so their
//! stdout carries only what they print on purpose (records, topic lists, perf figures).

use std::process::Command;

use super::error::{Error, Result};
use super::{config, jars, layout};

/// The tools by short name, with their main classes.
pub const TOOLS: &[(&str, &str)] = &[
    ("console-producer", "org.apache.kafka.tools.ConsoleProducer"),
    (
        "console-consumer",
        "org.apache.kafka.tools.consumer.ConsoleConsumer",
    ),
    ("topics", "org.apache.kafka.tools.TopicCommand"),
    ("transactions", "org.apache.kafka.tools.TransactionsCommand"),
    (
        "producer-perf-test",
        "org.apache.kafka.tools.ProducerPerformance",
    ),
    (
        "consumer-perf-test",
        "org.apache.kafka.tools.ConsumerPerformance",
    ),
    ("configs", "kafka.admin.ConfigCommand"),
    ("get-offsets", "org.apache.kafka.tools.GetOffsetShell"),
    (
        "delete-records",
        "org.apache.kafka.tools.DeleteRecordsCommand",
    ),
    (
        "consumer-groups",
        "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
    ),
    ("features", "org.apache.kafka.tools.FeatureCommand"),
    (
        "transactional-copier",
        "org.apache.kafka.tools.TransactionalMessageCopier",
    ),
];

/// The main class of the tool called `name`.
pub fn tool_class(name: &str) -> Option<&'static str> {
    TOOLS
        .iter()
        .find(|(tool, _)| *tool == name)
        .map(|(_, class)| *class)
}

/// A `java` command that runs the tool `name`; the caller adds the tool's arguments.
///
/// Tools other than the perf tests run with the JIT's quick tier only, which starts them in
/// about half the time; the perf tests keep the full JIT so their figures mean something.
///
/// # Errors
///
/// The name is unknown, the jars cannot be fetched, or the logging config cannot be written.
pub fn tool_command(name: &str) -> Result<Command> {
    let class = tool_class(name).ok_or_else(|| {
        let names: Vec<&str> = TOOLS.iter().map(|(tool, _)| *tool).collect();
        Error::new(format!("unknown tool `{name}` ({})", names.join(", ")))
    })?;
    let lib = jars::ensure_jars()?;
    let log_config = layout::tools_log4j2();
    write_if_changed(&log_config, config::TOOLS_LOG4J2)?;
    let mut command = Command::new("java");
    if name.ends_with("-perf-test") {
        command.arg("-Xmx1g");
    } else {
        command.args(["-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]);
    }
    command
        .arg(format!(
            "-Dlog4j2.configurationFile={}",
            log_config.display()
        ))
        .arg("-cp")
        .arg(jars::class_path(&lib))
        .arg(class);
    Ok(command)
}

/// Writes `contents` to `path` unless it already holds them; through a temporary file and a
/// rename, so a tool started meanwhile never reads half a file.
fn write_if_changed(path: &std::path::Path, contents: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("creating", dir, e))?;
    }
    let temp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&temp, contents).map_err(|e| Error::io("writing", &temp, e))?;
    std::fs::rename(&temp, path).map_err(|e| Error::io("renaming to", path, e))
}

#[cfg(test)]
mod tests {
    use super::{TOOLS, tool_class};

    #[test]
    fn tools_are_found_by_name() {
        assert_eq!(
            tool_class("topics"),
            Some("org.apache.kafka.tools.TopicCommand")
        );
        assert_eq!(tool_class("kafka-topics"), None);
        assert!(TOOLS.iter().all(|(name, _)| !name.contains(' ')));
    }
}
