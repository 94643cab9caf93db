//! Framing: the `i32` size prefix, request headers (v0–v2) and response headers (v0–v1), and
//! which header version each API version uses.
//!
//! Contract: a size prefix is judged by [`check_size_prefix`] alone (negative, or above the
//! caller's maximum), for [`split_frame`] here and for the connection's frame reader alike;
//! [`split_frame`] never reads past its input and reports an incomplete frame as `Ok(None)`; header readers check every length; [`encode_request`] writes size, header and
//! body in one call, or fails before writing, naming the buffer size it needs.

use core::fmt;

#[cfg(feature = "gather")]
extern crate alloc;

use crate::messages::{ApiKey, Message, Request};
use crate::wire::{DecodeError, EncodeError, RawTaggedFields, Reader, Writer};

/// The request header version an API version uses: 2 for flexible versions, else 1.
/// (Header v0 is only for ControlledShutdown v0, which franzl does not generate.)
#[must_use]
pub const fn request_header_version(api: ApiKey, version: i16) -> i16 {
    match api.flexible_from() {
        Some(from) if version >= from => 2,
        _ => 1,
    }
}

/// The response header version an API version uses: 1 for flexible versions, else 0. The
/// ApiVersions response header is always v0, so that a client can read it whatever version the
/// broker accepted (as the Java client does).
#[must_use]
pub const fn response_header_version(api: ApiKey, version: i16) -> i16 {
    match api.flexible_from() {
        Some(from) if version >= from && !matches!(api, ApiKey::ApiVersions) => 1,
        _ => 0,
    }
}

/// A request header. The client id stays a classic nullable string even in v2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RequestHeader<'a> {
    /// The API key of the body.
    pub api_key: i16,
    /// The version of the body.
    pub api_version: i16,
    /// Echoed in the response header; matches responses to requests.
    pub correlation_id: i32,
    /// The client's id (header v1+).
    pub client_id: Option<&'a str>,
    /// Tagged fields of header v2.
    pub unknown_tagged_fields: RawTaggedFields<'a>,
}

impl<'a> RequestHeader<'a> {
    /// Encoded size at `header_version` (0, 1 or 2).
    #[must_use]
    pub fn encoded_len(&self, header_version: i16) -> usize {
        let mut len = 8;
        if header_version >= 1 {
            len += 2 + self.client_id.map_or(0, str::len);
        }
        if header_version >= 2 {
            let count = self.unknown_tagged_fields.count_excluding(&[]);
            len += crate::wire::uvarint64_len(count as u64)
                + self.unknown_tagged_fields.len_excluding(&[]);
        }
        len
    }

    /// Writes the header at `header_version`.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`], or [`EncodeError::TooLong`] for a client id over
    /// `i16::MAX` bytes.
    pub fn write(&self, w: &mut Writer<'_>, header_version: i16) -> Result<(), EncodeError> {
        w.put_i16(self.api_key)?;
        w.put_i16(self.api_version)?;
        w.put_i32(self.correlation_id)?;
        if header_version >= 1 {
            w.put_nullable_string(self.client_id)?;
        }
        if header_version >= 2 {
            let count = self.unknown_tagged_fields.count_excluding(&[]);
            w.put_uvarint64(count as u64)?;
            self.unknown_tagged_fields
                .write_range(w, 0, u64::MAX, &[])?;
        }
        Ok(())
    }

    /// Reads a header whose version follows from its own API key and version (for brokers and
    /// test servers). Unknown APIs are read as header v1, which every API version once used.
    ///
    /// # Errors
    /// Any malformation.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let api_key = r.i16()?;
        let api_version = r.i16()?;
        let correlation_id = r.i32()?;
        let header_version =
            ApiKey::from_key(api_key).map_or(1, |api| request_header_version(api, api_version));
        let client_id = r.nullable_string()?;
        let unknown_tagged_fields = if header_version >= 2 {
            RawTaggedFields::read_section(r, &[], |_, _| Ok(()))?
        } else {
            RawTaggedFields::EMPTY
        };
        Ok(Self {
            api_key,
            api_version,
            correlation_id,
            client_id,
            unknown_tagged_fields,
        })
    }
}

/// A response header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ResponseHeader<'a> {
    /// The request's correlation id.
    pub correlation_id: i32,
    /// Tagged fields of header v1.
    pub unknown_tagged_fields: RawTaggedFields<'a>,
}

