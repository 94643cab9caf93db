//! [`Producer`]: the handle callers send records through.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use event_listener::listener;
use franzl_core::ErrorCode;

use super::accumulator::{Accumulator, Append, Appending, Settings};
use super::batch::ProducerBatch;
use super::delivery::Failure;
use super::identity::ProducerIdentity;
use super::link::LinkContext;
use super::partitioner::{self, Partitioner};
use super::request::RequestSettings;
use super::sender::Sender;
use super::shared::{ProducerShared, Stamping};
use super::transaction::Transactions;
use super::{Delivery, ProducerRecord};
use crate::cluster::{Client, MetadataSnapshot};
use crate::config::ProducerConfig;
use crate::net::Backoff;
use crate::{Error, Result};
use async_io::Timer;

/// The buffer a partition's first batch starts with; batches grow from it to `batch.size`.
const FIRST_BATCH_SIZE: usize = 16 * 1024;

/// Sends records to Kafka in batches; see the [module docs](super) for the behaviour.
///
/// Cheap to clone: clones share one batch accumulator and one sender, and `send` takes
/// `&self`, so any number of tasks may send through one producer. [`Producer::close`] on any
/// clone closes the producer for every clone; dropping the last clone closes it too, without
/// waiting (see [`Producer::close`] and the `Drop` impl for what each guarantees).
#[derive(Debug, Clone)]
pub struct Producer {
    pub(super) shared: Arc<Shared>,
}

/// What the clones of one producer share; its drop (with the last clone) closes the producer.
#[derive(Debug)]
pub(super) struct Shared {
    accumulator: Arc<Accumulator>,
    /// A transactional producer's transactions.
    pub(super) transactions: Option<Arc<Transactions>>,
    client: Client,
    partitioner: Box<dyn Partitioner>,
    max_block: Duration,
    max_request_size: usize,
    /// `allow.auto.create.topics`: metadata requests for a topic to send to ask for its creation.
    auto_create: bool,
    /// `close` was called on some clone: `send` is a usage error from then on.
    closed: AtomicBool,
}

impl Producer {
    /// Connects a client of its own with `config.client` and makes a producer over it (see
    /// [`Producer::new`]).
    ///
    /// # Errors
    /// As [`Client::connect`] and [`Producer::new`].
    pub async fn connect(config: ProducerConfig) -> Result<Self> {
        let client = Client::connect(config.client.clone()).await?;
        Self::new(&client, config)
    }

    /// A producer over `client`, sharing its metadata and connections (Produce requests go
    /// over connections of their own, one per broker), with the partitioner the configuration
    /// names. Starts the sender task; waits for nothing.
    ///
    /// # Errors
    /// [`Error::Usage`] when `config.client` is not `client`'s configuration (the producer
    /// runs on the client's settings; the error names the first that differs);
    /// A producer with a `transactional.id` sends records only inside transactions: see
    /// [`Producer::init_transactions`].
    pub fn new(client: &Client, config: ProducerConfig) -> Result<Self> {
        let partitioner = partitioner::from_config(config.partitioner);
        Self::start(client, config, partitioner)
    }

    /// As [`Producer::new`], with the caller's own partitioner.
    ///
    /// # Errors
    /// As [`Producer::new`].
    pub fn with_partitioner(
        client: &Client,
        config: ProducerConfig,
        partitioner: impl Partitioner + 'static,
    ) -> Result<Self> {
        Self::start(client, config, Box::new(partitioner))
    }

