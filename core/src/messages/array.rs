//! [`Array`]: a message array that is either the caller's slice (to encode) or validated
//! encoded bytes (after decoding), iterated lazily either way.
//!
//! Contract: a decoded array was fully validated when its message was decoded, so iterating it
//! cannot fail and yields exactly [`Array::len`] items; nothing is allocated.
//!
//! The read paths are forced inline with `std` only, as in [`crate::wire`] (flash counts more
//! than speed without it).

use core::fmt;
use core::marker::PhantomData;

use super::item::{Item, Nullable, Version, prefix_len};
use crate::wire::{DecodeError, EncodeError, Reader, Writer};

/// An array field: `ARRAY` (an `i32` count) or `COMPACT_ARRAY` (varint `count + 1`) on the wire.
#[derive(Clone, Copy)]
pub struct Array<'a, T> {
    repr: Repr<'a, T>,
}

#[derive(Clone, Copy)]
enum Repr<'a, T> {
    Slice(&'a [T]),
    Encoded {
        bytes: &'a [u8],
        count: usize,
        v: Version,
        item: PhantomData<T>,
    },
}

impl<'a, T> Array<'a, T> {
    /// The empty array.
    pub const EMPTY: Self = Self {
        repr: Repr::Slice(&[]),
    };

    /// An array of the caller's items, to encode.
    #[must_use]
    pub const fn from_slice(items: &'a [T]) -> Self {
        Self {
            repr: Repr::Slice(items),
        }
    }

    /// The number of items.
    #[must_use]
    pub const fn len(&self) -> usize {
        match self.repr {
            Repr::Slice(items) => items.len(),
            Repr::Encoded { count, .. } => count,
        }
    }

    /// True when there are no items.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The caller's slice, if this array was built from one.
    #[must_use]
    pub const fn as_slice(&self) -> Option<&'a [T]> {
        match self.repr {
            Repr::Slice(items) => Some(items),
            Repr::Encoded { .. } => None,
        }
    }

    /// The encoded items (without the count), if this array was decoded.
    #[must_use]
    pub const fn encoded_bytes(&self) -> Option<&'a [u8]> {
        match self.repr {
            Repr::Slice(_) => None,
            Repr::Encoded { bytes, .. } => Some(bytes),
        }
    }
}

impl<'a, T: Item<'a>> Array<'a, T> {
    /// The items, in order.
    #[must_use]
    pub fn iter(&self) -> ArrayIter<'a, T> {
        match self.repr {
            Repr::Slice(items) => ArrayIter {
                inner: IterRepr::Slice(items.iter()),
            },
            Repr::Encoded {
                bytes, count, v, ..
            } => ArrayIter {
                inner: IterRepr::Encoded {
                    r: Reader::new(bytes),
                    left: count,
                    v,
                },
            },
        }
    }

    /// Reads `count` items, validating each, and keeps their bytes.
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    fn read_items(r: &mut Reader<'a>, count: usize, v: Version) -> Result<Self, DecodeError> {
        let start = r.rest();
        skip_items::<T>(r, count, v)?;
        let used = start.len() - r.remaining();
        let bytes = start.get(..used).unwrap_or_default();
        Ok(Self {
            repr: Repr::Encoded {
                bytes,
                count,
                v,
                item: PhantomData,
            },
        })
    }

    fn count_len(&self, v: Version) -> Result<usize, EncodeError> {
        let max = if v.flexible {
            (u32::MAX - 1) as usize
        } else {
            i32::MAX as usize
        };
        if self.len() > max {
            return Err(EncodeError::TooLong);
        }
        Ok(prefix_len(self.len(), 4, v))
    }
}

impl<T> Default for Array<'_, T> {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl<'a, T> From<&'a [T]> for Array<'a, T> {
    fn from(items: &'a [T]) -> Self {
        Self::from_slice(items)
    }
}

impl<'a, T: Item<'a> + PartialEq> PartialEq for Array<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<'a, T: Item<'a> + fmt::Debug> fmt::Debug for Array<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(feature = "defmt")]
impl<'a, T: Item<'a> + defmt::Format> defmt::Format for Array<'a, T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "[");
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                defmt::write!(f, ", ");
            }
            defmt::write!(f, "{}", item);
        }
        defmt::write!(f, "]");
    }
}

impl<'a, T: Item<'a>> IntoIterator for Array<'a, T> {
    type Item = T;
    type IntoIter = ArrayIter<'a, T>;

    fn into_iter(self) -> ArrayIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: Item<'a>> IntoIterator for &Array<'a, T> {
    type Item = T;
    type IntoIter = ArrayIter<'a, T>;

    fn into_iter(self) -> ArrayIter<'a, T> {
        self.iter()
    }
}

impl<'a, T: Item<'a>> Item<'a> for Array<'a, T> {
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    fn read(r: &mut Reader<'a>, v: Version) -> Result<Self, DecodeError> {
        let count = if v.flexible {
            r.compact_array_len()?
        } else {
            r.array_len()?
        };
        Self::read_items(r, count.ok_or(DecodeError::UnexpectedNull)?, v)
    }

    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    fn skip(r: &mut Reader<'a>, v: Version) -> Result<(), DecodeError> {
        let count = if v.flexible {
            r.compact_array_len()?
        } else {
            r.array_len()?
        };
        skip_items::<T>(r, count.ok_or(DecodeError::UnexpectedNull)?, v)
    }

