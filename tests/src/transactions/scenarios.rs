//! The transaction scenarios, each an async function of the bootstrap address and the protocol
//! the run expects (see the module above).

use std::time::{Duration, Instant};

use franzl::config::{GroupConfig, IsolationLevel};
use franzl::consumer::{Consumer, TopicPartition};
use franzl::group::{ConsumerGroupMetadata, OffsetAndMetadata};
use franzl::{Error, Producer, ProducerRecord, TransactionErrorClass};

use super::{
    Protocol, WAIT, begin, check_requests, initialized, numbered, read_all, reader, send_all,
    sent_any, transactional,
};
use crate::consumer::config;
use crate::java_tools::create_topic;
use crate::unique_topic;

/// A new topic of one partition, named after `prefix`.
fn topic(bootstrap: &str, prefix: &str) -> String {
    let topic = unique_topic(prefix);
    create_topic(bootstrap, None, &topic, 1);
    topic
}

/// Commit, abort, commit: `read_committed` sees the committed records only,
/// `read_uncommitted` every one.
pub async fn commit_and_abort(bootstrap: &str, protocol: Protocol) {
    let topic = topic(bootstrap, "txn-commit-abort");
    let id = unique_topic("tx");
    let producer = initialized(transactional(bootstrap, &id, |b| b)).await;
    for (prefix, range, commit) in [("c", 0..10, true), ("a", 0..10, false), ("c", 10..20, true)] {
        begin(&producer, protocol);
        send_all(&producer, &topic, numbered(prefix, range)).await;
        if commit {
            producer.commit_transaction().await.unwrap();
        } else {
            producer.abort_transaction().await.unwrap();
        }
    }
    producer.close().await;

    let committed = read_all(bootstrap, &topic, IsolationLevel::ReadCommitted, 20, WAIT).await;
    assert_eq!(
        committed,
        numbered("c", 0..20),
        "read_committed: committed records only"
    );
    let all = read_all(bootstrap, &topic, IsolationLevel::ReadUncommitted, 30, WAIT).await;
    let mut expected = numbered("c", 0..10);
    expected.extend(numbered("a", 0..10));
    expected.extend(numbered("c", 10..20));
    assert_eq!(
        all, expected,
        "read_uncommitted: every record, aborted ones too"
    );

    let sent = check_requests(&id, protocol);
    assert_eq!(
        sent_any(&sent, "AddPartitionsToTxn"),
        protocol == Protocol::V1,
        "v1 adds partitions itself: {sent:?}"
    );
    assert!(sent_any(&sent, "EndTxn"), "{sent:?}");
}

/// An open transaction holds `read_committed` back at its first offset (the last stable
/// offset, which ListOffsets at `read_committed` answers) until it commits.
pub async fn last_stable_offset(bootstrap: &str, protocol: Protocol) {
    let topic = topic(bootstrap, "txn-lso");
    let id = unique_topic("tx");
    let producer = initialized(transactional(bootstrap, &id, |b| b)).await;
    begin(&producer, protocol);
    send_all(&producer, &topic, numbered("open", 0..5)).await;

    let tp = [TopicPartition::new(&topic, 0)];
    let committed_reader = Consumer::connect(reader(bootstrap, IsolationLevel::ReadCommitted))
        .await
        .unwrap();
    let uncommitted_reader = Consumer::connect(reader(bootstrap, IsolationLevel::ReadUncommitted))
        .await
        .unwrap();
    assert_eq!(committed_reader.end_offsets(&tp).await.unwrap(), [0]);
    assert_eq!(uncommitted_reader.end_offsets(&tp).await.unwrap(), [5]);
    let held = read_all(
        bootstrap,
        &topic,
        IsolationLevel::ReadCommitted,
        1,
        Duration::from_secs(2),
    )
    .await;
    assert!(
        held.is_empty(),
        "read_committed sees nothing of an open transaction: {held:?}"
    );

    producer.commit_transaction().await.unwrap();
    // The stable end moves past the commit marker once the coordinator has written it, which
    // it does after answering EndTxn.
    let deadline = Instant::now() + WAIT;
    loop {
        let stable = committed_reader.end_offsets(&tp).await.unwrap();
        if stable == [6] {
            break;
        }
        assert_eq!(
            stable,
            [0],
            "the open transaction's start, or past its marker"
        );
        assert!(
            Instant::now() < deadline,
            "the stable end never passed the marker"
        );
        smol::Timer::after(Duration::from_millis(50)).await;
    }
    let seen = read_all(bootstrap, &topic, IsolationLevel::ReadCommitted, 5, WAIT).await;
    assert_eq!(seen, numbered("open", 0..5));
    committed_reader.close().await;
    uncommitted_reader.close().await;
    producer.close().await;
    check_requests(&id, protocol);
}

