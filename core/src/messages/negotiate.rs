//! Version negotiation: from a decoded ApiVersions response, the highest version of each API
//! that both the broker and franzl support, in a fixed table (no allocation).

use super::api_versions::ApiVersionsResponse;
use super::generated::ApiKey;

/// The version to use for each API franzl knows, as agreed with one broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NegotiatedVersions {
    /// Indexed like [`ApiKey::ALL`].
    versions: [Option<i16>; ApiKey::ALL.len()],
}

impl NegotiatedVersions {
    /// No API usable (before negotiation).
    pub const NONE: Self = Self {
        versions: [None; ApiKey::ALL.len()],
    };

    /// Intersects the broker's ranges with franzl's (up to each API's newest stable version; from
    /// its first flexible version with `--cfg franzl_flexible_only`).
    /// APIs the broker does not list, or whose ranges do not overlap, are unusable. Keys franzl
    /// does not know are ignored; a repeated key uses its last entry.
    #[must_use]
    pub fn from_response(response: &ApiVersionsResponse<'_>) -> Self {
        let mut out = Self::NONE;
        for entry in response.api_keys.iter() {
            let Some(api) = ApiKey::from_key(entry.api_key) else {
                continue;
            };
            let Some(index) = index_of(api) else { continue };
            let Some(ours) = api.max_stable_version() else {
                continue;
            };
            // A build with `--cfg franzl_flexible_only` has no code for older versions.
            let ours_lo = match api.flexible_from() {
                Some(first) if cfg!(franzl_flexible_only) => first,
                _ => api.min_version(),
            };
            let lo = entry.min_version.max(ours_lo);
            let hi = entry.max_version.min(ours);
            if let Some(slot) = out.versions.get_mut(index) {
                *slot = (lo <= hi).then_some(hi);
            }
        }
        out
    }

    /// The version to use for `api`, or `None` if this broker and franzl share none.
    #[must_use]
    pub fn get(&self, api: ApiKey) -> Option<i16> {
        index_of(api).and_then(|i| self.versions.get(i).copied().flatten())
    }
}

fn index_of(api: ApiKey) -> Option<usize> {
    ApiKey::ALL.iter().position(|k| *k == api)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Array;
    use crate::messages::api_versions::ApiVersion;

    #[test]
    fn picks_the_highest_shared_version() {
        let entries = [
            ApiVersion {
                api_key: 3,
                min_version: 0,
                max_version: 99,
                ..Default::default()
            },
            ApiVersion {
                api_key: 18,
                min_version: 0,
                max_version: 2,
                ..Default::default()
            },
            // Broker's range entirely above franzl's.
            ApiVersion {
                api_key: 17,
                min_version: 5,
                max_version: 9,
                ..Default::default()
            },
            // A key franzl does not know.
            ApiVersion {
                api_key: 999,
                min_version: 0,
                max_version: 1,
                ..Default::default()
            },
        ];
        let response = ApiVersionsResponse {
            api_keys: Array::from_slice(&entries),
            ..Default::default()
        };
        let negotiated = NegotiatedVersions::from_response(&response);
        assert_eq!(
            negotiated.get(ApiKey::Metadata),
            ApiKey::Metadata.max_stable_version()
        );
        // ApiVersions is flexible from v3: a build for flexible versions only shares none.
        let expected = if cfg!(franzl_flexible_only) {
            None
        } else {
            Some(2)
        };
        assert_eq!(negotiated.get(ApiKey::ApiVersions), expected);
        assert_eq!(negotiated.get(ApiKey::SaslHandshake), None);
        assert_eq!(negotiated.get(ApiKey::Produce), None);
    }
}
