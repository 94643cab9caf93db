//! A bare-metal program that links franzl-core with no global allocator: it builds an
//! LZ4-compressed record batch in stack buffers, checks it, and reads the records back; and it
//! inflates a gzip member, the other codec that decompresses without a heap.
//!
//! It exists to prove the no-allocator contract at link time (a stray `alloc` use would fail
//! the link) and to measure code size: `cargo xtask size --release`.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

use cortex_m_rt::entry;
use franzl_core::compression::{Compression, CompressionError, gzip};
use franzl_core::record::{
    BatchOptions, Header, NewRecord, RecordBatch, RecordBatchBuilder, RecordError,
};

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Builds a batch of four records, compresses it, reads it back; returns the value bytes read.
fn round_trip() -> Result<usize, RecordError> {
    let mut scratch = [0u8; 512];
    let mut out = [0u8; 768];
    let mut inflated = [0u8; 512];
    let headers = [Header {
        key: "sensor",
        value: Some(b"t1"),
    }];
    let options = BatchOptions {
        base_timestamp: black_box(1_700_000_000_000),
        ..BatchOptions::default()
    };
    let mut builder =
        RecordBatchBuilder::compressed(&mut out, &mut scratch, Compression::Lz4, options)?;
    for i in 0..4u8 {
        let value = [b'0' + black_box(i); 40];
        builder.append(&NewRecord {
            timestamp_delta: i64::from(i) * 10,
            offset_delta: i32::from(i),
            key: Some(b"device-7"),
            value: Some(&value),
            headers: &headers,
        })?;
    }
    let len = builder.finish()?;
    let batch = RecordBatch::new_checked(out.get(..len).unwrap_or_default())?;
    batch.verify_crc()?;
    let mut total = 0;
    for record in batch.records_in(&mut inflated)? {
        total += record?.value.map_or(0, <[u8]>::len);
    }
    Ok(total)
}

/// "abc" as a gzip member with one stored deflate block.
const GZIP_ABC: [u8; 26] = [
    0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff, 0x01, 0x03, 0x00, 0xfc, 0xff, b'a', b'b', b'c',
    0xc2, 0x41, 0x24, 0x35, 0x03, 0x00, 0x00, 0x00,
];

/// Inflates a gzip member into a stack buffer.
fn inflate() -> Result<usize, CompressionError> {
    let mut out = [0u8; 16];
    gzip::decompress(black_box(&GZIP_ABC), &mut out)
}

#[entry]
fn main() -> ! {
    black_box(round_trip().is_ok());
    black_box(inflate().is_ok());
    loop {
        core::hint::spin_loop();
    }
}
