//! The TCP addresses a process listens on, from Linux's `/proc`: the socket inodes in
//! `/proc/PID/fd` matched against the LISTEN rows of `/proc/PID/net/tcp` and `tcp6`.
//!
//! The `net` tables list every socket of the process's network namespace; only the inodes the
//! process holds open are its own. Addresses there are hex, in the kernel's byte order per
//! 32-bit word (little-endian on the machines we run on).

use std::collections::HashSet;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The `st` column value of a listening socket.
const TCP_LISTEN: &str = "0A";

/// The addresses process `pid` listens on with TCP (IPv4 and IPv6).
///
/// # Errors
///
/// The process is gone, or its `/proc` entries cannot be read.
pub fn listening_addresses(pid: u32) -> io::Result<Vec<SocketAddr>> {
    let inodes = socket_inodes(pid)?;
    let mut found = Vec::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}"))?;
        for line in text.lines().skip(1) {
            if let Some((addr, inode)) = parse_listen_row(line)
                && inodes.contains(&inode)
            {
                found.push(addr);
            }
        }
    }
    Ok(found)
}

/// Whether `addr` is IPv4 loopback 127.0.0.1, also in its IPv4-mapped IPv6 form.
pub fn is_ipv4_loopback(addr: &SocketAddr) -> bool {
    let localhost = Ipv4Addr::LOCALHOST;
    match addr.ip() {
        IpAddr::V4(ip) => ip == localhost,
        IpAddr::V6(ip) => ip.to_ipv4_mapped() == Some(localhost),
    }
}

/// The inodes of the sockets process `pid` holds open (`socket:[INODE]` links in its `fd`).
fn socket_inodes(pid: u32) -> io::Result<HashSet<u64>> {
    let mut inodes = HashSet::new();
    for entry in std::fs::read_dir(format!("/proc/{pid}/fd"))? {
        // A descriptor closed while we read is no error.
        let Ok(target) = std::fs::read_link(entry?.path()) else {
            continue;
        };
        let target = target.to_string_lossy();
        if let Some(inode) = target
            .strip_prefix("socket:[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|inode| inode.parse().ok())
        {
            inodes.insert(inode);
        }
    }
    Ok(inodes)
}

/// A row of `/proc/net/tcp{,6}`: its local address and inode, if the socket listens.
fn parse_listen_row(line: &str) -> Option<(SocketAddr, u64)> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    let (local, state, inode) = (fields.get(1)?, fields.get(3)?, fields.get(9)?);
    if *state != TCP_LISTEN {
        return None;
    }
    let (ip_hex, port_hex) = local.split_once(':')?;
    let port = u16::from_str_radix(port_hex, 16).ok()?;
    let ip = parse_ip(ip_hex)?;
    Some((SocketAddr::new(ip, port), inode.parse().ok()?))
}

/// An address as the kernel prints it: 8 or 32 hex digits, each 32-bit word in host order.
fn parse_ip(hex: &str) -> Option<IpAddr> {
    let mut bytes = Vec::with_capacity(16);
    for index in (0..hex.len()).step_by(8) {
        let word = u32::from_str_radix(hex.get(index..index + 8)?, 16).ok()?;
        bytes.extend_from_slice(&word.to_ne_bytes());
    }
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|b| IpAddr::V6(Ipv6Addr::from(b))),
        _ => None,
    }
}

#[cfg(all(test, target_endian = "little"))]
mod tests {
    use super::{is_ipv4_loopback, parse_listen_row};

    #[test]
    fn ipv4_listen_row() {
        // 127.0.0.1:9092 (0x2384), listening, inode 4242.
        let row = "   0: 0100007F:2384 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0";
        let (addr, inode) = parse_listen_row(row).unwrap();
        assert_eq!(addr.to_string(), "127.0.0.1:9092");
        assert_eq!(inode, 4242);
        assert!(is_ipv4_loopback(&addr));
    }

    #[test]
    fn ipv6_mapped_loopback_and_wildcard() {
        let mapped = "   1: 0000000000000000FFFF00000100007F:2384 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0000000000000000 100 0 0 10 0";
        let (addr, _) = parse_listen_row(mapped).unwrap();
        assert_eq!(addr.to_string(), "[::ffff:127.0.0.1]:9092");
        assert!(is_ipv4_loopback(&addr));

        let wildcard = "   2: 00000000000000000000000000000000:2384 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 78 1 0000000000000000 100 0 0 10 0";
        let (addr, _) = parse_listen_row(wildcard).unwrap();
        assert_eq!(addr.to_string(), "[::]:9092");
        assert!(!is_ipv4_loopback(&addr));
    }

    #[test]
    fn established_rows_and_garbage_are_skipped() {
        let established = "   3: 0100007F:2384 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 79 1";
        assert!(parse_listen_row(established).is_none());
        assert!(parse_listen_row("  sl  local_address rem_address   st").is_none());
        assert!(parse_listen_row("   4: 0100007:2384 0 0A 0 0 0 0 0 80").is_none());
    }

    #[test]
    fn this_process_listener_is_found() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let bound = listener.local_addr().unwrap();
        let found = super::listening_addresses(std::process::id()).unwrap();
        assert!(found.contains(&bound), "{found:?} lacks {bound}");
    }
}
