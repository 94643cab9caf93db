//! franzl-core's embedded client over a real embedded TCP/IP stack, against the real broker:
//! embassy-net (smoltcp) on a TAP device in a network namespace of the test's own, where one
//! Kafka node (the sasl profile's settings, [`StandaloneNode`]) listens on the kernel's side of
//! the TAP link. The client program (`src/bin/embedded_tap.rs`, run in the namespace) produces
//! 1,000 records with acks 0, 1 and all, with and without LZ4, over SASL PLAIN, SCRAM-SHA-256
//! and SCRAM-SHA-512, survives a broker stopped and then restarted through `handle_timeout` and
//! `reset`, and fetches every record back to check it (see `franzl_tests::embedded_tap`).
//!
//! It needs root (a network namespace, a TAP device). Where one cannot be made, the test fails
//! under `CI=true` and is skipped with the reason otherwise.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use franzl_tests::embedded_tap::records::Expected;
use franzl_tests::embedded_tap::scenario::uncompressed_bytes;
use franzl_tests::embedded_tap::{PAUSE_BROKER, PAUSED, RESTART_BROKER, SUMMARY};
use franzl_tests::netns::{KERNEL_ADDRESS, Namespace, TAP};
use franzl_tests::processes::Process;
use xtask::broker::StandaloneNode;

/// What the node prints once it serves clients.
const STARTED: &str = "Kafka Server started";

/// How long the node may take to start.
const BROKER_START: Duration = Duration::from_secs(60);

/// How long the client program may run.
const CLIENT_RUN: Duration = Duration::from_secs(100);

/// The node's folder, removed when dropped.
struct NodeDir(PathBuf);

impl Drop for NodeDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts the node in `namespace` and waits until it serves clients.
fn start_broker(node: &StandaloneNode, namespace: &Namespace) -> Process {
    let mut broker = Process::start(
        "kafka (in the namespace)",
        &mut node.command(&namespace.exec_prefix()),
    );
    broker.wait_for("start", BROKER_START, |stdout, _| {
        stdout.iter().any(|line| line.contains(STARTED))
    });
    broker
}

#[test]
fn embedded_client_over_smoltcp_on_a_tap_device_survives_a_broker_restart() {
    let started = Instant::now();
    let namespace = match Namespace::create() {
        Ok(namespace) => namespace,
        Err(reason) if std::env::var("CI").is_ok_and(|ci| ci == "true") => {
            panic!("CI=true and no network namespace can be made: {reason}")
        }
        Err(reason) => {
            eprintln!("skipped: no network namespace can be made here: {reason}");
            return;
        }
    };
    // Nothing can leave: routes through lo and the TAP device only, no gateway, no default.
    let routes = namespace.routes().expect("the namespace's routes");
    for route in &routes {
        let local = route.contains(" dev lo ") || route.contains(&format!(" dev {TAP} "));
        assert!(
            local && !route.contains(" via ") && !route.starts_with("default"),
            "a route out of the namespace: {route}"
        );
    }
    let dir = NodeDir(
        xtask::workspace::target_dir()
            .join("tap")
            .join(namespace.name()),
    );
    let node = StandaloneNode::prepare(&dir.0, KERNEL_ADDRESS).expect("the node's storage");
    let mut broker = start_broker(&node, &namespace);
    let broker_up = started.elapsed();

    let address = node.client_address().to_string();
    let mut client = Process::start_with_stdin(
        "embedded_tap",
        namespace
            .command(env!("CARGO_BIN_EXE_embedded_tap"))
            .args([TAP, address.as_str()]),
    );
    client.wait_for("the request to stop the broker", CLIENT_RUN, |stdout, _| {
        stdout.iter().any(|line| line == PAUSE_BROKER)
    });
    broker.pause();
    client.send_line(PAUSED);
    client.wait_for("the client's timeout", CLIENT_RUN, |stdout, _| {
        stdout.iter().any(|line| line.starts_with(RESTART_BROKER))
    });
    broker.kill();
    let restarted = Instant::now();
    let mut broker = start_broker(&node, &namespace);
    let restart = restarted.elapsed();
    let status = client.wait(CLIENT_RUN);
    let stdout = client.stdout();
    println!("{}", stdout.join("\n"));
    assert!(
        status.success(),
        "embedded_tap: {status}\n{}",
        client.stderr().join("\n")
    );
    let summary = stdout
        .iter()
        .find_map(|line| line.strip_prefix(SUMMARY))
        .expect("a summary");
    assert!(
        summary.contains(" fetched=1000 matching=1000 wrong=[] "),
        "{summary}"
    );
    broker.kill();
    // The records went through the TAP device both ways: at least the bytes of those produced
    // uncompressed, to the broker and back.
    let counters = namespace.tap_counters().expect("the TAP device's counters");
    let least = uncompressed_bytes(&Expected::new());
    println!("{TAP}: {counters:?}; records produced uncompressed: {least} bytes");
    assert!(
        counters.received_bytes > least && counters.sent_bytes > least,
        "{counters:?}"
    );
    println!(
        "broker up in {broker_up:?}, restarted in {restart:?}, whole test {:?}",
        started.elapsed()
    );
}
