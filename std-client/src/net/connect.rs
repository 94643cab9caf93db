//! TCP connections to a broker: resolution off the executor, one address family if asked, a
//! deadline on each step, and the client's socket options (`TCP_NODELAY` on by default: Kafka
//! requests are small and latency matters).

use super::address::{AddressFamily, BrokerAddress};
use super::socket::connect_with;
use crate::config::SocketOptions;
use crate::error::{Error, Result};
use async_io::Timer;
use async_net::TcpStream;
use std::future::Future;
use std::time::Duration;

/// Runs `future`, or fails with [`Error::Timeout`] naming `what` once `after` has passed.
///
/// # Errors
/// The future's own error, or the timeout.
pub(crate) async fn with_timeout<T>(
    what: impl FnOnce() -> String,
    after: Duration,
    future: impl Future<Output = Result<T>>,
) -> Result<T> {
    futures_lite::future::or(future, async {
        Timer::after(after).await;
        Err(Error::Timeout {
            what: what(),
            after,
        })
    })
    .await
}

/// Resolves `address` (on a blocking thread, so the executor never waits on DNS) and keeps the
/// addresses of `family`.
///
/// # Errors
/// [`Error::Resolve`] when nothing usable comes back, [`Error::Timeout`] after `timeout`.
pub(crate) async fn resolve(
    address: &BrokerAddress,
    family: AddressFamily,
    timeout: Duration,
) -> Result<Vec<std::net::SocketAddr>> {
    // An IP literal needs no lookup (and no thread of the blocking pool).
    let literal = address.host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<std::net::IpAddr>() {
        let socket_address = std::net::SocketAddr::new(ip, address.port);
        if family.allows(&socket_address) {
            return Ok(vec![socket_address]);
        }
    }
    let lookup = async {
        async_net::resolve((address.host.as_str(), address.port))
            .await
            .map_err(|error| Error::Resolve {
                address: address.to_string(),
                reason: "the lookup failed".into(),
                source: Some(std::sync::Arc::new(error)),
            })
    };
    let all = with_timeout(|| format!("resolving {address}"), timeout, lookup).await?;
    let usable: Vec<_> = all.into_iter().filter(|a| family.allows(a)).collect();
    if usable.is_empty() {
        return Err(Error::resolve(
            address.to_string(),
            format!("no {family:?} address"),
        ));
    }
    Ok(usable)
}

/// Connects to the first of `address`'s resolved addresses that accepts, each attempt bounded by
/// `timeout`, with `socket`'s options set before the connect.
///
/// # Errors
/// The last attempt's error when none accepts; resolution errors as [`resolve`].
pub(crate) async fn connect(
    address: &BrokerAddress,
    family: AddressFamily,
    socket: &SocketOptions,
    timeout: Duration,
) -> Result<TcpStream> {
    let mut last = None;
    for socket_address in resolve(address, family, timeout).await? {
        let attempt = async {
            connect_with(socket_address, socket).await.map_err(|error| {
                Error::io(format!("connecting to {address} ({socket_address})"), error)
            })
        };
        match with_timeout(
            || format!("connecting to {address} ({socket_address})"),
            timeout,
            attempt,
        )
        .await
        {
            Ok(stream) => {
                log::debug!("connected to {address} ({socket_address})");
                return Ok(stream);
            }
            Err(error) => {
                log::debug!("{error}");
                last = Some(error);
            }
        }
    }
    Err(last.unwrap_or_else(|| Error::resolve(address.to_string(), "no address")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connects_over_loopback_and_reports_refusal() {
        smol::block_on(async {
            let listener = async_net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let address = BrokerAddress::new("127.0.0.1", port);
            let stream = connect(
                &address,
                AddressFamily::V4,
                &SocketOptions::default(),
                Duration::from_secs(5),
            )
            .await
            .unwrap();
            assert!(stream.nodelay().unwrap());
            drop(listener);
            let error = connect(
                &address,
                AddressFamily::V4,
                &SocketOptions::default(),
                Duration::from_secs(5),
            )
            .await
            .unwrap_err();
            assert!(
                matches!(error, Error::Io { .. }) && error.is_retriable(),
                "{error}"
            );
        });
    }

    #[test]
    fn family_filter_and_timeout() {
        smol::block_on(async {
            let v4 = BrokerAddress::new("127.0.0.1", 9);
            let error = resolve(&v4, AddressFamily::V6, Duration::from_secs(5))
                .await
                .unwrap_err();
            assert!(matches!(error, Error::Resolve { .. }), "{error}");
            let never = std::future::pending::<Result<()>>();
            let error = with_timeout(|| "nothing".into(), Duration::from_millis(10), never).await;
            assert!(matches!(error, Err(Error::Timeout { .. })));
        });
    }
}
