//! Topic and cluster administration at every shared version: ApiVersions, Metadata,
//! CreateTopics, DeleteTopics, CreatePartitions, DescribeCluster, DescribeConfigs, AlterConfigs,
//! IncrementalAlterConfigs, DescribeAcls and SaslHandshake (the last two refused on a plain
//! listener without an authorizer, with the codes a client must recognise).

use franzl_core::ErrorCode;
use franzl_core::messages::Array;
use franzl_core::messages::alter_configs::{
    AlterConfigsRequest, AlterConfigsResource, AlterableConfig,
};
use franzl_core::messages::api_versions::ApiVersionsRequest;
use franzl_core::messages::create_partitions::{CreatePartitionsRequest, CreatePartitionsTopic};
use franzl_core::messages::create_topics::{CreatableTopic, CreateTopicsRequest};
use franzl_core::messages::delete_topics::{DeleteTopicState, DeleteTopicsRequest};
use franzl_core::messages::describe_acls::DescribeAclsRequest;
use franzl_core::messages::describe_cluster::DescribeClusterRequest;
use franzl_core::messages::describe_configs::{DescribeConfigsRequest, DescribeConfigsResource};
use franzl_core::messages::incremental_alter_configs as incremental;
use franzl_core::messages::metadata::{MetadataRequest, MetadataRequestTopic};
use franzl_core::messages::sasl_handshake::SaslHandshakeRequest;
use franzl_core::messages::{ApiKey, Message};
use franzl_tests::raw_ops::create_topic;
use franzl_tests::unique_topic;

use crate::exercise::{Exerciser, Record, expect_codes};

/// `ConfigResource.Type.TOPIC` on the wire.
const RESOURCE_TOPIC: i8 = 2;
/// The ACL filters' ANY (resource type, pattern type, operation, permission type).
const ACL_ANY: i8 = 1;
/// `LITERAL`, the only pattern type DescribeAcls v0 can express.
const PATTERN_LITERAL: i8 = 3;

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    api_versions(&mut ex);
    create_topics(&mut ex);
    delete_topics(&mut ex);
    let topic = unique_topic("conf-admin");
    create_topic(&mut ex.client, &topic, 1);
    metadata(&mut ex, &topic);
    create_partitions(&mut ex, &topic);
    describe_cluster(&mut ex);
    describe_configs(&mut ex, &topic);
    alter_configs(&mut ex, &topic);
    incremental_alter_configs(&mut ex, &topic);
    describe_acls(&mut ex);
    sasl_handshake(&mut ex);
    ex.record
}

