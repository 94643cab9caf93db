//! The client's connections and cluster against the plain broker, and against faults: a
//! connection cut in the middle of a response, brokers that answer garbage or nothing, frames
//! above the limit, a topic that does not exist.

use std::time::{Duration, Instant};

use franzl::admin::NewTopic;
use franzl::cluster::{BrokerConnection, Client, CoordinatorKind};
use franzl::config::AddressFamily;
use franzl::core::ErrorCode;
use franzl::core::conn::FrameError;
use franzl::core::messages::api_versions::ApiVersionsRequest;
use franzl::core::messages::metadata::MetadataRequest;
use franzl::{Admin, AdminConfig};
use franzl::{Error, Result};
use franzl_tests::client::{CuttingProxy, FakeBroker, builder, noise, plain_config};
use franzl_tests::{Profile, broker};

fn connect(bootstrap: &str) -> Result<BrokerConnection> {
    let config = builder(bootstrap).build().unwrap();
    smol::block_on(BrokerConnection::open(bootstrap, &config))
}

/// A handle made from a client runs on the client's settings: a config whose client part
/// differs is refused, naming the setting and both values, and one with the client's own is
/// taken by all three handles.
#[test]
fn handles_made_from_a_client_take_its_settings_or_are_refused() {
    let broker = broker(Profile::Plain);
    smol::block_on(async {
        let client = Client::connect(plain_config(broker)).await.unwrap();
        let mut producer_config = franzl::ProducerConfig::from_properties([
            ("bootstrap.servers", broker.bootstrap().as_str()),
            ("client.id", "someone-else"),
        ])
        .unwrap();
        let refused = franzl::Producer::new(&client, producer_config.clone()).unwrap_err();
        let Error::Usage { what } = &refused else {
            panic!("{refused:?}");
        };
        assert!(
            what.contains("client.id") && what.contains("someone-else"),
            "{what}"
        );
        let mut consumer_config = franzl::ConsumerConfig::from_properties([(
            "bootstrap.servers",
            broker.bootstrap().as_str(),
        )])
        .unwrap();
        let refused = franzl::Consumer::new(&client, consumer_config.clone()).unwrap_err();
        assert!(matches!(refused, Error::Usage { .. }), "{refused:?}");

        producer_config.client = client.config().clone();
        consumer_config.client = client.config().clone();
        let producer = franzl::Producer::new(&client, producer_config).unwrap();
        let consumer = franzl::Consumer::new(&client, consumer_config).unwrap();
        let admin = Admin::new(&client, AdminConfig::from_client(client.config().clone())).unwrap();
        assert_eq!(admin.describe_cluster().await.unwrap().brokers.len(), 1);
        producer.close().await;
        consumer.close().await;
        admin.close().await;
        client.close().await;
    });
}

#[test]
fn cluster_metadata_lists_the_broker() {
    let broker = broker(Profile::Plain);
    smol::block_on(async {
        let cluster = Client::connect(plain_config(broker)).await.unwrap();
        let metadata = cluster.metadata();
        assert_eq!(metadata.brokers.len(), 1, "{metadata:?}");
        assert!(metadata.cluster_id.is_some());
        assert!(metadata.brokers.contains_key(&metadata.controller_id));
        let connection = cluster.any_broker().await.unwrap();
        assert!(
            connection
                .version(franzl::core::messages::ApiKey::Metadata)
                .unwrap()
                >= 9
        );
    });
}

#[test]
fn pipelined_requests_are_answered_in_their_own_replies() {
    let broker = broker(Profile::Plain);
    let connection = connect(&broker.bootstrap()).unwrap();
    smol::block_on(async {
        let requests = (0..40).map(|i| {
            let connection = connection.clone();
            async move {
                if i % 2 == 0 {
                    let response = connection.request(&MetadataRequest::default()).await?;
                    let metadata = response.decode::<MetadataRequest<'_>>()?;
                    assert_eq!(metadata.brokers.len(), 1);
                } else {
                    let request = ApiVersionsRequest {
                        client_software_name: "franzl-tests",
                        client_software_version: "1",
                        ..Default::default()
                    };
                    let response = connection.request(&request).await?;
                    let versions = response.decode::<ApiVersionsRequest<'_>>()?;
                    assert_eq!(versions.error_code, ErrorCode::NONE);
                }
                Ok::<_, Error>(())
            }
        });
        let tasks: Vec<_> = requests.map(smol::spawn).collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert!(!connection.is_closed());
}

#[test]
fn a_topic_that_does_not_exist_is_a_clear_error() {
    let broker = broker(Profile::Plain);
    smol::block_on(async {
        let cluster = Client::connect(plain_config(broker)).await.unwrap();
        let started = Instant::now();
        let error = cluster.leader("franzl-no-such-topic", 0).await.unwrap_err();
        assert_eq!(
            error.kafka_code(),
            Some(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION),
            "{error}"
        );
        assert!(
            error.to_string().contains("franzl-no-such-topic"),
            "{error}"
        );
        assert!(started.elapsed() < Duration::from_secs(5), "no waiting");
    });
}

#[test]
fn a_connection_cut_mid_response_fails_every_request_in_flight() {
    let broker = broker(Profile::Plain);
    let proxy = CuttingProxy::start(broker.nodes[0].address);
    let connection = connect(&proxy.bootstrap()).unwrap();
    proxy.cut_after(10);
    smol::block_on(async {
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let connection = connection.clone();
                smol::spawn(async move {
                    connection
                        .request(&MetadataRequest::default())
                        .await
                        .map(drop)
                })
            })
            .collect();
        for task in tasks {
            let error = task.await.unwrap_err();
            assert!(error.is_retriable(), "{error}");
            // The cut shows as the end of the stream to the reader, or as a broken pipe or a
            // reset to a writer that was still sending, whichever comes first.
            assert!(
                matches!(&error, Error::Io { source, .. }
                    if matches!(source.kind(), std::io::ErrorKind::UnexpectedEof
                        | std::io::ErrorKind::BrokenPipe
                        | std::io::ErrorKind::ConnectionReset))
                    || matches!(error, Error::Closed { .. }),
                "{error}"
            );
        }
    });
    assert!(connection.is_closed());
}

