//! Consumer groups: list them (every broker's), describe them (members and, for consumer
//! groups, each member's assignment decoded), delete them.
//!
//! Contract: a group's requests go to its coordinator, retried within the call's timeout as a
//! group member retries them: `NOT_COORDINATOR`, `COORDINATOR_NOT_AVAILABLE` or a lost
//! connection make the next attempt find the coordinator again, `COORDINATOR_LOAD_IN_PROGRESS`
//! and other retriable codes are asked again, and any other error is returned.
//! A member's assignment that does not decode is an error for that member alone.

use super::Admin;
use super::retry::check;
use crate::broker::BrokerConnection;
use crate::error::{Error, Result};
use crate::group::assignor::MemberAssignment;
use crate::group::commit::with_coordinator;
use franzl_core::consumer_protocol::PROTOCOL_TYPE;
use franzl_core::messages::Array;
use franzl_core::messages::delete_groups::DeleteGroupsRequest;
use franzl_core::messages::describe_groups::{DescribeGroupsRequest, DescribedGroupMember};
use franzl_core::messages::list_groups::ListGroupsRequest;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Instant;

/// A group as listed by [`Admin::list_groups`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupListing {
    /// The group id.
    pub group_id: String,
    /// Its protocol type: `consumer` for consumer groups, `connect` for Kafka Connect, empty for
    /// a group that only commits offsets.
    pub protocol_type: String,
    /// Its state (`Stable`, `PreparingRebalance`, `CompletingRebalance`, `Empty`, `Dead`, ...),
    /// when the broker says (ListGroups v4+, Kafka 2.6).
    pub state: Option<String>,
    /// Its type (`classic`, `consumer`, `share`, ...), when the broker says (ListGroups v5+,
    /// Kafka 3.8).
    pub group_type: Option<String>,
}

/// A group as described by [`Admin::describe_groups`].
#[derive(Debug, Clone)]
pub struct GroupDescription {
    /// The group id.
    pub group_id: String,
    /// Its state (`Stable`, `Empty`, `Dead` for a group that does not exist, ...).
    pub state: String,
    /// Its protocol type (`consumer` for consumer groups).
    pub protocol_type: String,
    /// The protocol its members agreed on: for a consumer group, the assignor (`range`,
    /// `cooperative-sticky`, ...); empty while there is none.
    pub protocol: String,
    /// Its members.
    pub members: Vec<GroupMemberDescription>,
}

/// A member of a described group.
#[derive(Debug, Clone)]
pub struct GroupMemberDescription {
    /// The member id the coordinator gave it.
    pub member_id: String,
    /// Its `group.instance.id`, for a static member (DescribeGroups v4+).
    pub group_instance_id: Option<String>,
    /// The `client.id` it connected with.
    pub client_id: String,
    /// The host it connected from, as the broker saw it (`/127.0.0.1`).
    pub host: String,
    /// Its assignment, for a member of a consumer group: decoded (no partitions while a
    /// rebalance is under way), or the error that its bytes do not decode. `None` for other
    /// protocol types, whose bytes are their own.
    pub assignment: Option<Result<MemberAssignment>>,
}

/// The assignment of a consumer group's member, from its bytes (empty: none yet).
fn decode_assignment(member: &DescribedGroupMember<'_>) -> Result<MemberAssignment> {
    if member.member_assignment.is_empty() {
        return Ok(MemberAssignment::default());
    }
    MemberAssignment::decode(member.member_assignment).map_err(|error| {
        Error::protocol(format!(
            "the assignment of member {} does not decode: {error}",
            member.member_id
        ))
    })
}

