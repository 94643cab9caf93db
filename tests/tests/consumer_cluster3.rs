//! The consumer follows a leader change: on the three-node cluster it reads, the partition's
//! leader is killed, records keep coming through the new leader, and none is lost or repeated.
//! Its own binary because it kills a node; the node is restarted before the test returns.

use std::time::Duration;

use franzl::consumer::{Consumer, TopicPartition};
use franzl_tests::consumer::{cluster, collect, config, kcat_produce};
use franzl_tests::java_tools::create_topic;
use franzl_tests::{Profile, broker, unique_topic};

fn records(from: usize, to: usize) -> String {
    (from..to).map(|i| format!("k{i}:v{i}\n")).collect()
}

#[test]
fn consumer_follows_a_leader_change() {
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
        let mut consumer = Consumer::new(config(&bootstrap).build().unwrap())
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
        consumer.close();
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
