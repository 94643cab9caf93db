//! The client on the three-node cluster: metadata lists every broker, and a leader change is
//! followed (the leader's node is killed; a request to the partition succeeds after a metadata
//! refresh; the node is restarted at the end, also when the test fails).

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use franzl::admin::NewTopic;
use franzl::cluster::{Client, needs_metadata_refresh};
use franzl::core::messages::list_offsets::ListOffsetsRequest;
use franzl::core::messages::{LIST_OFFSETS_LATEST, OnePartitionListOffsets};
use franzl::{Admin, AdminConfig, Error, Result};
use franzl_tests::client::builder;
use franzl_tests::{Profile, broker, unique_topic};

/// The tests of this binary take turns: one of them kills a node.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn cluster() -> Client {
    let broker = broker(Profile::Cluster3);
    let config = builder(&broker.bootstrap())
        .timeouts(
            Duration::from_secs(5),
            Duration::from_secs(10),
            Duration::from_secs(60),
        )
        .build()
        .unwrap();
    smol::block_on(Client::connect(config)).unwrap()
}

#[test]
fn metadata_lists_three_brokers() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let cluster = cluster();
    let metadata = cluster.metadata();
    assert_eq!(metadata.brokers.len(), 3, "{metadata:?}");
    let broker = broker(Profile::Cluster3);
    for node in &broker.nodes {
        let address = &metadata.brokers[&i32::try_from(node.id).unwrap()];
        assert_eq!(address.port, node.address.port());
    }
    smol::block_on(async {
        for node_id in metadata.brokers.keys() {
            let connection = cluster.broker(*node_id).await.unwrap();
            assert_eq!(connection.node_id(), Some(*node_id));
        }
    });
}

/// Restarts the killed node when dropped, so a failing test leaves a whole cluster.
struct Restart(u32);

impl Drop for Restart {
    fn drop(&mut self) {
        if let Err(error) = xtask::broker::restart_node(Profile::Cluster3, self.0) {
            eprintln!("cannot restart node {}: {error}", self.0);
        }
    }
}

/// The latest offset of partition 0 of `topic`, asked of the leader franzl routes to.
async fn latest_offset(cluster: &Client, topic: &str) -> Result<(i32, i64)> {
    let connection = cluster.leader(topic, 0).await?;
    let list = OnePartitionListOffsets {
        topic,
        partition: 0,
        timestamp: LIST_OFFSETS_LATEST,
        isolation_level: 0,
        timeout_ms: 30_000,
    };
    let partitions = list.partitions();
    let topics = list.topics(&partitions);
    let response = connection.request(&list.request(&topics)).await?;
    let decoded = response.decode::<ListOffsetsRequest<'_>>()?;
    let answer = list
        .find(&decoded)
        .ok_or_else(|| Error::protocol("no partition in the answer"))?;
    let code = answer.error_code;
    if !code.is_ok() {
        return Err(Error::kafka(code, None, format!("{topic}-0")));
    }
    Ok((connection.node_id().unwrap(), answer.offset))
}

#[test]
fn a_leader_change_is_followed() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let cluster = cluster();
    let admin = Admin::new(&cluster, AdminConfig::from_client(cluster.config().clone())).unwrap();
    let topic = unique_topic("client-leader-change");
    smol::block_on(admin.create_topic(NewTopic::new(&topic, 1, 3))).unwrap();
    let (leader, offset) = smol::block_on(following_leader(&cluster, &topic));
    assert_eq!(offset, 0);

    let node = u32::try_from(leader).unwrap();
    xtask::broker::kill_node(Profile::Cluster3, node).unwrap();
    let restart = Restart(node);

    let (new_leader, offset) = smol::block_on(following_leader(&cluster, &topic));
    assert_ne!(new_leader, leader, "a new leader answered");
    assert_eq!(offset, 0);
    assert_eq!(cluster.cached_leader(&topic, 0), Some(new_leader));

    // The pool reconnects to the node once it is back (after its backoff).
    drop(restart);
    smol::block_on(async {
        let mut attempts = 0;
        loop {
            attempts += 1;
            match cluster.broker(leader).await {
                Ok(connection) => {
                    connection
                        .request(&ListOffsetsRequest::default())
                        .await
                        .unwrap();
                    break;
                }
                Err(error) if attempts < 30 && error.is_retriable() => {
                    smol::Timer::after(Duration::from_millis(500)).await;
                }
                Err(error) => panic!("node {leader} not reachable again: {error}"),
            }
        }
    });
}

/// [`latest_offset`], invalidating the cached leader and retrying while the error says the
/// leader moved or the connection failed (as a producer or consumer does).
async fn following_leader(cluster: &Client, topic: &str) -> (i32, i64) {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match latest_offset(cluster, topic).await {
            Ok(answer) => return answer,
            Err(error) if attempts < 60 => {
                let refresh = error.kafka_code().is_some_and(needs_metadata_refresh);
                assert!(refresh || error.is_retriable(), "{error}");
                cluster.invalidate_leader(topic, 0);
                smol::Timer::after(Duration::from_millis(500)).await;
            }
            Err(error) => panic!("no leader after {attempts} attempts: {error}"),
        }
    }
}
