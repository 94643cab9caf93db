//! Test support: [`Fill`] makes random values that are valid at a given version, driven by a
//! seeded generator, for the generated round-trip tests.

extern crate std;

use std::boxed::Box;
use std::string::String;
use std::vec::Vec;

use super::array::Array;
use super::item::{Nullable, Version};
use super::message::Message;
use crate::wire::{RawTaggedFields, Uuid, Writer};

/// A small deterministic generator (xorshift64*); leaks what arrays and strings need, which is
/// fine for tests and gives every value the `'static` lifetime.
pub(crate) struct Gen {
    state: u64,
}

impl Gen {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            state: seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1,
        }
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Unknown tagged fields with tags above any known one, sometimes.
    pub(crate) fn unknown_tagged(&mut self, v: Version) -> RawTaggedFields<'static> {
        if !v.flexible || self.below(3) != 0 {
            return RawTaggedFields::EMPTY;
        }
        let mut buf = std::vec![0u8; 64];
        let mut w = Writer::new(&mut buf);
        let mut tag = 1000 + self.below(5) as u32;
        for _ in 0..1 + self.below(2) {
            let data: Vec<u8> = (0..self.below(4)).map(|_| self.next() as u8).collect();
            w.put_uvarint(tag).unwrap();
            w.put_uvarint(data.len() as u32).unwrap();
            w.put_raw(&data).unwrap();
            tag += 1 + self.below(300) as u32;
        }
        let len = w.position();
        buf.truncate(len);
        RawTaggedFields::from_entries(Box::leak(buf.into_boxed_slice())).unwrap()
    }
}

/// A random value valid at a version.
pub(crate) trait Fill: Sized {
    fn fill(g: &mut Gen, v: Version) -> Self;
}

macro_rules! fill_ints {
    ($($ty:ty),*) => {$(
        impl Fill for $ty {
            fn fill(g: &mut Gen, _: Version) -> Self {
                // Mix small values (one-byte varints) and full-range ones.
                if g.below(2) == 0 { (g.below(3) as $ty) } else { g.next() as $ty }
            }
        }
    )*};
}

fill_ints!(i8, i16, u16, i32, i64);

impl Fill for bool {
    fn fill(g: &mut Gen, _: Version) -> Self {
        g.below(2) == 1
    }
}

impl Fill for f64 {
    fn fill(g: &mut Gen, _: Version) -> Self {
        (g.next() >> 11) as f64 / 1024.0
    }
}

impl Fill for crate::ErrorCode {
    fn fill(g: &mut Gen, v: Version) -> Self {
        Self(i16::fill(g, v))
    }
}

impl Fill for Uuid {
    fn fill(g: &mut Gen, _: Version) -> Self {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&g.next().to_be_bytes());
        id[8..].copy_from_slice(&g.next().to_be_bytes());
        Uuid(id)
    }
}

impl Fill for &'static str {
    fn fill(g: &mut Gen, _: Version) -> Self {
        const PIECES: [&str; 5] = ["a", "topic", "é", "-", "🦀"];
        let s: String = (0..g.below(4))
            .map(|_| PIECES[g.below(5) as usize])
            .collect();
        Box::leak(s.into_boxed_str())
    }
}

impl Fill for &'static [u8] {
    fn fill(g: &mut Gen, _: Version) -> Self {
        let bytes: Vec<u8> = (0..g.below(6)).map(|_| g.next() as u8).collect();
        Box::leak(bytes.into_boxed_slice())
    }
}

impl<T: Fill> Fill for Array<'static, T> {
    fn fill(g: &mut Gen, v: Version) -> Self {
        let items: Vec<T> = (0..g.below(3)).map(|_| T::fill(g, v)).collect();
        Array::from_slice(Box::leak(items.into_boxed_slice()))
    }
}

impl<T: Fill + Nullable<'static>> Fill for Option<T> {
    fn fill(g: &mut Gen, v: Version) -> Self {
        if g.below(4) == 0 {
            None
        } else {
            Some(T::fill(g, v))
        }
    }
}

/// Encodes random values of `M` at every version, checks the size against `encoded_len`, decodes
/// them back and compares; then checks that every truncation fails to decode without panicking.
pub(crate) fn round_trip<M: Message<'static> + Fill>(seeds: u64) {
    for version in M::MIN_VERSION..=M::MAX_VERSION {
        let v = M::version(version).unwrap();
        for seed in 0..seeds {
            let mut g = Gen::new(seed ^ ((version as u64) << 32) ^ M::API_KEY as u64);
            let value = M::fill(&mut g, v);
            let len = value
                .encoded_len(version)
                .unwrap_or_else(|e| panic!("{value:?} v{version}: {e}"));
            let buf: &'static mut [u8] = Box::leak(std::vec![0u8; len + 3].into_boxed_slice());
            if len > 0 {
                assert_eq!(
                    value.encode(version, &mut buf[..len - 1]),
                    Err(crate::wire::EncodeError::BufferTooSmall { needed: len })
                );
            }
            assert_eq!(value.encode(version, buf), Ok(len));
            let encoded: &'static [u8] = &buf[..len];
            let decoded =
                M::decode(version, encoded).unwrap_or_else(|e| panic!("{value:?} v{version}: {e}"));
            assert_eq!(decoded, value, "v{version} seed {seed}");
            // Re-encoding the decoded form gives the same bytes.
            let mut again = std::vec![0u8; len];
            assert_eq!(decoded.encode(version, &mut again), Ok(len));
            assert_eq!(&again[..], encoded);
            for cut in 0..len {
                assert!(
                    M::decode(version, &encoded[..cut]).is_err(),
                    "v{version} cut at {cut}"
                );
            }
            assert!(
                M::decode(version, &buf[..len + 1]).is_err(),
                "trailing byte accepted"
            );
        }
    }
}
