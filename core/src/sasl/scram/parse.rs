//! Parsers for the two server messages, over arbitrary bytes (fuzz-friendly, borrowing).
//!
//! Both parsers take the raw SaslAuthenticate bytes, check the attribute syntax of RFC 5802 §5.1
//! (`a=value` pairs separated by `,`, in the required order), and borrow the values. They do not
//! need the client's state, so they are safe entry points for a fuzzer: no input makes them
//! panic, loop beyond one pass over the input, or allocate. Checks that need the client nonce or
//! the client's iteration bound are made by `ScramClient`.

use super::ScramError;
use crate::sasl::base64;

/// The longest salt the client accepts, decoded, in bytes. The salt is copied into a fixed
/// array of this size; Kafka brokers send salts of a few dozen bytes.
pub const MAX_SALT_LEN: usize = 128;

/// The fields of a server-first message: `r=<nonce>,s=<salt>,i=<iterations>[,extensions]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ServerFirst<'a> {
    /// The combined nonce (client nonce followed by the server's part); printable ASCII.
    pub nonce: &'a str,
    /// The salt as strict base64 text, non-empty, decoding to at most [`MAX_SALT_LEN`] bytes.
    pub salt_base64: &'a str,
    /// The iteration count as sent; a number beyond `u32::MAX` is reported as `u32::MAX`.
    pub iterations: u32,
}

/// The two forms of a server-final message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ServerFinal<'a> {
    /// `v=<base64 server signature>`: the text, not yet decoded.
    Verifier(&'a str),
    /// `e=<server-error-value>`: the server refused the exchange.
    Error(&'a str),
}

/// One `a=value` attribute.
struct Attribute<'a> {
    name: u8,
    value: &'a str,
}

/// The comma-separated attributes of a message, as `str::split(',')` yields them (every piece,
/// empty ones too). A plain loop: with `str::split`'s searcher the embedded client with SCRAM
/// took 156 bytes more flash on a Cortex-M, where SCRAM is its only user.
struct Parts<'a> {
    rest: Option<&'a str>,
}

/// The attributes of `text`.
fn parts(text: &str) -> Parts<'_> {
    Parts { rest: Some(text) }
}

impl<'a> Iterator for Parts<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match rest.bytes().position(|byte| byte == b',') {
            Some(at) => {
                // A comma is one byte of ASCII, so both sides are on character boundaries.
                self.rest = rest.get(at + 1..);
                rest.get(..at)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// Splits `part` into name and value; the name is one ASCII letter.
fn attribute(part: &str) -> Result<Attribute<'_>, ScramError> {
    match part.as_bytes() {
        [name, b'=', ..] if name.is_ascii_alphabetic() => Ok(Attribute {
            name: *name,
            value: part.get(2..).ok_or(ScramError::Malformed)?,
        }),
        _ => Err(ScramError::Malformed),
    }
}

/// Takes the next attribute, which must be named `name`.
fn expect<'a>(parts: &mut impl Iterator<Item = &'a str>, name: u8) -> Result<&'a str, ScramError> {
    let attr = attribute(parts.next().ok_or(ScramError::Malformed)?)?;
    if attr.name == name {
        Ok(attr.value)
    } else {
        Err(ScramError::Malformed)
    }
}

/// Checks that every remaining part is a well-formed (and ignored) extension attribute.
fn check_extensions<'a>(parts: impl Iterator<Item = &'a str>) -> Result<(), ScramError> {
    for part in parts {
        attribute(part)?;
    }
    Ok(())
}

/// Whether `nonce` is a valid SCRAM nonce: non-empty printable ASCII without `,`.
pub(crate) fn is_valid_nonce(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
}

/// Parses a decimal iteration count; more than `u32::MAX` saturates so the caller's upper bound
/// rejects it.
fn iteration_count(text: &str) -> Result<u32, ScramError> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScramError::InvalidIterationCount);
    }
    Ok(text.bytes().fold(0u32, |acc, digit| {
        acc.saturating_mul(10)
            .saturating_add(u32::from(digit - b'0'))
    }))
}

/// Parses a server-first message.
///
/// # Errors
/// [`ScramError::MandatoryExtension`] if it starts with `m=`; [`ScramError::Malformed`] for bad
/// syntax, order, or UTF-8; [`ScramError::InvalidServerNonce`]; [`ScramError::InvalidSalt`]
/// (empty or not strict base64); [`ScramError::SaltTooLong`];
/// [`ScramError::InvalidIterationCount`] (not a decimal number).
pub fn parse_server_first(message: &[u8]) -> Result<ServerFirst<'_>, ScramError> {
    let text = core::str::from_utf8(message).map_err(|_| ScramError::Malformed)?;
    let mut parts = parts(text);
    let first = attribute(parts.next().ok_or(ScramError::Malformed)?)?;
    let nonce = match first.name {
        b'm' => return Err(ScramError::MandatoryExtension),
        b'r' => first.value,
        _ => return Err(ScramError::Malformed),
    };
    if !is_valid_nonce(nonce) {
        return Err(ScramError::InvalidServerNonce);
    }
    let salt_base64 = expect(&mut parts, b's')?;
    match base64::decoded_len(salt_base64.as_bytes()) {
        Ok(0) | Err(_) => return Err(ScramError::InvalidSalt),
        Ok(len) if len > MAX_SALT_LEN => return Err(ScramError::SaltTooLong),
        Ok(_) => {}
    }
    let iterations = iteration_count(expect(&mut parts, b'i')?)?;
    check_extensions(parts)?;
    Ok(ServerFirst {
        nonce,
        salt_base64,
        iterations,
    })
}

