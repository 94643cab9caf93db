//! The idle modes with librdkafka: the process's wake-ups per second while a connected producer
//! sends nothing, or while a consumer assigned to partition 0 at its end waits for records that
//! never come, over a baseline window taken before the client existed.
//!
//! The program waits the way a librdkafka program does: the producer's main thread sleeps (no
//! `poll`, as there is nothing to report), the consumer's blocks in one `poll` for the window.

use std::time::{Duration, Instant};

use franzl_bench_clients::cli::{Args, Mode};
use franzl_bench_clients::wakeups::{IdleOutcome, Window, threads};
use rdkafka::Offset;
use rdkafka::consumer::BaseConsumer;
use rdkafka::producer::{BaseProducer, Producer};

use super::consume::assigned;
use super::produce::config;

/// Time given to the client to connect and settle before its window starts.
const SETTLE: Duration = Duration::from_secs(1);

/// The `idle-producer` and `idle-consumer` modes.
///
/// # Errors
/// When the client cannot be made or connected, the switches cannot be read, or a record arrives.
pub(crate) fn run(args: &Args) -> Result<IdleOutcome, String> {
    let baseline_threads = threads()?;
    let baseline = Window::start()?;
    std::thread::sleep(args.idle);
    let baseline_per_s = baseline.per_second()?;
    let (idle_per_s, threads) = if args.mode == Mode::IdleProducer {
        let producer: BaseProducer = config(args, args.linger)
            .create()
            .map_err(|error| format!("producer: {error}"))?;
        // Asking for the topic's metadata connects to its leader, as a first send would.
        producer
            .client()
            .fetch_metadata(Some(&args.topic), Duration::from_secs(10))
            .map_err(|error| format!("metadata: {error}"))?;
        std::thread::sleep(SETTLE);
        let window = Window::start()?;
        std::thread::sleep(args.idle);
        (window.per_second()?, threads()?)
    } else {
        let consumer = assigned(args, Offset::End)?;
        wait_for_nothing(&consumer, SETTLE)?;
        let window = Window::start()?;
        wait_for_nothing(&consumer, args.idle)?;
        (window.per_second()?, threads()?)
    };
    Ok(IdleOutcome {
        client: "rdkafka",
        mode: args.mode.as_str(),
        window: args.idle,
        baseline_per_s,
        idle_per_s,
        threads,
        baseline_threads,
    })
}

/// Polls until `period` has passed; a record or an error fails the run.
fn wait_for_nothing(consumer: &BaseConsumer, period: Duration) -> Result<(), String> {
    let until = Instant::now() + period;
    while let Some(left) = until
        .checked_duration_since(Instant::now())
        .filter(|left| !left.is_zero())
    {
        if let Some(message) = consumer.poll(left) {
            return Err(match message {
                Ok(_) => "a record arrived on the idle partition".to_string(),
                Err(error) => format!("poll: {error}"),
            });
        }
    }
    Ok(())
}
