//! The idempotent producer on the three-node cluster while the leader of a partition is killed
//! (SIGKILL) and restarted: every record is delivered, once, in order per partition.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use franzl::producer::{Producer, ProducerRecord};
use franzl_tests::producer::{create_topic, kcat_read, producer_config};
use franzl_tests::{Profile, broker, unique_topic};

const PARTITIONS: i32 = 3;

/// Counts the producer's retry and failure log lines, to show the kill was felt.
struct RetryCounter;

static RETRIES: AtomicUsize = AtomicUsize::new(0);
static COUNTER: RetryCounter = RetryCounter;

impl log::Log for RetryCounter {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("franzl::producer")
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) && record.args().to_string().contains("retrying") {
            RETRIES.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn flush(&self) {}
}

#[test]
fn idempotent_producer_keeps_order_without_duplicates_across_a_leader_kill() {
    log::set_logger(&COUNTER).unwrap();
    log::set_max_level(log::LevelFilter::Debug);
    let broker = broker(Profile::Cluster3);
    let topic = unique_topic("idempotent-kill");
    create_topic(broker, &topic, PARTITIONS, 3);
    let config = producer_config(broker, |b| b.linger(Duration::from_millis(2)));
    assert!(config.enable_idempotence);
    let producer = Arc::new(smol::block_on(Producer::connect(config)).unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let sending = {
        let producer = Arc::clone(&producer);
        let stop = Arc::clone(&stop);
        let topic = topic.clone();
        std::thread::spawn(move || {
            smol::block_on(async {
                let mut deliveries = Vec::new();
                let mut i: u64 = 0;
                while !stop.load(Ordering::Relaxed) {
                    let partition = (i % PARTITIONS as u64) as i32;
                    let value = format!("{i}");
                    let record = ProducerRecord::new(&topic, value.as_bytes()).partition(partition);
                    deliveries.push(producer.send(record).await.unwrap());
                    i += 1;
                    if i.is_multiple_of(200) {
                        smol::Timer::after(Duration::from_millis(2)).await;
                    }
                }
                producer.flush().await;
                let mut failed = Vec::new();
                for delivery in deliveries {
                    if let Err(error) = delivery.await {
                        failed.push(error.to_string());
                    }
                }
                (i, failed)
            })
        })
    };
    std::thread::sleep(Duration::from_secs(3));
    let leader = producer
        .client()
        .cached_leader(&topic, 0)
        .expect("partition 0 has a leader");
    let leader = u32::try_from(leader).unwrap();
    xtask::broker::kill_node(Profile::Cluster3, leader)
        .unwrap_or_else(|error| panic!("cannot kill node {leader}: {error}"));
    std::thread::sleep(Duration::from_secs(8));
    let restarted = xtask::broker::restart_node(Profile::Cluster3, leader)
        .unwrap_or_else(|error| panic!("cannot restart node {leader}: {error}"));
    assert_eq!(restarted.nodes.len(), 3);
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    let (sent, failed) = sending.join().unwrap();
    assert!(
        failed.is_empty(),
        "{} deliveries failed: {:?}",
        failed.len(),
        &failed[..failed.len().min(5)]
    );
    drop(producer);

    let read = kcat_read(&restarted.bootstrap(), &topic);
    let mut per_partition: HashMap<i32, Vec<u64>> = HashMap::new();
    for record in &read {
        per_partition
            .entry(record.partition)
            .or_default()
            .push(record.value.parse().unwrap());
    }
    for (partition, values) in &per_partition {
        let expected: Vec<u64> = (0..sent)
            .filter(|i| (i % PARTITIONS as u64) as i32 == *partition)
            .collect();
        let duplicates = values.len().saturating_sub(expected.len());
        assert!(
            values == &expected,
            "partition {partition}: {} read, {} sent, {duplicates} extra; first difference at {:?}",
            values.len(),
            expected.len(),
            values.iter().zip(&expected).position(|(a, b)| a != b)
        );
    }
    assert_eq!(read.len() as u64, sent);
    let retries = RETRIES.load(Ordering::Relaxed);
    assert!(retries > 0, "the kill caused no retry");
    eprintln!(
        "{sent} records, every one once and in order, node {leader} killed and restarted, \
         {retries} batch retries"
    );
}
