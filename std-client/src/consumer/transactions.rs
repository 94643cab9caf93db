//! [`AbortedFilter`]: which batches of a partition's fetched records a `read_committed` reader
//! skips.
//!
//! A Fetch response at `read_committed` lists the aborted transactions that overlap the
//! returned records (producer id and first offset). Walking the batches in offset order, a
//! producer's transaction becomes "aborted" once a batch (a marker too) reaches its first
//! offset; its transactional batches are skipped until its ABORT control record, which ends it. Control
//! batches are never delivered. At `read_uncommitted` only control batches are skipped.

use franzl_core::record::{ControlRecord, ControlType, RecordBatch};

/// Decides, batch by batch and in offset order, which batches to deliver.
#[derive(Debug, Default)]
pub(crate) struct AbortedFilter {
    /// Aborted transactions not yet reached, as (first offset, producer id), latest first so
    /// the next one is popped from the end.
    pending: Vec<(i64, i64)>,
    /// Producer ids whose aborted transaction is open at the current batch.
    open: Vec<i64>,
}

impl AbortedFilter {
    /// A filter for `read_committed` with the response's aborted transactions as
    /// `(producer id, first offset)`.
    pub(crate) fn read_committed(aborted: impl IntoIterator<Item = (i64, i64)>) -> Self {
        let mut pending: Vec<(i64, i64)> = aborted
            .into_iter()
            .map(|(producer_id, first_offset)| (first_offset, producer_id))
            .collect();
        pending.sort_unstable_by(|a, b| b.cmp(a));
        Self {
            pending,
            open: Vec::new(),
        }
    }

    /// Whether `batch`'s records are to be delivered. Call once per batch, in offset order.
    pub(crate) fn keep(&mut self, batch: &RecordBatch<'_>) -> bool {
        // Markers open the transactions begun by their offset too: a fetch from an ABORT
        // marker's offset lists the transaction the marker ends, and only the marker closes it.
        self.open_up_to(batch.last_offset());
        let producer_id = batch.producer_id();
        if batch.is_control() {
            if self.is_abort_marker(batch) {
                self.open.retain(|&open| open != producer_id);
            }
            return false;
        }
        !batch.is_transactional() || !self.open.contains(&producer_id)
    }

    /// Opens the pending aborted transactions that begin at or before `last_offset`.
    fn open_up_to(&mut self, last_offset: i64) {
        while let Some(&(first_offset, aborted_producer)) = self.pending.last() {
            if first_offset > last_offset {
                break;
            }
            self.pending.pop();
            if !self.open.contains(&aborted_producer) {
                self.open.push(aborted_producer);
            }
        }
    }

    fn is_abort_marker(&self, batch: &RecordBatch<'_>) -> bool {
        // Control batches are written uncompressed, one marker each.
        let Ok(mut records) = batch.records() else {
            return false;
        };
        let Some(Ok(record)) = records.next() else {
            return false;
        };
        matches!(
            ControlRecord::parse(&record),
            Ok(ControlRecord {
                kind: ControlType::Abort,
                ..
            })
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use franzl_core::record::{BatchOptions, NewRecord, RecordBatchBuilder};

    fn batch(base_offset: i64, producer_id: i64, transactional: bool) -> Vec<u8> {
        let mut out = vec![0u8; 256];
        let options = BatchOptions {
            base_offset,
            producer_id,
            transactional,
            ..BatchOptions::default()
        };
        let mut builder = RecordBatchBuilder::new(&mut out, options).unwrap();
        builder
            .append(&NewRecord {
                value: Some(b"v"),
                ..NewRecord::default()
            })
            .unwrap();
        let len = builder.finish().unwrap();
        out.truncate(len);
        out
    }

    fn marker(base_offset: i64, producer_id: i64, commit: bool) -> Vec<u8> {
        let mut out = vec![0u8; 256];
        let options = BatchOptions {
            base_offset,
            producer_id,
            transactional: true,
            control: true,
            ..BatchOptions::default()
        };
        let control = ControlRecord::end_transaction(commit, 0);
        let (key, value) = (control.key_bytes(), control.value_bytes());
        let mut builder = RecordBatchBuilder::new(&mut out, options).unwrap();
        builder
            .append(&NewRecord {
                key: Some(&key),
                value: Some(&value),
                ..NewRecord::default()
            })
            .unwrap();
        let len = builder.finish().unwrap();
        out.truncate(len);
        out
    }

    fn keeps(filter: &mut AbortedFilter, bytes: &[u8]) -> bool {
        filter.keep(&RecordBatch::new_checked(bytes).unwrap())
    }

    #[test]
    fn aborted_transaction_is_skipped_until_its_marker() {
        // Producer 7 aborts offsets 0..=1 (marker at 2); producer 8 commits 1 (marker at 3);
        // producer 7 then writes a new transaction at 4, which is not listed as aborted.
        let mut filter = AbortedFilter::read_committed([(7, 0)]);
        assert!(!keeps(&mut filter, &batch(0, 7, true)));
        assert!(keeps(&mut filter, &batch(1, 8, true)));
        assert!(!keeps(&mut filter, &batch(1, 7, true)));
        assert!(!keeps(&mut filter, &marker(2, 7, false)));
        assert!(!keeps(&mut filter, &marker(3, 8, true)));
        assert!(keeps(&mut filter, &batch(4, 7, true)));
        assert!(keeps(&mut filter, &batch(5, 9, false)));
    }

    #[test]
    fn an_aborted_transaction_starts_at_its_first_offset() {
        let mut filter = AbortedFilter::read_committed([(7, 10)]);
        assert!(keeps(&mut filter, &batch(5, 7, true)));
        assert!(!keeps(&mut filter, &batch(10, 7, true)));
    }

    #[test]
    fn a_fetch_from_an_abort_marker_keeps_the_next_transaction() {
        // Producer 0 aborted offsets 0..=2 (marker at 3), then committed 4 (marker at 5). A
        // fetch from 3 starts at the ABORT marker, and the broker lists the transaction that
        // it ends; the marker closes it, so the committed batch at 4 is read.
        let mut filter = AbortedFilter::read_committed([(0, 0)]);
        assert!(!keeps(&mut filter, &marker(3, 0, false)));
        assert!(keeps(&mut filter, &batch(4, 0, true)));
        assert!(!keeps(&mut filter, &marker(5, 0, true)));
    }

    #[test]
    fn read_uncommitted_skips_control_batches_only() {
        let mut filter = AbortedFilter::default();
        assert!(keeps(&mut filter, &batch(0, 7, true)));
        assert!(!keeps(&mut filter, &marker(1, 7, false)));
    }
}
