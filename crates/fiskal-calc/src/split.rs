//! Splitting one cart into several receipts that each fit the register's size budget and the
//! provider's limits.
//!
//! # Algorithm
//!
//! 1. The cart is validated ([`fiskal_ffd::validate_with`], every rule but the document size:
//!    [`Profile::without_size_limit`], which also skips encoding the whole cart). Each item is
//!    encoded once ([`item_to_tlv`]): its size is the exact length of its 1059 block, the same
//!    in any document. The **header** is everything else: [`header_size_bound`] of the cart
//!    without its items, with the receipt VAT totals the encoder would derive from the items
//!    given explicitly (so it equals [`fiskal_ffd::size::document_size_bound`] of the whole cart
//!    minus its items, without encoding the items a second time). A part's header is never
//!    larger than the cart's (its totals and payments are smaller or equal amounts, so their VLNs
//!    are not longer, and it has no VAT rate the cart lacks), so `header + Σ item sizes` bounds
//!    every part from above.
//! 2. **Greedy in item order**: items are added to the current part while the bound stays within
//!    [`SplitOptions::budget`] and the part has fewer than [`ProviderLimits::max_items`] items;
//!    otherwise a new part starts. Items keep their order; every part has at least one item.
//!    An item for which `header + item > budget` is [`CalcError::ItemTooLarge`].
//! 3. **Payments**: each part pays exactly its own total. The cart's payments are laid end to
//!    end in the fixed order [`PAYMENT_ORDER`] (prepayment offset 1215, electronic 1081, cash
//!    1031, credit 1216, consideration 1217) and cut at the running part totals, so part 1 uses
//!    the prepayment first, and so on ([`allocate_payments`]). Each kind's amounts over the parts
//!    add up to the cart's amount. A part needing more payment kinds than
//!    [`ProviderLimits::max_payments`] is [`CalcError::ProviderLimit`].
//! 4. **VAT**: items are copied unchanged (their VAT as given); receipt `vat_totals` given in
//!    the cart are recomputed per part (absent ones stay absent and the encoder computes them
//!    from the items).
//! 5. Each part is **measured exactly** — its own header (total, payments, VAT totals) as in
//!    step 1, plus the lengths of exactly its items — so [`SplitPart::size_bound`] equals
//!    [`fiskal_ffd::size::document_size_bound`] of the part, and a part above the budget is an
//!    error rather than an output. Each part is then **validated exactly**: every rule of
//!    [`fiskal_ffd::validate()`], the FFD size rule applied to that exact length. Parts are
//!    numbered `1..=count` and their keys are the caller's key plus `-{n}` (always, even for a
//!    single part).
//!
//! # Cost
//!
//! Linear in the number of items: the cart is validated once and every part once (together,
//! each item twice); each item is encoded once (never the whole cart, never a whole part); the
//! header is encoded once per part without its items; each item is cloned once into its part.
//!
//! The output is a pure function of the input: same cart, same parts.

use crate::allocate::{check_input, payments_sum};
use crate::error::CalcError;
use crate::kopecks::{money_at, Kopecks};
use fiskal_ffd::convert::item_to_tlv;
use fiskal_ffd::model::{Payments, VatTotals};
use fiskal_ffd::size::{header_size_bound, register_overhead, RegisterAssumptions, DEFAULT_BUDGET};
use fiskal_ffd::validate::Profile;
use fiskal_ffd::violation::ViolationKind;
use fiskal_ffd::{Item, Money, Receipt, Violation};
use std::ops::Range;

/// Limits a provider puts on one receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct ProviderLimits {
    /// Most items per receipt (`None`: no limit).
    pub max_items: Option<usize>,
    /// Most payment entries per receipt (`None`: no limit). fiskal has five payment kinds, so
    /// only limits below 5 can bind.
    pub max_payments: Option<usize>,
}

impl ProviderLimits {
    /// No limit beyond the size budget.
    pub const NONE: ProviderLimits = ProviderLimits {
        max_items: None,
        max_payments: None,
    };
    /// АТОЛ Онлайн: at most 100 items and 10 payments per receipt.
    pub const ATOL: ProviderLimits = ProviderLimits {
        max_items: Some(100),
        max_payments: Some(10),
    };

