//! Produces records from the command line.
//!
//! ```text
//! produce [--bootstrap host:port] [--command-config FILE] [--property k=v]... --topic TOPIC
//!         [--partition N] [--count N --size BYTES] [--compression none|gzip|snappy|lz4|zstd]
//!         [--acks 0|1|all]
//! ```
//! With `--count`, sends that many records of `--size` bytes (default 100) and prints the rate.
//! Without it, sends one record per line of standard input: `key<TAB>value`, or just a value.
//! The brokers come from `--bootstrap` or `FRANZL_BOOTSTRAP`; `RUST_LOG=debug` shows connects,
//! metadata and retries.

use std::collections::VecDeque;
use std::io::BufRead;
use std::process::ExitCode;
use std::time::Instant;

use franzl::config::ProducerConfig;
use franzl::producer::{Delivery, Producer, ProducerRecord};
use franzl_examples::{common_args, init_logging};

/// Deliveries awaited at most this far behind the newest send, to report errors early.
const PENDING: usize = 100_000;

#[derive(Debug, Default)]
struct Options {
    topic: String,
    partition: Option<i32>,
    count: Option<u64>,
    size: usize,
}

fn main() -> ExitCode {
    init_logging();
    match smol::block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("produce: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse(rest: Vec<String>, properties: &mut Vec<(String, String)>) -> Result<Options, String> {
    let mut options = Options {
        size: 100,
        ..Options::default()
    };
    let mut args = rest.into_iter();
    while let Some(option) = args.next() {
        let value = args.next().ok_or(format!("{option} needs a value"))?;
        let number = |what: &str| format!("{option}: {what}");
        match option.as_str() {
            "--topic" => options.topic = value,
            "--partition" => {
                options.partition = Some(value.parse().map_err(|_| number("a partition"))?)
            }
            "--count" => options.count = Some(value.parse().map_err(|_| number("a count"))?),
            "--size" => options.size = value.parse().map_err(|_| number("a size in bytes"))?,
            "--compression" => properties.push(("compression.type".into(), value)),
            "--acks" => properties.push(("acks".into(), value)),
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    if options.topic.is_empty() {
        return Err("name the topic with --topic".into());
    }
    Ok(options)
}

async fn run() -> Result<(), String> {
    let mut args = common_args(std::env::args().skip(1))?;
    let options = parse(std::mem::take(&mut args.rest), &mut args.properties)?;
    let config = ProducerConfig::from_properties(args.properties).map_err(|e| e.to_string())?;
    let producer = Producer::connect(config).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut pending = VecDeque::new();
    let mut sent: u64 = 0;
    let mut bytes: u64 = 0;
    let mut send = async |key: Option<&[u8]>, value: &[u8]| -> Result<(), String> {
        let mut record = ProducerRecord::new(&options.topic, value);
        record.key = key;
        record.partition = options.partition;
        pending.push_back(producer.send(record).await.map_err(|e| e.to_string())?);
        sent += 1;
        bytes += value.len() as u64;
        if pending.len() > PENDING {
            settle(pending.pop_front()).await?;
        }
        Ok(())
    };
    match options.count {
        Some(count) => {
            let value = vec![b'x'; options.size];
            for _ in 0..count {
                send(None, &value).await?;
            }
        }
        None => {
            for line in std::io::stdin().lock().lines() {
                let line = line.map_err(|e| format!("reading standard input: {e}"))?;
                match line.split_once('\t') {
                    Some((key, value)) => send(Some(key.as_bytes()), value.as_bytes()).await?,
                    None => send(None, line.as_bytes()).await?,
                }
            }
        }
    }
    producer.flush().await;
    while let Some(delivery) = pending.pop_front() {
        settle(Some(delivery)).await?;
    }
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    eprintln!(
        "{sent} records ({bytes} bytes of values) to {} in {elapsed:.2} s: {:.0} records/s, {:.1} MB/s",
        options.topic,
        sent as f64 / elapsed,
        bytes as f64 / elapsed / 1e6
    );
    producer.close().await;
    Ok(())
}

async fn settle(delivery: Option<Delivery>) -> Result<(), String> {
    match delivery {
        Some(delivery) => delivery.await.map(drop).map_err(|e| e.to_string()),
        None => Ok(()),
    }
}
