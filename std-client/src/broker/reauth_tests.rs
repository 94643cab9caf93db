//! The driver's re-authentication against a scripted SASL broker on 127.0.0.1 whose sessions
//! last [`LIFETIME_MS`]: a request made after the session's renewal point is preceded by
//! SaslHandshake and SaslAuthenticate on the same connection, and a broker that does not answer
//! the re-authentication times the connection out instead of leaving the request waiting.

use super::tests::respond;
use super::{BrokerConnection, ConnectOptions};
use crate::config::ClientConfig;
use crate::error::Error;
use crate::net::BrokerAddress;
use async_net::{TcpListener, TcpStream};
use franzl_core::frame::RequestHeader;
use franzl_core::messages::api_versions::{ApiVersion, ApiVersionsResponse};
use franzl_core::messages::metadata::{MetadataRequest, MetadataResponse};
use franzl_core::messages::sasl_authenticate::SaslAuthenticateResponse;
use franzl_core::messages::sasl_handshake::SaslHandshakeResponse;
use franzl_core::messages::{ApiKey, Array};
use franzl_core::wire::Reader;
use std::sync::Arc;
use std::time::Duration;

/// The session lifetime the scripted broker gives.
const LIFETIME_MS: i64 = 400;

/// The request timeout of the client.
const REQUEST_TIMEOUT: Duration = Duration::from_millis(500);

fn options() -> Arc<ConnectOptions> {
    let config = ClientConfig::from_properties([
        ("bootstrap.servers", "127.0.0.1:1"),
        ("security.protocol", "SASL_PLAINTEXT"),
        ("sasl.mechanism", "PLAIN"),
        ("sasl.username", "alice"),
        ("sasl.password", "secret"),
        ("request.timeout.ms", "500"),
    ])
    .unwrap();
    Arc::new(ConnectOptions::from_config(&config).unwrap())
}

/// Reads the next request; returns its API key and the frame (`None` once the client closed).
async fn next(stream: &mut TcpStream) -> Option<(ApiKey, Vec<u8>)> {
    let frame = super::scripted::next_request(stream).await?;
    let header = RequestHeader::read(&mut Reader::new(&frame)).unwrap();
    Some((ApiKey::from_key(header.api_key).unwrap(), frame))
}

/// Answers the request in `frame` as a broker of this test does; SaslAuthenticate with a
/// session of [`LIFETIME_MS`].
async fn answer(stream: &mut TcpStream, frame: &[u8]) {
    let header = RequestHeader::read(&mut Reader::new(frame)).unwrap();
    match ApiKey::from_key(header.api_key).unwrap() {
        ApiKey::ApiVersions => {
            let keys = [
                (ApiKey::ApiVersions, 4),
                (ApiKey::Metadata, 12),
                (ApiKey::SaslHandshake, 1),
                (ApiKey::SaslAuthenticate, 2),
            ]
            .map(|(api, max_version)| ApiVersion {
                api_key: api.key(),
                min_version: 0,
                max_version,
                ..Default::default()
            });
            let response = ApiVersionsResponse {
                api_keys: Array::from_slice(&keys),
                ..Default::default()
            };
            respond(stream, &header, &response).await;
        }
        ApiKey::SaslHandshake => {
            respond(stream, &header, &SaslHandshakeResponse::default()).await;
        }
        ApiKey::SaslAuthenticate => {
            let response = SaslAuthenticateResponse {
                session_lifetime_ms: LIFETIME_MS,
                ..Default::default()
            };
            respond(stream, &header, &response).await;
        }
        ApiKey::Metadata => respond(stream, &header, &MetadataResponse::default()).await,
        api => panic!("unexpected {}", api.name()),
    }
}

/// A broker that answers everything, except that it goes silent at the re-authentication's
/// SaslHandshake when `silent_at_reauthentication`; returns the APIs it received, in order.
async fn broker(listener: TcpListener, silent_at_reauthentication: bool) -> Vec<ApiKey> {
    let (mut stream, _) = listener.accept().await.unwrap();
    let mut received = Vec::new();
    while let Some((api, frame)) = next(&mut stream).await {
        let handshakes = received
            .iter()
            .filter(|&&a| a == ApiKey::SaslHandshake)
            .count();
        received.push(api);
        if silent_at_reauthentication && api == ApiKey::SaslHandshake && handshakes == 1 {
            continue;
        }
        answer(&mut stream, &frame).await;
    }
    received
}

/// Runs `test` with a connection to a scripted broker; returns the APIs the broker received.
fn with_broker(silent: bool, test: impl AsyncFnOnce(BrokerConnection)) -> Vec<ApiKey> {
    smol::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let broker = smol::spawn(broker(listener, silent));
        let address = BrokerAddress::new("127.0.0.1", port);
        let connection = BrokerConnection::connect(&address, options())
            .await
            .unwrap();
        test(connection).await;
        broker.await
    })
}

#[test]
fn a_request_after_the_renewal_point_is_preceded_by_sasl_on_the_same_connection() {
    use ApiKey::{ApiVersions, Metadata, SaslAuthenticate, SaslHandshake};
    let received = with_broker(false, async |connection| {
        connection
            .request(&MetadataRequest::default())
            .await
            .unwrap();
        // Past 95 % of the session: the next request renews it first.
        smol::Timer::after(Duration::from_millis(LIFETIME_MS as u64)).await;
        connection
            .request(&MetadataRequest::default())
            .await
            .unwrap();
        assert!(!connection.is_closed());
    });
    assert_eq!(
        received,
        [
            ApiVersions,
            SaslHandshake,
            SaslAuthenticate,
            Metadata,
            SaslHandshake,
            SaslAuthenticate,
            Metadata
        ]
    );
}

#[test]
fn a_broker_silent_at_the_reauthentication_times_the_connection_out() {
    let received = with_broker(true, async |connection| {
        connection
            .request(&MetadataRequest::default())
            .await
            .unwrap();
        // Past the session and the first request's deadline: the connection's timer has no
        // deadline left to watch, so only the SaslHandshake written can give it one.
        smol::Timer::after(Duration::from_millis(LIFETIME_MS as u64) + REQUEST_TIMEOUT).await;
        let started = std::time::Instant::now();
        let metadata = MetadataRequest::default();
        let request = connection.request(&metadata);
        let outcome = futures_lite::future::or(async { Some(request.await) }, async {
            smol::Timer::after(REQUEST_TIMEOUT * 6).await;
            None
        })
        .await;
        let error = outcome
            .expect("the request waits for ever")
            .expect_err("answered without a session");
        assert!(matches!(error, Error::Timeout { .. }), "{error}");
        assert!(error.to_string().contains("SaslHandshake"), "{error}");
        assert!(
            started.elapsed() < REQUEST_TIMEOUT * 3,
            "{:?}",
            started.elapsed()
        );
        assert!(connection.is_closed());
    });
    assert_eq!(received.last(), Some(&ApiKey::SaslHandshake));
}
