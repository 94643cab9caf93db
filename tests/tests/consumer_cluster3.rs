//! The consumer on the three-node cluster: partitions of two topics led by different brokers
//! (one fetcher each), and a leader change: the partition's leader is killed, records keep
//! coming through the new leader, and none is lost or repeated. Its own binary because it kills
//! a node; the node is restarted before the test returns, and the tests take turns.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use franzl::consumer::{Consumer, TopicPartition};
use franzl_tests::consumer::{cluster, collect, config, kcat_produce};
use franzl_tests::java_tools::create_topic;
use franzl_tests::{Profile, broker, unique_topic};

/// Held by each test, so the node-loss test never runs beside another test of this binary.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn records(from: usize, to: usize) -> String {
    (from..to).map(|i| format!("k{i}:v{i}\n")).collect()
}

#[test]
fn consumer_follows_a_leader_change() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let broker = broker(Profile::Cluster3);
    let bootstrap = broker.bootstrap();
    let topic = unique_topic("consumer-leader-change");
    create_topic(&bootstrap, None, &topic, 1);
    kcat_produce(&bootstrap, &topic, "lz4", &[], &records(0, 1_000));
    let leader = smol::block_on(async {
        let cluster = cluster(&bootstrap).await;
        let metadata = cluster.refresh_metadata(&[&topic]).await.unwrap();
        let partition = metadata.partition(&topic, 0).expect("partition 0");
        assert_eq!(partition.replicas.len(), 3);
        u32::try_from(partition.leader).unwrap()
    });

    let consumed = smol::block_on(async {
        let mut consumer = Consumer::connect(config(&bootstrap).build().unwrap())
            .await
            .unwrap();
        let tp = TopicPartition::new(&topic, 0);
        consumer.assign([tp.clone()]);
        let mut consumed = collect(&mut consumer, 1_000, Duration::from_secs(60)).await;

        xtask::broker::kill_node(Profile::Cluster3, leader)
            .unwrap_or_else(|error| panic!("cannot kill node {leader}: {error}"));
        let survivors = broker.bootstrap_without(leader);
        kcat_produce(&survivors, &topic, "lz4", &[], &records(1_000, 2_000));
        let rest = 2_000 - consumed.len();
        consumed.extend(collect(&mut consumer, rest, Duration::from_secs(120)).await);
        assert_eq!(consumer.position(&tp), Some(2_000));
        consumer.close().await;
        consumed
    });
    let restarted = xtask::broker::restart_node(Profile::Cluster3, leader);
    restarted.unwrap_or_else(|error| panic!("cannot restart node {leader}: {error}"));

    assert_eq!(consumed.len(), 2_000);
    for (i, record) in consumed.iter().enumerate() {
        assert_eq!(record.offset(), i64::try_from(i).unwrap());
        assert_eq!(record.value(), Some(format!("v{i}").as_bytes()));
    }
}

#[test]
fn partitions_of_two_topics_on_three_brokers() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let bootstrap = broker(Profile::Cluster3).bootstrap();
    let topics = [
        unique_topic("consumer-spread-a"),
        unique_topic("consumer-spread-b"),
    ];
    let mut assigned = Vec::new();
    for topic in &topics {
        create_topic(&bootstrap, None, topic, 3);
        for partition in 0..3 {
            let input: String = (0..300)
                .map(|i| format!("k{i}:{topic}/{partition}/{i}\n"))
                .collect();
            let partition_arg = partition.to_string();
            kcat_produce(&bootstrap, topic, "zstd", &["-p", &partition_arg], &input);
            assigned.push(TopicPartition::new(topic, partition));
        }
    }
    smol::block_on(async {
        let cluster = cluster(&bootstrap).await;
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        let metadata = cluster.refresh_metadata(&names).await.unwrap();
        let mut leaders: Vec<i32> = assigned
            .iter()
            .map(|tp| metadata.partition(&tp.topic, tp.partition).unwrap().leader)
            .collect();
        leaders.sort_unstable();
        leaders.dedup();
        assert!(
            leaders.len() > 1,
            "all partitions on one broker: {leaders:?}"
        );

        let mut consumer = Consumer::connect(config(&bootstrap).build().unwrap())
            .await
            .unwrap();
        consumer.assign(assigned.iter().cloned());
        let records = collect(&mut consumer, 6 * 300, Duration::from_secs(60)).await;
        for tp in &assigned {
            let values: Vec<String> = records
                .iter()
                .filter(|r| r.topic() == tp.topic && r.partition() == tp.partition)
                .map(|r| String::from_utf8_lossy(r.value().unwrap()).into_owned())
                .collect();
            let expected: Vec<String> = (0..300)
                .map(|i| format!("{}/{}/{i}", tp.topic, tp.partition))
                .collect();
            assert_eq!(values, expected, "{tp}");
            assert_eq!(consumer.lag(tp), Some(0), "{tp}");
        }
        consumer.close().await;
    });
}
