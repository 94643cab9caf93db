//! [`Writer`]: a cursor into a caller's `&mut [u8]` that never writes past its end.

#[cfg(feature = "gather")]
extern crate alloc;

use super::varint::{zigzag32, zigzag64};
use super::{EncodeError, Uuid};

/// A cursor over a caller-provided buffer. Each `put_*` writes one whole value or fails and
/// leaves the position unchanged; a failure for lack of space names the total buffer size the
/// write needed.
///
/// # Examples
///
/// ```
/// use franzl_core::wire::Writer;
/// let mut buf = [0u8; 8];
/// let mut w = Writer::new(&mut buf);
/// let size = w.reserve_length()?;
/// w.put_string("hi")?;
/// w.patch_length(size)?;
/// assert_eq!(w.written(), &[0, 0, 0, 4, 0, 2, b'h', b'i']);
/// # Ok::<(), franzl_core::wire::EncodeError>(())
/// ```
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
    /// With the `gather` feature: the bytes fields left out of `buf` (see [`Writer::gathering`]).
    #[cfg(feature = "gather")]
    gaps: Option<alloc::vec::Vec<Gap>>,
    /// Bytes left out so far: the logical position is `pos + elided`.
    #[cfg(feature = "gather")]
    elided: usize,
}

/// A `BYTES` field's contents that a gathering writer ([`Writer::gathering`]) left out of its
/// buffer: they belong at offset `at` of the written bytes, `len` bytes long. The caller sends
/// the written bytes with each field's own slice put back at its gap (a vectored write), so
/// large payloads such as a Produce request's record batches are never copied into the frame.
#[cfg(feature = "gather")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// Where the field's bytes go, as an offset into [`Writer::written`].
    pub at: usize,
    /// How many bytes go there.
    pub len: usize,
}

/// Where an `i32` length prefix was reserved by [`Writer::reserve_length`], to be patched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a reserved length must be patched"]
pub struct LengthPlaceholder {
    at: usize,
}

