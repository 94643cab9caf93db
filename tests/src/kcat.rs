//! `kcat` (librdkafka's command-line client, from Debian's packages) as an independent test
//! client: consume a partition with a format string, produce lines with a codec.
//!
//! `cargo xtask test` installs kcat when it is missing (`xtask/src/setup.rs`, apt-get as root);
//! elsewhere, `apt-get install -y kcat`. A missing kcat is a test failure that says so, never a
//! skip.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `kcat` with `args`, feeding `stdin`, and returns its output once it exits.
///
/// # Panics
///
/// kcat cannot be started, or it exits with a failure; the message holds its output.
pub fn run(args: &[&str], stdin: &str) -> String {
    let output = spawn(args, stdin).unwrap_or_else(|error| {
        panic!("cannot run kcat ({error}); install it with `apt-get install -y kcat`")
    });
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "kcat {args:?} failed:\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Reads partition `partition` of `topic` from the beginning to its end, one line per record
/// in `format` (kcat's `-f`, e.g. `%k\t%s\t%h\t%T\n`).
pub fn consume(bootstrap: &str, topic: &str, partition: i32, format: &str) -> String {
    let partition = partition.to_string();
    run(
        &[
            "-C",
            "-b",
            bootstrap,
            "-t",
            topic,
            "-p",
            &partition,
            "-o",
            "beginning",
            "-e",
            "-q",
            "-f",
            format,
        ],
        "",
    )
}

/// Produces one record per line of `lines` to partition 0 of `topic`, compressed with `codec`
/// (`none`, `gzip`, `snappy`, `lz4`, `zstd`), each line split at its first tab into key and
/// value; `extra` arguments go before the topic's, e.g. `-H key=value` for a header on every
/// record or `-X batch.num.messages=100`.
///
/// # Panics
///
/// A line lacks the tab, or kcat fails.
pub fn produce(bootstrap: &str, topic: &str, codec: &str, extra: &[&str], lines: &[String]) {
    assert!(lines.iter().all(|line| line.contains('\t')), "key\\tvalue");
    let mut args = vec![
        "-P", "-b", bootstrap, "-t", topic, "-p", "0", "-z", codec, "-K", "\t",
    ];
    args.extend(extra);
    let input: String = lines.iter().map(|line| format!("{line}\n")).collect();
    run(&args, &input);
}

fn spawn(args: &[&str], stdin: &str) -> std::io::Result<Output> {
    let mut child = Command::new("kcat")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin.as_bytes())?;
        // Dropping the pipe closes it: kcat sees end of input, flushes and exits.
    }
    child.wait_with_output()
}
