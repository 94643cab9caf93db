//! Fuzzes record-batch decoding with every codec: the input is read as a Fetch response's
//! records bytes (v2 batches and legacy messages), every batch is checked, decompressed into a
//! bounded buffer and its records and headers walked; the input is also fed to each codec's
//! decompressor directly. Nothing may panic, loop or allocate beyond the buffers.
#![no_main]

use franzl_core::compression::{self, Compression};
use franzl_core::record::{Batch, Batches, ControlRecord};
use libfuzzer_sys::fuzz_target;

/// The decompression buffer: large enough for real batches, small enough that bombs hit it.
const INFLATED: usize = 64 << 10;

fuzz_target!(|data: &[u8]| {
    let mut inflated = vec![0u8; INFLATED];
    for batch in Batches::new(data) {
        match batch {
            Ok(Batch::V2(batch)) => {
                let _ = batch.verify_crc();
                let _ = (
                    batch.last_offset(),
                    batch.max_timestamp(),
                    batch.producer_id(),
                );
                if let Ok(records) = batch.records_in(&mut inflated) {
                    for record in records.flatten() {
                        for header in record.headers {
                            let _ = (header.key.len(), header.value.map(<[u8]>::len));
                        }
                        if batch.is_control() {
                            let _ = ControlRecord::parse(&record);
                        }
                    }
                }
            }
            Ok(Batch::Legacy(message)) => {
                let _ = message.verify_crc();
                if let Ok(inner) = message.inner_messages(&mut inflated) {
                    for message in inner.flatten() {
                        let _ = message.verify_crc();
                    }
                }
            }
            Err(_) => {}
        }
    }
    if let Some((&selector, payload)) = data.split_first() {
        let codec = match selector % 4 {
            0 => Compression::Gzip,
            1 => Compression::Snappy,
            2 => Compression::Lz4,
            _ => Compression::Zstd,
        };
        let _ = compression::decompress(codec, payload, &mut inflated);
    }
});
