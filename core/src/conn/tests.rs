//! The connection driven by a scripted broker: every response is built with the generated
//! messages, so the bytes are what a broker sends.

use super::*;
use crate::ErrorCode;
use crate::frame::{RequestHeader, ResponseHeader, response_header_version};
use crate::messages::api_versions::{ApiVersion, ApiVersionsRequest, ApiVersionsResponse};
use crate::messages::metadata::{MetadataRequest, MetadataResponse};
use crate::messages::sasl_authenticate::{SaslAuthenticateRequest, SaslAuthenticateResponse};
use crate::messages::sasl_handshake::{SaslHandshakeRequest, SaslHandshakeResponse};
use crate::messages::{ApiKey, Array, Item, Message};
use crate::sasl::SaslMechanism;
#[cfg(feature = "scram-sha256")]
use crate::sasl::scram::ScramMechanism;
use crate::wire::{RawTaggedFields, Reader, Writer};
use core::time::Duration;
extern crate std;
use std::format;

pub(super) const T0: Instant = Instant::from_millis(1_000);
pub(super) type Conn<'c> = Connection<'c, 4>;

/// The broker's side of the script: reads a request frame, writes a response frame.
pub(super) struct Broker {
    buf: [u8; 1024],
    len: usize,
}

impl Broker {
    pub(super) fn new() -> Self {
        Self {
            buf: [0; 1024],
            len: 0,
        }
    }

    /// Parses a request frame (with its size prefix) into header and body.
    pub(super) fn read<'a>(frame: &'a [u8]) -> (RequestHeader<'a>, &'a [u8]) {
        let size = i32::from_be_bytes(frame[..4].try_into().unwrap()) as usize;
        assert_eq!(
            size + 4,
            frame.len(),
            "size prefix covers the frame exactly"
        );
        let mut reader = Reader::new(&frame[4..]);
        let header = RequestHeader::read(&mut reader).unwrap();
        (header, reader.rest())
    }

    /// Builds a response frame body (no size prefix) for `request`'s correlation id.
    pub(super) fn respond<'m, M: Message<'m>>(
        &mut self,
        correlation_id: i32,
        version: i16,
        body: &M,
    ) -> &[u8] {
        let api = M::API_KEY;
        let header = ResponseHeader {
            correlation_id,
            unknown_tagged_fields: RawTaggedFields::EMPTY,
        };
        let mut w = Writer::new(&mut self.buf);
        header
            .write(&mut w, response_header_version(api, version))
            .unwrap();
        let start = w.position();
        let n = body.encode(version, &mut self.buf[start..]).unwrap();
        self.len = start + n;
        &self.buf[..self.len]
    }
}

pub(super) const BROKER_APIS: [ApiVersion<'static>; 4] = [
    ApiVersion {
        api_key: 3,
        min_version: 0,
        max_version: 12,
        unknown_tagged_fields: RawTaggedFields::EMPTY,
    },
    ApiVersion {
        api_key: 17,
        min_version: 0,
        max_version: 1,
        unknown_tagged_fields: RawTaggedFields::EMPTY,
    },
    ApiVersion {
        api_key: 18,
        min_version: 0,
        max_version: 4,
        unknown_tagged_fields: RawTaggedFields::EMPTY,
    },
    ApiVersion {
        api_key: 36,
        min_version: 0,
        max_version: 2,
        unknown_tagged_fields: RawTaggedFields::EMPTY,
    },
];

