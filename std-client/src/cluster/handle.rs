//! [`Client`]: bootstrap, the metadata cache and the connection pool behind one handle, which
//! producers, consumers and admin clients share.

use super::coordinator::CoordinatorCache;
use super::metadata::MetadataSnapshot;
use super::pool::{Pool, Purpose};
use crate::broker::{BrokerConnection, ConnectOptions};
use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::net::{Backoff, BrokerAddress};
use async_io::Timer;
use franzl_core::ErrorCode;
use franzl_core::messages::Array;
use franzl_core::messages::metadata::{MetadataRequest, MetadataRequestTopic};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// The client handle: one cluster's metadata and broker connections, shared by every
/// [`Producer`](crate::Producer), [`Consumer`](crate::Consumer) and [`Admin`](crate::Admin)
/// made from it (see the [module docs](super) for its contract). Cheap to clone: clones share
/// everything.
///
/// It also gives the raw connections its handles use ([`Client::leader`], [`Client::broker`],
/// ...), for requests franzl has no call for.
#[derive(Debug, Clone)]
pub struct Client {
    pub(super) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(super) struct Inner {
    pub(super) config: ClientConfig,
    bootstrap: Vec<BrokerAddress>,
    pub(super) pool: Pool,
    bootstrap_connection: Mutex<Option<BrokerConnection>>,
    metadata: RwLock<Arc<MetadataSnapshot>>,
    refreshed_at: Mutex<Option<Instant>>,
    pub(super) stale: AtomicBool,
    refresh_lock: async_lock::Mutex<()>,
    pub(super) coordinators: CoordinatorCache,
    /// Wakes the refresher task; dropping it (with the cluster) stops the task.
    pub(super) refresh_wake: async_channel::Sender<()>,
    /// Notified each time a new metadata snapshot is in place.
    metadata_changed: event_listener::Event,
}

impl Client {
    /// Connects to the cluster through `config`'s bootstrap servers and fetches the broker list.
    ///
    /// # Errors
    /// [`Error::Config`] for bad addresses or TLS files; [`Error::Authentication`] at once;
    /// otherwise the last connection error once `max.block.ms` has passed.
    pub async fn connect(config: ClientConfig) -> Result<Self> {
        let timeout = config.metadata_timeout;
        Self::connect_within(config, timeout).await
    }

    /// As [`Client::connect`], giving up after `timeout` (a handle's own bound: an admin
    /// client's or consumer's `default.api.timeout.ms`).
    ///
    /// # Errors
    /// As [`Client::connect`], the last connection error once `timeout` has passed.
    pub(crate) async fn connect_within(config: ClientConfig, timeout: Duration) -> Result<Self> {
        let options = ConnectOptions::from_config(&config)?;
        let bootstrap = BrokerAddress::parse_list(&config.bootstrap_servers.join(","))?;
        let pool = Pool::new(
            Arc::new(options),
            (config.reconnect_backoff, config.reconnect_backoff_max),
        );
        let (refresh_wake, woken) = async_channel::bounded(1);
        let cluster = Self {
            inner: Arc::new(Inner {
                config,
                bootstrap,
                pool,
                bootstrap_connection: Mutex::new(None),
                metadata: RwLock::new(Arc::new(MetadataSnapshot::default())),
                refreshed_at: Mutex::new(None),
                stale: AtomicBool::new(true),
                refresh_lock: async_lock::Mutex::new(()),
                coordinators: CoordinatorCache::default(),
                refresh_wake,
                metadata_changed: event_listener::Event::new(),
            }),
        };
        let snapshot = {
            let _refreshing = cluster.inner.refresh_lock.lock().await;
            cluster.fetch_metadata(Some(&[]), false, timeout).await?
        };
        super::refresher::start(&cluster, woken);
        log::info!(
            "connected to cluster {} ({} brokers, controller {})",
            snapshot.cluster_id.as_deref().unwrap_or("?"),
            snapshot.brokers.len(),
            snapshot.controller_id
        );
        Ok(cluster)
    }

    /// The configuration this cluster was connected with.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Checks that a handle's client settings (`handle` names it, "producer", ...) are this
    /// client's: a handle made from a client runs on the client's settings, so different ones
    /// would be accepted and ignored.
    ///
    /// # Errors
    /// [`Error::Usage`] naming the first setting that differs, with both values.
    pub(crate) fn check_settings(&self, handle: &str, config: &ClientConfig) -> Result<()> {
        match config.first_difference(&self.inner.config) {
            None => Ok(()),
            Some((setting, given, client)) => Err(Error::usage(format!(
                "the {handle}'s config has {setting} = {given}, but the client it is made from \
                 has {client}: a {handle} made from a client runs on the client's settings, so \
                 set {setting} on the client, or give the {handle} the client's settings \
                 (`config.client = client.config().clone()`)"
            ))),
        }
    }

    /// The options every broker connection uses.
    pub(crate) fn connect_options(&self) -> &Arc<ConnectOptions> {
        self.inner.pool.options()
    }