impl Admin {
    /// Runs `call` on the coordinator of `group` within the call's timeout, as a group member
    /// does (`group::commit::with_coordinator`): a moved coordinator is looked up again, a busy
    /// one asked again, and any other error returned.
    pub(super) async fn at_coordinator<T, F>(
        &self,
        group: &str,
        call: impl FnMut(BrokerConnection) -> F,
    ) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        let deadline = Instant::now() + self.timeout;
        with_coordinator(&self.cluster, group, deadline, call).await
    }

    /// Every group of the cluster, sorted by id: each broker lists the groups it coordinates.
    ///
    /// # Errors
    /// [`Error::Kafka`] when a broker refuses (`COORDINATOR_LOAD_IN_PROGRESS` is retried);
    /// connection errors after the timeout.
    pub async fn list_groups(&self) -> Result<Vec<GroupListing>> {
        self.retrying("ListGroups", async || {
            let brokers = self.cluster.refresh_metadata(&[]).await?.brokers.clone();
            let mut groups = BTreeMap::new();
            for &node_id in brokers.keys() {
                let connection = self.cluster.broker(node_id).await?;
                let response = connection.request(&ListGroupsRequest::default()).await?;
                let version = response.version();
                let decoded = response.decode::<ListGroupsRequest<'_>>()?;
                check(decoded.error_code, None, || {
                    format!("listing the groups of broker {node_id}")
                })?;
                for group in decoded.groups.iter() {
                    let listing = GroupListing {
                        group_id: group.group_id.to_owned(),
                        protocol_type: group.protocol_type.to_owned(),
                        state: (version >= 4).then(|| group.group_state.to_owned()),
                        group_type: (version >= 5).then(|| group.group_type.to_owned()),
                    };
                    groups.insert(listing.group_id.clone(), listing);
                }
            }
            Ok(groups.into_values().collect())
        })
        .await
    }

    /// Describes `groups`, in the order given. A group that does not exist is described with
    /// state `Dead` by brokers before Kafka 4.0, and is `GROUP_ID_NOT_FOUND` from them on.
    ///
    /// # Errors
    /// [`Error::Kafka`] for the first group the coordinator refuses (`GROUP_ID_NOT_FOUND`,
    /// `GROUP_AUTHORIZATION_FAILED`); connection errors after the timeout.
    pub async fn describe_groups(&self, groups: &[&str]) -> Result<Vec<GroupDescription>> {
        let mut described = Vec::with_capacity(groups.len());
        for &group in groups {
            let description = self
                .at_coordinator(group, |connection| async move {
                    describe_group(&connection, group).await
                })
                .await?;
            described.push(description);
        }
        Ok(described)
    }

    /// Deletes `groups` with their committed offsets. Only a group without members can be
    /// deleted.
    ///
    /// # Errors
    /// [`Error::Kafka`] for the first group the coordinator refuses (`NON_EMPTY_GROUP` while it
    /// has members, `GROUP_ID_NOT_FOUND`); connection errors after the timeout.
    pub async fn delete_groups(&self, groups: &[&str]) -> Result<()> {
        for &group in groups {
            self.at_coordinator(group, |connection| async move {
                let names = [group];
                let request = DeleteGroupsRequest {
                    groups_names: Array::from_slice(&names),
                    ..Default::default()
                };
                let response = connection.request(&request).await?;
                let decoded = response.decode::<DeleteGroupsRequest<'_>>()?;
                let result = decoded
                    .results
                    .iter()
                    .find(|result| result.group_id == group)
                    .ok_or_else(|| {
                        Error::protocol(format!("DeleteGroups answered without group {group:?}"))
                    })?;
                check(result.error_code, None, || {
                    format!("deleting group {group:?}")
                })
            })
            .await?;
            log::info!("deleted group {group:?}");
        }
        Ok(())
    }
}

