//! Readiness probes in raw Kafka bytes, so the launcher needs no client library: ApiVersions v0
//! (does the broker answer?) and Metadata v1 (which brokers does it know?).
//!
//! Each probe opens a fresh TCP connection, sends one request with header v1 and reads one
//! response. Every length in a response is checked against the bytes received before use.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

const API_KEY_METADATA: i16 = 3;
const API_KEY_API_VERSIONS: i16 = 18;
const CORRELATION_ID: i32 = 0x0f7a_2a1e;
const CLIENT_ID: &str = "franzl-xtask-probe";
/// Larger responses are not expected from these two requests; reading stops there.
const MAX_RESPONSE: usize = 1 << 20;

/// Sends ApiVersions v0 to `addr` and succeeds if the answer's error code is 0.
pub(crate) fn api_versions(addr: SocketAddr, timeout: Duration) -> Result<(), String> {
    let response = round_trip(addr, timeout, &request(API_KEY_API_VERSIONS, 0, &[]))?;
    let mut reader = Reader(&response);
    match reader.i16()? {
        0 => Ok(()),
        code => Err(format!("ApiVersions error code {code}")),
    }
}

/// Sends Metadata v1 for no topics to `addr` and returns the node ids of the brokers listed.
pub(crate) fn metadata_broker_ids(addr: SocketAddr, timeout: Duration) -> Result<Vec<i32>, String> {
    // v1: an empty topic array asks for no topics (a null one would ask for all).
    let body = 0_i32.to_be_bytes();
    let response = round_trip(addr, timeout, &request(API_KEY_METADATA, 1, &body))?;
    let mut reader = Reader(&response);
    let count = reader.i32()?;
    let mut ids = Vec::new();
    for _ in 0..count.max(0) {
        ids.push(reader.i32()?); // node_id
        reader.string()?; // host
        reader.i32()?; // port
        reader.string()?; // rack (nullable)
    }
    Ok(ids)
}

/// A size-prefixed request: header v1 (key, version, correlation id, client id) and `body`.
fn request(api_key: i16, api_version: i16, body: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(64 + body.len());
    frame.extend_from_slice(&[0; 4]); // size, patched below
    frame.extend_from_slice(&api_key.to_be_bytes());
    frame.extend_from_slice(&api_version.to_be_bytes());
    frame.extend_from_slice(&CORRELATION_ID.to_be_bytes());
    let client_id_len = i16::try_from(CLIENT_ID.len()).unwrap_or(i16::MAX);
    frame.extend_from_slice(&client_id_len.to_be_bytes());
    frame.extend_from_slice(CLIENT_ID.as_bytes());
    frame.extend_from_slice(body);
    let size = i32::try_from(frame.len() - 4).unwrap_or(i32::MAX);
    frame[..4].copy_from_slice(&size.to_be_bytes());
    frame
}

/// Sends `frame` and returns the response body after the correlation id, which must match.
fn round_trip(addr: SocketAddr, timeout: Duration, frame: &[u8]) -> Result<Vec<u8>, String> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream.write_all(frame).map_err(|e| e.to_string())?;
    let mut size = [0; 4];
    stream.read_exact(&mut size).map_err(|e| e.to_string())?;
    let size = usize::try_from(i32::from_be_bytes(size))
        .ok()
        .filter(|&size| (4..=MAX_RESPONSE).contains(&size))
        .ok_or("response size out of range")?;
    let mut response = vec![0; size];
    stream
        .read_exact(&mut response)
        .map_err(|e| e.to_string())?;
    let mut reader = Reader(&response);
    if reader.i32()? != CORRELATION_ID {
        return Err("response correlation id does not match".into());
    }
    Ok(reader.0.to_vec())
}

/// A cursor over a response; every read checks the bytes left.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or("response truncated")?;
        self.0 = rest;
        Ok(*head)
    }

    fn i16(&mut self) -> Result<i16, String> {
        self.take().map(i16::from_be_bytes)
    }

    fn i32(&mut self) -> Result<i32, String> {
        self.take().map(i32::from_be_bytes)
    }

    /// Skips a (nullable) string: an i16 length, -1 for null.
    fn string(&mut self) -> Result<(), String> {
        let len = self.i16()?;
        let len = usize::try_from(len).unwrap_or(0);
        self.0 = self.0.get(len..).ok_or("response truncated")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Reader, request};

    #[test]
    fn api_versions_v0_request_bytes() {
        let frame = request(18, 0, &[]);
        let mut expected = vec![0, 0, 0, 28, 0, 18, 0, 0, 0x0f, 0x7a, 0x2a, 0x1e, 0, 18];
        expected.extend_from_slice(b"franzl-xtask-probe");
        assert_eq!(frame, expected);
    }

    #[test]
    fn reader_rejects_truncated_input() {
        assert!(Reader(&[0]).i16().is_err());
        assert!(Reader(&[0, 5, b'a']).string().is_err());
        let mut null = Reader(&[0xff, 0xff, 7]);
        assert!(null.string().is_ok());
        assert_eq!(null.0, &[7]);
    }
}
