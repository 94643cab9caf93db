//! Re-authentication (KIP-368) driven by a scripted broker: the session lifetime is read from
//! SaslAuthenticate, the SASL exchange runs again on the same connection, and a request in
//! flight across it is answered as usual.

use super::tests::{Broker, Conn, T0, sasl_until_authenticate};
use super::*;
use crate::ErrorCode;
use crate::messages::metadata::{MetadataRequest, MetadataResponse};
use crate::messages::sasl_authenticate::{SaslAuthenticateRequest, SaslAuthenticateResponse};
use crate::messages::sasl_handshake::{SaslHandshakeRequest, SaslHandshakeResponse};
use crate::messages::{ApiKey, Message};
use crate::sasl::SaslMechanism;
use core::time::Duration;

const PLAIN: Credentials<'static> = Credentials {
    mechanism: SaslMechanism::Plain,
    username: "alice",
    password: "secret",
    nonce: "",
};

/// A PLAIN connection authenticated with a session of `lifetime_ms`.
fn authenticated(broker: &mut Broker, lifetime_ms: i64) -> Conn<'static> {
    let mut conn = Conn::new(ConnectionConfig {
        sasl: Some(PLAIN),
        ..Default::default()
    });
    let mut out = [0u8; 256];
    let (id, version, _) = sasl_until_authenticate(&mut conn, broker, &mut out);
    assert!(
        version >= 1,
        "SaslAuthenticate v1+ carries the session lifetime"
    );
    let done = SaslAuthenticateResponse {
        session_lifetime_ms: lifetime_ms,
        ..Default::default()
    };
    assert_eq!(
        conn.handle_frame(broker.respond(id, version, &done)),
        Ok(Event::Ready)
    );
    conn
}

/// Reads the next request the connection writes, checking its API; returns its correlation
/// id, version and SaslAuthenticate bytes (empty for other APIs).
fn next_request(conn: &mut Conn<'_>, out: &mut [u8], api: ApiKey) -> (i32, i16, std::vec::Vec<u8>) {
    let n = conn.poll_transmit(T0, out).unwrap();
    assert!(n > 0, "the connection has a {} to send", api.name());
    let (header, body) = Broker::read(&out[..n]);
    assert_eq!(header.api_key, api.key());
    let auth = match api {
        ApiKey::SaslAuthenticate => SaslAuthenticateRequest::decode(header.api_version, body)
            .unwrap()
            .auth_bytes
            .to_vec(),
        ApiKey::SaslHandshake => {
            SaslHandshakeRequest::decode(header.api_version, body).unwrap();
            std::vec::Vec::new()
        }
        _ => std::vec::Vec::new(),
    };
    (header.correlation_id, header.api_version, auth)
}

extern crate std;

#[test]
fn the_session_lifetime_sets_a_reauthentication_point_between_85_and_95_percent() {
    let mut broker = Broker::new();
    let conn = authenticated(&mut broker, 10_000);
    assert_eq!(conn.session_lifetime(), Some(Duration::from_secs(10)));
    let ms = Duration::from_millis;
    assert_eq!(conn.reauthentication_delay(0), Some(ms(8_500)));
    assert_eq!(conn.reauthentication_delay(100), Some(ms(9_500)));
    assert_eq!(conn.reauthentication_delay(50), Some(ms(9_000)));
    for random in [1, 7, 1_000, u32::MAX] {
        let delay = conn.reauthentication_delay(random).unwrap();
        assert!(delay >= ms(8_500) && delay <= ms(9_500), "{delay:?}");
    }
    // No lifetime (a broker without connections.max.reauth.ms): never re-authenticate.
    let conn = authenticated(&mut broker, 0);
    assert_eq!(conn.session_lifetime(), None);
    assert_eq!(conn.reauthentication_delay(5), None);
}

