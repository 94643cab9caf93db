//! The negative case of `sasl_reauth.rs`, in a process of its own (the switch is the
//! process's): with franzl's re-authentication turned off, the sasl profile's `REAUTH` listener
//! closes a connection on its first request after the session's [`REAUTH_SESSION_MS`], so the
//! test there that sees no connection cut shows that re-authentication kept them.

use std::time::Duration;

use franzl::Error;
use franzl::cluster::Client;
use franzl::core::messages::metadata::MetadataRequest;
use franzl_tests::client::reauth_config;
use franzl_tests::{Profile, SaslMechanism, broker};
use xtask::broker::REAUTH_SESSION_MS;

#[test]
fn without_reauthentication_the_broker_cuts_the_connection_when_the_session_ends() {
    franzl::testing::set_reauthentication(false);
    let broker = broker(Profile::Sasl);
    let config = reauth_config(broker, SaslMechanism::ScramSha256);
    smol::block_on(async {
        let client = Client::connect(config).await.unwrap();
        let node = *client.metadata().brokers.keys().next().unwrap();
        let control = client.broker(node).await.unwrap();
        control.request(&MetadataRequest::default()).await.unwrap();
        // Within the session, requests are served.
        smol::Timer::after(Duration::from_millis(REAUTH_SESSION_MS / 2)).await;
        control.request(&MetadataRequest::default()).await.unwrap();
        smol::Timer::after(Duration::from_millis(REAUTH_SESSION_MS)).await;
        let error = control
            .request(&MetadataRequest::default())
            .await
            .expect_err("the broker answered after the session ended");
        assert!(
            matches!(error, Error::Io { .. } | Error::Closed { .. }),
            "the broker closed the connection: {error}"
        );
        assert!(control.is_closed());
        client.close().await;
    });
}
