//! A bare-metal program that links franzl-core with no global allocator: it builds an
//! LZ4-compressed record batch in stack buffers, checks it, and reads the records back.
//!
//! It exists to prove the no-allocator contract at link time (a stray `alloc` use would fail
//! the link) and to measure code size: `cargo xtask size --release`.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

use cortex_m_rt::entry;
use franzl_core::compression::Compression;
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

#[entry]
fn main() -> ! {
    black_box(round_trip().is_ok());
    loop {
        core::hint::spin_loop();
    }
}
