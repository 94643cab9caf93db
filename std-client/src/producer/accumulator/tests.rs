//! The accumulator driven by hand: lingering, full batches, retries in sequence order, out of
//! order answers with and without an earlier failure, epoch bumps, expiry, the memory bound.

use super::*;

fn settings() -> Settings {
    Settings {
        batch_size: 200,
        first_batch_size: 200,
        linger: Duration::from_millis(50),
        compression: Compression::None,
        max_request_size: 1 << 20,
        delivery_timeout: Duration::from_secs(60),
        retry_backoff: Duration::from_millis(10),
        retry_backoff_max: Duration::from_millis(35),
        retries: 10,
        max_in_flight_per_partition: 5,
    }
}

/// `record` as `send` hands it on, at timestamp 0.
fn item<'r, 'a>(record: &'r ProducerRecord<'a>) -> Appending<'r, 'a> {
    Appending {
        record,
        size: ProducerBatch::size_for_one(record),
        timestamp: 0,
    }
}

fn append(acc: &Accumulator, record: &ProducerRecord<'_>) -> Delivery {
    match acc
        .append(&item(record), 2, record.partition, &|_| true, &mut None)
        .unwrap()
    {
        Append::Appended(delivery) => delivery,
        Append::NeedBuffer(size) => panic!("needs {size}"),
    }
}

const STAMP: Stamp = Stamp {
    producer_id: 5,
    producer_epoch: 0,
    base_sequence: -1,
    transactional: false,
};

/// Batches drained for one broker.
#[derive(Debug)]
struct Drained {
    node: i32,
    batches: Vec<(Arc<str>, ProducerBatch)>,
}

/// Drains as the links of brokers 1 to 8 do (partition `p` is led by broker `p + 1`), then
/// seals what was not sent before, with its stamp.
fn drain(acc: &Accumulator, now: Instant) -> Vec<Drained> {
    let mut out = Vec::new();
    for node in 1..=8 {
        let mut missing = Vec::new();
        let mut batches = Vec::new();
        let bump = acc.drain(
            now,
            &mut |_, p| Some(p + 1),
            node,
            Drain::New(Some(STAMP)),
            &mut missing,
            &mut batches,
        );
        assert!(!bump);
        assert!(missing.is_empty());
        for (_, batch) in &mut batches {
            if !batch.is_sealed() {
                let stamp = batch.stamp;
                batch
                    .seal(Compression::None, stamp, &mut Vec::new())
                    .unwrap();
            }
        }
        if !batches.is_empty() {
            out.push(Drained { node, batches });
        }
    }
    out
}

#[test]
fn batches_linger_then_go_to_their_leader_with_sequences() {
    let acc = Accumulator::new(settings(), 1000);
    let record = ProducerRecord::new("t", &[7; 50]).partition(1);
    let first = append(&acc, &record);
    let second = append(&acc, &record);
    let now = Instant::now();
    assert!(drain(&acc, now).is_empty(), "still lingering");
    let drained = drain(&acc, now + Duration::from_millis(60));
    assert_eq!(drained.len(), 1);
    assert_eq!(drained[0].node, 2);
    let (topic, batch) = drained.into_iter().next().unwrap().batches.pop().unwrap();
    assert_eq!((batch.stamp.producer_id, batch.stamp.base_sequence), (5, 0));
    assert_eq!(batch.record_count(), 2);
    let verdict = Verdict::Written {
        base_offset: 10,
        log_append_time: -1,
    };
    assert!(!acc.complete(&topic, batch, verdict, now, &mut Vec::new()));
    assert_eq!(smol::block_on(first).unwrap().offset, 10);
    assert_eq!(smol::block_on(second).unwrap().offset, 11);
    assert!(acc.flushed(u64::MAX));
}

