//! Splitting a batch the broker refused as too large (`MESSAGE_TOO_LARGE`) into two halves,
//! as the Java client does, instead of failing records that would fit on their own.
//!
//! The halves are rebuilt from the sealed batch's records (decompressed through the sender's
//! scratch buffer): the first in the batch's own buffer, the second in one more from the pool
//! ([`BufferPool::allocate_now`], which cannot wait here). Each keeps the batch's id and
//! creation time (so `flush` and `delivery.timeout.ms` still count from the first record) and
//! is sealed at once with the batch's producer id and epoch and its share of the batch's
//! sequence numbers: the broker refused the batch before its sequence was taken, so the halves
//! follow on where the batch stood, and no epoch bump is needed. The batch's completion points
//! each record's delivery at its half. A half still too large is split again; a single record
//! too large fails.

use franzl_core::compression::Compression;
use franzl_core::record::{Header, RecordBatch, RecordError};
use franzl_core::wire::EncodeError;

use std::collections::BTreeMap;

use super::ProducerRecord;
use super::accumulator::{Accumulator, completed_one};
use super::batch::{ProducerBatch, Stamp};
use super::delivery::Failure;
use super::partition_queue::{PartitionQueue, sequence_after};
use super::pool::BufferPool;

impl Accumulator {
    /// Splits a batch the broker found too large and queues its halves first, to go out
    /// without a backoff; the partition rewinds as for a retry (batches sent after it come
    /// back out of sequence and are resent after the halves). True when the producer needs a
    /// new epoch: only when the batch could not be split and failed.
    pub(super) fn split(
        &self,
        queue: &mut PartitionQueue,
        incomplete: &mut BTreeMap<u64, u32>,
        batch: ProducerBatch,
        failure: Failure,
        scratch: &mut Vec<u8>,
    ) -> bool {
        let (id, count, sequenced) = (
            batch.id,
            batch.record_count(),
            batch.stamp.base_sequence >= 0,
        );
        let completion = batch.completion.clone();
        match split_in_two(batch, scratch, &self.pool, self.settings.compression) {
            Ok([first, second]) => {
                log::debug!(
                    "partition {}: {count} records sent again in two batches ({failure:?})",
                    first.partition
                );
                *incomplete.entry(id).or_insert(0) += 1;
                queue.rewinding = true;
                // Each goes before every batch sent after it, so the second first.
                queue.requeue(second);
                queue.requeue(first);
                false
            }
            Err(error) => {
                completion.failed(Failure::Other {
                    reason: format!("a batch too large for the broker could not be split: {error}"),
                    retriable: false,
                });
                completed_one(incomplete, id);
                self.completed.notify(usize::MAX);
                sequenced
            }
        }
    }
}

