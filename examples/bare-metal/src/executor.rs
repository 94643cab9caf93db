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
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        idle();
    }
}