impl<'a> ResponseHeader<'a> {
    /// Encoded size at `header_version` (0 or 1).
    #[must_use]
    pub fn encoded_len(&self, header_version: i16) -> usize {
        let tagged = self.unknown_tagged_fields;
        let count = tagged.count_excluding(&[]);
        4 + if header_version >= 1 {
            crate::wire::uvarint64_len(count as u64) + tagged.len_excluding(&[])
        } else {
            0
        }
    }

    /// Writes the header at `header_version`.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`].
    pub fn write(&self, w: &mut Writer<'_>, header_version: i16) -> Result<(), EncodeError> {
        w.put_i32(self.correlation_id)?;
        if header_version >= 1 {
            w.put_uvarint64(self.unknown_tagged_fields.count_excluding(&[]) as u64)?;
            self.unknown_tagged_fields
                .write_range(w, 0, u64::MAX, &[])?;
        }
        Ok(())
    }

    /// Reads a header at `header_version`.
    ///
    /// # Errors
    /// Any malformation.
    pub fn read(r: &mut Reader<'a>, header_version: i16) -> Result<Self, DecodeError> {
        let correlation_id = r.i32()?;
        let unknown_tagged_fields = if header_version >= 1 {
            RawTaggedFields::read_section(r, &[], |_, _| Ok(()))?
        } else {
            RawTaggedFields::EMPTY
        };
        Ok(Self {
            correlation_id,
            unknown_tagged_fields,
        })
    }
}

/// Bytes in the size prefix of every frame.
pub const SIZE_PREFIX_LEN: usize = 4;

/// Why the byte stream cannot be split into frames. The connection cannot go on after any of
/// these: the stream's framing is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FrameError {
    /// The size prefix was negative.
    NegativeSize {
        /// The size as read.
        size: i32,
    },
    /// The size prefix was above the maximum frame size.
    TooLarge {
        /// The size as read.
        size: usize,
        /// The configured maximum.
        max: usize,
    },
    /// The frame fits the maximum but not the receive buffer.
    ExceedsBuffer {
        /// Bytes the frame needs with its prefix.
        needed: usize,
        /// The buffer's size.
        capacity: usize,
    },
}

impl FrameError {
    /// Never: the stream's framing is lost, and a peer that sent an impossible size (or a
    /// response larger than the buffer or the maximum allow) sends it again on a new
    /// connection. Raising the maximum or the buffer is the fix.
    #[must_use]
    pub const fn is_retriable(&self) -> bool {
        false
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NegativeSize { size } => write!(f, "frame size prefix is negative ({size})"),
            Self::TooLarge { size, max } => {
                write!(
                    f,
                    "frame of {size} bytes exceeds the maximum frame size of {max} bytes"
                )
            }
            Self::ExceedsBuffer { needed, capacity } => write!(
                f,
                "frame needs {needed} bytes but the receive buffer holds {capacity}"
            ),
        }
    }
}

impl core::error::Error for FrameError {}

/// Reads a size prefix and checks it against `max_frame`.
///
/// # Errors
/// [`FrameError::NegativeSize`] or [`FrameError::TooLarge`].
pub fn check_size_prefix(
    prefix: [u8; SIZE_PREFIX_LEN],
    max_frame: usize,
) -> Result<usize, FrameError> {
    let size = i32::from_be_bytes(prefix);
    let size = usize::try_from(size).map_err(|_| FrameError::NegativeSize { size })?;
    if size > max_frame {
        return Err(FrameError::TooLarge {
            size,
            max: max_frame,
        });
    }
    Ok(size)
}

/// A complete frame's contents (after the size prefix) and the input that follows it.
pub type FrameSplit<'a> = (&'a [u8], &'a [u8]);

/// Splits one size-prefixed frame off the front of `input`: `Ok(Some((frame, rest)))` when it
/// is complete, `Ok(None)` when more bytes are needed. `frame` excludes the prefix.
///
/// # Errors
/// As [`check_size_prefix`], with `max_size` the caller's limit on buffered frames.
pub fn split_frame(input: &[u8], max_size: usize) -> Result<Option<FrameSplit<'_>>, FrameError> {
    let Some((prefix, rest)) = input.split_first_chunk::<SIZE_PREFIX_LEN>() else {
        return Ok(None);
    };
    let size = check_size_prefix(*prefix, max_size)?;
    Ok(rest.split_at_checked(size))
}

/// The full frame size (prefix included) of a request, known before encoding.
///
/// # Errors
/// As [`Message::encoded_len`].
pub fn request_frame_len<'r, R: Request<'r>>(
    header: &RequestHeader<'_>,
    body: &R,
) -> Result<usize, EncodeError> {
    let hv = request_header_version(R::API_KEY, header.api_version);
    let len = 4 + header.encoded_len(hv) + body.encoded_len(header.api_version)?;
    if len - 4 > i32::MAX as usize {
        Err(EncodeError::TooLong)
    } else {
        Ok(len)
    }
}

