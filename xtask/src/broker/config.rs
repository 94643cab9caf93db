//! The text of the files a profile runs with: each node's `server.properties`, the Java tools'
//! client configs, and the log4j2 configs of brokers and tools.
//!
//! Every listener binds 127.0.0.1 (a [`super::StandaloneNode`] puts its client listeners on the
//! address it is given, in a network namespace of its own). Client traffic uses the listener named after its security
//! protocol (`PLAINTEXT`, `SASL_PLAINTEXT`, `SSL`); sasl and tls add an internal PLAINTEXT
//! listener `BROKER` for inter-broker traffic; `CONTROLLER` carries the KRaft quorum. tls adds a
//! second SSL listener, `MTLS`, that requires a client certificate from the test CA (the `SSL`
//! one only requests it, so the Java tools can connect without one). sasl adds a second
//! SASL_PLAINTEXT listener, `REAUTH`, whose sessions last a few seconds
//! (`connections.max.reauth.ms`), for tests of re-authentication. tls also has a `SASL_SSL`
//! listener (TLS with the test CA's certificate, then sasl's mechanisms and users). cluster3 adds a PLAINTEXT
//! listener, `PROXIED`, that advertises another port: the one the test harness's fault proxy
//! listens on, so a client that bootstraps through the proxies learns the proxies' addresses
//! from metadata and all its traffic passes them (inter-broker traffic stays direct).

use std::fmt::Write as _;

use super::layout::ProfileLayout;
use super::profile::{Profile, REAUTH_SESSION_MS};
use super::users::{PLAIN_USER, SaslMechanism};

/// The ports one node listens on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NodePorts {
    /// The node id.
    pub(crate) id: u32,
    /// The client listener.
    pub(crate) client: u16,
    /// The internal PLAINTEXT listener (sasl and tls), else the same as `client`.
    pub(crate) internal: u16,
    /// The second client listener: the SSL one that requires a client certificate (tls), the
    /// SASL one with short sessions (sasl); else the same as `client`.
    pub(crate) client_auth: u16,
    /// The KRaft controller listener.
    pub(crate) controller: u16,
    /// The `PROXIED` listener's own port (cluster3), else the same as `client`.
    pub(crate) proxied: u16,
    /// The port `PROXIED` advertises, where the fault proxy listens (cluster3), else `client`.
    pub(crate) proxy: u16,
    /// The `SASL_SSL` listener (tls), else the same as `client`.
    pub(crate) sasl_ssl: u16,
}

/// The `server.properties` of node `node` in `layout`'s profile, whose nodes are `all`.
pub(crate) fn server_properties(
    layout: &ProfileLayout,
    node: NodePorts,
    all: &[NodePorts],
) -> String {
    server_properties_on(layout, node, all, "127.0.0.1")
}

