//! One soak run: idempotent franzl producers (acks=all) and a franzl consumer on `cluster3`,
//! all through the fault proxies, for N minutes while the fault schedule runs; then a fresh
//! consumer reads the whole topic directly, and both reads are checked against what was sent
//! and acknowledged.
//!
//! Contract: [`run`] needs this process to hold the cluster3 proxy ports (no other test process
//! running the proxies); it leaves the cluster whole (every node running and resumed) and the
//! proxies healed, and returns the findings whether or not they are clean.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use franzl::config::{IsolationLevel, ProducerConfig};
use franzl::consumer::{Consumer, TopicPartition};
use franzl::producer::{Producer, ProducerRecord};
use xtask::broker::Profile;

use super::copy::{CopyFindings, SoakCopy};
use super::faults::{self, FaultEvent, FaultKind, Rng, Target};
use super::group::{GroupFindings, Protocol, SoakGroup};
use super::history::{Findings, History, Read, WriteId, check};
use super::report::RunFacts;
use crate::fault_proxy::cluster::ClusterProxies;

/// What to run.
#[derive(Clone, Debug)]
pub struct SoakOptions {
    /// Minutes of production under faults.
    pub minutes: f64,
    /// Records per second over all producers; 0 for as fast as they go.
    pub rate: u64,
    /// The seed of the fault schedule.
    pub seed: u64,
    /// Producers.
    pub producers: u32,
    /// Partitions of the soak topic.
    pub partitions: i32,
    /// The faults the schedule cycles through, in order (by default [`FaultKind::CYCLE`]).
    pub faults: Vec<FaultKind>,
    /// Members of each consumer group, one classic and one KIP-848 (`group-consume`
    /// processes; one of each group is killed at every fault); 0 for no groups.
    pub group_members: u32,
    /// Members of the transactional copy (`transactional-copy` processes; one is killed at
    /// every fault); 0 for none.
    pub copiers: u32,
}

/// What a run found.
#[derive(Debug)]
pub struct SoakOutcome {
    /// The run's facts.
    pub facts: RunFacts,
    /// The check of the final read of the whole log.
    pub log: Findings,
    /// The check of what the consumer under faults returned.
    pub live: Findings,
    /// The fault timeline.
    pub faults: Vec<FaultEvent>,
    /// What each consumer group read.
    pub groups: Vec<GroupFindings>,
    /// What the transactional copy holds, when there was one.
    pub copy: Option<CopyFindings>,
    /// Everything sent, acknowledged and read (the final read's records).
    pub history: History,
}

/// How long the consumers get to reach the end offsets once production is over.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(180);

/// Runs the soak.
///
/// # Errors
///
/// The cluster, its proxies, the topic or a client cannot be set up.
pub fn run(options: &SoakOptions) -> Result<SoakOutcome, String> {
    let set_up = Instant::now();
    let broker = xtask::broker::up(Profile::Cluster3).map_err(|e| e.to_string())?;
    let proxies = ClusterProxies::start(&broker)?;
    let proxied = proxies.bootstrap();
    let topic = crate::unique_topic("soak");
    crate::producer::create_topic(&broker, &topic, options.partitions, 3);
    eprintln!(
        "soak: topic {topic}, {} partitions, {} producers, {} records/s, seed {}, through {proxied}",
        options.partitions, options.producers, options.rate, options.seed
    );

    // The groups and copiers form before the clock starts (a JVM sets the KIP-848 group's
    // session timeout): the run's minutes are all under faults.
    let mut groups = Vec::new();
    if options.group_members > 0 {
        for protocol in [Protocol::Classic, Protocol::Consumer] {
            groups.push(SoakGroup::start(
                &proxied,
                &broker.bootstrap(),
                &topic,
                options.group_members,
                protocol,
            )?);
        }
    }
    let mut copy = (options.copiers > 0).then(|| {
        SoakCopy::start(
            &broker,
            &proxied,
            &topic,
            options.partitions,
            options.copiers,
        )
    });
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let producing_done = Arc::new(AtomicBool::new(false));
    let live_reads = Arc::new(Mutex::new(Vec::new()));
    let consumer = {
        let (proxied, topic) = (proxied.clone(), topic.clone());
        let (done, reads) = (Arc::clone(&producing_done), Arc::clone(&live_reads));
        let partitions = options.partitions;
        thread::spawn(move || {
            consume(
                &proxied,
                &topic,
                partitions,
                IsolationLevel::ReadUncommitted,
                &done,
                &reads,
            )
        })
    };
    let per_producer_rate = options.rate / u64::from(options.producers.max(1));
    let producers: Vec<_> = (0..options.producers)
        .map(|producer| {
            let (proxied, topic, stop) = (proxied.clone(), topic.clone(), Arc::clone(&stop));
            let partitions = options.partitions;
            thread::spawn(move || {
                produce(
                    producer,
                    &proxied,
                    &topic,
                    partitions,
                    per_producer_rate,
                    &stop,
                )
            })
        })
        .collect();

    let faults = run_schedule(
        options,
        &broker,
        &proxies,
        &topic,
        started,
        &mut groups,
        copy.as_mut(),
    );
    stop.store(true, Ordering::Release);
    proxies.heal_all();
    let mut history = History::default();
    for producer in producers {
        let part = producer
            .join()
            .map_err(|_| "a producer thread panicked".to_string())??;
        history.sends.extend(part.sends);
        history.acks.extend(part.acks);
        history.failures.extend(part.failures);
    }
    eprintln!(
        "soak: production over after {:?}: {} sent, {} acknowledged, {} failed",
        started.elapsed(),
        history.sends.len(),
        history.acks.len(),
        history.failures.len()
    );
    producing_done.store(true, Ordering::Release);
    let acked: HashSet<WriteId> = history.acks.iter().map(|(id, ..)| *id).collect();
    let groups: Vec<GroupFindings> = groups
        .into_iter()
        .map(|group| group.finish(&acked, DRAIN_TIMEOUT))
        .collect();
    let copy = copy.map(|copy| {
        let sent: HashSet<WriteId> = history.sends.iter().map(|(id, _)| *id).collect();
        copy.finish(&broker.bootstrap(), &sent, &acked, DRAIN_TIMEOUT)
    });
    drop(acked);
    let consumer_drained = consumer
        .join()
        .map_err(|_| "the consumer thread panicked".to_string())?;
    let live = History {
        reads: std::mem::take(&mut *live_reads.lock().unwrap_or_else(PoisonError::into_inner)),
        ..history.clone()
    };
    let live_findings = check(&live);
    drop(live);

    let final_reads = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicBool::new(true));
    consume(
        &broker.bootstrap(),
        &topic,
        options.partitions,
        IsolationLevel::ReadUncommitted,
        &done,
        &final_reads,
    );
    history.reads =
        std::mem::take(&mut *final_reads.lock().unwrap_or_else(PoisonError::into_inner));
    let log_findings = check(&history);
    Ok(SoakOutcome {
        facts: RunFacts {
            minutes: options.minutes,
            seed: options.seed,
            topic,
            partitions: options.partitions,
            producers: options.producers,
            elapsed: set_up.elapsed(),
            consumer_drained,
        },
        log: log_findings,
        live: live_findings,
        faults,
        history,
        groups,
        copy,
    })
}

