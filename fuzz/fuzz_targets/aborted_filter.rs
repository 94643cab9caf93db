//! Fuzzes the `read_committed` aborted-transaction filter against a model of the log it reads.
//!
//! The input writes a partition's log as a broker would: data batches of four producers, in a
//! transaction or not, and COMMIT and ABORT markers that end transactions; then picks the fetch
//! offset, how much of the log the response holds, and the order of its aborted-transaction
//! list (the transactions a broker lists: those ending at or past the fetch offset that begin
//! before the response's end). Knowing which transactions were aborted, the model says which
//! records a `read_committed` consumer reads: those at or past the fetch offset and before the
//! last stable offset that are neither in an aborted transaction nor markers.
//!
//! The filter alone (`AbortedFilterProbe::keep`, batch by batch) and the whole partition read
//! (`read_partition` with the list and the stable end) must agree with the model exactly. With
//! the "noise" bit the log also gets stray markers and the list made-up transactions, which a
//! real broker never sends: then only the safety half is checked, that no record of an aborted
//! transaction is ever handed out.
#![no_main]

use std::collections::BTreeSet;

use franzl::consumer::fuzzing::{AbortedFilterProbe, PartitionInput, ReadEnd, read_partition};
use franzl_core::compression::Compression;
use franzl_core::record::RecordBatch;
use franzl_fuzz::batches::{BatchSpec, Content};
use franzl_fuzz::cursor::Cursor;
use libfuzzer_sys::fuzz_target;

const PRODUCERS: usize = 4;

/// An aborted transaction: producer, first offset, offset of its ABORT marker.
#[derive(Debug, Clone, Copy)]
struct Aborted {
    producer: i64,
    first: i64,
    marker: i64,
}

/// The log and what the model knows of it.
#[derive(Debug, Default)]
struct Log {
    batches: Vec<BatchSpec>,
    aborted: Vec<Aborted>,
    /// Open transactions' first offsets, by producer.
    open: [Option<i64>; PRODUCERS],
    next: i64,
}

impl Log {
    fn push(&mut self, spec: BatchSpec) {
        self.next = spec.last_offset() + 1;
        self.batches.push(spec);
    }

    fn marker(&mut self, producer: usize, commit: bool) {
        let spec = BatchSpec {
            base_offset: self.next,
            content: Content::Marker { commit },
            codec: Compression::None,
            producer_id: producer as i64,
            transactional: true,
            leader_epoch: 0,
        };
        if let Some(first) = self.open[producer].take()
            && !commit
        {
            self.aborted.push(Aborted {
                producer: producer as i64,
                first,
                marker: self.next,
            });
        }
        self.push(spec);
    }

    /// Whether the record at `offset` of `batch` belongs to an aborted transaction.
    fn is_aborted(&self, batch: &BatchSpec, offset: i64) -> bool {
        batch.transactional
            && matches!(batch.content, Content::Data { .. })
            && self.aborted.iter().any(|txn| {
                txn.producer == batch.producer_id && txn.first <= offset && offset < txn.marker
            })
    }

    /// The last stable offset: the first offset of the earliest open transaction.
    fn stable_end(&self) -> i64 {
        self.open
            .iter()
            .flatten()
            .copied()
            .min()
            .unwrap_or(self.next)
    }
}

fn write_log(input: &mut Cursor<'_>, noise: bool) -> Log {
    let mut log = Log::default();
    for _ in 0..input.byte() % 24 {
        let op = input.byte();
        let producer = usize::from(op >> 2) % PRODUCERS;
        let open = log.open[producer].is_some();
        match op % 4 {
            0 | 1 => {
                let transactional = op & 0x40 != 0;
                let records = 1 + usize::from(input.byte() % 3);
                let codec = if op & 0x80 != 0 {
                    Compression::Lz4
                } else {
                    Compression::None
                };
                if transactional && !open {
                    log.open[producer] = Some(log.next);
                }
                log.push(BatchSpec {
                    base_offset: log.next,
                    content: Content::Data {
                        records,
                        headers: 0,
                    },
                    codec,
                    producer_id: if transactional || op % 4 == 1 {
                        producer as i64
                    } else {
                        -1
                    },
                    transactional,
                    leader_epoch: 0,
                });
            }
            kind if open || noise => log.marker(producer, kind == 2),
            _ => {}
        }
    }
    log
}

