//! [`race3`]: a connection's three loops (writer, reader, request timer) run as one task, the
//! first to finish ending it, and each polled only when something it waits on has happened.
//!
//! A plain `or` of the three polls every loop at every wake-up of the task: a Produce handed to
//! the writer also polls the reader, whose socket read then fails with `EAGAIN` (a system call
//! per request, for nothing), and the timer loop, which locks the connection state to look at
//! its deadline again. Here each loop gets a waker of its own that marks it before waking the
//! task, and a poll of the race polls only the marked loops.
//!
//! Contract: the output is the first loop's to finish (in the order writer, reader, timer when
//! several finish in one poll); a loop is polled at least once after each of its own wake-ups;
//! the three wakers are made once per race, so polling allocates nothing.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

/// The first of `a`, `b` and `c` to finish; see the module docs.
pub(crate) async fn race3<T>(
    a: impl Future<Output = T>,
    b: impl Future<Output = T>,
    c: impl Future<Output = T>,
) -> T {
    let (mut a, mut b, mut c) = (std::pin::pin!(a), std::pin::pin!(b), std::pin::pin!(c));
    let shared = Arc::new(Shared {
        marked: AtomicU8::new(ALL),
        task: Mutex::new(None),
    });
    let wakers = [0, 1, 2].map(|branch| {
        Waker::from(Arc::new(Branch {
            shared: Arc::clone(&shared),
            bit: 1 << branch,
        }))
    });
    std::future::poll_fn(move |cx| {
        shared.register(cx.waker());
        let marked = shared.marked.swap(0, Ordering::AcqRel);
        let poll = |branch: usize, future: Pin<&mut dyn Future<Output = T>>| {
            if marked & (1 << branch) == 0 {
                return Poll::Pending;
            }
            future.poll(&mut Context::from_waker(&wakers[branch]))
        };
        if let Poll::Ready(out) = poll(0, a.as_mut()) {
            return Poll::Ready(out);
        }
        if let Poll::Ready(out) = poll(1, b.as_mut()) {
            return Poll::Ready(out);
        }
        poll(2, c.as_mut())
    })
    .await
}

/// Every branch marked: the first poll polls all three.
const ALL: u8 = 0b111;

/// What the branches' wakers share: which branches were woken since the last poll, and the
/// task's own waker.
struct Shared {
    marked: AtomicU8,
    task: Mutex<Option<Waker>>,
}

impl Shared {
    /// Keeps the task's current waker (cloning it only when it changed).
    fn register(&self, waker: &Waker) {
        let mut task = self.task.lock().unwrap_or_else(PoisonError::into_inner);
        if !task.as_ref().is_some_and(|known| known.will_wake(waker)) {
            *task = Some(waker.clone());
        }
    }
}

/// One branch's waker: marks the branch, then wakes the task.
struct Branch {
    shared: Arc<Shared>,
    bit: u8,
}

impl Wake for Branch {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.shared.marked.fetch_or(self.bit, Ordering::AcqRel);
        let task = self
            .shared
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(task) = task {
            task.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::time::Duration;

    /// A loop that counts its polls and finishes when `done` is set and it is woken.
    async fn counted(polls: &Cell<u32>, done: &async_channel::Receiver<u32>) -> u32 {
        let mut recv = std::pin::pin!(done.recv());
        std::future::poll_fn(|cx| {
            polls.set(polls.get() + 1);
            recv.as_mut().poll(cx).map(|value| value.unwrap_or(0))
        })
        .await
    }

    #[test]
    fn only_the_woken_branch_is_polled_and_the_first_to_finish_wins() {
        let (polls_a, polls_b, polls_c) = (Cell::new(0), Cell::new(0), Cell::new(0));
        let (tx_a, rx_a) = async_channel::unbounded();
        let (tx_b, rx_b) = async_channel::unbounded();
        let (_tx_c, rx_c) = async_channel::unbounded();
        let out = smol::block_on(async {
            let race = race3(
                counted(&polls_a, &rx_a),
                counted(&polls_b, &rx_b),
                counted(&polls_c, &rx_c),
            );
            let waking = async {
                async_io::Timer::after(Duration::from_millis(10)).await;
                // b's channel wakes only b: a and c stay unpolled.
                tx_b.send(2).await.unwrap();
                async_io::Timer::after(Duration::from_millis(10)).await;
                tx_a.send(1).await.unwrap();
                std::future::pending::<u32>().await
            };
            futures_lite::future::or(race, waking).await
        });
        assert_eq!(out, 2, "b finished first");
        assert_eq!(polls_a.get(), 1, "a was polled once, at the start");
        assert_eq!(polls_b.get(), 2, "b at the start and when woken");
        assert_eq!(polls_c.get(), 1, "c never woken");
        drop(tx_a);
    }

    #[test]
    fn a_wake_during_the_poll_of_another_branch_is_not_lost() {
        // a wakes b while a is polled; the race must come back for b.
        let (tx, rx) = async_channel::bounded::<()>(1);
        let out = smol::block_on(race3(
            async {
                tx.send(()).await.unwrap();
                std::future::pending::<&str>().await
            },
            async {
                rx.recv().await.unwrap();
                "b"
            },
            std::future::pending(),
        ));
        assert_eq!(out, "b");
    }
}
