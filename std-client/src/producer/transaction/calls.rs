//! The transactional calls, as [`Transactions`] carries them out: init, begin, offsets,
//! commit and abort. The [`Producer`](crate::producer::Producer)'s public methods of the same
//! names call these; the phase rules are in the [module docs](super).

use std::future::Future;
use std::time::Instant;

use event_listener::listener;
use franzl_core::messages::ApiKey;

use super::requests::{self, Producing};
use super::{Phase, State, Transactions};
use crate::broker::BrokerConnection;
use crate::cluster::CoordinatorKind;
use crate::consumer::TopicPartition;
use crate::error::{Error, Result, TransactionErrorClass};
use crate::group::{ConsumerGroupMetadata, OffsetAndMetadata};
use crate::net::Backoff;
use crate::producer::delivery::Failure;

/// The first versions of transactions v2's requests (KIP-890).
const V2_END_TXN: i16 = 5;
const V2_TXN_OFFSET_COMMIT: i16 = 5;
const V2_PRODUCE: i16 = 12;
/// The last EndTxn and TxnOffsetCommit versions of transactions v1.
const V1_END_TXN: i16 = 4;
const V1_TXN_OFFSET_COMMIT: i16 = 4;

impl Transactions {
    fn backoff(&self) -> Backoff {
        let config = self.cluster.config();
        Backoff::new(config.retry_backoff, config.retry_backoff_max, 5)
    }

    fn deadline(&self) -> Instant {
        Instant::now() + self.max_block
    }

    fn key(&self) -> (CoordinatorKind, &str) {
        (CoordinatorKind::Transaction, self.transactional_id.as_str())
    }

    /// The error of a call the phase does not allow: the phase's own error when it holds one.
    fn refused(state: &State, call: &str) -> Error {
        match &state.phase {
            Phase::Abortable(error) if call != "commit_transaction" => error.clone(),
            Phase::Abortable(error) | Phase::Fatal(error) => error.clone(),
            Phase::Uninitialized => Error::usage(format!("{call} before init_transactions")),
            Phase::Ready => Error::usage(format!("{call} outside a transaction")),
            Phase::InTransaction => Error::usage(format!("{call} inside an open transaction")),
            Phase::Ending { commit } => Error::usage(format!(
                "{call} while the transaction's {} is unfinished: call {} again, or \
                 init_transactions",
                if *commit { "commit" } else { "abort" },
                if *commit {
                    "commit_transaction"
                } else {
                    "abort_transaction"
                },
            )),
        }
    }

    /// `init_transactions`: finds the coordinator, gets the producer id and epoch (fencing
    /// any older producer with the same transactional id and ending its open transaction).
    pub(crate) async fn init(&self) -> Result<()> {
        let _call = self.calls.lock().await;
        let current = {
            let state = self.state();
            match state.phase {
                Phase::Uninitialized => (-1, -1),
                // Starting over after an end whose outcome is unknown: the same id, bumped.
                Phase::Ending { .. } => self.producing(&state),
                _ => return Err(Self::refused(&state, "init_transactions")),
            }
        };
        let id = self.transactional_id.as_str();
        let (producer_id, epoch, speaks_v2) = self
            .with_coordinator(self.key(), "init_transactions", |conn| async move {
                let (pid, epoch, _) =
                    requests::init_producer_id(&conn, id, self.timeout_ms, current).await?;
                let at_least = |api, version| conn.version(api).is_ok_and(|v| v >= version);
                let speaks_v2 = at_least(ApiKey::EndTxn, V2_END_TXN)
                    && at_least(ApiKey::TxnOffsetCommit, V2_TXN_OFFSET_COMMIT)
                    && at_least(ApiKey::Produce, V2_PRODUCE);
                Ok((pid, epoch, speaks_v2))
            })
            .await?;
        log::info!("transactional id {id:?}: producer id {producer_id} epoch {epoch}");
        let mut state = self.state();
        state.coordinator_speaks_v2 = speaks_v2;
        state.started = false;
        state.phase = Phase::Ready;
        self.publish(&mut state, producer_id, epoch);
        self.accumulator.end_transaction();
        Ok(())
    }

