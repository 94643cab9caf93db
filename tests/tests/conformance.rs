//! Real-broker conformance (issues 3 and 12), `plain` profile: franzl-core encodes every request
//! at every version that both franzl and the broker support, and decodes each response without
//! error; each response carries the error codes the scenario expects (NONE for valid requests, a
//! named code for deliberately invalid ones, and for requests aimed at nodes that do not exist).
//!
//! The scenarios run in parallel, each on its own connection; the test prints how many
//! (API, version) pairs were exercised. Every (API, version) pair both sides share must be
//! exercised, except for APIs listed in [`NOT_SENT`] (none today): an API whose every use would
//! disturb the cluster the other tests share goes there, with the reason.
//!
//! With `FRANZL_WRITE_FIXTURES=missing` the test also writes the body of the highest-version
//! response of each API that has no fixture yet to `core/tests/fixtures/responses/`
//! (`<key>-<name>-v<version>.bin`), which `core/tests/captured_responses.rs` replays, truncated
//! at every byte; `FRANZL_WRITE_FIXTURES=all` rewrites them all (delete stale versions by hand).

#[path = "conformance/admin.rs"]
mod admin;
#[path = "conformance/alterations.rs"]
mod alterations;
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
#[path = "conformance/markers.rs"]
mod markers;
#[path = "conformance/membership.rs"]
mod membership;
#[path = "conformance/offsets.rs"]
mod offsets;
#[path = "conformance/refusals.rs"]
mod refusals;
#[path = "conformance/share.rs"]
mod share;
#[path = "conformance/share_offsets.rs"]
mod share_offsets;
#[path = "conformance/share_state.rs"]
mod share_state;
#[path = "conformance/streams.rs"]
mod streams;
#[path = "conformance/transactions.rs"]
mod transactions;
#[path = "conformance/written_markers.rs"]
mod written_markers;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::thread;

use franzl_core::messages::ApiKey;
use franzl_tests::raw_client::RawClient;
use franzl_tests::{Profile, broker};

use exercise::Record;

/// Shared APIs deliberately not sent, and why. Even the membership changes are sent, aimed at
/// nodes that do not exist (`membership.rs`).
const NOT_SENT: &[(ApiKey, &str)] = &[];

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
    ("alterations", alterations::run),
    ("refusals", refusals::run),
    ("share", share::run),
    ("share_state", share_state::run),
    ("streams", streams::run),
    ("written_markers", written_markers::run),
    ("membership", membership::run),
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
    match std::env::var("FRANZL_WRITE_FIXTURES").as_deref() {
        Ok("all") => write_fixtures(&record, true),
        Ok(_) => write_fixtures(&record, false),
        Err(_) => {}
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

/// Prints the summary and fails if a shared (API, version) pair was neither exercised nor
/// deliberately left out.
fn summarize(bootstrap: &str, record: &Record) {
    let client = RawClient::connect(bootstrap).expect("connect");
    let shared: Vec<(ApiKey, i16)> = ApiKey::ALL
        .iter()
        .flat_map(|&api| client.shared_versions(api).map(move |v| (api, v)))
        .collect();
    let apis: BTreeSet<i16> = record.pairs.iter().map(|&(key, _)| key).collect();
    println!(
        "conformance: exercised {} (api, version) pairs across {} APIs ({} pairs shared)",
        record.pairs.len(),
        apis.len(),
        shared.len()
    );
    for skipped in &record.skipped {
        println!("conformance: skipped {skipped}");
    }
    for (api, why) in NOT_SENT {
        println!("conformance: not sent: {} ({why})", api.name());
    }
    let left_out = |api: ApiKey, v: i16| {
        let noted = format!("{} v{v} ", api.name());
        NOT_SENT.iter().any(|(not_sent, _)| *not_sent == api)
            || record.skipped.iter().any(|s| s.starts_with(&noted))
    };
    let forgotten: Vec<String> = shared
        .iter()
        .filter(|&&(api, v)| !record.pairs.contains(&(api.key(), v)) && !left_out(api, v))
        .map(|(api, v)| format!("{} v{v}", api.name()))
        .collect();
    assert!(
        forgotten.is_empty(),
        "shared with the broker but exercised by no scenario: {forgotten:?}; add a scenario, or \
         list the API in NOT_SENT (or note the version as skipped) with the reason"
    );
}

/// Writes each API's highest-version response body as a fixture for core's replay test: for
/// every API with `all`, else only for APIs without a fixture.
fn write_fixtures(record: &Record, all: bool) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/responses");
    std::fs::create_dir_all(&dir).expect("fixture folder");
    let existing: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    let mut written = 0;
    for (&key, (version, body)) in &record.fixtures {
        let prefix = format!("{key:02}-");
        if !all && existing.iter().any(|name| name.starts_with(&prefix)) {
            continue;
        }
        let name = ApiKey::from_key(key).map_or("unknown", ApiKey::name);
        let file = dir.join(format!("{prefix}{name}-v{version}.bin"));
        std::fs::write(&file, body).expect("write fixture");
        written += 1;
    }
    println!("wrote {written} fixtures to {}", dir.display());
}
