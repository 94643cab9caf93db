//! The client behind the fault proxies of `cluster3` (all its traffic passes them, as the
//! brokers advertise the proxies): an idempotent producer whose connections are cut and whose
//! responses are cut short mid-flight still writes every acknowledged record exactly once and in
//! order, and a consumer behind stalled proxies resumes once the stall ends, missing and
//! repeating nothing; batches in doubt are written once across epoch bumps; a black-holed
//! broker holds up only the partitions it leads. The tests take the proxies in turn.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use franzl::admin::NewTopic;
use franzl::config::ProducerConfig;
use franzl::consumer::{Consumer, TopicPartition};
use franzl::core::ErrorCode;
use franzl::producer::{Producer, ProducerRecord};
use franzl_tests::consumer::{cluster, collect, config, kcat_produce};
use franzl_tests::fault_proxy::Direction;
use franzl_tests::fault_proxy::cluster::cluster3_proxies;
use franzl_tests::producer::{create_topic, create_topic_with};
use franzl_tests::soak::history::{History, WriteId, check};
use franzl_tests::soak::run::read_all;
use franzl_tests::{Profile, broker, unique_topic};

const PARTITIONS: i32 = 3;

#[test]
fn idempotent_producer_writes_each_acknowledged_record_once_across_cuts() {
    let proxies = cluster3_proxies();
    let broker = broker(Profile::Cluster3);
    let topic = unique_topic("proxy-cut-producer");
    create_topic(broker, &topic, PARTITIONS, 3);
    let config = ProducerConfig::builder()
        .client(|_| franzl_tests::client::builder(&proxies.bootstrap()))
        .linger(Duration::from_millis(2))
        .build()
        .unwrap();
    assert!(config.enable_idempotence);
    let stop = Arc::new(AtomicBool::new(false));
    let sending = send_until_stopped(config, &topic, None, &stop);
    // Cut every connection, then cut a response short (appended, answer lost), in turns.
    thread::sleep(Duration::from_secs(1));
    for round in 0..12 {
        for (_, proxy) in proxies.all() {
            if round % 2 == 0 {
                proxy.cut();
            } else {
                proxy.truncate_next_frame(Direction::ToClient);
            }
        }
        thread::sleep(Duration::from_millis(400));
    }
    proxies.heal_all();
    thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::Release);
    let (history, _) = sending.join().unwrap();
    let cut: u64 = proxies.all().map(|(_, p)| p.stats().cut).sum();
    let truncated: u64 = proxies.all().map(|(_, p)| p.stats().truncated[1]).sum();
    assert!(
        cut >= 6 && truncated >= 3,
        "the faults happened: {cut} cut, {truncated} truncated"
    );
    drop(proxies);

    let sent = read_back_exactly_once(broker, &topic, history);
    assert!(sent > 1_000, "{sent} records sent");
}

/// Reads `topic` back and checks `history` against it: every record sent was acknowledged and
/// is read once, in order. Returns how many were sent.
fn read_back_exactly_once(broker: &franzl_tests::Broker, topic: &str, mut history: History) -> u64 {
    let (reads, reached) = read_all(&broker.bootstrap(), topic, PARTITIONS);
    assert!(reached, "the reader reached the end offsets");
    history.reads = reads;
    let findings = check(&history);
    assert!(findings.is_clean(), "{findings:#?}");
    assert_eq!(
        findings.failed, 0,
        "every delivery succeeded: {findings:#?}"
    );
    assert_eq!(findings.read, findings.sent);
    findings.sent
}

/// Sends numbered records ([`WriteId`]s of producer 0) round the [`PARTITIONS`] partitions of
/// `topic` on its own thread until `stop`, then waits for every delivery; with `keyless`, also
/// a record without a key to that (compacted) topic every 50 records, which the broker refuses
/// `INVALID_RECORD`. Returns the history and how many keyless records were refused so.
fn send_until_stopped(
    config: ProducerConfig,
    topic: &str,
    keyless: Option<String>,
    stop: &Arc<AtomicBool>,
) -> thread::JoinHandle<(History, usize)> {
    let (stop, topic) = (Arc::clone(stop), topic.to_owned());
    thread::spawn(move || {
        smol::block_on(async {
            let producer = Producer::connect(config).await.unwrap();
            let mut history = History::default();
            let (mut deliveries, mut refusals) = (Vec::new(), Vec::new());
            let mut sequence = 0u64;
            while !stop.load(Ordering::Acquire) {
                let id = WriteId {
                    producer: 0,
                    sequence,
                };
                let partition = (sequence % PARTITIONS as u64) as i32;
                let value = id.value();
                let record = ProducerRecord::new(&topic, value.as_bytes()).partition(partition);
                history.sends.push((id, partition));
                deliveries.push((id, producer.send(record).await.unwrap()));
                if let Some(compacted) = keyless.as_deref().filter(|_| sequence % 50 == 25) {
                    let record = ProducerRecord::new(compacted, b"no key".as_slice());
                    refusals.push(producer.send(record).await.unwrap());
                }
                sequence += 1;
                if sequence.is_multiple_of(100) {
                    smol::Timer::after(Duration::from_millis(5)).await;
                }
            }
            producer.flush().await;
            for (id, delivery) in deliveries {
                match delivery.await {
                    Ok(metadata) => {
                        history.acks.push((id, metadata.partition, metadata.offset));
                    }
                    Err(error) => history.failures.push((id, error.to_string())),
                }
            }
            let mut refused = 0;
            for refusal in refusals {
                let error = refusal
                    .await
                    .expect_err("a keyless record on a compacted topic");
                assert_eq!(
                    error.kafka_code(),
                    Some(ErrorCode::INVALID_RECORD),
                    "{error}"
                );
                refused += 1;
            }
            producer.close().await;
            (history, refused)
        })
    })
}

