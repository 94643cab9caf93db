//! Reading fetched partitions: offsets before the fetch offset, headers read in place,
//! compressed batches charged to the budget, aborted transactions and the stable end.

use super::*;
use franzl_core::record::{BatchOptions, Header, NewRecord, RecordBatchBuilder};
use futures_lite::future::block_on;

/// A batch at `base_offset` of `count` records "k<i>"/"v<i>", with one header on each.
fn batch(base_offset: i64, count: usize, codec: Compression, options: BatchOptions) -> Vec<u8> {
    let keys: Vec<String> = (0..count).map(|i| format!("k{i}")).collect();
    let values: Vec<String> = (0..count).map(|i| format!("v{i}").repeat(20)).collect();
    let headers = [Header {
        key: "h",
        value: Some(b"x"),
    }];
    let mut out = vec![0u8; 256 * 1024];
    let mut scratch = vec![0u8; 256 * 1024];
    let options = BatchOptions {
        base_offset,
        base_timestamp: 1_000,
        ..options
    };
    let mut builder =
        RecordBatchBuilder::compressed(&mut out, &mut scratch, codec, options).unwrap();
    for (i, (key, value)) in keys.iter().zip(&values).enumerate() {
        builder
            .append(&NewRecord {
                timestamp_delta: i as i64,
                offset_delta: i as i32,
                key: Some(key.as_bytes()),
                value: Some(value.as_bytes()),
                headers: &headers,
            })
            .unwrap();
    }
    let len = builder.finish().unwrap();
    out.truncate(len);
    out
}

fn read(
    body: Vec<u8>,
    fetch_offset: i64,
    stable_end: Option<i64>,
    filter: AbortedFilter,
    budget: &Arc<PrefetchBudget>,
) -> (Result<i64>, Vec<FetchedBatch>) {
    let body = SharedBytes::new(body, None);
    let mut out = Vec::new();
    let request = PartitionRead {
        topic: Arc::from("t"),
        partition: 3,
        body: &body,
        records: body.bytes(),
        fetch_offset,
        stable_end,
        filter,
        check_crcs: true,
        inflate: &InflateGuess::default(),
    };
    let end = block_on(read_partition(request, budget, |batch| out.push(batch)));
    (end.map(|end| end.next_offset), out)
}

fn records(batches: &[FetchedBatch]) -> Vec<super::super::ConsumerRecord> {
    batches
        .iter()
        .flat_map(|batch| {
            batch
                .records
                .iter()
                .map(|meta| super::super::ConsumerRecord::new(Arc::clone(&batch.data), *meta))
        })
        .collect()
}

#[test]
fn uncompressed_records_are_read_in_place_from_the_fetch_offset() {
    let budget = PrefetchBudget::new(1 << 20);
    let mut body = batch(10, 3, Compression::None, BatchOptions::default());
    body.extend(batch(13, 2, Compression::None, BatchOptions::default()));
    // A partial batch at the end, as the broker cuts at max_bytes.
    body.extend(&batch(15, 2, Compression::None, BatchOptions::default())[..30]);
    let (next, batches) = read(body, 11, None, AbortedFilter::default(), &budget);
    assert_eq!(next.unwrap(), 15);
    let got = records(&batches);
    let offsets: Vec<i64> = got.iter().map(|r| r.offset()).collect();
    assert_eq!(offsets, [11, 12, 13, 14]);
    let first = &got[0];
    assert_eq!((first.topic(), first.partition()), ("t", 3));
    assert_eq!(first.key(), Some(&b"k1"[..]));
    assert_eq!(first.value(), Some("v1".repeat(20).as_bytes()));
    assert_eq!(first.timestamp(), 1_001);
    let headers: Vec<_> = first.headers().collect();
    assert_eq!(
        headers,
        [Header {
            key: "h",
            value: Some(b"x")
        }]
    );
    assert_eq!(got[3].key(), Some(&b"k1"[..]));
    // Uncompressed records take no budget beyond the body's own but their tables' (the two
    // batches read, 3 and 2 records), given back once the records are dropped.
    assert_eq!(budget.used(), 5 * RecordMeta::TABLE_BYTES);
    drop((got, batches));
    assert_eq!(budget.used(), 0);
}

#[test]
fn compressed_batches_take_budget_until_their_records_are_dropped() {
    for codec in [
        Compression::Gzip,
        Compression::Lz4,
        Compression::Zstd,
        Compression::Snappy,
    ] {
        let budget = PrefetchBudget::new(1 << 20);
        let body = batch(0, 100, codec, BatchOptions::default());
        let (next, batches) = read(body, 0, None, AbortedFilter::default(), &budget);
        assert_eq!(next.unwrap(), 100, "{codec:?}");
        let got = records(&batches);
        assert_eq!(got.len(), 100);
        assert_eq!(got[99].value(), Some("v99".repeat(20).as_bytes()));
        assert_eq!(got[99].headers().len(), 1);
        assert!(budget.used() > 100 * 60, "{codec:?}: {}", budget.used());
        drop(batches);
        assert!(budget.used() > 0, "records still hold the buffer");
        drop(got);
        assert_eq!(budget.used(), 0, "{codec:?}");
    }
}

#[test]
fn a_batch_bigger_than_the_first_guess_grows_its_buffer() {
    // 2,000 records of ~60 bytes compress far better than 4:1.
    let budget = PrefetchBudget::new(1 << 20);
    let body = batch(0, 2_000, Compression::Zstd, BatchOptions::default());
    let (next, batches) = read(body, 0, None, AbortedFilter::default(), &budget);
    assert_eq!(next.unwrap(), 2_000);
    assert_eq!(records(&batches).len(), 2_000);
}

