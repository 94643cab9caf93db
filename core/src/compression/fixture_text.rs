//! The text the reference-tool fixtures in `testdata/` were made from (tests only).

extern crate std;

use std::format;
use std::vec::Vec;

/// 5,000 lines of `line {i}: the quick brown fox jumps {i * 7 % 13} times`.
pub(super) fn fixture_text() -> Vec<u8> {
    (0..5000)
        .flat_map(|i| {
            format!("line {i}: the quick brown fox jumps {} times\n", i * 7 % 13).into_bytes()
        })
        .collect()
}
