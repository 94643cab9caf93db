//! The consumer reads what independent clients wrote: the Java console producer (keys, values,
//! headers, timestamps) and kcat (100,000 records, each checked), in every codec; and over
//! SASL/SCRAM and TLS, configured from the Java tools' property files.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use franzl::consumer::{Consumer, TopicPartition};
use franzl::core::record::TimestampType;
use franzl_tests::consumer::{collect, config, kcat_produce};
use franzl_tests::java_tools::{create_topic, run};
use franzl_tests::{Profile, broker, unique_topic};

fn now_ms() -> i64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(elapsed.as_millis()).unwrap()
}

fn java_console_producer(codec: &str) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic(&format!("consumer-java-{codec}"));
    create_topic(&bootstrap, None, &topic, 1);
    let before = now_ms();
    let input =
        "h1:a,h2:b\tkey-0\tvalue-0\nh0:\tkey-1\tvalue-1\nh3:c\tkey-2\tvalue 2 with spaces\n";
    let args = [
        "--bootstrap-server",
        &bootstrap,
        "--topic",
        &topic,
        "--reader-property",
        "parse.key=true",
        "--reader-property",
        "parse.headers=true",
        "--compression-codec",
        codec,
    ];
    let produced = run("console-producer", &args, None, input);
    assert!(produced.success, "console-producer: {produced:?}");
    let after = now_ms();
    smol::block_on(async {
        let mut consumer = Consumer::connect(config(&bootstrap).build().unwrap())
            .await
            .unwrap();
        consumer.assign([TopicPartition::new(&topic, 0)]);
        let records = collect(&mut consumer, 3, Duration::from_secs(30)).await;
        let seen: Vec<(i64, &[u8], &[u8])> = records
            .iter()
            .map(|r| (r.offset(), r.key().unwrap(), r.value().unwrap()))
            .collect();
        assert_eq!(
            seen,
            [
                (0, &b"key-0"[..], &b"value-0"[..]),
                (1, b"key-1", b"value-1"),
                (2, b"key-2", b"value 2 with spaces"),
            ]
        );
        let headers: Vec<Vec<(String, Vec<u8>)>> = records
            .iter()
            .map(|r| {
                r.headers()
                    .map(|h| (h.key.to_string(), h.value.unwrap_or_default().to_vec()))
                    .collect()
            })
            .collect();
        assert_eq!(
            headers[0],
            [("h1".into(), b"a".to_vec()), ("h2".into(), b"b".to_vec())]
        );
        assert_eq!(headers[1], [("h0".into(), Vec::new())]);
        assert_eq!(headers[2], [("h3".into(), b"c".to_vec())]);
        for record in &records {
            assert_eq!(record.timestamp_type(), TimestampType::CreateTime);
            assert!(
                (before - 1_000..=after + 1_000).contains(&record.timestamp()),
                "timestamp {} not within the producer's run {before}..{after}",
                record.timestamp()
            );
            assert_eq!((record.topic(), record.partition()), (topic.as_str(), 0));
        }
        consumer.close().await;
    });
}

#[test]
fn java_console_producer_uncompressed() {
    java_console_producer("none");
}

#[test]
fn java_console_producer_gzip() {
    java_console_producer("gzip");
}

#[test]
fn java_console_producer_snappy() {
    java_console_producer("snappy");
}

#[test]
fn java_console_producer_lz4() {
    java_console_producer("lz4");
}

#[test]
fn java_console_producer_zstd() {
    java_console_producer("zstd");
}

const COUNT: usize = 100_000;

fn kcat_codec(codec: &str) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic(&format!("consumer-kcat-{codec}"));
    create_topic(&bootstrap, None, &topic, 1);
    let input: String = (0..COUNT)
        .map(|i| format!("key-{i}:value-{i}-{}\n", "x".repeat(i % 100)))
        .collect();
    let before = now_ms();
    kcat_produce(
        &bootstrap,
        &topic,
        codec,
        &["-H", "source=kcat", "-H", "codec"],
        &input,
    );
    let after = now_ms();
    smol::block_on(async {
        let mut consumer = Consumer::connect(config(&bootstrap).build().unwrap())
            .await
            .unwrap();
        let partition = TopicPartition::new(&topic, 0);
        consumer.assign([partition.clone()]);
        let records = collect(&mut consumer, COUNT, Duration::from_secs(120)).await;
        for (i, record) in records.iter().enumerate() {
            assert_eq!(record.offset(), i64::try_from(i).unwrap(), "{codec}");
            assert_eq!(record.key(), Some(format!("key-{i}").as_bytes()), "{codec}");
            let value = format!("value-{i}-{}", "x".repeat(i % 100));
            assert_eq!(record.value(), Some(value.as_bytes()), "{codec} offset {i}");
            let headers: Vec<_> = record.headers().map(|h| (h.key, h.value)).collect();
            assert_eq!(
                headers,
                [("source", Some(&b"kcat"[..])), ("codec", None)],
                "{codec}"
            );
            assert!((before - 1_000..=after + 1_000).contains(&record.timestamp()));
        }
        assert_eq!(consumer.position(&partition), Some(COUNT as i64));
        assert_eq!(consumer.lag(&partition), Some(0));
        consumer.close().await;
    });
}

#[test]
fn kcat_uncompressed() {
    kcat_codec("none");
}

#[test]
fn kcat_gzip() {
    kcat_codec("gzip");
}

#[test]
fn kcat_snappy() {
    kcat_codec("snappy");
}

#[test]
fn kcat_lz4() {
    kcat_codec("lz4");
}

#[test]
fn kcat_zstd() {
    kcat_codec("zstd");
}

/// The consumer over SASL/SCRAM and over TLS, configured from the same property files the Java
/// tools use.
fn secured(profile: Profile, properties: std::path::PathBuf) {
    let broker = broker(profile);
    let bootstrap = broker.bootstrap();
    let topic = unique_topic(&format!("consumer-{profile}"));
    create_topic(&bootstrap, Some(&properties), &topic, 1);
    let args = ["--bootstrap-server", &bootstrap, "--topic", &topic];
    let produced = run("console-producer", &args, Some(&properties), "one\ntwo\n");
    assert!(produced.success, "console-producer: {produced:?}");
    let text = std::fs::read_to_string(&properties).unwrap();
    let text = format!("{text}\nbootstrap.servers={bootstrap}\nauto.offset.reset=earliest\n");
    let config = franzl::config::ConsumerConfig::from_properties_text(&text).unwrap();
    smol::block_on(async {
        let mut consumer = Consumer::connect(config).await.unwrap();
        consumer.assign([TopicPartition::new(&topic, 0)]);
        let records = collect(&mut consumer, 2, Duration::from_secs(30)).await;
        let values: Vec<&[u8]> = records.iter().map(|r| r.value().unwrap()).collect();
        assert_eq!(values, [&b"one"[..], b"two"]);
        consumer.close().await;
    });
}

#[test]
fn over_sasl_scram() {
    let properties = broker(Profile::Sasl)
        .sasl_client_properties(franzl_tests::SaslMechanism::ScramSha512)
        .expect("sasl properties");
    secured(Profile::Sasl, properties);
}

#[test]
fn over_tls() {
    let properties = broker(Profile::Tls)
        .client_properties()
        .expect("tls properties");
    secured(Profile::Tls, properties);
}
