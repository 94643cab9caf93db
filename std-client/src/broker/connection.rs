//! [`BrokerConnection`]: the handle callers use; request bodies go to the driver task over a
//! channel, and the driver frames each under its correlation id.

use super::driver::{self, DriverArgs, Shared};
use super::options::ConnectOptions;
use super::pipeline::Outgoing;
use super::response::ResponseFrame;
use crate::cluster::FinalizedFeatures;
use crate::error::{Error, Result};
use crate::net::BrokerAddress;
use franzl_core::messages::{ApiKey, NegotiatedVersions, Request};
use franzl_core::wire::{EncodeError, Writer};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// A connection to one broker, ready for requests. Cheap to clone; the driver task stops when
/// the last clone is dropped.
#[derive(Debug, Clone)]
pub struct BrokerConnection {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    requests: async_channel::Sender<Outgoing>,
    shared: Arc<Shared>,
    versions: NegotiatedVersions,
    features: Arc<FinalizedFeatures>,
    node_id: Option<i32>,
    address: BrokerAddress,
    label: String,
}

impl BrokerConnection {
    /// Opens a connection to `address` (TCP, TLS if configured, ApiVersions, SASL if configured)
    /// and returns once it is ready for requests.
    ///
    /// # Errors
    /// Resolution, connect, TLS and handshake failures, [`Error::Authentication`] for refused
    /// credentials, [`Error::Timeout`] when a step exceeds the connect timeout.
    pub(crate) async fn connect(
        address: &BrokerAddress,
        options: Arc<ConnectOptions>,
    ) -> Result<Self> {
        Self::connect_node(address, None, options).await
    }

    /// Opens one connection to `address` (`host:port`) with `config`'s security, timeouts and
    /// socket settings, outside any [`Client`](crate::Client)'s pool: for talking to one
    /// broker as it is, without metadata. A [`Client`](crate::Client) gives pooled
    /// connections ([`Client::broker`](crate::Client::broker), ...).
    ///
    /// # Errors
    /// [`Error::Config`] for an address that is not `host:port` or TLS files that cannot be
    /// read; otherwise as the connect itself fails (resolution, TCP, TLS, SASL, timeouts).
    pub async fn open(address: &str, config: &crate::config::ClientConfig) -> Result<Self> {
        let address = BrokerAddress::parse(address)?;
        let options = Arc::new(ConnectOptions::from_config(config)?);
        Self::connect(&address, options).await
    }

    /// As [`BrokerConnection::connect`], for the broker known as `node_id`.
    ///
    /// # Errors
    /// As [`BrokerConnection::connect`].
    pub(crate) async fn connect_node(
        address: &BrokerAddress,
        node_id: Option<i32>,
        options: Arc<ConnectOptions>,
    ) -> Result<Self> {
        let label = match node_id {
            Some(id) => format!("broker {id} ({address})"),
            None => address.to_string(),
        };
        log::debug!("connecting to {label}");
        let (ready_tx, ready_rx) = async_channel::bounded(1);
        let (requests_tx, requests_rx) = async_channel::bounded(options.max_in_flight.max(1));
        let shared = Arc::new(Shared::default());
        let spawner = options.spawner.clone();
        let args = DriverArgs {
            address: address.clone(),
            label: label.clone(),
            options,
            shared: Arc::clone(&shared),
            ready: ready_tx,
            requests: requests_rx,
        };
        crate::runtime::spawn(
            spawner.as_ref(),
            format!("connection to {label}"),
            driver::run(args),
        );
        let handshaken = ready_rx.recv().await.map_err(|_| Error::Closed {
            what: format!("connection to {label}"),
        })??;
        Ok(Self {
            inner: Arc::new(Inner {
                requests: requests_tx,
                shared,
                versions: handshaken.versions,
                features: handshaken.features,
                node_id,
                address: address.clone(),
                label,
            }),
        })
    }

    /// The node id of the broker, when it was known at connect time.
    pub fn node_id(&self) -> Option<i32> {
        self.inner.node_id
    }

