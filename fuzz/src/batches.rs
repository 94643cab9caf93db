//! Record batches built from short descriptions ([`BatchSpec`]) with franzl-core's builder:
//! valid CRCs and real compressed payloads, so a target's mutations land past the checks that
//! random bytes never pass.

use franzl_core::compression::Compression;
use franzl_core::record::{BatchOptions, ControlRecord, Header, NewRecord, RecordBatchBuilder};

use crate::cursor::Cursor;

/// What a batch holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// `records` data records, each with `headers` headers.
    Data {
        /// How many records.
        records: usize,
        /// Headers per record.
        headers: usize,
    },
    /// A transaction marker: COMMIT or ABORT.
    Marker {
        /// COMMIT if true, ABORT if false.
        commit: bool,
    },
}

/// One batch of a partition's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSpec {
    /// The first offset.
    pub base_offset: i64,
    /// The records or the marker.
    pub content: Content,
    /// The codec of a data batch (markers are never compressed).
    pub codec: Compression,
    /// The producer id; -1 for none.
    pub producer_id: i64,
    /// Whether the batch belongs to a transaction.
    pub transactional: bool,
    /// The partition leader epoch.
    pub leader_epoch: i32,
}

impl BatchSpec {
    /// How many offsets the batch covers.
    pub fn offsets(&self) -> i64 {
        match self.content {
            Content::Data { records, .. } => records as i64,
            Content::Marker { .. } => 1,
        }
    }

    /// The batch's last offset.
    pub fn last_offset(&self) -> i64 {
        self.base_offset + self.offsets() - 1
    }

    /// A data batch described by the next bytes of `input`, at `base_offset`.
    pub fn data_from(input: &mut Cursor<'_>, base_offset: i64) -> Self {
        let shape = input.byte();
        let codec = match shape % 5 {
            0 => Compression::None,
            1 => Compression::Gzip,
            2 => Compression::Lz4,
            3 => Compression::Zstd,
            _ => Compression::Snappy,
        };
        Self {
            base_offset,
            content: Content::Data {
                records: 1 + usize::from(input.byte() % 32),
                headers: usize::from((shape >> 3) % 4),
            },
            codec,
            producer_id: i64::from(input.byte() % 4) - 1,
            transactional: shape & 0x80 != 0,
            leader_epoch: i32::from(input.byte() % 8) - 1,
        }
    }

    /// The batch's bytes: record `i` has key `k<offset>`, a value of `offset` repeated, and
    /// its headers.
    ///
    /// # Panics
    /// If the builder refuses the description (the buffers are sized for every description
    /// [`Self::data_from`] makes).
    pub fn build(&self) -> Vec<u8> {
        let mut out = vec![0u8; 64 * 1024];
        let mut scratch = vec![0u8; 64 * 1024];
        let options = BatchOptions {
            base_offset: self.base_offset,
            partition_leader_epoch: self.leader_epoch,
            base_timestamp: 1_000,
            producer_id: self.producer_id,
            producer_epoch: if self.producer_id >= 0 { 0 } else { -1 },
            base_sequence: if self.producer_id >= 0 { 0 } else { -1 },
            transactional: self.transactional,
            control: matches!(self.content, Content::Marker { .. }),
            ..BatchOptions::default()
        };
        let len = match self.content {
            Content::Marker { commit } => {
                let control = ControlRecord::end_transaction(commit, 0);
                let (key, value) = (control.key_bytes(), control.value_bytes());
                let mut builder = RecordBatchBuilder::new(&mut out, options).expect("fits");
                builder
                    .append(&NewRecord {
                        key: Some(&key),
                        value: Some(&value),
                        ..NewRecord::default()
                    })
                    .expect("fits");
                builder.finish().expect("fits")
            }
            Content::Data { records, headers } => {
                let header = [Header {
                    key: "h",
                    value: Some(b"x"),
                }; 3];
                let mut builder =
                    RecordBatchBuilder::compressed(&mut out, &mut scratch, self.codec, options)
                        .expect("fits");
                for delta in 0..records {
                    let offset = self.base_offset + delta as i64;
                    let key = format!("k{offset}");
                    let value = format!("{offset}.").repeat(8);
                    builder
                        .append(&NewRecord {
                            timestamp_delta: delta as i64,
                            offset_delta: delta as i32,
                            key: Some(key.as_bytes()),
                            value: Some(value.as_bytes()),
                            headers: &header[..headers],
                        })
                        .expect("fits");
                }
                builder.finish().expect("fits")
            }
        };
        out.truncate(len);
        out
    }
}
