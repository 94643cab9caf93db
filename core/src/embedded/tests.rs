//! The client against a scripted in-memory broker: requests are decoded and answered with the
//! generated messages, so the bytes are what a broker sends. Futures are polled with a no-op
//! waker, since the scripted transport never waits.

use super::example::produce_and_fetch;
use super::*;
use crate::conn::{ConnError, FrameError, Instant};
use crate::frame::{RequestHeader, ResponseHeader, response_header_version};
use crate::messages::api_versions::{ApiVersion, ApiVersionsResponse};
use crate::messages::fetch::{FetchRequest, FetchResponse, FetchableTopicResponse, PartitionData};
use crate::messages::list_offsets::{
    ListOffsetsPartitionResponse, ListOffsetsRequest, ListOffsetsResponse, ListOffsetsTopicResponse,
};
use crate::messages::metadata::{
    MetadataRequest, MetadataResponse, MetadataResponsePartition, MetadataResponseTopic,
};
use crate::messages::produce::{
    PartitionProduceResponse, ProduceRequest, ProduceResponse, TopicProduceResponse,
};
use crate::messages::sasl_authenticate::SaslAuthenticateResponse;
use crate::messages::sasl_handshake::SaslHandshakeResponse;
use crate::messages::{ApiKey, Array, Message};
use crate::record::NewRecord;
use crate::sasl::SaslMechanism;
use crate::wire::{RawTaggedFields, Reader, Writer};
use crate::{ErrorCode, conn::Credentials};
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use embedded_io_async::{Error as _, ErrorKind, ErrorType, Read, Write};
extern crate std;
use std::vec::Vec;

const TOPIC_ID: [u8; 16] = [7; 16];

/// Polls `future` to completion; the scripted transport is always ready.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("future did not complete");
}

/// A broker with one topic `t` of one partition, answering each request frame as it is
/// written. Reads hand out at most `chunk` bytes, to split frames.
struct ScriptedBroker {
    inbox: Vec<u8>,
    outbox: Vec<u8>,
    chunk: usize,
    /// The partition's log: batches with their base offsets patched in.
    log: Vec<u8>,
    next_offset: i64,
    /// Answer SaslAuthenticate with this error code.
    refuse_auth: bool,
    /// Fail reads with this kind once the handshake is done.
    fail_reads: Option<ErrorKind>,
    /// Keep the next response back (the read then waits forever).
    hold: bool,
    requests: usize,
}

impl ScriptedBroker {
    fn new() -> Self {
        Self {
            inbox: Vec::new(),
            outbox: Vec::new(),
            chunk: 7,
            log: Vec::new(),
            next_offset: 0,
            refuse_auth: false,
            fail_reads: None,
            hold: false,
            requests: 0,
        }
    }

    /// Answers every whole request frame in the inbox.
    fn answer(&mut self) {
        while let Some(prefix) = self.inbox.first_chunk::<4>() {
            let size = i32::from_be_bytes(*prefix) as usize;
            if self.inbox.len() < 4 + size {
                return;
            }
            let frame: Vec<u8> = self.inbox.drain(..4 + size).skip(4).collect();
            self.requests += 1;
            let mut reader = Reader::new(&frame);
            let header = RequestHeader::read(&mut reader).unwrap();
            self.respond(header, reader.rest());
        }
    }

