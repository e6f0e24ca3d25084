//! Order lifecycle helpers: the full-settlement receipt after a prepayment, and refunds.
//!
//! # Full settlement after a prepayment
//!
//! [`settle_prepayment`] takes a prepayment receipt (every line with 1214 = 1 «предоплата 100%»,
//! 2 «предоплата» or 3 «аванс», typically subject 10 «платеж» at a calculated rate such as
//! 20/120 or 22/122) and the real items being handed over (with their marks), and builds the
//! receipt with 1214 = 4 «полный расчет» on every line. The prepaid amount (the prepayment
//! receipt's total) is offset through `payments.prepaid` (tag 1215); the rest of the total is
//! paid as the caller says. The header (seller, cashier, buyer, tax system, additional
//! requisites) is carried over; register data and unknown tags of the prepayment are not.
//! Receipt `vat_totals`, if the prepayment had them, are computed afresh from the new items.
//! Item VAT rates are taken as given: real items normally carry the plain rate (22 %), not the
//! calculated one of the prepayment (22/122) (see [`crate::vat::counterpart`]).
//!
//! # Refunds
//!
//! [`refund_full`] and [`refund_lines`] build a «возврат прихода» (or «возврат расхода») from
//! the original receipt, keeping each line's price, VAT rate, payment method, subject and mark.
//! A partial quantity of a line gets `sum = round_half_up(price × quantity)`, checked against
//! what is left of the line; a request that completes a line gets exactly what is left, so
//! several partial requests in one call never refund more than the line. A mark's planned
//! status «реализован» becomes «возвращен» (2003: 1 → 3, 2 → 4). Refund payments are either
//! given, or taken from the original payments in [`crate::split::PAYMENT_ORDER`] (prepayment
//! offset, electronic, cash, credit, consideration), each kind at most its original amount.
//! The helpers know only the receipt they are given: refunds made in earlier calls are the
//! caller's to account for.
//!
//! Inputs and results are validated with every rule except the document size (which also skips
//! encoding them: [`fiskal_ffd::Profile::without_size_limit`]); split a result that is too
//! large for one document with [`crate::split`].

use crate::allocate::{check_input, payments_sum, validated};
use crate::error::CalcError;
use crate::kopecks::{CalcProfile, Kopecks};
use crate::split::PAYMENT_ORDER;
use fiskal_ffd::enums::PlannedStatus;
use fiskal_ffd::model::Payments;
use fiskal_ffd::{Item, Money, Operation, PaymentMethod, Quantity, Receipt, Rounding};

fn check_payments(p: &Payments, total: u64, path: &str) -> Result<(), CalcError> {
    let actual = payments_sum(p, path)?;
    if actual == total {
        Ok(())
    } else {
        Err(CalcError::PaymentsMismatch {
            path: path.to_owned(),
            expected: total,
            actual,
        })
    }
}

fn sum_items(items: &[Item], path: &str) -> Result<Kopecks, CalcError> {
    let mut t = Kopecks::ZERO;
    for (i, it) in items.iter().enumerate() {
        let s = crate::kopecks::money_at(&it.sum, || format!("{path}[{i}].sum"))?;
        t = t
            .checked_add(s)
            .ok_or_else(|| CalcError::overflow("total"))?;
    }
    Ok(t)
}

