//! Tests of the configuration as a whole: every property, the defaults, validation, and that
//! no secret reaches `Debug` output.

mod client;
mod consumer;
mod producer;
mod redaction;
mod reference;

/// `pairs` plus a bootstrap server, so the config can be built.
fn with_bootstrap<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![("bootstrap.servers", "localhost:9092")];
    all.extend_from_slice(pairs);
    all
}
