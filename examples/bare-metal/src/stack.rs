//! The stack's high-water mark on the target.
//!
//! With this package's `qemu` feature (cortex-m-rt's `paint-stack`), the stack region, from
//! `_stack_end` (the end of the statics) up to `_stack_start` (the top of RAM), is painted with
//! `cortex_m_rt::STACK_PAINT_VALUE` at reset, before `main` runs. Whatever the program has pushed
//! since has scrubbed the paint off, so the lowest word no longer painted marks how deep the
//! stack went: [`high_water_mark`]. [`repaint_unused`] paints the region below the stack
//! pointer again, so that a later mark counts only what ran since.
//!
//! Without the feature nothing is painted: [`high_water_mark`] returns `None` and
//! [`repaint_unused`] does nothing. The programs only read the region through raw pointers,
//! which is why this module has `unsafe` blocks.

/// How much of the stack region has been used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackUse {
    /// The deepest the stack went, in bytes from its top.
    pub peak: usize,
    /// The size of the stack region: the RAM above the statics.
    pub region: usize,
}

impl StackUse {
    /// Whether the paint is gone down to the region's bottom: the stack may have grown into the
    /// statics below it.
    pub fn overflowed(&self) -> bool {
        self.peak >= self.region
    }
}

#[cfg(feature = "qemu")]
mod painted {
    use super::StackUse;
    use cortex_m_rt::STACK_PAINT_VALUE;

    unsafe extern "C" {
        /// The lowest address of the stack region (cortex-m-rt's `link.x`).
        static _stack_end: u32;
        /// The address above the stack region's highest word: the initial stack pointer.
        static _stack_start: u32;
    }

    /// The stack region's bounds: its lowest address and the address above it.
    fn region() -> (usize, usize) {
        (
            (&raw const _stack_end) as usize,
            (&raw const _stack_start) as usize,
        )
    }

    /// The stack's high-water mark since reset, or since the last [`repaint_unused`].
    pub fn high_water_mark() -> Option<StackUse> {
        let (bottom, top) = region();
        let mut at = bottom;
        // SAFETY: every word from `bottom` to `top` is RAM of the stack region; those below the
        // stack pointer belong to no frame, and the loop stops at the first word not painted,
        // at or below the deepest frame ever pushed, so it reads no live frame.
        while at < top && unsafe { core::ptr::read_volatile(at as *const u32) } == STACK_PAINT_VALUE
        {
            at += 4;
        }
        Some(StackUse {
            peak: top - at,
            region: top - bottom,
        })
    }

    /// Paints the stack region again from its bottom up to the stack pointer.
    #[inline(never)]
    pub fn repaint_unused() {
        let (bottom, _) = region();
        let sp: usize;
        // SAFETY: reads the stack pointer into a register, touching no memory.
        unsafe {
            core::arch::asm!("mov {}, sp", out(reg) sp, options(nomem, nostack, preserves_flags));
        }
        let mut at = bottom;
        while at + 4 <= sp {
            // SAFETY: the words below the stack pointer belong to no frame (these programs
            // enable no interrupt that could be using them), and this loop pushes nothing.
            unsafe { core::ptr::write_volatile(at as *mut u32, STACK_PAINT_VALUE) };
            at += 4;
        }
    }
}

#[cfg(feature = "qemu")]
pub use painted::{high_water_mark, repaint_unused};

/// Without the `qemu` feature the stack is not painted, so there is no mark to read.
#[cfg(not(feature = "qemu"))]
pub fn high_water_mark() -> Option<StackUse> {
    None
}

/// Without the `qemu` feature there is no paint to renew.
#[cfg(not(feature = "qemu"))]
pub fn repaint_unused() {}
