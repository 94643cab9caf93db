//! Pre-encoding Produce requests before the clock starts: each request frame holds one record
//! batch for one partition (records of the contract's values, with the run's codec, and for an
//! idempotent run the producer id, epoch and each partition's next sequence number).
//!
//! Frames are whole requests (size prefix and header) whose correlation id is patched in when
//! they are sent. Their timestamps are the time of encoding.

use std::time::{SystemTime, UNIX_EPOCH};

use franzl_bench_clients::payload::Values;
use franzl_core::compression::Compression;
use franzl_core::messages::produce::ProduceRequest;
use franzl_core::messages::{Item, Message, OnePartitionProduce, TopicRef};
use franzl_core::record::{
    BATCH_HEADER_LEN, BatchOptions, NewRecord, RecordBatchBuilder, encoded_batch_len,
};
use franzl_core::wire::Writer;

/// Value bytes a batch holds at most: half the broker's default `message.max.bytes`, so every
/// batch fits whatever the codec makes of it.
pub(crate) const BATCH_VALUE_BYTES: usize = 512 << 10;

/// The broker's timeout for acks=all, in milliseconds.
const ACK_TIMEOUT_MS: i32 = 30_000;

/// One pre-encoded Produce request.
#[derive(Debug)]
pub(crate) struct Frame {
    /// The request's body; the link frames it with a header under its correlation id.
    pub(crate) bytes: Vec<u8>,
    /// The Produce version it is encoded at.
    pub(crate) version: i16,
    /// The partition its batch goes to.
    pub(crate) partition: i32,
    /// Records in its batch.
    pub(crate) records: u64,
}

/// Encodes Produce requests for one topic.
#[derive(Debug)]
pub(crate) struct Encoder<'a> {
    /// The topic.
    pub(crate) topic: &'a str,
    /// The contract's values.
    pub(crate) values: &'a Values,
    /// The batches' codec.
    pub(crate) compression: Compression,
    /// `acks` of the requests: 0, 1 or -1.
    pub(crate) acks: i16,
    /// The Produce version agreed with the broker.
    pub(crate) version: i16,
    /// The idempotent producer's id and epoch, if any.
    pub(crate) producer: Option<(i64, i16)>,
    /// The next sequence number of each partition (idempotent runs).
    pub(crate) sequences: Vec<i32>,
}

impl Encoder<'_> {
    /// Frames for records `first..first + count`, in batches of `per_batch`, the batches dealt
    /// round robin over partitions `0..partitions`.
    ///
    /// # Errors
    /// When a batch or request cannot be encoded.
    pub(crate) fn frames(
        &mut self,
        partitions: i32,
        first: u64,
        count: u64,
        per_batch: u64,
    ) -> Result<Vec<Frame>, String> {
        let mut frames = Vec::new();
        let mut next = first;
        let mut partition = 0;
        while next < first + count {
            let records = per_batch.min(first + count - next);
            frames.push(self.frame(partition, next, records)?);
            next += records;
            partition = (partition + 1) % partitions;
        }
        Ok(frames)
    }

    /// One frame: records `first..first + count` in one batch for `partition`.
    ///
    /// # Errors
    /// When the batch or the request cannot be encoded.
    pub(crate) fn frame(
        &mut self,
        partition: i32,
        first: u64,
        count: u64,
    ) -> Result<Frame, String> {
        let batch = self.batch(partition, first, count)?;
        let produce = OnePartitionProduce {
            topic: TopicRef::named(self.topic),
            partition,
            acks: self.acks,
            timeout_ms: ACK_TIMEOUT_MS,
            transactional_id: None,
            records: &batch,
        };
        let failed = |error| format!("produce: {error}");
        let flexible = ProduceRequest::version(self.version)
            .ok_or_else(|| format!("produce: no version {}", self.version))?;
        let bytes = produce.with_request(|request| {
            let len = request.encoded_len(self.version).map_err(failed)?;
            let mut bytes = vec![0; len];
            request
                .write(&mut Writer::new(&mut bytes), flexible)
                .map_err(failed)?;
            Ok::<_, String>(bytes)
        })?;
        Ok(Frame {
            bytes,
            version: self.version,
            partition,
            records: count,
        })
    }

    fn batch(&mut self, partition: i32, first: u64, count: u64) -> Result<Vec<u8>, String> {
        let records: Vec<NewRecord<'_>> = (first..first + count)
            .zip(0..)
            .map(|(index, offset_delta)| NewRecord {
                offset_delta,
                value: Some(self.values.get(index)),
                ..NewRecord::default()
            })
            .collect();
        let mut options = BatchOptions {
            base_timestamp: now_ms(),
            ..BatchOptions::default()
        };
        if let Some((id, epoch)) = self.producer {
            let sequence = self
                .sequences
                .get_mut(partition as usize)
                .ok_or("no sequence for the partition")?;
            options.producer_id = id;
            options.producer_epoch = epoch;
            options.base_sequence = *sequence;
            *sequence = sequence.wrapping_add(count as i32);
        }
        let plain_len = encoded_batch_len(&records);
        let records_len = plain_len - BATCH_HEADER_LEN;
        // A codec may grow incompressible input a little: room for that, never measured here.
        let (mut out, mut scratch) = match self.compression {
            Compression::None => (vec![0; plain_len], Vec::new()),
            _ => (
                vec![0; plain_len + records_len / 4 + 4096],
                vec![0; records_len],
            ),
        };
        let mut builder =
            RecordBatchBuilder::compressed(&mut out, &mut scratch, self.compression, options)
                .map_err(|error| format!("batch: {error}"))?;
        for record in &records {
            builder
                .append(record)
                .map_err(|error| format!("batch: {error}"))?;
        }
        let len = builder
            .finish()
            .map_err(|error| format!("batch: {error}"))?;
        out.truncate(len);
        Ok(out)
    }
}

