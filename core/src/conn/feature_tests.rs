//! The finalized features a scripted broker reports in ApiVersions, as the connection keeps
//! them: known levels with their epoch, level 0 for a feature not listed, and "unknown" when
//! the broker reports none.

use super::tests::{BROKER_APIS, Broker, Conn, T0};
use super::*;
use crate::ErrorCode;
use crate::messages::api_versions::{ApiVersion, ApiVersionsResponse, FinalizedFeatureKey};
use crate::messages::metadata::MetadataResponse;
use crate::messages::{ApiKey, Array, Feature, FeatureLevels};

fn finalized(name: &'static str, level: i16) -> FinalizedFeatureKey<'static> {
    FinalizedFeatureKey {
        name,
        max_version_level: level,
        min_version_level: level,
        ..Default::default()
    }
}

/// What Kafka 4.x sends: every feature above level 0, and one franzl does not know.
const FINALIZED: [FinalizedFeatureKey<'static>; 5] = [
    FinalizedFeatureKey {
        name: "metadata.version",
        max_version_level: 27,
        min_version_level: 27,
        unknown_tagged_fields: crate::wire::RawTaggedFields::EMPTY,
    },
    FinalizedFeatureKey {
        name: "transaction.version",
        max_version_level: 2,
        min_version_level: 2,
        unknown_tagged_fields: crate::wire::RawTaggedFields::EMPTY,
    },
    FinalizedFeatureKey {
        name: "group.version",
        max_version_level: 1,
        min_version_level: 1,
        unknown_tagged_fields: crate::wire::RawTaggedFields::EMPTY,
    },
    FinalizedFeatureKey {
        name: "kraft.version",
        max_version_level: 1,
        min_version_level: 1,
        unknown_tagged_fields: crate::wire::RawTaggedFields::EMPTY,
    },
    FinalizedFeatureKey {
        name: "future.version",
        max_version_level: 3,
        min_version_level: 3,
        unknown_tagged_fields: crate::wire::RawTaggedFields::EMPTY,
    },
];

/// Sends the connection's ApiVersions request, answers it with `response` (at the version
/// asked) and checks what [`Connection::versions_response`] saw before handling it.
fn answer_versions(
    conn: &mut Conn<'_>,
    broker: &mut Broker,
    response: &ApiVersionsResponse<'_>,
) -> Event<'static> {
    let mut out = [0u8; 256];
    let n = conn.poll_transmit(T0, &mut out).unwrap();
    let (header, _) = Broker::read(&out[..n]);
    assert_eq!(header.api_key, ApiKey::ApiVersions.key());
    let frame = broker.respond(header.correlation_id, header.api_version, response);
    let seen = conn
        .versions_response(frame)
        .expect("the handshake's answer");
    assert_eq!(seen, *response, "read whole, unknown features included");
    match conn.handle_frame(frame).unwrap() {
        Event::Ready => Event::Ready,
        Event::Handshake => Event::Handshake,
        Event::Response(_) => panic!("handshake response handed to the caller"),
    }
}

#[test]
fn finalized_levels_and_epoch_are_kept_from_the_handshake() {
    let mut conn = Conn::new(ConnectionConfig::default());
    let mut broker = Broker::new();
    assert_eq!(*conn.finalized_features(), FeatureLevels::UNKNOWN);
    assert_eq!(conn.finalized_features().transaction_version(), None);
    let response = ApiVersionsResponse {
        api_keys: Array::from_slice(&BROKER_APIS),
        finalized_features_epoch: 42,
        finalized_features: Array::from_slice(&FINALIZED),
        ..Default::default()
    };
    assert_eq!(
        answer_versions(&mut conn, &mut broker, &response),
        Event::Ready
    );
    let features = conn.finalized_features();
    assert!(features.is_known());
    assert_eq!(features.epoch(), Some(42));
    assert_eq!(features.transaction_version(), Some(2));
    assert_eq!(features.group_version(), Some(1));
    assert_eq!(features.level(Feature::MetadataVersion), Some(27));
    assert_eq!(features.level(Feature::KraftVersion), Some(1));
    assert_eq!(
        features.level(Feature::ShareVersion),
        Some(0),
        "not listed: finalized at level 0"
    );

    // Afterwards, frames are the caller's responses, not the handshake's.
    let mut out = [0u8; 128];
    let sent = conn
        .send(
            &crate::messages::metadata::MetadataRequest::default(),
            None,
            true,
            T0,
            &mut out,
        )
        .unwrap();
    let frame = broker.respond(
        sent.correlation_id.unwrap(),
        12,
        &MetadataResponse::default(),
    );
    assert_eq!(conn.versions_response(frame), None);
}

