//! Builder and reader together: byte fixtures, exact sizes, every header field, compression,
//! and hostile batches.

extern crate std;

use super::*;
use crate::compression::{Compression, CompressionError};
use crate::wire::{DecodeError, EncodeError};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

const KV: NewRecord<'static> = NewRecord {
    timestamp_delta: 0,
    offset_delta: 0,
    key: Some(b"k"),
    value: Some(b"v"),
    headers: &[],
};

/// One record ("k" = "v") with default options; CRC-32C computed independently.
#[rustfmt::skip]
const ONE_RECORD: [u8; 70] = [
    0, 0, 0, 0, 0, 0, 0, 0,             // base offset 0
    0, 0, 0, 0x3a,                      // batch length 58 = 70 - 12
    0xff, 0xff, 0xff, 0xff,             // partition leader epoch -1
    2,                                  // magic
    0xfe, 0x91, 0x7c, 0xab,             // CRC-32C of bytes 21..70
    0, 0,                               // attributes: no codec, create time
    0, 0, 0, 0,                         // last offset delta 0
    0, 0, 0, 0, 0, 0, 0, 0,             // base timestamp 0
    0, 0, 0, 0, 0, 0, 0, 0,             // max timestamp 0
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // producer id -1
    0xff, 0xff,                         // producer epoch -1
    0xff, 0xff, 0xff, 0xff,             // base sequence -1
    0, 0, 0, 1,                         // one record
    0x10, 0, 0, 0, 0x02, b'k', 0x02, b'v', 0, // the record
];