    fn respond(&mut self, header: RequestHeader<'_>, body: &[u8]) {
        let id = header.correlation_id;
        let v = header.api_version;
        match ApiKey::from_key(header.api_key).unwrap() {
            ApiKey::ApiVersions => {
                let apis = [
                    (0, 3, 11),
                    (1, 4, 17),
                    (2, 1, 10),
                    (3, 0, 12),
                    (17, 0, 1),
                    (18, 0, 4),
                    (36, 0, 2),
                ]
                .map(|(api_key, min_version, max_version)| ApiVersion {
                    api_key,
                    min_version,
                    max_version,
                    unknown_tagged_fields: RawTaggedFields::EMPTY,
                });
                let response = ApiVersionsResponse {
                    api_keys: Array::from_slice(&apis),
                    ..Default::default()
                };
                self.push(id, v, &response);
            }
            ApiKey::SaslHandshake => self.push(id, v, &SaslHandshakeResponse::default()),
            ApiKey::SaslAuthenticate => {
                let response = if self.refuse_auth {
                    SaslAuthenticateResponse {
                        error_code: ErrorCode::SASL_AUTHENTICATION_FAILED.0,
                        error_message: Some("Invalid username or password"),
                        ..Default::default()
                    }
                } else {
                    SaslAuthenticateResponse::default()
                };
                self.push(id, v, &response);
            }
            ApiKey::Metadata => {
                let request = MetadataRequest::decode(v, body).unwrap();
                let name = request.topics.unwrap().iter().next().unwrap().name;
                let partitions = [MetadataResponsePartition {
                    partition_index: 0,
                    leader_id: 1,
                    ..Default::default()
                }];
                let known = name == Some("t");
                let topics = [MetadataResponseTopic {
                    name,
                    topic_id: TOPIC_ID,
                    error_code: if known {
                        0
                    } else {
                        ErrorCode::UNKNOWN_TOPIC_OR_PARTITION.0
                    },
                    partitions: Array::from_slice(if known { &partitions } else { &[] }),
                    ..Default::default()
                }];
                let response = MetadataResponse {
                    topics: Array::from_slice(&topics),
                    ..Default::default()
                };
                self.push(id, v, &response);
            }
            ApiKey::ListOffsets => {
                let request = ListOffsetsRequest::decode(v, body).unwrap();
                assert_eq!(request.replica_id, -1);
                let partitions = [ListOffsetsPartitionResponse {
                    offset: self.next_offset,
                    ..Default::default()
                }];
                let topics = [ListOffsetsTopicResponse {
                    name: "t",
                    partitions: Array::from_slice(&partitions),
                    ..Default::default()
                }];
                let response = ListOffsetsResponse {
                    topics: Array::from_slice(&topics),
                    ..Default::default()
                };
                self.push(id, v, &response);
            }
            ApiKey::Produce => {
                let request = ProduceRequest::decode(v, body).unwrap();
                let topic = request.topic_data.iter().next().unwrap();
                let partition = topic.partition_data.iter().next().unwrap();
                let batch =
                    crate::record::RecordBatch::new_checked(partition.records.unwrap()).unwrap();
                batch.verify_crc().unwrap();
                let base = self.next_offset;
                let start = self.log.len();
                self.log.extend_from_slice(partition.records.unwrap());
                self.log[start..start + 8].copy_from_slice(&base.to_be_bytes());
                self.next_offset += i64::from(batch.last_offset_delta()) + 1;
                if request.acks == 0 {
                    return;
                }
                let partitions = [PartitionProduceResponse {
                    index: 0,
                    base_offset: base,
                    ..Default::default()
                }];
                let topics = [TopicProduceResponse {
                    name: topic.name,
                    partition_responses: Array::from_slice(&partitions),
                    ..Default::default()
                }];
                let response = ProduceResponse {
                    responses: Array::from_slice(&topics),
                    ..Default::default()
                };
                self.push(id, v, &response);
            }
            ApiKey::Fetch => {
                let request = FetchRequest::decode(v, body).unwrap();
                assert_eq!(v, 17, "fetches by topic id");
                let topic = request.topics.iter().next().unwrap();
                assert_eq!(topic.topic_id, TOPIC_ID);
                let records = self.log.clone();
                let partitions = [PartitionData {
                    high_watermark: self.next_offset,
                    records: Some(&records),
                    ..Default::default()
                }];
                let topics = [FetchableTopicResponse {
                    topic_id: TOPIC_ID,
                    partitions: Array::from_slice(&partitions),
                    ..Default::default()
                }];
                let response = FetchResponse {
                    responses: Array::from_slice(&topics),
                    ..Default::default()
                };
                self.push(id, v, &response);
            }
            other => panic!("unexpected request {other:?}"),
        }
    }

