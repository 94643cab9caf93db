//! [`Link`]: one broker connection as franzl-core's sans-I/O [`Connection`] driven over a plain
//! blocking `TcpStream`, with no async runtime.
//!
//! Call order: [`Link::connect`] (TCP, then the ApiVersions handshake), then any mix of
//! [`Link::send`] (a request encoded here), [`Link::send_body`] (a Produce body encoded before,
//! framed here under its correlation id) and [`Link::receive`] (the next response, in order). Up to
//! [`MAX_IN_FLIGHT`] requests may await their responses. Every error is a message; the link is
//! useless after one.

use std::io::{IoSlice, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant as StdInstant};

use franzl_core::conn::{Connection, ConnectionConfig, Event, FrameReader, Instant, Response};
use franzl_core::messages::{ApiKey, NegotiatedVersions, Request};

/// Requests in flight on one connection at most.
pub(crate) const MAX_IN_FLIGHT: usize = 16;

/// How long a request may wait for its response.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Bytes for the requests encoded here (handshake, Metadata, InitProducerId, Fetch).
const TX_LEN: usize = 64 << 10;

/// One blocking connection to one broker.
pub(crate) struct Link {
    stream: TcpStream,
    conn: Connection<'static, MAX_IN_FLIGHT>,
    reader: FrameReader,
    rx: Vec<u8>,
    tx: Vec<u8>,
    epoch: StdInstant,
}

impl Link {
    /// Connects to `address` and completes the handshake; responses may fill `rx_len` bytes.
    ///
    /// # Errors
    /// When the connection or the handshake fails.
    pub(crate) fn connect(address: &str, rx_len: usize) -> Result<Link, String> {
        let stream =
            TcpStream::connect(address).map_err(|error| format!("connect {address}: {error}"))?;
        stream
            .set_nodelay(true)
            .map_err(|error| format!("nodelay: {error}"))?;
        stream
            .set_read_timeout(Some(REQUEST_TIMEOUT))
            .map_err(|error| format!("read timeout: {error}"))?;
        let config = ConnectionConfig {
            client_id: "bench-replay",
            request_timeout: REQUEST_TIMEOUT,
            ..ConnectionConfig::default()
        };
        let mut link = Link {
            stream,
            conn: Connection::new(config),
            reader: FrameReader::new(rx_len),
            rx: vec![0; rx_len],
            tx: vec![0; TX_LEN],
            epoch: StdInstant::now(),
        };
        while !link.conn.is_ready() {
            let now = link.now();
            let len = link
                .conn
                .poll_transmit(now, &mut link.tx)
                .map_err(|error| format!("handshake: {error}"))?;
            if len > 0 {
                link.write(len)?;
            }
            link.wait_for_frame()?;
            let frame = link
                .reader
                .next_frame(&link.rx)
                .map_err(|error| format!("frame: {error}"))?
                .ok_or("no frame")?;
            match link.conn.handle_frame(frame) {
                Ok(Event::Handshake | Event::Ready) => {}
                Ok(Event::Response(_)) => return Err("handshake: a stray response".into()),
                Err(error) => return Err(format!("handshake: {error}")),
            }
        }
        Ok(link)
    }

    /// The versions agreed with the broker.
    pub(crate) fn versions(&self) -> &NegotiatedVersions {
        self.conn.versions()
    }

    fn now(&self) -> Instant {
        Instant::from_millis(self.epoch.elapsed().as_millis() as u64)
    }

    fn write(&mut self, len: usize) -> Result<(), String> {
        let bytes = self.tx.get(..len).ok_or("frame longer than the buffer")?;
        self.stream
            .write_all(bytes)
            .map_err(|error| format!("write: {error}"))
    }

    /// Encodes `request` at `version` (the negotiated one when `None`) and sends it.
    ///
    /// # Errors
    /// When it cannot be encoded or written.
    pub(crate) fn send<'r, R: Request<'r>>(
        &mut self,
        request: &R,
        version: Option<i16>,
    ) -> Result<(), String> {
        let now = self.now();
        let sent = self
            .conn
            .send(request, version, true, now, &mut self.tx)
            .map_err(|error| format!("encode: {error}"))?;
        self.write(sent.len)
    }

    /// Sends a Produce request whose `body` was encoded before at `version`: the connection
    /// frames its header under a fresh correlation id, and header and body go out in one
    /// vectored write. Returns the correlation id, or `None` when no response is expected
    /// (acks=0).
    ///
    /// # Errors
    /// When too many requests are in flight or the write fails.
    pub(crate) fn send_body(
        &mut self,
        version: i16,
        body: &[u8],
        expects_response: bool,
    ) -> Result<Option<i32>, String> {
        let now = self.now();
        let sent = self
            .conn
            .send_header(
                ApiKey::Produce,
                version,
                body.len(),
                0,
                expects_response,
                now,
                &mut self.tx,
            )
            .map_err(|error| format!("send: {error}"))?;
        let head = self.tx.get(..sent.len).unwrap_or_default();
        let mut slices = [IoSlice::new(head), IoSlice::new(body)];
        let mut slices = &mut slices[..];
        while !slices.is_empty() {
            let written = self
                .stream
                .write_vectored(slices)
                .map_err(|error| format!("write: {error}"))?;
            if written == 0 {
                return Err("write: the connection accepts no more bytes".into());
            }
            IoSlice::advance_slices(&mut slices, written);
        }
        Ok(sent.correlation_id)
    }

    /// Reads until the receive buffer holds a whole frame.
    fn wait_for_frame(&mut self) -> Result<(), String> {
        loop {
            let space = self
                .reader
                .receive_space(&mut self.rx)
                .map_err(|error| format!("frame: {error}"))?;
            if space.is_empty() {
                return Ok(());
            }
            let read = self
                .stream
                .read(space)
                .map_err(|error| format!("read: {error}"))?;
            if read == 0 {
                return Err("the broker closed the connection".into());
            }
            self.reader.commit(read);
        }
    }

    /// The next response (responses come in the order of their requests).
    ///
    /// # Errors
    /// When the connection fails or the frame is not a response to a request in flight.
    pub(crate) fn receive(&mut self) -> Result<Response<'_>, String> {
        self.wait_for_frame()?;
        let frame = self
            .reader
            .next_frame(&self.rx)
            .map_err(|error| format!("frame: {error}"))?
            .ok_or("no frame")?;
        match self.conn.handle_frame(frame) {
            Ok(Event::Response(response)) => Ok(response),
            Ok(_) => Err("a handshake frame after the handshake".into()),
            Err(error) => Err(format!("response: {error}")),
        }
    }
}
