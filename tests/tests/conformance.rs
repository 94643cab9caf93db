//! Real-broker conformance (issue 3), `plain` profile: franzl-core encodes every request a client
//! uses at every version that both franzl and the broker support, and decodes each response
//! without error; each response carries the error codes the scenario expects (NONE for valid
//! requests, a named code for deliberately invalid ones).
//!
//! The scenarios run in parallel, each on its own connection; the test prints how many
//! (API, version) pairs were exercised and which shared APIs were not.
//!
//! With `FRANZL_WRITE_FIXTURES=1` the test also writes the body of each API's highest-version
//! response to `core/tests/fixtures/responses/` (`<key>-<name>-v<version>.bin`), which
//! `core/tests/captured_responses.rs` replays, truncated at every byte.

#[path = "conformance/admin.rs"]
mod admin;
#[path = "conformance/cluster.rs"]
mod cluster;
#[path = "conformance/coordinators.rs"]
mod coordinators;
#[path = "conformance/data.rs"]
mod data;
#[path = "conformance/exercise.rs"]
mod exercise;
#[path = "conformance/groups.rs"]
mod groups;
#[path = "conformance/offsets.rs"]
mod offsets;
#[path = "conformance/transactions.rs"]
mod transactions;

use std::path::PathBuf;
use std::thread;

use franzl_core::messages::ApiKey;
use franzl_tests::raw_client::RawClient;
use franzl_tests::{Profile, broker};

use exercise::Record;

/// A scenario: it connects to the bootstrap address it is given and returns what it exercised.
type Scenario = fn(&str) -> Record;

/// The scenarios, by name.
const SCENARIOS: &[(&str, Scenario)] = &[
    ("admin", admin::run),
    ("data", data::run),
    ("groups", groups::run),
    ("offsets", offsets::run),
    ("transactions", transactions::run),
    ("cluster", cluster::run),
];

#[test]
fn every_request_at_every_shared_version() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let handles: Vec<_> = SCENARIOS
        .iter()
        .map(|&(name, scenario)| {
            let bootstrap = bootstrap.clone();
            let handle = thread::Builder::new()
                .name(name.to_string())
                .spawn(move || scenario(&bootstrap))
                .expect("spawn scenario");
            (name, handle)
        })
        .collect();
    let mut record = Record::default();
    let mut failed = Vec::new();
    for (name, handle) in handles {
        match handle.join() {
            Ok(part) => record.merge(part),
            Err(_) => failed.push(name),
        }
    }
    assert!(failed.is_empty(), "scenarios failed: {failed:?}");
    summarize(&bootstrap, &record);
    if std::env::var_os("FRANZL_WRITE_FIXTURES").is_some() {
        write_fixtures(&record);
    }
}

/// A broker asked for an ApiVersions version it does not know answers UNSUPPORTED_VERSION with
/// its own range in a v0 body; the client retries at the highest version both know.
#[test]
fn api_versions_handshake_falls_back_from_an_unknown_version() {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let client = RawClient::connect_offering(&bootstrap, i16::MAX).expect("handshake");
    let broker_max = client.broker_range(ApiKey::ApiVersions).map(|(_, max)| max);
    let ours = ApiKey::ApiVersions.max_stable_version();
    let expected = broker_max.zip(ours).map(|(b, o)| b.min(o));
    assert_eq!(Some(client.api_versions_version()), expected);
    assert!(client.negotiated().get(ApiKey::Metadata).is_some());
}

/// Prints the summary line and the shared APIs no scenario exercised.
fn summarize(bootstrap: &str, record: &Record) {
    let client = RawClient::connect(bootstrap).expect("connect");
    let apis: std::collections::BTreeSet<i16> = record.pairs.iter().map(|&(key, _)| key).collect();
    let unexercised: Vec<&str> = ApiKey::ALL
        .iter()
        .filter(|api| !client.shared_versions(**api).is_empty())
        .filter(|api| !apis.contains(&api.key()))
        .map(|api| api.name())
        .collect();
    println!(
        "conformance: exercised {} (api, version) pairs across {} APIs; shared but not exercised: {}",
        record.pairs.len(),
        apis.len(),
        unexercised.join(", ")
    );
    for skipped in &record.skipped {
        println!("conformance: skipped {skipped}");
    }
}

/// Writes each API's highest-version response body as a fixture for core's replay test.
fn write_fixtures(record: &Record) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/responses");
    std::fs::create_dir_all(&dir).expect("fixture folder");
    for (&key, (version, body)) in &record.fixtures {
        let name = ApiKey::from_key(key).map_or("unknown", ApiKey::name);
        let file = dir.join(format!("{key:02}-{name}-v{version}.bin"));
        std::fs::write(&file, body).expect("write fixture");
    }
    println!(
        "wrote {} fixtures to {}",
        record.fixtures.len(),
        dir.display()
    );
}
