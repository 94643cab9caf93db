//! One Kafka node outside the profiles, for a test that runs it where the profiles cannot be
//! reached: inside a network namespace of its own (the embedded client's TAP test).
//!
//! It has the `sasl` profile's settings (a SASL_PLAINTEXT listener with PLAIN, SCRAM-SHA-256 and
//! SCRAM-SHA-512 and their test users, the `REAUTH` listener, an internal PLAINTEXT one), in a
//! folder the caller chooses, with the client listeners on an address the caller chooses.
//!
//! Contract: [`StandaloneNode::prepare`] writes the configs and formats the storage; the caller
//! starts the node with [`StandaloneNode::command`], as often as it likes (the data survives
//! a restart), and stops what it started by its PID. Nothing here takes a profile lock or
//! touches `target/kafka/<profile>/`. The ports are fixed: the node is meant to be alone in its
//! network namespace.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::config::{self, NodePorts};
use super::error::{Error, Result};
use super::launch::{format_storage, write_file};
use super::layout::ProfileLayout;
use super::{Profile, jars, process};

/// The node's id.
const NODE_ID: u32 = 1;

/// The ports of a standalone node: fixed, since nothing else listens in its namespace.
const PORTS: NodePorts = NodePorts {
    id: NODE_ID,
    client: 9092,
    internal: 9093,
    controller: 9094,
    client_auth: 9095,
    proxied: 9092,
    proxy: 9092,
    sasl_ssl: 9092,
};

/// A prepared standalone node (see the module docs).
#[derive(Clone, Debug)]
pub struct StandaloneNode {
    layout: ProfileLayout,
    lib: PathBuf,
    host: Ipv4Addr,
}

impl StandaloneNode {
    /// Writes the node's configs into `root` (created; it must not hold an earlier node) with
    /// its client listeners on `host`, and formats its storage with the SCRAM test users.
    ///
    /// # Errors
    /// The jars cannot be fetched, `java` cannot run, formatting fails, or `root` cannot be
    /// written.
    pub fn prepare(root: &Path, host: Ipv4Addr) -> Result<Self> {
        let lib = jars::ensure_jars()?;
        let layout = ProfileLayout::at(Profile::Sasl, root.to_path_buf());
        let data = layout.node_data(NODE_ID);
        std::fs::create_dir_all(&data).map_err(|e| Error::io("creating", &data, e))?;
        write_file(&layout.broker_log4j2(), config::BROKER_LOG4J2)?;
        let properties = server_properties(&layout, host);
        write_file(&layout.node_config(NODE_ID), &properties)?;
        format_storage(&layout, &lib)?;
        Ok(Self { layout, lib, host })
    }

    /// The SASL_PLAINTEXT client listener (PLAIN and both SCRAM mechanisms).
    pub fn client_address(&self) -> SocketAddr {
        SocketAddr::from((self.host, PORTS.client))
    }

    /// The folder it runs in.
    pub fn dir(&self) -> &Path {
        self.layout.root()
    }

    /// The command that runs the node in the foreground, logging to its stdout: `java` and its
    /// arguments after the words of `wrapper` (for example `["ip", "netns", "exec", "ns1"]`,
    /// which runs `java` itself in that namespace, so the child's PID is the JVM's).
    pub fn command(&self, wrapper: &[&str]) -> Command {
        let mut command = match wrapper.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg("java");
                command
            }
            None => Command::new("java"),
        };
        command.args(process::node_java_args(&self.layout, &self.lib, NODE_ID));
        command
    }
}

/// The node's `server.properties`: the sasl profile's, client listeners on `host`.
fn server_properties(layout: &ProfileLayout, host: Ipv4Addr) -> String {
    let mut properties = config::server_properties_on(layout, PORTS, &[PORTS], &host.to_string());
    // A node started again after SIGKILL cannot register until the controller has let its
    // earlier registration's session end (DUPLICATE_BROKER_REGISTRATION until then): 2 s, not
    // the default 9 s.
    properties.push_str("broker.heartbeat.interval.ms=500\nbroker.session.timeout.ms=2000\n");
    properties
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::server_properties;
    use crate::broker::{Profile, ProfileLayout};

    #[test]
    fn client_listeners_on_the_given_address_and_a_short_broker_session() {
        let layout = ProfileLayout::at(Profile::Sasl, "/tmp/node".into());
        let text = server_properties(&layout, Ipv4Addr::new(10, 69, 0, 1));
        assert!(text.contains(
            "\nlisteners=SASL_PLAINTEXT://10.69.0.1:9092,BROKER://127.0.0.1:9093,\
             CONTROLLER://127.0.0.1:9094,REAUTH://10.69.0.1:9095\n"
        ));
        assert!(text.contains("\nlog.dirs=/tmp/node/node-1/data\n"));
        assert!(text.ends_with("broker.session.timeout.ms=2000\n"));
        assert_eq!(text.matches("broker.session.timeout.ms").count(), 1);
    }
}
