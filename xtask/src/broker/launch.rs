//! Starting a profile: a fresh start (ports, PKI, configs, format, spawn), or the restart of the
//! nodes of a running profile that have died; then waiting until every node answers.
//!
//! A fresh start wipes `target/kafka/<profile>/` (never the lock file) and formats new storage.
//! A node counts as ready when it answers ApiVersions v0 with error 0 and, on a multi-node
//! profile, when a Metadata request to it lists every node.

use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::config::{self, NodePorts};
use super::error::{Error, Result};
use super::layout::ProfileLayout;
use super::users::SaslMechanism;
use super::{Broker, Node, Profile, ProxiedListener, jars, probe, process, state, tls};

/// How long one probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Starts every node of a profile that has no live node; returns the running broker.
pub(crate) fn fresh_start(layout: &ProfileLayout) -> Result<Broker> {
    let lib = jars::ensure_jars()?;
    let root = layout.root();
    match std::fs::remove_dir_all(root) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io("removing", root, e)),
    }
    for id in layout.profile().node_ids() {
        let dir = layout.node_data(id);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("creating", &dir, e))?;
    }
    let nodes = state::choose_ports(layout)?;
    state::write_ports(layout, &nodes)?;
    write_file(&layout.broker_log4j2(), config::BROKER_LOG4J2)?;
    write_client_configs(layout)?;
    for &node in &nodes {
        let text = config::server_properties(layout, node, &nodes);
        write_file(&layout.node_config(node.id), &text)?;
    }
    format_storage(layout, &lib)?;
    let mut started = Vec::new();
    for node in &nodes {
        match process::spawn_node(layout, &lib, node.id) {
            Ok(pid) => started.push((node.id, pid)),
            Err(error) => return Err(abandon(layout, &started, error)),
        }
    }
    match wait_ready(layout, &nodes, &started) {
        Ok(broker) => {
            state::write_bootstrap(layout, &broker.bootstrap())?;
            Ok(broker)
        }
        Err(error) => Err(abandon(layout, &started, error)),
    }
}

/// Restarts the nodes in `ids` that are not running, from their existing configs and data,
/// then waits until every node of the profile is ready.
pub(crate) fn restart_dead(
    layout: &ProfileLayout,
    nodes: &[NodePorts],
    ids: &[u32],
) -> Result<Broker> {
    let lib = jars::ensure_jars()?;
    let mut pids = Vec::new();
    for node in nodes {
        let pid = match process::live_pid(layout, node.id) {
            Some(pid) => pid,
            None if ids.contains(&node.id) => {
                eprintln!("xtask: restarting {} node {}", layout.profile(), node.id);
                process::spawn_node(layout, &lib, node.id)?
            }
            None => {
                return Err(Error::new(format!(
                    "{} node {} is not running",
                    layout.profile(),
                    node.id
                )));
            }
        };
        pids.push((node.id, pid));
    }
    let broker = wait_ready(layout, nodes, &pids)?;
    state::write_bootstrap(layout, &broker.bootstrap())?;
    Ok(broker)
}

/// Waits until every node in `pids` answers, or fails with the log of the one that did not.
fn wait_ready(layout: &ProfileLayout, nodes: &[NodePorts], pids: &[(u32, u32)]) -> Result<Broker> {
    let profile = layout.profile();
    let timeout = Duration::from_secs(if nodes.len() > 1 { 180 } else { 90 });
    let deadline = Instant::now() + timeout;
    let all_ids: Vec<i32> = nodes
        .iter()
        .filter_map(|n| i32::try_from(n.id).ok())
        .collect();
    loop {
        let mut waiting_for = None;
        for (node, &(id, pid)) in nodes.iter().zip(pids) {
            if !process::is_node_process(pid, layout, id) {
                return Err(Error::new(format!(
                    "{profile} node {id} (pid {pid}) exited while starting\n{}",
                    process::log_tail(layout, id, 40)
                )));
            }
            if waiting_for.is_none() {
                let ready = node_ready(profile, *node, &all_ids);
                waiting_for = ready.err().map(|reason| (id, reason));
            }
        }
        let Some((id, reason)) = waiting_for else {
            return Ok(broker(layout, nodes, pids));
        };
        if Instant::now() > deadline {
            return Err(Error::new(format!(
                "{profile} node {id} did not answer within {}s ({reason})\n{}",
                timeout.as_secs(),
                process::log_tail(layout, id, 40)
            )));
        }
        sleep(Duration::from_millis(250));
    }
}

