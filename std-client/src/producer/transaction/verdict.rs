//! What a broker's error code means for a transaction: the [`TransactionErrorClass`] of each
//! code a transactional call can be answered with, as the Java client's transaction manager
//! and KIP-98 / KIP-890 class them.

use franzl_core::ErrorCode;

use crate::error::TransactionErrorClass;

/// The class of `code` in a transactional request's answer (or a failed record's).
///
/// - Fatal: the producer has been fenced (`PRODUCER_FENCED`, `INVALID_PRODUCER_EPOCH`), the
///   coordinator's state contradicts the producer's (`INVALID_TXN_STATE`), or it may not be
///   transactional at all (transactional-id or cluster authorization, an unsupported version,
///   an invalid transaction timeout, an unknown transactional id).
/// - Retriable: the coordinator moved, is loading or is busy ending the last transaction
///   (`CONCURRENT_TRANSACTIONS`), and every code the error table marks retriable.
/// - Abortable: everything else (`TRANSACTION_ABORTABLE`, a topic's or group's authorization,
///   a group's refusal of the member's offsets, a lost producer id or a sequence gap).
pub(crate) fn class_of(code: ErrorCode) -> TransactionErrorClass {
    match code {
        ErrorCode::PRODUCER_FENCED
        | ErrorCode::INVALID_PRODUCER_EPOCH
        | ErrorCode::INVALID_TXN_STATE
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

/// Whether `code`, in a coordinator's answer, says it does not know the producer id (it
/// expired, or the transactional id's state was lost): the transaction is abortable, and the
/// abort must get the next epoch with InitProducerId rather than send EndTxn for an id the
/// coordinator cannot end a transaction of (the Java client's transaction manager does the
/// same).
pub(crate) fn producer_id_lost(code: ErrorCode) -> bool {
    code == ErrorCode::UNKNOWN_PRODUCER_ID || code == ErrorCode::INVALID_PRODUCER_ID_MAPPING
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
        ] {
            assert_eq!(class_of(code), class, "{code}");
        }
    }
}