#[test]
fn a_full_batch_is_ready_and_the_retry_keeps_its_sequence() {
    let acc = Accumulator::new(settings(), 1000);
    let record = ProducerRecord::new("t", &[7; 50]).partition(0);
    let deliveries: Vec<Delivery> = (0..5).map(|_| append(&acc, &record)).collect();
    let now = Instant::now();
    // Two records fill a 200-byte batch: full batches are ready at once, one at a time.
    let mut drained = drain(&acc, now);
    let (topic, batch) = drained.pop().unwrap().batches.pop().unwrap();
    assert_eq!(batch.record_count(), 2);
    let retry = Verdict::Retry {
        error: Failure::Other {
            reason: "lost".into(),
            retriable: true,
        },
        bump_epoch: false,
    };
    assert!(!acc.complete(&topic, batch, retry, now, &mut Vec::new()));
    // Backoff, then the same batch again, with the same sequence.
    assert!(drain(&acc, now).is_empty());
    let later = now + Duration::from_millis(20);
    let (topic, batch) = drain(&acc, later).pop().unwrap().batches.pop().unwrap();
    assert_eq!((batch.stamp.base_sequence, batch.attempts), (0, 2));
    let verdict = Verdict::Written {
        base_offset: 0,
        log_append_time: -1,
    };
    acc.complete(&topic, batch, verdict, later, &mut Vec::new());
    let (_, batch) = drain(&acc, later).pop().unwrap().batches.pop().unwrap();
    assert_eq!(batch.stamp.base_sequence, 2);
    // The flush makes the open batch ready; it continues the sequence.
    let flush = acc.begin_flush();
    let (_, batch) = drain(&acc, later).pop().unwrap().batches.pop().unwrap();
    assert_eq!(batch.stamp.base_sequence, 4);
    assert!(!acc.flushed(flush.upto));
    drop(flush);
    drop(deliveries);
}

#[test]
fn memory_is_bounded_and_unknown_partitions_are_errors() {
    let acc = Accumulator::new(settings(), 200);
    let record = ProducerRecord::new("t", &[7; 50]).partition(0);
    let held: Vec<Delivery> = (0..2).map(|_| append(&acc, &record)).collect();
    let other = ProducerRecord::new("t", b"x").partition(1);
    assert!(matches!(
        acc.append(&item(&other), 2, Some(1), &|_| true, &mut None)
            .unwrap(),
        Append::NeedBuffer(200)
    ));
    let error = acc
        .append(&item(&other), 2, Some(5), &|_| true, &mut None)
        .err()
        .unwrap();
    assert!(matches!(error, Error::Usage { .. }), "{error}");
    assert!(!error.is_retriable());
    drop(held);
}

fn take_one(acc: &Accumulator, now: Instant) -> (Arc<str>, ProducerBatch) {
    drain(acc, now).pop().unwrap().batches.pop().unwrap()
}

fn retry() -> Verdict {
    Verdict::Retry {
        error: Failure::Other {
            reason: "connection lost".into(),
            retriable: true,
        },
        bump_epoch: false,
    }
}

fn out_of_order() -> Verdict {
    Verdict::OutOfOrder(Failure::Kafka {
        code: franzl_core::ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
        message: String::new(),
    })
}

#[test]
fn out_of_order_after_an_earlier_failure_is_retried_in_order_without_a_bump() {
    let acc = Accumulator::new(settings(), 10_000);
    let record = ProducerRecord::new("t", &[7; 50]).partition(0);
    let held: Vec<Delivery> = (0..5).map(|_| append(&acc, &record)).collect();
    acc.confirm("t", 0);
    let now = Instant::now();
    let (topic, first) = take_one(&acc, now);
    let (_, second) = take_one(&acc, now);
    assert_eq!(
        (first.stamp.base_sequence, second.stamp.base_sequence),
        (0, 2)
    );
    // The first is lost; the broker then refuses the second as out of order.
    assert!(!acc.complete(&topic, first, retry(), now, &mut Vec::new()));
    assert!(!acc.complete(&topic, second, out_of_order(), now, &mut Vec::new()));
    let later = now + Duration::from_millis(20);
    let (topic, again) = take_one(&acc, later);
    assert_eq!(again.stamp.base_sequence, 0, "the earliest goes first");
    let written = Verdict::Written {
        base_offset: 0,
        log_append_time: -1,
    };
    acc.complete(&topic, again, written, later, &mut Vec::new());
    let (_, next) = take_one(&acc, later);
    assert_eq!(next.stamp.base_sequence, 2);
    drop(held);
}

