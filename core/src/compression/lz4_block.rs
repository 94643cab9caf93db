//! The LZ4 block format: a greedy compressor with a fixed-size hash table on the stack, and a
//! decompressor that writes into a slice at a position, so linked blocks of a frame can refer
//! back into the output of the blocks before them.
//!
//! Both sides check every length against the bytes that remain; the decompressor ends with
//! `OutputFull` at the end of its output slice, whatever the input claims.

use super::CompressionError;

/// The shortest match the format can express.
const MIN_MATCH: usize = 4;
/// The last five bytes of a block are always literals.
const LAST_LITERALS: usize = 5;
/// A match may not start within the last twelve bytes of a block.
const MF_LIMIT: usize = 12;
/// The longest back-reference distance.
const MAX_OFFSET: usize = 65_535;
/// log2 of the hash table's entry count: 4096 entries of `u16`, 8 KiB of stack.
const HASH_LOG: u32 = 12;
/// The largest block this compressor accepts: positions must fit the table's `u16` entries.
pub(super) const MAX_BLOCK: usize = 65_536;

/// A cursor over the caller's output that fails instead of growing.
struct Out<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Out<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), CompressionError> {
        let end = self.pos.checked_add(bytes.len());
        let target = end
            .and_then(|end| self.buf.get_mut(self.pos..end))
            .ok_or(CompressionError::OutputFull)?;
        target.copy_from_slice(bytes);
        self.pos += bytes.len();
        Ok(())
    }

    /// Writes the 255-run length extension for a length field whose 4-bit part was 15.
    fn put_length_extension(&mut self, mut rest: usize) -> Result<(), CompressionError> {
        while rest >= 255 {
            self.put(&[255])?;
            rest -= 255;
        }
        self.put(&[rest as u8])
    }
}

fn hash(sequence: u32) -> usize {
    (sequence.wrapping_mul(2_654_435_761) >> (32 - HASH_LOG)) as usize
}

