//! Hand-built, real-shaped responses: decoded field by field, then damaged (truncated at every
//! byte, lengths and counts made negative or huge, varints overlong, UTF-8 broken). Every damage
//! must give an error, never a panic.

extern crate std;

use std::vec::Vec;

use super::Message;
use super::fetch::FetchResponse;
use super::metadata::MetadataResponse;
use crate::wire::DecodeError;

/// A Metadata v12 response: one broker, one topic with one partition.
#[rustfmt::skip]
const METADATA_V12: &[u8] = &[
    0, 0, 0, 0,                       // throttle_time_ms
    2,                                // brokers: 1 (compact count + 1)
      0, 0, 0, 1,                     //   node_id
      10, b'l', b'o', b'c', b'a', b'l', b'h', b'o', b's', b't', // host "localhost"
      0, 0, 0x23, 0x84,               //   port 9092
      0,                              //   rack: null
      0,                              //   tagged fields
    5, b'a', b'b', b'c', b'd',        // cluster_id "abcd"
    0, 0, 0, 1,                       // controller_id
    2,                                // topics: 1
      0, 0,                           //   error_code
      7, b'o', b'r', b'd', b'e', b'r', b's', // name "orders"
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, // topic_id
      0,                              //   is_internal
      2,                              //   partitions: 1
        0, 0,                         //     error_code
        0, 0, 0, 0,                   //     partition_index
        0, 0, 0, 1,                   //     leader_id
        0, 0, 0, 5,                   //     leader_epoch
        2, 0, 0, 0, 1,                //     replica_nodes [1]
        2, 0, 0, 0, 1,                //     isr_nodes [1]
        1,                            //     offline_replicas []
        0,                            //     tagged fields
      0x80, 0, 0, 0,                  //   topic_authorized_operations
      0,                              //   tagged fields
    0,                                // tagged fields
];

/// Offsets into [`METADATA_V12`].
const BROKERS_COUNT: usize = 4;
const HOST: usize = 9;
const TOPIC_NAME: usize = 37;

/// A Metadata v0 response: no brokers, one topic with no partitions.
#[rustfmt::skip]
const METADATA_V0: &[u8] = &[
    0, 0, 0, 0,                       // brokers: 0
    0, 0, 0, 1,                       // topics: 1
      0, 3,                           //   error_code 3
      0, 1, b't',                     //   name "t"
      0, 0, 0, 0,                     //   partitions: 0
    0,                                // one byte too many: cut off below
];

/// Offsets into [`FETCH_V16`].
const RECORDS_LEN: usize = 63;
const TAGGED_COUNT: usize = 76;

/// A Fetch v16 response: one topic, one partition, a 12-byte record blob.
#[rustfmt::skip]
const FETCH_V16: &[u8] = &[
    0, 0, 0, 0,                       // throttle_time_ms
    0, 0,                             // error_code
    0, 0, 0, 42,                      // session_id
    2,                                // responses: 1
      9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, // topic_id
      2,                              //   partitions: 1
        0, 0, 0, 3,                   //     partition_index
        0, 0,                         //     error_code
        0, 0, 0, 0, 0, 0, 0, 100,     //     high_watermark
        0, 0, 0, 0, 0, 0, 0, 100,     //     last_stable_offset
        0, 0, 0, 0, 0, 0, 0, 0,       //     log_start_offset
        0,                            //     aborted_transactions: null
        0xff, 0xff, 0xff, 0xff,       //     preferred_read_replica -1
        13, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf, // records (12 bytes)
        1, 1, 9,                      //     tagged: 1 field, tag 1 (current_leader), 9 bytes:
          0, 0, 0, 2, 0, 0, 0, 7, 0,  //       leader_id 2, leader_epoch 7, no tagged fields
      0,                              //   tagged fields
    0,                                // tagged fields
];

fn every_truncation_fails<M: Message<'static>>(version: i16, input: &'static [u8]) {
    for cut in 0..input.len() {
        assert!(
            M::decode(version, &input[..cut]).is_err(),
            "decoded a cut at {cut}"
        );
    }
}

fn patched(base: &[u8], at: usize, bytes: &[u8]) -> Vec<u8> {
    let mut out = base.to_vec();
    out[at..at + bytes.len()].copy_from_slice(bytes);
    out
}

