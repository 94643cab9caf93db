//! Consumer groups (the classic protocol): so far the partition [`assignor`]s a group leader
//! runs, and the bytes they exchange (franzl-core's [`franzl_core::consumer_protocol`]).
//!
//! The membership protocol (JoinGroup, SyncGroup, heartbeats) is not here yet, so the consumer
//! does not use these: a consumer given a group property refuses it, naming the property.

pub mod assignor;
