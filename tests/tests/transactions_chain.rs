//! A three-stage exactly-once chain on `cluster3`: stage 0 produces [`RECORDS`] numbered
//! records; stages 1 and 2 are each a group of three `transactional-copy` processes (aborting
//! one transaction in ten on purpose, at random) copying to the next topic, while members are
//! killed (SIGKILL) and restarted with their transactional ids, and a broker is killed and
//! restarted. At the end a `read_committed` reader of each stage's topic finds every record
//! exactly once, and the `copied-from` header of each copy names a different input record: no
//! input offset was committed twice.
//!
//! The faults are a fixed list ([`FAULTS`]), each let loose only once the last topic has
//! gained records since the one before: every kill stalls its group for a session timeout, so
//! faults on a clock alone could keep a slow machine's groups rebalancing for ever. Once the
//! list is spent the chain must finish undisturbed.
//!
//! The test kills and restarts a node, so it is alone in its binary (cluster3 tests take turns
//! by binary); every process is a [`Process`], killed by its PID if the test fails.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use franzl::config::IsolationLevel;
use franzl::consumer::{Consumer, TopicPartition};
use franzl::{Producer, ProducerRecord};
use franzl_tests::consumer::config;
use franzl_tests::java_tools::create_topic;
use franzl_tests::processes::Process;
use franzl_tests::producer::producer_config;
use franzl_tests::transactions::copier_command;
use franzl_tests::{Profile, broker, unique_topic};

/// Records stage 0 produces.
const RECORDS: usize = 100_000;
/// Partitions of each stage's topic.
const PARTITIONS: u32 = 6;
/// Members per copying stage.
const MEMBERS: usize = 3;
/// How long the chain may take to deliver every record to the last topic.
const DEADLINE: Duration = Duration::from_secs(600);
/// The least time between faults.
const FAULT_EVERY: Duration = Duration::from_secs(3);

/// One fault the test lets loose.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// SIGKILL the member of a stage (0: stage 1, 1: stage 2) in a slot, then start it again.
    Kill { stage: usize, slot: usize },
    /// Kill a `cluster3` node, wait, and start it again.
    RestartBroker { node: u32 },
}

/// The faults, in order: four kills in each stage, every slot at least once, and one broker
/// restart early on.
const FAULTS: [Fault; 9] = [
    Fault::Kill { stage: 0, slot: 0 },
    Fault::Kill { stage: 1, slot: 1 },
    Fault::RestartBroker { node: 3 },
    Fault::Kill { stage: 0, slot: 2 },
    Fault::Kill { stage: 1, slot: 0 },
    Fault::Kill { stage: 0, slot: 1 },
    Fault::Kill { stage: 1, slot: 2 },
    Fault::Kill { stage: 0, slot: 0 },
    Fault::Kill { stage: 1, slot: 1 },
];

/// One copying stage: its group, topics, and members (restartable by slot).
struct Stage {
    name: &'static str,
    bootstrap: String,
    group: String,
    from: String,
    to: String,
    members: Vec<Process>,
    ids: Vec<String>,
    kills: usize,
    /// What killed members printed on stderr (warnings and errors), for a failure's message.
    logs: Vec<String>,
}

impl Stage {
    fn new(name: &'static str, bootstrap: &str, from: &str, to: &str) -> Self {
        let ids = (0..MEMBERS)
            .map(|slot| unique_topic(&format!("{name}-m{slot}")))
            .collect();
        let mut stage = Self {
            name,
            bootstrap: bootstrap.to_owned(),
            group: unique_topic(&format!("g-{name}")),
            from: from.to_owned(),
            to: to.to_owned(),
            members: Vec::new(),
            ids,
            kills: 0,
            logs: Vec::new(),
        };
        for slot in 0..MEMBERS {
            let member = stage.start(slot);
            stage.members.push(member);
        }
        stage
    }

    /// Starts the member of `slot`, with its slot's transactional id (which fences what is
    /// left of its predecessor).
    fn start(&self, slot: usize) -> Process {
        let mut command = copier_command(
            &self.bootstrap,
            &self.group,
            (&self.from, &self.to),
            &self.ids[slot],
            &format!("{}-{slot}", self.name),
            500,
        );
        Process::start(&format!("{}-{slot}", self.name), &mut command)
    }

    /// Kills the member of `slot` outright and starts it again.
    fn kill_and_restart(&mut self, slot: usize) {
        self.members[slot].kill();
        let name = self.members[slot].name().to_owned();
        let lines = self.members[slot].stderr();
        self.logs.extend(
            lines
                .into_iter()
                .map(|line| format!("{name} (killed): {line}")),
        );
        self.kills += 1;
        eprintln!("killed and restarting {} member {slot}", self.name);
        self.members[slot] = self.start(slot);
    }

