//! Finalized features: the cluster-wide feature levels a broker reports in ApiVersions v3+
//! (`FinalizedFeatures` with `FinalizedFeaturesEpoch`), kept for the features a client acts on
//! in a fixed table (no allocation).
//!
//! Some behaviour is chosen by these levels, not by API versions alone: transactions v2 by
//! `transaction.version` >= 2, the KIP-848 consumer group protocol by `group.version` >= 1.
//!
//! "Unknown" is not level 0. A broker that answers ApiVersions below v3, or leaves out the
//! epoch (or sends -1), says nothing about features: every [`FeatureLevels::level`] is `None`.
//! A broker that sends an epoch lists every feature finalized above level 0; a feature it does
//! not list is at level 0 (Kafka treats level 0 as "not enabled"), so its level is `Some(0)`.

use super::api_versions::ApiVersionsResponse;

/// A cluster-wide feature whose finalized level franzl keeps (see [`FeatureLevels`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Feature {
    /// `transaction.version`: 2 enables transactions v2 (KIP-890: EndTxn bumps the producer
    /// epoch, partitions join a transaction implicitly with Produce).
    TransactionVersion,
    /// `group.version`: 1 enables the consumer group protocol of KIP-848
    /// (ConsumerGroupHeartbeat).
    GroupVersion,
    /// `metadata.version`: the KRaft metadata format, which gates many broker behaviours.
    MetadataVersion,
    /// `kraft.version`: 1 when the controller quorum is dynamic (KIP-853).
    KraftVersion,
    /// `eligible.leader.replicas.version`: 1 enables eligible leader replicas (KIP-966).
    EligibleLeaderReplicasVersion,
    /// `share.version`: 1 enables share groups (KIP-932).
    ShareVersion,
    /// `streams.version`: 1 enables the streams group protocol (KIP-1071).
    StreamsVersion,
}

impl Feature {
    /// Every feature kept (those Kafka 4.3 defines), in the order of [`FeatureLevels`]' table.
    pub const ALL: [Self; 7] = [
        Self::TransactionVersion,
        Self::GroupVersion,
        Self::MetadataVersion,
        Self::KraftVersion,
        Self::EligibleLeaderReplicasVersion,
        Self::ShareVersion,
        Self::StreamsVersion,
    ];

    /// The feature's name on the wire and in Kafka's tools (`transaction.version`, ...).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::TransactionVersion => "transaction.version",
            Self::GroupVersion => "group.version",
            Self::MetadataVersion => "metadata.version",
            Self::KraftVersion => "kraft.version",
            Self::EligibleLeaderReplicasVersion => "eligible.leader.replicas.version",
            Self::ShareVersion => "share.version",
            Self::StreamsVersion => "streams.version",
        }
    }

    /// The feature called `name`, if franzl keeps it.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|feature| feature.name() == name)
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// The finalized levels of the [`Feature`]s one broker reported, with the epoch they belong to
/// (see the module docs for what "unknown" means).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FeatureLevels {
    /// `FinalizedFeaturesEpoch`; negative when the broker sent none.
    epoch: i64,
    /// Indexed like [`Feature::ALL`]; 0 for a feature not listed.
    levels: [i16; Feature::ALL.len()],
}

impl Default for FeatureLevels {
    fn default() -> Self {
        Self::UNKNOWN
    }
}

impl FeatureLevels {
    /// Nothing known (before the handshake, or from a broker that reports no features).
    pub const UNKNOWN: Self = Self {
        epoch: -1,
        levels: [0; Feature::ALL.len()],
    };

    /// The finalized levels in a decoded ApiVersions response. A feature listed more than once
    /// keeps its last entry; its level is the entry's `MaxVersionLevel`.
    #[must_use]
    pub fn from_response(response: &ApiVersionsResponse<'_>) -> Self {
        if response.finalized_features_epoch < 0 {
            return Self::UNKNOWN;
        }
        let mut out = Self {
            epoch: response.finalized_features_epoch,
            levels: [0; Feature::ALL.len()],
        };
        for entry in response.finalized_features.iter() {
            if let Some(feature) = Feature::from_name(entry.name)
                && let Some(slot) = out.levels.get_mut(feature.index())
            {
                *slot = entry.max_version_level;
            }
        }
        out
    }

