//! [`TransactionErrorClass`]: what a transactional producer can still do after an error, as the
//! transaction protocol (KIP-98, KIP-890) leaves it.

/// What a transactional producer can do after an [`Error::Transaction`](super::Error).
///
/// A loop over transactions matches on it: retry the call, abort and go on, or drop the
/// producer (a newer instance with the same `transactional.id` took over, or the broker no
/// longer accepts this one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransactionErrorClass {
    /// The call may succeed if made again (the coordinator moved or was loading, a timeout
    /// whose outcome the next call settles). The transaction is still open.
    Retriable,
    /// The transaction cannot commit (a record failed, a group's offsets were refused, an
    /// authorization failed, a client-side timeout): call `abort_transaction`, after which the
    /// producer can begin the next one.
    Abortable,
    /// The producer can do nothing more (fenced by a newer producer with the same
    /// `transactional.id`, an epoch the broker refuses, a transactional id it may not use):
    /// every later call fails; drop it and make a new one.
    Fatal,
}

impl TransactionErrorClass {
    /// A few words for messages.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Retriable => "retriable",
            Self::Abortable => "abortable: abort the transaction",
            Self::Fatal => "fatal: the producer must be dropped",
        }
    }
}