    /// Appends a response frame, size prefix first.
    fn push<'m, M: Message<'m>>(&mut self, correlation_id: i32, version: i16, body: &M) {
        let mut buf = std::vec![0u8; 64 + body.encoded_len(version).unwrap()];
        let header = ResponseHeader {
            correlation_id,
            unknown_tagged_fields: RawTaggedFields::EMPTY,
        };
        let mut w = Writer::new(&mut buf[4..]);
        header
            .write(&mut w, response_header_version(M::API_KEY, version))
            .unwrap();
        let start = 4 + w.position();
        let n = body.encode(version, &mut buf[start..]).unwrap();
        let len = start - 4 + n;
        buf[..4].copy_from_slice(&(len as i32).to_be_bytes());
        self.outbox.extend_from_slice(&buf[..4 + len]);
    }
}

impl ErrorType for ScriptedBroker {
    type Error = ErrorKind;
}

impl Read for ScriptedBroker {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        if let Some(kind) = self.fail_reads.filter(|_| self.requests > 1) {
            return Err(kind);
        }
        if self.hold {
            return core::future::pending().await;
        }
        let n = buf.len().min(self.chunk).min(self.outbox.len());
        buf[..n].copy_from_slice(&self.outbox[..n]);
        self.outbox.drain(..n);
        Ok(n)
    }
}

impl Write for ScriptedBroker {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        self.inbox.extend_from_slice(buf);
        self.answer();
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// A clock the test moves by hand.
#[derive(Clone, Copy)]
struct FixedClock(u64);

impl Clock for &core::cell::Cell<FixedClock> {
    fn now(&mut self) -> Instant {
        Instant::from_millis(self.get().0)
    }
}

fn records() -> [NewRecord<'static>; 3] {
    [b"one".as_slice(), b"two", b"three"].map(|value| NewRecord {
        key: Some(b"k"),
        value: Some(value),
        ..NewRecord::default()
    })
}

fn zero_clock() -> Instant {
    Instant::from_millis(0)
}

#[test]
fn produces_and_fetches_back_through_the_example() {
    let (mut tx, mut rx, mut inflate) = ([0u8; 512], [0u8; 2048], [0u8; 512]);
    let config = ConnectionConfig::default();
    let mut client = Client::new(ScriptedBroker::new(), zero_clock, config, &mut tx, &mut rx);
    block_on(client.connect()).unwrap();
    assert!(client.is_ready());
    let records = records();
    let seen = block_on(produce_and_fetch(
        &mut client,
        "t",
        &records,
        &ProduceOptions::default(),
        &mut inflate,
    ))
    .unwrap();
    assert_eq!(
        seen,
        example::RoundTrip {
            start_offset: 0,
            base_offset: Some(0),
            fetched: 3,
            matching: 3
        }
    );
    // Again: the second batch starts after the first.
    let seen = block_on(produce_and_fetch(
        &mut client,
        "t",
        &records[..1],
        &ProduceOptions::default(),
        &mut inflate,
    ))
    .unwrap();
    assert_eq!((seen.start_offset, seen.fetched, seen.matching), (3, 1, 1));
}

#[cfg(feature = "lz4")]
#[test]
fn lz4_batches_round_trip() {
    let (mut tx, mut rx, mut inflate) = ([0u8; 512], [0u8; 2048], [0u8; 512]);
    let mut client = Client::new(
        ScriptedBroker::new(),
        zero_clock,
        ConnectionConfig::default(),
        &mut tx,
        &mut rx,
    );
    block_on(client.connect()).unwrap();
    let options = ProduceOptions {
        compression: crate::compression::Compression::Lz4,
        acks: Acks::Leader,
        ..ProduceOptions::default()
    };
    let seen = block_on(produce_and_fetch(
        &mut client,
        "t",
        &records(),
        &options,
        &mut inflate,
    ))
    .unwrap();
    assert_eq!((seen.fetched, seen.matching), (3, 3));
}

#[test]
fn acks_zero_reads_no_response_and_the_next_call_works() {
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 2048]);
    let mut client = Client::new(
        ScriptedBroker::new(),
        zero_clock,
        ConnectionConfig::default(),
        &mut tx,
        &mut rx,
    );
    block_on(client.connect()).unwrap();
    let options = ProduceOptions {
        acks: Acks::None,
        ..ProduceOptions::default()
    };
    assert_eq!(
        block_on(client.produce("t", 0, &records(), &options)),
        Ok(None)
    );
    assert_eq!(block_on(client.list_offsets("t", 0, LATEST)), Ok(3));
    let fetched = block_on(client.fetch(
        TopicRef {
            name: "t",
            id: TOPIC_ID,
        },
        0,
        0,
        &FetchOptions::default(),
    ))
    .unwrap();
    assert_eq!(fetched.high_watermark, 3);
    assert_eq!(fetched.batches().count(), 1);
}

