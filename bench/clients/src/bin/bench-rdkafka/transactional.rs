//! The `transactional-produce` mode through librdkafka's transactional producer: `transactional.id`
//! set, `init_transactions` once, then transactions of `--transaction-records` records each
//! (begin, send them round robin over the partitions, commit), one after the other; every
//! delivery report is counted and checked after each commit.
//!
//! The producer is a `ThreadedProducer`, whose own thread serves the delivery reports as they
//! come, and the commit calls `rd_kafka_commit_transaction` directly: the `rdkafka` crate's
//! `commit_transaction` first runs its own flush loop, which polls in 100 ms slices that always
//! run to their end, so every commit would wait 100 ms more than librdkafka makes it; librdkafka's
//! own commit flushes (sending the open batches at once, whatever `linger.ms`) and waits for the
//! delivery reports, which the producer's thread serves.

use std::ffi::CStr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use franzl_bench_clients::cli::Args;
use franzl_bench_clients::outcome::Outcome;
use franzl_bench_clients::payload::Values;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};

use crate::produce::{DeliveryCount, config};

type TransactionalProducer = ThreadedProducer<DeliveryCount>;

/// How long one transactional call may take before the run fails.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Commits the open transaction with librdkafka's own call.
///
/// # Errors
/// librdkafka's message when the commit failed.
#[allow(unsafe_code)]
fn commit(producer: &TransactionalProducer) -> Result<(), String> {
    let handle = producer.client().native_ptr();
    // SAFETY: `handle` is the live librdkafka handle `producer` owns, borrowed for this call
    // (librdkafka's transactional calls are thread-safe); the error object it returns, if any, is
    // owned by the caller: read here while alive, then destroyed once.
    unsafe {
        let error =
            rdkafka::bindings::rd_kafka_commit_transaction(handle, TIMEOUT.as_millis() as i32);
        if error.is_null() {
            return Ok(());
        }
        let message = CStr::from_ptr(rdkafka::bindings::rd_kafka_error_string(error))
            .to_string_lossy()
            .into_owned();
        rdkafka::bindings::rd_kafka_error_destroy(error);
        Err(message)
    }
}

/// Runs the transactions of records `first..first + count` (a whole number of them), each
/// delivery counted before its transaction's commit returns.
fn transactions(
    producer: &TransactionalProducer,
    args: &Args,
    values: &Values,
    first: u64,
    count: u64,
) -> Result<(), String> {
    let per = args.transaction_records;
    let partitions = args.partitions as u64;
    for start in (first..first + count).step_by(per as usize) {
        producer
            .begin_transaction()
            .map_err(|error| format!("begin_transaction: {error}"))?;
        for index in start..start + per {
            let mut record = BaseRecord::<(), [u8]>::to(&args.topic)
                .payload(values.get(index))
                .partition((index % partitions) as i32);
            loop {
                match producer.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        record = back;
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    Err((error, _)) => return Err(format!("send {index}: {error}")),
                }
            }
        }
        commit(producer).map_err(|error| format!("commit after record {start}: {error}"))?;
        let context = producer.context();
        let (acked, failed) = (
            context.acked.load(Ordering::Acquire),
            context.failed.load(Ordering::Acquire),
        );
        if failed > 0 || acked != start + per {
            return Err(format!(
                "after the commit of records up to {}: {acked} acknowledged, {failed} failed",
                start + per
            ));
        }
    }
    Ok(())
}

/// The `transactional-produce` mode: `init_transactions`, the warm-up's transactions, then the
/// timed ones.
///
/// # Errors
/// When the producer cannot be made or initialized, or a send, a record or a commit fails.
pub(crate) fn run(args: &Args) -> Result<Outcome, String> {
    let mut config = config(args, args.linger);
    config.set("transactional.id", args.transactional_id()?);
    let producer: TransactionalProducer = config
        .create_with_context(DeliveryCount::default())
        .map_err(|error| format!("producer: {error}"))?;
    producer
        .init_transactions(TIMEOUT)
        .map_err(|error| format!("init_transactions: {error}"))?;
    let values = Values::new(args.size);
    transactions(&producer, args, &values, 0, args.warmup)?;
    let start = Instant::now();
    transactions(&producer, args, &values, args.warmup, args.count)?;
    let elapsed = start.elapsed();
    Ok(Outcome {
        client: "rdkafka",
        mode: "transactional-produce",
        records: args.count,
        bytes: args.count * args.size as u64,
        elapsed,
        warmup: args.warmup,
        allocations: None,
        percentiles: None,
    })
}
