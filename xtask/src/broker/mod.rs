//! The Apache Kafka launcher: starts, reuses and stops real brokers in KRaft mode on 127.0.0.1,
//! one set per [`Profile`], for `cargo xtask broker`, the integration tests and the demo.
//!
//! Contract:
//! - [`up`] returns once every node answers; a profile already running is reused, and a
//!   `cluster3` with a dead node gets that node restarted. A fresh start wipes the profile's
//!   folder, so data does not survive `down` + `up`.
//! - Brokers outlive the process that started them; whoever starts them calls [`down`].
//! - `up`, `down`, [`kill_node`], [`pause_node`], [`resume_node`] and [`restart_node`] take a
//!   per-profile lock file, so concurrent callers (parallel test binaries, two terminals) take
//!   turns.
//! - Nothing listens beyond 127.0.0.1, but a [`StandaloneNode`], which a test runs in a network
//!   namespace of its own. Jars come from Maven Central via `mvn` into a cache
//!   shared by all checkouts (see [`jars`]); `java` (17) must be on `PATH`.
//!
//! Files are laid out as [`ProfileLayout`] says.

mod config;
mod control;
mod error;
pub mod jars;
mod launch;
mod layout;
mod lock;
mod probe;
mod process;
mod profile;
mod standalone;
mod state;
mod tls;
mod tools;
mod users;

use std::net::SocketAddr;
use std::path::PathBuf;

pub use control::{NodeStatus, down, kill_node, pause_node, restart_node, resume_node, status};
pub use error::{Error, Result};
pub use layout::{ProfileLayout, kafka_dir};
pub use profile::{Profile, REAUTH_SESSION_MS};
pub use standalone::StandaloneNode;
pub use tls::{
    ClientCertificate, issue_client_certificate, issue_client_certificate_from_another_ca,
};
pub use tools::{TOOLS, tool_class, tool_command};
pub use users::{Credentials, PLAIN_USER, SCRAM_SHA_256_USER, SCRAM_SHA_512_USER, SaslMechanism};

/// A running profile: where its nodes listen and which processes they are.
#[derive(Clone, Debug)]
pub struct Broker {
    /// The profile.
    pub profile: Profile,
    /// `target/kafka/<profile>/`, holding configs, logs and client property files.
    pub dir: PathBuf,
    /// The nodes, by ascending id.
    pub nodes: Vec<Node>,
}

/// One node of a running profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    /// The KRaft `node.id` (1, 2, 3).
    pub id: u32,
    /// The JVM's process id.
    pub pid: u32,
    /// The client listener (PLAINTEXT, SASL_PLAINTEXT or SSL by profile), on 127.0.0.1.
    pub address: SocketAddr,
    /// The SSL listener that requires a client certificate from the test CA (tls only), on
    /// 127.0.0.1. `address`, on tls, only requests one.
    pub client_auth_address: Option<SocketAddr>,
    /// The SASL_PLAINTEXT listener whose sessions last [`REAUTH_SESSION_MS`] (sasl only), on
    /// 127.0.0.1: the broker closes a connection that did not re-authenticate in time.
    pub reauth_address: Option<SocketAddr>,
    /// The SASL_SSL listener (tls only), on 127.0.0.1: the test CA's certificate, then SASL
    /// PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 with the sasl profile's test users.
    pub sasl_ssl_address: Option<SocketAddr>,
    /// The listener whose traffic goes through a fault proxy (cluster3 only).
    pub proxied: Option<ProxiedListener>,
}

/// A node's `PROXIED` listener (cluster3): the broker listens on `broker` but advertises
/// `advertised`, where the test harness's fault proxy listens and forwards to `broker`. A client
/// bootstrapped at the `advertised` addresses reaches every node through its proxy; while no
/// proxy runs, those addresses refuse connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxiedListener {
    /// Where the broker listens.
    pub broker: SocketAddr,
    /// What the broker advertises in metadata: the fault proxy's address.
    pub advertised: SocketAddr,
}

impl Broker {
    /// The bootstrap servers: every node's client address, comma-separated.
    pub fn bootstrap(&self) -> String {
        self.bootstrap_without(None)
    }

