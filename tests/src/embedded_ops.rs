//! Steps the embedded client's tests share, over any transport and executor: creating a topic
//! and waiting until its leader serves it, and the connection config of a SASL test user.

use std::future::Future;
use std::time::Duration;

use embedded_io_async::{Read, Write};
use franzl_core::ErrorCode;
use franzl_core::conn::Credentials;
use franzl_core::embedded::{Client, ClientError, Clock, ConnectionConfig, LATEST};
use franzl_core::messages::Array;
use franzl_core::messages::create_topics::{CreatableTopic, CreateTopicsRequest};
use franzl_core::sasl::SaslMechanism as CoreMechanism;
use franzl_core::sasl::scram::ScramMechanism;
use xtask::broker::SaslMechanism;

/// Creates `topic` (one partition, one replica) through `client`, then waits until its leader
/// serves it, looking again after `wait(100 ms)` (the executor's timer) for up to 10 s.
///
/// # Panics
/// The broker refuses the topic, a call fails with a non-retriable error, or the partition has
/// no serving leader after 10 s.
pub async fn create_topic<T, C, F>(
    client: &mut Client<'_, '_, T, C>,
    topic: &str,
    mut wait: impl FnMut(Duration) -> F,
) where
    T: Read + Write,
    C: Clock,
    F: Future<Output = ()>,
{
    let topics = [CreatableTopic {
        name: topic,
        num_partitions: 1,
        replication_factor: 1,
        ..Default::default()
    }];
    let request = CreateTopicsRequest {
        topics: Array::from_slice(&topics),
        timeout_ms: 30_000,
        ..Default::default()
    };
    let response = client.request(&request).await.expect("CreateTopics");
    let response = response
        .decode::<CreateTopicsRequest<'_>>()
        .expect("decode CreateTopics");
    let created = response.topics.iter().next().expect("one topic");
    assert_eq!(
        created.error_code,
        ErrorCode::NONE,
        "{:?}",
        created.error_message
    );
    // The metadata names a leader a moment before that broker serves the partition: wait
    // until ListOffsets answers without NOT_LEADER_OR_FOLLOWER.
    for _ in 0..100 {
        let has_leader = match client.metadata(topic).await {
            Ok(metadata) => metadata.leader(0).is_some(),
            Err(ClientError::Broker(code)) if code.is_retriable() => false,
            Err(error) => panic!("metadata: {error}"),
        };
        if has_leader {
            match client.list_offsets(topic, 0, LATEST).await {
                Ok(_) => return,
                Err(ClientError::Broker(code)) if code.is_retriable() => {}
                Err(error) => panic!("list offsets: {error}"),
            }
        }
        wait(Duration::from_millis(100)).await;
    }
    panic!("{topic} has no leader after 10 s");
}

/// A connection config for `mechanism`'s test user of the sasl profile (and of a
/// [`xtask::broker::StandaloneNode`]), with `password` and the SCRAM `nonce` (unused by PLAIN).
pub fn sasl_config<'c>(
    mechanism: SaslMechanism,
    password: &'c str,
    nonce: &'c str,
) -> ConnectionConfig<'c> {
    let core_mechanism = match mechanism {
        SaslMechanism::Plain => CoreMechanism::Plain,
        SaslMechanism::ScramSha256 => CoreMechanism::Scram(ScramMechanism::Sha256),
        SaslMechanism::ScramSha512 => CoreMechanism::Scram(ScramMechanism::Sha512),
    };
    ConnectionConfig {
        sasl: Some(Credentials {
            mechanism: core_mechanism,
            username: mechanism.user().username,
            password,
            nonce,
        }),
        ..ConnectionConfig::default()
    }
}
