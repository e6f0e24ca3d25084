//! `mark`: a raw scan → the normalised code and every form a receipt or a provider needs.

use super::to_json;
use crate::error::ApiError;
use crate::input::{envelope, invalid_argument, Versioned};
use crate::SCHEMA_VERSION;
use fiskal_marks::provider::{self, TypePrefix};
use fiskal_marks::{Crypto44, MarkCode, ParseOptions, Unrecognized};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkIn {
    version: u32,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    code_hex: Option<String>,
    #[serde(default)]
    options: OptionsIn,
}

impl Versioned for MarkIn {
    fn version(&self) -> u32 {
        self.version
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OptionsIn {
    #[serde(default)]
    textual_separators: Option<bool>,
    #[serde(default)]
    crypto44: Option<Crypto44In>,
    #[serde(default)]
    unrecognized: Option<UnrecognizedIn>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Crypto44In {
    Checked,
    Unchecked,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum UnrecognizedIn {
    Reject,
    Accept,
}

#[derive(Serialize)]
struct MarkOut {
    version: u32,
    format: &'static str,
    product_group: &'static str,
    product_group_basis: &'static str,
    product_group_note: &'static str,
    gtin: Option<String>,
    serial: Option<String>,
    elements: Vec<[String; 2]>,
    mark_type: u8,
    tag_1163: Tag1163Out,
    tag_2000: String,
    tag_1162: Option<Tag1162Out>,
    providers: ProvidersOut,
    warnings: Vec<WarningOut>,
}

#[derive(Serialize)]
struct Tag1163Out {
    tag: u16,
    value: String,
}

#[derive(Serialize)]
struct Tag1162Out {
    hex: String,
    hex_spaced: String,
    base64: String,
}

#[derive(Serialize)]
struct ProvidersOut {
    atol_v4_nomenclature_code: Option<String>,
    atol_v5_mark_code: Value,
    orange_data_nomenclature_code: Option<String>,
    orange_data_item_code: String,
    business_ru_nomenclature_code: Option<BusinessRuOut>,
}

#[derive(Serialize)]
struct BusinessRuOut {
    omitted: String,
    included: String,
}

#[derive(Serialize)]
struct WarningOut {
    code: &'static str,
    position: Option<usize>,
}

fn options(o: &OptionsIn) -> ParseOptions {
    let mut p = ParseOptions::new();
    if let Some(on) = o.textual_separators {
        p = p.with_textual_separators(on);
    }
    if let Some(Crypto44In::Unchecked) = o.crypto44 {
        p = p.with_crypto44(Crypto44::Unchecked);
    }
    if let Some(UnrecognizedIn::Accept) = o.unrecognized {
        p = p.with_unrecognized(Unrecognized::Accept);
    }
    p
}

fn describe(mark: &MarkCode) -> MarkOut {
    let atol5 = provider::atol_v5_mark_code(mark);
    let mut atol5_obj = serde_json::Map::new();
    atol5_obj.insert(atol5.key().to_owned(), Value::from(atol5.value()));
    let business_ru = match (
        provider::business_ru_nomenclature_code(mark, TypePrefix::BUSINESS_RU_OPEN_API),
        provider::business_ru_nomenclature_code(mark, TypePrefix::Included),
    ) {
        (Ok(omitted), Ok(included)) => Some(BusinessRuOut { omitted, included }),
        _ => None,
    };
    let child = mark.tag_1163();
    MarkOut {
        version: SCHEMA_VERSION,
        format: mark.format().as_str(),
        product_group: mark.product_group().as_str(),
        product_group_basis: mark.product_group_basis().code(),
        product_group_note: mark.product_group_basis().note(),
        gtin: mark.gtin().map(str::to_owned),
        serial: mark.serial().map(str::to_owned),
        elements: mark
            .elements()
            .map(|e| [e.ai.to_owned(), e.value.to_owned()])
            .collect(),
        mark_type: mark.mark_type().value(),
        tag_1163: Tag1163Out {
            tag: child.tag(),
            value: child.value().to_owned(),
        },
        tag_2000: mark.tag_2000().to_owned(),
        tag_1162: mark.tag_1162().ok().map(|t| Tag1162Out {
            hex: t.to_hex(),
            hex_spaced: t.to_hex_spaced(),
            base64: t.to_base64(),
        }),
        providers: ProvidersOut {
            atol_v4_nomenclature_code: provider::atol_v4_nomenclature_code(mark).ok(),
            atol_v5_mark_code: Value::Object(atol5_obj),
            orange_data_nomenclature_code: provider::orange_data_nomenclature_code(mark).ok(),
            orange_data_item_code: provider::orange_data_item_code(mark).to_owned(),
            business_ru_nomenclature_code: business_ru,
        },
        warnings: mark
            .warnings()
            .iter()
            .map(|w| WarningOut {
                code: w.code(),
                position: w.position(),
            })
            .collect(),
    }
}

/// `mark`: `{"version": 1, "code": "<the scan as text>"}` or `{"version": 1, "code_hex":
/// "<raw bytes>"}` (for scans that are not UTF-8: a raw 0xE8 FNC1, Windows-1251 letters), with
/// optional `"options": {"textual_separators": true, "crypto44": "checked" | "unchecked",
/// "unrecognized": "reject" | "accept"}`.
///
/// Output: the normalised code (`tag_2000`), its format, product group, GTIN, serial, GS1
/// elements, tag 2100 `mark_type`, the 1163 child, the 1162 bytes (hex, spaced hex, Base64;
/// `null` when not encodable), every provider string and the warnings — the same shape as the
/// `expected` object of `tests/vectors/marks`, with `"version": 1` first. Failure: 4001–4014,
/// details `{"reason", "position"}` (a character index into the scan, or the byte offset for
/// `code_hex` that is not UTF-8).
pub fn mark(input: &str) -> Result<String, ApiError> {
    let i: MarkIn = envelope(input)?;
    let opts = options(&i.options);
    let parsed = match (&i.code, &i.code_hex) {
        (Some(text), None) => {
            MarkCode::parse_with(text, &opts).map_err(|e| ApiError::from(e).at("code"))
        }
        (None, Some(h)) => {
            let digits: String = h.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            let bytes = hex::decode(digits).map_err(|e| {
                invalid_argument(
                    "code_hex",
                    format!("нужны байты в шестнадцатеричном виде: {e}"),
                    format!("not hexadecimal bytes: {e}"),
                )
            })?;
            MarkCode::parse_bytes_with(&bytes, &opts).map_err(|e| ApiError::from(e).at("code_hex"))
        }
        _ => {
            return Err(invalid_argument(
                "code",
                "укажите ровно одно из полей code и code_hex".into(),
                "give exactly one of code and code_hex".into(),
            ))
        }
    }?;
    to_json(&describe(&parsed))
}
