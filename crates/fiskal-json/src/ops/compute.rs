//! `compute`: prices and VAT per line and per rate, with an optional receipt-level discount or
//! markup spread over the lines (fiskal-calc).

use super::to_json;
use crate::error::ApiError;
use crate::input::{envelope, json_error, receipt_at, Versioned};
use crate::SCHEMA_VERSION;
use fiskal_calc::allocate::{allocate, Adjustment, AllocationRequest, Direction, Exclusions};
use fiskal_calc::lines::FractionalPolicy;
use fiskal_calc::vat::{item_vat_of, receipt_vat};
use fiskal_calc::{CalcProfile, Kopecks};
use fiskal_ffd::model::{Payments, VatTotals};
use fiskal_ffd::validate::Profile;
use fiskal_ffd::{Money, Receipt, Rounding};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComputeIn {
    version: u32,
    receipt: Box<RawValue>,
    #[serde(default)]
    adjustment: Option<AdjustmentIn>,
    #[serde(default)]
    exclude: Vec<usize>,
    #[serde(default)]
    fractional_policy: Option<PolicyIn>,
    #[serde(default)]
    rounding: Option<RoundingIn>,
    #[serde(default)]
    payments: Option<Box<RawValue>>,
}

impl Versioned for ComputeIn {
    fn version(&self) -> u32 {
        self.version
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdjustmentIn {
    kind: AdjustmentKind,
    /// Money (roubles) or a percentage, read exactly from its text (string or number).
    value: Box<RawValue>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum AdjustmentKind {
    Discount,
    Markup,
    DiscountPercent,
    MarkupPercent,
    TargetTotal,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum PolicyIn {
    NearestPrice,
    NearestPriceOrSplit,
    ExactOrSplit,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum RoundingIn {
    HalfUp,
    Down,
    HalfEven,
}

#[derive(Serialize)]
struct ComputeOut<'a> {
    version: u32,
    total: String,
    lines: Vec<LineOut>,
    per_rate: Vec<RateOut>,
    vat_totals: VatTotals,
    #[serde(skip_serializing_if = "Option::is_none")]
    allocation: Option<AllocationOut>,
    receipt: &'a Receipt,
}

#[derive(Serialize)]
struct LineOut {
    source: usize,
    price: String,
    quantity: String,
    sum: String,
    vat: &'static str,
    vat_sum: String,
}

#[derive(Serialize)]
struct RateOut {
    vat: &'static str,
    sum: String,
    vat_sum: String,
}

#[derive(Serialize)]
struct AllocationOut {
    amount: String,
    direction: &'static str,
    item_sums: Vec<String>,
}

fn rub(k: u64) -> String {
    Money::from_kopecks(k).to_string()
}

/// Reads an exact decimal (money or a percentage) from the text of a JSON string or number.
fn decimal_at(raw: &RawValue, path: &str) -> Result<Money, ApiError> {
    serde_json::from_str::<Money>(raw.get()).map_err(|e| json_error(path.to_owned(), &e))
}

fn adjustment(a: &AdjustmentIn) -> Result<Adjustment, ApiError> {
    let path = "adjustment.value";
    let value = decimal_at(&a.value, path)?;
    let money = || Kopecks::from_money(&value, path).map_err(ApiError::from);
    Ok(match a.kind {
        AdjustmentKind::Discount => Adjustment::Discount(money()?),
        AdjustmentKind::Markup => Adjustment::Markup(money()?),
        AdjustmentKind::TargetTotal => Adjustment::TargetTotal(money()?),
        AdjustmentKind::DiscountPercent => Adjustment::DiscountPercent(value.as_decimal()),
        AdjustmentKind::MarkupPercent => Adjustment::MarkupPercent(value.as_decimal()),
    })
}

/// `compute`: `{"version": 1, "receipt": {…}}` plus, to apply a receipt-level discount or
/// markup, `"adjustment": {"kind": "discount" | "markup" | "discount_percent" |
/// "markup_percent" | "target_total", "value": "20.00"}`, `"exclude": [2]` (item indices left
/// untouched), `"fractional_policy": "nearest_price" | "nearest_price_or_split" |
/// "exact_or_split"`, `"rounding": "half_up" | "down" | "half_even"` (of a percentage amount)
/// and `"payments": {…}` (of the result, when the receipt is paid with several kinds).
///
/// Output: `{"version": 1, "total", "lines": [{"source", "price", "quantity", "sum", "vat",
/// "vat_sum"}], "per_rate": [{"vat", "sum", "vat_sum"}], "vat_totals": {…1102–1107},
/// "allocation": {"amount", "direction", "item_sums"} (with an adjustment), "receipt": {…}}`.
/// `lines` are the lines of the resulting receipt; `source` is the input item each comes from.
/// VAT is per line, half-up, unless the line gives its own `vat_sum`; per rate it is the sum of
/// the line VATs. The receipt is checked with every FFD rule but the document size (a cart may
/// be larger than one document until `split` divides it).
pub fn compute(input: &str) -> Result<String, ApiError> {
    let i: ComputeIn = envelope(input)?;
    let cart = receipt_at(&i.receipt, "receipt")?;
    let (result, sources, allocation) = match &i.adjustment {
        Some(a) => {
            let payments: Option<Payments> = match &i.payments {
                Some(p) => {
                    Some(crate::input::parse(p.get()).map_err(|e: ApiError| e.under("payments"))?)
                }
                None => None,
            };
            let mut req = AllocationRequest::new(adjustment(a)?)
                .exclude(Exclusions::indices(&i.exclude))
                .fractional(match i.fractional_policy {
                    Some(PolicyIn::NearestPrice) => FractionalPolicy::NearestPrice,
                    Some(PolicyIn::ExactOrSplit) => FractionalPolicy::ExactOrSplit,
                    Some(PolicyIn::NearestPriceOrSplit) | None => {
                        FractionalPolicy::NearestPriceOrSplit
                    }
                });
            if let Some(r) = i.rounding {
                let rounding = match r {
                    RoundingIn::HalfUp => Rounding::HalfUp,
                    RoundingIn::Down => Rounding::Down,
                    RoundingIn::HalfEven => Rounding::HalfEven,
                };
                req = req.profile(CalcProfile::for_version(cart.ffd).with_rounding(rounding));
            }
            if let Some(p) = payments {
                req = req.payments(p);
            }
            let out = allocate(&cart, &req).map_err(|e| ApiError::from(e).under_calc())?;
            let alloc = AllocationOut {
                amount: out.amount.to_string(),
                direction: match out.direction {
                    Direction::Discount => "discount",
                    Direction::Markup => "markup",
                    _ => "none",
                },
                item_sums: out.item_sums.iter().map(ToString::to_string).collect(),
            };
            (out.receipt, out.sources, Some(alloc))
        }
        None => {
            let problems = fiskal_ffd::validate_with(
                &cart,
                &Profile::for_version(cart.ffd).without_size_limit(),
            );
            if !problems.is_empty() {
                return Err(ApiError::invalid(&problems).at("receipt"));
            }
            let n = cart.items.len();
            (cart, (0..n).collect(), None)
        }
    };
    let mut lines = Vec::with_capacity(result.items.len());
    for (n, (item, source)) in result.items.iter().zip(&sources).enumerate() {
        let vat = item_vat_of(item, &format!("items[{n}]")).map_err(ApiError::from)?;
        lines.push(LineOut {
            source: *source,
            price: item.price.to_string(),
            quantity: item.quantity.to_string(),
            sum: item.sum.to_string(),
            vat: item.vat.name().unwrap_or("unknown"),
            vat_sum: rub(vat),
        });
    }
    let breakdown = receipt_vat(&result).map_err(ApiError::from)?;
    let per_rate = breakdown
        .rows()
        .into_iter()
        .map(|(rate, sum, vat)| RateOut {
            vat: rate.name().unwrap_or("unknown"),
            sum: rub(sum),
            vat_sum: rub(vat),
        })
        .collect();
    to_json(&ComputeOut {
        version: SCHEMA_VERSION,
        total: result.total.to_string(),
        lines,
        per_rate,
        vat_totals: breakdown.to_vat_totals(),
        allocation,
        receipt: &result,
    })
}
