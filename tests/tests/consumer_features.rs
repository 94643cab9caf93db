//! Consumer features against the real broker: seeks (earliest, latest, offset, timestamp) and
//! ListOffsets, lag, read_committed with an aborted and an open transaction, the reset policy
//! on an out-of-range offset, the prefetch memory bound, and control requests (metadata, admin,
//! ListOffsets) answered at once while a fetch long poll waits on the same broker.

use std::time::Duration;

use franzl::config::{AutoOffsetReset, IsolationLevel};
use franzl::consumer::{Consumer, SeekTo, TopicPartition};
use franzl::core::ErrorCode;
use franzl::core::compression::Compression;
use franzl::core::record::{BatchOptions, NewRecord};
use franzl_tests::consumer::{
    batch, begin_transaction, cluster, collect, config, end_transaction, kcat_produce,
    produce_batch,
};
use franzl_tests::java_tools::{create_topic, run};
use franzl_tests::{Profile, broker, unique_topic};

const WAIT: Duration = Duration::from_secs(30);

fn values_of(records: &[franzl::consumer::ConsumerRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| String::from_utf8_lossy(r.value().unwrap_or_default()).into_owned())
        .collect()
}

/// One batch of records with these values, timestamps `base_timestamp + 1000 * i`.
fn plain_batch(values: &[&str], base_timestamp: i64, options: BatchOptions) -> Vec<u8> {
    let records: Vec<NewRecord<'_>> = values
        .iter()
        .enumerate()
        .map(|(i, value)| NewRecord {
            timestamp_delta: 1_000 * i as i64,
            offset_delta: i32::try_from(i).unwrap(),
            value: Some(value.as_bytes()),
            ..NewRecord::default()
        })
        .collect();
    let options = BatchOptions {
        base_timestamp,
        ..options
    };
    batch(&records, Compression::Lz4, options)
}

fn new_topic(prefix: &str) -> (String, String, TopicPartition) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic(prefix);
    create_topic(&bootstrap, None, &topic, 1);
    let partition = TopicPartition::new(&topic, 0);
    (bootstrap, topic, partition)
}

