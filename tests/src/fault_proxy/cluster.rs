//! One fault proxy per node of `cluster3`, listening where the nodes' `PROXIED` listeners say
//! they are, so that a client bootstrapped at [`ClusterProxies::bootstrap`] sends everything
//! through them (metadata names the proxies, never the brokers' own ports).
//!
//! Contract: the proxies bind fixed ports (those chosen when `cluster3` started), so one process
//! at a time can hold them, and in a process [`cluster3_proxies`] hands them to one test at a
//! time, healed. A `cluster3` started before the `PROXIED` listener existed is refused with a
//! message saying how to restart it.

use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use xtask::broker::Broker;

use super::FaultProxy;

/// The proxies of a cluster's nodes, by node id.
#[derive(Debug)]
pub struct ClusterProxies {
    proxies: Vec<(u32, FaultProxy)>,
}

impl ClusterProxies {
    /// Starts a proxy for every node of `broker` on its advertised `PROXIED` address.
    ///
    /// # Errors
    ///
    /// The profile has no `PROXIED` listener (started by an older launcher), or a port cannot be
    /// bound (another process holds these proxies).
    pub fn start(broker: &Broker) -> Result<Self, String> {
        let mut proxies = Vec::new();
        for node in &broker.nodes {
            let listener = node.proxied.ok_or_else(|| {
                format!(
                    "{} node {} has no PROXIED listener: it was started by an older launcher; \
                     run `cargo xtask broker down --profile {}` and try again",
                    broker.profile, node.id, broker.profile
                )
            })?;
            let proxy = FaultProxy::start(listener.advertised, listener.broker).map_err(|e| {
                format!(
                    "cannot listen on {} for node {}'s fault proxy (another process running \
                     the proxies?): {e}",
                    listener.advertised, node.id
                )
            })?;
            proxies.push((node.id, proxy));
        }
        Ok(Self { proxies })
    }

    /// The bootstrap servers through the proxies.
    pub fn bootstrap(&self) -> String {
        let addresses: Vec<String> = self
            .proxies
            .iter()
            .map(|(_, proxy)| proxy.address().to_string())
            .collect();
        addresses.join(",")
    }

    /// The proxy in front of node `node_id`.
    ///
    /// # Panics
    ///
    /// No node has that id.
    pub fn node(&self, node_id: u32) -> &FaultProxy {
        self.proxies
            .iter()
            .find(|(id, _)| *id == node_id)
            .map(|(_, proxy)| proxy)
            .unwrap_or_else(|| panic!("no proxy for node {node_id}"))
    }

    /// Every proxy with its node id.
    pub fn all(&self) -> impl Iterator<Item = (u32, &FaultProxy)> {
        self.proxies.iter().map(|(id, proxy)| (*id, proxy))
    }

    /// Heals every proxy.
    pub fn heal_all(&self) {
        for (_, proxy) in &self.proxies {
            proxy.heal();
        }
    }
}

/// This process's proxies of the running `cluster3` (started on first use), healed, for the
/// caller alone until the guard is dropped.
///
/// # Panics
///
/// `cluster3` cannot be brought up, or its proxies cannot be started.
pub fn cluster3_proxies() -> MutexGuard<'static, ClusterProxies> {
    static PROXIES: OnceLock<Mutex<ClusterProxies>> = OnceLock::new();
    let proxies = PROXIES.get_or_init(|| {
        let broker = crate::broker(crate::Profile::Cluster3);
        Mutex::new(ClusterProxies::start(broker).unwrap_or_else(|e| panic!("{e}")))
    });
    let guard = proxies.lock().unwrap_or_else(PoisonError::into_inner);
    guard.heal_all();
    guard
}
