//! Fuzzes the sans-I/O connection and the embedded client's driver loop with arbitrary bytes
//! from the broker, after a scripted handshake. Nothing may panic, loop or allocate beyond the
//! buffers.
//!
//! The first input byte picks the settings: SASL (none, PLAIN, SCRAM-SHA-256, SCRAM-SHA-512),
//! the read size of the simulated socket, and how the rest is fed:
//! - as a byte stream through a `FrameReader` into `Connection::handle_frame`, with requests of
//!   several APIs in flight; each response is decoded as its API's response and walked (the
//!   Fetch records batch by batch);
//! - as frame bodies, each given the correlation id of a request in flight, so the fuzzer
//!   reaches the decoders without guessing ids;
//! - as what the socket returns to the embedded `Client` running the produce-and-fetch
//!   example.
#![no_main]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use embedded_io_async::{ErrorKind, ErrorType, Read, Write};
use franzl_core::conn::{
    Connection, ConnectionConfig, Credentials, Event, FrameReader, Instant, Response,
};
use franzl_core::embedded::example::produce_and_fetch;
use franzl_core::embedded::{Client, ProduceOptions};
use franzl_core::frame::ResponseHeader;
use franzl_core::messages::api_versions::{ApiVersion, ApiVersionsResponse};
use franzl_core::messages::fetch::FetchRequest;
use franzl_core::messages::list_offsets::ListOffsetsRequest;
use franzl_core::messages::metadata::MetadataRequest;
use franzl_core::messages::produce::ProduceRequest;
use franzl_core::messages::{Array, Message};
use franzl_core::record::{Batch, Batches, NewRecord};
use franzl_core::sasl::SaslMechanism;
use franzl_core::sasl::scram::ScramMechanism;
use franzl_core::wire::{RawTaggedFields, Writer};
use libfuzzer_sys::fuzz_target;

const T0: Instant = Instant::from_millis(1_000);
/// The ApiVersions version the connection asks at first (its newest).
const VERSIONS_VERSION: i16 = 4;

fn config(selector: u8) -> ConnectionConfig<'static> {
    let mechanism = match selector & 3 {
        0 => None,
        1 => Some(SaslMechanism::Plain),
        2 => Some(SaslMechanism::Scram(ScramMechanism::Sha256)),
        _ => Some(SaslMechanism::Scram(ScramMechanism::Sha512)),
    };
    ConnectionConfig {
        sasl: mechanism.map(|mechanism| Credentials {
            mechanism,
            username: "user",
            password: "pencil",
            nonce: "rOprNGfwEbeRWgbNEkqO",
        }),
        ..ConnectionConfig::default()
    }
}

/// A broker's ApiVersions answer (frame body, no size prefix) listing the APIs used here.
fn versions_frame(correlation_id: i32) -> Vec<u8> {
    let apis = [
        (0, 3, 11),
        (1, 4, 17),
        (2, 1, 10),
        (3, 0, 12),
        (17, 0, 1),
        (18, 0, 4),
        (36, 0, 2),
    ]
    .map(|(api_key, min_version, max_version)| ApiVersion {
        api_key,
        min_version,
        max_version,
        unknown_tagged_fields: RawTaggedFields::EMPTY,
    });
    let response = ApiVersionsResponse {
        api_keys: Array::from_slice(&apis),
        ..Default::default()
    };
    let mut frame = vec![0u8; 512];
    let header = ResponseHeader {
        correlation_id,
        unknown_tagged_fields: RawTaggedFields::EMPTY,
    };
    let mut w = Writer::new(&mut frame);
    // ApiVersions responses always use header v0.
    header.write(&mut w, 0).expect("header fits");
    let start = w.position();
    let len = response
        .encode(VERSIONS_VERSION, &mut frame[start..])
        .expect("body fits");
    frame.truncate(start + len);
    frame
}

/// Reads what a response says, as a caller would: decode and walk everything.
fn walk(response: &Response<'_>) {
    let mut inflate = [0u8; 4096];
    if let Ok(fetch) = response.decode::<FetchRequest<'_>>() {
        for topic in fetch.responses.iter() {
            for partition in topic.partitions.iter() {
                for batch in Batches::new(partition.records.unwrap_or_default()).flatten() {
                    if let Batch::V2(batch) = batch {
                        let _ = batch.verify_crc();
                        if let Ok(records) = batch.records_in(&mut inflate) {
                            records.for_each(drop);
                        }
                    }
                }
            }
        }
    }
    if let Ok(metadata) = response.decode::<MetadataRequest<'_>>() {
        for topic in metadata.topics.iter() {
            topic.partitions.iter().for_each(drop);
        }
    }
    if let Ok(produce) = response.decode::<ProduceRequest<'_>>() {
        produce.responses.iter().for_each(drop);
    }
    if let Ok(offsets) = response.decode::<ListOffsetsRequest<'_>>() {
        offsets.topics.iter().for_each(drop);
    }
}

