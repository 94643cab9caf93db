//! The admin client against the plain broker: each operation, and its errors (with the Kafka
//! error code and the broker's message).

use std::time::{SystemTime, UNIX_EPOCH};

use franzl::admin::{AlterConfigOp, ConfigSource, NewTopic, OffsetSpec};
use franzl::core::ErrorCode;
use franzl::{Admin, AdminConfig};
use franzl_tests::client::plain_config;
use franzl_tests::java_tools::produce;
use franzl_tests::{Profile, broker, unique_topic};

fn admin() -> Admin {
    let broker = broker(Profile::Plain);
    smol::block_on(Admin::connect(AdminConfig::from_client(plain_config(
        broker,
    ))))
    .unwrap()
}

#[test]
fn create_describe_list_and_delete_a_topic() {
    let admin = admin();
    let topic = unique_topic("admin-create");
    smol::block_on(async {
        admin
            .create_topic(NewTopic::new(&topic, 3, 1).config("retention.ms", "3600000"))
            .await
            .unwrap();
        // The metadata already shows it, with a leader per partition.
        let metadata = admin.client().metadata();
        let described = metadata.topic(&topic).expect("in the metadata");
        assert_eq!(described.partitions.len(), 3);
        assert!(described.partitions.iter().all(|p| p.leader >= 0));

        let listing = admin.list_topics().await.unwrap();
        assert!(listing.iter().any(|t| t.name == topic && !t.internal));

        let described = admin.describe_topics(&[&topic]).await.unwrap();
        assert_eq!(described[0].1.partitions.len(), 3);

        let error = admin
            .create_topic(NewTopic::new(&topic, 1, 1))
            .await
            .unwrap_err();
        assert_eq!(error.kafka_code(), Some(ErrorCode::TOPIC_ALREADY_EXISTS));
        assert!(error.to_string().contains(&topic), "{error}");

        admin.delete_topics(&[&topic]).await.unwrap();
        let listing = admin.list_topics().await.unwrap();
        assert!(!listing.iter().any(|t| t.name == topic));
        let error = admin.delete_topics(&[&topic]).await.unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION),
            "{error}"
        );
    });
}

#[test]
fn bad_topic_requests_carry_the_code_and_the_broker_message() {
    let admin = admin();
    smol::block_on(async {
        let error = admin
            .create_topic(NewTopic::new(unique_topic("admin-rf"), 1, 5))
            .await
            .unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::INVALID_REPLICATION_FACTOR),
            "{error}"
        );
        let franzl::Error::Kafka { message, .. } = &error else {
            panic!("{error}")
        };
        assert!(message.is_some(), "the broker's message is kept: {error}");

        let missing = unique_topic("admin-missing");
        let error = admin.describe_topics(&[&missing]).await.unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
        );
        let error = admin.describe_topic_config(&missing).await.unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
        );
        let error = admin
            .list_offsets(&missing, &[(0, OffsetSpec::Latest)])
            .await
            .unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
        );
    });
}

#[test]
fn partitions_can_be_added() {
    let admin = admin();
    let topic = unique_topic("admin-partitions");
    smol::block_on(async {
        admin
            .create_topic(NewTopic::new(&topic, 1, 1))
            .await
            .unwrap();
        admin.create_partitions(&topic, 4).await.unwrap();
        assert_eq!(
            admin
                .client()
                .metadata()
                .topic(&topic)
                .unwrap()
                .partitions
                .len(),
            4
        );
        let error = admin.create_partitions(&topic, 2).await.unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::INVALID_PARTITIONS),
            "{error}"
        );
        admin.delete_topics(&[&topic]).await.unwrap();
    });
}

#[test]
fn describe_cluster_names_the_broker() {
    let admin = admin();
    let description = smol::block_on(admin.describe_cluster()).unwrap();
    assert_eq!(description.brokers.len(), 1);
    assert!(description.cluster_id.is_some());
    assert_eq!(
        description.brokers[0].port,
        i32::from(broker(Profile::Plain).nodes[0].address.port())
    );
}

