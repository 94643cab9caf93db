//! What the program does with the client, in order, each answer checked: refused credentials,
//! connect, produce and fetch back, acks=0, broker errors, a response larger than `rx`. The
//! broker keeps its log across the new connections, so offsets run on from scenario to
//! scenario.

use core::cell::RefCell;

use franzl_bare_metal::checks::Checks;
use franzl_core::ErrorCode;
use franzl_core::compression::Compression;
use franzl_core::conn::{ConnError, ConnectionConfig, Credentials, FrameError};
use franzl_core::embedded::example::{RoundTrip, produce_and_fetch};
use franzl_core::embedded::{
    Acks, ClientError, EARLIEST, FetchOptions, LATEST, ProduceOptions, TopicRef,
};
use franzl_core::messages::ApiKey;
use franzl_core::record::{BatchOptions, NewRecord, RecordBatchBuilder};
use franzl_core::sasl::SaslMechanism;

use crate::scripted_broker::{PASSWORD, REFUSED_TEXT, ScriptedBroker, TOPIC, TOPIC_ID, USERNAME};
use crate::socket::Socket;
use crate::{RX, TestClient};

/// The topic as the client addresses it once metadata gave its id.
const TOPIC_REF: TopicRef<'static> = TopicRef {
    name: TOPIC,
    id: TOPIC_ID,
};

/// The room for the batch another producer wrote, larger than the client's `rx`.
pub(crate) const LARGE_BATCH: usize = 9 << 10;