/// The epoch-bump duplicate of issue 15 on the real cluster: batches whose answers the proxies
/// cut short are in doubt (the broker may have written them) while keyless records to a
/// compacted topic are refused `INVALID_RECORD`, each refusal bumping the producer's epoch.
/// A batch in doubt must be sent again under its own epoch and sequence, never as new data
/// under the new epoch: every acknowledged record is written once and in order.
#[test]
fn batches_in_doubt_are_written_once_across_epoch_bumps() {
    let proxies = cluster3_proxies();
    let broker = broker(Profile::Cluster3);
    let topic = unique_topic("proxy-bump");
    create_topic(broker, &topic, PARTITIONS, 3);
    let compacted = unique_topic("proxy-bump-compacted");
    create_topic_with(
        broker,
        NewTopic::new(&compacted, 1, 3).config("cleanup.policy", "compact"),
    );
    let config = ProducerConfig::builder()
        .client(|_| franzl_tests::client::builder(&proxies.bootstrap()))
        .linger(Duration::from_millis(2))
        .build()
        .unwrap();
    assert!(config.enable_idempotence);
    let stop = Arc::new(AtomicBool::new(false));
    let sending = send_until_stopped(config, &topic, Some(compacted), &stop);
    thread::sleep(Duration::from_secs(1));
    for _ in 0..10 {
        for (_, proxy) in proxies.all() {
            proxy.truncate_next_frame(Direction::ToClient);
        }
        thread::sleep(Duration::from_millis(400));
    }
    proxies.heal_all();
    thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::Release);
    let (history, refused) = sending.join().unwrap();
    let truncated: u64 = proxies.all().map(|(_, p)| p.stats().truncated[1]).sum();
    assert!(truncated >= 3, "the faults happened: {truncated} truncated");
    assert!(refused >= 10, "{refused} keyless records refused");
    drop(proxies);

    let sent = read_back_exactly_once(broker, &topic, history);
    println!(
        "{sent} records sent across {truncated} answers cut short and {refused} keyless records \
         refused (each asking for a new epoch): each read once, in order"
    );
}

#[test]
fn consumer_resumes_after_its_proxies_stall() {
    let proxies = cluster3_proxies();
    let broker = broker(Profile::Cluster3);
    let direct = broker.bootstrap();
    let topic = unique_topic("proxy-stall-consumer");
    create_topic(broker, &topic, 1, 3);
    let records =
        |from: usize, to: usize| -> String { (from..to).map(|i| format!("k{i}:v{i}\n")).collect() };
    kcat_produce(&direct, &topic, "none", &[], &records(0, 500));
    smol::block_on(async {
        let mut consumer = Consumer::connect(config(&proxies.bootstrap()).build().unwrap())
            .await
            .unwrap();
        let tp = TopicPartition::new(&topic, 0);
        consumer.assign([tp.clone()]);
        let mut consumed = collect(&mut consumer, 500, Duration::from_secs(60)).await;

        for (_, proxy) in proxies.all() {
            proxy.stall(Direction::ToBroker);
            proxy.stall(Direction::ToClient);
        }
        kcat_produce(&direct, &topic, "none", &[], &records(500, 1_000));
        // Longer than the request timeout (10 s): the consumer gives up on the stalled
        // connection and its new ones stall too.
        let stalled_until = Instant::now() + Duration::from_secs(14);
        while Instant::now() < stalled_until {
            let polled = consumer.poll(Duration::from_millis(500)).await;
            let polled = polled.unwrap_or_default();
            assert!(polled.is_empty(), "records came through a stalled proxy");
        }
        proxies.heal_all();
        consumed.extend(collect(&mut consumer, 500, Duration::from_secs(60)).await);
        assert_eq!(consumer.position(&tp), Some(1_000));
        let values: Vec<String> = consumed
            .iter()
            .map(|r| String::from_utf8_lossy(r.value().unwrap_or_default()).into_owned())
            .collect();
        let expected: Vec<String> = (0..1_000).map(|i| format!("v{i}")).collect();
        assert_eq!(values, expected);
        consumer.close().await;
    });
    let accepted: u64 = proxies.all().map(|(_, p)| p.stats().accepted).sum();
    assert!(accepted >= 2, "the consumer connected through the proxies");
}

