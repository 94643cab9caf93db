//! Consumer group members in the tests: who owns which partition, from the members'
//! [`GroupEvent`]s ([`Ownership`], fed by [`watch`]), and the usual steps of a group test:
//! records keyed over the partitions ([`produce_keyed`]), their values ([`value`]), records
//! taken with a deadline ([`take`]) and the next assignment ([`next_assigned`]), and a
//! commit that a restarted member resumes after ([`commit_and_restart`]), for either group
//! protocol.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use franzl::config::ConsumerConfig;
use franzl::consumer::{Consumer, ConsumerRecord, TopicPartition};
use franzl::group::{GroupEvent, GroupEvents};
use futures_lite::StreamExt;

use crate::consumer::kcat_produce;

/// How long a group test waits for an assignment.
pub const GROUP_WAIT: Duration = Duration::from_secs(60);

/// Who owns what, from the members' events: a partition is added when a member's Assigned
/// event comes and removed when its Revoked or Lost event comes (a Revoked event is recorded
/// before it is dropped, so before anyone else can be given the partition). Every event is
/// logged too.
#[derive(Debug, Default)]
pub struct Ownership {
    /// The members owning each partition now.
    pub owners: BTreeMap<TopicPartition, BTreeSet<usize>>,
    /// A line for every time a partition had two owners.
    pub overlaps: Vec<String>,
    /// Every event: the member, `assigned`, `revoked` or `lost`, and the partitions.
    pub log: Vec<(usize, &'static str, Vec<TopicPartition>)>,
}

impl Ownership {
    /// Takes `member`'s `event` in.
    pub fn record(&mut self, member: usize, event: &GroupEvent) {
        match event {
            GroupEvent::Assigned(partitions) => {
                self.log.push((member, "assigned", partitions.clone()));
                for tp in partitions {
                    let owners = self.owners.entry(tp.clone()).or_default();
                    owners.insert(member);
                    if owners.len() > 1 {
                        self.overlaps.push(format!("{tp} owned by {owners:?}"));
                    }
                }
            }
            GroupEvent::Revoked(revocation) => {
                let partitions = revocation.partitions().to_vec();
                self.release(member, &partitions);
                self.log.push((member, "revoked", partitions));
            }
            GroupEvent::Lost(partitions) => {
                self.release(member, partitions);
                self.log.push((member, "lost", partitions.clone()));
            }
            _ => {}
        }
    }

    fn release(&mut self, member: usize, partitions: &[TopicPartition]) {
        for tp in partitions {
            if let Some(owners) = self.owners.get_mut(tp) {
                owners.remove(&member);
            }
        }
    }

    /// How many partitions `member` owns.
    pub fn owned_by(&self, member: usize) -> usize {
        self.owners.values().filter(|o| o.contains(&member)).count()
    }

    /// Whether `partitions` partitions have exactly one owner each, all among `members`.
    pub fn complete(&self, partitions: usize, members: &[usize]) -> bool {
        let total: usize = members.iter().map(|&m| self.owned_by(m)).sum();
        let single = self.owners.values().filter(|o| o.len() == 1).count();
        total == partitions && single == partitions
    }

    /// How many partitions `members` had revoked or lost since the log was cleared.
    pub fn given_up_by(&self, members: &[usize]) -> usize {
        self.log
            .iter()
            .filter(|(m, kind, _)| members.contains(m) && *kind != "assigned")
            .map(|(_, _, p)| p.len())
            .sum()
    }
}

/// Drains `member`'s events into `ownership` (on smol's global executor) until the stream ends.
pub fn watch(member: usize, mut events: GroupEvents, ownership: Arc<Mutex<Ownership>>) {
    smol::spawn(async move {
        while let Some(event) = events.next().await {
            ownership.lock().unwrap().record(member, &event);
            drop(event);
        }
    })
    .detach();
}

/// Writes records keyed `k{i}` (spread over the partitions), valued `{prefix}{i}`, with kcat.
pub fn produce_keyed(bootstrap: &str, topic: &str, prefix: &str, range: std::ops::Range<usize>) {
    let input: String = range.map(|i| format!("k{i}:{prefix}{i}\n")).collect();
    kcat_produce(bootstrap, topic, "none", &[], &input);
}

/// A record's value as text.
pub fn value(record: &ConsumerRecord) -> String {
    String::from_utf8_lossy(record.value().unwrap_or_default()).into_owned()
}

/// Polls until `count` records came or `within` passed; returns what came.
///
/// # Panics
/// A poll fails.
pub async fn take(consumer: &mut Consumer, count: usize, within: Duration) -> Vec<ConsumerRecord> {
    let deadline = Instant::now() + within;
    let mut records = Vec::new();
    while records.len() < count && Instant::now() < deadline {
        records.extend(
            consumer
                .poll(Duration::from_millis(200))
                .await
                .expect("poll"),
        );
    }
    records
}

/// Waits (up to `wait`) for the next event that is an assignment, returning its partitions.
///
/// # Panics
/// None comes in time.
pub async fn next_assigned(events: &mut GroupEvents, wait: Duration) -> Vec<TopicPartition> {
    loop {
        let event = futures_lite::future::or(events.next(), async {
            smol::Timer::after(wait).await;
            None
        })
        .await;
        match event.expect("an assignment within the wait") {
            GroupEvent::Assigned(partitions) => return partitions,
            other => drop(other),
        }
    }
}

/// One member of a group with `config` (auto commit off) on `topic` (three partitions, records
/// `a0`..`a29` written with [`produce_keyed`]): it is assigned all three, reads the thirty
/// records, commits, and closes; ten more records are written, and a member that starts
/// afresh with the same configuration reads exactly those ten.
///
/// # Panics
/// Any step goes otherwise.
pub async fn commit_and_restart(bootstrap: &str, topic: &str, config: ConsumerConfig) {
    let mut consumer = Consumer::connect(config.clone()).await.unwrap();
    let mut events = consumer.group_events().unwrap();
    consumer.subscribe([topic]).unwrap();
    let mut assigned = next_assigned(&mut events, GROUP_WAIT).await;
    assigned.sort();
    let all: Vec<TopicPartition> = (0..3).map(|p| TopicPartition::new(topic, p)).collect();
    assert_eq!(assigned, all);
    assert_eq!(consumer.assignment().len(), 3);
    let first = take(&mut consumer, 30, GROUP_WAIT).await;
    let mut seen: Vec<String> = first.iter().map(value).collect();
    seen.sort();
    let mut expected: Vec<String> = (0..30).map(|i| format!("a{i}")).collect();
    expected.sort();
    assert_eq!(seen, expected);
    let nothing = consumer.committed(&all).await.unwrap();
    assert!(nothing.iter().all(Option::is_none), "auto commit is off");
    consumer.commit().await.unwrap();
    let committed = consumer.committed(&all).await.unwrap();
    let ends = consumer.end_offsets(&all).await.unwrap();
    let committed: Vec<i64> = committed
        .iter()
        .map(|c| c.as_ref().unwrap().offset)
        .collect();
    assert_eq!(committed, ends);
    consumer.close().await;

    produce_keyed(bootstrap, topic, "b", 0..10);
    let mut again = Consumer::connect(config).await.unwrap();
    again.subscribe([topic]).unwrap();
    let second = take(&mut again, 11, Duration::from_secs(30)).await;
    let mut seen: Vec<String> = second.iter().map(value).collect();
    seen.sort();
    let mut expected: Vec<String> = (0..10).map(|i| format!("b{i}")).collect();
    expected.sort();
    assert_eq!(
        seen, expected,
        "the restarted member resumes exactly after the commit"
    );
    again.close().await;
}
