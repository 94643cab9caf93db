//! Cluster inspection (large responses included: every topic's metadata, every broker config
//! with synonyms and documentation) and the security APIs a plain listener refuses, at every shared version:
//! DescribeTopicPartitions, DescribeLogDirs, DescribeQuorum, ListPartitionReassignments,
//! ElectLeaders, DescribeClientQuotas, AlterClientQuotas (validate only),
//! DescribeUserScramCredentials, ListConfigResources; CreateAcls and DeleteAcls (no
//! authorizer), SaslAuthenticate (no SASL), CreateDelegationToken (not over PLAINTEXT).

use franzl_core::ErrorCode;
use franzl_core::messages::alter_client_quotas::{
    AlterClientQuotasRequest, AlterClientQuotasRequestEntityData,
    AlterClientQuotasRequestEntryData, OpData,
};
use franzl_core::messages::create_acls::{AclCreation, CreateAclsRequest};
use franzl_core::messages::create_delegation_token::CreateDelegationTokenRequest;
use franzl_core::messages::delete_acls::{DeleteAclsFilter, DeleteAclsRequest};
use franzl_core::messages::describe_client_quotas::DescribeClientQuotasRequest;
use franzl_core::messages::describe_cluster::DescribeClusterRequest;
use franzl_core::messages::describe_configs::{DescribeConfigsRequest, DescribeConfigsResource};
use franzl_core::messages::describe_log_dirs::DescribeLogDirsRequest;
use franzl_core::messages::describe_quorum::{
    DescribeQuorumRequest, DescribeQuorumRequestPartitionData, DescribeQuorumRequestTopicData,
};
use franzl_core::messages::describe_topic_partitions::{
    DescribeTopicPartitionsRequest, TopicRequest,
};
use franzl_core::messages::describe_user_scram_credentials::DescribeUserScramCredentialsRequest;
use franzl_core::messages::elect_leaders::{ElectLeadersRequest, TopicPartitions};
use franzl_core::messages::list_config_resources::ListConfigResourcesRequest;
use franzl_core::messages::list_partition_reassignments::ListPartitionReassignmentsRequest;
use franzl_core::messages::metadata::MetadataRequest;
use franzl_core::messages::sasl_authenticate::SaslAuthenticateRequest;
use franzl_core::messages::{ApiKey, Array};
use franzl_tests::raw_ops::create_topic;
use franzl_tests::unique_topic;

use crate::exercise::{Exerciser, Record, every_version, expect_codes};

/// ACL resource type TOPIC, operation READ, permission ALLOW, pattern LITERAL (on the wire).
const ACL_TOPIC: i8 = 2;
const ACL_READ: i8 = 3;
const ACL_ALLOW: i8 = 3;
const ACL_ANY: i8 = 1;

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    let topic = unique_topic("conf-cluster");
    create_topic(&mut ex.client, &topic, 1);
    inspection(&mut ex, &topic);
    metadata_of_all_topics(&mut ex, &topic);
    broker_configs(&mut ex);
    quotas(&mut ex);
    refused_on_plain(&mut ex, &topic);
    ex.record
}