/// [`server_properties`] with the client listeners (the first one and `REAUTH`, `MTLS` or
/// `PROXIED`) on `client_host`; the internal and controller listeners stay on 127.0.0.1.
pub(crate) fn server_properties_on(
    layout: &ProfileLayout,
    node: NodePorts,
    all: &[NodePorts],
    client_host: &str,
) -> String {
    let profile = layout.profile();
    let host = client_host;
    let client = client_listener(profile);
    let voters: Vec<String> = all
        .iter()
        .map(|n| format!("{}@127.0.0.1:{}", n.id, n.controller))
        .collect();
    let (mut listeners, mut advertised, mut protocol_map, inter_broker) =
        if profile.has_internal_listener() {
            (
                format!(
                    "{client}://{host}:{},BROKER://127.0.0.1:{},CONTROLLER://127.0.0.1:{}",
                    node.client, node.internal, node.controller
                ),
                format!(
                    "{client}://{host}:{},BROKER://127.0.0.1:{}",
                    node.client, node.internal
                ),
                format!("{client}:{client},BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                "BROKER",
            )
        } else {
            (
                format!(
                    "PLAINTEXT://{host}:{},CONTROLLER://127.0.0.1:{}",
                    node.client, node.controller
                ),
                format!("PLAINTEXT://{host}:{}", node.client),
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT".to_string(),
                "PLAINTEXT",
            )
        };
    if profile.has_proxied_listener() {
        let _ = write!(listeners, ",PROXIED://{host}:{}", node.proxied);
        let _ = write!(advertised, ",PROXIED://{host}:{}", node.proxy);
        protocol_map.push_str(",PROXIED:PLAINTEXT");
    }
    if profile.has_reauth_listener() {
        let _ = write!(listeners, ",REAUTH://{host}:{}", node.client_auth);
        let _ = write!(advertised, ",REAUTH://{host}:{}", node.client_auth);
        protocol_map.push_str(",REAUTH:SASL_PLAINTEXT");
    }
    if profile.has_client_auth_listener() {
        let _ = write!(listeners, ",MTLS://{host}:{}", node.client_auth);
        let _ = write!(advertised, ",MTLS://{host}:{}", node.client_auth);
        protocol_map.push_str(",MTLS:SSL");
    }
    if profile.has_sasl_ssl_listener() {
        let _ = write!(listeners, ",SASL_SSL://127.0.0.1:{}", node.sasl_ssl);
        let _ = write!(advertised, ",SASL_SSL://127.0.0.1:{}", node.sasl_ssl);
        protocol_map.push_str(",SASL_SSL:SASL_SSL");
    }
    let replicas = all.len();
    let min_isr = if replicas >= 3 { 2 } else { 1 };

    let mut text = format!("# Written by `cargo xtask broker up --profile {profile}`.\n");
    let mut set = |key: &str, value: &dyn std::fmt::Display| {
        let _ = writeln!(text, "{key}={value}");
    };
    set("process.roles", &"broker,controller");
    set("node.id", &node.id);
    set("controller.quorum.voters", &voters.join(","));
    set("controller.listener.names", &"CONTROLLER");
    set("listeners", &listeners);
    set("advertised.listeners", &advertised);
    set("listener.security.protocol.map", &protocol_map);
    set("inter.broker.listener.name", &inter_broker);
    set("log.dirs", &layout.node_data(node.id).display());
    set("num.partitions", &1);
    set("default.replication.factor", &replicas);
    set("min.insync.replicas", &min_isr);
    set("offsets.topic.replication.factor", &replicas);
    set("transaction.state.log.replication.factor", &replicas);
    set("transaction.state.log.min.isr", &min_isr);
    set(
        "share.coordinator.state.topic.replication.factor",
        &replicas,
    );
    set("share.coordinator.state.topic.min.isr", &min_isr);
    set("group.initial.rebalance.delay.ms", &0);
    // KIP-848 groups keep the broker's defaults (45 s sessions, 5 s heartbeats) unless a test
    // gives one group shorter ones (the group configs `consumer.session.timeout.ms` and
    // `consumer.heartbeat.interval.ms`, as the soak does), which these lower bounds allow.
    set("group.consumer.min.session.timeout.ms", &6000);
    set("group.consumer.min.heartbeat.interval.ms", &1000);
    // Transactions left open past their timeout are aborted within a second, not a minute:
    // the transaction tests wait for that.
    set(
        "transaction.abort.timed.out.transaction.cleanup.interval.ms",
        &1000,
    );
    if replicas > 1 {
        // Fence a killed node in 4.5 s instead of 9 s: the fault tests wait for that.
        set("broker.heartbeat.interval.ms", &1000);
        set("broker.session.timeout.ms", &4500);
    }
    match profile {
        Profile::Sasl => set_sasl(&mut set, &["sasl_plaintext", "reauth"]),
        Profile::Tls => {
            set_sasl(&mut set, &["sasl_ssl"]);
            set("ssl.keystore.type", &"PEM");
            set("ssl.keystore.location", &layout.broker_keystore().display());
            set("ssl.truststore.type", &"PEM");
            set("ssl.truststore.location", &layout.ca_cert().display());
            // On SSL, clients may present a certificate or not (the tools); on MTLS they must
            // present one that chains to the test CA (tests of mutual TLS).
            set("ssl.client.auth", &"requested");
            set("listener.name.mtls.ssl.client.auth", &"required");
        }
        Profile::Plain | Profile::Cluster3 => {}
    }
    text
}

/// The SASL settings of the SASL `listeners` (lower-case names); on `REAUTH`, each mechanism's
/// sessions last [`REAUTH_SESSION_MS`] (the setting takes a listener and mechanism prefix).
fn set_sasl(set: &mut dyn FnMut(&str, &dyn std::fmt::Display), listeners: &[&str]) {
    let names: Vec<&str> = SaslMechanism::ALL.iter().map(|m| m.name()).collect();
    set("sasl.enabled.mechanisms", &names.join(","));
    let plain = format!(
        "{} required user_{}=\"{}\";",
        SaslMechanism::Plain.login_module(),
        PLAIN_USER.username,
        PLAIN_USER.password
    );
    for &listener in listeners {
        for mechanism in SaslMechanism::ALL {
            let prefix = format!(
                "listener.name.{listener}.{}",
                mechanism.name().to_ascii_lowercase()
            );
            let jaas = match mechanism {
                SaslMechanism::Plain => plain.clone(),
                scram => format!("{} required;", scram.login_module()),
            };
            set(&format!("{prefix}.sasl.jaas.config"), &jaas);
            if listener == "reauth" {
                set(
                    &format!("{prefix}.connections.max.reauth.ms"),
                    &REAUTH_SESSION_MS,
                );
            }
        }
    }
}

/// The `--add-scram` arguments that create the SCRAM test users when storage is formatted.
pub(crate) fn scram_format_args() -> Vec<String> {
    let mut args = Vec::new();
    for mechanism in [SaslMechanism::ScramSha256, SaslMechanism::ScramSha512] {
        let user = mechanism.user();
        args.push("--add-scram".to_string());
        args.push(format!(
            "{}=[name={},password={}]",
            mechanism.name(),
            user.username,
            user.password
        ));
    }
    args
}

/// The Java client config for `mechanism` and its test user on the sasl profile.
pub(crate) fn sasl_client_properties(mechanism: SaslMechanism) -> String {
    let user = mechanism.user();
    format!(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism={}\n\
         sasl.jaas.config={} required username=\"{}\" password=\"{}\";\n",
        mechanism.name(),
        mechanism.login_module(),
        user.username,
        user.password
    )
}

/// The Java client config for the tls profile: SSL, trusting the test CA, checking the host.
pub(crate) fn tls_client_properties(layout: &ProfileLayout) -> String {
    format!(
        "security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location={}\n",
        layout.ca_cert().display()
    )
}

fn client_listener(profile: Profile) -> &'static str {
    match profile {
        Profile::Sasl => "SASL_PLAINTEXT",
        Profile::Tls => "SSL",
        Profile::Plain | Profile::Cluster3 => "PLAINTEXT",
    }
}

