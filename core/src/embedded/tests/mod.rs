//! The client against a scripted in-memory broker ([`scripted_broker`]). Futures are polled
//! with a no-op waker, since the scripted transport never waits.

mod one_pass_fetch;
mod one_pass_produce;
mod scripted_broker;

use super::example::produce_and_fetch;
use super::*;
use crate::ErrorCode;
use crate::conn::{ConnError, Credentials, FrameError, Instant};
use crate::messages::TopicRef;
use crate::record::NewRecord;
use crate::sasl::SaslMechanism;
use crate::wire::Uuid;
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use embedded_io_async::{Error as _, ErrorKind, ErrorType, Read, Write};
use scripted_broker::{ScriptedBroker, TOPIC_ID};
extern crate std;

/// `body` cut at each length, one byte longer, and with each byte set to 7 other values: the
/// inputs the one-pass readers are compared on with the generated decoders.
fn changed(body: &[u8]) -> std::vec::Vec<std::vec::Vec<u8>> {
    let mut inputs: std::vec::Vec<_> = (0..body.len()).map(|cut| body[..cut].to_vec()).collect();
    let mut longer = body.to_vec();
    longer.push(0);
    inputs.push(longer);
    for at in 0..body.len() {
        for value in [0, 1, 2, 0x7f, 0x80, 0xff, body[at] ^ 1] {
            let mut changed = body.to_vec();
            changed[at] = value;
            inputs.push(changed);
        }
    }
    inputs
}

/// The topic the one-pass readers' tests look for, in the responses they build.
const WANTED: TopicRef<'static> = TopicRef {
    name: "t",
    id: Uuid([7; 16]),
};

/// The lookups the one-pass readers are compared on with the generated lookups: the wanted
/// partition (3), another of the topic's (1, the one with an error code in the Produce
/// response), one the topic lacks (9), a topic not in the response (by name and by id).
fn lookups() -> [(TopicRef<'static>, i32); 4] {
    let absent = TopicRef {
        name: "v",
        id: Uuid([9; 16]),
    };
    [(WANTED, 3), (WANTED, 1), (WANTED, 9), (absent, 3)]
}

/// Both an answer, the same one, or both an error (which may differ: each reports the first
/// malformation it meets).
fn same_outcome<T: PartialEq + core::fmt::Debug, E: core::fmt::Debug>(
    ours: &Result<T, E>,
    theirs: &Result<T, E>,
) {
    match (ours, theirs) {
        (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs),
        (Err(_), Err(_)) => {}
        _ => panic!("{ours:?} but the generated decoder: {theirs:?}"),
    }
}

/// Polls `future` to completion; the scripted transport is always ready.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("future did not complete");
}

/// A clock the test moves by hand.
#[derive(Clone, Copy)]
struct FixedClock(u64);

impl Clock for &core::cell::Cell<FixedClock> {
    fn now(&mut self) -> Instant {
        Instant::from_millis(self.get().0)
    }
}

fn records() -> [NewRecord<'static>; 3] {
    [b"one".as_slice(), b"two", b"three"].map(|value| NewRecord {
        key: Some(b"k"),
        value: Some(value),
        ..NewRecord::default()
    })
}

fn zero_clock() -> Instant {
    Instant::from_millis(0)
}

#[test]
fn produces_and_fetches_back_through_the_example() {
    let (mut tx, mut rx, mut inflate) = ([0u8; 512], [0u8; 2048], [0u8; 512]);
    let config = ConnectionConfig::default();
    let mut client = Client::new(ScriptedBroker::new(), zero_clock, config, &mut tx, &mut rx);
    block_on(client.connect()).unwrap();
    assert!(client.is_ready());
    let records = records();
    let seen = block_on(produce_and_fetch(
        &mut client,
        "t",
        &records,
        &ProduceOptions::default(),
        &mut inflate,
    ))
    .unwrap();
    assert_eq!(
        seen,
        example::RoundTrip {
            start_offset: 0,
            base_offset: Some(0),
            fetched: 3,
            matching: 3
        }
    );
    // Again: the second batch starts after the first.
    let seen = block_on(produce_and_fetch(
        &mut client,
        "t",
        &records[..1],
        &ProduceOptions::default(),
        &mut inflate,
    ))
    .unwrap();
    assert_eq!((seen.start_offset, seen.fetched, seen.matching), (3, 1, 1));
}