/// Splits `batch` (sealed, of two or more records) into two sealed halves, in order.
///
/// # Errors
/// [`RecordError`] when the batch's records do not read back or do not fit again (never for a
/// batch built here); the buffers go back to `pool` and the batch's completion is untouched.
pub(crate) fn split_in_two(
    batch: ProducerBatch,
    scratch: &mut Vec<u8>,
    pool: &BufferPool,
    compression: Compression,
) -> Result<[ProducerBatch; 2], RecordError> {
    let len = match batch.records_into(scratch) {
        Ok(len) => len,
        Err(error) => {
            pool.release(batch.into_buffer());
            return Err(error);
        }
    };
    let half = batch.record_count() / 2;
    let (partition, base_timestamp) = (batch.partition, batch.base_timestamp());
    let (id, created, stamp) = (batch.id, batch.created, batch.stamp);
    let completion = batch.completion.clone();
    let records = RecordBatch::new_checked(batch.wire())
        .map(|view| view.records_decompressed(scratch.get(..len).unwrap_or_default()));
    let second = pool.allocate_now(batch.buffer_len());
    let mut parts = [
        ProducerBatch::new(partition, batch.into_buffer(), base_timestamp),
        ProducerBatch::new(partition, second, base_timestamp),
    ];
    let filled = records.and_then(|records| {
        let mut headers: Vec<Header<'_>> = Vec::new();
        for (index, record) in records.enumerate() {
            let record = record?;
            headers.clear();
            headers.extend(record.headers);
            let again = ProducerRecord {
                key: record.key,
                value: record.value,
                headers: &headers,
                ..ProducerRecord::new("", &[])
            };
            let part = parts
                .get_mut(usize::from(index >= half))
                .ok_or(RecordError::RecordCountMismatch)?;
            // A half of the records fits where all of them did. Its delivery handle is not
            // needed: the batch's own deliveries follow the halves through the completion.
            let delivery = part.try_append(&again, record.timestamp)?;
            let fitted = delivery.is_some();
            drop(delivery);
            if !fitted {
                return Err(RecordError::Encode(EncodeError::BufferTooSmall {
                    needed: part.buffer_len().saturating_add(1),
                }));
            }
        }
        Ok(())
    });
    let sealed = filled.and_then(|()| {
        let mut sequence = stamp.base_sequence;
        for part in &mut parts {
            part.id = id;
            part.created = created;
            let count = part.record_count();
            part.seal(
                compression,
                Stamp {
                    base_sequence: sequence,
                    ..stamp
                },
                scratch,
            )?;
            if sequence >= 0 {
                sequence = sequence_after(sequence, count);
            }
        }
        Ok(())
    });
    if let Err(error) = sealed {
        for part in parts {
            pool.release(part.into_buffer());
        }
        return Err(error);
    }
    let first_of_second = i32::try_from(half).unwrap_or(i32::MAX);
    completion.split(vec![
        (0, parts[0].completion.clone()),
        (first_of_second, parts[1].completion.clone()),
    ]);
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::producer::delivery::Delivery;
    use franzl_core::record::RecordBatch;

    fn batch(compression: Compression, stamp: Stamp) -> (ProducerBatch, Vec<Delivery>) {
        let mut batch = ProducerBatch::new(4, vec![0; 4096], 1_000);
        batch.id = 7;
        let header = [Header {
            key: "h",
            value: Some(b"x"),
        }];
        let mut deliveries = Vec::new();
        for i in 0..5u8 {
            let (key, value) = ([i], [b'a' + i; 100]);
            let record = ProducerRecord::new("t", &value).key(&key).headers(&header);
            deliveries.push(
                batch
                    .try_append(&record, 1_000 + i64::from(i))
                    .unwrap()
                    .unwrap(),
            );
        }
        batch.seal(compression, stamp, &mut Vec::new()).unwrap();
        (batch, deliveries)
    }

    #[test]
    fn halves_hold_the_records_in_order_with_their_sequences() {
        let stamp = Stamp {
            producer_id: 3,
            producer_epoch: 1,
            base_sequence: i32::MAX - 1,
            transactional: false,
        };
        for compression in [Compression::None, Compression::Lz4, Compression::Zstd] {
            let pool = BufferPool::new(1 << 20, 4096);
            let (whole, deliveries) = batch(compression, stamp);
            let mut scratch = Vec::new();
            let parts = split_in_two(whole, &mut scratch, &pool, compression).unwrap();
            let mut seen = Vec::new();
            for (part, sequence) in parts.iter().zip([i32::MAX - 1, 0]) {
                assert_eq!((part.id, part.partition), (7, 4));
                let view = RecordBatch::new_checked(part.wire()).unwrap();
                view.verify_crc().unwrap();
                assert_eq!(
                    (
                        view.producer_id(),
                        view.producer_epoch(),
                        view.base_sequence()
                    ),
                    (3, 1, sequence),
                    "{compression:?}"
                );
                let mut out = vec![0u8; 4096];
                for record in view.records_in(&mut out).unwrap() {
                    let record = record.unwrap();
                    assert_eq!(record.headers.len(), 1);
                    seen.push((
                        record.key.unwrap()[0],
                        record.timestamp,
                        record.value.unwrap()[0],
                    ));
                }
            }
            let expected: Vec<_> = (0..5u8)
                .map(|i| (i, 1_000 + i64::from(i), b'a' + i))
                .collect();
            assert_eq!(seen, expected, "{compression:?}");
            // The first half has two records, the second three: each delivery follows its own.
            parts[0].completion.written(100, -1);
            parts[1].completion.written(200, -1);
            let offsets: Vec<i64> = deliveries
                .into_iter()
                .map(|d| smol::block_on(d).unwrap().offset)
                .collect();
            assert_eq!(offsets, [100, 101, 200, 201, 202]);
        }
    }

    #[test]
    fn without_idempotence_the_halves_carry_no_sequence() {
        let pool = BufferPool::new(1 << 20, 4096);
        let (whole, _) = batch(Compression::None, Stamp::NONE);
        let parts = split_in_two(whole, &mut Vec::new(), &pool, Compression::None).unwrap();
        for part in &parts {
            let view = RecordBatch::new_checked(part.wire()).unwrap();
            assert_eq!((view.producer_id(), view.base_sequence()), (-1, -1));
        }
    }
}
