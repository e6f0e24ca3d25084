//! VAT per item, per rate and per receipt, and net → gross helpers.
//!
//! Russian retail prices include VAT. The VAT of an item is `sum × r / (100 + r)` rounded to
//! the kopeck **half-up** per item ([`fiskal_ffd::VatRate::vat_of`]; implementation practice, not a
//! normative FNS text), for the plain rate (20 %) and the calculated rate (20/120) alike. Receipt
//! totals are the sums of the item VATs per rate (per-item rounding, then sum, as registers do).
//! Only 20 %, 10 %, 20/120, 10/110 (VAT) and 0 %, без НДС (settlement sums) have receipt tags
//! (1102–1107); [`VatBreakdown`] keeps all twelve rates so that 5 %, 7 % and 22 % totals are
//! available too.
//!
//! ```
//! use fiskal_calc::vat::{gross_from_net, item_vat};
//! use fiskal_ffd::{Rounding, VatRate};
//! assert_eq!(item_vat(VatRate::VAT22, 12_200).unwrap(), 2_200);
//! assert_eq!(item_vat(VatRate::VAT120, 10_000).unwrap(), 1_667); // 1666.67 → 1667
//! let g = gross_from_net(VatRate::VAT20, 1_000, Rounding::HalfUp).unwrap();
//! assert_eq!((g.vat, g.gross), (200, 1_200));
//! ```

use crate::error::CalcError;
use crate::kopecks::{money_at, Kopecks};
use fiskal_ffd::model::VatTotals;
use fiskal_ffd::{Money, Receipt, Rounding, VatRate};

fn known(rate: VatRate, path: &str) -> Result<(), CalcError> {
    if rate.is_known() {
        Ok(())
    } else {
        Err(CalcError::UnknownVatRate {
            path: path.to_owned(),
            code: rate.0,
        })
    }
}

/// VAT included in `sum` kopecks at `rate`, rounded half-up (the register's rule). Zero for
/// 0 % and без НДС.
pub fn item_vat(rate: VatRate, sum: u64) -> Result<u64, CalcError> {
    vat_with(rate, sum, Rounding::HalfUp)
}

/// VAT included in `sum` kopecks at `rate`, rounded by an explicit rule (to reproduce systems
/// that do not round half-up; fiskal itself always uses [`item_vat`]).
pub fn vat_with(rate: VatRate, sum: u64, rounding: Rounding) -> Result<u64, CalcError> {
    known(rate, "vat")?;
    match rate.fraction() {
        None => Ok(0),
        Some((r, d)) => rounding
            .div(u128::from(sum) * u128::from(r), u128::from(d))
            .ok_or_else(|| CalcError::overflow("vat")),
    }
}

/// A VAT-exclusive amount turned into a VAT-inclusive one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Gross {
    /// The net amount given, kopecks.
    pub net: u64,
    /// VAT on it: `net × r / 100` rounded by the rule given, kopecks.
    pub vat: u64,
    /// `net + vat`, kopecks.
    pub gross: u64,
}

/// Net → gross: `vat = net × r / 100` rounded by `rounding`, `gross = net + vat`. For 0 % and
/// без НДС the VAT is 0. The plain and the calculated rate of a percentage give the same result.
///
/// Note that `item_vat(rate, gross)` may differ by a kopeck from `vat` here: the register
/// extracts VAT from the gross sum, so put `gross` on the receipt and let VAT be computed from it.
pub fn gross_from_net(rate: VatRate, net: u64, rounding: Rounding) -> Result<Gross, CalcError> {
    known(rate, "vat")?;
    let vat = match rate.fraction() {
        None => 0,
        Some((r, _)) => rounding
            .div(u128::from(net) * u128::from(r), 100)
            .ok_or_else(|| CalcError::overflow("net"))?,
    };
    let gross = net
        .checked_add(vat)
        .and_then(Kopecks::new)
        .ok_or_else(|| CalcError::overflow("gross"))?
        .get();
    Ok(Gross { net, vat, gross })
}

/// The plain rate of a calculated one and back (20 % ↔ 20/120, 10 % ↔ 10/110, 5 % ↔ 5/105,
/// 7 % ↔ 7/107, 22 % ↔ 22/122); `None` for 0 %, без НДС and unknown codes.
pub fn counterpart(rate: VatRate) -> Option<VatRate> {
    crate::rates::rate_info(rate).and_then(|i| i.counterpart)
}

/// Settlement sums and VAT per rate, for all twelve rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VatBreakdown {
    sums: [u64; 13],
    vats: [u64; 13],
}

