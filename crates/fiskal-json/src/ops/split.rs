//! `split`: one cart → several receipts under the size budget and provider limits.

use super::to_json;
use crate::error::ApiError;
use crate::input::{envelope, receipt_at, Versioned};
use crate::SCHEMA_VERSION;
use fiskal_calc::split::{split_receipt, ProviderLimits, SplitOptions};
use fiskal_ffd::Receipt;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitIn {
    version: u32,
    receipt: Box<RawValue>,
    key: String,
    #[serde(default)]
    options: OptionsIn,
}

impl Versioned for SplitIn {
    fn version(&self) -> u32 {
        self.version
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OptionsIn {
    #[serde(default)]
    budget: Option<usize>,
    #[serde(default)]
    provider: Option<ProviderIn>,
    #[serde(default)]
    max_items: Option<usize>,
    #[serde(default)]
    max_payments: Option<usize>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum ProviderIn {
    /// No limits.
    None,
    /// ATOL Online: 100 items, 10 payments (fiskal_calc::split::ProviderLimits::ATOL).
    Atol,
}

#[derive(Serialize)]
struct SplitOut<'a> {
    version: u32,
    count: usize,
    parts: Vec<PartOut<'a>>,
}

#[derive(Serialize)]
struct PartOut<'a> {
    index: usize,
    count: usize,
    key: &'a str,
    key_suffix: &'a str,
    items: ItemsOut,
    size_bound: usize,
    receipt: &'a Receipt,
}

#[derive(Serialize)]
struct ItemsOut {
    start: usize,
    end: usize,
}

/// `split`: `{"version": 1, "receipt": {…}, "key": "order-42", "options": {"budget": 30720,
/// "provider": "atol" | "none", "max_items": 100, "max_payments": 10}}` (every option optional;
/// `max_items` / `max_payments` override the provider preset).
///
/// Output: `{"version": 1, "count": 3, "parts": [{"index": 0, "count": 3, "key": "order-42-1",
/// "key_suffix": "-1", "items": {"start": 0, "end": 100}, "size_bound": 6193, "receipt": {…}}]}`:
/// each part is a validated receipt paying exactly its own total, and `items` is the range of
/// cart items it carries (end exclusive). Failure: 3015 `header_too_large`, 3016
/// `item_too_large` (path `receipt.items[i]`), 3017 `provider_limit`, or 2000.
pub fn split(input: &str) -> Result<String, ApiError> {
    let i: SplitIn = envelope(input)?;
    let cart = receipt_at(&i.receipt, "receipt")?;
    let preset = match i.options.provider {
        Some(ProviderIn::Atol) => ProviderLimits::ATOL,
        Some(ProviderIn::None) | None => ProviderLimits::NONE,
    };
    let limits = ProviderLimits::new(
        i.options.max_items.or(preset.max_items),
        i.options.max_payments.or(preset.max_payments),
    );
    let mut opts = SplitOptions::with_limits(limits);
    if let Some(b) = i.options.budget {
        opts = opts.budget(b);
    }
    let parts = split_receipt(&cart, &i.key, &opts).map_err(|e| ApiError::from(e).under_calc())?;
    to_json(&SplitOut {
        version: SCHEMA_VERSION,
        count: parts.len(),
        parts: parts
            .iter()
            .map(|p| PartOut {
                index: p.index,
                count: p.count,
                key: &p.key,
                key_suffix: &p.key_suffix,
                items: ItemsOut {
                    start: p.items.start,
                    end: p.items.end,
                },
                size_bound: p.size_bound,
                receipt: &p.receipt,
            })
            .collect(),
    })
}
