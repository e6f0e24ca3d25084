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
            // 10^(2 - scale) from a table: `u128::pow` is a loop.
            const UP: [u128; 3] = [100, 10, 1];
            m.checked_mul(UP[scale as usize])
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

/// The usual form of an amount, `-?d+(.d+)?` with at most 19 digits, read straight from its
/// digits: exactly the decimal `Decimal::from_str_exact` makes of the same text (mantissa,
/// scale and sign; a test holds the two to each other), without its general parser. `None`
/// for every other text, which takes the general path.
fn parse_plain(text: &str) -> Option<Decimal> {
    let bytes = text.as_bytes();
    let (negative, body) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    // At most 19 digits and one point: anything longer is not this form.
    if body.is_empty() || body.len() > 20 {
        return None;
    }
    // One pass: the digits into the mantissa (wrapping: a 20th digit is refused below, before
    // the value is used), and where the point is. A point must have digits on both sides.
    let mut mantissa: u64 = 0;
    let mut point = None;
    for (i, &b) in body.iter().enumerate() {
        match b {
            b'0'..=b'9' => mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(b - b'0')),
            b'.' if point.is_none() && i > 0 => point = Some(i),
            _ => return None,
        }
    }
    let scale = match point {
        Some(p) if p + 1 == body.len() => return None,
        Some(p) => body.len() - p - 1,
        None => 0,
    };
    if body.len() - usize::from(point.is_some()) > 19 {
        return None;
    }
    if negative && mantissa == 0 {
        // "-0", "-0.00": the general parser decides the sign of a zero.
        return None;
    }
    let scale = u32::try_from(scale).ok()?;
    let mut d = Decimal::try_from_i128_with_scale(i128::from(mantissa), scale).ok()?;
    d.set_sign_negative(negative);
    Some(d)
}

/// Parses the exact text of a JSON number or string (`"1999.99"`, `1e3`, `-0.5`).
fn parse_decimal_text(text: &str) -> Option<Decimal> {
    parse_plain(text).or_else(|| parse_general(text))
}

