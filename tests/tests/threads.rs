//! franzl runs as tasks, not threads (DESIGN.md, "Contracts of franzl", 1): with a producer, a
//! consumer and an admin client connected to all three brokers of `cluster3` while records flow,
//! the process has at most two threads more than before they started, franzl's executor thread
//! (`franzl`) and async-io's reactor (`async-io`); and when the clients are given a spawner on
//! the test's own executor, no thread of franzl's own at all.
//!
//! One test function in its own binary: franzl's shared executor thread, once started, lives as
//! long as the process, so the spawner case runs first, and no other test adds threads meanwhile.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use franzl::config::{ClientConfigBuilder, ConsumerConfig, ProducerConfig};
use franzl::consumer::{Consumer, TopicPartition};
use franzl::producer::{Producer, ProducerRecord};
use franzl::runtime::Spawner;
use franzl::{Admin, AdminConfig, Client};
use franzl_tests::consumer::collect;
use franzl_tests::java_tools::create_topic;
use franzl_tests::{Profile, broker, unique_topic};

/// The names of the process's threads, with how many threads bear each.
fn threads() -> BTreeMap<String, usize> {
    let mut names = BTreeMap::new();
    for entry in std::fs::read_dir("/proc/self/task").expect("/proc/self/task") {
        let comm = entry.expect("a task").path().join("comm");
        let name = std::fs::read_to_string(comm).unwrap_or_default();
        *names.entry(name.trim().to_owned()).or_default() += 1;
    }
    names
}

/// Threads in `now` beyond those in `before`, by name.
fn added(before: &BTreeMap<String, usize>, now: &BTreeMap<String, usize>) -> Vec<String> {
    let mut extra = Vec::new();
    for (name, &count) in now {
        let had = before.get(name).copied().unwrap_or(0);
        extra.extend(std::iter::repeat_n(name.clone(), count.saturating_sub(had)));
    }
    extra
}

/// Produces, consumes and administers on `bootstrap` with clients whose settings `client`
/// edits, and returns the threads counted while all three are connected and records flow.
async fn run_clients(
    bootstrap: &str,
    topic: &str,
    client: impl Fn(ClientConfigBuilder) -> ClientConfigBuilder + Clone,
) -> BTreeMap<String, usize> {
    let base = {
        let client = client.clone();
        move |b: ClientConfigBuilder| client(b.bootstrap_servers(bootstrap.split(',')))
    };
    let producer_config = ProducerConfig::builder()
        .client(base.clone())
        .build()
        .unwrap();
    // One client, and the three handles made from it, sharing its metadata and connections.
    let client = Client::connect(
        base(franzl::config::ClientConfig::builder())
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let producer = Producer::new(&client, producer_config).unwrap();
    let admin = Admin::new(&client, AdminConfig::from_client(client.config().clone())).unwrap();
    let consumer_config = ConsumerConfig::builder()
        .client(base.clone())
        .auto_offset_reset(franzl::config::AutoOffsetReset::Earliest)
        .build()
        .unwrap();
    let mut consumer = Consumer::new(&client, consumer_config).unwrap();
    consumer.assign((0..3).map(|p| TopicPartition::new(topic, p)));

    let mut deliveries = Vec::new();
    for i in 0..3_000u32 {
        let value = i.to_be_bytes();
        let mut record = ProducerRecord::new(topic, &value);
        record.partition = Some(i32::try_from(i % 3).unwrap());
        deliveries.push(producer.send(record).await.unwrap());
    }
    let described = admin.describe_cluster().await.unwrap();
    assert_eq!(described.brokers.len(), 3, "{described:?}");
    let read = collect(&mut consumer, 1_000, Duration::from_secs(60)).await;
    assert!(!read.is_empty());
    // Every client is connected and working now.
    let during = threads();
    for delivery in deliveries {
        delivery.await.unwrap();
    }
    let nodes: std::collections::BTreeSet<i32> = producer
        .client()
        .metadata()
        .topic(topic)
        .expect("topic metadata")
        .partitions
        .iter()
        .map(|p| p.leader)
        .collect();
    assert_eq!(nodes.len(), 3, "one leader per broker: {nodes:?}");
    consumer.close().await;
    producer.close().await;
    admin.close().await;
    client.close().await;
    during
}

#[test]
fn clients_run_as_tasks_not_threads() {
    let broker = broker(Profile::Cluster3);
    let bootstrap = broker.bootstrap();
    let topic = unique_topic("threads");
    create_topic(&bootstrap, None, &topic, 3);

    // On the test's own executor, run by this thread: no thread of franzl's.
    let before = threads();
    let executor = Arc::new(smol::Executor::new());
    let spawner = Spawner::new({
        let executor = Arc::clone(&executor);
        move |task| executor.spawn(task).detach()
    });
    let during = smol::block_on(executor.run(run_clients(&bootstrap, &topic, {
        let spawner = spawner.clone();
        move |b| b.spawner(spawner.clone())
    })));
    let extra = added(&before, &during);
    println!(
        "with a spawner: {} threads before, {extra:?} added",
        before.values().sum::<usize>()
    );
    assert!(
        extra.iter().all(|name| name == "async-io"),
        "only async-io's reactor may be added: {extra:?}"
    );

    // On franzl's shared executor: its thread, and async-io's reactor if not running yet.
    let before = threads();
    let during = smol::block_on(run_clients(&bootstrap, &topic, |b| b));
    let extra = added(&before, &during);
    println!(
        "default: {} threads before, {extra:?} added",
        before.values().sum::<usize>()
    );
    assert!(extra.len() <= 2, "at most two threads added: {extra:?}");
    assert!(
        extra
            .iter()
            .all(|name| name == "franzl" || name == "async-io"),
        "only franzl's executor and async-io's reactor: {extra:?}"
    );
}
