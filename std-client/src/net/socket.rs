//! Opening one TCP socket with the client's [`SocketOptions`] set before it connects.
//!
//! The buffer sizes go on before the SYN, as the Java client sets them: the receive buffer
//! decides the window scale the connection negotiates, which cannot change afterwards. The
//! connect itself is non-blocking and awaited on the reactor, so no executor thread waits.
//!
//! On Unix the socket is made here (through `rustix`, which async-io already builds on); on
//! other systems the connect is the standard one and the options that need a socket before it
//! connects are set after it (`TCP_NODELAY` always applies).

use std::io;
use std::net::SocketAddr;

use async_net::TcpStream;

use crate::config::SocketOptions;

/// Connects to `address` with `options` applied.
///
/// # Errors
/// The operating system's error: refused, unreachable, an option it rejects.
pub(crate) async fn connect_with(
    address: SocketAddr,
    options: &SocketOptions,
) -> io::Result<TcpStream> {
    #[cfg(unix)]
    let stream = unix::connect(address, options).await?;
    #[cfg(not(unix))]
    let stream = {
        if options.send_buffer.is_some() || options.receive_buffer.is_some() || options.keepalive {
            log::debug!("socket buffer sizes and keepalive are applied on Unix only");
        }
        TcpStream::connect(address).await?
    };
    stream.set_nodelay(options.nodelay)?;
    Ok(stream)
}

#[cfg(unix)]
mod unix {
    use super::*;
    use async_io::Async;
    use rustix::io::{FdFlags, fcntl_setfd};
    use rustix::net::{AddressFamily, SocketType, sockopt};
    use std::os::fd::OwnedFd;

    /// A socket with the options set, connected without blocking.
    pub(super) async fn connect(
        address: SocketAddr,
        options: &SocketOptions,
    ) -> io::Result<TcpStream> {
        let family = match address {
            SocketAddr::V4(_) => AddressFamily::INET,
            SocketAddr::V6(_) => AddressFamily::INET6,
        };
        let socket: OwnedFd = rustix::net::socket(family, SocketType::STREAM, None)?;
        // Not inherited by programs the application starts.
        fcntl_setfd(&socket, FdFlags::CLOEXEC)?;
        apply(&socket, options)?;
        let socket = Async::new(std::net::TcpStream::from(socket))?;
        match rustix::net::connect(&socket, &address) {
            Ok(()) => {}
            Err(errno) if errno == rustix::io::Errno::INPROGRESS => {}
            Err(errno) => return Err(errno.into()),
        }
        socket.writable().await?;
        if let Some(error) = socket.get_ref().take_error()? {
            return Err(error);
        }
        // Not connected after all (the writable wake-up came for another reason): say why.
        socket.get_ref().peer_addr()?;
        Ok(TcpStream::from(socket))
    }

    fn apply(socket: &OwnedFd, options: &SocketOptions) -> io::Result<()> {
        if let Some(bytes) = options.send_buffer {
            sockopt::set_socket_send_buffer_size(socket, bytes)?;
        }
        if let Some(bytes) = options.receive_buffer {
            sockopt::set_socket_recv_buffer_size(socket, bytes)?;
        }
        if options.keepalive {
            sockopt::set_socket_keepalive(socket, true)?;
        }
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use rustix::net::sockopt;

    fn options(send: usize, receive: usize, keepalive: bool) -> SocketOptions {
        SocketOptions {
            send_buffer: Some(send),
            receive_buffer: Some(receive),
            keepalive,
            ..SocketOptions::default()
        }
    }

    #[test]
    fn options_are_on_the_connected_socket() {
        smol::block_on(async {
            let listener = async_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let address = listener.local_addr().unwrap();
            for (send, receive, keepalive) in [
                (32 * 1024, 48 * 1024, true),
                (256 * 1024, 200 * 1024, false),
            ] {
                let stream = connect_with(address, &options(send, receive, keepalive))
                    .await
                    .unwrap();
                // Linux reports twice what was set (its bookkeeping overhead); others the value.
                let sent = sockopt::socket_send_buffer_size(&stream).unwrap();
                let received = sockopt::socket_recv_buffer_size(&stream).unwrap();
                assert!((send..=2 * send).contains(&sent), "{send} -> {sent}");
                assert!(
                    (receive..=2 * receive).contains(&received),
                    "{receive} -> {received}"
                );
                assert_eq!(sockopt::socket_keepalive(&stream).unwrap(), keepalive);
                assert!(stream.nodelay().unwrap());
                assert_eq!(stream.peer_addr().unwrap(), address);
                listener.accept().await.unwrap();
            }
        });
    }

    #[test]
    fn a_refused_connect_is_the_systems_error() {
        smol::block_on(async {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let address = listener.local_addr().unwrap();
            drop(listener);
            let error = connect_with(address, &SocketOptions::default())
                .await
                .unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused, "{error}");
        });
    }
}
