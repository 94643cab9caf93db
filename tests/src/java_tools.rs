//! The Java tools from the broker's jars as test clients: create a topic, produce lines, consume
//! them back, each a JVM run through `xtask::broker::tool_command` (about 1 to 2 s each).
//!
//! Every helper takes the bootstrap address and the client config file the profile needs
//! (`None` for plain and cluster3), so the same calls serve every profile.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// How long the console consumer waits for the next record before giving up.
const CONSUME_TIMEOUT_MS: u32 = 60_000;

/// What a tool run printed, and whether it succeeded.
#[derive(Debug)]
pub struct ToolRun {
    /// Whether the tool exited with status 0.
    pub success: bool,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error (the tools log WARN and above there).
    pub stderr: String,
}

/// Runs tool `name` with `args` (plus `--command-config config` if given), feeding `stdin`.
///
/// # Panics
///
/// The tool cannot be started at all (unknown name, no jars, no `java`).
pub fn run(name: &str, args: &[&str], config: Option<&Path>, stdin: &str) -> ToolRun {
    let mut command = xtask::broker::tool_command(name)
        .unwrap_or_else(|error| panic!("cannot prepare tool {name}: {error}"));
    command.args(args);
    if let Some(config) = config {
        command.arg("--command-config").arg(config);
    }
    let output = spawn_with_input(&mut command, stdin)
        .unwrap_or_else(|error| panic!("cannot run tool {name}: {error}"));
    ToolRun {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Creates `topic` with `partitions` partitions and the broker's default replication factor.
///
/// # Panics
///
/// The tool fails; the message holds its output.
pub fn create_topic(bootstrap: &str, config: Option<&Path>, topic: &str, partitions: u32) {
    let partitions = partitions.to_string();
    let args = [
        "--bootstrap-server",
        bootstrap,
        "--create",
        "--topic",
        topic,
        "--partitions",
        &partitions,
    ];
    expect_success("topics --create", run("topics", &args, config, ""));
}

/// Produces `values`, one record per value (no key), with acks=all.
///
/// # Panics
///
/// A value holds a line break, or the tool fails; the message holds its output.
pub fn produce(bootstrap: &str, config: Option<&Path>, topic: &str, values: &[&str]) {
    assert!(
        values.iter().all(|v| !v.contains('\n')),
        "one line per record"
    );
    let input: String = values.iter().map(|v| format!("{v}\n")).collect();
    let args = ["--bootstrap-server", bootstrap, "--topic", topic];
    expect_success(
        "console-producer",
        run("console-producer", &args, config, &input),
    );
}

/// Reads `count` records from the beginning of `topic` and returns their values in the order
/// read (a single partition keeps them in the order produced).
///
/// # Panics
///
/// The tool fails or times out before `count` records; the message holds its output.
pub fn consume(bootstrap: &str, config: Option<&Path>, topic: &str, count: usize) -> Vec<String> {
    let count_arg = count.to_string();
    let timeout = CONSUME_TIMEOUT_MS.to_string();
    let args = [
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        "--from-beginning",
        "--max-messages",
        &count_arg,
        "--timeout-ms",
        &timeout,
    ];
    let run = expect_success(
        "console-consumer",
        run("console-consumer", &args, config, ""),
    );
    let values: Vec<String> = run.stdout.lines().map(str::to_string).collect();
    assert_eq!(
        values.len(),
        count,
        "console-consumer read too few records: {run:?}"
    );
    values
}

fn expect_success(what: &str, run: ToolRun) -> ToolRun {
    assert!(
        run.success,
        "{what} failed:\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    run
}

fn spawn_with_input(command: &mut Command, stdin: &str) -> std::io::Result<Output> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin.as_bytes())?;
        // Dropping the pipe closes it: the producer sees end of input, flushes and exits.
    }
    child.wait_with_output()
}
