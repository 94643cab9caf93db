//! The broker profiles: which listeners, security and node count each one has.

use std::fmt;
use std::str::FromStr;

/// How long a session lasts on the sasl profile's `REAUTH` listener, in milliseconds
/// (`connections.max.reauth.ms`): a few seconds, so a test sees several sessions end.
pub const REAUTH_SESSION_MS: u64 = 3_000;

/// A named broker set-up. Each profile runs at most once per checkout, under
/// `target/kafka/<name>/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// One node, a PLAINTEXT listener.
    Plain,
    /// One node, a SASL_PLAINTEXT listener with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, and a
    /// second one (`REAUTH`) whose sessions last [`REAUTH_SESSION_MS`] (KIP-368).
    Sasl,
    /// One node, an SSL listener with a certificate from a test CA made at start, which
    /// requests a client certificate, a second one (`MTLS`) which requires it, and a
    /// SASL_SSL one with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512.
    Tls,
    /// Three combined broker+controller nodes, PLAINTEXT, replication factor 3, min ISR 2,
    /// and a second PLAINTEXT listener per node that advertises its fault proxy's port.
    Cluster3,
}

impl Profile {
    /// Every profile, in the order `down --profile all` stops them.
    pub const ALL: [Profile; 4] = [
        Profile::Plain,
        Profile::Sasl,
        Profile::Tls,
        Profile::Cluster3,
    ];

    /// The name used on the command line and as the folder under `target/kafka/`.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Plain => "plain",
            Profile::Sasl => "sasl",
            Profile::Tls => "tls",
            Profile::Cluster3 => "cluster3",
        }
    }

    /// The node ids of this profile (KRaft `node.id`s), starting at 1.
    pub fn node_ids(self) -> std::ops::RangeInclusive<u32> {
        match self {
            Profile::Cluster3 => 1..=3,
            _ => 1..=1,
        }
    }

    /// The fixed cluster id this profile's storage is formatted with (16 bytes, base64url).
    pub(crate) fn cluster_id(self) -> &'static str {
        match self {
            Profile::Plain => "EKTvTMw3F5Xg1l37pbg2vg",
            Profile::Sasl => "z--3ji-Z7zqbh1uzSBTPxg",
            Profile::Tls => "ARUbf4eEskxrzEGJkj6lBA",
            Profile::Cluster3 => "NIjFSVKNl4qNRe6G9YifJg",
        }
    }

    /// Whether the client listener is SSL, so a raw-bytes probe must use the internal listener.
    pub(crate) fn client_listener_is_tls(self) -> bool {
        self == Profile::Tls
    }

    /// Whether the profile has a second SSL listener that requires a client certificate.
    pub(crate) fn has_client_auth_listener(self) -> bool {
        self == Profile::Tls
    }

    /// Whether the profile has a second SASL listener whose sessions last
    /// [`REAUTH_SESSION_MS`], after which the broker closes a connection that did not
    /// re-authenticate.
    pub(crate) fn has_reauth_listener(self) -> bool {
        self == Profile::Sasl
    }

    /// Whether the profile has a second client listener (`MTLS` on tls, `REAUTH` on sasl): its
    /// port is kept in the same place of the ports file.
    pub(crate) fn has_second_client_listener(self) -> bool {
        self.has_client_auth_listener() || self.has_reauth_listener()
    }

    /// Whether the profile has a SASL_SSL listener (the test CA's certificate, and the sasl
    /// profile's mechanisms and users).
    pub(crate) fn has_sasl_ssl_listener(self) -> bool {
        self == Profile::Tls
    }

    /// Whether the profile's storage is formatted with the SCRAM test users.
    pub(crate) fn has_scram_users(self) -> bool {
        self == Profile::Sasl || self.has_sasl_ssl_listener()
    }

    /// Whether each node has a `PROXIED` listener advertising the port of a fault proxy.
    pub(crate) fn has_proxied_listener(self) -> bool {
        self == Profile::Cluster3
    }

    /// Whether client traffic has a listener of its own, beside internal PLAINTEXT ones.
    pub(crate) fn has_internal_listener(self) -> bool {
        matches!(self, Profile::Sasl | Profile::Tls)
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|profile| profile.name() == name)
            .ok_or_else(|| format!("unknown profile `{name}` (plain, sasl, tls, cluster3)"))
    }
}

#[cfg(test)]
mod tests {
    use super::Profile;

    #[test]
    fn names_parse_back() {
        for profile in Profile::ALL {
            assert_eq!(profile.name().parse::<Profile>(), Ok(profile));
        }
        assert!("cluster".parse::<Profile>().is_err());
    }

    #[test]
    fn cluster_ids_are_16_bytes_in_base64url() {
        for profile in Profile::ALL {
            let id = profile.cluster_id();
            assert_eq!(id.len(), 22, "{profile}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
        }
    }
}
