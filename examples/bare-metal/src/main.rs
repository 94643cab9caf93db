//! A bare-metal program that links franzl-core with no global allocator: it builds an
//! LZ4-compressed record batch in stack buffers and reads the records back, and it inflates a
//! gzip member, the other codec that decompresses without a heap. It checks every result on
//! the target and says so through semihosting: run on QEMU's `mps2-an386` (a Cortex-M4) by
//! `cargo xtask qemu`, it exits with status 0 only if every check held, and reports its
//! stack's high-water mark.
//!
//! It checks the program's own memory copies too (`franzl_bare_metal::mem`).
//!
//! It also proves the no-allocator contract at link time (a stray `alloc` use would fail the
//! link) and is measured by `cargo xtask size --release`.
#![no_std]
#![no_main]

use core::cmp::Ordering;
use core::hint::black_box;
use core::panic::PanicInfo;

use cortex_m_rt::entry;
use franzl_bare_metal::checks::{Checks, exit_on_panic};
use franzl_bare_metal::stack;
use franzl_core::compression::{Compression, CompressionError, gzip};
use franzl_core::record::{
    BatchOptions, Header, NewRecord, RecordBatch, RecordBatchBuilder, RecordError,
    encoded_batch_len,
};

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    exit_on_panic(info)
}

/// The records' count, and each one's value length.
const RECORDS: u8 = 4;
const VALUE_LEN: usize = 40;
const BASE_TIMESTAMP: i64 = 1_700_000_000_000;
const HEADERS: [Header<'static>; 1] = [Header {
    key: "sensor",
    value: Some(b"t1"),
}];

/// Record `i` of the batch: key `device-7`, 40 bytes of the digit `i`, one header.
fn record(i: u8, value: &[u8; VALUE_LEN]) -> NewRecord<'_> {
    NewRecord {
        timestamp_delta: i64::from(i) * 10,
        offset_delta: i32::from(i),
        key: Some(b"device-7"),
        value: Some(value),
        headers: &HEADERS,
    }
}

fn value(i: u8) -> [u8; VALUE_LEN] {
    [b'0' + black_box(i); VALUE_LEN]
}

/// Builds the LZ4 batch into `out`; returns its length.
fn build(out: &mut [u8]) -> Result<usize, RecordError> {
    let mut scratch = [0u8; 512];
    let options = BatchOptions {
        base_timestamp: black_box(BASE_TIMESTAMP),
        ..BatchOptions::default()
    };
    let mut builder = RecordBatchBuilder::compressed(out, &mut scratch, Compression::Lz4, options)?;
    for i in 0..RECORDS {
        builder.append(&record(i, &value(i)))?;
    }
    builder.finish()
}

/// Reads the batch in `bytes` back and checks its header and every record.
fn check_batch(checks: &mut Checks, bytes: &[u8]) -> Result<(), RecordError> {
    let batch = RecordBatch::new_checked(bytes)?;
    checks.check_eq("its CRC-32C holds", &batch.verify_crc(), &Ok(()));
    checks.check_eq("it says LZ4", &batch.compression(), &Compression::Lz4);
    checks.check_eq(
        "it counts 4 records",
        &batch.record_count(),
        &u32::from(RECORDS),
    );
    checks.check_eq(
        "its base timestamp",
        &batch.base_timestamp(),
        &BASE_TIMESTAMP,
    );
    let uncompressed = encoded_batch_len(&[record(0, &value(0))]) * usize::from(RECORDS);
    checks.check(
        "LZ4 made it smaller than the records it holds",
        bytes.len() < uncompressed,
    );
    let mut inflated = [0u8; 512];
    let mut read = 0u8;
    for record in batch.records_in(&mut inflated)? {
        let record = record?;
        let i = read;
        read += 1;
        let mut headers = record.headers;
        let fields = (
            record.offset,
            record.timestamp,
            record.key,
            record.value,
            headers.len(),
            headers.next(),
        );
        let want = (
            i64::from(i),
            BASE_TIMESTAMP + i64::from(i) * 10,
            Some(&b"device-7"[..]),
            Some(&value(i)[..]),
            HEADERS.len(),
            HEADERS.first().copied(),
        );
        checks.check_eq(
            format_args!("record {i} reads back: offset, timestamp, key, value, header"),
            &fields,
            &want,
        );
    }
    checks.check_eq("every record was read back", &read, &RECORDS);
    Ok(())
}

/// "abc" as a gzip member with one stored deflate block.
const GZIP_ABC: [u8; 26] = [
    0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff, 0x01, 0x03, 0x00, 0xfc, 0xff, b'a', b'b', b'c',
    0xc2, 0x41, 0x24, 0x35, 0x03, 0x00, 0x00, 0x00,
];

