//! Response bodies captured from a real Apache Kafka broker (4.3.1, by the `franzl-tests`
//! conformance test with `FRANZL_WRITE_FIXTURES=all`), one per API at the highest version both
//! sides support, in `fixtures/responses/<key>-<name>-v<version>.bin`.
//!
//! Each must decode whole and encode back to the same bytes; each of its prefixes (the body
//! truncated at every byte position) must be a decode error, never a panic or a success; and
//! hostile values written over any one byte must never make the decoder panic.

use std::fs;
use std::path::{Path, PathBuf};

use franzl_core::messages::{ApiKey, Message, decode_body};
use franzl_core::messages::{
    add_offsets_to_txn, add_partitions_to_txn, add_raft_voter, alter_client_quotas, alter_configs,
    alter_partition_reassignments, alter_replica_log_dirs, alter_share_group_offsets,
    alter_user_scram_credentials, api_versions, consumer_group_describe, consumer_group_heartbeat,
    create_acls, create_delegation_token, create_partitions, create_topics, delete_acls,
    delete_groups, delete_records, delete_share_group_offsets, delete_share_group_state,
    delete_topics, describe_acls, describe_client_quotas, describe_cluster, describe_configs,
    describe_delegation_token, describe_groups, describe_log_dirs, describe_producers,
    describe_quorum, describe_share_group_offsets, describe_topic_partitions,
    describe_transactions, describe_user_scram_credentials, elect_leaders, end_txn,
    expire_delegation_token, fetch, find_coordinator, heartbeat, incremental_alter_configs,
    init_producer_id, initialize_share_group_state, join_group, leave_group, list_config_resources,
    list_groups, list_offsets, list_partition_reassignments, list_transactions, metadata,
    offset_commit, offset_delete, offset_fetch, offset_for_leader_epoch, produce,
    read_share_group_state, read_share_group_state_summary, remove_raft_voter,
    renew_delegation_token, sasl_authenticate, sasl_handshake, share_acknowledge, share_fetch,
    share_group_describe, share_group_heartbeat, streams_group_describe, streams_group_heartbeat,
    sync_group, txn_offset_commit, unregister_broker, update_features, write_share_group_state,
    write_txn_markers,
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
    assert!(fixtures.len() >= 75, "only {} fixtures", fixtures.len());
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

/// Each byte in turn (every 7th in bodies over 2 KiB, to keep the test quick) replaced by
/// values that make lengths and counts hostile (-1, huge, zero): the decoder may accept or
/// refuse the result, but must not panic.
#[test]
fn corrupted_bytes_never_panic() {
    for f in fixtures() {
        let mut body = f.body.clone();
        let step = if body.len() > 2048 { 7 } else { 1 };
        for at in (0..body.len()).step_by(step) {
            let original = body[at];
            for corrupt in [0xff, 0x80, 0x00] {
                body[at] = corrupt;
                let _ = decode_body(f.api, f.version, true, &body, &mut |_| {});
            }
            body[at] = original;
        }
    }
}

/// The record batches inside the captured Fetch response (written by franzl, stored and served
/// by the broker) pass their CRC and yield every record they count.
#[test]
fn captured_fetch_records_read_in_place() {
    use franzl_core::record::{Batch, Batches};
    let fixtures = fixtures();
    let f = fixtures
        .iter()
        .find(|f| f.api == ApiKey::Fetch)
        .expect("a Fetch fixture");
    let response = fetch::FetchResponse::decode(f.version, &f.body).expect("decodes");
    let mut batches = 0;
    for partition in response.responses.iter().flat_map(|t| t.partitions.iter()) {
        let records = partition.records.unwrap_or_default();
        for batch in Batches::new(records) {
            let Ok(Batch::V2(batch)) = batch else {
                panic!("not a v2 batch: {batch:?}")
            };
            batch.verify_crc().expect("CRC");
            let read = batch
                .records()
                .expect("uncompressed")
                .map(|r| r.expect("record"));
            assert_eq!(read.count(), batch.record_count() as usize);
            batches += 1;
        }
    }
    assert!(batches > 0, "no batches in {}", f.file.display());
}

/// Decodes `body` as `M` at `version` and encodes it again.
fn re_encode<'a, M: Message<'a>>(version: i16, body: &'a [u8]) -> Vec<u8> {
    let message = M::decode(version, body).expect("decodes");
    let mut out = vec![0u8; message.encoded_len(version).expect("length")];
    let len = message.encode(version, &mut out).expect("encodes");
    out.truncate(len);
    out
}

/// Re-encodes a body as the response type of its API; every captured API must be listed.
macro_rules! re_encode_by_api {
    ($api:expr, $v:expr, $b:expr; $($key:ident => $module:ident::$response:ident),* $(,)?) => {
        match $api {
            $(ApiKey::$key => re_encode::<$module::$response<'_>>($v, $b),)*
            other => panic!("add {} to the list of re-encoded responses", other.name()),
        }
    };
}

#[test]
fn captured_responses_encode_back_to_the_same_bytes() {
    for f in fixtures() {
        let (v, b) = (f.version, f.body.as_slice());
        let again = re_encode_by_api!(f.api, v, b;
            Produce => produce::ProduceResponse,
            Fetch => fetch::FetchResponse,
            ListOffsets => list_offsets::ListOffsetsResponse,
            Metadata => metadata::MetadataResponse,
            OffsetCommit => offset_commit::OffsetCommitResponse,
            OffsetFetch => offset_fetch::OffsetFetchResponse,
            FindCoordinator => find_coordinator::FindCoordinatorResponse,
            JoinGroup => join_group::JoinGroupResponse,
            Heartbeat => heartbeat::HeartbeatResponse,
            LeaveGroup => leave_group::LeaveGroupResponse,
            SyncGroup => sync_group::SyncGroupResponse,
            DescribeGroups => describe_groups::DescribeGroupsResponse,
            ListGroups => list_groups::ListGroupsResponse,
            SaslHandshake => sasl_handshake::SaslHandshakeResponse,
            ApiVersions => api_versions::ApiVersionsResponse,
            CreateTopics => create_topics::CreateTopicsResponse,
            DeleteTopics => delete_topics::DeleteTopicsResponse,
            DeleteRecords => delete_records::DeleteRecordsResponse,
            InitProducerId => init_producer_id::InitProducerIdResponse,
            OffsetForLeaderEpoch => offset_for_leader_epoch::OffsetForLeaderEpochResponse,
            AddPartitionsToTxn => add_partitions_to_txn::AddPartitionsToTxnResponse,
            AddOffsetsToTxn => add_offsets_to_txn::AddOffsetsToTxnResponse,
            EndTxn => end_txn::EndTxnResponse,
            WriteTxnMarkers => write_txn_markers::WriteTxnMarkersResponse,
            TxnOffsetCommit => txn_offset_commit::TxnOffsetCommitResponse,
            DescribeAcls => describe_acls::DescribeAclsResponse,
            CreateAcls => create_acls::CreateAclsResponse,
            DeleteAcls => delete_acls::DeleteAclsResponse,
            DescribeConfigs => describe_configs::DescribeConfigsResponse,
            AlterConfigs => alter_configs::AlterConfigsResponse,
            AlterReplicaLogDirs => alter_replica_log_dirs::AlterReplicaLogDirsResponse,
            DescribeLogDirs => describe_log_dirs::DescribeLogDirsResponse,
            SaslAuthenticate => sasl_authenticate::SaslAuthenticateResponse,
            CreatePartitions => create_partitions::CreatePartitionsResponse,
            CreateDelegationToken => create_delegation_token::CreateDelegationTokenResponse,
            RenewDelegationToken => renew_delegation_token::RenewDelegationTokenResponse,
            ExpireDelegationToken => expire_delegation_token::ExpireDelegationTokenResponse,
            DescribeDelegationToken => describe_delegation_token::DescribeDelegationTokenResponse,
            DeleteGroups => delete_groups::DeleteGroupsResponse,
            ElectLeaders => elect_leaders::ElectLeadersResponse,
            IncrementalAlterConfigs => incremental_alter_configs::IncrementalAlterConfigsResponse,
            AlterPartitionReassignments =>
                alter_partition_reassignments::AlterPartitionReassignmentsResponse,
            ListPartitionReassignments =>
                list_partition_reassignments::ListPartitionReassignmentsResponse,
            OffsetDelete => offset_delete::OffsetDeleteResponse,
            DescribeClientQuotas => describe_client_quotas::DescribeClientQuotasResponse,
            AlterClientQuotas => alter_client_quotas::AlterClientQuotasResponse,
            DescribeUserScramCredentials =>
                describe_user_scram_credentials::DescribeUserScramCredentialsResponse,
            AlterUserScramCredentials =>
                alter_user_scram_credentials::AlterUserScramCredentialsResponse,
            DescribeQuorum => describe_quorum::DescribeQuorumResponse,
            UpdateFeatures => update_features::UpdateFeaturesResponse,
            DescribeCluster => describe_cluster::DescribeClusterResponse,
            DescribeProducers => describe_producers::DescribeProducersResponse,
            UnregisterBroker => unregister_broker::UnregisterBrokerResponse,
            DescribeTransactions => describe_transactions::DescribeTransactionsResponse,
            ListTransactions => list_transactions::ListTransactionsResponse,
            ConsumerGroupHeartbeat => consumer_group_heartbeat::ConsumerGroupHeartbeatResponse,
            ConsumerGroupDescribe => consumer_group_describe::ConsumerGroupDescribeResponse,
            ListConfigResources => list_config_resources::ListConfigResourcesResponse,
            DescribeTopicPartitions => describe_topic_partitions::DescribeTopicPartitionsResponse,
            ShareGroupHeartbeat => share_group_heartbeat::ShareGroupHeartbeatResponse,
            ShareGroupDescribe => share_group_describe::ShareGroupDescribeResponse,
            ShareFetch => share_fetch::ShareFetchResponse,
            ShareAcknowledge => share_acknowledge::ShareAcknowledgeResponse,
            AddRaftVoter => add_raft_voter::AddRaftVoterResponse,
            RemoveRaftVoter => remove_raft_voter::RemoveRaftVoterResponse,
            InitializeShareGroupState =>
                initialize_share_group_state::InitializeShareGroupStateResponse,
            ReadShareGroupState => read_share_group_state::ReadShareGroupStateResponse,
            WriteShareGroupState => write_share_group_state::WriteShareGroupStateResponse,
            DeleteShareGroupState => delete_share_group_state::DeleteShareGroupStateResponse,
            ReadShareGroupStateSummary =>
                read_share_group_state_summary::ReadShareGroupStateSummaryResponse,
            StreamsGroupHeartbeat => streams_group_heartbeat::StreamsGroupHeartbeatResponse,
            StreamsGroupDescribe => streams_group_describe::StreamsGroupDescribeResponse,
            DescribeShareGroupOffsets =>
                describe_share_group_offsets::DescribeShareGroupOffsetsResponse,
            AlterShareGroupOffsets => alter_share_group_offsets::AlterShareGroupOffsetsResponse,
            DeleteShareGroupOffsets => delete_share_group_offsets::DeleteShareGroupOffsetsResponse,
        );
        assert_eq!(again, f.body, "{} re-encoded", f.file.display());
    }
}
