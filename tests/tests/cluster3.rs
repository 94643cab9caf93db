//! The three-node cluster: a round trip, and losing a node. Its own test binary because it kills
//! a node; its tests take turns, and the loss test restarts the node before it returns.

use std::sync::{Mutex, PoisonError};

use franzl_tests::java_tools::{consume, create_topic, produce, run};
use franzl_tests::{Profile, broker, unique_topic};

/// Held by each test, so the node-loss test never runs beside another test of this binary.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn cluster3_round_trip() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let broker = broker(Profile::Cluster3);
    let bootstrap = broker.bootstrap();
    let topic = unique_topic("round-trip-cluster3");
    create_topic(&bootstrap, None, &topic, 1);
    produce(&bootstrap, None, &topic, &["one", "two", "three"]);
    assert_eq!(
        consume(&bootstrap, None, &topic, 3),
        ["one", "two", "three"]
    );
}

#[test]
fn cluster3_serves_after_losing_the_leader() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let broker = broker(Profile::Cluster3);
    let bootstrap = broker.bootstrap();
    let topic = unique_topic("node-loss");
    create_topic(&bootstrap, None, &topic, 1);
    assert_eq!(replication_factor(&bootstrap, &topic), 3);
    produce(
        &bootstrap,
        None,
        &topic,
        &["before-1", "before-2", "before-3"],
    );

    let leader = leader(&bootstrap, &topic);
    let pid = xtask::broker::kill_node(Profile::Cluster3, leader)
        .unwrap_or_else(|error| panic!("cannot kill node {leader}: {error}"));
    // The two survivors elect a new leader and still meet min.insync.replicas=2.
    let survivors = broker.bootstrap_without(leader);
    produce(&survivors, None, &topic, &["after-1", "after-2", "after-3"]);
    let values = consume(&survivors, None, &topic, 6);
    assert_eq!(
        values,
        [
            "before-1", "before-2", "before-3", "after-1", "after-2", "after-3"
        ]
    );

    let whole = xtask::broker::restart_node(Profile::Cluster3, leader)
        .unwrap_or_else(|error| panic!("cannot restart node {leader}: {error}"));
    assert_eq!(whole.nodes.len(), 3);
    assert_ne!(whole.node(leader).map(|node| node.pid), Some(pid));
}

/// The leader of partition 0 of `topic`, from `topics --describe`.
fn leader(bootstrap: &str, topic: &str) -> u32 {
    let describe = describe(bootstrap, topic);
    let field = describe
        .split_whitespace()
        .skip_while(|word| *word != "Leader:")
        .nth(1);
    field
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no leader in: {describe}"))
}

/// The replication factor of `topic`, from `topics --describe`.
fn replication_factor(bootstrap: &str, topic: &str) -> u32 {
    let describe = describe(bootstrap, topic);
    let field = describe
        .split_whitespace()
        .skip_while(|word| *word != "ReplicationFactor:")
        .nth(1);
    field
        .and_then(|rf| rf.parse().ok())
        .unwrap_or_else(|| panic!("no replication factor in: {describe}"))
}

fn describe(bootstrap: &str, topic: &str) -> String {
    let args = [
        "--bootstrap-server",
        bootstrap,
        "--describe",
        "--topic",
        topic,
    ];
    let run = run("topics", &args, None, "");
    assert!(run.success, "topics --describe failed: {run:?}");
    run.stdout
}
