//! The quickstart: create a topic, produce a few records, read them back, print them.
//!
//! ```text
//! quickstart [--bootstrap host:port] [--command-config FILE] [--property k=v]... [TOPIC]
//! ```
//! The topic (default `franzl-quickstart`) is created with one partition if it does not exist.
//! Records are read back with a plain Fetch request through the cluster's leader connection.

use std::process::ExitCode;

use franzl::Admin;
use franzl::admin::NewTopic;
use franzl::config::{AdminConfig, ProducerConfig};
use franzl::core::ErrorCode;
use franzl::core::messages::ApiKey;
use franzl::core::messages::Array;
use franzl::core::messages::fetch::{FetchPartition, FetchRequest, FetchTopic};
use franzl::core::record::{Batch, Batches};
use franzl::producer::{Producer, ProducerRecord};
use franzl_examples::{common_args, init_logging};

fn main() -> ExitCode {
    init_logging();
    match smol::block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("quickstart: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let args = common_args(std::env::args().skip(1))?;
    let topic = args
        .rest
        .first()
        .cloned()
        .unwrap_or_else(|| "franzl-quickstart".into());
    let admin_config =
        AdminConfig::from_properties(args.properties.clone()).map_err(|e| e.to_string())?;
    let admin = Admin::connect(admin_config)
        .await
        .map_err(|e| e.to_string())?;
    match admin.create_topic(NewTopic::new(&topic, 1, 1)).await {
        Ok(()) => println!("created topic {topic}"),
        Err(error) if error.kafka_code() == Some(ErrorCode::TOPIC_ALREADY_EXISTS) => {
            println!("topic {topic} exists");
        }
        Err(error) => return Err(error.to_string()),
    }

    let config = ProducerConfig::from_properties(args.properties).map_err(|e| e.to_string())?;
    let producer = Producer::connect(config).await.map_err(|e| e.to_string())?;
    let mut first_offset = None;
    for (key, value) in [
        ("greeting", "hello"),
        ("greeting", "from"),
        ("name", "franzl"),
    ] {
        let record = ProducerRecord::new(&topic, value.as_bytes()).key(key.as_bytes());
        let delivery = producer.send(record).await.map_err(|e| e.to_string())?;
        let metadata = delivery.await.map_err(|e| e.to_string())?;
        println!(
            "produced {key}={value} at partition {} offset {}",
            metadata.partition, metadata.offset
        );
        first_offset.get_or_insert(metadata.offset);
    }
    let cluster = producer.cluster().clone();
    producer.close().await;

    let leader = cluster.leader(&topic, 0).await.map_err(|e| e.to_string())?;
    // Topic names are in Fetch up to v12 (topic ids after).
    let version = leader
        .version(ApiKey::Fetch)
        .map_err(|e| e.to_string())?
        .min(12);
    let partitions = [FetchPartition {
        partition: 0,
        fetch_offset: first_offset.unwrap_or(0),
        partition_max_bytes: 1 << 20,
        ..Default::default()
    }];
    let topics = [FetchTopic {
        topic: &topic,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = FetchRequest {
        replica_id: -1,
        max_wait_ms: 500,
        min_bytes: 1,
        max_bytes: 1 << 20,
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    let frame = leader
        .request_at(&request, version)
        .await
        .map_err(|e| e.to_string())?;
    let response = frame
        .decode::<FetchRequest<'_>>()
        .map_err(|e| e.to_string())?;
    let mut scratch = vec![0u8; 1 << 20];
    for partition in response.responses.iter().flat_map(|t| t.partitions.iter()) {
        let records = partition.records.unwrap_or_default();
        for batch in Batches::new(records) {
            let Ok(Batch::V2(batch)) = batch else {
                continue;
            };
            let records = batch.records_in(&mut scratch).map_err(|e| e.to_string())?;
            for record in records {
                let record = record.map_err(|e| e.to_string())?;
                println!(
                    "read offset {}: {}={}",
                    record.offset,
                    String::from_utf8_lossy(record.key.unwrap_or_default()),
                    String::from_utf8_lossy(record.value.unwrap_or_default())
                );
            }
        }
    }
    Ok(())
}
