//! Re-authentication (KIP-368) against the sasl profile's `REAUTH` listener, whose sessions
//! last [`REAUTH_SESSION_MS`] (3 s): for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, a client
//! produces and consumes for more than three session lifetimes while it keeps a control
//! connection busy, and no connection is cut: every record is read back, the control connection
//! is the one it was at the start, and franzl's log shows each connection re-authenticating and
//! none closed. `sasl_reauth_off.rs` shows that the broker does cut a connection that does not
//! re-authenticate, so these tests can fail.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use franzl::admin::NewTopic;
use franzl::cluster::Client;
use franzl::config::{ConsumerConfig, ProducerConfig};
use franzl::consumer::{Consumer, TopicPartition};
use franzl::core::messages::metadata::MetadataRequest;
use franzl::producer::{Producer, ProducerRecord};
use franzl::{Admin, AdminConfig};
use franzl_tests::client::reauth_config;
use franzl_tests::{Profile, SaslMechanism, broker, log_capture, unique_topic};
use xtask::broker::REAUTH_SESSION_MS;

/// The tests read the process's log between two marks: one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn sessions_are_renewed_without_a_cut(mechanism: SaslMechanism) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    log_capture::install();
    let session = Duration::from_millis(REAUTH_SESSION_MS);
    let run_for = session * 3 + session / 2;
    let mark = log_capture::logged().len();
    let (sent, read) = smol::block_on(async {
        let client = Client::connect(reauth_config(broker(Profile::Sasl), mechanism))
            .await
            .unwrap();
        let topic = unique_topic(&format!("reauth-{}", mechanism.name()));
        let admin = Admin::new(&client, AdminConfig::from_client(client.config().clone())).unwrap();
        admin
            .create_topic(NewTopic::new(&topic, 1, 1))
            .await
            .unwrap();
        let node = *client.metadata().brokers.keys().next().unwrap();
        let control = client.broker(node).await.unwrap();
        let bootstrap = client.config().bootstrap_servers.join(",");
        let mut producer_config =
            ProducerConfig::from_properties([("bootstrap.servers", bootstrap.as_str())]).unwrap();
        producer_config.client = client.config().clone();
        let producer = Producer::new(&client, producer_config).unwrap();
        let mut consumer_config = ConsumerConfig::from_properties([
            ("bootstrap.servers", bootstrap.as_str()),
            ("auto.offset.reset", "earliest"),
        ])
        .unwrap();
        consumer_config.client = client.config().clone();
        let mut consumer = Consumer::new(&client, consumer_config).unwrap();
        consumer.assign([TopicPartition::new(&topic, 0)]);

        let started = Instant::now();
        let (mut sent, mut read) = (Vec::new(), Vec::new());
        while started.elapsed() < run_for {
            let value = format!("value-{}", sent.len());
            let delivery = producer
                .send(ProducerRecord::new(&topic, value.as_bytes()))
                .await
                .unwrap();
            delivery
                .await
                .unwrap_or_else(|error| panic!("{value}: {error}"));
            sent.push(value);
            control
                .request(&MetadataRequest::default())
                .await
                .unwrap_or_else(|error| panic!("Metadata after {:?}: {error}", started.elapsed()));
            let records = consumer.poll(Duration::from_millis(300)).await.unwrap();
            read.extend(
                records
                    .iter()
                    .map(|r| String::from_utf8_lossy(r.value().unwrap_or_default()).into_owned()),
            );
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while read.len() < sent.len() && Instant::now() < deadline {
            let records = consumer.poll(Duration::from_millis(300)).await.unwrap();
            read.extend(
                records
                    .iter()
                    .map(|r| String::from_utf8_lossy(r.value().unwrap_or_default()).into_owned()),
            );
        }
        assert!(!control.is_closed(), "the control connection was closed");
        let same = client.broker(node).await.unwrap();
        assert!(
            same.address() == control.address() && !same.is_closed(),
            "the pool holds the connection of the start"
        );
        producer.close().await;
        consumer.close().await;
        admin.close().await;
        client.close().await;
        (sent, read)
    });
    assert_eq!(
        read,
        sent,
        "{}: every record read back once, in order",
        mechanism.name()
    );

    let logged = log_capture::logged();
    let lines: Vec<&str> = logged[mark..].iter().map(|(_, m)| m.as_str()).collect();
    let renewed = |label: &str| {
        lines
            .iter()
            .filter(|m| m.starts_with("re-authenticated to ") && m.contains(label))
            .count()
    };
    let closed: Vec<&&str> = lines
        .iter()
        .filter(|m| m.starts_with("connection to ") && m.contains(" closed"))
        .collect();
    println!(
        "{}: {} records over {run_for:?}; re-authentications: {} in all, {} of the producer's \
         connection",
        mechanism.name(),
        sent.len(),
        renewed(""),
        renewed("for produce"),
    );
    assert!(closed.is_empty(), "{}: {closed:?}", mechanism.name());
    // Three session ends passed for each connection that was in use throughout: the control
    // connection, the fetch connection, the producer's.
    assert!(
        renewed("for produce") >= 3,
        "{}: {lines:#?}",
        mechanism.name()
    );
    assert!(renewed("") >= 9, "{}: {lines:#?}", mechanism.name());
}

#[test]
fn plain_sessions_are_renewed() {
    sessions_are_renewed_without_a_cut(SaslMechanism::Plain);
}

#[test]
fn scram_sha_256_sessions_are_renewed() {
    sessions_are_renewed_without_a_cut(SaslMechanism::ScramSha256);
}

#[test]
fn scram_sha_512_sessions_are_renewed() {
    sessions_are_renewed_without_a_cut(SaslMechanism::ScramSha512);
}
