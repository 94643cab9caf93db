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
    let c = consumer(&[("group.id", "g")]).unwrap();
    assert_eq!(c.group_id.as_deref(), Some("g"));
    assert_eq!(c.group_instance_id, None);
    assert_eq!(c.auto_offset_reset, AutoOffsetReset::Latest);
    assert_eq!(c.isolation_level, IsolationLevel::ReadUncommitted);
    assert_eq!(c.fetch_min_bytes, 1);
    assert_eq!(c.fetch_max_bytes, 52_428_800);
    assert_eq!(c.max_partition_fetch_bytes, 1_048_576);
    assert_eq!(c.fetch_max_wait, ms(500));
    assert_eq!(c.max_prefetch_bytes, 65_536 * 1024);
    assert!(c.enable_auto_commit);
    assert_eq!(c.auto_commit_interval, ms(5000));
    assert_eq!(c.session_timeout, ms(45_000));
    assert_eq!(c.heartbeat_interval, ms(3000));
    assert_eq!(c.max_poll_interval, ms(300_000));
    assert_eq!(c.max_poll_records, 500);
    assert_eq!(c.assignors, [Assignor::Range, Assignor::CooperativeSticky]);
    assert!(c.check_crcs);
    assert_eq!(c.client_rack, None);
    assert_eq!(c.default_api_timeout, ms(60_000));
    assert!(c.allow_auto_create_topics);
    assert!(c.exclude_internal_topics);
    // Left to the OS (as librdkafka does), unlike Java's fixed 64 KiB.
    assert_eq!(c.client.socket.receive_buffer, None);
}

#[test]
fn every_property() {
    let c = consumer(&[
        ("group.id", "orders"),
        ("group.instance.id", "gw-1"),
        ("auto.offset.reset", "earliest"),
        ("isolation.level", "read_committed"),
        ("fetch.min.bytes", "100"),
        ("fetch.max.bytes", "1000000"),
        ("max.partition.fetch.bytes", "200000"),
        ("fetch.max.wait.ms", "250"),
        ("queued.max.messages.kbytes", "1024"),
        ("enable.auto.commit", "false"),
        ("auto.commit.interval.ms", "1000"),
        ("session.timeout.ms", "10000"),
        ("heartbeat.interval.ms", "1000"),
        ("max.poll.interval.ms", "60000"),
        ("max.poll.records", "50"),
        (
            "partition.assignment.strategy",
            "cooperative-sticky, roundrobin",
        ),
        ("check.crcs", "false"),
        ("client.rack", "eu-1a"),
        ("default.api.timeout.ms", "5000"),
        ("allow.auto.create.topics", "false"),
        ("exclude.internal.topics", "false"),
    ])
    .unwrap();
    assert_eq!(c.group_instance_id.as_deref(), Some("gw-1"));
    assert_eq!(c.auto_offset_reset, AutoOffsetReset::Earliest);
    assert_eq!(c.isolation_level, IsolationLevel::ReadCommitted);
    assert_eq!(c.isolation_level.as_i8(), 1);
    assert_eq!((c.fetch_min_bytes, c.fetch_max_bytes), (100, 1_000_000));
    assert_eq!(c.max_partition_fetch_bytes, 200_000);
    assert_eq!(c.fetch_max_wait, ms(250));
    assert_eq!(c.max_prefetch_bytes, 1024 * 1024);
    assert!(!c.enable_auto_commit);
    assert_eq!(c.auto_commit_interval, ms(1000));
    assert_eq!(
        (c.session_timeout, c.heartbeat_interval),
        (ms(10_000), ms(1000))
    );
    assert_eq!(c.max_poll_interval, ms(60_000));
    assert_eq!(c.max_poll_records, 50);
    assert_eq!(
        c.assignors,
        [Assignor::CooperativeSticky, Assignor::RoundRobin]
    );
    assert!(!c.check_crcs);
    assert_eq!(c.client_rack.as_deref(), Some("eu-1a"));
    assert_eq!(c.default_api_timeout, ms(5000));
    assert!(!c.allow_auto_create_topics);
    assert!(!c.exclude_internal_topics);
}

#[test]
fn librdkafka_aliases_and_values() {
    let c = consumer(&[
        ("group.id", "g"),
        ("auto.offset.reset", "smallest"),
        ("fetch.message.max.bytes", "4096"),
        ("fetch.wait.max.ms", "100"),
        (
            "partition.assignment.strategy",
            "org.apache.kafka.clients.consumer.RangeAssignor,range",
        ),
    ])
    .unwrap();
    assert_eq!(c.auto_offset_reset, AutoOffsetReset::Earliest);
    assert_eq!(c.max_partition_fetch_bytes, 4096);
    assert_eq!(c.fetch_max_wait, ms(100));
    assert_eq!(c.assignors, [Assignor::Range]);
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
fn auto_commit_needs_a_group() {
    let c = consumer(&[]).unwrap();
    assert_eq!(c.group_id, None);
    assert!(
        !c.enable_auto_commit,
        "turned off without a group, as in the Java consumer"
    );
    let error = consumer(&[("enable.auto.commit", "true")]).unwrap_err();
    assert_eq!(error.property(), Some("enable.auto.commit"));
    assert_eq!(consumer(&[("group.id", " ")]).unwrap().group_id, None);
    let error = consumer(&[("group.instance.id", "i")]).unwrap_err();
    assert_eq!(error.property(), Some("group.instance.id"));
}

#[test]
fn prefetch_bound_holds_one_fetch() {
    let error = consumer(&[("queued.max.messages.kbytes", "1024")]).unwrap_err();
    assert_eq!(error.property(), Some("queued.max.messages.kbytes"));
    let c = consumer(&[
        ("queued.max.messages.kbytes", "1024"),
        ("fetch.max.bytes", "1048576"),
    ])
    .unwrap();
    assert_eq!(c.max_prefetch_bytes, c.fetch_max_bytes);
}

#[test]
fn invalid_unknown_and_unsupported() {
    for (property, value) in [
        ("auto.offset.reset", "oldest"),
        ("isolation.level", "serializable"),
        ("partition.assignment.strategy", "sticky"),
        ("max.poll.records", "0"),
        ("session.timeout.ms", "soon"),
        ("check.crcs", "on"),
    ] {
        let error = consumer(&[("group.id", "g"), (property, value)]).unwrap_err();
        assert!(matches!(error, ConfigError::InvalidValue { .. }), "{error}");
        assert!(error.to_string().contains(value));
    }
    let error = consumer(&[("group.id", "g"), ("partition.assignment.strategy", "")]).unwrap_err();
    assert_eq!(error.property(), Some("partition.assignment.strategy"));
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
        .group_id("g")
        .group_instance_id("i")
        .auto_offset_reset(AutoOffsetReset::Earliest)
        .isolation_level(IsolationLevel::ReadCommitted)
        .enable_auto_commit(false)
        .fetch(10, 1 << 20, 1 << 18, ms(100))
        .auto_commit_interval(ms(2000))
        .group_timing(ms(30_000), ms(2000), ms(100_000))
        .max_poll_records(10)
        .assignors([Assignor::RoundRobin])
        .client_rack("r")
        .default_api_timeout(ms(1000))
        .max_prefetch_bytes(1 << 20)
        .build()
        .unwrap();
    assert_eq!(c.fetch_max_bytes, 1 << 20);
    assert_eq!(c.max_prefetch_bytes, 1 << 20);
    assert!(!c.enable_auto_commit);
    assert_eq!(c.assignors, [Assignor::RoundRobin]);
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
