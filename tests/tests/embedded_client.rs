//! franzl-core's embedded client on the host against the real broker: the same
//! `produce_and_fetch` that links into the bare-metal program (`examples/bare-metal`), here over
//! an async-net socket through `embedded-io-adapters`. Plain, then each SASL mechanism of the
//! sasl profile, and a wrong password; re-authentication on the sasl profile's `REAUTH` listener.

mod embedded_host;

use std::net::SocketAddr;
use std::time::Duration;

use async_io::Timer;
use async_net::TcpStream;
use embedded_host::{clock, create_topic, nonce, round_trip, run, sasl_config};
use embedded_io_adapters::futures_03::FromFutures;
use franzl_core::ErrorCode;
use franzl_core::compression::Compression;
use franzl_core::conn::ConnError;
use franzl_core::embedded::{Acks, Client, ClientError, ConnectionConfig, ProduceOptions};
use franzl_tests::{Profile, SaslMechanism, broker, unique_topic};
use xtask::broker::REAUTH_SESSION_MS;

type Transport = FromFutures<TcpStream>;
type HostClient<'b, 'c> = embedded_host::HostClient<'b, 'c, Transport>;

async fn transport(address: SocketAddr) -> Transport {
    let stream = TcpStream::connect(address).await.expect("connect");
    FromFutures::new(stream)
}

#[test]
fn plain_produces_and_fetches_back_with_every_acks_and_lz4() {
    let broker = broker(Profile::Plain);
    let topic = unique_topic("embedded-plain");
    let (mut tx, mut rx) = (vec![0u8; 16 << 10], vec![0u8; 64 << 10]);
    run(async {
        let transport = transport(broker.nodes[0].address).await;
        let config = ConnectionConfig {
            client_id: "franzl-embedded-test",
            ..ConnectionConfig::default()
        };
        let mut client: HostClient<'_, '_> =
            Client::new(transport, clock(), config, &mut tx, &mut rx);
        client.connect().await.expect("connect");
        create_topic(&mut client, &topic).await;

        let all = ProduceOptions {
            acks: Acks::All,
            base_timestamp: 1_700_000_000_000,
            ..ProduceOptions::default()
        };
        let first = round_trip(&mut client, &topic, &[b"one", b"two", b"three"], &all).await;
        assert_eq!(first.start_offset, 0);

        let leader_lz4 = ProduceOptions {
            acks: Acks::Leader,
            compression: Compression::Lz4,
            ..all
        };
        let big = [b'z'; 3_000];
        let second = round_trip(&mut client, &topic, &[b"four", &big, b"six"], &leader_lz4).await;
        assert_eq!(second.start_offset, 3);

        let none = ProduceOptions {
            acks: Acks::None,
            ..all
        };
        let third = round_trip(&mut client, &topic, &[b"seven"], &none).await;
        assert_eq!((third.start_offset, third.base_offset), (6, None));
    });
}

#[test]
fn small_buffers_connect_and_read_metadata() {
    // The least the README promises: 512 bytes to send, 1 KiB to receive.
    let broker = broker(Profile::Plain);
    let (mut tx, mut rx) = ([0u8; 512], [0u8; 1024]);
    run(async {
        let transport = transport(broker.nodes[0].address).await;
        let config = ConnectionConfig::default();
        let mut client: HostClient<'_, '_> =
            Client::new(transport, clock(), config, &mut tx, &mut rx);
        client
            .connect()
            .await
            .expect("connect with a 1 KiB receive buffer");
        let error = client
            .metadata(&unique_topic("no-such-topic"))
            .await
            .expect_err("no such topic");
        assert_eq!(
            error,
            ClientError::Broker(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)
        );
    });
}

fn sasl_round_trip(mechanism: SaslMechanism) {
    let broker = broker(Profile::Sasl);
    let topic = unique_topic(&format!("embedded-{}", mechanism.name()));
    let nonce = nonce();
    let config = sasl_config(mechanism, mechanism.user().password, &nonce);
    let (mut tx, mut rx) = (vec![0u8; 4 << 10], vec![0u8; 16 << 10]);
    run(async {
        let transport = transport(broker.nodes[0].address).await;
        let mut client: HostClient<'_, '_> =
            Client::new(transport, clock(), config, &mut tx, &mut rx);
        client.connect().await.unwrap_or_else(|error| {
            panic!(
                "{}: {error}: {:?}",
                mechanism.name(),
                client.server_error_text()
            )
        });
        create_topic(&mut client, &topic).await;
        round_trip(
            &mut client,
            &topic,
            &[b"a", b"b"],
            &ProduceOptions::default(),
        )
        .await;
    });
}