    /// Prints what the stage's members, killed and running, logged on stderr.
    fn print_logs(&self) {
        for line in &self.logs {
            eprintln!("{line}");
        }
        for member in &self.members {
            for line in member.stderr() {
                eprintln!("{}: {line}", member.name());
            }
        }
    }

    /// Asks every member to stop (between transactions) and returns their summaries.
    fn stop(&mut self) -> Vec<String> {
        let mut summaries = Vec::new();
        for member in &mut self.members {
            let status = member.terminate(Duration::from_secs(60));
            let out = member.stdout().join(" ");
            assert!(
                status.success(),
                "{} ended with {status}: {out} {:?}",
                member.name(),
                member.stderr()
            );
            summaries.push(format!("{}: {out}", member.name()));
        }
        summaries
    }
}

/// Stage 0: `RECORDS` records `n-{i}` keyed `{i}`, idempotent, acks=all.
fn produce_input(topic: &str) {
    let broker = broker(Profile::Cluster3);
    smol::block_on(async {
        let producer = Producer::connect(producer_config(broker, |b| b))
            .await
            .unwrap();
        let mut deliveries = Vec::with_capacity(RECORDS);
        for i in 0..RECORDS {
            let (key, value) = (i.to_string(), format!("n-{i:06}"));
            let record = ProducerRecord::new(topic, value.as_bytes()).key(key.as_bytes());
            deliveries.push(producer.send(record).await.unwrap());
        }
        for delivery in deliveries {
            delivery.await.unwrap();
        }
        producer.close().await;
    });
}

/// What a reader of one topic found.
#[derive(Default)]
struct Read {
    /// Where each value was seen: partition, offset, `copied-from` origin and `copied-by`
    /// copier and transaction of each copy.
    values: BTreeMap<String, Vec<(i32, i64, String, String)>>,
    /// How often each `copied-from` origin was seen.
    origins: BTreeMap<String, usize>,
    /// Records read.
    records: usize,
}

/// Reads every partition of `topic` from the start at `isolation` until `until` says it has
/// enough, or nothing new came for `quiet`; `progress` follows the number of distinct values.
fn read(
    bootstrap: &str,
    topic: &str,
    isolation: IsolationLevel,
    quiet: Duration,
    until: impl Fn(&Read) -> bool,
    progress: &AtomicUsize,
) -> Read {
    smol::block_on(async {
        let config = config(bootstrap)
            .isolation_level(isolation)
            .build()
            .unwrap();
        let mut consumer = Consumer::connect(config).await.unwrap();
        consumer.assign((0..PARTITIONS).map(|p| TopicPartition::new(topic, p as i32)));
        let mut read = Read::default();
        let mut last_new = Instant::now();
        while !until(&read) && last_new.elapsed() < quiet {
            let records = consumer.poll(Duration::from_millis(500)).await.unwrap();
            if !records.is_empty() {
                last_new = Instant::now();
            }
            for record in &records {
                read.records += 1;
                let value = String::from_utf8_lossy(record.value().unwrap_or_default());
                let (mut origin, mut by) = (String::new(), String::new());
                for header in record.headers() {
                    let text = String::from_utf8_lossy(header.value.unwrap_or_default());
                    match header.key {
                        "copied-from" => {
                            origin = text.into_owned();
                            *read.origins.entry(origin.clone()).or_default() += 1;
                        }
                        "copied-by" => by = text.into_owned(),
                        _ => {}
                    }
                }
                read.values.entry(value.into_owned()).or_default().push((
                    record.partition(),
                    record.offset(),
                    origin,
                    by,
                ));
            }
            progress.store(read.values.len(), Ordering::Relaxed);
        }
        consumer.close().await;
        read
    })
}

/// Checks that a stage's committed output holds each input record exactly once, and that no
/// input record was copied (its offset committed) twice.
fn exactly_once(stage: &str, read: &Read, expected: &BTreeSet<String>) {
    let twice: Vec<_> = read
        .values
        .iter()
        .filter(|(_, copies)| copies.len() > 1)
        .take(10)
        .collect();
    assert!(
        twice.is_empty(),
        "{stage}: values seen twice (partition, offset, copied from, copied by): {twice:?}"
    );
    let origins_twice: Vec<_> = read
        .origins
        .iter()
        .filter(|(_, n)| **n > 1)
        .take(10)
        .collect();
    assert!(
        origins_twice.is_empty(),
        "{stage}: input offsets copied twice: {origins_twice:?}"
    );
    let missing: Vec<_> = expected
        .iter()
        .filter(|v| !read.values.contains_key(*v))
        .take(10)
        .collect();
    assert!(missing.is_empty(), "{stage}: missing {missing:?}");
    assert_eq!(read.records, expected.len(), "{stage}: records");
    assert_eq!(read.origins.len(), expected.len(), "{stage}: origins");
}

