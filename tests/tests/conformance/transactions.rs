//! Transactions at every shared version: each round is one whole transaction on a fresh
//! transactional id (InitProducerId, AddPartitionsToTxn, a transactional Produce,
//! AddOffsetsToTxn, TxnOffsetCommit, EndTxn commit), round `i` using each API's `i`-th shared
//! version (its newest once it runs out), so every version of each is sent in a real
//! transaction. One more transaction is aborted; `markers.rs` then reads the partition as a
//! `read_committed` consumer. ListTransactions, DescribeTransactions and DescribeProducers look
//! at them all.
//!
//! The broker runs transactions of the second version (KIP-890 part 2, `transaction.version`
//! 2): a client that ends its transaction with EndTxn v5 may produce at v12+ and commit offsets
//! with TxnOffsetCommit v5 in it, and the rounds line those versions up; the other rounds
//! produce at v11.

use franzl_core::ErrorCode;
use franzl_core::messages::add_offsets_to_txn::AddOffsetsToTxnRequest;
use franzl_core::messages::add_partitions_to_txn::{
    AddPartitionsToTxnRequest, AddPartitionsToTxnTopic, AddPartitionsToTxnTransaction,
};
use franzl_core::messages::describe_producers::{DescribeProducersRequest, TopicRequest};
use franzl_core::messages::describe_transactions::DescribeTransactionsRequest;
use franzl_core::messages::end_txn::EndTxnRequest;
use franzl_core::messages::init_producer_id::InitProducerIdRequest;
use franzl_core::messages::list_transactions::ListTransactionsRequest;
use franzl_core::messages::produce::{PartitionProduceData, ProduceRequest, TopicProduceData};
use franzl_core::messages::txn_offset_commit::{
    TxnOffsetCommitRequest, TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
};
use franzl_core::messages::{ApiKey, Array};
use franzl_core::record::{BatchOptions, NewRecord, RecordBatchBuilder, encoded_batch_len};
use franzl_core::wire::Uuid;
use franzl_tests::raw_ops::create_topic;
use franzl_tests::unique_topic;

use crate::coordinators::{wait_for_group_coordinator, wait_for_transaction_coordinator};
use crate::exercise::{Exerciser, Record, expect_codes};
use crate::markers;

/// A transactional producer's identity.
struct Producer {
    transactional_id: String,
    id: i64,
    epoch: i16,
}

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    let topic = unique_topic("conf-txn");
    let topic_id = create_topic(&mut ex.client, &topic, 1);
    let group = unique_topic("conf-txn-group");
    wait_for_group_coordinator(&mut ex.client);
    wait_for_transaction_coordinator(&mut ex.client);
    let apis = [
        ApiKey::InitProducerId,
        ApiKey::AddPartitionsToTxn,
        ApiKey::AddOffsetsToTxn,
        ApiKey::TxnOffsetCommit,
        ApiKey::EndTxn,
    ];
    let versions: Vec<Vec<i16>> = apis.iter().map(|&api| ex.versions(api)).collect();
    let rounds = versions.iter().map(Vec::len).max().unwrap_or(0);
    let pick = |api: usize, round: usize| {
        let list = &versions[api];
        list.get(round).or(list.last()).copied().unwrap_or(0)
    };
    let mut producers = Vec::new();
    for round in 0..rounds {
        let transactional_id = unique_topic(&format!("conf-txn-{round}"));
        let producer = init_producer_id(&mut ex, pick(0, round), transactional_id);
        add_partitions(&mut ex, pick(1, round), &producer, &topic);
        produce(&mut ex, pick(4, round), &producer, (&topic, topic_id));
        add_offsets(&mut ex, pick(2, round), &producer, &group);
        txn_offset_commit(&mut ex, pick(3, round), &producer, &group, &topic);
        end_txn(&mut ex, pick(4, round), &producer, Ending::Commit);
        producers.push(producer);
    }
    // One transaction aborted, for the markers a read_committed consumer must see.
    let aborted = init_producer_id(&mut ex, pick(0, 0), unique_topic("conf-txn-aborted"));
    add_partitions(&mut ex, pick(1, 0), &aborted, &topic);
    let first_offset = produce(&mut ex, pick(4, 0), &aborted, (&topic, topic_id));
    end_txn(&mut ex, pick(4, 0), &aborted, Ending::Abort);
    let expected = markers::Expected {
        committed: producers.iter().map(|p| p.id).collect(),
        aborted: (aborted.id, first_offset),
    };
    markers::check(&mut ex, &topic, topic_id, &expected);
    // Deliberately invalid: ending a transaction of an id the coordinator never saw.
    let stranger = Producer {
        transactional_id: unique_topic("conf-txn-stranger"),
        id: 1,
        epoch: 0,
    };
    let v = ex.client.latest::<EndTxnRequest<'_>>();
    let refused = Ending::Refused(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
    end_txn(&mut ex, v, &stranger, refused);

    list_transactions(&mut ex, &producers);
    describe_transactions(&mut ex, &producers);
    describe_producers(&mut ex, &topic, &producers);
    ex.record
}

