//! The one error type of fiskal-calc.

use fiskal_ffd::money::MoneyProblem;
use fiskal_ffd::violation::Violation;

/// Everything that can go wrong in fiskal-calc.
///
/// Every variant says *where* (a JSON-style path into the receipt such as `items[3].sum`, or an
/// item index) and carries the numbers involved, in kopecks unless stated otherwise. Match on
/// the variants, or on the stable [`CalcError::code`]; the `Display` text is meant for people and
/// is **not** a stable contract.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CalcError {
    /// An amount that cannot be whole kopecks on the wire: negative, more than two decimals, or
    /// above 2^48 − 1 kopecks.
    #[error("`{path}`: amount is not valid money ({problem:?})")]
    Money {
        /// Where the amount is.
        path: String,
        /// What is wrong with it.
        problem: MoneyProblem,
    },
    /// A sum or product left the range of money (2^48 − 1 kopecks) or of the integer types.
    #[error("`{path}`: arithmetic overflow")]
    Overflow {
        /// What was being computed.
        path: String,
    },
    /// A quantity that is zero or negative.
    #[error("`{path}`: quantity must be positive")]
    QuantityNotPositive {
        /// Where the quantity is.
        path: String,
    },
    /// A quantity with more decimals than the profile allows (3 for FFD 1.05, 6 for 1.2 by
    /// default).
    #[error("`{path}`: quantity has {actual} decimals, at most {max} allowed")]
    QuantityScale {
        /// Where the quantity is.
        path: String,
        /// Allowed decimals.
        max: u32,
        /// Decimals found.
        actual: u32,
    },
    /// A VAT rate code this crate does not know.
    #[error("`{path}`: unknown VAT rate code {code}")]
    UnknownVatRate {
        /// Where the rate is.
        path: String,
        /// The 1199 value.
        code: u8,
    },
    /// A percentage that is negative or not a plain number.
    #[error("`{path}`: {percent} is not a valid percentage")]
    BadPercent {
        /// Which parameter.
        path: String,
        /// The value given, as text.
        percent: String,
    },
    /// A discount larger than the sum of the items it may apply to.
    #[error("discount of {discount} kopecks exceeds the eligible sum of {eligible} kopecks")]
    DiscountTooLarge {
        /// The discount asked for, kopecks.
        discount: u64,
        /// Σ of the sums of eligible items, kopecks.
        eligible: u64,
    },
    /// A target total below the sum of the excluded items (which keep their sums).
    #[error("target total {target} is below the {excluded} kopecks of excluded items")]
    TargetBelowExcluded {
        /// The target total, kopecks.
        target: u64,
        /// Σ of the sums of excluded items, kopecks.
        excluded: u64,
    },
    /// A non-zero adjustment with nothing to spread it over (every item excluded or zero).
    #[error("an adjustment of {amount} kopecks has no eligible item with a non-zero sum")]
    NothingEligible {
        /// The adjustment, kopecks.
        amount: u64,
    },
    /// A receipt (or a part of one) whose total would be zero: registers reject it.
    #[error("`{path}`: the total would be zero")]
    ZeroTotal {
        /// Which receipt (`total`, `parts[2].total`).
        path: String,
    },
    /// An item index that does not exist.
    #[error("`{path}`: index {index} is out of range (the receipt has {len} items)")]
    IndexOutOfRange {
        /// Which parameter carries the index.
        path: String,
        /// The index given.
        index: usize,
        /// Number of items.
        len: usize,
    },
    /// A line whose sum cannot be expressed within 1 kopeck of price × quantity under the chosen
    /// [`crate::lines::FractionalPolicy`].
    #[error("`{path}`: no whole-kopeck price gives {sum} kopecks for quantity {quantity} (best is {best_diff} kopecks off)")]
    LineUnpriceable {
        /// The item.
        path: String,
        /// The sum to reach, kopecks.
        sum: u64,
        /// The quantity, as text.
        quantity: String,
        /// The smallest |sum − round(price × quantity)| found, kopecks.
        best_diff: u64,
    },
    /// A marked line that would have to be split into two lines (one mark cannot be in two).
    #[error("`{path}`: a marked line cannot be split")]
    MarkedLineSplit {
        /// The item.
        path: String,
    },
    /// Σ payments differs from the total it must equal.
    #[error("`{path}`: payments sum to {actual} kopecks, expected {expected}")]
    PaymentsMismatch {
        /// Which payments (`payments`, `rest`).
        path: String,
        /// The amount they must sum to, kopecks.
        expected: u64,
        /// Their sum, kopecks.
        actual: u64,
    },
    /// The document without any item already exceeds the size budget.
    #[error("the receipt header alone takes {size} bytes, over the budget of {budget}")]
    HeaderTooLarge {
        /// Bytes of everything but the items (upper bound).
        size: usize,
        /// The budget, bytes.
        budget: usize,
    },
    /// One item that cannot fit the size budget even alone in a receipt.
    #[error("`{path}`: the item needs {size} bytes with the header, over the budget of {budget}")]
    ItemTooLarge {
        /// The item (`items[17]`).
        path: String,
        /// Header plus this item, bytes (upper bound).
        size: usize,
        /// The budget, bytes.
        budget: usize,
    },
    /// A provider limit that a part cannot meet (e.g. more payment kinds than allowed).
    #[error("`{path}`: {limit} is {actual}, the provider allows at most {max}")]
    ProviderLimit {
        /// Which part (`parts[1]`) or option.
        path: String,
        /// Which limit (`max_items`, `max_payments`).
        limit: &'static str,
        /// The limit.
        max: usize,
        /// What was needed.
        actual: usize,
    },
    /// fiskal-ffd could not encode the receipt (to measure it).
    #[error("`{path}`: cannot encode: {message}")]
    Encode {
        /// Which receipt.
        path: String,
        /// What fiskal-ffd said.
        message: String,
    },
    /// The receipt (input or result) breaks FFD rules, as found by [`fiskal_ffd::validate()`].
    #[error("`{path}`: receipt is invalid ({} problem(s)); first: {}", violations.len(), violations.first().map(ToString::to_string).unwrap_or_default())]
    Invalid {
        /// Which receipt (`input`, `result`, `parts[2]`).
        path: String,
        /// Every problem found.
        violations: Vec<Violation>,
    },
    /// The receipt is not of the kind the helper expects (e.g. a settlement built from a
    /// receipt that is not a prepayment, a refund of a refund).
    #[error("`{path}`: {reason}")]
    WrongKind {
        /// The field that shows it (`operation`, `items[0].payment_method`).
        path: String,
        /// What was expected.
        reason: &'static str,
    },
    /// The prepaid amount exceeds the settlement total (refund the difference instead).
    #[error("prepaid {prepaid} kopecks exceeds the settlement total of {total}")]
    PrepaidExceedsTotal {
        /// The prepayment receipt total, kopecks.
        prepaid: u64,
        /// The total of the real items, kopecks.
        total: u64,
    },
    /// A refund of more than the original line holds (quantity), summed over requests.
    #[error("`{path}`: refund of quantity {requested} exceeds the {available} on the line")]
    RefundQuantity {
        /// The refund request (`lines[1].quantity`).
        path: String,
        /// Requested in total for the line, as text.
        requested: String,
        /// Quantity on the original line, as text.
        available: String,
    },
    /// A calendar date that does not exist.
    #[error("{year:04}-{month:02}-{day:02} is not a date")]
    InvalidDate {
        /// Year.
        year: u16,
        /// Month.
        month: u8,
        /// Day.
        day: u8,
    },
}