fn build(records: &[NewRecord<'_>], options: BatchOptions) -> Vec<u8> {
    let mut out = vec![0u8; encoded_batch_len(records)];
    let mut builder = RecordBatchBuilder::new(&mut out, options).unwrap();
    for record in records {
        assert!(builder.fits(record));
        builder.append(record).unwrap();
    }
    let len = builder.finish().unwrap();
    assert_eq!(len, out.len());
    out
}

#[test]
fn one_record_fixture() {
    assert_eq!(build(&[KV], BatchOptions::default()), ONE_RECORD);
    let batch = RecordBatch::new_checked(&ONE_RECORD).unwrap();
    batch.verify_crc().unwrap();
    assert_eq!(batch.len(), 70);
    assert_eq!(batch.record_count(), 1);
    assert_eq!(batch.compression(), crate::compression::Compression::None);
    let records: Vec<_> = batch.records().unwrap().collect();
    assert_eq!(records.len(), 1);
    let record = records[0].unwrap();
    assert_eq!(
        (record.key, record.value),
        (Some(&b"k"[..]), Some(&b"v"[..]))
    );
}

#[test]
fn header_fields_and_attributes() {
    let options = BatchOptions {
        base_offset: 1_000,
        partition_leader_epoch: 7,
        base_timestamp: 1_700_000_000_000,
        timestamp_type: TimestampType::LogAppendTime,
        producer_id: 42,
        producer_epoch: 3,
        base_sequence: 99,
        transactional: true,
        control: false,
    };
    let records = [
        NewRecord {
            timestamp_delta: 5,
            offset_delta: 0,
            ..KV
        },
        NewRecord {
            timestamp_delta: 2,
            offset_delta: 1,
            ..KV
        },
    ];
    let bytes = build(&records, options);
    let batch = RecordBatch::new_checked(&bytes).unwrap();
    batch.verify_crc().unwrap();
    assert_eq!(batch.base_offset(), 1_000);
    assert_eq!(batch.last_offset(), 1_001);
    assert_eq!(batch.partition_leader_epoch(), 7);
    assert_eq!(batch.base_timestamp(), 1_700_000_000_000);
    assert_eq!(batch.max_timestamp(), 1_700_000_000_005);
    assert_eq!(batch.timestamp_type(), TimestampType::LogAppendTime);
    assert_eq!((batch.producer_id(), batch.producer_epoch()), (42, 3));
    assert_eq!(batch.base_sequence(), 99);
    assert!(batch.is_transactional() && !batch.is_control());
    assert_eq!(batch.attributes().bits(), 0b1_1000);
    let offsets: Vec<i64> = batch
        .records()
        .unwrap()
        .map(|r| r.unwrap().offset)
        .collect();
    assert_eq!(offsets, [1_000, 1_001]);
    // LogAppendTime: every record carries the batch's max timestamp (the broker's append time),
    // whatever its delta says.
    let timestamps: Vec<i64> = batch
        .records()
        .unwrap()
        .map(|r| r.unwrap().timestamp)
        .collect();
    assert_eq!(timestamps, [1_700_000_000_005, 1_700_000_000_005]);
    let create_time = build(
        &records,
        BatchOptions {
            timestamp_type: TimestampType::CreateTime,
            ..options
        },
    );
    let batch = RecordBatch::new_checked(&create_time).unwrap();
    let timestamps: Vec<i64> = batch
        .records()
        .unwrap()
        .map(|r| r.unwrap().timestamp)
        .collect();
    assert_eq!(
        timestamps,
        [1_700_000_000_005, 1_700_000_000_002],
        "create time: base + delta"
    );
}

#[test]
fn control_batch() {
    let marker = ControlRecord::end_transaction(true, 5);
    let (key, value) = (marker.key_bytes(), marker.value_bytes());
    assert_eq!(key, [0, 0, 0, 1]);
    assert_eq!(value, [0, 0, 0, 0, 0, 5]);
    let record = NewRecord {
        key: Some(&key),
        value: Some(&value),
        ..NewRecord::default()
    };
    let options = BatchOptions {
        control: true,
        transactional: true,
        ..BatchOptions::default()
    };
    let bytes = build(&[record], options);
    let batch = RecordBatch::new_checked(&bytes).unwrap();
    assert!(batch.is_control());
    let read = batch.records().unwrap().next().unwrap().unwrap();
    assert_eq!(ControlRecord::parse(&read), Ok(marker));
    let abort = NewRecord {
        key: Some(&[0, 0, 0, 0]),
        value: Some(&value),
        ..record
    };
    let bytes = build(&[abort], options);
    let batch = RecordBatch::new_checked(&bytes).unwrap();
    let read = batch.records().unwrap().next().unwrap().unwrap();
    assert_eq!(
        ControlRecord::parse(&read).unwrap().kind,
        ControlType::Abort
    );
    let short = Record {
        key: Some(&[0, 0, 0]),
        ..read
    };
    assert_eq!(
        ControlRecord::parse(&short),
        Err(RecordError::InvalidControlRecord)
    );
    let no_value = Record {
        value: None,
        ..read
    };
    assert_eq!(
        ControlRecord::parse(&no_value),
        Err(RecordError::InvalidControlRecord)
    );
}

#[test]
fn fits_and_full_buffers() {
    let mut out = [0u8; 70];
    let mut builder = RecordBatchBuilder::new(&mut out, BatchOptions::default()).unwrap();
    assert!(builder.fits(&KV));
    builder.append(&KV).unwrap();
    assert!(!builder.fits(&KV));
    assert_eq!(
        builder.append(&KV),
        Err(RecordError::Encode(EncodeError::BufferTooSmall {
            needed: 79
        }))
    );
    assert_eq!(builder.record_count(), 1);
    assert_eq!(builder.finish(), Ok(70));
    assert_eq!(out, ONE_RECORD);

    let mut small = [0u8; 60];
    assert!(RecordBatchBuilder::new(&mut small, BatchOptions::default()).is_err());
    let mut out = [0u8; 61];
    let builder = RecordBatchBuilder::new(&mut out, BatchOptions::default()).unwrap();
    assert_eq!(builder.finish(), Err(RecordError::EmptyBatch));
}

#[test]
fn bad_batches() {
    let check = |bytes: &[u8]| -> Result<(), RecordError> {
        let batch = RecordBatch::new_checked(bytes)?;
        batch.verify_crc()?;
        for record in batch.records()? {
            record?;
        }
        Ok(())
    };
    assert_eq!(check(&ONE_RECORD), Ok(()));
    let mut bad = ONE_RECORD;
    bad[69] ^= 1;
    assert_eq!(check(&bad), Err(RecordError::CrcMismatch));
    let mut bad = ONE_RECORD;
    bad[16] = 3;
    assert_eq!(check(&bad), Err(RecordError::UnsupportedMagic(3)));
    let mut bad = ONE_RECORD;
    bad[8..12].copy_from_slice(&(-1i32).to_be_bytes());
    assert_eq!(check(&bad), Err(RecordError::InvalidBatchLength));
    let mut bad = ONE_RECORD;
    bad[8..12].copy_from_slice(&48i32.to_be_bytes());
    assert_eq!(check(&bad), Err(RecordError::InvalidBatchLength));
    let mut bad = ONE_RECORD;
    bad[8..12].copy_from_slice(&i32::MAX.to_be_bytes());
    assert_eq!(
        check(&bad),
        Err(RecordError::Decode(DecodeError::UnexpectedEnd))
    );
    let mut bad = ONE_RECORD;
    bad[21..23].copy_from_slice(&5i16.to_be_bytes());
    assert_eq!(check(&bad), Err(RecordError::UnknownCompression(5)));

    // Counts and record bytes, with the CRC made right so only the framing is wrong.
    let fix_crc = |bytes: &mut [u8]| {
        let crc = crate::crc::crc32c(&bytes[21..]);
        bytes[17..21].copy_from_slice(&crc.to_be_bytes());
    };
    for (count, expected) in [
        (-1i32, RecordError::RecordCountMismatch),
        (i32::MIN, RecordError::RecordCountMismatch),
        (0, RecordError::RecordCountMismatch),
        (2, RecordError::RecordCountMismatch),
        (i32::MAX, RecordError::RecordCountMismatch),
    ] {
        let mut bad = ONE_RECORD;
        bad[57..61].copy_from_slice(&count.to_be_bytes());
        fix_crc(&mut bad);
        assert_eq!(check(&bad), Err(expected), "count {count}");
    }
    // A truncated record: the batch ends two bytes into it.
    let mut bad = ONE_RECORD[..63].to_vec();
    bad[8..12].copy_from_slice(&51i32.to_be_bytes());
    fix_crc(&mut bad);
    assert_eq!(
        check(&bad),
        Err(RecordError::Decode(DecodeError::LengthExceedsInput))
    );
    // An overlong varint for the record length.
    let mut bad = ONE_RECORD[..61].to_vec();
    bad.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0]);
    bad[8..12].copy_from_slice(&58i32.to_be_bytes());
    fix_crc(&mut bad);
    assert_eq!(
        check(&bad),
        Err(RecordError::Decode(DecodeError::OverlongVarint))
    );
    // A huge record length.
    let mut bad = ONE_RECORD;
    bad[61] = 0xfe;
    bad[62] = 0x7f; // (0x3ffe zigzag) = 8191 bytes claimed
    fix_crc(&mut bad);
    assert_eq!(
        check(&bad),
        Err(RecordError::Decode(DecodeError::LengthExceedsInput))
    );
}