/// Builds the full-settlement receipt (1214 = 4) for the real `items` after `prepayment` (see
/// the module docs). `rest` pays `total − prepaid` (its `prepaid` field adds to the offset).
///
/// ```
/// use fiskal_calc::lifecycle::settle_prepayment;
/// use fiskal_ffd::model::Payments;
/// let json = include_str!("../data/receipt_1_2.json");
/// let sale = fiskal_ffd::json::parse_and_validate(json).unwrap();
/// // A 1000.00 ₽ prepayment (1214 = 2, subject 10, 22/122) …
/// let mut pre = sale.clone();
/// let mut line = sale.items[1].clone();
/// line.payment_method = fiskal_ffd::PaymentMethod::PREPAYMENT;
/// line.payment_subject = fiskal_ffd::PaymentSubject::PAYMENT;
/// line.vat = fiskal_ffd::VatRate::VAT122;
/// line.quantity = fiskal_ffd::Quantity::ONE;
/// line.price = "1000.00".parse().unwrap();
/// line.sum = line.price;
/// pre.items = vec![line];
/// pre.total = "1000.00".parse().unwrap();
/// pre.payments = Payments { electronic: pre.total, ..Default::default() };
/// // … then the goods: 1000.00 offset, 4939.70 paid by card.
/// let rest = Payments { electronic: "4939.70".parse().unwrap(), ..Default::default() };
/// let full = settle_prepayment(&pre, sale.items.clone(), rest).unwrap();
/// assert_eq!(full.payments.prepaid.to_string(), "1000.00");
/// assert_eq!(full.total.to_string(), "5939.70");
/// assert!(full.items.iter().all(|i| i.payment_method == fiskal_ffd::PaymentMethod::FULL_PAYMENT));
/// ```
pub fn settle_prepayment(
    prepayment: &Receipt,
    items: Vec<Item>,
    rest: Payments,
) -> Result<Receipt, CalcError> {
    check_input(prepayment, "input")?;
    let pre = prepayment;
    if pre.correction.is_some() {
        return Err(CalcError::WrongKind {
            path: "correction".into(),
            reason: "a correction receipt is not a prepayment",
        });
    }
    if pre.operation != Operation::SELL && pre.operation != Operation::BUY {
        return Err(CalcError::WrongKind {
            path: "operation".into(),
            reason: "a prepayment is a sell or buy receipt, not a refund",
        });
    }
    for (i, it) in pre.items.iter().enumerate() {
        if ![
            PaymentMethod::FULL_PREPAYMENT,
            PaymentMethod::PREPAYMENT,
            PaymentMethod::ADVANCE,
        ]
        .contains(&it.payment_method)
        {
            return Err(CalcError::WrongKind {
                path: format!("items[{i}].payment_method"),
                reason: "not a prepayment line (1214 must be 1, 2 or 3)",
            });
        }
    }
    let prepaid = Kopecks::from_money(&pre.total, "input.total")?;
    let mut items = items;
    for it in &mut items {
        it.payment_method = PaymentMethod::FULL_PAYMENT;
    }
    let total = sum_items(&items, "items")?;
    let due = total
        .checked_sub(prepaid)
        .ok_or(CalcError::PrepaidExceedsTotal {
            prepaid: prepaid.get(),
            total: total.get(),
        })?;
    check_payments(&rest, due.get(), "rest")?;
    let mut payments = rest;
    let offset = Kopecks::from_money(&rest.prepaid, "rest.prepaid")?
        .checked_add(prepaid)
        .ok_or_else(|| CalcError::overflow("payments.prepaid"))?;
    payments.prepaid = offset.to_money();
    let mut out = pre.without_items();
    out.items = items;
    out.total = total.to_money();
    out.payments = payments;
    out.register = None;
    out.other_tags.clear();
    crate::vat::refresh_vat(&mut out)?;
    if out.vat_totals.is_some() {
        // New items, new rates: the prepayment's tags (20/120 …) say nothing about them.
        out.vat_totals = Some(crate::vat::receipt_vat(&out)?.to_vat_totals());
    }
    validated(out, "result")
}

/// One line (or part of a line) to refund ([`RefundLine::whole`], [`RefundLine::part`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefundLine {
    /// Index of the line in the original receipt.
    pub index: usize,
    /// How much of it; `None`: the whole line (what is left of it in this call).
    pub quantity: Option<Quantity>,
}

impl RefundLine {
    /// The whole line.
    pub fn whole(index: usize) -> RefundLine {
        RefundLine {
            index,
            quantity: None,
        }
    }

    /// Part of a line.
    pub fn part(index: usize, quantity: Quantity) -> RefundLine {
        RefundLine {
            index,
            quantity: Some(quantity),
        }
    }
}