/// Describes `group` at its coordinator `connection`.
async fn describe_group(connection: &BrokerConnection, group: &str) -> Result<GroupDescription> {
    let names = [group];
    let request = DescribeGroupsRequest {
        groups: Array::from_slice(&names),
        ..Default::default()
    };
    let response = connection.request(&request).await?;
    let decoded = response.decode::<DescribeGroupsRequest<'_>>()?;
    let answer = decoded
        .groups
        .iter()
        .find(|answer| answer.group_id == group)
        .ok_or_else(|| {
            Error::protocol(format!("DescribeGroups answered without group {group:?}"))
        })?;
    check(answer.error_code, answer.error_message, || {
        format!("describing group {group:?}")
    })?;
    let consumer = answer.protocol_type == PROTOCOL_TYPE;
    let members = answer
        .members
        .iter()
        .map(|member| GroupMemberDescription {
            member_id: member.member_id.to_owned(),
            group_instance_id: member.group_instance_id.map(str::to_owned),
            client_id: member.client_id.to_owned(),
            host: member.client_host.to_owned(),
            assignment: consumer.then(|| decode_assignment(&member)),
        })
        .collect();
    Ok(GroupDescription {
        group_id: group.to_owned(),
        state: answer.group_state.to_owned(),
        protocol_type: answer.protocol_type.to_owned(),
        protocol: answer.protocol_data.to_owned(),
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TopicPartition;
    use crate::broker::scripted::{self, Script};
    use crate::broker::tests::respond;
    use crate::config::AdminConfig;
    use franzl_core::ErrorCode;
    use franzl_core::frame::RequestHeader;
    use franzl_core::messages::ApiKey;
    use franzl_core::messages::describe_groups::{DescribeGroupsResponse, DescribedGroup};
    use franzl_core::wire::{Reader, Uuid};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const SCRIPT: Script<'static> = Script {
        offers: &[
            (ApiKey::ApiVersions, 0, 3),
            (ApiKey::Metadata, 0, 12),
            (ApiKey::FindCoordinator, 0, 3),
            (ApiKey::DescribeGroups, 0, 6),
        ],
        finalized: None,
        topic: "t",
        topic_id: Uuid::ZERO,
        partitions: &[(0, 0)],
    };

    /// Requests seen: FindCoordinator, DescribeGroups.
    #[derive(Default)]
    struct Seen {
        lookups: AtomicUsize,
        describes: AtomicUsize,
    }

    #[test]
    fn a_coordinator_that_moved_is_found_again_and_the_call_retried() {
        smol::block_on(async {
            let seen = Arc::new(Seen::default());
            let port = scripted::start({
                let seen = Arc::clone(&seen);
                move |mut stream, port| {
                    let seen = Arc::clone(&seen);
                    async move {
                        while let Some(frame) = scripted::next_request(&mut stream).await {
                            let mut reader = Reader::new(&frame);
                            let header = RequestHeader::read(&mut reader).unwrap();
                            if scripted::answer_discovery(&mut stream, &header, port, &SCRIPT).await
                            {
                                continue;
                            }
                            if header.api_key == ApiKey::FindCoordinator.key() {
                                seen.lookups.fetch_add(1, Ordering::SeqCst);
                                let body = reader.rest();
                                let ok = ErrorCode::NONE;
                                scripted::answer_find_coordinator(
                                    &mut stream,
                                    &header,
                                    body,
                                    port,
                                    ok,
                                )
                                .await;
                                continue;
                            }
                            // The first DescribeGroups finds the coordinator moved.
                            let first = seen.describes.fetch_add(1, Ordering::SeqCst) == 0;
                            let groups = [DescribedGroup {
                                error_code: if first {
                                    ErrorCode::NOT_COORDINATOR
                                } else {
                                    ErrorCode::NONE
                                },
                                group_id: "g",
                                group_state: "Empty",
                                ..Default::default()
                            }];
                            let response = DescribeGroupsResponse {
                                groups: Array::from_slice(&groups),
                                ..Default::default()
                            };
                            respond(&mut stream, &header, &response).await;
                        }
                    }
                }
            })
            .await;
            let bootstrap = format!("127.0.0.1:{port}");
            let config = AdminConfig::from_properties([("bootstrap.servers", bootstrap)]).unwrap();
            let admin = Admin::connect(config).await.unwrap();
            let described = admin.describe_groups(&["g"]).await.unwrap();
            assert_eq!(described[0].state, "Empty");
            assert_eq!(seen.describes.load(Ordering::SeqCst), 2);
            assert_eq!(seen.lookups.load(Ordering::SeqCst), 2, "looked up again");
        });
    }

    fn member(assignment: &[u8]) -> DescribedGroupMember<'_> {
        DescribedGroupMember {
            member_id: "m-1",
            member_assignment: assignment,
            ..Default::default()
        }
    }

    #[test]
    fn a_member_assignment_decodes_to_its_partitions() {
        let assigned = MemberAssignment {
            partitions: vec![TopicPartition::new("t", 0), TopicPartition::new("t", 2)],
            user_data: None,
        };
        let bytes = assigned.encode(3).unwrap();
        assert_eq!(decode_assignment(&member(&bytes)).unwrap(), assigned);
        let none_yet = decode_assignment(&member(&[])).unwrap();
        assert!(none_yet.partitions.is_empty(), "a rebalance under way");
    }

    #[test]
    fn an_assignment_that_does_not_decode_is_an_error_for_that_member() {
        // A version, then a topic count larger than the bytes that follow.
        for bytes in [&[0u8, 3, 0x7f, 0xff, 0xff, 0xff][..], &[0xff], &[0, 0, 0]] {
            let error = decode_assignment(&member(bytes)).unwrap_err();
            assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
            assert!(error.to_string().contains("member m-1"), "{error}");
        }
    }
}
