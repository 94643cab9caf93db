//! The steps the embedded client takes over smoltcp, each checked as it goes (a failed check
//! panics, so the program exits with an error):
//!
//! 1. SCRAM-SHA-512 with a wrong password is refused.
//! 2. SASL PLAIN: create a topic, produce records 0..300 in batches of 50 with acks=all,
//!    acks=1 with LZ4, and acks=0 (then ListOffsets shows all 300 were written).
//! 3. [`Client::reset`] onto a new socket with SCRAM-SHA-256: records 300..600, acks=all with
//!    LZ4, acks=1, acks=0 with LZ4.
//! 4. The broker is stopped (SIGSTOP): a Produce of records 600..650 outlives the caller's
//!    timeout, and [`Client::handle_timeout`] reports [`ClientError::TimedOut`]; the connection
//!    is closed then, so a call without a reset fails with `NotReady`. The test then
//!    kills the broker and starts it again, while the client resets onto new sockets with
//!    SCRAM-SHA-512 until one connects, with a growing pause between attempts.
//! 5. Records 600..1000 (acks=all with LZ4, acks=1 with LZ4, acks=0), retrying what the
//!    restarted broker refuses for now (a retriable error code).
//! 6. Fetch from offset 0 until 1,000 records came back, and check every key and value at its
//!    offset; ListOffsets shows nothing more was written. The check is shown to catch a
//!    changed value in the same records.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use embassy_net::tcp::client::TcpConnection;
use embassy_time::{Timer, with_timeout};
use embedded_nal_async::TcpConnect;
use franzl_core::compression::Compression;
use franzl_core::conn::{ConnError, Instant};
use franzl_core::embedded::{
    Acks, Client, ClientError, ConnectionConfig, FetchOptions, LATEST, ProduceOptions, TopicRef,
};
use franzl_core::record::Batch;
use xtask::broker::SaslMechanism;

use super::records::{Checked, Expected, Fetched, RECORDS};
use super::{PAUSE_BROKER, PAUSED, RESTART_BROKER, SOCKET_BUFFER, Tcp};
use crate::embedded_ops::{create_topic, sasl_config};
use crate::unique_topic;

type Transport<'d> = TcpConnection<'d, 2, SOCKET_BUFFER, SOCKET_BUFFER>;
type TapClient<'b, 'c, 'd> = Client<'b, 'c, Transport<'d>, fn() -> Instant>;

/// The client's request timeout.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);

/// The caller's own bound on one call: the request timeout and a little more, so that when it
/// fires the request's deadline has passed on the client's clock too.
const CALL_LIMIT: Duration = Duration::from_millis(3_200);

/// Records per Produce request.
const BATCH: usize = 50;

/// Records produced before the broker restart.
const BEFORE_RESTART: usize = 600;

/// How long the client keeps trying to reach the restarted broker.
const RECOVERY_LIMIT: Duration = Duration::from_secs(60);

/// Times a batch is retried while the (restarted) broker refuses it with a retriable error,
/// 100 ms apart.
const MAX_REFUSALS: u32 = 300;

/// Fetches made before giving up on records that do not come back.
const MAX_FETCHES: usize = 200;

/// One run of produce calls: records `from..to`, with these acks and this codec.
#[derive(Clone, Copy, Debug)]
struct Step {
    from: usize,
    to: usize,
    acks: Acks,
    compression: Compression,
}

const fn step(from: usize, to: usize, acks: Acks, compression: Compression) -> Step {
    Step {
        from,
        to,
        acks,
        compression,
    }
}

/// Over SASL PLAIN.
const PLAIN_STEPS: [Step; 3] = [
    step(0, 100, Acks::All, Compression::None),
    step(100, 200, Acks::Leader, Compression::Lz4),
    step(200, 300, Acks::None, Compression::None),
];

/// Over SCRAM-SHA-256.
const SCRAM_256_STEPS: [Step; 3] = [
    step(300, 400, Acks::All, Compression::Lz4),
    step(400, 500, Acks::Leader, Compression::None),
    step(500, 600, Acks::None, Compression::Lz4),
];

/// Over SCRAM-SHA-512, after the restart.
const SCRAM_512_STEPS: [Step; 3] = [
    step(600, 800, Acks::All, Compression::Lz4),
    step(800, 900, Acks::Leader, Compression::Lz4),
    step(900, 1_000, Acks::None, Compression::None),
];

