//! The metadata refresher: a task (see [`crate::runtime`]) that refreshes the cached metadata every
//! `metadata.max.age.ms`, and soon after [`super::Cluster::invalidate_leader`] asks for it (at
//! most once per `retry.backoff.ms`), so routing follows leader changes without a caller waiting.
//!
//! It holds only a weak reference to the cluster and stops when the cluster's last handle is
//! dropped (the wake channel's sender lives in the cluster).

use super::handle::{Cluster, Inner};
use async_io::Timer;
use futures_lite::future;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Starts the refresher for `cluster`; `wake` is the receiving end of the cluster's wake
/// channel.
pub(super) fn start(cluster: &Cluster, wake: async_channel::Receiver<()>) {
    let weak = Arc::downgrade(&cluster.inner);
    let max_age = cluster.config().metadata_max_age;
    let pause = cluster.config().retry_backoff;
    crate::runtime::spawn(
        cluster.config().spawner.as_ref(),
        "metadata refresher",
        run(weak, wake, max_age, pause),
    );
}

async fn run(
    weak: Weak<Inner>,
    wake: async_channel::Receiver<()>,
    max_age: Duration,
    pause: Duration,
) {
    loop {
        let woken = future::or(
            async {
                Timer::after(max_age).await;
                true
            },
            async { wake.recv().await.is_ok() },
        )
        .await;
        if !woken {
            return;
        }
        let Some(inner) = weak.upgrade() else {
            return;
        };
        let cluster = Cluster { inner };
        if let Err(error) = cluster.refresh_metadata(&[]).await {
            log::info!("periodic metadata refresh failed: {error}");
        }
        drop(cluster);
        // Invalidations in a burst (every partition of a dead leader) cause one refresh.
        Timer::after(pause).await;
    }
}
