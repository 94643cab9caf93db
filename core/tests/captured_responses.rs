//! Response bodies captured from a real Apache Kafka broker (4.3, by the `franzl-tests`
//! conformance test with `FRANZL_WRITE_FIXTURES=1`), one per API at the highest version both
//! sides support, in `fixtures/responses/<key>-<name>-v<version>.bin`.
//!
//! Each must decode whole and encode back to the same bytes; each of its prefixes (the body
//! truncated at every byte position) must be a decode error, never a panic or a success.

use std::fs;
use std::path::{Path, PathBuf};

use franzl_core::messages::{ApiKey, Message, decode_body};
use franzl_core::messages::{
    add_offsets_to_txn, add_partitions_to_txn, alter_client_quotas, alter_configs, api_versions,
    consumer_group_describe, consumer_group_heartbeat, create_acls, create_delegation_token,
    create_partitions, create_topics, delete_acls, delete_groups, delete_records, delete_topics,
    describe_acls, describe_client_quotas, describe_cluster, describe_configs, describe_groups,
    describe_log_dirs, describe_producers, describe_quorum, describe_topic_partitions,
    describe_transactions, describe_user_scram_credentials, elect_leaders, end_txn, fetch,
    find_coordinator, heartbeat, incremental_alter_configs, init_producer_id, join_group,
    leave_group, list_client_metrics_resources, list_groups, list_offsets,
    list_partition_reassignments, list_transactions, metadata, offset_commit, offset_delete,
    offset_fetch, offset_for_leader_epoch, produce, sasl_authenticate, sasl_handshake, sync_group,
    txn_offset_commit,
};

/// One captured body: its API, version and bytes.
struct Fixture {
    file: PathBuf,
    api: ApiKey,
    version: i16,
    body: Vec<u8>,
}

/// Reads every fixture; the file name carries the API key and version.
fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/responses");
    let mut out: Vec<Fixture> = fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "bin"))
        .map(|file| {
            let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let mut parts = stem.split('-');
            let key: i16 = parts.next().and_then(|k| k.parse().ok()).expect("key");
            let version: i16 = parts
                .next_back()
                .and_then(|v| v.strip_prefix('v'))
                .and_then(|v| v.parse().ok())
                .expect("version");
            let api = ApiKey::from_key(key).expect("known API key");
            let body = fs::read(&file).expect("fixture bytes");
            Fixture {
                file,
                api,
                version,
                body,
            }
        })
        .collect();
    out.sort_by_key(|f| f.api.key());
    out
}

#[test]
fn there_is_one_fixture_per_exercised_api() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 50, "only {} fixtures", fixtures.len());
}

#[test]
fn captured_responses_decode_whole() {
    for f in fixtures() {
        let result = decode_body(f.api, f.version, true, &f.body, &mut |_| {});
        assert_eq!(result, Ok(()), "{}", f.file.display());
    }
}

#[test]
fn every_truncation_is_an_error() {
    for f in fixtures() {
        for cut in 0..f.body.len() {
            let result = decode_body(f.api, f.version, true, &f.body[..cut], &mut |_| {});
            assert!(
                result.is_err(),
                "{} cut at {cut} of {} decoded",
                f.file.display(),
                f.body.len()
            );
        }
    }
}

/// Decodes `body` as `M` at `version` and encodes it again.
fn re_encode<'a, M: Message<'a>>(version: i16, body: &'a [u8]) -> Vec<u8> {
    let message = M::decode(version, body).expect("decodes");
    let mut out = vec![0u8; message.encoded_len(version).expect("length")];
    let len = message.encode(version, &mut out).expect("encodes");
    out.truncate(len);
    out
}

