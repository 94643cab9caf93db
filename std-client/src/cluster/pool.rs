//! The pool of broker connections, keyed by node id and [`Purpose`]: up to three connections
//! per broker (control, produce, fetch), each made on first use, replaced when it fails, with
//! exponential backoff and jitter between failed attempts.
//!
//! A Kafka broker answers the requests of one connection in order, one at a time, so a request
//! queued behind a Fetch that waits up to `fetch.max.wait.ms` for data waits as long. Separate
//! connections per purpose keep a fetch long poll from delaying a Produce or a Metadata request.
//!
//! Each (node, purpose) has its own async lock, so concurrent callers wanting the same
//! connection share one connect attempt, and a slow broker does not hold up the others.

use super::features::FeatureCache;
use crate::broker::{BrokerConnection, ConnectOptions};
use crate::error::Result;
use crate::net::{Backoff, BrokerAddress};
use async_io::Timer;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a broker connection carries: each purpose has its own connection to a broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    /// Metadata, coordinator lookups, ListOffsets, admin calls and the like: short requests
    /// that must not wait behind a long poll or a large Produce.
    Control,
    /// Produce requests. The producer's own link tasks open theirs themselves (each owns its
    /// broker's Produce connection); this purpose is for other callers of
    /// [`crate::Client::broker_for`].
    Produce,
    /// The consumer's Fetch requests, which the broker may hold for `fetch.max.wait.ms`.
    Fetch,
}

impl Purpose {
    /// The purpose's name, for logs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Control => "control",
            Self::Produce => "produce",
            Self::Fetch => "fetch",
        }
    }
}

/// Connections by node id and purpose (see the module docs).
#[derive(Debug)]
pub(super) struct Pool {
    options: Arc<ConnectOptions>,
    backoff: (Duration, Duration),
    slots: Mutex<HashMap<(i32, Purpose), SharedSlot>>,
    /// The newest finalized features the connections reported.
    features: FeatureCache,
}

/// One (node, purpose)'s slot, locked across a connect attempt.
type SharedSlot = Arc<async_lock::Mutex<Slot>>;

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

    /// An open connection for `purpose` to node `node_id` at `address`: the pooled one, or a
    /// new one (after waiting out the backoff of an earlier failure of that connection).
    ///
    /// # Errors
    /// The connect error; the next attempt backs off further.
    pub(super) async fn get(
        &self,
        node_id: i32,
        purpose: Purpose,
        address: &BrokerAddress,
    ) -> Result<BrokerConnection> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            let (initial, max) = self.backoff;
            Arc::clone(slots.entry((node_id, purpose)).or_insert_with(|| {
                Arc::new(async_lock::Mutex::new(Slot {
                    connection: None,
                    backoff: Backoff::new(initial, max, seed(node_id, purpose)),
                    next_attempt: None,
                }))
            }))
        };
        let mut slot = slot.lock().await;
        let purpose = purpose.name();
        if let Some(connection) = &slot.connection {
            if !connection.is_closed() && connection.address() == address {
                return Ok(connection.clone());
            }
            log::debug!("{purpose} connection to broker {node_id} is closed; reconnecting");
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
                    "{purpose} connection to broker {node_id} ({address}) failed: {error}; next \
                     attempt in {delay:?}"
                );
                slot.next_attempt = Some(Instant::now() + delay);
                Err(error)
            }
        }
    }

    /// Any open pooled connection for `purpose`, without connecting.
    pub(super) fn any_open(&self, purpose: Purpose) -> Option<BrokerConnection> {
        let slots: Vec<_> = {
            let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots
                .iter()
                .filter(|((_, slot_purpose), _)| *slot_purpose == purpose)
                .map(|(_, slot)| Arc::clone(slot))
                .collect()
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

/// A jitter salt per node and purpose; the backoff itself adds what differs per process and
/// per client.
fn seed(node_id: i32, purpose: Purpose) -> u64 {
    u64::from(node_id.unsigned_abs()) ^ ((purpose as u64) << 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ClientConfig;

    /// An empty pool backing off from `initial` to `max`, and an address nobody listens on.
    fn pool_and_dead_address(initial: Duration, max: Duration) -> (Pool, BrokerAddress) {
        let options = Arc::new(ConnectOptions::from_config(&ClientConfig::default()).unwrap());
        let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = BrokerAddress::new("127.0.0.1", dead.local_addr().unwrap().port());
        (Pool::new(options, (initial, max)), address)
    }

    #[test]
    fn failed_connects_back_off_and_success_is_pooled() {
        smol::block_on(async {
            let (pool, address) =
                pool_and_dead_address(Duration::from_millis(200), Duration::from_secs(1));
            assert!(pool.get(1, Purpose::Control, &address).await.is_err());
            let started = Instant::now();
            assert!(pool.get(1, Purpose::Control, &address).await.is_err());
            // The second attempt waited out the first backoff: 100 to 200 ms with jitter.
            assert!(
                started.elapsed() >= Duration::from_millis(100),
                "{:?}",
                started.elapsed()
            );
            assert!(pool.any_open(Purpose::Control).is_none());
        });
    }

    #[test]
    fn each_purpose_has_its_own_connection_and_backoff() {
        smol::block_on(async {
            let (pool, address) =
                pool_and_dead_address(Duration::from_secs(2), Duration::from_secs(4));
            assert!(pool.get(1, Purpose::Fetch, &address).await.is_err());
            // The fetch connection's failure (1 to 2 s of backoff) holds up no control request.
            let started = Instant::now();
            assert!(pool.get(1, Purpose::Control, &address).await.is_err());
            assert!(
                started.elapsed() < Duration::from_millis(500),
                "{:?}",
                started.elapsed()
            );
            assert_eq!(pool.slots.lock().unwrap().len(), 2);
        });
    }
}
