//! The batch buffer pool and the `buffer.memory` bound.
//!
//! Every batch buffer comes from here and goes back here. A batch starts with a buffer of the
//! size its partition's last batch needed (16 KiB at first) and grows, through
//! [`BufferPool::try_grow`], up to `batch.size`. Returned buffers up to `batch.size` are kept on
//! a free list and reused for a batch of the same size, so steady-state producing allocates
//! nothing; a larger buffer (for a record bigger than `batch.size`) is freed on return. The bytes handed out never exceed
//! `buffer.memory`: when they would, [`BufferPool::allocate`] waits for a return, up to a
//! deadline (`max.block.ms`). The one exception is [`BufferPool::allocate_now`], for splitting
//! a batch the broker refused as too large, which cannot wait: what it takes past the bound is
//! a debt, repaid from the next buffers returned, so the bound is overrun by at most one
//! batch's size and only while a split is under way.

use std::sync::Mutex;
use std::time::Instant;

use event_listener::{Event, listener};

use crate::{Error, Result};

#[derive(Debug)]
struct State {
    free: Vec<Vec<u8>>,
    /// Bytes neither handed out nor on the free list.
    unallocated: usize,
    /// Bytes handed out past the bound by [`BufferPool::allocate_now`], not yet repaid.
    debt: usize,
    waiters: usize,
}

/// Batch buffers, bounded by `buffer.memory`.
#[derive(Debug)]
pub(crate) struct BufferPool {
    state: Mutex<State>,
    returned: Event,
    batch_size: usize,
    total: usize,
}

impl BufferPool {
    /// A pool of `total` bytes handing out buffers of `batch_size` bytes (or larger on demand).
    pub(crate) fn new(total: usize, batch_size: usize) -> Self {
        Self {
            state: Mutex::new(State {
                free: Vec::new(),
                unallocated: total,
                debt: 0,
                waiters: 0,
            }),
            returned: Event::new(),
            batch_size,
            total,
        }
    }

    /// The bound.
    pub(crate) fn total(&self) -> usize {
        self.total
    }