/// A broker that takes connections and never answers (black-holed behind its proxy, the
/// connections already open going silent too) holds up only the partitions it leads: the
/// producer keeps delivering, and the consumer keeps reading, the partitions the other two
/// lead. Once healed, the held-up records arrive as well, each once.
#[test]
fn a_black_holed_broker_holds_up_only_its_own_partitions() {
    const PER_PARTITION: usize = 100;
    const ALL: i32 = 6;
    let proxies = cluster3_proxies();
    let broker = broker(Profile::Cluster3);
    let topic = unique_topic("proxy-black-hole");
    create_topic(broker, &topic, ALL, 3);
    let leaders: Vec<u32> = smol::block_on(async {
        let cluster = cluster(&broker.bootstrap()).await;
        let metadata = cluster.refresh_metadata(&[&topic]).await.unwrap();
        (0..ALL)
            .map(|p| u32::try_from(metadata.partition(&topic, p).unwrap().leader).unwrap())
            .collect()
    });
    let holed = leaders[0];
    let (held, free): (Vec<i32>, Vec<i32>) = (0..ALL).partition(|p| leaders[*p as usize] == holed);
    assert!(
        !free.is_empty(),
        "one node leads every partition: {leaders:?}"
    );
    // Short timeouts, so a silent connection is given up within the test's waits.
    let timeouts = |b: franzl::config::ClientConfigBuilder| {
        b.timeouts(
            Duration::from_secs(3),
            Duration::from_secs(5),
            Duration::from_secs(5),
        )
    };
    let producer_config = ProducerConfig::builder()
        .client(|_| timeouts(franzl_tests::client::builder(&proxies.bootstrap())))
        .linger(Duration::from_millis(2))
        .build()
        .unwrap();
    let consumer_config = config(&proxies.bootstrap())
        .client(|b| timeouts(b.bootstrap_servers(proxies.bootstrap().split(','))))
        .build()
        .unwrap();
    smol::block_on(async {
        let producer = Producer::connect(producer_config).await.unwrap();
        let mut consumer = Consumer::connect(consumer_config).await.unwrap();
        consumer.assign((0..ALL).map(|p| TopicPartition::new(&topic, p)));
        // One record to each partition, delivered and read: every connection is open.
        for p in 0..ALL {
            let record = ProducerRecord::new(&topic, b"warm-up".as_slice()).partition(p);
            producer.send(record).await.unwrap().await.unwrap();
        }
        collect(&mut consumer, ALL as usize, Duration::from_secs(30)).await;

        proxies.node(holed).black_hole();
        let mut deliveries = Vec::new();
        for p in 0..ALL {
            for i in 0..PER_PARTITION {
                let value = format!("{p}-{i}");
                let record = ProducerRecord::new(&topic, value.as_bytes()).partition(p);
                deliveries.push((p, producer.send(record).await.unwrap()));
            }
        }
        let (mut held_deliveries, mut delivered) = (Vec::new(), 0);
        let within = Instant::now() + Duration::from_secs(20);
        for (p, delivery) in deliveries {
            if held.contains(&p) {
                held_deliveries.push(delivery);
                continue;
            }
            let left = within.saturating_duration_since(Instant::now());
            let metadata = smol::future::or(async { Some(delivery.await) }, async {
                smol::Timer::after(left).await;
                None
            })
            .await
            .unwrap_or_else(|| panic!("partition {p} (not on node {holed}) was held up"));
            metadata.unwrap();
            delivered += 1;
        }
        let read = collect(
            &mut consumer,
            free.len() * PER_PARTITION,
            Duration::from_secs(20),
        )
        .await;
        assert!(
            read.iter().all(|r| free.contains(&r.partition())),
            "records of node {holed}'s partitions came through its black hole"
        );
        let swallowed = proxies.node(holed).stats().dropped;
        assert!(
            swallowed.iter().sum::<u64>() > 0,
            "the black hole swallowed the requests to node {holed}"
        );

        proxies.heal_all();
        for delivery in held_deliveries {
            delivery.await.unwrap();
            delivered += 1;
        }
        let rest = collect(
            &mut consumer,
            held.len() * PER_PARTITION,
            Duration::from_secs(60),
        )
        .await;
        let mut values: Vec<String> = read
            .iter()
            .chain(&rest)
            .map(|r| String::from_utf8_lossy(r.value().unwrap_or_default()).into_owned())
            .collect();
        values.sort();
        values.dedup();
        assert_eq!(
            values.len(),
            ALL as usize * PER_PARTITION,
            "each record once"
        );
        assert_eq!(delivered, ALL as usize * PER_PARTITION);
        for p in 0..ALL {
            let end = consumer.position(&TopicPartition::new(&topic, p));
            assert_eq!(end, Some(1 + PER_PARTITION as i64), "partition {p}");
        }
        consumer.close().await;
        producer.close().await;
    });
}
