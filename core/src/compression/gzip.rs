//! gzip (RFC 1952) around `miniz_oxide`'s raw deflate: the header and the trailer (CRC-32 and
//! ISIZE) are written and checked here.
//!
//! Decompression needs no allocator: the inflater's state (about 11 KiB) lives on the stack and
//! writes straight into the caller's buffer, stopping with
//! [`CompressionError::OutputFull`] at its end. It accepts members with the optional header
//! fields (FEXTRA, FNAME, FCOMMENT, FHCRC, whose CRC is checked) and several members in a row.
//! Compression needs the `alloc` feature because `miniz_oxide`'s compressor keeps its
//! dictionary and hash chains (about 300 KiB) on the heap; it writes a minimal header (no
//! name, no time), as the Java client does.

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress as inflate, inflate_flags};

use super::CompressionError;
use crate::crc::crc32_ieee;

const ID: [u8; 2] = [0x1f, 0x8b];
const CM_DEFLATE: u8 = 8;
const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
const RESERVED: u8 = 0b1110_0000;
/// ID1 ID2 CM FLG MTIME(4) XFL OS.
const FIXED_HEADER_LEN: usize = 10;
const TRAILER_LEN: usize = 8;

/// zlib's default level, which the Java client uses.
pub const DEFAULT_LEVEL: u8 = 6;

fn take<'a>(input: &'a [u8], at: &mut usize, len: usize) -> Result<&'a [u8], CompressionError> {
    let end = at.checked_add(len).ok_or(CompressionError::Truncated)?;
    let bytes = input.get(*at..end).ok_or(CompressionError::Truncated)?;
    *at = end;
    Ok(bytes)
}

/// Skips a zero-terminated header field.
fn skip_zero_terminated(input: &[u8], at: &mut usize) -> Result<(), CompressionError> {
    let rest = input.get(*at..).ok_or(CompressionError::Truncated)?;
    let len = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or(CompressionError::Truncated)?;
    *at += len + 1;
    Ok(())
}

/// Reads a member header; returns its length.
fn read_header(input: &[u8]) -> Result<usize, CompressionError> {
    let mut at = 0;
    let fixed = take(input, &mut at, FIXED_HEADER_LEN)?;
    if fixed[..2] != ID || fixed[2] != CM_DEFLATE || fixed[3] & RESERVED != 0 {
        return Err(CompressionError::Corrupt);
    }
    let flags = fixed[3];
    if flags & FEXTRA != 0 {
        let len = take(input, &mut at, 2)?;
        take(
            input,
            &mut at,
            usize::from(u16::from_le_bytes([len[0], len[1]])),
        )?;
    }
    if flags & FNAME != 0 {
        skip_zero_terminated(input, &mut at)?;
    }
    if flags & FCOMMENT != 0 {
        skip_zero_terminated(input, &mut at)?;
    }
    if flags & FHCRC != 0 {
        let expected = crc32_ieee(&input[..at]) as u16;
        let crc = take(input, &mut at, 2)?;
        if u16::from_le_bytes([crc[0], crc[1]]) != expected {
            return Err(CompressionError::ChecksumMismatch);
        }
    }
    Ok(at)
}

/// Decompresses one or more gzip members from `input` into `output`, returning the bytes
/// written.
///
/// # Errors
///
/// [`CompressionError::OutputFull`] when the content does not fit `output`;
/// [`CompressionError::Truncated`], [`CompressionError::Corrupt`] or
/// [`CompressionError::ChecksumMismatch`] for a bad member.
pub fn decompress(input: &[u8], output: &mut [u8]) -> Result<usize, CompressionError> {
    let mut at = 0;
    let mut pos = 0;
    // Each member consumes at least 18 bytes, so this ends.
    loop {
        let member = input.get(at..).unwrap_or_default();
        let out = output.get_mut(pos..).unwrap_or_default();
        let (consumed, written) = decompress_member(member, out)?;
        at += consumed;
        pos += written;
        if at >= input.len() {
            return Ok(pos);
        }
    }
}

/// Decodes one member into the front of `output`; returns (input consumed, output written).
fn decompress_member(input: &[u8], output: &mut [u8]) -> Result<(usize, usize), CompressionError> {
    let mut at = read_header(input)?;
    let body = input.get(at..).unwrap_or_default();
    let mut inflater = DecompressorOxide::new();
    // The whole output is one linear buffer, so the inflater needs no wrapping window; without
    // TINFL_FLAG_HAS_MORE_INPUT the end of `body` is the end of the stream.
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (status, consumed, written) = inflate(&mut inflater, body, output, 0, flags);
    match status {
        TINFLStatus::Done => {}
        TINFLStatus::HasMoreOutput => return Err(CompressionError::OutputFull),
        TINFLStatus::NeedsMoreInput | TINFLStatus::FailedCannotMakeProgress => {
            return Err(CompressionError::Truncated);
        }
        _ => return Err(CompressionError::Corrupt),
    }
    at += consumed;
    let trailer = take(input, &mut at, TRAILER_LEN)?;
    let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    let content = output.get(..written).unwrap_or_default();
    if crc != crc32_ieee(content) || size != written as u32 {
        return Err(CompressionError::ChecksumMismatch);
    }
    Ok((at, written))
}

/// Compresses `input` into `output` as one gzip member at `level` (0 to 10; higher is slower
/// and smaller), returning the bytes written.
///
/// # Errors
///
/// [`CompressionError::OutputFull`] when `output` is too small.
#[cfg(feature = "alloc")]
pub fn compress(input: &[u8], output: &mut [u8], level: u8) -> Result<usize, CompressionError> {
    use miniz_oxide::deflate::core::{
        CompressorOxide, TDEFLFlush, TDEFLStatus, compress as deflate,
        create_comp_flags_from_zip_params,
    };

    let header = output
        .get_mut(..FIXED_HEADER_LEN)
        .ok_or(CompressionError::OutputFull)?;
    // No flags, no time, XFL 0, OS 255 (unknown).
    header.copy_from_slice(&[ID[0], ID[1], CM_DEFLATE, 0, 0, 0, 0, 0, 0, 255]);
    let body = &mut output[FIXED_HEADER_LEN..];
    // Negative window bits: raw deflate, no zlib wrapper.
    let flags = create_comp_flags_from_zip_params(i32::from(level.min(10)), -15, 0);
    let mut compressor = CompressorOxide::new(flags);
    let (status, consumed, written) = deflate(&mut compressor, input, body, TDEFLFlush::Finish);
    if status != TDEFLStatus::Done || consumed != input.len() {
        return Err(CompressionError::OutputFull);
    }
    let end = FIXED_HEADER_LEN + written;
    let trailer = output
        .get_mut(end..end + TRAILER_LEN)
        .ok_or(CompressionError::OutputFull)?;
    trailer[..4].copy_from_slice(&crc32_ieee(input).to_le_bytes());
    // ISIZE is the length modulo 2^32.
    trailer[4..].copy_from_slice(&(input.len() as u32).to_le_bytes());
    Ok(end + TRAILER_LEN)
}

#[cfg(test)]
mod tests;