    fn start(
        client: &Client,
        config: ProducerConfig,
        partitioner: Box<dyn Partitioner>,
    ) -> Result<Self> {
        client.check_settings("producer", &config.client)?;
        let cluster = client.clone();
        let idempotent = config.enable_idempotence;
        let max_in_flight = usize::try_from(config.max_in_flight).unwrap_or(5).max(1);
        let batch_size = config
            .batch_size
            .max(franzl_core::record::BATCH_HEADER_LEN + 1);
        let settings = Settings {
            batch_size,
            first_batch_size: batch_size.min(FIRST_BATCH_SIZE),
            linger: config.linger,
            compression: config.compression,
            max_request_size: config.max_request_size,
            delivery_timeout: config.delivery_timeout,
            retry_backoff: config.client.retry_backoff,
            retry_backoff_max: config.client.retry_backoff_max,
            retries: config.retries,
            max_in_flight_per_partition: if idempotent {
                max_in_flight.min(5)
            } else {
                max_in_flight
            },
        };
        let accumulator = Arc::new(Accumulator::new(settings, config.buffer_memory));
        let timeout_ms =
            i32::try_from(config.client.request_timeout.as_millis()).unwrap_or(i32::MAX);
        let request = RequestSettings {
            acks: config.acks.value(),
            timeout_ms,
            transactional_id: config.transactional_id.as_deref().map(Arc::from),
        };
        let shared = Arc::new(ProducerShared::new(if idempotent {
            Stamping::Waiting
        } else {
            Stamping::Plain
        }));
        // A transactional producer's id and epoch come from its transactions, not the sender.
        let transactions = config.transactional_id.clone().map(|id| {
            Arc::new(Transactions::new(
                id,
                config.transaction_timeout,
                cluster.clone(),
                Arc::clone(&accumulator),
                Arc::clone(&shared),
            ))
        });
        let sender = Sender {
            cluster: cluster.clone(),
            accumulator: Arc::clone(&accumulator),
            identity: (idempotent && transactions.is_none())
                .then(|| ProducerIdentity::new(None, i32::MAX)),
            transactions: transactions.clone(),
            admitting: Vec::new(),
            links: std::collections::HashMap::new(),
            link_backoff: std::collections::HashMap::new(),
            link_context: LinkContext {
                cluster: cluster.clone(),
                accumulator: Arc::clone(&accumulator),
                settings: request,
                max_in_flight,
                shared,
            },
            needs_new_epoch: false,
            missing_leaders: Vec::new(),
            leaders: Vec::new(),
            init_backoff: Backoff::new(
                config.client.retry_backoff,
                config.client.retry_backoff_max,
                3,
            ),
            init_retry_at: None,
            last_refresh: None,
        };
        let abandoned = Arc::clone(&accumulator);
        crate::runtime::spawn_with_recovery(
            config.client.spawner.as_ref(),
            "producer sender",
            sender.run(),
            move || {
                abandoned.abandon(&Failure::Other {
                    reason: "the producer's sender task panicked".into(),
                    retriable: false,
                });
            },
        );
        Ok(Self {
            shared: Arc::new(Shared {
                accumulator,
                transactions,
                client: cluster,
                partitioner,
                max_block: config.client.metadata_timeout,
                auto_create: config.allow_auto_create_topics,
                max_request_size: config.max_request_size,
                closed: AtomicBool::new(false),
            }),
        })
    }

    /// The client this producer was made from (for metadata or admin-style requests).
    pub fn client(&self) -> &Client {
        &self.shared.client
    }

