//! The client's end of the in-memory connection to the scripted broker, an
//! `embedded-io-async` transport as a TCP socket is: a write waits while the broker's inbox is
//! full, a read waits until the broker's turn has put an answer there, and hands out at most
//! one TCP segment's worth at a time, so frames arrive in pieces as over a network.
//!
//! A wait registers no waker: the program's executor polls the client again after each of the
//! broker's turns, and fails the run when a turn finds nothing to answer.

use core::cell::RefCell;
use core::future::poll_fn;
use core::task::Poll;

use embedded_io_async::{ErrorKind, ErrorType, Read, Write};

use crate::scripted_broker::ScriptedBroker;

/// The most a read hands out: TCP's default maximum segment size.
const SEGMENT: usize = 536;

/// A connection to the broker (the broker is shared with the program, which gives it its
/// turns).
pub(crate) struct Socket<'a>(pub(crate) &'a RefCell<ScriptedBroker>);

impl ErrorType for Socket<'_> {
    type Error = ErrorKind;
}

impl Read for Socket<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        if buf.is_empty() {
            return Ok(0);
        }
        poll_fn(
            |_| match self.0.borrow_mut().give_response_bytes(buf, SEGMENT) {
                0 => Poll::Pending,
                n => Poll::Ready(Ok(n)),
            },
        )
        .await
    }
}

impl Write for Socket<'_> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        if buf.is_empty() {
            return Ok(0);
        }
        poll_fn(|_| match self.0.borrow_mut().take_request_bytes(buf) {
            0 => Poll::Pending,
            n => Poll::Ready(Ok(n)),
        })
        .await
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}
