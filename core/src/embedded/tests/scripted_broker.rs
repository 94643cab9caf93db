//! A scripted in-memory broker for the client's tests: one topic `t` of one partition, whose
//! log keeps the batches produced; requests are decoded and answered with the generated
//! messages, so the bytes are what a broker sends.

use crate::ErrorCode;
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
use crate::wire::{RawTaggedFields, Reader, Writer};
use embedded_io_async::{ErrorKind, ErrorType, Read, Write};
extern crate std;
use std::vec::Vec;

/// The id of topic `t`.
pub(super) const TOPIC_ID: crate::wire::Uuid = crate::wire::Uuid([7; 16]);

/// A broker with one topic `t` of one partition, answering each request frame as it is
/// written. Reads hand out at most `chunk` bytes, to split frames.
pub(super) struct ScriptedBroker {
    pub(super) inbox: Vec<u8>,
    pub(super) outbox: Vec<u8>,
    pub(super) chunk: usize,
    /// The partition's log: batches with their base offsets patched in.
    pub(super) log: Vec<u8>,
    pub(super) next_offset: i64,
    /// Answer SaslAuthenticate with this error code.
    pub(super) refuse_auth: bool,
    /// Fail reads with this kind once the handshake is done.
    pub(super) fail_reads: Option<ErrorKind>,
    /// Keep the next response back (the read then waits forever).
    pub(super) hold: bool,
    pub(super) requests: usize,
}

impl ScriptedBroker {
    pub(super) fn new() -> Self {
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
                        error_code: ErrorCode::SASL_AUTHENTICATION_FAILED,
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
                        ErrorCode::NONE
                    } else {
                        ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
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
                let topic = request.topics.iter().next().unwrap();
                if v > 12 {
                    assert_eq!((v, topic.topic_id), (17, TOPIC_ID), "fetches by topic id");
                } else {
                    assert_eq!((v, topic.topic), (12, "t"), "fetches by name without an id");
                }
                let records = self.log.clone();
                let partitions = [PartitionData {
                    high_watermark: self.next_offset,
                    records: Some(&records),
                    ..Default::default()
                }];
                let topics = [FetchableTopicResponse {
                    topic: "t",
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