/// Writes a whole request frame (size, header, body) into `buf` and returns its length. The
/// header's `api_key` is set from `R`.
///
/// # Errors
/// As [`Message::encode`]; [`EncodeError::BufferTooSmall`] names the whole frame's size.
pub fn encode_request<'r, R: Request<'r>>(
    header: &RequestHeader<'_>,
    body: &R,
    buf: &mut [u8],
) -> Result<usize, EncodeError> {
    let header = RequestHeader {
        api_key: R::API_KEY.key(),
        ..*header
    };
    // The body's size is computed once, here; the framing below is one copy for every request
    // type, and the body is written straight into the frame's writer.
    let version = R::version(header.api_version).ok_or(EncodeError::UnsupportedVersion)?;
    let body_len = body.encoded_len(header.api_version)?;
    write_frame(
        &header,
        request_header_version(R::API_KEY, header.api_version),
        body_len,
        buf,
        &mut |w| body.write(w, version),
    )
}

/// The length of a frame (size prefix included) of `header` and a body of `body_len` bytes.
#[inline]
fn frame_len(
    header: &RequestHeader<'_>,
    header_version: i16,
    body_len: usize,
) -> Result<usize, EncodeError> {
    Ok(header
        .encoded_len(header_version)
        .checked_add(body_len)
        .filter(|&len| len <= i32::MAX as usize)
        .ok_or(EncodeError::TooLong)?
        + SIZE_PREFIX_LEN)
}

