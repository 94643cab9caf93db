//! The consumer protocol's embedded bytes: the [`Subscription`] a member puts in its JoinGroup
//! protocol metadata and the [`Assignment`] the leader hands each member through SyncGroup,
//! byte-compatible with the Java client's `ConsumerProtocol` at versions 0 to 3.
//!
//! Each byte string is an `INT16` version and then a classic (non-flexible) struct:
//!
//! - subscription: topics `[STRING]`, user data `NULLABLE_BYTES`; from v1 owned partitions
//!   `[{topic STRING, partitions [INT32]}]` (KIP-429); from v2 the generation id `INT32`
//!   (KIP-792); from v3 the rack id `NULLABLE_STRING` (KIP-881);
//! - assignment: assigned partitions `[{topic STRING, partitions [INT32]}]`, user data
//!   `NULLABLE_BYTES`; the same layout at every version.
//!
//! Contract, as for the rest of the core:
//!
//! - **Encoding** writes into the caller's buffer; `encoded_len` is exact and known before
//!   encoding; a too small buffer is [`EncodeError::BufferTooSmall`] naming the size needed.
//!   Fields a version cannot carry (owned partitions before v1, the generation before v2, the
//!   rack before v3) are left out, as the Java client leaves them out: the protocol marks them
//!   ignorable, and a member that writes an old version does so for an old group on purpose.
//!   Items are written in the order given (the Java client sorts topics, and owned partitions by
//!   topic and partition; a caller that wants its bytes to match sorts first).
//! - **Decoding** borrows the input (topic names are `&str` into it; arrays are iterated lazily)
//!   and checks every length and count against the bytes left before using it: no input makes
//!   it panic, loop, or allocate. A version above 3 is read as 3, and bytes after the last known
//!   field are ignored, both as in the Java client (newer versions only append fields); a
//!   negative version is [`DecodeError::UnsupportedVersion`].
//!
//! [`StickyUserData`] is the user data of the Java client's eager `sticky` assignor, which the
//! std client's assignor of that name writes and reads.
//!
//! ```
//! use franzl_core::consumer_protocol::Subscription;
//! use franzl_core::messages::Array;
//! let topics = ["orders", "payments"];
//! let subscription = Subscription { topics: Array::from_slice(&topics), ..Default::default() };
//! let mut buf = [0u8; 64];
//! let len = subscription.encode(3, &mut buf)?;
//! assert_eq!(len, subscription.encoded_len(3)?);
//! let (version, decoded) = Subscription::decode(&buf[..len]).unwrap();
//! assert_eq!((version, decoded), (3, subscription));
//! assert_eq!(decoded.topics.iter().collect::<Vec<_>>(), ["orders", "payments"]);
//! # Ok::<(), franzl_core::wire::EncodeError>(())
//! ```

mod assignment;
mod sticky_user_data;
mod subscription;
#[cfg(test)]
mod tests;
mod topic_partitions;

pub use assignment::Assignment;
pub use sticky_user_data::StickyUserData;
pub use subscription::Subscription;
pub use topic_partitions::TopicPartitions;

use crate::messages::{Item, Version};
use crate::wire::{DecodeError, EncodeError, Reader, Writer};

/// The highest version of both formats this codec knows; the version it reads newer ones as.
pub const HIGHEST_VERSION: i16 = 3;

/// The protocol type a consumer group's members name in JoinGroup (`"consumer"`).
pub const PROTOCOL_TYPE: &str = "consumer";

/// The struct encoding every field uses: classic, never flexible. One value for every version,
/// so an array decoded from one version is copied as is when written at another.
const CLASSIC: Version = Version {
    number: 0,
    flexible: false,
};

/// Reads the leading version: a version above [`HIGHEST_VERSION`] is read as it.
fn read_version(r: &mut Reader<'_>) -> Result<(i16, i16), DecodeError> {
    let written = r.i16()?;
    if written < 0 {
        return Err(DecodeError::UnsupportedVersion);
    }
    Ok((written, written.min(HIGHEST_VERSION)))
}

/// Checks that `version` is one this codec writes.
fn check_version(version: i16) -> Result<(), EncodeError> {
    if (0..=HIGHEST_VERSION).contains(&version) {
        Ok(())
    } else {
        Err(EncodeError::UnsupportedVersion)
    }
}

/// Writes `len` bytes (as measured by the caller's `encoded_len`) with `write`, after checking
/// that `buf` holds them; returns `len`.
fn encode_into(
    buf: &mut [u8],
    len: usize,
    write: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
) -> Result<usize, EncodeError> {
    if buf.len() < len {
        return Err(EncodeError::BufferTooSmall { needed: len });
    }
    let mut w = Writer::new(buf);
    write(&mut w)?;
    debug_assert_eq!(w.position(), len, "encoded_len disagrees with encode");
    Ok(len)
}

/// Size of one field in the classic encoding.
fn field_len<'a, T: Item<'a>>(value: &T) -> Result<usize, EncodeError> {
    value.wire_len(CLASSIC)
}
