//! `cargo xtask demo`: brings up the `plain` broker and runs the quickstart example against it.
//!
//! The broker is left running for more experiments (`cargo xtask broker down --profile plain`
//! stops it); the quickstart's bootstrap address comes from the launcher.

use crate::broker::{self, Profile};
use crate::process::{cargo, run};

/// Runs the demo; extra arguments go to the quickstart.
///
/// # Errors
/// The broker does not start, or the quickstart fails.
pub fn demo(args: &[String]) -> Result<(), String> {
    eprintln!("==> starting Apache Kafka (profile plain) on 127.0.0.1");
    let broker = broker::up(Profile::Plain).map_err(|error| error.to_string())?;
    let bootstrap = broker.bootstrap();
    eprintln!("    bootstrap: {bootstrap}");
    let mut quickstart = cargo(&[
        "run",
        "--quiet",
        "-p",
        "franzl-examples",
        "--bin",
        "quickstart",
        "--",
    ]);
    quickstart.arg("--bootstrap").arg(&bootstrap).args(args);
    run("quickstart", quickstart)?;
    eprintln!("\nThe broker is still running: cargo xtask broker down --profile plain");
    Ok(())
}