#[test]
fn broker_error_codes_and_missing_topics_leave_the_connection_usable() {
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 2048]);
    let mut client = Client::new(
        ScriptedBroker::new(),
        zero_clock,
        ConnectionConfig::default(),
        &mut tx,
        &mut rx,
    );
    block_on(client.connect()).unwrap();
    let error = block_on(client.metadata("nope")).unwrap_err();
    assert_eq!(
        error,
        ClientError::Broker(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
    );
    assert_eq!(error.kind(), ErrorKind::Other);
    assert_eq!(
        block_on(client.list_offsets("t", 5, LATEST)),
        Err(ClientError::MissingFromResponse)
    );
    let metadata = block_on(client.metadata("t")).unwrap();
    assert_eq!(
        (
            metadata.id(),
            metadata.leader(0),
            metadata.partition_count()
        ),
        (TOPIC_ID, Some(1), 1)
    );
}

#[test]
fn refused_credentials_are_an_authentication_error_with_the_brokers_words() {
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 2048]);
    let config = ConnectionConfig {
        sasl: Some(Credentials {
            mechanism: SaslMechanism::Plain,
            username: "u",
            password: "wrong",
            nonce: "",
        }),
        ..ConnectionConfig::default()
    };
    let mut broker = ScriptedBroker::new();
    broker.refuse_auth = true;
    let mut client = Client::new(broker, zero_clock, config, &mut tx, &mut rx);
    let error = block_on(client.connect()).unwrap_err();
    assert_eq!(
        error,
        ClientError::Connection(ConnError::AuthenticationFailed(
            ErrorCode::SASL_AUTHENTICATION_FAILED
        ))
    );
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    assert_eq!(
        client.server_error_text(),
        Some("Invalid username or password")
    );

    // The same client, reset onto a broker that accepts.
    client.reset(ScriptedBroker::new(), config);
    block_on(client.connect()).unwrap();
    assert!(client.is_ready());
}

#[test]
fn transport_errors_keep_their_kind_and_end_of_stream_is_its_own_error() {
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 2048]);
    let mut broker = ScriptedBroker::new();
    broker.fail_reads = Some(ErrorKind::ConnectionReset);
    let mut client = Client::new(
        broker,
        zero_clock,
        ConnectionConfig::default(),
        &mut tx,
        &mut rx,
    );
    block_on(client.connect()).unwrap();
    let error = block_on(client.metadata("t")).unwrap_err();
    assert_eq!(error, ClientError::Io(ErrorKind::ConnectionReset));
    assert_eq!(error.kind(), ErrorKind::ConnectionReset);

    // A broker that answers nothing: its read returns end of stream.
    let mut silent = ScriptedBroker::new();
    silent.chunk = 0;
    client.reset(silent, ConnectionConfig::default());
    let error = block_on(client.connect()).unwrap_err();
    assert_eq!(error, ClientError::ConnectionClosed);
    assert_eq!(error.kind(), ErrorKind::ConnectionAborted);
}

