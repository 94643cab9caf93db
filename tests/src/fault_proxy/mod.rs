//! A TCP fault proxy between a client and one broker, controlled by the test while it runs:
//! cut connections (both directions or one), drop one direction's bytes, delay, stall, black-hole,
//! refuse, truncate a frame, corrupt a byte.
//!
//! Contract:
//! - [`FaultProxy::start`] listens on the given 127.0.0.1 address (port 0: any) and, for each
//!   connection it accepts, connects to the upstream broker and forwards both directions with
//!   plain threads and blocking sockets (two threads per connection). A failed upstream connect
//!   (a killed broker) closes the client's connection at once.
//! - Faults take effect on every open connection and on those accepted later, within about
//!   [`POLL`], and last until [`FaultProxy::heal`], except [`FaultProxy::cut`] and
//!   [`FaultProxy::cut_one_way`] (done once, to the connections open at the call) and the frame
//!   damages (each damages the next frame that starts, on whichever connection it starts first).
//! - [`FaultProxy::stats`] counts what the proxy did, so a test can show the fault happened.
//! - Dropping the proxy closes every connection and the listener.
//!
//! [`cluster`] runs one proxy per node of `cluster3`, on the ports its `PROXIED` listeners
//! advertise.

pub mod cluster;
mod frames;
mod pump;

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use frames::Damage;

/// How often a waiting pump looks at the fault settings again.
pub const POLL: Duration = Duration::from_millis(10);

/// How long the proxy waits for the upstream broker to accept a connection.
const UPSTREAM_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// One direction of a proxied connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Client to broker: requests.
    ToBroker,
    /// Broker to client: responses.
    ToClient,
}

impl Direction {
    /// Both directions.
    pub const BOTH: [Direction; 2] = [Direction::ToBroker, Direction::ToClient];

    fn index(self) -> usize {
        match self {
            Direction::ToBroker => 0,
            Direction::ToClient => 1,
        }
    }
}

/// What a proxy has done since it started, per direction `[to broker, to client]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Connections accepted (forwarded, black-holed or refused).
    pub accepted: u64,
    /// Connections closed at once because of [`FaultProxy::refuse`] or a failed upstream connect.
    pub refused: u64,
    /// Connections open now.
    pub open: u64,
    /// Connections closed by [`FaultProxy::cut`], [`FaultProxy::cut_one_way`] or a truncation.
    pub cut: u64,
    /// Bytes forwarded.
    pub forwarded: [u64; 2],
    /// Bytes read and thrown away (dropped direction, black hole).
    pub dropped: [u64; 2],
    /// Frames cut short.
    pub truncated: [u64; 2],
    /// Frames with an inverted byte.
    pub corrupted: [u64; 2],
}

/// The fault settings every pump reads.
#[derive(Clone, Copy, Debug, Default)]
struct Faults {
    delay: Duration,
    stalled: [bool; 2],
    dropping: [bool; 2],
    black_hole: bool,
    refuse: bool,
    damage: [Option<Damage>; 2],
}

/// One proxied (or black-holed) connection.
#[derive(Debug)]
struct Connection {
    client: TcpStream,
    broker: Option<TcpStream>,
    closed: AtomicBool,
}

impl Connection {
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let _ = self.client.shutdown(Shutdown::Both);
        if let Some(broker) = &self.broker {
            let _ = broker.shutdown(Shutdown::Both);
        }
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

/// State shared by the proxy handle, its accept loop and its pumps.
#[derive(Debug, Default)]
struct Shared {
    faults: Mutex<Faults>,
    connections: Mutex<Vec<Arc<Connection>>>,
    stopped: AtomicBool,
    accepted: AtomicU64,
    refused: AtomicU64,
    cut: AtomicU64,
    forwarded: [AtomicU64; 2],
    dropped: [AtomicU64; 2],
    truncated: [AtomicU64; 2],
    corrupted: [AtomicU64; 2],
}

impl Shared {
    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn connections(&self) -> MutexGuard<'_, Vec<Arc<Connection>>> {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn forget(&self, connection: &Arc<Connection>) {
        self.connections()
            .retain(|open| !Arc::ptr_eq(open, connection));
    }
}

/// A running fault proxy; see the module docs.
#[derive(Debug)]
pub struct FaultProxy {
    address: SocketAddr,
    upstream: SocketAddr,
    shared: Arc<Shared>,
}

impl FaultProxy {
    /// Listens on `listen` (127.0.0.1, port 0 for any) and forwards to `upstream`.
    ///
    /// # Errors
    ///
    /// The address cannot be bound (in use, or not local).
    pub fn start(listen: SocketAddr, upstream: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind(listen)?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let accepting = Arc::clone(&shared);
        thread::Builder::new()
            .name(format!("fault-proxy-{}", address.port()))
            .spawn(move || accept_loop(&listener, upstream, &accepting))?;
        Ok(Self {
            address,
            upstream,
            shared,
        })
    }