    /// The address connected to.
    pub fn address(&self) -> &BrokerAddress {
        &self.inner.address
    }

    /// The version of `api` agreed with this broker.
    ///
    /// # Errors
    /// [`Error::UnsupportedByBroker`] when the broker and franzl share no version.
    pub fn version(&self, api: ApiKey) -> Result<i16> {
        self.inner
            .versions
            .get(api)
            .ok_or_else(|| Error::UnsupportedByBroker {
                api,
                broker: self.inner.label.clone(),
            })
    }

    /// The cluster-wide finalized features the broker reported in its handshake (unknown when
    /// it reported none). A change in the cluster afterwards shows on a new connection, or
    /// through [`crate::Client::refresh_finalized_features`].
    pub fn finalized_features(&self) -> &Arc<FinalizedFeatures> {
        &self.inner.features
    }

    /// Whether the connection has failed or been closed (a new one is needed).
    pub fn is_closed(&self) -> bool {
        self.inner.shared.closed.load(Ordering::Acquire) || self.inner.requests.is_closed()
    }

    /// Sends `request` at the negotiated version and awaits its response.
    ///
    /// # Errors
    /// As [`BrokerConnection::request_at`], and [`Error::UnsupportedByBroker`].
    pub async fn request<'r, R: Request<'r>>(&self, request: &R) -> Result<ResponseFrame> {
        let version = self.version(R::API_KEY)?;
        self.request_at(request, version).await
    }

    /// Sends `request` at `version` and awaits its response.
    ///
    /// # Errors
    /// [`Error::Protocol`] when the request cannot be encoded at `version`; [`Error::Closed`],
    /// [`Error::Io`] or [`Error::Timeout`] (all retriable) when the connection fails before the
    /// response arrives; [`Error::Frame`] or [`Error::Protocol`] when the broker sends garbage.
    pub async fn request_at<'r, R: Request<'r>>(
        &self,
        request: &R,
        version: i16,
    ) -> Result<ResponseFrame> {
        match self.submit(request, version, true).await? {
            Some(response) => Ok(response),
            None => Err(Error::protocol("no response to a request that expects one")),
        }
    }

    /// Sends `request` at `version` without awaiting a response (acks=0 Produce); returns once
    /// it is written.
    ///
    /// # Errors
    /// As [`BrokerConnection::request_at`].
    pub async fn send_without_response<'r, R: Request<'r>>(
        &self,
        request: &R,
        version: i16,
    ) -> Result<()> {
        self.submit(request, version, false).await.map(drop)
    }

    async fn submit<'r, R: Request<'r>>(
        &self,
        request: &R,
        version: i16,
        expects_response: bool,
    ) -> Result<Option<ResponseFrame>> {
        let body = self.encode(request, version)?;
        let (reply, replies) = async_channel::bounded(1);
        let closed = || Error::Closed {
            what: format!("connection to {}", self.inner.label),
        };
        self.inner
            .requests
            .send(Outgoing {
                api: R::API_KEY,
                version,
                body,
                expects_response,
                reply,
            })
            .await
            .map_err(|_| closed())?;
        replies.recv().await.map_err(|_| closed())?
    }

    /// Encodes `request`'s body at `version` into a pooled buffer (the driver frames it).
    fn encode<'r, R: Request<'r>>(&self, request: &R, version: i16) -> Result<Vec<u8>> {
        let failed =
            |error| Error::core(format!("encoding {} v{version}", R::API_KEY.name()), error);
        let flexible =
            R::version(version).ok_or_else(|| failed(EncodeError::UnsupportedVersion))?;
        let len = request.encoded_len(version).map_err(failed)?;
        let mut body = self.inner.shared.take_buffer();
        // A reused buffer keeps its old bytes: only what it lacks is zeroed.
        body.resize(len, 0);
        let mut writer = Writer::new(&mut body);
        request.write(&mut writer, flexible).map_err(failed)?;
        let written = writer.position();
        body.truncate(written);
        Ok(body)
    }
}
