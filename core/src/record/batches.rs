//! [`Batches`]: the batches in the `records` bytes of a Fetch response partition.
//!
//! The broker fills a response up to `max_bytes` and may cut the last batch short; a partial
//! batch at the end ends the iteration cleanly (no error, no loop). A malformed complete batch
//! yields an error and ends the iteration. Each step consumes a whole batch, so iteration is
//! bounded by the input's length.

use super::layout::{self, LOG_OVERHEAD, field};
use super::{LegacyMessage, RecordBatch, RecordError};

/// A batch of the records bytes: v2, or a legacy (magic 0 or 1) message, possibly a
/// compressed wrapper of inner messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Batch<'a> {
    /// A v2 record batch.
    V2(RecordBatch<'a>),
    /// A legacy message.
    Legacy(LegacyMessage<'a>),
}

/// Iterator over the batches in a Fetch response's records bytes.
///
/// # Examples
///
/// ```
/// use franzl_core::record::Batches;
/// // Eleven bytes: less than a batch header, as a broker may send at the end. No batches.
/// assert_eq!(Batches::new(&[0u8; 11]).count(), 0);
/// ```
#[derive(Clone, Debug)]
pub struct Batches<'a> {
    rest: &'a [u8],
    done: bool,
}

impl<'a> Batches<'a> {
    /// The batches in `records`.
    pub const fn new(records: &'a [u8]) -> Self {
        Self {
            rest: records,
            done: false,
        }
    }

    /// The bytes not yet iterated (after a clean stop: the partial batch).
    pub const fn remaining(&self) -> &'a [u8] {
        self.rest
    }

    fn fail(&mut self, error: RecordError) -> Option<Result<Batch<'a>, RecordError>> {
        self.done = true;
        Some(Err(error))
    }
}

impl<'a> Iterator for Batches<'a> {
    type Item = Result<Batch<'a>, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        // Up to and including the magic byte, needed to tell the formats apart.
        if self.done || self.rest.len() <= layout::MAGIC {
            return None;
        }
        let length = i32::from_be_bytes(field(self.rest, layout::BATCH_LENGTH));
        let Some(total) = usize::try_from(length)
            .ok()
            .and_then(|len| len.checked_add(LOG_OVERHEAD))
        else {
            return self.fail(RecordError::InvalidBatchLength);
        };
        let Some(bytes) = self.rest.get(..total) else {
            // The broker cut the last batch short.
            return None;
        };
        let batch = match self.rest.get(layout::MAGIC).map(|&b| b as i8) {
            Some(2) => RecordBatch::new_checked(bytes).map(Batch::V2),
            Some(0 | 1) => LegacyMessage::new_checked(bytes).map(Batch::Legacy),
            Some(magic) => Err(RecordError::UnsupportedMagic(magic)),
            None => return None,
        };
        match batch {
            Ok(batch) => {
                self.rest = self.rest.get(total..).unwrap_or_default();
                Some(Ok(batch))
            }
            Err(error) => self.fail(error),
        }
    }
}
