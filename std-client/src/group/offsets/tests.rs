//! The committed-offsets wire layer against a scripted coordinator on 127.0.0.1: what each
//! version of OffsetFetch, OffsetCommit and OffsetDelete carries, and every error path.

use super::*;
use crate::broker::ConnectOptions;
use crate::broker::scripted::{self, Script, answer_discovery};
use crate::config::ClientConfig;
use crate::net::BrokerAddress;
use async_channel::Receiver;
use franzl_core::frame::{RequestHeader, response_header_version};
use franzl_core::messages::Message;
use franzl_core::messages::offset_commit::{
    OffsetCommitResponse, OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};
use franzl_core::messages::offset_delete::{
    OffsetDeleteResponse, OffsetDeleteResponsePartition, OffsetDeleteResponseTopic,
};
use franzl_core::messages::offset_fetch::{
    OffsetFetchResponse, OffsetFetchResponseGroup, OffsetFetchResponsePartition,
    OffsetFetchResponsePartitions, OffsetFetchResponseTopic, OffsetFetchResponseTopics,
};
use franzl_core::wire::{Reader, Uuid};
use futures_lite::AsyncWriteExt;
use std::sync::Arc;

/// A request the coordinator received: its version and body.
type Received = (i16, Vec<u8>);

/// Starts a coordinator offering `api` from its lowest version franzl has up to `max`, which
/// answers each request of it with the body `answer(version, request body)`; returns a
/// connection to it and the requests it receives.
async fn coordinator(
    api: ApiKey,
    max: i16,
    answer: impl Fn(i16, &[u8]) -> Vec<u8> + Send + Sync + 'static,
) -> (BrokerConnection, Receiver<Received>) {
    let min = match api {
        ApiKey::OffsetFetch => 1,
        ApiKey::OffsetCommit => 2,
        _ => 0,
    };
    let (received, requests) = async_channel::unbounded();
    let answer = Arc::new(answer);
    let port = scripted::start(move |mut stream, port| {
        let (answer, received) = (Arc::clone(&answer), received.clone());
        async move {
            let offers = [(ApiKey::ApiVersions, 0, 4), (api, min, max)];
            let script = Script {
                offers: &offers,
                finalized: None,
                topic: "unused",
                topic_id: Uuid::ZERO,
                partitions: &[],
            };
            while let Some(frame) = scripted::next_request(&mut stream).await {
                let mut reader = Reader::new(&frame);
                let header = RequestHeader::read(&mut reader).unwrap();
                if answer_discovery(&mut stream, &header, port, &script).await {
                    continue;
                }
                let body = reader.rest();
                received
                    .send((header.api_version, body.to_vec()))
                    .await
                    .unwrap();
                let reply = answer(header.api_version, body);
                let mut out = header.correlation_id.to_be_bytes().to_vec();
                if response_header_version(api, header.api_version) >= 1 {
                    out.push(0); // no tagged fields
                }
                out.extend_from_slice(&reply);
                let mut framed = u32::try_from(out.len()).unwrap().to_be_bytes().to_vec();
                framed.extend_from_slice(&out);
                stream.write_all(&framed).await.unwrap();
            }
        }
    })
    .await;
    let options = Arc::new(ConnectOptions::from_config(&ClientConfig::default()).unwrap());
    let address = BrokerAddress::new("127.0.0.1", port);
    let connection = BrokerConnection::connect(&address, options).await.unwrap();
    (connection, requests)
}

/// `message` encoded at `version`.
fn encoded<'a, M: Message<'a>>(message: &M, version: i16) -> Vec<u8> {
    let mut body = vec![0; message.encoded_len(version).unwrap()];
    message.encode(version, &mut body).unwrap();
    body
}

/// A partition's committed offset as a coordinator answers it.
#[derive(Clone, Copy)]
struct Stored {
    topic: &'static str,
    partition: i32,
    offset: i64,
    leader_epoch: i32,
    metadata: Option<&'static str>,
    code: ErrorCode,
}

fn stored(topic: &'static str, partition: i32, offset: i64) -> Stored {
    Stored {
        topic,
        partition,
        offset,
        leader_epoch: -1,
        metadata: Some(""),
        code: ErrorCode::NONE,
    }
}

