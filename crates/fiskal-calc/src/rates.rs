//! VAT rates as data: what each 1199 value means and the period it is meant for.
//!
//! | 1199 | rate | valid from | valid until (last day) |
//! |---|---|---|---|
//! | 1 `vat20`, 3 `vat120` | 20 %, 20/120 | (before 2019 as 18 %) | 2026-01-04 |
//! | 2 `vat10`, 4 `vat110` | 10 %, 10/110 | — | — |
//! | 5 `vat0`, 6 `none` | 0 %, без НДС | — | — |
//! | 7 `vat5`, 9 `vat105` | 5 %, 5/105 | 2025-01-01 | — |
//! | 8 `vat7`, 10 `vat107` | 7 %, 7/107 | 2025-01-01 | — |
//! | 11 `vat22`, 12 `vat122` | 22 %, 22/122 | 2026-01-05 (ЕД-7-20/1050@) | — |
//!
//! Using a rate outside its period gives a [`RateWarning`], never an error: codes 1 and 3 stay
//! valid after 2026 for corrections and refunds of settlements made while 20 % applied, and a
//! register decides for itself what it accepts. The caller passes the settlement date (the
//! library never reads a clock).
//!
//! ```
//! use fiskal_calc::rates::{check_rate, Date, RateWarning};
//! use fiskal_ffd::VatRate;
//! let d = Date::new(2026, 1, 4).unwrap();
//! assert!(matches!(check_rate(VatRate::VAT22, d), Some(RateWarning::NotYetValid { .. })));
//! assert_eq!(check_rate(VatRate::VAT20, d), None);
//! let d = Date::new(2026, 1, 5).unwrap();
//! assert_eq!(check_rate(VatRate::VAT22, d), None);
//! assert!(matches!(check_rate(VatRate::VAT20, d), Some(RateWarning::NoLongerValid { .. })));
//! ```

use crate::error::CalcError;
use fiskal_ffd::{Receipt, VatRate};
use std::fmt;

/// A calendar date (proleptic Gregorian), ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A date, or [`CalcError::InvalidDate`] if it does not exist (`2025-02-29`).
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, CalcError> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        if day == 0 || day > days {
            return Err(CalcError::InvalidDate { year, month, day });
        }
        Ok(Date { year, month, day })
    }

    const fn known(year: u16, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let y = s.get(0..4)?.parse().ok()?;
        let m = s.get(5..7)?.parse().ok()?;
        let d = s.get(8..10)?.parse().ok()?;
        Date::new(y, m, d).ok()
    }

    /// Year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// Month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// Day of the month, 1–31.
    pub fn day(self) -> u8 {
        self.day
    }
}

impl fmt::Display for Date {
    /// `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Whether a rate is a plain rate or a "расчётная ставка" (r/(100+r)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RateKind {
    /// A plain rate (20 %, 10 %, 5 %, 7 %, 22 %): shipments and full settlements.
    Plain,
    /// A calculated rate (20/120 …): advances and prepayments (1214 = 1, 2, 3), some agent
    /// cases.
    Calculated,
    /// 0 %: the sum goes to 1104.
    Zero,
    /// Not subject to VAT: the sum goes to 1105.
    Exempt,
}

/// One row of the rate table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateInfo {
    /// The 1199 value.
    pub rate: VatRate,
    /// The percentage r (VAT = sum × r / (100 + r)); 0 for 0 % and без НДС.
    pub percent: u8,
    /// Plain, calculated, zero or exempt.
    pub kind: RateKind,
    /// First day the code is meant for (`None`: since the FFD began).
    pub valid_from: Option<Date>,
    /// Last day the code is meant for new settlements (`None`: still current).
    pub valid_until: Option<Date>,
    /// The plain rate ↔ calculated rate of the same percentage (20 % ↔ 20/120).
    pub counterpart: Option<VatRate>,
    /// Where the dates come from, and caveats.
    pub note: &'static str,
}

const FROM_2025: Option<Date> = Some(Date::known(2025, 1, 1));
const FROM_2026: Option<Date> = Some(Date::known(2026, 1, 5));
const UNTIL_2026: Option<Date> = Some(Date::known(2026, 1, 4));
const NOTE_20: &str = "18 % until 2018, 20 % since 2019; replaced by codes 11/12 from 2026-01-05 \
     (ЕД-7-20/1050@) but still valid for corrections and refunds of earlier settlements";
const NOTE_2025: &str = "for УСН payers with VAT (176-ФЗ), accepted by registers since 2025-01-01";
const NOTE_22: &str = "22 % from 2026-01-05 per ФНС letter ЕД-7-20/1050@";

