//! Local date-times as FFD stores them.
//!
//! FFD `UnixTime` requisites hold the **local wall-clock time of the place of settlement encoded
//! as if it were UTC** (as the public implementations read it, e.g. `LocalTime` of
//! <https://github.com/chayleaf/coop-fd>; no FNS text saying so was found): 12:30 in
//! Novosibirsk is stored as 12:30 "UTC". So fiskal
//! never applies a time zone: [`LocalDateTime`] is a plain calendar date and time, converted to
//! and from seconds with the proleptic Gregorian calendar. JSON: `"2026-01-05T12:30:00"`, or
//! `"2026-01-05"` for a date at 00:00 (how date-only requisites such as 1178 are written).

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A calendar date and time without a time zone, 1970-01-01T00:00:00 to 2106-02-07T06:28:15.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalDateTime {
    secs: u32,
}

// Days from 1970-01-01 to y-m-d (civil calendar), after H. Hinnant's well-known derivation.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days in month `m` (1–12) of year `y`, proleptic Gregorian calendar.
pub(crate) fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

impl LocalDateTime {
    /// From the 4-byte FFD value.
    pub fn from_unix(secs: u32) -> LocalDateTime {
        LocalDateTime { secs }
    }

    /// The 4-byte FFD value.
    pub fn unix(self) -> u32 {
        self.secs
    }

    /// From calendar fields; `None` if any is out of range or the moment is outside the u32 range.
    pub fn new(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        min: i64,
        sec: i64,
    ) -> Option<LocalDateTime> {
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || !(0..24).contains(&hour)
            || !(0..60).contains(&min)
            || !(0..60).contains(&sec)
        {
            return None;
        }
        let secs = days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec;
        u32::try_from(secs).ok().map(|secs| LocalDateTime { secs })
    }

    /// `(year, month, day, hour, minute, second)`.
    pub fn fields(self) -> (i64, i64, i64, i64, i64, i64) {
        let s = i64::from(self.secs);
        let (y, m, d) = civil_from_days(s.div_euclid(86_400));
        let t = s.rem_euclid(86_400);
        (y, m, d, t / 3600, t / 60 % 60, t % 60)
    }

    /// Whether the time is 00:00:00.
    pub fn is_midnight(self) -> bool {
        self.secs % 86_400 == 0
    }
}

impl fmt::Display for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s) = self.fields();
        if self.is_midnight() {
            write!(f, "{y:04}-{mo:02}-{d:02}")
        } else {
            write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
        }
    }
}

impl fmt::Debug for LocalDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LocalDateTime({self})")
    }
}

/// Text that is not `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`, or a date outside 1970–2106.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseDateTimeError;

impl fmt::Display for ParseDateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (local time, no zone)")
    }
}

impl std::error::Error for ParseDateTimeError {}

impl FromStr for LocalDateTime {
    type Err = ParseDateTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Result<i64, ParseDateTimeError> {
            let part = b.get(r).ok_or(ParseDateTimeError)?;
            if !part.iter().all(u8::is_ascii_digit) {
                return Err(ParseDateTimeError);
            }
            Ok(part.iter().fold(0i64, |a, &c| a * 10 + i64::from(c - b'0')))
        };
        let sep = |i: usize, c: u8| {
            if b.get(i) == Some(&c) {
                Ok(())
            } else {
                Err(ParseDateTimeError)
            }
        };
        sep(4, b'-')?;
        sep(7, b'-')?;
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, sec) = match b.len() {
            10 => (0, 0, 0),
            19 => {
                if b[10] != b'T' && b[10] != b' ' {
                    return Err(ParseDateTimeError);
                }
                sep(13, b':')?;
                sep(16, b':')?;
                (num(11..13)?, num(14..16)?, num(17..19)?)
            }
            _ => return Err(ParseDateTimeError),
        };
        LocalDateTime::new(y, mo, d, h, mi, sec).ok_or(ParseDateTimeError)
    }
}

impl Serialize for LocalDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LocalDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        s.parse().map_err(|_| {
            de::Error::invalid_value(
                de::Unexpected::Str(&s),
                &"YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (local time)",
            )
        })
    }
}

impl JsonSchema for LocalDateTime {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("LocalDateTime")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Local wall-clock time of the place of settlement, no zone: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS.",
            "type": "string",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}:[0-9]{2})?$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_values() {
        let t: LocalDateTime = "2026-01-05T12:30:00".parse().unwrap();
        assert_eq!(t.unix(), 1_767_616_200);
        assert_eq!(t.to_string(), "2026-01-05T12:30:00");
        let d: LocalDateTime = "2024-02-29".parse().unwrap();
        assert!(d.is_midnight());
        assert_eq!(d.to_string(), "2024-02-29");
        assert_eq!(LocalDateTime::from_unix(0).to_string(), "1970-01-01");
        assert_eq!(
            LocalDateTime::from_unix(u32::MAX).to_string(),
            "2106-02-07T06:28:15"
        );
        for s in [0u32, 59, 86_399, 951_782_400, 4_102_444_800, u32::MAX] {
            let t = LocalDateTime::from_unix(s);
            assert_eq!(t.to_string().parse::<LocalDateTime>().unwrap(), t);
        }
    }

    #[test]
    fn rejects_bad_text() {
        for s in [
            "2023-02-29",
            "2024-13-01",
            "24-01-01",
            "2024-01-01T25:00:00",
            "1969-12-31",
            "2024-01-01Z",
            "",
        ] {
            assert!(s.parse::<LocalDateTime>().is_err(), "{s}");
        }
    }
}
