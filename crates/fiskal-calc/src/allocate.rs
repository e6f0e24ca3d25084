//! Receipt-level discounts and markups, spread over the items by the largest-remainder method.
//!
//! # Policy
//!
//! * The adjustment amount A (kopecks) is found first: an absolute amount, a percentage of the
//!   **eligible** sum E (rounded to the kopeck by [`CalcProfile::rounding`], half-up by default),
//!   or the difference between a target total and the current total (the excluded items keep
//!   their sums, so the eligible items must reach `target − excluded`).
//! * A is split over the eligible items in proportion to their sums by the **largest-remainder
//!   method** ([`largest_remainder`]): item i first gets `floor(A × s_i / E)`; the kopecks left
//!   over (fewer than the number of eligible items) go one each to the items with the **largest
//!   remainder** `(A × s_i) mod E`, ties broken by the **lower item index**. The shares add up to
//!   A exactly, so Σ item sums equals the target exactly.
//! * A discount share never exceeds the item's sum (`share ≤ ceil(A × s_i / E) ≤ s_i` because
//!   A ≤ E), so no item goes negative; a 100 % discount makes every eligible line 0.00. A discount
//!   above E is [`CalcError::DiscountTooLarge`]; a result whose total is zero is
//!   [`CalcError::ZeroTotal`] (registers refuse a zero receipt).
//! * Excluded items (delivery, lines already discounted, gift certificates, …) are chosen by
//!   index, by a predicate over the item, or both ([`Exclusions`]); they are left untouched.
//! * Each changed line is then re-priced and split if needed by [`crate::lines::reprice_line`]
//!   under the request's [`FractionalPolicy`]; unchanged lines are kept as they are.
//! * Payments: kept when they already equal the new total; when the receipt is paid with one
//!   payment kind only, that kind is set to the new total; otherwise pass the new payments in
//!   [`AllocationRequest::payments`] (else [`CalcError::PaymentsMismatch`]).
//! * VAT: item `vat_sum` / `unit_vat` and receipt `vat_totals` that were given are recomputed.
//! * Validation: the input and then the result are checked with every rule of
//!   [`fiskal_ffd::validate()`] except the document size ([`Profile::without_size_limit`]: a cart
//!   may be larger than one document until [`crate::split`] divides it, and skipping that rule
//!   also skips encoding the whole receipt). The input is checked so that a bad cart is reported
//!   as such (path `input`, its own item indices); the result is checked because its lines,
//!   total, payments and VAT are new.
//!
//! Cost: linear in the number of lines (the remainders are ranked by a linear-time selection,
//! not a sort); the cart's header is copied once and each line once.

use crate::error::CalcError;
use crate::kopecks::{money_at, CalcProfile, Kopecks};
use crate::lines::{reprice_into, FractionalPolicy};
use fiskal_ffd::model::Payments;
use fiskal_ffd::validate::Profile;
use fiskal_ffd::{Item, Receipt};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::fmt;

/// A receipt-level adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Adjustment {
    /// Take this many kopecks off the eligible items.
    Discount(Kopecks),
    /// Take this percentage (0–100) of the eligible sum off.
    DiscountPercent(Decimal),
    /// Add this many kopecks to the eligible items.
    Markup(Kopecks),
    /// Add this percentage (≥ 0) of the eligible sum.
    MarkupPercent(Decimal),
    /// Make the receipt total exactly this (excluded items keep their sums).
    TargetTotal(Kopecks),
}

/// Which way the sums moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Direction {
    /// Sums went down.
    Discount,
    /// Sums went up.
    Markup,
    /// Nothing changed (a zero adjustment, or a target equal to the total).
    None,
}

/// A test over an item and its index: `true` excludes it.
pub type ItemPredicate<'a> = &'a dyn Fn(usize, &Item) -> bool;

