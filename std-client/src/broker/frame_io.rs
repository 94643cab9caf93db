//! Reading whole size-prefixed frames from a byte stream, refusing an oversized frame from its
//! prefix before anything else is read.
//!
//! The frame's buffer grows as bytes arrive (up to the size the prefix announced), so a broker
//! that announces a large frame and sends nothing costs no memory.

use crate::error::{Error, Result};
use franzl_core::conn::{FrameError, SIZE_PREFIX_LEN, check_size_prefix};
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use std::io;
use std::io::IoSlice;

/// Bytes made room for at first; a larger frame's buffer grows as its bytes arrive.
const INITIAL_RESERVE: usize = 64 * 1024;

/// Reads the next frame (without its size prefix) from `reader`.
///
/// # Errors
/// [`Error::Frame`] for a negative or oversized prefix; [`Error::Io`] (retriable) when the
/// stream ends before or inside a frame, naming `peer`.
pub(crate) async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    max_frame: usize,
    peer: &str,
) -> Result<Vec<u8>> {
    let mut frame = Vec::new();
    read_frame_into(reader, &mut frame, max_frame, peer).await?;
    Ok(frame)
}

/// Reads the next frame (without its size prefix) from `reader` into `frame`, replacing what
/// it held; a buffer reused from frame to frame allocates only when a frame outgrows it. The
/// buffer grows as bytes arrive, at most doubling per read, so a broker that announces a large
/// frame and sends nothing costs no memory.
///
/// # Errors
/// As [`read_frame`]; `frame` then holds no complete frame.
pub(crate) async fn read_frame_into<R: AsyncRead + Unpin>(
    reader: &mut R,
    frame: &mut Vec<u8>,
    max_frame: usize,
    peer: &str,
) -> Result<()> {
    frame.clear();
    let mut prefix = [0u8; SIZE_PREFIX_LEN];
    let mut got = 0;
    while got < SIZE_PREFIX_LEN {
        let rest = prefix.get_mut(got..).unwrap_or_default();
        let n = reader
            .read(rest)
            .await
            .map_err(|error| Error::io(format!("reading from {peer}"), error))?;
        if n == 0 {
            let what = if got == 0 {
                format!("{peer} closed the connection")
            } else {
                format!("{peer} closed the connection inside a size prefix")
            };
            return Err(Error::io(what, io::ErrorKind::UnexpectedEof.into()));
        }
        got += n;
    }
    let size = check_size_prefix(prefix, max_frame).map_err(|error| {
        // A TLS alert or handshake record read as a size: say what it is.
        if let ([0x15 | 0x16, 0x03, ..], FrameError::TooLarge { .. }) = (prefix, error) {
            Error::protocol(format!(
                "{peer} answered with TLS: use security.protocol SSL or SASL_SSL for this \
                 listener ({error})"
            ))
        } else {
            Error::Frame(error)
        }
    })?;
    while frame.len() < size {
        let have = frame.len();
        let step = (size - have).min(have.max(INITIAL_RESERVE));
        frame.resize(have + step, 0);
        let space = frame.get_mut(have..).unwrap_or_default();
        let n = match reader.read(space).await {
            Ok(n) => n,
            Err(error) => {
                frame.truncate(have);
                return Err(Error::io(format!("reading from {peer}"), error));
            }
        };
        frame.truncate(have + n);
        if n == 0 {
            return Err(Error::io(
                format!(
                    "{peer} closed the connection in the middle of a response ({have} of \
                     {size} bytes)"
                ),
                io::ErrorKind::UnexpectedEof.into(),
            ));
        }
    }
    Ok(())
}

/// Writes every byte of `slices`, in order, with vectored writes (a frame's header and the
/// body or record batches it carries, without copying them together first).
///
/// # Errors
/// The stream's error; `WriteZero` when it accepts no more bytes.
pub(crate) async fn write_all_vectored<W: AsyncWrite + Unpin>(
    writer: &mut W,
    mut slices: &mut [IoSlice<'_>],
) -> io::Result<()> {
    IoSlice::advance_slices(&mut slices, 0);
    while !slices.is_empty() {
        let written = writer.write_vectored(slices).await?;
        if written == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut slices, written);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8], max: usize) -> Result<Vec<u8>> {
        smol::block_on(read_frame(&mut &bytes[..], max, "test"))
    }

    #[test]
    fn reads_one_frame() {
        assert_eq!(read(&[0, 0, 0, 2, 7, 8, 9], 10).unwrap(), [7, 8]);
        assert_eq!(read(&[0, 0, 0, 0], 10).unwrap(), []);
    }

    #[test]
    fn refuses_bad_prefixes_before_reading_the_body() {
        let error = read(&[0xff, 0xff, 0xff, 0xfe], 10).unwrap_err();
        assert!(matches!(
            error,
            Error::Frame(FrameError::NegativeSize { size: -2 })
        ));
        // "HTTP" read as a length: far above the limit, refused with no body present.
        let error = read(b"HTTP", 1000).unwrap_err();
        assert!(matches!(error, Error::Frame(FrameError::TooLarge { .. })));
        assert!(!error.is_retriable());
        // A TLS alert (type 21, version 3.3) where a frame should be.
        let error = read(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28], 1000).unwrap_err();
        assert!(error.to_string().contains("answered with TLS"), "{error}");
    }

    #[test]
    fn a_stream_cut_short_is_a_retriable_io_error() {
        for cut in [&[][..], &[0, 0], &[0, 0, 0, 5, 1, 2]] {
            let error = read(cut, 10).unwrap_err();
            assert!(
                matches!(&error, Error::Io { source, .. } if source.kind() == io::ErrorKind::UnexpectedEof),
                "{error}"
            );
            assert!(error.is_retriable());
        }
    }
}
