//! [`PrefetchBudget`]: the consumer's bound on fetched bytes the caller has not yet consumed,
//! response bodies and decompressed batches alike.
//!
//! A fetcher acquires bytes before it sends a Fetch (the most the response may hold) and
//! before it decompresses a batch; the [`Permit`] it gets travels with the buffer and gives the
//! bytes back when the buffer is dropped, that is when the caller has dropped every record that
//! shares it. When the caller stops consuming, acquiring waits, so fetching pauses instead of
//! memory growing.
//!
//! One exception keeps fetchers from waiting on each other: bytes of responses being read
//! right now are marked with [`PrefetchBudget::reading`], and a fetcher decompressing a batch of
//! such a response may go past the bound when those bytes are all that is held (nothing queued
//! for the caller is left to free). The bound can then be passed by one batch per broker, when
//! it is too small for a response plus its largest batch; the high-water mark,
//! [`PrefetchBudget::peak`], shows whether that ever happened.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use event_listener::Event;

#[derive(Debug, Default)]
struct Usage {
    used: usize,
    /// Bytes of responses being read now (see [`Reading`]).
    reading: usize,
    peak: usize,
    closed: bool,
}

/// A byte budget shared by a consumer's fetchers and the records they deliver.
#[derive(Debug)]
pub(crate) struct PrefetchBudget {
    limit: usize,
    usage: Mutex<Usage>,
    released: Event,
}

impl PrefetchBudget {
    /// A budget of `limit` bytes.
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            limit,
            usage: Mutex::new(Usage::default()),
            released: Event::new(),
        })
    }

    fn usage(&self) -> MutexGuard<'_, Usage> {
        self.usage.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The bound in bytes.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Bytes held now.
    pub(crate) fn used(&self) -> usize {
        self.usage().used
    }

    /// The most bytes ever held at once.
    pub(crate) fn peak(&self) -> usize {
        self.usage().peak
    }

    /// Takes `bytes` if they fit, or (with `may_exceed`) if only responses being read hold
    /// bytes. `Some(false)` once closed, `None` to wait.
    fn try_take(&self, bytes: usize, may_exceed: bool) -> Option<bool> {
        let mut usage = self.usage();
        if usage.closed {
            return Some(false);
        }
        let fits = usage.used.saturating_add(bytes) <= self.limit;
        if fits || (may_exceed && usage.used <= usage.reading) {
            usage.used = usage.used.saturating_add(bytes);
            usage.peak = usage.peak.max(usage.used);
            return Some(true);
        }
        None
    }

    /// Waits until `bytes` fit under the bound, takes them and returns their permit; `None`
    /// once the budget is closed (the consumer is shutting down). `may_exceed` is for a batch
    /// of a response being read (see the module docs).
    pub(crate) async fn acquire(
        self: &Arc<Self>,
        bytes: usize,
        may_exceed: bool,
    ) -> Option<Permit> {
        loop {
            if let Some(taken) = self.try_take(bytes, may_exceed) {
                return taken.then(|| Permit {
                    budget: Arc::clone(self),
                    bytes,
                });
            }
            let listener = self.released.listen();
            // Re-check: a release between the first check and listening would be missed.
            if let Some(taken) = self.try_take(bytes, may_exceed) {
                return taken.then(|| Permit {
                    budget: Arc::clone(self),
                    bytes,
                });
            }
            listener.await;
        }
    }

    /// Waits until at least `least` bytes are free, then takes as many as are free up to
    /// `most` and returns their permit; `None` once closed. A fetcher reserves its response
    /// this way, so one whose broker does not answer (its reservation held for the request
    /// timeout) leaves the rest of the bound to the others instead of starving them.
    pub(crate) async fn acquire_up_to(
        self: &Arc<Self>,
        most: usize,
        least: usize,
    ) -> Option<Permit> {
        let least = least.min(most);
        loop {
            let listener = self.released.listen();
            {
                let mut usage = self.usage();
                if usage.closed {
                    return None;
                }
                let free = self.limit.saturating_sub(usage.used);
                if free >= least {
                    let bytes = free.min(most);
                    usage.used = usage.used.saturating_add(bytes);
                    usage.peak = usage.peak.max(usage.used);
                    return Some(Permit {
                        budget: Arc::clone(self),
                        bytes,
                    });
                }
            }
            listener.await;
        }
    }

    /// Marks `bytes` (a response body's permit) as being read until the guard drops.
    pub(crate) fn reading(self: &Arc<Self>, bytes: usize) -> Reading {
        let mut usage = self.usage();
        usage.reading = usage.reading.saturating_add(bytes);
        drop(usage);
        // Waiters that may exceed the bound may now go ahead.
        self.released.notify(usize::MAX);
        Reading {
            budget: Arc::clone(self),
            bytes,
        }
    }

    fn release(&self, bytes: usize) {
        let mut usage = self.usage();
        usage.used = usage.used.saturating_sub(bytes);
        drop(usage);
        self.released.notify(usize::MAX);
    }

    /// Wakes every waiter and makes acquiring fail from now on.
    pub(crate) fn close(&self) {
        self.usage().closed = true;
        self.released.notify(usize::MAX);
    }
}