/// Injects a fault every 10-20 s (the first after 5-10 s) until the run's minutes are over,
/// and with each, kills a member of each consumer group and a copier (if there are any) and
/// starts others in their place.
fn run_schedule(
    options: &SoakOptions,
    broker: &xtask::broker::Broker,
    proxies: &ClusterProxies,
    topic: &str,
    started: Instant,
    groups: &mut [SoakGroup],
    mut copy: Option<&mut SoakCopy>,
) -> Vec<FaultEvent> {
    let target = Target {
        broker,
        proxies,
        topic,
        partitions: options.partitions,
    };
    let mut rng = Rng::new(options.seed);
    let end = started + Duration::from_secs_f64(options.minutes * 60.0);
    let mut next = Instant::now() + Duration::from_millis(rng.between(5_000, 10_000));
    let mut timeline = Vec::new();
    for kind in options.faults.iter().cycle() {
        if next >= end {
            break;
        }
        thread::sleep(next.saturating_duration_since(Instant::now()));
        let event = faults::inject(*kind, &target, &mut rng, started);
        eprintln!(
            "soak: {:>6.1}s {} node {}: {} ({:.1}s)",
            event.at.as_secs_f64(),
            kind.name(),
            event.node,
            event.detail,
            event.lasted.as_secs_f64()
        );
        timeline.push(event);
        for group in groups.iter_mut() {
            eprintln!("soak: {}", group.kill_one(&mut rng));
        }
        if let Some(copy) = copy.as_deref_mut() {
            eprintln!("soak: {}", copy.kill_one(&mut rng));
        }
        next = Instant::now() + Duration::from_millis(rng.between(10_000, 20_000));
    }
    thread::sleep(end.saturating_duration_since(Instant::now()));
    timeline
}

/// One producer's part of the history.
struct ProducerPart {
    sends: Vec<(WriteId, i32)>,
    acks: Vec<(WriteId, i32, i64)>,
    failures: Vec<(WriteId, String)>,
}