impl VatBreakdown {
    /// Adds one item of `sum` kopecks at `rate` with its VAT.
    pub fn add(&mut self, rate: VatRate, sum: u64, vat: u64) -> Result<(), CalcError> {
        known(rate, "vat")?;
        let i = usize::from(rate.0);
        let (Some(s), Some(v)) = (self.sums.get_mut(i), self.vats.get_mut(i)) else {
            return Err(CalcError::UnknownVatRate {
                path: "vat".into(),
                code: rate.0,
            });
        };
        *s = s
            .checked_add(sum)
            .and_then(Kopecks::new)
            .ok_or_else(|| CalcError::overflow("vat_totals"))?
            .get();
        *v = v
            .checked_add(vat)
            .and_then(Kopecks::new)
            .ok_or_else(|| CalcError::overflow("vat_totals"))?
            .get();
        Ok(())
    }

    /// Σ item sums at `rate`, kopecks.
    pub fn sum(&self, rate: VatRate) -> u64 {
        self.sums.get(usize::from(rate.0)).copied().unwrap_or(0)
    }

    /// Σ item VAT at `rate`, kopecks.
    pub fn vat(&self, rate: VatRate) -> u64 {
        self.vats.get(usize::from(rate.0)).copied().unwrap_or(0)
    }

    /// The rates present (with at least one item added), in 1199 order, as
    /// `(rate, sum, vat)`.
    pub fn rows(&self) -> Vec<(VatRate, u64, u64)> {
        VatRate::KNOWN
            .iter()
            .filter(|r| self.present(**r))
            .map(|r| (*r, self.sum(*r), self.vat(*r)))
            .collect()
    }

    fn present(&self, rate: VatRate) -> bool {
        self.sum(rate) > 0 || self.vat(rate) > 0
    }

    /// The receipt tags 1102–1107: a value for each of those rates with a non-zero sum, `None`
    /// for the others. 5 %, 7 % and 22 % have no receipt tag (use [`VatBreakdown::vat`]).
    pub fn to_vat_totals(&self) -> VatTotals {
        let vat = |r: VatRate| {
            self.present(r)
                .then(|| Kopecks::new(self.vat(r)).map(Kopecks::to_money))
                .flatten()
        };
        let sum = |r: VatRate| {
            self.present(r)
                .then(|| Kopecks::new(self.sum(r)).map(Kopecks::to_money))
                .flatten()
        };
        VatTotals {
            vat20: vat(VatRate::VAT20),
            vat10: vat(VatRate::VAT10),
            vat0_sum: sum(VatRate::VAT0),
            no_vat_sum: sum(VatRate::NONE),
            vat120: vat(VatRate::VAT120),
            vat110: vat(VatRate::VAT110),
        }
    }
}

/// The VAT of one item of a receipt: its `vat_sum` (1200) when given, else computed half-up.
pub fn item_vat_of(item: &fiskal_ffd::Item, path: &str) -> Result<u64, CalcError> {
    if !item.vat.is_known() {
        return Err(CalcError::UnknownVatRate {
            path: format!("{path}.vat"),
            code: item.vat.0,
        });
    }
    let sum = money_at(&item.sum, || format!("{path}.sum"))?.get();
    match &item.vat_sum {
        Some(v) => Ok(money_at(v, || format!("{path}.vat_sum"))?.get()),
        None => item_vat(item.vat, sum),
    }
}

/// Per-rate sums and VAT of a receipt's items (per item, half-up, then summed; an explicit
/// item `vat_sum` is taken as given).
pub fn receipt_vat(receipt: &Receipt) -> Result<VatBreakdown, CalcError> {
    items_vat(&receipt.items)
}

/// [`receipt_vat`] of some items (paths `items[i]` count from the first of them).
pub(crate) fn items_vat(items: &[fiskal_ffd::Item]) -> Result<VatBreakdown, CalcError> {
    let mut b = VatBreakdown::default();
    for (i, it) in items.iter().enumerate() {
        let sum = money_at(&it.sum, || format!("items[{i}].sum"))?.get();
        let vat = match (&it.vat_sum, it.vat.is_known()) {
            (None, true) => item_vat(it.vat, sum)?,
            _ => item_vat_of(it, &format!("items[{i}]"))?,
        };
        b.add(it.vat, sum, vat)?;
    }
    Ok(b)
}

