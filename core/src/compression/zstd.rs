//! Zstandard through `ruzstd` (needs `alloc`), with output bounded by the caller's buffer.
//!
//! `ruzstd` keeps the frame's window on the heap and reserves it when a frame starts, so the
//! frame header is read here first: a window larger than [`MAX_WINDOW`] or than the caller's
//! buffer (whichever is larger) is refused with [`CompressionError::Unsupported`], and a
//! single-segment frame whose declared content does not fit is refused with
//! [`CompressionError::OutputFull`] before any allocation. Blocks are then decoded a chunk at a
//! time and drained into the caller's buffer, so the heap holds at most the window plus one
//! chunk and one block, whatever the input. Preset dictionaries are not supported. The
//! frame's optional content checksum is not verified (the record batch's CRC-32C covers the
//! compressed bytes).
//!
//! Compression ([`ZstdCompressor`], or [`compress`] for one call) uses `ruzstd`'s encoder for
//! the entropy coding and this crate's match finder (`zstd_matcher`), several times faster
//! than `ruzstd`'s own at a similar or better ratio; frames carry no content size and no
//! checksum, and declare a window of 128 KiB to 1 MiB.

use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};
extern crate alloc;

use alloc::vec::Vec;

use ruzstd::encoding::{CompressionLevel, FrameCompressor};
use ruzstd::io::Read as _;

use super::CompressionError;
use super::zstd_matcher::FastMatcher;

/// The largest window accepted regardless of the output buffer: 8 MiB covers what the Java
/// client and librdkafka write at their default levels.
pub const MAX_WINDOW: u64 = 8 << 20;
const MAGIC: u32 = 0xFD2F_B528;
const SKIPPABLE_MASK: u32 = 0xFFFF_FFF0;
const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;
/// How much is decoded before draining into the caller's buffer.
const CHUNK: usize = 64 << 10;

/// What the frame header says about memory: the window, and the content size if declared.
struct FrameLimits {
    window: u64,
    content_size: Option<u64>,
}

fn byte(input: &[u8], at: usize) -> Result<u8, CompressionError> {
    input.get(at).copied().ok_or(CompressionError::Truncated)
}