    /// Puts `record` into its partition's batch and returns the future of its delivery.
    ///
    /// Waits for the topic's metadata on first use and, when `buffer.memory` is full, for
    /// memory to come back; both up to `max.block.ms`.
    ///
    /// # Errors
    /// [`Error::Kafka`] with `MESSAGE_TOO_LARGE` for a record larger than `max.request.size`
    /// or `buffer.memory`, with `UNKNOWN_TOPIC_OR_PARTITION` for a topic still missing from the
    /// metadata when `max.block.ms` has passed (a topic being created is waited for; with
    /// `allow.auto.create.topics`, the default, the broker is asked to create a missing one), and with
    /// the topic's own error when retrying cannot help (authorization, an invalid name);
    /// [`Error::Usage`] for a partition out of range, and once `close` has been called on any
    /// clone; [`Error::Producer`] once the producer's
    /// sender has stopped;
    /// [`Error::Timeout`] when `max.block.ms` passes.
    pub async fn send(&self, record: ProducerRecord<'_>) -> Result<Delivery> {
        if self.shared.closed.load(Ordering::Acquire) {
            return Err(Error::usage(format!(
                "send to {} on a closed producer (`close` was called on it or on a clone)",
                record.topic
            )));
        }
        if let Some(transactions) = &self.shared.transactions {
            transactions.check_send()?;
        }
        let deadline = Instant::now() + self.shared.max_block;
        let size = ProducerBatch::size_for_one(&record);
        let limit = self
            .shared
            .max_request_size
            .min(self.shared.accumulator.pool.total());
        if size > limit {
            return Err(Error::kafka(
                ErrorCode::MESSAGE_TOO_LARGE,
                Some(&format!(
                    "the record takes {size} bytes in a batch, more than max.request.size / \
                     buffer.memory ({limit})"
                )),
                format!("sending to {}", record.topic),
            ));
        }
        let (partition_count, metadata) = self.partition_count(record.topic, deadline).await?;
        let available = |p: i32| {
            metadata
                .partition(record.topic, p)
                .is_some_and(|m| m.leader >= 0)
        };
        let partition = record.partition.or_else(|| {
            self.shared.partitioner.partition(
                record.topic,
                record.key,
                record.value,
                partition_count,
            )
        });
        let item = Appending {
            record: &record,
            size,
            timestamp: record.timestamp.unwrap_or_else(now_ms),
        };
        let mut buffer = None;
        loop {
            match self.shared.accumulator.append(
                &item,
                partition_count,
                partition,
                &available,
                &mut buffer,
            )? {
                Append::Appended(delivery) => {
                    if let Some(unused) = buffer {
                        self.shared.accumulator.pool.release(unused);
                    }
                    return Ok(delivery);
                }
                Append::NeedBuffer(size) => {
                    self.shared.accumulator.wake.notify(usize::MAX);
                    buffer = Some(
                        self.shared
                            .accumulator
                            .pool
                            .allocate(size, deadline)
                            .await?,
                    );
                }
            }
        }
    }

    /// The topic's partition count, with the metadata it comes from. A topic metadata does
    /// not know yet (just created, being created, or, with `allow.auto.create.topics`,
    /// created by the broker on this request) is asked for again after
    /// `retry.backoff.ms`, doubling, until `deadline` (`max.block.ms`), as the Java client
    /// waits; a topic error that retrying cannot help (authorization, an invalid name) fails
    /// at once.
    async fn partition_count(
        &self,
        topic: &str,
        deadline: Instant,
    ) -> Result<(i32, Arc<MetadataSnapshot>)> {
        let count = |snapshot: &MetadataSnapshot| {
            snapshot
                .topic(topic)
                .filter(|t| t.error.is_ok() && !t.partitions.is_empty())
                .map(|t| i32::try_from(t.partitions.len()).unwrap_or(i32::MAX))
        };
        let cached = self.shared.client.metadata();
        if let Some(count) = count(&cached) {
            return Ok((count, cached));
        }
        let client = self.shared.client.config();
        let mut backoff = Backoff::new(client.retry_backoff, client.retry_backoff_max, 11);
        loop {
            let snapshot = (self.shared.client)
                .refresh_metadata_creating(&[topic], self.shared.auto_create)
                .await?;
            if let Some(count) = count(&snapshot) {
                return Ok((count, snapshot));
            }
            let code = snapshot
                .topic(topic)
                .map_or(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, |t| t.error);
            // No partitions yet but no error either: the topic is still being created.
            let code = if code.is_ok() {
                ErrorCode::LEADER_NOT_AVAILABLE
            } else {
                code
            };
            let delay = backoff.next_delay();
            if !code.is_retriable() || Instant::now() + delay >= deadline {
                let reason = if code.is_retriable() {
                    format!("{topic} is not in the cluster's metadata (waited max.block.ms)")
                } else {
                    format!("{topic} cannot be produced to")
                };
                return Err(Error::kafka(
                    code,
                    Some(&reason),
                    format!("sending to {topic}"),
                ));
            }
            log::debug!("producer: {topic}: {code}; asking for its metadata again in {delay:?}");
            Timer::after(delay).await;
        }
    }

