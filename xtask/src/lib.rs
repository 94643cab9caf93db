//! franzl's project tasks as a library, so the test harness drives the same broker launcher that
//! `cargo xtask broker` does.

pub mod bench;
pub mod broker;
pub mod ci;
pub mod demo;
pub mod process;
pub mod qemu;
pub mod setup;
pub mod size;
pub mod soak;
pub mod workspace;