#[cfg(feature = "lz4")]
#[test]
fn lz4_batches_round_trip() {
    let (mut tx, mut rx, mut inflate) = ([0u8; 512], [0u8; 2048], [0u8; 512]);
    let mut client = Client::new(
        ScriptedBroker::new(),
        zero_clock,
        ConnectionConfig::default(),
        &mut tx,
        &mut rx,
    );
    block_on(client.connect()).unwrap();
    let options = ProduceOptions {
        compression: crate::compression::Compression::Lz4,
        acks: Acks::Leader,
        ..ProduceOptions::default()
    };
    let seen = block_on(produce_and_fetch(
        &mut client,
        "t",
        &records(),
        &options,
        &mut inflate,
    ))
    .unwrap();
    assert_eq!((seen.fetched, seen.matching), (3, 3));
}

#[test]
fn acks_zero_reads_no_response_and_the_next_call_works() {
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 2048]);
    let mut client = Client::new(
        ScriptedBroker::new(),
        zero_clock,
        ConnectionConfig::default(),
        &mut tx,
        &mut rx,
    );
    block_on(client.connect()).unwrap();
    let options = ProduceOptions {
        acks: Acks::None,
        ..ProduceOptions::default()
    };
    assert_eq!(
        block_on(client.produce(TopicRef::named("t"), 0, &records(), &options)),
        Ok(None)
    );
    assert_eq!(block_on(client.list_offsets("t", 0, LATEST)), Ok(3));
    let fetched = block_on(client.fetch(
        TopicRef {
            name: "t",
            id: TOPIC_ID,
        },
        0,
        0,
        &FetchOptions::default(),
    ))
    .unwrap();
    assert_eq!(fetched.high_watermark, 3);
    assert_eq!(fetched.batches().count(), 1);
}

#[test]
fn broker_error_codes_and_missing_topics_leave_the_connection_usable() {
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 2048]);
    let mut client = Client::new(
        ScriptedBroker::new(),
        zero_clock,
        ConnectionConfig::default(),
        &mut tx,
        &mut rx,
    );
    block_on(client.connect()).unwrap();
    let error = block_on(client.metadata("nope")).unwrap_err();
    assert_eq!(
        error,
        ClientError::Broker(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
    );
    assert_eq!(error.kind(), ErrorKind::Other);
    assert_eq!(
        block_on(client.list_offsets("t", 5, LATEST)),
        Err(ClientError::MissingFromResponse)
    );
    let metadata = block_on(client.metadata("t")).unwrap();
    assert_eq!(
        (
            metadata.id(),
            metadata.leader(0),
            metadata.partition_count()
        ),
        (TOPIC_ID, Some(1), 1)
    );
}

#[test]
fn refused_credentials_are_an_authentication_error_with_the_brokers_words() {
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 2048]);
    let config = ConnectionConfig {
        sasl: Some(Credentials {
            mechanism: SaslMechanism::Plain,
            username: "u",
            password: "wrong",
            nonce: "",
        }),
        ..ConnectionConfig::default()
    };
    let mut broker = ScriptedBroker::new();
    broker.refuse_auth = true;
    let mut client = Client::new(broker, zero_clock, config, &mut tx, &mut rx);
    let error = block_on(client.connect()).unwrap_err();
    assert_eq!(
        error,
        ClientError::Connection(ConnError::AuthenticationFailed(
            ErrorCode::SASL_AUTHENTICATION_FAILED
        ))
    );
    assert_eq!(error.kind(), ErrorKind::PermissionDenied);
    assert_eq!(
        client.server_error_text(),
        Some("Invalid username or password")
    );

    // The same client, reset onto a broker that accepts.
    client.reset(ScriptedBroker::new(), config);
    block_on(client.connect()).unwrap();
    assert!(client.is_ready());
}

#[test]
fn transport_errors_keep_their_kind_and_end_of_stream_is_its_own_error() {
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 2048]);
    let mut broker = ScriptedBroker::new();
    broker.fail_reads = Some(ErrorKind::ConnectionReset);
    let mut client = Client::new(
        broker,
        zero_clock,
        ConnectionConfig::default(),
        &mut tx,
        &mut rx,
    );
    block_on(client.connect()).unwrap();
    let error = block_on(client.metadata("t")).unwrap_err();
    assert_eq!(error, ClientError::Io(ErrorKind::ConnectionReset));
    assert_eq!(error.kind(), ErrorKind::ConnectionReset);

    // A broker that answers nothing: its read returns end of stream.
    let mut silent = ScriptedBroker::new();
    silent.chunk = 0;
    client.reset(silent, ConnectionConfig::default());
    let error = block_on(client.connect()).unwrap_err();
    assert_eq!(error, ClientError::ConnectionClosed);
    assert_eq!(error.kind(), ErrorKind::ConnectionAborted);
}

