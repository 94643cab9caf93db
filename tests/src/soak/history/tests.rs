//! Hand-made histories: a clean one, then one fault each, which the checker must name.

use super::{History, Read, WriteId, check};

fn id(producer: u32, sequence: u64) -> WriteId {
    WriteId { producer, sequence }
}

fn read(partition: i32, offset: i64, value: WriteId) -> Read {
    Read {
        partition,
        offset,
        value: Ok(value),
    }
}

/// Two producers, two partitions, three records each per partition: sequence `s` of producer
/// `p` goes to partition `s % 2`; partition logs interleave the producers.
fn clean() -> History {
    let mut history = History::default();
    let mut next_offset = [0i64; 2];
    for sequence in 0..6 {
        for producer in 0..2 {
            let partition = (sequence % 2) as i32;
            let value = id(producer, sequence);
            let offset = next_offset[partition as usize];
            next_offset[partition as usize] += 1;
            history.sends.push((value, partition));
            history.acks.push((value, partition, offset));
            history.reads.push(read(partition, offset, value));
        }
    }
    history
}

#[test]
fn a_clean_history_has_no_findings() {
    let findings = check(&clean());
    assert!(findings.is_clean(), "{findings:?}");
    assert_eq!((findings.sent, findings.acked, findings.read), (12, 12, 12));
}

#[test]
fn an_acknowledged_record_never_read_is_lost() {
    let mut history = clean();
    let gone = history.reads.remove(5);
    let findings = check(&history);
    assert_eq!(findings.lost.count, 1);
    assert!(findings.lost.examples[0].starts_with(&gone.value.unwrap().to_string()));
    assert_eq!(findings.duplicated.count + findings.reordered.count, 0);
}

#[test]
fn a_failed_record_never_read_is_not_lost() {
    let mut history = clean();
    let (value, partition, offset) = history.acks.remove(3);
    history.reads.retain(|r| r.value != Ok(value));
    history.failures.push((value, "timed out".into()));
    let findings = check(&history);
    assert!(findings.is_clean(), "{findings:?} ({partition}/{offset})");
    assert_eq!((findings.failed, findings.failed_but_written), (1, 0));
}

#[test]
fn a_value_at_two_offsets_is_a_duplicate() {
    let mut history = clean();
    // p0-0 (partition 0) appended again at the end of partition 0.
    history.reads.push(read(0, 6, id(0, 0)));
    let findings = check(&history);
    assert_eq!(findings.duplicated.count, 1, "{findings:?}");
    assert_eq!(findings.duplicated.examples, ["p0-0 at 0/0 and 0/6"]);
    assert_eq!(
        findings.reordered.count, 0,
        "a duplicate is not also a reorder"
    );
}

#[test]
fn a_producer_going_back_within_a_partition_is_a_reorder() {
    let mut history = clean();
    // Partition 0 holds p0-0, p1-0, p0-2, p1-2, p0-4, p1-4: swap p0-2 and p0-4.
    for r in &mut history.reads {
        if r.partition == 0 && r.offset == 2 {
            r.value = Ok(id(0, 4));
        } else if r.partition == 0 && r.offset == 4 {
            r.value = Ok(id(0, 2));
        }
    }
    let findings = check(&history);
    assert_eq!(findings.reordered.count, 1, "{findings:?}");
    assert_eq!(findings.reordered.examples, ["p0-2 at 0/4 after p0-4"]);
    // The acknowledgements named the other offsets.
    assert_eq!(findings.misplaced.count, 2);
}

#[test]
fn values_never_written_are_phantoms() {
    let mut history = clean();
    history.reads.push(read(1, 6, id(7, 1)));
    history.reads.push(Read {
        partition: 1,
        offset: 7,
        value: Err("garbage".into()),
    });
    let findings = check(&history);
    assert_eq!(findings.phantom.count, 2, "{findings:?}");
    assert!(findings.phantom.examples[0].starts_with("p7-1 at 1/6"));
}

#[test]
fn an_offset_returned_twice_is_a_redelivery_not_a_duplicate() {
    let mut history = clean();
    let again = history.reads[4].clone();
    history.reads.push(again);
    let findings = check(&history);
    assert_eq!(findings.redelivered.count, 1, "{findings:?}");
    assert_eq!(findings.duplicated.count, 0);
}

#[test]
fn an_acknowledgement_naming_another_offset_is_misplaced() {
    let mut history = clean();
    history.acks[0].2 = 40;
    let findings = check(&history);
    assert_eq!(findings.misplaced.count, 1, "{findings:?}");
    // An acknowledgement without an offset (-1) names none.
    let mut history = clean();
    history.acks[0].2 = -1;
    assert!(check(&history).is_clean());
}

#[test]
fn values_parse_back() {
    let value = id(3, 12_345);
    assert_eq!(WriteId::parse(value.value().as_bytes()), Some(value));
    assert_eq!(WriteId::parse(b"p3"), None);
    assert_eq!(WriteId::parse(b"q3-1"), None);
}
