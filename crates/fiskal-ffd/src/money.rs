//! Money and quantities: exact decimals, never floats.
//!
//! * [`Money`] is an amount in roubles exactly as the caller wrote it (`"1999.99"`, `1999.9`,
//!   `100`), kept as a decimal so that validation can say *which* field has three decimals or a
//!   minus sign instead of failing the whole parse. [`Money::kopecks`] gives the integer kopecks
//!   the wire needs once the amount is valid.
//! * [`Quantity`] is the item quantity (tag 1023) as an exact decimal.
//! * JSON input accepts a number or a string and parses the **text** of the number (never
//!   through `f64`); JSON output is always a string with exactly two decimals for money:
//!
//! ```
//! use fiskal_ffd::money::Money;
//! let m: Money = serde_json::from_str("1999.9").unwrap();
//! assert_eq!(m.kopecks(), Ok(199_990));
//! assert_eq!(serde_json::to_string(&m).unwrap(), r#""1999.90""#);
//! let exact: Money = serde_json::from_str("0.10000000000000000555").unwrap();
//! assert!(exact.kopecks().is_err()); // really has more than 2 decimals: no float rounding hid it
//! ```

use rust_decimal::Decimal;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// Largest amount a 6-byte VLN can hold, in kopecks (2^48 − 1).
pub const MAX_KOPECKS: u64 = (1 << 48) - 1;

/// A named rounding rule. Every rounding in fiskal says which one it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Rounding {
    /// Round half away from zero ("арифметическое округление"): 0.005 → 0.01, 0.004 → 0.00.
    /// The rule KKTs apply to VAT (implementation practice, e.g. `Utils.round2` of the public ФН
    /// core <https://github.com/Ran-Thegoth/MKACCA9000>); the default everywhere.
    #[default]
    HalfUp,
    /// Round towards zero (truncate): 0.009 → 0.00. What some cloud APIs silently do to extra
    /// decimals; offered to reproduce their results, never used by default.
    Down,
    /// Round half to even (banker's rounding): 0.005 → 0.00, 0.015 → 0.02.
    HalfEven,
}

impl Rounding {
    /// `n / d` rounded to an integer by this rule (non-negative operands). `None` if `d == 0` or
    /// the result does not fit `u64`.
    pub fn div(self, n: u128, d: u128) -> Option<u64> {
        if d == 0 {
            return None;
        }
        let (q, r) = (n / d, n % d);
        let up = match self {
            Rounding::HalfUp => 2 * r >= d,
            Rounding::Down => false,
            Rounding::HalfEven => 2 * r > d || (2 * r == d && q % 2 == 1),
        };
        u64::try_from(q + u128::from(up)).ok()
    }

    /// Rounds a decimal to `dp` places by this rule.
    pub fn round(self, v: Decimal, dp: u32) -> Decimal {
        let strategy = match self {
            Rounding::HalfUp => rust_decimal::RoundingStrategy::MidpointAwayFromZero,
            Rounding::Down => rust_decimal::RoundingStrategy::ToZero,
            Rounding::HalfEven => rust_decimal::RoundingStrategy::MidpointNearestEven,
        };
        v.round_dp_with_strategy(dp, strategy)
    }
}

/// Why an amount cannot go on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MoneyProblem {
    /// Below zero: FFD money is unsigned.
    Negative,
    /// More than two significant decimals (kopecks are the smallest unit).
    TooManyDecimals,
    /// Above [`MAX_KOPECKS`].
    TooLarge,
}

impl fmt::Display for MoneyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MoneyProblem::Negative => "the amount is negative",
            MoneyProblem::TooManyDecimals => "the amount has more than two decimals (kopecks)",
            MoneyProblem::TooLarge => "the amount is too large",
        })
    }
}

impl std::error::Error for MoneyProblem {}

/// An amount in roubles, exact (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

impl Money {
    /// Zero roubles.
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// From integer kopecks (always valid up to [`MAX_KOPECKS`]; larger values are kept and
    /// reported by [`Money::kopecks`]).
    pub fn from_kopecks(k: u64) -> Money {
        Money(Decimal::from_i128_with_scale(i128::from(k), 2))
    }

    /// From a decimal number of roubles.
    pub fn from_decimal(d: Decimal) -> Money {
        Money(d)
    }

    /// The amount as a decimal number of roubles.
    pub fn as_decimal(&self) -> Decimal {
        self.0
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Integer kopecks, if the amount is non-negative, has at most two significant decimals
    /// (`1.50` and `1.500` are fine, `1.555` is not) and fits a 6-byte VLN.
    pub fn kopecks(&self) -> Result<u64, MoneyProblem> {
        if self.0.is_sign_negative() && !self.0.is_zero() {
            return Err(MoneyProblem::Negative);
        }
        // Integer arithmetic on the decimal's parts: value = mantissa / 10^scale.
        let (m, scale) = (self.0.mantissa().unsigned_abs(), self.0.scale());
        let k = if scale <= 2 {
            m.checked_mul(10u128.pow(2 - scale))
        } else {
            let div = 10u128.pow(scale - 2); // scale ≤ 28, so this fits u128
            if m % div != 0 {
                return Err(MoneyProblem::TooManyDecimals);
            }
            Some(m / div)
        };
        match k.and_then(|k| u64::try_from(k).ok()) {
            Some(v) if v <= MAX_KOPECKS => Ok(v),
            _ => Err(MoneyProblem::TooLarge),
        }
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({self})")
    }
}

impl fmt::Display for Money {
    /// Two decimals when the amount has at most two, otherwise every digit as given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.normalize();
        if n.scale() <= 2 {
            let mut v = n;
            v.rescale(2);
            write!(f, "{v}")
        } else {
            write!(f, "{n}")
        }
    }
}