fn init_producer_id(ex: &mut Exerciser, v: i16, transactional_id: String) -> Producer {
    let request = InitProducerIdRequest {
        transactional_id: Some(&transactional_id),
        transaction_timeout_ms: 60_000,
        ..Default::default()
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    let api = ApiKey::InitProducerId;
    expect_codes(api, v, [body.error_code], ErrorCode::NONE, &body);
    let (id, epoch) = (body.producer_id, body.producer_epoch);
    Producer {
        transactional_id,
        id,
        epoch,
    }
}

fn add_partitions(ex: &mut Exerciser, v: i16, producer: &Producer, topic: &str) {
    let partitions = [0];
    let topics = [AddPartitionsToTxnTopic {
        name: topic,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let transactions = [AddPartitionsToTxnTransaction {
        transactional_id: &producer.transactional_id,
        producer_id: producer.id,
        producer_epoch: producer.epoch,
        verify_only: false,
        topics: Array::from_slice(&topics),
        ..Default::default()
    }];
    // The client form up to v3; the batched form (one entry per transaction) from v4, which
    // brokers send each other and which needs CLUSTER_ACTION where an authorizer runs (the
    // plain profile has none).
    let request = if v <= 3 {
        AddPartitionsToTxnRequest {
            v3_and_below_transactional_id: &producer.transactional_id,
            v3_and_below_producer_id: producer.id,
            v3_and_below_producer_epoch: producer.epoch,
            v3_and_below_topics: Array::from_slice(&topics),
            ..Default::default()
        }
    } else {
        AddPartitionsToTxnRequest {
            transactions: Array::from_slice(&transactions),
            ..Default::default()
        }
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    let codes: Vec<ErrorCode> = if v <= 3 {
        body.results_by_topic_v3_and_below
            .iter()
            .flat_map(|t| t.results_by_partition.iter())
            .map(|p| p.partition_error_code)
            .collect()
    } else {
        let partitions = body
            .results_by_transaction
            .iter()
            .flat_map(|r| r.topic_results.iter())
            .flat_map(|t| t.results_by_partition.iter())
            .map(|p| p.partition_error_code);
        std::iter::once(body.error_code).chain(partitions).collect()
    };
    expect_codes(ApiKey::AddPartitionsToTxn, v, codes, ErrorCode::NONE, &body);
}

/// One transactional record, sequence 0 of this producer epoch; returns its offset.
///
/// Produce v12+ (and TxnOffsetCommit v5) belong to transactions of the second version
/// (KIP-890 part 2), which a client ends with EndTxn v5: with an older `end_txn_version` the
/// record goes at v11.
fn produce(
    ex: &mut Exerciser,
    end_txn_version: i16,
    producer: &Producer,
    (topic, topic_id): (&str, Uuid),
) -> i64 {
    let record = [NewRecord {
        key: Some(b"txn"),
        value: Some(producer.transactional_id.as_bytes()),
        ..NewRecord::default()
    }];
    let mut batch = vec![0u8; encoded_batch_len(&record)];
    let options = BatchOptions {
        producer_id: producer.id,
        producer_epoch: producer.epoch,
        base_sequence: 0,
        transactional: true,
        ..BatchOptions::default()
    };
    let mut builder = RecordBatchBuilder::new(&mut batch, options).expect("builder");
    builder.append(&record[0]).expect("fits");
    let len = builder.finish().expect("finish");
    let partitions = [PartitionProduceData {
        index: 0,
        records: Some(&batch[..len]),
        ..Default::default()
    }];
    let topics = [TopicProduceData {
        name: topic,
        topic_id,
        partition_data: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = ProduceRequest {
        transactional_id: Some(&producer.transactional_id),
        acks: -1,
        timeout_ms: 30_000,
        topic_data: Array::from_slice(&topics),
        ..Default::default()
    };
    let latest = ex.client.latest::<ProduceRequest<'_>>();
    let v = if end_txn_version >= 5 {
        latest
    } else {
        latest.min(11)
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    let partitions: Vec<_> = body
        .responses
        .iter()
        .flat_map(|t| t.partition_responses.iter())
        .collect();
    let codes = partitions.iter().map(|p| p.error_code);
    expect_codes(ApiKey::Produce, v, codes, ErrorCode::NONE, &body);
    partitions.first().map_or(-1, |p| p.base_offset)
}

fn add_offsets(ex: &mut Exerciser, v: i16, producer: &Producer, group: &str) {
    let request = AddOffsetsToTxnRequest {
        transactional_id: &producer.transactional_id,
        producer_id: producer.id,
        producer_epoch: producer.epoch,
        group_id: group,
        ..Default::default()
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    let api = ApiKey::AddOffsetsToTxn;
    expect_codes(api, v, [body.error_code], ErrorCode::NONE, &body);
}

fn txn_offset_commit(ex: &mut Exerciser, v: i16, producer: &Producer, group: &str, topic: &str) {
    let partitions = [TxnOffsetCommitRequestPartition {
        partition_index: 0,
        committed_offset: 1,
        committed_metadata: None,
        ..Default::default()
    }];
    let topics = [TxnOffsetCommitRequestTopic {
        name: topic,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = TxnOffsetCommitRequest {
        transactional_id: &producer.transactional_id,
        group_id: group,
        producer_id: producer.id,
        producer_epoch: producer.epoch,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    let codes = body
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter())
        .map(|p| p.error_code);
    expect_codes(ApiKey::TxnOffsetCommit, v, codes, ErrorCode::NONE, &body);
}

/// How an EndTxn call should go.
#[derive(Clone, Copy)]
enum Ending {
    /// Commit, accepted.
    Commit,
    /// Abort, accepted.
    Abort,
    /// Commit, refused with this code.
    Refused(ErrorCode),
}

fn end_txn(ex: &mut Exerciser, v: i16, producer: &Producer, ending: Ending) {
    let (committed, expected) = match ending {
        Ending::Commit => (true, ErrorCode::NONE),
        Ending::Abort => (false, ErrorCode::NONE),
        Ending::Refused(code) => (true, code),
    };
    let request = EndTxnRequest {
        transactional_id: &producer.transactional_id,
        producer_id: producer.id,
        producer_epoch: producer.epoch,
        committed,
        ..Default::default()
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    expect_codes(ApiKey::EndTxn, v, [body.error_code], expected, &body);
}

fn list_transactions(ex: &mut Exerciser, producers: &[Producer]) {
    for v in ex.versions(ApiKey::ListTransactions) {
        let reply = ex.call(v, &ListTransactionsRequest::default());
        let body = reply.body();
        let api = ApiKey::ListTransactions;
        expect_codes(api, v, [body.error_code], ErrorCode::NONE, &body);
        for producer in producers {
            let listed = body
                .transaction_states
                .iter()
                .any(|t| t.transactional_id == producer.transactional_id);
            assert!(
                listed,
                "ListTransactions v{v} lacks a transaction: {body:?}"
            );
        }
    }
}

fn describe_transactions(ex: &mut Exerciser, producers: &[Producer]) {
    let ids: Vec<&str> = producers
        .iter()
        .map(|p| p.transactional_id.as_str())
        .collect();
    for v in ex.versions(ApiKey::DescribeTransactions) {
        let request = DescribeTransactionsRequest {
            transactional_ids: Array::from_slice(&ids),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes = body.transaction_states.iter().map(|t| t.error_code);
        let api = ApiKey::DescribeTransactions;
        expect_codes(api, v, codes, ErrorCode::NONE, &body);
        assert_eq!(body.transaction_states.len(), ids.len(), "{api:?} v{v}");
    }
}

fn describe_producers(ex: &mut Exerciser, topic: &str, producers: &[Producer]) {
    let partitions = [0];
    let topics = [TopicRequest {
        name: topic,
        partition_indexes: Array::from_slice(&partitions),
        ..Default::default()
    }];
    for v in ex.versions(ApiKey::DescribeProducers) {
        let request = DescribeProducersRequest {
            topics: Array::from_slice(&topics),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let partitions: Vec<_> = body
            .topics
            .iter()
            .flat_map(|t| t.partitions.iter())
            .collect();
        let codes = partitions.iter().map(|p| p.error_code);
        let api = ApiKey::DescribeProducers;
        expect_codes(api, v, codes, ErrorCode::NONE, &body);
        for producer in producers {
            let active = partitions
                .iter()
                .flat_map(|p| p.active_producers.iter())
                .any(|state| state.producer_id == producer.id);
            assert!(active, "{api:?} v{v} lacks producer {}", producer.id);
        }
    }
}
