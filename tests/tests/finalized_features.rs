//! Finalized features against the plain broker: the levels Kafka 4.3.1 reports in ApiVersions,
//! and a change made with Kafka's own feature tool (`kafka-features.sh`, the Java class
//! `org.apache.kafka.tools.FeatureCommand`) showing on a new connection with a newer epoch.
//!
//! The test lowers `transaction.version` on the shared broker and puts it back before it
//! returns (also when it fails), so other test binaries find the level the broker started with.
//! It is the only test in this binary, so nothing here runs while the level is lowered.

use franzl::cluster::Client;
use franzl::core::messages::Feature;
use franzl_tests::client::plain_config;
use franzl_tests::features::{
    Restore, new_connection_features, set_level, wait_for_transaction_version,
};
use franzl_tests::{Profile, broker};

#[test]
fn the_broker_reports_finalized_features_and_a_change_shows_with_a_newer_epoch() {
    let broker = broker(Profile::Plain);
    let bootstrap = broker.bootstrap();
    let cluster = smol::block_on(Client::connect(plain_config(broker))).unwrap();

    // What Kafka 4.3.1 in KRaft mode finalizes when its storage is formatted.
    let before = cluster.finalized_features();
    let listed: Vec<_> = before.iter().collect();
    eprintln!("epoch {:?}, finalized {listed:?}", before.epoch());
    assert!(before.is_known(), "{before:?}");
    assert!(before.epoch().is_some_and(|epoch| epoch >= 0));
    assert_eq!(before.transaction_version(), Some(2));
    assert_eq!(before.group_version(), Some(1));
    assert_eq!(before.level("transaction.version"), Some(2));
    assert_eq!(before.level("group.version"), Some(1));
    assert_eq!(before.level("share.version"), Some(1));
    assert_eq!(before.level("streams.version"), Some(1));
    assert_eq!(before.level("eligible.leader.replicas.version"), Some(1));
    // A single node with a static controller quorum: kraft.version 0, so it is not listed.
    assert_eq!(before.level("kraft.version"), Some(0));
    assert!(!listed.iter().any(|(name, _)| *name == "kraft.version"));
    // 4.3-IV0, the newest production metadata version of Kafka 4.3.1.
    assert_eq!(before.level("metadata.version"), Some(30));
    assert_eq!(
        before.feature(Feature::MetadataVersion),
        before.level("metadata.version")
    );
    // Every connection's handshake agrees with the cluster's view.
    assert_eq!(*new_connection_features(&bootstrap), *before);

    let restore = Restore::transaction_version(&bootstrap);
    let run = set_level(&bootstrap, "downgrade", "transaction.version", 1);
    assert!(run.success, "downgrade failed: {run:?}");
    let lowered = wait_for_transaction_version(&bootstrap, 1);
    assert!(
        lowered.epoch() > before.epoch(),
        "{lowered:?} after {before:?}"
    );
    assert!(lowered.is_newer_than(&before));
    assert_eq!(lowered.group_version(), Some(1), "other features unchanged");
    assert_eq!(
        lowered.level("metadata.version"),
        before.level("metadata.version")
    );

    // The cluster's pooled connection still has the old handshake; asking again sees the
    // change, and the newest epoch wins.
    assert_eq!(cluster.finalized_features().transaction_version(), Some(2));
    let refreshed = smol::block_on(cluster.refresh_finalized_features()).unwrap();
    assert_eq!(refreshed.transaction_version(), Some(1));
    assert!(refreshed.epoch() >= lowered.epoch());
    assert_eq!(cluster.finalized_features(), refreshed);

    drop(restore);
    let restored = wait_for_transaction_version(&bootstrap, 2);
    assert!(restored.epoch() > lowered.epoch());
    smol::block_on(cluster.close());
}
