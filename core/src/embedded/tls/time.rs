//! X.509 validity times (UTCTime and GeneralizedTime, RFC 5280 4.1.2.5) as seconds since the
//! Unix epoch. Contract: input is the element's tag and contents from a hostile certificate;
//! anything but the DER forms RFC 5280 allows (`YYMMDDHHMMSSZ`, `YYYYMMDDHHMMSSZ`, fields in
//! range) is `None`; no panic. Times before 1970 are 0.

/// UTCTime's tag.
pub(super) const UTC_TIME: u8 = 0x17;
/// GeneralizedTime's tag.
pub(super) const GENERALIZED_TIME: u8 = 0x18;

/// The time the element `tag` with `contents` names, in seconds since 1970-01-01T00:00:00Z.
pub(super) fn unix_seconds(tag: u8, contents: &[u8]) -> Option<u64> {
    let (year, rest) = match (tag, contents.len()) {
        (UTC_TIME, 13) => {
            let yy = number(contents.get(..2)?)?;
            // RFC 5280: two-digit years 50 to 99 are 19YY, 00 to 49 are 20YY.
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &contents[2..])
        }
        (GENERALIZED_TIME, 15) => (number(contents.get(..4)?)?, &contents[4..]),
        _ => return None,
    };
    let [m1, m2, d1, d2, h1, h2, n1, n2, s1, s2, b'Z'] = *rest else {
        return None;
    };
    let (month, day) = (number(&[m1, m2])?, number(&[d1, d2])?);
    let (hour, minute, second) = (number(&[h1, h2])?, number(&[n1, n2])?, number(&[s1, s2])?);
    let in_range = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    if !in_range {
        return None;
    }
    let seconds = days_since_epoch(year, month, day) * 86_400
        + i64::from(hour * 3_600 + minute * 60 + second);
    Some(u64::try_from(seconds).unwrap_or(0))
}

/// Decimal digits as a number.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the date (proleptic Gregorian; negative before 1970): whole
/// 400-year eras, then days within the era counted from March, so the leap day comes last.
fn days_since_epoch(year: u32, month: u32, day: u32) -> i64 {
    let year = i64::from(if month <= 2 { year - 1 } else { year });
    let (month, day) = (i64::from(month), i64::from(day));
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let march_month = (month + 9) % 12;
    let day_of_year = (153 * march_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_to_unix_seconds() {
        // The values are Python's calendar.timegm for the same dates.
        assert_eq!(unix_seconds(UTC_TIME, b"700101000000Z"), Some(0));
        assert_eq!(
            unix_seconds(UTC_TIME, b"491231235959Z"),
            Some(2_524_607_999)
        );
        assert_eq!(unix_seconds(UTC_TIME, b"000229000000Z"), Some(951_782_400));
        assert_eq!(
            unix_seconds(UTC_TIME, b"500101000000Z"),
            Some(0),
            "1950: before 1970"
        );
        let generalized = unix_seconds(GENERALIZED_TIME, b"20261207190000Z");
        assert_eq!(generalized, Some(1_796_670_000));
        assert_eq!(unix_seconds(GENERALIZED_TIME, b"19700101000000Z"), Some(0));
    }

    #[test]
    fn other_forms_and_values_out_of_range_are_none() {
        for utc in [
            &b"700101000000"[..],
            b"700101000000+0100",
            b"7001010000Z",
            b"701301000000Z",
            b"700100000000Z",
            b"010229000000Z",
            b"700431000000Z",
            b"700101240000Z",
            b"700101006000Z",
            b"700101000060Z",
            b"7001010000 0Z",
            b"",
        ] {
            assert_eq!(unix_seconds(UTC_TIME, utc), None, "{utc:?}");
        }
        assert_eq!(unix_seconds(GENERALIZED_TIME, b"700101000000Z"), None);
        assert_eq!(unix_seconds(UTC_TIME, b"19700101000000Z"), None);
        assert_eq!(unix_seconds(0x04, b"700101000000Z"), None);
    }
}
