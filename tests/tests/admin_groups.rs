//! The admin client's consumer groups against the plain broker: committed offsets altered, read
//! back, measured against the partitions' ends (lag) and deleted, then the group itself; and a
//! group with a live member, the broker's own Java console consumer, described with its
//! assignment decoded, and the calls the broker refuses while it is there.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_io::Timer;
use franzl::admin::{GroupDescription, NewTopic};
use franzl::core::ErrorCode;
use franzl::group::{CommittedOffset, OffsetAndMetadata};
use franzl::{Admin, AdminConfig, TopicPartition};
use franzl_tests::client::plain_config;
use franzl_tests::consumer::kcat_produce;
use franzl_tests::{Profile, broker, unique_topic};

fn admin() -> Admin {
    let broker = broker(Profile::Plain);
    smol::block_on(Admin::connect(AdminConfig::from_client(plain_config(
        broker,
    ))))
    .unwrap()
}

fn tp(topic: &str, partition: i32) -> TopicPartition {
    TopicPartition::new(topic, partition)
}

/// Writes `count` records to `topic`'s partition `partition` with kcat.
fn produce_to(topic: &str, partition: i32, count: usize) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let input: String = (0..count).map(|i| format!("k{i}:v{i}\n")).collect();
    let partition = partition.to_string();
    kcat_produce(&bootstrap, topic, "none", &["-p", &partition], &input);
}

/// Asks `describe` for `group` until `done` says yes, for at most `within`.
async fn describe_until(
    admin: &Admin,
    group: &str,
    within: Duration,
    done: impl Fn(&GroupDescription) -> bool,
) -> GroupDescription {
    let started = Instant::now();
    loop {
        // Until its first member joins, the group does not exist.
        let description = match admin.describe_groups(&[group]).await {
            Ok(mut described) => described.remove(0),
            Err(error) if error.kafka_code() == Some(ErrorCode::GROUP_ID_NOT_FOUND) => {
                assert!(
                    started.elapsed() < within,
                    "no group {group} after {within:?}"
                );
                Timer::after(Duration::from_millis(250)).await;
                continue;
            }
            Err(error) => panic!("describing {group}: {error}"),
        };
        if done(&description) {
            return description;
        }
        assert!(
            started.elapsed() < within,
            "group {group} not as expected after {within:?}: {description:#?}"
        );
        Timer::after(Duration::from_millis(250)).await;
    }
}

#[test]
fn committed_offsets_are_altered_read_measured_and_deleted_with_the_group() {
    let admin = admin();
    let topic = unique_topic("admin-groups-offsets");
    let group = unique_topic("admin-groups-offsets-group");
    smol::block_on(async {
        admin
            .create_topic(NewTopic::new(&topic, 2, 1))
            .await
            .unwrap();
        produce_to(&topic, 0, 5);
        produce_to(&topic, 1, 3);
        let by_admin = OffsetAndMetadata {
            offset: 2,
            leader_epoch: Some(0),
            metadata: Some("set by the test".into()),
        };
        let offsets = [
            (tp(&topic, 0), by_admin),
            (tp(&topic, 1), OffsetAndMetadata::new(3)),
        ];
        admin.alter_group_offsets(&group, &offsets).await.unwrap();

        let committed = admin.list_group_offsets(&group).await.unwrap();
        let expected = [
            CommittedOffset {
                partition: tp(&topic, 0),
                offset: Some(2),
                leader_epoch: Some(0),
                metadata: Some("set by the test".into()),
            },
            CommittedOffset {
                partition: tp(&topic, 1),
                offset: Some(3),
                leader_epoch: None,
                // Kafka stores no metadata as the empty string.
                metadata: Some(String::new()),
            },
        ];
        assert_eq!(committed, expected);

        let listed = admin.list_groups().await.unwrap();
        let listing = listed.iter().find(|g| g.group_id == group);
        let listing = listing.unwrap_or_else(|| panic!("{group} not listed: {listed:#?}"));
        assert_eq!(listing.state.as_deref(), Some("Empty"), "{listing:?}");
        let described = admin.describe_groups(&[&group]).await.unwrap();
        assert_eq!(described[0].state, "Empty");
        assert!(described[0].members.is_empty());

        let lag = admin.group_lag(&group).await.unwrap();
        let lag: Vec<_> = lag
            .iter()
            .map(|l| (l.partition.partition, l.committed, l.end, l.lag))
            .collect();
        assert_eq!(lag, [(0, Some(2), 5, Some(3)), (1, Some(3), 3, Some(0))]);

        admin
            .delete_group_offsets(&group, &[tp(&topic, 1)])
            .await
            .unwrap();
        let committed = admin.list_group_offsets(&group).await.unwrap();
        assert_eq!(committed, expected[..1]);

        admin.delete_groups(&[&group]).await.unwrap();
        assert_eq!(admin.list_group_offsets(&group).await.unwrap(), []);
        let listed = admin.list_groups().await.unwrap();
        assert!(!listed.iter().any(|g| g.group_id == group), "{listed:#?}");
        let error = admin.delete_groups(&[&group]).await.unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::GROUP_ID_NOT_FOUND),
            "{error}"
        );
        admin.delete_topics(&[&topic]).await.unwrap();
    });
}

