//! Where a profile's files live under `target/kafka/<profile>/`, one function per path, so the
//! launcher, the tools and the tests agree on them.
//!
//! ```text
//! target/kafka/
//!   tools-log4j2.yaml          logging of the Java tools: WARN, to stderr
//!   <profile>.lock             held while `up`, `down` or a node kill/restart runs
//!   <profile>/
//!     bootstrap                the client bootstrap address(es), comma-separated
//!     ports                    one line per node: id client internal controller client_auth
//!                              proxied proxy
//!     log4j2.yaml              logging of the brokers: INFO, to their server.log
//!     client*.properties       configs for the Java tools (sasl, tls)
//!     ca.pem ca-key.pem broker.pem        (tls only)
//!     node-<id>/server.properties, server.log, pid, data/
//! ```

use std::path::{Path, PathBuf};

use super::profile::Profile;
use super::users::SaslMechanism;
use crate::workspace;

/// `target/kafka/`, where every profile and the tools' logging config live.
pub fn kafka_dir() -> PathBuf {
    workspace::target_dir().join("kafka")
}

/// The log4j2 config the Java tools run with (WARN and above, to stderr).
pub(crate) fn tools_log4j2() -> PathBuf {
    kafka_dir().join("tools-log4j2.yaml")
}

/// The paths of one profile's files.
#[derive(Clone, Debug)]
pub struct ProfileLayout {
    profile: Profile,
    root: PathBuf,
}

impl ProfileLayout {
    /// The layout of `profile` in this checkout.
    pub fn new(profile: Profile) -> Self {
        Self {
            profile,
            root: kafka_dir().join(profile.name()),
        }
    }

    /// The layout of a node set with `profile`'s settings kept in `root` instead (a
    /// [`super::StandaloneNode`]): no lock file, bootstrap or ports file is used there.
    pub(crate) fn at(profile: Profile, root: PathBuf) -> Self {
        Self { profile, root }
    }

    /// The profile this layout belongs to.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// `target/kafka/<profile>/`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The lock file, beside the profile folder so that wiping the folder keeps it.
    pub(crate) fn lock_file(&self) -> PathBuf {
        kafka_dir().join(format!("{}.lock", self.profile.name()))
    }

    /// The client bootstrap address(es), written by `up`.
    pub fn bootstrap_file(&self) -> PathBuf {
        self.root.join("bootstrap")
    }

    /// The ports chosen at the first start, reused when a node is restarted.
    pub(crate) fn ports_file(&self) -> PathBuf {
        self.root.join("ports")
    }

    /// The brokers' log4j2 config.
    pub(crate) fn broker_log4j2(&self) -> PathBuf {
        self.root.join("log4j2.yaml")
    }

    /// A node's own folder.
    pub fn node_dir(&self, node_id: u32) -> PathBuf {
        self.root.join(format!("node-{node_id}"))
    }

    /// A node's `server.properties`.
    pub(crate) fn node_config(&self, node_id: u32) -> PathBuf {
        self.node_dir(node_id).join("server.properties")
    }

    /// A node's log (the JVM's stdout and stderr).
    pub fn node_log(&self, node_id: u32) -> PathBuf {
        self.node_dir(node_id).join("server.log")
    }

    /// The file holding a node's PID.
    pub(crate) fn node_pid_file(&self, node_id: u32) -> PathBuf {
        self.node_dir(node_id).join("pid")
    }

    /// A node's `log.dirs` (data and KRaft metadata).
    pub(crate) fn node_data(&self, node_id: u32) -> PathBuf {
        self.node_dir(node_id).join("data")
    }

    /// The test CA's certificate (tls profile), which clients trust.
    pub fn ca_cert(&self) -> PathBuf {
        self.root.join("ca.pem")
    }

    /// The test CA's private key (tls profile), kept to mint client certificates.
    pub fn ca_key(&self) -> PathBuf {
        self.root.join("ca-key.pem")
    }

    /// The broker's key and certificate chain, a PEM key store (tls profile).
    pub(crate) fn broker_keystore(&self) -> PathBuf {
        self.root.join("broker.pem")
    }

    /// The Java client config for the tls profile: SSL, trusting the test CA.
    pub fn tls_client_properties(&self) -> PathBuf {
        self.root.join("client.properties")
    }

    /// The Java client config for the sasl profile with `mechanism` and its test user.
    pub fn sasl_client_properties(&self, mechanism: SaslMechanism) -> PathBuf {
        let name = mechanism.name().to_ascii_lowercase();
        self.root.join(format!("client-{name}.properties"))
    }
}
