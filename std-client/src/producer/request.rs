//! One Produce request: the batches drained for one broker, sent, and the answer matched back
//! to each batch.
//!
//! The request borrows every batch's bytes ([`with_request`]); the link keeps the batches in an
//! [`Unanswered`] until [`settle`] judges them by the answer (or the error), whatever happened.
//! Building, framing and settling a request of up to [`INLINE_BATCHES`] batches allocates
//! nothing: the request's lists live on the stack and every buffer is the caller's, reused.

use std::sync::Arc;
use std::time::Instant;

use franzl_core::messages::{
    ApiKey, Array, FIRST_VERSION_WITH_TOPIC_IDS, Message,
    produce::{PartitionProduceData, ProduceRequest, ProduceResponse, TopicProduceData},
};
use franzl_core::wire::Uuid;

use super::accumulator::Accumulator;
use super::accumulator::Verdict;
use super::batch::ProducerBatch;
use super::delivery::Failure;
use super::verdict::judge;
use crate::cluster::Client;
use crate::{Error, Result};

/// The lowest Produce version that carries v2 record batches.
const MIN_PRODUCE_VERSION: i16 = 3;

/// A topic id that no topic has: metadata gave none.
const NO_TOPIC_ID: [u8; 16] = [0; 16];

/// How a request ended, for [`settle`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome<'a> {
    /// The broker answered: the response body, at the request's version.
    Answered { version: i16, body: &'a [u8] },
    /// Sent with `acks=0`: no answer comes.
    Unacknowledged,
    /// The request failed (not sent, or its connection failed before the answer).
    Failed(&'a Error),
}

/// Requests of up to this many batches are built on the stack.
pub(crate) const INLINE_BATCHES: usize = 8;

/// What a Produce request needs besides its batches.
#[derive(Debug, Clone)]
pub(crate) struct RequestSettings {
    pub(crate) acks: i16,
    pub(crate) timeout_ms: i32,
    pub(crate) transactional_id: Option<Arc<str>>,
}

/// Builds the Produce request for `batches` (grouped by topic, as drained) to broker `node`,
/// whose connection agreed Produce `version` (`None`: none), and gives it to `frame` with the
/// version to send it at; returns what `frame` returned and the id of each batch's topic when
/// the request names topics by id (empty when by name).
///
/// # Errors
/// [`Error::UnsupportedByBroker`] below Produce v3; `frame`'s error.
pub(crate) fn with_request<T>(
    cluster: &Client,
    node: i32,
    version: Option<i16>,
    settings: &RequestSettings,
    batches: &[(Arc<str>, ProducerBatch)],
    topic_ids: &mut Vec<[u8; 16]>,
    frame: impl FnOnce(&ProduceRequest<'_>, i16) -> Result<T>,
) -> Result<T> {
    let unsupported = || Error::UnsupportedByBroker {
        api: ApiKey::Produce,
        broker: format!("broker {node} (Produce v3+ for record batches)"),
    };
    let mut version = version.ok_or_else(unsupported)?;
    if version < MIN_PRODUCE_VERSION {
        return Err(unsupported());
    }
    topic_ids.clear();
    if version >= FIRST_VERSION_WITH_TOPIC_IDS {
        ids_of(cluster, batches, topic_ids);
        if topic_ids.contains(&NO_TOPIC_ID) {
            // Metadata gave no id for a topic (an older broker behind a newer one, say): name
            // the topics, at the newest version that still does.
            topic_ids.clear();
            version = FIRST_VERSION_WITH_TOPIC_IDS - 1;
        }
    }
    if batches.len() <= INLINE_BATCHES {
        let mut partitions = [PartitionProduceData::default(); INLINE_BATCHES];
        for (slot, batch) in partitions.iter_mut().zip(batches) {
            *slot = partition_data(batch);
        }
        let mut topics = [TopicProduceData::default(); INLINE_BATCHES];
        let partitions = partitions.get(..batches.len()).unwrap_or_default();
        let count = group_by_topic(batches, topic_ids, partitions, &mut topics);
        let topics = topics.get(..count).unwrap_or_default();
        frame(&request(settings, topics), version)
    } else {
        let partitions: Vec<PartitionProduceData<'_>> =
            batches.iter().map(partition_data).collect();
        let mut topics = vec![TopicProduceData::default(); batches.len()];
        let count = group_by_topic(batches, topic_ids, &partitions, &mut topics);
        let topics = topics.get(..count).unwrap_or_default();
        frame(&request(settings, topics), version)
    }
}

/// The request's entry for one batch.
fn partition_data((_, batch): &(Arc<str>, ProducerBatch)) -> PartitionProduceData<'_> {
    PartitionProduceData {
        index: batch.partition,
        records: Some(batch.wire()),
        ..Default::default()
    }
}

/// The request over `topics`.
fn request<'a>(
    settings: &'a RequestSettings,
    topics: &'a [TopicProduceData<'a>],
) -> ProduceRequest<'a> {
    ProduceRequest {
        transactional_id: settings.transactional_id.as_deref(),
        acks: settings.acks,
        timeout_ms: settings.timeout_ms,
        topic_data: Array::from_slice(topics),
        ..Default::default()
    }
}

