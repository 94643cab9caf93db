//! `cargo xtask test`: everything CI runs, in the order a developer wants to see failures.
//!
//! First the set-up ([`crate::setup`]): whatever the steps need beyond the README's prerequisites
//! (rustfmt and clippy, the bare-metal target, nightly, cargo-fuzz, kcat) is installed when
//! missing. Then formatting, clippy (also of franzl with its `fuzzing` entry points), the
//! bare-metal build of franzl-core, the generated-code drift check, the bare-metal programs' sizes
//! and their runs on an emulated Cortex-M4 ([`crate::qemu`]: every check on the target must
//! hold), unit tests, the fuzz smoke test, then the integration
//! tests against real brokers, and on the `plain` broker they left running the client benchmark's
//! smoke test (`cargo xtask bench --quick`: every client builds, runs every scenario it claims,
//! and its counts match the broker's; then the client programs' unit tests). The brokers that the integration tests bring up are stopped at the end by their
//! recorded PIDs, whether the tests passed or not. Last, one minute of the soak under faults
//! ([`crate::soak`]: connections cut, a broker killed and restarted, connections stalled, on
//! `cluster3` behind the fault proxies), whose history must show nothing lost, duplicated,
//! reordered or invented.

use crate::process::{cargo, run};

/// The bare-metal target franzl-core must build for without an allocator.
pub const BARE_METAL_TARGET: &str = "thumbv7em-none-eabihf";

/// Runs every step; the first failure ends the run (brokers are still stopped).
///
/// # Errors
/// The failing step, by name.
pub fn test(_args: &[String]) -> Result<(), String> {
    crate::setup::install_missing()?;
    run("format check", cargo(&["fmt", "--all", "--check"]))?;
    run(
        "clippy (workspace, all targets)",
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    run(
        "clippy (franzl-core, all features)",
        cargo(&[
            "clippy",
            "-p",
            "franzl-core",
            "--all-features",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    run(
        "clippy (franzl with the fuzz targets' entry points)",
        cargo(&[
            "clippy",
            "-p",
            "franzl",
            "--features",
            "fuzzing",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    bare_metal_build()?;
    generated_code_drift()?;
    crate::size::bare_metal_size_report()?;
    crate::qemu::run_bare_metal_programs()?;
    run(
        "unit tests",
        cargo(&["test", "--workspace", "--exclude", "franzl-tests"]),
    )?;
    fuzz_smoke()?;
    run(
        "doc tests and docs",
        cargo(&["doc", "--workspace", "--no-deps"]),
    )?;
    integration_tests()
}

/// Builds franzl-core for bare metal (the set-up installed the target).
fn bare_metal_build() -> Result<(), String> {
    run(
        "franzl-core for bare metal, no allocator",
        cargo(&[
            "build",
            "-p",
            "franzl-core",
            "--no-default-features",
            "--target",
            BARE_METAL_TARGET,
        ]),
    )
}

/// Regenerates the protocol messages from `../shared/kafka-protocol` and fails when the
/// committed files differ. Without `../shared` the check is skipped, except in CI, where that is
/// a failure.
fn generated_code_drift() -> Result<(), String> {
    if crate::workspace::shared_dir().is_none() {
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            return Err("generated-code drift check: ../shared is missing in CI".into());
        }
        eprintln!("\n==> generated-code drift check skipped: no ../shared beside the checkout");
        return Ok(());
    }
    run(
        "generated-code drift check",
        cargo(&["run", "--quiet", "-p", "franzl-codegen", "--", "--check"]),
    )
}

/// Seconds each fuzz target runs in the smoke test, after replaying its corpus.
const FUZZ_SMOKE_SECONDS: u32 = 15;

/// Replays each fuzz target's committed corpus and fuzzes it briefly (cargo-fuzz, nightly).
/// The corpus is copied under `target/` first, so inputs found here do not dirty the tree.
fn fuzz_smoke() -> Result<(), String> {
    let root = crate::workspace::root();
    let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml"))
        .map_err(|error| format!("fuzz smoke: reading fuzz/Cargo.toml: {error}"))?;
    let targets: Vec<&str> = manifest
        .lines()
        .filter_map(|line| line.trim().strip_prefix("name = \""))
        .filter_map(|rest| rest.strip_suffix('"'))
        .filter(|name| *name != "franzl-fuzz")
        .collect();
    for target in targets {
        let corpus = crate::workspace::target_dir()
            .join("fuzz-corpus")
            .join(target);
        std::fs::create_dir_all(&corpus)
            .map_err(|error| format!("fuzz smoke: {}: {error}", corpus.display()))?;
        let committed = root.join("fuzz/corpus").join(target);
        if let Ok(entries) = std::fs::read_dir(&committed) {
            for entry in entries.flatten() {
                let _ = std::fs::copy(entry.path(), corpus.join(entry.file_name()));
            }
        }
        // The rustup proxy, not `$CARGO` (the stable toolchain's own binary), so `+nightly` works.
        let mut command = std::process::Command::new("cargo");
        command
            .current_dir(&root)
            .args(["+nightly", "fuzz", "run", target])
            .arg(&corpus)
            .args([
                "--",
                &format!("-max_total_time={FUZZ_SMOKE_SECONDS}"),
                "-rss_limit_mb=2048",
                "-print_final_stats=1",
            ]);
        run(&format!("fuzz smoke: {target}"), command)?;
    }
    Ok(())
}

/// Runs the integration tests, then the benchmark's smoke test, then a one-minute soak; the
/// brokers they started are stopped afterwards in every case. Among the integration tests,
/// `embedded_tap.rs` makes a network namespace with a TAP device and a broker of its own (it
/// stops that broker itself): CI runs as root, and with `CI=true` a namespace that cannot be
/// made fails the test instead of skipping it.
fn integration_tests() -> Result<(), String> {
    let result = run(
        "integration tests against real brokers",
        cargo(&["test", "-p", "franzl-tests", "--", "--test-threads", "4"]),
    )
    .and_then(|()| bench_smoke())
    .and_then(|()| crate::soak::soak(&["--minutes".into(), "1".into()]));
    let stopped = stop_brokers();
    result.and(stopped)
}

/// `cargo xtask bench --quick`: builds every client program (a client that does not build is a
/// failure here, not a skipped row) and checks each one's counts against the broker.
fn bench_smoke() -> Result<(), String> {
    eprintln!("\n==> client benchmark smoke test (cargo xtask bench --quick)");
    crate::bench::run(&["--quick".to_string()])
        .map_err(|error| format!("client benchmark smoke test: {error}"))?;
    // The client programs' own unit tests (the replay's encoder, the contract's parser), in the
    // target folder the smoke test built them in.
    let mut unit_tests = cargo(&["test", "--manifest-path", "bench/clients/Cargo.toml"]);
    unit_tests.env(
        "CARGO_TARGET_DIR",
        crate::workspace::target_dir().join("bench-clients"),
    );
    run("benchmark client programs' unit tests", unit_tests)
}

/// Stops every profile's brokers by their recorded PIDs.
fn stop_brokers() -> Result<(), String> {
    let mut failures = Vec::new();
    for profile in crate::broker::Profile::ALL {
        if let Err(error) = crate::broker::down(profile) {
            failures.push(format!("{}: {error}", profile.name()));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("stopping brokers: {}", failures.join("; ")))
    }
}
