//! `consume`: prints the records of one partition, one line each: partition, offset, key and
//! value, separated by tabs (a null key or value prints as nothing).
//!
//! ```text
//! consume [--bootstrap host:port] [--command-config FILE] [--property k=v]...
//!         --topic TOPIC [--partition N] [--count N] [--from earliest|latest|OFFSET]
//! ```
//!
//! The brokers come from `--bootstrap` or `FRANZL_BOOTSTRAP`; `--partition` defaults to 0 and
//! `--from` to earliest. Without `--count` it runs until interrupted. `RUST_LOG=debug` shows
//! connects, metadata and fetch errors.

use std::io::Write;
use std::process::ExitCode;

use franzl::config::ConsumerConfig;
use franzl::consumer::{Consumer, SeekTo, TopicPartition};
use franzl_examples::{common_args, run_main, write_record};
use futures_lite::StreamExt;

struct Args {
    properties: Vec<(String, String)>,
    topic: String,
    partition: i32,
    count: Option<u64>,
    from: SeekTo,
}

fn parse_args() -> Result<Args, String> {
    let common = common_args(std::env::args().skip(1))?;
    let (mut topic, mut partition, mut count, mut from) = (None, 0, None, SeekTo::Earliest);
    let mut args = common.rest.into_iter();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
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
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        properties: common.properties,
        topic: topic.ok_or("--topic is needed")?,
        partition,
        count,
        from,
    })
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let config = ConsumerConfig::from_properties(args.properties)?;
    let mut consumer = Consumer::connect(config).await?;
    let partition = TopicPartition::new(&args.topic, args.partition);
    consumer.assign([partition.clone()]);
    consumer.seek(&partition, args.from)?;
    let mut out = std::io::stdout().lock();
    let mut printed = 0u64;
    while args.count.is_none_or(|count| printed < count) {
        let Some(record) = consumer.next().await else {
            break;
        };
        write_record(&mut out, &record?)?;
        printed += 1;
    }
    out.flush()?;
    consumer.close().await;
    Ok(())
}

fn main() -> ExitCode {
    run_main("consume", parse_args, run)
}
