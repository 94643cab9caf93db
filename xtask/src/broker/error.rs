//! The launcher's one error type: a message that says what failed and, for a broker that would
//! not start, the tail of its log.

use std::fmt;
use std::path::Path;

/// What went wrong while fetching, starting, probing or stopping a broker.
#[derive(Debug)]
pub struct Error {
    message: String,
}

/// The launcher's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with this message.
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// An I/O error on `path`, while doing `what`.
    pub(crate) fn io(what: &str, path: &Path, error: std::io::Error) -> Self {
        Self::new(format!("{what} {}: {error}", path.display()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