    /// An open control connection to node `node_id` (for metadata, coordinator, ListOffsets
    /// and admin requests): pooled, or new (after any backoff). The same as
    /// [`Client::broker_for`] with [`Purpose::Control`].
    ///
    /// # Errors
    /// As [`Client::broker_for`].
    pub async fn broker(&self, node_id: i32) -> Result<BrokerConnection> {
        self.broker_for(node_id, Purpose::Control).await
    }

    /// An open connection for `purpose` to node `node_id`: pooled, or new (after any backoff).
    /// Each purpose has its own connection to a broker, so a Fetch the broker holds for
    /// `fetch.max.wait.ms` delays no Produce or Metadata request.
    ///
    /// # Errors
    /// [`Error::Resolve`] (retriable) when the node is not in the metadata; connect errors.
    pub async fn broker_for(&self, node_id: i32, purpose: Purpose) -> Result<BrokerConnection> {
        let address = self.broker_address(node_id).await?;
        self.inner.pool.get(node_id, purpose, &address).await
    }

    /// The address of node `node_id`, from the metadata (refreshed once if it lacks the node).
    ///
    /// # Errors
    /// [`Error::Resolve`] (retriable) when the node is not in the metadata.
    pub(crate) async fn broker_address(&self, node_id: i32) -> Result<BrokerAddress> {
        let known = self.metadata().brokers.get(&node_id).cloned();
        let address = match known {
            Some(address) => address,
            None => self
                .refresh_metadata(&[])
                .await?
                .brokers
                .get(&node_id)
                .cloned()
                .ok_or_else(|| {
                    Error::resolve(format!("node {node_id}"), "not in the cluster metadata")
                })?,
        };
        Ok(address)
    }

    /// An open control connection to some broker: a pooled one, else a known broker, else a
    /// bootstrap address (each tried in turn).
    ///
    /// # Errors
    /// The last connect error when none can be reached.
    pub async fn any_broker(&self) -> Result<BrokerConnection> {
        if let Some(connection) = self.inner.pool.any_open(Purpose::Control) {
            return Ok(connection);
        }
        if let Some(connection) = self.open_bootstrap_connection() {
            return Ok(connection);
        }
        let mut last = None;
        let known: Vec<_> = self.metadata().brokers.clone().into_iter().collect();
        for (node_id, address) in known {
            match self
                .inner
                .pool
                .get(node_id, Purpose::Control, &address)
                .await
            {
                Ok(connection) => return Ok(connection),
                Err(error) if !error.is_retriable() => return Err(error),
                Err(error) => last = Some(error),
            }
        }
        for address in &self.inner.bootstrap {
            let options = Arc::clone(self.inner.pool.options());
            match BrokerConnection::connect(address, options).await {
                Ok(connection) => {
                    self.inner
                        .pool
                        .features()
                        .observe(connection.finalized_features());
                    *self
                        .inner
                        .bootstrap_connection
                        .lock()
                        .unwrap_or_else(|p| p.into_inner()) = Some(connection.clone());
                    return Ok(connection);
                }
                Err(error) if !error.is_retriable() => return Err(error),
                Err(error) => {
                    log::warn!("bootstrap server {address} unavailable: {error}");
                    last = Some(error);
                }
            }
        }
        Err(last.unwrap_or_else(|| Error::Closed {
            what: "cluster (no broker address)".into(),
        }))
    }

    fn open_bootstrap_connection(&self) -> Option<BrokerConnection> {
        let guard = self
            .inner
            .bootstrap_connection
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        guard.as_ref().filter(|c| !c.is_closed()).cloned()
    }

    /// Notified each time new metadata is in place, by whoever fetched it: a task that waits
    /// for a leader listens to it (register the listener before reading the metadata).
    pub(crate) fn metadata_changed(&self) -> &event_listener::Event {
        &self.inner.metadata_changed
    }

    /// The latest cached metadata.
    pub fn metadata(&self) -> Arc<MetadataSnapshot> {
        Arc::clone(
            &self
                .inner
                .metadata
                .read()
                .unwrap_or_else(|p| p.into_inner()),
        )
    }

    /// Whether the cache is older than `metadata.max.age.ms` or was invalidated.
    pub fn metadata_is_stale(&self) -> bool {
        let refreshed_at = *self
            .inner
            .refreshed_at
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        self.inner.stale.load(Ordering::Acquire)
            || refreshed_at.is_none_or(|at| at.elapsed() >= self.inner.config.metadata_max_age)
    }

    /// When the cache reaches `metadata.max.age.ms`: now if it was never filled or was
    /// invalidated.
    pub(super) fn metadata_due(&self) -> Instant {
        let refreshed_at = *self
            .inner
            .refreshed_at
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        match refreshed_at {
            Some(at) if !self.inner.stale.load(Ordering::Acquire) => {
                at + self.inner.config.metadata_max_age
            }
            _ => Instant::now(),
        }
    }

