//! What the bare-metal programs share: the smallest executor ([`executor`]), and for the runs on
//! an emulated Cortex-M4 (QEMU's `mps2-an386`), the host's console and exit status through
//! semihosting ([`semihosting`]), checks that report each result ([`checks`]), and the stack's
//! high-water mark ([`stack`]); for the programs measured but not run, stand-ins for a socket
//! and a random number generator ([`stub`]); with the `device` feature, the device program the
//! embedded client's docs show ([`device`]: embassy-net, embedded-tls, SCRAM, LZ4).
//!
//! Nothing here is linked unless a program uses it: the library defines no panic handler and
//! no symbol of its own, so the size of the embedded client's example is its own.
#![no_std]

pub mod checks;
#[cfg(feature = "device")]
pub mod device;
pub mod executor;
pub mod semihosting;
pub mod stack;
pub mod stub;