/// The key and value bytes of the records the scenario produces without compression: each
/// crosses the TAP link as it is, once to the broker and once back in a fetch.
pub fn uncompressed_bytes(expected: &Expected) -> u64 {
    [PLAIN_STEPS, SCRAM_256_STEPS, SCRAM_512_STEPS]
        .iter()
        .flatten()
        .filter(|step| step.compression == Compression::None)
        .map(|step| expected.bytes(step.from, step.to))
        .sum()
}

/// What a run saw, printed after [`super::SUMMARY`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The check of the records fetched back.
    pub checked: Checked,
    /// The error [`Client::handle_timeout`] reported for the request to the stopped broker.
    pub timed_out: String,
    /// Connection attempts until the restarted broker took one.
    pub attempts: u32,
    /// From the timeout until records flowed again, in milliseconds.
    pub recovery_ms: u128,
    /// The whole run, in milliseconds.
    pub total_ms: u128,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fetched={} matching={} wrong={:?} attempts={} recovery_ms={} total_ms={} \
             timed_out=\"{}\"",
            self.checked.fetched,
            self.checked.matching,
            self.checked.wrong,
            self.attempts,
            self.recovery_ms,
            self.total_ms,
            self.timed_out
        )
    }
}

/// The client's clock: embassy-time's, in milliseconds.
fn now() -> Instant {
    Instant::from_millis(embassy_time::Instant::now().as_millis())
}

/// Waits on embassy-time's timer.
async fn sleep(duration: Duration) {
    Timer::after_millis(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)).await;
}

/// A call that did not succeed: the client's error, or the caller's timeout.
#[derive(Debug)]
enum Failure {
    Client(ClientError),
    Expired,
}

/// [`CALL_LIMIT`] on embassy-time's clock.
fn call_limit() -> embassy_time::Duration {
    embassy_time::Duration::from_millis(u64::try_from(CALL_LIMIT.as_millis()).unwrap_or(u64::MAX))
}

/// Runs a client call under [`CALL_LIMIT`] (the client has no timer of its own).
async fn bounded<T>(call: impl Future<Output = Result<T, ClientError>>) -> Result<T, Failure> {
    match with_timeout(call_limit(), call).await {
        Ok(result) => result.map_err(Failure::Client),
        Err(_) => Err(Failure::Expired),
    }
}

/// The connection config of `mechanism`'s test user.
fn config<'c>(mechanism: SaslMechanism, password: &'c str, nonce: &'c str) -> ConnectionConfig<'c> {
    ConnectionConfig {
        client_id: "franzl-embedded-tap",
        request_timeout: REQUEST_TIMEOUT,
        ..sasl_config(mechanism, password, nonce)
    }
}

/// Opens a TCP connection through smoltcp.
async fn open<'d>(tcp: &'d Tcp<'d>, broker: SocketAddr) -> Result<Transport<'d>, Failure> {
    match with_timeout(call_limit(), tcp.connect(broker)).await {
        Ok(Ok(connection)) => Ok(connection),
        Ok(Err(error)) => Err(Failure::Client(ClientError::Io(
            embedded_io_async::Error::kind(&error),
        ))),
        Err(_) => Err(Failure::Expired),
    }
}