#[test]
fn fetch_records_with_a_partial_last_batch() {
    let first = build(&[KV], BatchOptions::default());
    let second = build(
        &[
            KV,
            NewRecord {
                offset_delta: 1,
                ..KV
            },
        ],
        BatchOptions {
            base_offset: 1,
            ..BatchOptions::default()
        },
    );
    let mut fetched = first.clone();
    fetched.extend_from_slice(&second);
    for cut in 0..second.len() {
        let mut response = fetched[..first.len() + cut].to_vec();
        let mut batches = Batches::new(&response);
        assert!(matches!(batches.next(), Some(Ok(Batch::V2(_)))));
        assert!(batches.next().is_none(), "cut {cut}");
        assert_eq!(batches.remaining().len(), cut);
        response.clear();
        assert_eq!(Batches::new(&second[..cut]).count(), 0);
    }
    let offsets: Vec<i64> = Batches::new(&fetched)
        .flat_map(|batch| match batch.unwrap() {
            Batch::V2(batch) => batch
                .records()
                .unwrap()
                .map(|r| r.unwrap().offset)
                .collect(),
            Batch::Legacy(_) => vec![],
        })
        .collect();
    assert_eq!(offsets, [0, 1, 2]);

    let mut negative = fetched.clone();
    negative[8..12].copy_from_slice(&(-5i32).to_be_bytes());
    let mut batches = Batches::new(&negative);
    assert_eq!(batches.next(), Some(Err(RecordError::InvalidBatchLength)));
    assert_eq!(batches.next(), None);
}

