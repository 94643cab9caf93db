//! [`Deadline`]: the reusable wake-up of franzl's long-lived loops (the producer's sender and
//! links, the metadata refresher, the connection pools), kept out of async-io's timer map.
//!
//! async-io's reactor splits its timer map at every turn while any timer is registered, an
//! allocation per turn, and every timer made or moved interrupts the reactor once more. A
//! deadline that is a Linux `timerfd` registered as an I/O source costs neither: its expiry is a
//! readable event like a socket's. Where no timerfd can be had (another OS, or the call fails)
//! it is an async-io timer, which behaves the same, allocation aside.
//!
//! The timer is armed lazily, because the loops move their deadlines at every request (a
//! request timeout set when it is sent and cleared when it is answered): setting an instant is
//! only a store, and [`Deadline::wait`] arms the timerfd only when it is not already due to fire
//! at or before that instant. A deadline cleared or moved later therefore leaves the timer
//! armed for the earlier instant; when it fires, the waiting loop finds nothing due and arms it
//! for the instant now set, if any. In steady traffic that makes no `timerfd_settime` call per
//! request; the price is at most one early wake-up per clear or later move, at an instant the
//! deadline once had, never a periodic one. The wait keeps its interest in the timerfd
//! registered across polls (one waker slot, not a future per wait), so a loop that awaits the
//! deadline beside other events does not re-register it with the reactor on every turn.
//!
//! Contract: [`Deadline::wait`] returns once the instant last given to [`Deadline::set`] has
//! passed (and clears it); with none set it stays pending until one is set and passes. An
//! expiry is never lost and never early: the instant is checked against the clock, not only the
//! event.

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

    /// Sets the instant (`None`: no deadline). Only a store: the timer is armed by [`wait`].
    ///
    /// [`wait`]: Deadline::wait
    pub(crate) fn set(&mut self, at: Option<Instant>) {
        self.at = at;
    }

    /// Waits until the instant set has passed, then clears it; pending while none is set.
    pub(crate) async fn wait(&mut self) {
        loop {
            let Some(at) = self.at else {
                return pending().await;
            };
            let now = Instant::now();
            if now >= at {
                self.at = None;
                return;
            }
            self.timer.arm_by(at, now);
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

    /// A monotonic timerfd in async-io's reactor (with the instant it is armed for, if it has
    /// not fired yet), or an async-io timer if none could be made.
    pub(super) enum Timer {
        Fd {
            fd: Async<OwnedFd>,
            armed: Option<Instant>,
        },
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
                Ok(fd) => Self::Fd { fd, armed: None },
                Err(error) => {
                    log::debug!("no timerfd ({error}): deadlines use async-io timers");
                    Self::Portable(super::portable::Timer::new())
                }
            }
        }

        /// Makes sure the timer fires no later than `at` (`now` being the current instant): arms
        /// it for `at` unless it is already armed for an instant between `now` and `at`.
        pub(super) fn arm_by(&mut self, at: Instant, now: Instant) {
            let (fd, armed) = match self {
                Self::Fd { fd, armed } => (fd, armed),
                Self::Portable(timer) => return timer.arm_by(at, now),
            };
            if armed.is_some_and(|armed| armed > now && armed <= at) {
                return;
            }
            let spec = Itimerspec {
                it_interval: timespec(Duration::ZERO),
                // At least 1 ns: zero would disarm.
                it_value: timespec(at.duration_since(now).max(Duration::from_nanos(1))),
            };
            match timerfd_settime(fd.get_ref(), TimerfdTimerFlags::empty(), &spec) {
                Ok(_) => *armed = Some(at),
                Err(error) => {
                    // Not expected for a valid fd and value; the portable timer takes over.
                    log::debug!("timerfd_settime failed ({error}): deadlines use async-io timers");
                    let mut timer = super::portable::Timer::new();
                    timer.arm_by(at, now);
                    *self = Self::Portable(timer);
                }
            }
        }

        /// Waits for the armed expiry (or a spurious readiness: the caller checks the clock).
        pub(super) async fn expired(&mut self) {
            match self {
                Self::Fd { fd, armed } => {
                    // The source's single waker slot stays registered when this future is
                    // dropped, so the next wait by the same task costs no `epoll_ctl`.
                    let _ = futures_lite::future::poll_fn(|cx| fd.poll_readable(cx)).await;
                    let mut count = [0u8; 8];
                    // Consumes the expiry count so the fd is not readable again until the next
                    // expiry; `WouldBlock` (a spurious wake-up) leaves nothing to consume, and
                    // the timer still armed.
                    if rustix::io::read(fd.get_ref(), &mut count).is_ok() {
                        *armed = None;
                    }
                }
                Self::Portable(timer) => timer.expired().await,
            }
        }
    }
}

mod portable {
    use std::time::Instant;

    /// One async-io timer, moved rather than remade, and only when its instant changes.
    pub(super) struct Timer {
        timer: async_io::Timer,
        at: Option<Instant>,
    }

    impl Timer {
        pub(super) fn new() -> Self {
            Self {
                timer: async_io::Timer::never(),
                at: None,
            }
        }

        /// Arms the timer for `at` (an async-io timer fires at its instant, never early or
        /// late, so there is nothing to gain from leaving it armed for another).
        pub(super) fn arm_by(&mut self, at: Instant, _now: Instant) {
            if self.at != Some(at) {
                self.timer.set_at(at);
                self.at = Some(at);
            }
        }

        pub(super) async fn expired(&mut self) {
            let _ = (&mut self.timer).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Waits on `deadline` for at most `wait`: true when it had not fired by then (the wait
    /// dropped, its timer left armed).
    async fn still_pending_after(deadline: &mut Deadline, wait: Duration) -> bool {
        futures_lite::future::or(
            async {
                deadline.wait().await;
                false
            },
            async {
                async_io::Timer::after(wait).await;
                true
            },
        )
        .await
    }

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
            let quiet = still_pending_after(&mut deadline, Duration::from_millis(50)).await;
            assert!(quiet, "a deadline with no instant never fires");

            let start = Instant::now();
            deadline.set(Some(start + Duration::from_millis(10)));
            deadline.set(Some(start + Duration::from_millis(80)));
            deadline.wait().await;
            assert!(start.elapsed() >= Duration::from_millis(80));
        });
    }

    #[test]
    fn a_timer_left_armed_for_a_later_instant_is_brought_forward() {
        smol::block_on(async {
            let mut deadline = Deadline::new();
            let start = Instant::now();
            // Armed for a minute by a wait that loses its race, then cleared: the timer stays
            // armed for the minute.
            deadline.set(Some(start + Duration::from_secs(60)));
            let raced = still_pending_after(&mut deadline, Duration::from_millis(5)).await;
            assert!(raced);
            deadline.set(None);
            // A nearer instant re-arms it.
            deadline.set(Some(start + Duration::from_millis(40)));
            deadline.wait().await;
            let waited = start.elapsed();
            assert!(waited >= Duration::from_millis(40) && waited < Duration::from_secs(10));
        });
    }

    #[test]
    fn an_early_expiry_left_from_a_cleared_instant_waits_on_for_the_new_one() {
        smol::block_on(async {
            let mut deadline = Deadline::new();
            let start = Instant::now();
            deadline.set(Some(start + Duration::from_millis(20)));
            let raced = still_pending_after(&mut deadline, Duration::from_millis(1)).await;
            assert!(raced);
            // Moved later: the timer, still armed for 20 ms, fires early and is re-armed.
            deadline.set(Some(start + Duration::from_millis(70)));
            deadline.wait().await;
            assert!(start.elapsed() >= Duration::from_millis(70));
        });
    }
}
