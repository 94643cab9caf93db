//! Size-prefixed frames out of a byte stream, in a receive buffer that the caller owns: the one
//! frame reader of every franzl driver (the std client, the embedded client, the benchmark's
//! replay client and the tests' raw client), each feeding it from its own I/O.
//!
//! Kafka frames are an `i32` big-endian size followed by that many bytes. [`FrameReader`] keeps
//! only offsets; the bytes stay in the caller's buffer, and complete frames are handed back as
//! slices of it, so nothing is copied except when unread bytes are moved to the front to make
//! room. The same buffer serves frame after frame without being allocated again; a caller with
//! a growable buffer grows it to [`FrameReader::needed_len`] (as bytes arrive, not when a size
//! is announced) and otherwise treats it as fixed.
//!
//! Contract: a size prefix is judged by [`check_size_prefix`] as soon as its four bytes have
//! arrived, before anything else is read: a negative size, or one above the maximum frame size
//! (for example a TLS alert or an HTTP reply read as a length), is an error at once. A frame
//! that fits the maximum but not the caller's buffer is an error too, since it could never be
//! completed. [`FrameReader::missing`] says how many bytes the next frame still needs, so a
//! driver that must not read past a frame (one that hands the stream on afterwards) reads at
//! most that many. No method panics, whatever the bytes.
//!
//! Call order: [`FrameReader::receive_space`] gives the part of the buffer to read into (empty
//! when a whole frame is already there); read from the transport into it;
//! [`FrameReader::commit`] the number of bytes read; then call [`FrameReader::next_frame`]
//! until it returns `Ok(None)`.

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

    /// Records that `n` bytes were read into the slice [`FrameReader::receive_space`] returned.
    /// The same buffer (grown, perhaps, but with the same contents) is passed to every call.
    pub fn commit(&mut self, n: usize) {
        self.end = self.end.saturating_add(n);
    }

    /// Bytes received and not yet handed out as frames.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// The unread bytes in `buf`.
    fn pending<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        buf.get(self.start..self.end.min(buf.len()))
            .unwrap_or_default()
    }

    /// The size the next frame takes in the buffer, size prefix included, once its prefix has
    /// arrived; before that, the prefix's own four bytes.
    ///
    /// # Errors
    /// A size prefix that is negative or above the maximum.
    pub fn needed_len(&self, buf: &[u8]) -> Result<usize, FrameError> {
        match self.pending(buf).first_chunk::<SIZE_PREFIX_LEN>() {
            None => Ok(SIZE_PREFIX_LEN),
            Some(prefix) => Ok(SIZE_PREFIX_LEN + check_size_prefix(*prefix, self.max_frame)?),
        }
    }

    /// Bytes still to receive before [`FrameReader::next_frame`] yields the next frame: the
    /// rest of its size prefix, then the rest of the frame; 0 when it is whole.
    ///
    /// # Errors
    /// As [`FrameReader::needed_len`].
    pub fn missing(&self, buf: &[u8]) -> Result<usize, FrameError> {
        Ok(self
            .needed_len(buf)?
            .saturating_sub(self.pending(buf).len()))
    }

    /// Where the next bytes from the transport go: the free part of `buf`, after moving the
    /// unread bytes to the front when the next frame would not fit behind them; empty when a
    /// whole frame is already buffered (take it with [`FrameReader::next_frame`]).
    ///
    /// # Errors
    /// As [`FrameReader::needed_len`]; [`FrameError::ExceedsBuffer`] for a frame that can
    /// never fit `buf`.
    pub fn receive_space<'b>(&mut self, buf: &'b mut [u8]) -> Result<&'b mut [u8], FrameError> {
        let needed = self.needed_len(buf)?;
        if needed > buf.len() {
            return Err(FrameError::ExceedsBuffer {
                needed,
                capacity: buf.len(),
            });
        }
        if self.end - self.start >= needed {
            return Ok(Default::default());
        }
        if self.start.saturating_add(needed) > buf.len() {
            buf.copy_within(self.start..self.end.min(buf.len()), 0);
            self.end -= self.start;
            self.start = 0;
        }
        Ok(buf.get_mut(self.end..).unwrap_or_default())
    }

    /// The next complete frame's body (without its size prefix), or `None` when more bytes are
    /// needed.
    ///
    /// # Errors
    /// A size prefix that is negative or above the maximum. The stream is unusable afterwards.
    /// (A frame larger than `buf` is reported by [`FrameReader::receive_space`], since a
    /// growable buffer may yet grow to hold it.)
    pub fn next_frame<'b>(&mut self, buf: &'b [u8]) -> Result<Option<&'b [u8]>, FrameError> {
        let Some((prefix, rest)) = self.pending(buf).split_first_chunk::<SIZE_PREFIX_LEN>() else {
            return Ok(None);
        };
        let size = check_size_prefix(*prefix, self.max_frame)?;
        let needed = SIZE_PREFIX_LEN + size;
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
            let space = reader.receive_space(buf)?;
            let n = chunk.min(space.len()).min(stream.len() - fed);
            space[..n].copy_from_slice(&stream[fed..fed + n]);
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
        reader.receive_space(&mut buf).unwrap()[..4].copy_from_slice(&[0x15, 0x03, 0x03, 0x00]);
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
        reader.receive_space(&mut buf).unwrap()[..4].copy_from_slice(&(-2i32).to_be_bytes());
        reader.commit(4);
        assert_eq!(
            reader.next_frame(&buf),
            Err(FrameError::NegativeSize { size: -2 })
        );

        let mut reader = FrameReader::new(100);
        reader.receive_space(&mut buf).unwrap()[..4].copy_from_slice(&50i32.to_be_bytes());
        reader.commit(4);
        assert_eq!(reader.next_frame(&buf), Ok(None));
        assert_eq!(
            reader.receive_space(&mut buf).map(|space| space.len()),
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
        reader.receive_space(&mut buf).unwrap()[..3].copy_from_slice(&[0, 0, 0]);
        reader.commit(3);
        assert_eq!(reader.next_frame(&buf), Ok(None));
        assert_eq!(reader.buffered(), 3);
    }

    #[test]
    fn missing_counts_the_prefix_then_the_frame() {
        let mut buf = [0u8; 16];
        let mut reader = FrameReader::new(100);
        assert_eq!(
            (reader.needed_len(&buf), reader.missing(&buf)),
            (Ok(4), Ok(4))
        );
        let mut fed = 0;
        // Fed exactly what is missing each time, as a driver that must not read past a frame.
        for expected_missing in [4, 2, 3, 0] {
            assert_eq!(
                reader.missing(&buf),
                Ok(expected_missing),
                "after {fed} bytes"
            );
            if expected_missing == 0 {
                break;
            }
            let step = if fed == 0 { 2 } else { expected_missing };
            let space = reader.receive_space(&mut buf).unwrap();
            space[..step].copy_from_slice(&STREAM[fed..fed + step]);
            reader.commit(step);
            fed += step;
        }
        assert_eq!(fed, 7, "the first frame and nothing of the second");
        assert_eq!(reader.needed_len(&buf), Ok(7));
        assert!(reader.receive_space(&mut buf).unwrap().is_empty());
        assert_eq!(reader.next_frame(&buf), Ok(Some(&[3u8, 3, 3][..])));
        assert_eq!(reader.missing(&buf), Ok(4));

        let mut reader = FrameReader::new(100);
        reader.receive_space(&mut buf).unwrap()[..4].copy_from_slice(&[0x15, 0x03, 0x03, 0x00]);
        reader.commit(4);
        assert!(matches!(
            reader.missing(&buf),
            Err(FrameError::TooLarge { .. })
        ));
        assert!(matches!(
            reader.receive_space(&mut buf),
            Err(FrameError::TooLarge { .. })
        ));
    }

    #[test]
    fn a_growable_buffer_grows_as_needed_and_is_reused() {
        extern crate alloc;
        use alloc::vec::Vec;
        // Two frames of 5 bytes, then one of 9: the buffer grows to 13 bytes and no further.
        let stream = [
            &[0, 0, 0, 5, 5, 5, 5, 5, 5][..],
            &[0, 0, 0, 5, 5, 5, 5, 5, 5],
            &[0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9],
        ]
        .concat();
        let mut buf: Vec<u8> = Vec::new();
        let mut reader = FrameReader::new(100);
        let mut fed = 0;
        let mut lens = Vec::new();
        let mut grown = Vec::new();
        while fed < stream.len() {
            let needed = reader.needed_len(&buf).unwrap();
            if buf.len() < needed {
                buf.resize(needed, 0);
                grown.push(needed);
            }
            let space = reader.receive_space(&mut buf).unwrap();
            let n = space.len().min(3).min(stream.len() - fed);
            space[..n].copy_from_slice(&stream[fed..fed + n]);
            reader.commit(n);
            fed += n;
            while let Some(frame) = reader.next_frame(&buf).unwrap() {
                assert!(frame.iter().all(|&b| usize::from(b) == frame.len()));
                lens.push(frame.len());
            }
        }
        assert_eq!(lens, [5, 5, 9]);
        assert_eq!(
            grown,
            [4, 9, 13],
            "grown to each frame's size, once per larger frame"
        );
    }

    #[test]
    fn receive_space_moves_a_frame_that_would_not_fit_behind_the_last() {
        // A 3-byte frame then the start of a 5-byte one, in a buffer of 10: after the first is
        // taken, the second (9 bytes) would not fit from byte 7, so it moves to the front.
        let mut buf = [0u8; 10];
        let mut reader = FrameReader::new(100);
        let head = [0, 0, 0, 3, 3, 3, 3, 0, 0, 0];
        reader
            .receive_space(&mut buf)
            .unwrap()
            .copy_from_slice(&head);
        reader.commit(head.len());
        assert_eq!(reader.next_frame(&buf), Ok(Some(&[3u8, 3, 3][..])));
        reader.receive_space(&mut buf).unwrap()[..1].copy_from_slice(&[5]);
        reader.commit(1);
        assert_eq!(reader.missing(&buf), Ok(5));
        let space = reader.receive_space(&mut buf).unwrap();
        assert_eq!(space.len(), 6, "the prefix moved to the front");
        space[..5].copy_from_slice(&[5; 5]);
        reader.commit(5);
        assert_eq!(reader.next_frame(&buf), Ok(Some(&[5u8; 5][..])));
        assert_eq!(reader.buffered(), 0);
    }
}
