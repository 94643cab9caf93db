//! A scripted transaction coordinator for the transaction error matrix (`scripted_tests.rs`): a
//! TCP server in the test that is the only broker, leader of topic `t`'s one partition, and
//! coordinator of every transactional id and group. It answers FindCoordinator,
//! InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit and Produce
//! with the [`Answer`]s the test queues per API (success when none is queued), and logs every
//! one of those requests ([`Seen`]: API, version, producer id and epoch) for the test to check
//! what the producer did next.
//!
//! Contract: the coordinator keeps one producer id (7000) and its epoch as a broker would:
//! each successful InitProducerId gives the next epoch (the first gives 0), and so does each
//! successful EndTxn v5 (transactions v2, KIP-890), which returns it. It checks nothing
//! itself but a batch's sequence (as a broker, it refuses one out of sequence for its epoch):
//! a request with a stale epoch is answered as any other, and the test reads the log.
//! ApiVersions reports the finalized `transaction.version` the test chose (0: transactions
//! v1; 2: v2) and offers every API at versions that speak both protocols.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use async_net::TcpStream;
use franzl_core::ErrorCode;
use franzl_core::frame::RequestHeader;
use franzl_core::messages::add_offsets_to_txn::{AddOffsetsToTxnRequest, AddOffsetsToTxnResponse};
use franzl_core::messages::add_partitions_to_txn::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnRequest, AddPartitionsToTxnResponse,
    AddPartitionsToTxnTopicResult,
};
use franzl_core::messages::end_txn::{EndTxnRequest, EndTxnResponse};
use franzl_core::messages::init_producer_id::{InitProducerIdRequest, InitProducerIdResponse};
use franzl_core::messages::produce::{PartitionProduceResponse, ProduceRequest};
use franzl_core::messages::txn_offset_commit::{
    TxnOffsetCommitRequest, TxnOffsetCommitResponse, TxnOffsetCommitResponsePartition,
    TxnOffsetCommitResponseTopic,
};
use franzl_core::messages::{ApiKey, Array, Message};
use franzl_core::record::RecordBatch;
use franzl_core::wire::{Reader, Uuid};

use crate::broker::scripted::{self, Script};
use crate::broker::tests::respond;

/// The producer id the coordinator gives.
pub(super) const PRODUCER_ID: i64 = 7000;

/// How the coordinator answers one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Answer {
    /// With this error code (`NONE`: success).
    Code(ErrorCode),
    /// Not at all: it closes the connection (the outcome is unknown to the client).
    Close,
    /// Not at all: it holds the request and never reads from the connection again.
    Hold,
}

/// A request the coordinator received: its API and version, and the producer id and epoch it
/// spoke for (a Produce request's from its first batch; FindCoordinator's are -1). `commit`
/// is EndTxn's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Seen {
    pub(super) api: ApiKey,
    pub(super) version: i16,
    pub(super) producer_id: i64,
    pub(super) epoch: i16,
    pub(super) commit: Option<bool>,
}

/// The coordinator's script and log.
#[derive(Debug)]
pub(super) struct Coordinator {
    pub(super) seen: Vec<Seen>,
    /// Answers queued per API, taken in order; success once none is left.
    pub(super) answers: HashMap<ApiKey, VecDeque<Answer>>,
    /// The epoch of the producer id; -1 before the first InitProducerId.
    pub(super) epoch: i16,
    /// The finalized `transaction.version` ApiVersions reports; below 0, no finalized
    /// features at all (a broker without feature versioning).
    pub(super) transaction_version: i16,
    /// The API versions offered: [`OFFERS`] unless the test changes them.
    pub(super) offers: Vec<(ApiKey, i16, i16)>,
    /// The next offset of `t`-0.
    next_offset: i64,
    /// The epoch of the last batch appended to `t`-0, and the sequence the next one of that
    /// epoch must start at.
    sequence: Option<(i16, i32)>,
}

impl Coordinator {
    /// Queues `answers` for the next requests of `api`.
    pub(super) fn queue(&mut self, api: ApiKey, answers: impl IntoIterator<Item = Answer>) {
        self.answers.entry(api).or_default().extend(answers);
    }

    /// The requests of `api` seen so far.
    pub(super) fn of(&self, api: ApiKey) -> Vec<Seen> {
        self.seen.iter().filter(|s| s.api == api).cloned().collect()
    }

    fn next_answer(&mut self, api: ApiKey) -> Answer {
        self.answers
            .get_mut(&api)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Answer::Code(ErrorCode::NONE))
    }

    /// Logs a request and takes its answer.
    fn take(&mut self, seen: Seen) -> Answer {
        let api = seen.api;
        self.seen.push(seen);
        self.next_answer(api)
    }
}

pub(super) type Shared = Arc<Mutex<Coordinator>>;