/// Fills `topics` with one entry per run of batches of one topic (as drained, a topic's
/// batches are together), each over its part of `partitions`; returns how many it filled.
fn group_by_topic<'a>(
    batches: &'a [(Arc<str>, ProducerBatch)],
    topic_ids: &[[u8; 16]],
    partitions: &'a [PartitionProduceData<'a>],
    topics: &mut [TopicProduceData<'a>],
) -> usize {
    let mut start = 0;
    let mut count = 0;
    while let (Some((name, _)), Some(topic)) = (batches.get(start), topics.get_mut(count)) {
        let end = batches
            .iter()
            .skip(start)
            .position(|(other, _)| other != name)
            .map_or(batches.len(), |n| start + n);
        *topic = TopicProduceData {
            name,
            topic_id: Uuid(topic_ids.get(start).copied().unwrap_or(NO_TOPIC_ID)),
            partition_data: Array::from_slice(partitions.get(start..end).unwrap_or_default()),
            ..Default::default()
        };
        start = end;
        count += 1;
    }
    count
}

/// Batches on their way to a broker. Dropped before the answer came (the producer stopped, or
/// its task panicked), it fails their deliveries: nothing will ever say whether they were written.
#[derive(Default)]
pub(crate) struct Unanswered(Vec<(Arc<str>, ProducerBatch)>);

impl Unanswered {
    /// The batches, in request order.
    pub(crate) fn get(&self) -> &[(Arc<str>, ProducerBatch)] {
        &self.0
    }

    /// The batches, to add to or remove from (the list keeps its capacity).
    pub(crate) fn get_mut(&mut self) -> &mut Vec<(Arc<str>, ProducerBatch)> {
        &mut self.0
    }

    /// Whether it holds no batch.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Unanswered {
    fn drop(&mut self) {
        for (_, batch) in &self.0 {
            batch.completion.failed(Failure::Other {
                reason: "the producer stopped before the broker answered: the record may or \
                         may not have been written"
                    .into(),
                retriable: false,
            });
        }
    }
}

/// Appends the id of each batch's topic to `ids`, as the current metadata has it
/// ([`NO_TOPIC_ID`] when unknown).
fn ids_of(cluster: &Client, batches: &[(Arc<str>, ProducerBatch)], ids: &mut Vec<[u8; 16]>) {
    let metadata = cluster.metadata();
    ids.extend(
        batches
            .iter()
            .map(|(topic, _)| metadata.topic(topic).map_or(NO_TOPIC_ID, |t| t.id.0)),
    );
}

/// Judges each batch of a finished request to broker `node` by `outcome` and completes it in
/// `accumulator` (which resolves its deliveries, or queues it again), leaving `batches` empty
/// (with its capacity); forgets the leaders that moved. `topic_ids` are the ids the request
/// named its topics by, parallel to the batches (empty when it named them by name). An answer
/// that does not decode leaves every batch in doubt, to be sent again.
pub(crate) fn settle(
    cluster: &Client,
    accumulator: &Accumulator,
    node: i32,
    batches: &mut Unanswered,
    topic_ids: &[[u8; 16]],
    outcome: Outcome<'_>,
) -> Settled {
    let mut refresh = false;
    let decoded = match outcome {
        Outcome::Answered { version, body } => Some(
            <ProduceResponse<'_> as Message<'_>>::decode(version, body).map_err(|error| {
                Error::core(format!("decoding a Produce v{version} response"), error)
            }),
        ),
        Outcome::Unacknowledged | Outcome::Failed(_) => None,
    };
    let undecodable = match &decoded {
        Some(Err(error)) => Some(error.clone()),
        _ => None,
    };
    let failed = match outcome {
        Outcome::Failed(error) => Some(error),
        _ => None,
    };
    if let Some(error) = failed.or(undecodable.as_ref()) {
        log::info!("producer: request to broker {node} failed: {error}");
        refresh |= error.is_retriable() && failed.is_some();
    }
    let now = Instant::now();
    // Used only to seal the halves of a batch split for being too large.
    let mut scratch = Vec::new();
    let mut bump = false;
    for (index, (topic, batch)) in batches.0.drain(..).enumerate() {
        let verdict = match (&decoded, failed) {
            (Some(Ok(response)), _) => {
                judge_batch(response, topic_ids.get(index), &topic, &batch, &mut refresh)
            }
            // An answer came, so the broker took the request, but what it says is lost: the
            // batch may or may not be written, and is sent again as such (in doubt).
            (Some(Err(error)), _) => Verdict::Retry {
                error: Failure::Other {
                    reason: format!("the broker's answer did not decode ({error})"),
                    retriable: true,
                },
                bump_epoch: false,
            },
            (_, Some(error)) => request_failed(error),
            (None, None) => Verdict::Written {
                base_offset: -1,
                log_append_time: -1,
            },
        };
        if refresh {
            cluster.invalidate_leader(&topic, batch.partition);
        }
        log_verdict(&topic, &batch, &verdict);
        bump |= accumulator.complete(&topic, batch, verdict, now, &mut scratch);
    }
    Settled {
        bump_epoch: bump,
        undecodable,
    }
}