    fn write(&self, w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError> {
        if v.flexible {
            w.put_compact_array_len(Some(self.len()))?;
        } else {
            w.put_array_len(Some(self.len()))?;
        }
        match self.repr {
            // Decoded at the same version: the bytes are already the encoding.
            Repr::Encoded { bytes, v: from, .. } if from == v => w.put_raw(bytes),
            _ => self.iter().try_for_each(|item| item.write(w, v)),
        }
    }

    fn wire_len(&self, v: Version) -> Result<usize, EncodeError> {
        let mut total = self.count_len(v)?;
        match self.repr {
            Repr::Encoded { bytes, v: from, .. } if from == v => total += bytes.len(),
            _ => {
                for item in self.iter() {
                    total = total.saturating_add(item.wire_len(v)?);
                }
            }
        }
        Ok(total)
    }
}

impl<'a, T: Item<'a>> Nullable<'a> for Array<'a, T> {
    fn read_nullable(r: &mut Reader<'a>, v: Version) -> Result<Option<Self>, DecodeError> {
        let count = if v.flexible {
            r.compact_array_len()?
        } else {
            r.array_len()?
        };
        count.map(|count| Self::read_items(r, count, v)).transpose()
    }

    fn skip_nullable(r: &mut Reader<'a>, v: Version) -> Result<(), DecodeError> {
        let count = if v.flexible {
            r.compact_array_len()?
        } else {
            r.array_len()?
        };
        count.map_or(Ok(()), |count| skip_items::<T>(r, count, v))
    }

    fn write_null(w: &mut Writer<'_>, v: Version) -> Result<(), EncodeError> {
        if v.flexible {
            w.put_compact_array_len(None)
        } else {
            w.put_array_len(None)
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

/// Advances past `count` items, validating each.
#[cfg_attr(feature = "std", inline(always))]
#[cfg_attr(not(feature = "std"), inline)]
fn skip_items<'a, T: Item<'a>>(
    r: &mut Reader<'a>,
    count: usize,
    v: Version,
) -> Result<(), DecodeError> {
    match T::FIXED_LEN {
        Some(size) => {
            let total = size
                .checked_mul(count)
                .ok_or(DecodeError::LengthExceedsInput)?;
            r.take(total)
                .map(drop)
                .map_err(|_| DecodeError::LengthExceedsInput)
        }
        None => (0..count).try_for_each(|_| T::skip(r, v)),
    }
}

/// Iterator over an [`Array`]'s items.
#[derive(Clone)]
pub struct ArrayIter<'a, T> {
    inner: IterRepr<'a, T>,
}

#[derive(Clone)]
enum IterRepr<'a, T> {
    Slice(core::slice::Iter<'a, T>),
    Encoded {
        r: Reader<'a>,
        left: usize,
        v: Version,
    },
}

impl<'a, T: Item<'a>> Iterator for ArrayIter<'a, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        match &mut self.inner {
            IterRepr::Slice(items) => items.next().copied(),
            IterRepr::Encoded { r, left, v } => {
                *left = left.checked_sub(1)?;
                // Validated at decode time; an error here is impossible, and ends the iteration.
                T::read(r, *v).ok()
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = match &self.inner {
            IterRepr::Slice(items) => items.len(),
            IterRepr::Encoded { left, .. } => *left,
        };
        (left, Some(left))
    }
}

impl<'a, T: Item<'a>> ExactSizeIterator for ArrayIter<'a, T> {}

#[cfg(test)]
mod tests {
    use super::*;

    const V0: Version = Version {
        number: 0,
        flexible: false,
    };
    const FLEX: Version = Version {
        number: 0,
        flexible: true,
    };

    #[test]
    fn decoded_array_iterates_lazily() {
        let input = [0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 9];
        let mut r = Reader::new(&input);
        let array = Array::<i32>::read(&mut r, V0).unwrap();
        assert!(r.is_empty());
        assert_eq!(array.len(), 2);
        assert_eq!(array, Array::from_slice(&[7, 9]));
        assert_eq!(array.iter().sum::<i32>(), 16);
    }

    #[test]
    fn counts_are_checked_before_reading() {
        let huge = [0x7f, 0xff, 0xff, 0xff, 0];
        assert_eq!(
            Array::<i32>::read(&mut Reader::new(&huge), V0),
            Err(DecodeError::LengthExceedsInput)
        );
        let short = [0, 0, 0, 1, 0, 0];
        assert_eq!(
            Array::<i32>::read(&mut Reader::new(&short), V0),
            Err(DecodeError::LengthExceedsInput)
        );
        let null = [0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            Array::<i32>::read(&mut Reader::new(&null), V0),
            Err(DecodeError::UnexpectedNull)
        );
        assert_eq!(
            Option::<Array<'_, i32>>::read(&mut Reader::new(&null), V0),
            Ok(None)
        );
    }

    #[test]
    fn strings_reencode_at_another_version() {
        let input = [0x02, 0x02, b'a'];
        let array = Array::<&str>::read(&mut Reader::new(&input), FLEX).unwrap();
        assert_eq!(array.wire_len(FLEX), Ok(3));
        assert_eq!(array.wire_len(V0), Ok(4 + 3));
        let mut buf = [0u8; 7];
        let mut w = Writer::new(&mut buf);
        array.write(&mut w, V0).unwrap();
        assert_eq!(w.written(), &[0, 0, 0, 1, 0, 1, b'a']);
    }
}
