//! Record-batch compression codecs, each writing into a buffer the caller provides.
//!
//! Contract, for every codec: `compress(input, output)` and `decompress(input, output)` return
//! the number of bytes written at the front of `output`. Output never grows past `output.len()`:
//! a payload that would inflate beyond it (a decompression bomb, or a buffer that is simply too
//! small) ends with [`CompressionError::OutputFull`], never with an allocation sized by the
//! input, and no input makes a codec loop or panic. Every loop consumes input bytes or fills
//! output bytes, so work is bounded by `input.len() + output.len()`.
//!
//! | feature  | codec  | compress needs | decompress needs | why |
//! |----------|--------|----------------|------------------|-----|
//! | `lz4`    | `lz4` (Kafka's LZ4 frame) | nothing | nothing | written here; 8 KiB of stack to compress |
//! | `gzip`   | `gzip` | `alloc` | nothing | `miniz_oxide`'s compressor keeps its ~300 KiB dictionary and hash chains on the heap; its inflater runs in ~11 KiB of stack |
//! | `zstd`   | `zstd` | `alloc` | `alloc` | `ruzstd` keeps the window and tables on the heap |
//! | `snappy` | `snappy` | `std` | `std` | the `snap` crate needs `std` |
//!
//! [`compress`] and [`decompress`] dispatch on a [`Compression`] value, the codec named in a
//! batch's attributes; a codec whose feature is off gives [`CompressionError::CodecDisabled`].

use core::fmt;

#[cfg(feature = "gzip")]
pub mod gzip;
#[cfg(feature = "lz4")]
pub mod lz4;
#[cfg(feature = "lz4")]
mod lz4_block;
#[cfg(feature = "snappy")]
pub mod snappy;
#[cfg(feature = "lz4")]
mod xxhash32;
#[cfg(feature = "zstd")]
pub mod zstd;
#[cfg(feature = "zstd")]
mod zstd_matcher;
#[cfg(all(test, feature = "zstd"))]
mod zstd_round_trips;

#[cfg(all(test, any(feature = "gzip", feature = "lz4", feature = "zstd")))]
mod fixture_text;

/// The codec of a record batch, as the low three bits of its attributes name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Compression {
    /// Records stored as they are.
    None,
    /// gzip (RFC 1952), attribute value 1.
    Gzip,
    /// snappy, attribute value 2 (the Java client writes xerial framing).
    Snappy,
    /// LZ4 frame format, attribute value 3.
    Lz4,
    /// Zstandard, attribute value 4.
    Zstd,
}

impl Compression {
    /// Every codec Kafka defines, in id order.
    pub const ALL: [Self; 5] = [Self::None, Self::Gzip, Self::Snappy, Self::Lz4, Self::Zstd];

    /// The codec's name as Kafka's `compression.type` (and the Java tools, kcat and
    /// librdkafka) spell it.
    ///
    /// # Examples
    ///
    /// ```
    /// use franzl_core::compression::Compression;
    /// assert_eq!(Compression::Lz4.name(), "lz4");
    /// assert_eq!(Compression::from_name("LZ4"), Some(Compression::Lz4));
    /// assert_eq!(Compression::from_name("brotli"), None);
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Gzip => "gzip",
            Self::Snappy => "snappy",
            Self::Lz4 => "lz4",
            Self::Zstd => "zstd",
        }
    }

    /// The codec named `name` (ASCII case ignored), or `None` for a name Kafka does not define.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|codec| codec.name().eq_ignore_ascii_case(name))
    }

    /// The codec named by `id` (the attribute bits `0..3` of a batch), or `None` for an id Kafka
    /// does not define.
    pub const fn from_id(id: u8) -> Option<Self> {
        match id {
            0 => Some(Self::None),
            1 => Some(Self::Gzip),
            2 => Some(Self::Snappy),
            3 => Some(Self::Lz4),
            4 => Some(Self::Zstd),
            _ => None,
        }
    }

    /// The attribute value of this codec.
    pub const fn id(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Gzip => 1,
            Self::Snappy => 2,
            Self::Lz4 => 3,
            Self::Zstd => 4,
        }
    }

    /// Whether this build can compress and decompress with this codec.
    pub const fn is_enabled(self) -> bool {
        match self {
            Self::None => true,
            Self::Gzip => cfg!(feature = "gzip"),
            Self::Snappy => cfg!(feature = "snappy"),
            Self::Lz4 => cfg!(feature = "lz4"),
            Self::Zstd => cfg!(feature = "zstd"),
        }
    }
}