/// Bytes of a response being read, from [`PrefetchBudget::reading`].
#[derive(Debug)]
pub(crate) struct Reading {
    budget: Arc<PrefetchBudget>,
    bytes: usize,
}

impl Drop for Reading {
    fn drop(&mut self) {
        let mut usage = self.budget.usage();
        usage.reading = usage.reading.saturating_sub(self.bytes);
    }
}

/// Bytes taken from a [`PrefetchBudget`], given back on drop.
#[derive(Debug)]
pub(crate) struct Permit {
    budget: Arc<PrefetchBudget>,
    bytes: usize,
}

impl Permit {
    /// The bytes this permit holds.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Makes the permit hold exactly `bytes`: gives back the rest of a response smaller than
    /// reserved, or counts, without waiting, the excess of one already received bigger than
    /// reserved (a broker sends a first batch whole even past the limits).
    pub(crate) fn resize(&mut self, bytes: usize) {
        if bytes < self.bytes {
            self.budget.release(self.bytes - bytes);
        } else if bytes > self.bytes {
            let mut usage = self.budget.usage();
            usage.used = usage.used.saturating_add(bytes - self.bytes);
            usage.peak = usage.peak.max(usage.used);
        }
        self.bytes = bytes;
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.budget.release(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::future;

    #[test]
    fn a_short_budget_gives_what_is_free_down_to_the_least_asked() {
        let budget = PrefetchBudget::new(100);
        let held = smol::block_on(budget.acquire(90, false)).unwrap();
        let some = smol::block_on(budget.acquire_up_to(50, 10)).unwrap();
        assert_eq!(some.bytes(), 10);
        drop(some);
        // Less free than the least asked: it waits until memory comes back.
        let waiting = smol::spawn({
            let budget = Arc::clone(&budget);
            async move { budget.acquire_up_to(50, 20).await.map(|p| p.bytes()) }
        });
        smol::block_on(async_io::Timer::after(std::time::Duration::from_millis(50)));
        assert!(!waiting.is_finished());
        drop(held);
        assert_eq!(smol::block_on(waiting), Some(50));
    }

    #[test]
    fn permits_count_and_release() {
        let budget = PrefetchBudget::new(100);
        let a = future::block_on(budget.acquire(60, false)).unwrap();
        assert_eq!(budget.used(), 60);
        // 60 + 50 does not fit, and the bytes held are not a response being read: it waits.
        let mut waiting = Box::pin(budget.acquire(50, true));
        assert!(future::block_on(future::poll_once(&mut waiting)).is_none());
        drop(a);
        let b = future::block_on(waiting).unwrap();
        assert_eq!((budget.used(), budget.peak()), (50, 60));
        drop(b);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn responses_being_read_do_not_block_their_readers() {
        let budget = PrefetchBudget::new(100);
        // Two fetchers each hold a body; neither batch fits, but only bodies being read are
        // held, so both may go ahead rather than wait for each other.
        let a = future::block_on(budget.acquire(50, false)).unwrap();
        let b = future::block_on(budget.acquire(50, false)).unwrap();
        let (_reading_a, _reading_b) = (budget.reading(a.bytes()), budget.reading(b.bytes()));
        let batch_a = future::block_on(budget.acquire(70, true)).unwrap();
        // Now a decompressed batch is held for the caller: the next one waits for it.
        let mut waiting = Box::pin(budget.acquire(70, true));
        assert!(future::block_on(future::poll_once(&mut waiting)).is_none());
        drop(batch_a);
        let batch_b = future::block_on(waiting).unwrap();
        assert_eq!(budget.peak(), 170);
        drop((a, b, batch_b));
    }

    #[test]
    fn resizing_gives_back_or_counts_the_difference() {
        let budget = PrefetchBudget::new(100);
        let mut permit = future::block_on(budget.acquire(100, false)).unwrap();
        permit.resize(30);
        assert_eq!((budget.used(), permit.bytes()), (30, 30));
        permit.resize(130);
        assert_eq!((budget.used(), budget.peak()), (130, 130));
        drop(permit);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn close_wakes_waiters_with_none() {
        let budget = PrefetchBudget::new(10);
        let _held = future::block_on(budget.acquire(10, false)).unwrap();
        let mut waiting = Box::pin(budget.acquire(5, false));
        assert!(future::block_on(future::poll_once(&mut waiting)).is_none());
        budget.close();
        assert!(future::block_on(waiting).is_none());
    }
}