/// Items an adjustment does not touch: by index, by a predicate, or both (an item is excluded
/// if either says so).
///
/// ```
/// use fiskal_calc::allocate::Exclusions;
/// use fiskal_ffd::{Item, PaymentSubject};
/// // Services (delivery) and the first line (a gift certificate) keep their sums.
/// let services = |_: usize, it: &Item| it.payment_subject == PaymentSubject::SERVICE;
/// let ex = Exclusions::indices(&[0]).with_predicate(&services);
/// # let _ = ex;
/// ```
#[derive(Clone, Default)]
pub struct Exclusions<'a> {
    indices: Vec<usize>,
    predicate: Option<ItemPredicate<'a>>,
}

impl fmt::Debug for Exclusions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exclusions")
            .field("indices", &self.indices)
            .field("predicate", &self.predicate.is_some())
            .finish()
    }
}

impl<'a> Exclusions<'a> {
    /// Nothing excluded.
    pub fn none() -> Exclusions<'a> {
        Exclusions::default()
    }

    /// These item indices (0-based) are excluded; an index past the end is an error.
    pub fn indices(indices: &[usize]) -> Exclusions<'a> {
        Exclusions {
            indices: indices.to_vec(),
            predicate: None,
        }
    }

    /// Items for which `f(index, item)` is true are excluded (e.g. by payment subject, or a flag
    /// the caller keeps next to the item).
    pub fn predicate(f: ItemPredicate<'a>) -> Exclusions<'a> {
        Exclusions {
            indices: Vec::new(),
            predicate: Some(f),
        }
    }

    /// Adds a predicate to an index list.
    pub fn with_predicate(mut self, f: ItemPredicate<'a>) -> Exclusions<'a> {
        self.predicate = Some(f);
        self
    }

    fn flags(&self, items: &[Item]) -> Result<Vec<bool>, CalcError> {
        let mut out: Vec<bool> = items
            .iter()
            .enumerate()
            .map(|(i, it)| self.predicate.is_some_and(|f| f(i, it)))
            .collect();
        for (n, &i) in self.indices.iter().enumerate() {
            let slot = out.get_mut(i).ok_or_else(|| CalcError::IndexOutOfRange {
                path: format!("exclusions.indices[{n}]"),
                index: i,
                len: items.len(),
            })?;
            *slot = true;
        }
        Ok(out)
    }
}

/// What to allocate and how.
#[derive(Debug, Clone)]
pub struct AllocationRequest<'a> {
    /// The adjustment.
    pub adjustment: Adjustment,
    /// Items left untouched.
    pub exclusions: Exclusions<'a>,
    /// How fractional quantities are re-priced.
    pub fractional: FractionalPolicy,
    /// Quantity scale and rounding; `None`: the default profile of the receipt's FFD version.
    pub profile: Option<CalcProfile>,
    /// The payments of the result; `None`: see the module docs.
    pub payments: Option<Payments>,
}

impl<'a> AllocationRequest<'a> {
    /// An adjustment with no exclusions and the default policies.
    pub fn new(adjustment: Adjustment) -> AllocationRequest<'a> {
        AllocationRequest {
            adjustment,
            exclusions: Exclusions::none(),
            fractional: FractionalPolicy::default(),
            profile: None,
            payments: None,
        }
    }

    /// Sets the exclusions.
    pub fn exclude(mut self, exclusions: Exclusions<'a>) -> AllocationRequest<'a> {
        self.exclusions = exclusions;
        self
    }

    /// Sets the fractional-quantity policy.
    pub fn fractional(mut self, policy: FractionalPolicy) -> AllocationRequest<'a> {
        self.fractional = policy;
        self
    }

    /// Sets the profile.
    pub fn profile(mut self, profile: CalcProfile) -> AllocationRequest<'a> {
        self.profile = Some(profile);
        self
    }

    /// Sets the payments of the result.
    pub fn payments(mut self, payments: Payments) -> AllocationRequest<'a> {
        self.payments = Some(payments);
        self
    }
}

/// The adjusted receipt and how it was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Allocation {
    /// The receipt with new lines, total and payments; validated.
    pub receipt: Receipt,
    /// The adjustment amount, kopecks (positive for both directions).
    pub amount: Kopecks,
    /// Discount, markup or none.
    pub direction: Direction,
    /// The new sum of every original item, in the original order.
    pub item_sums: Vec<Kopecks>,
    /// For every line of [`Allocation::receipt`], the index of the original item it comes from.
    pub sources: Vec<usize>,
}