/// Inflates `member` into a buffer of `room` bytes (at most 16); returns what came out.
fn inflate(member: &[u8], room: usize) -> Result<([u8; 16], usize), CompressionError> {
    let mut out = [0u8; 16];
    let len = gzip::decompress(black_box(member), &mut out[..room.min(16)])?;
    Ok((out, len))
}

fn check_gzip(checks: &mut Checks) {
    let inflated = inflate(&GZIP_ABC, 16).map(|(out, len)| (out, out.get(..len) == Some(b"abc")));
    checks.check_eq(
        "gzip: the member inflates to \"abc\"",
        &inflated.map(|(_, abc)| abc),
        &Ok(true),
    );
    let mut corrupt = GZIP_ABC;
    corrupt[18] ^= 1; // the CRC-32 of the data
    checks.check_eq(
        "gzip: a wrong CRC-32 is refused",
        &inflate(&corrupt, 16).map(|_| ()),
        &Err(CompressionError::ChecksumMismatch),
    );
    checks.check_eq(
        "gzip: output past the buffer is refused",
        &inflate(&GZIP_ABC, 2).map(|_| ()),
        &Err(CompressionError::OutputFull),
    );
}

/// Bytes at a word-aligned address, so that the copies below take the word loop where the
/// offsets allow.
#[repr(align(4))]
#[derive(Clone, Copy)]
struct Aligned([u8; 24]);

/// The program's memory copies, fills and comparisons (`franzl_bare_metal::mem`): overlapping
/// moves in both directions, at word offsets and at odd ones, fills of a word run and of odd
/// bytes, and byte strings that compare equal, lower and higher.
fn check_mem(checks: &mut Checks) {
    let pattern = Aligned(core::array::from_fn(|i| i as u8 + 1));
    for (from, to, len) in [(0, 4, 16), (4, 0, 16), (1, 6, 13), (6, 1, 13)] {
        let mut bytes = pattern;
        // Lengths the compiler cannot see, so that the copy calls `memmove`.
        let (from, to, len) = (black_box(from), black_box(to), black_box(len));
        bytes.0.copy_within(from..from + len, to);
        let want: [u8; 24] = core::array::from_fn(|i| match i.checked_sub(to) {
            Some(at) if at < len => pattern.0[from + at],
            _ => pattern.0[i],
        });
        checks.check_eq(
            format_args!("memmove: {len} bytes from {from} to {to}"),
            &bytes.0,
            &want,
        );
    }
    for (start, end) in [(4, 20), (1, 12)] {
        let mut bytes = pattern;
        let (start, end) = (black_box(start), black_box(end));
        bytes.0[start..end].fill(black_box(0xA5));
        let want: [u8; 24] = core::array::from_fn(|i| {
            if (start..end).contains(&i) {
                0xA5
            } else {
                pattern.0[i]
            }
        });
        checks.check_eq(
            format_args!("memset: bytes {start} to {end}"),
            &bytes.0,
            &want,
        );
    }
    // Slices of bytes compare through `memcmp`.
    let (low, high) = (*b"franzl-a", *b"franzl-b");
    let order = |a: &[u8], b: &[u8]| black_box(a).cmp(black_box(b));
    checks.check_eq("memcmp: equal bytes", &order(&low, &low), &Ordering::Equal);
    checks.check_eq("memcmp: lower first", &order(&low, &high), &Ordering::Less);
    checks.check_eq(
        "memcmp: higher first",
        &order(&high, &low),
        &Ordering::Greater,
    );
}

#[entry]
fn main() -> ! {
    let mut checks = Checks::new("franzl-bare-metal");
    let mut out = [0u8; 768];
    let built = build(&mut out);
    if checks.check("an LZ4 batch of 4 records is built", built.is_ok()) {
        let len = built.unwrap_or_default();
        let bytes = out.get(..len).unwrap_or_default();
        let read = check_batch(&mut checks, bytes);
        checks.check_eq("the batch reads back without error", &read, &Ok(()));
        let mut corrupt = out;
        if let Some(byte) = corrupt.get_mut(len - 1) {
            *byte ^= 0x40;
        }
        let corrupt = RecordBatch::new_checked(corrupt.get(..len).unwrap_or_default());
        checks.check_eq(
            "a flipped bit fails the batch's CRC-32C",
            &corrupt.and_then(|batch| batch.verify_crc()),
            &Err(RecordError::CrcMismatch),
        );
    }
    check_gzip(&mut checks);
    check_mem(&mut checks);
    checks.check_stack("franzl-bare-metal", stack::high_water_mark());
    checks.finish()
}
