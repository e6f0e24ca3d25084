//! Line splitting: giving a line a new sum so that price × quantity still matches it.
//!
//! Registers recompute `round(price × quantity)` and reject a line whose sum differs by more than
//! a kopeck (Shtrih-M's documented tolerance, <https://github.com/shtrih-m/fr_drv_ng/issues/243>);
//! prices are whole kopecks. After a discount a line's sum is rarely a
//! multiple of its quantity, so [`reprice_line`] returns one or more lines with the same name,
//! VAT rate, payment method, subject, mark and other data, whose sums add up to the new sum
//! **exactly**:
//!
//! * **Integer quantity n**, sum S: `p = S div n`, `k = S mod n`. If `k = 0`, one line of n at p.
//!   Otherwise `n − k` units at `p` and then `k` units at `p + 1` kopeck; both lines are exact
//!   (sum = price × quantity). Example: 3 × for 100.00 ₽ → 2 × 33.33 + 1 × 33.34.
//! * **Fractional quantity q**, sum S: the price is chosen from `floor(S/q)` and `floor(S/q) + 1`
//!   kopecks, whichever gives the smaller `|S − round_half_up(price × q)|` (the lower price on a
//!   tie). What happens then is the [`FractionalPolicy`]. A quantity below 1 always has an exact
//!   price.
//! * The **remainder split** of a fractional quantity q = n + f (n ≥ 1 whole units, 0 < f < 1):
//!   with `p = floor(S/q)`, the fractional line gets f units at p (sum `round_half_up(p × f)`,
//!   exact), and the whole units get the rest of S, split as for an integer quantity. At most
//!   three lines: n − k units at p′, k units at p′ + 1, then f units at p.
//! * A line with a fraction 1291 (a part of a marked unit, quantity 1) gets price = sum.
//! * A marked line has quantity 1, so it never needs a split; if one would be needed the result
//!   is [`CalcError::MarkedLineSplit`] (a mark cannot be on two lines).
//!
//! ```
//! use fiskal_calc::lines::{split_integer, price_for};
//! assert_eq!(split_integer(10_000, 3), vec![(2, 3_333), (1, 3_334)]);
//! assert_eq!(split_integer(9_000, 3), vec![(3, 3_000)]);
//! // 8.30 × 0.625 = 5.1875 → 5.19: 519 kopecks at quantity 0.625 is priced exactly at 8.30.
//! let q = fiskal_ffd::Quantity::from_decimal("0.625".parse().unwrap());
//! assert_eq!(price_for(519, &q), Some((830, 0)));
//! ```

use crate::error::CalcError;
use crate::kopecks::{CalcProfile, Kopecks};
use fiskal_ffd::{Item, Quantity};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

/// What to do with a fractional quantity whose sum no single whole-kopeck price matches well
/// enough.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum FractionalPolicy {
    /// One line; the best price must be within the register tolerance
    /// (`|sum − round(price × qty)| ≤ 1` kopeck), else [`CalcError::LineUnpriceable`].
    NearestPrice,
    /// One line if the best price is within 1 kopeck, else the remainder split (the default:
    /// fewest lines that every register accepts).
    #[default]
    NearestPriceOrSplit,
    /// One line only if the best price is exact (`sum = round(price × qty)`), else the remainder
    /// split: for registers or providers that recompute the sum instead of keeping it.
    ExactOrSplit,
}

/// `(mantissa, 10^scale)` of a positive quantity, or `None` if it is not positive.
fn qty_parts(q: &Quantity) -> Option<(u128, u128)> {
    let d = q.as_decimal().normalize();
    if d.is_sign_negative() || d.is_zero() {
        return None;
    }
    let m = u128::try_from(d.mantissa()).ok()?;
    let pow = 10u128.checked_pow(d.scale())?;
    Some((m, pow))
}

/// `round_half_up(price × q)` in kopecks with exact integer arithmetic.
fn times(price: u64, m: u128, pow: u128) -> Option<u128> {
    let prod = u128::from(price).checked_mul(m)?;
    Some((prod + pow / 2) / pow)
}

/// Splits `sum` kopecks over `n` whole units: `[(n − k, p), (k, p + 1)]` with `p = sum div n`,
/// `k = sum mod n`, leaving out a part with zero units. Empty when `n = 0`.
pub fn split_integer(sum: u64, n: u64) -> Vec<(u64, u64)> {
    if n == 0 {
        return Vec::new();
    }
    let (p, k) = (sum / n, sum % n);
    let mut out = vec![(n - k, p)];
    if k > 0 {
        out.push((k, p + 1));
    }
    out
}

