//! Producing with librdkafka's `BaseProducer`: a delivery callback counts acknowledgements, and the
//! sending loop polls whenever librdkafka's queue is full.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use franzl_bench_clients::cli::Args;
use franzl_bench_clients::latency::Latencies;
use franzl_bench_clients::outcome::Outcome;
use franzl_bench_clients::payload::Values;
use futures::executor::block_on;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{
    BaseProducer, BaseRecord, DeliveryResult, FutureProducer, FutureRecord, NoCustomPartitioner,
    Producer, ProducerContext,
};
use rdkafka::{ClientConfig, ClientContext};

/// Counts deliveries as librdkafka reports them.
#[derive(Default)]
pub(crate) struct DeliveryCount {
    pub(crate) acked: AtomicU64,
    pub(crate) failed: AtomicU64,
}

impl ClientContext for DeliveryCount {}

impl ProducerContext<NoCustomPartitioner> for DeliveryCount {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        let counter = if result.is_ok() {
            &self.acked
        } else {
            &self.failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

type CountingProducer = BaseProducer<DeliveryCount>;

/// The producer's configuration: the contract's settings, then the `--set` properties.
pub(crate) fn config(args: &Args, linger: Duration) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", &args.bootstrap)
        .set("acks", args.acks.property_value())
        .set("compression.type", &args.compression)
        .set("enable.idempotence", args.idempotent.to_string())
        .set("linger.ms", linger.as_millis().to_string());
    for (key, value) in &args.properties {
        config.set(key, value);
    }
    config
}

fn producer(args: &Args) -> Result<CountingProducer, String> {
    config(args, args.linger)
        .create_with_context(DeliveryCount::default())
        .map_err(|error| format!("producer: {error}"))
}

/// Sends `count` records (values from `first` on) and waits until each was delivered or failed.
///
/// Waits by polling in 1 ms steps rather than with `flush`, whose polling steps are 100 ms long.
fn send_all(
    producer: &CountingProducer,
    topic: &str,
    values: &Values,
    first: u64,
    count: u64,
) -> Result<(), String> {
    for index in first..first + count {
        let mut record = BaseRecord::<(), [u8]>::to(topic).payload(values.get(index));
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    producer.poll(Duration::from_millis(1));
                }
                Err((error, _)) => return Err(format!("send: {error}")),
            }
        }
        producer.poll(Duration::ZERO);
    }
    let context = producer.context();
    let deadline = Instant::now() + Duration::from_secs(60);
    while context.acked.load(Ordering::Relaxed) + context.failed.load(Ordering::Relaxed)
        < first + count
    {
        if Instant::now() > deadline {
            return Err("records still unacknowledged after 60 s".to_string());
        }
        producer.poll(Duration::from_millis(1));
    }
    Ok(())
}

fn check_delivered(producer: &CountingProducer, expected: u64) -> Result<(), String> {
    let context = producer.context();
    let (acked, failed) = (
        context.acked.load(Ordering::Relaxed),
        context.failed.load(Ordering::Relaxed),
    );
    if failed > 0 || acked != expected {
        return Err(format!(
            "{acked} records acknowledged and {failed} failed, of {expected}"
        ));
    }
    Ok(())
}

/// The `produce` mode: `warmup` untimed records, then `count` as fast as librdkafka takes them.
///
/// # Errors
/// When the producer cannot be made, a send fails, or not every record was acknowledged.
pub(crate) fn throughput(args: &Args) -> Result<Outcome, String> {
    let producer = producer(args)?;
    let values = Values::new(args.size);
    send_all(&producer, &args.topic, &values, 0, args.warmup)?;
    let start = Instant::now();
    send_all(&producer, &args.topic, &values, args.warmup, args.count)?;
    let elapsed = start.elapsed();
    check_delivered(&producer, args.warmup + args.count)?;
    Ok(Outcome {
        client: "rdkafka",
        mode: "produce",
        records: args.count,
        bytes: args.count * args.size as u64,
        elapsed,
        warmup: args.warmup,
        allocations: None,
        percentiles: None,
    })
}

/// The `roundtrip` mode: one record in flight at a time, linger 0, through `FutureProducer` (whose
/// own thread serves delivery reports as they come).
///
/// # Errors
/// When the producer cannot be made or a record is not acknowledged within 30 seconds.
pub(crate) fn roundtrip(args: &Args) -> Result<Outcome, String> {
    let producer: FutureProducer = config(args, Duration::ZERO)
        .create()
        .map_err(|error| format!("producer: {error}"))?;
    let values = Values::new(args.size);
    let send = |index: u64| {
        let record = FutureRecord::<(), [u8]>::to(&args.topic).payload(values.get(index));
        block_on(producer.send(record, Duration::from_secs(30)))
            .map(drop)
            .map_err(|(error, _)| format!("send: {error}"))
    };
    for index in 0..args.warmup {
        send(index)?;
    }
    let mut latencies = Latencies::with_capacity(args.count as usize);
    let start = Instant::now();
    for index in args.warmup..args.warmup + args.count {
        let began = Instant::now();
        send(index)?;
        latencies.record(began.elapsed());
    }
    let elapsed = start.elapsed();
    Ok(Outcome {
        client: "rdkafka",
        mode: "roundtrip",
        records: args.count,
        bytes: args.count * args.size as u64,
        elapsed,
        warmup: args.warmup,
        allocations: None,
        percentiles: latencies.percentiles(),
    })
}