    /// Sends every record given to `send` before this call without waiting for `linger.ms`,
    /// and waits until each has been delivered or has failed (each [`Delivery`] says which).
    /// Each record resolves within `delivery.timeout.ms` of its `send`; to bound the wait
    /// otherwise, use [`Producer::flush_within`].
    pub async fn flush(&self) {
        self.shared.accumulator.flush().await;
    }

    /// As [`Producer::flush`], waiting at most `timeout` (librdkafka's `flush(timeout)`).
    ///
    /// # Errors
    /// [`Error::Timeout`] when records sent before the call are still unresolved after
    /// `timeout`; they go on being sent, and their [`Delivery`] futures still resolve.
    pub async fn flush_within(&self, timeout: Duration) -> Result<()> {
        let flushed = futures_lite::future::or(
            async {
                self.flush().await;
                true
            },
            async {
                Timer::after(timeout).await;
                false
            },
        )
        .await;
        if flushed {
            return Ok(());
        }
        Err(Error::Timeout {
            what: format!(
                "flushing the producer ({} records not yet delivered)",
                self.shared.accumulator.unfinished_records()
            ),
            after: timeout,
        })
    }

    /// Closes the producer, for this clone and every other, and waits until every record given
    /// to `send` (by any clone) has been delivered or has failed (each [`Delivery`] says
    /// which): batches go at once, without waiting for `linger.ms`. Each record resolves
    /// within `delivery.timeout.ms` of its `send`; to bound the wait otherwise, use
    /// [`Producer::close_within`]. From the call on, `send` on any clone fails with
    /// [`Error::Usage`]. The sender and link tasks end once the records are done.
    pub async fn close(self) {
        self.abort_open_transaction().await;
        self.refuse_records();
        self.wait_done().await;
    }

    /// As [`Producer::close`], waiting at most `timeout` (the Java client's
    /// `close(Duration)`).
    ///
    /// # Errors
    /// [`Error::Timeout`] when records are still unresolved after `timeout`: the producer is
    /// closed all the same, and they are still sent in the background while the process runs
    /// (each until `delivery.timeout.ms`), but nothing waits for them.
    pub async fn close_within(self, timeout: Duration) -> Result<()> {
        if let Some(transactions) = &self.shared.transactions {
            let aborted = futures_lite::future::or(
                async {
                    transactions.abort_on_close().await;
                    true
                },
                async {
                    Timer::after(timeout).await;
                    false
                },
            );
            if !aborted.await {
                log::warn!(
                    "closing the producer: its open transaction was not aborted in {timeout:?}"
                );
            }
        }
        self.refuse_records();
        let done = futures_lite::future::or(
            async {
                self.wait_done().await;
                true
            },
            async {
                Timer::after(timeout).await;
                false
            },
        )
        .await;
        if done {
            return Ok(());
        }
        Err(Error::Timeout {
            what: format!(
                "closing the producer ({} records not yet delivered)",
                self.shared.accumulator.unfinished_records()
            ),
            after: timeout,
        })
    }

    /// A transactional producer aborts its open transaction as it closes.
    async fn abort_open_transaction(&self) {
        if let Some(transactions) = &self.shared.transactions {
            transactions.abort_on_close().await;
        }
    }

    /// Marks the producer closed for every clone, and sends what is left without lingering.
    fn refuse_records(&self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.accumulator.close();
    }

    /// Waits until every batch has completed (the accumulator refuses new ones by now).
    async fn wait_done(&self) {
        let accumulator = &self.shared.accumulator;
        loop {
            listener!(accumulator.completed => completed);
            if accumulator.is_done() {
                break;
            }
            completed.await;
        }
    }
}

impl Drop for Shared {
    /// With the last clone: stops taking records without waiting. Records already given to
    /// `send` are still sent in the background while the process runs (each until
    /// `delivery.timeout.ms`); a process that exits first loses them, so a warning says how
    /// many: [`Producer::close`] waits for them.
    fn drop(&mut self) {
        let unfinished = self.accumulator.unfinished_records();
        if unfinished > 0 {
            log::warn!(
                "producer dropped with {unfinished} records not yet delivered: they are sent in \
                 the background only while the process runs; Producer::close (or \
                 close_within) waits for them"
            );
        }
        self.accumulator.close();
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
