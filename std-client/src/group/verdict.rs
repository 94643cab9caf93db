//! What a group member does about a failed group request: the classic protocol's error matrix
//! in one place, for the member task and for commits.
//!
//! - The coordinator moved or cannot be reached (`NOT_COORDINATOR`,
//!   `COORDINATOR_NOT_AVAILABLE`, a lost connection, a timeout): find it again, after a backoff.
//! - It is busy (`COORDINATOR_LOAD_IN_PROGRESS`, `UNSTABLE_OFFSET_COMMIT`, another retriable
//!   code): ask again after a backoff.
//! - The group is rebalancing (`REBALANCE_IN_PROGRESS`): join again now.
//! - The member's generation is stale (`ILLEGAL_GENERATION`) or the coordinator does not
//!   know it (`UNKNOWN_MEMBER_ID`, which also forgets the member id): its partitions are lost,
//!   and it joins again.
//! - The member cannot go on (`FENCED_INSTANCE_ID`, an authorization failure, an invalid
//!   session timeout, an inconsistent protocol, a full group, a broker without the API, a
//!   refused configuration): it stops and the caller is told.
//! - Anything else (a response that does not decode, a malformed assignment, a commit for a
//!   topic deleted meanwhile): the caller is told, and the member joins again after a backoff.
//!
//! The consumer protocol (KIP-848, [`judge_heartbeat`]) adds its codes: `FENCED_MEMBER_EPOCH`
//! and `UNKNOWN_MEMBER_ID` lose the partitions and join again at epoch 0 (with the same
//! member id, which the member makes itself); `UNRELEASED_INSTANCE_ID`,
//! `UNSUPPORTED_ASSIGNOR`, `INVALID_REQUEST`, `INVALID_REGULAR_EXPRESSION` and
//! `GROUP_ID_NOT_FOUND` stop the member.

use franzl_core::ErrorCode;

use crate::error::Error;

/// What to do about a failed group request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    CoordinatorMoved,
    RetryLater,
    Rejoin,
    StaleGeneration,
    UnknownMember,
    Fatal,
    Report,
}

/// Judges `error` (see the module docs).
pub(crate) fn judge(error: &Error) -> Verdict {
    let Some(code) = error.kafka_code() else {
        return match error {
            Error::Usage { .. }
            | Error::Config { .. }
            | Error::UnsupportedByBroker { .. }
            | Error::Authentication { .. }
            | Error::Tls { .. } => Verdict::Fatal,
            error if error.is_retriable() => Verdict::CoordinatorMoved,
            _ => Verdict::Report,
        };
    };
    match code {
        ErrorCode::NOT_COORDINATOR | ErrorCode::COORDINATOR_NOT_AVAILABLE => {
            Verdict::CoordinatorMoved
        }
        ErrorCode::REBALANCE_IN_PROGRESS => Verdict::Rejoin,
        ErrorCode::ILLEGAL_GENERATION => Verdict::StaleGeneration,
        ErrorCode::UNKNOWN_MEMBER_ID => Verdict::UnknownMember,
        ErrorCode::FENCED_INSTANCE_ID
        | ErrorCode::GROUP_AUTHORIZATION_FAILED
        | ErrorCode::TOPIC_AUTHORIZATION_FAILED
        | ErrorCode::INVALID_SESSION_TIMEOUT
        | ErrorCode::INCONSISTENT_GROUP_PROTOCOL
        | ErrorCode::GROUP_MAX_SIZE_REACHED
        | ErrorCode::INVALID_GROUP_ID
        | ErrorCode::UNSUPPORTED_VERSION => Verdict::Fatal,
        // A commit for a topic deleted under the group: asking again cannot help (the other
        // partitions of that commit were committed).
        ErrorCode::UNKNOWN_TOPIC_OR_PARTITION => Verdict::Report,
        code if code.is_retriable() => Verdict::RetryLater,
        _ => Verdict::Report,
    }
}

