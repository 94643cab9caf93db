//! The pool of broker connections, keyed by node id: one connection per broker, made on first
//! use, replaced when it fails, with exponential backoff and jitter between failed attempts.
//!
//! Each node has its own async lock, so concurrent callers wanting the same broker share one
//! connect attempt, and a slow broker does not hold up the others.

use super::features::FeatureCache;
use crate::broker::{BrokerConnection, ConnectOptions};
use crate::error::Result;
use crate::net::{Backoff, BrokerAddress};
use async_io::Timer;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Connections by node id (see the module docs).
#[derive(Debug)]
pub(super) struct Pool {
    options: Arc<ConnectOptions>,
    backoff: (Duration, Duration),
    slots: Mutex<HashMap<i32, Arc<async_lock::Mutex<Slot>>>>,
    /// The newest finalized features the connections reported.
    features: FeatureCache,
}

#[derive(Debug)]
struct Slot {
    connection: Option<BrokerConnection>,
    backoff: Backoff,
    /// No new attempt before this, after a failure.
    next_attempt: Option<Instant>,
}

impl Pool {
    /// An empty pool; reconnects back off from `backoff.0` up to `backoff.1`.
    pub(super) fn new(options: Arc<ConnectOptions>, backoff: (Duration, Duration)) -> Self {
        Self {
            options,
            backoff,
            slots: Mutex::new(HashMap::new()),
            features: FeatureCache::default(),
        }
    }

    /// The options connections are made with.
    pub(super) fn options(&self) -> &Arc<ConnectOptions> {
        &self.options
    }

    /// The newest finalized features any connection reported (kept when a connection is made,
    /// here or elsewhere through [`FeatureCache::observe`]).
    pub(super) fn features(&self) -> &FeatureCache {
        &self.features
    }

    /// An open connection to node `node_id` at `address`: the pooled one, or a new one (after
    /// waiting out the backoff of an earlier failure).
    ///
    /// # Errors
    /// The connect error; the next attempt backs off further.
    pub(super) async fn get(
        &self,
        node_id: i32,
        address: &BrokerAddress,
    ) -> Result<BrokerConnection> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            let (initial, max) = self.backoff;
            Arc::clone(slots.entry(node_id).or_insert_with(|| {
                Arc::new(async_lock::Mutex::new(Slot {
                    connection: None,
                    backoff: Backoff::new(initial, max, seed(node_id)),
                    next_attempt: None,
                }))
            }))
        };
        let mut slot = slot.lock().await;
        if let Some(connection) = &slot.connection {
            if !connection.is_closed() && connection.address() == address {
                return Ok(connection.clone());
            }
            log::debug!("connection to broker {node_id} is closed; reconnecting");
            slot.connection = None;
        }
        if let Some(at) = slot.next_attempt {
            Timer::at(at).await;
        }
        match BrokerConnection::connect_node(address, Some(node_id), Arc::clone(&self.options))
            .await
        {
            Ok(connection) => {
                self.features.observe(connection.finalized_features());
                slot.backoff.reset();
                slot.next_attempt = None;
                slot.connection = Some(connection.clone());
                Ok(connection)
            }
            Err(error) => {
                let delay = slot.backoff.next_delay();
                log::info!(
                    "connecting to broker {node_id} ({address}) failed: {error}; next attempt in \
                     {delay:?}"
                );
                slot.next_attempt = Some(Instant::now() + delay);
                Err(error)
            }
        }
    }

    /// Any open pooled connection, without connecting.
    pub(super) fn any_open(&self) -> Option<BrokerConnection> {
        let slots: Vec<_> = {
            let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots.values().cloned().collect()
        };
        slots.iter().find_map(|slot| {
            let slot = slot.try_lock()?;
            slot.connection
                .as_ref()
                .filter(|connection| !connection.is_closed())
                .cloned()
        })
    }

    /// Drops every pooled connection (their tasks stop once callers drop their clones).
    pub(super) fn clear(&self) {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// A jitter seed that differs per node and per process.
fn seed(node_id: i32) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    u64::from(nanos) ^ (u64::from(std::process::id()) << 32) ^ u64::from(node_id.unsigned_abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ClientConfig;

    #[test]
    fn failed_connects_back_off_and_success_is_pooled() {
        smol::block_on(async {
            let options = Arc::new(ConnectOptions::from_config(&ClientConfig::default()).unwrap());
            let pool = Pool::new(
                options,
                (Duration::from_millis(200), Duration::from_secs(1)),
            );
            let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let address = BrokerAddress::new("127.0.0.1", dead.local_addr().unwrap().port());
            drop(dead);
            assert!(pool.get(1, &address).await.is_err());
            let started = Instant::now();
            assert!(pool.get(1, &address).await.is_err());
            // The second attempt waited out the first backoff: 100 to 200 ms with jitter.
            assert!(
                started.elapsed() >= Duration::from_millis(100),
                "{:?}",
                started.elapsed()
            );
            assert!(pool.any_open().is_none());
        });
    }
}
