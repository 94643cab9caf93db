//! Each fault of the proxy happens as asked, checked against an echo server upstream.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use super::{Direction, FaultProxy};

/// An upstream that echoes every byte; counts the connections it accepted.
fn echo_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = stream;
                let _ = std::io::copy(&mut reader, &mut writer);
            });
        }
    });
    (address, accepted)
}

fn proxy() -> (FaultProxy, Arc<AtomicUsize>) {
    let (upstream, accepted) = echo_server();
    let proxy = FaultProxy::start("127.0.0.1:0".parse().unwrap(), upstream).unwrap();
    (proxy, accepted)
}

fn connect(proxy: &FaultProxy) -> TcpStream {
    let stream = TcpStream::connect(proxy.address()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(400)))
        .unwrap();
    stream
}

fn frame(body_len: usize) -> Vec<u8> {
    let mut bytes = u32::try_from(body_len).unwrap().to_be_bytes().to_vec();
    bytes.extend((0..body_len).map(|i| (i % 251) as u8));
    bytes
}

/// Reads until `len` bytes came, the stream ended, or the read timed out; returns what came
/// and whether the stream ended.
fn read_up_to(stream: &mut TcpStream, len: usize) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.len() < len {
        match stream.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (got, false);
            }
            Err(_) => return (got, true),
        }
    }
    (got, false)
}

fn echoes(stream: &mut TcpStream) -> bool {
    let sent = frame(100);
    stream.write_all(&sent).unwrap();
    read_up_to(stream, sent.len()).0 == sent
}

#[test]
fn forwards_both_ways_and_counts() {
    let (proxy, accepted) = proxy();
    let mut stream = connect(&proxy);
    assert!(echoes(&mut stream));
    let stats = proxy.stats();
    assert_eq!((stats.accepted, stats.open), (1, 1));
    assert_eq!(stats.forwarded, [104, 104]);
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[test]
fn cut_closes_open_connections_and_lets_new_ones_through() {
    let (proxy, _) = proxy();
    let mut stream = connect(&proxy);
    assert!(echoes(&mut stream));
    assert_eq!(proxy.cut(), 1);
    let (got, ended) = read_up_to(&mut stream, 1);
    assert!(got.is_empty() && ended, "the cut connection must end");
    let mut again = connect(&proxy);
    assert!(echoes(&mut again));
    assert_eq!(proxy.stats().cut, 1);
}

#[test]
fn cut_one_way_ends_only_that_direction() {
    let (proxy, _) = proxy();
    let mut stream = connect(&proxy);
    assert!(echoes(&mut stream));
    assert_eq!(proxy.cut_one_way(Direction::ToClient), 1);
    let (got, ended) = read_up_to(&mut stream, 1);
    assert!(
        got.is_empty() && ended,
        "the client must see the end of its input"
    );
    // The other direction still takes bytes.
    assert!(stream.write_all(&frame(10)).is_ok());
}

#[test]
fn dropping_one_way_loses_those_bytes_until_healed() {
    let (proxy, _) = proxy();
    let mut stream = connect(&proxy);
    proxy.drop_one_way(Direction::ToBroker);
    stream.write_all(&frame(100)).unwrap();
    let (got, ended) = read_up_to(&mut stream, 104);
    assert!(got.is_empty() && !ended);
    assert_eq!(proxy.stats().dropped, [104, 0]);
    proxy.heal();
    assert!(echoes(&mut stream), "healed: the next frame goes through");
}

#[test]
fn delay_holds_each_chunk() {
    let (proxy, _) = proxy();
    let mut stream = connect(&proxy);
    proxy.delay(Duration::from_millis(150));
    let start = Instant::now();
    assert!(echoes(&mut stream));
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
    proxy.heal();
    let start = Instant::now();
    assert!(echoes(&mut stream));
    assert!(start.elapsed() < Duration::from_millis(150));
}

#[test]
fn stall_holds_bytes_back_without_losing_them() {
    let (proxy, _) = proxy();
    let mut stream = connect(&proxy);
    proxy.stall(Direction::ToClient);
    let sent = frame(100);
    stream.write_all(&sent).unwrap();
    let (got, ended) = read_up_to(&mut stream, sent.len());
    assert!(got.is_empty() && !ended, "nothing may come while stalled");
    proxy.heal();
    assert_eq!(read_up_to(&mut stream, sent.len()).0, sent);
}

#[test]
fn black_hole_accepts_and_never_answers() {
    let (proxy, accepted) = proxy();
    proxy.black_hole();
    let mut stream = connect(&proxy);
    stream.write_all(&frame(100)).unwrap();
    let (got, ended) = read_up_to(&mut stream, 1);
    assert!(got.is_empty() && !ended, "accepted, open, silent");
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        0,
        "nothing reached the broker"
    );
    proxy.heal();
    let (_, ended) = read_up_to(&mut stream, 1);
    assert!(ended, "healing closes black-holed connections");
    let mut again = connect(&proxy);
    assert!(echoes(&mut again));
}

#[test]
fn refuse_closes_new_connections_at_once() {
    let (proxy, accepted) = proxy();
    proxy.refuse();
    let mut stream = connect(&proxy);
    let (got, ended) = read_up_to(&mut stream, 1);
    assert!(got.is_empty() && ended);
    assert_eq!(proxy.stats().refused, 1);
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
}

#[test]
fn truncation_forwards_half_a_frame_then_closes() {
    let (proxy, _) = proxy();
    let mut stream = connect(&proxy);
    proxy.truncate_next_frame(Direction::ToClient);
    stream.write_all(&frame(100)).unwrap();
    let (got, ended) = read_up_to(&mut stream, 104);
    assert_eq!(got, frame(100)[..4 + 50]);
    assert!(ended);
    assert_eq!(proxy.stats().truncated, [0, 1]);
}

#[test]
fn corruption_inverts_one_byte_of_one_frame() {
    let (proxy, _) = proxy();
    let mut stream = connect(&proxy);
    proxy.corrupt_next_frame(Direction::ToBroker);
    let sent = frame(100);
    stream.write_all(&sent).unwrap();
    let got = read_up_to(&mut stream, sent.len()).0;
    let differences: Vec<usize> = (0..sent.len()).filter(|&i| got[i] != sent[i]).collect();
    assert_eq!(differences, [4 + 50]);
    assert_eq!(got[54], !sent[54]);
    assert!(echoes(&mut stream), "one frame only");
    assert_eq!(proxy.stats().corrupted, [1, 0]);
}

#[test]
fn corruption_at_the_end_inverts_the_last_byte() {
    let (proxy, _) = proxy();
    let mut stream = connect(&proxy);
    proxy.corrupt_end_of_next_frame(Direction::ToClient);
    let sent = frame(100);
    stream.write_all(&sent).unwrap();
    let got = read_up_to(&mut stream, sent.len()).0;
    let differences: Vec<usize> = (0..sent.len()).filter(|&i| got[i] != sent[i]).collect();
    assert_eq!(differences, [103]);
    assert_eq!(proxy.stats().corrupted, [0, 1]);
}