/// A second producer with the same transactional id fences the first: the first's next call
/// fails fatally, so does every later one, and its open transaction is aborted.
pub async fn zombie_fencing(bootstrap: &str, protocol: Protocol) {
    let topic = topic(bootstrap, "txn-fence");
    let id = unique_topic("tx-fence");
    let zombie = initialized(transactional(bootstrap, &id, |b| b)).await;
    begin(&zombie, protocol);
    send_all(&zombie, &topic, numbered("zombie", 0..5)).await;

    let successor = initialized(transactional(bootstrap, &id, |b| b)).await;
    let error = zombie
        .commit_transaction()
        .await
        .expect_err("the zombie is fenced");
    assert_eq!(
        error.transaction_class(),
        Some(TransactionErrorClass::Fatal),
        "{error}"
    );
    let again = zombie.begin_transaction().expect_err("still fenced");
    assert_eq!(
        again.transaction_class(),
        Some(TransactionErrorClass::Fatal),
        "{again}"
    );

    begin(&successor, protocol);
    send_all(&successor, &topic, numbered("successor", 0..5)).await;
    successor.commit_transaction().await.unwrap();
    successor.close().await;
    zombie.close().await;

    let seen = read_all(bootstrap, &topic, IsolationLevel::ReadCommitted, 5, WAIT).await;
    assert_eq!(
        seen,
        numbered("successor", 0..5),
        "the zombie's transaction was aborted"
    );
    check_requests(&id, protocol);
}

/// A transaction left open past `transaction.timeout.ms` is aborted by the broker; the
/// producer's commit then fails and nothing of it is seen.
pub async fn timed_out(bootstrap: &str, protocol: Protocol) {
    let topic = topic(bootstrap, "txn-timeout");
    let id = unique_topic("tx-timeout");
    let config = transactional(bootstrap, &id, |b| {
        b.transaction_timeout(Duration::from_secs(2))
    });
    let producer = initialized(config).await;
    begin(&producer, protocol);
    send_all(&producer, &topic, numbered("late", 0..5)).await;
    // The coordinator looks for expired transactions every
    // transaction.abort.timed.out.transaction.cleanup.interval.ms (the test broker: 1 s).
    smol::Timer::after(Duration::from_secs(6)).await;
    let error = producer
        .commit_transaction()
        .await
        .expect_err("the broker aborted it");
    assert!(error.transaction_class().is_some(), "{error}");
    producer.close().await;
    let seen = read_all(
        bootstrap,
        &topic,
        IsolationLevel::ReadCommitted,
        1,
        Duration::from_secs(3),
    )
    .await;
    assert!(
        seen.is_empty(),
        "nothing of the timed-out transaction is seen: {seen:?}"
    );
    check_requests(&id, protocol);
}

