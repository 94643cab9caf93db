//! One measured run of one client, and the topic chores around it.
//!
//! Every client process runs under `bench-measure` (which reports its CPU time and peak memory
//! from `getrusage(RUSAGE_CHILDREN)`), pinned with `taskset` to the client core when the machine
//! has one apart from the broker's. Topics are made, counted and deleted with `bench-admin`, so the
//! count a client claims is checked against the broker's own offsets.

use std::path::PathBuf;
use std::process::Command;

use super::json::Object;

/// What a client said it did (the contract's JSON line, or the Java tools' text).
#[derive(Debug, Clone, Default)]
pub(crate) struct Reported {
    /// Records in the timed part.
    pub(crate) records: u64,
    /// Value bytes in the timed part.
    pub(crate) bytes: u64,
    /// Seconds of the timed part.
    pub(crate) elapsed_s: f64,
    /// Records sent before the timed part.
    pub(crate) warmup: u64,
    /// Heap allocations in the timed part, where counted.
    pub(crate) allocs: Option<f64>,
    /// p50, p99, p99.9 latency in microseconds, for round trips.
    pub(crate) percentiles: Option<[f64; 3]>,
    /// Transactions written, warm-up included, as the broker's commit markers count them (a
    /// transactional scenario's, once checked).
    pub(crate) transactions: Option<u64>,
}

impl Reported {
    /// Reads a contract line.
    ///
    /// # Errors
    /// When the line is not a contract object or lacks a field.
    pub(crate) fn from_contract(line: &str) -> Result<Reported, String> {
        let object = Object::parse(line)?;
        let field = |key: &str| {
            object
                .number(key)
                .ok_or_else(|| format!("no {key} in {line:?}"))
        };
        let percentiles = match (
            object.number("p50_us"),
            object.number("p99_us"),
            object.number("p999_us"),
        ) {
            (Some(p50), Some(p99), Some(p999)) => Some([p50, p99, p999]),
            _ => None,
        };
        Ok(Reported {
            records: field("records")? as u64,
            bytes: field("bytes")? as u64,
            elapsed_s: field("elapsed_s")?,
            warmup: field("warmup")? as u64,
            allocs: object.number("allocs"),
            percentiles,
            transactions: None,
        })
    }
}

/// What a transactional topic holds, by `bench-admin committed`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Committed {
    /// Committed data records.
    pub(crate) records: u64,
    /// The fewest commit markers on one partition.
    pub(crate) min_markers: u64,
    /// The most commit markers on one partition: a lower bound on the transactions.
    pub(crate) max_markers: u64,
}

/// What the run cost the client process, as `bench-measure` saw it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Usage {
    /// User plus system CPU seconds, start-up included.
    pub(crate) cpu_s: f64,
    /// Peak resident memory, KiB.
    pub(crate) max_rss_kib: f64,
}

/// One run: what the client reported and what it cost.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sample {
    /// The client's own figures.
    pub(crate) reported: Reported,
    /// CPU and memory.
    pub(crate) usage: Usage,
}

/// Runs client programs and topic chores against one broker.
#[derive(Debug, Clone)]
pub(crate) struct Runner {
    /// `bench-measure`.
    pub(crate) measure: PathBuf,
    /// `bench-admin`.
    pub(crate) admin: PathBuf,
    /// The broker's `host:port`.
    pub(crate) bootstrap: String,
    /// The core client processes are pinned to, if any.
    pub(crate) client_cpu: Option<usize>,
}

