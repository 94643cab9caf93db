//! The driver against a scripted broker on 127.0.0.1: the handshake, responses routed by
//! correlation id when the broker answers out of order, and requests that get no response.

use super::frame_io::read_frame;
use super::{BrokerConnection, ConnectOptions};
use crate::config::ClientConfig;
use crate::net::BrokerAddress;
use async_net::{TcpListener, TcpStream};
use franzl_core::frame::{RequestHeader, response_header_version};
use franzl_core::messages::api_versions::{ApiVersion, ApiVersionsResponse};
use franzl_core::messages::metadata::{
    MetadataRequest, MetadataRequestTopic, MetadataResponse, MetadataResponseTopic,
};
use franzl_core::messages::{ApiKey, Array, Message};
use franzl_core::wire::Reader;
use futures_lite::AsyncWriteExt;
use std::sync::Arc;

/// Writes `body` as the response to `header` (also for the consumer's scripted broker).
pub(crate) async fn respond<'a, M: Message<'a>>(
    stream: &mut TcpStream,
    header: &RequestHeader<'_>,
    body: &M,
) {
    let api = ApiKey::from_key(header.api_key).unwrap();
    let mut frame = header.correlation_id.to_be_bytes().to_vec();
    if response_header_version(api, header.api_version) >= 1 {
        frame.push(0); // no tagged fields
    }
    let start = frame.len();
    frame.resize(start + body.encoded_len(header.api_version).unwrap(), 0);
    body.encode(header.api_version, &mut frame[start..])
        .unwrap();
    let mut out = u32::try_from(frame.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(&frame);
    stream.write_all(&out).await.unwrap();
}

/// Reads one request frame and returns it (the header is read from it by the caller).
async fn next_request(stream: &mut TcpStream) -> Vec<u8> {
    read_frame(stream, 1 << 20, "client").await.unwrap()
}

/// Answers ApiVersions offering ApiVersions and Metadata, then hands the stream back.
async fn handshake(stream: &mut TcpStream) {
    let frame = next_request(stream).await;
    let header = RequestHeader::read(&mut Reader::new(&frame)).unwrap();
    assert_eq!(header.api_key, ApiKey::ApiVersions.key());
    let keys = [
        ApiVersion {
            api_key: ApiKey::ApiVersions.key(),
            min_version: 0,
            max_version: 4,
            ..Default::default()
        },
        ApiVersion {
            api_key: ApiKey::Metadata.key(),
            min_version: 0,
            max_version: 12,
            ..Default::default()
        },
    ];
    let response = ApiVersionsResponse {
        api_keys: Array::from_slice(&keys),
        ..Default::default()
    };
    respond(stream, &header, &response).await;
}

fn options() -> Arc<ConnectOptions> {
    Arc::new(ConnectOptions::from_config(&ClientConfig::default()).unwrap())
}

#[test]
fn responses_are_routed_by_correlation_id_in_any_order() {
    smol::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let broker = smol::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            handshake(&mut stream).await;
            let mut requests = Vec::new();
            for _ in 0..8 {
                requests.push(next_request(&mut stream).await);
            }
            // Answer the last first: each response names the topic its request asked about.
            for frame in requests.iter().rev() {
                let mut reader = Reader::new(frame);
                let header = RequestHeader::read(&mut reader).unwrap();
                let body = reader.rest();
                let request = MetadataRequest::decode(header.api_version, body).unwrap();
                let name = request.topics.unwrap().iter().next().unwrap().name;
                let topics = [MetadataResponseTopic {
                    name,
                    ..Default::default()
                }];
                let response = MetadataResponse {
                    topics: Array::from_slice(&topics),
                    ..Default::default()
                };
                respond(&mut stream, &header, &response).await;
            }
            stream
        });
        let address = BrokerAddress::new("127.0.0.1", port);
        let connection = BrokerConnection::connect(&address, options())
            .await
            .unwrap();
        assert_eq!(connection.version(ApiKey::Metadata).unwrap(), 12);
        assert!(connection.version(ApiKey::Produce).is_err(), "not offered");
        let callers: Vec<_> = (0..8)
            .map(|i| {
                let connection = connection.clone();
                smol::spawn(async move {
                    let name = format!("topic-{i}");
                    let topics = [MetadataRequestTopic {
                        name: Some(&name),
                        ..Default::default()
                    }];
                    let request = MetadataRequest {
                        topics: Some(Array::from_slice(&topics)),
                        ..Default::default()
                    };
                    let response = connection.request(&request).await.unwrap();
                    let decoded = response.decode::<MetadataRequest<'_>>().unwrap();
                    let answered = decoded.topics.iter().next().unwrap().name.unwrap();
                    assert_eq!(answered, name);
                })
            })
            .collect();
        for caller in callers {
            caller.await;
        }
        let _stream = broker.await;
        assert!(!connection.is_closed());
    });
}

#[test]
fn the_driver_stops_when_the_last_handle_is_dropped() {
    smol::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let broker = smol::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            handshake(&mut stream).await;
            // The client's side closes once its driver stops.
            let mut rest = Vec::new();
            futures_lite::AsyncReadExt::read_to_end(&mut stream, &mut rest)
                .await
                .unwrap();
            rest.len()
        });
        let address = BrokerAddress::new("127.0.0.1", port);
        let connection = BrokerConnection::connect(&address, options())
            .await
            .unwrap();
        drop(connection);
        assert_eq!(broker.await, 0, "closed without sending anything more");
    });
}

#[test]
fn a_request_without_response_leaves_routing_in_step() {
    smol::block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let broker = smol::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            handshake(&mut stream).await;
            let unanswered = next_request(&mut stream).await;
            let unanswered = RequestHeader::read(&mut Reader::new(&unanswered)).unwrap();
            let frame = next_request(&mut stream).await;
            let header = RequestHeader::read(&mut Reader::new(&frame)).unwrap();
            assert_ne!(unanswered.correlation_id, header.correlation_id);
            let response = MetadataResponse {
                controller_id: 42,
                ..Default::default()
            };
            respond(&mut stream, &header, &response).await;
            stream
        });
        let address = BrokerAddress::new("127.0.0.1", port);
        let connection = BrokerConnection::connect(&address, options())
            .await
            .unwrap();
        let request = MetadataRequest::default();
        connection
            .send_without_response(&request, 12)
            .await
            .unwrap();
        let response = connection.request(&request).await.unwrap();
        let decoded = response.decode::<MetadataRequest<'_>>().unwrap();
        assert_eq!(decoded.controller_id, 42);
        let _stream = broker.await;
    });
}