/// Judges a failed ConsumerGroupHeartbeat, or a commit of a consumer-protocol member (see the
/// module docs): [`Verdict::StaleGeneration`] means fenced.
pub(crate) fn judge_heartbeat(error: &Error) -> Verdict {
    match error.kafka_code() {
        Some(ErrorCode::FENCED_MEMBER_EPOCH | ErrorCode::UNKNOWN_MEMBER_ID) => {
            Verdict::StaleGeneration
        }
        Some(
            ErrorCode::UNRELEASED_INSTANCE_ID
            | ErrorCode::UNSUPPORTED_ASSIGNOR
            | ErrorCode::INVALID_REQUEST
            | ErrorCode::INVALID_REGULAR_EXPRESSION
            | ErrorCode::GROUP_ID_NOT_FOUND,
        ) => Verdict::Fatal,
        _ => judge(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kafka(code: ErrorCode) -> Error {
        Error::kafka(code, None, "test")
    }

    #[test]
    fn the_error_matrix_of_the_classic_protocol() {
        let cases = [
            (ErrorCode::NOT_COORDINATOR, Verdict::CoordinatorMoved),
            (
                ErrorCode::COORDINATOR_NOT_AVAILABLE,
                Verdict::CoordinatorMoved,
            ),
            (ErrorCode::COORDINATOR_LOAD_IN_PROGRESS, Verdict::RetryLater),
            (ErrorCode::UNSTABLE_OFFSET_COMMIT, Verdict::RetryLater),
            (ErrorCode::REBALANCE_IN_PROGRESS, Verdict::Rejoin),
            (ErrorCode::ILLEGAL_GENERATION, Verdict::StaleGeneration),
            (ErrorCode::UNKNOWN_MEMBER_ID, Verdict::UnknownMember),
            (ErrorCode::FENCED_INSTANCE_ID, Verdict::Fatal),
            (ErrorCode::GROUP_AUTHORIZATION_FAILED, Verdict::Fatal),
            (ErrorCode::INCONSISTENT_GROUP_PROTOCOL, Verdict::Fatal),
            (ErrorCode::GROUP_MAX_SIZE_REACHED, Verdict::Fatal),
            (ErrorCode::INVALID_SESSION_TIMEOUT, Verdict::Fatal),
            (ErrorCode::CORRUPT_MESSAGE, Verdict::RetryLater),
            (ErrorCode::INVALID_COMMIT_OFFSET_SIZE, Verdict::Report),
            (ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, Verdict::Report),
        ];
        for (code, verdict) in cases {
            assert_eq!(judge(&kafka(code)), verdict, "{code}");
        }
        let lost = Error::Closed {
            what: "connection".into(),
        };
        assert_eq!(judge(&lost), Verdict::CoordinatorMoved);
        assert_eq!(judge(&Error::usage("x")), Verdict::Fatal);
        assert_eq!(judge(&Error::protocol("garbage")), Verdict::Report);
    }

    #[test]
    fn the_error_matrix_of_the_consumer_protocol() {
        let cases = [
            (ErrorCode::FENCED_MEMBER_EPOCH, Verdict::StaleGeneration),
            (ErrorCode::UNKNOWN_MEMBER_ID, Verdict::StaleGeneration),
            (ErrorCode::UNRELEASED_INSTANCE_ID, Verdict::Fatal),
            (ErrorCode::UNSUPPORTED_ASSIGNOR, Verdict::Fatal),
            (ErrorCode::INVALID_REQUEST, Verdict::Fatal),
            (ErrorCode::INVALID_REGULAR_EXPRESSION, Verdict::Fatal),
            (ErrorCode::GROUP_ID_NOT_FOUND, Verdict::Fatal),
            (ErrorCode::GROUP_AUTHORIZATION_FAILED, Verdict::Fatal),
            (ErrorCode::UNSUPPORTED_VERSION, Verdict::Fatal),
            (ErrorCode::GROUP_MAX_SIZE_REACHED, Verdict::Fatal),
            (ErrorCode::NOT_COORDINATOR, Verdict::CoordinatorMoved),
            (ErrorCode::COORDINATOR_LOAD_IN_PROGRESS, Verdict::RetryLater),
        ];
        for (code, verdict) in cases {
            assert_eq!(judge_heartbeat(&kafka(code)), verdict, "{code}");
        }
    }
}