#[test]
fn a_response_larger_than_rx_is_a_frame_error() {
    // 600 bytes hold the ApiVersions response but not the fetched records.
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 600]);
    let mut client = Client::new(
        ScriptedBroker::new(),
        zero_clock,
        ConnectionConfig::default(),
        &mut tx,
        &mut rx,
    );
    block_on(client.connect()).unwrap();
    let value = [b'x'; 400];
    let record = [NewRecord {
        value: Some(&value),
        ..NewRecord::default()
    }];
    block_on(client.produce(TopicRef::named("t"), 0, &record, &ProduceOptions::default())).unwrap();
    block_on(client.produce(TopicRef::named("t"), 0, &record, &ProduceOptions::default())).unwrap();
    let error = block_on(client.fetch(
        TopicRef {
            name: "t",
            id: TOPIC_ID,
        },
        0,
        0,
        &FetchOptions::default(),
    ))
    .unwrap_err();
    assert!(
        matches!(error, ClientError::Frame(FrameError::ExceedsBuffer { .. })),
        "{error:?}"
    );
    assert_eq!(error.kind(), ErrorKind::OutOfMemory);
    // The same response overflows the same buffer on a new connection.
    assert!(!error.is_retriable());
    // The stream is out of step: the connection is closed, and says so.
    assert!(!client.is_ready());
}

#[test]
fn a_cancelled_call_times_out_on_the_callers_clock_and_closes_the_connection() {
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 2048]);
    let clock = core::cell::Cell::new(FixedClock(1_000));
    let config = ConnectionConfig {
        request_timeout: core::time::Duration::from_millis(500),
        ..ConnectionConfig::default()
    };
    let mut client = Client::new(ScriptedBroker::new(), &clock, config, &mut tx, &mut rx);
    block_on(client.connect()).unwrap();
    client.link.transport.hold = true;
    {
        // The caller's timeout: poll once, then drop the call.
        let mut call = pin!(client.metadata("t"));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(call.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(client.poll_timeout(), Some(Instant::from_millis(1_500)));
    clock.set(FixedClock(1_499));
    assert_eq!(client.handle_timeout(), None);
    clock.set(FixedClock(1_500));
    let error = client.handle_timeout().unwrap();
    assert!(matches!(error, ClientError::TimedOut { api_key: 3, .. }));
    assert_eq!(error.kind(), ErrorKind::TimedOut);
    assert!(error.is_retriable());
    assert!(!client.is_ready());

    // Without handle_timeout, the next call finds the request still in flight.
    client.reset(ScriptedBroker::new(), config);
    block_on(client.connect()).unwrap();
    client.link.transport.hold = true;
    {
        let mut call = pin!(client.list_offsets("t", 0, EARLIEST));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(call.as_mut().poll(&mut cx).is_pending());
    }
    client.link.transport.hold = false;
    assert_eq!(
        block_on(client.metadata("t")).unwrap_err(),
        ClientError::Cancelled
    );
    assert!(!client.is_ready());
}

#[test]
fn a_caller_built_batch_is_produced_and_a_topic_without_id_is_fetched_by_name() {
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 2048]);
    let mut client = Client::new(
        ScriptedBroker::new(),
        zero_clock,
        ConnectionConfig::default(),
        &mut tx,
        &mut rx,
    );
    block_on(client.connect()).unwrap();
    let mut batch = [0u8; 128];
    let mut builder =
        crate::record::RecordBatchBuilder::new(&mut batch, crate::record::BatchOptions::default())
            .unwrap();
    builder
        .append(&NewRecord {
            value: Some(b"hello"),
            ..NewRecord::default()
        })
        .unwrap();
    let len = builder.finish().unwrap();
    let options = ProduceOptions::default();
    assert_eq!(
        block_on(client.produce_batch(TopicRef::named("t"), 0, &batch[..len], &options)),
        Ok(Some(0))
    );
    let fetched =
        block_on(client.fetch(TopicRef::named("t"), 0, 0, &FetchOptions::default())).unwrap();
    let Some(Ok(crate::record::Batch::V2(batch))) = fetched.batches().next() else {
        panic!("one v2 batch");
    };
    let record = batch.records().unwrap().next().unwrap().unwrap();
    assert_eq!((record.offset, record.value), (0, Some(&b"hello"[..])));
}