/// Writes the size prefix, `header` and a body of `body_len` bytes written by `write_body`;
/// returns the frame's length. Not generic, so that every request type shares it.
pub(crate) fn write_frame(
    header: &RequestHeader<'_>,
    header_version: i16,
    body_len: usize,
    buf: &mut [u8],
    write_body: &mut dyn FnMut(&mut Writer<'_>) -> Result<(), EncodeError>,
) -> Result<usize, EncodeError> {
    let len = frame_len(header, header_version, body_len)?;
    // Bounded to the frame, so a body that wrote more than its size fails instead of running on.
    let buf = buf
        .get_mut(..len)
        .ok_or(EncodeError::BufferTooSmall { needed: len })?;
    let mut w = Writer::new(buf);
    let size = w.reserve_length()?;
    header.write(&mut w, header_version)?;
    write_body(&mut w)?;
    w.patch_length(size)?;
    debug_assert_eq!(w.position(), len, "encoded_len disagrees with encode");
    Ok(w.position())
}

/// As [`write_frame`] with a gathering writer ([`Writer::gathering`]): the body's `BYTES`
/// contents are left out of `buf` and listed as gaps, so `buf` needs room for everything else
/// only. Returns the bytes written into `buf` and the gaps.
#[cfg(feature = "gather")]
pub(crate) fn write_frame_gathered(
    header: &RequestHeader<'_>,
    header_version: i16,
    body_len: usize,
    buf: &mut [u8],
    gaps: alloc::vec::Vec<crate::wire::Gap>,
    write_body: &mut dyn FnMut(&mut Writer<'_>) -> Result<(), EncodeError>,
) -> Result<(usize, alloc::vec::Vec<crate::wire::Gap>), EncodeError> {
    let len = frame_len(header, header_version, body_len)?;
    let mut w = Writer::gathering(buf, gaps);
    let size = w.reserve_length()?;
    header.write(&mut w, header_version)?;
    write_body(&mut w)?;
    w.patch_length(size)?;
    if w.position() != len {
        // The body wrote other than its announced size: never send such a frame.
        return Err(EncodeError::TooLong);
    }
    let gaps = w.take_gaps();
    Ok((w.written().len(), gaps))
}

/// Decodes a response frame's contents (after the size prefix): its header and its body at
/// `version`, where `R` is the request it answers.
///
/// # Errors
/// Any malformation of header or body, or bytes left over.
pub fn decode_response<'a, 'r, R: Request<'r>>(
    version: i16,
    frame: &'a [u8],
) -> Result<(ResponseHeader<'a>, R::Response<'a>), DecodeError> {
    let mut r = Reader::new(frame);
    let header = ResponseHeader::read(&mut r, response_header_version(R::API_KEY, version))?;
    let body = <R::Response<'a> as Message<'a>>::decode(version, r.rest())?;
    Ok((header, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::api_versions::ApiVersionsRequest;

    #[test]
    fn header_versions_follow_flexible_versions() {
        assert_eq!(request_header_version(ApiKey::Metadata, 8), 1);
        assert_eq!(request_header_version(ApiKey::Metadata, 9), 2);
        assert_eq!(response_header_version(ApiKey::Metadata, 9), 1);
        assert_eq!(response_header_version(ApiKey::ApiVersions, 3), 0);
        assert_eq!(request_header_version(ApiKey::ApiVersions, 3), 2);
        assert_eq!(request_header_version(ApiKey::SaslHandshake, 1), 1);
    }

    #[test]
    fn api_versions_request_frame_matches_fixture() {
        let header = RequestHeader {
            api_key: 0,
            api_version: 3,
            correlation_id: 7,
            client_id: Some("fz"),
            unknown_tagged_fields: RawTaggedFields::EMPTY,
        };
        let body = ApiVersionsRequest {
            client_software_name: "f",
            client_software_version: "1",
            ..Default::default()
        };
        let mut buf = [0u8; 64];
        let len = encode_request(&header, &body, &mut buf).unwrap();
        #[rustfmt::skip]
        let expected = [
            0, 0, 0, 18,         // size
            0, 18, 0, 3,         // api key 18, version 3
            0, 0, 0, 7,          // correlation id
            0, 2, b'f', b'z',    // client id: classic nullable string even in header v2
            0,                   // header tagged fields
            2, b'f', 2, b'1',    // compact strings
            0,                   // body tagged fields
        ];
        assert_eq!(&buf[..len], &expected);
        assert_eq!(request_frame_len(&header, &body), Ok(len));
        assert_eq!(
            encode_request(&header, &body, &mut buf[..10]),
            Err(EncodeError::BufferTooSmall { needed: 22 })
        );
        assert_eq!(
            encode_request(&header, &body, &mut buf[..21]),
            Err(EncodeError::BufferTooSmall { needed: 22 })
        );
        let mut exact = [0u8; 22];
        assert_eq!(encode_request(&header, &body, &mut exact), Ok(22));
        assert_eq!(exact, expected);
        let unknown_version = RequestHeader {
            api_version: 99,
            ..header
        };
        assert_eq!(
            encode_request(&unknown_version, &body, &mut buf),
            Err(EncodeError::UnsupportedVersion)
        );
        let (frame, rest) = split_frame(&buf[..len], 1 << 20).unwrap().unwrap();
        assert!(rest.is_empty());
        let mut r = Reader::new(frame);
        let read = RequestHeader::read(&mut r).unwrap();
        assert_eq!(
            read,
            RequestHeader {
                api_key: 18,
                ..header
            }
        );
        assert_eq!(ApiVersionsRequest::decode(3, r.rest()), Ok(body));
    }

    #[test]
    fn api_versions_response_decodes_with_header_v0() {
        #[rustfmt::skip]
        let frame = [
            0, 0, 0, 9,          // correlation id (header v0: no tagged fields)
            0, 0,                // error code
            2,                   // one api key (compact count + 1)
            0, 3, 0, 0, 0, 12, 0, // Metadata 0..=12, no tagged fields
            0, 0, 0, 0,          // throttle time
            0,                   // tagged fields
        ];
        let (header, body) = decode_response::<ApiVersionsRequest<'_>>(3, &frame).unwrap();
        assert_eq!(header.correlation_id, 9);
        let key = body.api_keys.iter().next().unwrap();
        assert_eq!((key.api_key, key.min_version, key.max_version), (3, 0, 12));
        assert_eq!(body.finalized_features_epoch, -1);
        for cut in 0..frame.len() {
            assert!(decode_response::<ApiVersionsRequest<'_>>(3, &frame[..cut]).is_err());
        }
    }

    #[test]
    fn split_frame_handles_partial_and_bad_sizes() {
        assert_eq!(split_frame(&[0, 0], 100), Ok(None));
        assert_eq!(split_frame(&[0, 0, 0, 3, 1, 2], 100), Ok(None));
        assert_eq!(
            split_frame(&[0, 0, 0, 1, 9, 8], 100),
            Ok(Some((&[9u8][..], &[8u8][..])))
        );
        assert_eq!(
            split_frame(&[0xff, 0xff, 0xff, 0xff], 100),
            Err(FrameError::NegativeSize { size: -1 })
        );
        assert_eq!(
            split_frame(&[0, 0, 1, 0], 100),
            Err(FrameError::TooLarge {
                size: 256,
                max: 100
            })
        );
    }
}
