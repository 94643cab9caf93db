//! A scripted Kafka broker in memory, on the target, with fixed buffers and no allocator: one
//! topic, [`TOPIC`], of one partition, whose log keeps the batches produced. It answers the
//! requests the embedded client makes with responses encoded by franzl-core's generated
//! messages, so the bytes are a broker's.
//!
//! It takes its turn when the client waits ([`ScriptedBroker::answer`] from the executor's idle
//! hook), not inside the client's calls, so its own stack is not the client's. What it checks
//! of the client: SASL PLAIN with [`USERNAME`] and [`PASSWORD`] before anything else (wrong
//! credentials are refused with the words a broker uses), the topic by name or by id, each
//! produced batch's CRC. A frame it cannot take, a request it does not expect or one that does
//! not decode panics, which ends the program with status 1.
//!
//! Like a broker, a fetch returns whole batches from the one holding the offset asked for, as
//! many as fit in the partition's `max_bytes`, but always the first, however large.

use franzl_core::ErrorCode;
use franzl_core::frame::{RequestHeader, ResponseHeader, response_header_version};
use franzl_core::messages::api_versions::{ApiVersion, ApiVersionsRequest, ApiVersionsResponse};
use franzl_core::messages::fetch::{
    FetchRequest, FetchResponse, FetchableTopicResponse, PartitionData,
};
use franzl_core::messages::list_offsets::{
    ListOffsetsPartitionResponse, ListOffsetsRequest, ListOffsetsResponse, ListOffsetsTopicResponse,
};
use franzl_core::messages::metadata::{
    MetadataRequest, MetadataResponse, MetadataResponseBroker, MetadataResponsePartition,
    MetadataResponseTopic,
};
use franzl_core::messages::produce::{
    PartitionProduceResponse, ProduceRequest, ProduceResponse, TopicProduceResponse,
};
use franzl_core::messages::sasl_authenticate::{SaslAuthenticateRequest, SaslAuthenticateResponse};
use franzl_core::messages::sasl_handshake::{SaslHandshakeRequest, SaslHandshakeResponse};
use franzl_core::messages::{ApiKey, Array, LIST_OFFSETS_EARLIEST, Message};
use franzl_core::record::RecordBatch;
use franzl_core::wire::{RawTaggedFields, Reader, Uuid, Writer};

/// The broker's one topic.
pub(crate) const TOPIC: &str = "telemetry";
/// Its id.
pub(crate) const TOPIC_ID: Uuid = Uuid([0x7e; 16]);
/// The user SASL PLAIN must name.
pub(crate) const USERNAME: &str = "device";
/// That user's password.
pub(crate) const PASSWORD: &str = "secret";
/// The PLAIN message of those credentials.
const PLAIN_MESSAGE: &[u8] = b"\0device\0secret";
/// The text of a refused authentication, as Kafka words it.
pub(crate) const REFUSED_TEXT: &str = "Authentication failed: Invalid username or password";

/// Request bytes held: one request frame of the client's 2 KiB `tx`.
const INBOX: usize = 2 << 10;
/// Response bytes held: a Fetch response of the whole log.
const OUTBOX: usize = 12 << 10;
/// The partition's log.
const LOG: usize = 12 << 10;

/// Bytes in a fixed buffer, appended at the back and taken from the front.
struct Bytes<const N: usize> {
    buf: [u8; N],
    start: usize,
    end: usize,
}

impl<const N: usize> Bytes<N> {
    const fn new() -> Self {
        Self {
            buf: [0; N],
            start: 0,
            end: 0,
        }
    }

    fn as_slice(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Drops the first `n` bytes held.
    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// The free room at the back, after moving what is held to the front.
    fn spare(&mut self) -> &mut [u8] {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        &mut self.buf[self.end..]
    }

    /// Counts `n` bytes written into [`Bytes::spare`] as held.
    fn commit(&mut self, n: usize) {
        self.end += n;
    }
}

/// The partition: its log and the offset the next record gets.
struct Partition {
    log: Bytes<LOG>,
    next_offset: i64,
}

/// A broker of one topic of one partition, in memory (see the module docs).
pub(crate) struct ScriptedBroker {
    /// Request bytes the client wrote, not yet answered.
    inbox: Bytes<INBOX>,
    /// Response bytes the client has not read yet.
    outbox: Bytes<OUTBOX>,
    partition: Partition,
    /// Whether this connection passed SASL PLAIN.
    authenticated: bool,
    /// Requests taken on this connection.
    pub(crate) requests: u32,
}

impl ScriptedBroker {
    /// A broker with an empty log, before any connection.
    pub(crate) const fn new() -> Self {
        Self {
            inbox: Bytes::new(),
            outbox: Bytes::new(),
            partition: Partition {
                log: Bytes::new(),
                next_offset: 0,
            },
            authenticated: false,
            requests: 0,
        }
    }