#[test]
fn a_cut_inside_a_response_says_so() {
    let broker = broker(Profile::Plain);
    let proxy = CuttingProxy::start(broker.nodes[0].address);
    let connection = connect(&proxy.bootstrap()).unwrap();
    proxy.cut_after(10);
    let error = smol::block_on(connection.request(&MetadataRequest::default())).unwrap_err();
    assert!(
        error.to_string().contains("in the middle of a response"),
        "{error}"
    );
    assert!(error.is_retriable());
}

#[test]
fn a_huge_size_prefix_is_refused_before_reading() {
    let fake = FakeBroker::start(vec![0x7f, 0xff, 0xff, 0xff]);
    let error = connect(&fake.bootstrap()).unwrap_err();
    assert!(
        matches!(error, Error::Frame(FrameError::TooLarge { .. })),
        "{error}"
    );
    assert!(!error.is_retriable());
}

#[test]
fn random_bytes_close_the_connection_with_a_protocol_error() {
    for seed in 1..=5 {
        let fake = FakeBroker::start(noise(64, seed));
        let error = connect(&fake.bootstrap()).unwrap_err();
        assert!(
            matches!(error, Error::Frame(_) | Error::Protocol { .. }),
            "seed {seed}: {error}"
        );
    }
    // A well-formed frame whose header names a request never sent.
    let fake = FakeBroker::start(vec![0, 0, 0, 6, 0x12, 0x34, 0x56, 0x78, 0, 0]);
    let error = connect(&fake.bootstrap()).unwrap_err();
    assert!(matches!(error, Error::Protocol { .. }), "{error}");
    assert!(error.to_string().contains("correlation id"), "{error}");
}

#[test]
fn a_silent_broker_times_out() {
    let fake = FakeBroker::start(Vec::new());
    let started = Instant::now();
    let error = connect(&fake.bootstrap()).unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error}");
    assert!(error.is_retriable());
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn responses_above_the_limit_are_refused() {
    let broker = broker(Profile::Plain);
    let config = builder(&broker.bootstrap())
        .max_response_size(64)
        .build()
        .unwrap();
    let error = smol::block_on(BrokerConnection::open(&broker.bootstrap(), &config)).unwrap_err();
    assert!(
        matches!(error, Error::Frame(FrameError::TooLarge { max: 64, .. })),
        "{error}"
    );
}

#[test]
fn the_address_family_can_be_forced() {
    let broker = broker(Profile::Plain);
    smol::block_on(async {
        let v4 = builder(&broker.bootstrap())
            .address_family(AddressFamily::V4)
            .build()
            .unwrap();
        Client::connect(v4).await.unwrap();
        let v6 = builder(&broker.bootstrap())
            .address_family(AddressFamily::V6)
            .timeouts(
                Duration::from_secs(2),
                Duration::from_secs(2),
                Duration::from_secs(2),
            )
            .build()
            .unwrap();
        let error = Client::connect(v6).await.unwrap_err();
        assert!(matches!(error, Error::Resolve { .. }), "{error}");
    });
}

#[test]
fn bootstrap_fails_over_to_the_next_address() {
    let broker = broker(Profile::Plain);
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_address = dead.local_addr().unwrap().to_string();
    drop(dead);
    let config = franzl::config::ClientConfig::builder()
        .bootstrap_servers([dead_address, broker.bootstrap()])
        .build()
        .unwrap();
    smol::block_on(async {
        let cluster = Client::connect(config).await.unwrap();
        assert_eq!(cluster.metadata().brokers.len(), 1);
    });
}

