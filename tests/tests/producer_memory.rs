//! `buffer.memory` = 8 MiB while producing 1,000,000 records of 100 B: the process's peak
//! resident memory (VmHWM) grows by at most that bound plus a fixed overhead, and steady-state
//! producing allocates next to nothing per record (counted by the global allocator of this
//! test binary). One test in its own binary, so nothing else moves the figures. The peak is
//! measured from just after the producer connected (before the first record) to the end.

use std::alloc::System;
use std::time::Instant;

use franzl::producer::{Producer, ProducerRecord};
use franzl_tests::producer::{create_topic, kcat_read, producer_config};
use franzl_tests::{Profile, broker, unique_topic};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const BUFFER_MEMORY: usize = 8 * 1024 * 1024;
/// What the process may add beyond `buffer.memory`: the connection copies each Produce request
/// into its own frame buffer (up to 5 in flight of at most `max.request.size`, 1 MiB), plus
/// response buffers, thread stacks touched and allocator slack. Measured: about 2.3 MiB.
const OVERHEAD: usize = 6 * 1024 * 1024;
const RECORDS: usize = 1_000_000;
const WARM_UP: usize = 100_000;

fn status_kib(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

#[test]
fn memory_stays_within_buffer_memory_and_records_do_not_allocate() {
    let broker = broker(Profile::Plain);
    let topic = unique_topic("memory");
    create_topic(broker, &topic, 3, 1);
    // Large batches that linger, so the producer outruns the broker and fills the bound.
    let config = producer_config(broker, |b| {
        b.buffer_memory(BUFFER_MEMORY)
            .batch_size(512 * 1024)
            .linger(std::time::Duration::from_millis(100))
    });
    let value = [b'm'; 100];
    let (baseline_kib, peak_kib, allocations, elapsed) = smol::block_on(async {
        let producer = Producer::connect(config).await.unwrap();
        let baseline_kib = status_kib("VmHWM:");
        // Topic metadata, connections, the first batches: not steady state yet.
        for _ in 0..WARM_UP {
            drop(
                producer
                    .send(ProducerRecord::new(&topic, &value))
                    .await
                    .unwrap(),
            );
        }
        producer.flush().await;
        let started = Instant::now();
        let region = Region::new(GLOBAL);
        // Steady state: allocations are counted from here.
        for _ in WARM_UP..RECORDS {
            drop(
                producer
                    .send(ProducerRecord::new(&topic, &value))
                    .await
                    .unwrap(),
            );
        }
        producer.flush().await;
        let allocations = region.change().allocations;
        let peak_kib = status_kib("VmHWM:");
        (baseline_kib, peak_kib, allocations, started.elapsed())
    });
    let steady = RECORDS - WARM_UP;
    let growth = (peak_kib.saturating_sub(baseline_kib)) * 1024;
    let per_record = allocations as f64 / steady as f64;
    eprintln!(
        "{steady} records of 100 B in {elapsed:?}: peak RSS {peak_kib} KiB (baseline {baseline_kib} KiB, \
         growth {} KiB, bound {} KiB + overhead {} KiB); {allocations} allocations = {per_record:.4} per record",
        growth / 1024,
        BUFFER_MEMORY / 1024,
        OVERHEAD / 1024
    );
    assert!(
        growth <= BUFFER_MEMORY + OVERHEAD,
        "peak memory grew by {growth} bytes"
    );
    assert!(per_record < 0.1, "{per_record} allocations per record");
    assert_eq!(kcat_read(&broker.bootstrap(), &topic).len(), RECORDS);
}
