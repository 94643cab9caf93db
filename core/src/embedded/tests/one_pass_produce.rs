//! The embedded client's one-pass Produce response walk against the generated decoder and its
//! lookup (`TopicRef::produced`): the same answer for every response, at every version, and for
//! each truncation and single-byte change of it, an answer exactly when the generated decoder
//! has one, and the same answer then.

use super::super::one_pass::find_produced;
use super::{WANTED, lookups};
use crate::ErrorCode;
use crate::messages::produce::{
    BatchIndexAndErrorMessage, LeaderIdAndEpoch, NodeEndpoint, PartitionProduceResponse,
    ProduceResponse, TopicProduceResponse,
};
use crate::messages::{Array, Message, TopicRef};
use crate::wire::{DecodeError, Uuid};
extern crate std;
use std::vec::Vec;

/// The generated decoder and lookup, shaped as [`find_produced`] answers.
fn reference(
    body: &[u8],
    version: i16,
    topic: &TopicRef<'_>,
    partition: i32,
) -> Result<Option<(ErrorCode, i64)>, DecodeError> {
    let response = ProduceResponse::decode(version, body)?;
    let found = topic.produced(&response, version, partition);
    Ok(found.map(|p| (p.error_code, p.base_offset)))
}

/// A response with another topic first, then the wanted one with two partitions (the second
/// with record errors, an error message and a current leader), and broker endpoints.
fn response_body(version: i16) -> Vec<u8> {
    let record_errors = [BatchIndexAndErrorMessage {
        batch_index: 1,
        batch_index_error_message: Some("bad"),
        ..Default::default()
    }];
    let other = [PartitionProduceResponse {
        index: 3,
        base_offset: 99,
        ..Default::default()
    }];
    let wanted = [
        PartitionProduceResponse {
            index: 1,
            error_code: ErrorCode(6),
            ..Default::default()
        },
        PartitionProduceResponse {
            index: 3,
            base_offset: 40,
            log_start_offset: if version >= 5 { 2 } else { -1 },
            record_errors: if version >= 8 {
                Array::from_slice(&record_errors)
            } else {
                Array::EMPTY
            },
            error_message: if version >= 8 { Some("m") } else { None },
            current_leader: if version >= 10 {
                LeaderIdAndEpoch {
                    leader_id: 1,
                    leader_epoch: 4,
                    ..Default::default()
                }
            } else {
                LeaderIdAndEpoch::default()
            },
            ..Default::default()
        },
    ];
    let topics = [
        TopicProduceResponse {
            name: "u",
            topic_id: Uuid([8; 16]),
            partition_responses: Array::from_slice(&other),
            ..Default::default()
        },
        TopicProduceResponse {
            name: WANTED.name,
            topic_id: WANTED.id,
            partition_responses: Array::from_slice(&wanted),
            ..Default::default()
        },
    ];
    let endpoints = [NodeEndpoint {
        node_id: 1,
        host: "b",
        port: 9092,
        ..Default::default()
    }];
    let response = ProduceResponse {
        responses: Array::from_slice(&topics),
        node_endpoints: if version >= 10 {
            Array::from_slice(&endpoints)
        } else {
            Array::EMPTY
        },
        ..Default::default()
    };
    let mut body = std::vec![0u8; response.encoded_len(version).unwrap()];
    let len = response.encode(version, &mut body).unwrap();
    body.truncate(len);
    body
}

fn versions() -> core::ops::RangeInclusive<i16> {
    ProduceResponse::MIN_VERSION..=ProduceResponse::MAX_VERSION
}

#[test]
fn finds_the_partition_the_generated_lookup_finds() {
    for version in versions() {
        let body = response_body(version);
        assert_eq!(
            find_produced(&body, version, &WANTED, 3),
            Ok(Some((ErrorCode(0), 40))),
            "v{version}"
        );
        for (topic, partition) in lookups() {
            assert_eq!(
                find_produced(&body, version, &topic, partition),
                reference(&body, version, &topic, partition),
                "v{version} {topic:?} {partition}"
            );
        }
    }
}

#[test]
fn fails_exactly_where_the_generated_decoder_fails() {
    for version in versions() {
        for input in &super::changed(&response_body(version)) {
            for (topic, partition) in lookups() {
                super::same_outcome(
                    &find_produced(input, version, &topic, partition),
                    &reference(input, version, &topic, partition),
                );
            }
        }
    }
}

#[test]
fn refuses_versions_it_does_not_know() {
    let body = response_body(ProduceResponse::MAX_VERSION);
    for version in [
        ProduceResponse::MIN_VERSION - 1,
        ProduceResponse::MAX_VERSION + 1,
    ] {
        assert_eq!(
            find_produced(&body, version, &WANTED, 3),
            Err(DecodeError::UnsupportedVersion)
        );
    }
}
