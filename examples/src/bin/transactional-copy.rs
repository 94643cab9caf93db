//! `transactional-copy`: exactly-once consume-transform-produce. A member of a consumer group
//! reads its partitions of one topic with `read_committed`, upper-cases each value, produces
//! the result (same key) to another topic, and commits the input offsets in the same
//! transaction: downstream `read_committed` readers see each input record exactly once, also
//! when a copier dies mid-transaction or the group rebalances.
//!
//! ```text
//! transactional-copy [--bootstrap host:port] [--command-config FILE] [--property k=v]...
//!                    [--consumer-property k=v]... [--producer-property k=v]...
//!                    --group GROUP --from IN --to OUT [--count N] [--abort-every N]
//!                    [--transactional-id ID]
//! ```
//!
//! One transaction per poll that returned records. With `--count N` it stops once N input
//! records are committed; without, at SIGINT or SIGTERM (between transactions). With
//! `--abort-every N` every Nth transaction is aborted on purpose: its input is read again
//! and copied in a later transaction, so nothing aborted is seen downstream and nothing is
//! lost. A transaction the client must abort (it fell out of the group, a send failed) is
//! aborted and its input read again the same way; a fatal error (another copier with the same
//! transactional id fenced this one) ends the program with status 1.
//!
//! `--property` goes to both clients, `--consumer-property` and `--producer-property` to one.
//! The copier sets `isolation.level=read_committed` and `enable.auto.commit=false` and refuses
//! other values for them. Without `--transactional-id` the id is made from the group, the
//! process id and the time; a copier restarted with its old id fences what is left of the old
//! one at once, rather than when its transaction times out.
//!
//! Stdout gets one line at the end: `committed R records in T transactions, aborted A`.
//! `RUST_LOG=info` shows each transaction.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_signal::{Signal, Signals};
use franzl::config::ConsumerConfig;
use franzl::consumer::{Consumer, ConsumerRecord, SeekTo, TopicPartition};
use franzl::group::OffsetAndMetadata;
use franzl::{Producer, ProducerConfig, ProducerRecord, TransactionErrorClass};
use franzl_examples::{common_args, run_main};
use futures_lite::StreamExt;
use futures_lite::future::or;

/// How long one poll waits for records.
const POLL: Duration = Duration::from_millis(500);

struct Args {
    consumer: Vec<(String, String)>,
    producer: Vec<(String, String)>,
    from: String,
    to: String,
    count: Option<u64>,
    abort_every: Option<u64>,
}

/// Settings the copier needs, and the one value it accepts for each.
const CONSUMER_FIXED: [(&str, &str); 2] = [
    ("isolation.level", "read_committed"),
    ("enable.auto.commit", "false"),
];

fn parse_args() -> Result<Args, String> {
    let common = common_args(std::env::args().skip(1))?;
    let (mut consumer, mut producer) = (common.properties.clone(), common.properties);
    let (mut group, mut from, mut to, mut id) = (None, None, None, None);
    let (mut count, mut abort_every) = (None, None);
    let mut args = common.rest.into_iter();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let number = |text: String| {
            text.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!("{flag} wants a positive number, not {text:?}"))
        };
        match flag.as_str() {
            "--group" => group = Some(value()?),
            "--from" => from = Some(value()?),
            "--to" => to = Some(value()?),
            "--transactional-id" => id = Some(value()?),
            "--count" => count = Some(number(value()?)?),
            "--abort-every" => abort_every = Some(number(value()?)?),
            "--consumer-property" => consumer.push(pair(&value()?)?),
            "--producer-property" => producer.push(pair(&value()?)?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let group = group.ok_or("--group is needed")?;
    for (key, wanted) in CONSUMER_FIXED {
        if let Some((_, given)) = consumer.iter().find(|(k, v)| k == key && v != wanted) {
            return Err(format!(
                "{key}={given}: transactional-copy runs with {key}={wanted}"
            ));
        }
        consumer.push((key.into(), wanted.into()));
    }
    if !consumer.iter().any(|(k, _)| k == "auto.offset.reset") {
        consumer.push(("auto.offset.reset".into(), "earliest".into()));
    }
    let id = id.unwrap_or_else(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |t| t.as_nanos());
        format!(
            "transactional-copy-{group}-{}-{nanos:x}",
            std::process::id()
        )
    });
    consumer.push(("group.id".into(), group));
    producer.push(("transactional.id".into(), id));
    Ok(Args {
        consumer,
        producer,
        from: from.ok_or("--from is needed")?,
        to: to.ok_or("--to is needed")?,
        count,
        abort_every,
    })
}

fn pair(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("a property is key=value, not {text:?}"))
}

