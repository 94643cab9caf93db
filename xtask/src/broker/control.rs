//! Stopping a profile, asking what runs, and killing, pausing, resuming or restarting a single
//! node (the fault tests and the soak of `cluster3`).

use super::error::{Error, Result};
use super::layout::ProfileLayout;
use super::lock::ProfileLock;
use super::{Broker, Profile, launch, process, state};

/// The state of one node of a profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    /// The node id.
    pub id: u32,
    /// Its PID, if it runs.
    pub pid: Option<u32>,
    /// Its client address, if the profile was ever started.
    pub address: Option<std::net::SocketAddr>,
}

/// Stops every node of `profile` (SIGTERM to all, then SIGKILL to those still running after a
/// grace period) and returns the `(node id, pid)` of those that ran. A profile that does not run
/// is no error. Files stay under `target/kafka/<profile>/` for inspection until the next `up`.
///
/// # Errors
///
/// A signal cannot be sent, or a node survives SIGKILL.
pub fn down(profile: Profile) -> Result<Vec<(u32, u32)>> {
    let layout = ProfileLayout::new(profile);
    let _lock = ProfileLock::acquire(&layout)?;
    process::stop_nodes(&layout, profile.node_ids())
}

/// The nodes of `profile`, running or not.
pub fn status(profile: Profile) -> Vec<NodeStatus> {
    let layout = ProfileLayout::new(profile);
    let ports = state::read_ports(&layout);
    profile
        .node_ids()
        .map(|id| NodeStatus {
            id,
            pid: process::live_pid(&layout, id),
            address: ports
                .as_ref()
                .and_then(|nodes| nodes.iter().find(|node| node.id == id))
                .map(|node| std::net::SocketAddr::from(([127, 0, 0, 1], node.client))),
        })
        .collect()
}

/// Kills node `node_id` of `profile` with SIGKILL (a crash, not a clean shutdown) and returns
/// its PID once it is gone.
///
/// # Errors
///
/// The node does not run, or survives the signal.
pub fn kill_node(profile: Profile, node_id: u32) -> Result<u32> {
    let layout = ProfileLayout::new(profile);
    let _lock = ProfileLock::acquire(&layout)?;
    let pid = process::live_pid(&layout, node_id)
        .ok_or_else(|| Error::new(format!("{profile} node {node_id} is not running")))?;
    process::kill_node_process(&layout, node_id, pid)?;
    Ok(pid)
}

/// Pauses node `node_id` of `profile` with SIGSTOP (its sockets stay open, nothing answers) and
/// returns its PID. [`resume_node`] continues it; [`down`] resumes paused nodes before stopping.
///
/// # Errors
///
/// The node does not run, or the signal cannot be sent.
pub fn pause_node(profile: Profile, node_id: u32) -> Result<u32> {
    signal_node(profile, node_id, true)
}

/// Resumes node `node_id` of `profile` with SIGCONT after [`pause_node`]; returns its PID.
///
/// # Errors
///
/// The node does not run, or the signal cannot be sent.
pub fn resume_node(profile: Profile, node_id: u32) -> Result<u32> {
    signal_node(profile, node_id, false)
}

fn signal_node(profile: Profile, node_id: u32, pause: bool) -> Result<u32> {
    let layout = ProfileLayout::new(profile);
    let _lock = ProfileLock::acquire(&layout)?;
    let pid = process::live_pid(&layout, node_id)
        .ok_or_else(|| Error::new(format!("{profile} node {node_id} is not running")))?;
    process::pause_node_process(&layout, node_id, pid, pause)?;
    Ok(pid)
}

/// Starts node `node_id` of a running `profile` again, with its old ports and data, and waits
/// until every node answers. A node that already runs is left alone.
///
/// # Errors
///
/// The profile was never started, another node is down too, or the node does not come back.
pub fn restart_node(profile: Profile, node_id: u32) -> Result<Broker> {
    let layout = ProfileLayout::new(profile);
    let _lock = ProfileLock::acquire(&layout)?;
    let nodes = state::read_ports(&layout)
        .ok_or_else(|| Error::new(format!("{profile} was never started")))?;
    launch::restart_dead(&layout, &nodes, &[node_id])
}
