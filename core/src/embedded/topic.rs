//! [`TopicRef`]: a topic as Fetch and Produce address it, by name up to v12 of each and by id
//! from v13 on, and the version and response-matching rules that follow from that. Shared by
//! both calls (out of line, so their code is in flash once).

use crate::messages::FIRST_VERSION_WITH_TOPIC_IDS;
use crate::wire::Uuid;

/// The newest Fetch and Produce version that names topics; later ones name them by id only.
const LAST_VERSION_WITH_NAMES: i16 = FIRST_VERSION_WITH_TOPIC_IDS - 1;

/// A topic as Fetch and Produce address it: by name up to v12, by id after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TopicRef<'a> {
    /// The topic's name.
    pub name: &'a str,
    /// The topic's id from [`super::TopicMetadata::id`]; all zeros if unknown, in which case
    /// the client sends at v12, which names topics.
    pub id: Uuid,
}

impl<'a> TopicRef<'a> {
    /// A topic known by name only.
    pub const fn named(name: &'a str) -> Self {
        Self {
            name,
            id: Uuid::ZERO,
        }
    }

    /// The version to send at, from the `negotiated` one: without an id, only versions that
    /// name topics can address it.
    #[inline(never)]
    pub(super) fn version(&self, negotiated: Option<i16>) -> Option<i16> {
        match negotiated {
            Some(version) if self.id.is_zero() => Some(version.min(LAST_VERSION_WITH_NAMES)),
            other => other,
        }
    }

    /// Whether a response's topic entry (`name`, `id`) is this topic, in a response of
    /// `version`.
    #[inline(never)]
    pub(super) fn is(&self, version: i16, name: &str, id: &Uuid) -> bool {
        if version > LAST_VERSION_WITH_NAMES {
            *id == self.id
        } else {
            name == self.name
        }
    }
}
