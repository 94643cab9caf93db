//! The embedded client's one-pass Fetch response walk against the generated decoder and its
//! lookup (`TopicRef::fetched`): the same answer for every response, at every version, and for
//! each truncation and single-byte change of it, an answer exactly when the generated decoder
//! has one, and the same answer then.

use super::super::fetch::FetchedPartition;
use super::super::one_pass::{PartitionAnswer, find_partition};
use super::{WANTED, lookups};
use crate::ErrorCode;
use crate::messages::fetch::{
    AbortedTransaction, EpochEndOffset, FetchResponse, FetchableTopicResponse, NodeEndpoint,
    PartitionData,
};
use crate::messages::{Array, Message, TopicRef};
use crate::wire::{DecodeError, Uuid};
extern crate std;
use std::vec::Vec;

/// The generated decoder and lookup, shaped as [`find_partition`] answers.
fn reference<'r>(
    body: &'r [u8],
    version: i16,
    topic: &TopicRef<'_>,
    partition: i32,
) -> Result<PartitionAnswer<'r>, DecodeError> {
    let response = FetchResponse::decode(version, body)?;
    let found = topic.fetched(&response, version, partition).map(|p| {
        let fields = FetchedPartition {
            high_watermark: p.high_watermark,
            last_stable_offset: p.last_stable_offset,
            log_start_offset: p.log_start_offset,
            records: p.records.unwrap_or_default(),
        };
        (p.error_code, fields)
    });
    Ok(PartitionAnswer {
        response_error: response.error_code,
        partition: found,
    })
}

/// A response with another topic first, then the wanted one with two partitions (the second
/// with aborted transactions, a diverging epoch and records), and broker endpoints.
fn response_body(version: i16) -> Vec<u8> {
    let aborted = [AbortedTransaction {
        producer_id: 5,
        first_offset: 6,
        ..Default::default()
    }];
    let other = [PartitionData {
        partition_index: 3,
        high_watermark: 99,
        records: Some(b"other"),
        ..Default::default()
    }];
    let wanted = [
        PartitionData {
            partition_index: 1,
            error_code: ErrorCode(6),
            ..Default::default()
        },
        PartitionData {
            partition_index: 3,
            high_watermark: 40,
            last_stable_offset: 39,
            log_start_offset: if version >= 5 { 2 } else { -1 },
            aborted_transactions: Some(Array::from_slice(&aborted)),
            preferred_read_replica: if version >= 11 { 1 } else { -1 },
            diverging_epoch: if version >= 12 {
                EpochEndOffset {
                    epoch: 4,
                    end_offset: 30,
                    ..Default::default()
                }
            } else {
                EpochEndOffset::default()
            },
            records: Some(b"records"),
            ..Default::default()
        },
    ];
    let topics = [
        FetchableTopicResponse {
            topic: "u",
            topic_id: Uuid([8; 16]),
            partitions: Array::from_slice(&other),
            ..Default::default()
        },
        FetchableTopicResponse {
            topic: WANTED.name,
            topic_id: WANTED.id,
            partitions: Array::from_slice(&wanted),
            ..Default::default()
        },
    ];
    let endpoints = [NodeEndpoint {
        node_id: 1,
        host: "b",
        port: 9092,
        ..Default::default()
    }];
    let response = FetchResponse {
        session_id: if version >= 7 { 42 } else { 0 },
        responses: Array::from_slice(&topics),
        node_endpoints: if version >= 16 {
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
    FetchResponse::MIN_VERSION..=FetchResponse::MAX_VERSION
}

#[test]
fn finds_the_partition_the_generated_lookup_finds() {
    for version in versions() {
        let body = response_body(version);
        let answer = find_partition(&body, version, &WANTED, 3).unwrap();
        assert_eq!(answer.response_error, ErrorCode(0));
        let (code, found) = answer.partition.expect("the wanted partition");
        assert_eq!(code, ErrorCode(0));
        assert_eq!(found.high_watermark, 40, "v{version}");
        assert_eq!(found.records, b"records");
        assert!(body.as_ptr_range().contains(&found.records.as_ptr()));
        for (topic, partition) in lookups() {
            assert_eq!(
                find_partition(&body, version, &topic, partition),
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
                    &find_partition(input, version, &topic, partition),
                    &reference(input, version, &topic, partition),
                );
            }
        }
    }
}

#[test]
fn refuses_versions_it_does_not_know() {
    let body = response_body(FetchResponse::MAX_VERSION);
    for version in [
        FetchResponse::MIN_VERSION - 1,
        FetchResponse::MAX_VERSION + 1,
    ] {
        assert_eq!(
            find_partition(&body, version, &WANTED, 3),
            Err(DecodeError::UnsupportedVersion)
        );
    }
}