    /// Fetches metadata for `topics` and every topic already cached, and returns the new
    /// snapshot. With no topics and none cached, fetches the broker list only.
    ///
    /// # Errors
    /// Non-retriable errors at once; retriable ones once `max.block.ms` has passed.
    pub async fn refresh_metadata(&self, topics: &[&str]) -> Result<Arc<MetadataSnapshot>> {
        self.refresh_metadata_creating(topics, false).await
    }

    /// As [`Client::refresh_metadata`]; with `create`, the request asks the broker to create
    /// each topic it names that does not exist (a producer's `allow.auto.create.topics`: the
    /// broker does when its `auto.create.topics.enable` is on).
    ///
    /// # Errors
    /// As [`Client::refresh_metadata`].
    pub(crate) async fn refresh_metadata_creating(
        &self,
        topics: &[&str],
        create: bool,
    ) -> Result<Arc<MetadataSnapshot>> {
        let asked_at = Instant::now();
        let _refreshing = self.inner.refresh_lock.lock().await;
        // Callers that queued behind a refresh share its answer when it covers their topics. A
        // topic reported missing before is not asked about by such a refresh (only live topics
        // are), so its entry is no answer: ask again (it may have been created meanwhile).
        let refreshed_at = *self
            .inner
            .refreshed_at
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let current = self.metadata();
        let covered = |name: &&str| {
            current
                .topic(name)
                .is_some_and(|topic| topic.error != ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
        };
        if refreshed_at.is_some_and(|at| at >= asked_at) && topics.iter().all(covered) {
            return Ok(current);
        }
        let mut names: BTreeSet<String> = self.metadata().live_topic_names().into_iter().collect();
        names.extend(topics.iter().map(|name| (*name).to_owned()));
        let request_topics: Vec<_> = names
            .iter()
            .map(|name| MetadataRequestTopic {
                name: Some(name),
                ..Default::default()
            })
            .collect();
        let timeout = self.inner.config.metadata_timeout;
        self.fetch_metadata(Some(&request_topics), create, timeout)
            .await
    }

    /// Fetches metadata for every topic in the cluster (replacing the cached topics).
    ///
    /// # Errors
    /// As [`Client::refresh_metadata`].
    pub async fn refresh_all_topics(&self) -> Result<Arc<MetadataSnapshot>> {
        let _refreshing = self.inner.refresh_lock.lock().await;
        self.fetch_metadata(None, false, self.inner.config.metadata_timeout)
            .await
    }

    /// Fetches metadata, retrying retriable failures (each logged at warn) for up to `timeout`;
    /// with `create`, asking the broker to create the named topics that do not exist.
    async fn fetch_metadata(
        &self,
        topics: Option<&[MetadataRequestTopic<'_>]>,
        create: bool,
        timeout: Duration,
    ) -> Result<Arc<MetadataSnapshot>> {
        let request = MetadataRequest {
            topics: topics.map(Array::from_slice),
            allow_auto_topic_creation: create,
            ..Default::default()
        };
        let config = &self.inner.config;
        let deadline = Instant::now() + timeout;
        let mut backoff = Backoff::new(config.retry_backoff, config.retry_backoff_max, 7);
        loop {
            let attempt = async {
                let connection = self.any_broker().await?;
                let response = connection.request(&request).await?;
                let decoded = response.decode::<MetadataRequest<'_>>()?;
                self.metadata().updated(&decoded, topics.is_none())
            };
            match attempt.await {
                Ok(snapshot) => {
                    log::debug!(
                        "metadata: {} brokers, {} topics, controller {}",
                        snapshot.brokers.len(),
                        snapshot.topics.len(),
                        snapshot.controller_id
                    );
                    let snapshot = Arc::new(snapshot);
                    *self
                        .inner
                        .metadata
                        .write()
                        .unwrap_or_else(|p| p.into_inner()) = Arc::clone(&snapshot);
                    *self
                        .inner
                        .refreshed_at
                        .lock()
                        .unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
                    self.inner.stale.store(false, Ordering::Release);
                    self.inner.metadata_changed.notify(usize::MAX);
                    return Ok(snapshot);
                }
                Err(error) if error.is_retriable() && Instant::now() < deadline => {
                    let delay = backoff.next_delay();
                    log::warn!("metadata request failed: {error}; retrying in {delay:?}");
                    Timer::after(delay).await;
                }
                Err(error) if error.is_retriable() => {
                    log::warn!("metadata request failed for {timeout:?}, giving up: {error}");
                    return Err(error);
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Closes the pooled connections and drops this handle; it waits for nothing (it is async
    /// for the same shape as every handle's `close`).
    ///
    /// A connection closes once no request is in flight on it and no one holds it. Producers,
    /// consumers and admin clients made from this client hold their own clones of it: close
    /// them first; one still in use opens new connections as it needs them. The metadata
    /// refresher stops with the last clone.
    pub async fn close(self) {
        self.clear_connections();
    }

    /// Drops the pooled connections (the last clone's drop needs no such step: the pool goes
    /// with it).
    fn clear_connections(&self) {
        self.inner.pool.clear();
        *self
            .inner
            .bootstrap_connection
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }
}
