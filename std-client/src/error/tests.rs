use super::*;
use franzl_core::compression::CompressionError;
use franzl_core::record::RecordError;
use franzl_core::sasl::plain::PlainError;
use franzl_core::sasl::scram::ScramError;
use franzl_core::wire::{DecodeError, EncodeError};
use futures_rustls::rustls::{self, AlertDescription};
use std::error::Error as _;

/// One value of every connection error, each with its own reason to be retried or not.
const CONN_ERRORS: [ConnError; 13] = [
    ConnError::Encode(EncodeError::BufferTooSmall { needed: 9 }),
    ConnError::Encode(EncodeError::TooLong),
    ConnError::Decode(DecodeError::UnexpectedEnd),
    ConnError::UnknownCorrelationId(7),
    ConnError::NotReady,
    ConnError::InFlightFull,
    ConnError::UnsupportedByBroker(ApiKey::Fetch),
    ConnError::VersionsRefused(ErrorCode::UNSUPPORTED_VERSION),
    ConnError::MechanismNotEnabled(ErrorCode(33)),
    ConnError::AuthenticationFailed(ErrorCode(58)),
    ConnError::Scram(ScramError::ServerSignatureMismatch),
    ConnError::Plain(PlainError::NulInPassword),
    ConnError::CredentialsTooLong,
];

#[test]
fn tls_failures_reported_as_io_are_tls_errors_with_the_rustls_error() {
    let alert = rustls::Error::AlertReceived(AlertDescription::CertificateRequired);
    let source = std::io::Error::new(std::io::ErrorKind::InvalidData, alert.clone());
    let error = Error::io("reading from b:9093", source);
    assert!(
        matches!(&error, Error::Tls { source: Some(TlsCause::Rustls(e)), .. } if *e == alert),
        "{error:?}"
    );
    assert!(!error.is_retriable());
    assert_eq!(
        error.to_string(),
        "TLS: reading from b:9093: received fatal alert: CertificateRequired"
    );
    let cause = error
        .source()
        .and_then(|s| s.downcast_ref::<rustls::Error>());
    assert_eq!(cause, Some(&alert));
    let reset = Error::io("reading", std::io::ErrorKind::ConnectionReset.into());
    assert!(matches!(reset, Error::Io { .. }) && reset.is_retriable());
}

#[test]
fn kafka_errors_name_the_code_the_context_and_the_message() {
    let error = Error::kafka(
        ErrorCode::INVALID_REPLICATION_FACTOR,
        Some("Replication factor: 5 larger than available brokers: 1."),
        "creating topic t",
    );
    assert_eq!(
        error.to_string(),
        "creating topic t: INVALID_REPLICATION_FACTOR (38): Replication factor: 5 larger \
         than available brokers: 1."
    );
    assert!(!error.is_retriable());
    let error = Error::kafka(ErrorCode::NOT_LEADER_OR_FOLLOWER, Some(""), "t-0");
    assert_eq!(error.to_string(), "t-0: NOT_LEADER_OR_FOLLOWER (6)");
    assert!(error.is_retriable());
    assert_eq!(error.kafka_code(), Some(ErrorCode::NOT_LEADER_OR_FOLLOWER));
}

#[test]
fn connection_errors_keep_their_meaning_and_their_value() {
    let refused = Error::from_conn(
        ConnError::AuthenticationFailed(ErrorCode(58)),
        "b:9092",
        Some("Authentication failed: Invalid username or password"),
    );
    assert!(matches!(refused, Error::Authentication { .. }));
    assert!(refused.to_string().contains("Invalid username or password"));
    assert!(!refused.is_retriable());
    let cause = refused.source().and_then(|s| s.downcast_ref::<ConnError>());
    assert_eq!(cause, Some(&ConnError::AuthenticationFailed(ErrorCode(58))));
    let unsupported = Error::from_conn(ConnError::UnsupportedByBroker(ApiKey::Fetch), "b", None);
    assert!(matches!(unsupported, Error::UnsupportedByBroker { .. }));
    let garbage = Error::from_conn(ConnError::UnknownCorrelationId(7), "b", None);
    assert!(
        matches!(
            garbage,
            Error::Protocol {
                source: Some(CoreError::Connection(ConnError::UnknownCorrelationId(7))),
                ..
            }
        ),
        "{garbage:?}"
    );
    assert!(!garbage.is_retriable());
    assert_eq!(
        garbage.to_string(),
        "protocol: b: response with correlation id 7, which no request in flight has"
    );
}