/// The codec named as Kafka names it.
///
/// # Errors
/// An unknown name.
pub(crate) fn codec(name: &str) -> Result<Compression, String> {
    Compression::from_name(name).ok_or_else(|| format!("unknown compression {name:?}"))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use franzl_core::record::RecordBatch;

    use super::*;

    fn encoder<'a>(values: &'a Values, producer: Option<(i64, i16)>) -> Encoder<'a> {
        Encoder {
            topic: "t",
            values,
            compression: Compression::None,
            acks: -1,
            version: 9,
            producer,
            sequences: vec![0; 2],
        }
    }

    #[test]
    fn batches_carry_the_contract_values_and_each_partition_its_sequences() {
        let values = Values::new(10);
        let mut encoder = encoder(&values, Some((42, 3)));
        let first = encoder.batch(1, 5, 3).unwrap();
        let second = encoder.batch(1, 8, 2).unwrap();
        let batch = RecordBatch::new_checked(&first).unwrap();
        batch.verify_crc().unwrap();
        assert_eq!(batch.record_count(), 3);
        assert_eq!((batch.producer_id(), batch.producer_epoch()), (42, 3));
        assert_eq!(batch.base_sequence(), 0);
        let read: Vec<_> = batch.records().unwrap().map(|r| r.unwrap().value).collect();
        assert_eq!(read, [5, 6, 7].map(|i| Some(values.get(i))));
        assert_eq!(
            RecordBatch::new_checked(&second).unwrap().base_sequence(),
            3
        );
        assert_eq!(encoder.sequences, [0, 5]);
    }

    #[test]
    fn frames_deal_batches_round_robin_and_hold_every_record_once() {
        let values = Values::new(10);
        let mut encoder = encoder(&values, None);
        let frames = encoder.frames(2, 100, 7, 3).unwrap();
        let dealt: Vec<(i32, u64)> = frames.iter().map(|f| (f.partition, f.records)).collect();
        assert_eq!(dealt, [(0, 3), (1, 3), (0, 1)]);
        for (frame, (partition, records)) in frames.iter().zip(dealt) {
            // The body of a Produce request at the version asked (the link adds the header).
            assert_eq!(frame.version, 9);
            let request = ProduceRequest::decode(frame.version, &frame.bytes).unwrap();
            let topic = request.topic_data.iter().next().unwrap();
            assert_eq!(topic.name, "t");
            let data = topic.partition_data.iter().next().unwrap();
            assert_eq!(data.index, partition);
            let batch = RecordBatch::new_checked(data.records.unwrap()).unwrap();
            assert_eq!(u64::from(batch.record_count()), records);
        }
        let batch = encoder.batch(0, 0, 1).unwrap();
        assert_eq!(
            RecordBatch::new_checked(&batch).unwrap().base_sequence(),
            -1
        );
    }

    #[test]
    fn compressed_batches_decompress_to_the_values() {
        let values = Values::new(1024);
        let mut encoder = Encoder {
            compression: Compression::Lz4,
            ..encoder(&values, None)
        };
        let bytes = encoder.batch(0, 0, 50).unwrap();
        let batch = RecordBatch::new_checked(&bytes).unwrap();
        assert_eq!(batch.compression(), Compression::Lz4);
        let mut out = vec![0; 64 << 10];
        let read: Vec<_> = batch
            .records_in(&mut out)
            .unwrap()
            .map(|r| r.unwrap().value.map(<[u8]>::to_vec))
            .collect();
        assert_eq!(read.len(), 50);
        assert_eq!(read[49].as_deref(), Some(values.get(49)));
    }
}