#[test]
fn a_response_without_the_epoch_reports_no_features() {
    // The features without their epoch are not valid (Kafka: "only if the epoch is >= 0").
    let mut conn = Conn::new(ConnectionConfig::default());
    let mut broker = Broker::new();
    let response = ApiVersionsResponse {
        api_keys: Array::from_slice(&BROKER_APIS),
        finalized_features: Array::from_slice(&FINALIZED),
        ..Default::default()
    };
    answer_versions(&mut conn, &mut broker, &response);
    assert!(conn.is_ready());
    let features = conn.finalized_features();
    assert!(!features.is_known());
    assert_eq!(features.epoch(), None);
    for feature in Feature::ALL {
        assert_eq!(features.level(feature), None, "{}", feature.name());
    }
}

#[test]
fn an_epoch_with_no_features_listed_means_every_level_is_zero() {
    let mut conn = Conn::new(ConnectionConfig::default());
    let mut broker = Broker::new();
    let response = ApiVersionsResponse {
        api_keys: Array::from_slice(&BROKER_APIS),
        finalized_features_epoch: 0,
        ..Default::default()
    };
    answer_versions(&mut conn, &mut broker, &response);
    let features = conn.finalized_features();
    assert_eq!(features.epoch(), Some(0));
    assert_eq!(features.transaction_version(), Some(0));
    assert_eq!(features.group_version(), Some(0));
}

#[test]
fn a_broker_below_v3_reports_no_features() {
    // It refuses v4 in v0, then answers v2, which has no tagged fields at all.
    let mut conn = Conn::new(ConnectionConfig::default());
    let mut broker = Broker::new();
    let old = [ApiVersion {
        api_key: 18,
        min_version: 0,
        max_version: 2,
        ..Default::default()
    }];
    let refusal = ApiVersionsResponse {
        error_code: ErrorCode::UNSUPPORTED_VERSION,
        api_keys: Array::from_slice(&old),
        ..Default::default()
    };
    assert_eq!(
        answer_versions(&mut conn, &mut broker, &refusal),
        Event::Handshake
    );
    assert_eq!(*conn.finalized_features(), FeatureLevels::UNKNOWN);
    let answer = ApiVersionsResponse {
        api_keys: Array::from_slice(&BROKER_APIS),
        ..Default::default()
    };
    assert_eq!(
        answer_versions(&mut conn, &mut broker, &answer),
        Event::Ready
    );
    assert_eq!(*conn.finalized_features(), FeatureLevels::UNKNOWN);
    assert_eq!(conn.finalized_features().group_version(), None);
}

#[test]
fn a_reconnect_after_a_feature_change_sees_the_new_level_and_epoch() {
    let mut broker = Broker::new();
    let mut levels_after = |epoch: i64, finalized: &[FinalizedFeatureKey<'static>]| {
        let mut conn = Conn::new(ConnectionConfig::default());
        let response = ApiVersionsResponse {
            api_keys: Array::from_slice(&BROKER_APIS),
            finalized_features_epoch: epoch,
            finalized_features: Array::from_slice(finalized),
            ..Default::default()
        };
        answer_versions(&mut conn, &mut broker, &response);
        *conn.finalized_features()
    };
    let before = levels_after(40, &FINALIZED);
    let lowered = [finalized("transaction.version", 1)];
    let after = levels_after(57, &lowered);
    assert_eq!(after.transaction_version(), Some(1));
    assert!(after.is_newer_than(&before));
    assert!(!before.is_newer_than(&after));
}

#[test]
fn only_the_answer_to_the_handshake_is_read_as_its_versions() {
    let mut conn = Conn::new(ConnectionConfig::default());
    let mut broker = Broker::new();
    let mut out = [0u8; 256];
    let n = conn.poll_transmit(T0, &mut out).unwrap();
    let (header, _) = Broker::read(&out[..n]);
    let response = ApiVersionsResponse {
        api_keys: Array::from_slice(&BROKER_APIS),
        finalized_features_epoch: 3,
        finalized_features: Array::from_slice(&FINALIZED),
        ..Default::default()
    };
    let stray = broker.respond(header.correlation_id + 1, header.api_version, &response);
    assert_eq!(conn.versions_response(stray), None);
    assert_eq!(
        conn.versions_response(&[0, 0]),
        None,
        "too short for a header"
    );
    let frame = broker.respond(header.correlation_id, header.api_version, &response);
    assert_eq!(conn.versions_response(frame), Some(response));
}