#[test]
fn a_batch_bigger_than_the_whole_bound_is_an_error() {
    let budget = PrefetchBudget::new(16 * 1024);
    let body = batch(0, 2_000, Compression::Lz4, BatchOptions::default());
    let (next, _) = read(body, 0, None, AbortedFilter::default(), &budget);
    assert!(matches!(next, Err(Error::Protocol { .. })), "{next:?}");
    assert_eq!(budget.used(), 0);
}

#[test]
fn aborted_and_unstable_records_are_not_delivered() {
    let budget = PrefetchBudget::new(1 << 20);
    let txn = BatchOptions {
        producer_id: 5,
        transactional: true,
        ..BatchOptions::default()
    };
    let mut body = batch(0, 2, Compression::None, txn);
    body.extend(batch(2, 2, Compression::Lz4, BatchOptions::default()));
    body.extend(batch(4, 2, Compression::None, txn));
    let filter = AbortedFilter::read_committed([(5, 0)]);
    // The stable end at 5 cuts the last batch (and the open transaction) short.
    let (next, batches) = read(body, 0, Some(4), filter, &budget);
    assert_eq!(next.unwrap(), 4);
    let offsets: Vec<i64> = records(&batches).iter().map(|r| r.offset()).collect();
    assert_eq!(offsets, [2, 3]);
    // The aborted batch is delivered empty, so the position moves past it.
    assert_eq!(batches[0].records.len(), 0);
    assert_eq!(batches[0].next_offset, 2);
}

#[test]
fn a_corrupt_batch_is_an_error() {
    let budget = PrefetchBudget::new(1 << 20);
    let mut body = batch(0, 2, Compression::None, BatchOptions::default());
    let last = body.len() - 1;
    body[last] ^= 0xff;
    let (next, _) = read(body, 0, None, AbortedFilter::default(), &budget);
    assert!(matches!(next, Err(Error::Protocol { .. })), "{next:?}");
    // The error names the topic and partition it is about.
    let text = next.unwrap_err().to_string();
    assert_eq!(text, "protocol: t-3: fetched batch: batch CRC mismatch");
}

proptest::proptest! {
    #[test]
    fn hostile_records_bytes_never_panic(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        fetch_offset in -2i64..50,
    ) {
        let budget = PrefetchBudget::new(64 * 1024);
        let filter = AbortedFilter::read_committed([(1, 0), (-1, 3)]);
        let (_, batches) = read(bytes, fetch_offset, Some(40), filter, &budget);
        for record in records(&batches) {
            let _ = (record.key(), record.value(), record.headers().count());
        }
        drop(batches);
        proptest::prop_assert_eq!(budget.used(), 0);
    }

    #[test]
    fn damaged_batches_never_panic(at in 0usize..400, byte in proptest::prelude::any::<u8>()) {
        let budget = PrefetchBudget::new(64 * 1024);
        let mut body = batch(0, 5, Compression::Lz4, BatchOptions::default());
        body.extend(batch(5, 3, Compression::None, BatchOptions::default()));
        if let Some(target) = body.get_mut(at) {
            *target = byte;
        }
        let (_, batches) = read(body, 0, None, AbortedFilter::default(), &budget);
        for record in records(&batches) {
            let _ = (record.key(), record.value(), record.headers().count());
        }
    }
}

#[test]
fn the_last_batch_read_gives_the_last_fetched_epoch() {
    let budget = PrefetchBudget::new(1 << 20);
    let at_epoch = |base_offset, epoch| {
        let options = BatchOptions {
            partition_leader_epoch: epoch,
            ..BatchOptions::default()
        };
        batch(base_offset, 2, Compression::None, options)
    };
    let mut body = at_epoch(0, 3);
    body.extend(at_epoch(2, 5));
    // A batch without an epoch (written before KIP-101) leaves the last one known.
    body.extend(at_epoch(4, -1));
    let body = SharedBytes::new(body, None);
    let read = PartitionRead {
        topic: Arc::from("t"),
        partition: 0,
        body: &body,
        records: body.bytes(),
        fetch_offset: 0,
        stable_end: None,
        filter: AbortedFilter::default(),
        check_crcs: true,
        inflate: &InflateGuess::default(),
    };
    let end = block_on(read_partition(read, &budget, |_| {})).unwrap();
    assert_eq!(
        end,
        ReadEnd {
            next_offset: 6,
            last_epoch: Some(5)
        }
    );
}

#[test]
fn a_batch_whose_record_table_outgrows_the_whole_bound_is_an_error() {
    // 100 records of about 55 bytes: a table of 100 entries, more than a 4 KiB bound.
    let body = batch(0, 100, Compression::None, BatchOptions::default());
    const { assert!(100 * RecordMeta::TABLE_BYTES > 4096) };
    let budget = PrefetchBudget::new(4096);
    let (end, batches) = read(body.clone(), 0, None, AbortedFilter::default(), &budget);
    let error = end.unwrap_err().to_string();
    assert!(
        error.contains("more than the whole prefetch bound"),
        "{error}"
    );
    assert!(batches.is_empty());
    assert_eq!(budget.used(), 0);
    // Within a bound that holds it, the table is counted until the records go.
    let budget = PrefetchBudget::new(1 << 20);
    let (end, batches) = read(body, 0, None, AbortedFilter::default(), &budget);
    assert_eq!(end.unwrap(), 100);
    assert_eq!(budget.used(), 100 * RecordMeta::TABLE_BYTES);
    drop(batches);
    assert_eq!(budget.used(), 0);
}
