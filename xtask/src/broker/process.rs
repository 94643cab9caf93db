//! Broker JVM processes: starting a node, recording its PID, telling whether a recorded PID is
//! still that node, and stopping it.
//!
//! A PID is trusted only while `/proc/PID/cmdline` names the node's folder, so a recycled PID of
//! another program is never signalled. Nodes run in their own process group, so a Ctrl-C in the
//! terminal that ran `up` does not reach them. Children started by this process are kept and
//! reaped, so a killed node does not linger as a zombie.

use std::ffi::OsString;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::error::{Error, Result};
use super::jars;
use super::layout::ProfileLayout;

/// How long a node gets to stop after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(20);

/// Children this process started, reaped when they exit.
static CHILDREN: Mutex<Vec<Child>> = Mutex::new(Vec::new());

/// Starts node `node_id` from its `server.properties`; returns its PID, also written to its
/// pid file. Output goes to the node's `server.log` (appended, so a restart keeps the history).
pub(crate) fn spawn_node(layout: &ProfileLayout, lib: &Path, node_id: u32) -> Result<u32> {
    let log_path = layout.node_log(node_id);
    let log = File::options()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| Error::io("opening", &log_path, e))?;
    let log_err = log
        .try_clone()
        .map_err(|e| Error::io("opening", &log_path, e))?;
    let child = Command::new("java")
        .args(node_java_args(layout, lib, node_id))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .process_group(0)
        .spawn()
        .map_err(|e| Error::new(format!("cannot run java (is Java 17 on PATH?): {e}")))?;
    let pid = child.id();
    lock_children().push(child);
    let pid_file = layout.node_pid_file(node_id);
    std::fs::write(&pid_file, format!("{pid}\n"))
        .map_err(|e| Error::io("writing", &pid_file, e))?;
    Ok(pid)
}

/// The arguments of `java` that run node `node_id` from its `server.properties`.
pub(crate) fn node_java_args(layout: &ProfileLayout, lib: &Path, node_id: u32) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "-Xms128m",
        "-Xmx512m",
        "-XX:+UseSerialGC",
        "-Djava.awt.headless=true",
    ]
    .map(OsString::from)
    .into();
    args.push(
        format!(
            "-Dlog4j2.configurationFile={}",
            layout.broker_log4j2().display()
        )
        .into(),
    );
    args.push("-cp".into());
    args.push(jars::class_path(lib).into());
    args.push("kafka.Kafka".into());
    args.push(layout.node_config(node_id).into());
    args
}

/// The recorded PID of node `node_id`, if it is still that node's running JVM.
pub(crate) fn live_pid(layout: &ProfileLayout, node_id: u32) -> Option<u32> {
    let text = std::fs::read_to_string(layout.node_pid_file(node_id)).ok()?;
    let pid = text.trim().parse().ok()?;
    is_node_process(pid, layout, node_id).then_some(pid)
}

/// Whether `pid` runs (not a zombie) and its command line names node `node_id`'s folder.
pub(crate) fn is_node_process(pid: u32, layout: &ProfileLayout, node_id: u32) -> bool {
    reap_children();
    let needle = format!("{}/", layout.node_dir(node_id).display());
    // A process that is just starting (the JVM launcher execs once more) briefly shows an empty
    // command line: look again for a moment before concluding.
    for _ in 0..20 {
        if is_zombie(pid) {
            return false;
        }
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            return false;
        };
        if !cmdline.is_empty() {
            return cmdline
                .split(|&b| b == 0)
                .any(|arg| arg.starts_with(needle.as_bytes()));
        }
        sleep(Duration::from_millis(50));
    }
    false
}

