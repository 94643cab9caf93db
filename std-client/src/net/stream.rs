//! A broker connection's byte stream: plain TCP or TLS over it, behind one type.

use async_net::TcpStream;
use futures_lite::{AsyncRead, AsyncWrite};
use futures_rustls::client::TlsStream;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

/// The transport under one broker connection.
#[derive(Debug)]
pub(crate) enum Stream {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_write_vectored(cx, bufs),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_close(cx),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_close(cx),
        }
    }
}

impl Stream {
    /// Splits the stream into a reading and a writing half for two tasks. Plain TCP splits
    /// into two handles of the same socket, with no lock between them; TLS (one session state
    /// for both directions) shares the stream behind a mutex. Unlike a generic split, the
    /// writing half keeps vectored writes: a frame's header and its record batches leave in
    /// one `writev`, so in one TCP segment when they fit, not one send per slice.
    pub(crate) fn split(self) -> (StreamReader, StreamWriter) {
        match self {
            Self::Plain(stream) => (
                StreamReader(Half::Plain(stream.clone())),
                StreamWriter(Half::Plain(stream)),
            ),
            Self::Tls(stream) => {
                let shared = Arc::new(Mutex::new(stream));
                (
                    StreamReader(Half::Tls(shared.clone())),
                    StreamWriter(Half::Tls(shared)),
                )
            }
        }
    }
}

/// One side of a split [`Stream`].
#[derive(Debug)]
enum Half {
    Plain(TcpStream),
    Tls(Arc<Mutex<Box<TlsStream<TcpStream>>>>),
}

impl Half {
    /// Runs `poll` on the stream under this half (locking a TLS session for the call).
    fn with<R>(&mut self, poll: impl FnOnce(Pin<&mut (dyn Both + '_)>) -> R) -> R {
        match self {
            Self::Plain(stream) => poll(Pin::new(stream as &mut dyn Both)),
            Self::Tls(shared) => {
                let mut stream = shared.lock().unwrap_or_else(PoisonError::into_inner);
                poll(Pin::new(stream.as_mut() as &mut dyn Both))
            }
        }
    }
}

/// Reading and writing, as one object-safe bound for [`Half::with`].
trait Both: AsyncRead + AsyncWrite + Unpin {}
impl<T: AsyncRead + AsyncWrite + Unpin> Both for T {}

/// The reading half of a [`Stream`] (see [`Stream::split`]).
#[derive(Debug)]
pub(crate) struct StreamReader(Half);

/// The writing half of a [`Stream`] (see [`Stream::split`]).
#[derive(Debug)]
pub(crate) struct StreamWriter(Half);

impl AsyncRead for StreamReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().0.with(|stream| stream.poll_read(cx, buf))
    }
}

impl AsyncWrite for StreamWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().0.with(|stream| stream.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .0
            .with(|stream| stream.poll_write_vectored(cx, bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().0.with(|stream| stream.poll_flush(cx))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().0.with(|stream| stream.poll_close(cx))
    }
}
