//! Running the commands a task is made of: each step is echoed, and a failing step is an error
//! that names it.

use std::process::Command;

/// A `cargo` command run from the workspace root, with the same toolchain as this xtask.
pub fn cargo(args: &[&str]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command.args(args).current_dir(crate::workspace::root());
    command
}

/// Runs `command` to completion with inherited stdio, after printing it as a step heading.
///
/// # Errors
/// When the command cannot be started or exits with a failure status.
pub fn run(step: &str, mut command: Command) -> Result<(), String> {
    eprintln!("\n==> {step}");
    let status = command
        .status()
        .map_err(|error| format!("{step}: cannot start {:?}: {error}", command.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step}: failed ({status})"))
    }
}

/// Runs `command` and returns its standard output, or an error with its standard error.
///
/// # Errors
/// When the command cannot be started or exits with a failure status.
pub fn output(mut command: Command) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|error| format!("cannot start {:?}: {error}", command.get_program()))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{:?} failed ({}): {}",
            command.get_program(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
