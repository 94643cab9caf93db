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

use std::process::ExitCode;
use std::time::{Duration, Instant};

use futures::executor::block_on;
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};

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
        "usage: bench-admin create|delete|records --bootstrap H:P --topic T [--partitions P]",
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

fn main() -> ExitCode {
    let result = parse().and_then(|request| match request.command.as_str() {
        "create" => create(&request),
        "delete" => delete(&request),
        "records" => records(&request).map(|total| println!("{{\"records\":{total}}}")),
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
