//! [`PartitionQueue`]: one partition's batches and its send state (sequence numbers, what is
//! in flight, where, and whether it must wait for a retry).
//!
//! Order is kept like this: batches leave in queue order, one per request, to the partition's
//! leader; while any are in flight, new ones go only to the same broker (one connection keeps
//! order). When one fails and will be retried, the partition *rewinds*: it sends nothing until
//! all its in-flight batches have come back (later ones fail too, out of sequence), then resends
//! from the earliest, with the same sequence numbers, so the broker appends each exactly once.
//!
//! "Later ones fail too" holds only once the broker keeps state for the producer: a broker
//! that has none (a new producer id, or one whose state expired) takes any first sequence, so
//! a later batch could be appended before an earlier one that failed. Under each new stamp a
//! partition therefore sends one batch at a time until the broker has acknowledged one
//! ([`PartitionQueue::confirmed`]).

use std::collections::VecDeque;
use std::time::Instant;

use super::batch::ProducerBatch;

/// One partition's batches.
#[derive(Debug, Default)]
pub(crate) struct PartitionQueue {
    /// The batch taking records.
    pub(crate) open: Option<ProducerBatch>,
    /// Closed batches waiting to be sent: retries first, in sequence order.
    pub(crate) queue: VecDeque<ProducerBatch>,
    /// Batches sent and not yet answered.
    pub(crate) in_flight: usize,
    /// The broker those went to.
    pub(crate) in_flight_node: i32,
    /// The next batch's base sequence (idempotence).
    pub(crate) next_sequence: i32,
    /// A batch failed: wait for every in-flight batch before sending again.
    pub(crate) rewinding: bool,
    /// The broker acknowledged a batch of this partition under the current stamp: it keeps
    /// the producer's sequence, so more than one batch may be in flight (idempotence).
    pub(crate) confirmed: bool,
    /// The buffer size the next batch starts with (0: the first size): what the last batch
    /// that stopped taking records held, rounded up to a power of two.
    pub(crate) next_buffer: usize,
    /// A transactional producer's partition is in the open transaction: its batches may go.
    pub(crate) admitted: bool,
    /// A transactional producer's partition took a record and waits to be admitted.
    pub(crate) pending: bool,
}

impl PartitionQueue {
    /// Whether a batch may be sent to `leader` now, with at most `max_in_flight` per partition.
    pub(crate) fn can_send(&self, leader: i32, max_in_flight: usize, now: Instant) -> bool {
        if self.in_flight > 0 && (self.rewinding || self.in_flight_node != leader) {
            return false;
        }
        if self.in_flight >= max_in_flight {
            return false;
        }
        self.queue
            .front()
            .is_none_or(|batch| batch.retry_at.is_none_or(|at| at <= now))
    }

    /// Closes the open batch: it joins the queue.
    pub(crate) fn close_open(&mut self) {
        if let Some(batch) = self.open.take() {
            self.next_buffer = batch.size().next_power_of_two();
            self.queue.push_back(batch);
        }
    }

    /// The next batch to send: from the queue, else the open batch if `take_open` says it is
    /// ready (lingered long enough, or a flush).
    pub(crate) fn next_batch(
        &mut self,
        take_open: impl Fn(&ProducerBatch) -> bool,
    ) -> Option<ProducerBatch> {
        if let Some(batch) = self.queue.pop_front() {
            return Some(batch);
        }
        if self.open.as_ref().is_some_and(take_open) {
            let batch = self.open.take();
            if let Some(batch) = &batch {
                self.next_buffer = batch.size().next_power_of_two();
            }
            return batch;
        }
        None
    }

    /// Puts back a batch to retry, before every batch sent after it: by sequence number with
    /// idempotence, else by batch id (the halves of a split batch share its id: the later
    /// one is requeued first).
    pub(crate) fn requeue(&mut self, batch: ProducerBatch) {
        let (sequence, id) = (batch.stamp.base_sequence, batch.id);
        let at = self
            .queue
            .iter()
            .position(|queued| {
                !queued.is_sealed()
                    || if sequence >= 0 {
                        queued.stamp.base_sequence > sequence
                    } else {
                        queued.id >= id
                    }
            })
            .unwrap_or(self.queue.len());
        self.queue.insert(at, batch);
    }

    /// Takes the sequence numbers for a batch of `records` records: Kafka's sequences wrap
    /// from `i32::MAX` to 0.
    pub(crate) fn take_sequence(&mut self, records: usize) -> i32 {
        let base = self.next_sequence;
        self.next_sequence = sequence_after(base, records);
        base
    }
}

/// The sequence number `records` records after `base`: Kafka's sequences wrap from `i32::MAX`
/// to 0.
pub(crate) fn sequence_after(base: i32, records: usize) -> i32 {
    let count = i32::try_from(records).unwrap_or(i32::MAX);
    // In 0..2^31 after the remainder, so the conversion cannot fail.
    i32::try_from((i64::from(base) + i64::from(count)).rem_euclid(1 << 31)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::producer::ProducerRecord;
    use crate::producer::batch::Stamp;
    use franzl_core::compression::Compression;
    use std::time::Duration;

    fn sealed_batch(sequence: i32) -> ProducerBatch {
        let mut batch = ProducerBatch::new(0, vec![0; 200], 0);
        let _ = batch
            .try_append(&ProducerRecord::new("t", b"v"), 0)
            .unwrap();
        let stamp = Stamp {
            producer_id: 1,
            producer_epoch: 0,
            base_sequence: sequence,
            transactional: false,
        };
        batch
            .seal(Compression::None, stamp, &mut Vec::new())
            .unwrap();
        batch
    }

    #[test]
    fn retries_go_back_in_sequence_order_before_new_batches() {
        let mut partition = PartitionQueue::default();
        partition
            .queue
            .push_back(ProducerBatch::new(0, vec![0; 100], 0));
        partition.requeue(sealed_batch(2));
        partition.requeue(sealed_batch(0));
        partition.requeue(sealed_batch(1));
        let order: Vec<i32> = partition
            .queue
            .iter()
            .map(|b| b.stamp.base_sequence)
            .collect();
        assert_eq!(order, [0, 1, 2, -1]);
    }

    #[test]
    fn in_flight_batches_pin_the_broker_and_rewinding_waits() {
        let now = Instant::now();
        let mut partition = PartitionQueue::default();
        assert!(partition.can_send(1, 5, now));
        partition.in_flight = 2;
        partition.in_flight_node = 1;
        assert!(partition.can_send(1, 5, now));
        assert!(
            !partition.can_send(2, 5, now),
            "a leader change waits for the old broker"
        );
        assert!(!partition.can_send(1, 2, now), "at most max in flight");
        partition.rewinding = true;
        assert!(!partition.can_send(1, 5, now));
        partition.in_flight = 0;
        let mut retry = sealed_batch(0);
        retry.retry_at = Some(now + Duration::from_millis(100));
        partition.requeue(retry);
        assert!(!partition.can_send(1, 5, now), "backoff");
        assert!(partition.can_send(1, 5, now + Duration::from_millis(100)));
    }

    #[test]
    fn sequences_advance_by_record_count_and_wrap() {
        let mut partition = PartitionQueue::default();
        assert_eq!(partition.take_sequence(10), 0);
        assert_eq!(partition.take_sequence(5), 10);
        partition.next_sequence = i32::MAX - 1;
        assert_eq!(partition.take_sequence(3), i32::MAX - 1);
        assert_eq!(partition.next_sequence, 1);
    }
}
