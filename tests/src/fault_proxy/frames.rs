//! Where Kafka frames begin and end in one direction of a TCP stream, so the proxy can damage
//! exactly one frame: cut it short, or invert one byte of its body.
//!
//! Contract: [`FrameCursor::scan`] is given the stream's bytes in order, in chunks of any size;
//! a frame is a 4-byte big-endian size and that many bytes (a negative size counts as 0). A
//! damage plan, when the caller arms one, applies to the first non-empty frame whose size is
//! read after arming, at the middle of its body or at its last byte.

/// What the caller wants done to the next frame that starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Damage {
    /// Forward the frame's size and the first half of its body, then close the connection.
    Truncate,
    /// Invert the byte in the middle of the frame's body.
    Corrupt,
    /// Invert the last byte of the frame's body (in a flexible-version Kafka message, its
    /// tagged-field count: the frame no longer decodes).
    CorruptLast,
}

/// The position in one direction's stream of frames.
#[derive(Debug, Default)]
pub(crate) struct FrameCursor {
    header: [u8; 4],
    header_len: usize,
    body_len: usize,
    body_left: usize,
    /// The body position and kind of damage planned for the current frame.
    planned: Option<(usize, Damage)>,
}

/// What [`FrameCursor::scan`] did to a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ScanOutcome {
    /// Forward only this many bytes of the chunk and close the connection (truncation).
    pub(crate) cut_at: Option<usize>,
    /// A byte of the chunk was inverted.
    pub(crate) corrupted: bool,
}

impl FrameCursor {
    /// Follows `chunk` (the next bytes of the stream), applying any planned damage in place.
    /// `arm` is asked, at each frame start, whether to damage that frame (it takes the request,
    /// so one request damages one frame).
    pub(crate) fn scan(
        &mut self,
        chunk: &mut [u8],
        mut arm: impl FnMut() -> Option<Damage>,
    ) -> ScanOutcome {
        let mut outcome = ScanOutcome {
            cut_at: None,
            corrupted: false,
        };
        let mut i = 0;
        while i < chunk.len() {
            if self.body_left == 0 {
                self.header[self.header_len] = chunk[i];
                self.header_len += 1;
                i += 1;
                if self.header_len == 4 {
                    self.header_len = 0;
                    let size = i32::from_be_bytes(self.header);
                    self.body_len = usize::try_from(size).unwrap_or(0);
                    self.body_left = self.body_len;
                    self.planned = None;
                    if self.body_len > 0 {
                        self.planned = arm().map(|damage| {
                            let at = match damage {
                                Damage::CorruptLast => self.body_len - 1,
                                Damage::Truncate | Damage::Corrupt => self.body_len / 2,
                            };
                            (at, damage)
                        });
                    }
                }
                continue;
            }
            let n = self.body_left.min(chunk.len() - i);
            let position = self.body_len - self.body_left;
            if let Some((at, damage)) = self.planned
                && (position..position + n).contains(&at)
            {
                self.planned = None;
                let index = i + (at - position);
                match damage {
                    Damage::Corrupt | Damage::CorruptLast => {
                        chunk[index] ^= 0xFF;
                        outcome.corrupted = true;
                    }
                    Damage::Truncate => {
                        outcome.cut_at = Some(index);
                        return outcome;
                    }
                }
            }
            self.body_left -= n;
            i += n;
        }
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::{Damage, FrameCursor};

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut bytes = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
        bytes.extend_from_slice(body);
        bytes
    }

    #[test]
    fn corrupts_the_middle_of_the_next_frame_across_chunks() {
        let mut stream = frame(b"abcd");
        stream.extend(frame(b"012345"));
        let mut cursor = FrameCursor::default();
        let mut armed = false;
        // The request arrives after the first frame started: the second frame is damaged.
        let (first, second) = stream.split_at_mut(5);
        let outcome = cursor.scan(first, || None);
        assert!(!outcome.corrupted);
        let outcome = cursor.scan(second, || {
            armed = !armed;
            armed.then_some(Damage::Corrupt)
        });
        assert!(outcome.corrupted);
        assert_eq!(
            &second[3..],
            &frame(&[b'0', b'1', b'2', !b'3', b'4', b'5'])[..]
        );
        assert_eq!(&second[..3], b"bcd");
    }

    #[test]
    fn corrupts_the_last_byte_when_asked() {
        let mut stream = frame(b"0123");
        let mut cursor = FrameCursor::default();
        let outcome = cursor.scan(&mut stream, || Some(Damage::CorruptLast));
        assert!(outcome.corrupted);
        assert_eq!(stream, frame(&[b'0', b'1', b'2', !b'3']));
    }

    #[test]
    fn truncates_at_the_middle_of_the_body() {
        let mut stream = frame(b"0123456789");
        let mut cursor = FrameCursor::default();
        let outcome = cursor.scan(&mut stream, || Some(Damage::Truncate));
        assert_eq!(outcome.cut_at, Some(4 + 5));
    }

    #[test]
    fn empty_frames_are_not_damaged() {
        let mut stream = frame(b"");
        stream.extend(frame(b"xy"));
        let mut cursor = FrameCursor::default();
        let mut asked = 0;
        let outcome = cursor.scan(&mut stream, || {
            asked += 1;
            Some(Damage::Truncate)
        });
        assert_eq!(asked, 1);
        assert_eq!(outcome.cut_at, Some(4 + 4 + 1));
    }
}