#[test]
fn core_errors_stay_values_behind_source() {
    let decode = Error::core("decoding a Fetch v16 response", DecodeError::InvalidUtf8);
    assert_eq!(
        decode
            .source()
            .and_then(|s| s.downcast_ref::<DecodeError>()),
        Some(&DecodeError::InvalidUtf8)
    );
    assert_eq!(
        decode.to_string(),
        "protocol: decoding a Fetch v16 response: string is not valid UTF-8"
    );
    let record = Error::core("fetched batch", RecordError::CrcMismatch);
    assert!(record.source().unwrap().is::<RecordError>());
    let frame = Error::from(FrameError::NegativeSize { size: -2 });
    assert!(frame.source().unwrap().is::<FrameError>());
    let io = Error::io("reading", std::io::ErrorKind::UnexpectedEof.into());
    assert!(io.source().unwrap().is::<std::io::Error>());
    let lookup = Error::Resolve {
        address: "nowhere:9092".into(),
        reason: "the lookup failed".into(),
        source: Some(Arc::new(std::io::Error::other("no such host"))),
    };
    assert!(lookup.source().unwrap().is::<std::io::Error>());
    assert_eq!(
        lookup.to_string(),
        "cannot resolve nowhere:9092: the lookup failed: no such host"
    );
    let kafka = Error::kafka(ErrorCode::NOT_COORDINATOR, None, "group g");
    assert!(kafka.source().unwrap().is::<ErrorCode>());
    assert!(Error::usage("seek").source().is_none());
}

#[test]
fn clones_keep_kind_text_and_cause() {
    let io = Error::io("reading", std::io::ErrorKind::UnexpectedEof.into());
    let copy = io.clone();
    assert_eq!(copy.to_string(), io.to_string());
    assert!(
        matches!(&copy, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::UnexpectedEof)
    );
    let tls = Error::io(
        "reading",
        std::io::Error::other(rustls::Error::DecryptError),
    );
    assert!(matches!(
        tls.clone(),
        Error::Tls {
            source: Some(TlsCause::Rustls(rustls::Error::DecryptError)),
            ..
        }
    ));
}

/// The retriability each variant must have, from the layer it comes from; an exhaustive match,
/// so a new variant cannot be added without saying.
fn expected_retriable(error: &Error) -> bool {
    match error {
        Error::Kafka { code, .. } => code.is_retriable(),
        Error::Protocol { source, .. } => source.is_some_and(|cause| match cause {
            CoreError::Connection(error) => error.is_retriable(),
            CoreError::Encode(error) => ConnError::Encode(error).is_retriable(),
            _ => false,
        }),
        Error::Authentication { source, .. } => source.is_some_and(|c| c.is_retriable()),
        Error::Frame(error) => error.is_retriable(),
        Error::Producer { retriable, .. } => *retriable,
        Error::Transaction { class, .. } => {
            *class == crate::error::TransactionErrorClass::Retriable
        }
        Error::Io { .. } | Error::Timeout { .. } | Error::Resolve { .. } | Error::Closed { .. } => {
            ConnError::Closed.is_retriable()
        }
        Error::UnsupportedByBroker { api, .. } => {
            ConnError::UnsupportedByBroker(*api).is_retriable()
        }
        Error::Tls { .. }
        | Error::Config { .. }
        | Error::LogTruncated { .. }
        | Error::Usage { .. } => false,
    }
}

#[test]
fn every_variant_is_retriable_as_its_layer_says() {
    let mut errors = vec![
        Error::io("reading", std::io::ErrorKind::ConnectionReset.into()),
        Error::Timeout {
            what: "a Metadata response".into(),
            after: Duration::from_secs(30),
        },
        Error::resolve("nowhere:9092", "no address"),
        Error::tls("handshake", Some(rustls::Error::DecryptError.into())),
        Error::protocol("a topic without a name"),
        Error::core("decoding", DecodeError::UnexpectedEnd),
        Error::core("encoding", EncodeError::BufferTooSmall { needed: 1 }),
        Error::core("encoding", EncodeError::TooLong),
        Error::core("batch", RecordError::CrcMismatch),
        Error::core("inflating", CompressionError::Corrupt),
        Error::Closed {
            what: "producer".into(),
        },
        Error::Producer {
            reason: "a".into(),
            retriable: true,
        },
        Error::Producer {
            reason: "b".into(),
            retriable: false,
        },
        Error::Config {
            property: "acks".into(),
            reason: "not a number".into(),
        },
        Error::usage("send on a closed producer"),
    ];
    for frame in [
        FrameError::NegativeSize { size: -1 },
        FrameError::TooLarge { size: 9, max: 8 },
        FrameError::ExceedsBuffer {
            needed: 9,
            capacity: 8,
        },
    ] {
        errors.push(frame.into());
    }
    for code in -1..=130 {
        errors.push(Error::kafka(ErrorCode(code), None, "t-0"));
    }
    for conn in CONN_ERRORS {
        let error = Error::from_conn(conn, "b:9092", None);
        // The client's error says what the connection's says, however it is converted.
        assert_eq!(
            error.is_retriable(),
            conn.is_retriable(),
            "{conn:?}: {error:?}"
        );
        errors.push(error);
    }
    for error in &errors {
        assert_eq!(error.is_retriable(), expected_retriable(error), "{error:?}");
    }
    // The variants this test must reach, each at least once.
    let reached = |pick: fn(&Error) -> bool| errors.iter().any(pick);
    assert!(reached(|e| matches!(e, Error::Authentication { .. })));
    assert!(reached(|e| matches!(e, Error::UnsupportedByBroker { .. })));
    assert!(reached(|e| matches!(e, Error::Frame(_))));
    assert!(reached(
        |e| matches!(e, Error::Kafka { code, .. } if code.is_retriable())
    ));
    assert!(reached(
        |e| matches!(e, Error::Protocol { .. } if e.is_retriable())
    ));
    assert!(!Error::usage("x").is_retriable());
}
