//! Coordinators (FindCoordinator): the broker that coordinates a consumer group or a
//! transactional id, cached until invalidated.

use super::handle::Client;
use super::pool::Purpose;
use crate::broker::BrokerConnection;
use crate::error::{Error, Result};
use crate::net::{Backoff, BrokerAddress};
use async_io::Timer;
use franzl_core::messages::Array;
use franzl_core::messages::find_coordinator::FindCoordinatorRequest;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// What a coordinator coordinates (FindCoordinator's `KeyType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CoordinatorKind {
    /// A consumer group; the key is the group id.
    Group,
    /// A transactional producer; the key is the transactional id.
    Transaction,
}

impl CoordinatorKind {
    fn key_type(self) -> i8 {
        match self {
            Self::Group => 0,
            Self::Transaction => 1,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Group => "group",
            Self::Transaction => "transaction",
        }
    }
}

/// Coordinators found so far, by kind and key.
#[derive(Debug, Default)]
pub(super) struct CoordinatorCache {
    found: Mutex<HashMap<(CoordinatorKind, String), (i32, BrokerAddress)>>,
}

impl CoordinatorCache {
    fn get(&self, kind: CoordinatorKind, key: &str) -> Option<(i32, BrokerAddress)> {
        let found = self.found.lock().unwrap_or_else(|p| p.into_inner());
        found.get(&(kind, key.to_owned())).cloned()
    }

    fn put(&self, kind: CoordinatorKind, key: &str, node: (i32, BrokerAddress)) {
        let mut found = self.found.lock().unwrap_or_else(|p| p.into_inner());
        found.insert((kind, key.to_owned()), node);
    }

    fn remove(&self, kind: CoordinatorKind, key: &str) {
        let mut found = self.found.lock().unwrap_or_else(|p| p.into_inner());
        found.remove(&(kind, key.to_owned()));
    }
}

impl Client {
    /// A connection to the coordinator of `key` (a group id or transactional id).
    ///
    /// # Errors
    /// [`Error::Kafka`] for a non-retriable error code (e.g. `GROUP_AUTHORIZATION_FAILED`);
    /// retriable failures (`COORDINATOR_NOT_AVAILABLE`, `NOT_COORDINATOR`, connection errors) once
    /// `max.block.ms` has passed.
    pub async fn coordinator(&self, kind: CoordinatorKind, key: &str) -> Result<BrokerConnection> {
        let config = self.config();
        let deadline = Instant::now() + config.metadata_timeout;
        let mut backoff = Backoff::new(config.retry_backoff, config.retry_backoff_max, 13);
        loop {
            let result = match self.locate(kind, key).await {
                Ok((node_id, address)) => {
                    self.inner
                        .pool
                        .get(node_id, Purpose::Control, &address)
                        .await
                }
                Err(error) => Err(error),
            };
            match result {
                Ok(connection) => return Ok(connection),
                Err(error) => wait_to_retry(self, kind, key, error, deadline, &mut backoff).await?,
            }
        }
    }

    /// The node id and address of the coordinator of `key`, for a caller that opens a
    /// connection of its own to it (a group member, whose JoinGroup may be held for the
    /// rebalance timeout).
    ///
    /// # Errors
    /// As [`Client::coordinator`].
    pub(crate) async fn coordinator_node(
        &self,
        kind: CoordinatorKind,
        key: &str,
    ) -> Result<(i32, BrokerAddress)> {
        let config = self.config();
        let deadline = Instant::now() + config.metadata_timeout;
        let mut backoff = Backoff::new(config.retry_backoff, config.retry_backoff_max, 17);
        loop {
            match self.locate(kind, key).await {
                Ok(found) => return Ok(found),
                Err(error) => wait_to_retry(self, kind, key, error, deadline, &mut backoff).await?,
            }
        }
    }

    /// The cached coordinator of `key`, or the one FindCoordinator names.
    async fn locate(&self, kind: CoordinatorKind, key: &str) -> Result<(i32, BrokerAddress)> {
        match self.inner.coordinators.get(kind, key) {
            Some(found) => Ok(found),
            None => self.find_coordinator(kind, key).await,
        }
    }

    /// Forgets the cached coordinator of `key` (after `NOT_COORDINATOR` or
    /// `COORDINATOR_NOT_AVAILABLE`); the next [`Client::coordinator`] asks again.
    pub fn invalidate_coordinator(&self, kind: CoordinatorKind, key: &str) {
        self.inner.coordinators.remove(kind, key);
    }

    async fn find_coordinator(
        &self,
        kind: CoordinatorKind,
        key: &str,
    ) -> Result<(i32, BrokerAddress)> {
        let connection = self.any_broker().await?;
        let version = connection.version(franzl_core::messages::ApiKey::FindCoordinator)?;
        let keys = [key];
        // v4 asks for a batch of keys; earlier versions for one.
        let request = if version >= 4 {
            FindCoordinatorRequest {
                key_type: kind.key_type(),
                coordinator_keys: Array::from_slice(&keys),
                ..Default::default()
            }
        } else {
            FindCoordinatorRequest {
                key,
                key_type: kind.key_type(),
                ..Default::default()
            }
        };
        let response = connection.request_at(&request, version).await?;
        let decoded = response.decode::<FindCoordinatorRequest<'_>>()?;
        let (code, message, node_id, host, port) = if version >= 4 {
            let entry = decoded
                .coordinators
                .iter()
                .find(|entry| entry.key == key)
                .ok_or_else(|| Error::protocol("FindCoordinator answered for another key"))?;
            (
                entry.error_code,
                entry.error_message,
                entry.node_id,
                entry.host,
                entry.port,
            )
        } else {
            (
                decoded.error_code,
                decoded.error_message,
                decoded.node_id,
                decoded.host,
                decoded.port,
            )
        };
        if !code.is_ok() {
            return Err(Error::kafka(
                code,
                message,
                format!("{} coordinator for {key:?}", kind.name()),
            ));
        }
        let port = u16::try_from(port)
            .map_err(|_| Error::protocol(format!("coordinator port {port} out of range")))?;
        let address = BrokerAddress::new(host, port);
        log::debug!(
            "{} coordinator for {key:?} is broker {node_id} ({address})",
            kind.name()
        );
        self.inner
            .coordinators
            .put(kind, key, (node_id, address.clone()));
        Ok((node_id, address))
    }
}

/// After a failed coordinator lookup or connect: forgets the coordinator and waits out the
/// backoff when the error is retriable and `deadline` is ahead; else returns the error.
async fn wait_to_retry(
    client: &Client,
    kind: CoordinatorKind,
    key: &str,
    error: Error,
    deadline: Instant,
    backoff: &mut Backoff,
) -> Result<()> {
    if !error.is_retriable() || Instant::now() >= deadline {
        return Err(error);
    }
    client.inner.coordinators.remove(kind, key);
    let delay = backoff.next_delay();
    log::info!(
        "no {} coordinator for {key:?}: {error}; retrying in {delay:?}",
        kind.name()
    );
    Timer::after(delay).await;
    Ok(())
}
