//! An idle consumer makes no wake-ups beyond the deadlines the protocol and its configuration
//! set (DESIGN.md, "Contracts of franzl", 5: events, not polling): assigned to an empty
//! partition, with `fetch.max.wait.ms` 500 and `metadata.max.age.ms` 2000, the process's
//! threads wake a few times per fetch long poll and metadata refresh, and not on any timer of
//! their own.
//!
//! A wake-up is counted as a voluntary context switch (a thread that went to sleep and was
//! woken again), summed over the process's threads from `/proc/self/task/*/status`.
//! Involuntary switches are preemptions by other processes on a shared machine, not wake-ups.
//!
//! One test function in its own binary: every thread of the process counts, so no other test
//! may run meanwhile.

use std::time::Duration;

use franzl::consumer::{Consumer, TopicPartition};
use franzl_tests::consumer::config;
use franzl_tests::java_tools::create_topic;
use franzl_tests::{Profile, broker, unique_topic};

/// The voluntary context switches of every thread of the process so far.
fn wake_ups() -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc/self/task").expect("/proc/self/task") {
        let status = entry.expect("a task").path().join("status");
        // A thread that ended meanwhile has no status: it no longer switches.
        let text = std::fs::read_to_string(status).unwrap_or_default();
        for line in text.lines() {
            if let Some(count) = line.strip_prefix("voluntary_ctxt_switches:") {
                total += count.trim().parse::<u64>().expect("a count");
            }
        }
    }
    total
}

/// Wake-ups allowed per event the configuration schedules (a fetch response, a metadata
/// refresh): async-io's reactor thread wakes on the socket and hands the reactor back and
/// forth with franzl's executor thread, which runs the connection and the fetcher, which
/// sends the next long poll. About 8 were measured.
const WAKE_UPS_PER_EVENT: u64 = 12;

/// Measures the wake-ups of a consumer assigned to an empty partition over `window`, and
/// returns them with the bound the deadlines allow: one allowance per fetch long poll
/// (`max_wait`) and per metadata refresh (`max_age`) that may fall in the window, counting one
/// more of each for its edges.
fn idle_wake_ups(max_wait: Duration, max_age: Duration, window: Duration) -> (u64, u64) {
    let bootstrap = broker(Profile::Plain).bootstrap();
    let topic = unique_topic("consumer-idle");
    create_topic(&bootstrap, None, &topic, 1);
    let tp = TopicPartition::new(&topic, 0);
    let config = config(&bootstrap)
        .client(|client| client.metadata_max_age(max_age))
        .fetch(1, 1024 * 1024, 1024 * 1024, max_wait)
        .build()
        .unwrap();
    let mut consumer = smol::block_on(Consumer::connect(config)).unwrap();
    consumer.assign([tp.clone()]);
    // Settle: the seek resolved, the fetcher long-polls the empty partition.
    let polled = smol::block_on(consumer.poll(Duration::from_secs(2))).unwrap();
    assert!(polled.is_empty());
    assert_eq!(consumer.position(&tp), Some(0));

    let before = wake_ups();
    std::thread::sleep(window);
    let woken = wake_ups() - before;
    smol::block_on(consumer.close());

    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap();
    let long_polls = ms(window) / ms(max_wait) + 1;
    let refreshes = ms(window) / ms(max_age) + 1;
    let bound = (long_polls + refreshes) * WAKE_UPS_PER_EVENT;
    eprintln!(
        "idle consumer, fetch.max.wait.ms {}, metadata.max.age.ms {}: {woken} wake-ups in \
         {window:?} ({long_polls} long polls, {refreshes} metadata refreshes at most; bound \
         {bound})",
        ms(max_wait),
        ms(max_age)
    );
    (woken, bound)
}

#[test]
fn an_idle_consumer_wakes_only_for_its_long_polls() {
    // Frequent long polls and refreshes: a timer of a few hundred milliseconds would show.
    let short = (
        Duration::from_millis(500),
        Duration::from_secs(2),
        Duration::from_secs(5),
    );
    // Rare ones: a timer of a second or two would show (with the consumer's manager waking
    // every second, as it used to, this window counted about 85 wake-ups instead of 6 to 16).
    let long = (
        Duration::from_secs(10),
        Duration::from_secs(60),
        Duration::from_secs(10),
    );
    for (max_wait, max_age, window) in [short, long] {
        let (woken, bound) = idle_wake_ups(max_wait, max_age, window);
        assert!(
            woken <= bound,
            "{woken} wake-ups in {window:?}, more than {bound}, with fetch.max.wait.ms \
             {max_wait:?} and metadata.max.age.ms {max_age:?}: something wakes on a timer of \
             its own"
        );
    }
}
