//! The soak: franzl's producers and consumer on `cluster3` under a schedule of faults, every
//! send, acknowledgement and read logged, and a checker that reads the whole history for lost
//! writes, duplicates, reordering and reads of values never written. `cargo xtask soak` runs it
//! (the `soak` program of this crate) and writes `target/soak/report.{json,md}`.
//!
//! - [`history`]: the events and the checker (pure, unit-tested on hand-made histories);
//! - [`faults`]: the faults and their schedule;
//! - [`run`]: producers, consumers and the final read;
//! - [`group`]: the consumer groups (classic and KIP-848) of `group-consume` processes, killed
//!   and replaced;
//! - [`copy`]: the exactly-once stage, `transactional-copy` processes killed and replaced;
//! - [`report`]: the report files;
//! - [`client_log`]: franzl's log lines in `client.log`.

pub mod client_log;
pub mod copy;
pub mod faults;
pub mod group;
pub mod history;
pub mod report;
pub mod run;