fn refund_operation(r: &Receipt) -> Result<Operation, CalcError> {
    if r.correction.is_some() {
        return Err(CalcError::WrongKind {
            path: "correction".into(),
            reason: "refund a correction receipt with another correction",
        });
    }
    match r.operation {
        Operation::SELL => Ok(Operation::SELL_REFUND),
        Operation::BUY => Ok(Operation::BUY_REFUND),
        _ => Err(CalcError::WrongKind {
            path: "operation".into(),
            reason: "only a sell or buy receipt can be refunded",
        }),
    }
}

/// The refund of a whole receipt: every line, the same payments.
pub fn refund_full(original: &Receipt) -> Result<Receipt, CalcError> {
    let lines: Vec<RefundLine> = (0..original.items.len()).map(RefundLine::whole).collect();
    refund_lines(original, &lines, Some(original.payments), None)
}

/// Takes `total` kopecks from `original` payments in [`PAYMENT_ORDER`], each kind at most its
/// original amount.
fn refund_payments(original: &Payments, total: u64) -> Result<Payments, CalcError> {
    let mut left = total;
    let mut out = Payments::default();
    for kind in PAYMENT_ORDER {
        let avail =
            Kopecks::from_money(&kind.get(original), &format!("payments.{}", kind.name()))?.get();
        let take = avail.min(left);
        *kind.get_mut(&mut out) = Money::from_kopecks(take);
        left -= take;
    }
    if left > 0 {
        return Err(CalcError::PaymentsMismatch {
            path: "payments".into(),
            expected: total,
            actual: total - left,
        });
    }
    Ok(out)
}

