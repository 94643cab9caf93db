//! [`ConfigError`]: what is wrong with a configuration, naming the property.

use std::fmt;

/// A configuration error. Every variant names the property it is about (by its Java/librdkafka
/// name, even when the typed builder was used), and never carries the value of a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The property is not known to this kind of client.
    UnknownProperty {
        /// The property name as given.
        property: String,
    },
    /// The property is known but franzl does not implement it, or not with this value.
    UnsupportedProperty {
        /// The property name as given.
        property: String,
        /// Why, or what is supported instead.
        reason: &'static str,
    },
    /// The value cannot be used for this property.
    InvalidValue {
        /// The property name as given.
        property: String,
        /// The value as given; `None` when the property is a secret.
        value: Option<String>,
        /// What the property accepts.
        expected: &'static str,
    },
    /// A required property has no value.
    MissingProperty {
        /// The property name.
        property: &'static str,
        /// Why it is required.
        reason: &'static str,
    },
    /// Two settings contradict each other. Both are named with their values; `property` is
    /// the one to change (or `other`).
    Conflict {
        /// The property name.
        property: &'static str,
        /// Its value as a property value; `(hidden)` for a secret, `(unset)` when not given.
        value: String,
        /// The property it conflicts with (or a sum of properties, such as
        /// `linger.ms + request.timeout.ms`).
        other: &'static str,
        /// That property's value, written as `value` is.
        other_value: String,
        /// Why the two cannot go together.
        reason: &'static str,
    },
    /// A size is below another setting's size that it must hold; `property` is the one to
    /// change (or `other`).
    TooSmall {
        /// The property that is too small.
        property: &'static str,
        /// Its value.
        value: usize,
        /// The property it must hold.
        other: &'static str,
        /// That property's value.
        other_value: usize,
        /// What would go wrong.
        reason: &'static str,
    },
    /// A `.properties` text could not be read.
    PropertiesSyntax {
        /// The 1-based line where the faulty logical line starts.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

impl ConfigError {
    /// An [`ConfigError::InvalidValue`], with the value left out when `property` is a secret.
    pub(crate) fn invalid(property: &str, value: &str, expected: &'static str) -> Self {
        Self::InvalidValue {
            property: property.to_owned(),
            value: (!is_secret_property(property)).then(|| value.to_owned()),
            expected,
        }
    }

    /// An [`ConfigError::UnknownProperty`].
    pub(crate) fn unknown(property: &str) -> Self {
        Self::UnknownProperty {
            property: property.to_owned(),
        }
    }

    /// An [`ConfigError::UnsupportedProperty`].
    pub(crate) fn unsupported(property: &str, reason: &'static str) -> Self {
        Self::UnsupportedProperty {
            property: property.to_owned(),
            reason,
        }
    }

    /// The name of the property the error is about, if it is about one.
    #[must_use]
    pub fn property(&self) -> Option<&str> {
        match self {
            Self::UnknownProperty { property }
            | Self::UnsupportedProperty { property, .. }
            | Self::InvalidValue { property, .. } => Some(property),
            Self::MissingProperty { property, .. }
            | Self::Conflict { property, .. }
            | Self::TooSmall { property, .. } => Some(property),
            Self::PropertiesSyntax { .. } => None,
        }
    }
}

/// Properties whose values are secrets and are never repeated in errors.
pub(crate) fn is_secret_property(property: &str) -> bool {
    matches!(
        property,
        "sasl.password" | "sasl.jaas.config" | "ssl.key.password" | "ssl.keystore.password"
    )
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownProperty { property } => write!(f, "unknown property `{property}`"),
            Self::UnsupportedProperty { property, reason } => {
                write!(f, "unsupported property `{property}`: {reason}")
            }
            Self::InvalidValue {
                property,
                value: Some(value),
                expected,
            } => {
                write!(
                    f,
                    "invalid value {value:?} for `{property}`: expected {expected}"
                )
            }
            Self::InvalidValue {
                property,
                value: None,
                expected,
            } => {
                write!(
                    f,
                    "invalid value (hidden) for `{property}`: expected {expected}"
                )
            }
            Self::MissingProperty { property, reason } => {
                write!(f, "missing property `{property}`: {reason}")
            }
            Self::Conflict {
                property,
                value,
                other,
                other_value,
                reason,
            } => write!(
                f,
                "`{property}` = {value} conflicts with `{other}` = {other_value}: {reason}"
            ),
            Self::TooSmall {
                property,
                value,
                other,
                other_value,
                reason,
            } => write!(
                f,
                "`{property}` ({value}) is below `{other}` ({other_value}): {reason}"
            ),
            Self::PropertiesSyntax { line, reason } => {
                write!(f, "properties text, line {line}: {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_are_never_repeated() {
        let error = ConfigError::invalid("sasl.password", "hunter2", "a string");
        assert_eq!(
            error,
            ConfigError::InvalidValue {
                property: "sasl.password".into(),
                value: None,
                expected: "a string"
            }
        );
        assert!(!error.to_string().contains("hunter2"));
        let error = ConfigError::invalid("linger.ms", "soon", "milliseconds");
        assert_eq!(
            error.to_string(),
            "invalid value \"soon\" for `linger.ms`: expected milliseconds"
        );
        assert_eq!(error.property(), Some("linger.ms"));
    }
}