    /// `begin_transaction`: opens a transaction, choosing its protocol.
    pub(crate) fn begin(&self) -> Result<()> {
        let mut state = self.state();
        if !matches!(state.phase, Phase::Ready) {
            return Err(Self::refused(&state, "begin_transaction"));
        }
        let features = self.cluster.finalized_features();
        state.v2 = state.coordinator_speaks_v2
            && features
                .transaction_version()
                .is_some_and(|level| level >= 2);
        // Transactions v1 stay below Produce v12, with which the broker would add the
        // partitions itself.
        self.shared
            .set_produce_ceiling(if state.v2 { i16::MAX } else { V2_PRODUCE - 1 });
        log::debug!(
            "transactional id {:?}: a transaction of protocol v{}",
            self.transactional_id,
            if state.v2 { 2 } else { 1 }
        );
        state.started = false;
        state.failed_before = self.accumulator.failed_batches();
        state.add_retry_at = None;
        state.phase = Phase::InTransaction;
        self.accumulator.open_transaction();
        Ok(())
    }

    /// Whether the open transaction uses transactions v2 (for tests and logs).
    pub(crate) fn uses_v2(&self) -> bool {
        self.state().v2
    }

    /// `send_offsets_to_transaction`: the group's offsets commit with the transaction.
    pub(crate) async fn send_offsets(
        &self,
        offsets: &[(TopicPartition, OffsetAndMetadata)],
        group: &ConsumerGroupMetadata,
    ) -> Result<()> {
        let _call = self.calls.lock().await;
        let (producer_id, epoch, v2) = {
            let mut state = self.state();
            self.observe_failures(&mut state);
            if !matches!(state.phase, Phase::InTransaction) {
                return Err(Self::refused(&state, "send_offsets_to_transaction"));
            }
            let (pid, epoch) = self.producing(&state);
            (pid, epoch, state.v2)
        };
        if offsets.is_empty() {
            return Ok(());
        }
        let id = self.transactional_id.as_str();
        let producing = Producing {
            transactional_id: id,
            producer_id,
            epoch,
        };
        if !v2 {
            self.with_coordinator(self.key(), "AddOffsetsToTxn", |conn| async move {
                requests::add_offsets(&conn, producing, &group.group_id).await
            })
            .await?;
            self.state().started = true;
        }
        let max_version = if v2 {
            V2_TXN_OFFSET_COMMIT
        } else {
            V1_TXN_OFFSET_COMMIT
        };
        let group_key = (CoordinatorKind::Group, group.group_id.as_str());
        self.with_coordinator(group_key, "TxnOffsetCommit", |conn| async move {
            requests::txn_offset_commit(&conn, producing, group, offsets, max_version).await
        })
        .await?;
        self.state().started = true;
        Ok(())
    }

    /// `commit_transaction`: delivers every record of the transaction, then commits it.
    pub(crate) async fn commit(&self) -> Result<()> {
        let _call = self.calls.lock().await;
        {
            let mut state = self.state();
            self.observe_failures(&mut state);
            match state.phase {
                Phase::InTransaction | Phase::Ending { commit: true } => {}
                _ => return Err(Self::refused(&state, "commit_transaction")),
            }
            state.phase = Phase::Ending { commit: true };
        }
        // Records appended from here on are refused; every one appended before is flushed.
        self.accumulator.close_transaction();
        self.accumulator.flush().await;
        {
            let mut state = self.state();
            self.observe_failures(&mut state);
            if let Phase::Abortable(error) | Phase::Fatal(error) = &state.phase {
                return Err(error.clone());
            }
        }
        self.end(true).await
    }

    /// `abort_transaction`: fails the records not yet sent, waits for those in flight, and
    /// aborts the transaction (with EndTxn, or by a new epoch when the coordinator lost the
    /// producer id).
    pub(crate) async fn abort(&self) -> Result<()> {
        let _call = self.calls.lock().await;
        let failed_before = {
            let mut state = self.state();
            match state.phase {
                Phase::InTransaction | Phase::Abortable(_) | Phase::Ending { commit: false } => {}
                _ => return Err(Self::refused(&state, "abort_transaction")),
            }
            state.phase = Phase::Ending { commit: false };
            state.failed_before
        };
        self.accumulator.close_transaction();
        let aborted = Failure::Other {
            reason: format!("the transaction of {:?} was aborted", self.transactional_id),
            retriable: false,
        };
        let mut sequence_gap = self.accumulator.failed_batches() > failed_before;
        loop {
            listener!(self.accumulator.completed => completed);
            sequence_gap |= self.accumulator.fail_unsent(&aborted);
            if self.accumulator.is_empty() {
                break;
            }
            completed.await;
        }
        {
            let mut state = self.state();
            let gap = sequence_gap && !state.v2;
            state.needs_epoch |= state.id_lost || gap;
            if state.id_lost {
                // No EndTxn for an id the coordinator does not know: the bump ends it.
                state.started = false;
            }
        }
        self.send_end(false).await?;
        let (needs_epoch, current) = {
            let state = self.state();
            (state.needs_epoch, self.producing(&state))
        };
        if needs_epoch {
            self.bump_epoch(current).await?;
        }
        self.finish();
        Ok(())
    }