fn read_u32_at(data: &[u8], pos: usize) -> Option<u32> {
    let bytes = data.get(pos..pos.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// Writes one sequence: literals, then (unless this is the last sequence) a match.
fn put_sequence(
    out: &mut Out<'_>,
    literals: &[u8],
    matched: Option<(u16, usize)>,
) -> Result<(), CompressionError> {
    let lit_nibble = literals.len().min(15) as u8;
    let match_nibble = matched.map_or(0, |(_, len)| (len - MIN_MATCH).min(15) as u8);
    out.put(&[(lit_nibble << 4) | match_nibble])?;
    if literals.len() >= 15 {
        out.put_length_extension(literals.len() - 15)?;
    }
    out.put(literals)?;
    if let Some((offset, len)) = matched {
        out.put(&offset.to_le_bytes())?;
        if len - MIN_MATCH >= 15 {
            out.put_length_extension(len - MIN_MATCH - 15)?;
        }
    }
    Ok(())
}

/// Compresses `input` (at most [`MAX_BLOCK`] bytes) as one independent LZ4 block into `output`.
///
/// # Errors
///
/// `OutputFull` when `output` is too small; `Unsupported` when `input` exceeds [`MAX_BLOCK`].
pub(super) fn compress_block(input: &[u8], output: &mut [u8]) -> Result<usize, CompressionError> {
    if input.len() > MAX_BLOCK {
        return Err(CompressionError::Unsupported);
    }
    let mut out = Out {
        buf: output,
        pos: 0,
    };
    let mut table = [0u16; 1 << HASH_LOG];
    let mut anchor = 0;
    let mut pos = 0;
    let match_start_limit = input.len().saturating_sub(MF_LIMIT);
    let match_end_limit = input.len().saturating_sub(LAST_LITERALS);
    // Skip faster through data that does not compress, as the reference does.
    let mut misses = 0usize;
    while pos < match_start_limit {
        let Some(sequence) = read_u32_at(input, pos) else {
            break;
        };
        let slot = &mut table[hash(sequence)];
        let candidate = usize::from(*slot);
        // Positions fit in u16 because blocks are at most 64 KiB.
        *slot = pos as u16;
        let distance = pos - candidate.min(pos);
        if candidate < pos
            && distance <= MAX_OFFSET
            && read_u32_at(input, candidate) == Some(sequence)
        {
            let mut len = MIN_MATCH;
            while pos + len < match_end_limit && input.get(candidate + len) == input.get(pos + len)
            {
                len += 1;
            }
            put_sequence(&mut out, &input[anchor..pos], Some((distance as u16, len)))?;
            pos += len;
            anchor = pos;
            misses = 0;
        } else {
            misses += 1;
            pos += 1 + (misses >> 6);
        }
    }
    put_sequence(&mut out, &input[anchor..], None)?;
    Ok(out.pos)
}

/// Reads an LZ4 length extension (bytes of 255 continue it) starting at `*at`.
fn read_length_extension(input: &[u8], at: &mut usize) -> Result<usize, CompressionError> {
    let mut total = 0usize;
    loop {
        let byte = *input.get(*at).ok_or(CompressionError::Truncated)?;
        *at += 1;
        total = total
            .checked_add(usize::from(byte))
            .ok_or(CompressionError::Corrupt)?;
        if byte != 255 {
            return Ok(total);
        }
    }
}

/// Decompresses one LZ4 block into `output[start..]`. Matches may reach back to
/// `window_start` (the block's own start for independent blocks, the frame's start for linked
/// ones). Returns the position after the last byte written.
///
/// # Errors
///
/// `OutputFull` when the block inflates past `output.len()`; `Truncated` or `Corrupt` for a
/// malformed block (including an offset of zero or one before `window_start`).
pub(super) fn decompress_block(
    input: &[u8],
    output: &mut [u8],
    start: usize,
    window_start: usize,
) -> Result<usize, CompressionError> {
    let mut at = 0;
    let mut pos = start;
    loop {
        let token = *input.get(at).ok_or(CompressionError::Truncated)?;
        at += 1;
        let mut literal_len = usize::from(token >> 4);
        if literal_len == 15 {
            literal_len = literal_len
                .checked_add(read_length_extension(input, &mut at)?)
                .ok_or(CompressionError::Corrupt)?;
        }
        let literal_end = at
            .checked_add(literal_len)
            .ok_or(CompressionError::Corrupt)?;
        let literals = input
            .get(at..literal_end)
            .ok_or(CompressionError::Truncated)?;
        let out_end = pos
            .checked_add(literal_len)
            .ok_or(CompressionError::OutputFull)?;
        output
            .get_mut(pos..out_end)
            .ok_or(CompressionError::OutputFull)?
            .copy_from_slice(literals);
        at = literal_end;
        pos = out_end;
        if at == input.len() {
            // The last sequence has literals only.
            return Ok(pos);
        }
        let offset_bytes = input.get(at..at + 2).ok_or(CompressionError::Truncated)?;
        let offset = usize::from(u16::from_le_bytes([offset_bytes[0], offset_bytes[1]]));
        at += 2;
        if offset == 0 || offset > pos - window_start.min(pos) {
            return Err(CompressionError::Corrupt);
        }
        let mut match_len = usize::from(token & 0x0F) + MIN_MATCH;
        if token & 0x0F == 15 {
            match_len = match_len
                .checked_add(read_length_extension(input, &mut at)?)
                .ok_or(CompressionError::Corrupt)?;
        }
        let match_end = pos
            .checked_add(match_len)
            .ok_or(CompressionError::OutputFull)?;
        if match_end > output.len() {
            return Err(CompressionError::OutputFull);
        }
        let from = pos - offset;
        if offset >= match_len {
            // Disjoint: a plain copy (memcpy, not memmove).
            let (done, rest) = output.split_at_mut(pos);
            if let (Some(source), Some(target)) =
                (done.get(from..from + match_len), rest.get_mut(..match_len))
            {
                target.copy_from_slice(source);
            }
        } else {
            // Overlapping copy: each byte may be one this copy just wrote (runs).
            for i in 0..match_len {
                output[pos + i] = output[from + i];
            }
        }
        pos = match_end;
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;

    #[test]
    fn hand_made_block() {
        // Token 0x34: 3 literals "abc", match length 4+4=8 at offset 3; then last literals "!".
        let block = [0x34, b'a', b'b', b'c', 3, 0, 0x10, b'!'];
        let mut out = [0u8; 16];
        let end = decompress_block(&block, &mut out, 0, 0).unwrap();
        assert_eq!(&out[..end], b"abcabcabcab!");
    }

    #[test]
    fn rejects_bad_offsets_and_truncation() {
        let mut out = [0u8; 16];
        // Offset 0.
        let block = [0x14, b'a', 0, 0, 0x00];
        assert_eq!(
            decompress_block(&block, &mut out, 0, 0),
            Err(CompressionError::Corrupt)
        );
        // Offset reaching before the window.
        let block = [0x14, b'a', 2, 0, 0x00];
        assert_eq!(
            decompress_block(&block, &mut out, 0, 0),
            Err(CompressionError::Corrupt)
        );
        // Literal length longer than the block.
        assert_eq!(
            decompress_block(&[0x50, b'a'], &mut out, 0, 0),
            Err(CompressionError::Truncated)
        );
        // Offset cut short, empty block.
        assert_eq!(
            decompress_block(&[0x14, b'a', 1], &mut out, 0, 0),
            Err(CompressionError::Truncated)
        );
        assert_eq!(
            decompress_block(&[], &mut out, 0, 0),
            Err(CompressionError::Truncated)
        );
    }

    #[test]
    fn bomb_stops_at_output_end() {
        // One literal, then a match of 15 + 4 + 255 * 200 + 0 bytes at offset 1.
        let mut block = vec![0x1F, b'x', 1, 0];
        block.extend(core::iter::repeat_n(255u8, 200));
        block.push(0);
        block.push(0x00);
        let mut out = [0u8; 1024];
        assert_eq!(
            decompress_block(&block, &mut out, 0, 0),
            Err(CompressionError::OutputFull)
        );
    }

    #[test]
    fn agrees_with_lz4_flex() {
        let inputs: [&[u8]; 4] = [
            b"",
            b"short",
            &[7u8; 5000],
            b"The quick brown fox jumps over the lazy dog. The quick brown fox jumps again.",
        ];
        for input in inputs {
            let mut compressed = [0u8; 6000];
            let n = compress_block(input, &mut compressed).unwrap();
            let mut back = vec![0u8; input.len()];
            assert_eq!(
                lz4_flex::block::decompress_into(&compressed[..n], &mut back).unwrap(),
                input.len()
            );
            assert_eq!(back, input);
            let theirs = lz4_flex::block::compress(input);
            let end = decompress_block(&theirs, &mut back, 0, 0).unwrap();
            assert_eq!(&back[..end], input);
        }
    }
}