/// The client's configuration: SASL PLAIN as [`USERNAME`] with `password`.
pub(crate) fn config(password: &'static str) -> ConnectionConfig<'static> {
    ConnectionConfig {
        client_id: "sensor-7",
        sasl: Some(Credentials {
            mechanism: SaslMechanism::Plain,
            username: USERNAME,
            password,
            nonce: "",
        }),
        ..ConnectionConfig::default()
    }
}

/// Three readings of sensor 7.
fn records() -> [NewRecord<'static>; 3] {
    [
        b"temperature=21.5".as_slice(),
        b"humidity=40.2",
        b"battery=97",
    ]
    .map(|value| NewRecord {
        key: Some(b"sensor-7"),
        value: Some(value),
        ..NewRecord::default()
    })
}

/// Runs every scenario.
pub(crate) async fn run(
    client: &mut TestClient,
    broker: &'static RefCell<ScriptedBroker>,
    inflate: &mut [u8],
    large_batch: &mut [u8],
    checks: &mut Checks,
) {
    refused_credentials(client, broker, checks).await;
    connect(client, broker, checks).await;
    round_trips(client, inflate, checks).await;
    acks_zero(client, checks).await;
    broker_errors(client, checks).await;
    larger_than_rx(client, broker, large_batch, checks).await;
}

/// Resets the client onto a new connection to the broker, with `password`.
fn new_connection(
    client: &mut TestClient,
    broker: &'static RefCell<ScriptedBroker>,
    password: &'static str,
) {
    broker.borrow_mut().new_connection();
    client.reset(Socket(broker), config(password));
}

async fn refused_credentials(
    client: &mut TestClient,
    broker: &'static RefCell<ScriptedBroker>,
    checks: &mut Checks,
) {
    new_connection(client, broker, "not-the-password");
    checks.check_eq(
        "connect with a wrong password: an authentication failure",
        &client.connect().await,
        &Err(ClientError::Connection(ConnError::AuthenticationFailed(
            ErrorCode::SASL_AUTHENTICATION_FAILED,
        ))),
    );
    checks.check_eq(
        "  with the broker's words",
        &client.server_error_text(),
        &Some(REFUSED_TEXT),
    );
    checks.check("  and the client is not ready", !client.is_ready());
}

async fn connect(
    client: &mut TestClient,
    broker: &'static RefCell<ScriptedBroker>,
    checks: &mut Checks,
) {
    new_connection(client, broker, PASSWORD);
    checks.check_eq(
        "connect: ApiVersions, SASL handshake, PLAIN",
        &client.connect().await,
        &Ok(()),
    );
    checks.check_eq("  in three requests", &broker.borrow().requests, &3);
    let versions = client.connection().versions();
    checks.check(
        "  Produce and Fetch negotiated at versions that name topics by id (13 on)",
        versions.get(ApiKey::Produce) >= Some(13) && versions.get(ApiKey::Fetch) >= Some(13),
    );
}

async fn round_trips(client: &mut TestClient, inflate: &mut [u8], checks: &mut Checks) {
    let records = records();
    let lz4 = ProduceOptions {
        acks: Acks::All,
        compression: Compression::Lz4,
        ..ProduceOptions::default()
    };
    checks.check_eq(
        "metadata, list offsets, produce 3 records (LZ4, acks=all), fetch them back",
        &produce_and_fetch(client, TOPIC, &records, &lz4, inflate).await,
        &Ok(RoundTrip {
            start_offset: 0,
            base_offset: Some(0),
            fetched: 3,
            matching: 3,
        }),
    );
    let uncompressed = ProduceOptions {
        acks: Acks::Leader,
        compression: Compression::None,
        ..ProduceOptions::default()
    };
    checks.check_eq(
        "the same with 2 records, uncompressed, acks=1: offsets 3 and 4",
        &produce_and_fetch(client, TOPIC, &records[..2], &uncompressed, inflate).await,
        &Ok(RoundTrip {
            start_offset: 3,
            base_offset: Some(3),
            fetched: 2,
            matching: 2,
        }),
    );
}

async fn acks_zero(client: &mut TestClient, checks: &mut Checks) {
    let no_acks = ProduceOptions {
        acks: Acks::None,
        ..ProduceOptions::default()
    };
    checks.check_eq(
        "produce 3 records with acks=0: no response awaited",
        &client.produce(TOPIC_REF, 0, &records(), &no_acks).await,
        &Ok(None),
    );
    checks.check_eq(
        "  the broker took them: the next offset is 8",
        &client.list_offsets(TOPIC, 0, LATEST).await,
        &Ok(8),
    );
    checks.check_eq(
        "  and the first offset is 0",
        &client.list_offsets(TOPIC, 0, EARLIEST).await,
        &Ok(0),
    );
}

async fn broker_errors(client: &mut TestClient, checks: &mut Checks) {
    let unknown = Err(ClientError::Broker(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION));
    checks.check_eq(
        "metadata of a topic the broker lacks: its error code",
        &client
            .metadata("no-such-topic")
            .await
            .map(|topic| topic.id()),
        &unknown,
    );
    checks.check_eq(
        "produce to a partition the topic lacks: its error code",
        &client
            .produce(TOPIC_REF, 1, &records(), &ProduceOptions::default())
            .await,
        &unknown.map(|_| None),
    );
    checks.check_eq(
        "fetch past the end of the log: OFFSET_OUT_OF_RANGE",
        &client
            .fetch(TOPIC_REF, 0, 100, &FetchOptions::default())
            .await
            .map(|fetched| fetched.high_watermark),
        &Err(ClientError::Broker(ErrorCode::OFFSET_OUT_OF_RANGE)),
    );
    checks.check_eq(
        "  the connection still answers: the topic's metadata",
        &client
            .metadata(TOPIC)
            .await
            .map(|topic| (topic.id(), topic.partition_count(), topic.leader(0))),
        &Ok((TOPIC_ID, 1, Some(1))),
    );
}

/// Builds a batch of eight 1,000-byte records, as a producer with larger buffers would; returns
/// its length.
fn build_large_batch(out: &mut [u8]) -> usize {
    let value = [b'x'; 1000];
    let mut builder = RecordBatchBuilder::new(out, BatchOptions::default()).expect("room");
    for delta in 0..8 {
        builder
            .append(&NewRecord {
                offset_delta: delta,
                value: Some(&value),
                ..NewRecord::default()
            })
            .expect("room for the record");
    }
    builder.finish().expect("a batch")
}

async fn larger_than_rx(
    client: &mut TestClient,
    broker: &'static RefCell<ScriptedBroker>,
    large_batch: &mut [u8],
    checks: &mut Checks,
) {
    let len = build_large_batch(large_batch);
    let offset = broker.borrow().next_offset();
    broker.borrow_mut().append(&large_batch[..len]);
    let fetched = client
        .fetch(TOPIC_REF, 0, offset, &FetchOptions::default())
        .await
        .map(|fetched| fetched.records.len());
    checks.check(
        format_args!(
            "fetch a {len} B batch into a {RX} B rx: a frame error, not a crash ({fetched:?})"
        ),
        matches!(
            fetched,
            Err(ClientError::Frame(FrameError::ExceedsBuffer { .. }))
        ),
    );
    checks.check(
        "  which a retry would not cure",
        fetched.is_err_and(|error| !error.is_retriable()),
    );
    new_connection(client, broker, PASSWORD);
    checks.check_eq(
        "  on a new connection, connect again",
        &client.connect().await,
        &Ok(()),
    );
    checks.check_eq(
        "  and fetch from 0: the 3 batches before it, the large one left out by max_bytes",
        &client
            .fetch(TOPIC_REF, 0, 0, &FetchOptions::default())
            .await
            .map(|fetched| (fetched.high_watermark, fetched.batches().count())),
        &Ok((offset + 8, 3)),
    );
}