    /// Custom limits.
    pub const fn new(max_items: Option<usize>, max_payments: Option<usize>) -> ProviderLimits {
        ProviderLimits {
            max_items,
            max_payments,
        }
    }
}

/// How to split.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SplitOptions {
    /// Largest document, bytes, including what the register adds (default
    /// [`DEFAULT_BUDGET`] = 30 720).
    pub budget: usize,
    /// What the register adds to each document (default: the worst case).
    pub assumptions: RegisterAssumptions,
    /// Provider limits (default: none).
    pub limits: ProviderLimits,
}

impl Default for SplitOptions {
    fn default() -> Self {
        SplitOptions {
            budget: DEFAULT_BUDGET,
            assumptions: RegisterAssumptions::default(),
            limits: ProviderLimits::NONE,
        }
    }
}

impl SplitOptions {
    /// Default budget and assumptions with these provider limits.
    pub fn with_limits(limits: ProviderLimits) -> SplitOptions {
        SplitOptions {
            limits,
            ..SplitOptions::default()
        }
    }

    /// The same options with another budget.
    pub fn budget(mut self, budget: usize) -> SplitOptions {
        self.budget = budget;
        self
    }

    /// The same options with other register assumptions (e.g. the real lengths of 1048, 1009
    /// and 1187 of the register that will print the receipts, for a tighter bound).
    pub fn assumptions(mut self, assumptions: RegisterAssumptions) -> SplitOptions {
        self.assumptions = assumptions;
        self
    }
}

/// One receipt of a split cart.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SplitPart {
    /// Position, 0-based.
    pub index: usize,
    /// Number of parts.
    pub count: usize,
    /// `-{index + 1}`: what is appended to the caller's key.
    pub key_suffix: String,
    /// The caller's key with the suffix: the idempotency key of this receipt.
    pub key: String,
    /// The cart's items this part carries (indices into the cart).
    pub items: Range<usize>,
    /// [`fiskal_ffd::size::document_size_bound`] of this part, bytes (measured exactly).
    pub size_bound: usize,
    /// The receipt (validated).
    pub receipt: Receipt,
}

/// A payment kind (one of the five payment requisites).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaymentKind {
    /// 1215 предоплатой (зачет аванса).
    Prepaid,
    /// 1081 безналичными.
    Electronic,
    /// 1031 наличными.
    Cash,
    /// 1216 постоплатой (кредит).
    Credit,
    /// 1217 встречным предоставлением.
    Consideration,
}

/// The order payment kinds are used in when a receipt's payments are divided (splitting and
/// partial refunds): prepayment offset, electronic, cash, credit, consideration.
pub const PAYMENT_ORDER: [PaymentKind; 5] = [
    PaymentKind::Prepaid,
    PaymentKind::Electronic,
    PaymentKind::Cash,
    PaymentKind::Credit,
    PaymentKind::Consideration,
];

impl PaymentKind {
    /// The field of `p` this kind is.
    pub fn get(self, p: &Payments) -> Money {
        match self {
            PaymentKind::Prepaid => p.prepaid,
            PaymentKind::Electronic => p.electronic,
            PaymentKind::Cash => p.cash,
            PaymentKind::Credit => p.credit,
            PaymentKind::Consideration => p.consideration,
        }
    }

    /// Mutable access to the field of `p` this kind is.
    pub fn get_mut(self, p: &mut Payments) -> &mut Money {
        match self {
            PaymentKind::Prepaid => &mut p.prepaid,
            PaymentKind::Electronic => &mut p.electronic,
            PaymentKind::Cash => &mut p.cash,
            PaymentKind::Credit => &mut p.credit,
            PaymentKind::Consideration => &mut p.consideration,
        }
    }

    /// The JSON field name (`"prepaid"`).
    pub fn name(self) -> &'static str {
        match self {
            PaymentKind::Prepaid => "prepaid",
            PaymentKind::Electronic => "electronic",
            PaymentKind::Cash => "cash",
            PaymentKind::Credit => "credit",
            PaymentKind::Consideration => "consideration",
        }
    }
}