#[test]
fn reauthentication_runs_sasl_again_and_a_request_in_flight_is_answered() {
    let mut broker = Broker::new();
    let mut conn = authenticated(&mut broker, 3_000);
    let mut out = [0u8; 256];
    let metadata = conn
        .send(&MetadataRequest::default(), None, true, T0, &mut out)
        .unwrap();
    conn.begin_reauthentication("").unwrap();
    assert!(conn.is_reauthenticating() && !conn.is_ready());
    assert_eq!(
        conn.send(&MetadataRequest::default(), None, true, T0, &mut out),
        Err(ConnError::NotReady),
        "no request goes out while the session is renewed"
    );
    let (handshake_id, _, _) = next_request(&mut conn, &mut out, ApiKey::SaslHandshake);
    // The broker answers the request sent before first, as it answers in order.
    let id = metadata.correlation_id.unwrap();
    let frame = broker.respond(id, 12, &MetadataResponse::default());
    match conn.handle_frame(frame) {
        Ok(Event::Response(response)) => assert_eq!(response.correlation_id, id),
        other => panic!("the request in flight was not answered: {other:?}"),
    }
    let frame = broker.respond(handshake_id, 1, &SaslHandshakeResponse::default());
    assert_eq!(conn.handle_frame(frame), Ok(Event::Handshake));
    let (id, version, auth) = next_request(&mut conn, &mut out, ApiKey::SaslAuthenticate);
    assert_eq!(auth, b"\0alice\0secret");
    let done = SaslAuthenticateResponse {
        session_lifetime_ms: 4_000,
        ..Default::default()
    };
    assert_eq!(
        conn.handle_frame(broker.respond(id, version, &done)),
        Ok(Event::Ready)
    );
    assert!(conn.is_ready() && !conn.is_reauthenticating());
    assert_eq!(conn.session_lifetime(), Some(Duration::from_secs(4)));
    assert!(
        conn.send(&MetadataRequest::default(), None, true, T0, &mut out)
            .is_ok()
    );
}

#[test]
fn a_refused_reauthentication_closes_the_connection() {
    let mut broker = Broker::new();
    let mut conn = authenticated(&mut broker, 3_000);
    let mut out = [0u8; 256];
    conn.begin_reauthentication("").unwrap();
    assert_eq!(
        conn.begin_reauthentication(""),
        Err(ConnError::NotReady),
        "one at a time"
    );
    let (id, _, _) = next_request(&mut conn, &mut out, ApiKey::SaslHandshake);
    conn.handle_frame(broker.respond(id, 1, &SaslHandshakeResponse::default()))
        .unwrap();
    let (id, version, _) = next_request(&mut conn, &mut out, ApiKey::SaslAuthenticate);
    let refusal = SaslAuthenticateResponse {
        error_code: ErrorCode::SASL_AUTHENTICATION_FAILED,
        ..Default::default()
    };
    assert_eq!(
        conn.handle_frame(broker.respond(id, version, &refusal)),
        Err(ConnError::AuthenticationFailed(
            ErrorCode::SASL_AUTHENTICATION_FAILED
        ))
    );
    assert!(conn.is_closed());
}

#[test]
fn only_a_ready_connection_with_credentials_reauthenticates() {
    let mut broker = Broker::new();
    let mut conn = Conn::new(ConnectionConfig::default());
    assert_eq!(conn.begin_reauthentication(""), Err(ConnError::NotReady));
    let mut out = [0u8; 256];
    let n = conn.poll_transmit(T0, &mut out).unwrap();
    let (header, _) = Broker::read(&out[..n]);
    let versions = crate::messages::api_versions::ApiVersionsResponse {
        api_keys: crate::messages::Array::from_slice(&super::tests::BROKER_APIS),
        ..Default::default()
    };
    let frame = broker.respond(header.correlation_id, header.api_version, &versions);
    assert_eq!(conn.handle_frame(frame), Ok(Event::Ready));
    assert_eq!(
        conn.begin_reauthentication(""),
        Err(ConnError::NotReady),
        "no credentials, no SASL"
    );
    assert_eq!(conn.session_lifetime(), None);
}

#[test]
#[cfg(feature = "scram-sha256")]
fn a_scram_reauthentication_uses_the_nonce_it_is_given() {
    use super::tests::{RFC_7677_CREDENTIALS, rfc_7677_exchange};
    let mut broker = Broker::new();
    let mut conn = Conn::new(ConnectionConfig {
        sasl: Some(RFC_7677_CREDENTIALS),
        ..Default::default()
    });
    rfc_7677_exchange(&mut conn, &mut broker);
    let mut out = [0u8; 256];
    {
        // The nonce is copied: it need not live as long as the connection.
        let fresh = std::string::String::from("a-fresh-nonce");
        conn.begin_reauthentication(&fresh).unwrap();
    }
    let (id, _, _) = next_request(&mut conn, &mut out, ApiKey::SaslHandshake);
    conn.handle_frame(broker.respond(id, 1, &SaslHandshakeResponse::default()))
        .unwrap();
    let (_, _, auth) = next_request(&mut conn, &mut out, ApiKey::SaslAuthenticate);
    assert_eq!(auth, b"n,,n=user,r=a-fresh-nonce");
}
