//! Building blocks of the scripted brokers that unit tests run on 127.0.0.1: TCP servers in
//! the test that answer each request with a response built by franzl-core's encoders, as the
//! test's script says.
//!
//! Contract: each helper answers one request at the version its header names, with what the
//! [`Script`] says (the API versions offered, the finalized features, the one topic led by node
//! 1 at the server's own port); a request a helper does not know is left to the caller.

use std::future::Future;

use async_net::{TcpListener, TcpStream};
use franzl_core::ErrorCode;
use franzl_core::frame::RequestHeader;
use franzl_core::messages::api_versions::{ApiVersion, ApiVersionsResponse, FinalizedFeatureKey};
use franzl_core::messages::find_coordinator::{
    Coordinator, FindCoordinatorRequest, FindCoordinatorResponse,
};
use franzl_core::messages::metadata::{
    MetadataResponse, MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use franzl_core::messages::produce::{
    PartitionProduceResponse, ProduceResponse, TopicProduceResponse,
};
use franzl_core::messages::{ApiKey, Array, Message};
use futures_lite::AsyncReadExt;

use super::tests::respond;

/// Listens on a free port of 127.0.0.1 and runs `serve(stream, port)` for each connection, as
/// a task of its own; returns the port.
pub(crate) async fn start<F, Fut>(serve: F) -> u16
where
    F: Fn(TcpStream, u16) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    smol::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            smol::spawn(serve(stream, port)).detach();
        }
    })
    .detach();
    port
}

/// The next request frame (after its size prefix); `None` once the client closed.
pub(crate) async fn next_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut size = [0u8; 4];
    stream.read_exact(&mut size).await.ok()?;
    let mut frame = vec![0u8; u32::from_be_bytes(size) as usize];
    stream.read_exact(&mut frame).await.ok()?;
    Some(frame)
}

/// Answers ApiVersions offering each `(api, min, max)`, with the finalized features
/// `finalized` lists (epoch 1), or none (no epoch) when it is `None`.
async fn answer_api_versions(
    stream: &mut TcpStream,
    header: &RequestHeader<'_>,
    offers: &[(ApiKey, i16, i16)],
    finalized: Option<&[(&str, i16)]>,
) {
    let keys: Vec<ApiVersion<'_>> = offers
        .iter()
        .map(|&(api, min, max)| ApiVersion {
            api_key: api.key(),
            min_version: min,
            max_version: max,
            ..Default::default()
        })
        .collect();
    let features: Vec<FinalizedFeatureKey<'_>> = finalized
        .unwrap_or_default()
        .iter()
        .map(|&(name, level)| FinalizedFeatureKey {
            name,
            max_version_level: level,
            min_version_level: level,
            ..Default::default()
        })
        .collect();
    let response = ApiVersionsResponse {
        api_keys: Array::from_slice(&keys),
        finalized_features_epoch: if finalized.is_some() { 1 } else { -1 },
        finalized_features: Array::from_slice(&features),
        ..Default::default()
    };
    respond(stream, header, &response).await;
}