impl CalcError {
    /// A stable snake_case code per variant (the bindings and the vectors use it).
    pub fn code(&self) -> &'static str {
        match self {
            CalcError::Money { .. } => "money",
            CalcError::Overflow { .. } => "overflow",
            CalcError::QuantityNotPositive { .. } => "quantity_not_positive",
            CalcError::QuantityScale { .. } => "quantity_scale",
            CalcError::UnknownVatRate { .. } => "unknown_vat_rate",
            CalcError::BadPercent { .. } => "bad_percent",
            CalcError::DiscountTooLarge { .. } => "discount_too_large",
            CalcError::TargetBelowExcluded { .. } => "target_below_excluded",
            CalcError::NothingEligible { .. } => "nothing_eligible",
            CalcError::ZeroTotal { .. } => "zero_total",
            CalcError::IndexOutOfRange { .. } => "index_out_of_range",
            CalcError::LineUnpriceable { .. } => "line_unpriceable",
            CalcError::MarkedLineSplit { .. } => "marked_line_split",
            CalcError::PaymentsMismatch { .. } => "payments_mismatch",
            CalcError::HeaderTooLarge { .. } => "header_too_large",
            CalcError::ItemTooLarge { .. } => "item_too_large",
            CalcError::ProviderLimit { .. } => "provider_limit",
            CalcError::Encode { .. } => "encode",
            CalcError::Invalid { .. } => "invalid",
            CalcError::WrongKind { .. } => "wrong_kind",
            CalcError::PrepaidExceedsTotal { .. } => "prepaid_exceeds_total",
            CalcError::RefundQuantity { .. } => "refund_quantity",
            CalcError::InvalidDate { .. } => "invalid_date",
        }
    }

    pub(crate) fn overflow(path: impl Into<String>) -> CalcError {
        CalcError::Overflow { path: path.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        let all = [
            CalcError::overflow("x"),
            CalcError::QuantityNotPositive { path: "x".into() },
            CalcError::QuantityScale {
                path: "x".into(),
                max: 3,
                actual: 4,
            },
            CalcError::UnknownVatRate {
                path: "x".into(),
                code: 99,
            },
            CalcError::BadPercent {
                path: "x".into(),
                percent: "-1".into(),
            },
            CalcError::DiscountTooLarge {
                discount: 2,
                eligible: 1,
            },
            CalcError::TargetBelowExcluded {
                target: 1,
                excluded: 2,
            },
            CalcError::NothingEligible { amount: 1 },
            CalcError::ZeroTotal { path: "x".into() },
            CalcError::IndexOutOfRange {
                path: "x".into(),
                index: 1,
                len: 1,
            },
            CalcError::LineUnpriceable {
                path: "x".into(),
                sum: 1,
                quantity: "3.3".into(),
                best_diff: 2,
            },
            CalcError::MarkedLineSplit { path: "x".into() },
            CalcError::PaymentsMismatch {
                path: "x".into(),
                expected: 1,
                actual: 2,
            },
            CalcError::HeaderTooLarge { size: 2, budget: 1 },
            CalcError::ItemTooLarge {
                path: "x".into(),
                size: 2,
                budget: 1,
            },
            CalcError::ProviderLimit {
                path: "x".into(),
                limit: "max_items",
                max: 1,
                actual: 2,
            },
            CalcError::Encode {
                path: "x".into(),
                message: "m".into(),
            },
            CalcError::Invalid {
                path: "x".into(),
                violations: vec![],
            },
            CalcError::WrongKind {
                path: "x".into(),
                reason: "r",
            },
            CalcError::PrepaidExceedsTotal {
                prepaid: 2,
                total: 1,
            },
            CalcError::RefundQuantity {
                path: "x".into(),
                requested: "2".into(),
                available: "1".into(),
            },
            CalcError::InvalidDate {
                year: 2025,
                month: 2,
                day: 30,
            },
            CalcError::Money {
                path: "x".into(),
                problem: MoneyProblem::Negative,
            },
        ];
        let mut codes: Vec<&str> = all.iter().map(CalcError::code).collect();
        for e in &all {
            assert!(!e.to_string().is_empty());
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }
}