    /// A new connection to the same broker: the log stays, the old connection's bytes and
    /// authentication go.
    pub(crate) fn new_connection(&mut self) {
        self.inbox.clear();
        self.outbox.clear();
        self.authenticated = false;
        self.requests = 0;
    }

    /// The offset the next record gets.
    pub(crate) fn next_offset(&self) -> i64 {
        self.partition.next_offset
    }

    /// Appends `batch` to the log as a producer elsewhere would have (base offset given here).
    ///
    /// # Panics
    /// When the log has no room for it.
    pub(crate) fn append(&mut self, batch: &[u8]) {
        self.partition.append(batch);
    }

    /// Takes request bytes the client writes; returns how many (0: full until the broker's
    /// next turn).
    pub(crate) fn take_request_bytes(&mut self, bytes: &[u8]) -> usize {
        let spare = self.inbox.spare();
        let n = bytes.len().min(spare.len());
        spare[..n].copy_from_slice(&bytes[..n]);
        self.inbox.commit(n);
        n
    }

    /// Hands response bytes to the client, at most `limit` at a time; returns how many (0:
    /// none until the broker's next turn).
    pub(crate) fn give_response_bytes(&mut self, out: &mut [u8], limit: usize) -> usize {
        let held = self.outbox.as_slice();
        let n = held.len().min(out.len()).min(limit);
        out[..n].copy_from_slice(&held[..n]);
        self.outbox.consume(n);
        n
    }

    /// The broker's turn: answers every whole request frame the client has written; returns
    /// how many it took.
    ///
    /// # Panics
    /// A frame larger than the inbox, or a request the module docs say it refuses.
    pub(crate) fn answer(&mut self) -> usize {
        let mut taken = 0;
        loop {
            let held = self.inbox.as_slice();
            let Some(prefix) = held.first_chunk::<4>() else {
                return taken;
            };
            let len = 4 + u32::from_be_bytes(*prefix) as usize;
            assert!(len <= INBOX, "a request frame of {len} bytes");
            let Some(frame) = held.get(4..len) else {
                return taken;
            };
            let mut reader = Reader::new(frame);
            let header = RequestHeader::read(&mut reader).expect("a request header");
            let api = ApiKey::from_key(header.api_key).expect("a known API");
            let allowed = matches!(
                api,
                ApiKey::ApiVersions | ApiKey::SaslHandshake | ApiKey::SaslAuthenticate
            );
            assert!(
                self.authenticated || allowed,
                "{api:?} before authentication"
            );
            let reply = Reply {
                outbox: &mut self.outbox,
                header: &header,
            };
            let body = reader.rest();
            match api {
                ApiKey::ApiVersions => answer_api_versions(reply, body),
                ApiKey::SaslHandshake => answer_sasl_handshake(reply, body),
                ApiKey::SaslAuthenticate => {
                    self.authenticated = answer_sasl_authenticate(reply, body);
                }
                ApiKey::Metadata => answer_metadata(reply, body),
                ApiKey::ListOffsets => self.partition.answer_list_offsets(reply, body),
                ApiKey::Produce => self.partition.answer_produce(reply, body),
                ApiKey::Fetch => self.partition.answer_fetch(reply, body),
                other => panic!("unexpected request {other:?}"),
            }
            self.requests += 1;
            taken += 1;
            self.inbox.consume(len);
        }
    }
}

/// Where a response goes, and the request it answers.
struct Reply<'a> {
    outbox: &'a mut Bytes<OUTBOX>,
    header: &'a RequestHeader<'a>,
}

impl Reply<'_> {
    /// Appends the response frame, size prefix first.
    fn send<'m, M: Message<'m>>(self, body: &M) {
        let version = self.header.api_version;
        let spare = self.outbox.spare();
        let (prefix, rest) = spare.split_at_mut(4);
        let header_len = {
            let mut writer = Writer::new(rest);
            let header = ResponseHeader {
                correlation_id: self.header.correlation_id,
                unknown_tagged_fields: RawTaggedFields::EMPTY,
            };
            header
                .write(&mut writer, response_header_version(M::API_KEY, version))
                .expect("room for a response header");
            writer.position()
        };
        let body_len = body
            .encode(version, &mut rest[header_len..])
            .expect("room for the response");
        let len = header_len + body_len;
        prefix.copy_from_slice(&(len as u32).to_be_bytes());
        self.outbox.commit(4 + len);
    }

    /// Decodes the request body as `M` at the request's version.
    fn decode<'b, M: Message<'b>>(&self, body: &'b [u8]) -> M {
        M::decode(self.header.api_version, body).expect("a request body that decodes")
    }
}

