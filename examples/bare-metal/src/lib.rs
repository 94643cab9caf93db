//! What the bare-metal programs share: the smallest executor ([`executor`]), and for the runs on
//! an emulated Cortex-M4 (QEMU's `mps2-an386`), the host's console and exit status through
//! semihosting ([`semihosting`]), checks that report each result ([`checks`]), and the stack's
//! high-water mark ([`stack`]).
//!
//! Nothing here is linked unless a program uses it: the library defines no panic handler, and
//! its one symbol is the interrupt vector table of the board ([`vectors`], in place of
//! cortex-m-rt's generic one), so the size of the embedded client's example is its own.
#![no_std]

pub mod checks;
pub mod executor;
pub mod semihosting;
pub mod stack;
mod vectors;