/// What [`settle`] found beyond each batch's verdict.
#[derive(Debug)]
#[must_use]
pub(crate) struct Settled {
    /// A batch asks for a new producer epoch.
    pub(crate) bump_epoch: bool,
    /// The answer did not decode: the connection's bytes cannot be trusted any more.
    pub(crate) undecodable: Option<Error>,
}

fn log_verdict(topic: &str, batch: &ProducerBatch, verdict: &Verdict) {
    match verdict {
        Verdict::Retry { error, bump_epoch } => log::debug!(
            "producer: {topic}-{} attempt {} failed ({error:?}); retrying{}",
            batch.partition,
            batch.attempts,
            if *bump_epoch {
                " after a new epoch"
            } else {
                ""
            }
        ),
        Verdict::OutOfOrder(_) => log::debug!(
            "producer: {topic}-{} out of sequence at {}; retrying in order",
            batch.partition,
            batch.stamp.base_sequence
        ),
        Verdict::Fail { failure, .. } => {
            log::warn!("producer: {topic}-{} failed: {failure:?}", batch.partition);
        }
        Verdict::TooLarge(_) => log::info!(
            "producer: {topic}-{}: a batch of {} records ({} bytes) is too large for the broker; {}",
            batch.partition,
            batch.record_count(),
            batch.wire().len(),
            if batch.record_count() > 1 {
                "splitting it"
            } else {
                "failing its record"
            }
        ),
        Verdict::Written { .. } => {}
    }
}

/// The verdict on `batch` of `topic` from a decoded response. Its topic is matched by `id`
/// when the request named topics by id, by name otherwise; `refresh` is set when its leader
/// moved.
fn judge_batch(
    response: &ProduceResponse<'_>,
    id: Option<&[u8; 16]>,
    topic: &str,
    batch: &ProducerBatch,
    refresh: &mut bool,
) -> Verdict {
    let answer = response
        .responses
        .iter()
        .filter(|t| id.map_or(t.name == topic, |id| t.topic_id.0 == *id))
        .flat_map(|t| t.partition_responses.iter())
        .find(|p| p.index == batch.partition);
    let Some(answer) = answer else {
        return Verdict::Fail {
            failure: Failure::Other {
                reason: "the broker's answer left this partition out".into(),
                retriable: false,
            },
            bump_epoch: batch.stamp.base_sequence >= 0,
        };
    };
    let code = answer.error_code;
    *refresh |= crate::cluster::needs_metadata_refresh(code);
    judge(
        code,
        answer.error_message,
        answer.base_offset,
        answer.log_append_time_ms,
        batch.stamp.base_sequence >= 0,
    )
}