/// The versions this broker offers for one API: all franzl-core's definitions hold.
fn offer<'m, M: Message<'m>>() -> ApiVersion<'static> {
    ApiVersion {
        api_key: M::API_KEY.key(),
        min_version: M::MIN_VERSION,
        max_version: M::MAX_VERSION,
        unknown_tagged_fields: RawTaggedFields::EMPTY,
    }
}

fn answer_api_versions(reply: Reply<'_>, _body: &[u8]) {
    let apis = [
        offer::<ProduceRequest<'_>>(),
        offer::<FetchRequest<'_>>(),
        offer::<ListOffsetsRequest<'_>>(),
        offer::<MetadataRequest<'_>>(),
        offer::<SaslHandshakeRequest<'_>>(),
        offer::<ApiVersionsRequest<'_>>(),
        offer::<SaslAuthenticateRequest<'_>>(),
    ];
    reply.send(&ApiVersionsResponse {
        api_keys: Array::from_slice(&apis),
        ..Default::default()
    });
}

fn answer_sasl_handshake(reply: Reply<'_>, body: &[u8]) {
    let request: SaslHandshakeRequest<'_> = reply.decode(body);
    let error_code = if request.mechanism == "PLAIN" {
        ErrorCode::NONE
    } else {
        ErrorCode::UNSUPPORTED_SASL_MECHANISM
    };
    reply.send(&SaslHandshakeResponse {
        error_code,
        mechanisms: Array::from_slice(&["PLAIN"]),
        ..Default::default()
    });
}

/// Answers the PLAIN message; returns whether it named the right user and password.
fn answer_sasl_authenticate(reply: Reply<'_>, body: &[u8]) -> bool {
    let request: SaslAuthenticateRequest<'_> = reply.decode(body);
    let accepted = request.auth_bytes == PLAIN_MESSAGE;
    reply.send(&if accepted {
        SaslAuthenticateResponse::default()
    } else {
        SaslAuthenticateResponse {
            error_code: ErrorCode::SASL_AUTHENTICATION_FAILED,
            error_message: Some(REFUSED_TEXT),
            ..Default::default()
        }
    });
    accepted
}

fn answer_metadata(reply: Reply<'_>, body: &[u8]) {
    let request: MetadataRequest<'_> = reply.decode(body);
    let asked = request.topics.and_then(|topics| topics.iter().next());
    let name = asked.and_then(|topic| topic.name);
    let known = name == Some(TOPIC);
    let partitions = [MetadataResponsePartition {
        partition_index: 0,
        leader_id: 1,
        replica_nodes: Array::from_slice(&[1]),
        isr_nodes: Array::from_slice(&[1]),
        ..Default::default()
    }];
    let topics = [MetadataResponseTopic {
        name,
        topic_id: if known { TOPIC_ID } else { Uuid::default() },
        error_code: if known {
            ErrorCode::NONE
        } else {
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
        },
        partitions: Array::from_slice(if known { &partitions } else { &[] }),
        ..Default::default()
    }];
    let brokers = [MetadataResponseBroker {
        node_id: 1,
        host: "broker-1",
        port: 9092,
        ..Default::default()
    }];
    reply.send(&MetadataResponse {
        brokers: Array::from_slice(&brokers),
        controller_id: 1,
        topics: Array::from_slice(&topics),
        ..Default::default()
    });
}

/// The error code for partition `index` of the topic named `name` or identified by `id`: the
/// broker has partition 0 of [`TOPIC`] only.
fn partition_error(name: &str, id: Uuid, index: i32) -> ErrorCode {
    if (name == TOPIC || id == TOPIC_ID) && index == 0 {
        ErrorCode::NONE
    } else {
        ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
    }
}

impl Partition {
    /// Appends `batch` with its base offset set; returns that offset.
    fn append(&mut self, batch: &[u8]) -> i64 {
        let view = RecordBatch::new_checked(batch).expect("a record batch");
        let batch = view.as_bytes();
        let base = self.next_offset;
        let spare = self.log.spare();
        assert!(batch.len() <= spare.len(), "the log is full");
        spare[..batch.len()].copy_from_slice(batch);
        // The base offset is the batch's first field.
        spare[..8].copy_from_slice(&base.to_be_bytes());
        self.log.commit(batch.len());
        self.next_offset += i64::from(view.last_offset_delta()) + 1;
        base
    }

