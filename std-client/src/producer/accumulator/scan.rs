//! What the sender looks up in the accumulator without draining it: the brokers that lead a
//! partition with batches (each needs a link), the topics without a known leader, and when the
//! next batch expires.

use std::sync::Arc;
use std::time::Instant;

use super::Accumulator;

impl Accumulator {
    /// Fills `leaders` with the leaders of every partition holding batches, in ascending order,
    /// as `leader_of` knows them; topics with such a partition and no known leader are added to
    /// `missing_leaders`.
    pub(crate) fn leaders_with_batches(
        &self,
        leader_of: &mut dyn FnMut(&str, i32) -> Option<i32>,
        missing_leaders: &mut Vec<Arc<str>>,
        leaders: &mut Vec<i32>,
    ) {
        let state = self.lock();
        leaders.clear();
        for (name, topic) in state.topics.iter() {
            for (index, queue) in topic.partitions.iter().enumerate() {
                if queue.queue.is_empty() && queue.open.is_none() {
                    continue;
                }
                let partition = i32::try_from(index).unwrap_or(i32::MAX);
                match leader_of(name, partition) {
                    Some(leader) => {
                        if let Err(at) = leaders.binary_search(&leader) {
                            leaders.insert(at, leader);
                        }
                    }
                    None => {
                        if !missing_leaders.contains(name) {
                            missing_leaders.push(Arc::clone(name));
                        }
                    }
                }
            }
        }
    }

    /// When the oldest batch not in flight reaches `delivery.timeout.ms`, if any.
    pub(crate) fn next_expiry(&self) -> Option<Instant> {
        let state = self.lock();
        let timeout = self.settings.delivery_timeout;
        state
            .topics
            .values()
            .flat_map(|topic| topic.partitions.iter())
            .flat_map(|queue| queue.queue.front().into_iter().chain(queue.open.as_ref()))
            .map(|batch| batch.created + timeout)
            .min()
    }
}

#[cfg(test)]
impl Accumulator {
    /// As if the broker had acknowledged a batch of `topic`'s `partition` under the current
    /// stamp: more than one batch may be in flight.
    pub(crate) fn confirm(&self, topic: &str, partition: usize) {
        let mut state = self.lock();
        if let Some(queue) = state
            .topics
            .get_mut(topic)
            .and_then(|t| t.partitions.get_mut(partition))
        {
            queue.confirmed = true;
        }
    }
}
