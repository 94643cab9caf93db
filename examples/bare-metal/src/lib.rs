//! What the bare-metal programs share: the smallest executor ([`executor`]), and for the runs on
//! an emulated Cortex-M4 (QEMU's `mps2-an386`), the host's console and exit status through
//! semihosting ([`semihosting`]), checks that report each result ([`checks`]), and the stack's
//! high-water mark ([`stack`]); for the programs measured but not run, stand-ins for a socket
//! and a random number generator ([`stub`]); with the `device` feature, the device program the
//! embedded client's docs show ([`device`]: embassy-net, embedded-tls, SCRAM, LZ4).
//!
//! Two things are linked into every program: the interrupt vector table of the board
//! ([`vectors`], in place of cortex-m-rt's generic one) and small memory copies ([`mem`], in
//! place of the compiler's unrolled ones), both program choices that a device program makes for
//! itself. The rest is linked only when a program uses it, and the library defines no panic
//! handler, so the size of the embedded client's example is its own and these two.
#![no_std]

pub mod checks;
#[cfg(feature = "device")]
pub mod device;
pub mod executor;
pub mod mem;
pub mod semihosting;
pub mod stack;
pub mod stub;
mod vectors;