fn node_ready(profile: Profile, node: NodePorts, all_ids: &[i32]) -> Result<(), String> {
    // ApiVersions is answered before authentication, but not before a TLS handshake: the tls
    // profile is probed on its internal PLAINTEXT listener.
    let port = if profile.client_listener_is_tls() {
        node.internal
    } else {
        node.client
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    probe::api_versions(addr, PROBE_TIMEOUT)?;
    if all_ids.len() > 1 {
        let known = probe::metadata_broker_ids(addr, PROBE_TIMEOUT)?;
        if let Some(missing) = all_ids.iter().find(|id| !known.contains(id)) {
            return Err(format!("its metadata does not list node {missing} yet"));
        }
    }
    Ok(())
}

/// The broker description of a profile whose nodes run as `pids`.
pub(crate) fn broker(layout: &ProfileLayout, nodes: &[NodePorts], pids: &[(u32, u32)]) -> Broker {
    let nodes = nodes
        .iter()
        .zip(pids)
        .map(|(node, &(id, pid))| Node {
            id,
            pid,
            address: std::net::SocketAddr::from(([127, 0, 0, 1], node.client)),
            // A ports file written before the listener existed has no port of its own for it.
            client_auth_address: (layout.profile().has_client_auth_listener()
                && node.client_auth != node.client)
                .then(|| std::net::SocketAddr::from(([127, 0, 0, 1], node.client_auth))),
            reauth_address: (layout.profile().has_reauth_listener()
                && node.client_auth != node.client)
                .then(|| std::net::SocketAddr::from(([127, 0, 0, 1], node.client_auth))),
            sasl_ssl_address: (layout.profile().has_sasl_ssl_listener()
                && node.sasl_ssl != node.client)
                .then(|| std::net::SocketAddr::from(([127, 0, 0, 1], node.sasl_ssl))),
            proxied: (layout.profile().has_proxied_listener() && node.proxy != node.client).then(
                || ProxiedListener {
                    broker: std::net::SocketAddr::from(([127, 0, 0, 1], node.proxied)),
                    advertised: std::net::SocketAddr::from(([127, 0, 0, 1], node.proxy)),
                },
            ),
        })
        .collect();
    Broker {
        profile: layout.profile(),
        dir: layout.root().to_path_buf(),
        nodes,
    }
}

/// Formats every node's storage, in parallel; on sasl, with the SCRAM test users.
pub(crate) fn format_storage(layout: &ProfileLayout, lib: &std::path::Path) -> Result<()> {
    let mut children = Vec::new();
    for id in layout.profile().node_ids() {
        let mut command = Command::new("java");
        command
            .args(["-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"])
            .arg(format!(
                "-Dlog4j2.configurationFile={}",
                layout.broker_log4j2().display()
            ))
            .arg("-cp")
            .arg(jars::class_path(lib))
            .args([
                "kafka.tools.StorageTool",
                "format",
                "-t",
                layout.profile().cluster_id(),
            ])
            .arg("-c")
            .arg(layout.node_config(id))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if layout.profile().has_scram_users() {
            command.args(config::scram_format_args());
        }
        let child = command
            .spawn()
            .map_err(|e| Error::new(format!("cannot run java (is Java 17 on PATH?): {e}")))?;
        children.push((id, child));
    }
    let mut failure = None;
    for (id, child) in children {
        let output = child.wait_with_output();
        let failed = match output {
            Ok(output) if output.status.success() => None,
            Ok(output) => Some(format!(
                "{}\n{}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )),
            Err(e) => Some(e.to_string()),
        };
        if let Some(detail) = failed {
            failure.get_or_insert(format!(
                "formatting {} node {id} failed: {detail}",
                layout.profile()
            ));
        }
    }
    failure.map_or(Ok(()), |message| Err(Error::new(message)))
}

fn write_client_configs(layout: &ProfileLayout) -> Result<()> {
    match layout.profile() {
        Profile::Sasl => {
            for mechanism in SaslMechanism::ALL {
                let text = config::sasl_client_properties(mechanism);
                write_file(&layout.sasl_client_properties(mechanism), &text)?;
            }
            Ok(())
        }
        Profile::Tls => {
            tls::write_test_pki(layout)?;
            write_file(
                &layout.tls_client_properties(),
                &config::tls_client_properties(layout),
            )
        }
        Profile::Plain | Profile::Cluster3 => Ok(()),
    }
}

/// Kills the nodes started so far after a failed start, so no half-started profile is left.
fn abandon(layout: &ProfileLayout, started: &[(u32, u32)], error: Error) -> Error {
    for &(id, pid) in started {
        if let Err(kill_error) = process::kill_node_process(layout, id, pid) {
            eprintln!("xtask: {kill_error}");
        }
    }
    error
}

pub(crate) fn write_file(path: &std::path::Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).map_err(|e| Error::io("writing", path, e))
}