impl Runner {
    fn admin(&self, command: &str, topic: &str, partitions: i32) -> Result<String, String> {
        let mut admin = Command::new(&self.admin);
        admin.args([
            command,
            "--bootstrap",
            &self.bootstrap,
            "--topic",
            topic,
            "--partitions",
            &partitions.to_string(),
        ]);
        if command == "delete" {
            admin = Command::new(&self.admin);
            admin.args([command, "--bootstrap", &self.bootstrap, "--topic", topic]);
        }
        let output = admin
            .output()
            .map_err(|error| format!("bench-admin: {error}"))?;
        if !output.status.success() {
            return Err(format!(
                "bench-admin {command} {topic}: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Creates `topic` with `partitions` partitions.
    ///
    /// # Errors
    /// When the broker refuses or cannot be reached.
    pub(crate) fn create_topic(&self, topic: &str, partitions: i32) -> Result<(), String> {
        self.admin("create", topic, partitions).map(drop)
    }

    /// Deletes `topic`.
    ///
    /// # Errors
    /// When the broker refuses or cannot be reached.
    pub(crate) fn delete_topic(&self, topic: &str) -> Result<(), String> {
        self.admin("delete", topic, 1).map(drop)
    }

    /// How many records `topic` holds, by the broker's watermarks.
    ///
    /// # Errors
    /// When the watermarks cannot be read.
    pub(crate) fn topic_records(&self, topic: &str, partitions: i32) -> Result<u64, String> {
        let line = self.admin("records", topic, partitions)?;
        let object = Object::parse(&line)?;
        object
            .number("records")
            .map(|records| records as u64)
            .ok_or_else(|| format!("bench-admin said {line:?}"))
    }

    /// What transactional `topic` holds: committed records and commit markers, once no
    /// transaction is open.
    ///
    /// # Errors
    /// When the topic cannot be read to its end.
    pub(crate) fn committed(&self, topic: &str, partitions: i32) -> Result<Committed, String> {
        let line = self.admin("committed", topic, partitions)?;
        let object = Object::parse(&line)?;
        let field = |key: &str| {
            object
                .number(key)
                .map(|value| value as u64)
                .ok_or_else(|| format!("bench-admin said {line:?}"))
        };
        Ok(Committed {
            records: field("records")?,
            min_markers: field("min_markers")?,
            max_markers: field("max_markers")?,
        })
    }

    /// Runs `program args` pinned and measured; returns its standard output and its usage.
    ///
    /// # Errors
    /// When it cannot start or fails (its standard error's end is in the message).
    pub(crate) fn measured(
        &self,
        program: &str,
        args: &[String],
    ) -> Result<(String, Usage), String> {
        let mut command = match self.client_cpu {
            Some(cpu) => {
                let mut taskset = Command::new("taskset");
                taskset.args(["-c", &cpu.to_string()]).arg(&self.measure);
                taskset
            }
            None => Command::new(&self.measure),
        };
        command.arg(program).args(args);
        let output = command
            .output()
            .map_err(|error| format!("cannot start {program}: {error}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            // The last lines that say something: not a Java stack frame, not blank.
            let telling =
                |line: &&str| !line.trim().is_empty() && !line.trim_start().starts_with("at ");
            let tail: Vec<&str> = stderr.lines().rev().filter(telling).take(3).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "{program} failed ({}): {}",
                output.status,
                tail.join(" | ")
            ));
        }
        let (client_output, usage_line) = match stdout.trim_end().rsplit_once('\n') {
            Some((before, last)) => (before.to_string(), last),
            None => (String::new(), stdout.trim_end()),
        };
        let usage = Object::parse(usage_line)?;
        let cpu = usage
            .number("cpu_user_s")
            .zip(usage.number("cpu_sys_s"))
            .map(|(user, sys)| user + sys);
        let usage = Usage {
            cpu_s: cpu.ok_or("bench-measure printed no CPU time")?,
            max_rss_kib: usage
                .number("max_rss_kib")
                .ok_or("bench-measure printed no peak memory")?,
        };
        Ok((client_output, usage))
    }
}

/// The last line of `output` that looks like a JSON object (a client's result line).
pub(crate) fn last_json_line(output: &str) -> Option<&str> {
    output
        .lines()
        .rev()
        .find(|line| line.trim_start().starts_with('{'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_contract_line() {
        let line = r#"{"client":"rskafka","mode":"roundtrip","records":100,"bytes":10000,"elapsed_s":0.25,"warmup":10,"allocs":500,"alloc_bytes":9,"p50_us":100,"p99_us":300,"p999_us":900}"#;
        let reported = Reported::from_contract(line).unwrap();
        assert_eq!(
            (reported.records, reported.bytes, reported.warmup),
            (100, 10000, 10)
        );
        assert_eq!(reported.allocs, Some(500.0));
        assert_eq!(reported.percentiles, Some([100.0, 300.0, 900.0]));
        assert!(Reported::from_contract(r#"{"records":1}"#).is_err());
        assert_eq!(last_json_line("log\n{\"a\":1}\nmore\n"), Some("{\"a\":1}"));
    }
}