    /// Whether a `send` is waiting for memory (the sender then sends batches without lingering).
    pub(crate) fn is_exhausted(&self) -> bool {
        self.lock().waiters > 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A buffer of `size` bytes (length and capacity), if the bound allows now.
    pub(crate) fn try_allocate(&self, size: usize) -> Option<Vec<u8>> {
        let mut state = self.lock();
        if let Some(at) = state.free.iter().position(|buffer| buffer.len() == size) {
            return Some(state.free.swap_remove(at));
        }
        // Free pooled buffers until the request fits.
        while state.unallocated < size {
            let buffer = state.free.pop()?;
            state.unallocated += buffer.capacity();
        }
        state.unallocated -= size;
        drop(state);
        // Zeroed once; a reused buffer keeps its length and is overwritten by the builder.
        Some(vec![0; size])
    }

    /// Grows `buffer` (a batch's, from this pool) to `len` bytes if the bound allows now, freeing
    /// pooled buffers to make room; false (nothing changed) when it does not.
    pub(crate) fn try_grow(&self, buffer: &mut Vec<u8>, len: usize) -> bool {
        let extra = len.saturating_sub(buffer.len());
        if extra == 0 || buffer.len() != buffer.capacity() {
            return false;
        }
        let mut state = self.lock();
        if state.waiters > 0 {
            // A `send` waits for memory: what is free goes to it, not to a bigger batch.
            return false;
        }
        while state.unallocated < extra {
            let Some(freed) = state.free.pop() else {
                return false;
            };
            state.unallocated += freed.capacity();
        }
        state.unallocated -= extra;
        drop(state);
        buffer.reserve_exact(extra);
        buffer.resize(len, 0);
        if buffer.capacity() != len {
            // The allocator gave more: keep the accounting exact by giving the rest back.
            buffer.shrink_to(len);
        }
        true
    }

    /// As [`Self::try_allocate`], waiting until `deadline` for buffers to come back.
    ///
    /// # Errors
    /// [`Error::Timeout`] when the deadline passes first; [`Error::Producer`] when `size` is
    /// larger than the whole bound.
    pub(crate) async fn allocate(&self, size: usize, deadline: Instant) -> Result<Vec<u8>> {
        if size > self.total {
            return Err(Error::Producer {
                reason: format!(
                    "a batch of {size} bytes cannot fit in buffer.memory ({} bytes)",
                    self.total
                ),
                retriable: false,
            });
        }
        let started = Instant::now();
        loop {
            if let Some(buffer) = self.try_allocate(size) {
                return Ok(buffer);
            }
            listener!(self.returned => returned);
            // Check again: a buffer may have come back before the listener was registered.
            if let Some(buffer) = self.try_allocate(size) {
                return Ok(buffer);
            }
            self.lock().waiters += 1;
            let timer = async_io::Timer::at(deadline);
            let woken = futures_lite::future::or(
                async {
                    returned.await;
                    true
                },
                async {
                    timer.await;
                    false
                },
            )
            .await;
            self.lock().waiters -= 1;
            if !woken {
                return Err(Error::Timeout {
                    what: "buffer.memory to free up for a new batch (max.block.ms)".into(),
                    after: started.elapsed(),
                });
            }
        }
    }

    /// A buffer of `size` bytes now, past the bound if need be (see the module docs).
    pub(crate) fn allocate_now(&self, size: usize) -> Vec<u8> {
        if let Some(buffer) = self.try_allocate(size) {
            return buffer;
        }
        let mut state = self.lock();
        while let Some(buffer) = state.free.pop() {
            state.unallocated += buffer.capacity();
        }
        let covered = state.unallocated.min(size);
        state.unallocated -= covered;
        state.debt += size - covered;
        drop(state);
        vec![0; size]
    }

    /// Takes a buffer back: pooled when it has `batch.size` capacity (and no debt is owed),
    /// else freed.
    pub(crate) fn release(&self, buffer: Vec<u8>) {
        let mut state = self.lock();
        let bytes = buffer.capacity();
        if state.debt > 0 {
            let repaid = state.debt.min(bytes);
            state.debt -= repaid;
            state.unallocated += bytes - repaid;
        } else if bytes <= self.batch_size && buffer.len() == bytes {
            state.free.push(buffer);
        } else {
            state.unallocated += bytes;
        }
        drop(state);
        self.returned.notify(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn buffers_are_reused_and_bounded() {
        let pool = BufferPool::new(300, 100);
        let a = pool.try_allocate(100).unwrap();
        let b = pool.try_allocate(100).unwrap();
        let c = pool.try_allocate(100).unwrap();
        assert!(pool.try_allocate(100).is_none());
        let pointer = a.as_ptr();
        pool.release(a);
        let again = pool.try_allocate(100).unwrap();
        assert_eq!(again.as_ptr(), pointer, "the same buffer comes back");
        // A large buffer takes pooled ones apart to fit.
        pool.release(again);
        pool.release(b);
        let big = pool.try_allocate(200).unwrap();
        assert_eq!(big.capacity(), 200);
        assert!(pool.try_allocate(100).is_none());
        pool.release(big);
        pool.release(c);
        assert!(pool.try_allocate(300).is_some());
    }

    #[test]
    fn a_buffer_past_the_bound_is_repaid_by_the_next_returns() {
        let pool = BufferPool::new(200, 100);
        let a = pool.try_allocate(100).unwrap();
        let b = pool.try_allocate(100).unwrap();
        let over = pool.allocate_now(60);
        assert_eq!(over.len(), 60);
        assert!(pool.try_allocate(100).is_none());
        // The first return repays the 60 bytes owed; 40 of it are free again.
        pool.release(a);
        assert!(pool.try_allocate(100).is_none());
        assert!(pool.try_allocate(40).is_some());
        pool.release(b);
        pool.release(over);
        assert!(pool.try_allocate(100).is_some());
        assert!(pool.try_allocate(60).is_some());
        assert!(
            pool.try_allocate(1).is_none(),
            "never more than the bound in all"
        );
    }

    #[test]
    fn allocate_waits_for_a_release_then_times_out() {
        let pool = std::sync::Arc::new(BufferPool::new(100, 100));
        let held = pool.try_allocate(100).unwrap();
        let waiter = {
            let pool = pool.clone();
            std::thread::spawn(move || {
                smol::block_on(pool.allocate(100, Instant::now() + Duration::from_secs(5)))
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(pool.is_exhausted());
        pool.release(held);
        let buffer = waiter.join().unwrap().unwrap();
        let deadline = Instant::now() + Duration::from_millis(30);
        let error = smol::block_on(pool.allocate(100, deadline)).unwrap_err();
        assert!(matches!(error, Error::Timeout { .. }), "{error}");
        assert!(smol::block_on(pool.allocate(101, deadline)).is_err());
        drop(buffer);
    }
}