/// The Java console consumer in a group, killed (by its PID) when dropped.
struct JavaMember(Child);

impl JavaMember {
    fn start(topic: &str, group: &str) -> Self {
        let bootstrap = broker(Profile::Plain).bootstrap();
        let mut command = xtask::broker::tool_command("console-consumer").unwrap();
        command.args([
            "--bootstrap-server",
            &bootstrap,
            "--topic",
            topic,
            "--group",
            group,
        ]);
        for property in [
            "group.protocol=classic",
            "client.id=java-console-member",
            // The broker's smallest: the killed member leaves the group soon after.
            "session.timeout.ms=6000",
            "heartbeat.interval.ms=1000",
        ] {
            command.args(["--consumer-property", property]);
        }
        let child = spawn_quietly(&mut command);
        Self(child)
    }
}

fn spawn_quietly(command: &mut Command) -> Child {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the console consumer starts")
}

impl Drop for JavaMember {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_java_member_is_described_with_its_assignment_and_blocks_what_needs_an_empty_group() {
    let admin = admin();
    let topic = unique_topic("admin-groups-java");
    let group = unique_topic("admin-groups-java-group");
    smol::block_on(async {
        admin
            .create_topic(NewTopic::new(&topic, 3, 1))
            .await
            .unwrap();
        let member = JavaMember::start(&topic, &group);
        let described = describe_until(&admin, &group, Duration::from_secs(90), |g| {
            g.state == "Stable"
                && g.members.len() == 1
                && g.members[0]
                    .assignment
                    .as_ref()
                    .is_some_and(|a| a.as_ref().is_ok_and(|a| !a.partitions.is_empty()))
        })
        .await;
        assert_eq!(described.protocol_type, "consumer");
        assert_eq!(
            described.protocol, "range",
            "the Java client's first assignor"
        );
        let java = &described.members[0];
        assert_eq!(java.client_id, "java-console-member");
        assert!(
            !java.member_id.is_empty() && !java.host.is_empty(),
            "{java:?}"
        );
        assert_eq!(java.group_instance_id, None);
        let assignment = java.assignment.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(
            assignment.partitions,
            [tp(&topic, 0), tp(&topic, 1), tp(&topic, 2)]
        );
        let listed = admin.list_groups().await.unwrap();
        let listing = listed.iter().find(|g| g.group_id == group).unwrap();
        assert_eq!(listing.protocol_type, "consumer");
        assert_eq!(listing.state.as_deref(), Some("Stable"));
        assert_eq!(listing.group_type.as_deref(), Some("classic"));

        let offsets = [(tp(&topic, 0), OffsetAndMetadata::new(0))];
        let error = admin
            .alter_group_offsets(&group, &offsets)
            .await
            .unwrap_err();
        assert_eq!(error.kafka_code(), Some(ErrorCode::UNKNOWN_MEMBER_ID));
        assert!(error.to_string().contains("only an empty group"), "{error}");
        let error = admin.delete_groups(&[&group]).await.unwrap_err();
        assert_eq!(error.kafka_code(), Some(ErrorCode::NON_EMPTY_GROUP));
        let error = admin
            .delete_group_offsets(&group, &[tp(&topic, 0)])
            .await
            .unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC),
            "{error}"
        );

        // Killed, the member is removed once its session times out; then the group can go.
        drop(member);
        describe_until(&admin, &group, Duration::from_secs(60), |g| {
            g.members.is_empty()
        })
        .await;
        admin.delete_groups(&[&group]).await.unwrap();
        admin.delete_topics(&[&topic]).await.unwrap();
    });
}
