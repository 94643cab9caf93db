//! Controller calls that change topics (CreateTopics, DeleteTopics, CreatePartitions), retried
//! name by name when an attempt's outcome is unknown.
//!
//! Contract:
//! - The broker-side timeout (`timeout_ms`) of such a request (and of the other admin requests
//!   a broker may hold: ListOffsets, DeleteRecords) is the call's timeout, but never
//!   so long that the connection's `request.timeout.ms` gives up first: the broker then answers
//!   `REQUEST_TIMED_OUT` for what it has not finished (the change may still happen) instead of
//!   the client tearing the connection down.
//! - [`PerName`] remembers, for each name of the call, whether it is done, still to ask, or
//!   in doubt (an attempt that failed after it may have been sent, or `REQUEST_TIMED_OUT`). A
//!   retry asks only for the names not done; for a name in doubt the answer that says "already
//!   so" (`TOPIC_ALREADY_EXISTS` when creating, `UNKNOWN_TOPIC_OR_PARTITION` when deleting) means
//!   an earlier attempt did it, and counts as done. A topic another client created (or deleted)
//!   in that same moment is thus taken as this call's doing: the change the caller asked for
//!   holds either way.

use std::time::Duration;

use franzl_core::ErrorCode;

use super::Admin;
use super::retry::check;
use crate::error::{Error, Result};

/// The `timeout_ms` of a controller request for a call of `call` over connections whose
/// requests time out after `request`: at most the call's timeout, and shorter than `request`
/// by a margin (a second, or half of it when it is under two), so the broker's answer comes
/// before the client stops waiting for it.
pub(super) fn broker_side_timeout(call: Duration, request: Duration) -> i32 {
    let margin = (request / 2).min(Duration::from_secs(1));
    let timeout = call.min(request.saturating_sub(margin));
    i32::try_from(timeout.as_millis())
        .unwrap_or(i32::MAX)
        .max(1)
}

impl Admin {
    /// The `timeout_ms` of a request of this admin client that the broker may hold (see
    /// [`broker_side_timeout`]).
    pub(super) fn broker_side_timeout(&self) -> i32 {
        broker_side_timeout(self.timeout, self.cluster.config().request_timeout)
    }
}

/// Where one name of the call stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    /// Not yet asked for, or refused in a way that the next attempt asks again.
    ToAsk,
    /// An earlier attempt may have done it.
    InDoubt,
    /// Done.
    Done,
}

/// The standing of each name of one call across its attempts (see the module docs).
#[derive(Debug)]
pub(super) struct PerName {
    standing: Vec<Standing>,
    /// The code that says a name is already as asked.
    already: ErrorCode,
    /// The first refusal in the answer being taken, returned once every name of it is taken.
    refused: Option<Error>,
}

impl PerName {
    /// `names` names, none asked for yet; `already` is the code that means "already so".
    pub(super) fn new(names: usize, already: ErrorCode) -> Self {
        Self {
            standing: vec![Standing::ToAsk; names],
            already,
            refused: None,
        }
    }

    /// The indices of the names the next attempt asks for.
    pub(super) fn left(&self) -> Vec<usize> {
        (0..self.standing.len())
            .filter(|&i| self.standing[i] != Standing::Done)
            .collect()
    }

    /// Whether an earlier attempt may have done name `index`.
    pub(super) fn in_doubt(&self, index: usize) -> bool {
        self.standing[index] == Standing::InDoubt
    }

    /// An attempt failed with no answer (it may have reached the broker): every name it asked
    /// for is in doubt.
    pub(super) fn attempt_failed(&mut self) {
        for standing in &mut self.standing {
            if *standing == Standing::ToAsk {
                *standing = Standing::InDoubt;
            }
        }
    }

    /// Takes the broker's answer `code` (with `message`) for name `index`; `context` says what
    /// was asked, for an error. A refusal other than `REQUEST_TIMED_OUT` (and the "already so"
    /// code when no earlier attempt may have done it) is kept for [`PerName::finished`], so the
    /// names answered after it in the same response are still taken: one done there is not
    /// asked for again.
    pub(super) fn answer(
        &mut self,
        index: usize,
        code: ErrorCode,
        message: Option<&str>,
        context: impl FnOnce() -> String,
    ) {
        let standing = &mut self.standing[index];
        if code.is_ok() {
            *standing = Standing::Done;
        } else if code == self.already && *standing == Standing::InDoubt {
            log::info!(
                "{}: done by an earlier attempt whose answer was lost",
                context()
            );
            *standing = Standing::Done;
        } else if code == ErrorCode::REQUEST_TIMED_OUT {
            *standing = Standing::InDoubt;
        } else if let Err(error) = check(code, message, context) {
            self.refused.get_or_insert(error);
        }
    }

    /// After an answer is taken: its first refusal, as [`Error::Kafka`]; else `Ok` once every
    /// name is done; else a retriable `REQUEST_TIMED_OUT` error naming what is left, so the
    /// call tries again for them.
    ///
    /// # Errors
    /// As above.
    pub(super) fn finished(&mut self, what: &str, name: impl Fn(usize) -> String) -> Result<()> {
        if let Some(refused) = self.refused.take() {
            return Err(refused);
        }
        let left: Vec<String> = self.left().into_iter().map(name).collect();
        if left.is_empty() {
            return Ok(());
        }
        Err(Error::kafka(
            ErrorCode::REQUEST_TIMED_OUT,
            None,
            format!("{what} {left:?}: the controller did not finish in time"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_broker_side_timeout_ends_before_the_request_timeout() {
        let secs = Duration::from_secs;
        assert_eq!(broker_side_timeout(secs(60), secs(30)), 29_000);
        assert_eq!(broker_side_timeout(secs(5), secs(30)), 5_000);
        assert_eq!(
            broker_side_timeout(secs(60), Duration::from_millis(1_000)),
            500
        );
        assert_eq!(broker_side_timeout(secs(60), Duration::ZERO), 1);
    }

    #[test]
    fn already_so_counts_as_done_only_after_an_attempt_in_doubt() {
        let context = || "creating topic t".to_owned();
        let name = |i| format!("t{i}");
        let exists = ErrorCode::TOPIC_ALREADY_EXISTS;
        let mut fresh = PerName::new(1, exists);
        fresh.answer(0, exists, None, context);
        assert!(fresh.finished("creating topics", name).is_err());

        let mut lost = PerName::new(2, exists);
        lost.attempt_failed();
        lost.answer(0, exists, None, context);
        lost.answer(1, ErrorCode::REQUEST_TIMED_OUT, None, context);
        assert_eq!(lost.left(), vec![1]);
        let left = lost.finished("creating topics", name);
        assert!(left.unwrap_err().is_retriable());
        lost.answer(1, exists, None, context);
        lost.finished("creating topics", name).unwrap();
    }

    #[test]
    fn a_refusal_does_not_hide_the_names_done_in_the_same_answer() {
        let context = || "creating topic".to_owned();
        let mut standing = PerName::new(2, ErrorCode::TOPIC_ALREADY_EXISTS);
        standing.answer(0, ErrorCode::NOT_CONTROLLER, None, context);
        standing.answer(1, ErrorCode::NONE, None, context);
        let refused = standing.finished("creating topics", |i| format!("t{i}"));
        assert_eq!(
            refused.unwrap_err().kafka_code(),
            Some(ErrorCode::NOT_CONTROLLER)
        );
        // The retry asks only for the refused one: t1 was created.
        assert_eq!(standing.left(), vec![0]);
    }
}
