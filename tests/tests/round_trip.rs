//! Each single-node profile end to end with the Java tools: create a topic, write three records
//! with the console producer, read them back with the console consumer. (cluster3's round trip is
//! in `cluster3.rs`, the binary that may disrupt that cluster.)

use franzl_tests::java_tools::{consume, create_topic, produce};
use franzl_tests::{Profile, broker, unique_topic};

fn round_trip(profile: Profile) {
    let broker = broker(profile);
    let bootstrap = broker.bootstrap();
    let config = broker.client_properties();
    let topic = unique_topic(&format!("round-trip-{profile}"));
    create_topic(&bootstrap, config.as_deref(), &topic, 1);
    produce(
        &bootstrap,
        config.as_deref(),
        &topic,
        &["one", "two", "three"],
    );
    let values = consume(&bootstrap, config.as_deref(), &topic, 3);
    assert_eq!(values, ["one", "two", "three"]);
}

#[test]
fn plain_round_trip() {
    round_trip(Profile::Plain);
}

#[test]
fn sasl_round_trip() {
    round_trip(Profile::Sasl);
}

#[test]
fn tls_round_trip() {
    round_trip(Profile::Tls);
}