    /// Whether the broker reported finalized features at all.
    #[must_use]
    pub const fn is_known(&self) -> bool {
        self.epoch >= 0
    }

    /// The epoch of these levels (`FinalizedFeaturesEpoch`, which grows with every change in
    /// the cluster), or `None` when unknown.
    #[must_use]
    pub const fn epoch(&self) -> Option<i64> {
        if self.epoch >= 0 {
            Some(self.epoch)
        } else {
            None
        }
    }

    /// The finalized level of `feature`: `None` when unknown, `Some(0)` when the broker
    /// reported features without this one.
    #[must_use]
    pub fn level(&self, feature: Feature) -> Option<i16> {
        if !self.is_known() {
            return None;
        }
        self.levels.get(feature.index()).copied()
    }

    /// The finalized level of `transaction.version` (2 or more: transactions v2).
    #[must_use]
    pub fn transaction_version(&self) -> Option<i16> {
        self.level(Feature::TransactionVersion)
    }

    /// The finalized level of `group.version` (1 or more: the KIP-848 consumer protocol).
    #[must_use]
    pub fn group_version(&self) -> Option<i16> {
        self.level(Feature::GroupVersion)
    }

    /// Whether these levels are newer than `other`'s: known, with a higher epoch (or `other`
    /// unknown). When brokers disagree, the levels with the highest epoch are the cluster's
    /// latest; a broker that reports nothing never replaces levels that are known.
    #[must_use]
    pub const fn is_newer_than(&self, other: &Self) -> bool {
        self.is_known() && self.epoch > other.epoch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Array;
    use crate::messages::api_versions::FinalizedFeatureKey;

    fn finalized(name: &'static str, level: i16) -> FinalizedFeatureKey<'static> {
        FinalizedFeatureKey {
            name,
            max_version_level: level,
            min_version_level: level,
            ..Default::default()
        }
    }

    #[test]
    fn names_round_trip() {
        for feature in Feature::ALL {
            assert_eq!(Feature::from_name(feature.name()), Some(feature));
            assert_eq!(Feature::ALL[feature.index()], feature);
        }
        assert_eq!(Feature::from_name("no.such.version"), None);
    }

    #[test]
    fn unknown_is_not_level_zero() {
        let entries = [finalized("transaction.version", 2)];
        let no_epoch = ApiVersionsResponse {
            finalized_features: Array::from_slice(&entries),
            ..Default::default()
        };
        let levels = FeatureLevels::from_response(&no_epoch);
        assert_eq!(levels, FeatureLevels::UNKNOWN);
        assert_eq!(levels.transaction_version(), None);
        assert_eq!(levels.epoch(), None);

        let with_epoch = ApiVersionsResponse {
            finalized_features_epoch: 0,
            finalized_features: Array::from_slice(&entries),
            ..Default::default()
        };
        let levels = FeatureLevels::from_response(&with_epoch);
        assert_eq!(levels.epoch(), Some(0));
        assert_eq!(levels.transaction_version(), Some(2));
        assert_eq!(levels.group_version(), Some(0), "not listed: level 0");
    }

    #[test]
    fn the_highest_known_epoch_is_newest() {
        let unknown = FeatureLevels::UNKNOWN;
        let old = FeatureLevels {
            epoch: 5,
            ..FeatureLevels::UNKNOWN
        };
        let new = FeatureLevels { epoch: 9, ..old };
        assert!(old.is_newer_than(&unknown));
        assert!(new.is_newer_than(&old));
        assert!(!old.is_newer_than(&new));
        assert!(!old.is_newer_than(&old));
        assert!(!unknown.is_newer_than(&old));
    }
}