macro_rules! put_be {
    ($($(#[$doc:meta])* $name:ident($ty:ty);)*) => {$(
        $(#[$doc])*
        ///
        /// # Errors
        /// [`EncodeError::BufferTooSmall`] if the buffer has too little room.
        #[inline]
        pub fn $name(&mut self, value: $ty) -> Result<(), EncodeError> {
            self.put_raw(&value.to_be_bytes())
        }
    )*};
}

impl<'a> Writer<'a> {
    /// A writer at the start of `buf`.
    #[must_use]
    #[inline]
    pub const fn new(buf: &'a mut [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            #[cfg(feature = "gather")]
            gaps: None,
            #[cfg(feature = "gather")]
            elided: 0,
        }
    }

    /// A writer at the start of `buf` that leaves the contents of every non-empty `BYTES`
    /// field out of `buf`, writing only its length prefix and noting a [`Gap`] in `gaps`
    /// (cleared first; taken back with [`Writer::take_gaps`]). Length prefixes and
    /// [`Writer::position`] count the left-out bytes as written. With the `gather` feature.
    #[cfg(feature = "gather")]
    #[must_use]
    pub fn gathering(buf: &'a mut [u8], mut gaps: alloc::vec::Vec<Gap>) -> Self {
        gaps.clear();
        Self {
            buf,
            pos: 0,
            gaps: Some(gaps),
            elided: 0,
        }
    }

    /// The gaps a gathering writer left, in order (empty for another writer).
    #[cfg(feature = "gather")]
    pub fn take_gaps(&mut self) -> alloc::vec::Vec<Gap> {
        self.gaps.take().unwrap_or_default()
    }

    /// Bytes written so far (with a gathering writer, counting the bytes left out).
    #[must_use]
    #[inline]
    pub const fn position(&self) -> usize {
        #[cfg(feature = "gather")]
        {
            self.pos.saturating_add(self.elided)
        }
        #[cfg(not(feature = "gather"))]
        {
            self.pos
        }
    }

    /// Room left in the buffer.
    #[must_use]
    #[inline]
    pub const fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// The bytes written so far.
    #[must_use]
    #[inline]
    pub fn written(&self) -> &[u8] {
        self.buf.get(..self.pos).unwrap_or_default()
    }

    /// Gives back the written part of the buffer, for the buffer's whole lifetime.
    #[must_use]
    #[inline]
    pub fn into_written(self) -> &'a mut [u8] {
        let Self { buf, pos, .. } = self;
        let len = buf.len();
        buf.split_at_mut(pos.min(len)).0
    }

    /// The part of the buffer not yet written, for a nested encoder; follow with
    /// [`Self::advance`] by the bytes it wrote.
    #[inline]
    pub fn unwritten_mut(&mut self) -> &mut [u8] {
        let pos = self.pos.min(self.buf.len());
        self.buf.get_mut(pos..).unwrap_or_default()
    }

    /// Counts `len` bytes, written through [`Self::unwritten_mut`], as written.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if that goes past the buffer's end.
    #[inline]
    pub fn advance(&mut self, len: usize) -> Result<(), EncodeError> {
        self.slot(len).map(drop)
    }

    #[inline]
    fn slot(&mut self, len: usize) -> Result<&mut [u8], EncodeError> {
        let end = self
            .pos
            .checked_add(len)
            .ok_or(EncodeError::BufferTooSmall { needed: usize::MAX })?;
        let slot = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(EncodeError::BufferTooSmall { needed: end })?;
        self.pos = end;
        Ok(slot)
    }

    /// Writes raw bytes with no prefix.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if the buffer has too little room.
    #[inline]
    pub fn put_raw(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        self.slot(bytes.len())?.copy_from_slice(bytes);
        Ok(())
    }

    put_be! {
        /// Writes an `INT8`.
        put_i8(i8);
        /// Writes a `UINT8`.
        put_u8(u8);
        /// Writes an `INT16`.
        put_i16(i16);
        /// Writes a `UINT16`.
        put_u16(u16);
        /// Writes an `INT32`.
        put_i32(i32);
        /// Writes a `UINT32`.
        put_u32(u32);
        /// Writes an `INT64`.
        put_i64(i64);
        /// Writes a `FLOAT64`.
        put_f64(f64);
    }

    /// Writes a `BOOLEAN` as 0 or 1.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if the buffer is full.
    #[inline]
    pub fn put_bool(&mut self, value: bool) -> Result<(), EncodeError> {
        self.put_u8(u8::from(value))
    }

    /// Writes a `UUID`.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if the buffer has too little room.
    #[inline]
    pub fn put_uuid(&mut self, value: &Uuid) -> Result<(), EncodeError> {
        self.put_raw(&value.0)
    }

    /// Writes an unsigned 64-bit varint (also used for 32-bit values: the encodings agree).
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if the buffer has too little room.
    #[inline]
    pub fn put_uvarint64(&mut self, mut value: u64) -> Result<(), EncodeError> {
        let mut encoded = [0u8; 10];
        let mut len = 0;
        for byte in &mut encoded {
            len += 1;
            // Truncation to the low 7 bits is the encoding.
            *byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                break;
            }
            *byte |= 0x80;
        }
        self.put_raw(encoded.get(..len).unwrap_or_default())
    }

    /// Writes an unsigned 32-bit varint.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if the buffer has too little room.
    #[inline]
    pub fn put_uvarint(&mut self, value: u32) -> Result<(), EncodeError> {
        self.put_uvarint64(value.into())
    }

    /// Writes a zigzag signed 32-bit varint (`VARINT`).
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if the buffer has too little room.
    #[inline]
    pub fn put_varint(&mut self, value: i32) -> Result<(), EncodeError> {
        self.put_uvarint(zigzag32(value))
    }

    /// Writes a zigzag signed 64-bit varint (`VARLONG`).
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if the buffer has too little room.
    #[inline]
    pub fn put_varlong(&mut self, value: i64) -> Result<(), EncodeError> {
        self.put_uvarint64(zigzag64(value))
    }

    /// Runs a multi-part write so that a failure leaves the position where it was.
    #[inline]
    fn whole(
        &mut self,
        write: impl FnOnce(&mut Self) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        let start = self.pos;
        #[cfg(feature = "gather")]
        let (elided, gaps) = (
            self.elided,
            self.gaps.as_ref().map_or(0, alloc::vec::Vec::len),
        );
        let result = write(self);
        if result.is_err() {
            self.pos = start;
            #[cfg(feature = "gather")]
            {
                self.elided = elided;
                if let Some(list) = &mut self.gaps {
                    list.truncate(gaps);
                }
            }
        }
        result
    }

    /// Writes a `BYTES` field's contents: into the buffer, or, for a gathering writer, as a
    /// [`Gap`] to fill at send time.
    #[inline]
    fn put_payload(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        #[cfg(feature = "gather")]
        if let Some(gaps) = &mut self.gaps
            && !bytes.is_empty()
        {
            gaps.push(Gap {
                at: self.pos,
                len: bytes.len(),
            });
            self.elided = self.elided.saturating_add(bytes.len());
            return Ok(());
        }
        self.put_raw(bytes)
    }

    #[inline]
    fn put_i16_len(&mut self, len: Option<usize>) -> Result<(), EncodeError> {
        let len = match len {
            None => -1,
            Some(len) => i16::try_from(len).map_err(|_| EncodeError::TooLong)?,
        };
        self.put_i16(len)
    }

    /// Writes an `i32` length or count; `None` writes the null marker -1.
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] above `i32::MAX`, or [`EncodeError::BufferTooSmall`].
    #[inline]
    pub fn put_array_len(&mut self, len: Option<usize>) -> Result<(), EncodeError> {
        let len = match len {
            None => -1,
            Some(len) => i32::try_from(len).map_err(|_| EncodeError::TooLong)?,
        };
        self.put_i32(len)
    }

    /// Writes a compact length or count as varint `len + 1`; `None` writes the null marker 0.
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] if `len + 1` exceeds `u32::MAX`, or [`EncodeError::BufferTooSmall`].
    #[inline]
    pub fn put_compact_array_len(&mut self, len: Option<usize>) -> Result<(), EncodeError> {
        let code = match len {
            None => 0,
            Some(len) => u32::try_from(len)
                .ok()
                .and_then(|l| l.checked_add(1))
                .ok_or(EncodeError::TooLong)?,
        };
        self.put_uvarint(code)
    }

    /// Writes a `NULLABLE_STRING` (`i16` length, -1 for `None`).
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] above `i16::MAX` bytes, or [`EncodeError::BufferTooSmall`].
    #[inline]
    pub fn put_nullable_string(&mut self, value: Option<&str>) -> Result<(), EncodeError> {
        self.whole(|w| {
            w.put_i16_len(value.map(str::len))?;
            w.put_raw(value.unwrap_or_default().as_bytes())
        })
    }

    /// Writes a `STRING`.
    ///
    /// # Errors
    /// As [`Self::put_nullable_string`].
    #[inline]
    pub fn put_string(&mut self, value: &str) -> Result<(), EncodeError> {
        self.put_nullable_string(Some(value))
    }

    /// Writes a `COMPACT_NULLABLE_STRING` (varint `length + 1`, 0 for `None`).
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] or [`EncodeError::BufferTooSmall`].
    #[inline]
    pub fn put_compact_nullable_string(&mut self, value: Option<&str>) -> Result<(), EncodeError> {
        self.put_compact_text(value.map(str::as_bytes))
    }

    /// Writes a `COMPACT_STRING`.
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] or [`EncodeError::BufferTooSmall`].
    #[inline]
    pub fn put_compact_string(&mut self, value: &str) -> Result<(), EncodeError> {
        self.put_compact_text(Some(value.as_bytes()))
    }

    /// A compact string's bytes: as compact bytes, except that a gathering writer never leaves
    /// them out (only `BYTES` fields are gathered).
    #[inline]
    fn put_compact_text(&mut self, value: Option<&[u8]>) -> Result<(), EncodeError> {
        #[cfg(feature = "gather")]
        if self.gaps.is_some() {
            return self.whole(|w| {
                w.put_compact_array_len(value.map(<[u8]>::len))?;
                w.put_raw(value.unwrap_or_default())
            });
        }
        self.put_compact_nullable_bytes(value)
    }

    /// Writes `NULLABLE_BYTES` (`i32` length, -1 for `None`).
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] or [`EncodeError::BufferTooSmall`].
    #[inline]
    pub fn put_nullable_bytes(&mut self, value: Option<&[u8]>) -> Result<(), EncodeError> {
        self.whole(|w| {
            w.put_array_len(value.map(<[u8]>::len))?;
            w.put_payload(value.unwrap_or_default())
        })
    }

    /// Writes `BYTES`.
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] or [`EncodeError::BufferTooSmall`].
    #[inline]
    pub fn put_bytes(&mut self, value: &[u8]) -> Result<(), EncodeError> {
        self.put_nullable_bytes(Some(value))
    }

    /// Writes `COMPACT_NULLABLE_BYTES` (varint `length + 1`, 0 for `None`).
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] or [`EncodeError::BufferTooSmall`].
    #[inline]
    pub fn put_compact_nullable_bytes(&mut self, value: Option<&[u8]>) -> Result<(), EncodeError> {
        self.whole(|w| {
            w.put_compact_array_len(value.map(<[u8]>::len))?;
            w.put_payload(value.unwrap_or_default())
        })
    }

    /// Writes `COMPACT_BYTES`.
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] or [`EncodeError::BufferTooSmall`].
    #[inline]
    pub fn put_compact_bytes(&mut self, value: &[u8]) -> Result<(), EncodeError> {
        self.put_compact_nullable_bytes(Some(value))
    }

    /// Reserves four bytes for an `i32` length prefix, to be filled by [`Self::patch_length`]
    /// once the bytes it counts are written.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if fewer than four bytes are left.
    #[inline]
    pub fn reserve_length(&mut self) -> Result<LengthPlaceholder, EncodeError> {
        let at = self.pos;
        self.put_i32(0)?;
        Ok(LengthPlaceholder { at })
    }

    /// Writes, into a reserved prefix, the number of bytes written after it.
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] if that count exceeds `i32::MAX`.
    #[inline]
    pub fn patch_length(&mut self, placeholder: LengthPlaceholder) -> Result<(), EncodeError> {
        let counted = self
            .position()
            .saturating_sub(placeholder.at.saturating_add(4));
        let value = i32::try_from(counted).map_err(|_| EncodeError::TooLong)?;
        self.patch_i32(placeholder, value)
    }

    /// Writes an arbitrary value into a reserved prefix (for example a CRC or a count).
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] only if the placeholder came from another writer.
    #[inline]
    pub fn patch_i32(
        &mut self,
        placeholder: LengthPlaceholder,
        value: i32,
    ) -> Result<(), EncodeError> {
        let end = placeholder.at.saturating_add(4);
        let slot = self
            .buf
            .get_mut(placeholder.at..end)
            .ok_or(EncodeError::BufferTooSmall { needed: end })?;
        slot.copy_from_slice(&value.to_be_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Reader;

    #[test]
    fn too_small_names_the_size_needed() {
        let mut buf = [0u8; 5];
        let mut w = Writer::new(&mut buf);
        w.put_i32(1).unwrap();
        assert_eq!(w.put_i16(2), Err(EncodeError::BufferTooSmall { needed: 6 }));
        // A failed write leaves the position alone.
        assert_eq!(w.position(), 4);
        w.put_u8(9).unwrap();
        assert_eq!(w.written(), &[0, 0, 0, 1, 9]);
    }

    #[test]
    fn varints_match_fixtures() {
        let mut buf = [0u8; 32];
        let mut w = Writer::new(&mut buf);
        w.put_uvarint(300).unwrap();
        w.put_varint(-1).unwrap();
        w.put_varlong(i64::MIN).unwrap();
        assert_eq!(
            w.written(),
            &[
                0xac, 0x02, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01
            ]
        );
    }

    #[test]
    fn strings_round_trip() {
        let mut buf = [0u8; 32];
        let mut w = Writer::new(&mut buf);
        w.put_nullable_string(None).unwrap();
        w.put_compact_nullable_string(None).unwrap();
        w.put_compact_string("ab").unwrap();
        w.put_nullable_bytes(Some(&[1, 2])).unwrap();
        w.put_compact_array_len(Some(0)).unwrap();
        let written = w.into_written();
        assert_eq!(
            &written[..],
            &[0xff, 0xff, 0x00, 0x03, b'a', b'b', 0, 0, 0, 2, 1, 2, 0x01]
        );
        let mut r = Reader::new(written);
        assert_eq!(r.nullable_string(), Ok(None));
        assert_eq!(r.compact_nullable_string(), Ok(None));
        assert_eq!(r.compact_string(), Ok("ab"));
        assert_eq!(r.nullable_bytes(), Ok(Some(&[1u8, 2][..])));
        assert_eq!(r.compact_array_len(), Ok(Some(0)));
    }

    #[test]
    fn string_longer_than_i16_is_rejected() {
        let long = [b'a'; 40_000];
        let long = core::str::from_utf8(&long).unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(
            Writer::new(&mut buf).put_string(long),
            Err(EncodeError::TooLong)
        );
    }
}
