//! The metadata refresher: a task (see [`crate::runtime`]) that refreshes the cached metadata
//! when it reaches `metadata.max.age.ms` (counted from the last refresh, whoever made it), and
//! soon after [`super::Client::invalidate_leader`] asks for it (at most once per
//! `retry.backoff.ms`), so routing follows leader changes without a caller waiting.
//!
//! Its only timers are those deadlines: the cache's age, the pause after a refresh asked for by
//! an invalidation (so a burst of them causes one refresh), and after a failed refresh a backoff
//! from `retry.backoff.ms` up to `retry.backoff.max.ms`. Otherwise it waits on the wake channel.
//!
//! It holds only a weak reference to the cluster and stops when the cluster's last handle is
//! dropped (the wake channel's sender lives in the cluster).

use super::handle::{Client, Inner};
use crate::net::{Backoff, Deadline};
use async_io::Timer;
use futures_lite::future;
use std::sync::{Arc, Weak};

/// Starts the refresher for `cluster`; `wake` is the receiving end of the cluster's wake
/// channel.
pub(super) fn start(cluster: &Client, wake: async_channel::Receiver<()>) {
    let weak = Arc::downgrade(&cluster.inner);
    crate::runtime::spawn(
        cluster.config().spawner.as_ref(),
        "metadata refresher",
        run(weak, wake),
    );
}

/// Why the refresher woke.
enum Woken {
    /// The cache reached its maximum age.
    Due,
    /// An invalidation asked for a refresh.
    Invalidated,
    /// The cluster is gone.
    Stop,
}

async fn run(weak: Weak<Inner>, wake: async_channel::Receiver<()>) {
    let mut failures = None;
    // Always set (metadata.max.age.ms), so a timerfd rather than an entry in async-io's timer
    // map, which costs an allocation per reactor turn while it holds any.
    let mut max_age = Deadline::new();
    loop {
        let Some(due) = weak.upgrade().map(|inner| Client { inner }.metadata_due()) else {
            return;
        };
        max_age.set(Some(due));
        let woken = future::or(
            async {
                max_age.wait().await;
                Woken::Due
            },
            async {
                match wake.recv().await {
                    Ok(()) => Woken::Invalidated,
                    Err(_) => Woken::Stop,
                }
            },
        )
        .await;
        let Some(inner) = weak.upgrade() else {
            return;
        };
        let cluster = Client { inner };
        let config = cluster.config();
        let pause = config.retry_backoff;
        let backoff = failures.get_or_insert_with(|| {
            Backoff::new(config.retry_backoff, config.retry_backoff_max, 23)
        });
        match woken {
            Woken::Stop => return,
            // Refreshed meanwhile by a caller: sleep until the new deadline.
            Woken::Due if !cluster.metadata_is_stale() => continue,
            Woken::Due | Woken::Invalidated => {}
        }
        let delay = match cluster.refresh_metadata(&[]).await {
            Ok(_) => {
                backoff.reset();
                // Invalidations in a burst (every partition of a dead leader) cause one refresh.
                matches!(woken, Woken::Invalidated).then_some(pause)
            }
            Err(error) => {
                let delay = backoff.next_delay();
                log::info!("metadata refresh failed: {error}; next attempt in {delay:?}");
                Some(delay)
            }
        };
        drop(cluster);
        if let Some(delay) = delay {
            Timer::after(delay).await;
        }
    }
}