    /// The bootstrap servers without node `node_id` (for tests that killed it).
    pub fn bootstrap_without(&self, node_id: impl Into<Option<u32>>) -> String {
        let skip = node_id.into();
        let addresses: Vec<String> = self
            .nodes
            .iter()
            .filter(|node| Some(node.id) != skip)
            .map(|node| node.address.to_string())
            .collect();
        addresses.join(",")
    }

    /// The bootstrap servers of the listeners that require a client certificate (tls only).
    pub fn client_auth_bootstrap(&self) -> Option<String> {
        self.listener_bootstrap(|node| node.client_auth_address)
    }

    /// The bootstrap servers of the listeners with short SASL sessions (sasl only).
    pub fn reauth_bootstrap(&self) -> Option<String> {
        self.listener_bootstrap(|node| node.reauth_address)
    }

    /// Every node's address of one listener, comma-separated; `None` if a node lacks it.
    fn listener_bootstrap(&self, address: impl Fn(&Node) -> Option<SocketAddr>) -> Option<String> {
        let addresses: Option<Vec<String>> = self
            .nodes
            .iter()
            .map(|node| address(node).map(|a| a.to_string()))
            .collect();
        addresses.map(|addresses| addresses.join(","))
    }

    /// The bootstrap servers through the fault proxies: every node's advertised `PROXIED`
    /// address (cluster3 only; `None` if the profile was started without that listener).
    pub fn proxied_bootstrap(&self) -> Option<String> {
        let addresses: Option<Vec<String>> = self
            .nodes
            .iter()
            .map(|node| node.proxied.map(|p| p.advertised.to_string()))
            .collect();
        addresses.map(|addresses| addresses.join(","))
    }

    /// The node with this id.
    pub fn node(&self, node_id: u32) -> Option<&Node> {
        self.nodes.iter().find(|node| node.id == node_id)
    }

    /// The file layout of this profile.
    pub fn layout(&self) -> ProfileLayout {
        ProfileLayout::new(self.profile)
    }

    /// The Java client config a tool needs to connect, if any: the tls profile's SSL config,
    /// the sasl profile's PLAIN config; `None` for plain and cluster3.
    pub fn client_properties(&self) -> Option<PathBuf> {
        let layout = self.layout();
        match self.profile {
            Profile::Tls => Some(layout.tls_client_properties()),
            Profile::Sasl => Some(layout.sasl_client_properties(SaslMechanism::Plain)),
            Profile::Plain | Profile::Cluster3 => None,
        }
    }

    /// The sasl profile's Java client config for `mechanism` (`None` on other profiles).
    pub fn sasl_client_properties(&self, mechanism: SaslMechanism) -> Option<PathBuf> {
        (self.profile == Profile::Sasl).then(|| self.layout().sasl_client_properties(mechanism))
    }

    /// The test CA certificate clients must trust (`None` unless tls).
    pub fn ca_cert(&self) -> Option<PathBuf> {
        (self.profile == Profile::Tls).then(|| self.layout().ca_cert())
    }

    /// The test CA's private key, to mint client certificates (`None` unless tls).
    pub fn ca_key(&self) -> Option<PathBuf> {
        (self.profile == Profile::Tls).then(|| self.layout().ca_key())
    }
}

/// Brings `profile` up, or reuses it if it runs (restarting dead nodes of a cluster), and
/// returns it once every node answers. Writes `target/kafka/<profile>/bootstrap`.
///
/// # Errors
///
/// The jars cannot be fetched, `java` is missing, a node exits while starting or does not answer
/// within its timeout (the message then ends with the tail of that node's log), or files under
/// `target/kafka/` cannot be written.
pub fn up(profile: Profile) -> Result<Broker> {
    let layout = ProfileLayout::new(profile);
    let _lock = lock::ProfileLock::acquire(&layout)?;
    if let Some(nodes) = state::read_ports(&layout) {
        let ids: Vec<u32> = profile.node_ids().collect();
        let any_alive = ids
            .iter()
            .any(|&id| process::live_pid(&layout, id).is_some());
        if any_alive {
            return launch::restart_dead(&layout, &nodes, &ids);
        }
    }
    launch::fresh_start(&layout)
}
