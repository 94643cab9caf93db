//! Fuzzes the consumer's reading of one partition's records from a Fetch response
//! (`franzl::consumer::fuzzing::read_partition`, the fetch task's own path): record bytes,
//! raw or built from short descriptions of batches of every codec (then damaged in one byte
//! and cut short), read at `read_uncommitted` or `read_committed` with aborted transactions
//! and a stable end, against prefetch bounds from 1 KiB to 1 MiB, while the caller keeps the
//! records of some batches and drops the others.
//!
//! Nothing may panic or wait for ever, and:
//! - records handed out lie at or past the fetch offset and before the stable end, and read
//!   back (key, value, headers) without panicking; built, undamaged batches read back as built;
//! - the position only moves forward: each batch's next offset, then the end's, never behind;
//! - a read waits for budget only while the caller holds records, and once every record is
//!   dropped the budget holds nothing;
//! - the budget's peak stays within the bound plus the body and one decompressed batch (the
//!   module's stated exception), and the heap held during the read within a fixed multiple of
//!   the bytes read and decompressed.
//!
//! Input: a flags byte (bit 0 check CRCs, bit 1 read_committed, bit 2 a stable end, bit 3
//! built batches, bits 4-7 which batches the caller keeps), the bound (1 KiB shifted by the
//! byte mod 11), the fetch offset and stable end (signed bytes), the aborted transactions (a
//! count mod 8, then producer id and first offset, a byte each), then either raw record bytes
//! or batch descriptions (see `franzl_fuzz::batches`).
#![no_main]

use franzl::ConsumerRecord;
use franzl::consumer::fuzzing::{PartitionInput, ReadEnd, read_partition};
use franzl_fuzz::alloc_bound::{self, CountingAllocator};
use franzl_fuzz::batches::{BatchSpec, Content};
use franzl_fuzz::cursor::Cursor;
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator;

/// The most decompressed bytes one batch is given below any bound (`partition_read`'s floor).
const MIN_INFLATE: usize = 16 * 1024;
/// Heap per byte read or decompressed that the read may hold: the body's copy, the
/// decompressed buffers, and the bookkeeping of records (48 B for the shortest, 7 B) and
/// headers (20 B for the shortest, 2 B).
const HEAP_PER_BYTE: usize = 12;
/// Heap the read may hold whatever its input: a decoder's tables and windows, the futures.
const HEAP_FIXED: usize = 2 << 20;

/// Record bytes built from descriptions: batches in offset order, some of them markers, then
/// one byte changed and the end cut off (an offset past the end changes nothing).
fn built(input: &mut Cursor<'_>) -> (Vec<u8>, bool) {
    let mut records = Vec::new();
    let mut next = i64::from(input.byte() % 16);
    for _ in 0..1 + input.byte() % 6 {
        let op = input.byte();
        let spec = if op & 1 == 1 {
            BatchSpec {
                base_offset: next,
                content: Content::Marker {
                    commit: op & 2 != 0,
                },
                codec: franzl_core::compression::Compression::None,
                producer_id: i64::from(op >> 2 & 3),
                transactional: true,
                leader_epoch: 0,
            }
        } else {
            BatchSpec::data_from(input, next)
        };
        records.extend(spec.build());
        next = spec.last_offset() + 1 + i64::from(op >> 6);
    }
    let (at, flip) = (usize::from(input.u16()), input.byte());
    let damaged = flip != 0 && at < records.len();
    if damaged {
        records[at] ^= flip;
    }
    let cut = usize::from(input.u16());
    let cut_short = cut != 0 && cut < records.len();
    if cut_short {
        records.truncate(cut);
    }
    (records, damaged)
}

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let flags = input.byte();
    let budget_limit = 1024usize << (input.byte() % 11);
    let fetch_offset = i64::from(input.byte() as i8);
    let stable_end = i64::from(input.byte() as i8);
    let aborted: Vec<(i64, i64)> = (0..input.byte() % 8)
        .map(|_| {
            (
                i64::from(input.byte() % 4) - 1,
                i64::from(input.byte() as i8),
            )
        })
        .collect();
    let (records, checked_contents) = if flags & 8 != 0 {
        let (records, damaged) = built(&mut input);
        (records, !damaged)
    } else {
        (input.rest().to_vec(), false)
    };
    let read = PartitionInput {
        records: &records,
        fetch_offset,
        stable_end: (flags & 4 != 0).then_some(stable_end),
        aborted: (flags & 2 != 0).then_some(&aborted),
        check_crcs: flags & 1 != 0,
        budget_limit,
    };

    let heap_start = alloc_bound::reset_peak();
    let mut kept: Vec<Vec<ConsumerRecord>> = Vec::new();
    let mut position = fetch_offset;
    let mut batch_index = 0u32;
    let (end, budget) = read_partition(read, |next_offset, batch| {
        assert!(
            next_offset >= position,
            "the position went back from {position} to {next_offset}"
        );
        position = next_offset;
        for record in &batch {
            let offset = record.offset();
            assert!(
                offset >= fetch_offset,
                "record {offset} before the fetch offset"
            );
            if let Some(end) = read.stable_end {
                assert!(
                    offset < end,
                    "record {offset} at or past the stable end {end}"
                );
            }
            let (key, value) = (record.key(), record.value());
            let headers = record.headers().count();
            if checked_contents {
                assert_eq!(key, Some(format!("k{offset}").as_bytes()));
                assert_eq!(value, Some(format!("{offset}.").repeat(8).as_bytes()));
                assert!(headers <= 3);
            }
        }
        if flags >> (4 + batch_index % 4) & 1 == 1 {
            kept.push(batch);
        }
        batch_index += 1;
    });
    let heap_peak = alloc_bound::peak_since(heap_start);

    match &end {
        ReadEnd::Read { next_offset, .. } => assert!(
            *next_offset >= position,
            "the read ended at {next_offset}, behind its last batch's {position}"
        ),
        ReadEnd::WaitingForBudget => assert!(
            !kept.is_empty(),
            "the read waits for budget that no record the caller holds can give back"
        ),
        ReadEnd::Failed(_) => {}
    }
    let one_batch = budget_limit.max(MIN_INFLATE);
    assert!(
        budget.peak() <= budget_limit.max(records.len() + one_batch),
        "budget peak {} over bound {budget_limit} with a body of {}",
        budget.peak(),
        records.len()
    );
    let heap_bound = HEAP_PER_BYTE * (records.len() + budget.peak()) + HEAP_FIXED;
    assert!(
        heap_peak <= heap_bound,
        "the read held {heap_peak} B of heap for {} B of records (bound {heap_bound})",
        records.len()
    );
    drop(kept);
    assert_eq!(
        budget.used(),
        0,
        "budget still held after every record was dropped"
    );
});
