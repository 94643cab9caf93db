//! Tagged-field sections of flexible versions, and the unknown fields kept from them.
//!
//! A section is an unsigned varint count, then per field an unsigned varint tag, an unsigned
//! varint size and `size` bytes. franzl requires strictly ascending tags (as every Kafka
//! serializer writes them), which makes a section's content and order well defined.

use super::{DecodeError, EncodeError, Reader, Writer, uvarint_len};

/// One tagged field as raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RawTaggedField<'a> {
    /// The field's tag.
    pub tag: u32,
    /// The field's encoded value.
    pub data: &'a [u8],
}

impl RawTaggedField<'_> {
    fn encoded_len(&self) -> usize {
        uvarint_len(self.tag) + usize_uvarint_len(self.data.len()) + self.data.len()
    }
}

const fn usize_uvarint_len(len: usize) -> usize {
    super::uvarint64_len(len as u64)
}

/// Tagged fields that a message struct does not know, borrowed from the input (or given by the
/// caller) so they survive a decode/encode round trip.
///
/// It holds a validated run of encoded fields in ascending tag order. After decoding, the run
/// also contains the struct's known fields; those are skipped by [`Self::iter`], by equality and
/// by encoding, where the typed fields speak for them.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RawTaggedFields<'a> {
    entries: &'a [u8],
    known: &'static [u32],
}

impl Default for RawTaggedFields<'_> {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl PartialEq for RawTaggedFields<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for RawTaggedFields<'_> {}

impl<'a> RawTaggedFields<'a> {
    /// No unknown fields.
    pub const EMPTY: Self = Self {
        entries: &[],
        known: &[],
    };

    /// Unknown fields to send, as encoded entries (tag, size, data; no leading count).
    ///
    /// # Errors
    /// A malformed entry, or tags not strictly ascending.
    pub fn from_entries(entries: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(entries);
        let mut previous = None;
        while !r.is_empty() {
            let field = read_entry(&mut r)?;
            check_order(&mut previous, field.tag)?;
        }
        Ok(Self {
            entries,
            known: &[],
        })
    }

    /// Reads a whole tagged section. Each field whose tag is in `known` is handed to `on_known`
    /// with a reader bounded to its data; `on_known` must consume it fully.
    ///
    /// # Errors
    /// A malformed section, tags out of order, or whatever `on_known` returns.
    #[cfg_attr(feature = "std", inline(always))]
    #[cfg_attr(not(feature = "std"), inline)]
    pub fn read_section(
        r: &mut Reader<'a>,
        known: &'static [u32],
        mut on_known: impl FnMut(u32, &mut Reader<'a>) -> Result<(), DecodeError>,
    ) -> Result<Self, DecodeError> {
        // Most sections are empty: one zero byte.
        if let [0, rest @ ..] = r.rest() {
            *r = Reader::new(rest);
            return Ok(Self {
                entries: &[],
                known,
            });
        }
        Self::read_fields(r, known, &mut on_known)
    }

    /// The rare non-empty section. One copy for every struct (the known fields through a `dyn`
    /// call) rather than one per struct, which would cost flash for little speed.
    fn read_fields(
        r: &mut Reader<'a>,
        known: &'static [u32],
        on_known: &mut dyn FnMut(u32, &mut Reader<'a>) -> Result<(), DecodeError>,
    ) -> Result<Self, DecodeError> {
        let count = r.uvarint()?;
        // Each field takes at least two bytes (tag and size).
        if usize::try_from(count).map_or(true, |c| c > r.remaining()) {
            return Err(DecodeError::LengthExceedsInput);
        }
        let start = r.rest();
        let mut previous = None;
        for _ in 0..count {
            let field = read_entry(r)?;
            check_order(&mut previous, field.tag)?;
            if known.contains(&field.tag) {
                let mut data = Reader::new(field.data);
                on_known(field.tag, &mut data)?;
                data.finish().map_err(|_| DecodeError::InvalidTaggedField)?;
            }
        }
        let used = start.len() - r.remaining();
        Ok(Self {
            entries: start.get(..used).unwrap_or_default(),
            known,
        })
    }

    /// The unknown fields, in tag order.
    pub fn iter(&self) -> impl Iterator<Item = RawTaggedField<'a>> + use<'a> {
        let mut r = Reader::new(self.entries);
        let known = self.known;
        // Entries were validated when this value was made, so reading cannot fail here.
        core::iter::from_fn(move || read_entry(&mut r).ok())
            .filter(move |f| !known.contains(&f.tag))
    }

    /// The unknown fields, less any whose tag is in `known` (the struct writes those itself).
    fn unknown<'s>(&'s self, known: &'s [u32]) -> impl Iterator<Item = RawTaggedField<'a>> + 's {
        self.iter().filter(move |f| !known.contains(&f.tag))
    }

    /// How many fields encoding writes from here, given the tags the struct writes itself.
    #[must_use]
    pub fn count_excluding(&self, known: &[u32]) -> usize {
        self.unknown(known).count()
    }

    /// Encoded size of the fields encoding writes from here, given the struct's own tags.
    #[must_use]
    pub fn len_excluding(&self, known: &[u32]) -> usize {
        self.unknown(known).map(|f| f.encoded_len()).sum()
    }

    /// Writes a whole tagged section (count, then every field) for a struct that has no tagged
    /// fields of its own: one call from each generated encoder instead of the same few lines in
    /// each.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`]; [`EncodeError::TooLong`] for more than `u32::MAX` fields.
    pub fn write_section(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let count = u32::try_from(self.count_excluding(&[])).map_err(|_| EncodeError::TooLong)?;
        w.put_uvarint(count)?;
        self.write_range(w, 0, u64::MAX, &[])
    }

    /// The size [`Self::write_section`] writes.
    ///
    /// # Errors
    /// [`EncodeError::TooLong`] for more than `u32::MAX` fields.
    pub fn section_len(&self) -> Result<usize, EncodeError> {
        let count = u32::try_from(self.count_excluding(&[])).map_err(|_| EncodeError::TooLong)?;
        Ok(uvarint_len(count).saturating_add(self.len_excluding(&[])))
    }

    /// Writes the fields with `from <= tag < to` that are not in `known`, in order.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`].
    pub fn write_range(
        &self,
        w: &mut Writer<'_>,
        from: u32,
        to: u64,
        known: &[u32],
    ) -> Result<(), EncodeError> {
        for field in self
            .unknown(known)
            .filter(|f| f.tag >= from && u64::from(f.tag) < to)
        {
            w.put_uvarint(field.tag)?;
            w.put_uvarint64(field.data.len() as u64)?;
            w.put_raw(field.data)?;
        }
        Ok(())
    }
}

fn read_entry<'a>(r: &mut Reader<'a>) -> Result<RawTaggedField<'a>, DecodeError> {
    let tag = r.uvarint()?;
    let size = r.uvarint()?;
    let size = usize::try_from(size).map_err(|_| DecodeError::LengthExceedsInput)?;
    let data = r.take(size).map_err(|_| DecodeError::LengthExceedsInput)?;
    Ok(RawTaggedField { tag, data })
}

