//! `cargo xtask setup`, also the first thing `cargo xtask test` does: installs what the tests need
//! beyond the README's prerequisites, each only when it is missing, each install announced in one
//! line, so a second run installs nothing.
//!
//! What it installs: rustfmt and clippy on the toolchain in use (`rustup component add`), the
//! bare-metal target [`BARE_METAL_TARGET`](crate::ci::BARE_METAL_TARGET) (`rustup target add`),
//! the nightly toolchain the fuzz smoke test runs on (`rustup toolchain install nightly --profile
//! minimal`), cargo-fuzz (`cargo install cargo-fuzz --locked`) and kcat, the interoperability
//! tests' independent client (Debian's package `kcat`, through apt-get, which needs root).
//!
//! What it only checks, because cargo and rustup cannot install it: the README's prerequisites
//! (Java, Maven, Go, a C and C++ compiler, make, QEMU for Arm), and, when kcat is missing and this is not root
//! on a machine with apt-get, that someone installs kcat. Those checks come before any install, so
//! a machine that cannot run the tests fails at once, with everything it lacks in one message.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::ci::BARE_METAL_TARGET;
use crate::process::{cargo, output, run};

/// The README's prerequisites that `cargo xtask test` runs: the program, and what provides it.
const PREREQUISITES: [(&str, &str); 7] = [
    ("java", "Java 17 (the brokers and the Java tools)"),
    ("mvn", "Maven (fetches Apache Kafka's jars)"),
    ("go", "Go (franz-go's benchmark client, bench/franz-go)"),
    (
        "cc",
        "a C compiler (librdkafka for the benchmark; Debian: build-essential)",
    ),
    (
        "c++",
        "a C++ compiler (libFuzzer for the fuzz smoke test; Debian: build-essential)",
    ),
    ("make", "make (librdkafka's build; Debian: build-essential)"),
    (
        "qemu-system-arm",
        "QEMU for Arm (runs the bare-metal programs on a Cortex-M4; Debian: qemu-system-arm)",
    ),
];

/// The rustup components the format check and clippy run.
const COMPONENTS: [&str; 2] = ["rustfmt", "clippy"];

/// `cargo xtask setup`: the set-up alone; says so when there was nothing to install.
///
/// # Errors
/// As [`install_missing`].
pub fn command(_args: &[String]) -> Result<(), String> {
    if !install_missing()? {
        eprintln!("xtask: everything `cargo xtask test` needs is installed");
    }
    Ok(())
}

/// Checks the prerequisites, then installs whatever of the rest is missing; returns whether it
/// installed anything.
///
/// # Errors
/// A prerequisite is missing, kcat is missing and cannot be installed here (the message says what
/// to install), or an install fails.
pub fn install_missing() -> Result<bool, String> {
    let mut lacking: Vec<String> = PREREQUISITES
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|(program, what)| format!("`{program}`: {what}"))
        .collect();
    let kcat = !on_path("kcat");
    let apt = kcat && is_root() && on_path("apt-get");
    if kcat && !apt {
        lacking.push(
            "`kcat`: Debian's package kcat (`sudo apt-get install -y kcat`); as root, \
             `cargo xtask test` installs it itself"
                .into(),
        );
    }
    if !lacking.is_empty() {
        return Err(format!(
            "set-up: this machine lacks what the tests need (README, \"Two commands\"):\n  {}",
            lacking.join("\n  ")
        ));
    }

    let mut installed = false;
    let rustup = |args: &[&str]| {
        let mut command = Command::new("rustup");
        command.args(args);
        command
    };
    let components = output(rustup(&["component", "list", "--installed"]))?;
    let missing: Vec<&str> = COMPONENTS
        .into_iter()
        .filter(|name| {
            !components.lines().any(|line| {
                line.trim()
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('-'))
            })
        })
        .collect();
    if !missing.is_empty() {
        let mut args = vec!["component", "add"];
        args.extend(&missing);
        run(
            &format!(
                "set-up: installing {} (rustup component add)",
                missing.join(" and ")
            ),
            rustup(&args),
        )?;
        installed = true;
    }

    let targets = output(rustup(&["target", "list", "--installed"]))?;
    if !targets.lines().any(|line| line.trim() == BARE_METAL_TARGET) {
        run(
            &format!("set-up: installing the {BARE_METAL_TARGET} target (rustup target add)"),
            rustup(&["target", "add", BARE_METAL_TARGET]),
        )?;
        installed = true;
    }

    let toolchains = output(rustup(&["toolchain", "list"]))?;
    if !toolchains.lines().any(is_nightly) {
        run(
            "set-up: installing the nightly toolchain (rustup toolchain install nightly --profile minimal)",
            rustup(&["toolchain", "install", "nightly", "--profile", "minimal"]),
        )?;
        installed = true;
    }

    if output(cargo(&["fuzz", "--version"])).is_err() {
        run(
            "set-up: installing cargo-fuzz (cargo install cargo-fuzz --locked)",
            cargo(&["install", "cargo-fuzz", "--locked"]),
        )?;
        installed = true;
    }

    if kcat {
        eprintln!("\n==> set-up: installing kcat (apt-get install kcat, Debian's package)");
        apt_get(&["update", "-qq"])?;
        apt_get(&["install", "-y", "-qq", "kcat"])?;
        if !on_path("kcat") {
            return Err("set-up: apt-get installed kcat, but `kcat` is not on PATH".into());
        }
        installed = true;
    }
    Ok(installed)
}

/// Whether a line of `rustup toolchain list` is the nightly channel's toolchain (the one
/// `cargo +nightly` runs), not a dated nightly.
fn is_nightly(line: &str) -> bool {
    let name = line.split_whitespace().next().unwrap_or("");
    name == "nightly"
        || name
            .strip_prefix("nightly-")
            .is_some_and(|host| !host.starts_with(|c: char| c.is_ascii_digit()))
}

/// Runs apt-get quietly (its standard output discarded, errors still shown).
fn apt_get(args: &[&str]) -> Result<(), String> {
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .map_err(|error| format!("set-up: cannot start apt-get: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "set-up: apt-get {} failed ({status})",
            args.join(" ")
        ))
    }
}

/// Whether `program` is a file in one of `PATH`'s folders.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| Path::new(&dir).join(program).is_file())
    })
}

/// Whether this process runs as root (`id -u` says 0).
fn is_root() -> bool {
    let mut id = Command::new("id");
    id.arg("-u");
    output(id).is_ok_and(|uid| uid.trim() == "0")
}

#[cfg(test)]
mod tests {
    #[test]
    fn tells_the_nightly_channel_from_dated_nightlies() {
        assert!(super::is_nightly("nightly-x86_64-unknown-linux-gnu"));
        assert!(super::is_nightly(
            "nightly-x86_64-unknown-linux-gnu (active)"
        ));
        assert!(!super::is_nightly(
            "nightly-2026-01-01-x86_64-unknown-linux-gnu"
        ));
        assert!(!super::is_nightly(
            "stable-x86_64-unknown-linux-gnu (default)"
        ));
    }
}
