//! A client pointed where no broker listens gives up within the bound its handle's docs name:
//! `max.block.ms` for [`Client::connect`], `default.api.timeout.ms` for an admin client and a
//! consumer (it waited `max.block.ms`, 60 s, whatever they said).

use std::time::{Duration, Instant};

use crate::Client;
use crate::admin::Admin;
use crate::config::{AdminConfig, ClientConfig, ConsumerConfig};
use crate::consumer::Consumer;

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    drop(listener);
    address
}

fn client(address: &str, max_block: Duration) -> ClientConfig {
    ClientConfig::builder()
        .bootstrap_servers([address])
        .timeouts(Duration::from_secs(1), Duration::from_secs(5), max_block)
        .build()
        .unwrap()
}

/// Runs `connect` and returns how long it took to fail.
fn time_to_fail<T>(connect: impl std::future::Future<Output = crate::Result<T>>) -> Duration {
    let started = Instant::now();
    assert!(smol::block_on(connect).is_err(), "connected to nothing");
    started.elapsed()
}

#[test]
fn connects_to_nothing_give_up_within_their_own_bounds() {
    let address = closed_port();
    let long = Duration::from_secs(60);
    // Each bound is 600 ms where max.block.ms is 60 s: a failure within 20 s shows which one
    // counted.
    let short = Duration::from_millis(600);
    let took = time_to_fail(Client::connect(client(&address, short)));
    assert!(took < Duration::from_secs(20), "client: {took:?}");

    let admin = AdminConfig::builder()
        .client(|c| {
            c.bootstrap_servers([address.as_str()]).timeouts(
                Duration::from_secs(1),
                Duration::from_secs(5),
                long,
            )
        })
        .default_api_timeout(short)
        .build()
        .unwrap();
    let took = time_to_fail(Admin::connect(admin));
    assert!(took < Duration::from_secs(20), "admin: {took:?}");

    let consumer = ConsumerConfig::builder()
        .client(|c| {
            c.bootstrap_servers([address.as_str()]).timeouts(
                Duration::from_secs(1),
                Duration::from_secs(5),
                long,
            )
        })
        .default_api_timeout(short)
        .build()
        .unwrap();
    let took = time_to_fail(Consumer::connect(consumer));
    assert!(took < Duration::from_secs(20), "consumer: {took:?}");
}
