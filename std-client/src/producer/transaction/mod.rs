//! Transactions (KIP-98, KIP-447, KIP-890): the transactional producer's state and its
//! conversation with the transaction coordinator.
//!
//! [`Transactions`] is shared by the [`Producer`](super::Producer)'s clones and its sender.
//! The caller drives it with the producer's transactional calls (`calls.rs`); the sender asks
//! it to bring each partition into the open transaction before its first batch goes
//! ([`Transactions::admit_pending`]).
//!
//! Contract:
//! - The phase machine: `Uninitialized` -> `init_transactions` -> `Ready` -> `begin_transaction`
//!   -> `InTransaction` -> `commit_transaction` / `abort_transaction` -> `Ending` -> `Ready`. A
//!   call out of this order is [`Error::Usage`]. An abortable error puts the producer in
//!   `Abortable` (only `abort_transaction` is accepted), a fatal one in `Fatal` (every call fails
//!   with it). An end whose outcome is unknown (EndTxn's answer never came before `max.block.ms`)
//!   stays in `Ending`: the same call again sends EndTxn again, or `init_transactions` starts over
//!   with the producer id and epoch held (KIP-360; the coordinator finishes the transaction, or
//!   fences the producer if the EndTxn never reached it); franzl never guesses. So does an
//!   abort whose epoch bump failed after its EndTxn: the abort again asks only for the epoch.
//! - The protocol is chosen per transaction, at `begin_transaction`: transactions v2 when the
//!   cluster's finalized `transaction.version` is 2 or more and the coordinator speaks EndTxn
//!   v5, TxnOffsetCommit v5 and Produce v12; else v1. With v1 each partition joins the
//!   transaction with AddPartitionsToTxn before its first batch, and the group's offsets with
//!   AddOffsetsToTxn; with v2 Produce and TxnOffsetCommit add them, and every EndTxn returns the
//!   epoch for the next transaction.
//! - Records: the accumulator takes records only inside a transaction (its gate), and a
//!   transaction commits only if no batch failed since it began; a failed batch makes the
//!   transaction abortable, or the producer fatal when its code says fenced. An abort fails every
//!   batch not yet sent, waits for those in flight, and (v1) bumps the epoch (KIP-360) when a
//!   sequence may have a gap. After a coordinator's answer that it does not know the producer
//!   id (`UNKNOWN_PRODUCER_ID`), the abort sends no EndTxn (the coordinator has no transaction
//!   of that id to end) and bumps the epoch, in both protocols.
//! - Coordinator requests are retried while their error is retriable, up to `max.block.ms` per
//!   call; then the call fails with a [`TransactionErrorClass::Retriable`] error.

mod calls;
mod requests;
#[cfg(test)]
mod scripted_abort_tests;
#[cfg(test)]
mod scripted_class_tests;
#[cfg(test)]
mod scripted_coordinator;
#[cfg(test)]
mod scripted_deadline_tests;
#[cfg(test)]
mod scripted_tests;
mod verdict;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_io::Timer;

use super::accumulator::Accumulator;
use super::batch::Stamp;
use super::delivery::Failure;
use super::shared::{ProducerShared, Stamping};
use crate::cluster::{Client, CoordinatorKind};
use crate::error::{Error, Result, TransactionErrorClass};
use crate::net::Backoff;
use requests::Producing;

/// Where the transactional producer stands.
#[derive(Debug, Clone)]
enum Phase {
    /// `init_transactions` has not succeeded yet.
    Uninitialized,
    /// Between transactions.
    Ready,
    /// A transaction is open.
    InTransaction,
    /// A commit or abort began and has not finished (or its outcome is unknown).
    Ending { commit: bool },
    /// The transaction can only be aborted; the error says why.
    Abortable(Error),
    /// The producer can do nothing more; the error says why.
    Fatal(Error),
}

/// The transactional state behind the lock.
#[derive(Debug)]
struct State {
    phase: Phase,
    producer_id: i64,
    epoch: i16,
    /// The coordinator speaks transactions v2's requests (EndTxn v5, TxnOffsetCommit v5,
    /// Produce v12), as found at `init_transactions`.
    coordinator_speaks_v2: bool,
    /// The open (or ending) transaction uses transactions v2.
    v2: bool,
    /// The coordinator knows of the open transaction (a partition or offsets added): ending it
    /// needs EndTxn.
    started: bool,
    /// The accumulator's failed batches when the transaction began.
    failed_before: u64,
    /// The coordinator answered that it does not know the producer id
    /// ([`verdict::producer_id_lost`]): the abort sends no EndTxn (there is no transaction of
    /// that id to end) and asks for the next epoch of the id held (KIP-360).
    id_lost: bool,
    /// The abort must end with a new epoch (a sequence gap under transactions v1, or a lost
    /// producer id); kept until one comes, so an abort made again after its bump failed
    /// asks for it again.
    needs_epoch: bool,
    /// When the sender may ask AddPartitionsToTxn again after a retriable error.
    add_retry_at: Option<Instant>,
    add_backoff: Backoff,
}

