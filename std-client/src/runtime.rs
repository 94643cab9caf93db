//! Where franzl's background work runs: as tasks, never on threads of its own per broker, per
//! role or per client.
//!
//! Every background loop (a broker connection's I/O, the producer's sender, the consumer's
//! manager and fetchers, the metadata refresher) is a task, spawned in one place. By default the
//! tasks of every client in the process share one executor (async-executor, of the smol family)
//! run by one thread, `franzl`, started on first use and kept for the life of the process. A
//! program that runs its own executor gives a [`Spawner`] in the client configuration
//! ([`crate::config::ClientConfigBuilder::spawner`]), and franzl's tasks are spawned there
//! instead: a single-threaded smol program then runs franzl with no thread of franzl's own
//! (async-io's reactor thread, `async-io`, serves both).
//!
//! Contract: a task's panic is caught at its edge and logged; it ends that task only (its
//! task's handle completes), never the executor. Waiting for a task (`TaskHandle::join`) is
//! async; nothing here blocks an executor thread.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use async_executor::Executor;
use event_listener::Event;
use futures_lite::FutureExt as _;

/// A task as a spawner receives it: boxed, `Send`, running to completion.
pub type BoxTask = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Runs franzl's background tasks on the program's own executor.
///
/// ```
/// # use franzl::runtime::Spawner;
/// let executor = std::sync::Arc::new(async_executor::Executor::new());
/// let spawner = Spawner::new({
///     let executor = executor.clone();
///     move |task| executor.spawn(task).detach()
/// });
/// # drop(spawner);
/// ```
///
/// Two spawners are equal when they are clones of one another.
#[derive(Clone)]
pub struct Spawner(Arc<dyn Fn(BoxTask) + Send + Sync>);

impl Spawner {
    /// A spawner that hands each task to `spawn`, which must run it to completion (on any
    /// thread: the tasks are `Send`) and must not block.
    pub fn new(spawn: impl Fn(BoxTask) + Send + Sync + 'static) -> Self {
        Self(Arc::new(spawn))
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Spawner")
    }
}

impl PartialEq for Spawner {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Spawner {}

/// The end of one task, to wait for.
#[derive(Debug, Clone)]
pub(crate) struct TaskHandle {
    done: Arc<Done>,
}

#[derive(Debug, Default)]
struct Done {
    flag: AtomicBool,
    event: Event,
}

impl TaskHandle {
    /// Waits until the task has ended (returned or panicked).
    pub(crate) async fn join(&self) {
        loop {
            if self.is_finished() {
                return;
            }
            let listener = self.done.event.listen();
            if self.is_finished() {
                return;
            }
            listener.await;
        }
    }

    /// Whether the task has ended.
    pub(crate) fn is_finished(&self) -> bool {
        self.done.flag.load(Ordering::Acquire)
    }
}

/// Runs `task` (named `name` in logs) on `spawner`, or on franzl's shared executor when there is
/// none.
pub(crate) fn spawn(
    spawner: Option<&Spawner>,
    name: impl Into<String>,
    task: impl Future<Output = ()> + Send + 'static,
) -> TaskHandle {
    spawn_with_recovery(spawner, name, task, || {})
}

/// As [`spawn`], and `on_panic` runs if the task panics, to fail what callers wait for (a
/// delivery, a poll) instead of leaving it pending forever.
pub(crate) fn spawn_with_recovery(
    spawner: Option<&Spawner>,
    name: impl Into<String>,
    task: impl Future<Output = ()> + Send + 'static,
    on_panic: impl FnOnce() + Send + 'static,
) -> TaskHandle {
    let done = Arc::new(Done::default());
    let handle = TaskHandle {
        done: Arc::clone(&done),
    };
    let name = name.into();
    let wrapped = async move {
        if AssertUnwindSafe(task).catch_unwind().await.is_err() {
            log::error!("franzl task {name} panicked; it has stopped");
            if std::panic::catch_unwind(AssertUnwindSafe(on_panic)).is_err() {
                log::error!("franzl task {name}: its recovery panicked too");
            }
        }
        done.flag.store(true, Ordering::Release);
        done.event.notify(usize::MAX);
    };
    match spawner {
        Some(spawner) => (spawner.0)(Box::pin(wrapped)),
        None => shared_executor().spawn(wrapped).detach(),
    }
    handle
}

/// The process's shared executor, with its thread started on first use.
fn shared_executor() -> &'static Executor<'static> {
    static EXECUTOR: OnceLock<&'static Executor<'static>> = OnceLock::new();
    EXECUTOR.get_or_init(|| {
        let executor: &'static Executor<'static> = Box::leak(Box::new(Executor::new()));
        let started = std::thread::Builder::new()
            .name("franzl".into())
            .spawn(move || async_io::block_on(executor.run(futures_lite::future::pending::<()>())));
        if let Err(error) = started {
            // Background work cannot run: every wait on it ends at its own deadline.
            log::error!("franzl: cannot start the executor thread: {error}");
        }
        executor
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_run_on_the_shared_executor_and_can_be_joined() {
        let (tx, rx) = async_channel::bounded(1);
        let handle = spawn(None, "test", async move {
            tx.send(std::thread::current().name().map(str::to_owned))
                .await
                .unwrap();
        });
        let thread = futures_lite::future::block_on(rx.recv()).unwrap();
        assert_eq!(thread.as_deref(), Some("franzl"));
        futures_lite::future::block_on(handle.join());
        assert!(handle.is_finished());
    }

    #[test]
    fn a_panicking_task_ends_alone() {
        let handle = spawn(None, "panics", async { panic!("on purpose") });
        futures_lite::future::block_on(handle.join());
        // The executor still runs other tasks.
        let (tx, rx) = async_channel::bounded(1);
        spawn(None, "after", async move { tx.send(()).await.unwrap() });
        futures_lite::future::block_on(rx.recv()).unwrap();
    }

    #[test]
    fn a_panicking_task_runs_its_recovery() {
        let (tx, rx) = async_channel::bounded(1);
        let handle =
            spawn_with_recovery(None, "panics", async { panic!("on purpose") }, move || {
                tx.try_send(()).unwrap();
            });
        futures_lite::future::block_on(handle.join());
        assert!(rx.try_recv().is_ok(), "the recovery ran");
    }

    #[test]
    fn a_spawner_runs_tasks_on_the_callers_executor() {
        let executor = Arc::new(Executor::new());
        let spawner = Spawner::new({
            let executor = Arc::clone(&executor);
            move |task| executor.spawn(task).detach()
        });
        assert_eq!(spawner, spawner.clone());
        let here = std::thread::current().id();
        let (tx, rx) = async_channel::bounded(1);
        let handle = spawn(Some(&spawner), "mine", async move {
            tx.send(std::thread::current().id()).await.unwrap();
        });
        let ran_on = futures_lite::future::block_on(executor.run(async {
            handle.join().await;
            rx.recv().await.unwrap()
        }));
        assert_eq!(ran_on, here);
    }
}