/// The twelve known rates, in 1199 order.
pub const RATES: [RateInfo; 12] = [
    row(
        VatRate::VAT20,
        20,
        RateKind::Plain,
        None,
        UNTIL_2026,
        Some(VatRate::VAT120),
        NOTE_20,
    ),
    row(
        VatRate::VAT10,
        10,
        RateKind::Plain,
        None,
        None,
        Some(VatRate::VAT110),
        "",
    ),
    row(
        VatRate::VAT120,
        20,
        RateKind::Calculated,
        None,
        UNTIL_2026,
        Some(VatRate::VAT20),
        NOTE_20,
    ),
    row(
        VatRate::VAT110,
        10,
        RateKind::Calculated,
        None,
        None,
        Some(VatRate::VAT10),
        "",
    ),
    row(VatRate::VAT0, 0, RateKind::Zero, None, None, None, ""),
    row(VatRate::NONE, 0, RateKind::Exempt, None, None, None, ""),
    row(
        VatRate::VAT5,
        5,
        RateKind::Plain,
        FROM_2025,
        None,
        Some(VatRate::VAT105),
        NOTE_2025,
    ),
    row(
        VatRate::VAT7,
        7,
        RateKind::Plain,
        FROM_2025,
        None,
        Some(VatRate::VAT107),
        NOTE_2025,
    ),
    row(
        VatRate::VAT105,
        5,
        RateKind::Calculated,
        FROM_2025,
        None,
        Some(VatRate::VAT5),
        NOTE_2025,
    ),
    row(
        VatRate::VAT107,
        7,
        RateKind::Calculated,
        FROM_2025,
        None,
        Some(VatRate::VAT7),
        NOTE_2025,
    ),
    row(
        VatRate::VAT22,
        22,
        RateKind::Plain,
        FROM_2026,
        None,
        Some(VatRate::VAT122),
        NOTE_22,
    ),
    row(
        VatRate::VAT122,
        22,
        RateKind::Calculated,
        FROM_2026,
        None,
        Some(VatRate::VAT22),
        NOTE_22,
    ),
];

const fn row(
    rate: VatRate,
    percent: u8,
    kind: RateKind,
    valid_from: Option<Date>,
    valid_until: Option<Date>,
    counterpart: Option<VatRate>,
    note: &'static str,
) -> RateInfo {
    RateInfo {
        rate,
        percent,
        kind,
        valid_from,
        valid_until,
        counterpart,
        note,
    }
}

/// The table row of a rate (`None` for codes this crate does not know).
pub fn rate_info(rate: VatRate) -> Option<&'static RateInfo> {
    RATES.iter().find(|r| r.rate == rate)
}

/// A rate used outside the period it is meant for. A warning: the receipt may still be right
/// (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateWarning {
    /// The settlement date is before the rate was introduced.
    NotYetValid {
        /// The rate.
        rate: VatRate,
        /// Its first day.
        valid_from: Date,
        /// The settlement date given.
        date: Date,
    },
    /// The settlement date is after the rate was replaced.
    NoLongerValid {
        /// The rate.
        rate: VatRate,
        /// Its last day.
        valid_until: Date,
        /// The settlement date given.
        date: Date,
    },
    /// A code this crate does not know.
    Unknown {
        /// The rate.
        rate: VatRate,
    },
}

impl RateWarning {
    /// A stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            RateWarning::NotYetValid { .. } => "not_yet_valid",
            RateWarning::NoLongerValid { .. } => "no_longer_valid",
            RateWarning::Unknown { .. } => "unknown_rate",
        }
    }
}

/// Whether `rate` is meant for a settlement on `date`: `None` if it is, else the warning.
pub fn check_rate(rate: VatRate, date: Date) -> Option<RateWarning> {
    let Some(info) = rate_info(rate) else {
        return Some(RateWarning::Unknown { rate });
    };
    if let Some(from) = info.valid_from.filter(|f| date < *f) {
        return Some(RateWarning::NotYetValid {
            rate,
            valid_from: from,
            date,
        });
    }
    if let Some(until) = info.valid_until.filter(|u| date > *u) {
        return Some(RateWarning::NoLongerValid {
            rate,
            valid_until: until,
            date,
        });
    }
    None
}

/// Every item whose rate is used outside its period, as `(item index, warning)`.
pub fn receipt_rate_warnings(receipt: &Receipt, date: Date) -> Vec<(usize, RateWarning)> {
    receipt
        .items
        .iter()
        .enumerate()
        .filter_map(|(i, it)| check_rate(it.vat, date).map(|w| (i, w)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_covers_every_known_rate_once_in_order() {
        assert_eq!(RATES.len(), VatRate::KNOWN.len());
        for (row, known) in RATES.iter().zip(VatRate::KNOWN) {
            assert_eq!(row.rate, *known);
            // The percentage agrees with fiskal-ffd's fraction.
            match known.fraction() {
                Some((r, _)) => assert_eq!(u64::from(row.percent), r, "{known:?}"),
                None => assert_eq!(row.percent, 0),
            }
            if let Some(c) = row.counterpart {
                let other = rate_info(c).unwrap();
                assert_eq!(other.counterpart, Some(row.rate));
                assert_eq!(other.percent, row.percent);
                assert_eq!(other.valid_from, row.valid_from);
            }
        }
    }

    #[test]
    fn dates() {
        assert!(Date::new(2024, 2, 29).is_ok());
        assert!(Date::new(2025, 2, 29).is_err());
        assert!(Date::new(2025, 13, 1).is_err());
        assert_eq!(Date::parse_iso("2026-01-05"), Date::new(2026, 1, 5).ok());
        assert_eq!(Date::parse_iso("2026-1-05"), None);
        assert!(Date::new(2025, 12, 31).unwrap() < Date::new(2026, 1, 1).unwrap());
    }

    #[test]
    fn periods() {
        let d = |s| Date::parse_iso(s).unwrap();
        assert!(check_rate(VatRate::VAT5, d("2024-12-31")).is_some());
        assert_eq!(check_rate(VatRate::VAT5, d("2025-01-01")), None);
        assert_eq!(check_rate(VatRate::VAT10, d("2030-01-01")), None);
        assert_eq!(check_rate(VatRate::NONE, d("2017-01-01")), None);
        assert_eq!(
            check_rate(VatRate(99), d("2025-01-01")).map(|w| w.code()),
            Some("unknown_rate")
        );
    }
}
