//! Receipt-level VAT requisites 1102–1107: which items each one totals, and what the encoder
//! writes. One definition for the encoder ([`crate::to_tlv`]), the validator and fiskal-calc's
//! size arithmetic.
//!
//! 1102 / 1103 / 1106 / 1107 total the VAT of the items at 20 % / 10 % / 20/120 / 10/110 (each
//! item's given `vat_sum`, else its VAT computed half-up: per item, then summed — implementation
//! practice, e.g. the public ФН core <https://github.com/Ran-Thegoth/MKACCA9000>
//! `Correction.getVatValue`, not a normative FNS text);
//! 1104 / 1105 total the item *sums* at 0 % / «без НДС». A total the caller gives is written as
//! given; one not given is computed when at least one item has that rate.

use crate::enums::VatRate;
use crate::error::Error;
use crate::model::{Receipt, VatTotals};
use crate::money::Money;
use crate::tag::Tag;

/// The six receipt-level requisites: tag, the rate whose items it totals, the JSON field of
/// [`VatTotals`].
pub const RECEIPT_VAT_TAGS: [(Tag, VatRate, &str); 6] = [
    (Tag::VAT_20, VatRate::VAT20, "vat20"),
    (Tag::VAT_10, VatRate::VAT10, "vat10"),
    (Tag::SUM_VAT_0, VatRate::VAT0, "vat0_sum"),
    (Tag::SUM_NO_VAT, VatRate::NONE, "no_vat_sum"),
    (Tag::VAT_20_120, VatRate::VAT120, "vat120"),
    (Tag::VAT_10_110, VatRate::VAT110, "vat110"),
];

impl VatTotals {
    /// The total given for the requisite of `rate` (`None` when not given, or for a rate with no
    /// receipt-level requisite: 5 %, 7 %, 22 % …).
    pub fn given(&self, rate: VatRate) -> Option<Money> {
        match rate {
            VatRate::VAT20 => self.vat20,
            VatRate::VAT10 => self.vat10,
            VatRate::VAT0 => self.vat0_sum,
            VatRate::NONE => self.no_vat_sum,
            VatRate::VAT120 => self.vat120,
            VatRate::VAT110 => self.vat110,
            _ => None,
        }
    }
}

impl VatTotals {
    /// Sets (or clears) the total of the requisite of `rate`; rates without a receipt-level
    /// requisite are ignored.
    pub fn set(&mut self, rate: VatRate, value: Option<Money>) {
        let slot = match rate {
            VatRate::VAT20 => &mut self.vat20,
            VatRate::VAT10 => &mut self.vat10,
            VatRate::VAT0 => &mut self.vat0_sum,
            VatRate::NONE => &mut self.no_vat_sum,
            VatRate::VAT120 => &mut self.vat120,
            VatRate::VAT110 => &mut self.vat110,
            _ => return,
        };
        *slot = value;
    }

    /// Exactly what [`crate::to_tlv`] writes for 1102–1107 given these totals (`given`) and the
    /// items' [`RateTotals`]: every written requisite as an explicit total.
    pub fn as_written(given: Option<&VatTotals>, items: &RateTotals) -> VatTotals {
        let mut out = VatTotals::default();
        for (_, rate, _) in RECEIPT_VAT_TAGS {
            let v = match written(given, items, rate) {
                Some(Written::Given(m)) => Some(m),
                Some(Written::Computed(k)) => Some(Money::from_kopecks(k)),
                None => None,
            };
            out.set(rate, v);
        }
        out
    }
}

/// Per-rate totals of items, in kopecks, for every 1199 value (1–12).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateTotals {
    amount: [u64; 13],
    seen: [bool; 13],
}

impl RateTotals {
    /// Adds an item: its sum and its VAT (given or computed), both in kopecks. For 0 % and
    /// «без НДС» the sum is what counts; for the others the VAT (`None` counts as 0).
    pub fn add(&mut self, rate: VatRate, sum: u64, vat: Option<u64>) {
        let Some(slot) = Some(usize::from(rate.0)).filter(|&k| k < 13) else {
            return;
        };
        self.seen[slot] = true;
        let add = if rate == VatRate::VAT0 || rate == VatRate::NONE {
            sum
        } else {
            vat.unwrap_or(0)
        };
        self.amount[slot] = self.amount[slot].saturating_add(add);
    }

    /// The totals of `items` (sums and VAT in kopecks; an item VAT not given is computed half-up;
    /// items whose amounts are not valid are skipped — validation reports them).
    pub fn of_items(items: &[crate::model::Item]) -> RateTotals {
        let mut t = RateTotals::default();
        for it in items {
            let Ok(sum) = it.sum.kopecks() else { continue };
            let vat = match &it.vat_sum {
                Some(v) => v.kopecks().ok(),
                None => it.vat.vat_of(sum),
            };
            t.add(it.vat, sum, vat);
        }
        t
    }

    /// The total of the items at `rate`, or `None` when no item has it.
    pub fn get(&self, rate: VatRate) -> Option<u64> {
        let k = usize::from(rate.0);
        self.seen
            .get(k)
            .copied()
            .unwrap_or(false)
            .then(|| self.amount[k])
    }
}

/// The value the encoder writes for one receipt-level requisite: the given total, else the
/// items' total when any item has the rate.
pub(crate) enum Written {
    Given(Money),
    Computed(u64),
}

pub(crate) fn written(
    given: Option<&VatTotals>,
    items: &RateTotals,
    rate: VatRate,
) -> Option<Written> {
    match given.and_then(|vt| vt.given(rate)) {
        Some(m) => Some(Written::Given(m)),
        None => items.get(rate).map(Written::Computed),
    }
}

/// Exactly the 1102–1107 requisites [`crate::to_tlv`] writes for `receipt`, in order, in kopecks.
pub fn receipt_vat_requisites(receipt: &Receipt) -> Result<Vec<(Tag, u64)>, Error> {
    let mut items = RateTotals::default();
    for (i, it) in receipt.items.iter().enumerate() {
        let invalid = |field: &str, p| {
            Error::Invalid(vec![crate::violation::Violation::new(
                format!("items[{i}].{field}"),
                crate::violation::money_violation(p),
            )])
        };
        let sum = it.sum.kopecks().map_err(|p| invalid("sum", p))?;
        let vat = match &it.vat_sum {
            Some(v) => Some(v.kopecks().map_err(|p| invalid("vat_sum", p))?),
            None => it.vat.vat_of(sum),
        };
        items.add(it.vat, sum, vat);
    }
    let mut out = Vec::with_capacity(6);
    for (tag, rate, field) in RECEIPT_VAT_TAGS {
        match written(receipt.vat_totals.as_ref(), &items, rate) {
            Some(Written::Given(m)) => {
                let k = m.kopecks().map_err(|p| {
                    Error::Invalid(vec![crate::violation::Violation::new(
                        format!("vat_totals.{field}"),
                        crate::violation::money_violation(p),
                    )])
                })?;
                out.push((tag, k));
            }
            Some(Written::Computed(k)) => out.push((tag, k)),
            None => {}
        }
    }
    Ok(out)
}
