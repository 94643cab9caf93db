//! `read_committed` end to end: transactions of several producers interleaved on one
//! partition, aborted transactions spread over many Fetch responses (one batch each), responses
//! holding only aborted data, and a trailing commit marker that the position (and so the
//! offset to commit) moves past; and OffsetFetch waiting for a transaction's pending offsets
//! (RequireStable) instead of answering the offsets from before it.

use std::time::{Duration, Instant};

use franzl::config::{GroupConfig, IsolationLevel};
use franzl::consumer::{Consumer, TopicPartition};
use franzl::group::{ConsumerGroupMetadata, OffsetAndMetadata};
use futures_lite::future::zip;

use super::{
    Protocol, WAIT, begin, check_requests, initialized, numbered, read_all, send_all,
    transactional, value,
};
use crate::consumer::config;
use crate::java_tools::create_topic;
use crate::unique_topic;

/// Sends `values` in batches of `per_batch` (each batch flushed before the next).
async fn send_in_batches(
    producer: &franzl::Producer,
    topic: &str,
    values: Vec<String>,
    per_batch: usize,
) {
    for chunk in values.chunks(per_batch) {
        send_all(producer, topic, chunk.to_vec()).await;
    }
}

/// Three producers' transactions on one partition: P1 and P2 interleave batch by batch, P2
/// aborts, P1 commits; P3 writes a long transaction alone and aborts it; P1 ends the log with a
/// small committed transaction, so the log ends with its commit marker. A `read_committed`
/// reader that fetches one batch per response sees exactly P1's records in order, its position
/// ends past the last marker (the log end), and `read_uncommitted` sees every record.
pub async fn interleaved_producers(bootstrap: &str, protocol: Protocol) {
    let topic = unique_topic("txn-interleaved");
    create_topic(bootstrap, None, &topic, 1);
    let ids = [
        unique_topic("tx-p1"),
        unique_topic("tx-p2"),
        unique_topic("tx-p3"),
    ];
    let p1 = initialized(transactional(bootstrap, &ids[0], |b| b)).await;
    let p2 = initialized(transactional(bootstrap, &ids[1], |b| b)).await;
    let p3 = initialized(transactional(bootstrap, &ids[2], |b| b)).await;

    begin(&p1, protocol);
    begin(&p2, protocol);
    for round in 0..4 {
        send_all(&p1, &topic, numbered("a", round * 5..round * 5 + 5)).await;
        send_all(&p2, &topic, numbered("b", round * 5..round * 5 + 5)).await;
    }
    p2.abort_transaction().await.unwrap();
    p1.commit_transaction().await.unwrap();
    begin(&p3, protocol);
    send_in_batches(&p3, &topic, numbered("c", 0..30), 3).await;
    p3.abort_transaction().await.unwrap();
    begin(&p1, protocol);
    send_all(&p1, &topic, numbered("d", 0..5)).await;
    p1.commit_transaction().await.unwrap();
    for producer in [p1, p2, p3] {
        producer.close().await;
    }

    let mut expected = numbered("a", 0..20);
    expected.extend(numbered("d", 0..5));
    let tp = TopicPartition::new(&topic, 0);
    // One batch per Fetch response: the broker always returns the first batch, however small
    // the limits.
    let one_batch = config(bootstrap)
        .isolation_level(IsolationLevel::ReadCommitted)
        .fetch(1, 1, 1, Duration::from_millis(100))
        .build()
        .unwrap();
    let mut reader = Consumer::connect(one_batch).await.unwrap();
    reader.assign([tp.clone()]);
    let uncommitted = Consumer::connect(super::reader(bootstrap, IsolationLevel::ReadUncommitted))
        .await
        .unwrap();
    let log_end = uncommitted
        .end_offsets(std::slice::from_ref(&tp))
        .await
        .unwrap()[0];
    let deadline = Instant::now() + WAIT;
    let mut seen = Vec::new();
    // Until every record came and the position has passed the trailing marker.
    while reader.position(&tp) != Some(log_end) || seen.len() < expected.len() {
        assert!(
            Instant::now() < deadline,
            "read_committed: {seen:?}, position {:?} of {log_end}",
            reader.position(&tp)
        );
        let records = reader.poll(Duration::from_millis(200)).await.unwrap();
        seen.extend(records.iter().map(value));
    }
    assert_eq!(seen, expected, "read_committed: P1's records, in order");
    let to_commit = reader.positions_to_commit();
    assert_eq!(
        to_commit,
        [(tp.clone(), OffsetAndMetadata::new(log_end))],
        "the offset to commit is past the trailing commit marker"
    );
    reader.close().await;
    uncommitted.close().await;

    let all = read_all(bootstrap, &topic, IsolationLevel::ReadUncommitted, 75, WAIT).await;
    assert_eq!(all.len(), 75, "read_uncommitted: every record: {all:?}");
    for id in &ids {
        check_requests(id, protocol);
    }
}

/// A group's offset sent to an open transaction is pending: a `read_committed` member asking
/// for its committed offsets (OffsetFetch with RequireStable) is answered once the transaction
/// commits, with the transaction's offset, not the one from before it.
pub async fn offset_fetch_waits_for_pending_offsets(bootstrap: &str, protocol: Protocol) {
    let topic = unique_topic("txn-stable");
    create_topic(bootstrap, None, &topic, 1);
    let group = unique_topic("g-txn-stable");
    let tp = TopicPartition::new(&topic, 0);
    let id = unique_topic("tx");
    let producer = initialized(transactional(bootstrap, &id, |b| b)).await;
    begin(&producer, protocol);
    send_all(&producer, &topic, numbered("x", 0..3)).await;
    let offsets = [(tp.clone(), OffsetAndMetadata::new(3))];
    producer
        .send_offsets_to_transaction(&offsets, &ConsumerGroupMetadata::new(&group))
        .await
        .unwrap();

    let member = Consumer::connect(
        config(bootstrap)
            .isolation_level(IsolationLevel::ReadCommitted)
            .group(GroupConfig::new(&group))
            .build()
            .unwrap(),
    )
    .await
    .unwrap();
    let asked = Instant::now();
    let (committed, ()) = zip(member.committed(std::slice::from_ref(&tp)), async {
        smol::Timer::after(Duration::from_secs(1)).await;
        producer.commit_transaction().await.unwrap();
    })
    .await;
    let committed = committed.unwrap();
    assert_eq!(
        committed[0].as_ref().map(|c| c.offset),
        Some(3),
        "answered after the commit (in {:?}), with its offset",
        asked.elapsed()
    );
    member.close().await;
    producer.close().await;
    check_requests(&id, protocol);
}
