//! Hex dumps of frames for the `franzl::wire` log target, when `franzl.hex.dump` is on.

use std::fmt::Write;

/// The log target of hex dumps.
pub(super) const TARGET: &str = "franzl::wire";

/// Logs `bytes` at trace level with a heading such as `sent to localhost:9092`.
pub(super) fn log_frame(heading: &str, bytes: &[u8]) {
    if log::log_enabled!(target: TARGET, log::Level::Trace) {
        log::trace!(target: TARGET, "{heading}, {} bytes\n{}", bytes.len(), dump(bytes));
    }
}

/// Sixteen bytes a line: offset, hex, and the printable ASCII.
fn dump(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (line, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{:08x} ", line * 16);
        for index in 0..16 {
            match chunk.get(index) {
                Some(byte) => {
                    let _ = write!(out, " {byte:02x}");
                }
                None => out.push_str("   "),
            }
        }
        out.push_str("  |");
        out.extend(chunk.iter().map(|&byte| {
            if byte.is_ascii_graphic() || byte == b' ' {
                char::from(byte)
            } else {
                '.'
            }
        }));
        out.push_str("|\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_sixteen_with_ascii() {
        let text = dump(b"\x00\x00\x00\x0aApiVersions!\x01");
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(
            lines[0],
            "00000000  00 00 00 0a 41 70 69 56 65 72 73 69 6f 6e 73 21  |....ApiVersions!|"
        );
        assert_eq!(
            lines[1],
            "00000010  01                                               |.|"
        );
    }
}