/// [`parse_decimal_text`] of any text: the general parsers of `rust_decimal`.
fn parse_general(text: &str) -> Option<Decimal> {
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

/// The newtype-struct name under which [`Money`] and [`Quantity`] ask a deserializer for their
/// value first.
///
/// A deserializer that knows this name may answer with the text of the amount (`visit_str` /
/// `visit_borrowed_str` / `visit_string`: `"199.90"`, the content of a string, unquoted and
/// unescaped) or an integer (`visit_u64` / `visit_i64`), and the amount is read exactly as
/// serde_json reads the same JSON string or number, with the same error. The Python extension
/// module does so for `str`, `decimal.Decimal` and `int` (no JSON text is made of them; issue
/// 19). A deserializer that does not know the name treats it as a plain newtype (serde_json,
/// `serde_json::Value` and serde's own buffered content do) and is read through
/// serde_json's `RawValue` path, unchanged.
pub const DECIMAL_TOKEN: &str = "$fiskal_ffd::money::Decimal";

/// Reads a decimal: first under [`DECIMAL_TOKEN`], else through serde_json's `RawValue`.
fn deserialize_decimal<'de, D: Deserializer<'de>>(
    d: D,
    what: &'static str,
) -> Result<Decimal, D::Error> {
    d.deserialize_newtype_struct(DECIMAL_TOKEN, DecimalVisitor { what })
}

/// The answers to the [`DECIMAL_TOKEN`] request.
struct DecimalVisitor {
    /// What the amount should look like (the error message's "expected ...").
    what: &'static str,
}

impl<'de> de::Visitor<'de> for DecimalVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.what)
    }

    /// A deserializer that does not know the name: the `RawValue` path.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Decimal, D::Error> {
        deserialize_raw_decimal(d, self.what)
    }

    /// The content of a string: as serde_json reads the JSON string of it (same error).
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        parse_decimal_text(v)
            .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(v), &self.what))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        // The JSON number of the same digits parses to this very value (scale 0).
        Ok(Decimal::from(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
}

/// Reads a decimal from serde_json without ever going through `f64`.
///
/// serde_json's `RawValue` hands over the literal text of the number; strings are accepted
/// too. Other deserializers (not used by fiskal) get a clear error instead of a lossy float.
fn deserialize_raw_decimal<'de, D: Deserializer<'de>>(
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
        self.normalized().scale()
    }

    /// The decimal without trailing zeros after the point; a whole number as it is (the usual
    /// quantity: `normalize` would look for zeros that cannot be there).
    fn normalized(&self) -> Decimal {
        if self.0.scale() == 0 {
            self.0
        } else {
            self.0.normalize()
        }
    }

    /// The FVLN form with the smallest scale (`1.500` → scale 1, mantissa 15), or `None` when the
    /// value is not positive or the mantissa does not fit the 7 bytes FVLN allows.
    pub fn to_fvln(&self) -> Option<crate::tlv::Fvln> {
        if self.0.is_sign_negative() || self.0.is_zero() {
            return None;
        }
        let n = self.normalized();
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

        /// The digits-only fast path accepts only what the general parser accepts, and gives
        /// the very same decimal (mantissa, scale and sign: the 16 bytes of its representation).
        #[test]
        fn plain_parse_agrees_with_the_general_parser(text in "-?[0-9.]{0,22}|-?[0-9]{1,12}\\.[0-9]{1,10}|[-+ 0-9.eE]{0,8}") {
            let general = parse_general(&text);
            if let Some(fast) = parse_plain(&text) {
                proptest::prop_assert_eq!(Some(fast.serialize()), general.map(|g| g.serialize()), "{:?}", text);
            }
            proptest::prop_assert_eq!(parse_decimal_text(&text).map(|d| d.serialize()), general.map(|g| g.serialize()), "{:?}", text);
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

    /// A deserializer that answers only the [`DECIMAL_TOKEN`] request: with a string's content
    /// or an integer, as the Python extension module does.
    enum TokenDe<'a> {
        Str(&'a str),
        U64(u64),
        I64(i64),
    }

    impl<'de> Deserializer<'de> for TokenDe<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("asked without the decimal token"))
        }

        fn deserialize_newtype_struct<V: de::Visitor<'de>>(
            self,
            name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            if name != DECIMAL_TOKEN {
                return Err(de::Error::custom(format!("asked as {name}")));
            }
            match self {
                TokenDe::Str(s) => visitor.visit_str(s),
                TokenDe::U64(n) => visitor.visit_u64(n),
                TokenDe::I64(n) => visitor.visit_i64(n),
            }
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
        }
    }

    /// serde_json's message without its " at line 1 column N".
    fn json_message(e: &serde_json::Error) -> String {
        let m = e.to_string();
        match m.rfind(" at line ") {
            Some(at) => m[..at].to_owned(),
            None => m,
        }
    }

    #[test]
    fn the_decimal_token_reads_as_the_json_text_does() {
        // Strings: the same value (scale included) or the same error message as the JSON
        // string of the same content (issue 19: the Python module answers this way).
        for s in [
            "1999.99",
            "1999.9",
            "0.10",
            "1.500",
            "1e2",
            "1E-2",
            "-1",
            "-0",
            "0",
            "abc",
            "1,5",
            " 1",
            "1 ",
            "1.",
            ".5",
            "+1",
            "",
            "NaN",
            "Infinity",
            "1\n",
            "1\"",
            "1\\",
            "2814749767106.56",
            "0.10000000000000000555",
            "12345678901234567890123456789012345678901234567890123456789012345",
        ] {
            let json = serde_json::to_string(s).unwrap();
            for what in ["money", "quantity"] {
                let (direct, via_json) = if what == "money" {
                    (
                        Money::deserialize(TokenDe::Str(s)).map(|m| m.0),
                        serde_json::from_str::<Money>(&json).map(|m| m.0),
                    )
                } else {
                    (
                        Quantity::deserialize(TokenDe::Str(s)).map(|q| q.0),
                        serde_json::from_str::<Quantity>(&json).map(|q| q.0),
                    )
                };
                match (direct, via_json) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!((a, a.scale()), (b, b.scale()), "{what} {s:?}");
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), json_message(&b), "{s:?}"),
                    (a, b) => panic!("{what} {s:?}: {a:?} against {b:?}"),
                }
            }
        }
        // Integers: the value of the same JSON number.
        for n in [
            0u64,
            7,
            199,
            u64::from(u32::MAX),
            (1 << 63) - 1,
            1 << 63,
            u64::MAX,
        ] {
            let via_json: Money = serde_json::from_str(&n.to_string()).unwrap();
            let direct = Money::deserialize(TokenDe::U64(n)).unwrap();
            assert_eq!(
                (direct.0, direct.0.scale()),
                (via_json.0, via_json.0.scale()),
                "{n}"
            );
        }
        for n in [0i64, -1, -3, i64::MIN, i64::MAX] {
            let via_json: Quantity = serde_json::from_str(&n.to_string()).unwrap();
            let direct = Quantity::deserialize(TokenDe::I64(n)).unwrap();
            assert_eq!(
                (direct.0, direct.0.scale()),
                (via_json.0, via_json.0.scale()),
                "{n}"
            );
        }
        assert_eq!(
            Money::deserialize(TokenDe::I64(-5)).unwrap().kopecks(),
            Err(MoneyProblem::Negative)
        );
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