/// Brings the derived VAT fields of a receipt back in line with its items after fiskal-calc
/// changed sums or prices: an item `vat_sum` that was given is recomputed half-up, a `unit_vat`
/// that was given is recomputed from the price, and receipt `vat_totals` that were given are
/// recomputed from the items ([`refresh_vat_totals`]).
pub(crate) fn refresh_vat(receipt: &mut Receipt) -> Result<(), CalcError> {
    for (i, it) in receipt.items.iter_mut().enumerate() {
        if it.vat_sum.is_some() {
            let sum = money_at(&it.sum, || format!("items[{i}].sum"))?.get();
            it.vat_sum = Some(Money::from_kopecks(item_vat(it.vat, sum)?));
        }
        if it.unit_vat.is_some() {
            let price = money_at(&it.price, || format!("items[{i}].price"))?.get();
            it.unit_vat = Some(Money::from_kopecks(item_vat(it.vat, price)?));
        }
    }
    if receipt.vat_totals.is_some() {
        let b = receipt_vat(receipt)?;
        refresh_vat_totals(receipt, &b);
    }
    Ok(())
}

/// Receipt `vat_totals` that were given are recomputed from `b` (the breakdown of the receipt's
/// items), tag by tag: a tag that was given gets the new value (0 if no item has that rate any
/// more), a tag that was absent stays absent (absent `vat_totals` stay absent: the encoder
/// computes them).
pub(crate) fn refresh_vat_totals(receipt: &mut Receipt, b: &VatBreakdown) {
    if let Some(old) = receipt.vat_totals {
        let new = b.to_vat_totals();
        let keep = |was: Option<Money>, now: Option<Money>| was.map(|_| now.unwrap_or(Money::ZERO));
        receipt.vat_totals = Some(VatTotals {
            vat20: keep(old.vat20, new.vat20),
            vat10: keep(old.vat10, new.vat10),
            vat0_sum: keep(old.vat0_sum, new.vat0_sum),
            no_vat_sum: keep(old.no_vat_sum, new.no_vat_sum),
            vat120: keep(old.vat120, new.vat120),
            vat110: keep(old.vat110, new.vat110),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rate_on_one_hundred_roubles() {
        // (rate, VAT of 100.00 ₽) computed by hand: 10000 × r / (100 + r), half-up.
        let rows = [
            (VatRate::VAT20, 1667), // 1666.67
            (VatRate::VAT10, 909),  // 909.09
            (VatRate::VAT120, 1667),
            (VatRate::VAT110, 909),
            (VatRate::VAT0, 0),
            (VatRate::NONE, 0),
            (VatRate::VAT5, 476), // 476.19
            (VatRate::VAT7, 654), // 654.21
            (VatRate::VAT105, 476),
            (VatRate::VAT107, 654),
            (VatRate::VAT22, 1803), // 1803.28
            (VatRate::VAT122, 1803),
        ];
        assert_eq!(rows.len(), VatRate::KNOWN.len());
        for (rate, want) in rows {
            assert_eq!(item_vat(rate, 10_000).unwrap(), want, "{rate:?}");
        }
        assert_eq!(
            item_vat(VatRate(13), 100).map_err(|e| e.code()),
            Err("unknown_vat_rate")
        );
    }

    #[test]
    fn half_up_edges() {
        // 3 × 20 / 120 = 0.5 → 1 (half-up); 1 → 0.1667 → 0.
        assert_eq!(item_vat(VatRate::VAT20, 3).unwrap(), 1);
        assert_eq!(vat_with(VatRate::VAT20, 3, Rounding::HalfEven).unwrap(), 0);
        assert_eq!(vat_with(VatRate::VAT20, 3, Rounding::Down).unwrap(), 0);
        assert_eq!(item_vat(VatRate::VAT20, 1).unwrap(), 0);
        // 11 × 10 / 110 = 1 exactly.
        assert_eq!(item_vat(VatRate::VAT10, 11).unwrap(), 1);
    }

    #[test]
    fn net_to_gross() {
        let g = gross_from_net(VatRate::VAT22, 1_003, Rounding::HalfUp).unwrap();
        assert_eq!((g.vat, g.gross), (221, 1_224)); // 220.66 → 221
        let g = gross_from_net(VatRate::NONE, 1_003, Rounding::HalfUp).unwrap();
        assert_eq!((g.vat, g.gross), (0, 1_003));
        assert!(gross_from_net(
            VatRate::VAT20,
            fiskal_ffd::money::MAX_KOPECKS,
            Rounding::HalfUp
        )
        .is_err());
    }

    #[test]
    fn counterparts() {
        assert_eq!(counterpart(VatRate::VAT22), Some(VatRate::VAT122));
        assert_eq!(counterpart(VatRate::VAT107), Some(VatRate::VAT7));
        assert_eq!(counterpart(VatRate::NONE), None);
    }
}