/// The best whole-kopeck price for `sum` at quantity `q`, as `(price, |sum − round(price × q)|)`:
/// the lower of `floor(sum/q)` and `floor(sum/q) + 1` on a tie. `None` for a non-positive
/// quantity or on overflow.
pub fn price_for(sum: u64, q: &Quantity) -> Option<(u64, u64)> {
    let (m, pow) = qty_parts(q)?;
    let lo = u128::from(sum).checked_mul(pow)? / m;
    let mut best: Option<(u64, u64)> = None;
    for cand in [lo, lo + 1] {
        let Some(p) = u64::try_from(cand)
            .ok()
            .filter(|p| Kopecks::new(*p).is_some())
        else {
            continue;
        };
        let got = times(p, m, pow)?;
        let diff = u64::try_from(got.abs_diff(u128::from(sum))).ok()?;
        if best.is_none_or(|(_, d)| diff < d) {
            best = Some((p, diff));
        }
    }
    best
}

fn line(item: &Item, quantity: Quantity, price: u64, sum: u64) -> Item {
    let mut it = item.clone();
    it.quantity = quantity;
    it.price = Kopecks::new(price).map_or(it.price, Kopecks::to_money);
    it.sum = Kopecks::new(sum).map_or(it.sum, Kopecks::to_money);
    it
}

/// The lines that replace `item` when its sum becomes `new_sum` (see the module docs). `path`
/// names the item in errors (`items[3]`).
pub fn reprice_line(
    item: &Item,
    new_sum: Kopecks,
    policy: FractionalPolicy,
    profile: &CalcProfile,
    path: &str,
) -> Result<Vec<Item>, CalcError> {
    let mut out = Vec::with_capacity(3);
    reprice_into(
        item,
        new_sum,
        policy,
        profile,
        &|| path.to_owned(),
        &mut out,
    )?;
    Ok(out)
}

