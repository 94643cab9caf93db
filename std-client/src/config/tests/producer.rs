use std::time::Duration;

use super::with_bootstrap;
use crate::config::*;

fn producer(pairs: &[(&str, &str)]) -> Result<ProducerConfig, ConfigError> {
    ProducerConfig::from_properties(with_bootstrap(pairs))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn defaults_are_the_java_producers_but_batches_grow_to_librdkafkas_size() {
    let p = producer(&[]).unwrap();
    assert_eq!(p.acks, Acks::All);
    assert_eq!(p.linger, ms(5));
    // Not Java's 16384: batches start at 16 KiB and grow to this (librdkafka's, franz-go's).
    assert_eq!(p.batch_size, 1_000_000);
    assert_eq!(p.buffer_memory, 33_554_432);
    assert_eq!(p.max_request_size, 1_048_576);
    assert_eq!(p.compression, Compression::None);
    assert!(p.enable_idempotence);
    assert_eq!(p.max_in_flight, 5);
    assert_eq!(p.retries, 2_147_483_647);
    assert_eq!(p.delivery_timeout, ms(120_000));
    assert_eq!(p.partitioner, Partitioner::Default);
    assert_eq!(p.transactional_id, None);
    assert_eq!(p.transaction_timeout, ms(60_000));
    assert_eq!(p.client.request_timeout, ms(30_000));
    assert_eq!(p.client.retry_backoff, ms(100));
    assert_eq!(p.client.socket.receive_buffer, None);
}

#[test]
fn every_property() {
    let p = producer(&[
        ("acks", "all"),
        ("linger.ms", "20"),
        ("batch.size", "0"),
        ("buffer.memory", "1048576"),
        ("max.request.size", "2000000"),
        ("compression.type", "zstd"),
        ("enable.idempotence", "true"),
        ("max.in.flight.requests.per.connection", "3"),
        ("retries", "7"),
        ("delivery.timeout.ms", "60000"),
        ("partitioner.ignore.keys", "true"),
        ("transactional.id", ""),
        ("request.timeout.ms", "15000"),
        ("retry.backoff.ms", "250"),
    ])
    .unwrap();
    assert_eq!(p.acks, Acks::All);
    assert_eq!(p.linger, ms(20));
    assert_eq!(p.batch_size, 0);
    assert_eq!(p.buffer_memory, 1 << 20);
    assert_eq!(p.max_request_size, 2_000_000);
    assert_eq!(p.compression, Compression::Zstd);
    assert!(p.enable_idempotence);
    assert_eq!(p.max_in_flight, 3);
    assert_eq!(p.retries, 7);
    assert_eq!(p.delivery_timeout, ms(60_000));
    assert_eq!(p.partitioner, Partitioner::UniformSticky);
    assert_eq!(p.transactional_id, None);
    assert_eq!(p.client.request_timeout, ms(15_000));
    assert_eq!(p.client.retry_backoff, ms(250));
}

#[test]
fn acks_and_codecs() {
    for (value, acks) in [
        ("all", Acks::All),
        ("-1", Acks::All),
        ("0", Acks::None),
        ("1", Acks::Leader),
    ] {
        let p = producer(&[("acks", value), ("enable.idempotence", "false")]).unwrap();
        assert_eq!(p.acks, acks);
    }
    assert_eq!(Acks::All.value(), -1);
    for (value, codec) in [
        ("none", Compression::None),
        ("gzip", Compression::Gzip),
        ("snappy", Compression::Snappy),
        ("LZ4", Compression::Lz4),
        ("zstd", Compression::Zstd),
    ] {
        assert_eq!(
            producer(&[("compression.type", value)])
                .unwrap()
                .compression,
            codec
        );
    }
    assert_eq!(
        producer(&[("acks", "2")]).unwrap_err().property(),
        Some("acks")
    );
    assert_eq!(
        producer(&[("compression.type", "brotli")])
            .unwrap_err()
            .property(),
        Some("compression.type")
    );
}

#[test]
fn librdkafka_aliases() {
    let p = producer(&[
        ("request.required.acks", "1"),
        ("queue.buffering.max.ms", "50"),
        ("queue.buffering.max.kbytes", "2048"),
        ("message.max.bytes", "3000000"),
        ("compression.codec", "lz4"),
        ("max.in.flight", "10"),
        ("message.send.max.retries", "3"),
        ("message.timeout.ms", "40000"),
        ("partitioner", "murmur2_random"),
    ])
    .unwrap();
    assert_eq!(p.acks, Acks::Leader);
    assert_eq!(p.linger, ms(50));
    assert_eq!(p.buffer_memory, 2048 * 1024);
    assert_eq!(p.max_request_size, 3_000_000);
    assert_eq!(p.compression, Compression::Lz4);
    assert_eq!(p.max_in_flight, 10);
    assert_eq!(p.retries, 3);
    assert_eq!(p.delivery_timeout, ms(40_000));
    assert_eq!(p.partitioner, Partitioner::Murmur2Random);
    // acks=1 and 10 in flight turned the default idempotence off.
    assert!(!p.enable_idempotence);
}

#[test]
fn default_idempotence_yields_to_conflicting_settings() {
    for pairs in [
        [("acks", "1")],
        [("max.in.flight.requests.per.connection", "6")],
        [("retries", "0")],
    ] {
        let p = producer(&pairs).unwrap();
        assert!(!p.enable_idempotence, "{pairs:?}");
    }
}

#[test]
fn explicit_idempotence_refuses_conflicting_settings() {
    for (property, value, message) in [
        (
            "acks",
            "0",
            "`acks` = 0 conflicts with `enable.idempotence` = true: idempotence needs acks=all",
        ),
        (
            "acks",
            "1",
            "`acks` = 1 conflicts with `enable.idempotence` = true: idempotence needs acks=all",
        ),
        (
            "max.in.flight.requests.per.connection",
            "6",
            "`max.in.flight.requests.per.connection` = 6 conflicts with `enable.idempotence` = \
             true: idempotence keeps order with at most 5 requests in flight per connection",
        ),
        (
            "retries",
            "0",
            "`retries` = 0 conflicts with `enable.idempotence` = true: idempotence needs \
             retries above 0",
        ),
    ] {
        let error = producer(&[("enable.idempotence", "true"), (property, value)]).unwrap_err();
        assert!(matches!(error, ConfigError::Conflict { .. }), "{error}");
        assert_eq!(error.property(), Some(property));
        assert_eq!(error.to_string(), message);
    }
    let p = producer(&[("enable.idempotence", "false"), ("acks", "0")]).unwrap();
    assert!(!p.enable_idempotence);
}

#[test]
fn a_transactional_id_makes_a_transactional_idempotent_producer() {
    let p = producer(&[
        ("transactional.id", "t"),
        ("transaction.timeout.ms", "9000"),
    ])
    .unwrap();
    assert_eq!(p.transactional_id.as_deref(), Some("t"));
    assert_eq!(p.transaction_timeout, ms(9000));
    assert!(p.enable_idempotence);
    // Empty means no transactions, as in the Java client.
    assert_eq!(
        producer(&[("transactional.id", "")])
            .unwrap()
            .transactional_id,
        None
    );
    // Transactions need idempotence: disabling it, or a setting that would turn default
    // idempotence off, is a conflict naming the setting.
    for (property, value) in [
        ("enable.idempotence", "false"),
        ("acks", "1"),
        ("max.in.flight.requests.per.connection", "6"),
        ("retries", "0"),
    ] {
        let error = producer(&[("transactional.id", "t"), (property, value)]).unwrap_err();
        assert!(matches!(error, ConfigError::Conflict { .. }), "{error}");
        assert_eq!(error.property(), Some(property), "{error}");
    }
    // The transaction timeout acts only on a transactional producer.
    let error = producer(&[("transaction.timeout.ms", "9000")]).unwrap_err();
    assert_eq!(error.property(), Some("transaction.timeout.ms"), "{error}");
    let typed = |builder: ProducerConfigBuilder| {
        builder
            .client(|c| c.bootstrap_servers(["k:9092"]))
            .build()
            .unwrap_err()
            .property()
            .map(str::to_owned)
    };
    assert_eq!(
        typed(ProducerConfig::builder().transaction_timeout(ms(9000))).as_deref(),
        Some("transaction.timeout.ms")
    );
    assert_eq!(
        typed(
            ProducerConfig::builder()
                .transactional_id("t")
                .transaction_timeout(ms(0))
        )
        .as_deref(),
        Some("transaction.timeout.ms")
    );
}

#[test]
fn delivery_timeout_covers_linger_and_request_timeout() {
    let error = producer(&[("delivery.timeout.ms", "1000")]).unwrap_err();
    assert_eq!(error.property(), Some("delivery.timeout.ms"));
    assert_eq!(
        error.to_string(),
        "`delivery.timeout.ms` = 1000 conflicts with `linger.ms + request.timeout.ms` = 5 + \
         30000: a record must be allowed to linger and then wait for one answer"
    );
    // Left at its default, it is raised, as in the Java producer.
    let p = producer(&[("request.timeout.ms", "200000"), ("linger.ms", "100")]).unwrap();
    assert_eq!(p.delivery_timeout, ms(200_100));
}

#[test]
fn invalid_and_unsupported_properties() {
    for (property, value) in [
        ("linger.ms", "-1"),
        ("batch.size", "big"),
        ("max.in.flight.requests.per.connection", "0"),
        ("retries", "-1"),
        ("enable.idempotence", "1"),
        ("partitioner.ignore.keys", "maybe"),
    ] {
        let error = producer(&[(property, value)]).unwrap_err();
        assert!(matches!(error, ConfigError::InvalidValue { .. }), "{error}");
        assert_eq!(error.property(), Some(property));
    }
    for property in ["key.serializer", "value.serializer", "partitioner.class"] {
        let error = producer(&[(property, "org.example.Thing")]).unwrap_err();
        assert!(
            matches!(error, ConfigError::UnsupportedProperty { .. }),
            "{error}"
        );
    }
    assert!(matches!(
        producer(&[("partitioner", "consistent_random")]),
        Err(ConfigError::UnsupportedProperty { .. })
    ));
    assert_eq!(
        producer(&[("group.id", "g")]).unwrap_err(),
        ConfigError::UnknownProperty {
            property: "group.id".into()
        }
    );
}

#[test]
fn typed_builder() {
    let p = ProducerConfig::builder()
        .client(|c| c.bootstrap_servers(["k:9092"]).client_id("typed"))
        .acks(Acks::All)
        .linger(ms(1))
        .batch_size(1 << 16)
        .buffer_memory(1 << 22)
        .max_request_size(1 << 21)
        .compression(Compression::Gzip)
        .enable_idempotence(true)
        .max_in_flight(1)
        .retries(10)
        .delivery_timeout(ms(31_001))
        .partitioner(Partitioner::Murmur2Random)
        .build()
        .unwrap();
    assert_eq!(p.client.client_id, "typed");
    assert_eq!(p.compression, Compression::Gzip);
    assert_eq!(p.delivery_timeout, ms(31_001));
    let error = ProducerConfig::builder()
        .client(|c| c.bootstrap_servers(["k:9092"]))
        .enable_idempotence(true)
        .acks(Acks::Leader)
        .build()
        .unwrap_err();
    assert_eq!(error.property(), Some("acks"));
}

#[test]
fn reads_properties_text() {
    let p = ProducerConfig::from_properties_text(
        "bootstrap.servers=k:9092\nacks=1\nlinger.ms 10\ncompression.type:snappy\n",
    )
    .unwrap();
    assert_eq!(
        (p.acks, p.linger, p.compression),
        (Acks::Leader, ms(10), Compression::Snappy)
    );
}
