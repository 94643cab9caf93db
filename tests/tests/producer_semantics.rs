//! The producer against the plain broker: acks 0, 1 and all; keyed records on the partition
//! the Java client picks; sticky spreading of keyless records; a caller's own partitioner;
//! headers and timestamps; records over the limits; batches over the topic's limit split and
//! sent again; a topic that does not exist.

use std::collections::HashMap;

use franzl::admin::NewTopic;
use franzl::config::{Acks, Compression};
use franzl::core::ErrorCode;
use franzl::producer::{Header, Partitioner, Producer, ProducerRecord, RecordMetadata};
use franzl::{Client, Error};
use franzl_tests::java_tools;
use franzl_tests::producer::{create_topic, create_topic_with, kcat_read, producer_config};
use franzl_tests::{Broker, Profile, broker, unique_topic};

fn produce_values(producer: &Producer, topic: &str, count: usize) -> Vec<RecordMetadata> {
    smol::block_on(async {
        let mut deliveries = Vec::new();
        for i in 0..count {
            let value = format!("value-{i}");
            let record = ProducerRecord::new(topic, value.as_bytes()).partition(0);
            deliveries.push(producer.send(record).await.unwrap());
        }
        producer.flush().await;
        let mut delivered = Vec::new();
        for delivery in deliveries {
            delivered.push(delivery.await.unwrap());
        }
        delivered
    })
}

#[test]
fn acks_none_leader_and_all() {
    let broker = broker(Profile::Plain);
    for acks in [Acks::None, Acks::Leader, Acks::All] {
        let topic = unique_topic(&format!("acks-{acks:?}"));
        create_topic(broker, &topic, 1, 1);
        let config = producer_config(broker, |b| b.acks(acks));
        assert_eq!(config.enable_idempotence, acks == Acks::All);
        let producer = smol::block_on(Producer::connect(config)).unwrap();
        let delivered = produce_values(&producer, &topic, 1000);
        let offsets: Vec<i64> = delivered.iter().map(|m| m.offset).collect();
        if acks == Acks::None {
            assert!(offsets.iter().all(|&o| o == -1), "acks=0 learns no offsets");
        } else {
            assert_eq!(offsets, (0..1000).collect::<Vec<i64>>(), "{acks:?}");
        }
        drop(producer);
        let read = kcat_read(&broker.bootstrap(), &topic);
        let values: Vec<&str> = read.iter().map(|r| r.value.as_str()).collect();
        let expected: Vec<String> = (0..1000).map(|i| format!("value-{i}")).collect();
        assert_eq!(values, expected, "{acks:?}");
    }
}

#[test]
fn keyed_records_land_where_the_java_client_puts_them() {
    let broker = broker(Profile::Plain);
    let java_topic = unique_topic("keys-java");
    let franzl_topic = unique_topic("keys-franzl");
    create_topic(broker, &java_topic, 6, 1);
    create_topic(broker, &franzl_topic, 6, 1);
    let keys: Vec<String> = (0..300)
        .map(|i| format!("key-{i}-{}", "k".repeat(i % 17)))
        .collect();
    let input: String = keys.iter().map(|k| format!("{k}\tv\n")).collect();
    let bootstrap = broker.bootstrap();
    let args = [
        "--bootstrap-server",
        &bootstrap,
        "--topic",
        &java_topic,
        "--property",
        "parse.key=true",
    ];
    let run = java_tools::run("console-producer", &args, None, &input);
    assert!(run.success, "{run:?}");
    let java: HashMap<String, i32> = kcat_read(&bootstrap, &java_topic)
        .into_iter()
        .map(|r| (r.key, r.partition))
        .collect();
    assert_eq!(java.len(), keys.len());
    let config = producer_config(broker, |b| b);
    let franzl: Vec<i32> = smol::block_on(async {
        let producer = Producer::connect(config).await.unwrap();
        let mut partitions = Vec::new();
        for key in &keys {
            let record = ProducerRecord::new(&franzl_topic, b"v").key(key.as_bytes());
            let delivery = producer.send(record).await.unwrap();
            partitions.push(delivery.await.unwrap().partition);
        }
        partitions
    });
    for (key, partition) in keys.iter().zip(franzl) {
        assert_eq!(java[key], partition, "key {key}");
    }
    let used: std::collections::HashSet<i32> = java.values().copied().collect();
    assert_eq!(used.len(), 6, "the keys cover every partition");
}

#[test]
fn keyless_records_stick_to_a_partition_per_batch() {
    let broker = broker(Profile::Plain);
    let topic = unique_topic("sticky");
    create_topic(broker, &topic, 6, 1);
    // 100-byte values, 2 KiB batches: about 16 records per batch.
    let config = producer_config(broker, |b| {
        b.batch_size(2048)
            .linger(std::time::Duration::from_millis(50))
    });
    let partitions: Vec<i32> = smol::block_on(async {
        let producer = Producer::connect(config).await.unwrap();
        let value = [b'v'; 100];
        let mut deliveries = Vec::new();
        for _ in 0..600 {
            deliveries.push(
                producer
                    .send(ProducerRecord::new(&topic, &value))
                    .await
                    .unwrap(),
            );
        }
        let mut partitions = Vec::new();
        for delivery in deliveries {
            partitions.push(delivery.await.unwrap().partition);
        }
        partitions
    });
    let switches = partitions.windows(2).filter(|w| w[0] != w[1]).count();
    let used: std::collections::HashSet<i32> = partitions.iter().copied().collect();
    assert!(used.len() >= 3, "spread over partitions: {used:?}");
    assert!(
        (20..=60).contains(&switches),
        "one switch per full batch (~37), not per record: {switches}"
    );
}