    fn answer_list_offsets(&mut self, reply: Reply<'_>, body: &[u8]) {
        let request: ListOffsetsRequest<'_> = reply.decode(body);
        let topic = request.topics.iter().next().expect("a topic");
        let asked = topic.partitions.iter().next().expect("a partition");
        let error_code = partition_error(topic.name, Uuid::default(), asked.partition_index);
        let offset = if asked.timestamp == LIST_OFFSETS_EARLIEST {
            0
        } else {
            self.next_offset
        };
        let partitions = [ListOffsetsPartitionResponse {
            partition_index: asked.partition_index,
            error_code,
            offset: if error_code.is_ok() { offset } else { -1 },
            ..Default::default()
        }];
        let topics = [ListOffsetsTopicResponse {
            name: topic.name,
            partitions: Array::from_slice(&partitions),
            ..Default::default()
        }];
        reply.send(&ListOffsetsResponse {
            topics: Array::from_slice(&topics),
            ..Default::default()
        });
    }

    fn answer_produce(&mut self, reply: Reply<'_>, body: &[u8]) {
        let request: ProduceRequest<'_> = reply.decode(body);
        let topic = request.topic_data.iter().next().expect("a topic");
        let data = topic.partition_data.iter().next().expect("a partition");
        let records = data.records.unwrap_or_default();
        let mut error_code = partition_error(topic.name, topic.topic_id, data.index);
        let intact = RecordBatch::new_checked(records).and_then(|batch| batch.verify_crc());
        if error_code.is_ok() && intact.is_err() {
            error_code = ErrorCode::CORRUPT_MESSAGE;
        }
        let base_offset = if error_code.is_ok() {
            self.append(records)
        } else {
            -1
        };
        if request.acks == 0 {
            return;
        }
        let partitions = [PartitionProduceResponse {
            index: data.index,
            error_code,
            base_offset,
            ..Default::default()
        }];
        let topics = [TopicProduceResponse {
            name: topic.name,
            topic_id: topic.topic_id,
            partition_responses: Array::from_slice(&partitions),
            ..Default::default()
        }];
        reply.send(&ProduceResponse {
            responses: Array::from_slice(&topics),
            ..Default::default()
        });
    }

    fn answer_fetch(&mut self, reply: Reply<'_>, body: &[u8]) {
        let request: FetchRequest<'_> = reply.decode(body);
        let topic = request.topics.iter().next().expect("a topic");
        let asked = topic.partitions.iter().next().expect("a partition");
        let mut error_code = partition_error(topic.topic, topic.topic_id, asked.partition);
        if error_code.is_ok() && !(0..=self.next_offset).contains(&asked.fetch_offset) {
            error_code = ErrorCode::OFFSET_OUT_OF_RANGE;
        }
        let records = if error_code.is_ok() {
            self.batches_from(asked.fetch_offset, asked.partition_max_bytes)
        } else {
            &[]
        };
        let partitions = [PartitionData {
            partition_index: asked.partition,
            error_code,
            high_watermark: self.next_offset,
            last_stable_offset: self.next_offset,
            log_start_offset: 0,
            records: Some(records),
            ..Default::default()
        }];
        let topics = [FetchableTopicResponse {
            topic: topic.topic,
            topic_id: topic.topic_id,
            partitions: Array::from_slice(&partitions),
            ..Default::default()
        }];
        reply.send(&FetchResponse {
            responses: Array::from_slice(&topics),
            ..Default::default()
        });
    }

    /// The whole batches from the one holding `offset`: the first however large, then as
    /// many as fit in `max_bytes`.
    fn batches_from(&self, offset: i64, max_bytes: i32) -> &[u8] {
        let log = self.log.as_slice();
        let max_bytes = usize::try_from(max_bytes).unwrap_or(0);
        let (mut start, mut end) = (None, 0);
        let mut at = 0;
        while let Some(batch) = log.get(at..) {
            let Ok(view) = RecordBatch::new_checked(batch) else {
                break;
            };
            let next = at + view.len();
            match start {
                None if view.last_offset() >= offset => {
                    start = Some(at);
                    end = next;
                }
                Some(first) if next - first <= max_bytes => end = next,
                Some(_) => break,
                None => {}
            }
            at = next;
        }
        start.map_or(&[], |first| &log[first..end])
    }
}
