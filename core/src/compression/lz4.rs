//! Kafka's LZ4 codec: the standard LZ4 frame format, written and read here, without `std` or an
//! allocator.
//!
//! Writing follows what the Java client's `KafkaLZ4BlockOutputStream` writes: 64 KiB independent
//! blocks, no block or content checksum, no content size; a block that does not shrink is
//! stored uncompressed. Reading accepts every frame the format allows except preset
//! dictionaries: independent or linked blocks (librdkafka's liblz4 may link them), block and
//! content checksums, a content size, block sizes up to 4 MiB, several frames in a row and
//! skippable frames. The broken header checksum of Kafka before 0.10 (computed over the magic
//! too) matters only for magic 0 and 1 message sets; [`decompress_legacy`] accepts it.
//!
//! Compressing uses about 8 KiB of stack for the block compressor's hash table.
//! [`max_compressed_len`] gives an output size that always suffices.

use super::CompressionError;
use super::lz4_block::{MAX_BLOCK, compress_block, decompress_block};
use super::xxhash32::xxhash32;

const MAGIC: u32 = 0x184D_2204;
/// Skippable frames have magics `0x184D2A50..=0x184D2A5F`.
const SKIPPABLE_MASK: u32 = 0xFFFF_FFF0;
const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;
/// FLG: version 01, independent blocks, no checksums, no content size, no dictionary.
const FLG_WRITTEN: u8 = 0b0110_0000;
/// BD: 64 KiB maximum block size.
const BD_WRITTEN: u8 = 4 << 4;
/// The high bit of a block size marks a block stored uncompressed.
const UNCOMPRESSED_BIT: u32 = 0x8000_0000;
/// Magic (4), FLG, BD, header checksum.
const HEADER_LEN: usize = 7;

/// The largest frame [`compress`] writes for `input_len` bytes: the header, every block stored
/// with its 4-byte size, and the end mark. `None` if that overflows `usize`.
pub const fn max_compressed_len(input_len: usize) -> Option<usize> {
    let blocks = input_len.div_ceil(MAX_BLOCK);
    match input_len.checked_add(HEADER_LEN + 4) {
        Some(len) => len.checked_add(blocks * 4),
        None => None,
    }
}

fn header_checksum(descriptor: &[u8]) -> u8 {
    (xxhash32(descriptor, 0) >> 8) as u8
}

/// Compresses `input` into `output` as one LZ4 frame, returning the bytes written.
///
/// # Errors
///
/// [`CompressionError::OutputFull`] when `output` is too small; an output of
/// [`max_compressed_len`] bytes always suffices.
///
/// # Examples
///
/// ```
/// use franzl_core::compression::lz4;
/// let mut frame = [0u8; 64];
/// let n = lz4::compress(b"hello hello hello hello", &mut frame).unwrap();
/// let mut back = [0u8; 32];
/// let m = lz4::decompress(&frame[..n], &mut back).unwrap();
/// assert_eq!(&back[..m], b"hello hello hello hello");
/// ```
pub fn compress(input: &[u8], output: &mut [u8]) -> Result<usize, CompressionError> {
    let header = output
        .get_mut(..HEADER_LEN)
        .ok_or(CompressionError::OutputFull)?;
    header[..4].copy_from_slice(&MAGIC.to_le_bytes());
    header[4] = FLG_WRITTEN;
    header[5] = BD_WRITTEN;
    header[6] = header_checksum(&[FLG_WRITTEN, BD_WRITTEN]);
    let mut pos = HEADER_LEN;
    for chunk in input.chunks(MAX_BLOCK) {
        let data_start = pos.checked_add(4).ok_or(CompressionError::OutputFull)?;
        let rest = output
            .get_mut(data_start..)
            .ok_or(CompressionError::OutputFull)?;
        // Only a compressed block smaller than the data is worth keeping.
        let room = rest.len().min(chunk.len().saturating_sub(1));
        let size_field = match compress_block(chunk, &mut rest[..room]) {
            Ok(n) => n as u32,
            Err(_) => {
                rest.get_mut(..chunk.len())
                    .ok_or(CompressionError::OutputFull)?
                    .copy_from_slice(chunk);
                chunk.len() as u32 | UNCOMPRESSED_BIT
            }
        };
        output[pos..data_start].copy_from_slice(&size_field.to_le_bytes());
        pos = data_start + (size_field & !UNCOMPRESSED_BIT) as usize;
    }
    let end = pos.checked_add(4).ok_or(CompressionError::OutputFull)?;
    output
        .get_mut(pos..end)
        .ok_or(CompressionError::OutputFull)?
        .copy_from_slice(&0u32.to_le_bytes());
    Ok(end)
}

/// Decompresses one or more LZ4 frames from `input` into `output`, returning the bytes written.
///
/// # Errors
///
/// [`CompressionError::OutputFull`] when the content does not fit `output`;
/// [`CompressionError::Truncated`], [`CompressionError::Corrupt`] or
/// [`CompressionError::ChecksumMismatch`] for bad frames; [`CompressionError::Unsupported`] for
/// a frame that needs a preset dictionary.
pub fn decompress(input: &[u8], output: &mut [u8]) -> Result<usize, CompressionError> {
    decompress_frames(input, output, false)
}