/// An OffsetFetch response body at `version` for `group`: the group's error `code` and `stored`
/// (one topic entry per run of the same topic).
fn fetch_answer(version: i16, group: &str, code: ErrorCode, stored: &[Stored]) -> Vec<u8> {
    let runs: Vec<&[Stored]> = stored.chunk_by(|a, b| a.topic == b.topic).collect();
    if version >= 8 {
        let partitions: Vec<Vec<OffsetFetchResponsePartitions<'_>>> = runs
            .iter()
            .map(|run| {
                run.iter()
                    .map(|s| OffsetFetchResponsePartitions {
                        partition_index: s.partition,
                        committed_offset: s.offset,
                        committed_leader_epoch: s.leader_epoch,
                        metadata: s.metadata,
                        error_code: s.code,
                        ..Default::default()
                    })
                    .collect()
            })
            .collect();
        let topics: Vec<OffsetFetchResponseTopics<'_>> = runs
            .iter()
            .zip(&partitions)
            .map(|(run, partitions)| OffsetFetchResponseTopics {
                name: run[0].topic,
                partitions: Array::from_slice(partitions),
                ..Default::default()
            })
            .collect();
        let groups = [OffsetFetchResponseGroup {
            group_id: group,
            topics: Array::from_slice(&topics),
            error_code: code,
            ..Default::default()
        }];
        let response = OffsetFetchResponse {
            groups: Array::from_slice(&groups),
            ..Default::default()
        };
        return encoded(&response, version);
    }
    let partitions: Vec<Vec<OffsetFetchResponsePartition<'_>>> = runs
        .iter()
        .map(|run| {
            run.iter()
                .map(|s| OffsetFetchResponsePartition {
                    partition_index: s.partition,
                    committed_offset: s.offset,
                    committed_leader_epoch: s.leader_epoch,
                    metadata: s.metadata,
                    error_code: s.code,
                    ..Default::default()
                })
                .collect()
        })
        .collect();
    let topics: Vec<OffsetFetchResponseTopic<'_>> = runs
        .iter()
        .zip(&partitions)
        .map(|(run, partitions)| OffsetFetchResponseTopic {
            name: run[0].topic,
            partitions: Array::from_slice(partitions),
            ..Default::default()
        })
        .collect();
    let response = OffsetFetchResponse {
        topics: Array::from_slice(&topics),
        error_code: code,
        ..Default::default()
    };
    encoded(&response, version)
}

