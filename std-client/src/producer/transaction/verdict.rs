//! What a broker's error code means for a transaction: the [`TransactionErrorClass`] of each
//! code a transactional call can be answered with, as the Java client's transaction manager
//! and KIP-98 / KIP-890 class them.

use franzl_core::ErrorCode;

use crate::error::TransactionErrorClass;

/// The class of `code` in a transactional request's answer (or a failed record's).
///
/// - Fatal: the producer has been fenced (`PRODUCER_FENCED`, `INVALID_PRODUCER_EPOCH`), the
///   coordinator's state contradicts the producer's (`INVALID_TXN_STATE`), the transactional
///   id no longer maps to the producer id (`INVALID_PRODUCER_ID_MAPPING`: the id expired, so a
///   newer instance may have taken over and expired too; getting a fresh producer id would let
///   a zombie write again, KAFKA-18019), or it may not be transactional at all
///   (transactional-id or cluster authorization, an unsupported version, an invalid
///   transaction timeout, an unknown transactional id).
/// - Retriable: the coordinator moved, is loading or is busy ending the last transaction
///   (`CONCURRENT_TRANSACTIONS`), and every code the error table marks retriable.
/// - Abortable: everything else (`TRANSACTION_ABORTABLE`, a topic's or group's authorization,
///   a group's refusal of the member's offsets, a lost producer id or a sequence gap).
pub(crate) fn class_of(code: ErrorCode) -> TransactionErrorClass {
    match code {
        ErrorCode::PRODUCER_FENCED
        | ErrorCode::INVALID_PRODUCER_EPOCH
        | ErrorCode::INVALID_TXN_STATE
        | ErrorCode::INVALID_PRODUCER_ID_MAPPING
        | ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED
        | ErrorCode::CLUSTER_AUTHORIZATION_FAILED
        | ErrorCode::TRANSACTIONAL_ID_NOT_FOUND
        | ErrorCode::INVALID_TRANSACTION_TIMEOUT
        | ErrorCode::UNSUPPORTED_VERSION
        | ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT => TransactionErrorClass::Fatal,
        ErrorCode::TRANSACTION_ABORTABLE
        | ErrorCode::UNKNOWN_PRODUCER_ID
        | ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER => TransactionErrorClass::Abortable,
        code if code.is_retriable() || code == ErrorCode::CONCURRENT_TRANSACTIONS => {
            TransactionErrorClass::Retriable
        }
        _ => TransactionErrorClass::Abortable,
    }
}

/// Whether `code`, in a coordinator's answer, says it does not know the producer id
/// (`UNKNOWN_PRODUCER_ID`): the transaction is abortable, and the abort gets the next epoch
/// with InitProducerId (KIP-360) rather than send EndTxn for a producer id the coordinator has
/// no transaction of. (`INVALID_PRODUCER_ID_MAPPING`, the transactional id's mapping gone, is
/// fatal instead: see [`class_of`].)
pub(crate) fn producer_id_lost(code: ErrorCode) -> bool {
    code == ErrorCode::UNKNOWN_PRODUCER_ID
}

/// Whether `code` says the coordinator must be looked up again.
pub(crate) fn coordinator_moved(code: ErrorCode) -> bool {
    code == ErrorCode::NOT_COORDINATOR || code == ErrorCode::COORDINATOR_NOT_AVAILABLE
}

#[cfg(test)]
mod tests {
    use super::*;
    use TransactionErrorClass::{Abortable, Fatal, Retriable};

    #[test]
    fn the_issues_classes_hold() {
        for (code, class) in [
            (ErrorCode::NOT_COORDINATOR, Retriable),
            (ErrorCode::COORDINATOR_NOT_AVAILABLE, Retriable),
            (ErrorCode::COORDINATOR_LOAD_IN_PROGRESS, Retriable),
            (ErrorCode::CONCURRENT_TRANSACTIONS, Retriable),
            (ErrorCode::TRANSACTION_ABORTABLE, Abortable),
            (ErrorCode::TOPIC_AUTHORIZATION_FAILED, Abortable),
            (ErrorCode::GROUP_AUTHORIZATION_FAILED, Abortable),
            (ErrorCode::ILLEGAL_GENERATION, Abortable),
            (ErrorCode::UNKNOWN_MEMBER_ID, Abortable),
            (ErrorCode::FENCED_INSTANCE_ID, Abortable),
            (ErrorCode::INVALID_RECORD, Abortable),
            (ErrorCode::PRODUCER_FENCED, Fatal),
            (ErrorCode::INVALID_PRODUCER_EPOCH, Fatal),
            (ErrorCode::INVALID_TXN_STATE, Fatal),
            (ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED, Fatal),
            (ErrorCode::INVALID_PRODUCER_ID_MAPPING, Fatal),
            (ErrorCode::UNKNOWN_PRODUCER_ID, Abortable),
        ] {
            assert_eq!(class_of(code), class, "{code}");
        }
    }
}
