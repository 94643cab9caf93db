//! [`ResponseFrame`]: an owned response frame; decoding borrows from it (zero-copy).

use crate::error::{Error, Result};
use franzl_core::messages::{ApiKey, Message, Request};

/// A broker's response, as received: the whole frame after its size prefix, and where the body
/// starts (after the response header).
#[derive(Debug, Clone)]
pub struct ResponseFrame {
    api_key: ApiKey,
    version: i16,
    frame: Vec<u8>,
    body_start: usize,
}

impl ResponseFrame {
    pub(crate) fn new(api_key: ApiKey, version: i16, frame: Vec<u8>, body_start: usize) -> Self {
        Self {
            api_key,
            version,
            frame,
            body_start,
        }
    }

    /// The API of the request this answers.
    pub fn api_key(&self) -> ApiKey {
        self.api_key
    }

    /// The version the request was sent at, which the response uses too.
    pub fn version(&self) -> i16 {
        self.version
    }

    /// The response body (after the header).
    pub fn body(&self) -> &[u8] {
        self.frame.get(self.body_start..).unwrap_or_default()
    }

    /// Decodes the body as the response to a request of type `R`, borrowing from `self`.
    ///
    /// # Errors
    /// [`Error::Protocol`] when `R` is not the request's API or the body does not decode.
    pub fn decode<'s, 'r, R: Request<'r>>(&'s self) -> Result<R::Response<'s>> {
        if R::API_KEY != self.api_key {
            return Err(Error::protocol(format!(
                "a {} response cannot be decoded as {}",
                self.api_key.name(),
                R::API_KEY.name()
            )));
        }
        <R::Response<'s> as Message<'s>>::decode(self.version, self.body()).map_err(|error| {
            let what = format!(
                "decoding a {} v{} response",
                self.api_key.name(),
                self.version
            );
            Error::core(what, error)
        })
    }
}
