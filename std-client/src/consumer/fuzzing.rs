//! Entry points for the fuzz targets in `fuzz/` into the consumer's internals (cargo feature
//! `fuzzing`; hidden from the docs, not part of franzl's API, no behaviour of its own).
//!
//! Each wraps one crate-private piece so that a target can drive it with arbitrary input:
//! - [`read_partition`]: reading one partition's record bytes of a Fetch response as the fetch
//!   task does, against a prefetch budget (`partition_read`, `budget`);
//! - [`AbortedFilterProbe`]: the `read_committed` aborted-transaction filter (`transactions`);
//! - [`FetchSessionProbe`]: the incremental fetch session's bookkeeping (`fetch_session`).
//!
//! Nothing here runs a task or does I/O: the read is polled on the caller's thread, and a read
//! that waits for budget the caller holds is reported as waiting instead of blocking.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use franzl_core::record::RecordBatch;
use franzl_core::wire::Uuid;

use super::ConsumerRecord;
use super::assignment::{FetchTarget, Leader};
use super::budget::PrefetchBudget;
use super::fetch_session::{FetchPlan, FetchSession};
use super::partition_read::{self, InflateGuess, PartitionRead};
use super::record::SharedBytes;
use super::transactions::AbortedFilter;

/// One partition's records of a Fetch response and how the consumer reads them.
#[derive(Debug, Clone, Copy)]
pub struct PartitionInput<'a> {
    /// The partition's `records` bytes.
    pub records: &'a [u8],
    /// The offset the Fetch asked from.
    pub fetch_offset: i64,
    /// At `read_committed`: the last stable offset.
    pub stable_end: Option<i64>,
    /// At `read_committed`: the aborted transactions, as (producer id, first offset);
    /// `None` reads uncommitted.
    pub aborted: Option<&'a [(i64, i64)]>,
    /// `check.crcs`.
    pub check_crcs: bool,
    /// The prefetch bound (`max_prefetch_bytes`) in bytes.
    pub budget_limit: usize,
}

/// How reading a partition ended.
#[derive(Debug)]
pub enum ReadEnd {
    /// Read to the end: the next offset to fetch and the last fetched leader epoch.
    Read {
        /// The offset the next Fetch asks from.
        next_offset: i64,
        /// The leader epoch of the last batch read, if one had an epoch.
        last_epoch: Option<i32>,
    },
    /// Failed (see `partition_read`'s contract).
    Failed(crate::Error),
    /// Waiting for budget: the records the caller kept hold what the read needs.
    WaitingForBudget,
}

/// The prefetch budget a read ran against.
#[derive(Debug, Clone)]
pub struct BudgetProbe(Arc<PrefetchBudget>);

impl BudgetProbe {
    /// Bytes held now.
    #[must_use]
    pub fn used(&self) -> usize {
        self.0.used()
    }

    /// The most bytes held at once.
    #[must_use]
    pub fn peak(&self) -> usize {
        self.0.peak()
    }

    /// The bound.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.0.limit()
    }
}

/// Reads `input` as the fetch task reads a partition of a response: the body's bytes are taken
/// from a budget of `input.budget_limit` (past it if the body is bigger, as a broker may send)
/// and marked as being read, then each delivered batch goes to `deliver` as its next offset and
/// records, which the caller keeps or drops.
pub fn read_partition(
    input: PartitionInput<'_>,
    mut deliver: impl FnMut(i64, Vec<ConsumerRecord>),
) -> (ReadEnd, BudgetProbe) {
    let budget = PrefetchBudget::new(input.budget_limit);
    let probe = BudgetProbe(Arc::clone(&budget));
    let Some(mut permit) =
        poll_to_end(budget.acquire(input.records.len().min(budget.limit()), false)).flatten()
    else {
        return (ReadEnd::WaitingForBudget, probe);
    };
    permit.resize(input.records.len());
    let _reading = budget.reading(permit.bytes());
    let body = SharedBytes::new(input.records.to_vec(), Some(permit));
    let inflate = InflateGuess::default();
    let read = PartitionRead {
        topic: Arc::from("fuzz"),
        partition: 0,
        body: &body,
        records: body.bytes(),
        fetch_offset: input.fetch_offset,
        stable_end: input.stable_end,
        filter: match input.aborted {
            Some(aborted) => AbortedFilter::read_committed(aborted.iter().copied()),
            None => AbortedFilter::default(),
        },
        check_crcs: input.check_crcs,
        inflate: &inflate,
    };
    let reading = partition_read::read_partition(read, &budget, |batch| {
        let records = batch
            .records
            .iter()
            .map(|meta| ConsumerRecord::new(Arc::clone(&batch.data), *meta))
            .collect();
        deliver(batch.next_offset, records);
    });
    let end = match poll_to_end(reading) {
        Some(Ok(end)) => ReadEnd::Read {
            next_offset: end.next_offset,
            last_epoch: end.last_epoch,
        },
        Some(Err(error)) => ReadEnd::Failed(error),
        None => ReadEnd::WaitingForBudget,
    };
    (end, probe)
}

