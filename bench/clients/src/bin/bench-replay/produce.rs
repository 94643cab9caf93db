//! The `produce` and `roundtrip` modes: pre-encoded Produce requests sent as fast as the broker
//! answers.
//!
//! `produce` deals the batches round robin over the partitions and gives each partition leader
//! its own connection and thread; each keeps [`WINDOW`] requests in flight, and checks every
//! response's error codes before it counts the request's records as acknowledged. The clock
//! starts when every connection has sent its warm-up and stops when the last response came.
//! `roundtrip` sends one single-record request to partition 0 at a time.

use std::collections::VecDeque;
use std::sync::Barrier;
use std::time::Instant;

use franzl_bench_clients::cli::{Acks, Args};
use franzl_bench_clients::latency::Latencies;
use franzl_bench_clients::outcome::{AllocationCount, CountingAllocator, Outcome};
use franzl_bench_clients::payload::Values;
use franzl_core::conn::Response;
use franzl_core::messages::ApiKey;
use franzl_core::messages::produce::ProduceRequest;

use crate::cluster::{self, Layout};
use crate::encode::{BATCH_VALUE_BYTES, Encoder, Frame, codec};
use crate::link::Link;

/// Produce requests in flight per connection (the Java client's default).
const WINDOW: usize = 5;

/// Receive buffer of a producing connection: Produce responses are small.
const RX_LEN: usize = 1 << 20;

/// Connects to the bootstrap broker, reads the topic's layout, and makes the encoder (with a
/// producer id for an idempotent run).
fn prepare<'a>(args: &'a Args, values: &'a Values) -> Result<(Layout, Encoder<'a>), String> {
    if args.idempotent && args.acks != Acks::All {
        return Err("--idempotent needs --acks all".into());
    }
    let compression = codec(&args.compression)?;
    let mut link = Link::connect(&args.bootstrap, RX_LEN)?;
    let layout = cluster::layout(&mut link, &args.topic, args.partitions)?;
    let version = link
        .versions()
        .get(ApiKey::Produce)
        .ok_or("the broker does not take Produce")?
        // Replay names its topic; Produce v13 would address it by id.
        .min(franzl_core::messages::FIRST_VERSION_WITH_TOPIC_IDS - 1);
    let producer = match args.idempotent {
        true => Some(cluster::producer_id(&mut link)?),
        false => None,
    };
    let encoder = Encoder {
        topic: &args.topic,
        values,
        compression,
        acks: args.acks.value(),
        version,
        producer,
        sequences: vec![0; args.partitions as usize],
    };
    Ok((layout, encoder))
}

/// Checks one Produce response: exactly one partition, without error.
fn check(response: &Response<'_>) -> Result<(), String> {
    let answer = response
        .decode::<ProduceRequest<'_>>()
        .map_err(|error| format!("produce response: {error}"))?;
    let mut partitions = 0;
    for topic in answer.responses.iter() {
        for partition in topic.partition_responses.iter() {
            partitions += 1;
            let code = partition.error_code;
            if !code.is_ok() {
                return Err(format!("partition {}: {code}", partition.index));
            }
        }
    }
    match partitions {
        1 => Ok(()),
        other => Err(format!("a response for {other} partitions, not 1")),
    }
}

/// Waits for the oldest request in flight; returns its records.
fn settle(link: &mut Link, waiting: &mut VecDeque<(i32, u64)>) -> Result<u64, String> {
    let (id, records) = waiting.pop_front().ok_or("nothing in flight")?;
    let response = link.receive()?;
    if response.correlation_id != id {
        return Err(format!(
            "response {} while {id} was awaited",
            response.correlation_id
        ));
    }
    check(&response)?;
    Ok(records)
}

/// Sends `frames` with up to [`WINDOW`] in flight; returns the records acknowledged (sent, for
/// acks=0).
fn pipeline(link: &mut Link, frames: &mut [Frame], acks: Acks) -> Result<u64, String> {
    let expects_response = acks != Acks::None;
    let mut waiting = VecDeque::with_capacity(WINDOW);
    let mut acknowledged = 0;
    for frame in frames {
        if waiting.len() == WINDOW {
            acknowledged += settle(link, &mut waiting)?;
        }
        match link.send_body(frame.version, &frame.bytes, expects_response)? {
            Some(id) => waiting.push_back((id, frame.records)),
            None => acknowledged += frame.records,
        }
    }
    while !waiting.is_empty() {
        acknowledged += settle(link, &mut waiting)?;
    }
    Ok(acknowledged)
}

/// One leader's share: connect, send the warm-up, wait for every other leader at `start`, send
/// the timed frames. Reaches `start` even when it fails before, so no thread waits forever.
fn drive(
    address: &str,
    warmup: &mut [Frame],
    timed: &mut [Frame],
    acks: Acks,
    start: &Barrier,
) -> Result<u64, String> {
    let ready = Link::connect(address, RX_LEN).and_then(|mut link| {
        pipeline(&mut link, warmup, acks)?;
        Ok(link)
    });
    start.wait();
    pipeline(&mut ready?, timed, acks)
}