#[test]
fn metadata_v12_decodes_field_by_field() {
    let m = MetadataResponse::decode(12, METADATA_V12).unwrap();
    let broker = m.brokers.iter().next().unwrap();
    assert_eq!(
        (broker.node_id, broker.host, broker.port, broker.rack),
        (1, "localhost", 9092, None)
    );
    assert_eq!((m.cluster_id, m.controller_id), (Some("abcd"), 1));
    let topic = m.topics.iter().next().unwrap();
    assert_eq!(topic.name, Some("orders"));
    assert_eq!(topic.topic_authorized_operations, i32::MIN);
    let partition = topic.partitions.iter().next().unwrap();
    assert_eq!((partition.leader_id, partition.leader_epoch), (1, 5));
    assert_eq!(partition.isr_nodes.iter().collect::<Vec<_>>(), [1]);
    assert!(partition.offline_replicas.is_empty());
    every_truncation_fails::<MetadataResponse<'_>>(12, METADATA_V12);
}

#[test]
fn metadata_v12_damage_is_an_error() {
    let decode = |bytes: &[u8]| MetadataResponse::decode(12, bytes).map(drop);
    // Broker count u32::MAX - 1, far above the bytes left.
    let with_count = |count: &[u8]| {
        let mut out = METADATA_V12[..BROKERS_COUNT].to_vec();
        out.extend_from_slice(count);
        out.extend_from_slice(&METADATA_V12[BROKERS_COUNT + 1..]);
        out
    };
    assert_eq!(
        decode(&with_count(&[0xff, 0xff, 0xff, 0xff, 0x0f])),
        Err(DecodeError::LengthExceedsInput)
    );
    // Count 1 as a six-byte varint.
    assert_eq!(
        decode(&with_count(&[0x82, 0x80, 0x80, 0x80, 0x80, 0x00])),
        Err(DecodeError::OverlongVarint)
    );
    // Count 1 as a five-byte varint is long but legal.
    assert_eq!(decode(&with_count(&[0x82, 0x80, 0x80, 0x80, 0x00])), Ok(()));
    // Host length 100.
    assert_eq!(
        decode(&patched(METADATA_V12, HOST, &[101])),
        Err(DecodeError::LengthExceedsInput)
    );
    // Host bytes that are not UTF-8.
    assert_eq!(
        decode(&patched(METADATA_V12, HOST + 1, &[0xc3, 0x28])),
        Err(DecodeError::InvalidUtf8)
    );
    assert_eq!(
        decode(&patched(METADATA_V12, TOPIC_NAME + 1, &[0xff])),
        Err(DecodeError::InvalidUtf8)
    );
    // Host null where the field is not nullable.
    assert_eq!(
        decode(&patched(METADATA_V12, HOST, &[0])),
        Err(DecodeError::UnexpectedNull)
    );
    // A trailing byte.
    let mut long = METADATA_V12.to_vec();
    long.push(0);
    assert_eq!(decode(&long), Err(DecodeError::TrailingBytes));
    // The wrong version.
    assert_eq!(
        MetadataResponse::decode(14, METADATA_V12),
        Err(DecodeError::UnsupportedVersion)
    );
    assert_eq!(
        MetadataResponse::decode(-1, METADATA_V12),
        Err(DecodeError::UnsupportedVersion)
    );
}

