//! The [`Producer`]'s transactional calls (a producer made with `transactional.id`):
//! exactly-once writes across partitions, and consume-transform-produce with the consumer's
//! offsets committed in the same transaction (KIP-98, KIP-447, KIP-890).
//!
//! ```no_run
//! # async fn run(consumer: &mut franzl::Consumer) -> franzl::Result<()> {
//! use franzl::error::TransactionErrorClass;
//! use franzl::{Producer, ProducerConfig, ProducerRecord};
//!
//! let config = ProducerConfig::builder()
//!     .client(|c| c.bootstrap_servers(["127.0.0.1:9092"]))
//!     .transactional_id("copier-1")
//!     .build()?;
//! let producer = Producer::connect(config).await?;
//! producer.init_transactions().await?;
//! loop {
//!     let records = consumer.poll(std::time::Duration::from_secs(1)).await?;
//!     producer.begin_transaction()?;
//!     for record in &records {
//!         let value = record.value().unwrap_or_default().to_ascii_uppercase();
//!         let _ = producer.send(ProducerRecord::new("out", &value)).await?;
//!     }
//!     // The offsets of exactly these records (the group may have moved partitions since).
//!     let offsets = franzl::consumer::offsets_after(&records);
//!     producer
//!         .send_offsets_to_transaction(&offsets, &consumer.group_metadata()?)
//!         .await?;
//!     match producer.commit_transaction().await {
//!         Ok(()) => {}
//!         Err(e) if e.transaction_class() == Some(TransactionErrorClass::Abortable) => {
//!             producer.abort_transaction().await?;
//!             // Rewind the consumer to its committed offsets and go on.
//!         }
//!         Err(e) => return Err(e),
//!     }
//! }
//! # }
//! ```

use super::Producer;
use crate::consumer::TopicPartition;
use crate::error::{Error, Result};
use crate::group::{ConsumerGroupMetadata, OffsetAndMetadata};

impl Producer {
    fn transactions(&self, call: &str) -> Result<&super::transaction::Transactions> {
        self.shared.transactions.as_deref().ok_or_else(|| {
            Error::usage(format!(
                "{call} on a producer without transactional.id: set it in the producer's \
                 configuration"
            ))
        })
    }

    /// Gets the producer id and epoch for the `transactional.id` from its transaction
    /// coordinator, fencing any older producer with the same id (its open transaction is
    /// aborted, and its next call fails with a fatal error). Call once, before the first
    /// transaction; after a commit or abort whose outcome stayed unknown, call it again to
    /// start over (the coordinator finishes or aborts that transaction first). Making the same
    /// commit or abort call again is the gentler way: when the lost EndTxn never reached the
    /// coordinator, its transaction is still open, and Kafka answers a producer that starts
    /// over with its own transaction open by aborting it and fencing the producer (a fatal
    /// error; nothing is committed twice or guessed).
    ///
    /// # Errors
    /// [`Error::Transaction`]: fatal for a refused transactional id or an invalid
    /// `transaction.timeout.ms`, retriable when the coordinator could not be reached within
    /// `max.block.ms`; [`Error::Usage`] when already initialized or without `transactional.id`.
    pub async fn init_transactions(&self) -> Result<()> {
        self.transactions("init_transactions")?.init().await
    }

    /// Opens a transaction: records sent from now on are written in it, and are seen by
    /// `read_committed` consumers only once it commits.
    ///
    /// # Errors
    /// [`Error::Usage`] before `init_transactions` or with a transaction already open; the
    /// producer's [`Error::Transaction`] when it is abortable (abort first) or fatal.
    pub fn begin_transaction(&self) -> Result<()> {
        self.transactions("begin_transaction")?.begin()
    }

    /// Commits the consumer group's `offsets` (the next offset to read of each partition) as
    /// part of the open transaction: they take effect if and only if it commits. `group` is
    /// the consumer's [`Consumer::group_metadata`](crate::Consumer::group_metadata), so a
    /// member that has fallen out of its group (a zombie) is refused.
    ///
    /// # Errors
    /// [`Error::Transaction`]: abortable when the group refuses the member
    /// (`ILLEGAL_GENERATION`, `UNKNOWN_MEMBER_ID`, `FENCED_INSTANCE_ID`) or the group's
    /// authorization fails, fatal when the producer is fenced; [`Error::Usage`] outside a
    /// transaction.
    pub async fn send_offsets_to_transaction(
        &self,
        offsets: &[(TopicPartition, OffsetAndMetadata)],
        group: &ConsumerGroupMetadata,
    ) -> Result<()> {
        self.transactions("send_offsets_to_transaction")?
            .send_offsets(offsets, group)
            .await
    }

    /// Sends every record of the transaction, waits for each, and commits the transaction.
    ///
    /// # Errors
    /// [`Error::Transaction`]: abortable when a record of the transaction failed (call
    /// [`Producer::abort_transaction`]), fatal when the producer was fenced, retriable when
    /// the coordinator did not answer within `max.block.ms` (call `commit_transaction` again,
    /// or `init_transactions` to start over); [`Error::Usage`] outside a transaction.
    pub async fn commit_transaction(&self) -> Result<()> {
        self.transactions("commit_transaction")?.commit().await
    }

    /// Aborts the open transaction: records not yet sent fail (their deliveries say the
    /// transaction was aborted), those in flight are waited for, and `read_committed`
    /// consumers never see any of them. The producer can then begin the next transaction.
    ///
    /// # Errors
    /// [`Error::Transaction`]: fatal when the producer was fenced, retriable when the
    /// coordinator did not answer within `max.block.ms` (call it again);
    /// [`Error::Usage`] outside a transaction.
    pub async fn abort_transaction(&self) -> Result<()> {
        self.transactions("abort_transaction")?.abort().await
    }

    /// Whether the open transaction uses transactions v2 (KIP-890: the cluster's
    /// `transaction.version` is 2 or more); `false` outside a transactional producer.
    pub fn transaction_uses_v2(&self) -> bool {
        self.shared
            .transactions
            .as_deref()
            .is_some_and(super::transaction::Transactions::uses_v2)
    }
}