/// Runs the ApiVersions exchange and returns the event it ended with.
fn versions_exchange(conn: &mut Conn<'_>, broker: &mut Broker) -> Event<'static> {
    let mut out = [0u8; 256];
    let n = conn.poll_transmit(T0, &mut out).unwrap();
    let (header, body) = Broker::read(&out[..n]);
    assert_eq!(header.api_key, ApiKey::ApiVersions.key());
    let request = ApiVersionsRequest::decode(header.api_version, body).unwrap();
    assert_eq!(request.client_software_name, "franzl");
    let response = ApiVersionsResponse {
        api_keys: Array::from_slice(&BROKER_APIS),
        ..Default::default()
    };
    let frame = broker.respond(header.correlation_id, header.api_version, &response);
    match conn.handle_frame(frame).unwrap() {
        Event::Ready => Event::Ready,
        Event::Handshake => Event::Handshake,
        Event::Response(_) => panic!("handshake response handed to the caller"),
    }
}

#[test]
fn handshake_negotiates_versions_then_requests_are_matched_by_correlation_id() {
    let mut conn = Conn::new(ConnectionConfig::default());
    let mut broker = Broker::new();
    assert_eq!(
        conn.send(&MetadataRequest::default(), None, true, T0, &mut [0; 64]),
        Err(ConnError::NotReady)
    );
    assert_eq!(versions_exchange(&mut conn, &mut broker), Event::Ready);
    assert!(conn.is_ready());
    assert_eq!(conn.versions().get(ApiKey::Metadata), Some(12));
    assert_eq!(
        conn.versions().get(ApiKey::Produce),
        None,
        "the broker did not list Produce"
    );
    assert_eq!(
        conn.send(
            &crate::messages::produce::ProduceRequest::default(),
            None,
            true,
            T0,
            &mut [0; 64]
        ),
        Err(ConnError::UnsupportedByBroker(ApiKey::Produce))
    );

    // Two pipelined requests, answered in order.
    let mut out = [0u8; 128];
    let first = conn
        .send(&MetadataRequest::default(), None, true, T0, &mut out)
        .unwrap();
    let second = conn
        .send(&MetadataRequest::default(), Some(9), true, T0, &mut out)
        .unwrap();
    let (header, _) = Broker::read(&out[..second.len]);
    assert_eq!(
        (header.api_version, Some(header.correlation_id)),
        (9, second.correlation_id)
    );
    assert_eq!(conn.in_flight(), 2);
    for sent in [first, second] {
        let id = sent.correlation_id.unwrap();
        let version = if sent == first { 12 } else { 9 };
        let frame = broker.respond(id, version, &MetadataResponse::default());
        let Event::Response(response) = conn.handle_frame(frame).unwrap() else {
            panic!()
        };
        assert_eq!(
            (response.correlation_id, response.api_version),
            (id, version)
        );
        assert_eq!(
            response.decode::<MetadataRequest<'_>>().unwrap(),
            MetadataResponse::default()
        );
        assert_eq!(
            response.decode::<ApiVersionsRequest<'_>>(),
            Err(crate::wire::DecodeError::WrongApi),
            "wrong API is refused as such"
        );
    }
    assert_eq!(conn.in_flight(), 0);
}

#[test]
fn unknown_correlation_id_closes_the_connection() {
    let mut conn = Conn::new(ConnectionConfig::default());
    let mut broker = Broker::new();
    versions_exchange(&mut conn, &mut broker);
    let frame = broker.respond(77, 12, &MetadataResponse::default());
    assert_eq!(
        conn.handle_frame(frame),
        Err(ConnError::UnknownCorrelationId(77))
    );
    assert!(conn.is_closed());
    assert_eq!(conn.handle_frame(&[0, 0, 0, 0]), Err(ConnError::Closed));
    assert_eq!(
        conn.send(&MetadataRequest::default(), None, true, T0, &mut [0; 64]),
        Err(ConnError::NotReady)
    );
}

#[test]
fn old_broker_answers_in_v0_and_the_client_steps_down() {
    let mut conn = Conn::new(ConnectionConfig::default());
    let mut broker = Broker::new();
    let mut out = [0u8; 256];
    let n = conn.poll_transmit(T0, &mut out).unwrap();
    let (header, _) = Broker::read(&out[..n]);
    assert_eq!(header.api_version, 4);
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
    let frame = broker.respond(header.correlation_id, 0, &refusal);
    assert_eq!(conn.handle_frame(frame), Ok(Event::Handshake));
    let n = conn.poll_transmit(T0, &mut out).unwrap();
    let (header, _) = Broker::read(&out[..n]);
    assert_eq!(
        header.api_version, 2,
        "retried at the broker's newest version"
    );
}

#[test]
fn requests_time_out_at_their_deadline() {
    let config = ConnectionConfig {
        request_timeout: Duration::from_millis(500),
        ..Default::default()
    };
    let mut conn = Conn::new(config);
    let mut broker = Broker::new();
    versions_exchange(&mut conn, &mut broker);
    let sent = conn
        .send(&MetadataRequest::default(), None, true, T0, &mut [0; 64])
        .unwrap();
    assert_eq!(conn.poll_timeout(), Some(Instant::from_millis(1_500)));
    assert_eq!(conn.handle_timeout(Instant::from_millis(1_499)), None);
    let expired = conn.handle_timeout(Instant::from_millis(1_500)).unwrap();
    assert_eq!(Some(expired.correlation_id), sent.correlation_id);
    assert!(conn.is_closed());
}

#[test]
fn in_flight_is_bounded_and_acks_zero_requests_are_not_tracked() {
    let mut conn = Connection::<2>::new(ConnectionConfig::default());
    let mut broker = Broker::new();
    let mut out = [0u8; 256];
    let n = conn.poll_transmit(T0, &mut out).unwrap();
    let (header, _) = Broker::read(&out[..n]);
    let response = ApiVersionsResponse {
        api_keys: Array::from_slice(&BROKER_APIS),
        ..Default::default()
    };
    conn.handle_frame(broker.respond(header.correlation_id, header.api_version, &response))
        .unwrap();
    let untracked = conn
        .send(&MetadataRequest::default(), None, false, T0, &mut out)
        .unwrap();
    assert_eq!(untracked.correlation_id, None);
    conn.send(&MetadataRequest::default(), None, true, T0, &mut out)
        .unwrap();
    conn.send(&MetadataRequest::default(), None, true, T0, &mut out)
        .unwrap();
    assert!(!conn.can_send());
    assert_eq!(
        conn.send(&MetadataRequest::default(), None, true, T0, &mut out),
        Err(ConnError::InFlightFull)
    );
    assert_eq!(
        conn.send(&MetadataRequest::default(), None, false, T0, &mut out),
        Err(ConnError::InFlightFull),
        "even a request without a response needs an id no request in flight has"
    );
}

/// Runs SASL up to and including the handshake, returning the first SaslAuthenticate bytes.
pub(super) fn sasl_until_authenticate<'b>(
    conn: &mut Conn<'_>,
    broker: &mut Broker,
    out: &'b mut [u8],
) -> (i32, i16, &'b [u8]) {
    assert_eq!(versions_exchange(conn, broker), Event::Handshake);
    let n = conn.poll_transmit(T0, out).unwrap();
    let (header, body) = Broker::read(&out[..n]);
    assert_eq!(
        (header.api_key, header.api_version),
        (ApiKey::SaslHandshake.key(), 1)
    );
    let mechanism = SaslHandshakeRequest::decode(1, body).unwrap().mechanism;
    let frame = broker.respond(
        header.correlation_id,
        1,
        &SaslHandshakeResponse {
            mechanisms: Array::EMPTY,
            ..Default::default()
        },
    );
    assert_eq!(
        conn.handle_frame(frame),
        Ok(Event::Handshake),
        "mechanism {mechanism}"
    );
    let n = conn.poll_transmit(T0, out).unwrap();
    let (header, body) = Broker::read(&out[..n]);
    assert_eq!(header.api_key, ApiKey::SaslAuthenticate.key());
    let auth = SaslAuthenticateRequest::decode(header.api_version, body)
        .unwrap()
        .auth_bytes;
    (header.correlation_id, header.api_version, auth)
}