#[test]
fn sasl_plain_authenticates() {
    sasl_round_trip(SaslMechanism::Plain);
}

#[test]
fn sasl_scram_sha_256_authenticates() {
    sasl_round_trip(SaslMechanism::ScramSha256);
}

#[test]
fn sasl_scram_sha_512_authenticates() {
    sasl_round_trip(SaslMechanism::ScramSha512);
}

fn wrong_password_is_refused(mechanism: SaslMechanism) {
    let broker = broker(Profile::Sasl);
    let nonce = nonce();
    let config = sasl_config(mechanism, "not-the-password", &nonce);
    let (mut tx, mut rx) = (vec![0u8; 4 << 10], vec![0u8; 16 << 10]);
    run(async {
        let transport = transport(broker.nodes[0].address).await;
        let mut client: HostClient<'_, '_> =
            Client::new(transport, clock(), config, &mut tx, &mut rx);
        let error = client
            .connect()
            .await
            .expect_err("a wrong password was accepted");
        assert_eq!(
            error,
            ClientError::Connection(ConnError::AuthenticationFailed(
                ErrorCode::SASL_AUTHENTICATION_FAILED
            )),
            "{error}"
        );
        let text = client.server_error_text().expect("the broker's words");
        assert!(text.contains("Authentication failed"), "{text}");
        println!("{}: {error}: {text}", mechanism.name());
    });
}

#[test]
fn sasl_plain_wrong_password_is_an_authentication_error() {
    wrong_password_is_refused(SaslMechanism::Plain);
}

#[test]
fn sasl_scram_wrong_password_is_an_authentication_error() {
    wrong_password_is_refused(SaslMechanism::ScramSha512);
}

/// KIP-368 on the sasl profile's `REAUTH` listener: the client learns the session's lifetime,
/// re-authenticating in time (with a fresh SCRAM nonce each time) keeps the connection past
/// two lifetimes, and once it stops re-authenticating the broker cuts the connection on the
/// first request after the session ends.
#[test]
fn sasl_sessions_are_renewed_by_reauthenticate_and_end_without_it() {
    let broker = broker(Profile::Sasl);
    let address = broker.nodes[0].reauth_address.expect("the REAUTH listener");
    let session = Duration::from_millis(REAUTH_SESSION_MS);
    let topic = unique_topic("embedded-reauth");
    let mechanism = SaslMechanism::ScramSha256;
    let nonces = [nonce(), nonce(), nonce()];
    let config = sasl_config(mechanism, mechanism.user().password, &nonces[0]);
    let (mut tx, mut rx) = (vec![0u8; 4 << 10], vec![0u8; 16 << 10]);
    run(async {
        let transport = transport(address).await;
        let mut client: HostClient<'_, '_> =
            Client::new(transport, clock(), config, &mut tx, &mut rx);
        client.connect().await.unwrap();
        assert_eq!(client.session_lifetime(), Some(session));
        create_topic(&mut client, &topic).await;
        let started = std::time::Instant::now();
        for (round, nonce) in nonces[1..].iter().enumerate() {
            let delay = client.reauthentication_delay(round as u32 * 37).unwrap();
            assert!(delay >= session * 85 / 100 && delay <= session * 95 / 100);
            Timer::after(delay).await;
            client.reauthenticate(nonce).await.unwrap();
            assert_eq!(client.session_lifetime(), Some(session));
            client.metadata(&topic).await.unwrap();
        }
        assert!(
            started.elapsed() > session,
            "the connection outlived a session"
        );
        Timer::after(session + Duration::from_millis(300)).await;
        let error = client
            .metadata(&topic)
            .await
            .expect_err("the broker answered after the session ended");
        println!("after the session ended: {error}");
    });
}
