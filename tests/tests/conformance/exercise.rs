//! [`Exerciser`]: a [`RawClient`] that records each (API, version) pair it exercised and keeps the
//! response body of each API's highest version, for the summary and the core fixtures.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use franzl_core::ErrorCode;
use franzl_core::messages::{ApiKey, Request};
use franzl_core::wire::Uuid;
use franzl_tests::raw_client::{RawClient, Reply};

/// The pairs a scenario exercised and the bodies it captured.
#[derive(Default)]
pub(crate) struct Record {
    /// (API key, version) pairs sent and decoded.
    pub(crate) pairs: BTreeSet<(i16, i16)>,
    /// Per API key: the highest version sent and its response body.
    pub(crate) fixtures: BTreeMap<i16, (i16, Vec<u8>)>,
    /// Shared versions deliberately not sent, with the reason.
    pub(crate) skipped: BTreeSet<String>,
}

impl Record {
    /// Adds `other`'s pairs and keeps the higher-versioned fixture of each API.
    pub(crate) fn merge(&mut self, other: Record) {
        self.pairs.extend(other.pairs);
        self.skipped.extend(other.skipped);
        for (key, (version, body)) in other.fixtures {
            let keep = self
                .fixtures
                .get(&key)
                .is_none_or(|(held, _)| *held < version);
            if keep {
                self.fixtures.insert(key, (version, body));
            }
        }
    }
}

/// A connection to the broker that records what it exercised.
pub(crate) struct Exerciser {
    /// The connection, for helpers that are not under test (topic setup).
    pub(crate) client: RawClient,
    /// What was exercised.
    pub(crate) record: Record,
}

impl Exerciser {
    /// Connects to `bootstrap` (one PLAINTEXT address).
    pub(crate) fn connect(bootstrap: &str) -> Self {
        let client = RawClient::connect(bootstrap).expect("connect and handshake");
        Self {
            client,
            record: Record::default(),
        }
    }

    /// Every version of `api` both sides support.
    ///
    /// # Panics
    ///
    /// They share none: the test expects every API it exercises to be usable.
    pub(crate) fn versions(&self, api: ApiKey) -> Vec<i16> {
        let versions: Vec<i16> = self.client.shared_versions(api).collect();
        assert!(
            !versions.is_empty(),
            "broker range {:?}, franzl up to {:?}: no shared version of {}",
            self.client.broker_range(api),
            api.max_stable_version(),
            api.name()
        );
        versions
    }

    /// Sends `request` at `version`, records the pair and the body, and returns the reply.
    ///
    /// # Panics
    ///
    /// Encoding, the exchange or decoding fails; the message names the API and version.
    pub(crate) fn call<'r, R: Request<'r>>(&mut self, version: i16, request: &R) -> Reply<R> {
        let api = R::API_KEY;
        let reply = self
            .client
            .call(version, request)
            .unwrap_or_else(|error| panic!("{} v{version}: {error}", api.name()));
        self.record.pairs.insert((api.key(), version));
        let keep = self
            .record
            .fixtures
            .get(&api.key())
            .is_none_or(|(held, _)| *held <= version);
        if keep {
            let body = reply.body_bytes().to_vec();
            self.record.fixtures.insert(api.key(), (version, body));
        }
        reply
    }
}

/// Sends the same `request` at every shared version of its API and expects `expected` in every
/// code that `codes` picks from each response.
pub(crate) fn every_version<'r, R: Request<'r>>(
    ex: &mut Exerciser,
    request: &R,
    expected: ErrorCode,
    codes: impl for<'b> Fn(&R::Response<'b>) -> Vec<ErrorCode>,
) {
    for v in ex.versions(R::API_KEY) {
        let reply = ex.call(v, request);
        let body = reply.body();
        expect_codes(R::API_KEY, v, codes(&body), expected, &body);
    }
}

/// Asserts that every code in `codes` is `expected`; the message names the call and shows the
/// whole response.
pub(crate) fn expect_codes(
    api: ApiKey,
    version: i16,
    codes: impl IntoIterator<Item = ErrorCode>,
    expected: ErrorCode,
    response: &dyn Debug,
) {
    let codes: Vec<ErrorCode> = codes.into_iter().collect();
    assert!(
        !codes.is_empty(),
        "{} v{version}: no error codes to check in {response:?}",
        api.name()
    );
    for code in codes {
        assert_eq!(
            code,
            expected,
            "{} v{version}: got {code}, expected {expected}; response {response:?}",
            api.name()
        );
    }
}

/// A fresh member id in the form Kafka's `Uuid.toString` writes, which share-group members
/// must use.
pub(crate) fn new_member_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: AtomicU64 = AtomicU64::new(1);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let pid = u128::from(std::process::id());
    let mixed = (nanos ^ (u128::from(count) << 64) ^ (pid << 96)) | (1 << 127);
    uuid_string(Uuid(mixed.to_be_bytes()))
}

/// `uuid` as Kafka's `Uuid.toString` writes it: 22 characters of unpadded URL-safe base64
/// (franzl-core's `Display` of [`Uuid`]).
pub(crate) fn uuid_string(uuid: Uuid) -> String {
    uuid.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_strings_match_kafka() {
        // `new Uuid(0, 0).toString()` and `new Uuid(-1, -1).toString()` on a JVM.
        assert_eq!(uuid_string(Uuid([0; 16])), "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(uuid_string(Uuid([0xff; 16])), "_____________________w");
        assert_eq!(new_member_id().len(), 22);
    }
}