#[test]
fn sasl_plain_succeeds_and_a_refusal_keeps_the_brokers_words() {
    let credentials = Credentials {
        mechanism: SaslMechanism::Plain,
        username: "alice",
        password: "secret",
        nonce: "",
    };
    let config = ConnectionConfig {
        sasl: Some(credentials),
        ..Default::default()
    };
    assert!(
        !format!("{config:?}").contains("secret"),
        "Debug hides the password"
    );

    let mut conn = Conn::new(config);
    let mut broker = Broker::new();
    let mut out = [0u8; 512];
    let (id, version, auth) = sasl_until_authenticate(&mut conn, &mut broker, &mut out);
    assert_eq!(auth, b"\0alice\0secret");
    let frame = broker.respond(id, version, &SaslAuthenticateResponse::default());
    assert_eq!(conn.handle_frame(frame), Ok(Event::Ready));

    let mut conn = Conn::new(config);
    let (id, version, _) = sasl_until_authenticate(&mut conn, &mut broker, &mut out);
    let refusal = SaslAuthenticateResponse {
        error_code: ErrorCode::SASL_AUTHENTICATION_FAILED,
        error_message: Some("Authentication failed: Invalid username or password"),
        ..Default::default()
    };
    let frame = broker.respond(id, version, &refusal);
    assert_eq!(
        conn.handle_frame(frame),
        Err(ConnError::AuthenticationFailed(
            ErrorCode::SASL_AUTHENTICATION_FAILED
        ))
    );
    assert_eq!(
        conn.server_error_text(),
        Some("Authentication failed: Invalid username or password")
    );
    assert!(conn.is_closed());
}

