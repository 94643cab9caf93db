//! [`FinalizedFeatures`]: the cluster-wide feature levels brokers report in ApiVersions v3+
//! (`transaction.version`, `group.version`, `metadata.version`, ...), every one by name, with
//! the epoch they belong to; and the cache that keeps the newest the cluster's connections saw.
//!
//! Contract:
//! - Unknown is not level 0. Levels are unknown ([`FinalizedFeatures::is_known`] false, every
//!   lookup `None`) when no broker reported any: ApiVersions below v3, or no epoch sent. A
//!   broker that sends an epoch lists every feature finalized above level 0, so a feature it
//!   does not list is at level 0 (`Some(0)`), as Kafka treats it.
//! - When brokers disagree (one has not yet applied a change), the levels with the highest
//!   epoch win: the epoch grows with every change, so they are the cluster's latest. Levels from
//!   a broker that reports none never replace known ones.
//! - Levels are read from each connection's handshake; [`crate::Client::refresh_finalized_features`]
//!   asks a broker again.

use super::Client;
use crate::error::{Error, Result};
use franzl_core::messages::api_versions::{ApiVersionsRequest, ApiVersionsResponse};
use franzl_core::messages::{Feature, FeatureLevels};
use franzl_core::wire::RawTaggedFields;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The software name franzl's own ApiVersions requests send, as the handshake's.
const SOFTWARE_NAME: &str = "franzl";

/// The finalized feature levels of the cluster as one broker reported them (see the module
/// docs). `Default` is "unknown".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FinalizedFeatures {
    /// The fixed table of the features franzl acts on, with the epoch.
    known: FeatureLevels,
    /// Every feature the broker listed, by name: its finalized (`MaxVersionLevel`) level.
    levels: BTreeMap<String, i16>,
}

impl FinalizedFeatures {
    /// The finalized features in a decoded ApiVersions response (a feature listed more than
    /// once keeps its last entry).
    #[must_use]
    pub(crate) fn from_response(response: &ApiVersionsResponse<'_>) -> Self {
        let known = FeatureLevels::from_response(response);
        if !known.is_known() {
            return Self::default();
        }
        let levels = response
            .finalized_features
            .iter()
            .map(|entry| (entry.name.to_owned(), entry.max_version_level))
            .collect();
        Self { known, levels }
    }

    /// Whether a broker reported finalized features at all.
    #[must_use]
    pub fn is_known(&self) -> bool {
        self.known.is_known()
    }

    /// The epoch of these levels (`FinalizedFeaturesEpoch`), or `None` when unknown.
    #[must_use]
    pub fn epoch(&self) -> Option<i64> {
        self.known.epoch()
    }

    /// The finalized level of the feature called `name` (`"transaction.version"`, ...): `None`
    /// when unknown, `Some(0)` when the broker did not list it.
    #[must_use]
    pub fn level(&self, name: &str) -> Option<i16> {
        if !self.is_known() {
            return None;
        }
        Some(self.levels.get(name).copied().unwrap_or(0))
    }

    /// The finalized level of `feature`, as [`FinalizedFeatures::level`].
    #[must_use]
    pub fn feature(&self, feature: Feature) -> Option<i16> {
        self.known.level(feature)
    }

    /// The finalized level of `transaction.version` (2 or more: transactions v2, KIP-890).
    #[must_use]
    pub fn transaction_version(&self) -> Option<i16> {
        self.known.transaction_version()
    }

    /// The finalized level of `group.version` (1 or more: the consumer group protocol of
    /// KIP-848).
    #[must_use]
    pub fn group_version(&self) -> Option<i16> {
        self.known.group_version()
    }

    /// The features the broker listed (those above level 0), by name in ascending order, with
    /// their levels.
    pub fn iter(&self) -> impl Iterator<Item = (&str, i16)> + '_ {
        self.levels
            .iter()
            .map(|(name, level)| (name.as_str(), *level))
    }

    /// The fixed table of the features franzl acts on, as franzl-core keeps it.
    #[must_use]
    pub fn levels(&self) -> &FeatureLevels {
        &self.known
    }

    /// Whether these levels are newer than `other`'s: known, with a higher epoch.
    #[must_use]
    pub fn is_newer_than(&self, other: &Self) -> bool {
        self.known.is_newer_than(&other.known)
    }
}

/// The newest finalized features any connection of a cluster reported.
#[derive(Debug, Default)]
pub(crate) struct FeatureCache {
    newest: Mutex<Arc<FinalizedFeatures>>,
}

