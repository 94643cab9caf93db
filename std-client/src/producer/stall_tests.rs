//! A broker that stops reading cannot hold deliveries forever, against a scripted broker (see
//! [`crate::broker::scripted`]) that answers ApiVersions and Metadata and, once it receives a
//! Produce request on a connection, never reads from it again: with `acks=0` no answer is
//! awaited, so only a deadline on the write ends it.

use std::time::{Duration, Instant};

use async_net::TcpStream;
use franzl_core::frame::RequestHeader;
use franzl_core::messages::ApiKey;
use franzl_core::wire::{Reader, Uuid};

use crate::broker::scripted::{self, Script};
use crate::config::ProducerConfig;
use crate::producer::{Producer, ProducerRecord};

const SCRIPT: Script<'static> = Script {
    offers: &[
        (ApiKey::ApiVersions, 0, 3),
        (ApiKey::Metadata, 0, 12),
        (ApiKey::Produce, 3, 11),
    ],
    finalized: None,
    topic: "t",
    topic_id: Uuid::ZERO,
    partitions: &[(0, 0)],
};

async fn serve(mut stream: TcpStream, port: u16) {
    while let Some(frame) = scripted::next_request(&mut stream).await {
        let mut reader = Reader::new(&frame);
        let header = RequestHeader::read(&mut reader).unwrap();
        if scripted::answer_discovery(&mut stream, &header, port, &SCRIPT).await {
            continue;
        }
        match ApiKey::from_key(header.api_key).unwrap() {
            ApiKey::Produce => {
                // Holds the connection open and never reads again.
                futures_lite::future::pending::<()>().await;
            }
            other => panic!("the scripted broker does not answer {other:?}"),
        }
    }
}

#[test]
fn with_acks_0_a_broker_that_stops_reading_fails_every_delivery_in_time() {
    smol::block_on(async {
        let port = scripted::start(serve).await;
        let config = ProducerConfig::from_properties([
            ("bootstrap.servers", format!("127.0.0.1:{port}")),
            ("acks", "0".to_owned()),
            ("enable.idempotence", "false".to_owned()),
            ("request.timeout.ms", "1000".to_owned()),
            ("delivery.timeout.ms", "3000".to_owned()),
            ("buffer.memory", (128 << 20).to_string()),
            ("max.block.ms", "3000".to_owned()),
        ])
        .unwrap();
        let producer = Producer::connect(config).await.unwrap();
        // Far more than the sockets' buffers hold: writes stall once they are full.
        let value = vec![b'v'; 512 * 1024];
        let started = Instant::now();
        let mut deliveries = Vec::new();
        for _ in 0..100 {
            match producer.send(ProducerRecord::new("t", &value)).await {
                Ok(delivery) => deliveries.push(delivery),
                Err(_) => break,
            }
        }
        let resolved = smol::future::or(
            async {
                let mut failed = 0;
                for delivery in deliveries {
                    failed += usize::from(delivery.await.is_err());
                }
                producer.flush().await;
                Some(failed)
            },
            async {
                async_io::Timer::after(Duration::from_secs(30)).await;
                None
            },
        )
        .await;
        let failed = resolved.expect("deliveries still pending 30 s after a stalled broker");
        assert!(
            failed > 0,
            "a broker that reads nothing cannot take them all"
        );
        // delivery.timeout.ms plus request.timeout.ms, with room for a slow machine.
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{:?}",
            started.elapsed()
        );
        producer.close().await;
    });
}