/// Splits `amount` in proportion to `weights` by the largest-remainder method (see the module
/// docs for the tie-break): the shares sum to `amount` exactly and each share is within one
/// kopeck of its exact proportion. Items of weight 0 get 0.
///
/// ```
/// use fiskal_calc::allocate::largest_remainder;
/// // 100 over three equal items: remainders tie, so the lowest index gets the extra kopeck.
/// assert_eq!(largest_remainder(&[1, 1, 1], 100).unwrap(), vec![34, 33, 33]);
/// assert_eq!(largest_remainder(&[500, 300, 200], 7).unwrap(), vec![4, 2, 1]);
/// ```
pub fn largest_remainder(weights: &[u64], amount: u64) -> Result<Vec<u64>, CalcError> {
    let total: u128 = weights.iter().map(|w| u128::from(*w)).sum();
    if total == 0 {
        return if amount == 0 {
            Ok(vec![0; weights.len()])
        } else {
            Err(CalcError::NothingEligible { amount })
        };
    }
    let a = u128::from(amount);
    let mut shares = Vec::with_capacity(weights.len());
    let mut rems: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    let mut given: u128 = 0;
    for (i, w) in weights.iter().enumerate() {
        let prod = a * u128::from(*w);
        let (q, r) = (prod / total, prod % total);
        given += q;
        shares.push(u64::try_from(q).map_err(|_| CalcError::overflow("allocation"))?);
        if r > 0 {
            rems.push((r, i));
        }
    }
    let left = usize::try_from(a - given).map_err(|_| CalcError::overflow("allocation"))?;
    // Larger remainder first, then lower index. Only *which* items get a kopeck matters, not
    // their order, so a linear-time selection of the `left` first suffices (keys are distinct:
    // the index breaks every tie).
    let first = |x: &(u128, usize), y: &(u128, usize)| y.0.cmp(&x.0).then(x.1.cmp(&y.1));
    if left > 0 && left < rems.len() {
        rems.select_nth_unstable_by(left - 1, first);
    }
    for &(_, i) in rems.iter().take(left) {
        if let Some(s) = shares.get_mut(i) {
            *s += 1;
        }
    }
    Ok(shares)
}

fn percent_of(
    eligible: u64,
    pct: Decimal,
    profile: &CalcProfile,
    path: &str,
) -> Result<u64, CalcError> {
    let bad = || CalcError::BadPercent {
        path: path.to_owned(),
        percent: pct.to_string(),
    };
    if pct.is_sign_negative() && !pct.is_zero() {
        return Err(bad());
    }
    let v = Decimal::from(eligible)
        .checked_mul(pct)
        .and_then(|v| v.checked_div(Decimal::ONE_HUNDRED))
        .ok_or_else(|| CalcError::overflow(path))?;
    profile
        .rounding
        .round(v, 0)
        .to_u64()
        .and_then(Kopecks::new)
        .map(Kopecks::get)
        .ok_or_else(|| CalcError::overflow(path))
}

/// The validation profile of fiskal-calc's inputs and results: every rule of the receipt's FFD
/// version except the document size ([`Profile::without_size_limit`]), which also skips the
/// whole-document encoding that rule needs. A cart may be larger than one document (that is
/// what [`crate::split`] is for); split parts check the size themselves, exactly.
pub(crate) fn unsized_profile(receipt: &Receipt) -> Profile {
    Profile::for_version(receipt.ffd).without_size_limit()
}

/// Checks `receipt` with [`unsized_profile`]; `path` names it in the error (`input`, `result`).
pub(crate) fn check_input(receipt: &Receipt, path: &str) -> Result<(), CalcError> {
    let violations = fiskal_ffd::validate::validate_with(receipt, &unsized_profile(receipt));
    if violations.is_empty() {
        Ok(())
    } else {
        Err(CalcError::Invalid {
            path: path.to_owned(),
            violations,
        })
    }
}

