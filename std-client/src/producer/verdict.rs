//! Judging a partition's answer in a Produce response: written, retry (after an epoch bump?),
//! or failed for good, as the Java client and franz-go treat each error code.

use franzl_core::ErrorCode;

use super::accumulator::Verdict;
use super::delivery::Failure;

/// The verdict on a batch the broker answered with `code`; `idempotent` when it carries a
/// sequence. `OUT_OF_ORDER_SEQUENCE_NUMBER` is judged by the accumulator, which knows whether
/// an earlier batch of the partition failed in the same round (see [`Verdict::OutOfOrder`]).
pub(crate) fn judge(
    code: ErrorCode,
    message: Option<&str>,
    base_offset: i64,
    log_append_time: i64,
    idempotent: bool,
) -> Verdict {
    let failure = || Failure::Kafka {
        code,
        message: message.unwrap_or_default().to_owned(),
    };
    match code {
        ErrorCode::NONE => Verdict::Written {
            base_offset,
            log_append_time,
        },
        // Already in the log from an earlier attempt whose answer was lost.
        ErrorCode::DUPLICATE_SEQUENCE_NUMBER if idempotent => Verdict::Written {
            base_offset: -1,
            log_append_time: -1,
        },
        ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER if idempotent => Verdict::OutOfOrder(failure()),
        // Split in two and sent again when it holds more than one record (the accumulator
        // knows); refused before its sequence was taken.
        ErrorCode::MESSAGE_TOO_LARGE => Verdict::TooLarge(failure()),
        // The broker lost or fenced this producer's state: a new epoch, then the batch again.
        ErrorCode::UNKNOWN_PRODUCER_ID
        | ErrorCode::INVALID_PRODUCER_EPOCH
        | ErrorCode::PRODUCER_FENCED
            if idempotent =>
        {
            Verdict::Retry {
                error: failure(),
                bump_epoch: true,
            }
        }
        code if code.is_retriable() => Verdict::Retry {
            error: failure(),
            bump_epoch: false,
        },
        // Anything else fails the batch; its sequence numbers leave a gap.
        _ => Verdict::Fail {
            failure: failure(),
            bump_epoch: idempotent,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_verdicts() {
        let judged = |code, idempotent| judge(code, Some("m"), 5, -1, idempotent);
        assert!(matches!(
            judged(ErrorCode::NONE, true),
            Verdict::Written { base_offset: 5, .. }
        ));
        assert!(matches!(
            judged(ErrorCode::DUPLICATE_SEQUENCE_NUMBER, true),
            Verdict::Written {
                base_offset: -1,
                ..
            }
        ));
        assert!(matches!(
            judged(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER, true),
            Verdict::OutOfOrder(_)
        ));
        assert!(matches!(
            judged(ErrorCode::UNKNOWN_PRODUCER_ID, true),
            Verdict::Retry {
                bump_epoch: true,
                ..
            }
        ));
        assert!(matches!(
            judged(ErrorCode::NOT_LEADER_OR_FOLLOWER, true),
            Verdict::Retry {
                bump_epoch: false,
                ..
            }
        ));
        assert!(matches!(
            judged(ErrorCode::MESSAGE_TOO_LARGE, true),
            Verdict::TooLarge(_)
        ));
        assert!(matches!(
            judged(ErrorCode::INVALID_RECORD, true),
            Verdict::Fail {
                bump_epoch: true,
                ..
            }
        ));
        assert!(matches!(
            judged(ErrorCode::INVALID_RECORD, false),
            Verdict::Fail {
                bump_epoch: false,
                ..
            }
        ));
    }
}
