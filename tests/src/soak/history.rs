//! The history of a soak run (every send, acknowledgement, failure and read) and the checker
//! that reads it whole, as Jepsen checks Kafka: lost writes, duplicates, reordering within a
//! partition, and reads of values never written.
//!
//! Contract: every value a soak producer writes is `p<producer>-<sequence>` ([`WriteId`]), unique
//! in the run, and a producer's sequences rise in the order it sends them, so within a partition
//! (a producer sends to a partition in sequence order) the sequences of one producer must rise
//! with the offset. [`check`] holds no assumption on the order of the events it is given.

use std::collections::{HashMap, HashSet};
use std::fmt;

/// How many examples of each finding a [`Findings`] keeps.
pub const EXAMPLES: usize = 10;

/// The identity of one written value: producer and sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WriteId {
    /// The producer (0, 1, ...).
    pub producer: u32,
    /// Its sequence number, from 0, rising in send order.
    pub sequence: u64,
}

impl WriteId {
    /// The value's text: `p<producer>-<sequence>`.
    pub fn value(self) -> String {
        self.to_string()
    }

    /// The id a value names, if it is one.
    pub fn parse(value: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(value).ok()?;
        let (producer, sequence) = text.strip_prefix('p')?.split_once('-')?;
        Some(Self {
            producer: producer.parse().ok()?,
            sequence: sequence.parse().ok()?,
        })
    }
}

impl fmt::Display for WriteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}-{}", self.producer, self.sequence)
    }
}

/// A value as read: the id it names, or the value itself when it names none.
pub type ReadValue = Result<WriteId, String>;

/// What the consumer read at one offset: the value's id, or the raw value if it names none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    /// The partition.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
    /// The id the value names, or the value itself (lossily as text) when it names none.
    pub value: ReadValue,
}

/// Everything a soak run did and saw.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// Each record handed to a producer, with the partition it was sent to.
    pub sends: Vec<(WriteId, i32)>,
    /// Each acknowledged record: partition and offset from its delivery (-1 if not named).
    pub acks: Vec<(WriteId, i32, i64)>,
    /// Each record whose delivery failed, with the error.
    pub failures: Vec<(WriteId, String)>,
    /// Each record the consumer returned, in the order it returned them.
    pub reads: Vec<Read>,
}

/// A count and a few examples.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Finding {
    /// How many.
    pub count: u64,
    /// The first [`EXAMPLES`], as text.
    pub examples: Vec<String>,
}

impl Finding {
    fn add(&mut self, example: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(example());
        }
    }
}

/// What [`check`] found. The first four must be zero for an idempotent producer; the others
/// describe the run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Acknowledged, never read.
    pub lost: Finding,
    /// Extra copies: a value read at more than one offset (each copy past the first counts).
    pub duplicated: Finding,
    /// A value read at an offset after a later value of the same producer in that partition.
    pub reordered: Finding,
    /// Read, never sent (or not a soak value at all).
    pub phantom: Finding,
    /// The consumer returned an offset of a partition again, or went back.
    pub redelivered: Finding,
    /// Read at another partition or offset than its acknowledgement said.
    pub misplaced: Finding,
    /// Records sent.
    pub sent: u64,
    /// Records acknowledged.
    pub acked: u64,
    /// Records whose delivery failed.
    pub failed: u64,
    /// Records whose delivery failed but which were read all the same (allowed: the outcome was
    /// unknown to the producer).
    pub failed_but_written: u64,
    /// Distinct offsets read.
    pub read: u64,
}

impl Findings {
    /// Whether the run kept every promise: nothing lost, duplicated, reordered, invented,
    /// redelivered or misplaced.
    pub fn is_clean(&self) -> bool {
        [
            &self.lost,
            &self.duplicated,
            &self.reordered,
            &self.phantom,
            &self.redelivered,
            &self.misplaced,
        ]
        .iter()
        .all(|finding| finding.count == 0)
    }
}

/// Reads `history` whole and reports what went wrong.
pub fn check(history: &History) -> Findings {
    let mut findings = Findings {
        sent: history.sends.len() as u64,
        acked: history.acks.len() as u64,
        failed: history.failures.len() as u64,
        ..Findings::default()
    };
    let sent: HashSet<WriteId> = history.sends.iter().map(|(id, _)| *id).collect();

    // Each partition's log as read, by offset, and the consumer's own order.
    let mut logs: HashMap<i32, Vec<(i64, &ReadValue)>> = HashMap::new();
    let mut last_offset: HashMap<i32, i64> = HashMap::new();
    for read in &history.reads {
        let last = last_offset.entry(read.partition).or_insert(-1);
        if read.offset <= *last {
            findings.redelivered.add(|| {
                format!(
                    "partition {} offset {} returned after offset {}",
                    read.partition, read.offset, last
                )
            });
            continue;
        }
        *last = read.offset;
        logs.entry(read.partition)
            .or_default()
            .push((read.offset, &read.value));
    }

    let mut placed: HashMap<WriteId, (i32, i64)> = HashMap::new();
    let mut partitions: Vec<&i32> = logs.keys().collect();
    partitions.sort();
    for partition in partitions {
        let log = &logs[partition];
        let mut highest: HashMap<u32, u64> = HashMap::new();
        for &(offset, value) in log {
            findings.read += 1;
            let id = match value {
                Ok(id) if sent.contains(id) => *id,
                Ok(id) => {
                    findings
                        .phantom
                        .add(|| format!("{id} at {partition}/{offset} was never sent"));
                    continue;
                }
                Err(raw) => {
                    findings
                        .phantom
                        .add(|| format!("{raw:?} at {partition}/{offset} is no soak value"));
                    continue;
                }
            };
            if let Some(&(first_partition, first_offset)) = placed.get(&id) {
                findings.duplicated.add(|| {
                    format!("{id} at {first_partition}/{first_offset} and {partition}/{offset}")
                });
                continue;
            }
            placed.insert(id, (*partition, offset));
            let top = highest.entry(id.producer).or_insert(id.sequence);
            if id.sequence < *top {
                findings.reordered.add(|| {
                    format!(
                        "{id} at {partition}/{offset} after p{}-{}",
                        id.producer, *top
                    )
                });
            } else {
                *top = id.sequence;
            }
        }
    }

    for &(id, partition, offset) in &history.acks {
        match placed.get(&id) {
            None => findings
                .lost
                .add(|| format!("{id} acknowledged at {partition}/{offset}, never read")),
            Some(&(read_partition, read_offset))
                if read_partition != partition || (offset >= 0 && read_offset != offset) =>
            {
                findings.misplaced.add(|| {
                    format!(
                        "{id} acknowledged at {partition}/{offset}, read at \
                         {read_partition}/{read_offset}"
                    )
                });
            }
            Some(_) => {}
        }
    }
    findings.failed_but_written = history
        .failures
        .iter()
        .filter(|(id, _)| placed.contains_key(id))
        .count() as u64;
    findings
}

#[cfg(test)]
mod tests;
