//! The classic group protocol's four requests, one function each over the coordinator's
//! connection: JoinGroup, SyncGroup, Heartbeat, LeaveGroup.
//!
//! Contract: each sends one request at the negotiated version and judges the answer; an error
//! code becomes [`Error::Kafka`] with the code, for the member's state machine
//! (`membership.rs`) to act on. No retries here. JoinGroup's `MEMBER_ID_REQUIRED` (KIP-394) is
//! an answer, not an error: [`JoinOutcome::MemberIdRequired`] carries the id to join with. A
//! setting the negotiated version cannot carry (a static member's `group.instance.id` below
//! JoinGroup v5) is an error, never dropped on the wire.

use franzl_core::ErrorCode;
use franzl_core::consumer_protocol::PROTOCOL_TYPE;
use franzl_core::messages::heartbeat::HeartbeatRequest;
use franzl_core::messages::join_group::{JoinGroupRequest, JoinGroupRequestProtocol};
use franzl_core::messages::leave_group::{LeaveGroupRequest, MemberIdentity};
use franzl_core::messages::sync_group::{SyncGroupRequest, SyncGroupRequestAssignment};
use franzl_core::messages::{ApiKey, Array};

use crate::broker::BrokerConnection;
use crate::error::{Error, Result};

/// Who the member is in a request: group, member id, static instance id, generation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member<'a> {
    pub(crate) group_id: &'a str,
    pub(crate) member_id: &'a str,
    pub(crate) instance_id: Option<&'a str>,
    pub(crate) generation: i32,
}

/// What a member joins with.
#[derive(Debug)]
pub(crate) struct JoinArgs<'a> {
    pub(crate) member: Member<'a>,
    pub(crate) session_timeout_ms: i32,
    pub(crate) rebalance_timeout_ms: i32,
    /// The assignors offered, most preferred first, each with the member's subscription bytes.
    pub(crate) protocols: &'a [(String, Vec<u8>)],
    pub(crate) reason: Option<&'a str>,
}

/// A member of the group as the leader learns it from JoinGroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoinedMember {
    pub(crate) member_id: String,
    pub(crate) instance_id: Option<String>,
    /// The member's subscription bytes (ConsumerProtocol).
    pub(crate) metadata: Vec<u8>,
}

/// A successful JoinGroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Joined {
    pub(crate) generation: i32,
    /// The assignor the group chose.
    pub(crate) protocol: String,
    pub(crate) leader: String,
    pub(crate) member_id: String,
    /// KIP-814: a static leader rejoining; it must not compute an assignment.
    pub(crate) skip_assignment: bool,
    /// Every member, for the leader only (empty for the others).
    pub(crate) members: Vec<JoinedMember>,
}

impl Joined {
    /// Whether this member leads the group (and so assigns its partitions).
    pub(crate) fn is_leader(&self) -> bool {
        self.leader == self.member_id
    }
}

/// What JoinGroup answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JoinOutcome {
    Joined(Joined),
    /// KIP-394: join again at once with this member id.
    MemberIdRequired(String),
}

/// Sends JoinGroup; waits as long as the coordinator holds it (up to the rebalance timeout).
///
/// # Errors
/// The error code as [`Error::Kafka`]; connection failures; [`Error::Usage`] for a static
/// member on a broker below JoinGroup v5.
pub(crate) async fn join(conn: &BrokerConnection, args: &JoinArgs<'_>) -> Result<JoinOutcome> {
    let version = conn.version(ApiKey::JoinGroup)?;
    needs_static_support(args.member, version, 5, "JoinGroup")?;
    let protocols: Vec<JoinGroupRequestProtocol<'_>> = args
        .protocols
        .iter()
        .map(|(name, metadata)| JoinGroupRequestProtocol {
            name,
            metadata,
            ..Default::default()
        })
        .collect();
    let request = JoinGroupRequest {
        group_id: args.member.group_id,
        session_timeout_ms: args.session_timeout_ms,
        rebalance_timeout_ms: args.rebalance_timeout_ms,
        member_id: args.member.member_id,
        group_instance_id: args.member.instance_id,
        protocol_type: PROTOCOL_TYPE,
        protocols: Array::from_slice(&protocols),
        reason: args.reason,
        ..Default::default()
    };
    let response = conn.request_at(&request, version).await?;
    let decoded = response.decode::<JoinGroupRequest<'_>>()?;
    if decoded.error_code == ErrorCode::MEMBER_ID_REQUIRED && !decoded.member_id.is_empty() {
        return Ok(JoinOutcome::MemberIdRequired(decoded.member_id.to_owned()));
    }
    check(decoded.error_code, "JoinGroup", args.member.group_id)?;
    let protocol = decoded
        .protocol_name
        .filter(|name| !name.is_empty())
        .ok_or_else(|| Error::protocol("JoinGroup succeeded without naming the chosen assignor"))?;
    if let Some(kind) = decoded.protocol_type.filter(|kind| *kind != PROTOCOL_TYPE) {
        return Err(Error::protocol(format!(
            "JoinGroup answered protocol type {kind:?}, not {PROTOCOL_TYPE:?}"
        )));
    }
    Ok(JoinOutcome::Joined(Joined {
        generation: decoded.generation_id,
        protocol: protocol.to_owned(),
        leader: decoded.leader.to_owned(),
        member_id: decoded.member_id.to_owned(),
        skip_assignment: decoded.skip_assignment,
        members: decoded
            .members
            .iter()
            .map(|m| JoinedMember {
                member_id: m.member_id.to_owned(),
                instance_id: m.group_instance_id.map(str::to_owned),
                metadata: m.metadata.to_vec(),
            })
            .collect(),
    }))
}

