//! [`ProducerIdentity`]: the producer id and epoch, in one place (and, later, the
//! `transactional.id` and the transaction coordinator).
//!
//! The idempotent producer gets an id with InitProducerId before its first batch. When the
//! sequence numbers can no longer be trusted (a gap after a failed or expired batch,
//! `UNKNOWN_PRODUCER_ID`, `INVALID_PRODUCER_EPOCH`), the sender waits for every in-flight batch
//! and calls [`ProducerIdentity::renew`]: with InitProducerId v3 and later the broker bumps the
//! epoch of the same id (KIP-360); before that, or when the bump is refused, a new id is taken.
//! Either way every partition's sequences start again at 0.

use franzl_core::ErrorCode;
use franzl_core::messages::init_producer_id::InitProducerIdRequest;

use super::batch::Stamp;
use crate::cluster::Client;
use crate::{Error, Result};

/// The producer id and epoch batches are stamped with.
#[derive(Debug, Clone)]
pub(crate) struct ProducerIdentity {
    /// `transactional.id`; transactions themselves come later.
    pub(crate) transactional_id: Option<String>,
    pub(crate) transaction_timeout_ms: i32,
    pub(crate) producer_id: i64,
    pub(crate) epoch: i16,
}

impl ProducerIdentity {
    pub(crate) fn new(transactional_id: Option<String>, transaction_timeout_ms: i32) -> Self {
        Self {
            transactional_id,
            transaction_timeout_ms,
            producer_id: -1,
            epoch: -1,
        }
    }

    /// Whether an id has been assigned.
    pub(crate) fn is_ready(&self) -> bool {
        self.producer_id >= 0
    }

    /// The fields a new batch is stamped with (its sequence is the partition's).
    pub(crate) fn stamp(&self) -> Stamp {
        Stamp {
            producer_id: self.producer_id,
            producer_epoch: self.epoch,
            base_sequence: -1,
            transactional: self.transactional_id.is_some(),
        }
    }

    /// Gets an id, or a new epoch for the current one.
    ///
    /// # Errors
    /// Connection errors and the broker's error code (retriable ones are the caller's to retry).
    pub(crate) async fn renew(&mut self, cluster: &Client) -> Result<()> {
        let connection = cluster.any_broker().await?;
        let version = connection.version(franzl_core::messages::ApiKey::InitProducerId)?;
        // Bumping the same id needs v3 (KIP-360); an epoch at its maximum needs a new id.
        let bump = self.is_ready() && version >= 3 && self.epoch < i16::MAX - 1;
        let (producer_id, producer_epoch) = if bump {
            (self.producer_id, self.epoch)
        } else {
            (-1, -1)
        };
        let request = InitProducerIdRequest {
            transactional_id: self.transactional_id.as_deref(),
            transaction_timeout_ms: self.transaction_timeout_ms,
            producer_id,
            producer_epoch,
            ..Default::default()
        };
        let frame = connection.request_at(&request, version).await?;
        let response = frame.decode::<InitProducerIdRequest<'_>>()?;
        let code = response.error_code;
        if bump && (code == ErrorCode::INVALID_PRODUCER_EPOCH || code == ErrorCode::PRODUCER_FENCED)
        {
            // The broker will not bump this id: take a new one.
            log::info!(
                "producer id {}: epoch bump refused ({code}); asking for a new id",
                self.producer_id
            );
            self.producer_id = -1;
            self.epoch = -1;
            return Box::pin(self.renew(cluster)).await;
        }
        if !code.is_ok() {
            return Err(Error::kafka(code, None, "InitProducerId"));
        }
        log::info!(
            "producer id {} epoch {} (was {} epoch {})",
            response.producer_id,
            response.producer_epoch,
            self.producer_id,
            self.epoch
        );
        self.producer_id = response.producer_id;
        self.epoch = response.producer_epoch;
        Ok(())
    }
}
