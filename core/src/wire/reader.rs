//! [`Reader`]: a cursor over borrowed input that checks every length before using it.

use super::varint::{decode_uvarint, unzigzag32, unzigzag64};
use super::{DecodeError, Uuid};

/// A cursor over `&'a [u8]`. Values borrow from the input; nothing is copied or allocated.
///
/// Each method either consumes exactly the bytes of one value or fails; after an error the
/// reader's position is unspecified (decoders stop at the first error).
///
/// # Examples
///
/// ```
/// use franzl_core::wire::Reader;
/// let mut r = Reader::new(&[0x00, 0x02, b'h', b'i', 0x03]);
/// assert_eq!(r.string(), Ok("hi"));
/// assert_eq!(r.uvarint(), Ok(3));
/// assert!(r.is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

macro_rules! read_be {
    ($($(#[$doc:meta])* $name:ident -> $ty:ty;)*) => {$(
        $(#[$doc])*
        ///
        /// # Errors
        /// [`DecodeError::UnexpectedEnd`] if too few bytes remain.
        #[inline]
        pub fn $name(&mut self) -> Result<$ty, DecodeError> {
            Ok(<$ty>::from_be_bytes(self.array()?))
        }
    )*};
}

impl<'a> Reader<'a> {
    /// A reader over all of `input`.
    #[must_use]
    #[inline]
    pub const fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }

    /// Bytes not yet read.
    #[must_use]
    #[inline]
    pub const fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// True when every byte has been read.
    #[must_use]
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The unread bytes, without consuming them.
    #[must_use]
    #[inline]
    pub const fn rest(&self) -> &'a [u8] {
        self.rest
    }

    /// Fails unless every byte has been read.
    ///
    /// # Errors
    /// [`DecodeError::TrailingBytes`] if any byte remains.
    #[inline]
    pub const fn finish(&self) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes)
        }
    }

    /// Takes the next `len` raw bytes.
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedEnd`] if fewer than `len` bytes remain.
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    pub fn take(&mut self, len: usize) -> Result<&'a [u8], DecodeError> {
        let Some((head, tail)) = self.rest.split_at_checked(len) else {
            return Err(DecodeError::UnexpectedEnd);
        };
        self.rest = tail;
        Ok(head)
    }

    /// Splits off a reader bounded to the next `len` bytes and advances past them.
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedEnd`] if fewer than `len` bytes remain.
    #[inline]
    pub fn sub(&mut self, len: usize) -> Result<Reader<'a>, DecodeError> {
        Ok(Reader::new(self.take(len)?))
    }

    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let Some((head, tail)) = self.rest.split_first_chunk::<N>() else {
            return Err(DecodeError::UnexpectedEnd);
        };
        self.rest = tail;
        Ok(*head)
    }

    read_be! {
        /// Reads an `INT8`.
        i8 -> i8;
        /// Reads a `UINT8`.
        u8 -> u8;
        /// Reads an `INT16`.
        i16 -> i16;
        /// Reads a `UINT16`.
        u16 -> u16;
        /// Reads an `INT32`.
        i32 -> i32;
        /// Reads a `UINT32`.
        u32 -> u32;
        /// Reads an `INT64`.
        i64 -> i64;
        /// Reads a `FLOAT64`.
        f64 -> f64;
    }

    /// Reads a `BOOLEAN`: any non-zero byte is true, as the Java client reads it.
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedEnd`] if no byte remains.
    #[inline]
    pub fn bool(&mut self) -> Result<bool, DecodeError> {
        Ok(self.u8()? != 0)
    }

    /// Reads a `UUID` (16 raw bytes).
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedEnd`] if fewer than 16 bytes remain.
    #[inline]
    pub fn uuid(&mut self) -> Result<Uuid, DecodeError> {
        self.array().map(Uuid)
    }

    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    fn uvarint_width(&mut self, width: u32) -> Result<u64, DecodeError> {
        let (value, used) = decode_uvarint(self.rest, width)?;
        self.rest = self.rest.get(used..).unwrap_or_default();
        Ok(value)
    }

    /// Reads an unsigned 32-bit varint (at most 5 bytes).
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedEnd`] or [`DecodeError::OverlongVarint`].
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    pub fn uvarint(&mut self) -> Result<u32, DecodeError> {
        // The width check guarantees the value fits.
        u32::try_from(self.uvarint_width(32)?).map_err(|_| DecodeError::OverlongVarint)
    }

    /// Reads an unsigned 64-bit varint (at most 10 bytes).
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedEnd`] or [`DecodeError::OverlongVarint`].
    #[inline]
    pub fn uvarint64(&mut self) -> Result<u64, DecodeError> {
        self.uvarint_width(64)
    }

    /// Reads a zigzag signed 32-bit varint (`VARINT`).
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedEnd`] or [`DecodeError::OverlongVarint`].
    #[inline]
    pub fn varint(&mut self) -> Result<i32, DecodeError> {
        Ok(unzigzag32(self.uvarint()?))
    }

    /// Reads a zigzag signed 64-bit varint (`VARLONG`).
    ///
    /// # Errors
    /// [`DecodeError::UnexpectedEnd`] or [`DecodeError::OverlongVarint`].
    #[inline]
    pub fn varlong(&mut self) -> Result<i64, DecodeError> {
        Ok(unzigzag64(self.uvarint64()?))
    }

    /// Reads a length prefix in the given form; `None` is null (-1 classic, 0 compact).
    /// The length is checked against the bytes left.
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    fn length(&mut self, form: LengthForm) -> Result<Option<usize>, DecodeError> {
        let len: i64 = match form {
            LengthForm::I16 => self.i16()?.into(),
            LengthForm::I32 => self.i32()?.into(),
            LengthForm::Compact => i64::from(self.uvarint()?) - 1,
        };
        if len == -1 {
            return Ok(None);
        }
        let len = usize::try_from(len).map_err(|_| DecodeError::InvalidLength)?;
        if len > self.remaining() {
            return Err(DecodeError::LengthExceedsInput);
        }
        Ok(Some(len))
    }

    #[inline]
    fn nullable_str(&mut self, form: LengthForm) -> Result<Option<&'a str>, DecodeError> {
        match self.length(form)? {
            None => Ok(None),
            Some(len) => {
                let bytes = self.take(len)?;
                core::str::from_utf8(bytes)
                    .map(Some)
                    .map_err(|_| DecodeError::InvalidUtf8)
            }
        }
    }

    #[inline]
    fn nullable_bytes_in(&mut self, form: LengthForm) -> Result<Option<&'a [u8]>, DecodeError> {
        match self.length(form)? {
            None => Ok(None),
            Some(len) => self.take(len).map(Some),
        }
    }

    /// Reads a `NULLABLE_STRING` (`i16` length, -1 is null).
    ///
    /// # Errors
    /// Truncation, a length below -1 or past the input, or invalid UTF-8.
    #[inline]
    pub fn nullable_string(&mut self) -> Result<Option<&'a str>, DecodeError> {
        self.nullable_str(LengthForm::I16)
    }

    /// Reads a `STRING` (`i16` length).
    ///
    /// # Errors
    /// As [`Self::nullable_string`], and [`DecodeError::UnexpectedNull`] for a null.
    #[inline]
    pub fn string(&mut self) -> Result<&'a str, DecodeError> {
        self.nullable_string()?.ok_or(DecodeError::UnexpectedNull)
    }

    /// Reads a `COMPACT_NULLABLE_STRING` (varint `length + 1`, 0 is null).
    ///
    /// # Errors
    /// Truncation, a bad varint, a length past the input, or invalid UTF-8.
    #[inline]
    pub fn compact_nullable_string(&mut self) -> Result<Option<&'a str>, DecodeError> {
        self.nullable_str(LengthForm::Compact)
    }

    /// Reads a `COMPACT_STRING`.
    ///
    /// # Errors
    /// As [`Self::compact_nullable_string`], and [`DecodeError::UnexpectedNull`] for a null.
    #[inline]
    pub fn compact_string(&mut self) -> Result<&'a str, DecodeError> {
        self.compact_nullable_string()?
            .ok_or(DecodeError::UnexpectedNull)
    }

    /// Reads `NULLABLE_BYTES` (`i32` length, -1 is null).
    ///
    /// # Errors
    /// Truncation, or a length below -1 or past the input.
    #[inline]
    pub fn nullable_bytes(&mut self) -> Result<Option<&'a [u8]>, DecodeError> {
        self.nullable_bytes_in(LengthForm::I32)
    }

    /// Reads `BYTES` (`i32` length).
    ///
    /// # Errors
    /// As [`Self::nullable_bytes`], and [`DecodeError::UnexpectedNull`] for a null.
    #[inline]
    pub fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        self.nullable_bytes()?.ok_or(DecodeError::UnexpectedNull)
    }

    /// Reads `COMPACT_NULLABLE_BYTES` (varint `length + 1`, 0 is null).
    ///
    /// # Errors
    /// Truncation, a bad varint, or a length past the input.
    #[inline]
    pub fn compact_nullable_bytes(&mut self) -> Result<Option<&'a [u8]>, DecodeError> {
        self.nullable_bytes_in(LengthForm::Compact)
    }

    /// Reads `COMPACT_BYTES`.
    ///
    /// # Errors
    /// As [`Self::compact_nullable_bytes`], and [`DecodeError::UnexpectedNull`] for a null.
    #[inline]
    pub fn compact_bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        self.compact_nullable_bytes()?
            .ok_or(DecodeError::UnexpectedNull)
    }

    /// Reads an `ARRAY` count (`i32`, -1 is null). Every element takes at least one byte, so a
    /// count above [`Self::remaining`] is rejected here, before any element is read.
    ///
    /// # Errors
    /// Truncation, a count below -1, or a count above the bytes left.
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    pub fn array_len(&mut self) -> Result<Option<usize>, DecodeError> {
        self.length(LengthForm::I32)
    }

    /// Reads a `COMPACT_ARRAY` count (varint `count + 1`, 0 is null), checked as
    /// [`Self::array_len`].
    ///
    /// # Errors
    /// Truncation, a bad varint, or a count above the bytes left.
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    pub fn compact_array_len(&mut self) -> Result<Option<usize>, DecodeError> {
        self.length(LengthForm::Compact)
    }
}

#[derive(Clone, Copy)]
enum LengthForm {
    I16,
    I32,
    Compact,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_big_endian() {
        let mut r = Reader::new(&[0xff, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00, 0x01]);
        assert_eq!(r.i8(), Ok(-1));
        assert_eq!(r.i16(), Ok(0x0102));
        assert_eq!(r.i32(), Ok(256));
        assert_eq!(r.i16(), Err(DecodeError::UnexpectedEnd));
    }

    #[test]
    fn strings_and_nulls() {
        let mut r = Reader::new(&[0xff, 0xff, 0x00, 0x00, 0x00, 0x01, b'a']);
        assert_eq!(r.nullable_string(), Ok(None));
        assert_eq!(r.string(), Ok(""));
        assert_eq!(r.string(), Ok("a"));
        assert_eq!(
            Reader::new(&[0xff, 0xff]).string(),
            Err(DecodeError::UnexpectedNull)
        );
        assert_eq!(
            Reader::new(&[0xff, 0xfe]).nullable_string(),
            Err(DecodeError::InvalidLength)
        );
        assert_eq!(
            Reader::new(&[0x00, 0x02, b'a']).string(),
            Err(DecodeError::LengthExceedsInput)
        );
        assert_eq!(
            Reader::new(&[0x00, 0x01, 0xff]).string(),
            Err(DecodeError::InvalidUtf8)
        );
        let mut c = Reader::new(&[0x00, 0x01, 0x03, b'h', b'i']);
        assert_eq!(c.compact_nullable_string(), Ok(None));
        assert_eq!(c.compact_string(), Ok(""));
        assert_eq!(c.compact_string(), Ok("hi"));
    }

    #[test]
    fn bytes_and_counts() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 7]);
        assert_eq!(r.nullable_bytes(), Ok(None));
        assert_eq!(r.bytes(), Ok(&[7u8][..]));
        let huge = [0x7f, 0xff, 0xff, 0xff, 0];
        assert_eq!(
            Reader::new(&huge).array_len(),
            Err(DecodeError::LengthExceedsInput)
        );
        assert_eq!(
            Reader::new(&huge).bytes(),
            Err(DecodeError::LengthExceedsInput)
        );
        let negative = [0x80, 0x00, 0x00, 0x00];
        assert_eq!(
            Reader::new(&negative).array_len(),
            Err(DecodeError::InvalidLength)
        );
        assert_eq!(Reader::new(&[0x00]).compact_array_len(), Ok(None));
        assert_eq!(
            Reader::new(&[0x03, 1]).compact_array_len(),
            Err(DecodeError::LengthExceedsInput)
        );
        assert_eq!(Reader::new(&[0x03, 1, 2]).compact_array_len(), Ok(Some(2)));
    }

    #[test]
    fn varints() {
        let mut r = Reader::new(&[0x01, 0x02, 0x03, 0xac, 0x02]);
        assert_eq!(r.varint(), Ok(-1));
        assert_eq!(r.varint(), Ok(1));
        assert_eq!(r.varlong(), Ok(-2));
        assert_eq!(r.uvarint(), Ok(300));
        assert!(r.is_empty());
        let overlong = [0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
        assert_eq!(
            Reader::new(&overlong).uvarint(),
            Err(DecodeError::OverlongVarint)
        );
    }

    #[test]
    fn sub_readers_are_bounded() {
        let mut r = Reader::new(&[1, 2, 3, 4]);
        let mut sub = r.sub(2).unwrap();
        assert_eq!(sub.i16(), Ok(0x0102));
        assert_eq!(sub.u8(), Err(DecodeError::UnexpectedEnd));
        assert_eq!(r.rest(), &[3, 4]);
        assert_eq!(r.sub(3), Err(DecodeError::UnexpectedEnd));
        assert_eq!(r.finish(), Err(DecodeError::TrailingBytes));
    }
}
