//! [`Topics`]: the accumulator's per-topic state, found by name without hashing in the common
//! case.
//!
//! A producer mostly sends to one topic at a time, so the topic found last is compared first
//! (one string comparison); other names go through a hash index. Entries are kept in a vector,
//! in the order topics were first used, and are never removed.

use std::collections::HashMap;
use std::sync::Arc;

/// Per-topic values of type `T`, by name.
#[derive(Debug)]
pub(crate) struct Topics<T> {
    entries: Vec<(Arc<str>, T)>,
    index: HashMap<Arc<str>, usize>,
    /// The entry found last.
    last: usize,
}

impl<T> Default for Topics<T> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            index: HashMap::new(),
            last: 0,
        }
    }
}

impl<T> Topics<T> {
    /// Where `name`'s entry is, the last one found checked first.
    fn find(&self, name: &str) -> Option<usize> {
        match self.entries.get(self.last) {
            Some((last, _)) if **last == *name => Some(self.last),
            _ => self.index.get(name).copied(),
        }
    }

    /// The value of `name`, if it has one.
    pub(crate) fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        let at = self.find(name)?;
        self.last = at;
        self.entries.get_mut(at).map(|(_, value)| value)
    }

    /// The entry of `name`, its value made with `T::default()` on first use: the topic's
    /// shared name and its value.
    pub(crate) fn entry_or_default(&mut self, name: &str) -> (&Arc<str>, &mut T)
    where
        T: Default,
    {
        let at = match self.find(name) {
            Some(at) => at,
            None => {
                let name: Arc<str> = Arc::from(name);
                self.index.insert(Arc::clone(&name), self.entries.len());
                self.entries.push((name, T::default()));
                self.entries.len() - 1
            }
        };
        self.last = at;
        // An index just found or pushed.
        let (name, value) = &mut self.entries[at];
        (&*name, value)
    }

    /// Every topic with its value, in the order they were first used.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &T)> {
        self.entries.iter().map(|(name, value)| (name, value))
    }

    /// Every topic with its value, mutably, in the order they were first used.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (&Arc<str>, &mut T)> {
        self.entries.iter_mut().map(|(name, value)| (&*name, value))
    }

    /// Every value.
    pub(crate) fn values(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|(_, value)| value)
    }

    /// Every value, mutably.
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.entries.iter_mut().map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_found_by_name_first_used_first() {
        let mut topics: Topics<u32> = Topics::default();
        assert!(topics.get_mut("a").is_none());
        *topics.entry_or_default("a").1 += 1;
        *topics.entry_or_default("b").1 += 10;
        *topics.entry_or_default("a").1 += 1;
        assert_eq!(topics.get_mut("b").copied(), Some(10));
        assert_eq!(topics.get_mut("a").copied(), Some(2));
        assert!(topics.get_mut("c").is_none());
        let names: Vec<&str> = topics.iter_mut().map(|(name, _)| &**name).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(topics.values().sum::<u32>(), 12);
    }
}