/// What went wrong while compressing or decompressing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CompressionError {
    /// The output buffer is full and more output would follow.
    OutputFull,
    /// The input ends in the middle of the compressed stream.
    Truncated,
    /// The input is not a valid stream of this codec.
    Corrupt,
    /// A checksum inside the compressed stream does not match its data.
    ChecksumMismatch,
    /// A valid stream uses something this implementation does not support (a preset dictionary,
    /// a window larger than allowed).
    Unsupported,
    /// This build does not include the codec (its feature is off, or it needs `alloc`/`std`).
    CodecDisabled,
}

impl fmt::Display for CompressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::OutputFull => "output buffer full",
            Self::Truncated => "compressed data truncated",
            Self::Corrupt => "compressed data corrupt",
            Self::ChecksumMismatch => "checksum mismatch in compressed data",
            Self::Unsupported => "unsupported compressed stream feature",
            Self::CodecDisabled => "compression codec not enabled in this build",
        })
    }
}

impl core::error::Error for CompressionError {}

/// Compresses `input` with `codec` into `output`, returning the bytes written. With
/// [`Compression::None`] the input is copied.
///
/// # Errors
///
/// [`CompressionError::OutputFull`] when `output` is too small;
/// [`CompressionError::CodecDisabled`] when the codec's compressor is not in this build.
pub fn compress(
    codec: Compression,
    input: &[u8],
    output: &mut [u8],
) -> Result<usize, CompressionError> {
    match codec {
        Compression::None => copy(input, output),
        #[cfg(all(feature = "gzip", feature = "alloc"))]
        Compression::Gzip => gzip::compress(input, output, gzip::DEFAULT_LEVEL),
        #[cfg(feature = "lz4")]
        Compression::Lz4 => lz4::compress(input, output),
        #[cfg(feature = "zstd")]
        Compression::Zstd => zstd::compress(input, output),
        #[cfg(feature = "snappy")]
        Compression::Snappy => snappy::compress(input, output),
        #[allow(unreachable_patterns)] // reachable when a codec's feature is off
        _ => Err(CompressionError::CodecDisabled),
    }
}

/// Decompresses `input`, compressed with `codec`, into `output`, returning the bytes written.
///
/// # Errors
///
/// [`CompressionError::OutputFull`] when the data inflates past `output.len()`, and the
/// codec's errors for truncated or corrupt input; [`CompressionError::CodecDisabled`] when the
/// codec is not in this build.
pub fn decompress(
    codec: Compression,
    input: &[u8],
    output: &mut [u8],
) -> Result<usize, CompressionError> {
    match codec {
        Compression::None => copy(input, output),
        #[cfg(feature = "gzip")]
        Compression::Gzip => gzip::decompress(input, output),
        #[cfg(feature = "lz4")]
        Compression::Lz4 => lz4::decompress(input, output),
        #[cfg(feature = "zstd")]
        Compression::Zstd => zstd::decompress(input, output),
        #[cfg(feature = "snappy")]
        Compression::Snappy => snappy::decompress(input, output),
        #[allow(unreachable_patterns)] // reachable when a codec's feature is off
        _ => Err(CompressionError::CodecDisabled),
    }
}

fn copy(input: &[u8], output: &mut [u8]) -> Result<usize, CompressionError> {
    let target = output
        .get_mut(..input.len())
        .ok_or(CompressionError::OutputFull)?;
    target.copy_from_slice(input);
    Ok(input.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for id in 0..=4 {
            assert_eq!(Compression::from_id(id).map(Compression::id), Some(id));
        }
        assert_eq!(Compression::from_id(5), None);
        assert_eq!(Compression::from_id(7), None);
    }

    #[test]
    fn none_copies_within_bounds() {
        let mut out = [0u8; 4];
        assert_eq!(compress(Compression::None, b"abc", &mut out), Ok(3));
        assert_eq!(&out[..3], b"abc");
        assert_eq!(
            decompress(Compression::None, b"abcde", &mut out),
            Err(CompressionError::OutputFull)
        );
    }
}