#[test]
fn a_produce_frame_is_its_batch_plus_at_most_40_bytes_the_client_id_and_the_topic() {
    let record = [NewRecord {
        value: Some(b"v"),
        ..NewRecord::default()
    }];
    let produce_with_tx = |tx_len: usize| {
        let (mut tx, mut rx) = ([0u8; 512], [0u8; 2048]);
        let mut client = Client::new(
            ScriptedBroker::new(),
            zero_clock,
            ConnectionConfig::default(),
            &mut tx[..tx_len],
            &mut rx,
        );
        block_on(client.connect()).unwrap();
        block_on(client.produce(TopicRef::named("t"), 0, &record, &ProduceOptions::default()))
            .is_ok()
    };
    let batch_len = crate::record::encoded_batch_len(&record);
    let names = ConnectionConfig::default().client_id.len() + "t".len();
    let least = (batch_len..512).find(|&len| produce_with_tx(len)).unwrap();
    std::println!(
        "a Produce frame: batch + {} bytes + client id + topic",
        least - batch_len - names
    );
    assert!(least <= batch_len + 40 + names, "{least}");
}

#[test]
fn a_batch_larger_than_rx_is_a_record_error_and_sends_nothing() {
    let (mut tx, mut rx) = ([0u8; 4096], [0u8; 1024]);
    let mut client = Client::new(
        ScriptedBroker::new(),
        zero_clock,
        ConnectionConfig::default(),
        &mut tx,
        &mut rx,
    );
    block_on(client.connect()).unwrap();
    let value = [b'x'; 2000];
    let record = [NewRecord {
        value: Some(&value),
        ..NewRecord::default()
    }];
    let error =
        block_on(client.produce(TopicRef::named("t"), 0, &record, &ProduceOptions::default()))
            .unwrap_err();
    assert!(matches!(error, ClientError::Record(_)), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::OutOfMemory);
    assert_eq!(
        client.link.transport.requests, 1,
        "only ApiVersions was sent"
    );
    assert_eq!(block_on(client.list_offsets("t", 0, EARLIEST)), Ok(0));
}

/// The transport type of the size measurement: no state of its own.
struct NoTransport;

impl ErrorType for NoTransport {
    type Error = core::convert::Infallible;
}

impl Read for NoTransport {
    async fn read(&mut self, _: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(0)
    }
}

impl Write for NoTransport {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[test]
fn client_state_besides_the_buffers_is_under_2_kib() {
    let state = core::mem::size_of::<Client<'_, '_, NoTransport, fn() -> Instant>>();
    let connection = core::mem::size_of::<crate::conn::Connection<'_, 1>>();
    std::println!(
        "embedded client state: {state} bytes (connection {connection}), plus the tx and rx \
         buffers, the transport and the clock"
    );
    // With `std` (a host build, as here) the SASL message buffer holds 4 KiB; the
    // microcontroller build's holds 384 bytes (the QEMU run reports its real state).
    let sasl_extra = crate::conn::MAX_SASL_MESSAGE - 384;
    assert!(
        state - sasl_extra < 2048,
        "{state} bytes ({sasl_extra} of them SASL buffer)"
    );
}

/// The module docs' device program is, line for line, the one `examples/bare-metal` compiles
/// for the target (`src/device.rs`, between its markers).
#[test]
fn device_example_matches_this_program() {
    let program = include_str!("../../../../examples/bare-metal/src/device.rs");
    let docs = include_str!("../mod.rs");
    let (_, rest) = program
        .split_once("// example: begin\n")
        .expect("the begin marker");
    let (example, _) = rest
        .split_once("// example: end\n")
        .expect("the end marker");
    let mut shown = docs
        .lines()
        .skip_while(|line| *line != "//! ```ignore")
        .skip(1)
        .take_while(|line| *line != "//! ```")
        .map(|line| {
            line.strip_prefix("//! ")
                .unwrap_or(line.trim_start_matches("//!"))
        });
    let mut compiled = example.lines();
    let mut line = 0;
    loop {
        line += 1;
        match (shown.next(), compiled.next()) {
            (None, None) => break,
            (shown, compiled) => assert_eq!(
                shown, compiled,
                "line {line} of the example: the docs' block and src/device.rs differ"
            ),
        }
    }
    assert!(line > 20, "the example has {line} lines");
}
