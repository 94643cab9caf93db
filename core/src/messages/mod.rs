//! Protocol messages: every request and response of the APIs a broker serves, generated from
//! Kafka's definitions into `generated/`, one module per API.
//!
//! Each message is one `Copy` struct that serves both directions: build it from borrowed values
//! and slices ([`Array::from_slice`]) to encode, or get it from [`Message::decode`], which
//! borrows the input and validates all of it, so iterating its arrays afterwards cannot fail.
//! [`Message::encoded_len`] is exact; [`Message::encode`] writes into the caller's buffer.
//!
//! ```
//! use franzl_core::messages::{Array, Message, metadata::{MetadataRequest, MetadataRequestTopic}};
//! let topics = [MetadataRequestTopic { name: Some("orders"), ..Default::default() }];
//! let request = MetadataRequest { topics: Some(Array::from_slice(&topics)), ..Default::default() };
//! let mut buf = [0u8; 64];
//! let len = request.encode(12, &mut buf)?;
//! assert_eq!(len, request.encoded_len(12)?);
//! let decoded = MetadataRequest::decode(12, &buf[..len]).unwrap();
//! assert_eq!(decoded, request);
//! # Ok::<(), franzl_core::wire::EncodeError>(())
//! ```

mod acks;
mod array;
#[cfg(test)]
mod bad_input_tests;
mod features;
#[cfg(test)]
pub(crate) mod fill;
mod generated;
mod item;
mod message;
mod negotiate;
mod one_partition;

pub use acks::Acks;
pub use array::{Array, ArrayIter};
pub use features::{Feature, FeatureLevels};
pub use generated::*;
pub use item::{Item, Nullable, Version};
#[doc(hidden)]
pub use item::{absent, non_null, put_tagged, refuses, tagged_len};
pub use message::{Message, Request};
pub use negotiate::NegotiatedVersions;
pub use one_partition::{
    OnePartitionFetch, OnePartitionListOffsets, OnePartitionProduce, TopicRef,
};

/// The first version of Fetch and of Produce that names topics by id (KIP-516) and leaves
/// their names out; earlier versions name them, so a topic whose id is unknown is addressed at
/// the version before this.
pub const FIRST_VERSION_WITH_TOPIC_IDS: i16 = 13;

/// The ListOffsets timestamp that asks for a partition's first offset (its log start offset).
pub const LIST_OFFSETS_EARLIEST: i64 = -2;
/// The ListOffsets timestamp that asks for the offset the next record will get (the high
/// watermark, or the last stable offset when reading committed records only).
pub const LIST_OFFSETS_LATEST: i64 = -1;
