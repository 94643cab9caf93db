//! The transaction protocol's requests, one attempt each: InitProducerId, AddPartitionsToTxn,
//! AddOffsetsToTxn and EndTxn to the transaction coordinator, TxnOffsetCommit to the group
//! coordinator.
//!
//! Contract:
//! - Each function sends one request on the connection it is given and retries nothing; a
//!   broker's error code becomes [`Error::Kafka`] naming the transactional id (and partition or
//!   group), for the caller ([`super::Transactions`]) to class and retry.
//! - Versions: the one agreed with the broker, but AddPartitionsToTxn at most v3 (v4 on is for
//!   brokers) and TxnOffsetCommit at the caller's ceiling (v5 only within transactions v2,
//!   where the group coordinator adds the offsets to the transaction itself).
//! - Each request is logged at debug level (API and version, with the transactional id) as it
//!   is sent, so a run shows which protocol it spoke.

use std::sync::Arc;

use franzl_core::ErrorCode;
use franzl_core::messages::add_offsets_to_txn::AddOffsetsToTxnRequest;
use franzl_core::messages::add_partitions_to_txn::{
    AddPartitionsToTxnRequest, AddPartitionsToTxnTopic,
};
use franzl_core::messages::end_txn::EndTxnRequest;
use franzl_core::messages::init_producer_id::InitProducerIdRequest;
use franzl_core::messages::txn_offset_commit::{
    TxnOffsetCommitRequest, TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
};
use franzl_core::messages::{ApiKey, Array};

use crate::broker::BrokerConnection;
use crate::consumer::TopicPartition;
use crate::error::{Error, Result};
use crate::group::offsets::{by_topic, check_partitions};
use crate::group::{ConsumerGroupMetadata, OffsetAndMetadata};

/// The last AddPartitionsToTxn version clients send.
const LAST_CLIENT_ADD_PARTITIONS_VERSION: i16 = 3;

/// The producer a request speaks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Producing<'a> {
    pub(crate) transactional_id: &'a str,
    pub(crate) producer_id: i64,
    pub(crate) epoch: i16,
}

/// Logs that `api` at `version` goes out for `transactional_id`.
fn note_sent(api: ApiKey, version: i16, transactional_id: &str) {
    log::debug!("transactional id {transactional_id:?}: {api:?} v{version}");
}

/// InitProducerId for the transactional id: the producer id and epoch to use. `current` is
/// the id and epoch held now, for an epoch bump (KIP-360), or `(-1, -1)`.
pub(crate) async fn init_producer_id(
    conn: &BrokerConnection,
    transactional_id: &str,
    timeout_ms: i32,
    current: (i64, i16),
) -> Result<(i64, i16, i16)> {
    let version = conn.version(ApiKey::InitProducerId)?;
    let current = if version >= 3 { current } else { (-1, -1) };
    let request = InitProducerIdRequest {
        transactional_id: Some(transactional_id),
        transaction_timeout_ms: timeout_ms,
        producer_id: current.0,
        producer_epoch: current.1,
        ..Default::default()
    };
    note_sent(ApiKey::InitProducerId, version, transactional_id);
    let response = conn.request_at(&request, version).await?;
    let decoded = response.decode::<InitProducerIdRequest<'_>>()?;
    check(decoded.error_code, None, || {
        format!("InitProducerId for transactional id {transactional_id:?}")
    })?;
    Ok((decoded.producer_id, decoded.producer_epoch, version))
}

/// AddPartitionsToTxn: `partitions` join the producer's transaction.
pub(crate) async fn add_partitions(
    conn: &BrokerConnection,
    producing: Producing<'_>,
    partitions: &[(Arc<str>, i32)],
) -> Result<()> {
    let version = conn
        .version(ApiKey::AddPartitionsToTxn)?
        .min(LAST_CLIENT_ADD_PARTITIONS_VERSION);
    let grouped = by_topic(partitions.iter().map(|(topic, p)| (&**topic, *p)));
    let topics: Vec<AddPartitionsToTxnTopic<'_>> = grouped
        .iter()
        .map(|(name, partitions)| AddPartitionsToTxnTopic {
            name,
            partitions: Array::from_slice(partitions),
            ..Default::default()
        })
        .collect();
    let request = AddPartitionsToTxnRequest {
        v3_and_below_transactional_id: producing.transactional_id,
        v3_and_below_producer_id: producing.producer_id,
        v3_and_below_producer_epoch: producing.epoch,
        v3_and_below_topics: Array::from_slice(&topics),
        ..Default::default()
    };
    note_sent(
        ApiKey::AddPartitionsToTxn,
        version,
        producing.transactional_id,
    );
    let response = conn.request_at(&request, version).await?;
    let decoded = response.decode::<AddPartitionsToTxnRequest<'_>>()?;
    // When one partition fails, the others are answered OPERATION_NOT_ATTEMPTED: report the
    // cause.
    let mut worst: Option<(ErrorCode, String)> = None;
    for topic in decoded.results_by_topic_v3_and_below.iter() {
        for answer in topic.results_by_partition.iter() {
            let code = answer.partition_error_code;
            if code.is_ok() {
                continue;
            }
            let replace = worst.as_ref().is_none_or(|(noted, _)| {
                *noted == ErrorCode::OPERATION_NOT_ATTEMPTED
                    || (noted.is_retriable() && !code.is_retriable())
            });
            if replace {
                worst = Some((code, format!("{}-{}", topic.name, answer.partition_index)));
            }
        }
    }
    match worst {
        None => Ok(()),
        Some((code, partition)) => check(code, None, || {
            format!(
                "adding {partition} to the transaction of {:?}",
                producing.transactional_id
            )
        }),
    }
}