fn check_order(previous: &mut Option<u32>, tag: u32) -> Result<(), DecodeError> {
    if previous.is_some_and(|p| tag <= p) {
        return Err(DecodeError::InvalidTaggedField);
    }
    *previous = Some(tag);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_fields_are_handed_over_and_hidden() {
        // Two fields: tag 0 (known, one byte 0x2a) and tag 5 (unknown, two bytes).
        let section = [0x02, 0x00, 0x01, 0x2a, 0x05, 0x02, 0xbe, 0xef];
        let mut r = Reader::new(&section);
        let mut seen = None;
        let raw = RawTaggedFields::read_section(&mut r, &[0], |tag, data| {
            seen = Some((tag, data.u8()?));
            Ok(())
        })
        .unwrap();
        assert!(r.is_empty());
        assert_eq!(seen, Some((0, 0x2a)));
        let unknown: [RawTaggedField<'_>; 1] = [RawTaggedField {
            tag: 5,
            data: &[0xbe, 0xef],
        }];
        assert!(raw.iter().eq(unknown));
        assert_eq!(raw.len_excluding(&[0]), 4);
        assert_eq!(raw, RawTaggedFields::from_entries(&section[4..]).unwrap());
    }

    #[test]
    fn bad_sections_are_rejected() {
        let out_of_order = [0x02, 0x05, 0x00, 0x01, 0x00];
        let r = RawTaggedFields::read_section(&mut Reader::new(&out_of_order), &[], |_, _| Ok(()));
        assert_eq!(r, Err(DecodeError::InvalidTaggedField));
        let huge_count = [0x7f, 0x00, 0x00];
        let r = RawTaggedFields::read_section(&mut Reader::new(&huge_count), &[], |_, _| Ok(()));
        assert_eq!(r, Err(DecodeError::LengthExceedsInput));
        let short_data = [0x01, 0x00, 0x05, 0x00];
        let r = RawTaggedFields::read_section(&mut Reader::new(&short_data), &[], |_, _| Ok(()));
        assert_eq!(r, Err(DecodeError::LengthExceedsInput));
        // A known field whose data is longer than its value.
        let long_known = [0x01, 0x00, 0x02, 0x2a, 0x00];
        let r = RawTaggedFields::read_section(&mut Reader::new(&long_known), &[0], |_, d| {
            d.u8().map(drop)
        });
        assert_eq!(r, Err(DecodeError::InvalidTaggedField));
    }

    #[test]
    fn whole_section_is_the_count_then_the_entries() {
        let entries = [0x01, 0x00, 0x03, 0x01, 0x07];
        let raw = RawTaggedFields::from_entries(&entries).unwrap();
        let mut buf = [0u8; 8];
        let mut w = Writer::new(&mut buf);
        raw.write_section(&mut w).unwrap();
        assert_eq!(w.written(), &[0x02, 0x01, 0x00, 0x03, 0x01, 0x07]);
        assert_eq!(raw.section_len(), Ok(6));
        assert_eq!(RawTaggedFields::EMPTY.section_len(), Ok(1));
    }

    #[test]
    fn write_range_filters_by_tag() {
        let entries = [0x01, 0x00, 0x03, 0x01, 0x07];
        let raw = RawTaggedFields::from_entries(&entries).unwrap();
        let mut buf = [0u8; 8];
        let mut w = Writer::new(&mut buf);
        raw.write_range(&mut w, 2, u64::MAX, &[]).unwrap();
        assert_eq!(w.written(), &[0x03, 0x01, 0x07]);
    }
}
