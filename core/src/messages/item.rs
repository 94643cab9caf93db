//! [`Item`]: how one field value is read, written and sized at a message version; the generated
//! structs implement it, and so do the primitive types, strings, bytes, arrays and nullables.
//!
//! Contract: [`Item::wire_len`] is exact and is where encode-time checks happen (fields a version
//! cannot carry, nulls a version cannot express, lengths past their prefix); [`Item::write`]
//! assumes `wire_len` succeeded for the same value and version, as the message encoders ensure.

use crate::wire::{DecodeError, EncodeError, Reader, Uuid, Writer};

/// The version a value is encoded at, and whether that version is flexible (compact lengths and
/// tagged fields).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Version {
    /// The message version.
    pub number: i16,
    /// True for the message's flexible versions.
    pub flexible: bool,
}

/// A value that has a wire form at each message version.
pub trait Item<'a>: Sized + Copy {
    /// The encoded size when every value of this type has the same size, at any version.
    /// Arrays of such items are validated and skipped without reading each element.
    const FIXED_LEN: Option<usize> = None;

    /// Reads one value.
    ///
    /// # Errors
    /// Any [`DecodeError`] the input causes.
    fn read(r: &mut Reader<'a>, v: Version) -> Result<Self, DecodeError>;

    /// Advances past one value, checking it exactly as [`Item::read`] would, without building
    /// it (decoders validate arrays this way, then read items lazily).
    ///
    /// # Errors
    /// Any [`DecodeError`] the input causes.
    #[inline]
    fn skip(r: &mut Reader<'a>, v: Version) -> Result<(), DecodeError> {
        Self::read(r, v).map(drop)
    }

    /// Writes the value. Call only after [`Item::wire_len`] succeeded for the same version.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] when the writer runs out of room.
    fn write(&self, w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError>;

    /// The exact encoded size at `v`.
    ///
    /// # Errors
    /// A field this version cannot carry, a null it cannot express, or a length too long for
    /// its prefix.
    fn wire_len(&self, v: Version) -> Result<usize, EncodeError>;
}

/// An [`Item`] that can also be null in the versions that allow it. The default methods are the
/// encoding of a nullable struct: an `i8` marker, -1 for null, then the struct.
pub trait Nullable<'a>: Item<'a> {
    /// Reads a value or a null.
    ///
    /// # Errors
    /// Any [`DecodeError`] the input causes.
    fn read_nullable(r: &mut Reader<'a>, v: Version) -> Result<Option<Self>, DecodeError> {
        if r.i8()? < 0 {
            Ok(None)
        } else {
            Self::read(r, v).map(Some)
        }
    }

    /// Advances past a value or a null, checking it.
    ///
    /// # Errors
    /// Any [`DecodeError`] the input causes.
    fn skip_nullable(r: &mut Reader<'a>, v: Version) -> Result<(), DecodeError> {
        if r.i8()? < 0 {
            Ok(())
        } else {
            Self::skip(r, v)
        }
    }

    /// Writes the null marker.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`].
    fn write_null(w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError> {
        let _ = v;
        w.put_i8(-1)
    }

    /// Writes a present value in its nullable form.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`].
    fn write_present(&self, w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError> {
        w.put_i8(1)?;
        self.write(w, v)
    }

    /// Size of the null marker.
    fn null_len(v: Version) -> usize {
        let _ = v;
        1
    }

    /// Size of a present value in its nullable form.
    ///
    /// # Errors
    /// As [`Item::wire_len`].
    fn present_len(&self, v: Version) -> Result<usize, EncodeError> {
        Ok(1 + self.wire_len(v)?)
    }
}

impl<'a, T: Nullable<'a>> Item<'a> for Option<T> {
    #[inline]
    fn read(r: &mut Reader<'a>, v: Version) -> Result<Self, DecodeError> {
        T::read_nullable(r, v)
    }

    #[inline]
    fn skip(r: &mut Reader<'a>, v: Version) -> Result<(), DecodeError> {
        T::skip_nullable(r, v)
    }

    fn write(&self, w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError> {
        match self {
            None => T::write_null(w, v),
            Some(value) => value.write_present(w, v),
        }
    }

    fn wire_len(&self, v: Version) -> Result<usize, EncodeError> {
        match self {
            None => Ok(T::null_len(v)),
            Some(value) => value.present_len(v),
        }
    }
}

macro_rules! fixed_items {
    ($($ty:ty => $read:ident, $put:ident;)*) => {$(
        impl<'a> Item<'a> for $ty {
            const FIXED_LEN: Option<usize> = Some(size_of::<$ty>());

            #[inline]
            fn read(r: &mut Reader<'a>, _: Version) -> Result<Self, DecodeError> {
                r.$read()
            }

            #[inline]
            fn skip(r: &mut Reader<'a>, _: Version) -> Result<(), DecodeError> {
                r.take(size_of::<$ty>()).map(drop)
            }

            #[inline]
            fn write(&self, w: &mut Writer<'_>, _: Version) -> Result<(), EncodeError> {
                w.$put(*self)
            }

            #[inline]
            fn wire_len(&self, _: Version) -> Result<usize, EncodeError> {
                Ok(size_of::<$ty>())
            }
        }
    )*};
}

fixed_items! {
    i8 => i8, put_i8;
    i16 => i16, put_i16;
    u16 => u16, put_u16;
    i32 => i32, put_i32;
    i64 => i64, put_i64;
    f64 => f64, put_f64;
    bool => bool, put_bool;
}

/// An error code is its `i16` on the wire.
impl<'a> Item<'a> for crate::ErrorCode {
    const FIXED_LEN: Option<usize> = Some(2);

    #[inline]
    fn read(r: &mut Reader<'a>, _: Version) -> Result<Self, DecodeError> {
        r.i16().map(Self)
    }

    #[inline]
    fn skip(r: &mut Reader<'a>, _: Version) -> Result<(), DecodeError> {
        r.take(2).map(drop)
    }

    #[inline]
    fn write(&self, w: &mut Writer<'_>, _: Version) -> Result<(), EncodeError> {
        w.put_i16(self.0)
    }

    #[inline]
    fn wire_len(&self, _: Version) -> Result<usize, EncodeError> {
        Ok(2)
    }
}

impl<'a> Item<'a> for Uuid {
    const FIXED_LEN: Option<usize> = Some(16);

    fn read(r: &mut Reader<'a>, _: Version) -> Result<Self, DecodeError> {
        r.uuid()
    }

    fn write(&self, w: &mut Writer<'_>, _: Version) -> Result<(), EncodeError> {
        w.put_uuid(self)
    }

    fn wire_len(&self, _: Version) -> Result<usize, EncodeError> {
        Ok(16)
    }
}

/// Size of a length prefix: `i16`/`i32` classic, varint `len + 1` compact.
pub(crate) fn prefix_len(len: usize, classic: usize, v: Version) -> usize {
    if v.flexible {
        crate::wire::uvarint64_len((len as u64).saturating_add(1))
    } else {
        classic
    }
}

/// Fails with [`EncodeError::TooLong`] when `len` does not fit the prefix `v` uses.
fn check_len(len: usize, classic_max: usize, v: Version) -> Result<(), EncodeError> {
    let max = if v.flexible {
        (u32::MAX - 1) as usize
    } else {
        classic_max
    };
    if len > max {
        Err(EncodeError::TooLong)
    } else {
        Ok(())
    }
}

impl<'a> Item<'a> for &'a str {
    #[inline]
    fn read(r: &mut Reader<'a>, v: Version) -> Result<Self, DecodeError> {
        if v.flexible {
            r.compact_string()
        } else {
            r.string()
        }
    }

    fn write(&self, w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError> {
        if v.flexible {
            w.put_compact_string(self)
        } else {
            w.put_string(self)
        }
    }

    fn wire_len(&self, v: Version) -> Result<usize, EncodeError> {
        check_len(self.len(), i16::MAX as usize, v)?;
        Ok(prefix_len(self.len(), 2, v) + self.len())
    }
}

impl<'a> Nullable<'a> for &'a str {
    fn read_nullable(r: &mut Reader<'a>, v: Version) -> Result<Option<Self>, DecodeError> {
        if v.flexible {
            r.compact_nullable_string()
        } else {
            r.nullable_string()
        }
    }

    #[inline]
    fn skip_nullable(r: &mut Reader<'a>, v: Version) -> Result<(), DecodeError> {
        Self::read_nullable(r, v).map(drop)
    }

    fn write_null(w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError> {
        if v.flexible {
            w.put_compact_nullable_string(None)
        } else {
            w.put_nullable_string(None)
        }
    }

    fn write_present(&self, w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError> {
        self.write(w, v)
    }

    fn null_len(v: Version) -> usize {
        if v.flexible { 1 } else { 2 }
    }

    fn present_len(&self, v: Version) -> Result<usize, EncodeError> {
        self.wire_len(v)
    }
}

impl<'a> Item<'a> for &'a [u8] {
    #[inline]
    fn read(r: &mut Reader<'a>, v: Version) -> Result<Self, DecodeError> {
        if v.flexible {
            r.compact_bytes()
        } else {
            r.bytes()
        }
    }

    fn write(&self, w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError> {
        if v.flexible {
            w.put_compact_bytes(self)
        } else {
            w.put_bytes(self)
        }
    }

    fn wire_len(&self, v: Version) -> Result<usize, EncodeError> {
        check_len(self.len(), i32::MAX as usize, v)?;
        Ok(prefix_len(self.len(), 4, v) + self.len())
    }
}

impl<'a> Nullable<'a> for &'a [u8] {
    fn read_nullable(r: &mut Reader<'a>, v: Version) -> Result<Option<Self>, DecodeError> {
        if v.flexible {
            r.compact_nullable_bytes()
        } else {
            r.nullable_bytes()
        }
    }

    #[inline]
    fn skip_nullable(r: &mut Reader<'a>, v: Version) -> Result<(), DecodeError> {
        Self::read_nullable(r, v).map(drop)
    }

    fn write_null(w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError> {
        if v.flexible {
            w.put_compact_nullable_bytes(None)
        } else {
            w.put_nullable_bytes(None)
        }
    }

    fn write_present(&self, w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError> {
        self.write(w, v)
    }

    fn null_len(v: Version) -> usize {
        if v.flexible { 1 } else { 4 }
    }

    fn present_len(&self, v: Version) -> Result<usize, EncodeError> {
        self.wire_len(v)
    }
}

/// Whether this build refuses a version of a message whose first flexible version is
/// `first_flexible`: only with `--cfg franzl_flexible_only`, and only the versions before it.
///
/// That cfg is for microcontroller builds that talk to brokers offering flexible versions of
/// every API they use (Kafka 2.8 and later): each generated decoder and encoder starts with this
/// check, so the compiler drops the code of the older versions. Without the cfg it is always
/// false and compiles to nothing.
#[inline(always)]
#[must_use]
pub const fn refuses(flexible: bool, number: i16, first_flexible: i16) -> bool {
    cfg!(franzl_flexible_only) && (!flexible || number < first_flexible)
}

/// The value of a field that is nullable in some versions but not in `v`.
///
/// # Errors
/// [`EncodeError::NullNotAllowed`] naming `field` when the value is null.
pub fn non_null<T: Copy>(value: Option<T>, field: &'static &'static str) -> Result<T, EncodeError> {
    value.ok_or(EncodeError::NullNotAllowed { field })
}

/// Fails when a field that version `v` cannot carry holds a non-default value.
///
/// # Errors
/// [`EncodeError::FieldNotInVersion`] naming `field`.
pub fn absent<T: PartialEq>(
    value: &T,
    default: &T,
    field: &'static &'static str,
) -> Result<(), EncodeError> {
    if value == default {
        Ok(())
    } else {
        Err(EncodeError::FieldNotInVersion { field })
    }
}

/// Writes one known tagged field: tag, size, value.
///
/// # Errors
/// [`EncodeError::BufferTooSmall`].
pub fn put_tagged<'a, T: Item<'a>>(
    w: &mut Writer<'_>,
    v: Version,
    tag: u32,
    value: &T,
) -> Result<(), EncodeError> {
    w.put_uvarint(tag)?;
    w.put_uvarint64(value.wire_len(v)? as u64)?;
    value.write(w, v)
}

/// Size of one known tagged field: tag, size, value.
///
/// # Errors
/// As [`Item::wire_len`].
pub fn tagged_len<'a, T: Item<'a>>(v: Version, tag: u32, value: &T) -> Result<usize, EncodeError> {
    let len = value.wire_len(v)?;
    Ok(crate::wire::uvarint_len(tag) + crate::wire::uvarint64_len(len as u64) + len)
}
