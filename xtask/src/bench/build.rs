//! Building the client programs: the Rust ones (`bench/clients`, a workspace of its own, built
//! into `target/bench-clients`) and franz-go's (`bench/franz-go`, built with the Go toolchain from
//! the Go module proxy into `target/bench-go`).
//!
//! `--quick` builds them unoptimised (the `dev` profile: a cold build takes a fraction of the
//! time, and a smoke test's figures mean nothing anyway); the full run builds `release`.
//!
//! The Rust programs are required (they also make and count the topics). franz-go is required by
//! `--quick`, the smoke test CI runs, so a client that stops building fails CI rather than vanish
//! from the report; a full run goes on without it, and the report says why its row is empty.

use std::path::PathBuf;
use std::process::Command;

use crate::workspace;

/// Where the client programs are, once built.
#[derive(Debug, Clone)]
pub(crate) struct Programs {
    /// The folder of `bench-rdkafka`, `bench-rskafka`, `bench-admin`, `bench-measure`.
    pub(crate) rust_bin: PathBuf,
    /// franz-go's program, or why it did not build.
    pub(crate) franz_go: Result<PathBuf, String>,
}

/// Builds every client program, optimised unless `quick`.
///
/// # Errors
/// When the Rust programs do not build, or with `quick` franz-go's.
pub(crate) fn build(quick: bool) -> Result<Programs, String> {
    let root = workspace::root();
    let target = workspace::target_dir().join("bench-clients");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let (profile, folder) = if quick {
        ("dev", "debug")
    } else {
        ("release", "release")
    };
    eprintln!("==> building the Rust client programs (bench/clients, {profile} profile)");
    let status = Command::new(cargo)
        .args(["build", "--profile", profile, "--quiet", "--manifest-path"])
        .arg(root.join("bench/clients/Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .map_err(|error| format!("cannot start cargo: {error}"))?;
    if !status.success() {
        return Err(format!("the Rust client programs did not build ({status})"));
    }
    eprintln!("==> building the franz-go client program (bench/franz-go)");
    let go_program = workspace::target_dir().join("bench-go/franz-go-bench");
    let franz_go = match Command::new("go")
        .args(["build", "-o"])
        .arg(&go_program)
        .arg(".")
        .current_dir(root.join("bench/franz-go"))
        .output()
    {
        Ok(output) if output.status.success() => Ok(go_program),
        Ok(output) => Err(format!(
            "does not build here: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .next()
                .unwrap_or("go build failed")
        )),
        Err(error) => Err(format!("does not build here: cannot start go: {error}")),
    };
    if let Err(reason) = &franz_go {
        if quick {
            return Err(format!("franz-go {reason}"));
        }
        eprintln!("franz-go {reason}");
    }
    Ok(Programs {
        rust_bin: target.join(folder),
        franz_go,
    })
}
