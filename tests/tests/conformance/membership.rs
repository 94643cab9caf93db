//! Cluster-membership changes at every shared version, each aimed at a node that does not
//! exist, so the broker refuses it with the code an operator's tool acts on and nothing
//! changes: UnregisterBroker of a broker id never registered (BROKER_ID_NOT_REGISTERED),
//! AddRaftVoter of a voter whose listener nobody serves and RemoveRaftVoter of a voter that is
//! not in the quorum (both refused: the plain profile's quorum is static, `kraft.version` 0,
//! and its voter set cannot change by RPC).

use franzl_core::ErrorCode;
use franzl_core::messages::add_raft_voter::{AddRaftVoterRequest, Listener};
use franzl_core::messages::remove_raft_voter::RemoveRaftVoterRequest;
use franzl_core::messages::unregister_broker::UnregisterBrokerRequest;
use franzl_core::wire::Uuid;

use crate::exercise::{Exerciser, Record, every_version};

/// A node id no node of the test clusters has.
const NO_SUCH_NODE: i32 = 999;
/// The directory id of that node.
const NO_SUCH_DIRECTORY: Uuid = Uuid([0x42; 16]);
/// The code a static quorum answers voter changes with.
const STATIC_QUORUM: ErrorCode = ErrorCode::UNSUPPORTED_VERSION;

/// Runs every scenario of this file on one connection.
pub(crate) fn run(bootstrap: &str) -> Record {
    let mut ex = Exerciser::connect(bootstrap);
    let request = UnregisterBrokerRequest {
        broker_id: NO_SUCH_NODE,
        ..Default::default()
    };
    let expected = ErrorCode::BROKER_ID_NOT_REGISTERED;
    every_version(&mut ex, &request, expected, |body| vec![body.error_code]);

    // Port 9 (discard) on loopback: no controller listens there, so such a voter could never
    // catch up even where the quorum is dynamic.
    let listeners = [Listener {
        name: "CONTROLLER",
        host: "127.0.0.1",
        port: 9,
        ..Default::default()
    }];
    let request = AddRaftVoterRequest {
        cluster_id: None,
        timeout_ms: 5_000,
        voter_id: NO_SUCH_NODE,
        voter_directory_id: NO_SUCH_DIRECTORY,
        listeners: franzl_core::messages::Array::from_slice(&listeners),
        ack_when_committed: true,
        ..Default::default()
    };
    every_version(&mut ex, &request, STATIC_QUORUM, |body| {
        vec![body.error_code]
    });

    let request = RemoveRaftVoterRequest {
        cluster_id: None,
        voter_id: NO_SUCH_NODE,
        voter_directory_id: NO_SUCH_DIRECTORY,
        ..Default::default()
    };
    every_version(&mut ex, &request, STATIC_QUORUM, |body| {
        vec![body.error_code]
    });
    ex.record
}
