//! The table of requests sent on one connection and not yet answered.
//!
//! Capacity `N` is chosen by the caller and fixed; nothing is allocated. Correlation ids are
//! handed out in order, wrapping within the non-negative `i32` range, and never reused while a
//! request with the same id is still in the table.

use super::time::Instant;

/// What the connection remembers of a request until its response arrives or it times out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Pending {
    /// The request's correlation id.
    pub correlation_id: i32,
    /// The request's API key.
    pub api_key: i16,
    /// The version the request was encoded at (the response is decoded at the same one).
    pub api_version: i16,
    /// When the request times out.
    pub deadline: Instant,
    /// The caller's token for the request (0 unless sent with one): whatever lets the caller
    /// find what the request was for when its response comes, so it keeps no table of its own.
    pub token: u32,
}

/// Requests in flight on one connection, at most `N` (see the module docs).
#[derive(Debug, Clone)]
pub struct InFlight<const N: usize> {
    slots: [Option<Pending>; N],
    next_id: i32,
}

impl<const N: usize> Default for InFlight<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> InFlight<N> {
    /// An empty table.
    pub const fn new() -> Self {
        Self {
            slots: [None; N],
            next_id: 0,
        }
    }

    /// Requests in flight.
    pub fn len(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    /// Whether no request is in flight.
    pub fn is_empty(&self) -> bool {
        self.slots.iter().all(Option::is_none)
    }

    /// Whether another request can be sent.
    pub fn has_room(&self) -> bool {
        self.slots.iter().any(Option::is_none)
    }

    /// The correlation id the next request will get, or `None` when the table is full.
    pub fn next_correlation_id(&self) -> Option<i32> {
        if !self.has_room() {
            return None;
        }
        let mut id = self.next_id;
        // At most N ids are taken, so this finds a free one within N + 1 steps.
        while self.slots.iter().flatten().any(|p| p.correlation_id == id) {
            id = id.checked_add(1).unwrap_or(0);
        }
        Some(id)
    }

    /// Records a request sent with id [`InFlight::next_correlation_id`]; returns that id, or
    /// `None` (nothing recorded) when the table is full.
    pub fn insert(
        &mut self,
        api_key: i16,
        api_version: i16,
        deadline: Instant,
        token: u32,
    ) -> Option<i32> {
        let correlation_id = self.next_correlation_id()?;
        let slot = self.slots.iter_mut().find(|slot| slot.is_none())?;
        *slot = Some(Pending {
            correlation_id,
            api_key,
            api_version,
            deadline,
            token,
        });
        self.next_id = correlation_id.checked_add(1).unwrap_or(0);
        Some(correlation_id)
    }

    /// Uses up `correlation_id` (from [`InFlight::next_correlation_id`]) for a request that gets
    /// no response, so the next request gets a different id.
    pub fn skip(&mut self, correlation_id: i32) {
        self.next_id = correlation_id.checked_add(1).unwrap_or(0);
    }

    /// The request with `correlation_id`, if it is in flight (it stays in the table).
    pub fn get(&self, correlation_id: i32) -> Option<Pending> {
        self.slots
            .iter()
            .flatten()
            .find(|p| p.correlation_id == correlation_id)
            .copied()
    }

    /// Removes and returns the request with `correlation_id`, if it is in flight.
    pub fn take(&mut self, correlation_id: i32) -> Option<Pending> {
        self.slots
            .iter_mut()
            .find(|slot| slot.is_some_and(|p| p.correlation_id == correlation_id))?
            .take()
    }

    /// The earliest deadline of the requests in flight.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.slots.iter().flatten().map(|p| p.deadline).min()
    }

    /// Removes and returns one request whose deadline is at or before `now`; call until `None`.
    pub fn expire(&mut self, now: Instant) -> Option<Pending> {
        self.slots
            .iter_mut()
            .filter(|slot| slot.is_some_and(|p| p.deadline <= now))
            .min_by_key(|slot| slot.map(|p| p.deadline))?
            .take()
    }

    /// Removes every request, returning them one by one (for a connection that closed).
    pub fn drain(&mut self) -> impl Iterator<Item = Pending> + '_ {
        self.slots.iter_mut().filter_map(Option::take)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Instant = Instant::from_millis(1_000);

    #[test]
    fn ids_are_sequential_and_table_is_bounded() {
        let mut table = InFlight::<2>::new();
        assert_eq!(table.insert(3, 12, T0, 0), Some(0));
        assert_eq!(table.insert(0, 9, T0, 0), Some(1));
        assert_eq!(table.insert(1, 16, T0, 0), None, "full");
        assert_eq!(table.take(7), None, "never sent");
        assert_eq!(
            table.take(0).map(|p| (p.api_key, p.api_version)),
            Some((3, 12))
        );
        assert_eq!(table.take(0), None, "already answered");
        assert_eq!(table.insert(1, 16, T0, 0), Some(2));
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn ids_wrap_and_skip_ids_in_flight() {
        let mut table = InFlight::<2> {
            slots: [None; 2],
            next_id: i32::MAX,
        };
        assert_eq!(table.insert(0, 0, T0, 0), Some(i32::MAX));
        assert_eq!(table.insert(0, 0, T0, 0), Some(0));
        table.take(0);
        table.next_id = i32::MAX;
        assert_eq!(table.insert(0, 0, T0, 0), Some(0), "MAX is still in flight");
    }

    #[test]
    fn expiry_in_deadline_order() {
        let mut table = InFlight::<4>::new();
        table.insert(0, 0, Instant::from_millis(30), 0);
        table.insert(0, 0, Instant::from_millis(10), 0);
        table.insert(0, 0, Instant::from_millis(20), 0);
        assert_eq!(table.next_deadline(), Some(Instant::from_millis(10)));
        let now = Instant::from_millis(25);
        assert_eq!(table.expire(now).map(|p| p.correlation_id), Some(1));
        assert_eq!(table.expire(now).map(|p| p.correlation_id), Some(2));
        assert_eq!(table.expire(now), None);
        assert_eq!(table.drain().count(), 1);
        assert!(table.is_empty());
    }
}