/// An OffsetCommit response body answering `code` for every partition of the request.
fn commit_answer(version: i16, request: &[u8], code: ErrorCode) -> Vec<u8> {
    let request = OffsetCommitRequest::decode(version, request).unwrap();
    let partitions: Vec<Vec<OffsetCommitResponsePartition<'_>>> = request
        .topics
        .iter()
        .map(|topic| {
            topic
                .partitions
                .iter()
                .map(|p| OffsetCommitResponsePartition {
                    partition_index: p.partition_index,
                    error_code: code,
                    ..Default::default()
                })
                .collect()
        })
        .collect();
    let topics: Vec<OffsetCommitResponseTopic<'_>> = request
        .topics
        .iter()
        .zip(&partitions)
        .map(|(topic, partitions)| OffsetCommitResponseTopic {
            name: topic.name,
            partitions: Array::from_slice(partitions),
            ..Default::default()
        })
        .collect();
    let response = OffsetCommitResponse {
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    encoded(&response, version)
}

/// An OffsetDelete response body: the group's `code`, and `partition_code` for every
/// partition of the request.
fn delete_answer(request: &[u8], code: ErrorCode, partition_code: ErrorCode) -> Vec<u8> {
    let request = OffsetDeleteRequest::decode(0, request).unwrap();
    let partitions: Vec<Vec<OffsetDeleteResponsePartition<'_>>> = request
        .topics
        .iter()
        .map(|topic| {
            topic
                .partitions
                .iter()
                .map(|p| OffsetDeleteResponsePartition {
                    partition_index: p.partition_index,
                    error_code: partition_code,
                    ..Default::default()
                })
                .collect()
        })
        .collect();
    let topics: Vec<OffsetDeleteResponseTopic<'_>> = request
        .topics
        .iter()
        .zip(&partitions)
        .map(|(topic, partitions)| OffsetDeleteResponseTopic {
            name: topic.name,
            partitions: Array::from_slice(partitions),
            ..Default::default()
        })
        .collect();
    let response = OffsetDeleteResponse {
        error_code: code,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    encoded(&response, 0)
}

fn tp(topic: &str, partition: i32) -> TopicPartition {
    TopicPartition::new(topic, partition)
}

/// The topics and partition indexes an OffsetFetch request names, whichever its version.
fn fetched_topics(version: i16, body: &[u8]) -> Option<Vec<(String, Vec<i32>)>> {
    let request = OffsetFetchRequest::decode(version, body).unwrap();
    if version >= 8 {
        let group = request.groups.iter().next().unwrap();
        let topics = group.topics?.iter();
        Some(
            topics
                .map(|t| (t.name.to_owned(), t.partition_indexes.iter().collect()))
                .collect(),
        )
    } else {
        let topics = request.topics?.iter();
        Some(
            topics
                .map(|t| (t.name.to_owned(), t.partition_indexes.iter().collect()))
                .collect(),
        )
    }
}

#[test]
fn fetch_v9_names_the_group_in_a_list_and_answers_in_the_order_asked() {
    smol::block_on(async {
        // The broker offers v10 (topic ids); franzl names topics, so it sends v9.
        let (conn, requests) = coordinator(ApiKey::OffsetFetch, 10, |version, _| {
            let mut with_epoch = stored("t", 0, 42);
            with_epoch.leader_epoch = 3;
            with_epoch.metadata = Some("m");
            let answers = [stored("s", 0, -1), with_epoch, stored("t", 1, 7)];
            fetch_answer(version, "g", ErrorCode::NONE, &answers)
        })
        .await;
        let asked = [tp("t", 1), tp("s", 0), tp("t", 0)];
        let committed = fetch_committed(&conn, "g", Some(&asked), true, None)
            .await
            .unwrap();
        let (version, body) = requests.recv().await.unwrap();
        assert_eq!(version, 9);
        let request = OffsetFetchRequest::decode(version, &body).unwrap();
        assert!(request.require_stable);
        assert_eq!(request.groups.len(), 1);
        assert_eq!(request.groups.iter().next().unwrap().group_id, "g");
        let topics = fetched_topics(version, &body).unwrap();
        assert_eq!(topics, [("s".into(), vec![0]), ("t".into(), vec![1, 0])]);
        let expected = [
            CommittedOffset {
                partition: tp("t", 1),
                offset: Some(7),
                leader_epoch: None,
                metadata: Some(String::new()),
            },
            CommittedOffset {
                partition: tp("s", 0),
                offset: None,
                leader_epoch: None,
                metadata: Some(String::new()),
            },
            CommittedOffset {
                partition: tp("t", 0),
                offset: Some(42),
                leader_epoch: Some(3),
                metadata: Some("m".into()),
            },
        ];
        assert_eq!(committed, expected);
    });
}

#[test]
fn fetch_below_v8_names_one_group_and_sends_require_stable_from_v7() {
    smol::block_on(async {
        for (max, require_stable) in [(7, true), (7, false), (6, false), (1, false)] {
            let (conn, requests) = coordinator(ApiKey::OffsetFetch, max, |version, _| {
                fetch_answer(version, "g", ErrorCode::NONE, &[stored("t", 0, 5)])
            })
            .await;
            let committed = fetch_committed(&conn, "g", Some(&[tp("t", 0)]), require_stable, None)
                .await
                .unwrap();
            assert_eq!(committed[0].offset, Some(5), "v{max}");
            let (version, body) = requests.recv().await.unwrap();
            assert_eq!(version, max);
            let request = OffsetFetchRequest::decode(version, &body).unwrap();
            assert_eq!(request.group_id, "g");
            assert_eq!(request.require_stable, require_stable);
            let topics = fetched_topics(version, &body).unwrap();
            assert_eq!(topics, [("t".into(), vec![0])]);
        }
    });
}

#[test]
fn fetch_of_all_partitions_sends_no_topics_and_answers_what_the_group_has() {
    smol::block_on(async {
        for max in [9, 5] {
            let (conn, requests) = coordinator(ApiKey::OffsetFetch, max, |version, _| {
                let answers = [stored("a", 0, 1), stored("b", 3, 2)];
                fetch_answer(version, "g", ErrorCode::NONE, &answers)
            })
            .await;
            let committed = fetch_committed(&conn, "g", None, false, None)
                .await
                .unwrap();
            let (version, body) = requests.recv().await.unwrap();
            assert_eq!(fetched_topics(version, &body), None, "v{max}: null topics");
            let found: Vec<_> = committed
                .iter()
                .map(|c| (c.partition.clone(), c.offset))
                .collect();
            assert_eq!(found, [(tp("a", 0), Some(1)), (tp("b", 3), Some(2))]);
        }
    });
}

#[test]
fn what_an_old_coordinator_cannot_carry_is_an_error_and_nothing_is_sent() {
    smol::block_on(async {
        let never = |_: i16, _: &[u8]| -> Vec<u8> { unreachable!("nothing may be sent") };
        let (conn, requests) = coordinator(ApiKey::OffsetFetch, 6, never).await;
        let error = fetch_committed(&conn, "g", Some(&[tp("t", 0)]), true, None)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Usage { .. }), "{error:?}");
        assert!(error.to_string().contains("RequireStable"), "{error}");

        let (conn, requests_v1) = coordinator(ApiKey::OffsetFetch, 1, never).await;
        let error = fetch_committed(&conn, "g", None, false, None)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Usage { .. }), "{error:?}");

        let (conn, requests_commit) = coordinator(ApiKey::OffsetCommit, 6, never).await;
        let member = MemberIdentity {
            generation_id: 1,
            member_id: "m".into(),
            group_instance_id: Some("static-1".into()),
        };
        let offsets = [(tp("t", 0), OffsetAndMetadata::new(1))];
        let error = commit(&conn, "g", Some(&member), &offsets)
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::Config { property, .. } if property == "group.instance.id"),
            "{error:?}"
        );
        for requests in [requests, requests_v1, requests_commit] {
            assert!(requests.try_recv().is_err(), "a request was sent");
        }
    });
}

