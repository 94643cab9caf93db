//! What every client program of the benchmark shares: the command line contract, the value they
//! send, the latency list, the one JSON line of results each run prints, and the wake-up count of
//! the idle modes.
//!
//! The contract is documented in `bench/clients/README.md`; `cargo xtask bench` relies on it. Every
//! binary here counts its heap allocations with a counting global allocator, so its result line can
//! say how many allocations a record cost.

pub mod cli;
pub mod latency;
pub mod outcome;
pub mod payload;
pub mod wakeups;