#[test]
fn a_three_stage_chain_copies_every_record_exactly_once_through_kills_and_a_broker_restart() {
    let cluster = broker(Profile::Cluster3);
    let bootstrap = cluster.bootstrap();
    let topics: Vec<String> = (0..3)
        .map(|i| unique_topic(&format!("chain-t{i}")))
        .collect();
    for topic in &topics {
        create_topic(&bootstrap, None, topic, PARTITIONS);
    }
    let started = Instant::now();
    produce_input(&topics[0]);
    eprintln!("stage 0: {RECORDS} records in {:?}", started.elapsed());

    let mut stages = [
        Stage::new("stage1", &bootstrap, &topics[0], &topics[1]),
        Stage::new("stage2", &bootstrap, &topics[1], &topics[2]),
    ];
    // The last topic's reader, watching for the end on its own thread.
    let progress = Arc::new(AtomicUsize::new(0));
    let watch = {
        let (bootstrap, topic) = (bootstrap.clone(), topics[2].clone());
        let progress = Arc::clone(&progress);
        thread::spawn(move || {
            read(
                &bootstrap,
                &topic,
                IsolationLevel::ReadCommitted,
                DEADLINE,
                |read| read.values.len() >= RECORDS,
                &progress,
            )
        })
    };

    let mut broker_restarts = 0;
    let mut faults = FAULTS.iter();
    // The last topic's distinct records when the last fault was let loose.
    let mut at_last_fault = 0;
    while !watch.is_finished() {
        thread::sleep(FAULT_EVERY);
        if watch.is_finished() {
            break;
        }
        let now = progress.load(Ordering::Relaxed);
        if started.elapsed() > DEADLINE + FAULT_EVERY {
            stages.iter().for_each(Stage::print_logs);
            panic!(
                "the chain never finished: the last topic has {now} of {RECORDS} records after \
                 {:?}; faults not let loose: {:?}",
                started.elapsed(),
                faults.collect::<Vec<_>>()
            );
        }
        if now == at_last_fault {
            continue;
        }
        at_last_fault = now;
        match faults.next() {
            Some(Fault::Kill { stage, slot }) => stages[*stage].kill_and_restart(*slot),
            Some(Fault::RestartBroker { node }) => {
                eprintln!("killing broker {node} ({now} records through)");
                xtask::broker::kill_node(Profile::Cluster3, *node)
                    .unwrap_or_else(|error| panic!("cannot kill node {node}: {error}"));
                thread::sleep(Duration::from_secs(3));
                xtask::broker::restart_node(Profile::Cluster3, *node)
                    .unwrap_or_else(|error| panic!("cannot restart node {node}: {error}"));
                eprintln!("broker {node} is back");
                broker_restarts += 1;
            }
            None => {}
        }
    }
    let watched = watch.join().expect("the watcher");
    let elapsed = started.elapsed();
    let summaries: Vec<String> = stages.iter_mut().flat_map(Stage::stop).collect();
    // What the members logged (warnings: transactions that failed and why), shown on failure.
    stages.iter().for_each(Stage::print_logs);
    assert!(
        watched.values.len() >= RECORDS,
        "the last topic got {} of {RECORDS} distinct records in {elapsed:?}",
        watched.values.len()
    );

    let numbers: Vec<String> = (0..RECORDS).map(|i| format!("N-{i:06}")).collect();
    let expected: BTreeSet<String> = numbers.into_iter().collect();
    let quiet = Duration::from_secs(10);
    let mut uncommitted_counts = Vec::new();
    for (stage, topic) in ["stage1", "stage2"].iter().zip(&topics[1..]) {
        let committed = read(
            &bootstrap,
            topic,
            IsolationLevel::ReadCommitted,
            quiet,
            |_| false,
            &AtomicUsize::new(0),
        );
        exactly_once(stage, &committed, &expected);
        let all = read(
            &bootstrap,
            topic,
            IsolationLevel::ReadUncommitted,
            quiet,
            |_| false,
            &AtomicUsize::new(0),
        );
        uncommitted_counts.push(all.records);
    }
    println!(
        "chain of {RECORDS} records in {elapsed:?}: kills {} + {}, broker restarts \
         {broker_restarts}; records written (aborted ones too) stage1 {} stage2 {}; every record \
         exactly once at read_committed in both; faults let loose {} of {}; members at the \
         end: {summaries:?}",
        stages[0].kills,
        stages[1].kills,
        uncommitted_counts[0],
        uncommitted_counts[1],
        FAULTS.len() - faults.len(),
        FAULTS.len()
    );
    assert!(stages[0].kills > 0 && stages[1].kills > 0 && broker_restarts == 1);
    assert!(
        uncommitted_counts.iter().all(|n| *n > RECORDS),
        "aborted copies were written in both stages: {uncommitted_counts:?}"
    );
}
