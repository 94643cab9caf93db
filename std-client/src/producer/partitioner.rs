//! Choosing a partition: the [`Partitioner`] trait, the built-in partitioners, and the sticky
//! choice for records the partitioner leaves open.
//!
//! A partitioner returns `Some(partition)` or `None`; `None` means "any partition", which the
//! accumulator fills with the topic's sticky partition (KIP-480): records stick to one partition
//! until its batch is full or sent, then the next record picks a new one at random. Keyed
//! records go where the Java client sends them: `murmur2(key) & 0x7fffffff % partitions`.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};

use franzl_core::murmur2::partition_for_key;

use crate::config::Partitioner as PartitionerKind;

/// Chooses the partition of a record that names none. Implement it for your own scheme and
/// pass it to [`crate::producer::Producer::with_partitioner`].
pub trait Partitioner: Send + Sync + fmt::Debug {
    /// The partition, in `0..partition_count`, for a record of `topic` with `key` and `value`;
    /// `None` leaves the choice to the sticky partitioner. A partition outside the range is an
    /// error reported by `send`.
    fn partition(
        &self,
        topic: &str,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        partition_count: i32,
    ) -> Option<i32>;
}

/// The Java client's default: murmur2 of the key; records without a key are sticky.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultPartitioner;

impl Partitioner for DefaultPartitioner {
    fn partition(&self, _: &str, key: Option<&[u8]>, _: Option<&[u8]>, count: i32) -> Option<i32> {
        key.and_then(|key| partition_for_key(key, count))
    }
}

/// `partitioner.ignore.keys=true`: every record is sticky.
#[derive(Debug, Clone, Copy, Default)]
pub struct UniformStickyPartitioner;

impl Partitioner for UniformStickyPartitioner {
    fn partition(&self, _: &str, _: Option<&[u8]>, _: Option<&[u8]>, _: i32) -> Option<i32> {
        None
    }
}

/// librdkafka's `murmur2_random`: murmur2 of the key, a random partition per keyless record.
#[derive(Debug, Default)]
pub struct Murmur2RandomPartitioner {
    random: std::sync::Mutex<Random>,
}

impl Partitioner for Murmur2RandomPartitioner {
    fn partition(&self, _: &str, key: Option<&[u8]>, _: Option<&[u8]>, count: i32) -> Option<i32> {
        match key {
            Some(key) => partition_for_key(key, count),
            None => {
                let mut random = self.random.lock().unwrap_or_else(|e| e.into_inner());
                Some(random.below(count))
            }
        }
    }
}

/// The built-in partitioner a configuration names.
pub(crate) fn from_config(kind: PartitionerKind) -> Box<dyn Partitioner> {
    match kind {
        PartitionerKind::UniformSticky => Box::new(UniformStickyPartitioner),
        PartitionerKind::Murmur2Random => Box::new(Murmur2RandomPartitioner::default()),
        PartitionerKind::Default => Box::new(DefaultPartitioner),
    }
}

/// A small xorshift generator seeded from std's per-process random hasher keys: enough to
/// spread partitions, no dependency.
#[derive(Debug, Clone)]
pub(crate) struct Random(u64);

impl Default for Random {
    fn default() -> Self {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(0x9e37_79b9_7f4a_7c15);
        Self(hasher.finish() | 1)
    }
}

impl Random {
    /// A number in `0..bound` (0 when `bound` is not positive).
    pub(crate) fn below(&mut self, bound: i32) -> i32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        match u64::try_from(bound) {
            Ok(bound) if bound > 0 => i32::try_from(x % bound).unwrap_or(0),
            _ => 0,
        }
    }
}

/// A topic's sticky partition for records the partitioner leaves open.
#[derive(Debug, Default)]
pub(crate) struct Sticky {
    partition: Option<i32>,
    /// Whether the current partition has started a batch since it was chosen: the next new
    /// batch it would need means "full or sent", time to switch.
    started_batch: bool,
}

impl Sticky {
    /// The sticky partition; `needs_new_batch` says whether appending there would start a new
    /// batch, which moves the choice on when the partition already had one.
    pub(crate) fn choose(
        &mut self,
        random: &mut Random,
        count: i32,
        needs_new_batch: impl Fn(i32) -> bool,
    ) -> i32 {
        let current = self.partition.filter(|&p| p < count);
        let partition = match current {
            Some(p) if !(self.started_batch && needs_new_batch(p)) => p,
            previous => {
                let mut next = random.below(count);
                if count > 1 && Some(next) == previous {
                    next = (next + 1) % count;
                }
                self.started_batch = false;
                next
            }
        };
        self.partition = Some(partition);
        if needs_new_batch(partition) {
            self.started_batch = true;
        }
        partition
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_records_follow_the_java_client() {
        // Utils.toPositive(Utils.murmur2("21".getBytes())) % 4 == 0 (core's fixture).
        assert_eq!(
            DefaultPartitioner.partition("t", Some(b"21"), None, 4),
            Some(0)
        );
        assert_eq!(DefaultPartitioner.partition("t", None, Some(b"v"), 4), None);
        assert_eq!(
            UniformStickyPartitioner.partition("t", Some(b"21"), None, 4),
            None
        );
        let random = Murmur2RandomPartitioner::default();
        assert_eq!(random.partition("t", Some(b"21"), None, 4), Some(0));
        for _ in 0..100 {
            assert!((0..4).contains(&random.partition("t", None, None, 4).unwrap()));
        }
    }

    #[test]
    fn sticky_switches_only_when_a_batch_fills() {
        let mut random = Random::default();
        let mut sticky = Sticky::default();
        // First record: a new batch on a random partition.
        let first = sticky.choose(&mut random, 6, |_| true);
        // While its batch has room, records stay.
        for _ in 0..10 {
            assert_eq!(sticky.choose(&mut random, 6, |_| false), first);
        }
        // The batch is full: the next record starts a batch elsewhere.
        let second = sticky.choose(&mut random, 6, |_| true);
        assert_ne!(second, first);
        assert_eq!(sticky.choose(&mut random, 6, |_| false), second);
        // One partition: always 0.
        let mut sticky = Sticky::default();
        for _ in 0..5 {
            assert_eq!(sticky.choose(&mut random, 1, |_| true), 0);
        }
    }
}
