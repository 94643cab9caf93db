//! Cluster changes at every shared version, each made harmless to the other tests: SCRAM
//! credentials of a user of our own (added, then removed), UpdateFeatures with no updates,
//! a reassignment cancelled where none runs, a replica moved to a log dir that does not exist,
//! and the delegation-token calls a PLAINTEXT connection may not make.

use franzl_core::ErrorCode;
use franzl_core::messages::Array;
use franzl_core::messages::alter_partition_reassignments::{
    AlterPartitionReassignmentsRequest, ReassignablePartition, ReassignableTopic,
};
use franzl_core::messages::alter_replica_log_dirs::{
    AlterReplicaLogDir, AlterReplicaLogDirTopic, AlterReplicaLogDirsRequest,
};
use franzl_core::messages::alter_user_scram_credentials::{
    AlterUserScramCredentialsRequest, ScramCredentialDeletion, ScramCredentialUpsertion,
};
use franzl_core::messages::describe_delegation_token::DescribeDelegationTokenRequest;
use franzl_core::messages::expire_delegation_token::ExpireDelegationTokenRequest;
use franzl_core::messages::renew_delegation_token::RenewDelegationTokenRequest;
use franzl_core::messages::update_features::UpdateFeaturesRequest;
use franzl_tests::raw_ops::create_topic;
use franzl_tests::unique_topic;

use crate::exercise::{Exerciser, Record, every_version};

/// `ScramMechanism.SCRAM_SHA_256` on the wire.
const SCRAM_SHA_256: i8 = 1;

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    let topic = unique_topic("conf-alter");
    create_topic(&mut ex.client, &topic, 1);
    scram_credentials(&mut ex);
    nothing_to_change(&mut ex, &topic);
    delegation_tokens(&mut ex);
    ex.record
}

fn scram_credentials(ex: &mut Exerciser) {
    let user = unique_topic("conf-user");
    let upsertions = [ScramCredentialUpsertion {
        name: &user,
        mechanism: SCRAM_SHA_256,
        iterations: 4096,
        salt: b"sixteen byte sal",
        salted_password: &[7; 32],
        ..Default::default()
    }];
    let request = AlterUserScramCredentialsRequest {
        upsertions: Array::from_slice(&upsertions),
        ..Default::default()
    };
    every_version(ex, &request, ErrorCode::NONE, |body| {
        body.results.iter().map(|r| r.error_code).collect()
    });
    let deletions = [ScramCredentialDeletion {
        name: &user,
        mechanism: SCRAM_SHA_256,
        ..Default::default()
    }];
    let request = AlterUserScramCredentialsRequest {
        deletions: Array::from_slice(&deletions),
        ..Default::default()
    };
    let v = ex.client.latest::<AlterUserScramCredentialsRequest<'_>>();
    let reply = ex.call(v, &request);
    let codes: Vec<ErrorCode> = reply.body().results.iter().map(|r| r.error_code).collect();
    assert_eq!(codes, [ErrorCode::NONE], "deleting the credential");
}

fn nothing_to_change(ex: &mut Exerciser, topic: &str) {
    // No feature updates: validated (v1+) or applied (v0), nothing changes.
    let request = UpdateFeaturesRequest::default();
    every_version(ex, &request, ErrorCode::NONE, |body| vec![body.error_code]);

    let partitions = [ReassignablePartition {
        partition_index: 0,
        replicas: None,
        ..Default::default()
    }];
    let topics = [ReassignableTopic {
        name: topic,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let request = AlterPartitionReassignmentsRequest {
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    let expected = ErrorCode::NO_REASSIGNMENT_IN_PROGRESS;
    every_version(ex, &request, expected, |body| {
        body.responses
            .iter()
            .flat_map(|t| t.partitions.iter())
            .map(|p| p.error_code)
            .collect()
    });

    let partitions = [0];
    let topics = [AlterReplicaLogDirTopic {
        name: topic,
        partitions: Array::from_slice(&partitions),
        ..Default::default()
    }];
    let dirs = [AlterReplicaLogDir {
        path: "/nonexistent/franzl-conformance",
        topics: Array::from_slice(&topics),
        ..Default::default()
    }];
    let request = AlterReplicaLogDirsRequest {
        dirs: Array::from_slice(&dirs),
        ..Default::default()
    };
    every_version(ex, &request, ErrorCode::LOG_DIR_NOT_FOUND, |body| {
        body.results
            .iter()
            .flat_map(|t| t.partitions.iter())
            .map(|p| p.error_code)
            .collect()
    });
}

/// Tokens can only be managed over an authenticated (SASL or TLS) connection.
fn delegation_tokens(ex: &mut Exerciser) {
    let expected = ErrorCode::DELEGATION_TOKEN_REQUEST_NOT_ALLOWED;
    let request = DescribeDelegationTokenRequest {
        owners: None,
        ..Default::default()
    };
    every_version(ex, &request, expected, |body| vec![body.error_code]);
    let request = RenewDelegationTokenRequest {
        hmac: b"not a token",
        renew_period_ms: 60_000,
        ..Default::default()
    };
    every_version(ex, &request, expected, |body| vec![body.error_code]);
    let request = ExpireDelegationTokenRequest {
        hmac: b"not a token",
        expiry_time_period_ms: -1,
        ..Default::default()
    };
    every_version(ex, &request, expected, |body| vec![body.error_code]);
}
