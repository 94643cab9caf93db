//! Splits frames off the input and reads request headers from them, and response headers at
//! both versions. Never panics, never reads past a frame.
#![no_main]

use franzl_core::frame::{RequestHeader, ResponseHeader, split_frame};
use franzl_core::wire::Reader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    while let Ok(Some((frame, rest))) = split_frame(input, 1 << 20) {
        let _ = RequestHeader::read(&mut Reader::new(frame));
        for version in 0..=1 {
            let _ = ResponseHeader::read(&mut Reader::new(frame), version);
        }
        input = rest;
    }
});