/// Sends `p<producer>-<n>` to partition `n % partitions` at `rate` records/s (0: no limit)
/// until `stop`, then flushes and collects every delivery's outcome.
fn produce(
    producer: u32,
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    rate: u64,
    stop: &AtomicBool,
) -> Result<ProducerPart, String> {
    let config = ProducerConfig::builder()
        .client(|_| {
            crate::client::builder(bootstrap).client_id(format!("soak-producer-{producer}"))
        })
        .linger(Duration::from_millis(5))
        .build()
        .map_err(|e| format!("producer config: {e}"))?;
    assert!(
        config.enable_idempotence,
        "the soak's producers are idempotent"
    );
    smol::block_on(async {
        let producer_handle = Producer::connect(config)
            .await
            .map_err(|e| format!("producer {producer}: {e}"))?;
        let (tx, rx) = smol::channel::unbounded();
        let mut sends = Vec::new();
        let sending = async {
            let start = Instant::now();
            let mut sequence = 0u64;
            while !stop.load(Ordering::Acquire) {
                let id = WriteId { producer, sequence };
                let partition = i32::try_from(sequence % partitions as u64).unwrap_or(0);
                let value = id.value();
                sends.push((id, partition));
                let record = ProducerRecord::new(topic, value.as_bytes()).partition(partition);
                let outcome = producer_handle.send(record).await;
                let _ = tx.send((id, partition, outcome)).await;
                sequence += 1;
                if rate > 0 {
                    let due = Duration::from_secs_f64(sequence as f64 / rate as f64);
                    if let Some(early) = due.checked_sub(start.elapsed())
                        && early > Duration::from_millis(2)
                    {
                        smol::Timer::after(early).await;
                    }
                }
            }
            drop(tx);
            producer_handle.flush().await;
        };
        let collecting = async {
            let mut acks = Vec::new();
            let mut failures = Vec::new();
            while let Ok((id, partition, outcome)) = rx.recv().await {
                let result = match outcome {
                    Ok(delivery) => delivery.await,
                    Err(error) => Err(error),
                };
                match result {
                    Ok(metadata) => acks.push((id, metadata.partition, metadata.offset)),
                    Err(error) => failures.push((id, format!("{partition}: {error}"))),
                }
            }
            (acks, failures)
        };
        let ((), (acks, failures)) = futures_lite::future::zip(sending, collecting).await;
        producer_handle.close().await;
        Ok(ProducerPart {
            sends,
            acks,
            failures,
        })
    })
}

/// Reads every partition of `topic` from the start up to the end offsets it finds, with a
/// fresh franzl consumer; returns the reads and whether it reached the end offsets within
/// three minutes.
pub fn read_all(bootstrap: &str, topic: &str, partitions: i32) -> (Vec<Read>, bool) {
    let reads = Mutex::new(Vec::new());
    let reached = consume(
        bootstrap,
        topic,
        partitions,
        IsolationLevel::ReadUncommitted,
        &AtomicBool::new(true),
        &reads,
    );
    (
        reads.into_inner().unwrap_or_else(PoisonError::into_inner),
        reached,
    )
}

/// Reads every partition of `topic` from the start at `isolation` into `reads` until `done` is
/// set and every partition's position has reached its end offset (or [`DRAIN_TIMEOUT`] after
/// `done`); returns whether it reached the end.
pub(crate) fn consume(
    bootstrap: &str,
    topic: &str,
    partitions: i32,
    isolation: IsolationLevel,
    done: &AtomicBool,
    reads: &Mutex<Vec<Read>>,
) -> bool {
    smol::block_on(async {
        let config = crate::consumer::config(bootstrap)
            .isolation_level(isolation)
            .build()
            .expect("consumer config");
        let mut consumer = match Consumer::connect(config).await {
            Ok(consumer) => consumer,
            Err(error) => {
                eprintln!("soak: consumer on {bootstrap}: {error}");
                return false;
            }
        };
        let assigned: Vec<TopicPartition> = (0..partitions)
            .map(|p| TopicPartition::new(topic, p))
            .collect();
        consumer.assign(assigned.clone());
        let mut ends: Option<(Vec<i64>, Instant)> = None;
        loop {
            match consumer.poll(Duration::from_millis(500)).await {
                Ok(records) => {
                    let mut reads = reads.lock().unwrap_or_else(PoisonError::into_inner);
                    reads.extend(records.iter().map(|record| Read {
                        partition: record.partition(),
                        offset: record.offset(),
                        value: WriteId::parse(record.value().unwrap_or_default()).ok_or_else(
                            || String::from_utf8_lossy(record.value().unwrap_or_default()).into(),
                        ),
                    }));
                }
                Err(error) => {
                    eprintln!("soak: consumer poll: {error}");
                    smol::Timer::after(Duration::from_millis(200)).await;
                }
            }
            if !done.load(Ordering::Acquire) {
                continue;
            }
            if ends.is_none() {
                match consumer.end_offsets(&assigned).await {
                    Ok(offsets) => ends = Some((offsets, Instant::now() + DRAIN_TIMEOUT)),
                    Err(error) => eprintln!("soak: end offsets: {error}"),
                }
            }
            if let Some((offsets, deadline)) = &ends {
                let reached = assigned
                    .iter()
                    .zip(offsets)
                    .all(|(tp, end)| consumer.position(tp).is_some_and(|at| at >= *end));
                if reached {
                    consumer.close().await;
                    return true;
                }
                if Instant::now() > *deadline {
                    eprintln!(
                        "soak: consumer on {bootstrap} did not reach the end offsets {offsets:?} \
                         within {DRAIN_TIMEOUT:?}; positions {:?}",
                        assigned
                            .iter()
                            .map(|tp| consumer.position(tp))
                            .collect::<Vec<_>>()
                    );
                    consumer.close().await;
                    return false;
                }
            }
        }
    })
}