/// Divides `payments` over parts with the given totals (kopecks): the payments are laid end to
/// end in [`PAYMENT_ORDER`] and cut at the running totals. Σ totals must equal Σ payments.
///
/// ```
/// use fiskal_calc::split::allocate_payments;
/// use fiskal_ffd::model::Payments;
/// let p = Payments { prepaid: "30.00".parse().unwrap(), cash: "90.00".parse().unwrap(), ..Default::default() };
/// let parts = allocate_payments(&[5_000, 7_000], &p).unwrap();
/// assert_eq!(parts[0].prepaid.to_string(), "30.00");
/// assert_eq!(parts[0].cash.to_string(), "20.00");
/// assert_eq!(parts[1].cash.to_string(), "70.00");
/// ```
pub fn allocate_payments(totals: &[u64], payments: &Payments) -> Result<Vec<Payments>, CalcError> {
    let paid = payments_sum(payments, "payments")?;
    let mut need_total: u64 = 0;
    for t in totals {
        need_total = need_total
            .checked_add(*t)
            .ok_or_else(|| CalcError::overflow("total"))?;
    }
    if need_total != paid {
        return Err(CalcError::PaymentsMismatch {
            path: "payments".into(),
            expected: need_total,
            actual: paid,
        });
    }
    let mut left: Vec<(PaymentKind, u64)> = Vec::with_capacity(5);
    for kind in PAYMENT_ORDER {
        let k = Kopecks::from_money(&kind.get(payments), &format!("payments.{}", kind.name()))?;
        left.push((kind, k.get()));
    }
    let mut out = Vec::with_capacity(totals.len());
    let mut cursor = 0usize;
    for t in totals {
        let mut need = *t;
        let mut p = Payments::default();
        while need > 0 {
            let Some((kind, avail)) = left.get_mut(cursor) else {
                return Err(CalcError::overflow("payments"));
            };
            let take = need.min(*avail);
            *kind.get_mut(&mut p) = Money::from_kopecks(take);
            *avail -= take;
            need -= take;
            if *avail == 0 {
                cursor += 1;
            }
        }
        out.push(p);
    }
    Ok(out)
}

fn encode_err(path: &str, e: &fiskal_ffd::Error) -> CalcError {
    CalcError::Encode {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// Encoded length of each item's 1059 block ([`item_to_tlv`]: exactly its share of any document
/// it is in). Each item is encoded once, here; parts add these lengths up instead of encoding
/// their items again.
fn item_sizes(cart: &Receipt) -> Result<Vec<usize>, CalcError> {
    cart.items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            item_to_tlv(it, cart.ffd, i)
                .map(|t| t.encoded_len())
                .map_err(|e| encode_err("input", &e))
        })
        .collect()
}

/// [`header_size_bound`] of a receipt whose items are `items` and whose other
/// fields are those of `header` (which has no items), computed without encoding the items: the
/// VAT totals the encoder would derive from the items are given explicitly on an item-less copy,
/// so its encoding is byte for byte the document minus the items' 1059 blocks. Returns the
/// bound and the register's share of it ([`register_overhead`]).
fn header_bound(
    header: &mut Receipt,
    items: &[Item],
    a: &RegisterAssumptions,
    path: &str,
) -> Result<(usize, usize), CalcError> {
    debug_assert!(header.items.is_empty());
    let given = header.vat_totals;
    // The totals the encoder would write for these items (fiskal-ffd's own rule).
    let rates = fiskal_ffd::vat_totals::RateTotals::of_items(items);
    header.vat_totals = Some(VatTotals::as_written(given.as_ref(), &rates));
    let bound = header_size_bound(header, a).map_err(|e| encode_err(path, &e));
    header.vat_totals = given;
    Ok((bound?, register_overhead(header, a)))
}