/// Parses a server-final message.
///
/// # Errors
/// [`ScramError::MissingVerifier`] if it starts with neither `v=` nor `e=` (or is empty);
/// [`ScramError::Malformed`] for bad syntax or UTF-8.
pub fn parse_server_final(message: &[u8]) -> Result<ServerFinal<'_>, ScramError> {
    let text = core::str::from_utf8(message).map_err(|_| ScramError::Malformed)?;
    if text.is_empty() {
        return Err(ScramError::MissingVerifier);
    }
    let mut parts = parts(text);
    let first = attribute(parts.next().ok_or(ScramError::Malformed)?)?;
    let result = match first.name {
        b'v' => ServerFinal::Verifier(first.value),
        b'e' => ServerFinal::Error(first.value),
        _ => return Err(ScramError::MissingVerifier),
    };
    check_extensions(parts)?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parts_are_what_str_split_gives(text in "[a-z=,]{0,12}") {
            prop_assert!(parts(&text).eq(text.split(',')));
        }
    }

    #[test]
    fn parts_keep_empty_pieces() {
        assert!(parts("").eq([""]));
        assert!(parts("a,,b,").eq(["a", "", "b", ""]));
        assert!(parts(",").eq(["", ""]));
    }

    #[test]
    fn parses_a_server_first_message() {
        let msg = b"r=abc123,s=QSXCR+Q6sek8bf92,i=4096,x=ignored";
        assert_eq!(
            parse_server_first(msg),
            Ok(ServerFirst {
                nonce: "abc123",
                salt_base64: "QSXCR+Q6sek8bf92",
                iterations: 4096
            })
        );
    }

    #[test]
    fn refuses_bad_server_first_messages() {
        let cases: [(&[u8], ScramError); 14] = [
            (b"", ScramError::Malformed),
            (b"m=ext,r=a,s=QQ==,i=4096", ScramError::MandatoryExtension),
            (b"s=QQ==,r=a,i=4096", ScramError::Malformed),
            (b"r=a,i=4096,s=QQ==", ScramError::Malformed),
            (b"r=a,s=QQ==", ScramError::Malformed),
            (b"r=a,s=QQ==,i=4096,", ScramError::Malformed),
            (b"r=a,s=QQ==,i=4096,noequals", ScramError::Malformed),
            (b"r=,s=QQ==,i=4096", ScramError::InvalidServerNonce),
            (b"r=a b,s=QQ==,i=4096", ScramError::InvalidServerNonce),
            (b"r=a,s=,i=4096", ScramError::InvalidSalt),
            (b"r=a,s=QQ,i=4096", ScramError::InvalidSalt),
            (b"r=a,s=QQ==,i=", ScramError::InvalidIterationCount),
            (b"r=a,s=QQ==,i=-1", ScramError::InvalidIterationCount),
            (b"r=a,s=QQ==,i=4096x", ScramError::InvalidIterationCount),
        ];
        for (msg, error) in cases {
            assert_eq!(
                parse_server_first(msg),
                Err(error),
                "{:?}",
                core::str::from_utf8(msg)
            );
        }
        assert_eq!(
            parse_server_first(b"r=a,s=\xff,i=1"),
            Err(ScramError::Malformed)
        );
    }

    #[test]
    fn bounds_the_salt_and_saturates_the_count() {
        let mut msg = [0u8; 200];
        let head = b"r=a,s=";
        msg[..head.len()].copy_from_slice(head);
        // 176 base64 symbols decode to 132 bytes, more than MAX_SALT_LEN.
        let salt_end = head.len() + 176;
        msg[head.len()..salt_end].fill(b'A');
        let tail = b",i=1";
        msg[salt_end..salt_end + tail.len()].copy_from_slice(tail);
        assert_eq!(
            parse_server_first(&msg[..salt_end + tail.len()]),
            Err(ScramError::SaltTooLong)
        );
        let huge = parse_server_first(b"r=a,s=QQ==,i=99999999999999").unwrap();
        assert_eq!(huge.iterations, u32::MAX);
    }

    #[test]
    fn parses_server_final_messages() {
        assert_eq!(
            parse_server_final(b"v=abcd"),
            Ok(ServerFinal::Verifier("abcd"))
        );
        assert_eq!(
            parse_server_final(b"v=abcd,x=1"),
            Ok(ServerFinal::Verifier("abcd"))
        );
        assert_eq!(
            parse_server_final(b"e=unknown-user"),
            Ok(ServerFinal::Error("unknown-user"))
        );
        assert_eq!(parse_server_final(b""), Err(ScramError::MissingVerifier));
        assert_eq!(
            parse_server_final(b"x=abcd"),
            Err(ScramError::MissingVerifier)
        );
        assert_eq!(parse_server_final(b"vabcd"), Err(ScramError::Malformed));
        assert_eq!(parse_server_final(b"v=abcd,"), Err(ScramError::Malformed));
    }

    proptest! {
        #[test]
        fn parsers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = parse_server_first(&data);
            let _ = parse_server_final(&data);
        }
    }
}
