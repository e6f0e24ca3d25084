//! Money as integer kopecks with checked arithmetic, and the calculation profile.
//!
//! [`Kopecks`] never holds more than [`MAX_KOPECKS`] (2^48 − 1, the largest 6-byte VLN), so
//! every value converts to a valid [`Money`]. Every operation that can leave that range returns
//! `None`; nothing here panics or wraps.
//!
//! ```
//! use fiskal_calc::kopecks::Kopecks;
//! use fiskal_ffd::Money;
//! let m: Money = "1999.90".parse().unwrap();
//! let k = Kopecks::from_money(&m, "items[0].price").unwrap();
//! assert_eq!(k.get(), 199_990);
//! assert_eq!(k.checked_add(Kopecks::new(10).unwrap()).unwrap().to_string(), "2000.00");
//! assert_eq!(Kopecks::MAX.checked_add(Kopecks::new(1).unwrap()), None);
//! ```

use crate::error::CalcError;
use fiskal_ffd::money::{Money, Quantity, Rounding, MAX_KOPECKS};
use fiskal_ffd::FfdVersion;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::fmt;

/// A non-negative amount in kopecks, at most [`MAX_KOPECKS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Kopecks(u64);

impl Kopecks {
    /// Zero.
    pub const ZERO: Kopecks = Kopecks(0);
    /// The largest amount the wire can carry (2^48 − 1 kopecks).
    pub const MAX: Kopecks = Kopecks(MAX_KOPECKS);

    /// `k` kopecks, or `None` above [`MAX_KOPECKS`].
    pub const fn new(k: u64) -> Option<Kopecks> {
        if k <= MAX_KOPECKS {
            Some(Kopecks(k))
        } else {
            None
        }
    }

    /// The number of kopecks.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// From a [`Money`] (roubles); `path` names the field for the error.
    pub fn from_money(m: &Money, path: &str) -> Result<Kopecks, CalcError> {
        m.kopecks()
            .map(Kopecks)
            .map_err(|problem| CalcError::Money {
                path: path.to_owned(),
                problem,
            })
    }

    /// As a [`Money`] with two decimals.
    pub fn to_money(self) -> Money {
        Money::from_kopecks(self.0)
    }

    /// `self + o`, or `None` above [`MAX_KOPECKS`].
    pub fn checked_add(self, o: Kopecks) -> Option<Kopecks> {
        self.0.checked_add(o.0).and_then(Kopecks::new)
    }

    /// `self − o`, or `None` below zero.
    pub fn checked_sub(self, o: Kopecks) -> Option<Kopecks> {
        self.0.checked_sub(o.0).map(Kopecks)
    }

    /// `self × n / d` rounded by `rule` (u128 intermediate), or `None` if `d == 0` or the
    /// result is above [`MAX_KOPECKS`].
    pub fn mul_div(self, n: u64, d: u64, rule: Rounding) -> Option<Kopecks> {
        rule.div(u128::from(self.0) * u128::from(n), u128::from(d))
            .and_then(Kopecks::new)
    }

    /// `self × quantity` rounded to the kopeck by `rule` (the price × quantity of an item), or
    /// `None` on overflow or a negative quantity.
    pub fn times(self, quantity: &Quantity, rule: Rounding) -> Option<Kopecks> {
        let prod = Decimal::from(self.0).checked_mul(quantity.as_decimal())?;
        if prod.is_sign_negative() && !prod.is_zero() {
            return None;
        }
        rule.round(prod, 0).to_u64().and_then(Kopecks::new)
    }

    /// Σ of amounts, or `None` above [`MAX_KOPECKS`].
    pub fn checked_sum<I: IntoIterator<Item = Kopecks>>(it: I) -> Option<Kopecks> {
        it.into_iter()
            .try_fold(Kopecks::ZERO, |acc, k| acc.checked_add(k))
    }
}

/// [`Kopecks::from_money`] that builds the field path only on error (hot loops over items).
pub(crate) fn money_at(m: &Money, path: impl FnOnce() -> String) -> Result<Kopecks, CalcError> {
    m.kopecks()
        .map(Kopecks)
        .map_err(|problem| CalcError::Money {
            path: path(),
            problem,
        })
}