/// Polls `future` on this thread; `None` if it waits, which with nothing else running is for
/// ever.
fn poll_to_end<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// The `read_committed` aborted-transaction filter.
#[derive(Debug, Default)]
pub struct AbortedFilterProbe(AbortedFilter);

impl AbortedFilterProbe {
    /// A filter for `read_committed` with aborted transactions as (producer id, first offset).
    #[must_use]
    pub fn read_committed(aborted: &[(i64, i64)]) -> Self {
        Self(AbortedFilter::read_committed(aborted.iter().copied()))
    }

    /// Whether `batch` is delivered; called once per batch, in offset order.
    pub fn keep(&mut self, batch: &RecordBatch<'_>) -> bool {
        self.0.keep(batch)
    }
}

/// A partition a fetcher puts in a Fetch.
#[derive(Debug, Clone)]
pub struct SessionTarget {
    /// The topic's name.
    pub topic: Arc<str>,
    /// Its id.
    pub topic_id: [u8; 16],
    /// The partition.
    pub partition: i32,
    /// The offset to fetch from.
    pub fetch_offset: i64,
    /// The current leader epoch.
    pub leader_epoch: i32,
    /// The leader epoch of the last batch fetched.
    pub last_fetched_epoch: Option<i32>,
}

/// What one Fetch of a session says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFetch {
    /// `session_id`.
    pub session_id: i32,
    /// `session_epoch`.
    pub session_epoch: i32,
    /// Indexes into the round's targets of the partitions named.
    pub include: Vec<usize>,
    /// Partitions forgotten: topic, topic id, partition.
    pub forget: Vec<(Arc<str>, [u8; 16], i32)>,
}

/// One broker's fetch session, driven as a fetcher drives it: [`Self::plan`], then
/// [`Self::answered`] or [`Self::reset`].
#[derive(Debug, Default)]
pub struct FetchSessionProbe {
    session: FetchSession,
    last: Option<(FetchPlan, Vec<FetchTarget>)>,
}

impl FetchSessionProbe {
    /// Plans the Fetch for `targets` at Fetch `version`.
    pub fn plan(&mut self, targets: &[SessionTarget], version: i16) -> SessionFetch {
        let targets: Vec<FetchTarget> = targets
            .iter()
            .map(|target| FetchTarget {
                topic: Arc::clone(&target.topic),
                partition: target.partition,
                epoch: 0,
                fetch_offset: target.fetch_offset,
                last_fetched_epoch: target.last_fetched_epoch,
                leader: Leader {
                    node: 0,
                    epoch: target.leader_epoch,
                    topic_id: Uuid(target.topic_id),
                },
            })
            .collect();
        let plan = self.session.plan(&targets, version);
        let fetch = SessionFetch {
            session_id: plan.session_id,
            session_epoch: plan.session_epoch,
            include: plan.include.clone(),
            forget: plan
                .forget
                .iter()
                .map(|(topic, id, partition)| (Arc::clone(topic), id.0, *partition))
                .collect(),
        };
        self.last = Some((plan, targets));
        fetch
    }

    /// Records the answer to the last plan, carrying `session_id`; nothing without a plan.
    pub fn answered(&mut self, session_id: i32) {
        if let Some((plan, targets)) = self.last.take() {
            self.session.answered(&plan, &targets, session_id);
        }
    }

    /// Ends the session (an error, or no usable response).
    pub fn reset(&mut self) {
        self.last = None;
        self.session.reset();
    }
}
