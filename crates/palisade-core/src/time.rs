//! Timestamps as RFC 3339 text, without a date library.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch now: what "today" means for end-of-life dates, ignore-rule
/// expiry and database age.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The time written into what Palisade produces (database build time, document timestamps):
/// `SOURCE_DATE_EPOCH` when it is set, so the same inputs give byte-identical output
/// (reproducible-builds.org), else now.
pub fn stamp_secs() -> u64 {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(now_secs)
}

/// Whether `s` has the shape `YYYY-MM-DD` (digits and dashes only; ranges not checked).
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Today (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    date(now_secs())
}

/// `secs` since the epoch as RFC 3339 UTC, to the second.
pub fn rfc3339(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Today (UTC) as `YYYY-MM-DD`, the form ignore files and end-of-life tables use.
pub fn date(secs: u64) -> String {
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Whole days from the date at the start of `stamp` (`YYYY-MM-DD...`) to `now_secs`, or
/// `None` if it does not start with a date.
pub fn days_since(stamp: &str, now_secs: u64) -> Option<i64> {
    let d = stamp.get(..10)?;
    let mut it = d.split('-');
    let (y, m, day): (i64, i64, i64) = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(now_secs as i64 / 86_400 - days)
}

/// Howard Hinnant's civil_from_days: days since 1970-01-01 -> (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_650_000), "2026-11-25T23:40:00Z");
        assert_eq!(date(1_795_650_000), "2026-11-25");
        assert_eq!(days_since("2026-11-25T01:00:00Z", 1_795_650_000), Some(0));
        assert_eq!(days_since("2026-08-21T00:00:00Z", 1_795_650_000), Some(96));
        assert_eq!(days_since("2000-02-29", 951_782_400), Some(0));
        assert_eq!(days_since("not a date", 0), None);
    }
}