impl FeatureCache {
    /// The newest levels seen.
    pub(crate) fn get(&self) -> Arc<FinalizedFeatures> {
        Arc::clone(&self.newest.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Keeps `seen` if it is newer than what is kept; returns the newest.
    pub(crate) fn observe(&self, seen: &Arc<FinalizedFeatures>) -> Arc<FinalizedFeatures> {
        let mut newest = self.newest.lock().unwrap_or_else(|p| p.into_inner());
        if seen.is_newer_than(&newest) {
            if newest.is_known() {
                log::info!(
                    "finalized features changed (epoch {:?} to {:?})",
                    newest.epoch(),
                    seen.epoch()
                );
            }
            *newest = Arc::clone(seen);
        }
        Arc::clone(&newest)
    }
}

impl Client {
    /// The cluster's finalized feature levels: the newest (highest epoch) that any connection
    /// of this cluster reported in its handshake, unknown when none reported any. Transactions
    /// v2 and the KIP-848 consumer protocol are chosen by these levels.
    pub fn finalized_features(&self) -> Arc<FinalizedFeatures> {
        self.inner.pool.features().get()
    }

    /// Asks a broker for the finalized features again (an ApiVersions request on an open
    /// connection) and returns the newest known afterwards, as [`Client::finalized_features`].
    ///
    /// # Errors
    /// Connection failures; [`Error::Kafka`] when the broker refuses the request.
    pub async fn refresh_finalized_features(&self) -> Result<Arc<FinalizedFeatures>> {
        let connection = self.any_broker().await?;
        let request = ApiVersionsRequest {
            client_software_name: SOFTWARE_NAME,
            client_software_version: env!("CARGO_PKG_VERSION"),
            unknown_tagged_fields: RawTaggedFields::EMPTY,
        };
        let response = connection.request(&request).await?;
        let decoded = response.decode::<ApiVersionsRequest<'_>>()?;
        let code = decoded.error_code;
        if !code.is_ok() {
            return Err(Error::kafka(code, None, "ApiVersions"));
        }
        let seen = Arc::new(FinalizedFeatures::from_response(&decoded));
        Ok(self.inner.pool.features().observe(&seen))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use franzl_core::messages::Array;
    use franzl_core::messages::api_versions::FinalizedFeatureKey;

    fn features(epoch: i64, listed: &[(&'static str, i16)]) -> Arc<FinalizedFeatures> {
        let entries: Vec<_> = listed
            .iter()
            .map(|&(name, level)| FinalizedFeatureKey {
                name,
                max_version_level: level,
                min_version_level: level,
                ..Default::default()
            })
            .collect();
        Arc::new(FinalizedFeatures::from_response(&ApiVersionsResponse {
            finalized_features_epoch: epoch,
            finalized_features: Array::from_slice(&entries),
            ..Default::default()
        }))
    }

    #[test]
    fn lookups_by_name_tell_unknown_from_level_zero() {
        let unknown = features(-1, &[("transaction.version", 2)]);
        assert!(!unknown.is_known());
        assert_eq!(unknown.level("transaction.version"), None);
        assert_eq!(unknown.iter().count(), 0);

        let known = features(
            12,
            &[("transaction.version", 2), ("some.future.version", 4)],
        );
        assert_eq!(known.epoch(), Some(12));
        assert_eq!(known.level("transaction.version"), Some(2));
        assert_eq!(known.transaction_version(), Some(2));
        assert_eq!(known.level("some.future.version"), Some(4));
        assert_eq!(known.level("group.version"), Some(0));
        assert_eq!(known.group_version(), Some(0));
        assert_eq!(known.feature(Feature::ShareVersion), Some(0));
        let listed: Vec<_> = known.iter().collect();
        assert_eq!(
            listed,
            [("some.future.version", 4), ("transaction.version", 2)]
        );
    }

    #[test]
    fn the_cache_keeps_the_highest_epoch() {
        let cache = FeatureCache::default();
        assert!(!cache.get().is_known());
        let old = features(7, &[("transaction.version", 2)]);
        let new = features(9, &[("transaction.version", 1)]);
        assert_eq!(cache.observe(&new), new);
        // A broker behind the others, or one that reports nothing, changes nothing.
        assert_eq!(cache.observe(&old), new);
        assert_eq!(cache.observe(&features(-1, &[])), new);
        assert_eq!(cache.get().transaction_version(), Some(1));
    }
}