/// [`check_input`] for a result that is returned when valid.
pub(crate) fn validated(receipt: Receipt, path: &str) -> Result<Receipt, CalcError> {
    check_input(&receipt, path).map(|()| receipt)
}

pub(crate) fn payments_sum(p: &Payments, path: &str) -> Result<u64, CalcError> {
    let mut sum = Kopecks::ZERO;
    for (name, m) in [
        ("cash", &p.cash),
        ("electronic", &p.electronic),
        ("prepaid", &p.prepaid),
        ("credit", &p.credit),
        ("consideration", &p.consideration),
    ] {
        let k = Kopecks::from_money(m, &format!("{path}.{name}"))?;
        sum = sum
            .checked_add(k)
            .ok_or_else(|| CalcError::overflow(path))?;
    }
    Ok(sum.get())
}

fn new_payments(
    old: &Payments,
    given: Option<Payments>,
    total: u64,
) -> Result<Payments, CalcError> {
    if let Some(p) = given {
        let actual = payments_sum(&p, "payments")?;
        if actual != total {
            return Err(CalcError::PaymentsMismatch {
                path: "payments".into(),
                expected: total,
                actual,
            });
        }
        return Ok(p);
    }
    let actual = payments_sum(old, "payments")?;
    if actual == total {
        return Ok(*old);
    }
    let t = Kopecks::new(total)
        .map(Kopecks::to_money)
        .ok_or_else(|| CalcError::overflow("total"))?;
    let mut p = *old;
    let slots = [
        &mut p.cash,
        &mut p.electronic,
        &mut p.prepaid,
        &mut p.credit,
        &mut p.consideration,
    ];
    let nonzero: Vec<_> = slots.into_iter().filter(|m| !m.is_zero()).collect();
    match <[_; 1]>::try_from(nonzero) {
        Ok([only]) => {
            *only = t;
            Ok(p)
        }
        Err(_) => Err(CalcError::PaymentsMismatch {
            path: "payments".into(),
            expected: total,
            actual,
        }),
    }
}

