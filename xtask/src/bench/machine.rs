//! What machine the figures come from: CPU model and count, memory, kernel, and the versions of the
//! toolchains that built or run the clients. Read from `/proc` and the tools themselves; a fact
//! that cannot be read says "unknown" rather than stopping the benchmark.

use std::fs;
use std::process::Command;

/// The facts, as (name, value) pairs in report order.
pub(crate) fn describe(kafka_version: &str) -> Vec<(&'static str, String)> {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| {
            line.strip_prefix("model name")
                .and_then(|rest| rest.split_once(':'))
        })
        .map_or("unknown".to_string(), |(_, model)| model.trim().to_string());
    let meminfo = fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or("unknown".to_string(), |kib| {
            format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0)
        });
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or("unknown".into(), |k| k.trim().to_string());
    vec![
        ("cpu", model),
        ("cores", cores().to_string()),
        ("memory", memory),
        ("kernel", kernel),
        ("kafka", kafka_version.to_string()),
        ("java", first_line("java", &["-version"])),
        ("rustc", first_line("rustc", &["--version"])),
        ("go", first_line("go", &["version"])),
    ]
}

/// How many cores this process may run on.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The first line a tool prints about its version (java prints it on standard error).
fn first_line(program: &str, args: &[&str]) -> String {
    match Command::new(program).args(args).output() {
        Ok(output) => {
            let text = if output.stdout.is_empty() {
                output.stderr
            } else {
                output.stdout
            };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or("unknown")
                .trim()
                .to_string()
        }
        Err(_) => "not installed".to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_the_machine() {
        let facts = super::describe("4.3.1");
        assert_eq!(facts[0].0, "cpu");
        assert!(
            facts
                .iter()
                .any(|(name, value)| *name == "kafka" && value == "4.3.1")
        );
        assert!(super::cores() >= 1);
    }
}