    /// Where the proxy listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Where the proxy forwards to.
    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }

    /// Closes every open connection, both directions; returns how many. New connections are
    /// forwarded as before.
    pub fn cut(&self) -> usize {
        let open: Vec<Arc<Connection>> = std::mem::take(&mut *self.shared.connections());
        for connection in &open {
            connection.close();
        }
        self.shared
            .cut
            .fetch_add(open.len() as u64, Ordering::Relaxed);
        open.len()
    }

    /// Closes one direction of every open connection (a FIN towards the receiving side; the
    /// other direction flows until an end closes it); returns how many connections.
    pub fn cut_one_way(&self, direction: Direction) -> usize {
        let open = self.shared.connections().clone();
        for connection in &open {
            let (from, to) = match direction {
                Direction::ToBroker => (Some(&connection.client), connection.broker.as_ref()),
                Direction::ToClient => (connection.broker.as_ref(), Some(&connection.client)),
            };
            if let Some(from) = from {
                let _ = from.shutdown(Shutdown::Read);
            }
            if let Some(to) = to {
                let _ = to.shutdown(Shutdown::Write);
            }
        }
        self.shared
            .cut
            .fetch_add(open.len() as u64, Ordering::Relaxed);
        open.len()
    }

    /// From now on, reads `direction`'s bytes and throws them away, connections staying open
    /// (a one-way partition).
    pub fn drop_one_way(&self, direction: Direction) {
        self.shared.faults().dropping[direction.index()] = true;
    }

    /// From now on, holds every chunk read for `delay` before forwarding it (per direction and
    /// connection, so it also bounds throughput to a chunk per `delay`).
    pub fn delay(&self, delay: Duration) {
        self.shared.faults().delay = delay;
    }

    /// From now on, stops reading `direction`: the sender's socket buffers fill and its writes
    /// block, while the connection stays open.
    pub fn stall(&self, direction: Direction) {
        self.shared.faults().stalled[direction.index()] = true;
    }

    /// From now on, accepts connections and never answers: new ones are not forwarded, and
    /// every open one has its bytes thrown away both ways.
    pub fn black_hole(&self) {
        self.shared.faults().black_hole = true;
    }

    /// From now on, closes every new connection as soon as it is accepted (a broker port with
    /// nothing behind it).
    pub fn refuse(&self) {
        self.shared.faults().refuse = true;
    }

    /// Forwards the next frame that starts in `direction` only up to the middle of its body,
    /// then closes that connection.
    pub fn truncate_next_frame(&self, direction: Direction) {
        self.shared.faults().damage[direction.index()] = Some(Damage::Truncate);
    }

    /// Inverts the byte in the middle of the body of the next frame that starts in
    /// `direction`.
    pub fn corrupt_next_frame(&self, direction: Direction) {
        self.shared.faults().damage[direction.index()] = Some(Damage::Corrupt);
    }

    /// Inverts the last byte of the body of the next frame that starts in `direction`: in a
    /// flexible-version Kafka message that is the tagged-field count, so the frame no longer
    /// decodes, where a byte inverted in the middle may change a field no checksum covers (a
    /// Produce response's base offset) and go unnoticed by any client.
    pub fn corrupt_end_of_next_frame(&self, direction: Direction) {
        self.shared.faults().damage[direction.index()] = Some(Damage::CorruptLast);
    }

    /// Ends every lasting fault (delay, stall, drop, black hole, refusal, frame damage not yet
    /// done) and closes black-holed connections, which have no broker behind them.
    pub fn heal(&self) {
        *self.shared.faults() = Faults::default();
        let black_holed: Vec<Arc<Connection>> = self
            .shared
            .connections()
            .iter()
            .filter(|c| c.broker.is_none())
            .cloned()
            .collect();
        for connection in black_holed {
            connection.close();
            self.shared.forget(&connection);
        }
    }

    /// What the proxy has done so far.
    pub fn stats(&self) -> ProxyStats {
        let load =
            |counters: &[AtomicU64; 2]| counters.each_ref().map(|c| c.load(Ordering::Relaxed));
        let shared = &self.shared;
        ProxyStats {
            accepted: shared.accepted.load(Ordering::Relaxed),
            refused: shared.refused.load(Ordering::Relaxed),
            open: shared.connections().len() as u64,
            cut: shared.cut.load(Ordering::Relaxed),
            forwarded: load(&shared.forwarded),
            dropped: load(&shared.dropped),
            truncated: load(&shared.truncated),
            corrupted: load(&shared.corrupted),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::Release);
        self.heal();
        self.cut();
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
    }
}

fn accept_loop(listener: &TcpListener, upstream: SocketAddr, shared: &Arc<Shared>) {
    for client in listener.incoming() {
        if shared.stopped.load(Ordering::Acquire) {
            return;
        }
        let Ok(client) = client else { continue };
        shared.accepted.fetch_add(1, Ordering::Relaxed);
        let faults = *shared.faults();
        if faults.refuse {
            shared.refused.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        if faults.black_hole {
            pump::black_hole(client, shared);
            continue;
        }
        match TcpStream::connect_timeout(&upstream, UPSTREAM_CONNECT_TIMEOUT) {
            Ok(broker) => pump::forward(client, broker, shared),
            Err(_) => {
                shared.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

#[cfg(test)]
mod tests;
