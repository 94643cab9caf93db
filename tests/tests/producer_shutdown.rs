//! Shutdown that keeps its word, against the `plain` broker: `flush_within` and `close_within`
//! return within their timeout, with an error that says how many records are still unresolved,
//! while the broker does not answer (its process paused with SIGSTOP, resumed with SIGCONT
//! before the test ends, also when it fails); and return `Ok` once every record is delivered.
//! The tests take turns, so the pause never meets the other test.

use std::process::Command;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use franzl::Error;
use franzl::producer::{Delivery, Producer, ProducerRecord};
use franzl_tests::producer::{create_topic, producer_config};
use franzl_tests::{Profile, broker, unique_topic};

/// Held by each test: the pause must not meet the other test.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The plain broker's process, paused until this is dropped.
struct Paused(u32);

impl Paused {
    fn pause(pid: u32) -> Self {
        signal("-STOP", pid);
        Self(pid)
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        signal("-CONT", self.0);
    }
}

/// Sends ten records to `topic`; their deliveries.
async fn send_ten(producer: &Producer, topic: &str) -> Vec<Delivery> {
    let mut deliveries = Vec::new();
    for _ in 0..10 {
        let record = ProducerRecord::new(topic, b"v");
        deliveries.push(producer.send(record).await.unwrap());
    }
    deliveries
}

fn signal(which: &str, pid: u32) {
    let status = Command::new("kill")
        .args([which, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {which} {pid}");
}

#[test]
fn flush_and_close_within_a_timeout_report_what_is_left() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let broker = broker(Profile::Plain);
    let topic = unique_topic("paused");
    create_topic(broker, &topic, 1, 1);
    let config = producer_config(broker, |b| b);
    smol::block_on(async {
        let producer = Producer::connect(config).await.unwrap();
        // Connected to the partition's leader before the pause.
        let first = producer
            .send(ProducerRecord::new(&topic, b"first"))
            .await
            .unwrap();
        first.await.unwrap();
        let paused = Paused::pause(broker.nodes[0].pid);
        let deliveries = send_ten(&producer, &topic).await;
        let started = Instant::now();
        let error = producer
            .flush_within(Duration::from_millis(500))
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "bounded wait");
        assert!(matches!(error, Error::Timeout { .. }), "{error}");
        assert!(error.to_string().contains("10 records"), "{error}");

        let started = Instant::now();
        let error = producer
            .close_within(Duration::from_millis(500))
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(10), "bounded wait");
        assert!(error.to_string().contains("10 records"), "{error}");
        // Resumed, the broker takes them: nothing waited for them, but they are delivered.
        drop(paused);
        for delivery in deliveries {
            delivery.await.unwrap();
        }
    });
}

#[test]
fn close_within_is_ok_once_every_record_is_delivered() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let topic = unique_topic("closable");
    create_topic(broker(Profile::Plain), &topic, 1, 1);
    let config = producer_config(broker(Profile::Plain), |b| b);
    smol::block_on(async {
        let producer = Producer::connect(config).await.unwrap();
        let deliveries = send_ten(&producer, &topic).await;
        producer
            .close_within(Duration::from_secs(30))
            .await
            .unwrap();
        for delivery in deliveries {
            delivery.await.unwrap();
        }
    });
}

/// Clones share one producer: `close` on one waits for the records every clone sent (with a
/// long `linger.ms`, none is sent before the close), and a send on any clone after it is a
/// usage error.
#[test]
fn close_on_a_clone_closes_every_clone_after_their_records() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let topic = unique_topic("clones");
    create_topic(broker(Profile::Plain), &topic, 1, 1);
    let config = producer_config(broker(Profile::Plain), |b| {
        b.linger(Duration::from_secs(60))
    });
    smol::block_on(async {
        let producer = Producer::connect(config).await.unwrap();
        let other = producer.clone();
        let mut deliveries = send_ten(&producer, &topic).await;
        deliveries.extend(send_ten(&other, &topic).await);
        let started = Instant::now();
        producer.close().await;
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "close sends at once, without lingering: {:?}",
            started.elapsed()
        );
        for delivery in deliveries {
            let poll = futures_lite::future::poll_once(delivery).await;
            assert!(
                matches!(poll, Some(Ok(_))),
                "every clone's record is delivered when close returns: {poll:?}"
            );
        }
        let refused = other.send(ProducerRecord::new(&topic, b"late")).await;
        assert!(
            matches!(refused, Err(Error::Usage { .. })),
            "a send on a clone after close: {refused:?}"
        );
    });
}
