//! The idle modes with franzl: the process's wake-ups per second while a connected producer sends
//! nothing, or while a consumer assigned to partition 0 at its end waits in `poll` for records
//! that never come, over a baseline window taken before the client existed (the main thread
//! waiting on a timer, as it then waits in the window).

use std::time::Duration;

use async_io::Timer;
use franzl::config::ConsumerConfig;
use franzl::consumer::{Consumer, SeekTo, TopicPartition};
use franzl_bench_clients::cli::{Args, Mode};
use franzl_bench_clients::wakeups::{IdleOutcome, Window, threads};

use super::produce::producer;

/// Time given to the client to connect and settle before its window starts.
const SETTLE: Duration = Duration::from_secs(1);

/// The `idle-producer` and `idle-consumer` modes.
///
/// # Errors
/// When the client cannot be made or connected, the switches cannot be read, or a record arrives.
pub(crate) async fn run(args: &Args) -> Result<IdleOutcome, String> {
    let baseline_threads = threads()?;
    let baseline = Window::start()?;
    Timer::after(args.idle).await;
    let baseline_per_s = baseline.per_second()?;
    let (idle_per_s, threads) = if args.mode == Mode::IdleProducer {
        let producer = producer(args, args.linger).await?;
        // Finding the partition's leader connects to it, as a first send would.
        producer
            .client()
            .leader(&args.topic, 0)
            .await
            .map_err(|error| format!("leader of {} 0: {error}", args.topic))?;
        Timer::after(SETTLE).await;
        let window = Window::start()?;
        Timer::after(args.idle).await;
        let measured = (window.per_second()?, threads()?);
        producer.close().await;
        measured
    } else {
        let config =
            ConsumerConfig::from_properties([("bootstrap.servers", args.bootstrap.as_str())])
                .map_err(|error| format!("config: {error}"))?;
        let mut consumer = Consumer::connect(config)
            .await
            .map_err(|error| format!("consumer: {error}"))?;
        let partition = TopicPartition::new(&args.topic, 0);
        consumer.assign([partition.clone()]);
        consumer
            .seek(&partition, SeekTo::Latest)
            .map_err(|error| format!("seek: {error}"))?;
        wait_for_nothing(&mut consumer, SETTLE).await?;
        let window = Window::start()?;
        wait_for_nothing(&mut consumer, args.idle).await?;
        let measured = (window.per_second()?, threads()?);
        consumer.close().await;
        measured
    };
    Ok(IdleOutcome {
        client: "franzl",
        mode: args.mode.as_str(),
        window: args.idle,
        baseline_per_s,
        idle_per_s,
        threads,
        baseline_threads,
    })
}

/// Polls for `period`; a record or an error fails the run.
async fn wait_for_nothing(consumer: &mut Consumer, period: Duration) -> Result<(), String> {
    let records = consumer
        .poll(period)
        .await
        .map_err(|error| format!("poll: {error}"))?;
    if records.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} records arrived on the idle partition",
            records.len()
        ))
    }
}
