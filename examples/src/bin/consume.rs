//! `consume`: prints the records of one partition, one line each: partition, offset, key and
//! value, separated by tabs (a null key or value prints as nothing).
//!
//! ```text
//! consume --bootstrap 127.0.0.1:9092 --topic orders [--partition 0] [--count 10]
//!         [--from earliest|latest|OFFSET]
//! ```
//!
//! `--bootstrap` defaults to the environment variable `FRANZL_BOOTSTRAP`; `--partition` to 0;
//! `--from` to earliest. Without `--count` it runs until interrupted.

use std::io::Write;
use std::process::ExitCode;

use franzl::config::ConsumerConfig;
use franzl::consumer::{Consumer, SeekTo, TopicPartition};
use futures_lite::StreamExt;

struct Args {
    bootstrap: String,
    topic: String,
    partition: i32,
    count: Option<u64>,
    from: SeekTo,
}

const USAGE: &str = "usage: consume --bootstrap HOST:PORT --topic TOPIC [--partition N] \
                     [--count N] [--from earliest|latest|OFFSET]";

fn parse_args() -> Result<Args, String> {
    let mut bootstrap = std::env::var("FRANZL_BOOTSTRAP").ok();
    let (mut topic, mut partition, mut count, mut from) = (None, 0, None, SeekTo::Earliest);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--bootstrap" => bootstrap = Some(value()?),
            "--topic" => topic = Some(value()?),
            "--partition" => {
                partition = value()?.parse().map_err(|e| format!("--partition: {e}"))?;
            }
            "--count" => count = Some(value()?.parse().map_err(|e| format!("--count: {e}"))?),
            "--from" => {
                from = match value()?.as_str() {
                    "earliest" => SeekTo::Earliest,
                    "latest" => SeekTo::Latest,
                    offset => SeekTo::Offset(offset.parse().map_err(|e| format!("--from: {e}"))?),
                };
            }
            "--help" | "-h" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(Args {
        bootstrap: bootstrap.ok_or(format!(
            "--bootstrap or FRANZL_BOOTSTRAP is needed\n{USAGE}"
        ))?,
        topic: topic.ok_or(format!("--topic is needed\n{USAGE}"))?,
        partition,
        count,
        from,
    })
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let config = ConsumerConfig::builder()
        .client(|client| client.bootstrap_servers([args.bootstrap.as_str()]))
        .build()?;
    let mut consumer = Consumer::new(config).await?;
    let partition = TopicPartition::new(&args.topic, args.partition);
    consumer.assign([partition.clone()]);
    consumer.seek(&partition, args.from)?;
    let mut out = std::io::stdout().lock();
    let mut printed = 0u64;
    while args.count.is_none_or(|count| printed < count) {
        let Some(record) = consumer.next().await else {
            break;
        };
        let record = record?;
        let text =
            |bytes: Option<&[u8]>| String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned();
        writeln!(
            out,
            "{}\t{}\t{}\t{}",
            record.partition(),
            record.offset(),
            text(record.key()),
            text(record.value())
        )?;
        printed += 1;
    }
    out.flush()?;
    consumer.close();
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match smol::block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("consume: {error}");
            ExitCode::FAILURE
        }
    }
}