#[cfg(feature = "lz4")]
#[test]
fn compressed_bomb_stops_at_the_buffer() {
    use crate::compression::{Compression, lz4};
    let value = [b'z'; 10_000];
    let record = NewRecord {
        value: Some(&value),
        ..NewRecord::default()
    };
    let mut scratch = vec![0u8; record.encoded_len()];
    let mut out = vec![0u8; 61 + lz4::max_compressed_len(scratch.len()).unwrap()];
    let mut builder = RecordBatchBuilder::compressed(
        &mut out,
        &mut scratch,
        Compression::Lz4,
        BatchOptions::default(),
    )
    .unwrap();
    builder.append(&record).unwrap();
    let len = builder.finish().unwrap();
    assert!(len < 200, "{len}");
    let batch = RecordBatch::new_checked(&out[..len]).unwrap();
    batch.verify_crc().unwrap();
    assert_eq!(batch.records().err(), Some(RecordError::NeedsDecompression));
    let mut small = [0u8; 1_000];
    assert_eq!(
        batch.records_in(&mut small).err(),
        Some(RecordError::Compression(CompressionError::OutputFull))
    );
}

/// Every codec this build has: build, read back, same records.
#[test]
fn compressed_round_trips() {
    let values: Vec<Vec<u8>> = (0..50u8)
        .map(|i| vec![i % 7; 100 + usize::from(i)])
        .collect();
    let records: Vec<NewRecord<'_>> = values
        .iter()
        .enumerate()
        .map(|(i, value)| NewRecord {
            offset_delta: i as i32,
            timestamp_delta: i as i64 * 10,
            key: Some(b"key"),
            value: Some(value),
            headers: &[],
        })
        .collect();
    let plain_len = encoded_batch_len(&records);
    for codec in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        let mut scratch = vec![0u8; plain_len - BATCH_HEADER_LEN];
        let mut out = vec![0u8; plain_len * 2 + 1024];
        let builder =
            RecordBatchBuilder::compressed(&mut out, &mut scratch, codec, BatchOptions::default());
        let Ok(mut builder) = builder else {
            assert!(!codec.is_enabled());
            continue;
        };
        for record in &records {
            builder.append(record).unwrap();
        }
        let len = match builder.finish() {
            Ok(len) => len,
            // gzip compression needs `alloc`.
            Err(RecordError::Compression(CompressionError::CodecDisabled)) => continue,
            Err(error) => panic!("{codec:?}: {error}"),
        };
        assert!(len < plain_len, "{codec:?} {len} vs {plain_len}");
        let batch = RecordBatch::new_checked(&out[..len]).unwrap();
        batch.verify_crc().unwrap();
        assert_eq!(batch.compression(), codec);
        let mut inflated = vec![0u8; plain_len];
        let read: Vec<Record<'_>> = batch
            .records_in(&mut inflated)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(read.len(), records.len());
        for (read, written) in read.iter().zip(&records) {
            assert_eq!(read.value, written.value);
            assert_eq!(read.offset, i64::from(written.offset_delta));
        }
    }
}

#[test]
fn resumed_builder_matches_one_pass() {
    let second = NewRecord {
        offset_delta: 1,
        timestamp_delta: 5,
        ..KV
    };
    let whole = build(&[KV, second], BatchOptions::default());
    let mut out = vec![0u8; whole.len()];
    let mut builder = RecordBatchBuilder::new(&mut out, BatchOptions::default()).unwrap();
    builder.append(&KV).unwrap();
    let progress = builder.progress();
    assert_eq!((progress.record_count(), progress.records_len()), (1, 9));
    let mut builder = RecordBatchBuilder::resume(
        &mut out,
        &mut [],
        Compression::None,
        BatchOptions::default(),
        progress,
    )
    .unwrap();
    builder.append(&second).unwrap();
    assert_eq!(builder.finish().unwrap(), whole.len());
    assert_eq!(out, whole);
    // Progress that claims more records than the buffer holds is refused.
    let mut small = [0u8; 64];
    let resumed = RecordBatchBuilder::resume(
        &mut small,
        &mut [],
        Compression::None,
        BatchOptions::default(),
        progress,
    );
    assert_eq!(
        resumed.unwrap_err(),
        RecordError::Encode(EncodeError::BufferTooSmall { needed: 70 })
    );
}

