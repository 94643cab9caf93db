//! `group-consume`: a member of a consumer group. Prints the records of the partitions the
//! group gives it on stdout, one line each as `consume` does (partition, offset, key and value,
//! separated by tabs; like `consume`'s, the line does not name the topic), and each change of
//! its partitions on stderr, one line each: `assigned`, `revoked` or `lost`, then the
//! partitions as `topic-partition` separated by commas.
//!
//! ```text
//! group-consume [--bootstrap host:port] [--command-config FILE] [--property k=v]...
//!               --group GROUP --topic TOPIC [--topic TOPIC]... [--count N]
//! ```
//!
//! The brokers come from `--bootstrap` or `FRANZL_BOOTSTRAP`; the group's settings
//! (`session.timeout.ms`, `partition.assignment.strategy`, `enable.auto.commit`, ...) are
//! `--property`s. With `--count N` it commits its positions and leaves the group after N
//! records; without, it runs until SIGINT (ctrl-c) or SIGTERM, and then commits (retrying for up
//! to `default.api.timeout.ms`; more signals meanwhile are ignored) and leaves the same way. A
//! member killed outright (SIGKILL) cannot leave: the group gives its partitions to the others
//! after `session.timeout.ms`, and they read again from its last commit. `RUST_LOG=info` shows
//! the member's generations (and whether it leads the group).

use std::io::Write;
use std::process::ExitCode;

use async_signal::{Signal, Signals};
use franzl::config::ConsumerConfig;
use franzl::consumer::{Consumer, TopicPartition};
use franzl::group::{GroupEvent, GroupEvents};
use franzl_examples::{common_args, run_main, write_record};
use futures_lite::StreamExt;
use futures_lite::future::or;

struct Args {
    properties: Vec<(String, String)>,
    topics: Vec<String>,
    count: Option<u64>,
}

fn parse_args() -> Result<Args, String> {
    let common = common_args(std::env::args().skip(1))?;
    let mut properties = common.properties;
    let (mut group, mut topics, mut count) = (None, Vec::new(), None);
    let mut args = common.rest.into_iter();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--group" => group = Some(value()?),
            "--topic" => topics.push(value()?),
            "--count" => count = Some(value()?.parse().map_err(|e| format!("--count: {e}"))?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if topics.is_empty() {
        return Err("--topic is needed (once per topic)".into());
    }
    properties.push(("group.id".into(), group.ok_or("--group is needed")?));
    Ok(Args {
        properties,
        topics,
        count,
    })
}

/// What the member waited for.
enum Woken {
    Signal,
    Event(Option<GroupEvent>),
    Record(Option<franzl::Result<franzl::consumer::ConsumerRecord>>),
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let config = ConsumerConfig::from_properties(args.properties)?;
    let mut signals = Signals::new([Signal::Int, Signal::Term])?;
    let mut consumer = Consumer::connect(config).await?;
    // Taken before subscribing, so the first assignment is seen.
    let events = consumer.group_events()?;
    consumer.subscribe(args.topics)?;
    let printed = print(&mut consumer, events, &mut signals, args.count).await;
    // Also after an error: the positions are those of the records printed.
    let committed = consumer.commit().await;
    consumer.close().await;
    printed?;
    committed?;
    Ok(())
}

/// Prints records and events until `count` records, a signal, or an error.
async fn print(
    consumer: &mut Consumer,
    events: GroupEvents,
    signals: &mut Signals,
    count: Option<u64>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut events = Some(events);
    let mut out = std::io::stdout().lock();
    let mut printed = 0u64;
    while count.is_none_or(|count| printed < count) {
        // Signals and events first: a steady flow of records must not hold a revocation back.
        let woken = or(
            async {
                signals.next().await;
                Woken::Signal
            },
            or(
                async { Woken::Event(next_event(&mut events).await) },
                async { Woken::Record(consumer.next().await) },
            ),
        )
        .await;
        match woken {
            Woken::Signal | Woken::Record(None) => break,
            Woken::Event(Some(event)) => report(&event),
            Woken::Event(None) => events = None,
            Woken::Record(Some(record)) => {
                write_record(&mut out, &record?)?;
                printed += 1;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// The next group event; never, once the stream has ended.
async fn next_event(events: &mut Option<GroupEvents>) -> Option<GroupEvent> {
    match events {
        Some(events) => events.next().await,
        None => std::future::pending().await,
    }
}

/// One line on stderr for a change of the member's partitions. A revocation is dropped after
/// it, letting the rebalance go on (auto commit has committed the partitions before it came).
fn report(event: &GroupEvent) {
    let list = |partitions: &[TopicPartition]| {
        let names: Vec<String> = partitions.iter().map(ToString::to_string).collect();
        names.join(",")
    };
    let line = match event {
        GroupEvent::Assigned(partitions) => format!("assigned {}", list(partitions)),
        GroupEvent::Revoked(revocation) => format!("revoked {}", list(revocation.partitions())),
        GroupEvent::Lost(partitions) => format!("lost {}", list(partitions)),
        other => format!("{other:?}"),
    };
    let _ = writeln!(std::io::stderr().lock(), "{}", line.trim_end());
}

fn main() -> ExitCode {
    run_main("group-consume", parse_args, run)
}
