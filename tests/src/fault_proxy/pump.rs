//! The threads that move one connection's bytes, obeying the proxy's fault settings.
//!
//! Each direction of a forwarded connection has its own thread reading with a [`POLL`] timeout,
//! so a change of settings is seen within that time even when no byte arrives. A direction ends
//! at end of stream (passed on as a FIN), at an error, or when the connection is closed; the
//! connection leaves the proxy's list when both directions have ended.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, atomic::AtomicBool};
use std::thread;

use super::frames::FrameCursor;
use super::{Connection, Direction, POLL, Shared};

/// Registers `client` ⇄ `broker` and starts its two pumps.
pub(super) fn forward(client: TcpStream, broker: TcpStream, shared: &Arc<Shared>) {
    let _ = client.set_nodelay(true);
    let _ = broker.set_nodelay(true);
    let ends = (
        client.try_clone(),
        broker.try_clone(),
        broker.try_clone(),
        client.try_clone(),
    );
    let (Ok(client_in), Ok(broker_out), Ok(broker_in), Ok(client_out)) = ends else {
        return;
    };
    let connection = Arc::new(Connection {
        client,
        broker: Some(broker),
        closed: AtomicBool::new(false),
    });
    shared.connections().push(Arc::clone(&connection));
    let running = Arc::new(AtomicUsize::new(2));
    for (direction, from, to) in [
        (Direction::ToBroker, client_in, broker_out),
        (Direction::ToClient, broker_in, client_out),
    ] {
        let pump_shared = Arc::clone(shared);
        let pump_connection = Arc::clone(&connection);
        let running = Arc::clone(&running);
        let spawned = thread::Builder::new()
            .name("fault-proxy-pump".into())
            .spawn(move || {
                pump(direction, from, to, &pump_connection, &pump_shared);
                if running.fetch_sub(1, Ordering::AcqRel) == 1 {
                    pump_connection.close();
                    pump_shared.forget(&pump_connection);
                }
            });
        if spawned.is_err() {
            connection.close();
            shared.forget(&connection);
        }
    }
}

/// Registers `client` as black-holed: its bytes are read and thrown away until the connection
/// is closed (by [`super::FaultProxy::heal`], a cut, the client, or the proxy's end).
pub(super) fn black_hole(client: TcpStream, shared: &Arc<Shared>) {
    let Ok(mut reading) = client.try_clone() else {
        return;
    };
    let connection = Arc::new(Connection {
        client,
        broker: None,
        closed: AtomicBool::new(false),
    });
    shared.connections().push(Arc::clone(&connection));
    let shared = Arc::clone(shared);
    let _ = reading.set_read_timeout(Some(POLL));
    let _ = thread::Builder::new()
        .name("fault-proxy-hole".into())
        .spawn(move || {
            let mut buf = [0u8; 8192];
            while !connection.is_closed() {
                match reading.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        shared.dropped[Direction::ToBroker.index()]
                            .fetch_add(n as u64, Ordering::Relaxed);
                    }
                    Err(error) if is_timeout(&error) => {}
                    Err(_) => break,
                }
            }
            connection.close();
            shared.forget(&connection);
        });
}

fn pump(
    direction: Direction,
    mut from: TcpStream,
    mut to: TcpStream,
    connection: &Connection,
    shared: &Shared,
) {
    let d = direction.index();
    let _ = from.set_read_timeout(Some(POLL));
    let mut cursor = FrameCursor::default();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if connection.is_closed() || shared.stopped.load(Ordering::Acquire) {
            return;
        }
        if shared.faults().stalled[d] {
            thread::sleep(POLL);
            continue;
        }
        let n = match from.read(&mut buf) {
            Ok(0) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => n,
            Err(error) if is_timeout(&error) => continue,
            Err(_) => {
                connection.close();
                return;
            }
        };
        let faults = *shared.faults();
        if faults.dropping[d] || faults.black_hole {
            shared.dropped[d].fetch_add(n as u64, Ordering::Relaxed);
            continue;
        }
        if !faults.delay.is_zero() {
            thread::sleep(faults.delay);
        }
        let chunk = &mut buf[..n];
        let outcome = cursor.scan(chunk, || shared.faults().damage[d].take());
        if outcome.corrupted {
            shared.corrupted[d].fetch_add(1, Ordering::Relaxed);
        }
        let forward = outcome.cut_at.unwrap_or(n);
        // Counted before the write: a peer that has read the bytes finds them counted.
        shared.forwarded[d].fetch_add(forward as u64, Ordering::Relaxed);
        if to.write_all(&chunk[..forward]).is_err() {
            connection.close();
            return;
        }
        if outcome.cut_at.is_some() {
            shared.truncated[d].fetch_add(1, Ordering::Relaxed);
            shared.cut.fetch_add(1, Ordering::Relaxed);
            connection.close();
            return;
        }
    }
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