#[derive(Debug)]
struct LastPartition;

impl Partitioner for LastPartition {
    fn partition(&self, _: &str, _: Option<&[u8]>, _: Option<&[u8]>, count: i32) -> Option<i32> {
        Some(count - 1)
    }
}

#[test]
fn own_partitioner_headers_and_timestamps() {
    let broker = broker(Profile::Plain);
    let topic = unique_topic("own-partitioner");
    create_topic(broker, &topic, 4, 1);
    let config = producer_config(broker, |b| b);
    let headers = [
        Header {
            key: "trace",
            value: Some(b"abc"),
        },
        Header {
            key: "empty",
            value: Some(b""),
        },
    ];
    let metadata = smol::block_on(async {
        let client = Client::connect(config.client.clone()).await.unwrap();
        let producer = Producer::with_partitioner(&client, config, LastPartition).unwrap();
        let record = ProducerRecord::new(&topic, b"with headers")
            .key(b"k")
            .headers(&headers)
            .timestamp(1_600_000_000_123);
        producer.send(record).await.unwrap().await.unwrap()
    });
    assert_eq!(metadata.partition, 3);
    assert_eq!(metadata.timestamp, 1_600_000_000_123);
    let read = kcat_read(&broker.bootstrap(), &topic);
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].partition, 3);
    assert_eq!(read[0].timestamp, 1_600_000_000_123);
    assert_eq!(read[0].value, "with headers");
    assert_eq!(read[0].headers, "trace=abc,empty=");
}

#[test]
fn records_over_the_limits_are_clear_errors() {
    let broker = broker(Profile::Plain);
    let topic = unique_topic("too-large");
    create_topic_with(
        broker,
        NewTopic::new(&topic, 1, 1).config("max.message.bytes", "2000"),
    );
    // Over max.request.size: refused by send, before any I/O.
    let config = producer_config(broker, |b| b.max_request_size(1000));
    let big = vec![b'x'; 1500];
    let error = smol::block_on(async {
        let producer = Producer::connect(config).await.unwrap();
        producer
            .send(ProducerRecord::new(&topic, &big))
            .await
            .unwrap_err()
    });
    assert!(
        matches!(&error, Error::Kafka { code, .. } if *code == ErrorCode::MESSAGE_TOO_LARGE),
        "{error}"
    );
    assert!(error.to_string().contains("max.request.size"), "{error}");
    // Within the producer's limits but over the topic's: the broker refuses the batch.
    let config = producer_config(broker, |b| b);
    let bigger = vec![b'x'; 5000];
    let error = smol::block_on(async {
        let producer = Producer::connect(config).await.unwrap();
        let delivery = producer
            .send(ProducerRecord::new(&topic, &bigger))
            .await
            .unwrap();
        delivery.await.unwrap_err()
    });
    assert!(
        matches!(&error, Error::Kafka { code, .. } if *code == ErrorCode::MESSAGE_TOO_LARGE),
        "{error}"
    );
}

/// `count` values of `len` letters that compress poorly (xorshift), each starting with its
/// number so an independent reader can check the order.
fn poorly_compressible(count: usize, len: usize) -> Vec<String> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..count)
        .map(|i| {
            let mut value = format!("{i:04}-");
            while value.len() < len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                value.push(char::from(b'a' + (state % 26) as u8));
            }
            value
        })
        .collect()
}

