use std::time::Duration;

use super::with_bootstrap;
use crate::config::*;

fn consumer(pairs: &[(&str, &str)]) -> Result<ConsumerConfig, ConfigError> {
    ConsumerConfig::from_properties(with_bootstrap(pairs))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn defaults_are_the_java_consumers() {
    let c = consumer(&[]).unwrap();
    assert_eq!(c.auto_offset_reset, AutoOffsetReset::Latest);
    assert_eq!(c.isolation_level, IsolationLevel::ReadUncommitted);
    assert_eq!(c.fetch_min_bytes, 1);
    assert_eq!(c.fetch_max_bytes, 52_428_800);
    assert_eq!(c.max_partition_fetch_bytes, 1_048_576);
    assert_eq!(c.fetch_max_wait, ms(500));
    assert_eq!(c.max_prefetch_bytes, 65_536 * 1024);
    assert_eq!(c.max_poll_records, 500);
    assert!(c.check_crcs);
    assert_eq!(c.client_rack, None);
    assert_eq!(c.default_api_timeout, ms(60_000));
    // Left to the OS (as librdkafka does), unlike Java's fixed 64 KiB.
    assert_eq!(c.client.socket.receive_buffer, None);
}

#[test]
fn every_property() {
    let c = consumer(&[
        ("auto.offset.reset", "earliest"),
        ("isolation.level", "read_committed"),
        ("fetch.min.bytes", "100"),
        ("fetch.max.bytes", "1000000"),
        ("max.partition.fetch.bytes", "200000"),
        ("fetch.max.wait.ms", "250"),
        ("queued.max.messages.kbytes", "1024"),
        ("max.poll.records", "50"),
        ("check.crcs", "false"),
        ("client.rack", "eu-1a"),
        ("default.api.timeout.ms", "5000"),
    ])
    .unwrap();
    assert_eq!(c.auto_offset_reset, AutoOffsetReset::Earliest);
    assert_eq!(c.isolation_level, IsolationLevel::ReadCommitted);
    assert_eq!(c.isolation_level.as_i8(), 1);
    assert_eq!((c.fetch_min_bytes, c.fetch_max_bytes), (100, 1_000_000));
    assert_eq!(c.max_partition_fetch_bytes, 200_000);
    assert_eq!(c.fetch_max_wait, ms(250));
    assert_eq!(c.max_prefetch_bytes, 1024 * 1024);
    assert_eq!(c.max_poll_records, 50);
    assert!(!c.check_crcs);
    assert_eq!(c.client_rack.as_deref(), Some("eu-1a"));
    assert_eq!(c.default_api_timeout, ms(5000));
}

#[test]
fn librdkafka_aliases_and_values() {
    let c = consumer(&[
        ("auto.offset.reset", "smallest"),
        ("fetch.message.max.bytes", "4096"),
        ("fetch.wait.max.ms", "100"),
    ])
    .unwrap();
    assert_eq!(c.auto_offset_reset, AutoOffsetReset::Earliest);
    assert_eq!(c.max_partition_fetch_bytes, 4096);
    assert_eq!(c.fetch_max_wait, ms(100));
    for (value, reset) in [
        ("beginning", AutoOffsetReset::Earliest),
        ("largest", AutoOffsetReset::Latest),
        ("end", AutoOffsetReset::Latest),
        ("none", AutoOffsetReset::None),
        ("error", AutoOffsetReset::None),
    ] {
        assert_eq!(
            consumer(&[("auto.offset.reset", value)])
                .unwrap()
                .auto_offset_reset,
            reset
        );
    }
}

#[test]
fn group_properties_are_refused_until_groups_exist() {
    // Refused whatever the value: the consumer would neither join a group nor commit.
    for (property, value) in [
        ("group.id", "orders"),
        ("group.instance.id", "gw-1"),
        ("auto.commit.interval.ms", "1000"),
        ("session.timeout.ms", "10000"),
        ("heartbeat.interval.ms", "1000"),
        ("max.poll.interval.ms", "60000"),
        ("partition.assignment.strategy", "range"),
        ("group.protocol", "consumer"),
        ("group.remote.assignor", "uniform"),
        // Only the value franzl acts on is accepted.
        ("enable.auto.commit", "true"),
        ("allow.auto.create.topics", "true"),
        ("exclude.internal.topics", "false"),
    ] {
        let error = consumer(&[(property, value)]).unwrap_err();
        assert!(
            matches!(error, ConfigError::UnsupportedProperty { .. }),
            "{property}: {error}"
        );
        assert_eq!(error.property(), Some(property));
        assert!(error.to_string().contains(property), "{error}");
    }
    // What franzl does anyway: no group, no commits, no topic creation, no pattern.
    consumer(&[
        ("group.id", " "),
        ("enable.auto.commit", "false"),
        ("allow.auto.create.topics", "false"),
        ("exclude.internal.topics", "true"),
    ])
    .unwrap();
    // A value that is not a boolean is still an invalid value.
    let error = consumer(&[("enable.auto.commit", "maybe")]).unwrap_err();
    assert!(matches!(error, ConfigError::InvalidValue { .. }), "{error}");
}

#[test]
fn prefetch_bound_holds_one_fetch() {
    let error = consumer(&[("queued.max.messages.kbytes", "1024")]).unwrap_err();
    assert_eq!(error.property(), Some("queued.max.messages.kbytes"));
    assert_eq!(
        error.to_string(),
        "`queued.max.messages.kbytes` = 1024 (1048576 bytes) conflicts with `fetch.max.bytes` \
         = 52428800: the prefetch bound must hold one whole fetch"
    );
    let typed = ConsumerConfig::builder()
        .client(|client| client.bootstrap_servers(["b:9092"]))
        .max_prefetch_bytes(1000)
        .build()
        .unwrap_err();
    assert_eq!(
        typed.to_string(),
        "`queued.max.messages.kbytes` = 1000 bytes conflicts with `fetch.max.bytes` = \
         52428800: the prefetch bound must hold one whole fetch"
    );
    let c = consumer(&[
        ("queued.max.messages.kbytes", "1024"),
        ("fetch.max.bytes", "1048576"),
    ])
    .unwrap();
    assert_eq!(c.max_prefetch_bytes, c.fetch_max_bytes);
}

#[test]
fn responses_may_be_as_large_as_a_fetch() {
    let error = consumer(&[("receive.message.max.bytes", "1000000")]).unwrap_err();
    assert_eq!(error.property(), Some("receive.message.max.bytes"));
    assert_eq!(
        error.to_string(),
        "`receive.message.max.bytes` (1000000) is below `fetch.max.bytes` (52428800): a fetch \
         response of fetch.max.bytes would be refused"
    );
    let typed = ConsumerConfig::builder()
        .client(|client| client.bootstrap_servers(["b:9092"]).max_response_size(4096))
        .fetch(1, 8192, 8192, ms(100))
        .build()
        .unwrap_err();
    assert!(matches!(
        typed,
        ConfigError::TooSmall {
            value: 4096,
            other_value: 8192,
            ..
        }
    ));
    let c = consumer(&[
        ("receive.message.max.bytes", "1000000"),
        ("fetch.max.bytes", "1000000"),
    ])
    .unwrap();
    assert_eq!(c.client.max_response_size, c.fetch_max_bytes);
}

#[test]
fn invalid_unknown_and_unsupported() {
    for (property, value) in [
        ("auto.offset.reset", "oldest"),
        ("isolation.level", "serializable"),
        ("max.poll.records", "0"),
        ("default.api.timeout.ms", "soon"),
        ("check.crcs", "on"),
    ] {
        let error = consumer(&[(property, value)]).unwrap_err();
        assert!(matches!(error, ConfigError::InvalidValue { .. }), "{error}");
        assert!(error.to_string().contains(value));
    }
    assert!(matches!(
        consumer(&[("key.deserializer", "x")]),
        Err(ConfigError::UnsupportedProperty { .. })
    ));
    assert_eq!(
        consumer(&[("acks", "all")]).unwrap_err(),
        ConfigError::UnknownProperty {
            property: "acks".into()
        }
    );
}

#[test]
fn typed_builder() {
    let c = ConsumerConfig::builder()
        .client(|c| c.bootstrap_servers(["k:9092"]))
        .auto_offset_reset(AutoOffsetReset::Earliest)
        .isolation_level(IsolationLevel::ReadCommitted)
        .fetch(10, 1 << 20, 1 << 18, ms(100))
        .max_poll_records(10)
        .client_rack("r")
        .default_api_timeout(ms(1000))
        .max_prefetch_bytes(1 << 20)
        .build()
        .unwrap();
    assert_eq!(c.fetch_max_bytes, 1 << 20);
    assert_eq!(c.max_prefetch_bytes, 1 << 20);
}

#[test]
fn admin_config() {
    let a = AdminConfig::from_properties(with_bootstrap(&[("default.api.timeout.ms", "7000")]))
        .unwrap();
    assert_eq!(a.default_api_timeout, ms(7000));
    assert_eq!(
        AdminConfig::from_properties(with_bootstrap(&[]))
            .unwrap()
            .default_api_timeout,
        ms(60_000)
    );
    assert_eq!(
        AdminConfig::from_properties(with_bootstrap(&[("linger.ms", "1")]))
            .unwrap_err()
            .property(),
        Some("linger.ms")
    );
    let a = AdminConfig::from_properties_text("bootstrap.servers=k:1\nclient.id=adm").unwrap();
    assert_eq!(a.client.client_id, "adm");
    let a = AdminConfig::builder()
        .client(|c| c.bootstrap_servers(["k:1"]))
        .default_api_timeout(ms(1))
        .build()
        .unwrap();
    assert_eq!(a.default_api_timeout, ms(1));
}