/// [`reprice_line`] appending to `out` (no vector per line), with the path built only on error
/// (hot loop of [`crate::allocate`]). On error `out` may hold some of the item's lines.
pub(crate) fn reprice_into(
    item: &Item,
    new_sum: Kopecks,
    policy: FractionalPolicy,
    profile: &CalcProfile,
    path: &dyn Fn() -> String,
    out: &mut Vec<Item>,
) -> Result<(), CalcError> {
    let qpath = || format!("{}.quantity", path());
    let ovf = || CalcError::overflow(qpath());
    let d = item.quantity.as_decimal();
    if d.is_sign_negative() || d.is_zero() || item.quantity.scale() > profile.quantity_scale {
        profile.check_quantity(&item.quantity, &qpath())?;
    }
    let s = new_sum.get();
    if item.fraction.is_some() {
        out.push(line(item, item.quantity, s, s));
        return Ok(());
    }
    let q = item.quantity.as_decimal().normalize();
    let marked = item.mark.is_some();
    let split_err = || CalcError::MarkedLineSplit { path: path() };
    let whole_units = |out: &mut Vec<Item>, sum: u64, n: u64| {
        for (units, p) in split_integer(sum, n) {
            out.push(line(
                item,
                Quantity::from_decimal(Decimal::from(units)),
                p,
                units * p,
            ));
        }
    };
    if q.fract().is_zero() {
        let n = q.to_u64().ok_or_else(ovf)?;
        if marked && n > 0 && s % n != 0 {
            return Err(split_err());
        }
        whole_units(out, s, n);
        return Ok(());
    }
    let (p, diff) = price_for(s, &item.quantity).ok_or_else(ovf)?;
    let single_ok = match policy {
        FractionalPolicy::NearestPrice | FractionalPolicy::NearestPriceOrSplit => diff <= 1,
        FractionalPolicy::ExactOrSplit => diff == 0,
    };
    if single_ok {
        out.push(line(item, item.quantity, p, s));
        return Ok(());
    }
    if policy == FractionalPolicy::NearestPrice {
        return Err(CalcError::LineUnpriceable {
            path: path(),
            sum: s,
            quantity: item.quantity.to_string(),
            best_diff: diff,
        });
    }
    if marked {
        return Err(split_err());
    }
    // Remainder split: q = n + f.
    let whole = q.trunc();
    let frac = q - whole;
    let n = whole.to_u64().ok_or_else(ovf)?;
    let (m, pow) = qty_parts(&item.quantity).ok_or_else(ovf)?;
    let p_floor = u128::from(s)
        .checked_mul(pow)
        .map(|v| v / m)
        .and_then(|v| u64::try_from(v).ok())
        .ok_or_else(ovf)?;
    let fq = Quantity::from_decimal(frac);
    let (fm, fpow) = qty_parts(&fq).ok_or_else(ovf)?;
    let s_frac = times(p_floor, fm, fpow)
        .and_then(|v| u64::try_from(v).ok())
        .filter(|v| *v <= s)
        .ok_or_else(ovf)?;
    whole_units(out, s - s_frac, n);
    out.push(line(item, fq, p_floor, s_frac));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fiskal_ffd::{Money, PaymentMethod, PaymentSubject, VatRate};

    fn item(price: &str, qty: &str, sum: &str) -> Item {
        serde_json::from_value(serde_json::json!({
            "name": "x", "price": price, "quantity": qty, "sum": sum, "measure": "piece",
            "vat": "vat22", "payment_method": "full_payment", "payment_subject": "commodity"
        }))
        .unwrap()
    }

    fn summary(lines: &[Item]) -> Vec<(String, String, String)> {
        lines
            .iter()
            .map(|l| {
                (
                    l.quantity.to_string(),
                    l.price.to_string(),
                    l.sum.to_string(),
                )
            })
            .collect()
    }

    fn k(v: u64) -> Kopecks {
        Kopecks::new(v).unwrap()
    }

    #[test]
    fn integer_split() {
        let it = item("40.00", "3", "120.00");
        let p = CalcProfile::default();
        let out =
            reprice_line(&it, k(10_000), FractionalPolicy::default(), &p, "items[0]").unwrap();
        assert_eq!(
            summary(&out),
            [
                ("2".into(), "33.33".into(), "66.66".into()),
                ("1".into(), "33.34".into(), "33.34".into())
            ]
        );
        assert_eq!(out[0].vat, VatRate::VAT22);
        assert_eq!(out[1].payment_method, PaymentMethod::FULL_PAYMENT);
        assert_eq!(out[1].payment_subject, PaymentSubject::COMMODITY);
        let out = reprice_line(&it, k(9_000), FractionalPolicy::default(), &p, "items[0]").unwrap();
        assert_eq!(
            summary(&out),
            [("3".into(), "30.00".into(), "90.00".into())]
        );
        // Zero sum: one line at price 0.
        let out = reprice_line(&it, k(0), FractionalPolicy::default(), &p, "items[0]").unwrap();
        assert_eq!(out[0].price, Money::from_kopecks(0));
    }

    #[test]
    fn fractional_policies() {
        let p = CalcProfile::default();
        // 2.5 kg for 10.01: 4.00 × 2.5 = 10.00 (1 off), 4.01 × 2.5 = 10.025 → 10.03 (2 off).
        let it = item("4.00", "2.5", "10.00");
        let one = reprice_line(&it, k(1_001), FractionalPolicy::NearestPrice, &p, "i").unwrap();
        assert_eq!(
            summary(&one),
            [("2.5".into(), "4.00".into(), "10.01".into())]
        );
        let split = reprice_line(&it, k(1_001), FractionalPolicy::ExactOrSplit, &p, "i").unwrap();
        // p = floor(1001 / 2.5) = 400: 0.5 × 4.00 = 2.00; the 2 whole units share 8.01.
        assert_eq!(
            summary(&split),
            [
                ("1".into(), "4.00".into(), "4.00".into()),
                ("1".into(), "4.01".into(), "4.01".into()),
                ("0.5".into(), "4.00".into(), "2.00".into())
            ]
        );
        // 1051.10 at 47.8: 21.98 gives 1050.64 (46 off), 21.99 gives 1051.12 (2 off) → unpriceable.
        let it = item("21.99", "47.8", "1051.12");
        let e = reprice_line(
            &it,
            k(105_110),
            FractionalPolicy::NearestPrice,
            &p,
            "items[4]",
        )
        .unwrap_err();
        assert_eq!(e.code(), "line_unpriceable");
        let split = reprice_line(
            &it,
            k(105_110),
            FractionalPolicy::NearestPriceOrSplit,
            &p,
            "i",
        )
        .unwrap();
        let total: u64 = split.iter().map(|l| l.sum.kopecks().unwrap()).sum();
        assert_eq!(total, 105_110);
        for l in &split {
            let pr = l.price.kopecks().unwrap();
            let want = fiskal_ffd::validate::price_times(pr, l.quantity.as_decimal()).unwrap();
            assert_eq!(want, l.sum.kopecks().unwrap(), "{l:?}");
        }
    }

    #[test]
    fn price_search() {
        let q = |s: &str| Quantity::from_decimal(s.parse().unwrap());
        assert_eq!(price_for(519, &q("0.625")), Some((830, 0)));
        assert_eq!(price_for(518, &q("0.625")), Some((828, 0))); // 517.5 → 518 (tie with 8.29: lower wins)
        assert_eq!(price_for(1, &q("3")), Some((0, 1)));
        assert_eq!(price_for(1, &q("0")), None);
    }
}
