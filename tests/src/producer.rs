//! Helpers for the producer's tests: configurations, topics made through franzl's admin API,
//! and kcat as an independent reader (`kcat -C ... -e`, one line per record).

use std::process::Command;

use franzl::AdminConfig;
use franzl::admin::{Admin, NewTopic};
use franzl::config::{ClientConfigBuilder, ProducerConfig, ProducerConfigBuilder};
use xtask::broker::Broker;

use crate::client::builder;

/// The client settings for `broker`: every node of the profile as a bootstrap server.
pub fn client_builder(broker: &Broker) -> ClientConfigBuilder {
    let bootstrap = broker.bootstrap();
    builder(&bootstrap).bootstrap_servers(bootstrap.split(',').map(str::to_owned))
}

/// A producer configuration for `broker`, edited by `edit`.
pub fn producer_config(
    broker: &Broker,
    edit: impl FnOnce(ProducerConfigBuilder) -> ProducerConfigBuilder,
) -> ProducerConfig {
    let base = ProducerConfig::builder().client(|_| client_builder(broker));
    edit(base).build().expect("producer config")
}

/// Creates `topic` with `partitions` partitions and `replication` replicas, and waits until
/// it is ready.
pub fn create_topic(broker: &Broker, topic: &str, partitions: i32, replication: i16) {
    create_topic_with(broker, NewTopic::new(topic, partitions, replication));
}

/// Creates a topic as `new_topic` describes, and waits until it is ready.
pub fn create_topic_with(broker: &Broker, new_topic: NewTopic) {
    smol::block_on(async {
        let config = client_builder(broker).build().expect("client config");
        let admin = Admin::connect(AdminConfig::from_client(config))
            .await
            .expect("admin");
        admin.create_topic(new_topic).await.expect("create topic");
    });
}

/// A record as kcat printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadRecord {
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its key, empty for none.
    pub key: String,
    /// Its value.
    pub value: String,
    /// Its timestamp (milliseconds since the epoch).
    pub timestamp: i64,
    /// Its headers as kcat prints them (`k1=v1,k2=v2`), empty for none.
    pub headers: String,
}

/// Reads every record of `topic` with kcat (keys and values must hold no tab or line break).
///
/// # Panics
///
/// kcat cannot run or fails; the message holds its standard error.
pub fn kcat_read(bootstrap: &str, topic: &str) -> Vec<ReadRecord> {
    let output = Command::new("kcat")
        .args(["-C", "-b", bootstrap, "-t", topic, "-e", "-q"])
        .args(["-f", "%p\t%o\t%k\t%s\t%T\t%h\n"])
        .args(["-X", "fetch.max.bytes=52428800"])
        .output()
        .expect("kcat runs (apt-get install -y kcat)");
    assert!(
        output.status.success(),
        "kcat failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut fields = line.splitn(6, '\t');
            let mut next = || fields.next().unwrap_or_default();
            ReadRecord {
                partition: next().parse().expect("partition"),
                offset: next().parse().expect("offset"),
                key: next().to_owned(),
                value: next().to_owned(),
                timestamp: next().parse().expect("timestamp"),
                headers: next().to_owned(),
            }
        })
        .collect()
}