/// Greedy grouping (see the module docs): the item ranges of the parts.
fn group(
    sizes: &[usize],
    header: usize,
    opts: &SplitOptions,
) -> Result<Vec<Range<usize>>, CalcError> {
    let budget = opts.budget;
    if header >= budget {
        return Err(CalcError::HeaderTooLarge {
            size: header,
            budget,
        });
    }
    let max_items = opts.limits.max_items.unwrap_or(usize::MAX);
    if max_items == 0 {
        return Err(CalcError::ProviderLimit {
            path: "limits".into(),
            limit: "max_items",
            max: 0,
            actual: 1,
        });
    }
    let mut parts = Vec::new();
    let (mut start, mut used) = (0usize, header);
    for (i, s) in sizes.iter().enumerate() {
        let alone = header.saturating_add(*s);
        if alone > budget {
            return Err(CalcError::ItemTooLarge {
                path: format!("items[{i}]"),
                size: alone,
                budget,
            });
        }
        if i > start && (used.saturating_add(*s) > budget || i - start >= max_items) {
            parts.push(start..i);
            start = i;
            used = header;
        }
        used += s;
    }
    if start < sizes.len() {
        parts.push(start..sizes.len());
    }
    Ok(parts)
}

/// Splits a cart into receipts (see the module docs). `key` is the caller's idempotency key of
/// the cart.
pub fn split_receipt(
    cart: &Receipt,
    key: &str,
    opts: &SplitOptions,
) -> Result<Vec<SplitPart>, CalcError> {
    check_input(cart, "input")?;
    let a = &opts.assumptions;
    let sizes = item_sizes(cart)?;
    // The header once, without the items (cloning the whole cart per part would be quadratic).
    let mut base = cart.without_items();
    let (header, _) = header_bound(&mut base, &cart.items, a, "input")?;
    let ranges = group(&sizes, header, opts)?;

    let mut totals = Vec::with_capacity(ranges.len());
    for (j, r) in ranges.iter().enumerate() {
        let mut t = Kopecks::ZERO;
        for i in r.clone() {
            let s = cart.items.get(i).map_or(Ok(Kopecks::ZERO), |it| {
                money_at(&it.sum, || format!("items[{i}].sum"))
            })?;
            t = t
                .checked_add(s)
                .ok_or_else(|| CalcError::overflow(format!("parts[{j}].total")))?;
        }
        if t == Kopecks::ZERO {
            return Err(CalcError::ZeroTotal {
                path: format!("parts[{j}].total"),
            });
        }
        totals.push(t.get());
    }
    let payments = allocate_payments(&totals, &cart.payments)?;
    let count = ranges.len();
    let max_size = Profile::for_version(cart.ffd).max_document_size;
    let mut out = Vec::with_capacity(count);
    for (j, ((r, t), p)) in ranges.into_iter().zip(totals).zip(payments).enumerate() {
        let path = format!("parts[{j}]");
        if let Some(max) = opts.limits.max_payments {
            let kinds = PAYMENT_ORDER
                .iter()
                .filter(|k| !k.get(&p).is_zero())
                .count();
            if kinds > max {
                return Err(CalcError::ProviderLimit {
                    path,
                    limit: "max_payments",
                    max,
                    actual: kinds,
                });
            }
        }
        let items = cart.items.get(r.clone()).unwrap_or_default();
        let items_len: usize = sizes.get(r.clone()).unwrap_or_default().iter().sum();
        let mut receipt = base.clone();
        receipt.total = Money::from_kopecks(t);
        receipt.payments = p;
        // Items keep their VAT as given; receipt totals that were given are recomputed.
        let b = crate::vat::items_vat(items)?;
        crate::vat::refresh_vat_totals(&mut receipt, &b);
        // Measured exactly: the part's own header (its total, payments, VAT totals) plus the
        // lengths of exactly its items.
        let (header, overhead) = header_bound(&mut receipt, items, a, &path)?;
        let size_bound = header + items_len;
        if size_bound > opts.budget {
            // The header bound of step 1 is an upper bound, so this cannot happen; report it
            // rather than return a part the register would refuse.
            return Err(CalcError::ItemTooLarge {
                path: format!("items[{}]", r.start),
                size: size_bound,
                budget: opts.budget,
            });
        }
        receipt.items = items.to_vec();
        // Validated exactly: every rule, the size rule with the exact encoded length.
        let mut violations = fiskal_ffd::validate::validate_with(
            &receipt,
            &crate::allocate::unsized_profile(&receipt),
        );
        let doc_len = size_bound - overhead;
        if let (true, Some(max)) = (violations.is_empty(), max_size) {
            if doc_len > max {
                violations.push(Violation::new(
                    "",
                    ViolationKind::DocumentTooLarge {
                        max,
                        actual: doc_len,
                    },
                ));
            }
        }
        if !violations.is_empty() {
            return Err(CalcError::Invalid { path, violations });
        }
        let key_suffix = format!("-{}", j + 1);
        out.push(SplitPart {
            index: j,
            count,
            key: format!("{key}{key_suffix}"),
            key_suffix,
            items: r,
            size_bound,
            receipt,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cart(n: usize, price: &str, pay: serde_json::Value, total: &str) -> Receipt {
        let items: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                serde_json::json!({
                    "name": format!("Товар {i}"), "price": price, "quantity": 1, "sum": price,
                    "measure": "piece", "vat": "vat22", "payment_method": "full_payment",
                    "payment_subject": "commodity"
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "version": 1, "ffd": "1.2", "operation": "sell",
            "company": {"inn": "7701000001", "payment_place": "https://shop.example.ru"},
            "items": items, "payments": pay, "total": total
        }))
        .unwrap()
    }

    #[test]
    fn atol_item_limit_and_payment_order() {
        // 250 × 1.00: parts of 100, 100, 50; payments 120 prepaid, 100 cash, 30 electronic.
        let c = cart(
            250,
            "1.00",
            serde_json::json!({"prepaid": "120.00", "cash": "100.00", "electronic": "30.00"}),
            "250.00",
        );
        let parts = split_receipt(
            &c,
            "order-7",
            &SplitOptions::with_limits(ProviderLimits::ATOL),
        )
        .unwrap();
        let got: Vec<_> = parts
            .iter()
            .map(|p| {
                (
                    p.key.clone(),
                    p.receipt.items.len(),
                    p.receipt.payments.prepaid.to_string(),
                    p.receipt.payments.electronic.to_string(),
                    p.receipt.payments.cash.to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "order-7-1".into(),
                    100,
                    "100.00".into(),
                    "0.00".into(),
                    "0.00".into()
                ),
                (
                    "order-7-2".into(),
                    100,
                    "20.00".into(),
                    "30.00".into(),
                    "50.00".into()
                ),
                (
                    "order-7-3".into(),
                    50,
                    "0.00".into(),
                    "0.00".into(),
                    "50.00".into()
                ),
            ]
        );
    }

    #[test]
    fn given_vat_totals_are_recomputed_per_part_tag_by_tag() {
        let mut c = cart(250, "1.00", serde_json::json!({"cash": "250.00"}), "250.00");
        for it in c.items.iter_mut().step_by(2) {
            it.vat = fiskal_ffd::VatRate::VAT20;
        }
        let mut vt = crate::vat::receipt_vat(&c).unwrap().to_vat_totals();
        assert_eq!(vt.vat20.map(|m| m.to_string()), Some("21.25".into())); // 125 × 0.17
        vt.no_vat_sum = Some(Money::ZERO); // a tag given with nothing behind it stays (as 0)
        c.vat_totals = Some(vt);
        let parts =
            split_receipt(&c, "k", &SplitOptions::with_limits(ProviderLimits::ATOL)).unwrap();
        let got: Vec<_> = parts
            .iter()
            .map(|p| {
                p.receipt
                    .vat_totals
                    .map(|v| (v.vat20.map(|m| m.to_string()), v.vat10, v.no_vat_sum))
            })
            .collect();
        let z = Some(Money::ZERO);
        assert_eq!(
            got,
            [
                Some((Some("8.50".into()), None, z)),
                Some((Some("8.50".into()), None, z)),
                Some((Some("4.25".into()), None, z)),
            ]
        );
    }

    #[test]
    fn items_are_copied_and_parts_measured_exactly() {
        // 20 % lines with a given vat_sum one kopeck off the computed one (validation allows
        // it), 10 % lines, and 0 % lines of sum 0 (a rate whose receipt total is 0, written
        // as 1104 = 0); `vat_totals` given for 20 % only, so 1103 and 1104 are the encoder's.
        let mut c = cart(121, "1.00", serde_json::json!({"cash": "81.00"}), "81.00");
        for (i, it) in c.items.iter_mut().enumerate() {
            match i % 3 {
                0 => {
                    it.vat = fiskal_ffd::VatRate::VAT20;
                    // 1.00 × 20/120 = 0.1667 → 0.17; given as 0.16.
                    it.vat_sum = Some("0.16".parse().unwrap());
                }
                1 => it.vat = fiskal_ffd::VatRate::VAT10,
                _ => {
                    it.vat = fiskal_ffd::VatRate::VAT0;
                    it.price = Money::ZERO;
                    it.sum = Money::ZERO;
                }
            }
        }
        c.vat_totals = Some(VatTotals {
            vat20: Some("6.56".parse().unwrap()), // 41 × 0.16
            ..VatTotals::default()
        });
        assert_eq!(crate::allocate::check_input(&c, "input"), Ok(()));
        let a = RegisterAssumptions::default();
        for opts in [
            SplitOptions::with_limits(ProviderLimits::new(Some(7), None)),
            SplitOptions::default().budget(2_500),
        ] {
            let parts = split_receipt(&c, "k", &opts).unwrap();
            assert!(parts.len() > 1);
            for p in &parts {
                assert_eq!(p.receipt.items[..], c.items[p.items.clone()]);
                let exact = fiskal_ffd::size::document_size_bound(&p.receipt, &a).unwrap();
                assert_eq!(p.size_bound, exact, "{}", p.key);
                assert_eq!(fiskal_ffd::validate(&p.receipt), Ok(()), "{}", p.key);
                let vt = p.receipt.vat_totals.unwrap();
                let n20 = p.items.clone().filter(|i| i % 3 == 0).count();
                assert_eq!(vt.vat20, Some(Money::from_kopecks(16 * n20 as u64)));
                assert_eq!((vt.vat10, vt.vat0_sum), (None, None));
            }
        }
        // The header measured independently: the whole cart's bound minus its items.
        let sizes = item_sizes(&c).unwrap();
        let mut base = c.without_items();
        let (header, _) = header_bound(&mut base, &c.items, &a, "input").unwrap();
        assert_eq!(base, c.without_items());
        let whole = fiskal_ffd::size::document_size_bound(&c, &a).unwrap();
        assert_eq!(header, whole - sizes.iter().sum::<usize>());
    }

    #[test]
    fn budget_and_errors() {
        let c = cart(
            300,
            "10.00",
            serde_json::json!({"electronic": "3000.00"}),
            "3000.00",
        );
        let parts = split_receipt(&c, "k", &SplitOptions::default().budget(4_000)).unwrap();
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.size_bound <= 4_000));
        assert_eq!(
            parts.iter().map(|p| p.receipt.items.len()).sum::<usize>(),
            300
        );
        // The header, measured independently: the whole cart's bound minus its items.
        let sizes = item_sizes(&c).unwrap();
        let bound =
            fiskal_ffd::size::document_size_bound(&c, &RegisterAssumptions::default()).unwrap();
        let header = bound - sizes.iter().sum::<usize>();
        let e = split_receipt(&c, "k", &SplitOptions::default().budget(header)).err();
        assert_eq!(e.map(|e| e.code()), Some("header_too_large"));
        let e = split_receipt(
            &c,
            "k",
            &SplitOptions::default().budget(header + sizes[0] - 1),
        )
        .err();
        assert_eq!(
            e,
            Some(CalcError::ItemTooLarge {
                path: "items[0]".into(),
                size: header + sizes[0],
                budget: header + sizes[0] - 1
            })
        );
        let limits = ProviderLimits::new(Some(1), Some(1));
        let c = cart(
            2,
            "10.00",
            serde_json::json!({"electronic": "5.00", "cash": "15.00"}),
            "20.00",
        );
        let e = split_receipt(&c, "k", &SplitOptions::with_limits(limits)).err();
        assert_eq!(e.map(|e| e.code()), Some("provider_limit"));
    }
}