#[test]
fn a_response_larger_than_rx_is_a_frame_error() {
    // 600 bytes hold the ApiVersions response but not the fetched records.
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 600]);
    let mut client = Client::new(
        ScriptedBroker::new(),
        zero_clock,
        ConnectionConfig::default(),
        &mut tx,
        &mut rx,
    );
    block_on(client.connect()).unwrap();
    let value = [b'x'; 400];
    let record = [NewRecord {
        value: Some(&value),
        ..NewRecord::default()
    }];
    block_on(client.produce("t", 0, &record, &ProduceOptions::default())).unwrap();
    block_on(client.produce("t", 0, &record, &ProduceOptions::default())).unwrap();
    let error = block_on(client.fetch(
        TopicRef {
            name: "t",
            id: TOPIC_ID,
        },
        0,
        0,
        &FetchOptions::default(),
    ))
    .unwrap_err();
    assert!(
        matches!(error, ClientError::Frame(FrameError::ExceedsBuffer { .. })),
        "{error:?}"
    );
    assert_eq!(error.kind(), ErrorKind::OutOfMemory);
}

#[test]
fn a_cancelled_call_times_out_on_the_callers_clock_and_closes_the_connection() {
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 2048]);
    let clock = core::cell::Cell::new(FixedClock(1_000));
    let config = ConnectionConfig {
        request_timeout: core::time::Duration::from_millis(500),
        ..ConnectionConfig::default()
    };
    let mut client = Client::new(ScriptedBroker::new(), &clock, config, &mut tx, &mut rx);
    block_on(client.connect()).unwrap();
    client.link.transport.hold = true;
    {
        // The caller's timeout: poll once, then drop the call.
        let mut call = pin!(client.metadata("t"));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(call.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(client.poll_timeout(), Some(Instant::from_millis(1_500)));
    clock.set(FixedClock(1_499));
    assert_eq!(client.handle_timeout(), None);
    clock.set(FixedClock(1_500));
    let error = client.handle_timeout().unwrap();
    assert!(matches!(
        error,
        ClientError::Connection(ConnError::TimedOut { api_key: 3, .. })
    ));
    assert_eq!(error.kind(), ErrorKind::TimedOut);
    assert!(!client.is_ready());

    // Without handle_timeout, the next call finds the request still in flight.
    client.reset(ScriptedBroker::new(), config);
    block_on(client.connect()).unwrap();
    client.link.transport.hold = true;
    {
        let mut call = pin!(client.list_offsets("t", 0, EARLIEST));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(call.as_mut().poll(&mut cx).is_pending());
    }
    client.link.transport.hold = false;
    assert_eq!(
        block_on(client.metadata("t")).unwrap_err(),
        ClientError::Cancelled
    );
    assert!(!client.is_ready());
}

/// The transport type of the size measurement: no state of its own.
struct NoTransport;

impl ErrorType for NoTransport {
    type Error = core::convert::Infallible;
}

impl Read for NoTransport {
    async fn read(&mut self, _: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(0)
    }
}

impl Write for NoTransport {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[test]
fn client_state_besides_the_buffers_is_under_2_kib() {
    let state = core::mem::size_of::<Client<'_, '_, NoTransport, fn() -> Instant>>();
    let connection = core::mem::size_of::<crate::conn::Connection<'_, 1>>();
    std::println!(
        "embedded client state: {state} bytes (connection {connection}), plus the tx and rx \
         buffers, the transport and the clock"
    );
    assert!(state < 2048, "{state} bytes");
}
