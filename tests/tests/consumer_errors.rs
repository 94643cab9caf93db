//! Errors reach the consumer's caller against the real broker: a fetch response
//! over `receive.message.max.bytes`, and a topic name the broker calls invalid: `poll` returns
//! each at once, the partition stops (no retry loop) until a seek. A topic or partition that
//! does not exist is reported once and read once it exists.

use std::time::{Duration, Instant};

use franzl::Error;
use franzl::consumer::{Consumer, SeekTo, TopicPartition};
use franzl::core::ErrorCode;
use franzl::core::compression::Compression;
use franzl::core::record::{BatchOptions, NewRecord};
use franzl_tests::consumer::{batch, cluster, config, produce_batch};
use franzl_tests::java_tools::create_topic;
use franzl_tests::{Profile, broker, unique_topic};

/// How long an error may take to reach `poll`: a few fetch rounds, far below the time a
/// retry loop would run.
const BOUND: Duration = Duration::from_secs(10);

/// Polls until an error comes (returning it with the records before it), or panics after
/// [`BOUND`].
async fn poll_until_error(consumer: &mut Consumer) -> (Vec<i64>, Error) {
    let deadline = Instant::now() + BOUND;
    let mut offsets = Vec::new();
    while Instant::now() < deadline {
        match consumer.poll(Duration::from_millis(200)).await {
            Ok(records) => offsets.extend(records.iter().map(|r| r.offset())),
            Err(error) => return (offsets, error),
        }
    }
    panic!("no error within {BOUND:?}; records {offsets:?}");
}

#[test]
fn a_response_over_receive_message_max_bytes_reaches_poll_and_stops_the_partition() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("consumer-too-large");
    create_topic(&bootstrap, None, &topic, 1);
    let tp = TopicPartition::new(&topic, 0);
    smol::block_on(async {
        let cluster = cluster(&bootstrap).await;
        // A small record at offset 0, then one larger than the consumer takes in a response
        // (the broker returns a first batch whatever fetch.max.bytes says).
        let large = vec![7u8; 32 * 1024];
        for value in [&b"small"[..], &large] {
            let record = NewRecord {
                value: Some(value),
                ..NewRecord::default()
            };
            let one = batch(&[record], Compression::None, BatchOptions::default());
            produce_batch(&cluster, &topic, 0, &one, None)
                .await
                .unwrap();
        }
        let consumer_config = config(&bootstrap)
            .client(|client| client.max_response_size(16 * 1024))
            .fetch(1, 8 * 1024, 8 * 1024, Duration::from_millis(100))
            .build()
            .unwrap();
        let mut consumer = Consumer::connect(consumer_config).await.unwrap();
        consumer.assign([tp.clone()]);
        let started = Instant::now();
        let (offsets, error) = poll_until_error(&mut consumer).await;
        assert_eq!(offsets, [0], "the record before the error comes first");
        assert!(matches!(error, Error::Frame(_)), "{error}");
        assert!(!error.is_retriable());
        log::info!("error after {:?}: {error}", started.elapsed());
        // Stopped: no more errors, no records, until a seek.
        assert_eq!(consumer.stopped(), std::slice::from_ref(&tp));
        let quiet = consumer.poll(Duration::from_millis(500)).await;
        assert!(
            matches!(&quiet, Ok(records) if records.is_empty()),
            "{quiet:?}"
        );
        consumer.seek(&tp, SeekTo::Offset(0)).unwrap();
        assert!(consumer.stopped().is_empty());
        let (offsets, error) = poll_until_error(&mut consumer).await;
        assert_eq!(offsets, [0]);
        assert!(matches!(error, Error::Frame(_)), "{error}");
        consumer.close().await;
    });
}

#[test]
fn an_invalid_topic_reaches_poll() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    smol::block_on(async {
        let mut consumer = Consumer::connect(config(&bootstrap).build().unwrap())
            .await
            .unwrap();
        let tp = TopicPartition::new("not a valid topic name!", 0);
        consumer.assign([tp.clone()]);
        let (offsets, error) = poll_until_error(&mut consumer).await;
        assert!(offsets.is_empty());
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::INVALID_TOPIC_EXCEPTION),
            "{error}"
        );
        assert_eq!(consumer.stopped(), [tp]);
        consumer.close().await;
    });
}

#[test]
fn a_missing_topic_or_partition_is_reported_once_and_read_once_it_exists() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("consumer-missing");
    smol::block_on(async {
        let mut consumer = Consumer::connect(config(&bootstrap).build().unwrap())
            .await
            .unwrap();
        let tp = TopicPartition::new(&topic, 0);
        consumer.assign([tp.clone()]);
        let (offsets, error) = poll_until_error(&mut consumer).await;
        assert!(offsets.is_empty());
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION),
            "{error}"
        );
        assert!(error.is_retriable(), "it may yet be created");
        assert!(error.to_string().contains(&format!("{topic}-0")), "{error}");
        assert!(
            consumer.stopped().is_empty(),
            "not stopped: still looked for"
        );
        // Created afterwards, it is read without a seek.
        create_topic(&bootstrap, None, &topic, 1);
        franzl_tests::java_tools::produce(&bootstrap, None, &topic, &["late"]);
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut got = Vec::new();
        while got.is_empty() {
            assert!(Instant::now() < deadline, "the created topic was not read");
            got = consumer.poll(Duration::from_millis(200)).await.unwrap();
        }
        assert_eq!(got[0].value(), Some(&b"late"[..]));

        // A partition beyond the topic's partitions.
        let beyond = TopicPartition::new(&topic, 3);
        consumer.assign([tp.clone(), beyond]);
        let (_, error) = poll_until_error(&mut consumer).await;
        assert!(error.to_string().contains(&format!("{topic}-3")), "{error}");
        consumer.close().await;
    });
}