#[test]
fn topic_configs_are_described_and_altered_incrementally() {
    let admin = admin();
    let topic = unique_topic("admin-configs");
    smol::block_on(async {
        admin
            .create_topic(NewTopic::new(&topic, 1, 1).config("retention.ms", "3600000"))
            .await
            .unwrap();
        let configs = admin.describe_topic_config(&topic).await.unwrap();
        let retention = configs.iter().find(|c| c.name == "retention.ms").unwrap();
        assert_eq!(retention.value.as_deref(), Some("3600000"));
        assert_eq!(retention.source, ConfigSource::Topic);

        admin
            .alter_topic_config(
                &topic,
                &[
                    AlterConfigOp::Set("segment.ms".into(), "7200000".into()),
                    AlterConfigOp::Delete("retention.ms".into()),
                ],
            )
            .await
            .unwrap();
        // The broker applies an accepted change through its metadata log, so a describe right
        // after the alter may still show the old value (as with the Java admin client): wait
        // for the change to become visible, within a bound.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let configs = admin.describe_topic_config(&topic).await.unwrap();
            let value = |name: &str| {
                configs
                    .iter()
                    .find(|c| c.name == name)
                    .map(|c| (c.value.clone(), c.source))
                    .unwrap()
            };
            let segment = value("segment.ms");
            let retention_source = value("retention.ms").1;
            if segment == (Some("7200000".into()), ConfigSource::Topic)
                && retention_source != ConfigSource::Topic
            {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the alter never became visible: segment.ms {segment:?}, retention.ms from \
                 {retention_source:?}"
            );
            smol::Timer::after(std::time::Duration::from_millis(100)).await;
        }

        let error = admin
            .alter_topic_config(
                &topic,
                &[AlterConfigOp::Set("retention.ms".into(), "soon".into())],
            )
            .await
            .unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::INVALID_CONFIG),
            "{error}"
        );
        admin.delete_topics(&[&topic]).await.unwrap();
    });
}

#[test]
fn offsets_are_listed_and_records_deleted() {
    let broker = broker(Profile::Plain);
    let admin = admin();
    let topic = unique_topic("admin-offsets");
    smol::block_on(admin.create_topic(NewTopic::new(&topic, 1, 1))).unwrap();
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    produce(
        &broker.bootstrap(),
        None,
        &topic,
        &["a", "b", "c", "d", "e"],
    );
    smol::block_on(async {
        let earliest = admin
            .list_offsets(&topic, &[(0, OffsetSpec::Earliest)])
            .await
            .unwrap();
        assert_eq!(earliest[0].offset, 0);
        let latest = admin
            .list_offsets(&topic, &[(0, OffsetSpec::Latest)])
            .await
            .unwrap();
        assert_eq!(latest[0].offset, 5);
        let by_time = admin
            .list_offsets(&topic, &[(0, OffsetSpec::Timestamp(before - 60_000))])
            .await
            .unwrap();
        assert_eq!(by_time[0].offset, 0);
        let future = admin
            .list_offsets(&topic, &[(0, OffsetSpec::Timestamp(before + 3_600_000))])
            .await
            .unwrap();
        assert_eq!(future[0].offset, -1, "no record that late");

        let low = admin.delete_records(&topic, &[(0, 3)]).await.unwrap();
        assert_eq!(low, [(0, 3)]);
        let earliest = admin
            .list_offsets(&topic, &[(0, OffsetSpec::Earliest)])
            .await
            .unwrap();
        assert_eq!(earliest[0].offset, 3);
        let error = admin.delete_records(&topic, &[(0, 99)]).await.unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::OFFSET_OUT_OF_RANGE),
            "{error}"
        );
        admin.delete_topics(&[&topic]).await.unwrap();
    });
}