/// Every API at versions that speak both protocols: EndTxn v5, TxnOffsetCommit v5 and
/// Produce v12 for transactions v2 (Produce below v13, which names topics by id).
pub(super) const OFFERS: &[(ApiKey, i16, i16)] = &[
    (ApiKey::ApiVersions, 0, 3),
    (ApiKey::Metadata, 0, 12),
    (ApiKey::FindCoordinator, 0, 3),
    (ApiKey::InitProducerId, 0, 5),
    (ApiKey::AddPartitionsToTxn, 0, 5),
    (ApiKey::AddOffsetsToTxn, 0, 4),
    (ApiKey::EndTxn, 0, 5),
    (ApiKey::TxnOffsetCommit, 0, 5),
    (ApiKey::Produce, 3, 12),
];

/// Starts a coordinator reporting `transaction.version` `version` (0 or 2; -1: none), scripted by
/// `edit`; returns its port and its shared state.
pub(super) async fn coordinator(
    version: i16,
    edit: impl FnOnce(&mut Coordinator),
) -> (u16, Shared) {
    let mut script = Coordinator {
        seen: Vec::new(),
        answers: HashMap::new(),
        epoch: -1,
        transaction_version: version,
        offers: OFFERS.to_vec(),
        next_offset: 0,
        sequence: None,
    };
    edit(&mut script);
    let shared = Arc::new(Mutex::new(script));
    let state = Arc::clone(&shared);
    let port = scripted::start(move |stream, port| serve(stream, port, Arc::clone(&state))).await;
    (port, shared)
}

async fn serve(mut stream: TcpStream, port: u16, state: Shared) {
    let (level, offers) = {
        let s = state.lock().unwrap();
        (s.transaction_version, s.offers.clone())
    };
    let listed = [("transaction.version", level)];
    let script = Script {
        offers: &offers,
        finalized: match level {
            ..0 => None,
            0 => Some(&[]),
            _ => Some(&listed),
        },
        topic: "t",
        topic_id: Uuid::ZERO,
        partitions: &[(0, 0)],
    };
    while let Some(frame) = scripted::next_request(&mut stream).await {
        let mut reader = Reader::new(&frame);
        let header = RequestHeader::read(&mut reader).unwrap();
        let body = reader.rest();
        if scripted::answer_discovery(&mut stream, &header, port, &script).await {
            continue;
        }
        let answer = state.lock().unwrap().take(seen(&header, body));
        let code = match answer {
            Answer::Code(code) => code,
            Answer::Close => return,
            Answer::Hold => futures_lite::future::pending::<ErrorCode>().await,
        };
        answer_with(&mut stream, &header, body, port, code, &state).await;
    }
}

/// What the log keeps of a request: its API and version, the producer id and epoch it speaks
/// for, and EndTxn's decision.
fn seen(header: &RequestHeader<'_>, body: &[u8]) -> Seen {
    let (api, version) = (
        ApiKey::from_key(header.api_key).unwrap(),
        header.api_version,
    );
    let mut commit = None;
    let (producer_id, epoch) = match api {
        ApiKey::InitProducerId => {
            let r = InitProducerIdRequest::decode(version, body).unwrap();
            (r.producer_id, r.producer_epoch)
        }
        ApiKey::AddPartitionsToTxn => {
            let r = AddPartitionsToTxnRequest::decode(version, body).unwrap();
            (r.v3_and_below_producer_id, r.v3_and_below_producer_epoch)
        }
        ApiKey::AddOffsetsToTxn => {
            let r = AddOffsetsToTxnRequest::decode(version, body).unwrap();
            (r.producer_id, r.producer_epoch)
        }
        ApiKey::EndTxn => {
            let r = EndTxnRequest::decode(version, body).unwrap();
            commit = Some(r.committed);
            (r.producer_id, r.producer_epoch)
        }
        ApiKey::TxnOffsetCommit => {
            let r = TxnOffsetCommitRequest::decode(version, body).unwrap();
            (r.producer_id, r.producer_epoch)
        }
        ApiKey::Produce => {
            let r = ProduceRequest::decode(version, body).unwrap();
            let topic = r.topic_data.iter().next().unwrap();
            let data = topic.partition_data.iter().next().unwrap();
            let batch = RecordBatch::new_checked(data.records.unwrap()).unwrap();
            (batch.producer_id(), batch.producer_epoch())
        }
        _ => (-1, -1),
    };
    Seen {
        api,
        version,
        producer_id,
        epoch,
        commit,
    }
}