/// The brokers' logging: INFO to stdout (which the launcher sends to `server.log`).
pub(crate) const BROKER_LOG4J2: &str = "\
Configuration:
  Appenders:
    Console:
      name: STDOUT
      target: SYSTEM_OUT
      PatternLayout:
        pattern: \"[%d] %p %m (%c)%n\"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.request.logger
        level: WARN
      - name: org.apache.kafka.raft
        level: WARN
";

/// The tools' logging: WARN and above to stderr, so stdout carries only the tool's output.
pub(crate) const TOOLS_LOG4J2: &str = "\
Configuration:
  Appenders:
    Console:
      name: STDERR
      target: SYSTEM_ERR
      PatternLayout:
        pattern: \"[%d] %p %m (%c)%n\"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDERR
";

#[cfg(test)]
mod tests {
    use super::{NodePorts, server_properties};
    use crate::broker::{Profile, ProfileLayout};

    #[test]
    fn every_listener_is_on_loopback() {
        let nodes: Vec<NodePorts> = (1..=3)
            .map(|id| NodePorts {
                id,
                client: 9000 + id as u16,
                internal: 9100,
                client_auth: 9300 + id as u16,
                controller: 9200 + id as u16,
                proxied: 9400 + id as u16,
                proxy: 9500 + id as u16,
                sasl_ssl: 9600 + id as u16,
            })
            .collect();
        for profile in Profile::ALL {
            let text = server_properties(&ProfileLayout::new(profile), nodes[0], &nodes);
            let listeners = text.lines().find(|l| l.starts_with("listeners=")).unwrap();
            for listener in listeners["listeners=".len()..].split(',') {
                assert!(listener.contains("://127.0.0.1:"), "{profile}: {listener}");
            }
        }
    }

    /// One node with ports of its own for every listener but the proxied ones.
    fn single_node() -> NodePorts {
        NodePorts {
            id: 1,
            client: 9001,
            internal: 9101,
            client_auth: 9301,
            controller: 9201,
            proxied: 9001,
            proxy: 9001,
            sasl_ssl: 9601,
        }
    }