/// Runs the scenario against the broker at `broker` (see the module docs).
///
/// # Panics
/// A check fails.
pub async fn run<'d>(tcp: &'d Tcp<'d>, broker: SocketAddr) -> Summary {
    let started = std::time::Instant::now();
    let expected = Expected::new();
    let topic = unique_topic("embedded-tap");
    let nonces: Vec<String> = (0..100).map(|_| unique_topic("nonce")).collect();
    let mut nonces = nonces.iter();
    let mut nonce = || nonces.next().expect("enough nonces").as_str();
    let (mut tx, mut rx) = (vec![0u8; 16 << 10], vec![0u8; 64 << 10]);

    wrong_password_is_refused(tcp, broker, nonce(), &mut tx, &mut rx).await;

    let plain = SaslMechanism::Plain;
    let transport = open(tcp, broker).await.expect("connect through smoltcp");
    let mut client: TapClient<'_, '_, 'd> = Client::new(
        transport,
        now,
        config(plain, plain.user().password, ""),
        &mut tx,
        &mut rx,
    );
    bounded(client.connect()).await.expect("PLAIN");
    create_topic(&mut client, &topic, sleep).await;
    let id = client.metadata(&topic).await.expect("metadata").id();
    let topic = TopicRef { name: &topic, id };
    produce(&mut client, topic, &expected, &PLAIN_STEPS).await;

    let scram = SaslMechanism::ScramSha256;
    let transport = open(tcp, broker).await.expect("a second connection");
    drop(client.reset(transport, config(scram, scram.user().password, nonce())));
    bounded(client.connect()).await.expect("SCRAM-SHA-256");
    produce(&mut client, topic, &expected, &SCRAM_256_STEPS).await;

    let timed_out = time_out_on_the_stopped_broker(&mut client, topic, &expected).await;
    let lost = std::time::Instant::now();
    let scram = SaslMechanism::ScramSha512;
    let attempts = reconnect_until_served(&mut client, tcp, broker, || {
        config(scram, scram.user().password, nonce())
    })
    .await;
    produce(&mut client, topic, &expected, &SCRAM_512_STEPS).await;
    let recovery_ms = lost.elapsed().as_millis();

    let fetched = fetch_all(&mut client, topic).await;
    let checked = expected.check(&fetched);
    let latest = bounded(client.list_offsets(topic.name, 0, LATEST)).await;
    assert_eq!(
        latest.expect("list offsets"),
        RECORDS as i64,
        "records written"
    );
    let changed = expected.with_value_changed(RECORDS / 2).check(&fetched);
    assert_eq!(
        changed.wrong,
        [RECORDS as i64 / 2],
        "the check catches a changed value"
    );
    Summary {
        checked,
        timed_out: timed_out.to_string(),
        attempts,
        recovery_ms,
        total_ms: started.elapsed().as_millis(),
    }
}

/// Asks the test to stop the broker, then produces records [`BEFORE_RESTART`].. to it: the
/// call outlives its timeout, [`Client::handle_timeout`] reports it and closes the connection,
/// and a call without a reset then fails. Asks the test to restart the broker; returns the
/// reported timeout.
async fn time_out_on_the_stopped_broker(
    client: &mut TapClient<'_, '_, '_>,
    topic: TopicRef<'_>,
    expected: &Expected,
) -> ClientError {
    println!("{PAUSE_BROKER}");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).expect("stdin");
    assert_eq!(line.trim(), PAUSED, "the test's answer");
    let records = expected.batch(BEFORE_RESTART, BEFORE_RESTART + BATCH);
    let options = ProduceOptions {
        timeout: Duration::from_secs(2),
        ..ProduceOptions::default()
    };
    let outcome = bounded(client.produce(topic, 0, &records, &options)).await;
    assert!(
        matches!(outcome, Err(Failure::Expired)),
        "a stopped broker answered: {outcome:?}"
    );
    let timed_out = client
        .handle_timeout()
        .expect("the request's deadline has passed");
    assert!(
        matches!(timed_out, ClientError::TimedOut { .. }),
        "{timed_out}"
    );
    // The timeout closed the connection: without a reset, nothing more goes through it.
    let closed = bounded(client.list_offsets(topic.name, 0, LATEST)).await;
    assert!(
        matches!(
            closed,
            Err(Failure::Client(ClientError::Connection(
                ConnError::NotReady
            )))
        ),
        "a call on the timed-out connection: {closed:?}"
    );
    println!("{RESTART_BROKER} ({timed_out})");
    timed_out
}