#[test]
fn metadata_v0_negative_and_huge_lengths() {
    let input = &METADATA_V0[..17];
    let decode = |bytes: &[u8]| MetadataResponse::decode(0, bytes).map(drop);
    let m = MetadataResponse::decode(0, input).unwrap();
    assert_eq!(
        m.topics.iter().next().map(|t| (t.error_code.0, t.name)),
        Some((3, Some("t")))
    );
    every_truncation_fails::<MetadataResponse<'_>>(0, &METADATA_V0[..17]);
    let at = |i: usize, bytes: &[u8]| patched(input, i, bytes);
    assert_eq!(
        decode(&at(0, &[0xff, 0xff, 0xff, 0xfe])),
        Err(DecodeError::InvalidLength)
    );
    assert_eq!(
        decode(&at(0, &[0xff, 0xff, 0xff, 0xff])),
        Err(DecodeError::UnexpectedNull)
    );
    assert_eq!(
        decode(&at(0, &[0x80, 0, 0, 0])),
        Err(DecodeError::InvalidLength)
    );
    assert_eq!(
        decode(&at(4, &[0x7f, 0xff, 0xff, 0xff])),
        Err(DecodeError::LengthExceedsInput)
    );
    // Topic name: -2, null (not nullable before v12), longer than the input.
    assert_eq!(
        decode(&at(10, &[0xff, 0xfe])),
        Err(DecodeError::InvalidLength)
    );
    assert_eq!(
        decode(&at(10, &[0xff, 0xff])),
        Err(DecodeError::UnexpectedNull)
    );
    assert_eq!(
        decode(&at(10, &[0x7f, 0xff])),
        Err(DecodeError::LengthExceedsInput)
    );
    assert_eq!(
        decode(&at(13, &[0xff, 0xff, 0xff, 0xff])),
        Err(DecodeError::UnexpectedNull)
    );
}

#[test]
fn fetch_v16_records_are_borrowed_in_place() {
    let f = FetchResponse::decode(16, FETCH_V16).unwrap();
    assert_eq!(f.session_id, 42);
    let topic = f.responses.iter().next().unwrap();
    let partition = topic.partitions.iter().next().unwrap();
    assert_eq!(partition.partition_index, 3);
    assert_eq!(partition.aborted_transactions, None);
    assert_eq!(
        (
            partition.current_leader.leader_id,
            partition.current_leader.leader_epoch
        ),
        (2, 7)
    );
    let records = partition.records.unwrap();
    assert_eq!(records.len(), 12);
    // Zero-copy: the records slice points into the input.
    assert!(FETCH_V16.as_ptr_range().contains(&records.as_ptr()));
    every_truncation_fails::<FetchResponse<'_>>(16, FETCH_V16);
    let decode = |bytes: &[u8]| FetchResponse::decode(16, bytes).map(drop);
    // Records length far beyond the input.
    assert_eq!(
        decode(&patched(FETCH_V16, RECORDS_LEN, &[0x7f])),
        Err(DecodeError::LengthExceedsInput)
    );
    // Tagged count 2: the next "field" is the topic's tagged count (tag 0) after tag 1.
    assert_eq!(
        decode(&patched(FETCH_V16, TAGGED_COUNT, &[2])),
        Err(DecodeError::InvalidTaggedField)
    );
    // Known tagged field whose size is one less than its value.
    assert_eq!(
        decode(&patched(FETCH_V16, TAGGED_COUNT + 2, &[8])),
        Err(DecodeError::UnexpectedEnd)
    );
    // A known tagged field whose size exceeds its value by one (it then swallows a byte).
    assert_eq!(
        decode(&patched(FETCH_V16, TAGGED_COUNT + 2, &[10])),
        Err(DecodeError::InvalidTaggedField)
    );
    // Records null is allowed; aborted transactions count huge is not.
    assert_eq!(
        decode(&patched(
            FETCH_V16,
            RECORDS_LEN - 5,
            &[0xff, 0xff, 0xff, 0xff, 0x0f]
        )),
        Err(DecodeError::LengthExceedsInput)
    );
}

/// Replays the committed fuzz corpus (`fuzz/corpus/message_body`), framed as the fuzz target
/// reads it, and walks every decoded message.
#[test]
fn fuzz_corpus_replays_without_panic() {
    use core::fmt::Write as _;
    use std::string::String;

    use super::{ApiKey, decode_body};

    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus/message_body");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut decoded = 0;
    for entry in entries.flatten() {
        let data = std::fs::read(entry.path()).unwrap();
        let [api, version, direction, body @ ..] = data.as_slice() else {
            continue;
        };
        let api = ApiKey::ALL[usize::from(*api) % ApiKey::ALL.len()];
        let version = i16::from(*version) % (api.max_version() + 1);
        let result = decode_body(api, version, direction & 1 == 1, body, &mut |m| {
            let mut text = String::new();
            write!(text, "{m:?}").unwrap();
        });
        decoded += usize::from(result.is_ok());
    }
    // The seeds are valid messages.
    assert!(decoded >= 6, "only {decoded} seeds decoded");
}
