//! The records the TAP test produces, and the check of what it fetched back against them.

use franzl_core::record::NewRecord;

/// How many records the test produces and fetches back.
pub const RECORDS: usize = 1_000;

/// The keys and values of [`RECORDS`] records: record `i` has its own key and a value of 32 to
/// 144 bytes that names it, so a record read at the wrong offset never matches.
#[derive(Debug)]
pub struct Expected {
    records: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Expected {
    /// The test's records.
    pub fn new() -> Self {
        let records = (0..RECORDS)
            .map(|i| {
                let key = format!("sensor-{}-{i:04}", i % 7).into_bytes();
                let value = format!("reading {i:04}: {}", "0123456789abcdef".repeat(i % 8 + 1));
                (key, value.into_bytes())
            })
            .collect();
        Self { records }
    }

    /// The same records with the value of record `index` changed: a check against these must
    /// find exactly that record wrong.
    pub fn with_value_changed(&self, index: usize) -> Self {
        let mut records = self.records.clone();
        if let Some((_, value)) = records.get_mut(index) {
            value.push(b'!');
        }
        Self { records }
    }

    /// Records `from..to` as the client produces them.
    pub fn batch(&self, from: usize, to: usize) -> Vec<NewRecord<'_>> {
        self.records
            .get(from..to)
            .unwrap_or_default()
            .iter()
            .map(|(key, value)| NewRecord {
                key: Some(key),
                value: Some(value),
                ..NewRecord::default()
            })
            .collect()
    }

    /// The key and value bytes of records `from..to`.
    pub fn bytes(&self, from: usize, to: usize) -> u64 {
        let records = self.records.get(from..to).unwrap_or_default();
        records
            .iter()
            .map(|(key, value)| (key.len() + value.len()) as u64)
            .sum()
    }

    /// Compares what was fetched, `(offset, key, value)` in the order read, with these
    /// records: record `i` is expected at offset `i`.
    pub fn check(&self, fetched: &[Fetched]) -> Checked {
        let mut checked = Checked {
            fetched: fetched.len(),
            ..Checked::default()
        };
        for record in fetched {
            let expected = usize::try_from(record.offset)
                .ok()
                .and_then(|index| self.records.get(index));
            match expected {
                Some((key, value)) if record.key == *key && record.value == *value => {
                    checked.matching += 1;
                }
                _ => checked.wrong.push(record.offset),
            }
        }
        checked
    }
}

impl Default for Expected {
    fn default() -> Self {
        Self::new()
    }
}

/// A record as fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Its offset.
    pub offset: i64,
    /// Its key (empty for none).
    pub key: Vec<u8>,
    /// Its value (empty for none).
    pub value: Vec<u8>,
}

/// What [`Expected::check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// Records fetched.
    pub fetched: usize,
    /// Of those, the ones equal to the record expected at their offset.
    pub matching: usize,
    /// The offsets of the others.
    pub wrong: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::{Expected, Fetched, RECORDS};

    fn fetched(expected: &Expected) -> Vec<Fetched> {
        expected
            .batch(0, RECORDS)
            .iter()
            .zip(0..)
            .map(|(record, offset)| Fetched {
                offset,
                key: record.key.unwrap_or_default().to_vec(),
                value: record.value.unwrap_or_default().to_vec(),
            })
            .collect()
    }

    #[test]
    fn every_record_is_checked_by_key_value_and_offset() {
        let expected = Expected::new();
        let mut all = fetched(&expected);
        let checked = expected.check(&all);
        assert_eq!((checked.fetched, checked.matching), (RECORDS, RECORDS));
        // "sensor-0-0000", "reading 0000: " and 16 bytes.
        assert_eq!(expected.bytes(0, 1), 13 + 14 + 16);
        // One changed value, one record at the wrong offset: both found.
        assert_eq!(expected.with_value_changed(417).check(&all).wrong, [417]);
        all[3].offset = 4;
        assert_eq!(expected.check(&all).wrong, [4]);
    }
}