/// Reconnects (see [`reconnect`]) with a fresh `config()` each time, pausing 100 ms after the
/// first failure and twice as long after each next one, up to 1 s, until the broker takes the
/// connection; returns the attempts made.
///
/// # Panics
/// None succeeds within [`RECOVERY_LIMIT`].
async fn reconnect_until_served<'c, 'd>(
    client: &mut TapClient<'_, 'c, 'd>,
    tcp: &'d Tcp<'d>,
    broker: SocketAddr,
    mut config: impl FnMut() -> ConnectionConfig<'c>,
) -> u32 {
    let started = std::time::Instant::now();
    let mut pause = Duration::from_millis(100);
    for attempt in 1.. {
        match reconnect(client, tcp, broker, config()).await {
            Ok(()) => return attempt,
            Err(failure) => println!("tap: attempt {attempt}: {failure:?}"),
        }
        assert!(
            started.elapsed() < RECOVERY_LIMIT,
            "the broker did not come back"
        );
        sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
    unreachable!("attempts ran out of numbers")
}

/// SCRAM-SHA-512 with a wrong password: the broker refuses it.
async fn wrong_password_is_refused(
    tcp: &Tcp<'_>,
    broker: SocketAddr,
    nonce: &str,
    tx: &mut [u8],
    rx: &mut [u8],
) {
    let transport = open(tcp, broker).await.expect("connect through smoltcp");
    let scram = SaslMechanism::ScramSha512;
    let config = config(scram, "not-the-password", nonce);
    let mut client = Client::new(transport, now as fn() -> Instant, config, tx, rx);
    let outcome = bounded(client.connect()).await;
    assert!(
        matches!(
            outcome,
            Err(Failure::Client(ClientError::Connection(
                ConnError::AuthenticationFailed(_)
            )))
        ),
        "a wrong password: {outcome:?}"
    );
}

/// The documented path after a lost connection: [`Client::reset`] onto a new socket (the old
/// one goes back to the pool), then [`Client::connect`].
async fn reconnect<'c, 'd>(
    client: &mut TapClient<'_, 'c, 'd>,
    tcp: &'d Tcp<'d>,
    broker: SocketAddr,
    config: ConnectionConfig<'c>,
) -> Result<(), Failure> {
    let transport = open(tcp, broker).await?;
    drop(client.reset(transport, config));
    match bounded(client.connect()).await {
        Err(Failure::Expired) => {
            client.handle_timeout();
            Err(Failure::Expired)
        }
        outcome => outcome,
    }
}

/// Produces each step in batches of [`BATCH`], retrying a batch the broker refuses with a
/// retriable error; after an acks=0 step, ListOffsets shows its records were written.
async fn produce(
    client: &mut TapClient<'_, '_, '_>,
    topic: TopicRef<'_>,
    expected: &Expected,
    steps: &[Step],
) {
    for step in steps {
        let options = ProduceOptions {
            acks: step.acks,
            compression: step.compression,
            timeout: Duration::from_secs(2),
            base_timestamp: 1_700_000_000_000,
        };
        for from in (step.from..step.to).step_by(BATCH) {
            let records = expected.batch(from, (from + BATCH).min(step.to));
            let mut refused = 0;
            loop {
                match bounded(client.produce(topic, 0, &records, &options)).await {
                    Ok(offset) => {
                        if step.acks != Acks::None {
                            assert_eq!(offset, Some(from as i64), "{step:?}");
                        }
                        break;
                    }
                    Err(Failure::Client(ClientError::Broker(code)))
                        if code.is_retriable() && refused < MAX_REFUSALS =>
                    {
                        refused += 1;
                        sleep(Duration::from_millis(100)).await;
                    }
                    Err(failure) => panic!("produce {from} ({step:?}): {failure:?}"),
                }
            }
        }
        if step.acks == Acks::None {
            let latest = bounded(client.list_offsets(topic.name, 0, LATEST)).await;
            assert_eq!(latest.expect("list offsets"), step.to as i64, "{step:?}");
        }
    }
}

/// Fetches from offset 0 until [`RECORDS`] records came back (or [`MAX_FETCHES`] fetches).
async fn fetch_all(client: &mut TapClient<'_, '_, '_>, topic: TopicRef<'_>) -> Vec<Fetched> {
    let mut inflate = vec![0u8; 64 << 10];
    let mut fetched = Vec::with_capacity(RECORDS);
    let mut next = 0;
    for _ in 0..MAX_FETCHES {
        if fetched.len() >= RECORDS {
            break;
        }
        let options = FetchOptions::default();
        let partition = bounded(client.fetch(topic, 0, next, &options))
            .await
            .expect("fetch");
        for batch in partition.batches() {
            let Batch::V2(batch) = batch.expect("a record batch") else {
                panic!("a record batch before v2");
            };
            let records = if batch.compression() == Compression::None {
                batch.records()
            } else {
                batch.records_in(&mut inflate)
            };
            for record in records.expect("the batch's records") {
                let record = record.expect("a record");
                if record.offset < next {
                    continue;
                }
                next = record.offset + 1;
                fetched.push(Fetched {
                    offset: record.offset,
                    key: record.key.unwrap_or_default().to_vec(),
                    value: record.value.unwrap_or_default().to_vec(),
                });
            }
        }
    }
    fetched
}