#[test]
fn a_real_gap_asks_for_a_new_epoch_and_sequences_restart() {
    let acc = Accumulator::new(settings(), 10_000);
    let record = ProducerRecord::new("t", &[7; 50]).partition(0);
    let held: Vec<Delivery> = (0..5).map(|_| append(&acc, &record)).collect();
    acc.confirm("t", 0);
    let now = Instant::now();
    let (topic, first) = take_one(&acc, now);
    let (_, second) = take_one(&acc, now);
    assert!(
        acc.complete(&topic, first, out_of_order(), now, &mut Vec::new()),
        "nothing failed before it"
    );
    assert!(!acc.complete(&topic, second, out_of_order(), now, &mut Vec::new()));
    let bumped = Stamp {
        producer_epoch: 1,
        ..STAMP
    };
    acc.restart_sequences(bumped);
    let later = now + Duration::from_millis(20);
    let (_, first) = take_one(&acc, later);
    assert_eq!(
        (first.stamp.producer_epoch, first.stamp.base_sequence),
        (1, 0)
    );
    let view = franzl_core::record::RecordBatch::new_checked(first.wire()).unwrap();
    view.verify_crc().unwrap();
    assert_eq!(view.producer_epoch(), 1);
    drop(held);
}

#[test]
fn batches_past_the_delivery_timeout_fail() {
    let acc = Accumulator::new(settings(), 10_000);
    let record = ProducerRecord::new("t", &[7; 50]).partition(0);
    let delivery = append(&acc, &record);
    let later = Instant::now() + Duration::from_secs(61);
    assert!(!acc.expire_all(later), "never sent: no sequence question");
    let error = smol::block_on(delivery).unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error}");
    assert!(acc.flushed(u64::MAX));
}

#[test]
fn retry_backoff_doubles_up_to_its_maximum() {
    let acc = Accumulator::new(settings(), 1000);
    let backoffs: Vec<u64> = (1..=4)
        .map(|attempts| acc.retry_backoff(attempts).as_millis() as u64)
        .collect();
    assert_eq!(backoffs, [10, 20, 35, 35]);
}

#[test]
fn a_dropped_flush_ends_and_batches_linger_again() {
    let acc = Accumulator::new(settings(), 1000);
    let record = ProducerRecord::new("t", &[7; 50]).partition(1);
    let _first = append(&acc, &record);
    acc.confirm("t", 1);
    let now = Instant::now();
    let flush = acc.begin_flush();
    assert_eq!(drain(&acc, now).len(), 1, "a flush sends at once");
    // A flush whose future is cancelled (flush_within's timeout) ends with it.
    drop(flush);
    let _second = append(&acc, &record);
    let again = drain(&acc, now);
    assert!(again.is_empty(), "lingering again: {again:?}");
    assert_eq!(drain(&acc, now + Duration::from_millis(60)).len(), 1);
}

#[test]
fn unfinished_records_count_until_their_batch_completes() {
    let acc = Accumulator::new(settings(), 1000);
    let record = ProducerRecord::new("t", &[7; 50]).partition(1);
    let _deliveries = [append(&acc, &record), append(&acc, &record)];
    assert_eq!(acc.unfinished_records(), 2);
    let later = Instant::now() + Duration::from_millis(60);
    let (topic, batch) = drain(&acc, later).pop().unwrap().batches.pop().unwrap();
    assert_eq!(acc.unfinished_records(), 2, "in flight is not delivered");
    let verdict = Verdict::Written {
        base_offset: 0,
        log_append_time: -1,
    };
    acc.complete(&topic, batch, verdict, later, &mut Vec::new());
    assert_eq!(acc.unfinished_records(), 0);
}

