//! [`Deadline`]: the reusable wake-up of franzl's long-lived loops (the producer's sender and
//! links, the metadata refresher, the connection pools), kept out of async-io's timer map.
//!
//! async-io's reactor splits its timer map at every turn while any timer is registered, an
//! allocation per turn, and every timer made or moved interrupts the reactor once more. A
//! deadline that is a Linux `timerfd` registered as an I/O source costs neither: moving it is
//! one `timerfd_settime` call, and its expiry is a readable event like a socket's. Where no
//! timerfd can be had (another OS, or the call fails) it is an async-io timer, which behaves
//! the same, allocation aside.
//!
//! Contract: [`Deadline::wait`] returns once the instant last given to [`Deadline::set`] has
//! passed (and clears it); with none set it stays pending until one is set and passes. An
//! expiry is never lost: the instant is checked against the clock, not only the event.

use std::future::pending;
use std::time::Instant;

/// A deadline one task sets, moves and awaits again and again.
pub(crate) struct Deadline {
    at: Option<Instant>,
    timer: Timer,
}

impl std::fmt::Debug for Deadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deadline").field("at", &self.at).finish()
    }
}

impl Default for Deadline {
    fn default() -> Self {
        Self::new()
    }
}

impl Deadline {
    /// A deadline with no instant set.
    pub(crate) fn new() -> Self {
        Self {
            at: None,
            timer: Timer::new(),
        }
    }

    /// The instant set, if any.
    #[cfg(test)]
    pub(crate) fn at(&self) -> Option<Instant> {
        self.at
    }

    /// Sets the instant (`None`: no deadline); an unchanged instant costs nothing.
    pub(crate) fn set(&mut self, at: Option<Instant>) {
        if self.at != at {
            self.at = at;
            self.timer.arm(at);
        }
    }

    /// Waits until the instant set has passed, then clears it; pending while none is set.
    pub(crate) async fn wait(&mut self) {
        loop {
            let Some(at) = self.at else {
                return pending().await;
            };
            if Instant::now() >= at {
                self.set(None);
                return;
            }
            self.timer.expired().await;
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
use timerfd::Timer;

#[cfg(not(any(target_os = "linux", target_os = "android")))]
use portable::Timer;

#[cfg(any(target_os = "linux", target_os = "android"))]
mod timerfd {
    use async_io::Async;
    use rustix::fd::OwnedFd;
    use rustix::time::{
        Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec, timerfd_create,
        timerfd_settime,
    };
    use std::time::{Duration, Instant};

    /// A monotonic timerfd in async-io's reactor, or an async-io timer if none could be made.
    pub(super) enum Timer {
        Fd(Async<OwnedFd>),
        Portable(super::portable::Timer),
    }

    fn timespec(duration: Duration) -> Timespec {
        Timespec {
            tv_sec: i64::try_from(duration.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: duration.subsec_nanos().into(),
        }
    }

    impl Timer {
        pub(super) fn new() -> Self {
            let made = timerfd_create(
                TimerfdClockId::Monotonic,
                TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
            )
            .map_err(std::io::Error::from)
            .and_then(Async::new);
            match made {
                Ok(fd) => Self::Fd(fd),
                Err(error) => {
                    log::debug!("no timerfd ({error}): deadlines use async-io timers");
                    Self::Portable(super::portable::Timer::new())
                }
            }
        }

        /// Arms the timer for `at` (relative to now; at least 1 ns, since zero disarms), or
        /// disarms it.
        pub(super) fn arm(&mut self, at: Option<Instant>) {
            let fd = match self {
                Self::Fd(fd) => fd,
                Self::Portable(timer) => return timer.arm(at),
            };
            let value = at.map_or(Duration::ZERO, |at| {
                at.saturating_duration_since(Instant::now())
                    .max(Duration::from_nanos(1))
            });
            let spec = Itimerspec {
                it_interval: timespec(Duration::ZERO),
                it_value: timespec(value),
            };
            if let Err(error) = timerfd_settime(fd.get_ref(), TimerfdTimerFlags::empty(), &spec) {
                // Not expected for a valid fd and value; the portable timer takes over.
                log::debug!("timerfd_settime failed ({error}): deadlines use async-io timers");
                let mut timer = super::portable::Timer::new();
                timer.arm(at);
                *self = Self::Portable(timer);
            }
        }

        /// Waits for the armed expiry (or a spurious readiness: the caller checks the clock).
        pub(super) async fn expired(&mut self) {
            match self {
                Self::Fd(fd) => {
                    let _ = fd.readable().await;
                    let mut count = [0u8; 8];
                    // Consumes the expiry count so the fd is not readable again until the next
                    // expiry; `WouldBlock` (a spurious wake-up) leaves nothing to consume.
                    let _ = rustix::io::read(fd.get_ref(), &mut count);
                }
                Self::Portable(timer) => timer.expired().await,
            }
        }
    }
}

mod portable {
    use std::time::Instant;

    /// One async-io timer, moved rather than remade.
    pub(super) struct Timer(async_io::Timer);

    impl Timer {
        pub(super) fn new() -> Self {
            Self(async_io::Timer::never())
        }

        pub(super) fn arm(&mut self, at: Option<Instant>) {
            match at {
                Some(at) => self.0.set_at(at),
                None => self.0 = async_io::Timer::never(),
            }
        }

        pub(super) async fn expired(&mut self) {
            let _ = (&mut self.0).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_deadline_waits_until_its_instant_and_can_be_moved_and_set_again() {
        smol::block_on(async {
            let mut deadline = Deadline::new();
            let start = Instant::now();
            deadline.set(Some(start + Duration::from_millis(30)));
            deadline.wait().await;
            assert!(start.elapsed() >= Duration::from_millis(30));
            assert_eq!(deadline.at(), None, "an expired deadline clears itself");

            // Moved earlier before it expires: the earlier instant counts.
            let start = Instant::now();
            deadline.set(Some(start + Duration::from_secs(60)));
            deadline.set(Some(start + Duration::from_millis(20)));
            deadline.wait().await;
            let waited = start.elapsed();
            assert!(waited >= Duration::from_millis(20) && waited < Duration::from_secs(10));

            // An instant already past returns at once.
            deadline.set(Some(Instant::now()));
            deadline.wait().await;
        });
    }

    #[test]
    fn a_deadline_without_an_instant_or_moved_later_does_not_fire_early() {
        smol::block_on(async {
            let mut deadline = Deadline::new();
            let quiet = futures_lite::future::or(
                async {
                    deadline.wait().await;
                    false
                },
                async {
                    async_io::Timer::after(Duration::from_millis(50)).await;
                    true
                },
            )
            .await;
            assert!(quiet, "a deadline with no instant never fires");

            let start = Instant::now();
            deadline.set(Some(start + Duration::from_millis(10)));
            deadline.set(Some(start + Duration::from_millis(80)));
            deadline.wait().await;
            assert!(start.elapsed() >= Duration::from_millis(80));
        });
    }
}