/// Parses the exact text of a JSON number or string (`"1999.99"`, `1e3`, `-0.5`).
fn parse_decimal_text(text: &str) -> Option<Decimal> {
    if text.is_empty() || text.len() > 64 || text.trim() != text {
        return None;
    }
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        // `from_str_exact` refuses to round digits away; our own check keeps "+1", " 1" and
        // "1." out, which JSON numbers never contain either.
        let ok = text
            .strip_prefix('-')
            .unwrap_or(text)
            .split_once('.')
            .map_or(!text.is_empty(), |(i, f)| !i.is_empty() && !f.is_empty());
        if !ok
            || !text
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            return None;
        }
        Decimal::from_str_exact(text).ok()
    }
}

/// Reads a decimal from serde_json without ever going through `f64`.
///
/// serde_json's `RawValue` hands over the literal text of the number; strings are accepted
/// too. Other deserializers (not used by fiskal) get a clear error instead of a lossy float.
fn deserialize_decimal<'de, D: Deserializer<'de>>(
    d: D,
    what: &'static str,
) -> Result<Decimal, D::Error> {
    // Boxed rather than borrowed: a borrowed RawValue would save an allocation per amount but
    // fail for `serde_json::from_value`, which callers (and the bindings) use.
    let raw: Box<serde_json::value::RawValue> = Deserialize::deserialize(d)?;
    let text = raw.get();
    let inner: Cow<'_, str> = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        // A string without escapes is its own content; one with escapes is unescaped properly.
        Some(body) if !body.contains('\\') => Cow::Borrowed(body),
        Some(_) => Cow::Owned(serde_json::from_str::<String>(text).map_err(de::Error::custom)?),
        None => Cow::Borrowed(text),
    };
    parse_decimal_text(&inner).ok_or_else(|| {
        // Name what was there as JSON wrote it: "abc" is a string, true / null are not.
        let unexpected = if text.starts_with('"') {
            de::Unexpected::Str(&inner)
        } else {
            de::Unexpected::Other(text)
        };
        de::Error::invalid_value(unexpected, &what)
    })
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_decimal(d, "an amount in roubles such as \"1999.99\" or 1999.99").map(Money)
    }
}

impl JsonSchema for Money {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Money")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Amount in roubles, at most 2 decimals, as a string (\"1999.90\") or a JSON number (parsed exactly from its text, never as a float).",
            "oneOf": [
                { "type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?$" },
                { "type": "number" }
            ]
        })
    }
}

impl FromStr for Money {
    type Err = ParseDecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_decimal_text(s).map(Money).ok_or(ParseDecimalError)
    }
}

/// A string that is not a plain decimal number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseDecimalError;

impl fmt::Display for ParseDecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a decimal number")
    }
}

impl std::error::Error for ParseDecimalError {}

/// An item quantity (tag 1023), exact.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(Decimal);

impl Quantity {
    /// One unit.
    pub const ONE: Quantity = Quantity(Decimal::ONE);

    /// From a decimal.
    pub fn from_decimal(d: Decimal) -> Quantity {
        Quantity(d)
    }

    /// A whole number of units.
    pub fn units(n: u32) -> Quantity {
        Quantity(Decimal::from(n))
    }

    /// The quantity as a decimal.
    pub fn as_decimal(&self) -> Decimal {
        self.0
    }

    /// Significant decimal places (`1.500` has 1).
    pub fn scale(&self) -> u32 {
        self.0.normalize().scale()
    }

    /// The FVLN form with the smallest scale (`1.500` → scale 1, mantissa 15), or `None` when the
    /// value is not positive or the mantissa does not fit the 7 bytes FVLN allows.
    pub fn to_fvln(&self) -> Option<crate::tlv::Fvln> {
        if self.0.is_sign_negative() || self.0.is_zero() {
            return None;
        }
        let n = self.0.normalize();
        let mantissa = u64::try_from(n.mantissa()).ok()?;
        if mantissa >= 1 << 56 {
            return None;
        }
        Some(crate::tlv::Fvln {
            scale: u8::try_from(n.scale()).ok()?,
            mantissa,
        })
    }

    /// From an FVLN value (`None` if the scale is beyond 28, which no decimal can hold).
    pub fn from_fvln(f: crate::tlv::Fvln) -> Option<Quantity> {
        let m = i64::try_from(f.mantissa).ok()?;
        Decimal::try_new(m, u32::from(f.scale)).ok().map(Quantity)
    }
}