/// A refund of some lines or quantities of `original` (see the module docs). `payments`:
/// `None` takes them from the original payments in [`PAYMENT_ORDER`]; `profile`: `None` uses
/// the default of the receipt's FFD version.
///
/// ```
/// use fiskal_calc::lifecycle::{refund_lines, RefundLine};
/// let json = include_str!("../data/receipt_1_2.json");
/// let sale = fiskal_ffd::json::parse_and_validate(json).unwrap();
/// // Return one pair of the three socks (199.90 each).
/// let one = fiskal_ffd::Quantity::ONE;
/// let r = refund_lines(&sale, &[RefundLine::part(1, one)], None, None).unwrap();
/// assert_eq!(r.operation, fiskal_ffd::Operation::SELL_REFUND);
/// assert_eq!(r.total.to_string(), "199.90");
/// assert_eq!(r.payments.electronic.to_string(), "199.90");
/// ```
pub fn refund_lines(
    original: &Receipt,
    lines: &[RefundLine],
    payments: Option<Payments>,
    profile: Option<CalcProfile>,
) -> Result<Receipt, CalcError> {
    check_input(original, "input")?;
    let orig = original;
    let operation = refund_operation(orig)?;
    let profile = profile.unwrap_or_else(|| CalcProfile::for_version(orig.ffd));
    let n = orig.items.len();
    // Per original line: quantity and sum refunded so far in this call.
    let mut used_qty = vec![rust_decimal::Decimal::ZERO; n];
    let mut used_sum = vec![0u64; n];
    let mut items = Vec::with_capacity(lines.len());
    for (li, req) in lines.iter().enumerate() {
        let lpath = format!("lines[{li}]");
        let src = orig
            .items
            .get(req.index)
            .ok_or_else(|| CalcError::IndexOutOfRange {
                path: format!("{lpath}.index"),
                index: req.index,
                len: n,
            })?;
        let ipath = format!("items[{}]", req.index);
        let line_qty = src.quantity.as_decimal();
        let line_sum = Kopecks::from_money(&src.sum, &format!("{ipath}.sum"))?.get();
        let (Some(uq), Some(us)) = (used_qty.get_mut(req.index), used_sum.get_mut(req.index))
        else {
            return Err(CalcError::overflow(lpath));
        };
        let left_qty = line_qty - *uq;
        let left_sum = line_sum.saturating_sub(*us);
        let qty = match req.quantity {
            None => left_qty,
            Some(q) => {
                profile.check_quantity(&q, &format!("{lpath}.quantity"))?;
                q.as_decimal()
            }
        };
        if qty > left_qty || qty.is_zero() {
            return Err(CalcError::RefundQuantity {
                path: format!("{lpath}.quantity"),
                requested: (*uq + qty).normalize().to_string(),
                available: line_qty.normalize().to_string(),
            });
        }
        let sum = if qty == left_qty {
            left_sum
        } else {
            if src.mark.is_some() && src.fraction.is_none() {
                return Err(CalcError::MarkedLineSplit { path: lpath });
            }
            let price = Kopecks::from_money(&src.price, &format!("{ipath}.price"))?;
            let s = price
                .times(&Quantity::from_decimal(qty), Rounding::HalfUp)
                .ok_or_else(|| CalcError::overflow(format!("{lpath}.sum")))?
                .get();
            if s > left_sum {
                return Err(CalcError::RefundQuantity {
                    path: format!("{lpath}.quantity"),
                    requested: (*uq + qty).normalize().to_string(),
                    available: line_qty.normalize().to_string(),
                });
            }
            s
        };
        *uq += qty;
        *us += sum;
        let mut it = src.clone();
        it.quantity = Quantity::from_decimal(qty);
        it.sum = Money::from_kopecks(sum);
        if let Some(m) = &mut it.mark {
            m.planned_status = m.planned_status.map(|s| match s {
                PlannedStatus::PIECE_SOLD => PlannedStatus::PIECE_RETURNED,
                PlannedStatus::MEASURED_SOLD => PlannedStatus::MEASURED_RETURNED,
                other => other,
            });
        }
        items.push(it);
    }
    let total = sum_items(&items, "items")?;
    if total == Kopecks::ZERO {
        return Err(CalcError::ZeroTotal {
            path: "total".into(),
        });
    }
    let payments = match payments {
        Some(p) => {
            check_payments(&p, total.get(), "payments")?;
            p
        }
        None => refund_payments(&orig.payments, total.get())?,
    };
    let mut out = orig.without_items();
    out.operation = operation;
    out.items = items;
    out.total = total.to_money();
    out.payments = payments;
    out.register = None;
    out.other_tags.clear();
    crate::vat::refresh_vat(&mut out)?;
    validated(out, "result")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sale() -> Receipt {
        let json = include_str!("../data/receipt_1_2.json");
        fiskal_ffd::json::parse_and_validate(json).unwrap()
    }

    #[test]
    fn full_refund_keeps_everything() {
        let s = sale();
        let r = refund_full(&s).unwrap();
        assert_eq!(r.operation, Operation::SELL_REFUND);
        assert_eq!(r.items.len(), s.items.len());
        assert_eq!(r.payments, s.payments);
        for (a, b) in r.items.iter().zip(&s.items) {
            assert_eq!(
                (a.price, a.sum, a.vat, a.quantity),
                (b.price, b.sum, b.vat, b.quantity)
            );
        }
        let status = r.items[0].mark.as_ref().and_then(|m| m.planned_status);
        assert_eq!(status, Some(PlannedStatus::PIECE_RETURNED));
        assert_eq!(refund_full(&r).err().map(|e| e.code()), Some("wrong_kind"));
    }

    #[test]
    fn partial_refunds() {
        let s = sale();
        let q = |v: &str| Quantity::from_decimal(v.parse().unwrap());
        // 2 + 1 socks: the second request completes the line and gets exactly what is left.
        let r = refund_lines(
            &s,
            &[RefundLine::part(1, q("2")), RefundLine::part(1, q("1"))],
            None,
            None,
        )
        .unwrap();
        assert_eq!(r.total.to_string(), "599.70");
        let e = refund_lines(
            &s,
            &[RefundLine::part(1, q("2")), RefundLine::part(1, q("2"))],
            None,
            None,
        )
        .err();
        assert_eq!(e.map(|e| e.code()), Some("refund_quantity"));
        let e = refund_lines(&s, &[RefundLine::whole(9)], None, None).err();
        assert_eq!(e.map(|e| e.code()), Some("index_out_of_range"));
        let e = refund_lines(&s, &[RefundLine::part(0, q("0.5"))], None, None).err();
        assert_eq!(e.map(|e| e.code()), Some("marked_line_split"));
        let e = refund_lines(&s, &[RefundLine::part(1, q("0.0000001"))], None, None).err();
        assert_eq!(e.map(|e| e.code()), Some("quantity_scale"));
    }

    #[test]
    fn refund_payment_order() {
        let mut s = sale();
        s.payments = Payments {
            cash: "939.70".parse().unwrap(),
            electronic: "4000.00".parse().unwrap(),
            prepaid: "1000.00".parse().unwrap(),
            ..Payments::default()
        };
        // Refund the shoes (4990.00): prepaid 1000 first, then electronic 3990.
        let r = refund_lines(&s, &[RefundLine::whole(0)], None, None).unwrap();
        assert_eq!(r.payments.prepaid.to_string(), "1000.00");
        assert_eq!(r.payments.electronic.to_string(), "3990.00");
        assert_eq!(r.payments.cash.to_string(), "0.00");
    }

    #[test]
    fn settlement_recomputes_vat_totals_for_the_real_items() {
        let s = sale();
        let mut pre = s.clone();
        let mut line = s.items[1].clone();
        line.payment_method = PaymentMethod::PREPAYMENT;
        line.payment_subject = fiskal_ffd::PaymentSubject::PAYMENT;
        line.vat = fiskal_ffd::VatRate::VAT120;
        line.quantity = Quantity::ONE;
        line.price = "1200.00".parse().unwrap();
        line.sum = line.price;
        line.vat_sum = Some("200.00".parse().unwrap());
        pre.items = vec![line];
        pre.total = "1200.00".parse().unwrap();
        pre.payments = Payments {
            cash: pre.total,
            ..Payments::default()
        };
        pre.vat_totals = Some(fiskal_ffd::model::VatTotals {
            vat120: Some("200.00".parse().unwrap()),
            ..Default::default()
        });
        let mut goods = s.items.clone();
        for it in &mut goods {
            it.vat = fiskal_ffd::VatRate::VAT20;
        }
        let rest = Payments {
            electronic: "4739.70".parse().unwrap(),
            ..Payments::default()
        };
        let full = settle_prepayment(&pre, goods, rest).unwrap();
        let vt = full.vat_totals.unwrap();
        assert_eq!(vt.vat120, None);
        // 4990.00 → 831.67, 599.70 → 99.95, 350.00 → 58.33: 989.95.
        assert_eq!(vt.vat20.map(|m| m.to_string()), Some("989.95".into()));
        assert_eq!(full.payments.prepaid.to_string(), "1200.00");
        assert_eq!(full.payments.cash.to_string(), "0.00");
    }

    #[test]
    fn settlement_errors() {
        let s = sale();
        let e = settle_prepayment(&s, s.items.clone(), Payments::default()).err();
        assert_eq!(e.map(|e| e.code()), Some("wrong_kind"));
        let mut pre = s.clone();
        for it in &mut pre.items {
            it.payment_method = PaymentMethod::FULL_PREPAYMENT;
        }
        // Prepaid 5939.70 but the goods now cost 4990.00 only.
        let e = settle_prepayment(&pre, vec![s.items[0].clone()], Payments::default()).err();
        assert_eq!(e.map(|e| e.code()), Some("prepaid_exceeds_total"));
        // Exactly prepaid: nothing more to pay.
        let full = settle_prepayment(&pre, s.items.clone(), Payments::default()).unwrap();
        assert_eq!(full.payments.prepaid, s.total);
        assert_eq!(full.items[0].mark, s.items[0].mark);
        let rest = Payments {
            cash: "1.00".parse().unwrap(),
            ..Payments::default()
        };
        let e = settle_prepayment(&pre, s.items.clone(), rest).err();
        assert_eq!(e.map(|e| e.code()), Some("payments_mismatch"));
    }
}