fn read_le(input: &[u8], at: usize, len: usize) -> Result<u64, CompressionError> {
    let bytes = input.get(at..at + len).ok_or(CompressionError::Truncated)?;
    Ok(bytes
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Reads the frame header at the start of `input` (after its magic) without allocating.
fn frame_limits(input: &[u8]) -> Result<FrameLimits, CompressionError> {
    let descriptor = byte(input, 4)?;
    let fcs_flag = descriptor >> 6;
    let single_segment = descriptor & 0b10_0000 != 0;
    if descriptor & 0b1000 != 0 {
        return Err(CompressionError::Corrupt);
    }
    let mut at = 5;
    let mut window = 0;
    if !single_segment {
        let wd = byte(input, at)?;
        at += 1;
        let base = 1u64 << (10 + (wd >> 3));
        window = base + (base / 8) * u64::from(wd & 0b111);
    }
    let dict_len = [0, 1, 2, 4][usize::from(descriptor & 0b11)];
    if dict_len != 0 && read_le(input, at, dict_len)? != 0 {
        return Err(CompressionError::Unsupported);
    }
    at += dict_len;
    let content_size = match (fcs_flag, single_segment) {
        (0, false) => None,
        (0, true) => Some(read_le(input, at, 1)?),
        (1, _) => Some(read_le(input, at, 2)? + 256),
        (2, _) => Some(read_le(input, at, 4)?),
        _ => Some(read_le(input, at, 8)?),
    };
    if single_segment {
        window = content_size.unwrap_or(0);
    }
    Ok(FrameLimits {
        window,
        content_size,
    })
}

/// Decompresses one or more zstd frames from `input` into `output`, returning the bytes
/// written.
///
/// # Errors
///
/// [`CompressionError::OutputFull`] when the content does not fit `output`;
/// [`CompressionError::Unsupported`] for a dictionary or an oversized window;
/// [`CompressionError::Truncated`] or [`CompressionError::Corrupt`] for bad frames.
pub fn decompress(input: &[u8], output: &mut [u8]) -> Result<usize, CompressionError> {
    let mut decoder = FrameDecoder::new();
    let mut rest = input;
    let mut pos = 0;
    // Every frame consumes its header, so this ends.
    loop {
        let magic = read_le(rest, 0, 4)? as u32;
        if magic & SKIPPABLE_MASK == SKIPPABLE_MAGIC {
            let len = read_le(rest, 4, 4)? as usize;
            rest = rest
                .get(8usize.saturating_add(len)..)
                .ok_or(CompressionError::Truncated)?;
        } else if magic != MAGIC {
            return Err(CompressionError::Corrupt);
        } else {
            let out = output.get_mut(pos..).unwrap_or_default();
            pos += decompress_frame(&mut decoder, &mut rest, out)?;
        }
        if rest.is_empty() {
            return Ok(pos);
        }
    }
}

/// Decodes the frame at the start of `*input` into the front of `output`, advancing `*input`.
fn decompress_frame(
    decoder: &mut FrameDecoder,
    input: &mut &[u8],
    output: &mut [u8],
) -> Result<usize, CompressionError> {
    let limits = frame_limits(input)?;
    if limits
        .content_size
        .is_some_and(|size| size > output.len() as u64)
    {
        return Err(CompressionError::OutputFull);
    }
    if limits.window > MAX_WINDOW.max(output.len() as u64) {
        return Err(CompressionError::Unsupported);
    }
    decoder
        .reset(&mut *input)
        .map_err(|_| CompressionError::Corrupt)?;
    let mut pos = 0;
    loop {
        let before = input.len();
        if !decoder.is_finished() {
            decoder
                .decode_blocks(&mut *input, BlockDecodingStrategy::UptoBytes(CHUNK))
                .map_err(|_| CompressionError::Corrupt)?;
        }
        let out = output.get_mut(pos..).unwrap_or_default();
        let drained = decoder.read(out).map_err(|_| CompressionError::Corrupt)?;
        pos += drained;
        if decoder.can_collect() > 0 && pos == output.len() {
            return Err(CompressionError::OutputFull);
        }
        if decoder.is_finished() && decoder.can_collect() == 0 {
            break;
        }
        if input.len() == before && drained == 0 {
            return Err(CompressionError::Truncated);
        }
    }
    if limits.content_size.is_some_and(|size| size != pos as u64) {
        return Err(CompressionError::Corrupt);
    }
    Ok(pos)
}

/// A zstd compressor that keeps its match finder's tables and its output buffer from frame to
/// frame: keep one per thread (a producer's sender) to compress many batches without
/// allocating the tables again.
///
/// Frames are built by `ruzstd`'s encoder (fastest level, Huffman and FSE coding) with the
/// match finder of this crate (`zstd_matcher`); their window is the input's length rounded up to a
/// power of two, between 128 KiB and 1 MiB, so any zstd decoder reads them with a small buffer.
#[derive(Debug, Default)]
pub struct ZstdCompressor {
    matcher: FastMatcher,
    frame: Vec<u8>,
}

impl ZstdCompressor {
    /// A compressor; it allocates on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// Compresses `input` into `output` as one zstd frame, returning the bytes written. The
    /// frame is built in a buffer this compressor keeps, then copied.
    ///
    /// # Errors
    ///
    /// [`CompressionError::OutputFull`] when `output` is too small.
    pub fn compress(&mut self, input: &[u8], output: &mut [u8]) -> Result<usize, CompressionError> {
        let mut matcher = core::mem::take(&mut self.matcher);
        matcher.prepare(input.len());
        let mut frame = core::mem::take(&mut self.frame);
        frame.clear();
        let mut compressor = FrameCompressor::new_with_matcher(matcher, CompressionLevel::Fastest);
        compressor.set_source(input);
        compressor.set_drain(&mut frame);
        compressor.compress();
        self.matcher = compressor.replace_matcher(FastMatcher::new());
        drop(compressor);
        let written = output
            .get_mut(..frame.len())
            .ok_or(CompressionError::OutputFull)
            .map(|target| {
                target.copy_from_slice(&frame);
                frame.len()
            });
        self.frame = frame;
        written
    }
}

/// Compresses `input` into `output` as one zstd frame, returning the bytes written: a
/// [`ZstdCompressor`] made for this call (keep one instead to reuse its tables).
///
/// # Errors
///
/// [`CompressionError::OutputFull`] when `output` is too small.
pub fn compress(input: &[u8], output: &mut [u8]) -> Result<usize, CompressionError> {
    ZstdCompressor::new().compress(input, output)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use proptest::prelude::*;
    use std::vec;

    #[test]
    fn raw_block_fixture() {
        #[rustfmt::skip]
        let frame = [
            0x28, 0xb5, 0x2f, 0xfd, // magic
            0x20, 0x03,             // single segment, 1-byte content size: 3
            0x19, 0x00, 0x00,       // last block, raw, size 3
            b'a', b'b', b'c',
        ];
        let mut out = [0u8; 3];
        assert_eq!(decompress(&frame, &mut out), Ok(3));
        assert_eq!(&out, b"abc");
        assert_eq!(
            decompress(&frame, &mut [0u8; 2]),
            Err(CompressionError::OutputFull)
        );
        for cut in 0..frame.len() {
            assert!(decompress(&frame[..cut], &mut out).is_err(), "cut {cut}");
        }
    }

    #[test]
    fn reads_the_reference_cli() {
        let text = crate::compression::fixture_text::fixture_text();
        for frame in [
            &include_bytes!("testdata/streamed.zst")[..],
            &include_bytes!("testdata/level19.zst")[..],
        ] {
            let mut out = vec![0u8; text.len()];
            assert_eq!(decompress(frame, &mut out), Ok(text.len()));
            assert_eq!(out, text);
            assert_eq!(
                decompress(frame, &mut out[..text.len() - 1]),
                Err(CompressionError::OutputFull)
            );
            for cut in [1, frame.len() / 2, frame.len() - 1] {
                assert!(decompress(&frame[..cut], &mut out).is_err(), "cut {cut}");
            }
        }
    }

    #[test]
    fn refuses_huge_windows_and_dictionaries() {
        // Window descriptor 0xA8: 2^(10+21) = 2 GiB.
        let frame = [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xA8, 0x01, 0x00, 0x00];
        assert_eq!(
            decompress(&frame, &mut [0u8; 16]),
            Err(CompressionError::Unsupported)
        );
        let frame = [0x28, 0xb5, 0x2f, 0xfd, 0x21, 0x07, 0x00, 0x01, 0, 0];
        assert_eq!(
            decompress(&frame, &mut [0u8; 16]),
            Err(CompressionError::Unsupported)
        );
    }

    #[test]
    fn bomb_stops_at_the_buffer() {
        // An RLE block of 100 000 zeros per block header, many blocks, no content size.
        let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38];
        let rle = ((100_000u32) << 3) | (1 << 1);
        for i in 0..1000 {
            let last = u32::from(i == 999);
            frame.extend_from_slice(&(rle | last).to_le_bytes()[..3]);
            frame.push(0);
        }
        // Window descriptor 0x38 is 128 KiB, the largest block size: this is a
        // legitimate stream of 100 MB.
        let mut out = vec![0u8; 1 << 20];
        assert_eq!(
            decompress(&frame, &mut out),
            Err(CompressionError::OutputFull)
        );
    }

    proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn round_trip(input in proptest::collection::vec(0u8..8, 0..40_000)) {
            let mut packed = vec![0u8; input.len() + 1024];
            let n = compress(&input, &mut packed).unwrap();
            let mut out = vec![0u8; input.len()];
            prop_assert_eq!(decompress(&packed[..n], &mut out), Ok(input.len()));
            prop_assert_eq!(out, input);
        }

        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut out = [0u8; 512];
            let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd];
            frame.extend_from_slice(&input);
            let _ = decompress(&frame, &mut out);
        }
    }
}