impl Default for Quantity {
    fn default() -> Self {
        Quantity::ONE
    }
}

impl fmt::Debug for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Quantity({})", self.0.normalize())
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize_decimal(d, "a quantity such as \"1\" or 0.250").map(Quantity)
    }
}

impl JsonSchema for Quantity {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Quantity")
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Quantity, a positive decimal (≤ 3 decimals for FFD 1.05, ≤ 6 for 1.2 by default), as a string or a JSON number (parsed exactly).",
            "oneOf": [
                { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?$" },
                { "type": "number" }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_strings_exactly() {
        let cases = [
            ("1999.99", Ok(199_999)),
            ("\"1999.99\"", Ok(199_999)),
            ("0.1", Ok(10)),
            ("1.500", Ok(150)),
            ("1e2", Ok(10_000)),
            ("1.555", Err(MoneyProblem::TooManyDecimals)),
            ("-1", Err(MoneyProblem::Negative)),
            ("2814749767106.56", Err(MoneyProblem::TooLarge)),
            ("2814749767106.55", Ok(MAX_KOPECKS)),
        ];
        for (json, want) in cases {
            let m: Money = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(m.kopecks(), want, "{json}");
        }
    }

    proptest::proptest! {
        /// The integer fast path agrees with plain decimal arithmetic.
        #[test]
        fn kopecks_agrees_with_decimal_arithmetic(m in -10_000_000_000i64..10_000_000_000, scale in 0u32..8) {
            use rust_decimal::prelude::ToPrimitive;
            let d = Decimal::new(m, scale);
            let k = d * Decimal::ONE_HUNDRED;
            let expected = if d.is_sign_negative() && !d.is_zero() {
                Err(MoneyProblem::Negative)
            } else if !k.fract().is_zero() {
                Err(MoneyProblem::TooManyDecimals)
            } else {
                k.to_u64().filter(|v| *v <= MAX_KOPECKS).ok_or(MoneyProblem::TooLarge)
            };
            proptest::prop_assert_eq!(Money(d).kopecks(), expected);
        }

        /// price × quantity, rounded half-up, agrees with decimal arithmetic.
        #[test]
        fn price_times_agrees_with_decimal_arithmetic(p in 0u64..100_000_000, m in 1i64..10_000_000, scale in 0u32..7) {
            use rust_decimal::prelude::ToPrimitive;
            let q = Decimal::new(m, scale);
            let expected = Rounding::HalfUp.round(Decimal::from(p) * q, 0).to_u64();
            proptest::prop_assert_eq!(crate::validate::price_times(p, q), expected);
        }
    }

    #[test]
    fn works_from_a_json_value_too() {
        // From text is the exact path; a serde_json::Value already holds numbers as f64, so
        // amounts in a Value should be strings (which stay exact).
        let m: Money = serde_json::from_value(serde_json::json!("1999.99")).unwrap();
        assert_eq!(m.kopecks(), Ok(199_999));
        let m: Money = serde_json::from_str("\"1\\u0030.5\"").unwrap(); // "10.5" with an escape
        assert_eq!(m.kopecks(), Ok(1_050));
    }

    #[test]
    fn rejects_non_numbers() {
        for json in [
            "\"abc\"", "\"1,5\"", "\" 1\"", "\"1.\"", "\".5\"", "true", "null", "[1]", "\"+1\"",
            "\"\"",
        ] {
            assert!(serde_json::from_str::<Money>(json).is_err(), "{json}");
        }
    }

    #[test]
    fn prints_two_decimals() {
        assert_eq!(Money::from_kopecks(5).to_string(), "0.05");
        assert_eq!(Money::from_kopecks(100_000).to_string(), "1000.00");
        let m: Money = serde_json::from_str("7").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"7.00\"");
    }

    #[test]
    fn rounding_rules_table() {
        // (rule, n, d, expected)
        let rows = [
            (Rounding::HalfUp, 5, 10, 1),
            (Rounding::HalfUp, 4, 10, 0),
            (Rounding::Down, 9, 10, 0),
            (Rounding::HalfEven, 5, 10, 0),
            (Rounding::HalfEven, 15, 10, 2),
            (Rounding::HalfEven, 16, 10, 2),
            (Rounding::HalfUp, 25, 10, 3),
        ];
        for (rule, n, d, want) in rows {
            assert_eq!(rule.div(n, d), Some(want), "{rule:?} {n}/{d}");
        }
        assert_eq!(Rounding::HalfUp.div(1, 0), None);
    }

    #[test]
    fn quantity_fvln() {
        let q: Quantity = serde_json::from_str("\"1.500\"").unwrap();
        assert_eq!(
            q.to_fvln(),
            Some(crate::tlv::Fvln {
                scale: 1,
                mantissa: 15
            })
        );
        assert_eq!(
            Quantity::from_fvln(crate::tlv::Fvln {
                scale: 3,
                mantissa: 2474
            })
            .unwrap()
            .to_string(),
            "2.474"
        );
        assert_eq!(Quantity::from_decimal(Decimal::ZERO).to_fvln(), None);
    }
}