#[test]
fn fetch_group_errors_keep_their_code_and_retriability() {
    smol::block_on(async {
        let cases = [
            (ErrorCode::NOT_COORDINATOR, true),
            (ErrorCode::COORDINATOR_NOT_AVAILABLE, true),
            (ErrorCode::COORDINATOR_LOAD_IN_PROGRESS, true),
            (ErrorCode::GROUP_AUTHORIZATION_FAILED, false),
        ];
        for max in [9, 5] {
            for (code, retriable) in cases {
                let (conn, _requests) = coordinator(ApiKey::OffsetFetch, max, move |version, _| {
                    fetch_answer(version, "g", code, &[])
                })
                .await;
                let error = fetch_committed(&conn, "g", Some(&[tp("t", 0)]), false, None)
                    .await
                    .unwrap_err();
                assert_eq!(error.kafka_code(), Some(code), "v{max}: {error}");
                assert_eq!(error.is_retriable(), retriable, "v{max}: {error}");
                assert!(error.to_string().contains("group \"g\""), "{error}");
            }
        }
    });
}

#[test]
fn fetch_partition_errors_report_the_one_retrying_cannot_cure() {
    smol::block_on(async {
        let unstable = |partition| Stored {
            code: ErrorCode::UNSTABLE_OFFSET_COMMIT,
            ..stored("t", partition, -1)
        };
        let (conn, _requests) = coordinator(ApiKey::OffsetFetch, 9, move |version, _| {
            fetch_answer(version, "g", ErrorCode::NONE, &[unstable(0), unstable(1)])
        })
        .await;
        let asked = [tp("t", 0), tp("t", 1)];
        let error = fetch_committed(&conn, "g", Some(&asked), true, None)
            .await
            .unwrap_err();
        assert_eq!(error.kafka_code(), Some(ErrorCode::UNSTABLE_OFFSET_COMMIT));
        assert!(error.is_retriable());
        assert!(error.to_string().contains("t-0"), "{error}");

        let (conn, _requests) = coordinator(ApiKey::OffsetFetch, 9, move |version, _| {
            let denied = Stored {
                code: ErrorCode::TOPIC_AUTHORIZATION_FAILED,
                ..stored("t", 1, -1)
            };
            fetch_answer(version, "g", ErrorCode::NONE, &[unstable(0), denied])
        })
        .await;
        let error = fetch_committed(&conn, "g", Some(&asked), true, None)
            .await
            .unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::TOPIC_AUTHORIZATION_FAILED)
        );
        assert!(!error.is_retriable());
        assert!(error.to_string().contains("t-1"), "{error}");
    });
}

#[test]
fn fetch_answers_that_make_no_sense_are_protocol_errors() {
    smol::block_on(async {
        // A partition left out.
        let (conn, _requests) = coordinator(ApiKey::OffsetFetch, 9, |version, _| {
            fetch_answer(version, "g", ErrorCode::NONE, &[stored("t", 0, 1)])
        })
        .await;
        let asked = [tp("t", 0), tp("t", 1)];
        let error = fetch_committed(&conn, "g", Some(&asked), false, None)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
        assert!(error.to_string().contains("t-1"), "{error}");
        // An answer for another group.
        let (conn, _requests) = coordinator(ApiKey::OffsetFetch, 9, |version, _| {
            fetch_answer(version, "other", ErrorCode::NONE, &[stored("t", 0, 1)])
        })
        .await;
        let error = fetch_committed(&conn, "g", Some(&asked[..1]), false, None)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
    });
}