/// AddOffsetsToTxn: the group's offsets partition joins the transaction (transactions v1).
pub(crate) async fn add_offsets(
    conn: &BrokerConnection,
    producing: Producing<'_>,
    group_id: &str,
) -> Result<()> {
    let version = conn.version(ApiKey::AddOffsetsToTxn)?;
    let request = AddOffsetsToTxnRequest {
        transactional_id: producing.transactional_id,
        producer_id: producing.producer_id,
        producer_epoch: producing.epoch,
        group_id,
        ..Default::default()
    };
    note_sent(ApiKey::AddOffsetsToTxn, version, producing.transactional_id);
    let response = conn.request_at(&request, version).await?;
    let decoded = response.decode::<AddOffsetsToTxnRequest<'_>>()?;
    check(decoded.error_code, None, || {
        format!(
            "adding group {group_id:?}'s offsets to the transaction of {:?}",
            producing.transactional_id
        )
    })
}

/// EndTxn: commits or aborts the transaction. With EndTxn v5 (transactions v2) the answer
/// carries the producer id and epoch for the next transaction.
pub(crate) async fn end_txn(
    conn: &BrokerConnection,
    producing: Producing<'_>,
    commit: bool,
    max_version: i16,
) -> Result<Option<(i64, i16)>> {
    let version = conn.version(ApiKey::EndTxn)?.min(max_version);
    let request = EndTxnRequest {
        transactional_id: producing.transactional_id,
        producer_id: producing.producer_id,
        producer_epoch: producing.epoch,
        committed: commit,
        ..Default::default()
    };
    note_sent(ApiKey::EndTxn, version, producing.transactional_id);
    let response = conn.request_at(&request, version).await?;
    let decoded = response.decode::<EndTxnRequest<'_>>()?;
    check(decoded.error_code, None, || {
        format!(
            "{} the transaction of {:?}",
            if commit { "committing" } else { "aborting" },
            producing.transactional_id
        )
    })?;
    Ok(
        (version >= 5 && decoded.producer_id >= 0 && decoded.producer_epoch >= 0)
            .then_some((decoded.producer_id, decoded.producer_epoch)),
    )
}

/// TxnOffsetCommit: the group's offsets, committed with the transaction, under the member's
/// generation (KIP-447: a member that has fallen out of the group is refused).
pub(crate) async fn txn_offset_commit(
    conn: &BrokerConnection,
    producing: Producing<'_>,
    group: &ConsumerGroupMetadata,
    offsets: &[(TopicPartition, OffsetAndMetadata)],
    max_version: i16,
) -> Result<()> {
    let version = conn.version(ApiKey::TxnOffsetCommit)?.min(max_version);
    if version < 3 && group.generation_id >= 0 {
        return Err(Error::UnsupportedByBroker {
            api: ApiKey::TxnOffsetCommit,
            broker: format!(
                "{} (TxnOffsetCommit v3+, which carries the member's generation)",
                conn.address()
            ),
        });
    }
    let partitions = by_topic(offsets.iter().map(|(tp, offset)| {
        let partition = TxnOffsetCommitRequestPartition {
            partition_index: tp.partition,
            committed_offset: offset.offset,
            committed_leader_epoch: offset.leader_epoch.unwrap_or(-1),
            committed_metadata: offset.metadata.as_deref(),
            ..Default::default()
        };
        (tp.topic.as_str(), partition)
    }));
    let topics: Vec<TxnOffsetCommitRequestTopic<'_>> = partitions
        .iter()
        .map(|(name, partitions)| TxnOffsetCommitRequestTopic {
            name,
            partitions: Array::from_slice(partitions),
            ..Default::default()
        })
        .collect();
    let request = TxnOffsetCommitRequest {
        transactional_id: producing.transactional_id,
        group_id: &group.group_id,
        producer_id: producing.producer_id,
        producer_epoch: producing.epoch,
        generation_id: group.generation_id,
        member_id: &group.member_id,
        group_instance_id: group.group_instance_id.as_deref(),
        topics: Array::from_slice(&topics),
        ..Default::default()
    };
    note_sent(ApiKey::TxnOffsetCommit, version, producing.transactional_id);
    let response = conn.request_at(&request, version).await?;
    let decoded = response.decode::<TxnOffsetCommitRequest<'_>>()?;
    let answers = decoded.topics.iter().flat_map(|topic| {
        let partitions = topic.partitions.iter();
        partitions.map(move |answer| (topic.name, answer.partition_index, answer.error_code))
    });
    check_partitions(answers, offsets.iter().map(|(tp, _)| tp), |partition| {
        format!(
            "committing the offset of {partition} for group {:?} in the transaction of {:?}",
            group.group_id, producing.transactional_id
        )
    })
}

/// `Ok` for `NONE`, else the code as an error about `what()`.
fn check(code: ErrorCode, message: Option<&str>, what: impl FnOnce() -> String) -> Result<()> {
    if code.is_ok() {
        return Ok(());
    }
    Err(Error::kafka(code, message, what()))
}
