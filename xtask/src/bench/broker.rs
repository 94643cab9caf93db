//! The broker the benchmark runs against, through the project's launcher (`xtask::broker`): the
//! `plain` profile, brought up for the run and pinned to its own core, then brought down again if
//! this run started it. A profile that was already running is used as it is: not pinned (it may
//! be someone else's) and left running.

use std::path::PathBuf;
use std::process::Command;

use crate::broker::{self, Profile};

/// The broker of one benchmark run.
#[derive(Debug)]
pub(crate) struct Bench {
    /// Its bootstrap address.
    pub(crate) bootstrap: String,
    /// The profile, if this run brought it up (and so brings it down and may pin it).
    started: Option<Profile>,
    /// What the report says about where it runs.
    pub(crate) pinning: String,
}

/// The pinned Kafka version.
///
/// # Errors
/// When the pom cannot be read.
pub(crate) fn kafka_version() -> Result<String, String> {
    broker::jars::kafka_version().map_err(|error| error.to_string())
}

/// The Java tools' `(program, arguments)` for `producer-perf-test` or `consumer-perf-test`, as the
/// launcher builds them (the broker's jars, full JIT, quiet logging).
///
/// # Errors
/// When the jars cannot be fetched.
pub(crate) fn perf_tool(name: &str) -> Result<(PathBuf, Vec<String>), String> {
    let command = broker::tool_command(name).map_err(|error| error.to_string())?;
    let args = command
        .get_args()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    Ok((PathBuf::from(command.get_program()), args))
}

impl Bench {
    /// Brings `profile` up (or finds it running) and pins its nodes to `cpu` when this run started
    /// them.
    ///
    /// # Errors
    /// When the launcher fails.
    pub(crate) fn up(profile: Profile, cpu: Option<usize>) -> Result<Bench, String> {
        let running = broker::status(profile)
            .iter()
            .any(|node| node.pid.is_some());
        eprintln!("==> bringing up the {profile} broker");
        let up = broker::up(profile).map_err(|error| error.to_string())?;
        let bootstrap = up.bootstrap();
        if running {
            return Ok(Bench {
                bootstrap,
                started: None,
                pinning: "the broker was already running: not pinned".into(),
            });
        }
        let pinning = match cpu {
            Some(cpu) => {
                for node in &up.nodes {
                    // -a: every thread of the JVM, not only its first.
                    let pinned = Command::new("taskset")
                        .args(["-a", "-p", "-c", &cpu.to_string(), &node.pid.to_string()])
                        .output()
                        .map_err(|error| format!("taskset: {error}"))?;
                    if !pinned.status.success() {
                        return Err(format!(
                            "taskset: {}",
                            String::from_utf8_lossy(&pinned.stderr).trim()
                        ));
                    }
                }
                format!("broker on core {cpu}")
            }
            None => "broker not pinned (one core)".into(),
        };
        Ok(Bench {
            bootstrap,
            started: Some(profile),
            pinning,
        })
    }
}

impl Bench {
    /// Whether this run started the broker (so it is fresh, and may be warmed up).
    pub(crate) fn started_here(&self) -> bool {
        self.started.is_some()
    }
}

impl Drop for Bench {
    /// Brings the profile down if this run brought it up.
    fn drop(&mut self) {
        if let Some(profile) = self.started
            && let Err(error) = broker::down(profile)
        {
            eprintln!("xtask: bringing the {profile} broker down: {error}");
        }
    }
}
