//! [`AdminConfig`]: the client settings plus the default timeout of admin calls.
//!
//! Properties: every client property, and `default.api.timeout.ms` (default 60 s, as the Java
//! admin client), from the table [`ADMIN`] here (see `reference.rs`), rendered into
//! `reference/admin.md`.

use std::time::Duration;

use super::reference::{DefaultValue::Value, Property, Table};
use super::values::parse_ms;
use super::{ClientConfig, ClientConfigBuilder, ConfigError};

/// Every admin property beyond the client's.
pub(crate) static ADMIN: Table<AdminConfigBuilder> = Table {
    intro: "# Properties\n\n\
        What [`AdminConfig::from_properties`] and [`AdminConfigBuilder::set`] accept, besides \
        every client property (see [`ClientConfig`]).",
    properties: &[Property {
        name: "default.api.timeout.ms",
        aliases: &[],
        default: Value("60000"),
        meaning: "Milliseconds an admin call that is given no timeout may take.",
        no_effect: None,
        set: |b, p, v| {
            b.default_api_timeout = parse_ms(p, v, 1, "a number of milliseconds")?;
            Ok(())
        },
    }],
    refused: &[],
};

/// Admin client settings.
///
#[doc = include_str!("reference/admin.md")]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AdminConfig {
    /// Brokers, security, timeouts. For a admin client made from a [`Client`](crate::Client)
    /// (`Admin::new`), this must be the client's own configuration: the admin client runs on the
    /// client's settings.
    pub client: ClientConfig,
    /// Timeout of an admin call that is given none (`default.api.timeout.ms`); default 60 s.
    pub default_api_timeout: Duration,
}

impl AdminConfig {
    /// A builder starting from the defaults.
    #[must_use]
    pub fn builder() -> AdminConfigBuilder {
        AdminConfigBuilder::default()
    }

    /// The admin settings at their defaults over `client` (for example a
    /// [`Client`](crate::Client)'s own, to make an [`Admin`](crate::Admin) from it).
    #[must_use]
    pub fn from_client(client: ClientConfig) -> Self {
        Self {
            client,
            default_api_timeout: AdminConfigBuilder::default().default_api_timeout,
        }
    }

    /// Reads a configuration from `(property, value)` pairs; later pairs win.
    ///
    /// # Errors
    /// The first unknown property or invalid value, then anything
    /// [`ClientConfigBuilder::build`] refuses.
    pub fn from_properties<I, K, V>(pairs: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        super::properties::from_pairs::<AdminConfigBuilder, _, _, _>(pairs)
    }

    /// Reads a configuration from the text of a Java `.properties` file.
    ///
    /// # Errors
    /// As [`AdminConfig::from_properties`], plus [`ConfigError::PropertiesSyntax`].
    pub fn from_properties_text(text: &str) -> Result<Self, ConfigError> {
        super::properties::from_text::<AdminConfigBuilder>(text)
    }
}

/// Builds an [`AdminConfig`].
#[derive(Debug, Clone)]
pub struct AdminConfigBuilder {
    client: ClientConfigBuilder,
    default_api_timeout: Duration,
}

impl Default for AdminConfigBuilder {
    fn default() -> Self {
        Self {
            client: ClientConfigBuilder::default(),
            default_api_timeout: Duration::from_secs(60),
        }
    }
}

impl AdminConfigBuilder {
    /// Changes the client settings with the [`ClientConfigBuilder`] setters.
    #[must_use]
    pub fn client(mut self, edit: impl FnOnce(ClientConfigBuilder) -> ClientConfigBuilder) -> Self {
        self.client = edit(self.client);
        self
    }

    /// Sets `default.api.timeout.ms`.
    #[must_use]
    pub fn default_api_timeout(mut self, timeout: Duration) -> Self {
        self.default_api_timeout = timeout;
        self
    }

    /// Sets one admin or client property by its Java or librdkafka name (see the reference in
    /// [`AdminConfig`]'s docs).
    ///
    /// # Errors
    /// [`ConfigError::UnknownProperty`], [`ConfigError::UnsupportedProperty`] or
    /// [`ConfigError::InvalidValue`], naming the property.
    pub fn set(&mut self, property: &str, value: &str) -> Result<(), ConfigError> {
        if ADMIN.apply(self, property, value)? || self.client.apply(property, value)? {
            Ok(())
        } else {
            Err(ConfigError::unknown(property))
        }
    }

    /// Validates and returns the configuration.
    ///
    /// # Errors
    /// Anything [`ClientConfigBuilder::build`] refuses.
    pub fn build(self) -> Result<AdminConfig, ConfigError> {
        Ok(AdminConfig {
            client: self.client.build()?,
            default_api_timeout: self.default_api_timeout,
        })
    }
}

impl super::properties::FromProperties for AdminConfigBuilder {
    type Config = AdminConfig;

    fn set_property(&mut self, property: &str, value: &str) -> Result<(), ConfigError> {
        self.set(property, value)
    }

    fn build_config(self) -> Result<AdminConfig, ConfigError> {
        self.build()
    }
}