/// A transactional producer's transactions; see the module docs.
#[derive(Debug)]
pub(crate) struct Transactions {
    pub(crate) transactional_id: String,
    timeout_ms: i32,
    cluster: Client,
    accumulator: Arc<Accumulator>,
    shared: Arc<ProducerShared>,
    /// `max.block.ms`: how long one call retries the coordinator.
    max_block: Duration,
    state: Mutex<State>,
    /// One transactional call at a time (clones of a producer share it).
    calls: async_lock::Mutex<()>,
}

impl Transactions {
    /// The transactions of a producer with `transactional_id`; makes the accumulator refuse
    /// records until a transaction begins.
    pub(crate) fn new(
        transactional_id: String,
        timeout: Duration,
        cluster: Client,
        accumulator: Arc<Accumulator>,
        shared: Arc<ProducerShared>,
    ) -> Self {
        accumulator.enable_transactions();
        let config = cluster.config();
        let add_backoff = Backoff::new(Duration::from_millis(20), config.retry_backoff_max, 7);
        let max_block = config.metadata_timeout;
        Self {
            transactional_id,
            timeout_ms: i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX),
            cluster,
            accumulator,
            shared,
            max_block,
            state: Mutex::new(State {
                phase: Phase::Uninitialized,
                producer_id: -1,
                epoch: -1,
                coordinator_speaks_v2: false,
                v2: false,
                started: false,
                failed_before: 0,
                id_lost: false,
                needs_epoch: false,
                add_retry_at: None,
                add_backoff,
            }),
            calls: async_lock::Mutex::new(()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The producer id and epoch requests speak for.
    fn producing(&self, state: &State) -> (i64, i16) {
        (state.producer_id, state.epoch)
    }

    /// Whether `send` may take a record now.
    ///
    /// # Errors
    /// The abortable or fatal error the transaction is in; [`Error::Usage`] outside a
    /// transaction.
    pub(crate) fn check_send(&self) -> Result<()> {
        let mut state = self.state();
        self.observe_failures(&mut state);
        match &state.phase {
            Phase::InTransaction => Ok(()),
            Phase::Abortable(error) | Phase::Fatal(error) => Err(error.clone()),
            Phase::Uninitialized => Err(Error::usage(
                "send on a transactional producer before init_transactions",
            )),
            Phase::Ready => Err(Error::usage(
                "send on a transactional producer outside a transaction: call begin_transaction \
                 first",
            )),
            Phase::Ending { .. } => Err(Error::usage(
                "send on a transactional producer while its transaction is ending",
            )),
        }
    }

    /// Turns a batch failure since the transaction began into the transaction's error: fatal
    /// when the broker fenced the producer, else abortable.
    fn observe_failures(&self, state: &mut State) {
        let open = matches!(state.phase, Phase::InTransaction | Phase::Ending { .. });
        if !open || self.accumulator.failed_batches() <= state.failed_before {
            return;
        }
        let cause = self.accumulator.last_failure();
        let fenced = cause
            .as_ref()
            .and_then(Error::kafka_code)
            .is_some_and(|code| verdict::class_of(code) == TransactionErrorClass::Fatal);
        let class = if fenced {
            TransactionErrorClass::Fatal
        } else {
            TransactionErrorClass::Abortable
        };
        self.fail(state, class, "a record of the transaction failed", cause);
    }

    /// Puts the producer in the abortable or fatal phase (a retriable class changes nothing).
    /// A fatal producer fails every record not yet sent, so `close` and `flush` end.
    fn fail(
        &self,
        state: &mut State,
        class: TransactionErrorClass,
        reason: &str,
        cause: Option<Error>,
    ) -> Error {
        let error = Error::Transaction {
            class,
            reason: format!("transactional id {:?}: {reason}", self.transactional_id),
            cause: cause.map(Arc::new),
        };
        match class {
            TransactionErrorClass::Retriable => {}
            TransactionErrorClass::Abortable => {
                if !matches!(state.phase, Phase::Fatal(_)) {
                    state.phase = Phase::Abortable(error.clone());
                }
            }
            TransactionErrorClass::Fatal => {
                state.phase = Phase::Fatal(error.clone());
                self.accumulator.close_transaction();
                self.accumulator.fail_unsent(&Failure::Other {
                    reason: error.to_string(),
                    retriable: false,
                });
            }
        }
        error
    }

    /// The error a failed coordinator request leaves the producer with: its class from the
    /// broker's code, or from the error itself (a connection's error is retriable; a broker
    /// without the API, or a response that does not decode, is fatal).
    fn class_of(error: &Error) -> TransactionErrorClass {
        match error.kafka_code() {
            Some(code) => verdict::class_of(code),
            None if error.is_retriable() => TransactionErrorClass::Retriable,
            None => TransactionErrorClass::Fatal,
        }
    }

    /// After a failed request about `key`'s coordinator: waits out the backoff and returns
    /// `Ok` when the error is retriable and `deadline` allows another attempt; else the error,
    /// classed, with the producer's phase changed to match.
    async fn retry_or_fail(
        &self,
        error: Error,
        (kind, key): (CoordinatorKind, &str),
        backoff: &mut Backoff,
        deadline: Instant,
        what: &str,
    ) -> Result<()> {
        if error.kafka_code().is_some_and(verdict::coordinator_moved) {
            self.cluster.invalidate_coordinator(kind, key);
        }
        let class = Self::class_of(&error);
        if class == TransactionErrorClass::Retriable {
            let delay = backoff.next_delay();
            if Instant::now() + delay < deadline {
                log::debug!(
                    "transaction {:?}: {what}: {error}; again in {delay:?}",
                    self.transactional_id
                );
                Timer::after(delay).await;
                return Ok(());
            }
        }
        let reason = match class {
            TransactionErrorClass::Retriable => format!("{what}: still failing after max.block.ms"),
            _ => what.to_owned(),
        };
        let mut state = self.state();
        Err(self.fail_request(&mut state, class, &reason, error))
    }

    /// [`Transactions::fail`] for a coordinator's answer: one that says the coordinator lost
    /// the producer id also has the abort ask for a new epoch.
    fn fail_request(
        &self,
        state: &mut State,
        class: TransactionErrorClass,
        reason: &str,
        error: Error,
    ) -> Error {
        let lost = error.kafka_code().is_some_and(verdict::producer_id_lost);
        if lost && class == TransactionErrorClass::Abortable {
            state.id_lost = true;
        }
        self.fail(state, class, reason, Some(error))
    }

    /// A new producer id or epoch: every partition's sequences start again, and new batches
    /// are stamped with it. Call with nothing in flight.
    fn publish(&self, state: &mut State, producer_id: i64, epoch: i16) {
        state.producer_id = producer_id;
        state.epoch = epoch;
        state.id_lost = false;
        state.needs_epoch = false;
        let stamp = Stamp {
            producer_id,
            producer_epoch: epoch,
            base_sequence: -1,
            transactional: true,
        };
        self.accumulator.restart_sequences(stamp);
        *self.shared.stamping() = Stamping::Ready(stamp);
        self.accumulator.wake.notify(usize::MAX);
    }

    /// Brings the partitions that took their first record of the transaction into it, for the
    /// sender: with v2 at once (Produce adds them), with v1 by AddPartitionsToTxn. A retriable
    /// error leaves them waiting until [`Transactions::retry_at`]; any other fails the
    /// transaction. `buffer` is the sender's, kept for its capacity.
    pub(crate) async fn admit_pending(&self, buffer: &mut Vec<(Arc<str>, i32)>) {
        if !self.accumulator.has_pending() {
            return;
        }
        let (producing, v2) = {
            let state = self.state();
            let open = matches!(
                state.phase,
                Phase::InTransaction | Phase::Ending { commit: true }
            );
            if !open || state.add_retry_at.is_some_and(|at| Instant::now() < at) {
                return;
            }
            (self.producing(&state), state.v2)
        };
        self.accumulator.take_pending(buffer);
        if v2 {
            self.state().started = true;
            self.accumulator.admit(buffer);
            return;
        }
        let id = self.transactional_id.as_str();
        let result = match self
            .cluster
            .coordinator(CoordinatorKind::Transaction, id)
            .await
        {
            Ok(conn) => {
                let producing = Producing {
                    transactional_id: id,
                    producer_id: producing.0,
                    epoch: producing.1,
                };
                requests::add_partitions(&conn, producing, buffer).await
            }
            Err(error) => Err(error),
        };
        let mut state = self.state();
        match result {
            Ok(()) => {
                state.started = true;
                state.add_retry_at = None;
                state.add_backoff.reset();
                self.accumulator.admit(buffer);
            }
            Err(error) => {
                if error.kafka_code().is_some_and(verdict::coordinator_moved) {
                    self.cluster
                        .invalidate_coordinator(CoordinatorKind::Transaction, id);
                }
                let class = Self::class_of(&error);
                if class == TransactionErrorClass::Retriable {
                    let delay = state.add_backoff.next_delay();
                    log::debug!(
                        "transaction {id:?}: AddPartitionsToTxn: {error}; again in {delay:?}"
                    );
                    state.add_retry_at = Some(Instant::now() + delay);
                    self.accumulator.requeue_pending(buffer);
                } else {
                    self.accumulator.requeue_pending(buffer);
                    let reason = "adding partitions to the transaction";
                    self.fail_request(&mut state, class, reason, error);
                }
            }
        }
    }

    /// When the sender should try AddPartitionsToTxn again.
    pub(crate) fn retry_at(&self) -> Option<Instant> {
        self.state().add_retry_at
    }
}
