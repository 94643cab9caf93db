//! `cargo xtask qemu`, also a step of `cargo xtask test`: builds the checked bare-metal programs
//! (`examples/bare-metal` with its `qemu` feature, and `gzip` where `RUNS` says, optimised for
//! size as they would ship) and runs each on QEMU's `mps2-an386`, a Cortex-M4 board, from
//! Debian's `qemu-system-arm`. A program prints its checks, its stack's high-water mark and
//! (the client) its RAM through semihosting, and ends with exit status 0 only when every check
//! held.
//!
//! Each run is bounded by the host's clock, not QEMU's (no `-icount`): a program still running
//! after [`RUN_TIMEOUT`] is killed by its PID, and that is a failure. So is a missing
//! `qemu-system-arm`, here and in CI: the step never passes by skipping.

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::size::{self, TARGET};
use crate::workspace;

/// The emulator, and the Debian package that has it.
const QEMU: &str = "qemu-system-arm";
/// The board: an MPS2 with the AN386 FPGA image, a Cortex-M4 (memory map in
/// `examples/bare-metal/memory.x`).
const MACHINE: &str = "mps2-an386";
/// The client against the scripted broker, by binary name.
const CLIENT: &str = "franzl-scripted-client";
/// The builds that run, by the package features they have, and their programs: the client as the
/// flash goal counts it (no gzip: its RAM is the one the README gives), then the record-batch
/// and gzip program, and the client again with gzip, whose inflate state takes stack of its own.
const RUNS: [(&str, &[&str]); 2] = [
    ("qemu", &[CLIENT]),
    ("gzip,qemu", &["franzl-bare-metal", CLIENT]),
];
/// How long one program may run: each takes well under a second on QEMU.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// `cargo xtask qemu`: takes no arguments.
///
/// # Errors
/// As [`run_bare_metal_programs`], or arguments given.
pub fn command(args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err("usage: cargo xtask qemu".into());
    }
    run_bare_metal_programs()
}

/// Builds the programs and runs each on the emulated board.
///
/// # Errors
/// The build fails, `qemu-system-arm` is missing, or a program fails a check, panics, or
/// outlives its time.
pub fn run_bare_metal_programs() -> Result<(), String> {
    let target_dir = workspace::target_dir().join("bare-metal");
    eprintln!("\n==> the bare-metal programs on QEMU's {MACHINE} (Cortex-M4)");
    for (features, programs) in RUNS {
        let mut args = vec!["--features", features];
        for program in programs {
            args.extend(["--bin", program]);
        }
        size::build(true, &args, None, &target_dir)?;
        for program in programs {
            let elf = target_dir.join(TARGET).join("release").join(program);
            run_program(&elf, features)?;
        }
    }
    Ok(())
}

/// Runs one program, built with `features`, on the board; its output goes to this process's
/// standard output.
fn run_program(elf: &Path, features: &str) -> Result<(), String> {
    let name = elf.file_name().map_or_else(
        || elf.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    eprintln!("\n==> {name} (features {features}) on {MACHINE}");
    let mut qemu = Command::new(QEMU);
    qemu.args(["-machine", MACHINE, "-cpu", "cortex-m4"])
        // No display, serial port or monitor: semihosting is the only output, sent to standard
        // output (without a chardev QEMU writes it to standard error, mixed with its own).
        .args(["-display", "none", "-serial", "none", "-monitor", "none"])
        .args(["-chardev", "stdio,id=semihosting"])
        .args([
            "-semihosting-config",
            "enable=on,target=native,chardev=semihosting",
        ])
        .arg("-kernel")
        .arg(elf);
    let started = Instant::now();
    let run = run_bounded(qemu, RUN_TIMEOUT).map_err(|error| match error {
        RunError::Start(error) if error.kind() == std::io::ErrorKind::NotFound => format!(
            "{QEMU} is not installed: it runs the bare-metal programs (Debian's package \
             {QEMU}: `apt-get install -y {QEMU}`; .ci/run installs it)"
        ),
        other => format!("{name} on {MACHINE}: {other}"),
    })?;
    print!("{}", run.output);
    if !run.status.success() {
        return Err(format!(
            "{name} on {MACHINE} failed ({}): see the FAIL lines above",
            run.status
        ));
    }
    eprintln!(
        "{name}: every check held on {MACHINE} ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A run that ended by itself.
#[derive(Debug)]
pub struct Run {
    /// How it ended.
    pub status: ExitStatus,
    /// Its standard output.
    pub output: String,
}

/// Why a bounded run has no exit status of its own.
#[derive(Debug)]
pub enum RunError {
    /// The program could not be started.
    Start(std::io::Error),
    /// Waiting for it failed.
    Wait(std::io::Error),
    /// It was still running at its time limit and was killed (its output so far is kept).
    TimedOut {
        /// The limit.
        after: Duration,
        /// What it printed before.
        output: String,
    },
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Start(error) => write!(f, "cannot start it: {error}"),
            Self::Wait(error) => write!(f, "waiting for it failed: {error}"),
            Self::TimedOut { after, output } => write!(
                f,
                "still running after {} s, killed; its output so far:\n{output}",
                after.as_secs()
            ),
        }
    }
}

/// Runs `command` with its standard output captured, killing it by its PID if it is still
/// running after `limit`.
///
/// # Errors
/// [`RunError`]: it did not start, could not be waited for, or ran out of time.
pub fn run_bounded(mut command: Command, limit: Duration) -> Result<Run, RunError> {
    let mut child = command
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .map_err(RunError::Start)?;
    // Read on a thread, so a full pipe never stalls the program while this one waits.
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut output = String::new();
        if let Some(stdout) = stdout.as_mut() {
            let _ = stdout.read_to_string(&mut output);
        }
        output
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                // `Child::kill` sends SIGKILL to this child's PID, and only to it.
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RunError::Wait(error));
            }
        }
    };
    let output = reader.join().unwrap_or_default();
    match status {
        Some(status) => Ok(Run { status, output }),
        None => Err(RunError::TimedOut {
            after: limit,
            output,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn a_program_that_ends_keeps_its_status_and_output() {
        let run = run_bounded(shell("echo checked; exit 3"), Duration::from_secs(10)).unwrap();
        assert_eq!(
            (run.status.code(), run.output.as_str()),
            (Some(3), "checked\n")
        );
    }

    #[test]
    fn a_program_past_its_time_is_killed_and_fails() {
        let started = Instant::now();
        let error = run_bounded(
            shell("echo started; exec sleep 30"),
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "it was killed");
        match error {
            RunError::TimedOut { output, .. } => assert_eq!(output, "started\n"),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn a_missing_program_is_an_error() {
        let error = run_bounded(
            Command::new("franzl-no-such-program"),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(
            matches!(&error, RunError::Start(e) if e.kind() == std::io::ErrorKind::NotFound),
            "{error}"
        );
    }
}
