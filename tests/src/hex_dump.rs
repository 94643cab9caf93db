//! franzl's hex dumps (`franzl.hex.dump`, log target `franzl::wire`) read back into the bytes of
//! the frames they show, so a test searches the frames and not the lines of text: a secret that
//! a line break splits in the dump is still found.
//!
//! A dump record is a heading `<what>, <n> bytes`, then lines of sixteen bytes each:
//! an offset of 8 hex digits, a space, one ` hh` (or 3 spaces past the end) per byte, then
//! `  |`, the printable ASCII and `|`. A record whose heading ends in `(not shown)` carries no
//! dump (SASL authentication frames are only counted).

/// The log target of franzl's hex dumps.
pub const TARGET: &str = "franzl::wire";

/// One frame read back from a hex-dump record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DumpedFrame {
    /// The heading, without its byte count (`sent to 127.0.0.1:9092`).
    pub heading: String,
    /// The frame's bytes.
    pub bytes: Vec<u8>,
}

/// Where the hex column of a dump line starts and ends, and the `  |` after it.
const HEX_START: usize = 9;
const HEX_END: usize = HEX_START + 16 * 3;

/// Reads one `franzl::wire` log message back: `Ok(None)` for a record that shows no bytes,
/// `Ok(Some(frame))` for a dump. A dump that does not read back exactly (an offset out of
/// sequence, a malformed line, fewer or more bytes than its heading says) is an error, so a
/// change of the format cannot make a search of the frames silently find nothing.
///
/// # Errors
///
/// The message is neither a dump nor a record of bytes not shown, or the dump is malformed.
pub fn parse(message: &str) -> Result<Option<DumpedFrame>, String> {
    let mut lines = message.lines();
    let first = lines.next().unwrap_or_default();
    if first.ends_with(" (not shown)") && lines.next().is_none() {
        return Ok(None);
    }
    let (heading, count) = first
        .strip_suffix(" bytes")
        .and_then(|rest| rest.rsplit_once(", "))
        .ok_or_else(|| format!("not a hex-dump heading: {first:?}"))?;
    let count: usize = count
        .parse()
        .map_err(|_| format!("no byte count in {first:?}"))?;
    let mut bytes = Vec::with_capacity(count);
    for line in lines {
        let offset = line
            .get(..8)
            .and_then(|hex| usize::from_str_radix(hex, 16).ok())
            .filter(|&offset| offset == bytes.len())
            .ok_or_else(|| format!("offset not {:08x}: {line:?}", bytes.len()))?;
        let hex = line
            .get(HEX_START..HEX_END)
            .filter(|_| line.get(8..HEX_START) == Some(" "))
            .filter(|_| line.get(HEX_END..HEX_END + 3) == Some("  |") && line.ends_with('|'))
            .ok_or_else(|| format!("malformed dump line: {line:?}"))?;
        // Sixteen cells ` hh`; past the frame's end, blank ones.
        let mut cells = hex.as_bytes().chunks(3).map(|cell| cell.to_vec());
        for cell in cells.by_ref() {
            if cell == b"   " {
                break;
            }
            let byte = match cell.as_slice() {
                [b' ', high, low] => std::str::from_utf8(&[*high, *low])
                    .ok()
                    .and_then(|digits| u8::from_str_radix(digits, 16).ok()),
                _ => None,
            };
            bytes.push(byte.ok_or_else(|| format!("not a hex byte: {line:?}"))?);
        }
        let short = bytes.len() - offset < 16;
        if cells.any(|cell| cell != b"   ") || short && bytes.len() != count {
            return Err(format!("malformed hex column: {line:?}"));
        }
    }
    if bytes.len() != count {
        return Err(format!(
            "{heading}: the dump holds {} bytes, its heading says {count}",
            bytes.len()
        ));
    }
    Ok(Some(DumpedFrame {
        heading: heading.to_owned(),
        bytes,
    }))
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::{DumpedFrame, contains, parse};

    /// 20 bytes, `plain-secret` split after `plain-` by the line break: made with franzl's own
    /// dump format.
    const SPLIT: &str = "sent to 127.0.0.1:9092, 20 bytes
00000000  00 00 00 10 00 24 00 02 00 00 00 07 70 6c 61 69  |.....$......plai|
00000010  6e 2d 73 65                                      |n-se|";

    #[test]
    fn a_secret_split_across_lines_is_found_in_the_bytes() {
        let frame = parse(SPLIT).unwrap().unwrap();
        assert_eq!(frame.heading, "sent to 127.0.0.1:9092");
        assert_eq!(frame.bytes.len(), 20);
        assert_eq!(&frame.bytes[..4], &[0, 0, 0, 0x10]);
        assert!(contains(&frame.bytes, b"plain-se"));
        // What a search of the lines misses.
        assert!(!SPLIT.lines().any(|line| line.contains("plain-se")));
    }

    #[test]
    fn records_without_bytes_and_malformed_dumps() {
        let hidden = "handshake sent to b:1, 57 bytes of SASL authentication (not shown)";
        assert_eq!(parse(hidden), Ok(None));
        assert!(parse("connected to b:1").is_err());
        // Bytes missing, an offset out of sequence, a line cut short, a non-hex byte.
        assert!(parse(&SPLIT.replace("20 bytes", "21 bytes")).is_err());
        assert!(parse(&SPLIT.replace("00000010", "00000020")).is_err());
        assert!(parse(&SPLIT.replace("  |n-se|", "|n-se|")).is_err());
        assert!(parse(&SPLIT.replace("6e 2d", "6e zz")).is_err());
        let empty = parse("sent to b:1, 0 bytes").unwrap().unwrap();
        assert_eq!(
            empty,
            DumpedFrame {
                heading: "sent to b:1".into(),
                bytes: Vec::new()
            }
        );
    }
}