fuzz_target!(|data: &[u8]| {
    let mut input = Cursor::new(data);
    let flags = input.byte();
    let noise = flags & 1 != 0;
    let log = write_log(&mut input, noise);
    let fetch_offset = i64::from(input.byte()) % (log.next + 1);
    // The response: from the batch holding the fetch offset, with `kept` batches at most.
    let returned: Vec<&BatchSpec> = log
        .batches
        .iter()
        .filter(|batch| batch.last_offset() >= fetch_offset)
        .take(1 + usize::from(input.byte()))
        .collect();
    let upper = returned
        .last()
        .map_or(fetch_offset, |b| b.last_offset() + 1);
    let mut listed: Vec<(i64, i64)> = log
        .aborted
        .iter()
        .filter(|txn| txn.marker >= fetch_offset && txn.first < upper)
        .map(|txn| (txn.producer, txn.first))
        .collect();
    if noise {
        for _ in 0..input.byte() % 4 {
            listed.push((
                i64::from(input.byte() % 5) - 1,
                i64::from(input.byte() % 64),
            ));
        }
    }
    if flags & 2 != 0 {
        listed.reverse();
    }

    // The filter alone, batch by batch as `partition_read` calls it.
    let mut filter = AbortedFilterProbe::read_committed(&listed);
    let mut records = Vec::new();
    for spec in &returned {
        let bytes = spec.build();
        let batch = RecordBatch::new_checked(&bytes).expect("a built batch");
        let kept = filter.keep(&batch);
        let data = matches!(spec.content, Content::Data { .. });
        let aborted = log.is_aborted(spec, spec.base_offset);
        assert!(
            !(kept && (aborted || !data)),
            "batch at {} handed out: {spec:?}, aborted {:?}, list {listed:?}",
            spec.base_offset,
            log.aborted
        );
        if !noise {
            assert!(
                kept || !data || aborted,
                "committed batch at {} dropped: {spec:?}, aborted {:?}, list {listed:?}, fetch \
                 offset {fetch_offset}",
                spec.base_offset,
                log.aborted
            );
        }
        records.extend(bytes);
    }

    // The whole read: what a read_committed consumer hands out.
    let stable_end = log.stable_end();
    let expected: BTreeSet<i64> = returned
        .iter()
        .filter(|spec| matches!(spec.content, Content::Data { .. }))
        .flat_map(|spec| (spec.base_offset..=spec.last_offset()).map(move |o| (*spec, o)))
        .filter(|(spec, offset)| {
            *offset >= fetch_offset && *offset < stable_end && !log.is_aborted(spec, *offset)
        })
        .map(|(_, offset)| offset)
        .collect();
    let mut delivered = BTreeSet::new();
    let read = PartitionInput {
        records: &records,
        fetch_offset,
        stable_end: Some(stable_end),
        aborted: Some(&listed),
        check_crcs: true,
        budget_limit: 1 << 20,
    };
    let (end, _) = read_partition(read, |_, batch| {
        delivered.extend(batch.iter().map(franzl::ConsumerRecord::offset));
    });
    assert!(matches!(end, ReadEnd::Read { .. }), "{end:?}");
    let aborted: Vec<i64> = delivered.difference(&expected).copied().collect();
    for offset in &aborted {
        let spec = returned
            .iter()
            .find(|spec| spec.base_offset <= *offset && *offset <= spec.last_offset())
            .expect("delivered from a returned batch");
        assert!(
            !log.is_aborted(spec, *offset),
            "record {offset} of an aborted transaction handed out"
        );
    }
    if !noise {
        assert_eq!(
            delivered, expected,
            "read_committed read of {returned:?} from {fetch_offset}, list {listed:?}"
        );
    }
});