#[test]
fn an_unanswered_request_times_out_and_closes_the_connection() {
    let broker = broker(Profile::Plain);
    let proxy = CuttingProxy::start(broker.nodes[0].address);
    let config = builder(&proxy.bootstrap())
        .timeouts(
            Duration::from_secs(5),
            Duration::from_secs(1),
            Duration::from_secs(5),
        )
        .build()
        .unwrap();
    let connection = smol::block_on(BrokerConnection::open(&proxy.bootstrap(), &config)).unwrap();
    proxy.stall();
    let started = Instant::now();
    let error = smol::block_on(connection.request(&MetadataRequest::default())).unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error}");
    assert!(error.is_retriable());
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(connection.is_closed());
}

#[test]
fn coordinators_are_found_for_groups_and_transactions() {
    let broker = broker(Profile::Plain);
    smol::block_on(async {
        let cluster = Client::connect(plain_config(broker)).await.unwrap();
        for kind in [CoordinatorKind::Group, CoordinatorKind::Transaction] {
            let key = franzl_tests::unique_topic("coordinator-key");
            let coordinator = cluster
                .coordinator(kind, &key)
                .await
                .unwrap_or_else(|error| panic!("{kind:?}: {error}"));
            assert_eq!(coordinator.node_id(), Some(1));
            // Cached: the same connection again, without asking.
            let again = cluster.coordinator(kind, &key).await.unwrap();
            assert_eq!(again.node_id(), Some(1));
            cluster.invalidate_coordinator(kind, &key);
        }
    });
}

#[test]
fn metadata_is_refreshed_in_the_background() {
    let broker = broker(Profile::Plain);
    let topic = franzl_tests::unique_topic("background-refresh");
    let config = builder(&broker.bootstrap())
        .metadata_max_age(Duration::from_millis(300))
        .build()
        .unwrap();
    smol::block_on(async {
        let cluster = Client::connect(config).await.unwrap();
        let snapshot = cluster.refresh_metadata(&[&topic]).await.unwrap();
        assert_eq!(
            snapshot.topic(&topic).unwrap().error,
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
        );
        let admin = Admin::connect(AdminConfig::from_client(plain_config(broker)))
            .await
            .unwrap();
        admin
            .create_topic(NewTopic::new(&topic, 2, 1))
            .await
            .unwrap();
        // The cluster's refresher asks about the topics it knows... except those reported
        // missing; so ask once more, then let the refresher keep it current.
        cluster.refresh_metadata(&[&topic]).await.unwrap();
        admin.create_partitions(&topic, 3).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while cluster.metadata().topic(&topic).unwrap().partitions.len() != 3 {
            assert!(Instant::now() < deadline, "the new partition never showed");
            smol::Timer::after(Duration::from_millis(100)).await;
        }
        admin.delete_topics(&[&topic]).await.unwrap();
    });
}

#[test]
fn a_refresh_asked_after_a_topic_is_created_sees_it_while_the_refresher_runs() {
    // The refresher refreshes without pause, so a caller's refresh often queues behind one that
    // started before the topic existed (and did not ask about it, as it was reported missing).
    let broker = broker(Profile::Plain);
    let config = builder(&broker.bootstrap())
        .metadata_max_age(Duration::from_millis(1))
        .build()
        .unwrap();
    smol::block_on(async {
        let cluster = Client::connect(config).await.unwrap();
        let admin = Admin::connect(AdminConfig::from_client(plain_config(broker)))
            .await
            .unwrap();
        for round in 0..10 {
            let topic = franzl_tests::unique_topic(&format!("refresh-race-{round}"));
            let before = cluster.refresh_metadata(&[&topic]).await.unwrap();
            assert_eq!(
                before.topic(&topic).unwrap().error,
                ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
            );
            admin
                .create_topic(NewTopic::new(&topic, 1, 1))
                .await
                .unwrap();
            let after = cluster.refresh_metadata(&[&topic]).await.unwrap();
            let error = after.topic(&topic).unwrap().error;
            assert_ne!(
                error,
                ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                "round {round}: a refresh after the creation still calls {topic} missing"
            );
            admin.delete_topics(&[&topic]).await.unwrap();
        }
    });
}

#[test]
fn a_connection_cut_inside_the_handshake_is_a_retriable_error() {
    let broker = broker(Profile::Plain);
    let proxy = CuttingProxy::start(broker.nodes[0].address);
    // The ApiVersions response is cut after its size prefix and a few bytes.
    proxy.cut_after(7);
    let error = connect(&proxy.bootstrap()).unwrap_err();
    assert!(
        matches!(&error, Error::Io { source, .. }
            if source.kind() == std::io::ErrorKind::UnexpectedEof),
        "{error}"
    );
    assert!(error.is_retriable());
}
