//! Retrying an admin call within its timeout, and turning error codes into errors.

use super::Admin;
use crate::error::{Error, Result};
use crate::net::Backoff;
use async_io::Timer;
use franzl_core::ErrorCode;
use std::time::Instant;

/// `Ok` for `NONE`, else [`Error::Kafka`] with the broker's message and `context`.
pub(super) fn check(
    code: ErrorCode,
    message: Option<&str>,
    context: impl FnOnce() -> String,
) -> Result<()> {
    if code.is_ok() {
        Ok(())
    } else {
        Err(Error::kafka(code, message, context()))
    }
}

/// Retriable errors, except a topic that does not exist: admin calls name topics on purpose,
/// so waiting for one to appear would only delay the answer.
fn worth_retrying(error: &Error) -> bool {
    error.is_retriable() && error.kafka_code() != Some(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
}

impl Admin {
    /// Runs `call` until it succeeds, fails with a non-retriable error, or the call timeout
    /// passes; between attempts it backs off and marks the metadata stale.
    pub(super) async fn retrying<T>(
        &self,
        what: &str,
        mut call: impl AsyncFnMut() -> Result<T>,
    ) -> Result<T> {
        let config = self.cluster.config();
        let deadline = Instant::now() + self.timeout;
        let mut backoff = Backoff::new(config.retry_backoff, config.retry_backoff_max, 17);
        loop {
            match call().await {
                Ok(value) => return Ok(value),
                Err(error) if worth_retrying(&error) && Instant::now() < deadline => {
                    let delay = backoff.next_delay();
                    log::info!("{what} failed: {error}; retrying in {delay:?}");
                    self.cluster.invalidate_metadata();
                    Timer::after(delay).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Asks `done` until it is true or the call timeout passes, backing off between asks from
    /// `retry.backoff.ms` up to `retry.backoff.max.ms` (the broker announces no metadata
    /// change, so asking again is the only way to see one).
    pub(super) async fn wait_until(
        &self,
        what: &str,
        mut done: impl AsyncFnMut() -> Result<bool>,
    ) -> Result<()> {
        let config = self.cluster.config();
        let deadline = Instant::now() + self.timeout;
        let mut backoff = Backoff::new(config.retry_backoff, config.retry_backoff_max, 19);
        loop {
            if done().await? {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: what.to_owned(),
                    after: self.timeout,
                });
            }
            let delay = backoff.next_delay();
            Timer::at((Instant::now() + delay).min(deadline)).await;
        }
    }

    /// A connection to the controller (CreateTopics, DeleteTopics, CreatePartitions go there).
    pub(super) async fn controller(&self) -> Result<crate::broker::BrokerConnection> {
        let mut controller = self.cluster.metadata().controller_id;
        if controller < 0 || self.cluster.metadata_is_stale() {
            controller = self.cluster.refresh_metadata(&[]).await?.controller_id;
        }
        if controller < 0 {
            return self.cluster.any_broker().await;
        }
        self.cluster.broker(controller).await
    }
}
