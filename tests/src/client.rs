//! Helpers for the client's tests: configurations per profile, a TCP proxy that can cut the
//! broker's side of a connection after a given number of bytes, and fake brokers that answer
//! garbage or nothing. Every listener binds 127.0.0.1 and stops when its handle is dropped.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use franzl::config::{ClientConfig, ClientConfigBuilder};
use xtask::broker::{Broker, SaslMechanism};

/// A builder for `bootstrap` (a comma-separated list) with short timeouts, so failing tests fail quickly.
pub fn builder(bootstrap: &str) -> ClientConfigBuilder {
    ClientConfig::builder()
        .bootstrap_servers(bootstrap.split(',').map(str::to_owned))
        .client_id("franzl-client-tests")
        .timeouts(
            Duration::from_secs(5),
            Duration::from_secs(10),
            Duration::from_secs(20),
        )
}

/// The configuration for the plain or cluster3 profile.
pub fn plain_config(broker: &Broker) -> ClientConfig {
    builder(&broker.bootstrap()).build().expect("plain config")
}

/// The sasl profile's configuration for `mechanism`, read from the Java client's properties
/// file, with `password` replacing the test user's when given.
pub fn sasl_config(
    broker: &Broker,
    mechanism: SaslMechanism,
    password: Option<&str>,
) -> ClientConfig {
    let path = broker
        .sasl_client_properties(mechanism)
        .expect("sasl profile");
    let mut text = std::fs::read_to_string(path).expect("sasl client properties");
    if let Some(password) = password {
        let user = mechanism.user();
        text = text.replace(
            &format!("password=\"{}\"", user.password),
            &format!("password=\"{password}\""),
        );
    }
    text.push_str(&format!(
        "bootstrap.servers={}\nsocket.connection.setup.timeout.ms=5000\nmax.block.ms=20000\n",
        broker.bootstrap()
    ));
    ClientConfig::from_properties_text(&text).expect("sasl config")
}

/// The sasl profile's configuration for `mechanism`, bootstrapped from its `REAUTH` listener,
/// whose sessions last `xtask::broker::REAUTH_SESSION_MS` (metadata then names that listener's
/// addresses, so every connection of the client is to it).
///
/// # Panics
/// The running sasl broker has no such listener: it was started before the listener existed
/// (`cargo xtask broker down --profile sasl` and run again).
pub fn reauth_config(broker: &Broker, mechanism: SaslMechanism) -> ClientConfig {
    let mut config = sasl_config(broker, mechanism, None);
    let bootstrap = broker.reauth_bootstrap().expect(
        "the sasl broker has no REAUTH listener: it predates it (cargo xtask broker down --profile sasl)",
    );
    config.bootstrap_servers = bootstrap.split(',').map(str::to_owned).collect();
    config
}

/// A TCP proxy to `upstream` that forwards everything until [`CuttingProxy::cut_after`] is
/// called; from then on it forwards that many more bytes from the broker and closes both sides.
#[derive(Debug)]
pub struct CuttingProxy {
    address: SocketAddr,
    budget: Arc<AtomicUsize>,
    stalled: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl CuttingProxy {
    /// A proxy on 127.0.0.1 to `upstream`.
    pub fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let address = listener.local_addr().expect("proxy address");
        let budget = Arc::new(AtomicUsize::new(usize::MAX));
        let stalled = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (budget_, stalled_, stop_) =
            (Arc::clone(&budget), Arc::clone(&stalled), Arc::clone(&stop));
        thread::spawn(move || {
            for client in listener.incoming() {
                if stop_.load(Ordering::Acquire) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                thread::spawn(move || forward(c2, s2, None, None));
                let budget = Arc::clone(&budget_);
                let stalled = Arc::clone(&stalled_);
                thread::spawn(move || forward(server, client, Some(budget), Some(stalled)));
            }
        });
        Self {
            address,
            budget,
            stalled,
            stop,
        }
    }

    /// From now on, hold back everything the broker sends (the connections stay open).
    pub fn stall(&self) {
        self.stalled.store(true, Ordering::Release);
    }

    /// The proxy's `host:port`.
    pub fn bootstrap(&self) -> String {
        self.address.to_string()
    }

    /// From now on, forward `bytes` more bytes from the broker, then cut every connection.
    pub fn cut_after(&self, bytes: usize) {
        self.budget.store(bytes, Ordering::Release);
    }
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.budget.store(0, Ordering::Release);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.address);
    }
}

fn forward(
    mut from: TcpStream,
    mut to: TcpStream,
    budget: Option<Arc<AtomicUsize>>,
    stalled: Option<Arc<AtomicBool>>,
) {
    let mut buf = [0u8; 4096];
    let _ = from.set_read_timeout(Some(Duration::from_millis(50)));
    loop {
        if stalled.as_ref().is_some_and(|s| s.load(Ordering::Acquire)) {
            if budget
                .as_ref()
                .is_some_and(|b| b.load(Ordering::Acquire) == 0)
            {
                break;
            }
            thread::sleep(Duration::from_millis(50));
            continue;
        }
        if let Some(budget) = &budget
            && budget.load(Ordering::Acquire) == 0
        {
            break;
        }
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(_) => break,
        };
        if stalled.as_ref().is_some_and(|s| s.load(Ordering::Acquire)) {
            // Stalled while this read was under way: hold these bytes back too.
            continue;
        }
        let allowed = match &budget {
            None => n,
            Some(budget) => {
                let left = budget.load(Ordering::Acquire);
                let allowed = n.min(left);
                if left != usize::MAX {
                    budget.store(left - allowed, Ordering::Release);
                }
                allowed
            }
        };
        if to.write_all(&buf[..allowed]).is_err() || allowed < n {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}

/// A fake broker on 127.0.0.1 that answers every connection's first bytes with `reply`, then
/// keeps the connection open without a word (an empty `reply` never answers at all).
#[derive(Debug)]
pub struct FakeBroker {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl FakeBroker {
    /// Starts the fake broker.
    pub fn start(reply: Vec<u8>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind fake broker");
        let address = listener.local_addr().expect("fake broker address");
        let stop = Arc::new(AtomicBool::new(false));
        let stop_ = Arc::clone(&stop);
        thread::spawn(move || {
            for client in listener.incoming() {
                if stop_.load(Ordering::Acquire) {
                    break;
                }
                let Ok(mut client) = client else { continue };
                let reply = reply.clone();
                let stop = Arc::clone(&stop_);
                thread::spawn(move || {
                    let mut buf = [0u8; 1024];
                    let _ = client.set_read_timeout(Some(Duration::from_millis(100)));
                    let mut replied = false;
                    while !stop.load(Ordering::Acquire) {
                        match client.read(&mut buf) {
                            Ok(0) => break,
                            Ok(_) if !replied && !reply.is_empty() => {
                                replied = true;
                                if client.write_all(&reply).is_err() {
                                    break;
                                }
                            }
                            Ok(_) => {}
                            Err(error)
                                if matches!(
                                    error.kind(),
                                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                                ) => {}
                            Err(_) => break,
                        }
                    }
                });
            }
        });
        Self { address, stop }
    }

    /// The fake broker's `host:port`.
    pub fn bootstrap(&self) -> String {
        self.address.to_string()
    }
}

impl Drop for FakeBroker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        let _ = TcpStream::connect(self.address);
    }
}

/// Bytes that look random (a fixed xorshift sequence, so failures reproduce).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}