/// Stops the nodes in `ids` that run: SIGTERM to each, then SIGKILL to those still there after
/// a grace period (a cluster losing its quorum can hang in shutdown). Removes their pid files and
/// returns the `(node id, pid)` of those that ran.
pub(crate) fn stop_nodes(
    layout: &ProfileLayout,
    ids: impl Iterator<Item = u32>,
) -> Result<Vec<(u32, u32)>> {
    let ids: Vec<u32> = ids.collect();
    let running: Vec<(u32, u32)> = ids
        .iter()
        .filter_map(|&id| live_pid(layout, id).map(|pid| (id, pid)))
        .collect();
    for &(_, pid) in &running {
        // A paused node (SIGSTOP, a fault test) would not act on SIGTERM until resumed.
        signal(pid, "CONT")?;
        signal(pid, "TERM")?;
    }
    let deadline = Instant::now() + STOP_GRACE;
    for &(id, pid) in &running {
        let left = deadline.saturating_duration_since(Instant::now());
        if !wait_gone(pid, layout, id, left) {
            kill_node_process(layout, id, pid)?;
        }
    }
    for id in ids {
        let _ = std::fs::remove_file(layout.node_pid_file(id));
    }
    Ok(running)
}

/// Sends SIGKILL to node `node_id`'s `pid` (checked to be that node) and waits until it is gone.
pub(crate) fn kill_node_process(layout: &ProfileLayout, node_id: u32, pid: u32) -> Result<()> {
    if !is_node_process(pid, layout, node_id) {
        return Ok(());
    }
    signal(pid, "KILL")?;
    if wait_gone(pid, layout, node_id, Duration::from_secs(10)) {
        Ok(())
    } else {
        Err(Error::new(format!(
            "node {node_id} (pid {pid}) survived SIGKILL"
        )))
    }
}

/// Sends SIGSTOP (`pause`) or SIGCONT to node `node_id`'s `pid`, checked to be that node: a
/// paused JVM keeps its sockets open but answers nothing, as a broker in a long GC pause does.
pub(crate) fn pause_node_process(
    layout: &ProfileLayout,
    node_id: u32,
    pid: u32,
    pause: bool,
) -> Result<()> {
    if !is_node_process(pid, layout, node_id) {
        return Err(Error::new(format!(
            "node {node_id} (pid {pid}) is not running"
        )));
    }
    signal(pid, if pause { "STOP" } else { "CONT" })
}

/// The end of node `node_id`'s log for error messages: the last `lines` lines, reaching back to
/// the last ERROR line (whose stack trace would otherwise fill the tail) if that is near the end.
pub(crate) fn log_tail(layout: &ProfileLayout, node_id: u32, lines: usize) -> String {
    let path = layout.node_log(node_id);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    let mut start = all.len().saturating_sub(lines);
    let reach = all.len().saturating_sub(lines * 4);
    if let Some(error) = all[reach..]
        .iter()
        .rposition(|line| line.contains(" ERROR "))
    {
        start = start.min(reach + error);
    }
    let tail = all[start..].join("\n");
    format!("--- last lines of {} ---\n{tail}", path.display())
}

fn wait_gone(pid: u32, layout: &ProfileLayout, node_id: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while is_node_process(pid, layout, node_id) {
        if Instant::now() > deadline {
            return false;
        }
        sleep(Duration::from_millis(100));
    }
    true
}

/// Sends a signal with the shell's `kill` builtin (std has no portable safe `kill(2)`).
fn signal(pid: u32, name: &str) -> Result<()> {
    let status = Command::new("sh")
        .args(["-c", "kill -s \"$1\" \"$2\"", "sh", name])
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| Error::new(format!("cannot run sh to signal pid {pid}: {e}")))?;
    // A process that exited just now is no error: it is what we wanted.
    if status.success() || !Path::new(&format!("/proc/{pid}")).exists() {
        Ok(())
    } else {
        Err(Error::new(format!(
            "kill -s {name} {pid} failed ({status})"
        )))
    }
}

fn is_zombie(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return true;
    };
    // The state follows the command name, which is in parentheses and may contain spaces.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next());
    matches!(state, Some("Z" | "X") | None)
}

fn reap_children() {
    lock_children().retain_mut(|child| matches!(child.try_wait(), Ok(None)));
}

fn lock_children() -> std::sync::MutexGuard<'static, Vec<Child>> {
    CHILDREN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
