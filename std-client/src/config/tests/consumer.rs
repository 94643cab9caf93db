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
fn group_properties_need_group_id() {
    // Without group.id the consumer joins no group: a member's setting is refused, naming it.
    for (property, value) in [
        ("group.instance.id", "gw-1"),
        ("auto.commit.interval.ms", "1000"),
        ("session.timeout.ms", "10000"),
        ("heartbeat.interval.ms", "1000"),
        ("max.poll.interval.ms", "60000"),
        ("partition.assignment.strategy", "range"),
        ("enable.auto.commit", "true"),
        ("enable.auto.commit", "false"),
    ] {
        let error = consumer(&[(property, value)]).unwrap_err();
        assert!(
            matches!(error, ConfigError::Conflict { .. }),
            "{property}: {error}"
        );
        assert_eq!(error.property(), Some(property));
        assert!(error.to_string().contains("group.id"), "{error}");
        // With it, the same setting is taken.
        let config = consumer(&[("group.id", "orders"), (property, value)]).unwrap();
        assert!(config.group.is_some());
    }
    assert_eq!(consumer(&[("group.id", " ")]).unwrap().group, None);
}

#[test]
fn group_settings_are_read_and_checked() {
    let config = consumer(&[
        ("group.id", "orders"),
        ("group.instance.id", "gw-1"),
        ("session.timeout.ms", "10000"),
        ("heartbeat.interval.ms", "1000"),
        ("max.poll.interval.ms", "60000"),
        ("enable.auto.commit", "false"),
        ("auto.commit.interval.ms", "2000"),
        (
            "partition.assignment.strategy",
            "org.apache.kafka.clients.consumer.CooperativeStickyAssignor, roundrobin",
        ),
    ])
    .unwrap();
    let group = config.group.unwrap();
    assert_eq!(group.group_id, "orders");
    assert_eq!(group.group_instance_id.as_deref(), Some("gw-1"));
    assert_eq!(group.session_timeout, Duration::from_secs(10));
    assert_eq!(group.heartbeat_interval, Duration::from_secs(1));
    assert_eq!(group.max_poll_interval, Duration::from_secs(60));
    assert!(!group.auto_commit);
    assert_eq!(group.auto_commit_interval, Duration::from_secs(2));
    let names: Vec<&str> = group
        .assignors
        .as_slice()
        .iter()
        .map(|a| a.name())
        .collect();
    assert_eq!(names, ["cooperative-sticky", "roundrobin"]);
    // Java's defaults.
    let group = consumer(&[("group.id", "g")]).unwrap().group.unwrap();
    assert!(group.auto_commit);
    assert_eq!(
        format!("{:?}", group.assignors),
        r#"["range", "cooperative-sticky"]"#
    );

    let unknown = consumer(&[("group.id", "g"), ("partition.assignment.strategy", "fair")]);
    assert!(matches!(
        unknown.unwrap_err(),
        ConfigError::InvalidValue { .. }
    ));
    let heartbeat = consumer(&[
        ("group.id", "g"),
        ("session.timeout.ms", "3000"),
        ("heartbeat.interval.ms", "3000"),
    ]);
    assert_eq!(
        heartbeat.unwrap_err().property(),
        Some("heartbeat.interval.ms")
    );
    let none = consumer(&[("group.id", "g"), ("partition.assignment.strategy", " ")]);
    assert_eq!(
        none.unwrap_err().property(),
        Some("partition.assignment.strategy")
    );
}

#[test]
fn what_franzl_does_not_do_is_refused() {
    for (property, value) in [
        ("allow.auto.create.topics", "true"),
        ("exclude.internal.topics", "false"),
    ] {
        let error = consumer(&[("group.id", "g"), (property, value)]).unwrap_err();
        assert!(
            matches!(error, ConfigError::UnsupportedProperty { .. }),
            "{property}: {error}"
        );
        assert_eq!(error.property(), Some(property));
    }
    consumer(&[
        ("group.protocol", "classic"),
        ("allow.auto.create.topics", "false"),
        ("exclude.internal.topics", "true"),
    ])
    .unwrap();
    let error = consumer(&[("group.id", "g"), ("enable.auto.commit", "maybe")]).unwrap_err();
    assert!(matches!(error, ConfigError::InvalidValue { .. }), "{error}");
}

#[test]
fn the_consumer_protocol_takes_a_remote_assignor_and_refuses_the_classic_settings() {
    let c = consumer(&[
        ("group.id", "g"),
        ("group.protocol", "consumer"),
        ("group.remote.assignor", "range"),
        ("max.poll.interval.ms", "60000"),
        ("enable.auto.commit", "false"),
    ])
    .unwrap();
    let group = c.group.unwrap();
    assert_eq!(group.protocol, GroupProtocol::Consumer);
    assert_eq!(group.remote_assignor.as_deref(), Some("range"));
    assert_eq!(group.max_poll_interval, ms(60_000));
    let plain = consumer(&[("group.id", "g"), ("group.protocol", "CONSUMER")]).unwrap();
    assert_eq!(plain.group.unwrap().remote_assignor, None);
    let pairs = [
        ("group.id", "g"),
        ("group.protocol", "consumer"),
        ("group.instance.id", "i-1"),
    ];
    let static_member = consumer(&pairs).unwrap().group.unwrap();
    assert_eq!(static_member.group_instance_id.as_deref(), Some("i-1"));
    // The broker sets these in the consumer protocol: refused, naming both properties, even
    // at their default values.
    for (property, value) in [
        ("session.timeout.ms", "45000"),
        ("heartbeat.interval.ms", "1000"),
        ("partition.assignment.strategy", "range"),
    ] {
        let pairs = [
            ("group.id", "g"),
            ("group.protocol", "consumer"),
            (property, value),
        ];
        let error = consumer(&pairs).unwrap_err();
        assert_eq!(error.property(), Some(property), "{error}");
        let text = error.to_string();
        assert!(text.contains("group.protocol"), "{text}");
        // The same setting is accepted with the classic protocol.
        consumer(&[("group.id", "g"), (property, value)]).unwrap();
    }
    // A typed configuration that changes a classic setting is refused the same way.
    let mut typed = GroupConfig::new("g");
    typed.protocol = GroupProtocol::Consumer;
    typed.heartbeat_interval = ms(500);
    let error = ConsumerConfig::builder()
        .client(|client| client.bootstrap_servers(["b:9092"]))
        .group(typed)
        .build()
        .unwrap_err();
    assert_eq!(error.property(), Some("heartbeat.interval.ms"));
    // The remote assignor means nothing to the classic protocol; unknown names are invalid.
    for protocol in [None, Some("classic")] {
        let mut pairs = vec![("group.id", "g"), ("group.remote.assignor", "uniform")];
        pairs.extend(protocol.map(|p| ("group.protocol", p)));
        let error = consumer(&pairs).unwrap_err();
        assert_eq!(error.property(), Some("group.remote.assignor"));
        assert!(error.to_string().contains("group.protocol"), "{error}");
    }
    let pairs = [
        ("group.id", "g"),
        ("group.protocol", "consumer"),
        ("group.remote.assignor", "sticky"),
    ];
    let error = consumer(&pairs).unwrap_err();
    assert!(matches!(error, ConfigError::InvalidValue { .. }), "{error}");
    let error = consumer(&[("group.protocol", "eager")]).unwrap_err();
    assert!(matches!(error, ConfigError::InvalidValue { .. }), "{error}");
    // Without group.id the consumer protocol would be ignored.
    let error = consumer(&[("group.protocol", "consumer")]).unwrap_err();
    assert_eq!(error.property(), Some("group.protocol"));
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
