//! Decodes any API's request or response body, then walks every field (through `Debug`, which
//! iterates every array). Input: byte 0 picks the API, byte 1 the version, byte 2's low bit
//! request (0) or response (1); the rest is the body. Decoding must fail or succeed, never panic.
#![no_main]

use core::fmt::Write;

use franzl_core::messages::{ApiKey, decode_body};
use libfuzzer_sys::fuzz_target;

/// Discards formatted output: only the walk matters.
struct Sink;

impl Write for Sink {
    fn write_str(&mut self, _: &str) -> core::fmt::Result {
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let [api, version, direction, body @ ..] = data else {
        return;
    };
    let api = ApiKey::ALL[usize::from(*api) % ApiKey::ALL.len()];
    let version = i16::from(*version) % (api.max_version() + 1);
    let _ = decode_body(api, version, direction & 1 == 1, body, &mut |message| {
        let _ = write!(Sink, "{message:?}");
    });
});