/// Answers a request of the coordinator's APIs with `code`.
async fn answer_with(
    stream: &mut TcpStream,
    header: &RequestHeader<'_>,
    body: &[u8],
    port: u16,
    code: ErrorCode,
    state: &Shared,
) {
    let version = header.api_version;
    match ApiKey::from_key(header.api_key).unwrap() {
        ApiKey::FindCoordinator => {
            scripted::answer_find_coordinator(stream, header, body, port, code).await;
        }
        ApiKey::InitProducerId => {
            let epoch = bump_if(state, code.is_ok());
            let response = InitProducerIdResponse {
                error_code: code,
                producer_id: if code.is_ok() { PRODUCER_ID } else { -1 },
                producer_epoch: epoch,
                ..Default::default()
            };
            respond(stream, header, &response).await;
        }
        ApiKey::AddPartitionsToTxn => {
            let request = AddPartitionsToTxnRequest::decode(version, body).unwrap();
            let topics: Vec<(&str, Vec<AddPartitionsToTxnPartitionResult<'_>>)> = request
                .v3_and_below_topics
                .iter()
                .map(|topic| {
                    let results = topic.partitions.iter().map(|partition| {
                        AddPartitionsToTxnPartitionResult {
                            partition_index: partition,
                            partition_error_code: code,
                            ..Default::default()
                        }
                    });
                    (topic.name, results.collect())
                })
                .collect();
            let results: Vec<AddPartitionsToTxnTopicResult<'_>> = topics
                .iter()
                .map(|(name, partitions)| AddPartitionsToTxnTopicResult {
                    name,
                    results_by_partition: Array::from_slice(partitions),
                    ..Default::default()
                })
                .collect();
            let response = AddPartitionsToTxnResponse {
                results_by_topic_v3_and_below: Array::from_slice(&results),
                ..Default::default()
            };
            respond(stream, header, &response).await;
        }
        ApiKey::AddOffsetsToTxn => {
            let response = AddOffsetsToTxnResponse {
                error_code: code,
                ..Default::default()
            };
            respond(stream, header, &response).await;
        }
        ApiKey::EndTxn => {
            // Transactions v2: every EndTxn bumps the epoch and returns it.
            let epoch = bump_if(state, code.is_ok() && version >= 5);
            let response = EndTxnResponse {
                error_code: code,
                producer_id: if code.is_ok() { PRODUCER_ID } else { -1 },
                producer_epoch: if code.is_ok() { epoch } else { -1 },
                ..Default::default()
            };
            respond(stream, header, &response).await;
        }
        ApiKey::TxnOffsetCommit => {
            let request = TxnOffsetCommitRequest::decode(version, body).unwrap();
            let topics: Vec<(&str, Vec<TxnOffsetCommitResponsePartition<'_>>)> =
                request
                    .topics
                    .iter()
                    .map(|topic| {
                        let results = topic.partitions.iter().map(|partition| {
                            TxnOffsetCommitResponsePartition {
                                partition_index: partition.partition_index,
                                error_code: code,
                                ..Default::default()
                            }
                        });
                        (topic.name, results.collect())
                    })
                    .collect();
            let results: Vec<TxnOffsetCommitResponseTopic<'_>> = topics
                .iter()
                .map(|(name, partitions)| TxnOffsetCommitResponseTopic {
                    name,
                    partitions: Array::from_slice(partitions),
                    ..Default::default()
                })
                .collect();
            let response = TxnOffsetCommitResponse {
                topics: Array::from_slice(&results),
                ..Default::default()
            };
            respond(stream, header, &response).await;
        }
        ApiKey::Produce => {
            let request = ProduceRequest::decode(version, body).unwrap();
            let answers = append(state, &request, code);
            scripted::answer_produce(stream, header, "t", &answers).await;
        }
        other => panic!("the scripted coordinator does not answer {other:?}"),
    }
}

/// Appends each batch of `request` to `t`-0's log when `code` is `NONE`; the answers. As a
/// broker, it refuses a batch out of sequence (`OUT_OF_ORDER_SEQUENCE_NUMBER`): a new epoch's
/// first batch must start at sequence 0, and each later one where the last appended ended.
fn append(
    state: &Shared,
    request: &ProduceRequest<'_>,
    code: ErrorCode,
) -> Vec<PartitionProduceResponse<'static>> {
    let mut answers = Vec::new();
    let mut s = state.lock().unwrap();
    for topic in request.topic_data.iter() {
        for data in topic.partition_data.iter() {
            let batch = RecordBatch::new_checked(data.records.unwrap()).unwrap();
            let (epoch, first) = (batch.producer_epoch(), batch.base_sequence());
            let expected = match s.sequence {
                Some((last_epoch, next)) if last_epoch == epoch => next,
                _ => 0,
            };
            let code = if code.is_ok() && first != expected {
                ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER
            } else {
                code
            };
            let offset = if code.is_ok() { s.next_offset } else { -1 };
            if code.is_ok() {
                let count = batch.last_offset_delta() + 1;
                s.next_offset += i64::from(count);
                s.sequence = Some((epoch, first + count));
            }
            answers.push(PartitionProduceResponse {
                index: data.index,
                error_code: code,
                base_offset: offset,
                ..Default::default()
            });
        }
    }
    answers
}

/// The coordinator's epoch, bumped first when `bump`.
fn bump_if(state: &Shared, bump: bool) -> i16 {
    let mut s = state.lock().unwrap();
    if bump {
        s.epoch += 1;
    }
    s.epoch
}
