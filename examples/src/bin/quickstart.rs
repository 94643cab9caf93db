//! The quickstart: create a topic, produce a few records, read them back, print them.
//!
//! ```text
//! quickstart [--bootstrap host:port] [--command-config FILE] [--property k=v]... [TOPIC]
//! ```
//! The topic (default `franzl-quickstart`) is created with one partition if it does not exist.
//! The records are read back with the consumer, from the first offset produced. The admin
//! client, the producer and the consumer are made from one [`Client`] and share its metadata
//! and connections.

use std::process::ExitCode;
use std::time::Duration;

use franzl::admin::NewTopic;
use franzl::core::ErrorCode;
use franzl::{Admin, AdminConfig, Client, ClientConfig, Consumer, ConsumerConfig};
use franzl::{Producer, ProducerConfig, ProducerRecord, SeekTo, TopicPartition};
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
    let client_config =
        ClientConfig::from_properties(args.properties.clone()).map_err(|e| e.to_string())?;
    let client = Client::connect(client_config)
        .await
        .map_err(|e| e.to_string())?;
    let admin = Admin::new(&client, AdminConfig::from_client(client.config().clone()))
        .map_err(|e| e.to_string())?;
    match admin.create_topic(NewTopic::new(&topic, 1, 1)).await {
        Ok(()) => println!("created topic {topic}"),
        Err(error) if error.kafka_code() == Some(ErrorCode::TOPIC_ALREADY_EXISTS) => {
            println!("topic {topic} exists");
        }
        Err(error) => return Err(error.to_string()),
    }

    let config =
        ProducerConfig::from_properties(args.properties.clone()).map_err(|e| e.to_string())?;
    let producer = Producer::new(&client, config).map_err(|e| e.to_string())?;
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
    producer.close().await;

    let config = ConsumerConfig::from_properties(args.properties).map_err(|e| e.to_string())?;
    let mut consumer = Consumer::new(&client, config).map_err(|e| e.to_string())?;
    let partition = TopicPartition::new(&topic, 0);
    consumer.assign([partition.clone()]);
    let from = first_offset.unwrap_or(0);
    consumer
        .seek(&partition, SeekTo::Offset(from))
        .map_err(|e| e.to_string())?;
    let mut read = 0;
    while read < 3 {
        let records = consumer
            .poll(Duration::from_secs(10))
            .await
            .map_err(|e| e.to_string())?;
        if records.is_empty() {
            return Err(format!(
                "read {read} of the 3 records back, then nothing for 10 s"
            ));
        }
        for record in records {
            println!(
                "read offset {}: {}={}",
                record.offset(),
                String::from_utf8_lossy(record.key().unwrap_or_default()),
                String::from_utf8_lossy(record.value().unwrap_or_default())
            );
            read += 1;
        }
    }
    consumer.close().await;
    admin.close().await;
    client.close().await;
    Ok(())
}
