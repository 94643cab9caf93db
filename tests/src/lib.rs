//! The integration-test harness: real Apache Kafka brokers by profile, unique topic names, the
//! Java tools as independent clients, and a look at what a process listens on.
//!
//! # Brokers
//!
//! A test asks for a profile with [`broker`]; the first call in a test process brings it up
//! through the same launcher as `cargo xtask broker up` (or reuses one already running, started
//! by an earlier test binary or by hand), later calls get the same [`Broker`]. A broker that
//! cannot be had is a test failure, with the launcher's error, never a skip.
//!
//! Brokers are **left running** when the tests end, so the next test binary and the next run
//! start in milliseconds. Whoever runs the suite stops them: `cargo xtask test` calls
//! `xtask::broker::down` for every profile at the end, also when tests fail; by hand,
//! `cargo xtask broker down --profile all`.
//!
//! # Topics
//!
//! Tests in one binary run in parallel against the same broker, and brokers outlive runs: every
//! test creates its own topics, named by [`unique_topic`].
//!
//! # Faults
//!
//! Tests that kill nodes (`cluster3`) live in a test binary of their own, run one at a time, and
//! restart what they killed before they return, so other tests find a whole cluster. After a
//! restart the [`Broker`] from [`broker`] holds stale PIDs: use the one the restart returns.
//!
//! [`fault_proxy`] puts a proxy in front of each `cluster3` node, on the port that node's
//! `PROXIED` listener advertises, so a client bootstrapped there sends everything through the
//! proxies; tests take the proxies in turn ([`fault_proxy::cluster::cluster3_proxies`]).
//! [`soak`] runs producers and a consumer through them under a schedule of proxy and broker
//! faults and checks the whole history (`cargo xtask soak`).
//!
//! # Raw protocol
//!
//! [`raw_client::RawClient`] sends single requests built with franzl-core over a blocking
//! PLAINTEXT socket (the conformance and record-interop tests), and [`raw_ops`] has the usual
//! steps on it: create a topic, produce a batch, fetch and decode records. [`kcat`] and
//! [`printed`] run kcat and read what it and the Java console consumer print;
//! [`record_cases`] builds the records the interoperability tests exchange, and
//! [`tool_records`] has the tools write records and checks what franzl reads of them.
//! [`hex_dump`] reads franzl's hex dumps back into the frames' bytes.
//!
//! # An embedded network stack
//!
//! [`netns`] makes a network namespace with a TAP device for `tests/embedded_tap.rs`, which
//! runs a [`xtask::broker::StandaloneNode`] in it and the embedded client on embassy-net
//! (smoltcp) over that device ([`embedded_tap`], run as the program `src/bin/embedded_tap.rs`);
//! [`embedded_ops`] has the steps both embedded-client tests take.
//!
//! # Processes
//!
//! [`processes`] builds the example programs and runs them (and long-running Java tools) as
//! processes whose output is collected as it comes, stopped by PID, also when a test fails;
//! [`group_members`] reads a group's members and their partitions from the Java
//! `kafka-consumer-groups` tool; [`group_ownership`] follows who owns which partition from the
//! members' own events.

pub mod client;
pub mod consumer;
pub mod embedded_ops;
pub mod embedded_tap;
pub mod fault_proxy;
pub mod features;
pub mod group_members;
pub mod group_ownership;
pub mod hex_dump;
pub mod java_tools;
pub mod kcat;
pub mod listening;
pub mod log_capture;
pub mod netns;
pub mod printed;
pub mod processes;
pub mod producer;
pub mod raw_client;
pub mod raw_ops;
pub mod record_cases;
pub mod soak;
pub mod tool_records;
pub mod transactions;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub use xtask::broker::{Broker, Profile, SaslMechanism};

/// The running broker of `profile`, brought up on first use in this process.
///
/// # Panics
///
/// The broker cannot be started: the message is the launcher's error, ending with the tail of
/// the broker's log when it failed to start.
pub fn broker(profile: Profile) -> &'static Broker {
    static BROKERS: [OnceLock<Broker>; 4] = [const { OnceLock::new() }; 4];
    let index = Profile::ALL
        .iter()
        .position(|&p| p == profile)
        .unwrap_or_default();
    BROKERS[index].get_or_init(|| match xtask::broker::up(profile) {
        Ok(broker) => broker,
        Err(error) => panic!("the {profile} broker is not available: {error}"),
    })
}

/// A topic name no other test, process or earlier run has used: `prefix`, the process id, the
/// time and a counter. Only `[a-zA-Z0-9-]` are kept from `prefix`.
pub fn unique_topic(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let clean: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(100)
        .collect();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{clean}-{}-{nanos:x}-{count}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::unique_topic;

    #[test]
    fn topic_names_are_unique_and_legal() {
        let a = unique_topic("round trip!");
        let b = unique_topic("round trip!");
        assert_ne!(a, b);
        assert!(a.starts_with("roundtrip-"));
        assert!(a.len() <= 249);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
