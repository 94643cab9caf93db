//! The `transactional-produce` mode through franzl's transactional `Producer`: `init_transactions`
//! once, then transactions of `--transaction-records` records each (begin, send them round robin
//! over the partitions, commit), one after the other; every delivery is checked after its commit.
//!
//! The warm-up is whole transactions too, and `init_transactions` happens before it, so the clock
//! covers transactions only: from the first `begin_transaction` to the last commit's return.

use std::time::Instant;

use franzl::producer::{Delivery, Producer, ProducerRecord};
use franzl_bench_clients::cli::Args;
use franzl_bench_clients::outcome::{AllocationCount, CountingAllocator, Outcome};
use franzl_bench_clients::payload::Values;

use crate::produce::{producer, settle};

/// Runs the transactions of records `first..first + count` (a whole number of them).
async fn transactions(
    producer: &Producer,
    args: &Args,
    values: &Values,
    deliveries: &mut Vec<(u64, Delivery)>,
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
            let record = ProducerRecord::new(&args.topic, values.get(index))
                .partition((index % partitions) as i32);
            let delivery = producer
                .send(record)
                .await
                .map_err(|error| format!("send {index}: {error}"))?;
            deliveries.push((index, delivery));
        }
        producer
            .commit_transaction()
            .await
            .map_err(|error| format!("commit_transaction after record {start}: {error}"))?;
        for (index, delivery) in deliveries.drain(..) {
            settle(delivery, index).await?;
        }
    }
    Ok(())
}

/// The `transactional-produce` mode: `init_transactions`, the warm-up's transactions, then the
/// timed ones.
///
/// # Errors
/// When the producer cannot be made or initialized, or a send, a record or a commit fails.
pub(crate) async fn run(
    args: &Args,
    allocator: &'static CountingAllocator,
) -> Result<Outcome, String> {
    args.transactional_id()?;
    let producer = producer(args, args.linger).await?;
    producer
        .init_transactions()
        .await
        .map_err(|error| format!("init_transactions: {error}"))?;
    let values = Values::new(args.size);
    let mut deliveries = Vec::with_capacity(args.transaction_records as usize);
    transactions(&producer, args, &values, &mut deliveries, 0, args.warmup).await?;
    let allocations = AllocationCount::start(allocator);
    let start = Instant::now();
    transactions(
        &producer,
        args,
        &values,
        &mut deliveries,
        args.warmup,
        args.count,
    )
    .await?;
    let elapsed = start.elapsed();
    let allocations = allocations.read();
    producer.close().await;
    Ok(Outcome {
        client: "franzl",
        mode: "transactional-produce",
        records: args.count,
        bytes: args.count * args.size as u64,
        elapsed,
        warmup: args.warmup,
        allocations: Some(allocations),
        percentiles: None,
    })
}
