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

/// Bytes reserved up front for a frame; larger frames grow as they arrive.
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
    let mut frame = Vec::with_capacity(size.min(INITIAL_RESERVE));
    let limit = u64::try_from(size).unwrap_or(u64::MAX);
    reader
        .take(limit)
        .read_to_end(&mut frame)
        .await
        .map_err(|error| Error::io(format!("reading from {peer}"), error))?;
    if frame.len() < size {
        return Err(Error::io(
            format!(
                "{peer} closed the connection in the middle of a response ({} of {size} bytes)",
                frame.len()
            ),
            io::ErrorKind::UnexpectedEof.into(),
        ));
    }
    Ok(frame)
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