/// Answers Metadata: node 1 at `port`, the only broker, leads every partition of `topic`, each
/// `(index, leader epoch)` of `partitions`; the topic's id is `topic_id`.
async fn answer_metadata(
    stream: &mut TcpStream,
    header: &RequestHeader<'_>,
    port: u16,
    topic: &str,
    topic_id: franzl_core::wire::Uuid,
    partitions: &[(i32, i32)],
) {
    let brokers = [MetadataResponseBroker {
        node_id: 1,
        host: "127.0.0.1",
        port: i32::from(port),
        ..Default::default()
    }];
    let partitions: Vec<MetadataResponsePartition<'_>> = partitions
        .iter()
        .map(|&(index, epoch)| MetadataResponsePartition {
            partition_index: index,
            leader_id: 1,
            leader_epoch: epoch,
            replica_nodes: Array::from_slice(&[1]),
            isr_nodes: Array::from_slice(&[1]),
            ..Default::default()
        })
        .collect();
    let topics = [MetadataResponseTopic {
        name: Some(topic),
        topic_id,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let response = MetadataResponse {
        brokers: Array::from_slice(&brokers),
        cluster_id: Some("scripted"),
        controller_id: 1,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    respond(stream, header, &response).await;
}

/// What a scripted broker says of itself: the API versions it offers, and its one topic.
pub(crate) struct Script<'a> {
    /// Each `(api, min, max)` offered.
    pub(crate) offers: &'a [(ApiKey, i16, i16)],
    /// The finalized features ApiVersions v3+ reports (`("transaction.version", 2)`, ...);
    /// `None`: none at all (no epoch), as a broker without feature versioning.
    pub(crate) finalized: Option<&'a [(&'a str, i16)]>,
    pub(crate) topic: &'a str,
    pub(crate) topic_id: franzl_core::wire::Uuid,
    /// Each partition's `(index, leader epoch)`; node 1 leads them all.
    pub(crate) partitions: &'a [(i32, i32)],
}

/// Answers ApiVersions and Metadata as `script` says; true when `header` was one of them.
pub(crate) async fn answer_discovery(
    stream: &mut TcpStream,
    header: &RequestHeader<'_>,
    port: u16,
    script: &Script<'_>,
) -> bool {
    match ApiKey::from_key(header.api_key) {
        Some(ApiKey::ApiVersions) => {
            answer_api_versions(stream, header, script.offers, script.finalized).await;
        }
        Some(ApiKey::Metadata) => {
            let (topic, id, partitions) = (script.topic, script.topic_id, script.partitions);
            answer_metadata(stream, header, port, topic, id, partitions).await;
        }
        _ => return false,
    }
    true
}

/// Answers a Produce request with `answers`, one per partition, all of topic `topic`.
pub(crate) async fn answer_produce(
    stream: &mut TcpStream,
    header: &RequestHeader<'_>,
    topic: &str,
    answers: &[PartitionProduceResponse<'_>],
) {
    let topics = [TopicProduceResponse {
        name: topic,
        partition_responses: Array::from_slice(answers),
        ..Default::default()
    }];
    let response = ProduceResponse {
        responses: Array::from_slice(&topics),
        ..Default::default()
    };
    respond(stream, header, &response).await;
}

/// Answers FindCoordinator (one key, v0 to v3, or a batch, v4+): node 1 at `port`, or `code`
/// when it is an error. Returns the key type and the key(s) asked for.
pub(crate) async fn answer_find_coordinator(
    stream: &mut TcpStream,
    header: &RequestHeader<'_>,
    body: &[u8],
    port: u16,
    code: ErrorCode,
) -> (i8, Vec<String>) {
    let request = FindCoordinatorRequest::decode(header.api_version, body).unwrap();
    let keys: Vec<String> = if header.api_version >= 4 {
        request.coordinator_keys.iter().map(str::to_owned).collect()
    } else {
        vec![request.key.to_owned()]
    };
    let (node_id, host, port) = if code.is_ok() {
        (1, "127.0.0.1", i32::from(port))
    } else {
        (-1, "", -1)
    };
    let coordinators: Vec<Coordinator<'_>> = keys
        .iter()
        .map(|key| Coordinator {
            key,
            node_id,
            host,
            port,
            error_code: code,
            ..Default::default()
        })
        .collect();
    // Each field exists in one range of versions only: one key's answer up to v3, a batch's
    // from v4.
    let response = if header.api_version >= 4 {
        FindCoordinatorResponse {
            coordinators: Array::from_slice(&coordinators),
            ..Default::default()
        }
    } else {
        FindCoordinatorResponse {
            error_code: code,
            node_id,
            host,
            port,
            ..Default::default()
        }
    };
    respond(stream, header, &response).await;
    (request.key_type, keys)
}