#[test]
fn batches_over_the_topic_limit_are_split_and_every_record_lands_once() {
    let broker = broker(Profile::Plain);
    for (idempotent, compression) in [
        (true, Compression::None),
        (false, Compression::None),
        (true, Compression::Lz4),
    ] {
        let topic = unique_topic("split");
        // About twelve 150 B records per batch the broker takes; the producer's batches hold
        // a hundred, so each is split three or four times over.
        create_topic_with(
            broker,
            NewTopic::new(&topic, 1, 1).config("max.message.bytes", "2000"),
        );
        let config = producer_config(broker, |b| {
            b.enable_idempotence(idempotent)
                .compression(compression)
                .batch_size(16 * 1024)
                .linger(std::time::Duration::from_millis(200))
        });
        let values = poorly_compressible(300, 150);
        let too_big = poorly_compressible(1, 5000).remove(0);
        let outcomes = smol::block_on(async {
            let producer = Producer::connect(config).await.unwrap();
            let mut deliveries = Vec::new();
            for (i, value) in values.iter().enumerate() {
                deliveries.push(
                    producer
                        .send(ProducerRecord::new(&topic, value.as_bytes()).partition(0))
                        .await
                        .unwrap(),
                );
                // One record that no split can make fit, in the middle of a batch.
                if i == 150 {
                    deliveries.push(
                        producer
                            .send(ProducerRecord::new(&topic, too_big.as_bytes()).partition(0))
                            .await
                            .unwrap(),
                    );
                }
            }
            // flush waits for the halves of every split batch too.
            producer.flush().await;
            let mut outcomes = Vec::new();
            for mut delivery in deliveries {
                let outcome = futures_lite::future::poll_once(&mut delivery).await;
                outcomes.push(outcome.expect("complete once flush returned"));
            }
            outcomes
        });
        let label = format!("idempotent {idempotent}, {compression:?}");
        let (failed, written): (Vec<_>, Vec<_>) = outcomes.into_iter().partition(Result::is_err);
        assert_eq!(
            failed.len(),
            1,
            "{label}: only the record too large on its own fails"
        );
        let error = failed.into_iter().next().unwrap().unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::MESSAGE_TOO_LARGE),
            "{label}: {error}"
        );
        let offsets: Vec<i64> = written.into_iter().map(|r| r.unwrap().offset).collect();
        // An independent reader sees each record once; each delivery's offset is where its
        // record is.
        let read: Vec<String> = kcat_read(&broker.bootstrap(), &topic)
            .into_iter()
            .map(|record| record.value)
            .collect();
        assert_eq!(read.len(), values.len(), "{label}");
        for (value, offset) in values.iter().zip(&offsets) {
            let at = usize::try_from(*offset).unwrap();
            assert_eq!(read.get(at), Some(value), "{label}: offset {offset}");
        }
        if idempotent {
            // Idempotence also keeps the order across the splits and the retries after them.
            assert_eq!(read, values, "{label}");
        }
    }
}

#[test]
fn a_topic_that_does_not_exist_is_an_error_once_max_block_passes() {
    let broker = broker(Profile::Plain);
    let max_block = std::time::Duration::from_secs(2);
    let config = producer_config(broker, |b| {
        b.allow_auto_create_topics(false).client(|c| {
            c.timeouts(
                std::time::Duration::from_secs(10),
                std::time::Duration::from_secs(30),
                max_block,
            )
        })
    });
    let topic = unique_topic("missing");
    let started = std::time::Instant::now();
    let error = smol::block_on(async {
        let producer = Producer::connect(config).await.unwrap();
        producer
            .send(ProducerRecord::new(&topic, b"v"))
            .await
            .unwrap_err()
    });
    assert_eq!(
        error.kafka_code(),
        Some(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION),
        "{error}"
    );
    assert!(error.to_string().contains("max.block.ms"), "{error}");
    // It asked again while max.block.ms lasted (within one backoff of its end).
    assert!(
        started.elapsed() >= max_block / 2,
        "{:?}",
        started.elapsed()
    );
    // With allow.auto.create.topics=false the broker was never asked to create it.
    assert!(!topic_exists(broker, &topic), "{topic} was created");
}

/// With `allow.auto.create.topics` at its default (true), as the Java producer, a record to a
/// topic that does not exist makes the broker (whose `auto.create.topics.enable` is on)
/// create it with its defaults, and is delivered there.
#[test]
fn a_missing_topic_is_created_by_the_broker_when_auto_creation_is_allowed() {
    let broker = broker(Profile::Plain);
    let topic = unique_topic("auto-created");
    let config = producer_config(broker, |b| b);
    assert!(config.allow_auto_create_topics);
    let delivered = smol::block_on(async {
        let producer = Producer::connect(config).await.unwrap();
        let delivery = producer
            .send(ProducerRecord::new(&topic, b"first"))
            .await
            .unwrap();
        let delivered = delivery.await.unwrap();
        producer.close().await;
        delivered
    });
    assert_eq!((delivered.partition, delivered.offset), (0, 0));
    assert!(topic_exists(broker, &topic));
    let read = kcat_read(&broker.bootstrap(), &topic);
    let values: Vec<&str> = read.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(values, ["first"]);
}

/// Whether the cluster's metadata lists `topic` (asked without auto-creation).
fn topic_exists(broker: &Broker, topic: &str) -> bool {
    smol::block_on(async {
        let client = Client::connect(
            franzl_tests::producer::client_builder(broker)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
        let snapshot = client.refresh_metadata(&[topic]).await.unwrap();
        snapshot.topic(topic).is_some_and(|t| t.error.is_ok())
    })
}

#[test]
fn send_waits_for_a_topic_being_created() {
    let broker = broker(Profile::Plain);
    let topic = unique_topic("late");
    // Not created by the producer's own request: it waits for the one another client makes.
    let config = producer_config(broker, |b| b.allow_auto_create_topics(false));
    let creator = {
        let topic = topic.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            create_topic(broker, &topic, 1, 1);
        })
    };
    let written = smol::block_on(async {
        let producer = Producer::connect(config).await.unwrap();
        let delivery = producer
            .send(ProducerRecord::new(&topic, b"waited"))
            .await
            .expect("send waits for the topic's metadata");
        delivery.await
    });
    creator.join().unwrap();
    assert_eq!(written.expect("delivered").offset, 0);
}
