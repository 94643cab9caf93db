//! `transactional-copy`: exactly-once consume-transform-produce. A member of a consumer group
//! reads its partitions of one topic with `read_committed`, upper-cases each value, produces
//! the result (same key) to another topic, and commits the input offsets in the same
//! transaction: downstream `read_committed` readers see each input record exactly once, also
//! when a copier dies mid-transaction or the group rebalances.
//!
//! ```text
//! transactional-copy [--bootstrap host:port] [--command-config FILE] [--property k=v]...
//!                    [--consumer-property k=v]... [--producer-property k=v]...
//!                    --group GROUP --from IN --to OUT [--count N]
//!                    [--abort-every N | --abort-randomly N] [--transactional-id ID]
//! ```
//!
//! One transaction per poll that returned records. With `--count N` it stops once N input
//! records are committed; without, at SIGINT or SIGTERM (between transactions). With
//! `--abort-every N` every Nth transaction is aborted on purpose (with `--abort-randomly N`,
//! each transaction with a chance of 1 in N): its input is read again
//! and copied in a later transaction, so nothing aborted is seen downstream and nothing is
//! lost. A transaction the client must abort (it fell out of the group, a send failed) is
//! aborted and its input read again the same way. After a fatal error the producer is replaced
//! by a new one with the same transactional id, and the input is read again from the committed
//! offsets; but when another copier with the same transactional id has fenced this one, the
//! program ends with status 1.
//!
//! `--property` goes to both clients, `--consumer-property` and `--producer-property` to one.
//! The copier sets `isolation.level=read_committed` and `enable.auto.commit=false` and refuses
//! other values for them. Without `--transactional-id` the id is made from the group, the
//! process id and the time; a copier restarted with its old id fences what is left of the old
//! one at once, rather than when its transaction times out.
//!
//! Each copy carries a header `copied-from`: `topic/partition/offset` of its input record, so a
//! reader can check that no input record was copied (and its offset committed) twice; and
//! `copied-by`: the transactional id and the number of the transaction, `id#n`.
//!
//! Stdout gets one line at the end: `committed R records in T transactions, aborted A`.
//! `RUST_LOG=info` shows each transaction.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_signal::{Signal, Signals};
use franzl::config::ConsumerConfig;
use franzl::consumer::{Consumer, ConsumerRecord, SeekTo, TopicPartition, offsets_after};
use franzl::core::ErrorCode;
use franzl::group::{GroupEvent, GroupEvents, OffsetAndMetadata};
use franzl::producer::Header;
use franzl::{Producer, ProducerConfig, ProducerRecord, TransactionErrorClass};
use franzl_examples::{common_args, run_main};
use futures_lite::StreamExt;
use futures_lite::future::or;

/// The header each copy carries: `topic/partition/offset` of the record it copies.
const COPIED_FROM: &str = "copied-from";
/// The header naming the copier and its transaction: `transactional-id#n`.
const COPIED_BY: &str = "copied-by";

/// How long one poll waits for records.
const POLL: Duration = Duration::from_millis(500);

struct Args {
    consumer: Vec<(String, String)>,
    producer: Vec<(String, String)>,
    from: String,
    to: String,
    count: Option<u64>,
    abort: Option<Aborts>,
    /// The transactional id.
    id: String,
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
    let (mut count, mut abort) = (None, None);
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
            "--abort-every" => abort = Some(Aborts::Every(number(value()?)?)),
            "--abort-randomly" => abort = Some(Aborts::Randomly(number(value()?)?)),
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
    producer.push(("transactional.id".into(), id.clone()));
    Ok(Args {
        consumer,
        producer,
        from: from.ok_or("--from is needed")?,
        to: to.ok_or("--to is needed")?,
        count,
        abort,
        id,
    })
}

/// Which transactions are aborted on purpose.
#[derive(Clone, Copy)]
enum Aborts {
    /// Every Nth.
    Every(u64),
    /// Each with a chance of 1 in N.
    Randomly(u64),
}

/// A small pseudo-random sequence (xorshift64*), seeded from the time and the process id:
/// enough to choose which transactions to abort.
struct Random(u64);

impl Random {
    fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |t| t.as_nanos());
        let seed = (nanos as u64) ^ (u64::from(std::process::id()) << 32);
        Self(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
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
    let mut producer = transactional_producer(&args.producer).await?;
    // Taken before subscribing, so no rebalance goes on without the copier's word.
    let mut events = consumer.group_events()?;
    consumer.subscribe([args.from.clone()])?;
    let mut tally = Tally::default();
    let mut wake = Wake {
        signals: &mut signals,
        events: &mut events,
    };
    let copied = copy(&mut consumer, &mut producer, &args, &mut wake, &mut tally).await;
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

/// A producer with `properties`, its transactions initialized (fencing any earlier producer
/// with its transactional id, and ending that one's open transaction).
async fn transactional_producer(properties: &[(String, String)]) -> franzl::Result<Producer> {
    let producer = Producer::connect(ProducerConfig::from_properties(properties.to_vec())?).await?;
    producer.init_transactions().await?;
    Ok(producer)
}

/// What the copier waits on besides records.
struct Wake<'a> {
    signals: &'a mut Signals,
    events: &'a mut GroupEvents,
}

