//! What the embedded client's host tests share (`embedded_client.rs` over TCP, `embedded_tls.rs`
//! over embedded-tls): a bounded `block_on`, the client's clock, topic creation through the
//! client, SASL configs, and the produce-and-fetch round trip of `franzl_core::embedded::example`
//! with its checks. Generic over the transport, so both run the same steps.

use std::future::Future;
use std::time::Duration;

use async_io::Timer;
use embedded_io_async::{Read, Write};
use franzl_core::conn::Instant;
use franzl_core::embedded::example::{RoundTrip, produce_and_fetch};
use franzl_core::embedded::{Acks, Client, ProduceOptions};
use franzl_core::record::NewRecord;
use franzl_tests::embedded_ops;
use franzl_tests::unique_topic;

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
    embedded_ops::create_topic(client, topic, |pause| async move {
        Timer::after(pause).await;
    })
    .await;
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

pub(crate) use franzl_tests::embedded_ops::sasl_config;

/// A fresh SCRAM nonce: unique per connection, which is all a test needs.
pub(crate) fn nonce() -> String {
    unique_topic("nonce")
}