#[test]
fn seeks_and_offsets_for_times() {
    let (bootstrap, topic, tp) = new_topic("consumer-seek");
    // An hour ago, inside the broker's accepted timestamp range.
    let t0 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
        - 3_600_000;
    let names: Vec<String> = (0..10).map(|i| format!("r{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    smol::block_on(async {
        let cluster = cluster(&bootstrap).await;
        let first = plain_batch(&names, t0, BatchOptions::default());
        produce_batch(&cluster, &topic, 0, &first, None)
            .await
            .unwrap();
        let mut consumer = Consumer::connect(config(&bootstrap).build().unwrap())
            .await
            .unwrap();
        consumer.assign([tp.clone()]);

        consumer.seek(&tp, SeekTo::Offset(3)).unwrap();
        assert_eq!(collect(&mut consumer, 1, WAIT).await[0].offset(), 3);
        consumer.seek(&tp, SeekTo::Timestamp(t0 + 4_500)).unwrap();
        let found = collect(&mut consumer, 1, WAIT).await;
        assert_eq!((found[0].offset(), found[0].timestamp()), (5, t0 + 5_000));
        consumer.seek(&tp, SeekTo::Earliest).unwrap();
        let all = collect(&mut consumer, 10, WAIT).await;
        assert_eq!(values_of(&all), names);
        consumer.seek(&tp, SeekTo::Latest).unwrap();
        // Only what is produced after the seek resolved.
        let deadline = std::time::Instant::now() + WAIT;
        while consumer.position(&tp) != Some(10) {
            assert!(
                std::time::Instant::now() < deadline,
                "latest never resolved"
            );
            assert!(
                consumer
                    .poll(Duration::from_millis(50))
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
        let later = plain_batch(&["later"], t0 + 20_000, BatchOptions::default());
        produce_batch(&cluster, &topic, 0, &later, None)
            .await
            .unwrap();
        let got = collect(&mut consumer, 1, WAIT).await;
        assert_eq!(
            (got[0].offset(), values_of(&got)[0].as_str()),
            (10, "later")
        );

        let times = consumer
            .offsets_for_times(&[(tp.clone(), t0 + 4_500), (tp.clone(), t0 + 1_000_000)])
            .await
            .unwrap();
        assert_eq!(times, [Some((5, t0 + 5_000)), None]);
        assert_eq!(
            consumer
                .beginning_offsets(std::slice::from_ref(&tp))
                .await
                .unwrap(),
            [0]
        );
        assert_eq!(
            consumer
                .end_offsets(std::slice::from_ref(&tp))
                .await
                .unwrap(),
            [11]
        );
        consumer.close().await;
    });
}

#[test]
fn lag_counts_from_the_position_to_the_high_watermark() {
    let (bootstrap, topic, tp) = new_topic("consumer-lag");
    smol::block_on(async {
        let cluster = cluster(&bootstrap).await;
        let names: Vec<String> = (0..10).map(|i| format!("r{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let records = plain_batch(&names, 0, BatchOptions::default());
        produce_batch(&cluster, &topic, 0, &records, None)
            .await
            .unwrap();
        let config = config(&bootstrap).max_poll_records(4).build().unwrap();
        let mut consumer = Consumer::connect(config).await.unwrap();
        assert_eq!(consumer.lag(&tp), None, "not assigned");
        let misuse = consumer.seek(&tp, SeekTo::Offset(0)).unwrap_err();
        assert!(matches!(misuse, franzl::Error::Usage { .. }), "{misuse}");
        assert!(!misuse.is_retriable());
        consumer.assign([tp.clone()]);
        let first = collect(&mut consumer, 4, WAIT).await;
        assert_eq!(first.len(), 4);
        assert_eq!(consumer.position(&tp), Some(4));
        assert_eq!(consumer.lag(&tp), Some(6));
        collect(&mut consumer, 6, WAIT).await;
        assert_eq!(consumer.lags(), [(tp.clone(), Some(0))]);
        consumer.close().await;
    });
}

#[test]
fn read_committed_skips_aborted_transactions_and_stops_at_the_stable_offset() {
    let (bootstrap, topic, tp) = new_topic("consumer-txn");
    smol::block_on(async {
        let cluster = cluster(&bootstrap).await;
        let plain = |values: &[&str]| plain_batch(values, 0, BatchOptions::default());
        produce_batch(&cluster, &topic, 0, &plain(&["a"]), None)
            .await
            .unwrap();

        let aborted_id = format!("{topic}-aborted");
        let txn = begin_transaction(&cluster, &aborted_id, &topic, 0).await;
        let records = plain_batch(&["aborted-1", "aborted-2"], 0, txn.batch_options(0, 0));
        produce_batch(&cluster, &topic, 0, &records, Some(&aborted_id))
            .await
            .unwrap();
        end_transaction(&cluster, &txn, false).await;

        let committed_id = format!("{topic}-committed");
        let txn = begin_transaction(&cluster, &committed_id, &topic, 0).await;
        let records = plain_batch(&["committed-1"], 0, txn.batch_options(0, 0));
        produce_batch(&cluster, &topic, 0, &records, Some(&committed_id))
            .await
            .unwrap();
        end_transaction(&cluster, &txn, true).await;

        produce_batch(&cluster, &topic, 0, &plain(&["b"]), None)
            .await
            .unwrap();

        // A transaction left open holds back everything after it.
        let open_id = format!("{topic}-open");
        let open = begin_transaction(&cluster, &open_id, &topic, 0).await;
        let records = plain_batch(&["pending"], 0, open.batch_options(0, 0));
        produce_batch(&cluster, &topic, 0, &records, Some(&open_id))
            .await
            .unwrap();
        produce_batch(&cluster, &topic, 0, &plain(&["c"]), None)
            .await
            .unwrap();

        let committed = config(&bootstrap)
            .isolation_level(IsolationLevel::ReadCommitted)
            .build()
            .unwrap();
        let mut consumer = Consumer::connect(committed).await.unwrap();
        consumer.assign([tp.clone()]);
        let got = collect(&mut consumer, 3, WAIT).await;
        assert_eq!(values_of(&got), ["a", "committed-1", "b"]);
        // Nothing past the open transaction's first offset.
        let more = consumer.poll(Duration::from_secs(2)).await.unwrap();
        assert!(
            more.is_empty(),
            "read past the stable offset: {:?}",
            values_of(&more)
        );

        let mut uncommitted = Consumer::connect(config(&bootstrap).build().unwrap())
            .await
            .unwrap();
        uncommitted.assign([tp.clone()]);
        let all = collect(&mut uncommitted, 7, WAIT).await;
        assert_eq!(
            values_of(&all),
            [
                "a",
                "aborted-1",
                "aborted-2",
                "committed-1",
                "b",
                "pending",
                "c"
            ]
        );
        uncommitted.close().await;

        end_transaction(&cluster, &open, true).await;
        let rest = collect(&mut consumer, 2, WAIT).await;
        assert_eq!(values_of(&rest), ["pending", "c"]);
        // The position moves past the commit markers: nothing is left to read.
        let end = consumer
            .end_offsets(std::slice::from_ref(&tp))
            .await
            .unwrap()[0];
        let deadline = std::time::Instant::now() + WAIT;
        while consumer.lag(&tp) != Some(0) || consumer.position(&tp) != Some(end) {
            assert!(
                std::time::Instant::now() < deadline,
                "position {:?}",
                consumer.position(&tp)
            );
            consumer.poll(Duration::from_millis(100)).await.unwrap();
        }
        consumer.close().await;
    });
}

fn delete_records_before(bootstrap: &str, topic: &str, offset: i64) {
    let json = format!(
        r#"{{"partitions":[{{"topic":"{topic}","partition":0,"offset":{offset}}}],"version":1}}"#
    );
    let path = std::env::temp_dir().join(format!("{topic}-delete.json"));
    std::fs::write(&path, json).unwrap();
    let path_arg = path.to_string_lossy().into_owned();
    let args = [
        "--bootstrap-server",
        bootstrap,
        "--offset-json-file",
        &path_arg,
    ];
    let deleted = run("delete-records", &args, None, "");
    let _ = std::fs::remove_file(&path);
    assert!(deleted.success, "delete-records: {deleted:?}");
}

#[test]
fn out_of_range_offsets_follow_the_reset_policy() {
    let (bootstrap, topic, tp) = new_topic("consumer-reset");
    smol::block_on(async {
        let cluster = cluster(&bootstrap).await;
        for i in 0..10 {
            let one = plain_batch(&[&format!("r{i}")], 0, BatchOptions::default());
            produce_batch(&cluster, &topic, 0, &one, None)
                .await
                .unwrap();
        }
    });
    delete_records_before(&bootstrap, &topic, 5);
    smol::block_on(async {
        let with = |reset| config(&bootstrap).auto_offset_reset(reset).build().unwrap();

        let mut none = Consumer::connect(with(AutoOffsetReset::None))
            .await
            .unwrap();
        none.assign([tp.clone()]);
        assert_eq!(none.position(&tp), None, "no policy: waits for a seek");
        none.seek(&tp, SeekTo::Offset(2)).unwrap();
        let error = loop {
            match none.poll(WAIT).await {
                Ok(records) => assert!(records.is_empty(), "records below the log start"),
                Err(error) => break error,
            }
        };
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::OFFSET_OUT_OF_RANGE),
            "{error}"
        );
        none.seek(&tp, SeekTo::Offset(6)).unwrap();
        assert_eq!(
            values_of(&collect(&mut none, 4, WAIT).await),
            ["r6", "r7", "r8", "r9"]
        );
        none.close().await;

        let mut earliest = Consumer::connect(with(AutoOffsetReset::Earliest))
            .await
            .unwrap();
        earliest.assign([tp.clone()]);
        earliest.seek(&tp, SeekTo::Offset(2)).unwrap();
        assert_eq!(collect(&mut earliest, 1, WAIT).await[0].offset(), 5);
        earliest.close().await;

        let mut latest = Consumer::connect(with(AutoOffsetReset::Latest))
            .await
            .unwrap();
        latest.assign([tp.clone()]);
        latest.seek(&tp, SeekTo::Offset(2)).unwrap();
        let deadline = std::time::Instant::now() + WAIT;
        while latest.position(&tp) != Some(10) {
            assert!(
                std::time::Instant::now() < deadline,
                "{:?}",
                latest.position(&tp)
            );
            assert!(
                latest
                    .poll(Duration::from_millis(50))
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
        latest.close().await;
    });
}

#[test]
fn prefetch_stays_within_its_bound_while_the_caller_is_slow() {
    let (bootstrap, topic, tp) = new_topic("consumer-prefetch");
    const COUNT: usize = 20_000;
    // 1 KiB values that lz4 shrinks a lot: the bound must count decompressed bytes.
    let input: String = (0..COUNT)
        .map(|i| format!("k{i}:{i:08}{}\n", "abcdefgh".repeat(127)))
        .collect();
    kcat_produce(
        &bootstrap,
        &topic,
        "lz4",
        &["-X", "batch.size=65536"],
        &input,
    );
    const BOUND: usize = 1024 * 1024;
    smol::block_on(async {
        let config = config(&bootstrap)
            .fetch(1, 256 * 1024, 256 * 1024, Duration::from_millis(100))
            .max_prefetch_bytes(BOUND)
            .max_poll_records(200)
            .build()
            .unwrap();
        let mut consumer = Consumer::connect(config).await.unwrap();
        consumer.assign([tp.clone()]);
        let mut seen = 0;
        while seen < COUNT {
            let records = consumer.poll(WAIT).await.unwrap();
            assert!(!records.is_empty(), "stalled at {seen}");
            for record in &records {
                assert_eq!(record.offset(), seen as i64);
                seen += 1;
            }
            assert!(
                consumer.buffered_bytes() <= BOUND,
                "{}",
                consumer.buffered_bytes()
            );
            // A slow caller: the fetcher fills the budget and waits.
            smol::Timer::after(Duration::from_millis(10)).await;
        }
        let peak = consumer.peak_buffered_bytes();
        assert!(peak <= BOUND, "peak {peak} over the bound {BOUND}");
        assert!(
            peak > BOUND / 2,
            "peak {peak}: the fetcher did not run ahead"
        );
        consumer.close().await;
    });
}

#[test]
fn records_come_as_a_stream_too() {
    use futures_lite::StreamExt;
    let (bootstrap, topic, tp) = new_topic("consumer-stream");
    let input: String = (0..500).map(|i| format!("k{i}:v{i}\n")).collect();
    kcat_produce(&bootstrap, &topic, "snappy", &[], &input);
    smol::block_on(async {
        let mut consumer = Consumer::connect(config(&bootstrap).build().unwrap())
            .await
            .unwrap();
        consumer.assign([tp.clone()]);
        for i in 0..500 {
            let record = consumer.next().await.expect("open").expect("a record");
            assert_eq!(record.offset(), i);
            assert_eq!(record.value(), Some(format!("v{i}").as_bytes()));
        }
        assert_eq!(consumer.position(&tp), Some(500));
        consumer.close().await;
    });
}

/// Assigns `consumer` the empty partition `tp` and waits (a second) until its first Fetch is
/// sent, which the broker then holds for `fetch.max.wait.ms`.
async fn start_long_poll(consumer: &mut Consumer, tp: &TopicPartition) {
    consumer.assign([tp.clone()]);
    let polled = consumer.poll(Duration::from_secs(1)).await.unwrap();
    assert!(polled.is_empty());
    assert_eq!(consumer.position(tp), Some(0));
}

#[test]
fn closing_does_not_wait_for_a_long_poll() {
    let (bootstrap, _topic, tp) = new_topic("consumer-close");
    smol::block_on(async {
        let config = config(&bootstrap)
            .fetch(1, 1024 * 1024, 1024 * 1024, Duration::from_secs(10))
            .build()
            .unwrap();
        let mut consumer = Consumer::connect(config).await.unwrap();
        // The empty partition's fetch now waits at the broker for up to 10 s.
        start_long_poll(&mut consumer, &tp).await;
        let started = std::time::Instant::now();
        consumer.close().await;
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    });
}

/// A broker answers one connection's requests in order, so a request sharing a connection with
/// a Fetch the broker holds waits out `fetch.max.wait.ms`. Metadata and admin requests go over
/// the control connection, apart from the consumer's fetch connection to the same broker.
#[test]
fn control_requests_do_not_wait_behind_a_fetch_long_poll() {
    let (bootstrap, topic, tp) = new_topic("consumer-purpose");
    let long_poll = Duration::from_secs(6);
    smol::block_on(async {
        let cluster = cluster(&bootstrap).await;
        let config = config(&bootstrap)
            .fetch(1, 1024 * 1024, 1024 * 1024, long_poll)
            .build()
            .unwrap();
        let mut consumer = Consumer::new(&cluster, config).unwrap();
        // The empty partition's fetch now waits at the broker for up to 6 s.
        start_long_poll(&mut consumer, &tp).await;
        let mut admin_config = franzl::AdminConfig::from_client(cluster.config().clone());
        admin_config.default_api_timeout = WAIT;
        let admin = franzl::Admin::new(&cluster, admin_config).unwrap();
        let started = std::time::Instant::now();
        let snapshot = cluster.refresh_metadata(&[&topic]).await.unwrap();
        let metadata_took = started.elapsed();
        let node = snapshot.partition(&topic, 0).unwrap().leader;
        let description = admin.describe_cluster().await.unwrap();
        assert!(description.brokers.iter().any(|b| b.node_id == node));
        let offsets = consumer.end_offsets(std::slice::from_ref(&tp)).await;
        assert_eq!(offsets.unwrap(), [0]);
        let all_took = started.elapsed();
        // Sharing the fetch connection, the first of them would wait about 5 s.
        assert!(
            all_took < Duration::from_secs(2),
            "metadata took {metadata_took:?}, metadata, DescribeCluster and ListOffsets \
             {all_took:?} while a fetch waited up to {long_poll:?}"
        );
        consumer.close().await;
    });
}

#[test]
fn a_paused_partition_hands_out_nothing_and_resumes_from_its_position() {
    let (bootstrap, topic, tp) = new_topic("consumer-pause");
    let values: Vec<String> = (0..10).map(|i| format!("v{i}")).collect();
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    franzl_tests::java_tools::produce(&bootstrap, None, &topic, &values);
    smol::block_on(async {
        let config = config(&bootstrap).max_poll_records(4).build().unwrap();
        let mut consumer = Consumer::connect(config).await.unwrap();
        consumer.assign([tp.clone()]);
        let first = collect(&mut consumer, 4, WAIT).await;
        assert_eq!(values_of(&first), ["v0", "v1", "v2", "v3"]);
        consumer.pause(std::slice::from_ref(&tp)).unwrap();
        assert_eq!(consumer.paused(), std::slice::from_ref(&tp));
        // Nothing comes while paused, though six records wait (and were likely prefetched).
        let quiet = consumer.poll(Duration::from_millis(1500)).await.unwrap();
        assert!(quiet.is_empty(), "{:?}", values_of(&quiet));
        assert_eq!(consumer.position(&tp), Some(4));
        consumer.resume(std::slice::from_ref(&tp)).unwrap();
        let rest = collect(&mut consumer, 6, WAIT).await;
        assert_eq!(values_of(&rest), ["v4", "v5", "v6", "v7", "v8", "v9"]);
        let other = TopicPartition::new(&topic, 7);
        assert!(consumer.pause(&[other]).is_err());
        consumer.close().await;
    });
}
