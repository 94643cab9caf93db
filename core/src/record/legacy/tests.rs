extern crate std;

use super::*;
use crate::record::{Batch, Batches};
use std::vec::Vec;

/// Offset 5, magic 0, no codec, null key, value "abc"; CRC-32 from zlib.
#[rustfmt::skip]
const MAGIC0: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 5,     // offset
    0, 0, 0, 17,                // message size
    0x43, 0xdc, 0x3f, 0xaf,     // CRC-32 of the rest
    0, 0,                       // magic 0, attributes
    0xff, 0xff, 0xff, 0xff,     // null key
    0, 0, 0, 3, b'a', b'b', b'c',
];

fn message(offset: i64, magic: i8, attributes: i8, key: Option<&[u8]>, value: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.push(magic as u8);
    body.push(attributes as u8);
    if magic == 1 {
        body.extend_from_slice(&1_000i64.to_be_bytes());
    }
    match key {
        None => body.extend_from_slice(&(-1i32).to_be_bytes()),
        Some(key) => {
            body.extend_from_slice(&(key.len() as i32).to_be_bytes());
            body.extend_from_slice(key);
        }
    }
    body.extend_from_slice(&(value.len() as i32).to_be_bytes());
    body.extend_from_slice(value);
    let mut entry = Vec::new();
    entry.extend_from_slice(&offset.to_be_bytes());
    entry.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
    entry.extend_from_slice(&crc32_ieee(&body).to_be_bytes());
    entry.extend_from_slice(&body);
    entry
}

#[test]
fn magic0_fixture() {
    assert_eq!(message(5, 0, 0, None, b"abc"), MAGIC0);
    let read = LegacyMessage::new_checked(&MAGIC0).unwrap();
    read.verify_crc().unwrap();
    assert_eq!((read.offset, read.magic, read.timestamp), (5, 0, None));
    assert_eq!((read.key, read.value), (None, Some(&b"abc"[..])));
    assert_eq!(read.compression(), Ok(Compression::None));
    let mut bad = MAGIC0;
    bad[28] = b'd';
    let read = LegacyMessage::new_checked(&bad).unwrap();
    assert_eq!(read.verify_crc(), Err(RecordError::CrcMismatch));
}

#[test]
fn magic1_and_partial_sets() {
    let mut set = message(7, 1, 0b1000, Some(b"k"), b"v");
    set.extend_from_slice(&message(8, 1, 0, None, b"w"));
    let read: Vec<_> = LegacyMessages::new(&set).map(Result::unwrap).collect();
    assert_eq!(read.len(), 2);
    assert_eq!(read[0].timestamp, Some(1_000));
    assert_eq!(read[0].timestamp_type(), TimestampType::LogAppendTime);
    assert_eq!(read[1].offset, 8);
    for cut in 0..set.len() {
        let count = LegacyMessages::new(&set[..cut]).map(Result::unwrap).count();
        assert!(count <= 1, "cut {cut}");
    }
    let batches: Vec<_> = Batches::new(&set).map(Result::unwrap).collect();
    assert!(matches!(batches[..], [Batch::Legacy(_), Batch::Legacy(_)]));
}

#[test]
fn bad_messages() {
    let mut bad = MAGIC0;
    bad[16] = 3;
    assert_eq!(
        LegacyMessage::new_checked(&bad),
        Err(RecordError::UnsupportedMagic(3))
    );
    let mut bad = MAGIC0;
    bad[8..12].copy_from_slice(&(-1i32).to_be_bytes());
    assert_eq!(
        LegacyMessage::new_checked(&bad),
        Err(RecordError::InvalidBatchLength)
    );
    let mut bad = MAGIC0;
    bad[25] = 9; // value length 9 of 3 bytes
    assert!(LegacyMessage::new_checked(&bad).is_err());
    let mut long = MAGIC0.to_vec();
    long[11] = 18;
    long.push(0);
    assert_eq!(
        LegacyMessage::new_checked(&long),
        Err(RecordError::RecordLengthMismatch)
    );
    let plain = LegacyMessage::new_checked(&MAGIC0).unwrap();
    assert_eq!(
        plain.inner_messages(&mut [0u8; 64]).err(),
        Some(RecordError::Compression(
            compression::CompressionError::Unsupported
        ))
    );
}

#[cfg(feature = "lz4")]
#[test]
fn compressed_wrapper_with_relative_offsets() {
    let mut inner = message(0, 1, 0, None, b"first");
    inner.extend_from_slice(&message(1, 1, 0, None, b"second"));
    let mut packed = [0u8; 128];
    let n = compression::lz4::compress(&inner, &mut packed).unwrap();
    let wrapper = message(11, 1, 3, None, &packed[..n]);
    let read = LegacyMessage::new_checked(&wrapper).unwrap();
    read.verify_crc().unwrap();
    let mut out = [0u8; 128];
    let messages: Vec<_> = read
        .inner_messages(&mut out)
        .unwrap()
        .map(Result::unwrap)
        .map(|m| (m.offset, m.value.unwrap().to_vec()))
        .collect();
    assert_eq!(
        messages,
        [(10, b"first".to_vec()), (11, b"second".to_vec())]
    );
    let mut small = [0u8; 20];
    assert_eq!(
        read.inner_messages(&mut small).err(),
        Some(RecordError::Compression(
            compression::CompressionError::OutputFull
        ))
    );
}