impl fmt::Display for Kopecks {
    /// Roubles with two decimals: `199990` → `1999.90`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl From<Kopecks> for Money {
    fn from(k: Kopecks) -> Money {
        k.to_money()
    }
}

/// Settings every calculation shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CalcProfile {
    /// Most decimals a quantity may have: 3 for FFD 1.05 (the cross-vendor safe limit), 6 for
    /// 1.2 (commonly cited, not confirmed by a public source). Quantities computed by
    /// fiskal-calc never exceed the input's scale.
    pub quantity_scale: u32,
    /// How amounts derived from percentages are rounded to the kopeck (default
    /// [`Rounding::HalfUp`]). VAT always uses half-up, as the registers do (implementation
    /// practice, not a normative FNS text).
    pub rounding: Rounding,
}

impl CalcProfile {
    /// The default profile of an FFD version (half-up rounding).
    pub fn for_version(v: FfdVersion) -> CalcProfile {
        CalcProfile {
            quantity_scale: if v == FfdVersion::V12 { 6 } else { 3 },
            rounding: Rounding::HalfUp,
        }
    }

    /// The same profile with another rounding rule.
    pub fn with_rounding(mut self, rounding: Rounding) -> CalcProfile {
        self.rounding = rounding;
        self
    }

    /// The same profile with another quantity scale.
    pub fn with_quantity_scale(mut self, scale: u32) -> CalcProfile {
        self.quantity_scale = scale;
        self
    }

    /// Checks a quantity against this profile: positive, at most `quantity_scale` decimals.
    pub fn check_quantity(&self, q: &Quantity, path: &str) -> Result<(), CalcError> {
        let d = q.as_decimal();
        if d.is_sign_negative() || d.is_zero() {
            return Err(CalcError::QuantityNotPositive {
                path: path.to_owned(),
            });
        }
        let scale = q.scale();
        if scale > self.quantity_scale {
            return Err(CalcError::QuantityScale {
                path: path.to_owned(),
                max: self.quantity_scale,
                actual: scale,
            });
        }
        Ok(())
    }
}

impl Default for CalcProfile {
    /// The FFD 1.2 profile.
    fn default() -> Self {
        CalcProfile::for_version(FfdVersion::V12)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_ops() {
        let k = |v| Kopecks::new(v).unwrap();
        assert_eq!(k(5).checked_sub(k(6)), None);
        assert_eq!(Kopecks::new(MAX_KOPECKS + 1), None);
        assert_eq!(k(100).mul_div(1, 3, Rounding::HalfUp), Some(k(33)));
        assert_eq!(k(200).mul_div(1, 3, Rounding::HalfUp), Some(k(67)));
        assert_eq!(k(100).mul_div(1, 0, Rounding::HalfUp), None);
        let q = Quantity::from_decimal("0.625".parse().unwrap());
        assert_eq!(k(830).times(&q, Rounding::HalfUp), Some(k(519))); // 518.75
        assert_eq!(k(830).times(&q, Rounding::Down), Some(k(518)));
        assert_eq!(Kopecks::checked_sum([k(1), Kopecks::MAX]), None);
        assert_eq!(k(5).to_string(), "0.05");
    }

    #[test]
    fn quantity_profile() {
        let p = CalcProfile::for_version(FfdVersion::V105);
        let q = |s: &str| Quantity::from_decimal(s.parse().unwrap());
        assert!(p.check_quantity(&q("1.500"), "q").is_ok());
        assert_eq!(
            p.check_quantity(&q("1.0005"), "q").map_err(|e| e.code()),
            Err("quantity_scale")
        );
        assert!(CalcProfile::for_version(FfdVersion::V12)
            .check_quantity(&q("1.0005"), "q")
            .is_ok());
        assert_eq!(
            p.check_quantity(&q("0"), "q").map_err(|e| e.code()),
            Err("quantity_not_positive")
        );
    }
}
