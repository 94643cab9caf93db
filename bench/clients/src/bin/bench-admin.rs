//! `bench-admin`: the benchmark's topic chores, through librdkafka's admin client, so that making and
//! checking a topic costs no JVM start.
//!
//! - `bench-admin create --bootstrap H:P --topic T --partitions P`: returns once the broker's
//!   metadata shows every partition with a leader, so no client starts on a topic its metadata
//!   request would call unknown
//! - `bench-admin delete --bootstrap H:P --topic T`
//! - `bench-admin records --bootstrap H:P --topic T --partitions P`: prints
//!   `{"records":N}`, the sum over partitions of high minus low watermark, as the broker tells it:
//!   the independent count that a producer's claim is checked against.
//! - `bench-admin committed --bootstrap H:P --topic T --partitions P`: the count of a topic written
//!   in transactions, where every commit marker takes an offset too. Waits until no transaction
//!   is open (the `read_committed` end equals the high watermark on every partition), reads every
//!   partition to its end at `read_committed`, and prints `{"records":N,"markers":M,
//!   "min_markers":A,"max_markers":B}`: the committed data records, and the offsets that hold no
//!   committed record (the commit markers, when nothing was aborted) summed over partitions and
//!   the fewest and most of one partition. A transaction leaves one marker on each partition it
//!   wrote, so `max_markers` is a lower bound on the transactions, exact when each wrote every
//!   partition.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures::executor::block_on;
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::{Message, Offset, TopicPartitionList};

const TIMEOUT: Duration = Duration::from_secs(30);

struct Request {
    command: String,
    bootstrap: String,
    topic: String,
    partitions: i32,
}

fn parse() -> Result<Request, String> {
    let mut args = std::env::args().skip(1);
    let command = args.next().ok_or(
        "usage: bench-admin create|delete|records|committed --bootstrap H:P --topic T [--partitions P]",
    )?;
    let mut request = Request {
        command,
        bootstrap: String::new(),
        topic: String::new(),
        partitions: 1,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--bootstrap" => request.bootstrap = value,
            "--topic" => request.topic = value,
            "--partitions" => {
                request.partitions = value
                    .parse()
                    .map_err(|_| format!("--partitions takes a number, not {value:?}"))?
            }
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    Ok(request)
}

fn admin(bootstrap: &str) -> Result<AdminClient<DefaultClientContext>, String> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .map_err(|error| format!("admin: {error}"))
}

fn create(request: &Request) -> Result<(), String> {
    let topic = NewTopic::new(
        &request.topic,
        request.partitions,
        TopicReplication::Fixed(1),
    );
    let options = AdminOptions::new().operation_timeout(Some(TIMEOUT));
    for result in block_on(admin(&request.bootstrap)?.create_topics([&topic], &options))
        .map_err(|error| error.to_string())?
    {
        result.map_err(|(topic, code)| format!("create {topic}: {code}"))?;
    }
    await_leaders(request)
}

/// Waits until the broker's metadata shows `request.partitions` partitions of the topic, each
/// with a leader.
fn await_leaders(request: &Request) -> Result<(), String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &request.bootstrap)
        .create()
        .map_err(|error| format!("consumer: {error}"))?;
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let metadata = consumer
            .fetch_metadata(Some(&request.topic), TIMEOUT)
            .map_err(|error| format!("metadata of {}: {error}", request.topic))?;
        let ready = metadata.topics().iter().any(|topic| {
            topic.name() == request.topic
                && topic.error().is_none()
                && topic.partitions().len() == request.partitions as usize
                && topic.partitions().iter().all(|p| p.leader() >= 0)
        });
        if ready {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{}: no leaders after 30 s", request.topic));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn delete(request: &Request) -> Result<(), String> {
    let options = AdminOptions::new().operation_timeout(Some(TIMEOUT));
    for result in block_on(admin(&request.bootstrap)?.delete_topics(&[&request.topic], &options))
        .map_err(|error| error.to_string())?
    {
        result.map_err(|(topic, code)| format!("delete {topic}: {code}"))?;
    }
    Ok(())
}