#[test]
fn an_abandoned_accumulator_fails_what_it_holds_and_refuses_more() {
    let acc = Accumulator::new(settings(), 1000);
    let record = ProducerRecord::new("t", &[7; 50]).partition(1);
    let queued = append(&acc, &record);
    let flush = acc.begin_flush();
    assert!(!acc.flushed(flush.upto));
    acc.abandon(&Failure::Other {
        reason: "the sender panicked".into(),
        retriable: false,
    });
    assert!(acc.flushed(flush.upto), "flush and close return");
    assert_eq!(acc.unfinished_records(), 0);
    let error = futures_lite::future::block_on(queued).unwrap_err();
    assert!(error.to_string().contains("panicked"), "{error}");
    assert!(
        acc.append(&item(&record), 2, record.partition, &|_| true, &mut None)
            .is_err(),
        "no record is taken that nobody would send"
    );
}

#[test]
fn a_full_batch_grows_to_batch_size_while_memory_allows_and_the_next_starts_at_its_size() {
    let settings = Settings {
        batch_size: 400,
        first_batch_size: 100,
        ..settings()
    };
    let acc = Accumulator::new(settings.clone(), 10_000);
    let record = ProducerRecord::new("t", b"0123456789").partition(0);
    for _ in 0..12 {
        let _written = append(&acc, &record);
    }
    let now = Instant::now() + Duration::from_secs(1);
    let batches: Vec<_> = drain(&acc, now)
        .into_iter()
        .flat_map(|d| d.batches)
        .collect();
    assert_eq!(batches.len(), 1, "twelve records in one batch that grew");
    let (_, batch) = &batches[0];
    assert_eq!(batch.record_count(), 12);
    assert!(
        batch.capacity() > 100 && batch.capacity() <= 400,
        "{}",
        batch.capacity()
    );
    for (_, batch) in batches {
        acc.complete(
            "t",
            batch,
            Verdict::Written {
                base_offset: 0,
                log_append_time: -1,
            },
            now,
            &mut Vec::new(),
        );
    }
    // The next batch starts at the size the last one needed: no growing again.
    let _next = append(&acc, &record);
    let next: Vec<_> = drain(&acc, now + Duration::from_secs(1))
        .into_iter()
        .flat_map(|d| d.batches)
        .collect();
    assert!(next[0].1.capacity() > 100, "{}", next[0].1.capacity());

    // With buffer.memory too small to grow into, a full batch closes and another starts.
    let acc = Accumulator::new(settings, 200);
    for _ in 0..12 {
        match acc
            .append(&item(&record), 2, record.partition, &|_| true, &mut None)
            .unwrap()
        {
            Append::Appended(_) => {}
            Append::NeedBuffer(_) => break,
        }
    }
    let batches: Vec<_> = drain(&acc, now)
        .into_iter()
        .flat_map(|d| d.batches)
        .collect();
    assert!(
        batches.iter().all(|(_, b)| b.capacity() <= 200),
        "growth stays within buffer.memory"
    );
}