/// Like [`decompress`], but also accepts the header checksum that Kafka before 0.10 wrote
/// (computed over the magic as well), as found in magic 0 and 1 message sets.
///
/// # Errors
///
/// As [`decompress`].
pub fn decompress_legacy(input: &[u8], output: &mut [u8]) -> Result<usize, CompressionError> {
    decompress_frames(input, output, true)
}

fn decompress_frames(
    input: &[u8],
    output: &mut [u8],
    accept_broken_checksum: bool,
) -> Result<usize, CompressionError> {
    let mut at = 0;
    let mut pos = 0;
    // Every frame consumes at least 7 bytes (or 8 for a skippable one), so this ends.
    loop {
        let rest = input.get(at..).unwrap_or_default();
        if rest.is_empty() && at > 0 {
            return Ok(pos);
        }
        let (consumed, written) = decompress_frame(rest, output, pos, accept_broken_checksum)?;
        at += consumed;
        pos = written;
    }
}

fn take<'a>(input: &'a [u8], at: &mut usize, len: usize) -> Result<&'a [u8], CompressionError> {
    let end = at.checked_add(len).ok_or(CompressionError::Truncated)?;
    let bytes = input.get(*at..end).ok_or(CompressionError::Truncated)?;
    *at = end;
    Ok(bytes)
}

fn take_u32(input: &[u8], at: &mut usize) -> Result<u32, CompressionError> {
    let b = take(input, at, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The frame descriptor's flags that matter for decoding.
struct Descriptor {
    independent: bool,
    block_checksum: bool,
    content_checksum: bool,
    content_size: Option<u64>,
    max_block: usize,
}

fn read_descriptor(
    input: &[u8],
    at: &mut usize,
    accept_broken_checksum: bool,
) -> Result<Descriptor, CompressionError> {
    let start = *at;
    let flags = take(input, at, 2)?;
    let (flg, bd) = (flags[0], flags[1]);
    if flg >> 6 != 0b01 || flg & 0b10 != 0 || bd & 0b1000_1111 != 0 {
        return Err(CompressionError::Corrupt);
    }
    let max_block = match (bd >> 4) & 0b111 {
        4 => 64 << 10,
        5 => 256 << 10,
        6 => 1 << 20,
        7 => 4 << 20,
        _ => return Err(CompressionError::Corrupt),
    };
    let content_size = if flg & 0b1000 != 0 {
        let b = take(input, at, 8)?;
        Some(u64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    } else {
        None
    };
    if flg & 0b1 != 0 {
        return Err(CompressionError::Unsupported);
    }
    let descriptor = &input[start..*at];
    let checksum = take(input, at, 1)?[0];
    let with_magic = input.get(start.saturating_sub(4)..*at - 1);
    let broken_ok = accept_broken_checksum
        && with_magic.is_some_and(|bytes| header_checksum(bytes) == checksum);
    if checksum != header_checksum(descriptor) && !broken_ok {
        return Err(CompressionError::ChecksumMismatch);
    }
    Ok(Descriptor {
        independent: flg & 0b10_0000 != 0,
        block_checksum: flg & 0b1_0000 != 0,
        content_checksum: flg & 0b100 != 0,
        content_size,
        max_block,
    })
}

/// Decodes one frame starting at `input[0]` into `output[start..]`; returns the input bytes
/// consumed and the output position after the frame's content.
fn decompress_frame(
    input: &[u8],
    output: &mut [u8],
    start: usize,
    accept_broken_checksum: bool,
) -> Result<(usize, usize), CompressionError> {
    let mut at = 0;
    let magic = take_u32(input, &mut at)?;
    if magic & SKIPPABLE_MASK == SKIPPABLE_MAGIC {
        let len = take_u32(input, &mut at)? as usize;
        take(input, &mut at, len)?;
        return Ok((at, start));
    }
    if magic != MAGIC {
        return Err(CompressionError::Corrupt);
    }
    let frame = read_descriptor(input, &mut at, accept_broken_checksum)?;
    let mut pos = start;
    // Each block consumes at least its 4-byte size, so this ends.
    loop {
        let size_field = take_u32(input, &mut at)?;
        if size_field == 0 {
            break;
        }
        let len = (size_field & !UNCOMPRESSED_BIT) as usize;
        if len > frame.max_block {
            return Err(CompressionError::Corrupt);
        }
        let data = take(input, &mut at, len)?;
        if frame.block_checksum && take_u32(input, &mut at)? != xxhash32(data, 0) {
            return Err(CompressionError::ChecksumMismatch);
        }
        if size_field & UNCOMPRESSED_BIT != 0 {
            let end = pos.checked_add(len).ok_or(CompressionError::OutputFull)?;
            output
                .get_mut(pos..end)
                .ok_or(CompressionError::OutputFull)?
                .copy_from_slice(data);
            pos = end;
        } else {
            let window_start = if frame.independent { pos } else { start };
            pos = decompress_block(data, output, pos, window_start)?;
        }
    }
    let content = &output[start..pos];
    if frame.content_checksum && take_u32(input, &mut at)? != xxhash32(content, 0) {
        return Err(CompressionError::ChecksumMismatch);
    }
    if frame
        .content_size
        .is_some_and(|size| size != content.len() as u64)
    {
        return Err(CompressionError::Corrupt);
    }
    Ok((at, pos))
}

#[cfg(test)]
mod tests;
