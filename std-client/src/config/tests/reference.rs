//! The property reference against the property tables: the committed Markdown is what the
//! tables render, documented defaults are the defaults, aliases read as their property,
//! refused properties are refused, and every accepted property either changes the built
//! configuration or is documented as having no effect.

use std::collections::HashSet;
use std::fmt::Debug;
use std::path::PathBuf;

use super::with_bootstrap;
use crate::config::admin::ADMIN;
use crate::config::client_properties::CLIENT;
use crate::config::consumer_properties::CONSUMER;
use crate::config::producer_properties::PRODUCER;
use crate::config::properties::{FromProperties, from_pairs};
use crate::config::reference::{DefaultValue, Table};
use crate::config::*;

/// The variable that makes [`reference_files_match_the_tables`] rewrite the files.
const BLESS: &str = "FRANZL_BLESS_REFERENCE";

/// The reference files, each with what its table renders.
fn rendered() -> [(&'static str, String); 4] {
    [
        ("client.md", CLIENT.render()),
        ("producer.md", PRODUCER.render()),
        ("consumer.md", CONSUMER.render()),
        ("admin.md", ADMIN.render()),
    ]
}

#[test]
fn reference_files_match_the_tables() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/config/reference");
    let bless = std::env::var_os(BLESS).is_some();
    let mut stale = Vec::new();
    for (file, text) in rendered() {
        let path = dir.join(file);
        if bless {
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "out of date with the property tables: {}; regenerate with \
         `{BLESS}=1 cargo test -p franzl --lib config::tests::reference` and commit the result",
        stale.join(", ")
    );
}

/// Properties with their values.
type Pairs = &'static [(&'static str, &'static str)];

/// A value that differs from the default for every accepted property (the accepted value for
/// those with no effect), with the other properties it needs to build.
const EXAMPLES: &[(&str, &str, Pairs)] = &[
    ("bootstrap.servers", "other:9093", &[]),
    ("client.id", "app", &[]),
    ("security.protocol", "SSL", &[]),
    ("sasl.mechanism", "SCRAM-SHA-256", SASL),
    ("sasl.username", "v", SASL),
    ("sasl.password", "q", SASL),
    (
        "sasl.jaas.config",
        r#"PlainLoginModule required username="c" password="d";"#,
        &[
            ("security.protocol", "SASL_PLAINTEXT"),
            ("sasl.mechanism", "PLAIN"),
            (
                "sasl.jaas.config",
                r#"PlainLoginModule required username="a" password="b";"#,
            ),
        ],
    ),
    ("ssl.ca.location", "ca.pem", &[]),
    (
        "ssl.truststore.location",
        "ca.pem",
        &[("ssl.truststore.type", "PEM")],
    ),
    ("ssl.truststore.type", "PEM", &[]),
    ("ssl.certificate.location", "other.pem", CLIENT_CERT),
    ("ssl.key.location", "other-key.pem", CLIENT_CERT),
    ("ssl.key.password", "pw", &[]),
    ("ssl.endpoint.identification.algorithm", "", &[]),
    ("socket.connection.setup.timeout.ms", "1234", &[]),
    ("request.timeout.ms", "1234", &[]),
    ("max.block.ms", "1234", &[]),
    ("metadata.max.age.ms", "1234", &[]),
    ("reconnect.backoff.ms", "10", &[]),
    ("reconnect.backoff.max.ms", "2000", &[]),
    ("retry.backoff.ms", "10", &[]),
    ("retry.backoff.max.ms", "2000", &[]),
    ("send.buffer.bytes", "65536", &[]),
    ("receive.buffer.bytes", "65536", &[]),
    ("socket.send.buffer.bytes", "65536", &[]),
    ("socket.receive.buffer.bytes", "65536", &[]),
    ("socket.nagle.disable", "false", &[]),
    ("socket.keepalive.enable", "true", &[]),
    ("broker.address.family", "v4", &[]),
    ("receive.message.max.bytes", "200000000", &[]),
    ("franzl.hex.dump", "true", &[]),
    ("acks", "1", &[]),
    ("linger.ms", "10", &[]),
    ("batch.size", "1000", &[]),
    ("buffer.memory", "1048576", &[]),
    ("queue.buffering.max.kbytes", "1024", &[]),
    ("max.request.size", "2000000", &[]),
    ("compression.type", "lz4", &[]),
    ("enable.idempotence", "false", &[]),
    ("max.in.flight.requests.per.connection", "3", &[]),
    ("retries", "3", &[]),
    ("delivery.timeout.ms", "200000", &[]),
    ("partitioner", "murmur2_random", &[]),
    ("partitioner.ignore.keys", "true", &[]),
    ("transactional.id", "t", &[]),
    (
        "transaction.timeout.ms",
        "9000",
        &[("transactional.id", "t")],
    ),
    ("auto.offset.reset", "earliest", &[]),
    ("isolation.level", "read_committed", &[]),
    ("fetch.min.bytes", "10", &[]),
    ("fetch.max.bytes", "1000000", &[]),
    ("max.partition.fetch.bytes", "2000", &[]),
    ("fetch.max.wait.ms", "100", &[]),
    ("queued.max.messages.kbytes", "131072", &[]),
    ("max.poll.records", "10", &[]),
    ("check.crcs", "false", &[]),
    ("client.rack", "r1", &[]),
    ("default.api.timeout.ms", "1000", &[]),
    ("group.id", "orders", &[]),
    ("group.instance.id", "gw-1", GROUP),
    ("session.timeout.ms", "10000", GROUP),
    ("heartbeat.interval.ms", "1000", GROUP),
    ("max.poll.interval.ms", "60000", GROUP),
    ("enable.auto.commit", "false", GROUP),
    ("auto.commit.interval.ms", "1000", GROUP),
    ("partition.assignment.strategy", "roundrobin", GROUP),
    ("group.protocol", "consumer", GROUP),
    ("group.remote.assignor", "range", CONSUMER_GROUP),
    ("allow.auto.create.topics", "false", &[]),
    ("exclude.internal.topics", "true", &[]),
];

const GROUP: Pairs = &[("group.id", "orders")];

const CONSUMER_GROUP: Pairs = &[("group.id", "orders"), ("group.protocol", "consumer")];

const SASL: Pairs = &[
    ("security.protocol", "SASL_PLAINTEXT"),
    ("sasl.mechanism", "PLAIN"),
    ("sasl.username", "u"),
    ("sasl.password", "p"),
];

const CLIENT_CERT: Pairs = &[
    ("ssl.certificate.location", "cert.pem"),
    ("ssl.key.location", "key.pem"),
];

fn build<B: FromProperties>(pairs: &[(&str, &str)]) -> Result<B::Config, ConfigError> {
    from_pairs::<B, _, _, _>(with_bootstrap(pairs))
}

/// Walks `table` with builder `B`: see the module docs.
fn walk<B>(table: &Table<B>)
where
    B: FromProperties,
    B::Config: PartialEq + Debug,
{
    for property in table.properties {
        let name = property.name;
        let Some(&(_, value, context)) = EXAMPLES.iter().find(|(n, ..)| *n == name) else {
            panic!("no example for `{name}`: add one to EXAMPLES in config/tests/reference.rs");
        };
        let before = build::<B>(context).unwrap_or_else(|e| panic!("{name}'s context: {e}"));
        let mut pairs = context.to_vec();
        if let DefaultValue::Value(default) = property.default {
            pairs.push((name, default));
            let set = build::<B>(&pairs)
                .unwrap_or_else(|e| panic!("the documented default of `{name}` is refused: {e}"));
            assert_eq!(
                set, before,
                "`{name}={default}`, its documented default, is not the default"
            );
            pairs.pop();
        }
        pairs.push((name, value));
        let after = build::<B>(&pairs).unwrap_or_else(|e| panic!("`{name}={value}`: {e}"));
        match property.no_effect {
            Some(_) => assert_eq!(
                after, before,
                "`{name}` is documented as having no effect, but `{name}={value}` changes the \
                 built configuration"
            ),
            None => assert_ne!(
                after, before,
                "`{name}={value}` is accepted and changes nothing in the built configuration: \
                 make it act, or document it as having no effect (`no_effect`) with why"
            ),
        }
        for alias in property.aliases {
            *pairs.last_mut().unwrap() = (alias, value);
            let by_alias = build::<B>(&pairs).unwrap_or_else(|e| panic!("`{alias}`: {e}"));
            assert_eq!(by_alias, after, "`{alias}` does not read as `{name}`");
        }
    }
    for refused in table.refused {
        for &name in refused.names {
            assert_eq!(
                build::<B>(&[(name, "x")]).unwrap_err(),
                ConfigError::UnsupportedProperty {
                    property: name.to_owned(),
                    reason: refused.reason
                },
                "`{name}` should be refused"
            );
        }
    }
}

#[test]
fn every_client_property_acts_or_is_documented_as_having_no_effect() {
    walk(&CLIENT);
}

#[test]
fn every_producer_property_acts_or_is_documented_as_having_no_effect() {
    walk(&PRODUCER);
}

#[test]
fn every_consumer_property_acts_or_is_documented_as_having_no_effect() {
    walk(&CONSUMER);
}

#[test]
fn every_admin_property_acts_or_is_documented_as_having_no_effect() {
    walk(&ADMIN);
}

/// Names of a table: properties, aliases and refused ones.
fn names<B>(table: &Table<B>) -> Vec<&'static str> {
    let mut names = Vec::new();
    for property in table.properties {
        names.push(property.name);
        names.extend_from_slice(property.aliases);
    }
    for refused in table.refused {
        names.extend_from_slice(refused.names);
    }
    names
}

#[test]
fn no_name_is_listed_twice() {
    // A client's own table is read before the client table, so a name in both would hide one.
    for own in [names(&PRODUCER), names(&CONSUMER), names(&ADMIN)] {
        let mut seen = HashSet::new();
        for name in names(&CLIENT).into_iter().chain(own) {
            assert!(seen.insert(name), "`{name}` is listed twice");
        }
    }
}