    /// Sends EndTxn, and returns to `Ready`.
    async fn end(&self, commit: bool) -> Result<()> {
        self.send_end(commit).await?;
        self.finish();
        Ok(())
    }

    /// The transaction's end is complete: back to `Ready`.
    fn finish(&self) {
        let mut state = self.state();
        state.phase = Phase::Ready;
        self.accumulator.end_transaction();
    }

    /// Sends EndTxn when the coordinator knows of the transaction (once: a call made again
    /// after a later step failed does not send it again), and takes the epoch it returns
    /// (transactions v2).
    async fn send_end(&self, commit: bool) -> Result<()> {
        let (started, v2, (producer_id, epoch)) = {
            let state = self.state();
            (state.started, state.v2, self.producing(&state))
        };
        let what = if commit {
            "EndTxn (commit)"
        } else {
            "EndTxn (abort)"
        };
        let mut next = None;
        if started {
            let id = self.transactional_id.as_str();
            let producing = Producing {
                transactional_id: id,
                producer_id,
                epoch,
            };
            let max_version = if v2 { V2_END_TXN } else { V1_END_TXN };
            next = self
                .with_coordinator(self.key(), what, |conn| async move {
                    requests::end_txn(&conn, producing, commit, max_version).await
                })
                .await?;
        }
        let mut state = self.state();
        if let Some((producer_id, epoch)) = next {
            self.publish(&mut state, producer_id, epoch);
        }
        state.started = false;
        Ok(())
    }

    /// After an abort that left a gap in some partition's sequence (transactions v1), or one
    /// whose coordinator lost the producer id: a new epoch for the same producer id (KIP-360),
    /// so the next transaction starts clean.
    async fn bump_epoch(&self, current: (i64, i16)) -> Result<()> {
        let id = self.transactional_id.as_str();
        let (producer_id, epoch, version) = self
            .with_coordinator(
                self.key(),
                "InitProducerId (epoch bump)",
                |conn| async move {
                    requests::init_producer_id(&conn, id, self.timeout_ms, current).await
                },
            )
            .await?;
        let mut state = self.state();
        if version < 3 {
            // The broker cannot bump the epoch of the same id (KIP-360 needs v3): this
            // InitProducerId fenced the producer's own last epoch.
            return Err(self.fail(
                &mut state,
                TransactionErrorClass::Fatal,
                "an aborted transaction left a sequence gap, and the broker cannot bump the \
                 epoch (InitProducerId below v3)",
                None,
            ));
        }
        self.publish(&mut state, producer_id, epoch);
        Ok(())
    }

    /// Runs `attempt` on a connection to `key`'s coordinator until it succeeds, retrying
    /// retriable errors (a moved coordinator looked up again) for up to `max.block.ms`; a
    /// failure is classed and changes the producer's phase (see
    /// [`Transactions::retry_or_fail`]).
    async fn with_coordinator<T, F, Fut>(
        &self,
        (kind, key): (CoordinatorKind, &str),
        what: &str,
        mut attempt: F,
    ) -> Result<T>
    where
        F: FnMut(BrokerConnection) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let (deadline, mut backoff) = (self.deadline(), self.backoff());
        loop {
            let result = match self.cluster.coordinator(kind, key).await {
                Ok(conn) => attempt(conn).await,
                Err(error) => Err(error),
            };
            match result {
                Ok(value) => return Ok(value),
                Err(error) => {
                    self.retry_or_fail(error, (kind, key), &mut backoff, deadline, what)
                        .await?;
                }
            }
        }
    }

    /// On `close` with a transaction open: aborts it, so its records are not left for the
    /// coordinator's timeout. Errors are logged: closing goes on.
    pub(crate) async fn abort_on_close(&self) {
        let open = matches!(
            self.state().phase,
            Phase::InTransaction | Phase::Abortable(_)
        );
        if open && let Err(error) = self.abort().await {
            log::warn!(
                "closing transactional producer {:?}: aborting its open transaction: {error}",
                self.transactional_id
            );
        }
    }
}
