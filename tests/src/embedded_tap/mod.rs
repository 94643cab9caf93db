//! franzl-core's embedded client over a real embedded TCP/IP stack: embassy-net (smoltcp) on a
//! Linux TAP device, with embassy-time's std driver as the clock and timer. The program
//! `src/bin/embedded_tap.rs` runs [`run`] inside the network namespace of the test
//! `tests/embedded_tap.rs` (see [`crate::netns`]), whose broker listens on the kernel's side of
//! the TAP link: every byte the client sends and receives goes through smoltcp's TCP.
//!
//! What [`run`] does is in [`scenario`]. It talks to the test in lines: it prints
//! [`PAUSE_BROKER`] and waits for [`PAUSED`] on stdin once the broker is stopped (SIGSTOP);
//! it prints [`RESTART_BROKER`] when its request has timed out, and the test then kills the
//! broker and starts it again while the client reconnects; last it prints [`SUMMARY`] and
//! its figures.
//!
//! The TCP sockets come from embassy-net's `TcpClient`, a pool of two sockets with their
//! buffers, as a device would have them: a new connection is opened while the old one is
//! still the client's, then [`franzl_core::embedded::Client::reset`] hands the old one back.

pub mod records;
pub mod scenario;

use std::net::SocketAddr;

use embassy_net::tcp::client::{TcpClient, TcpClientState};
use embassy_net::{Config, Ipv4Cidr, Runner, StackResources, StaticConfigV4};
use embassy_net_tuntap::TunTapDevice;

use crate::netns::{PREFIX_LEN, STACK_ADDRESS};

/// Printed when the client wants the broker stopped (SIGSTOP) before its next request.
pub const PAUSE_BROKER: &str = "tap: pause the broker";

/// The line the test writes to the client's stdin once the broker is stopped.
pub const PAUSED: &str = "paused";

/// Printed (with the error) when the request to the stopped broker has timed out: the test
/// kills the broker and starts it again.
pub const RESTART_BROKER: &str = "tap: restart the broker";

/// Printed before the figures of a finished run ([`scenario::Summary`]).
pub const SUMMARY: &str = "tap: summary";

/// Each socket's receive and send buffer (smoltcp's window).
pub const SOCKET_BUFFER: usize = 16 << 10;

/// The socket pool: two sockets, the current connection and the next one.
pub type Sockets = TcpClientState<2, SOCKET_BUFFER, SOCKET_BUFFER>;

/// The client's side of the TCP connections: a socket from the pool.
pub type Tcp<'d> = TcpClient<'d, 2, SOCKET_BUFFER, SOCKET_BUFFER>;

/// Opens TAP device `tap` (it must exist in this process's namespace), puts an embassy-net
/// stack on it at [`STACK_ADDRESS`], and runs [`scenario::run`] against the broker at
/// `broker` while the stack runs.
///
/// # Errors
/// The TAP device cannot be opened. Failed checks of the scenario panic.
pub fn run(tap: &str, broker: SocketAddr) -> Result<scenario::Summary, String> {
    let device =
        TunTapDevice::new(tap).map_err(|error| format!("cannot open TAP device {tap}: {error}"))?;
    let config = Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(STACK_ADDRESS, PREFIX_LEN),
        gateway: None,
        dns_servers: Default::default(),
    });
    let mut resources = StackResources::<4>::new();
    let seed = u64::from(std::process::id());
    let (stack, mut runner) = embassy_net::new(device, config, &mut resources, seed);
    let sockets = Box::new(Sockets::new());
    let tcp = Tcp::new(stack, &sockets);
    let scenario = async {
        stack.wait_config_up().await;
        scenario::run(&tcp, broker).await
    };
    Ok(futures_lite::future::block_on(futures_lite::future::or(
        drive(&mut runner),
        scenario,
    )))
}

/// Runs the stack (its receive and send loop and smoltcp's timers); never returns.
async fn drive<T>(runner: &mut Runner<'_, TunTapDevice>) -> T {
    runner.run().await
}
