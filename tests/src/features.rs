//! The broker's finalized features, changed with Kafka's own feature tool
//! (`kafka-features.sh`, the Java class `org.apache.kafka.tools.FeatureCommand`) and watched
//! on new connections.
//!
//! Contract: a test that lowers a feature of a shared broker holds a [`Restore`] guard, which
//! puts the level back when dropped (also when the test fails), and is the only test of its
//! binary, so nothing else runs while the level is changed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use franzl::cluster::{BrokerConnection, FinalizedFeatures};

use crate::client::builder;
use crate::java_tools::{self, ToolRun};

/// How long a change may take to reach the broker's metadata after the tool returns.
pub const PROPAGATION: Duration = Duration::from_secs(20);

/// Sets `feature` to `level` with the feature tool (`verb`: `upgrade` or `downgrade`).
pub fn set_level(bootstrap: &str, verb: &str, feature: &str, level: i16) -> ToolRun {
    let setting = format!("{feature}={level}");
    let args = ["--bootstrap-server", bootstrap, verb, "--feature", &setting];
    java_tools::run("features", &args, None, "")
}

/// Puts `transaction.version` back to 2 (the broker's default) when dropped.
pub struct Restore<'a> {
    bootstrap: &'a str,
}

impl<'a> Restore<'a> {
    /// A guard for the broker at `bootstrap`.
    pub fn transaction_version(bootstrap: &'a str) -> Self {
        Self { bootstrap }
    }
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        let run = set_level(self.bootstrap, "upgrade", "transaction.version", 2);
        if !run.success {
            // No panic here: it could be during another panic, which would abort.
            eprintln!("restoring transaction.version=2 failed: {run:?}");
        }
    }
}

/// The finalized features a new connection's handshake reports.
///
/// # Panics
///
/// The connection cannot be opened.
pub fn new_connection_features(bootstrap: &str) -> Arc<FinalizedFeatures> {
    let config = builder(bootstrap).build().unwrap();
    let connection = smol::block_on(BrokerConnection::open(bootstrap, &config)).unwrap();
    Arc::clone(connection.finalized_features())
}

/// New connections until one reports `transaction.version` at `level`; returns its features.
///
/// # Panics
///
/// The level does not show within [`PROPAGATION`].
pub fn wait_for_transaction_version(bootstrap: &str, level: i16) -> Arc<FinalizedFeatures> {
    let deadline = Instant::now() + PROPAGATION;
    loop {
        let features = new_connection_features(bootstrap);
        if features.transaction_version() == Some(level) {
            return features;
        }
        assert!(
            Instant::now() < deadline,
            "transaction.version still not {level} after {PROPAGATION:?}: {features:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