/// Offsets sent to a transaction commit with it: an abort commits none, a commit commits them.
pub async fn offsets_commit_with_the_transaction(bootstrap: &str, protocol: Protocol) {
    let topic = topic(bootstrap, "txn-offsets");
    let group = unique_topic("g-txn-offsets");
    let tp = TopicPartition::new(&topic, 0);
    let id = unique_topic("tx");
    let producer = initialized(transactional(bootstrap, &id, |b| b)).await;
    let metadata = ConsumerGroupMetadata::new(&group);

    begin(&producer, protocol);
    send_all(&producer, &topic, numbered("x", 0..3)).await;
    let offsets = [(tp.clone(), OffsetAndMetadata::new(7))];
    producer
        .send_offsets_to_transaction(&offsets, &metadata)
        .await
        .unwrap();
    producer.abort_transaction().await.unwrap();

    let watcher = Consumer::connect(
        config(bootstrap)
            .group(GroupConfig::new(&group))
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let committed = watcher.committed(std::slice::from_ref(&tp)).await.unwrap();
    assert_eq!(
        committed,
        [None],
        "an aborted transaction commits no offsets"
    );

    begin(&producer, protocol);
    let offsets = [(tp.clone(), OffsetAndMetadata::new(11))];
    producer
        .send_offsets_to_transaction(&offsets, &metadata)
        .await
        .unwrap();
    producer.commit_transaction().await.unwrap();
    let committed = watcher.committed(std::slice::from_ref(&tp)).await.unwrap();
    assert_eq!(committed[0].as_ref().map(|c| c.offset), Some(11));
    watcher.close().await;
    producer.close().await;

    let sent = check_requests(&id, protocol);
    assert_eq!(
        sent_any(&sent, "AddOffsetsToTxn"),
        protocol == Protocol::V1,
        "{sent:?}"
    );
    assert!(sent_any(&sent, "TxnOffsetCommit"), "{sent:?}");
}

/// Calls out of order are usage errors that name the call; an empty transaction commits
/// without a request to the coordinator.
pub async fn calls_out_of_order(bootstrap: &str, protocol: Protocol) {
    let topic = topic(bootstrap, "txn-order");
    let id = unique_topic("tx");
    let producer = Producer::connect(transactional(bootstrap, &id, |b| b))
        .await
        .unwrap();
    let usage = |result: franzl::Result<()>| match result {
        Err(Error::Usage { what }) => what,
        other => panic!("expected a usage error, got {other:?}"),
    };
    let what = usage(producer.begin_transaction());
    assert!(what.contains("init_transactions"), "{what}");
    producer.init_transactions().await.unwrap();
    let what = usage(producer.commit_transaction().await);
    assert!(what.contains("outside a transaction"), "{what}");
    let error = producer
        .send(ProducerRecord::new(&topic, b"v"))
        .await
        .expect_err("outside a transaction");
    assert!(matches!(error, Error::Usage { .. }), "{error}");
    begin(&producer, protocol);
    let what = usage(producer.begin_transaction());
    assert!(what.contains("inside an open transaction"), "{what}");
    producer.commit_transaction().await.unwrap();
    producer.close().await;

    let sent = check_requests(&id, protocol);
    assert!(
        !sent_any(&sent, "EndTxn"),
        "an empty transaction sends no EndTxn: {sent:?}"
    );
}

/// A transaction aborted right after its first send, before its records may have reached a
/// broker (with v2 the coordinator may never have heard of it), and then one that commits:
/// the abort succeeds, its record is never seen, and the producer goes on.
pub async fn abort_right_after_send(bootstrap: &str, protocol: Protocol) {
    let topic = topic(bootstrap, "txn-early-abort");
    let id = unique_topic("tx");
    let producer = initialized(transactional(bootstrap, &id, |b| b)).await;
    for round in 0..3 {
        begin(&producer, protocol);
        let value = format!("early{round}");
        let delivery = producer
            .send(ProducerRecord::new(&topic, value.as_bytes()).partition(0))
            .await
            .unwrap();
        producer.abort_transaction().await.unwrap();
        // Its record either failed before it was sent or was written and aborted.
        drop(delivery.await);
    }
    begin(&producer, protocol);
    send_all(&producer, &topic, numbered("kept", 0..3)).await;
    producer.commit_transaction().await.unwrap();
    producer.close().await;
    let seen = read_all(bootstrap, &topic, IsolationLevel::ReadCommitted, 3, WAIT).await;
    assert_eq!(seen, numbered("kept", 0..3));
    check_requests(&id, protocol);
}

/// Every scenario, one after the other (for a run that changes the broker's features).
pub async fn all(bootstrap: &str, protocol: Protocol) {
    commit_and_abort(bootstrap, protocol).await;
    last_stable_offset(bootstrap, protocol).await;
    zombie_fencing(bootstrap, protocol).await;
    timed_out(bootstrap, protocol).await;
    offsets_commit_with_the_transaction(bootstrap, protocol).await;
    calls_out_of_order(bootstrap, protocol).await;
    abort_right_after_send(bootstrap, protocol).await;
    super::read_committed::interleaved_producers(bootstrap, protocol).await;
    super::read_committed::offset_fetch_waits_for_pending_offsets(bootstrap, protocol).await;
}