/// What the copier has done.
#[derive(Default)]
struct Tally {
    records: u64,
    committed: u64,
    aborted: u64,
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut signals = Signals::new([Signal::Int, Signal::Term])?;
    let mut consumer =
        Consumer::connect(ConsumerConfig::from_properties(args.consumer.clone())?).await?;
    let producer =
        Producer::connect(ProducerConfig::from_properties(args.producer.clone())?).await?;
    producer.init_transactions().await?;
    consumer.subscribe([args.from.clone()])?;
    let mut tally = Tally::default();
    let copied = copy(&mut consumer, &producer, &args, &mut signals, &mut tally).await;
    // A fatal error leaves nothing to abort; else nothing is open here.
    producer.close().await;
    consumer.close().await;
    writeln!(
        std::io::stdout().lock(),
        "committed {} records in {} transactions, aborted {}",
        tally.records,
        tally.committed,
        tally.aborted
    )?;
    copied
}

/// Copies one transaction per poll until the count is reached, a signal, or a fatal error.
async fn copy(
    consumer: &mut Consumer,
    producer: &Producer,
    args: &Args,
    signals: &mut Signals,
    tally: &mut Tally,
) -> Result<(), Box<dyn std::error::Error>> {
    while args.count.is_none_or(|count| tally.records < count) {
        let polled = or(async { Some(consumer.poll(POLL).await) }, async {
            signals.next().await;
            None
        })
        .await;
        let Some(records) = polled else { break };
        let mut records = records?;
        if records.is_empty() {
            continue;
        }
        let mut offsets = consumer.positions_to_commit();
        if let Some(count) = args.count {
            let left = usize::try_from(count - tally.records).unwrap_or(usize::MAX);
            if records.len() > left {
                records.truncate(left);
                offsets = next_offsets(&records);
            }
        }
        let transaction = tally.committed + tally.aborted + 1;
        let abort = args
            .abort_every
            .is_some_and(|n| transaction.is_multiple_of(n));
        match transact(consumer, producer, &args.to, &records, &offsets, abort).await {
            Ok(()) if !abort => {
                tally.committed += 1;
                tally.records += records.len() as u64;
                log::info!(
                    "transaction {transaction}: committed {} records",
                    records.len()
                );
                continue;
            }
            Ok(()) => log::info!("transaction {transaction}: aborted on purpose"),
            Err(error) if error.transaction_class() == Some(TransactionErrorClass::Abortable) => {
                log::warn!("transaction {transaction}: {error}; aborting");
                producer.abort_transaction().await?;
            }
            Err(error) => return Err(error.into()),
        }
        tally.aborted += 1;
        rewind(consumer, &records);
    }
    Ok(())
}

/// One transaction: the records' copies and the input offsets, committed (or, when `abort`,
/// aborted).
async fn transact(
    consumer: &Consumer,
    producer: &Producer,
    to: &str,
    records: &[ConsumerRecord],
    offsets: &[(TopicPartition, OffsetAndMetadata)],
    abort: bool,
) -> franzl::Result<()> {
    producer.begin_transaction()?;
    for record in records {
        let value = record.value().map(<[u8]>::to_ascii_uppercase);
        let mut copy = ProducerRecord::new(to, value.as_deref().unwrap_or_default());
        if let Some(key) = record.key() {
            copy = copy.key(key);
        }
        // Deliveries are settled by the commit: a failed one fails it.
        drop(producer.send(copy).await?);
    }
    producer
        .send_offsets_to_transaction(offsets, &consumer.group_metadata()?)
        .await?;
    if abort {
        producer.abort_transaction().await
    } else {
        producer.commit_transaction().await
    }
}

/// The offset after the last of `records` in each partition.
fn next_offsets(records: &[ConsumerRecord]) -> Vec<(TopicPartition, OffsetAndMetadata)> {
    let mut next = BTreeMap::new();
    for record in records {
        let tp = TopicPartition::new(record.topic(), record.partition());
        next.insert(tp, record.offset() + 1);
    }
    next.into_iter()
        .map(|(tp, offset)| (tp, OffsetAndMetadata::new(offset)))
        .collect()
}

/// Moves each partition of an aborted transaction back to its first record there, so the
/// records are copied again; a partition the group has taken away meanwhile is left to its new
/// owner, which starts from the last committed offset.
fn rewind(consumer: &Consumer, records: &[ConsumerRecord]) {
    let mut first = BTreeMap::new();
    for record in records {
        let tp = TopicPartition::new(record.topic(), record.partition());
        first.entry(tp).or_insert(record.offset());
    }
    for (tp, offset) in first {
        if consumer.seek(&tp, SeekTo::Offset(offset)).is_err() {
            log::info!("{tp} is no longer assigned here");
        }
    }
}

fn main() -> ExitCode {
    run_main("transactional-copy", parse_args, run)
}