#[test]
fn long_plain_credentials_fit_up_to_the_sasl_buffer_and_longer_ones_are_refused() {
    let fits = "p".repeat(crate::conn::MAX_SASL_MESSAGE - "\0alice\0".len());
    let credentials = Credentials {
        mechanism: SaslMechanism::Plain,
        username: "alice",
        password: &fits,
        nonce: "",
    };
    let mut conn = Conn::new(ConnectionConfig {
        sasl: Some(credentials),
        ..Default::default()
    });
    let mut broker = Broker::new();
    let mut out = [0u8; 8192];
    let (_, _, auth) = sasl_until_authenticate(&mut conn, &mut broker, &mut out);
    assert_eq!(auth.len(), crate::conn::MAX_SASL_MESSAGE);
    assert!(auth.ends_with(fits.as_bytes()));

    let too_long = format!("{fits}p");
    let mut conn = Conn::new(ConnectionConfig {
        sasl: Some(Credentials {
            password: &too_long,
            ..credentials
        }),
        ..Default::default()
    });
    versions_exchange(&mut conn, &mut broker);
    let n = conn.poll_transmit(T0, &mut out).unwrap();
    let (header, _) = Broker::read(&out[..n]);
    let frame = broker.respond(header.correlation_id, 1, &SaslHandshakeResponse::default());
    assert_eq!(conn.handle_frame(frame), Err(ConnError::CredentialsTooLong));
}

#[cfg(feature = "std")]
const _: () = assert!(
    crate::conn::MAX_SASL_MESSAGE >= 4096,
    "std takes PLAIN of kilobytes"
);

#[test]
fn sasl_handshake_refused_mechanism_is_its_own_error() {
    let credentials = Credentials {
        mechanism: SaslMechanism::Plain,
        username: "a",
        password: "b",
        nonce: "",
    };
    let mut conn = Conn::new(ConnectionConfig {
        sasl: Some(credentials),
        ..Default::default()
    });
    let mut broker = Broker::new();
    versions_exchange(&mut conn, &mut broker);
    let mut out = [0u8; 256];
    let n = conn.poll_transmit(T0, &mut out).unwrap();
    let (header, _) = Broker::read(&out[..n]);
    let refusal = SaslHandshakeResponse {
        error_code: ErrorCode::UNSUPPORTED_SASL_MECHANISM,
        ..Default::default()
    };
    let frame = broker.respond(header.correlation_id, 1, &refusal);
    assert_eq!(
        conn.handle_frame(frame),
        Err(ConnError::MechanismNotEnabled(
            ErrorCode::UNSUPPORTED_SASL_MECHANISM
        ))
    );
}

/// The SCRAM-SHA-256 exchange of RFC 7677 section 3: the client's side and the server's first
/// message.
#[cfg(feature = "scram-sha256")]
pub(super) const RFC_7677_CREDENTIALS: Credentials<'static> = Credentials {
    mechanism: SaslMechanism::Scram(ScramMechanism::Sha256),
    username: "user",
    password: "pencil",
    nonce: "rOprNGfwEbeRWgbNEkqO",
};
#[cfg(feature = "scram-sha256")]
const RFC_7677_SERVER_FIRST: &[u8] =
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

#[test]
#[cfg(feature = "scram-sha256")]
fn sasl_scram_sha256_runs_the_rfc_7677_exchange() {
    let mut conn = Conn::new(ConnectionConfig {
        sasl: Some(RFC_7677_CREDENTIALS),
        ..Default::default()
    });
    rfc_7677_exchange(&mut conn, &mut Broker::new());
}