/// What ended a wait for records.
enum Woken {
    Records(franzl::Result<Vec<ConsumerRecord>>),
    Event(GroupEvent),
    Stop,
}

/// Copies one transaction per poll until the count is reached, a signal, or a fatal error.
///
/// Group events are only taken while waiting for records, between transactions: a revocation
/// is let go there, so the group never rebalances while a transaction holds records (and
/// offsets) of a partition it is giving away.
async fn copy(
    consumer: &mut Consumer,
    producer: &mut Producer,
    args: &Args,
    wake: &mut Wake<'_>,
    tally: &mut Tally,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut random = Random::new();
    while args.count.is_none_or(|count| tally.records < count) {
        let woken = or(
            async {
                wake.signals.next().await;
                Woken::Stop
            },
            or(
                async { wake.events.next().await.map_or(Woken::Stop, Woken::Event) },
                async { Woken::Records(consumer.poll(POLL).await) },
            ),
        )
        .await;
        let mut records = match woken {
            Woken::Stop => break,
            Woken::Event(event) => {
                // A revocation is let go when dropped, here.
                log::info!("{event:?}");
                continue;
            }
            Woken::Records(records) => records?,
        };
        if records.is_empty() {
            continue;
        }
        if let Some(count) = args.count {
            records.truncate(usize::try_from(count - tally.records).unwrap_or(usize::MAX));
        }
        // The offsets of exactly the records copied: every partition they came from, after its
        // last one. (The consumer's positions could leave out a partition the group took away
        // meanwhile, or hold one the group gave back with a position from before.)
        let offsets = offsets_after(&records);
        let transaction = tally.committed + tally.aborted + 1;
        let abort = match args.abort {
            None => false,
            Some(Aborts::Every(n)) => transaction.is_multiple_of(n),
            Some(Aborts::Randomly(n)) => random.next().is_multiple_of(n),
        };
        let by = format!("{}#{transaction}", args.id);
        match transact(
            consumer,
            producer,
            (&args.to, &by),
            &records,
            &offsets,
            abort,
        )
        .await
        {
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
            Err(error) => match error.transaction_class() {
                Some(TransactionErrorClass::Abortable) => {
                    log::warn!("transaction {transaction}: {error}; aborting");
                    producer.abort_transaction().await?;
                }
                // Fenced: another copier has this transactional id; this one is a zombie.
                Some(TransactionErrorClass::Fatal)
                    if error.kafka_code() != Some(ErrorCode::PRODUCER_FENCED) =>
                {
                    log::warn!("transaction {transaction}: {error}; a new producer takes over");
                    let old =
                        std::mem::replace(producer, transactional_producer(&args.producer).await?);
                    old.close().await;
                }
                _ => return Err(error.into()),
            },
        }
        tally.aborted += 1;
        rewind(consumer).await?;
    }
    Ok(())
}

/// One transaction: the records' copies (to topic `to`, marked as copied `by`) and the input
/// offsets, committed (or, when `abort`, aborted).
async fn transact(
    consumer: &Consumer,
    producer: &Producer,
    (to, by): (&str, &str),
    records: &[ConsumerRecord],
    offsets: &[(TopicPartition, OffsetAndMetadata)],
    abort: bool,
) -> franzl::Result<()> {
    producer.begin_transaction()?;
    for record in records {
        let value = record.value().map(<[u8]>::to_ascii_uppercase);
        let origin = format!(
            "{}/{}/{}",
            record.topic(),
            record.partition(),
            record.offset()
        );
        let headers = [
            Header {
                key: COPIED_FROM,
                value: Some(origin.as_bytes()),
            },
            Header {
                key: COPIED_BY,
                value: Some(by.as_bytes()),
            },
        ];
        let mut copy =
            ProducerRecord::new(to, value.as_deref().unwrap_or_default()).headers(&headers);
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

/// Moves every partition back to its committed offset after a transaction that did not
/// commit, so its records are copied again. The committed offsets are the stable ones: when
/// the outcome of the last commit was unknown (its answer lost), they say what it was. A
/// partition with nothing committed goes back to its beginning.
async fn rewind(consumer: &Consumer) -> franzl::Result<()> {
    let assigned = consumer.assignment();
    let committed = consumer.committed(&assigned).await?;
    for (tp, offset) in assigned.iter().zip(committed) {
        let to = offset.map_or(SeekTo::Earliest, |committed| {
            SeekTo::Offset(committed.offset)
        });
        if let Err(error) = consumer.seek(tp, to) {
            log::info!("{tp}: {error}");
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    run_main("transactional-copy", parse_args, run)
}