    #[test]
    fn tls_has_a_listener_that_requires_client_certificates() {
        let node = single_node();
        let text = server_properties(&ProfileLayout::new(Profile::Tls), node, &[node]);
        assert!(text.contains(
            "listeners=SSL://127.0.0.1:9001,BROKER://127.0.0.1:9101,CONTROLLER://127.0.0.1:9201,\
             MTLS://127.0.0.1:9301,SASL_SSL://127.0.0.1:9601\n"
        ));
        assert!(text.contains(
            "listener.security.protocol.map=SSL:SSL,BROKER:PLAINTEXT,\
             CONTROLLER:PLAINTEXT,MTLS:SSL,SASL_SSL:SASL_SSL\n"
        ));
        assert!(text.contains("\nssl.client.auth=requested\n"));
        assert!(text.contains("\nlistener.name.mtls.ssl.client.auth=required\n"));
        for mechanism in ["plain", "scram-sha-256", "scram-sha-512"] {
            assert!(text.contains(&format!(
                "\nlistener.name.sasl_ssl.{mechanism}.sasl.jaas.config="
            )));
        }
        assert!(!text.contains("connections.max.reauth.ms"));
        let plain = server_properties(&ProfileLayout::new(Profile::Plain), node, &[node]);
        assert!(!plain.contains("MTLS"));
    }

    #[test]
    fn sasl_has_a_listener_with_short_sessions_for_every_mechanism() {
        let node = single_node();
        let text = server_properties(&ProfileLayout::new(Profile::Sasl), node, &[node]);
        assert!(text.contains(
            "advertised.listeners=SASL_PLAINTEXT://127.0.0.1:9001,BROKER://127.0.0.1:9101,\
             REAUTH://127.0.0.1:9301\n"
        ));
        assert!(text.contains(",REAUTH:SASL_PLAINTEXT\n"));
        for mechanism in ["plain", "scram-sha-256", "scram-sha-512"] {
            assert!(text.contains(&format!(
                "\nlistener.name.reauth.{mechanism}.connections.max.reauth.ms=3000\n"
            )));
            assert!(text.contains(&format!(
                "\nlistener.name.reauth.{mechanism}.sasl.jaas.config="
            )));
            assert!(text.contains(&format!(
                "\nlistener.name.sasl_plaintext.{mechanism}.sasl.jaas.config="
            )));
        }
        // The main listener's sessions do not end.
        assert_eq!(text.matches("connections.max.reauth.ms").count(), 3);
    }

    #[test]
    fn a_standalone_node_has_its_client_listeners_on_its_own_address() {
        let node = single_node();
        let layout = ProfileLayout::new(Profile::Sasl);
        let text = super::server_properties_on(&layout, node, &[node], "10.69.0.1");
        assert!(text.contains(
            "listeners=SASL_PLAINTEXT://10.69.0.1:9001,BROKER://127.0.0.1:9101,\
             CONTROLLER://127.0.0.1:9201,REAUTH://10.69.0.1:9301\n"
        ));
        assert!(text.contains(
            "advertised.listeners=SASL_PLAINTEXT://10.69.0.1:9001,BROKER://127.0.0.1:9101,\
             REAUTH://10.69.0.1:9301\n"
        ));
    }

    #[test]
    fn cluster_quorum_lists_all_voters() {
        let nodes: Vec<NodePorts> = (1..=3)
            .map(|id| NodePorts {
                id,
                client: 1,
                internal: 1,
                client_auth: 1,
                controller: 7000 + id as u16,
                proxied: 7100 + id as u16,
                proxy: 7200 + id as u16,
                sasl_ssl: 1,
            })
            .collect();
        let text = server_properties(&ProfileLayout::new(Profile::Cluster3), nodes[1], &nodes);
        assert!(text.contains(
            "controller.quorum.voters=1@127.0.0.1:7001,2@127.0.0.1:7002,3@127.0.0.1:7003\n"
        ));
        assert!(text.contains("node.id=2\n"));
        assert!(text.contains("min.insync.replicas=2\n"));
        assert!(text.contains(
            "listeners=PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:7002,\
             PROXIED://127.0.0.1:7102\n"
        ));
        assert!(
            text.contains(
                "advertised.listeners=PLAINTEXT://127.0.0.1:1,PROXIED://127.0.0.1:7202\n"
            )
        );
        assert!(text.contains("inter.broker.listener.name=PLAINTEXT\n"));
    }
}