#[test]
fn captured_responses_encode_back_to_the_same_bytes() {
    for f in fixtures() {
        let (v, b) = (f.version, f.body.as_slice());
        let again = match f.api {
            ApiKey::Produce => re_encode::<produce::ProduceResponse<'_>>(v, b),
            ApiKey::Fetch => re_encode::<fetch::FetchResponse<'_>>(v, b),
            ApiKey::ListOffsets => re_encode::<list_offsets::ListOffsetsResponse<'_>>(v, b),
            ApiKey::Metadata => re_encode::<metadata::MetadataResponse<'_>>(v, b),
            ApiKey::OffsetCommit => re_encode::<offset_commit::OffsetCommitResponse<'_>>(v, b),
            ApiKey::OffsetFetch => re_encode::<offset_fetch::OffsetFetchResponse<'_>>(v, b),
            ApiKey::FindCoordinator => {
                re_encode::<find_coordinator::FindCoordinatorResponse<'_>>(v, b)
            }
            ApiKey::JoinGroup => re_encode::<join_group::JoinGroupResponse<'_>>(v, b),
            ApiKey::Heartbeat => re_encode::<heartbeat::HeartbeatResponse<'_>>(v, b),
            ApiKey::LeaveGroup => re_encode::<leave_group::LeaveGroupResponse<'_>>(v, b),
            ApiKey::SyncGroup => re_encode::<sync_group::SyncGroupResponse<'_>>(v, b),
            ApiKey::DescribeGroups => {
                re_encode::<describe_groups::DescribeGroupsResponse<'_>>(v, b)
            }
            ApiKey::ListGroups => re_encode::<list_groups::ListGroupsResponse<'_>>(v, b),
            ApiKey::SaslHandshake => re_encode::<sasl_handshake::SaslHandshakeResponse<'_>>(v, b),
            ApiKey::ApiVersions => re_encode::<api_versions::ApiVersionsResponse<'_>>(v, b),
            ApiKey::CreateTopics => re_encode::<create_topics::CreateTopicsResponse<'_>>(v, b),
            ApiKey::DeleteTopics => re_encode::<delete_topics::DeleteTopicsResponse<'_>>(v, b),
            ApiKey::DeleteRecords => re_encode::<delete_records::DeleteRecordsResponse<'_>>(v, b),
            ApiKey::InitProducerId => {
                re_encode::<init_producer_id::InitProducerIdResponse<'_>>(v, b)
            }
            ApiKey::OffsetForLeaderEpoch => {
                re_encode::<offset_for_leader_epoch::OffsetForLeaderEpochResponse<'_>>(v, b)
            }
            ApiKey::AddPartitionsToTxn => {
                re_encode::<add_partitions_to_txn::AddPartitionsToTxnResponse<'_>>(v, b)
            }
            ApiKey::AddOffsetsToTxn => {
                re_encode::<add_offsets_to_txn::AddOffsetsToTxnResponse<'_>>(v, b)
            }
            ApiKey::EndTxn => re_encode::<end_txn::EndTxnResponse<'_>>(v, b),
            ApiKey::TxnOffsetCommit => {
                re_encode::<txn_offset_commit::TxnOffsetCommitResponse<'_>>(v, b)
            }
            ApiKey::DescribeAcls => re_encode::<describe_acls::DescribeAclsResponse<'_>>(v, b),
            ApiKey::DescribeConfigs => {
                re_encode::<describe_configs::DescribeConfigsResponse<'_>>(v, b)
            }
            ApiKey::AlterConfigs => re_encode::<alter_configs::AlterConfigsResponse<'_>>(v, b),
            ApiKey::CreatePartitions => {
                re_encode::<create_partitions::CreatePartitionsResponse<'_>>(v, b)
            }
            ApiKey::DeleteGroups => re_encode::<delete_groups::DeleteGroupsResponse<'_>>(v, b),
            ApiKey::IncrementalAlterConfigs => {
                re_encode::<incremental_alter_configs::IncrementalAlterConfigsResponse<'_>>(v, b)
            }
            ApiKey::OffsetDelete => re_encode::<offset_delete::OffsetDeleteResponse<'_>>(v, b),
            ApiKey::DescribeCluster => {
                re_encode::<describe_cluster::DescribeClusterResponse<'_>>(v, b)
            }
            ApiKey::DescribeProducers => {
                re_encode::<describe_producers::DescribeProducersResponse<'_>>(v, b)
            }
            ApiKey::DescribeTransactions => {
                re_encode::<describe_transactions::DescribeTransactionsResponse<'_>>(v, b)
            }
            ApiKey::ListTransactions => {
                re_encode::<list_transactions::ListTransactionsResponse<'_>>(v, b)
            }
            ApiKey::ConsumerGroupHeartbeat => {
                re_encode::<consumer_group_heartbeat::ConsumerGroupHeartbeatResponse<'_>>(v, b)
            }
            ApiKey::ConsumerGroupDescribe => {
                re_encode::<consumer_group_describe::ConsumerGroupDescribeResponse<'_>>(v, b)
            }
            ApiKey::CreateAcls => re_encode::<create_acls::CreateAclsResponse<'_>>(v, b),
            ApiKey::DeleteAcls => re_encode::<delete_acls::DeleteAclsResponse<'_>>(v, b),
            ApiKey::DescribeLogDirs => {
                re_encode::<describe_log_dirs::DescribeLogDirsResponse<'_>>(v, b)
            }
            ApiKey::SaslAuthenticate => {
                re_encode::<sasl_authenticate::SaslAuthenticateResponse<'_>>(v, b)
            }
            ApiKey::CreateDelegationToken => {
                re_encode::<create_delegation_token::CreateDelegationTokenResponse<'_>>(v, b)
            }
            ApiKey::ElectLeaders => re_encode::<elect_leaders::ElectLeadersResponse<'_>>(v, b),
            ApiKey::ListPartitionReassignments => re_encode::<
                list_partition_reassignments::ListPartitionReassignmentsResponse<'_>,
            >(v, b),
            ApiKey::DescribeClientQuotas => {
                re_encode::<describe_client_quotas::DescribeClientQuotasResponse<'_>>(v, b)
            }
            ApiKey::AlterClientQuotas => {
                re_encode::<alter_client_quotas::AlterClientQuotasResponse<'_>>(v, b)
            }
            ApiKey::DescribeUserScramCredentials => re_encode::<
                describe_user_scram_credentials::DescribeUserScramCredentialsResponse<'_>,
            >(v, b),
            ApiKey::DescribeQuorum => {
                re_encode::<describe_quorum::DescribeQuorumResponse<'_>>(v, b)
            }
            ApiKey::ListClientMetricsResources => re_encode::<
                list_client_metrics_resources::ListClientMetricsResourcesResponse<'_>,
            >(v, b),
            ApiKey::DescribeTopicPartitions => {
                re_encode::<describe_topic_partitions::DescribeTopicPartitionsResponse<'_>>(v, b)
            }
            // A fixture of an API added later: decoding whole is checked above.
            _ => continue,
        };
        assert_eq!(again, f.body, "{} re-encoded", f.file.display());
    }
}