fn api_versions(ex: &mut Exerciser) {
    for v in ex.versions(ApiKey::ApiVersions) {
        let request = ApiVersionsRequest {
            client_software_name: "franzl-conformance",
            client_software_version: "0.1.0",
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        expect_codes(
            ApiKey::ApiVersions,
            v,
            [body.error_code],
            ErrorCode::NONE,
            &body,
        );
        assert!(body.api_keys.len() > 10, "ApiVersions v{v}: {body:?}");
    }
}

fn create_topics(ex: &mut Exerciser) {
    let mut created = Vec::new();
    for v in ex.versions(ApiKey::CreateTopics) {
        let name = unique_topic(&format!("conf-create-v{v}"));
        let topics = [CreatableTopic {
            name: &name,
            num_partitions: 1,
            replication_factor: 1,
            ..Default::default()
        }];
        let request = CreateTopicsRequest {
            topics: Array::from_slice(&topics),
            timeout_ms: 30_000,
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes = body.topics.iter().map(|t| t.error_code);
        expect_codes(ApiKey::CreateTopics, v, codes, ErrorCode::NONE, &body);
        created.push(name);
    }
    // Deliberately invalid: a topic that exists already.
    let name = created.last().cloned().unwrap_or_default();
    let topics = [CreatableTopic {
        name: &name,
        num_partitions: 1,
        replication_factor: 1,
        ..Default::default()
    }];
    let request = CreateTopicsRequest {
        topics: Array::from_slice(&topics),
        timeout_ms: 30_000,
        ..Default::default()
    };
    let v = ex.client.latest::<CreateTopicsRequest<'_>>();
    let reply = ex.call(v, &request);
    let body = reply.body();
    let codes = body.topics.iter().map(|t| t.error_code);
    let expected = ErrorCode::TOPIC_ALREADY_EXISTS;
    expect_codes(ApiKey::CreateTopics, v, codes, expected, &body);
}

fn delete_topics(ex: &mut Exerciser) {
    for v in ex.versions(ApiKey::DeleteTopics) {
        let name = unique_topic(&format!("conf-delete-v{v}"));
        create_topic(&mut ex.client, &name, 1);
        let names = [name.as_str()];
        let states = [DeleteTopicState {
            name: Some(&name),
            ..Default::default()
        }];
        // Topics go by name before v6 and in `topics` from v6; `topics` is not in v0-5.
        let request = DeleteTopicsRequest {
            topics: Array::from_slice(if v >= 6 { &states[..] } else { &[] }),
            topic_names: Array::from_slice(&names),
            timeout_ms: 30_000,
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes = body.responses.iter().map(|t| t.error_code);
        expect_codes(ApiKey::DeleteTopics, v, codes, ErrorCode::NONE, &body);
    }
    // Deliberately invalid: a topic that does not exist.
    let missing = unique_topic("conf-never-created");
    let names = [missing.as_str()];
    let states = [DeleteTopicState {
        name: Some(&missing),
        ..Default::default()
    }];
    let v = ex.client.latest::<DeleteTopicsRequest<'_>>();
    let request = DeleteTopicsRequest {
        topics: Array::from_slice(if v >= 6 { &states[..] } else { &[] }),
        topic_names: Array::from_slice(&names),
        timeout_ms: 30_000,
        ..Default::default()
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    let codes = body.responses.iter().map(|t| t.error_code);
    let expected = ErrorCode::UNKNOWN_TOPIC_OR_PARTITION;
    expect_codes(ApiKey::DeleteTopics, v, codes, expected, &body);
}

fn metadata(ex: &mut Exerciser, topic: &str) {
    for v in ex.versions(ApiKey::Metadata) {
        let topics = [MetadataRequestTopic {
            name: Some(topic),
            ..Default::default()
        }];
        let request = MetadataRequest {
            topics: Some(Array::from_slice(&topics)),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes = body.topics.iter().flat_map(|t| {
            let partitions = t.partitions.iter().map(|p| p.error_code);
            std::iter::once(t.error_code).chain(partitions)
        });
        expect_codes(ApiKey::Metadata, v, codes, ErrorCode::NONE, &body);
        assert_eq!(body.brokers.len(), 1, "Metadata v{v}: {body:?}");
    }
}

fn create_partitions(ex: &mut Exerciser, topic: &str) {
    // One more partition per version: 2, 3, ...
    for (count, v) in (2..).zip(ex.versions(ApiKey::CreatePartitions)) {
        let topics = [CreatePartitionsTopic {
            name: topic,
            count,
            assignments: None,
            ..Default::default()
        }];
        let request = CreatePartitionsRequest {
            topics: Array::from_slice(&topics),
            timeout_ms: 30_000,
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes = body.results.iter().map(|r| r.error_code);
        expect_codes(ApiKey::CreatePartitions, v, codes, ErrorCode::NONE, &body);
    }
    // Deliberately invalid: fewer partitions than the topic has.
    let topics = [CreatePartitionsTopic {
        name: topic,
        count: 1,
        assignments: None,
        ..Default::default()
    }];
    let request = CreatePartitionsRequest {
        topics: Array::from_slice(&topics),
        timeout_ms: 30_000,
        validate_only: true,
        ..Default::default()
    };
    let v = ex.client.latest::<CreatePartitionsRequest<'_>>();
    let reply = ex.call(v, &request);
    let body = reply.body();
    let codes = body.results.iter().map(|r| r.error_code);
    let expected = ErrorCode::INVALID_PARTITIONS;
    expect_codes(ApiKey::CreatePartitions, v, codes, expected, &body);
}

fn describe_cluster(ex: &mut Exerciser) {
    for v in ex.versions(ApiKey::DescribeCluster) {
        let reply = ex.call(v, &DescribeClusterRequest::default());
        let body = reply.body();
        expect_codes(
            ApiKey::DescribeCluster,
            v,
            [body.error_code],
            ErrorCode::NONE,
            &body,
        );
        assert!(
            !body.cluster_id.is_empty(),
            "DescribeCluster v{v}: {body:?}"
        );
        assert_eq!(body.brokers.len(), 1, "DescribeCluster v{v}: {body:?}");
    }
}

fn describe_configs(ex: &mut Exerciser, topic: &str) {
    for v in ex.versions(ApiKey::DescribeConfigs) {
        let resources = [DescribeConfigsResource {
            resource_type: RESOURCE_TOPIC,
            resource_name: topic,
            configuration_keys: None,
            ..Default::default()
        }];
        let request = DescribeConfigsRequest {
            resources: Array::from_slice(&resources),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes = body.results.iter().map(|r| r.error_code);
        expect_codes(ApiKey::DescribeConfigs, v, codes, ErrorCode::NONE, &body);
        let has_retention = body
            .results
            .iter()
            .flat_map(|r| r.configs.iter())
            .any(|c| c.name == "retention.ms");
        assert!(has_retention, "DescribeConfigs v{v}: {body:?}");
    }
}

fn alter_configs(ex: &mut Exerciser, topic: &str) {
    for v in ex.versions(ApiKey::AlterConfigs) {
        let retention = (86_400_000 + i64::from(v)).to_string();
        let configs = [AlterableConfig {
            name: "retention.ms",
            value: Some(&retention),
            ..Default::default()
        }];
        let (codes, body) = alter(ex, v, topic, &configs);
        expect_codes(ApiKey::AlterConfigs, v, codes, ErrorCode::NONE, &body);
    }
    // Deliberately invalid: a config topics do not have.
    let configs = [AlterableConfig {
        name: "no.such.config",
        value: Some("1"),
        ..Default::default()
    }];
    let v = ex.client.latest::<AlterConfigsRequest<'_>>();
    let (codes, body) = alter(ex, v, topic, &configs);
    let expected = ErrorCode::INVALID_CONFIG;
    expect_codes(ApiKey::AlterConfigs, v, codes, expected, &body);
}

/// One AlterConfigs call on `topic`; returns the resource error codes and the response shown.
fn alter(
    ex: &mut Exerciser,
    v: i16,
    topic: &str,
    configs: &[AlterableConfig<'_>],
) -> (Vec<ErrorCode>, String) {
    let resources = [AlterConfigsResource {
        resource_type: RESOURCE_TOPIC,
        resource_name: topic,
        configs: Array::from_slice(configs),
        ..Default::default()
    }];
    let request = AlterConfigsRequest {
        resources: Array::from_slice(&resources),
        ..Default::default()
    };
    let reply = ex.call(v, &request);
    let body = reply.body();
    let codes = body.responses.iter().map(|r| r.error_code).collect();
    (codes, format!("{body:?}"))
}

fn incremental_alter_configs(ex: &mut Exerciser, topic: &str) {
    /// `AlterConfigOp.OpType.SET`.
    const SET: i8 = 0;
    let call = |ex: &mut Exerciser, v: i16, name: &str, value: &str| {
        let configs = [incremental::AlterableConfig {
            name,
            config_operation: SET,
            value: Some(value),
            ..Default::default()
        }];
        let resources = [incremental::AlterConfigsResource {
            resource_type: RESOURCE_TOPIC,
            resource_name: topic,
            configs: Array::from_slice(&configs),
            ..Default::default()
        }];
        let request = incremental::IncrementalAlterConfigsRequest {
            resources: Array::from_slice(&resources),
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes: Vec<ErrorCode> = body.responses.iter().map(|r| r.error_code).collect();
        (codes, format!("{body:?}"))
    };
    let api = ApiKey::IncrementalAlterConfigs;
    for v in ex.versions(api) {
        let (codes, body) = call(ex, v, "retention.ms", "172800000");
        expect_codes(api, v, codes, ErrorCode::NONE, &body);
    }
    let v = ex
        .client
        .latest::<incremental::IncrementalAlterConfigsRequest<'_>>();
    let (codes, body) = call(ex, v, "no.such.config", "1");
    expect_codes(api, v, codes, ErrorCode::INVALID_CONFIG, &body);
}

fn describe_acls(ex: &mut Exerciser) {
    for v in ex.versions(ApiKey::DescribeAcls) {
        let request = DescribeAclsRequest {
            resource_type_filter: ACL_ANY,
            resource_name_filter: None,
            pattern_type_filter: if v >= 1 { ACL_ANY } else { PATTERN_LITERAL },
            principal_filter: None,
            host_filter: None,
            operation: ACL_ANY,
            permission_type: ACL_ANY,
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        // No authorizer is configured on the plain profile.
        let expected = ErrorCode::SECURITY_DISABLED;
        expect_codes(ApiKey::DescribeAcls, v, [body.error_code], expected, &body);
    }
}

/// Last on its connection: a broker may treat a SASL handshake on a plain listener as the end
/// of the conversation.
fn sasl_handshake(ex: &mut Exerciser) {
    for v in ex.versions(ApiKey::SaslHandshake) {
        let request = SaslHandshakeRequest {
            mechanism: "PLAIN",
            ..Default::default()
        };
        assert!(request.encoded_len(v).is_ok());
        let reply = ex.call(v, &request);
        let body = reply.body();
        // A PLAINTEXT listener has no SASL state machine to start.
        let expected = ErrorCode::ILLEGAL_SASL_STATE;
        expect_codes(ApiKey::SaslHandshake, v, [body.error_code], expected, &body);
    }
}
