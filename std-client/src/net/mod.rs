//! Reaching a broker: addresses, resolution and TCP connects with deadlines, TLS, the stream
//! type, and backoff between attempts.
//!
//! Nothing here speaks Kafka; the connection driver does that over the [`Stream`] this module
//! opens. DNS runs on a blocking thread, never on the executor; every step has a deadline.

mod address;
mod backoff;
mod connect;
mod deadline;
mod socket;
mod stream;
mod tls;

pub(crate) use address::AddressFamily;
pub use address::BrokerAddress;
pub(crate) use backoff::{Backoff, fresh_seed};
pub(crate) use connect::{connect, with_timeout};
pub(crate) use deadline::Deadline;
pub(crate) use stream::{Stream, StreamReader, StreamWriter};
pub(crate) use tls::{TlsOptions, client_config, server_name};

use crate::config::SocketOptions;
use crate::error::{Error, Result, TlsCause};
use std::sync::Arc;
use std::time::Duration;

/// Opens a stream to `address`: TCP with `socket`'s options, then TLS when `tls` is given, all
/// within `timeout` per step.
///
/// # Errors
/// Resolution, connect, and TLS handshake failures, and timeouts, each naming the broker.
pub(crate) async fn open(
    address: &BrokerAddress,
    family: AddressFamily,
    socket: &SocketOptions,
    tls: Option<&Arc<futures_rustls::rustls::ClientConfig>>,
    timeout: Duration,
) -> Result<Stream> {
    let tcp = connect(address, family, socket, timeout).await?;
    let Some(config) = tls else {
        return Ok(Stream::Plain(tcp));
    };
    let name = server_name(&address.host)?;
    let handshake = async {
        futures_rustls::TlsConnector::from(Arc::clone(config))
            .connect(name, tcp)
            .await
            .map_err(|error| {
                let reason = format!("handshake with {address}");
                match Error::io(reason.clone(), error) {
                    // The transport failed under TLS: still a failed TLS setup.
                    Error::Io { source, .. } => Error::tls(reason, Some(TlsCause::Io(source))),
                    tls => tls,
                }
            })
    };
    let stream = with_timeout(
        || format!("TLS handshake with {address}"),
        timeout,
        handshake,
    )
    .await?;
    log::debug!("TLS established with {address}");
    Ok(Stream::Tls(Box::new(stream)))
}