#[test]
fn a_link_waits_for_the_retry_backoff_of_a_queued_batch_not_the_linger_of_the_one_behind_it() {
    let acc = Accumulator::new(settings(), 1000);
    let record = ProducerRecord::new("t", &[7; 50]).partition(0);
    let deliveries: Vec<Delivery> = (0..3).map(|_| append(&acc, &record)).collect();
    let start = Instant::now();
    let (topic, batch) = take_one(&acc, start);
    // Answered late: its retry is due 100 ms after the open batch behind it lingered enough.
    let answered = start + Duration::from_millis(100);
    assert!(!acc.complete(&topic, batch, retry(), answered, &mut Vec::new()));
    let deadline = acc.next_deadline(start, &mut |_, _| true).unwrap();
    assert!(
        deadline > answered,
        "the retry backoff, not the linger: {deadline:?}"
    );
    assert!(
        drain(&acc, answered).is_empty(),
        "nothing is sendable before it"
    );
    assert_eq!(drain(&acc, deadline).len(), 1);
    // A link that leads no partition with batches has no deadline.
    assert_eq!(acc.next_deadline(start, &mut |_, _| false), None);
    drop(deliveries);
}

#[test]
fn a_batch_retried_after_an_unknown_outcome_is_in_doubt_and_alone_goes_while_an_epoch_is_due() {
    let acc = Accumulator::new(settings(), 1000);
    let record = ProducerRecord::new("t", &[7; 50]).partition(0);
    let deliveries: Vec<Delivery> = (0..3).map(|_| append(&acc, &record)).collect();
    let now = Instant::now();
    let (topic, batch) = take_one(&acc, now);
    assert!(!acc.has_in_doubt());
    // Retriable: it may have been written.
    assert!(!acc.complete(&topic, batch, retry(), now, &mut Vec::new()));
    assert!(acc.has_in_doubt());
    let later = now + Duration::from_millis(100);
    let in_doubt_only = |acc: &Accumulator| {
        let mut out = Vec::new();
        let mode = Drain::InDoubtOnly;
        acc.drain(
            later,
            &mut |_, p| Some(p + 1),
            1,
            mode,
            &mut Vec::new(),
            &mut out,
        );
        out
    };
    let mut taken = in_doubt_only(&acc);
    assert_eq!(taken.len(), 1);
    let (topic, batch) = taken.pop().unwrap();
    assert_eq!(
        (batch.stamp.base_sequence, batch.attempts),
        (0, 2),
        "its own stamp"
    );
    // Refused for its sequence: not written, no longer in doubt; nothing else goes.
    assert!(acc.complete(&topic, batch, out_of_order(), later, &mut Vec::new()));
    assert!(!acc.has_in_doubt());
    assert!(in_doubt_only(&acc).is_empty());
    drop(deliveries);
}

#[test]
fn under_a_new_stamp_a_partition_sends_one_batch_at_a_time_until_the_broker_acknowledges_one() {
    let acc = Accumulator::new(settings(), 10_000);
    let record = ProducerRecord::new("t", &[7; 50]).partition(0);
    let held: Vec<Delivery> = (0..7).map(|_| append(&acc, &record)).collect();
    let now = Instant::now();
    let (topic, first) = take_one(&acc, now);
    // A broker without state for this producer would take any first sequence: the next batch
    // waits, so it can never be appended before this one.
    assert!(
        drain(&acc, now).is_empty(),
        "one in flight until acknowledged"
    );
    let written = Verdict::Written {
        base_offset: 0,
        log_append_time: -1,
    };
    acc.complete(&topic, first, written, now, &mut Vec::new());
    let (_, second) = take_one(&acc, now);
    let (_, third) = take_one(&acc, now);
    assert_eq!(
        (second.stamp.base_sequence, third.stamp.base_sequence),
        (2, 4)
    );
    // Refused (a gap): a new epoch starts over.
    acc.complete(&topic, second, out_of_order(), now, &mut Vec::new());
    acc.complete(&topic, third, out_of_order(), now, &mut Vec::new());
    acc.restart_sequences(Stamp {
        producer_epoch: 1,
        ..STAMP
    });
    let later = now + Duration::from_millis(100);
    let (_, again) = take_one(&acc, later);
    assert_eq!(
        (again.stamp.producer_epoch, again.stamp.base_sequence),
        (1, 0)
    );
    assert!(drain(&acc, later).is_empty(), "one at a time again");
    drop(held);
}