/// Applies a receipt-level adjustment to a valid receipt (see the module docs for the policy).
///
/// ```
/// use fiskal_calc::allocate::{allocate, Adjustment, AllocationRequest};
/// use fiskal_calc::Kopecks;
/// let json = include_str!("../data/receipt_1_2.json");
/// let cart = fiskal_ffd::json::parse_and_validate(json).unwrap();
/// let req = AllocationRequest::new(Adjustment::TargetTotal(Kopecks::new(500_000).unwrap()));
/// let out = allocate(&cart, &req).unwrap();
/// assert_eq!(out.receipt.total.to_string(), "5000.00");
/// assert_eq!(out.receipt.payments.electronic.to_string(), "5000.00");
/// ```
pub fn allocate(cart: &Receipt, req: &AllocationRequest<'_>) -> Result<Allocation, CalcError> {
    check_input(cart, "input")?;
    let profile = req
        .profile
        .unwrap_or_else(|| CalcProfile::for_version(cart.ffd));
    let excluded = req.exclusions.flags(&cart.items)?;
    let mut sums = Vec::with_capacity(cart.items.len());
    for (i, it) in cart.items.iter().enumerate() {
        sums.push(money_at(&it.sum, || format!("items[{i}].sum"))?.get());
    }
    let (mut e, mut x) = (0u64, 0u64);
    for (s, ex) in sums.iter().zip(&excluded) {
        let acc = if *ex { &mut x } else { &mut e };
        *acc = acc
            .checked_add(*s)
            .ok_or_else(|| CalcError::overflow("total"))?;
    }
    let (direction, amount) = match req.adjustment {
        Adjustment::Discount(d) => (Direction::Discount, d.get()),
        Adjustment::DiscountPercent(p) => (
            Direction::Discount,
            percent_of(e, p, &profile, "adjustment.percent")?,
        ),
        Adjustment::Markup(m) => (Direction::Markup, m.get()),
        Adjustment::MarkupPercent(p) => (
            Direction::Markup,
            percent_of(e, p, &profile, "adjustment.percent")?,
        ),
        Adjustment::TargetTotal(t) => {
            let t = t.get();
            let goal = t.checked_sub(x).ok_or(CalcError::TargetBelowExcluded {
                target: t,
                excluded: x,
            })?;
            if goal < e {
                (Direction::Discount, e - goal)
            } else {
                (Direction::Markup, goal - e)
            }
        }
    };
    let direction = if amount == 0 {
        Direction::None
    } else {
        direction
    };
    if amount > 0 && e == 0 {
        return Err(CalcError::NothingEligible { amount });
    }
    if direction == Direction::Discount && amount > e {
        return Err(CalcError::DiscountTooLarge {
            discount: amount,
            eligible: e,
        });
    }
    let weights: Vec<u64> = sums
        .iter()
        .zip(&excluded)
        .map(|(s, ex)| if *ex { 0 } else { *s })
        .collect();
    let shares = largest_remainder(&weights, amount)?;
    let mut item_sums = Vec::with_capacity(sums.len());
    for (i, (s, share)) in sums.iter().zip(&shares).enumerate() {
        let v = match direction {
            Direction::Markup => s.checked_add(*share).and_then(Kopecks::new),
            _ => s.checked_sub(*share).and_then(Kopecks::new),
        };
        item_sums.push(v.ok_or_else(|| CalcError::overflow(format!("items[{i}].sum")))?);
    }
    let total = Kopecks::checked_sum(item_sums.iter().copied())
        .ok_or_else(|| CalcError::overflow("total"))?;
    if total == Kopecks::ZERO {
        return Err(CalcError::ZeroTotal {
            path: "total".into(),
        });
    }
    // Lines: the unchanged ones cloned, the changed ones re-priced straight into the output
    // (no vector per line; the item path is formatted only for an error).
    let mut items = Vec::with_capacity(cart.items.len() + cart.items.len() / 2);
    let mut sources = Vec::with_capacity(items.capacity());
    for (i, (it, (old, new))) in cart
        .items
        .iter()
        .zip(sums.iter().zip(&item_sums))
        .enumerate()
    {
        let before = items.len();
        if *old == new.get() {
            items.push(it.clone());
        } else {
            let path = || format!("items[{i}]");
            reprice_into(it, *new, req.fractional, &profile, &path, &mut items)?;
        }
        sources.resize(items.len(), i);
        debug_assert!(items.len() > before);
    }
    // The header once, without cloning the cart's items only to replace them.
    let mut receipt = cart.without_items();
    receipt.payments = new_payments(&cart.payments, req.payments, total.get())?;
    receipt.items = items;
    receipt.total = total.to_money();
    crate::vat::refresh_vat(&mut receipt)?;
    // The input was checked above; the result is checked again in full (every line, the totals,
    // VAT and payments), without the document size and so without encoding it.
    let receipt = validated(receipt, "result")?;
    Ok(Allocation {
        receipt,
        amount: Kopecks::new(amount).ok_or_else(|| CalcError::overflow("amount"))?,
        direction,
        item_sums,
        sources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cart(sums: &[(&str, &str, &str)]) -> Receipt {
        let items: Vec<serde_json::Value> = sums
            .iter()
            .map(|(p, q, s)| {
                serde_json::json!({
                    "name": "x", "price": p, "quantity": q, "sum": s, "measure": "piece",
                    "vat": "vat22", "payment_method": "full_payment", "payment_subject": "commodity"
                })
            })
            .collect();
        let total: u64 = sums
            .iter()
            .map(|(_, _, s)| s.parse::<fiskal_ffd::Money>().unwrap().kopecks().unwrap())
            .sum();
        let t = Kopecks::new(total).unwrap().to_string();
        serde_json::from_value(serde_json::json!({
            "version": 1, "ffd": "1.2", "operation": "sell",
            "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru"},
            "items": items, "payments": {"electronic": t}, "total": t
        }))
        .unwrap()
    }

    fn k(v: u64) -> Kopecks {
        Kopecks::new(v).unwrap()
    }

    #[test]
    fn largest_remainder_rules() {
        assert_eq!(
            largest_remainder(&[1, 1, 1], 100).unwrap(),
            vec![34, 33, 33]
        );
        assert_eq!(largest_remainder(&[1, 2], 0).unwrap(), vec![0, 0]);
        assert_eq!(
            largest_remainder(&[0, 0], 1).map_err(|e| e.code()),
            Err("nothing_eligible")
        );
        assert_eq!(largest_remainder(&[0, 5], 3).unwrap(), vec![0, 3]);
        // Remainders 2/3 (index 1) beat 1/3 (index 0): 10 × 1/3 = 3.33, 10 × 2/3 = 6.67.
        assert_eq!(largest_remainder(&[1, 2], 10).unwrap(), vec![3, 7]);
    }

    #[test]
    fn discount_exclusion_and_errors() {
        let c = cart(&[
            ("100.00", "1", "100.00"),
            ("50.00", "1", "50.00"),
            ("300.00", "1", "300.00"),
        ]);
        let req = AllocationRequest::new(Adjustment::Discount(k(1_000)))
            .exclude(Exclusions::indices(&[2]));
        let out = allocate(&c, &req).unwrap();
        assert_eq!(out.item_sums, vec![k(9_333), k(4_667), k(30_000)]);
        assert_eq!(out.receipt.total.to_string(), "440.00");
        let req = AllocationRequest::new(Adjustment::Discount(k(15_001)))
            .exclude(Exclusions::indices(&[2]));
        assert_eq!(
            allocate(&c, &req).map_err(|e| e.code()),
            Err("discount_too_large")
        );
        let req =
            AllocationRequest::new(Adjustment::Discount(k(1))).exclude(Exclusions::indices(&[3]));
        assert_eq!(
            allocate(&c, &req).map_err(|e| e.code()),
            Err("index_out_of_range")
        );
        let all = |_: usize, _: &Item| true;
        let req =
            AllocationRequest::new(Adjustment::Discount(k(1))).exclude(Exclusions::predicate(&all));
        assert_eq!(
            allocate(&c, &req).map_err(|e| e.code()),
            Err("nothing_eligible")
        );
        let req = AllocationRequest::new(Adjustment::DiscountPercent(Decimal::ONE_HUNDRED));
        assert_eq!(allocate(&c, &req).map_err(|e| e.code()), Err("zero_total"));
        let req = AllocationRequest::new(Adjustment::DiscountPercent(Decimal::NEGATIVE_ONE));
        assert_eq!(allocate(&c, &req).map_err(|e| e.code()), Err("bad_percent"));
        let req = AllocationRequest::new(Adjustment::TargetTotal(k(100)))
            .exclude(Exclusions::indices(&[2]));
        assert_eq!(
            allocate(&c, &req).map_err(|e| e.code()),
            Err("target_below_excluded")
        );
    }

    #[test]
    fn markup_and_target() {
        let c = cart(&[("10.00", "3", "30.00"), ("5.00", "1", "5.00")]);
        let out = allocate(
            &c,
            &AllocationRequest::new(Adjustment::MarkupPercent(Decimal::TEN)),
        )
        .unwrap();
        assert_eq!(out.amount, k(350));
        assert_eq!(out.item_sums, vec![k(3_300), k(550)]);
        let out = allocate(
            &c,
            &AllocationRequest::new(Adjustment::TargetTotal(k(3_500))),
        )
        .unwrap();
        assert_eq!(out.direction, Direction::None);
        assert_eq!(out.receipt, c);
    }

    #[test]
    fn several_payment_kinds_need_explicit_payments() {
        let mut c = cart(&[("100.00", "1", "100.00")]);
        c.payments.electronic = "60.00".parse().unwrap();
        c.payments.cash = "40.00".parse().unwrap();
        let req = AllocationRequest::new(Adjustment::Discount(k(1_000)));
        assert_eq!(
            allocate(&c, &req).map_err(|e| e.code()),
            Err("payments_mismatch")
        );
        let p = Payments {
            cash: "40.00".parse().unwrap(),
            electronic: "50.00".parse().unwrap(),
            ..Payments::default()
        };
        assert!(allocate(&c, &req.payments(p)).is_ok());
    }
}
