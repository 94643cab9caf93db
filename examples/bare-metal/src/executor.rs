//! The smallest executors: poll one future until it completes, with a waker that does nothing,
//! enough for a program that does one thing (a device would run the client in its executor's
//! task instead).

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

/// Polls `future` until it completes, spinning between polls.
pub fn block_on<F: Future>(future: F) -> F::Output {
    block_on_idle(future, core::hint::spin_loop)
}

/// Polls `future` until it completes, calling `idle` each time it is pending: what a device's
/// executor would do while it waits (here, the other end of an in-memory socket takes its
/// turn).
pub fn block_on_idle<F: Future>(future: F, mut idle: impl FnMut()) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = poll(future.as_mut(), &mut cx) {
            return output;
        }
        idle();
    }
}

/// One poll, kept out of line as a task's poll is in a device's executor: inlined into the
/// program's entry, the future's state would sit behind the entry's stack buffers, where each
/// access takes a longer instruction (Thumb's 12-bit offsets), and the program's flash would
/// grow or shrink with the compiler's choice.
#[inline(never)]
fn poll<F: Future>(future: core::pin::Pin<&mut F>, cx: &mut Context<'_>) -> Poll<F::Output> {
    future.poll(cx)
}
