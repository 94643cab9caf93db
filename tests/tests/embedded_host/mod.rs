//! What the embedded client's host tests share (`embedded_client.rs` over TCP, `embedded_tls.rs`
//! over embedded-tls): a bounded `block_on`, the client's clock, topic creation through the
//! client, SASL configs, and the produce-and-fetch round trip of `franzl_core::embedded::example`
//! with its checks. Generic over the transport, so both run the same steps.

use std::future::Future;
use std::time::Duration;

use async_io::Timer;
use embedded_io_async::{Read, Write};
use franzl_core::ErrorCode;
use franzl_core::conn::{Credentials, Instant};
use franzl_core::embedded::example::{RoundTrip, produce_and_fetch};
use franzl_core::embedded::{Acks, Client, ClientError, ConnectionConfig, LATEST, ProduceOptions};
use franzl_core::messages::Array;
use franzl_core::messages::create_topics::{CreatableTopic, CreateTopicsRequest};
use franzl_core::record::NewRecord;
use franzl_core::sasl::SaslMechanism as CoreMechanism;
use franzl_core::sasl::scram::ScramMechanism;
use franzl_tests::{SaslMechanism, unique_topic};

/// The client's clock on the host.
pub(crate) type HostClock = Box<dyn FnMut() -> Instant>;

/// The embedded client over transport `T` with the host clock.
pub(crate) type HostClient<'b, 'c, T> = Client<'b, 'c, T, HostClock>;

/// How long any one test may talk to the broker: the transport has no timer of its own.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `future` on this thread, failing the test if it outlives [`DEADLINE`] (the caller's
/// own timeout that the client's docs ask for).
pub(crate) fn run<F: Future>(future: F) -> F::Output {
    let bounded = futures_lite::future::or(async { Some(future.await) }, async {
        Timer::after(DEADLINE).await;
        None
    });
    futures_lite::future::block_on(bounded).expect("the broker did not answer in time")
}

/// Milliseconds since the test started, as the client's clock.
pub(crate) fn clock() -> HostClock {
    let start = std::time::Instant::now();
    Box::new(move || {
        Instant::from_millis(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX))
    })
}

/// Creates `topic` (one partition) through the client, then waits until its leader serves it.
pub(crate) async fn create_topic<T: Read + Write>(client: &mut HostClient<'_, '_, T>, topic: &str) {
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
        Timer::after(Duration::from_millis(100)).await;
    }
    panic!("{topic} has no leader after 10 s");
}

fn records<'a>(values: &'a [&'a [u8]]) -> Vec<NewRecord<'a>> {
    values
        .iter()
        .map(|value| NewRecord {
            key: Some(b"device-7"),
            value: Some(value),
            ..NewRecord::default()
        })
        .collect()
}

/// Produces `values` with `options` and fetches them back; checks all came back in order.
pub(crate) async fn round_trip<T: Read + Write>(
    client: &mut HostClient<'_, '_, T>,
    topic: &str,
    values: &[&[u8]],
    options: &ProduceOptions,
) -> RoundTrip {
    let records = records(values);
    let mut inflate = vec![0u8; 64 << 10];
    let seen = produce_and_fetch(client, topic, &records, options, &mut inflate)
        .await
        .unwrap_or_else(|error| panic!("produce and fetch ({options:?}): {error}"));
    assert_eq!(seen.fetched, values.len(), "{seen:?}");
    assert_eq!(seen.matching, values.len(), "{seen:?}");
    if options.acks != Acks::None {
        assert_eq!(seen.base_offset, Some(seen.start_offset), "{seen:?}");
    }
    seen
}

/// The config of `mechanism`'s test user with `password` and the SCRAM `nonce`.
pub(crate) fn sasl_config<'c>(
    mechanism: SaslMechanism,
    password: &'static str,
    nonce: &'c str,
) -> ConnectionConfig<'c> {
    let user = mechanism.user();
    let mechanism = match mechanism {
        SaslMechanism::Plain => CoreMechanism::Plain,
        SaslMechanism::ScramSha256 => CoreMechanism::Scram(ScramMechanism::Sha256),
        SaslMechanism::ScramSha512 => CoreMechanism::Scram(ScramMechanism::Sha512),
    };
    ConnectionConfig {
        sasl: Some(Credentials {
            mechanism,
            username: user.username,
            password,
            nonce,
        }),
        ..ConnectionConfig::default()
    }
}

/// A fresh SCRAM nonce: unique per connection, which is all a test needs.
pub(crate) fn nonce() -> String {
    unique_topic("nonce")
}