fn records(request: &Request) -> Result<i64, String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", &request.bootstrap)
        .create()
        .map_err(|error| format!("consumer: {error}"))?;
    let mut total = 0;
    for partition in 0..request.partitions {
        let (low, high) = consumer
            .fetch_watermarks(&request.topic, partition, TIMEOUT)
            .map_err(|error| format!("watermarks of partition {partition}: {error}"))?;
        total += high - low;
    }
    Ok(total)
}

/// A consumer at `isolation` that reports each partition's end.
fn reader(request: &Request, isolation: &str) -> Result<BaseConsumer, String> {
    ClientConfig::new()
        .set("bootstrap.servers", &request.bootstrap)
        .set("isolation.level", isolation)
        .set("enable.partition.eof", "true")
        .set("enable.auto.commit", "false")
        .set("group.id", "bench-admin")
        .create()
        .map_err(|error| format!("consumer: {error}"))
}

/// The committed count of a transactional topic (see the module's summary).
fn committed(request: &Request) -> Result<String, String> {
    let uncommitted = reader(request, "read_uncommitted")?;
    let committed = reader(request, "read_committed")?;
    let partitions = request.partitions;
    let deadline = Instant::now() + TIMEOUT;
    let mut spans = Vec::new();
    for partition in 0..partitions {
        let (low, high) = uncommitted
            .fetch_watermarks(&request.topic, partition, TIMEOUT)
            .map_err(|error| format!("watermarks of partition {partition}: {error}"))?;
        // The last transaction's markers are written after its commit returned: wait for them.
        loop {
            let (_, stable) = committed
                .fetch_watermarks(&request.topic, partition, TIMEOUT)
                .map_err(|error| format!("stable offset of partition {partition}: {error}"))?;
            if stable >= high {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "partition {partition}: a transaction still open after 30 s \
                     (stable offset {stable}, high watermark {high})"
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        spans.push(high - low);
    }
    let mut assignment = TopicPartitionList::new();
    for partition in 0..partitions {
        assignment
            .add_partition_offset(&request.topic, partition, Offset::Beginning)
            .map_err(|error| error.to_string())?;
    }
    committed
        .assign(&assignment)
        .map_err(|error| format!("assign: {error}"))?;
    let mut data = vec![0i64; partitions as usize];
    let mut ended = vec![false; partitions as usize];
    while ended.iter().any(|ended| !ended) {
        if Instant::now() > deadline {
            return Err(format!("not read to the end after 30 s: {data:?} records"));
        }
        match committed.poll(Duration::from_millis(100)) {
            None => {}
            Some(Ok(message)) => data[message.partition() as usize] += 1,
            Some(Err(KafkaError::PartitionEOF(partition))) => ended[partition as usize] = true,
            Some(Err(error)) => return Err(format!("read: {error}")),
        }
    }
    let markers: Vec<i64> = spans
        .iter()
        .zip(&data)
        .map(|(span, data)| span - data)
        .collect();
    Ok(format!(
        "{{\"records\":{},\"markers\":{},\"min_markers\":{},\"max_markers\":{}}}",
        data.iter().sum::<i64>(),
        markers.iter().sum::<i64>(),
        markers.iter().min().unwrap_or(&0),
        markers.iter().max().unwrap_or(&0)
    ))
}

fn main() -> ExitCode {
    let result = parse().and_then(|request| match request.command.as_str() {
        "create" => create(&request),
        "delete" => delete(&request),
        "records" => records(&request).map(|total| println!("{{\"records\":{total}}}")),
        "committed" => committed(&request).map(|line| println!("{line}")),
        other => Err(format!("unknown command {other:?}")),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench-admin: {message}");
            ExitCode::FAILURE
        }
    }
}
