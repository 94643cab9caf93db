//! The assignors against their invariants on random groups (a small deterministic generator),
//! against the Java client's assignors on the groups of `testdata/java_assignments.txt`, and
//! on conflicting ownership claims.

mod api;
mod claims;
mod java;
mod properties;
mod random_group;
mod rounds;
