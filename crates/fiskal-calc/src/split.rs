//! Splitting one cart into several receipts that each fit the register's size budget and the
//! provider's limits.
//!
//! # Algorithm
//!
//! 1. The cart is validated ([`fiskal_ffd::validate()`], all rules but the document size) and
//!    encoded once. Each item's size is the
//!    exact encoded size of its 1059 block; the **header** is everything else:
//!    [`fiskal_ffd::size::document_size_bound`] of the whole cart minus the items. A part's
//!    header is never larger than the cart's (its totals and payments are smaller or equal
//!    amounts, so their VLNs are not longer, and it has no VAT rate the cart lacks), so
//!    `header + Σ item sizes` bounds every part from above.
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
//! 4. **VAT**: items keep their VAT; receipt `vat_totals` given in the cart are recomputed per
//!    part (absent ones stay absent and the encoder computes them from the items).
//! 5. Each part is measured again exactly and validated; parts are numbered `1..=count` and
//!    their keys are the caller's key plus `-{n}` (always, even for a single part).
//!
//! The output is a pure function of the input: same cart, same parts.

use crate::allocate::{payments_sum, validated, validated_strict};
use crate::error::CalcError;
use crate::kopecks::{money_at, Kopecks};
use fiskal_ffd::model::Payments;
use fiskal_ffd::size::{document_size_bound, RegisterAssumptions, DEFAULT_BUDGET};
use fiskal_ffd::{Money, Receipt, Tag};
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
    /// [`document_size_bound`] of this part, bytes.
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

/// Encoded size of each item's 1059 block and the size bound of the whole cart.
fn measure(cart: &Receipt, a: &RegisterAssumptions) -> Result<(Vec<usize>, usize), CalcError> {
    let doc = fiskal_ffd::to_tlv(cart).map_err(|e| encode_err("input", &e))?;
    let sizes: Vec<usize> = doc
        .children()
        .iter()
        .filter(|t| t.tag == Tag::ITEM)
        .map(fiskal_ffd::Tlv::encoded_len)
        .collect();
    if sizes.len() != cart.items.len() {
        return Err(CalcError::Encode {
            path: "input".into(),
            message: format!("{} item blocks for {} items", sizes.len(), cart.items.len()),
        });
    }
    let bound = doc.encoded_len() + fiskal_ffd::size::register_overhead(cart, a);
    Ok((sizes, bound))
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
    let cart = validated(cart.clone(), "input")?;
    let (sizes, bound) = measure(&cart, &opts.assumptions)?;
    let items_size: usize = sizes.iter().sum();
    let header = bound.saturating_sub(items_size);
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
    // The header once, without the items (cloning the whole cart per part would be quadratic).
    let mut header = cart;
    let items = std::mem::take(&mut header.items);
    let mut out = Vec::with_capacity(count);
    for (j, ((r, t), p)) in ranges.into_iter().zip(totals).zip(payments).enumerate() {
        let path = format!("parts[{j}]");
        if let Some(max) = opts.limits.max_payments {
            let kinds = PAYMENT_ORDER
                .iter()
                .filter(|k| !k.get(&p).as_decimal().is_zero())
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
        let mut receipt = header.clone();
        receipt.items = items.get(r.clone()).map(<[_]>::to_vec).unwrap_or_default();
        receipt.total = Money::from_kopecks(t);
        receipt.payments = p;
        crate::vat::refresh_vat(&mut receipt)?;
        let size_bound =
            document_size_bound(&receipt, &opts.assumptions).map_err(|e| encode_err(&path, &e))?;
        if size_bound > opts.budget {
            // The header bound of step 1 is an upper bound, so this cannot happen; report it
            // rather than return a part the register would refuse.
            return Err(CalcError::ItemTooLarge {
                path: format!("items[{}]", r.start),
                size: size_bound,
                budget: opts.budget,
            });
        }
        let receipt = validated_strict(receipt, &path)?;
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
        let (sizes, bound) = measure(&c, &RegisterAssumptions::default()).unwrap();
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