#[test]
fn answers_that_do_not_decode_are_protocol_errors() {
    smol::block_on(async {
        let garbage = |_: i16, _: &[u8]| vec![0xff, 0xff, 0xff];
        let (conn, _requests) = coordinator(ApiKey::OffsetFetch, 9, garbage).await;
        let error = fetch_committed(&conn, "g", None, false, None)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Protocol { .. }), "{error:?}");

        let (conn, _requests) = coordinator(ApiKey::OffsetCommit, 9, garbage).await;
        let offsets = [(tp("t", 0), OffsetAndMetadata::new(1))];
        let error = commit(&conn, "g", None, &offsets).await.unwrap_err();
        assert!(matches!(error, Error::Protocol { .. }), "{error:?}");

        let (conn, _requests) = coordinator(ApiKey::OffsetDelete, 0, garbage).await;
        let error = delete_offsets(&conn, "g", &[tp("t", 0)]).await.unwrap_err();
        assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
    });
}

#[test]
fn commit_v9_carries_the_member_and_each_partition() {
    smol::block_on(async {
        let (conn, requests) = coordinator(ApiKey::OffsetCommit, 10, |version, body| {
            commit_answer(version, body, ErrorCode::NONE)
        })
        .await;
        let member = MemberIdentity {
            generation_id: 7,
            member_id: "member-1".into(),
            group_instance_id: Some("static-1".into()),
        };
        let offsets = [
            (
                tp("t", 2),
                OffsetAndMetadata {
                    offset: 100,
                    leader_epoch: Some(4),
                    metadata: Some("why".into()),
                },
            ),
            (tp("s", 0), OffsetAndMetadata::new(5)),
            (tp("t", 0), OffsetAndMetadata::new(9)),
        ];
        commit(&conn, "g", Some(&member), &offsets).await.unwrap();
        let (version, body) = requests.recv().await.unwrap();
        assert_eq!(version, 9, "v10 names topics by id");
        let request = OffsetCommitRequest::decode(version, &body).unwrap();
        assert_eq!(request.group_id, "g");
        assert_eq!(request.generation_id_or_member_epoch, 7);
        assert_eq!(request.member_id, "member-1");
        assert_eq!(request.group_instance_id, Some("static-1"));
        let sent: Vec<_> = request
            .topics
            .iter()
            .flat_map(|t| {
                t.partitions.iter().map(move |p| {
                    let (epoch, metadata) = (p.committed_leader_epoch, p.committed_metadata);
                    (
                        t.name,
                        p.partition_index,
                        p.committed_offset,
                        epoch,
                        metadata,
                    )
                })
            })
            .collect();
        let expected = [
            ("s", 0, 5, -1, None),
            ("t", 2, 100, 4, Some("why")),
            ("t", 0, 9, -1, None),
        ];
        assert_eq!(sent, expected);
    });
}

#[test]
fn commit_without_a_member_is_generation_minus_one_and_no_member_id() {
    smol::block_on(async {
        for max in [9, 5] {
            let (conn, requests) = coordinator(ApiKey::OffsetCommit, max, |version, body| {
                commit_answer(version, body, ErrorCode::NONE)
            })
            .await;
            let offsets = [(
                tp("t", 0),
                OffsetAndMetadata {
                    offset: 3,
                    leader_epoch: Some(2),
                    metadata: None,
                },
            )];
            commit(&conn, "g", None, &offsets).await.unwrap();
            let (version, body) = requests.recv().await.unwrap();
            assert_eq!(version, max);
            let request = OffsetCommitRequest::decode(version, &body).unwrap();
            assert_eq!(request.generation_id_or_member_epoch, -1);
            assert_eq!(request.member_id, "");
            assert_eq!(request.group_instance_id, None);
            let partition = request.topics.iter().next().unwrap();
            let partition = partition.partitions.iter().next().unwrap();
            assert_eq!(partition.committed_offset, 3);
            // The leader epoch exists from v6 on.
            let epoch = if max >= 6 { 2 } else { -1 };
            assert_eq!(partition.committed_leader_epoch, epoch, "v{max}");
        }
    });
}