/// A connection past ApiVersions, with a Metadata, Produce, Fetch and ListOffsets request in
/// flight once it is ready (with SASL it waits in the SASL exchange instead).
fn scripted_connection(selector: u8) -> Connection<'static, 4> {
    let mut conn = Connection::<4>::new(config(selector));
    let mut out = [0u8; 1024];
    let _ = conn.poll_transmit(T0, &mut out);
    let _ = conn.handle_frame(&versions_frame(0));
    let _ = conn.poll_transmit(T0, &mut out);
    let _ = conn.send(&MetadataRequest::default(), None, true, T0, &mut out);
    let _ = conn.send(&ProduceRequest::default(), None, true, T0, &mut out);
    let _ = conn.send(&FetchRequest::default(), None, true, T0, &mut out);
    let _ = conn.send(&ListOffsetsRequest::default(), None, true, T0, &mut out);
    conn
}

fn handle(conn: &mut Connection<'static, 4>, frame: &[u8]) {
    if let Ok(Event::Response(response)) = conn.handle_frame(frame) {
        walk(&response);
    }
    let mut out = [0u8; 1024];
    let _ = conn.poll_transmit(T0, &mut out);
}

/// The input as a byte stream, read `chunk` bytes at a time into a FrameReader.
fn as_stream(selector: u8, chunk: usize, input: &[u8]) {
    let mut conn = scripted_connection(selector);
    let mut buf = [0u8; 8192];
    let mut reader = FrameReader::new(1 << 20);
    let mut fed = 0;
    while fed < input.len() {
        let Ok(space) = reader.receive_space(&mut buf) else {
            return;
        };
        let n = chunk.min(space.len()).min(input.len() - fed);
        if n == 0 {
            return;
        }
        space[..n].copy_from_slice(&input[fed..fed + n]);
        fed += n;
        reader.commit(n);
        loop {
            match reader.next_frame(&buf) {
                Ok(Some(frame)) => handle(&mut conn, frame),
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
    let _ = conn.handle_timeout(Instant::from_millis(u64::MAX));
}

/// The input as frame bodies (a 2-byte length each), given the ids of requests in flight.
fn as_answers(selector: u8, mut input: &[u8]) {
    let mut conn = scripted_connection(selector);
    // Ids 0 (ApiVersions, answered) and 1 to 4, the requests sent after it.
    let mut id = 1i32;
    while let Some((len, rest)) = input.split_first_chunk::<2>() {
        let len = usize::from(u16::from_be_bytes(*len)).min(rest.len());
        let (body, rest) = rest.split_at(len);
        input = rest;
        let mut frame = id.to_be_bytes().to_vec();
        frame.extend_from_slice(body);
        handle(&mut conn, &frame);
        id += 1;
    }
}

/// A socket whose reads return the scripted ApiVersions answer, then the input.
struct FuzzSocket<'a> {
    incoming: Vec<u8>,
    rest: &'a [u8],
    chunk: usize,
}

impl ErrorType for FuzzSocket<'_> {
    type Error = ErrorKind;
}

impl Read for FuzzSocket<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        if self.incoming.is_empty() {
            let n = self.rest.len().min(4096);
            self.incoming.extend_from_slice(&self.rest[..n]);
            self.rest = &self.rest[n..];
        }
        let n = buf.len().min(self.chunk).min(self.incoming.len());
        buf[..n].copy_from_slice(&self.incoming[..n]);
        self.incoming.drain(..n);
        Ok(n)
    }
}

impl Write for FuzzSocket<'_> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

fn block_on<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    // The socket never waits, so a future that is still pending here would wait forever.
    for _ in 0..100_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return Some(output);
        }
    }
    None
}

/// The embedded client running the example over a socket that returns the input.
fn as_client(selector: u8, chunk: usize, input: &[u8]) {
    let versions = versions_frame(0);
    let mut incoming = (versions.len() as i32).to_be_bytes().to_vec();
    incoming.extend_from_slice(&versions);
    let socket = FuzzSocket {
        incoming,
        rest: input,
        chunk,
    };
    let (mut tx, mut rx, mut inflate) = ([0u8; 2048], [0u8; 8192], [0u8; 4096]);
    let clock = || T0;
    let mut client = Client::new(socket, clock, config(selector), &mut tx, &mut rx);
    let records = [NewRecord {
        key: Some(b"k"),
        value: Some(b"value"),
        ..NewRecord::default()
    }];
    let ran = block_on(async {
        client.connect().await?;
        produce_and_fetch(
            &mut client,
            "t",
            &records,
            &ProduceOptions::default(),
            &mut inflate,
        )
        .await
    });
    assert!(
        ran.is_some(),
        "the client waited on a socket that never waits"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let chunk = 1 + usize::from(selector >> 4) * 97;
    match (selector >> 2) & 3 {
        0 => as_stream(selector, chunk, input),
        1 => as_answers(selector, input),
        _ => as_client(selector, chunk, input),
    }
});
