//! The I/O half of the client: the transport, and the receive buffer split into frames.
//!
//! Kept apart from the [`crate::conn::Connection`] so that a frame borrowed from the receive
//! buffer can be handed to the connection while both are fields of one client.

use super::error::ClientError;
use crate::conn::FrameReader;
use embedded_io_async::{Error as _, Read, Write};

/// The largest frame size believed: Kafka's default `socket.request.max.bytes`, 100 MiB. A
/// larger size prefix is not a Kafka frame; a smaller one that does not fit `rx` is a buffer
/// too small for the response ([`crate::conn::FrameError::ExceedsBuffer`]).
const MAX_FRAME: usize = 100 << 20;

/// The transport and the receive side.
#[derive(Debug)]
pub(super) struct Link<'b, T> {
    pub(super) transport: T,
    reader: FrameReader,
    pub(super) rx: &'b mut [u8],
    /// Set while a frame is being written: still set at the next call when the caller
    /// cancelled the call in the middle of a write.
    writing: bool,
}

impl<'b, T: Read + Write> Link<'b, T> {
    /// A link whose frames may fill `rx` (size prefix included).
    pub(super) fn new(transport: T, rx: &'b mut [u8]) -> Self {
        Self {
            transport,
            reader: FrameReader::new(MAX_FRAME),
            rx,
            writing: false,
        }
    }

    /// Forgets any bytes received (for a new transport).
    pub(super) fn reset_reader(&mut self) {
        self.reader = FrameReader::new(MAX_FRAME);
        self.writing = false;
    }

    /// Whether a write was cut off by a cancelled call.
    pub(super) fn write_interrupted(&self) -> bool {
        self.writing
    }

    /// Whether received bytes wait that no frame has consumed yet.
    pub(super) fn has_buffered(&self) -> bool {
        self.reader.buffered() > 0
    }

    /// Writes all of `bytes` and flushes.
    pub(super) async fn write_all(&mut self, mut bytes: &[u8]) -> Result<(), ClientError> {
        self.writing = true;
        while !bytes.is_empty() {
            let written = self
                .transport
                .write(bytes)
                .await
                .map_err(|error| ClientError::Io(error.kind()))?;
            if written == 0 {
                return Err(ClientError::Io(embedded_io_async::ErrorKind::WriteZero));
            }
            bytes = bytes.get(written..).unwrap_or_default();
        }
        self.transport
            .flush()
            .await
            .map_err(|error| ClientError::Io(error.kind()))?;
        self.writing = false;
        Ok(())
    }

    /// Reads until a whole frame is in the receive buffer and returns it (without its size
    /// prefix).
    pub(super) async fn read_frame(&mut self) -> Result<&[u8], ClientError> {
        loop {
            // Empty once a whole frame is buffered; an error for one that can never fit.
            let space = self.reader.receive_space(self.rx)?;
            if space.is_empty() {
                break;
            }
            let read = self
                .transport
                .read(space)
                .await
                .map_err(|error| ClientError::Io(error.kind()))?;
            if read == 0 {
                return Err(ClientError::ConnectionClosed);
            }
            self.reader.commit(read);
        }
        self.reader
            .next_frame(self.rx)?
            .ok_or(ClientError::ConnectionClosed)
    }
}