/// Everything a consumer does with records bytes, as the `record_batch` fuzz target does;
/// returns whether every batch and record read cleanly.
fn walk(input: &[u8], inflated: &mut [u8]) -> bool {
    let mut clean = true;
    for batch in Batches::new(input).take(100) {
        match batch {
            Ok(Batch::V2(batch)) => {
                clean &= batch.verify_crc().is_ok();
                match batch.records_in(inflated) {
                    Ok(records) => {
                        for record in records {
                            match record {
                                Ok(record) => {
                                    let _ = record.headers.count();
                                    if batch.is_control() {
                                        clean &= ControlRecord::parse(&record).is_ok();
                                    }
                                }
                                Err(_) => clean = false,
                            }
                        }
                    }
                    Err(_) => clean = false,
                }
            }
            Ok(Batch::Legacy(message)) => {
                clean &= message.verify_crc().is_ok();
                if message.compression() != Ok(crate::compression::Compression::None) {
                    match message.inner_messages(inflated) {
                        Ok(mut inner) => clean &= inner.all(|m| m.is_ok()),
                        Err(_) => clean = false,
                    }
                }
            }
            Err(_) => clean = false,
        }
    }
    clean
}

/// Replays the committed seed corpus of the `record_batch` fuzz target; the batches franzl
/// built (`v2_*`) and the legacy message must read cleanly when their codec is in this build.
#[test]
fn fuzz_corpus_replays() {
    use crate::compression::Compression;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus/record_batch");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return; // a packaged crate has no fuzz folder
    };
    let mut inflated = vec![0u8; 64 << 10];
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let clean = walk(&data, &mut inflated);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let codec = match name.as_str() {
            "v2_gzip" => Some(Compression::Gzip),
            "v2_lz4" => Some(Compression::Lz4),
            "v2_zstd" => Some(Compression::Zstd),
            "v2_snappy" => Some(Compression::Snappy),
            _ => None,
        };
        let codec_enabled = codec.is_none_or(Compression::is_enabled);
        if (name.starts_with("v2_") || name.starts_with("legacy_")) && codec_enabled {
            assert!(clean, "{name} did not read cleanly");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn encoded_len_is_exact(
        values in proptest::collection::vec(
            (any::<i64>(), any::<i32>(), proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300))),
            1..20,
        ),
    ) {
        let records: Vec<NewRecord<'_>> = values
            .iter()
            .map(|(ts, off, value)| NewRecord {
                timestamp_delta: *ts,
                offset_delta: *off,
                key: None,
                value: value.as_deref(),
                headers: &[],
            })
            .collect();
        let bytes = build(&records, BatchOptions::default());
        prop_assert_eq!(bytes.len(), encoded_batch_len(&records));
        let batch = RecordBatch::new_checked(&bytes).unwrap();
        prop_assert!(batch.verify_crc().is_ok());
        let read: Vec<Record<'_>> = batch.records().unwrap().map(Result::unwrap).collect();
        prop_assert_eq!(read.len(), records.len());
    }

    #[test]
    fn hostile_records_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..400)) {
        walk(&input, &mut [0u8; 4096]);
    }

    #[test]
    fn mutated_batches_never_panic(at in 0usize..70, byte in any::<u8>()) {
        let mut bytes = ONE_RECORD;
        bytes[at] = byte;
        if let Ok(batch) = RecordBatch::new_checked(&bytes) {
            let _ = batch.verify_crc();
            if let Ok(records) = batch.records() {
                let _ = records.count();
            }
        }
    }
}