fn request_failed(error: &Error) -> Verdict {
    let failure = Failure::Other {
        reason: error.to_string(),
        retriable: error.is_retriable(),
    };
    if error.is_retriable() {
        Verdict::Retry {
            error: failure,
            bump_epoch: false,
        }
    } else {
        Verdict::Fail {
            failure,
            bump_epoch: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use franzl_core::ErrorCode;
    use franzl_core::messages::produce::{PartitionProduceResponse, TopicProduceResponse};

    /// The verdict on each of `batches`, as `settle` gives them.
    fn judge_response(
        response: &ProduceResponse<'_>,
        batches: &[(Arc<str>, ProducerBatch)],
        topic_ids: &[[u8; 16]],
        refresh: &mut bool,
    ) -> Vec<Verdict> {
        batches
            .iter()
            .enumerate()
            .map(|(index, (topic, batch))| {
                judge_batch(response, topic_ids.get(index), topic, batch, refresh)
            })
            .collect()
    }

    #[test]
    fn each_batch_gets_its_own_partition_answer() {
        let batch = |partition| {
            let mut batch = ProducerBatch::new(partition, vec![0; 128], 0);
            let _ = batch.try_append(&super::super::ProducerRecord::new("t", b"v"), 0);
            batch
        };
        let batches = vec![
            (Arc::from("a"), batch(0)),
            (Arc::from("a"), batch(1)),
            (Arc::from("b"), batch(0)),
        ];
        let a = [
            PartitionProduceResponse {
                index: 1,
                error_code: ErrorCode::NOT_LEADER_OR_FOLLOWER,
                ..Default::default()
            },
            PartitionProduceResponse {
                index: 0,
                base_offset: 5,
                log_append_time_ms: 77,
                ..Default::default()
            },
        ];
        let topics = [TopicProduceResponse {
            name: "a",
            partition_responses: Array::from_slice(&a),
            ..Default::default()
        }];
        let response = ProduceResponse {
            responses: Array::from_slice(&topics),
            ..Default::default()
        };
        let mut refresh = false;
        let verdicts = judge_response(&response, &batches, &[], &mut refresh);
        assert!(matches!(
            verdicts[0],
            Verdict::Written {
                base_offset: 5,
                log_append_time: 77
            }
        ));
        assert!(matches!(
            verdicts[1],
            Verdict::Retry {
                bump_epoch: false,
                ..
            }
        ));
        assert!(
            matches!(verdicts[2], Verdict::Fail { .. }),
            "b was left out"
        );
        assert!(refresh, "NOT_LEADER_OR_FOLLOWER refreshes metadata");
    }

    #[test]
    fn batches_are_matched_by_topic_id_when_sent_by_id() {
        let mut batch = ProducerBatch::new(0, vec![0; 128], 0);
        let _ = batch.try_append(&super::super::ProducerRecord::new("t", b"v"), 0);
        let batches = vec![(Arc::from("a"), batch)];
        let ok = [PartitionProduceResponse {
            index: 0,
            base_offset: 9,
            ..Default::default()
        }];
        // Produce v13 answers with ids and empty names.
        let topics = [TopicProduceResponse {
            name: "",
            topic_id: Uuid([4; 16]),
            partition_responses: Array::from_slice(&ok),
            ..Default::default()
        }];
        let response = ProduceResponse {
            responses: Array::from_slice(&topics),
            ..Default::default()
        };
        let mut refresh = false;
        let by_id = judge_response(&response, &batches, &[[4; 16]], &mut refresh);
        assert!(matches!(by_id[0], Verdict::Written { base_offset: 9, .. }));
        let other_id = judge_response(&response, &batches, &[[5; 16]], &mut refresh);
        assert!(
            matches!(other_id[0], Verdict::Fail { .. }),
            "another topic's answer"
        );
        let by_name = judge_response(&response, &batches, &[], &mut refresh);
        assert!(
            matches!(by_name[0], Verdict::Fail { .. }),
            "no name in the answer"
        );
    }

    #[test]
    fn batches_dropped_before_their_answer_fail_their_deliveries() {
        let mut batch = ProducerBatch::new(0, vec![0; 128], 0);
        let delivery = batch
            .try_append(&super::super::ProducerRecord::new("t", b"v"), 0)
            .unwrap()
            .unwrap();
        let answered = Unanswered(vec![(Arc::from("t"), batch)]);
        drop(answered);
        let error = futures_lite::future::block_on(delivery).unwrap_err();
        assert!(error.to_string().contains("may or may not"), "{error}");
        assert!(!error.is_retriable());

        // Taken back with an answer: nothing is failed.
        let mut batch = ProducerBatch::new(0, vec![0; 128], 0);
        let delivery = batch
            .try_append(&super::super::ProducerRecord::new("t", b"v"), 0)
            .unwrap()
            .unwrap();
        let mut unanswered = Unanswered(vec![(Arc::from("t"), batch)]);
        let batches = std::mem::take(unanswered.get_mut());
        drop(unanswered);
        assert!(
            futures_lite::future::block_on(futures_lite::future::poll_once(delivery)).is_none()
        );
        drop(batches);
    }
}
