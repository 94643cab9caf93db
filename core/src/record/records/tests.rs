extern crate std;

use super::*;
use proptest::prelude::*;
use std::string::String;
use std::vec;
use std::vec::Vec;

fn encode(record: &NewRecord<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; record.encoded_len()];
    let mut writer = Writer::new(&mut buf);
    record.write_sized(&mut writer, record.lens().0).unwrap();
    assert_eq!(writer.position(), record.encoded_len());
    buf
}

fn read_one(bytes: &[u8]) -> Result<Record<'_>, RecordError> {
    let mut records = Records::new(bytes, 1, 100, 1_000);
    let record = records.next().unwrap()?;
    assert!(records.next().is_none());
    Ok(record)
}

#[test]
fn key_value_fixture() {
    let record = NewRecord {
        key: Some(b"k"),
        value: Some(b"v"),
        ..NewRecord::default()
    };
    // length 8 (zigzag 0x10), attributes, timestamp delta 0, offset delta 0,
    // key length 1 (0x02) "k", value length 1 "v", no headers.
    let expected = [0x10, 0x00, 0x00, 0x00, 0x02, b'k', 0x02, b'v', 0x00];
    assert_eq!(encode(&record), expected);
    let read = read_one(&expected).unwrap();
    assert_eq!((read.offset, read.timestamp), (100, 1_000));
    assert_eq!(read.key, Some(&b"k"[..]));
    assert_eq!(read.value, Some(&b"v"[..]));
    assert!(read.headers.is_empty());
}

#[test]
fn nulls_deltas_and_headers_fixture() {
    let headers = [
        Header {
            key: "h",
            value: Some(b"x"),
        },
        Header {
            key: "n",
            value: None,
        },
    ];
    let record = NewRecord {
        timestamp_delta: -1,
        offset_delta: 3,
        key: None,
        value: None,
        headers: &headers,
    };
    #[rustfmt::skip]
    let expected = [
        0x1a,                   // length 13
        0x00, 0x01, 0x06,       // attributes, timestamp delta -1, offset delta 3
        0x01, 0x01,             // null key, null value
        0x04,                   // two headers
        0x02, b'h', 0x02, b'x', // "h" = "x"
        0x02, b'n', 0x01,       // "n" = null
    ];
    assert_eq!(encode(&record), expected);
    let read = read_one(&expected).unwrap();
    assert_eq!((read.offset, read.timestamp), (103, 999));
    assert_eq!((read.key, read.value), (None, None));
    assert_eq!(read.headers.collect::<Vec<_>>(), headers);
}

#[test]
fn bad_records() {
    use DecodeError::*;
    let cases: [(&[u8], RecordError); 9] = [
        // Negative length.
        (&[0x01], RecordError::Decode(InvalidLength)),
        // Length beyond the bytes.
        (
            &[0x7e, 0, 0, 0, 1, 1, 0],
            RecordError::Decode(LengthExceedsInput),
        ),
        // Overlong varint length.
        (
            &[0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
            RecordError::Decode(OverlongVarint),
        ),
        // Fields longer than the length says.
        (&[0x08, 0, 0, 0, 1], RecordError::RecordLengthMismatch),
        // Key length -2.
        (
            &[0x0c, 0, 0, 0, 0x03, 1, 0],
            RecordError::Decode(InvalidLength),
        ),
        // Two headers claimed, one present.
        (
            &[0x12, 0, 0, 0, 1, 1, 0x04, 0x02, b'h', 0x01],
            RecordError::HeaderCountMismatch,
        ),
        // No header claimed, one present.
        (
            &[0x12, 0, 0, 0, 1, 1, 0x00, 0x02, b'h', 0x01],
            RecordError::RecordLengthMismatch,
        ),
        // Header count negative.
        (
            &[0x0c, 0, 0, 0, 1, 1, 0x01],
            RecordError::HeaderCountMismatch,
        ),
        // Header key not UTF-8.
        (
            &[0x12, 0, 0, 0, 1, 1, 0x02, 0x02, 0xff, 0x01],
            RecordError::Decode(InvalidUtf8),
        ),
    ];
    for (bytes, error) in cases {
        assert_eq!(read_one(bytes), Err(error), "{bytes:02x?}");
    }
}

#[test]
fn counts_that_do_not_match() {
    let record = encode(&NewRecord::default());
    let mut records = Records::new(&record, 2, 0, 0);
    assert!(records.next().unwrap().is_ok());
    assert_eq!(records.next(), Some(Err(RecordError::RecordCountMismatch)));
    assert_eq!(records.next(), None);
    let mut records = Records::new(&record, 0, 0, 0);
    assert_eq!(records.next(), Some(Err(RecordError::RecordCountMismatch)));
    assert_eq!(records.next(), None);
    let mut huge = Records::new(&record, u32::MAX, 0, 0);
    assert!(huge.next().unwrap().is_ok());
    assert!(huge.next().unwrap().is_err());
    assert_eq!(huge.next(), None);
}

proptest! {
    #[test]
    fn round_trip(
        timestamp_delta in any::<i64>(),
        offset_delta in any::<i32>(),
        key in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..200)),
        value in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300)),
        header_data in proptest::collection::vec(
            (".{0,8}", proptest::option::of(proptest::collection::vec(any::<u8>(), 0..20))),
            0..5,
        ),
    ) {
        let header_data: Vec<(String, Option<Vec<u8>>)> = header_data;
        let headers: Vec<Header<'_>> = header_data
            .iter()
            .map(|(key, value)| Header { key, value: value.as_deref() })
            .collect();
        let record = NewRecord {
            timestamp_delta,
            offset_delta,
            key: key.as_deref(),
            value: value.as_deref(),
            headers: &headers,
        };
        let bytes = encode(&record);
        let read = read_one(&bytes).unwrap();
        prop_assert_eq!(read.timestamp_delta, timestamp_delta);
        prop_assert_eq!(read.offset_delta, offset_delta);
        prop_assert_eq!(read.key, key.as_deref());
        prop_assert_eq!(read.value, value.as_deref());
        prop_assert_eq!(read.headers.collect::<Vec<_>>(), headers);
    }
}
