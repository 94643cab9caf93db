//! Control records: the transaction markers (commit, abort) a transaction coordinator writes
//! into control batches, and the KRaft-internal kinds read as [`ControlType::Other`].
//!
//! Key: `version i16` (0), `type i16` (0 abort, 1 commit). Value of a transaction marker:
//! `version i16` (0), `coordinatorEpoch i32`. Later versions may append fields, which are
//! ignored, as the Java client does.

use super::{Record, RecordError};

/// The kind of a control record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ControlType {
    /// The transaction was aborted: its records are to be skipped by `read_committed` readers.
    Abort,
    /// The transaction was committed.
    Commit,
    /// Another kind (KRaft's leader change and snapshot markers), by its type number.
    Other(i16),
}

impl ControlType {
    const fn from_wire(value: i16) -> Self {
        match value {
            0 => Self::Abort,
            1 => Self::Commit,
            other => Self::Other(other),
        }
    }

    const fn to_wire(self) -> i16 {
        match self {
            Self::Abort => 0,
            Self::Commit => 1,
            Self::Other(other) => other,
        }
    }
}

/// A control record, as read from a record of a control batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ControlRecord {
    /// What the record marks.
    pub kind: ControlType,
    /// The coordinator epoch of a transaction marker; `None` for other kinds.
    pub coordinator_epoch: Option<i32>,
}

impl ControlRecord {
    /// A transaction marker.
    pub const fn end_transaction(commit: bool, coordinator_epoch: i32) -> Self {
        Self {
            kind: if commit {
                ControlType::Commit
            } else {
                ControlType::Abort
            },
            coordinator_epoch: Some(coordinator_epoch),
        }
    }

    /// Reads the control record in `record` (a record of a control batch).
    ///
    /// # Errors
    ///
    /// [`RecordError::InvalidControlRecord`] for a missing or short key, a negative version,
    /// or a transaction marker without its value.
    pub fn parse(record: &Record<'_>) -> Result<Self, RecordError> {
        let invalid = RecordError::InvalidControlRecord;
        let key = record.key.ok_or(invalid)?;
        let [v0, v1, t0, t1, ..] = *key else {
            return Err(invalid);
        };
        if i16::from_be_bytes([v0, v1]) < 0 {
            return Err(invalid);
        }
        let kind = ControlType::from_wire(i16::from_be_bytes([t0, t1]));
        let coordinator_epoch = match kind {
            ControlType::Abort | ControlType::Commit => {
                let value = record.value.ok_or(invalid)?;
                let [v0, v1, e0, e1, e2, e3, ..] = *value else {
                    return Err(invalid);
                };
                if i16::from_be_bytes([v0, v1]) < 0 {
                    return Err(invalid);
                }
                Some(i32::from_be_bytes([e0, e1, e2, e3]))
            }
            ControlType::Other(_) => None,
        };
        Ok(Self {
            kind,
            coordinator_epoch,
        })
    }

    /// The record key to write (version 0).
    pub const fn key_bytes(&self) -> [u8; 4] {
        let kind = self.kind.to_wire().to_be_bytes();
        [0, 0, kind[0], kind[1]]
    }

    /// The record value to write for a transaction marker (version 0); the epoch is 0 when
    /// `coordinator_epoch` is `None`.
    pub const fn value_bytes(&self) -> [u8; 6] {
        let epoch = match self.coordinator_epoch {
            Some(epoch) => epoch.to_be_bytes(),
            None => [0; 4],
        };
        [0, 0, epoch[0], epoch[1], epoch[2], epoch[3]]
    }
}
