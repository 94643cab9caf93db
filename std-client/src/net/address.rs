//! Broker addresses as users write them (`host:port`, `[v6]:port`) and the address family to use.

use crate::error::{Error, Result};
use std::fmt;

/// Which IP versions franzl may connect over (`broker.address.family`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum AddressFamily {
    /// IPv4 or IPv6, in the order the resolver returns them.
    #[default]
    Any,
    /// IPv4 only.
    V4,
    /// IPv6 only.
    V6,
}

impl AddressFamily {
    /// Whether `address` may be used under this setting.
    pub(crate) fn allows(self, address: &std::net::SocketAddr) -> bool {
        match self {
            Self::Any => true,
            Self::V4 => address.is_ipv4(),
            Self::V6 => address.is_ipv6(),
        }
    }
}

/// A broker's host and port, not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BrokerAddress {
    /// Host name or IP literal (without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl BrokerAddress {
    /// A broker address from its parts.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            host: host.into(),
            port,
        }
    }

    /// Parses `host:port`, `[ipv6]:port`, or `PROTOCOL://host:port` (the scheme is ignored, as
    /// in listener strings).
    ///
    /// # Errors
    /// [`Error::Config`] naming `bootstrap.servers` when the text is not an address.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |reason: &str| Error::Config {
            property: "bootstrap.servers".into(),
            reason: format!("{reason}: {text:?}"),
        };
        let text = text.trim();
        let text = text.split_once("://").map_or(text, |(_, rest)| rest);
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let (host, rest) = rest.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            let port = rest.strip_prefix(':').ok_or_else(|| bad("missing port"))?;
            (host, port)
        } else {
            let (host, port) = text.rsplit_once(':').ok_or_else(|| bad("missing port"))?;
            if host.contains(':') {
                return Err(bad("IPv6 addresses need brackets"));
            }
            (host, port)
        };
        if host.is_empty() {
            return Err(bad("missing host"));
        }
        let port = port.parse::<u16>().map_err(|_| bad("invalid port"))?;
        Ok(Self::new(host, port))
    }

    /// Parses a comma-separated list of addresses, as in `bootstrap.servers`.
    ///
    /// # Errors
    /// [`Error::Config`] when any entry is invalid or the list is empty.
    pub fn parse_list(text: &str) -> Result<Vec<Self>> {
        let list = text
            .split(',')
            .filter(|entry| !entry.trim().is_empty())
            .map(Self::parse)
            .collect::<Result<Vec<_>>>()?;
        if list.is_empty() {
            return Err(Error::Config {
                property: "bootstrap.servers".into(),
                reason: "no broker address given".into(),
            });
        }
        Ok(list)
    }
}

impl fmt::Display for BrokerAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_users_write() {
        assert_eq!(
            BrokerAddress::parse("localhost:9092").unwrap(),
            BrokerAddress::new("localhost", 9092)
        );
        assert_eq!(
            BrokerAddress::parse(" [::1]:9093 ").unwrap(),
            BrokerAddress::new("::1", 9093)
        );
        assert_eq!(
            BrokerAddress::parse("SASL_SSL://kafka.example:9094").unwrap(),
            BrokerAddress::new("kafka.example", 9094)
        );
        assert_eq!(BrokerAddress::new("::1", 1).to_string(), "[::1]:1");
        let list = BrokerAddress::parse_list("a:1, b:2,").unwrap();
        assert_eq!(
            list,
            [BrokerAddress::new("a", 1), BrokerAddress::new("b", 2)]
        );
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        for bad in [
            "localhost",
            ":9092",
            "host:port",
            "host:70000",
            "::1:9092",
            "[::1",
            "[::1]9092",
        ] {
            assert!(BrokerAddress::parse(bad).is_err(), "{bad}");
        }
        assert!(BrokerAddress::parse_list(" , ").is_err());
    }
}