fn inspection(ex: &mut Exerciser, topic: &str) {
    let topics = [TopicRequest {
        name: topic,
        ..Default::default()
    }];
    let request = DescribeTopicPartitionsRequest {
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    every_version(ex, &request, ErrorCode::NONE, |body| {
        let partitions = body.topics.iter().flat_map(|t| t.partitions.iter());
        let codes = partitions.map(|p| p.error_code);
        body.topics
            .iter()
            .map(|t| t.error_code)
            .chain(codes)
            .collect()
    });

    let request = DescribeLogDirsRequest {
        topics: None,
        ..Default::default()
    };
    every_version(ex, &request, ErrorCode::NONE, |body| {
        let dirs = body.results.iter().map(|r| r.error_code);
        std::iter::once(body.error_code).chain(dirs).collect()
    });

    let partitions = [DescribeQuorumRequestPartitionData {
        partition_index: 0,
        ..Default::default()
    }];
    let quorum = [DescribeQuorumRequestTopicData {
        topic_name: "__cluster_metadata",
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = DescribeQuorumRequest {
        topics: Array::from_slice(&quorum),
        ..Default::default()
    };
    every_version(ex, &request, ErrorCode::NONE, |body| {
        let partitions = body.topics.iter().flat_map(|t| t.partitions.iter());
        let codes = partitions.map(|p| p.error_code);
        std::iter::once(body.error_code).chain(codes).collect()
    });

    let request = ListPartitionReassignmentsRequest::default();
    every_version(ex, &request, ErrorCode::NONE, |body| vec![body.error_code]);

    // The only replica already leads: the election is refused as not needed.
    let partitions = [0];
    let elect = [TopicPartitions {
        topic,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = ElectLeadersRequest {
        election_type: 0,
        topic_partitions: Some(Array::from_slice(&elect)),
        ..Default::default()
    };
    every_version(ex, &request, ErrorCode::ELECTION_NOT_NEEDED, |body| {
        body.replica_election_results
            .iter()
            .flat_map(|r| r.partition_result.iter())
            .map(|p| p.error_code)
            .collect()
    });

    let request = ListConfigResourcesRequest::default();
    every_version(ex, &request, ErrorCode::NONE, |body| vec![body.error_code]);
}

/// Metadata of every topic (a null list from v1, an empty one in v0): a large response, which
/// must hold our topic without error.
fn metadata_of_all_topics(ex: &mut Exerciser, topic: &str) {
    for v in ex.versions(ApiKey::Metadata) {
        let request = MetadataRequest {
            topics: if v == 0 { Some(Array::EMPTY) } else { None },
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let ours: Vec<ErrorCode> = body
            .topics
            .iter()
            .filter(|t| t.name == Some(topic))
            .map(|t| t.error_code)
            .collect();
        expect_codes(ApiKey::Metadata, v, ours, ErrorCode::NONE, &body);
    }
}

/// Every config of the broker, with synonyms (v1+) and documentation (v3+): the largest
/// DescribeConfigs response there is.
fn broker_configs(ex: &mut Exerciser) {
    /// `ConfigResource.Type.BROKER`.
    const RESOURCE_BROKER: i8 = 4;
    let reply = ex
        .client
        .call_latest(&DescribeClusterRequest::default())
        .expect("DescribeCluster");
    let node = reply
        .body()
        .brokers
        .iter()
        .map(|b| b.broker_id.to_string())
        .next()
        .expect("a broker");
    let resources = [DescribeConfigsResource {
        resource_type: RESOURCE_BROKER,
        resource_name: &node,
        configuration_keys: None,
        ..Default::default()
    }];
    for v in ex.versions(ApiKey::DescribeConfigs) {
        let request = DescribeConfigsRequest {
            resources: Array::from_slice(&resources),
            include_synonyms: v >= 1,
            include_documentation: v >= 3,
            ..Default::default()
        };
        let reply = ex.call(v, &request);
        let body = reply.body();
        let codes = body.results.iter().map(|r| r.error_code);
        expect_codes(ApiKey::DescribeConfigs, v, codes, ErrorCode::NONE, &body);
        let count: usize = body.results.iter().map(|r| r.configs.len()).sum();
        assert!(count > 100, "DescribeConfigs v{v}: {count} broker configs");
    }
}

fn quotas(ex: &mut Exerciser) {
    let request = DescribeClientQuotasRequest::default();
    every_version(ex, &request, ErrorCode::NONE, |body| vec![body.error_code]);

    let entity = [AlterClientQuotasRequestEntityData {
        entity_type: "client-id",
        entity_name: Some("franzl-conformance"),
        ..Default::default()
    }];
    let ops = [OpData {
        key: "producer_byte_rate",
        value: 1_048_576.0,
        remove: false,
        ..Default::default()
    }];
    let entries = [AlterClientQuotasRequestEntryData {
        entity: Array::from_slice(&entity),
        ops: Array::from_slice(&ops),
        ..Default::default()
    }];
    let request = AlterClientQuotasRequest {
        entries: Array::from_slice(&entries),
        validate_only: true,
        ..Default::default()
    };
    every_version(ex, &request, ErrorCode::NONE, |body| {
        body.entries.iter().map(|e| e.error_code).collect()
    });

    let request = DescribeUserScramCredentialsRequest {
        users: None,
        ..Default::default()
    };
    every_version(ex, &request, ErrorCode::NONE, |body| vec![body.error_code]);
}

fn refused_on_plain(ex: &mut Exerciser, topic: &str) {
    let creations = [AclCreation {
        resource_type: ACL_TOPIC,
        resource_name: topic,
        principal: "User:franzl",
        host: "*",
        operation: ACL_READ,
        permission_type: ACL_ALLOW,
        ..Default::default()
    }];
    let request = CreateAclsRequest {
        creations: Array::from_slice(&creations),
        ..Default::default()
    };
    every_version(ex, &request, ErrorCode::SECURITY_DISABLED, |body| {
        body.results.iter().map(|r| r.error_code).collect()
    });

    let filters = [DeleteAclsFilter {
        resource_type_filter: ACL_ANY,
        pattern_type_filter: ACL_ANY,
        operation: ACL_ANY,
        permission_type: ACL_ANY,
        ..Default::default()
    }];
    let request = DeleteAclsRequest {
        filters: Array::from_slice(&filters),
        ..Default::default()
    };
    every_version(ex, &request, ErrorCode::SECURITY_DISABLED, |body| {
        body.filter_results.iter().map(|r| r.error_code).collect()
    });

    let request = CreateDelegationTokenRequest {
        max_lifetime_ms: -1,
        ..Default::default()
    };
    let expected = ErrorCode::DELEGATION_TOKEN_REQUEST_NOT_ALLOWED;
    every_version(ex, &request, expected, |body| vec![body.error_code]);

    // Last: after this a broker might consider the conversation over.
    let request = SaslAuthenticateRequest {
        auth_bytes: b"\0user\0password",
        ..Default::default()
    };
    every_version(ex, &request, ErrorCode::ILLEGAL_SASL_STATE, |body| {
        vec![body.error_code]
    });
}
