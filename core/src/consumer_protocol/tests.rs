//! The consumer protocol codec against the Java client's own bytes (`testdata/`, written by
//! `tests/java/ConsumerProtocolGolden.java`), and against truncated and corrupted input.

extern crate std;

use std::vec;
use std::vec::Vec;

use super::*;
use crate::messages::Array;

/// What the Java program serialized as its full subscription, in the order Java writes it.
fn full_subscription() -> Subscription<'static> {
    const OWNED: [TopicPartitions<'static>; 2] = [
        TopicPartitions::new("orders", &[0, 1]),
        TopicPartitions::new("payments", &[2]),
    ];
    Subscription {
        topics: Array::from_slice(&["orders", "payments"]),
        user_data: Some(&[1, 2, 3]),
        owned_partitions: Array::from_slice(&OWNED),
        generation_id: 7,
        rack_id: Some("rack-a"),
    }
}

/// The fields a version carries: the later ones at their defaults.
fn as_of(version: i16, full: Subscription<'static>) -> Subscription<'static> {
    let mut expected = full;
    if version < 1 {
        expected.owned_partitions = Array::EMPTY;
    }
    if version < 2 {
        expected.generation_id = -1;
    }
    if version < 3 {
        expected.rack_id = None;
    }
    expected
}

const SUBSCRIPTIONS: [&[u8]; 4] = [
    include_bytes!("testdata/subscription_v0.bin"),
    include_bytes!("testdata/subscription_v1.bin"),
    include_bytes!("testdata/subscription_v2.bin"),
    include_bytes!("testdata/subscription_v3.bin"),
];

const ASSIGNMENTS: [&[u8]; 4] = [
    include_bytes!("testdata/assignment_v0.bin"),
    include_bytes!("testdata/assignment_v1.bin"),
    include_bytes!("testdata/assignment_v2.bin"),
    include_bytes!("testdata/assignment_v3.bin"),
];

fn encode_subscription(subscription: &Subscription<'_>, version: i16) -> Vec<u8> {
    let mut buf = vec![0u8; subscription.encoded_len(version).unwrap()];
    assert_eq!(subscription.encode(version, &mut buf), Ok(buf.len()));
    buf
}

fn encode_assignment(assignment: &Assignment<'_>, version: i16) -> Vec<u8> {
    let mut buf = vec![0u8; assignment.encoded_len(version).unwrap()];
    assert_eq!(assignment.encode(version, &mut buf), Ok(buf.len()));
    buf
}

#[test]
fn java_subscriptions_decode_and_reencode_identically() {
    for (version, golden) in (0..).zip(SUBSCRIPTIONS) {
        let (read_version, decoded) = Subscription::decode(golden).unwrap();
        assert_eq!(read_version, version);
        assert_eq!(decoded, as_of(version, full_subscription()), "v{version}");
        assert_eq!(encode_subscription(&decoded, version), golden, "v{version}");
        // From the caller's slices too, not only from the decoded bytes.
        assert_eq!(encode_subscription(&full_subscription(), version), golden);
    }
    let minimal: &[u8] = include_bytes!("testdata/subscription_v3_minimal.bin");
    let (_, decoded) = Subscription::decode(minimal).unwrap();
    let expected = Subscription {
        topics: Array::from_slice(&["t"]),
        ..Subscription::default()
    };
    assert_eq!(decoded, expected);
    assert_eq!(encode_subscription(&expected, 3), minimal);
}

#[test]
fn java_assignments_decode_and_reencode_identically() {
    const ASSIGNED: [TopicPartitions<'static>; 2] = [
        TopicPartitions::new("orders", &[0, 2]),
        TopicPartitions::new("payments", &[1]),
    ];
    let expected = Assignment {
        assigned_partitions: Array::from_slice(&ASSIGNED),
        user_data: Some(&[9, 9]),
    };
    for (version, golden) in (0..).zip(ASSIGNMENTS) {
        let (read_version, decoded) = Assignment::decode(golden).unwrap();
        assert_eq!((read_version, decoded), (version, expected));
        assert_eq!(encode_assignment(&decoded, version), golden);
        assert_eq!(encode_assignment(&expected, version), golden);
    }
    let empty: &[u8] = include_bytes!("testdata/assignment_v3_empty.bin");
    let (_, decoded) = Assignment::decode(empty).unwrap();
    assert_eq!(decoded, Assignment::default());
    assert_eq!(encode_assignment(&decoded, 3), empty);
}

#[test]
fn java_sticky_user_data_decodes_and_reencodes_identically() {
    let golden: &[u8] = include_bytes!("testdata/sticky_user_data.bin");
    let previous = [TopicPartitions::new("orders", &[0, 2])];
    let expected = StickyUserData {
        previous_assignment: Array::from_slice(&previous),
        generation: Some(5),
    };
    assert_eq!(StickyUserData::decode(golden), Ok(expected));
    let mut buf = vec![0u8; expected.encoded_len().unwrap()];
    assert_eq!(expected.encode(&mut buf), Ok(golden.len()));
    assert_eq!(buf, golden);
    // The first form, without the generation, as older Java members write it.
    let first_form = &golden[..golden.len() - 4];
    let decoded = StickyUserData::decode(first_form).unwrap();
    assert_eq!(decoded.generation, None);
    assert_eq!(decoded.previous_assignment, expected.previous_assignment);
    // The cooperative assignor's user data is the generation alone.
    let cooperative: &[u8] = include_bytes!("testdata/cooperative_sticky_user_data.bin");
    assert_eq!(cooperative, 5i32.to_be_bytes());
}

#[test]
fn future_versions_read_as_the_highest_with_trailing_bytes_ignored() {
    let mut future = SUBSCRIPTIONS[3].to_vec();
    future[..2].copy_from_slice(&7i16.to_be_bytes());
    future.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    let (version, decoded) = Subscription::decode(&future).unwrap();
    assert_eq!(version, 7);
    assert_eq!(decoded, full_subscription());
    assert_eq!(
        encode_subscription(&decoded, HIGHEST_VERSION),
        SUBSCRIPTIONS[3]
    );

    let mut future = ASSIGNMENTS[3].to_vec();
    future[..2].copy_from_slice(&4i16.to_be_bytes());
    future.push(0);
    let (version, decoded) = Assignment::decode(&future).unwrap();
    assert_eq!(version, 4);
    assert_eq!(encode_assignment(&decoded, 3), ASSIGNMENTS[3]);
}

#[test]
fn bad_versions_are_refused() {
    assert_eq!(
        Subscription::decode(&[0xff, 0xff, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
        Err(DecodeError::UnsupportedVersion)
    );
    assert_eq!(
        Assignment::decode(&[0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
        Err(DecodeError::UnsupportedVersion)
    );
    let mut buf = [0u8; 64];
    for version in [-1, 4] {
        let subscription = Subscription::default();
        assert_eq!(
            subscription.encode(version, &mut buf),
            Err(EncodeError::UnsupportedVersion)
        );
        assert_eq!(
            Assignment::default().encoded_len(version),
            Err(EncodeError::UnsupportedVersion)
        );
    }
}

#[test]
fn a_short_buffer_names_the_size_needed() {
    let subscription = full_subscription();
    let needed = subscription.encoded_len(3).unwrap();
    let mut buf = vec![0u8; needed - 1];
    assert_eq!(
        subscription.encode(3, &mut buf),
        Err(EncodeError::BufferTooSmall { needed })
    );
}

#[test]
fn every_truncation_is_an_error_and_never_a_panic() {
    for golden in SUBSCRIPTIONS {
        for len in 0..golden.len() {
            assert!(Subscription::decode(&golden[..len]).is_err(), "{len}");
        }
    }
    for golden in ASSIGNMENTS {
        for len in 0..golden.len() {
            assert!(Assignment::decode(&golden[..len]).is_err(), "{len}");
        }
    }
}

#[test]
fn corrupted_counts_are_checked_against_the_bytes_left() {
    // Every byte of every fixture set to each of a few hostile values: decoding may succeed or
    // fail, but never panics, and what it decodes iterates without failing.
    for golden in SUBSCRIPTIONS.iter().chain(&ASSIGNMENTS) {
        for at in 0..golden.len() {
            for value in [0x00, 0x7f, 0x80, 0xff] {
                let mut bytes = golden.to_vec();
                bytes[at] = value;
                if let Ok((_, s)) = Subscription::decode(&bytes) {
                    let partitions: usize =
                        s.owned_partitions.iter().map(|t| t.partitions.len()).sum();
                    assert!(s.topics.len() + partitions <= bytes.len());
                }
                if let Ok((_, a)) = Assignment::decode(&bytes) {
                    let count = a.assigned_partitions.iter().count();
                    assert!(count <= bytes.len());
                }
                let _ = StickyUserData::decode(&bytes[2..]);
            }
        }
    }
    // A count of 2^31-1 topics in six bytes is refused before anything is read.
    assert_eq!(
        Subscription::decode(&[0, 0, 0x7f, 0xff, 0xff, 0xff]),
        Err(DecodeError::LengthExceedsInput)
    );
}

/// Replays the committed seed corpus of the `consumer_protocol` fuzz target: each seed is one
/// of the Java fixtures above, and decodes as what its name says.
#[test]
fn fuzz_corpus_replays() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/corpus/consumer_protocol"
    );
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut decoded = 0;
    for entry in entries.flatten() {
        let data = std::fs::read(entry.path()).unwrap();
        let name = entry.file_name().into_string().unwrap();
        let ok = if name.starts_with("subscription") {
            Subscription::decode(&data).is_ok()
        } else if name.starts_with("assignment") {
            Assignment::decode(&data).is_ok()
        } else if name.starts_with("sticky") {
            StickyUserData::decode(&data).is_ok()
        } else {
            // The cooperative assignor's user data: its generation alone.
            data.len() == 4
        };
        decoded += usize::from(ok);
    }
    assert!(decoded >= 12, "only {decoded} seeds decoded");
}
