//! Size-prefixed frames out of a byte stream, in a receive buffer that the caller owns.
//!
//! Kafka frames are an `i32` big-endian size followed by that many bytes. [`FrameReader`] keeps
//! only offsets; the bytes stay in the caller's buffer, and complete frames are handed back as
//! slices of it, so nothing is copied except when unread bytes are moved to the front to make
//! room.
//!
//! Contract: a size prefix is checked as soon as its four bytes have arrived, before anything
//! else is read: a negative size, or one above the maximum frame size (for example a TLS alert
//! or an HTTP reply read as a length), is an error at once. A frame that fits the maximum but
//! not the caller's buffer is an error too, since it could never be completed.
//!
//! Call order: [`FrameReader::spare`] gives the free part of the buffer; read from the transport
//! into it; [`FrameReader::commit`] the number of bytes read; then call
//! [`FrameReader::next_frame`] until it returns `Ok(None)`.

use crate::frame::{FrameError, SIZE_PREFIX_LEN, check_size_prefix};

/// Splits a byte stream into frames inside a caller-owned buffer (see the module docs).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FrameReader {
    max_frame: usize,
    /// Start of the bytes not yet handed out as frames.
    start: usize,
    /// End of the bytes read so far.
    end: usize,
}

impl FrameReader {
    /// A reader that refuses frames larger than `max_frame` bytes (prefix not counted).
    pub const fn new(max_frame: usize) -> Self {
        Self {
            max_frame,
            start: 0,
            end: 0,
        }
    }

    /// The free part of `buf`, where the caller reads the next bytes from the transport.
    ///
    /// Bytes of an unfinished frame are moved to the front first when that makes room. The same
    /// buffer must be passed to every call of this reader.
    pub fn spare<'b>(&mut self, buf: &'b mut [u8]) -> &'b mut [u8] {
        if self.start > 0 && (self.start == self.end || self.end == buf.len()) {
            buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        buf.get_mut(self.end..).unwrap_or_default()
    }

    /// Records that `n` bytes were read into the slice [`FrameReader::spare`] returned.
    pub fn commit(&mut self, n: usize) {
        self.end = self.end.saturating_add(n);
    }

    /// Bytes received and not yet handed out as frames.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// The next complete frame's body (without its size prefix), or `None` when more bytes are
    /// needed.
    ///
    /// # Errors
    /// A size prefix that is negative, above the maximum, or larger than `buf`. The stream is
    /// unusable afterwards.
    pub fn next_frame<'b>(&mut self, buf: &'b [u8]) -> Result<Option<&'b [u8]>, FrameError> {
        let end = self.end.min(buf.len());
        let pending = buf.get(self.start..end).unwrap_or_default();
        let Some((prefix, rest)) = pending.split_first_chunk::<SIZE_PREFIX_LEN>() else {
            return Ok(None);
        };
        let size = check_size_prefix(*prefix, self.max_frame)?;
        let needed = SIZE_PREFIX_LEN + size;
        if needed > buf.len() {
            return Err(FrameError::ExceedsBuffer {
                needed,
                capacity: buf.len(),
            });
        }
        match rest.get(..size) {
            Some(frame) => {
                self.start += needed;
                Ok(Some(frame))
            }
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_of(
        stream: &[u8],
        chunk: usize,
        buf: &mut [u8],
        max: usize,
    ) -> Result<[usize; 3], FrameError> {
        // Feeds `stream` in chunks of `chunk` bytes and returns the sizes of the frames seen.
        let mut reader = FrameReader::new(max);
        let mut seen = [0usize; 3];
        let mut count = 0;
        let mut fed = 0;
        while fed < stream.len() {
            let spare = reader.spare(buf);
            let n = chunk.min(spare.len()).min(stream.len() - fed);
            spare[..n].copy_from_slice(&stream[fed..fed + n]);
            fed += n;
            reader.commit(n);
            while let Some(frame) = reader.next_frame(buf)? {
                assert!(
                    frame.iter().all(|&b| b == frame.len() as u8),
                    "frame bytes intact"
                );
                seen[count] = frame.len();
                count += 1;
            }
        }
        assert_eq!(reader.buffered(), 0);
        Ok(seen)
    }

    /// Three frames of 3, 0 and 5 bytes; each body byte equals its frame's length.
    const STREAM: [u8; 20] = [0, 0, 0, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 5, 5, 5, 5, 5, 5];

    #[test]
    fn frames_split_at_every_position_and_in_one_read() {
        for chunk in 1..=STREAM.len() {
            let mut buf = [0u8; 12];
            assert_eq!(
                frames_of(&STREAM, chunk, &mut buf, 100),
                Ok([3, 0, 5]),
                "chunk {chunk}"
            );
        }
        let mut big = [0u8; 64];
        assert_eq!(frames_of(&STREAM, 64, &mut big, 100), Ok([3, 0, 5]));
    }

    #[test]
    fn oversized_prefix_is_refused_before_the_body_arrives() {
        // "\x15\x03\x03\x00": the start of a TLS alert, read as a size of 352,518,912 bytes.
        let mut buf = [0u8; 16];
        let mut reader = FrameReader::new(1 << 20);
        reader.spare(&mut buf)[..4].copy_from_slice(&[0x15, 0x03, 0x03, 0x00]);
        reader.commit(4);
        assert_eq!(
            reader.next_frame(&buf),
            Err(FrameError::TooLarge {
                size: 0x1503_0300,
                max: 1 << 20
            })
        );
    }

    #[test]
    fn negative_prefix_and_frame_beyond_buffer_are_errors() {
        let mut buf = [0u8; 8];
        let mut reader = FrameReader::new(100);
        reader.spare(&mut buf)[..4].copy_from_slice(&(-2i32).to_be_bytes());
        reader.commit(4);
        assert_eq!(
            reader.next_frame(&buf),
            Err(FrameError::NegativeSize { size: -2 })
        );

        let mut reader = FrameReader::new(100);
        reader.spare(&mut buf)[..4].copy_from_slice(&50i32.to_be_bytes());
        reader.commit(4);
        assert_eq!(
            reader.next_frame(&buf),
            Err(FrameError::ExceedsBuffer {
                needed: 54,
                capacity: 8
            })
        );
    }

    #[test]
    fn partial_prefix_waits() {
        let mut buf = [0u8; 8];
        let mut reader = FrameReader::new(100);
        reader.spare(&mut buf)[..3].copy_from_slice(&[0, 0, 0]);
        reader.commit(3);
        assert_eq!(reader.next_frame(&buf), Ok(None));
        assert_eq!(reader.buffered(), 3);
    }
}