/// The frames of `frames` whose partitions `partitions` holds.
fn share(frames: &mut [Frame], partitions: &[i32]) -> Vec<Frame> {
    let mut mine = Vec::new();
    for frame in frames.iter_mut() {
        if partitions.contains(&frame.partition) {
            mine.push(Frame {
                bytes: std::mem::take(&mut frame.bytes),
                version: frame.version,
                partition: frame.partition,
                records: frame.records,
            });
        }
    }
    mine
}

/// The `produce` mode.
///
/// # Errors
/// When the topic cannot be found, a request cannot be encoded or sent, or a response has an
/// error or is missing.
pub(crate) fn throughput(
    args: &Args,
    allocator: &'static CountingAllocator,
) -> Result<Outcome, String> {
    let values = Values::new(args.size);
    let (layout, mut encoder) = prepare(args, &values)?;
    let per_batch = (BATCH_VALUE_BYTES / args.size.max(1)).max(1) as u64;
    let mut warmup = encoder.frames(args.partitions, 0, args.warmup, per_batch)?;
    let mut timed = encoder.frames(args.partitions, args.warmup, args.count, per_batch)?;
    let leaders = layout.by_leader();
    let start = Barrier::new(leaders.len() + 1);
    let mut shares: Vec<(String, Vec<Frame>, Vec<Frame>)> = leaders
        .into_iter()
        .map(|(address, partitions)| {
            let mine = (
                share(&mut warmup, &partitions),
                share(&mut timed, &partitions),
            );
            (address, mine.0, mine.1)
        })
        .collect();
    let (acknowledged, elapsed, allocations) = std::thread::scope(|scope| {
        let threads: Vec<_> = shares
            .iter_mut()
            .map(|(address, warmup, timed)| {
                let start = &start;
                scope.spawn(move || drive(address, warmup, timed, args.acks, start))
            })
            .collect();
        start.wait();
        let allocations = AllocationCount::start(allocator);
        let began = Instant::now();
        let mut acknowledged = 0;
        let mut failure = None;
        for thread in threads {
            match thread.join() {
                Ok(Ok(records)) => acknowledged += records,
                Ok(Err(error)) => failure = Some(error),
                Err(_) => failure = Some("a sending thread panicked".to_string()),
            }
        }
        let elapsed = began.elapsed();
        match failure {
            Some(error) => Err(error),
            None => Ok((acknowledged, elapsed, allocations.read())),
        }
    })?;
    if acknowledged != args.count {
        return Err(format!(
            "{acknowledged} records acknowledged of {}",
            args.count
        ));
    }
    Ok(Outcome {
        client: "replay",
        mode: "produce",
        records: acknowledged,
        bytes: acknowledged * args.size as u64,
        elapsed,
        warmup: args.warmup,
        allocations: Some(allocations),
        percentiles: None,
    })
}

/// The `roundtrip` mode: single-record requests to partition 0, one in flight.
///
/// # Errors
/// As [`throughput`]; acks=0 has no round trip to time.
pub(crate) fn roundtrip(
    args: &Args,
    allocator: &'static CountingAllocator,
) -> Result<Outcome, String> {
    if args.acks == Acks::None {
        return Err("a round trip needs acks 1 or all".into());
    }
    let values = Values::new(args.size);
    let (layout, mut encoder) = prepare(args, &values)?;
    let leader = layout.leaders.first().ok_or("no partition 0")?;
    let mut frames = Vec::with_capacity((args.warmup + args.count) as usize);
    for index in 0..args.warmup + args.count {
        frames.push(encoder.frame(0, index, 1)?);
    }
    let mut link = Link::connect(leader, RX_LEN)?;
    let (warmup, timed) = frames.split_at_mut(args.warmup as usize);
    let mut waiting = VecDeque::with_capacity(1);
    let mut once = |link: &mut Link, frame: &mut Frame| -> Result<(), String> {
        let id = link
            .send_body(frame.version, &frame.bytes, true)?
            .ok_or("no correlation id")?;
        waiting.push_back((id, 1));
        settle(link, &mut waiting).map(drop)
    };
    for frame in warmup {
        once(&mut link, frame)?;
    }
    let mut latencies = Latencies::with_capacity(timed.len());
    let allocations = AllocationCount::start(allocator);
    let began = Instant::now();
    for frame in timed {
        let sent = Instant::now();
        once(&mut link, frame)?;
        latencies.record(sent.elapsed());
    }
    let elapsed = began.elapsed();
    let allocations = allocations.read();
    Ok(Outcome {
        client: "replay",
        mode: "roundtrip",
        records: args.count,
        bytes: args.count * args.size as u64,
        elapsed,
        warmup: args.warmup,
        allocations: Some(allocations),
        percentiles: latencies.percentiles(),
    })
}
