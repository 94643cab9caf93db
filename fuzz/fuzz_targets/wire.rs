//! Drives the wire `Reader` with input-chosen operations: each byte picks the next primitive to
//! read from the rest. Never panics, always consumes or stops.
#![no_main]

use franzl_core::wire::{RawTaggedFields, Reader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut r = Reader::new(data);
    while let Ok(op) = r.u8() {
        let ok = match op % 16 {
            0 => r.i16().is_ok(),
            1 => r.i64().is_ok(),
            2 => r.uvarint().is_ok(),
            3 => r.varlong().is_ok(),
            4 => r.string().is_ok(),
            5 => r.nullable_string().is_ok(),
            6 => r.compact_string().is_ok(),
            7 => r.compact_nullable_bytes().is_ok(),
            8 => r.bytes().is_ok(),
            9 => r.array_len().is_ok(),
            10 => r.compact_array_len().is_ok(),
            11 => r.uuid().is_ok(),
            12 => RawTaggedFields::read_section(&mut r, &[0, 1], |_, field| {
                field.take(field.remaining()).map(drop)
            })
            .map(|fields| fields.iter().count())
            .is_ok(),
            13 => r.uvarint64().is_ok(),
            14 => r.f64().is_ok(),
            _ => r.sub(usize::from(op / 16)).is_ok(),
        };
        if !ok {
            break;
        }
    }
});
