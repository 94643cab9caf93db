//! Configuration of the franzl clients: typed structs with builders, and the same settings read
//! from the property names of the Java client and librdkafka.
//!
//! - [`ClientConfig`]: what every client shares (brokers, security, timeouts, sockets);
//!   [`ProducerConfig`], [`ConsumerConfig`] and [`AdminConfig`] contain one.
//! - Each has a builder with typed setters, a `set(property, value)` for Java/librdkafka names,
//!   `from_properties` for an iterator of pairs or a map, and `from_properties_text` for a Java
//!   `.properties` file ([`parse_properties`]).
//! - Each config type's docs hold its property reference: every property it accepts, with its
//!   aliases, default and meaning, those accepted with no effect, and those refused and why.
//!   The reference is rendered from the property tables the setters read (`reference.rs`), and
//!   a test fails when the committed Markdown drifts from them.
//! - Defaults are the Java client's. `build()` validates as the Java client does, and the
//!   builders' docs say where franzl is stricter.
//! - Unknown and unsupported properties are errors that name the property; invalid values name
//!   the property and the value, except for secrets. Passwords are [`Secret`]s, so `Debug` of
//!   any config never shows them.
//!
//! Every failure is a [`ConfigError`].

mod admin;
mod client;
mod client_builder;
mod client_properties;
mod consumer;
mod consumer_properties;
mod error;
mod group;
mod jaas;
mod producer;
mod producer_properties;
mod properties;
mod reference;
mod secret;
#[cfg(test)]
mod tests;
mod values;

pub use admin::{AdminConfig, AdminConfigBuilder};
pub use client::{
    AddressFamily, ClientConfig, SaslConfig, SecurityProtocol, SocketOptions, TlsConfig,
};
pub use client_builder::ClientConfigBuilder;
pub use consumer::{AutoOffsetReset, ConsumerConfig, ConsumerConfigBuilder, IsolationLevel};
pub use error::ConfigError;
pub use franzl_core::sasl::SaslMechanism;
pub use franzl_core::sasl::scram::ScramMechanism;
pub use group::{Assignors, GroupConfig, GroupProtocol, REMOTE_ASSIGNORS};
pub use producer::{Acks, Compression, Partitioner, ProducerConfig, ProducerConfigBuilder};
pub use properties::parse_properties;
pub use secret::Secret;