#[test]
fn commit_errors_keep_their_code_and_tell_a_moved_coordinator_from_a_rejoin() {
    smol::block_on(async {
        let cases = [
            (ErrorCode::NOT_COORDINATOR, true),
            (ErrorCode::COORDINATOR_NOT_AVAILABLE, true),
            (ErrorCode::COORDINATOR_LOAD_IN_PROGRESS, true),
            (ErrorCode::ILLEGAL_GENERATION, false),
            (ErrorCode::UNKNOWN_MEMBER_ID, false),
            (ErrorCode::REBALANCE_IN_PROGRESS, false),
            (ErrorCode::FENCED_INSTANCE_ID, false),
        ];
        for (code, retriable) in cases {
            let (conn, _requests) = coordinator(ApiKey::OffsetCommit, 9, move |version, body| {
                commit_answer(version, body, code)
            })
            .await;
            let offsets = [(tp("t", 0), OffsetAndMetadata::new(1))];
            let error = commit(&conn, "g", None, &offsets).await.unwrap_err();
            assert_eq!(error.kafka_code(), Some(code), "{error}");
            assert_eq!(error.is_retriable(), retriable, "{error}");
            assert!(error.to_string().contains("t-0 in group \"g\""), "{error}");
        }
    });
}

#[test]
fn commit_answers_must_cover_every_partition() {
    smol::block_on(async {
        let (conn, _requests) = coordinator(ApiKey::OffsetCommit, 9, |version, _| {
            encoded(&OffsetCommitResponse::default(), version)
        })
        .await;
        let offsets = [(tp("t", 0), OffsetAndMetadata::new(1))];
        let error = commit(&conn, "g", None, &offsets).await.unwrap_err();
        assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
        assert!(error.to_string().contains("t-0"), "{error}");
    });
}

#[test]
fn nothing_to_commit_fetch_or_delete_sends_nothing() {
    smol::block_on(async {
        let never = |_: i16, _: &[u8]| -> Vec<u8> { unreachable!("nothing may be sent") };
        let (conn, requests) = coordinator(ApiKey::OffsetCommit, 9, never).await;
        commit(&conn, "g", None, &[]).await.unwrap();
        assert!(requests.try_recv().is_err());
        let (conn, requests) = coordinator(ApiKey::OffsetFetch, 9, never).await;
        let committed = fetch_committed(&conn, "g", Some(&[]), false, None)
            .await
            .unwrap();
        assert!(committed.is_empty());
        assert!(requests.try_recv().is_err());
        let (conn, requests) = coordinator(ApiKey::OffsetDelete, 0, never).await;
        delete_offsets(&conn, "g", &[]).await.unwrap();
        assert!(requests.try_recv().is_err());
    });
}

#[test]
fn delete_offsets_names_each_partition_and_reports_errors() {
    smol::block_on(async {
        let (conn, requests) = coordinator(ApiKey::OffsetDelete, 0, |_, body| {
            delete_answer(body, ErrorCode::NONE, ErrorCode::NONE)
        })
        .await;
        delete_offsets(&conn, "g", &[tp("t", 1), tp("s", 0), tp("t", 0)])
            .await
            .unwrap();
        let (_, body) = requests.recv().await.unwrap();
        let request = OffsetDeleteRequest::decode(0, &body).unwrap();
        assert_eq!(request.group_id, "g");
        let sent: Vec<(&str, Vec<i32>)> = request
            .topics
            .iter()
            .map(|t| {
                (
                    t.name,
                    t.partitions.iter().map(|p| p.partition_index).collect(),
                )
            })
            .collect();
        assert_eq!(sent, [("s", vec![0]), ("t", vec![1, 0])]);

        let (conn, _requests) = coordinator(ApiKey::OffsetDelete, 0, |_, body| {
            delete_answer(body, ErrorCode::GROUP_ID_NOT_FOUND, ErrorCode::NONE)
        })
        .await;
        let error = delete_offsets(&conn, "g", &[tp("t", 0)]).await.unwrap_err();
        assert_eq!(error.kafka_code(), Some(ErrorCode::GROUP_ID_NOT_FOUND));
        assert!(!error.is_retriable());

        let (conn, _requests) = coordinator(ApiKey::OffsetDelete, 0, |_, body| {
            delete_answer(body, ErrorCode::NONE, ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC)
        })
        .await;
        let error = delete_offsets(&conn, "g", &[tp("t", 0)]).await.unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC)
        );
        assert!(error.to_string().contains("t-0"), "{error}");
    });
}