/// Sends SyncGroup: the leader with every member's assignment bytes, the others with none.
/// Returns this member's assignment bytes (empty when it was given nothing).
///
/// # Errors
/// As [`join`].
pub(crate) async fn sync(
    conn: &BrokerConnection,
    member: Member<'_>,
    protocol: &str,
    assignments: &[(String, Vec<u8>)],
) -> Result<Vec<u8>> {
    let version = conn.version(ApiKey::SyncGroup)?;
    needs_static_support(member, version, 3, "SyncGroup")?;
    let assignments: Vec<SyncGroupRequestAssignment<'_>> = assignments
        .iter()
        .map(|(member_id, assignment)| SyncGroupRequestAssignment {
            member_id,
            assignment,
            ..Default::default()
        })
        .collect();
    let request = SyncGroupRequest {
        group_id: member.group_id,
        generation_id: member.generation,
        member_id: member.member_id,
        group_instance_id: member.instance_id,
        protocol_type: Some(PROTOCOL_TYPE),
        protocol_name: Some(protocol),
        assignments: Array::from_slice(&assignments),
        ..Default::default()
    };
    let response = conn.request_at(&request, version).await?;
    let decoded = response.decode::<SyncGroupRequest<'_>>()?;
    check(decoded.error_code, "SyncGroup", member.group_id)?;
    if let Some(name) = decoded.protocol_name.filter(|name| *name != protocol) {
        return Err(Error::protocol(format!(
            "SyncGroup answered for assignor {name:?}, the group chose {protocol:?}"
        )));
    }
    Ok(decoded.assignment.to_vec())
}

/// Sends one Heartbeat.
///
/// # Errors
/// As [`join`].
pub(crate) async fn heartbeat(conn: &BrokerConnection, member: Member<'_>) -> Result<()> {
    let version = conn.version(ApiKey::Heartbeat)?;
    needs_static_support(member, version, 3, "Heartbeat")?;
    let request = HeartbeatRequest {
        group_id: member.group_id,
        generation_id: member.generation,
        member_id: member.member_id,
        group_instance_id: member.instance_id,
        ..Default::default()
    };
    let response = conn.request_at(&request, version).await?;
    let decoded = response.decode::<HeartbeatRequest<'_>>()?;
    check(decoded.error_code, "Heartbeat", member.group_id)
}

/// Sends LeaveGroup for this member (v3+ in the batch form, with `reason` from v5).
///
/// # Errors
/// As [`join`]; a member-level error code too.
pub(crate) async fn leave(conn: &BrokerConnection, member: Member<'_>, reason: &str) -> Result<()> {
    let version = conn.version(ApiKey::LeaveGroup)?;
    needs_static_support(member, version, 3, "LeaveGroup")?;
    let identity = [MemberIdentity {
        member_id: member.member_id,
        group_instance_id: member.instance_id,
        reason: Some(reason),
        ..Default::default()
    }];
    let request = if version >= 3 {
        LeaveGroupRequest {
            group_id: member.group_id,
            members: Array::from_slice(&identity),
            ..Default::default()
        }
    } else {
        LeaveGroupRequest {
            group_id: member.group_id,
            member_id: member.member_id,
            ..Default::default()
        }
    };
    let response = conn.request_at(&request, version).await?;
    let decoded = response.decode::<LeaveGroupRequest<'_>>()?;
    check(decoded.error_code, "LeaveGroup", member.group_id)?;
    for answer in decoded.members.iter() {
        check(answer.error_code, "LeaveGroup", member.group_id)?;
    }
    Ok(())
}

/// `Ok` for no error, else the code as [`Error::Kafka`] naming the request and group.
fn check(code: ErrorCode, request: &str, group: &str) -> Result<()> {
    if code.is_ok() {
        return Ok(());
    }
    Err(Error::kafka(
        code,
        None,
        format!("{request} of group {group:?}"),
    ))
}

/// A static member needs `request` at `since` or later, where it carries the instance id.
fn needs_static_support(member: Member<'_>, version: i16, since: i16, request: &str) -> Result<()> {
    if member.instance_id.is_none() || version >= since {
        return Ok(());
    }
    Err(Error::usage(format!(
        "group.instance.id needs {request} v{since}, and the broker supports v{version}: static \
         membership is not available with this broker"
    )))
}