/// Runs the handshake of a connection with [`RFC_7677_CREDENTIALS`]: ApiVersions, then the
/// SCRAM exchange of RFC 7677 §3, checking each client message.
#[cfg(feature = "scram-sha256")]
pub(super) fn rfc_7677_exchange(conn: &mut Conn<'_>, broker: &mut Broker) {
    let mut out = [0u8; 512];
    let (id, version, auth) = sasl_until_authenticate(conn, broker, &mut out);
    assert_eq!(auth, b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    let server_first = SaslAuthenticateResponse {
        auth_bytes: RFC_7677_SERVER_FIRST,
        ..Default::default()
    };
    assert_eq!(
        conn.handle_frame(broker.respond(id, version, &server_first)),
        Ok(Event::Handshake)
    );
    let n = conn.poll_transmit(T0, &mut out).unwrap();
    let (header, body) = Broker::read(&out[..n]);
    let client_final = SaslAuthenticateRequest::decode(header.api_version, body)
        .unwrap()
        .auth_bytes;
    assert!(client_final.ends_with(b",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
    let server_final = SaslAuthenticateResponse {
        auth_bytes: b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
        ..Default::default()
    };
    let frame = broker.respond(header.correlation_id, header.api_version, &server_final);
    assert_eq!(conn.handle_frame(frame), Ok(Event::Ready));
}

#[test]
#[cfg(feature = "scram-sha256")]
fn sasl_scram_wrong_server_signature_fails() {
    let mut conn = Conn::new(ConnectionConfig {
        sasl: Some(RFC_7677_CREDENTIALS),
        ..Default::default()
    });
    let mut broker = Broker::new();
    let mut out = [0u8; 512];
    let (id, version, _) = sasl_until_authenticate(&mut conn, &mut broker, &mut out);
    let server_first = SaslAuthenticateResponse {
        auth_bytes: RFC_7677_SERVER_FIRST,
        ..Default::default()
    };
    conn.handle_frame(broker.respond(id, version, &server_first))
        .unwrap();
    let n = conn.poll_transmit(T0, &mut out).unwrap();
    let (header, _) = Broker::read(&out[..n]);
    let forged = SaslAuthenticateResponse {
        auth_bytes: b"v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
        ..Default::default()
    };
    let result =
        conn.handle_frame(broker.respond(header.correlation_id, header.api_version, &forged));
    assert!(matches!(result, Err(ConnError::Scram(_))), "{result:?}");
    assert!(conn.is_closed());
}

#[test]
fn frames_split_at_every_position_reach_the_connection_whole() {
    // Two Metadata responses back to back, fed to a FrameReader in every split.
    let mut conn = Conn::new(ConnectionConfig::default());
    let mut broker = Broker::new();
    versions_exchange(&mut conn, &mut broker);
    let mut stream = [0u8; 256];
    let mut stream_len = 0;
    let mut ids = [0i32; 2];
    for id in &mut ids {
        *id = conn
            .send(&MetadataRequest::default(), None, true, T0, &mut [0; 64])
            .unwrap()
            .correlation_id
            .unwrap();
        let frame = broker.respond(*id, 12, &MetadataResponse::default());
        stream[stream_len..stream_len + 4].copy_from_slice(&(frame.len() as i32).to_be_bytes());
        stream[stream_len + 4..stream_len + 4 + frame.len()].copy_from_slice(frame);
        stream_len += 4 + frame.len();
    }
    let stream = &stream[..stream_len];
    for split in 0..=stream.len() {
        let mut fresh = Conn::new(ConnectionConfig::default());
        versions_exchange(&mut fresh, &mut broker);
        for _ in ids {
            fresh
                .send(&MetadataRequest::default(), None, true, T0, &mut [0; 64])
                .unwrap();
        }
        let mut reader = FrameReader::new(1 << 20);
        let mut buf = [0u8; 128];
        let mut seen = 0;
        for part in [&stream[..split], &stream[split..]] {
            reader.receive_space(&mut buf).unwrap()[..part.len()].copy_from_slice(part);
            reader.commit(part.len());
            while let Some(frame) = reader.next_frame(&buf).unwrap() {
                let Event::Response(response) = fresh.handle_frame(frame).unwrap() else {
                    panic!()
                };
                assert_eq!(response.correlation_id, ids[seen]);
                seen += 1;
            }
        }
        assert_eq!(seen, 2, "split at {split}");
    }
}

#[test]
fn a_body_encoded_elsewhere_is_framed_with_a_header_and_answered_with_its_token() {
    let mut conn = Conn::new(ConnectionConfig::default());
    let mut broker = Broker::new();
    versions_exchange(&mut conn, &mut broker);
    let request = MetadataRequest::default();
    let mut body = [0u8; 32];
    let body_len = request.encoded_len(12).unwrap();
    request
        .write(
            &mut Writer::new(&mut body),
            MetadataRequest::version(12).unwrap(),
        )
        .unwrap();
    let first = conn.send(&request, None, true, T0, &mut [0; 64]).unwrap();
    let mut header = [0u8; 64];
    let sent = conn
        .send_header(ApiKey::Metadata, 12, body_len, 7, true, T0, &mut header)
        .unwrap();
    let id = sent.correlation_id.unwrap();
    assert_ne!(Some(id), first.correlation_id);
    let mut frame = std::vec::Vec::from(&header[..sent.len]);
    frame.extend_from_slice(&body[..body_len]);
    let (read, read_body) = Broker::read(&frame);
    assert_eq!(read.correlation_id, id);
    assert_eq!(
        read_body,
        &body[..body_len],
        "the size prefix counts the body"
    );
    let response = broker.respond(id, 12, &MetadataResponse::default());
    let Event::Response(response) = conn.handle_frame(response).unwrap() else {
        panic!()
    };
    assert_eq!(response.token, 7, "the token comes back with the response");
    assert_eq!(
        conn.send_header(ApiKey::Metadata, 12, 0, 0, true, T0, &mut [0u8; 8]),
        Err(ConnError::Encode(
            crate::wire::EncodeError::BufferTooSmall { needed: 12 }
        )),
        "too small for the header: nothing recorded"
    );
    assert_eq!(conn.in_flight(), 1, "only the first request is left");
}

#[cfg(feature = "gather")]
#[test]
fn a_gathered_produce_request_leaves_out_its_batches_and_reassembles_to_the_same_frame() {
    use crate::messages::produce::{PartitionProduceData, ProduceRequest, TopicProduceData};
    let batches: [&[u8]; 2] = [&[1; 40], &[2; 70]];
    let partitions = [
        PartitionProduceData {
            index: 0,
            records: Some(batches[0]),
            ..Default::default()
        },
        PartitionProduceData {
            index: 1,
            records: Some(batches[1]),
            ..Default::default()
        },
    ];
    let topics = [TopicProduceData {
        name: "t",
        partition_data: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = ProduceRequest {
        acks: -1,
        timeout_ms: 100,
        topic_data: Array::from_slice(&topics),
        ..Default::default()
    };
    for version in [8, 12] {
        let mut copied = Conn::new(ConnectionConfig::default());
        let mut gathered = Conn::new(ConnectionConfig::default());
        versions_exchange(&mut copied, &mut Broker::new());
        versions_exchange(&mut gathered, &mut Broker::new());
        let mut whole = [0u8; 512];
        let sent = copied
            .send(&request, Some(version), true, T0, &mut whole)
            .unwrap();
        let mut head = [0u8; 512];
        let (short, gaps) = gathered
            .send_gathered(
                &request,
                version,
                3,
                true,
                T0,
                &mut head,
                std::vec::Vec::new(),
            )
            .unwrap();
        assert_eq!(gaps.len(), 2, "one gap per batch");
        assert_eq!(
            short.len + 110,
            sent.len,
            "the batches are not in the buffer"
        );
        let mut frame = std::vec::Vec::new();
        let mut from = 0;
        for (gap, batch) in gaps.iter().zip(batches) {
            assert_eq!(gap.len, batch.len());
            frame.extend_from_slice(&head[from..gap.at]);
            frame.extend_from_slice(batch);
            from = gap.at;
        }
        frame.extend_from_slice(&head[from..short.len]);
        assert_eq!(frame, &whole[..sent.len], "v{version}: the same frame");
    }
}
