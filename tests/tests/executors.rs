//! franzl under any executor (DESIGN.md, "Contracts of franzl", 1): the same produce and consume
//! round trip against the `plain` broker, driven by smol, by a tokio runtime (multi-thread and
//! current-thread) and by `futures::executor`, each with franzl's tasks on its shared executor
//! thread, and, where the executor can take them, with the tasks handed to that executor
//! through a [`Spawner`].

use std::time::Duration;

use franzl::config::{AutoOffsetReset, ClientConfigBuilder, ConsumerConfig, ProducerConfig};
use franzl::consumer::{Consumer, TopicPartition};
use franzl::producer::{Producer, ProducerRecord};
use franzl::runtime::Spawner;
use franzl_tests::consumer::collect;
use franzl_tests::producer::create_topic;
use franzl_tests::{Profile, broker, unique_topic};

const RECORDS: usize = 200;

/// Produces [`RECORDS`] values to a new topic and reads them back in order, with clients whose
/// settings `edit` changes (a spawner, or nothing).
async fn round_trip(
    bootstrap: String,
    topic: String,
    edit: impl Fn(ClientConfigBuilder) -> ClientConfigBuilder + Clone,
) {
    let client = {
        let edit = edit.clone();
        move |b: ClientConfigBuilder| edit(b.bootstrap_servers(bootstrap.split(',')))
    };
    let producer = Producer::connect(
        ProducerConfig::builder()
            .client(client.clone())
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let mut deliveries = Vec::new();
    for i in 0..RECORDS {
        let value = format!("value-{i}");
        deliveries.push(
            producer
                .send(ProducerRecord::new(&topic, value.as_bytes()))
                .await
                .unwrap(),
        );
    }
    for delivery in deliveries {
        delivery.await.unwrap();
    }
    producer.close().await;

    let config = ConsumerConfig::builder()
        .client(client)
        .auto_offset_reset(AutoOffsetReset::Earliest)
        .build()
        .unwrap();
    let mut consumer = Consumer::connect(config).await.unwrap();
    consumer.assign([TopicPartition::new(&topic, 0)]);
    let read = collect(&mut consumer, RECORDS, Duration::from_secs(60)).await;
    consumer.close().await;
    let values: Vec<String> = read
        .iter()
        .map(|record| String::from_utf8_lossy(record.value().unwrap_or_default()).into_owned())
        .collect();
    let expected: Vec<String> = (0..RECORDS).map(|i| format!("value-{i}")).collect();
    assert_eq!(values, expected);
}

/// A topic of one partition on the plain broker, and its bootstrap address.
fn new_topic(name: &str) -> (String, String) {
    let broker = broker(Profile::Plain);
    let topic = unique_topic(name);
    create_topic(broker, &topic, 1, 1);
    (broker.bootstrap(), topic)
}

#[test]
fn under_smol() {
    let (bootstrap, topic) = new_topic("executor-smol");
    smol::block_on(round_trip(bootstrap, topic, |b| b));
}

#[test]
fn under_smol_with_its_executor_running_the_tasks() {
    let (bootstrap, topic) = new_topic("executor-smol-spawner");
    let executor = std::sync::Arc::new(smol::Executor::new());
    let spawner = Spawner::new({
        let executor = std::sync::Arc::clone(&executor);
        move |task| executor.spawn(task).detach()
    });
    smol::block_on(executor.run(round_trip(bootstrap, topic, move |b| {
        b.spawner(spawner.clone())
    })));
}

fn tokio_spawner(runtime: &tokio::runtime::Runtime) -> Spawner {
    let handle = runtime.handle().clone();
    Spawner::new(move |task| {
        handle.spawn(task);
    })
}

#[test]
fn under_tokio_multi_thread() {
    let (bootstrap, topic) = new_topic("executor-tokio-mt");
    let (_, second) = new_topic("executor-tokio-mt-spawner");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    runtime.block_on(round_trip(bootstrap.clone(), topic, |b| b));
    let spawner = tokio_spawner(&runtime);
    runtime.block_on(round_trip(bootstrap, second, move |b| {
        b.spawner(spawner.clone())
    }));
}

#[test]
fn under_tokio_current_thread() {
    let (bootstrap, topic) = new_topic("executor-tokio-ct");
    let (_, second) = new_topic("executor-tokio-ct-spawner");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(round_trip(bootstrap.clone(), topic, |b| b));
    // The runtime's one thread runs franzl's tasks while it drives the round trip.
    let spawner = tokio_spawner(&runtime);
    runtime.block_on(round_trip(bootstrap, second, move |b| {
        b.spawner(spawner.clone())
    }));
}

#[test]
fn under_futures_executor() {
    let (bootstrap, topic) = new_topic("executor-futures");
    futures::executor::block_on(round_trip(bootstrap, topic, |b| b));
}
