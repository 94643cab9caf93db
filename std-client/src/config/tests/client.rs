use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::with_bootstrap;
use crate::config::*;

fn client(pairs: &[(&str, &str)]) -> Result<ClientConfig, ConfigError> {
    ClientConfig::from_properties(with_bootstrap(pairs))
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn defaults_are_the_java_clients() {
    let c = client(&[]).unwrap();
    assert_eq!(c.bootstrap_servers, ["localhost:9092"]);
    assert_eq!(c.client_id, "");
    assert_eq!(c.security_protocol, SecurityProtocol::Plaintext);
    assert_eq!(c.sasl, None);
    assert_eq!(c.tls, TlsConfig::default());
    assert!(c.tls.verify_hostname);
    assert_eq!(c.connect_timeout, ms(10_000));
    assert_eq!(c.request_timeout, ms(30_000));
    assert_eq!(c.metadata_timeout, ms(60_000));
    assert_eq!(c.metadata_max_age, ms(300_000));
    assert_eq!(
        (c.reconnect_backoff, c.reconnect_backoff_max),
        (ms(50), ms(1000))
    );
    assert_eq!((c.retry_backoff, c.retry_backoff_max), (ms(100), ms(1000)));
    assert_eq!(c.socket.send_buffer, None);
    assert_eq!(c.socket.receive_buffer, None);
    assert!(c.socket.nodelay);
    assert!(!c.socket.keepalive);
    assert_eq!(c.address_family, AddressFamily::Any);
    assert_eq!(c.max_response_size, 100_000_000);
    assert!(!c.hex_dump);
}

#[test]
fn every_plain_property() {
    let c = client(&[
        ("bootstrap.servers", " a:1, [::1]:9093 ,b.example:9094"),
        ("client.id", "edge-7"),
        ("socket.connection.setup.timeout.ms", "1500"),
        ("request.timeout.ms", "2000"),
        ("max.block.ms", "2500"),
        ("metadata.max.age.ms", "3000"),
        ("reconnect.backoff.ms", "10"),
        ("reconnect.backoff.max.ms", "20"),
        ("retry.backoff.ms", "30"),
        ("retry.backoff.max.ms", "40"),
        ("send.buffer.bytes", "-1"),
        ("receive.buffer.bytes", "1000"),
        ("socket.nagle.disable", "false"),
        ("socket.keepalive.enable", "true"),
        ("broker.address.family", "v6"),
        ("receive.message.max.bytes", "5000"),
        ("franzl.hex.dump", "true"),
    ])
    .unwrap();
    assert_eq!(c.bootstrap_servers, ["a:1", "[::1]:9093", "b.example:9094"]);
    assert_eq!(c.client_id, "edge-7");
    assert_eq!(c.connect_timeout, ms(1500));
    assert_eq!(c.request_timeout, ms(2000));
    assert_eq!(c.metadata_timeout, ms(2500));
    assert_eq!(c.metadata_max_age, ms(3000));
    assert_eq!(
        (c.reconnect_backoff, c.reconnect_backoff_max),
        (ms(10), ms(20))
    );
    assert_eq!((c.retry_backoff, c.retry_backoff_max), (ms(30), ms(40)));
    assert_eq!(c.socket.send_buffer, None);
    assert_eq!(c.socket.receive_buffer, Some(1000));
    assert!(!c.socket.nodelay);
    assert!(c.socket.keepalive);
    assert_eq!(c.address_family, AddressFamily::V6);
    assert_eq!(c.max_response_size, 5000);
    assert!(c.hex_dump);
}

#[test]
fn librdkafka_aliases() {
    let c = ClientConfig::from_properties([
        ("metadata.broker.list", "x:1"),
        ("topic.metadata.refresh.interval.ms", "7000"),
        ("socket.send.buffer.bytes", "0"),
        ("socket.receive.buffer.bytes", "4096"),
        ("broker.address.family", "V4"),
    ])
    .unwrap();
    assert_eq!(c.bootstrap_servers, ["x:1"]);
    assert_eq!(c.metadata_max_age, ms(7000));
    assert_eq!(c.socket.send_buffer, None);
    assert_eq!(c.socket.receive_buffer, Some(4096));
    assert_eq!(c.address_family, AddressFamily::V4);
}

#[test]
fn reads_a_map() {
    let map = BTreeMap::from([
        ("bootstrap.servers".to_owned(), "m:9092".to_owned()),
        ("client.id".to_owned(), "from-map".to_owned()),
    ]);
    let c = ClientConfig::from_properties(&map).unwrap();
    assert_eq!(c.client_id, "from-map");
}

#[test]
fn security_protocols() {
    for (name, protocol) in [
        ("PLAINTEXT", SecurityProtocol::Plaintext),
        ("ssl", SecurityProtocol::Ssl),
        ("SASL_PLAINTEXT", SecurityProtocol::SaslPlaintext),
        ("SASL_SSL", SecurityProtocol::SaslSsl),
    ] {
        let c = client(&[
            ("security.protocol", name),
            ("sasl.mechanism", "PLAIN"),
            ("sasl.username", "u"),
            ("sasl.password", "p"),
        ])
        .unwrap();
        assert_eq!(c.security_protocol, protocol);
        assert_eq!(c.sasl.is_some(), protocol.uses_sasl(), "{name}");
    }
}

#[test]
fn sasl_from_username_and_password() {
    let c = client(&[
        ("security.protocol", "SASL_SSL"),
        ("sasl.mechanisms", "scram-sha-512"),
        ("sasl.username", "alice"),
        ("sasl.password", "s3cret"),
    ])
    .unwrap();
    let sasl = c.sasl.unwrap();
    assert_eq!(sasl.mechanism, SaslMechanism::Scram(ScramMechanism::Sha512));
    assert_eq!(sasl.username, "alice");
    assert_eq!(sasl.password.expose(), "s3cret");
}

#[test]
fn sasl_from_jaas_config() {
    let c = client(&[
        ("security.protocol", "SASL_PLAINTEXT"),
        ("sasl.mechanism", "SCRAM-SHA-256"),
        (
            "sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required \
             username=\"bob\" password=\"b0b\";",
        ),
    ])
    .unwrap();
    let sasl = c.sasl.unwrap();
    assert_eq!(sasl.mechanism, SaslMechanism::Scram(ScramMechanism::Sha256));
    assert_eq!(
        (sasl.username.as_str(), sasl.password.expose()),
        ("bob", "b0b")
    );
}

#[test]
fn sasl_errors() {
    let sasl = [("security.protocol", "SASL_SSL")];
    let err = |extra: &[(&str, &str)]| {
        let mut pairs = sasl.to_vec();
        pairs.extend_from_slice(extra);
        client(&pairs).unwrap_err()
    };
    assert_eq!(
        err(&[("sasl.username", "u"), ("sasl.password", "p")]).property(),
        Some("sasl.mechanism")
    );
    assert!(matches!(
        err(&[("sasl.mechanism", "GSSAPI")]),
        ConfigError::UnsupportedProperty { .. }
    ));
    assert!(matches!(
        err(&[("sasl.mechanism", "MD5")]),
        ConfigError::InvalidValue { .. }
    ));
    assert_eq!(
        err(&[("sasl.mechanism", "PLAIN")]).property(),
        Some("sasl.username")
    );
    assert_eq!(
        err(&[("sasl.mechanism", "PLAIN"), ("sasl.username", "u")]).property(),
        Some("sasl.password")
    );
    let jaas = "PlainLoginModule required username=u password=p;";
    let conflicts = [
        (
            &[
                ("sasl.mechanism", "PLAIN"),
                ("sasl.jaas.config", jaas),
                ("sasl.username", "alice"),
            ][..],
            "`sasl.jaas.config` = (hidden) conflicts with `sasl.username` = alice: credentials \
             are given twice: keep sasl.jaas.config or sasl.username/sasl.password",
        ),
        (
            &[
                ("sasl.mechanism", "PLAIN"),
                ("sasl.jaas.config", jaas),
                ("sasl.password", "hunter2"),
            ][..],
            "`sasl.jaas.config` = (hidden) conflicts with `sasl.password` = (hidden): \
             credentials are given twice: keep sasl.jaas.config or sasl.username/sasl.password",
        ),
        (
            &[
                ("sasl.mechanism", "SCRAM-SHA-256"),
                ("sasl.jaas.config", jaas),
            ][..],
            "`sasl.jaas.config` = PlainLoginModule (credentials hidden) conflicts with \
             `sasl.mechanism` = SCRAM-SHA-256: the login module does not fit the mechanism: \
             PlainLoginModule goes with PLAIN, ScramLoginModule with SCRAM-SHA-256/512",
        ),
    ];
    for (pairs, message) in conflicts {
        let error = err(pairs);
        assert!(
            matches!(
                error,
                ConfigError::Conflict {
                    property: "sasl.jaas.config",
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(error.to_string(), message);
    }
}

#[test]
fn sasl_settings_are_ignored_without_sasl() {
    let c = client(&[("sasl.mechanism", "PLAIN"), ("sasl.username", "u")]).unwrap();
    assert_eq!(c.sasl, None);
}

#[test]
fn tls_properties() {
    let c = client(&[
        ("security.protocol", "SSL"),
        ("ssl.ca.location", "/etc/ca.pem"),
        ("ssl.certificate.location", "/etc/client.pem"),
        ("ssl.key.location", "/etc/client.key"),
        ("ssl.key.password", "keypass"),
        ("ssl.endpoint.identification.algorithm", ""),
    ])
    .unwrap();
    assert_eq!(c.tls.ca_file, Some(PathBuf::from("/etc/ca.pem")));
    assert_eq!(c.tls.cert_file, Some(PathBuf::from("/etc/client.pem")));
    assert_eq!(c.tls.key_file, Some(PathBuf::from("/etc/client.key")));
    assert_eq!(
        c.tls.key_password.as_ref().map(Secret::expose),
        Some("keypass")
    );
    assert!(!c.tls.verify_hostname);

    let c = client(&[
        ("ssl.truststore.location", "/etc/trust.pem"),
        ("ssl.truststore.type", "PEM"),
        ("ssl.endpoint.identification.algorithm", "none"),
    ])
    .unwrap();
    assert_eq!(c.tls.ca_file, Some(PathBuf::from("/etc/trust.pem")));
    assert!(!c.tls.verify_hostname);
    let c = client(&[("ssl.endpoint.identification.algorithm", "HTTPS")]).unwrap();
    assert!(c.tls.verify_hostname);
}

#[test]
fn tls_errors() {
    let err = |pairs: &[(&str, &str)]| client(pairs).unwrap_err();
    assert_eq!(
        err(&[("ssl.truststore.location", "/t.jks")]).to_string(),
        "`ssl.truststore.type` = (unset) conflicts with `ssl.truststore.location` = /t.jks: only \
         PEM trust stores are read: set ssl.truststore.type=PEM or use ssl.ca.location"
    );
    assert!(matches!(
        err(&[("ssl.truststore.type", "JKS")]),
        ConfigError::UnsupportedProperty { .. }
    ));
    assert!(matches!(
        err(&[("ssl.keystore.location", "/k.p12")]),
        ConfigError::UnsupportedProperty { .. }
    ));
    assert_eq!(
        err(&[("ssl.certificate.location", "/c.pem")]).to_string(),
        "`ssl.key.location` = (unset) conflicts with `ssl.certificate.location` = /c.pem: a \
         client certificate and its private key go together: give both or neither"
    );
    assert_eq!(
        err(&[("ssl.key.location", "/k.pem")]).to_string(),
        "`ssl.key.location` = /k.pem conflicts with `ssl.certificate.location` = (unset): a \
         client certificate and its private key go together: give both or neither"
    );
    assert_eq!(
        err(&[("ssl.endpoint.identification.algorithm", "ldaps")]).property(),
        Some("ssl.endpoint.identification.algorithm")
    );
}

#[test]
fn typed_builder() {
    let c = ClientConfig::builder()
        .bootstrap_servers(["k1:9092", "k2:9092"])
        .client_id("typed")
        .security_protocol(SecurityProtocol::SaslSsl)
        .sasl(SaslMechanism::Plain, "u", "p")
        .tls_ca_file("/ca.pem")
        .tls_client_auth("/c.pem", "/k.pem")
        .tls_key_password("kp")
        .skip_hostname_verification()
        .timeouts(ms(1), ms(2), ms(3))
        .metadata_max_age(ms(4))
        .reconnect_backoff(ms(100), ms(10))
        .retry_backoff(ms(5), ms(6))
        .address_family(AddressFamily::V4)
        .max_response_size(1 << 20)
        .hex_dump(true)
        .build()
        .unwrap();
    assert_eq!(c.bootstrap_servers.len(), 2);
    assert_eq!(
        c.sasl.as_ref().map(|s| s.mechanism),
        Some(SaslMechanism::Plain)
    );
    assert!(!c.tls.verify_hostname);
    assert_eq!(
        (c.connect_timeout, c.request_timeout, c.metadata_timeout),
        (ms(1), ms(2), ms(3))
    );
    // A maximum below the minimum is raised to it, as in the Java client.
    assert_eq!(c.reconnect_backoff_max, ms(100));
    assert_eq!(c.max_response_size, 1 << 20);
}

#[test]
fn bootstrap_servers_are_checked() {
    assert_eq!(
        ClientConfig::from_properties([("client.id", "x")])
            .unwrap_err()
            .property(),
        Some("bootstrap.servers")
    );
    for bad in [
        "localhost",
        "host:0",
        "host:65536",
        ":9092",
        "::1:9092",
        "[::1:9092",
        "h:p",
    ] {
        let error = client(&[("bootstrap.servers", bad)]).unwrap_err();
        assert_eq!(
            error,
            ConfigError::InvalidValue {
                property: "bootstrap.servers".into(),
                value: Some(bad.into()),
                expected: "host:port entries"
            }
        );
    }
}

#[test]
fn invalid_values_name_property_and_value() {
    for (property, value) in [
        ("security.protocol", "TLS"),
        ("request.timeout.ms", "0"),
        ("request.timeout.ms", "10s"),
        ("metadata.max.age.ms", "-5"),
        ("send.buffer.bytes", "-2"),
        ("socket.keepalive.enable", "yes"),
        ("broker.address.family", "ipv4"),
        ("receive.message.max.bytes", "999"),
    ] {
        let error = client(&[(property, value)]).unwrap_err();
        let text = error.to_string();
        assert!(text.contains(property) && text.contains(value), "{text}");
    }
}

#[test]
fn unknown_properties_are_errors() {
    let error = client(&[("linger.ms", "5")]).unwrap_err();
    assert_eq!(
        error,
        ConfigError::UnknownProperty {
            property: "linger.ms".into()
        }
    );
    assert_eq!(error.to_string(), "unknown property `linger.ms`");
}

#[test]
fn reads_properties_text() {
    let text = "\
# a client for the test cluster
bootstrap.servers = k1:9092,\\
                    k2:9092
client.id: text-client
security.protocol SASL_SSL
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\
    username=\"alice\" \\
    password=\"alice-secret\";
";
    let c = ClientConfig::from_properties_text(text).unwrap();
    assert_eq!(c.bootstrap_servers, ["k1:9092", "k2:9092"]);
    assert_eq!(c.client_id, "text-client");
    let sasl = c.sasl.unwrap();
    assert_eq!(
        (sasl.username.as_str(), sasl.password.expose()),
        ("alice", "alice-secret")
    );
    assert!(matches!(
        ClientConfig::from_properties_text("bootstrap.servers=a:1\nx=\\uZZZZ"),
        Err(ConfigError::PropertiesSyntax { line: 2, .. })
    ));
}

#[test]
fn the_first_differing_setting_is_named_with_both_values() {
    let base = || ClientConfig::builder().bootstrap_servers(["a:9092"]);
    let client = base().build().unwrap();
    assert_eq!(client.first_difference(&base().build().unwrap()), None);
    let other = base().client_id("other").build().unwrap();
    assert_eq!(
        other.first_difference(&client),
        Some(("client.id", "\"other\"".into(), "\"\"".into()))
    );
    let slower = base()
        .retry_backoff(Duration::from_millis(500), Duration::from_secs(2))
        .build()
        .unwrap();
    let (name, given, _) = slower.first_difference(&client).unwrap();
    assert_eq!((name, given.as_str()), ("retry.backoff.ms", "500ms"));
    let secret = base()
        .security_protocol(SecurityProtocol::SaslPlaintext)
        .sasl(SaslMechanism::Plain, "user", "hunter2")
        .build()
        .unwrap();
    assert_eq!(
        secret.first_difference(&client).unwrap().0,
        "security.protocol"
    );
    let sasl_only = {
        let mut config = client.clone();
        config.sasl = secret.sasl.clone();
        config
    };
    let (name, given_sasl, _) = sasl_only.first_difference(&client).unwrap();
    assert_eq!(name, "sasl.*");
    assert!(!given_sasl.contains("hunter2"), "{given_sasl}");
}
