//! The mark-code fields of each cloud-register API, from one parsed [`MarkCode`].
//!
//! | Provider | Field | Value | Function |
//! |---|---|---|---|
//! | ATOL Online v4 (ФФД 1.05) | `items[].nomenclature_code` | tag 1162 as upper-case hex, bytes separated by spaces | [`atol_v4_nomenclature_code`] |
//! | ATOL Online v5 (ФФД 1.2) | `items[].mark_code` | object with one key, see [`AtolV5MarkCode`] | [`atol_v5_mark_code`] |
//! | Orange Data (ФФД 1.05) | `positions[].nomenclatureCode` | Base64 of the tag-1162 bytes | [`orange_data_nomenclature_code`] |
//! | Orange Data (ФФД 1.2) | `positions[].itemCode` | the full code with GS (tag 2000), not Base64 | [`orange_data_item_code`] |
//! | Business.ru Open API (ФФД 1.05) | `goods[].nomenclature_code` | tag-1162 hex, type code omitted by default | [`business_ru_nomenclature_code`] |
//!
//! Business.ru's ATOL-compatible endpoints take the ATOL forms above unchanged.

use crate::classify::CodeKind;
use crate::encode::{base64, hex_upper};
use crate::error::MarkError;
use crate::MarkCode;

/// Whether a tag-1162 text form carries the 2-byte type code (`44 4D` …) at its start.
///
/// Only [`business_ru_nomenclature_code`] takes this setting, so the default is that of the
/// Business.ru Open API, [`Omitted`](Self::Omitted) (see the function for why and how to
/// verify it). The constants name the documented choice per API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TypePrefix {
    /// The full 1162 value, type code first.
    Included,
    /// The 1162 value without its first two bytes: GTIN (6 bytes) + serial part.
    #[default]
    Omitted,
}

impl TypePrefix {
    /// ATOL v4 and Business.ru's ATOL-compatible endpoints: the full value («АТОЛ Онлайн.
    /// Описание протокола v4 (ФФД 1.05)», doc 5.15, Table 2 `nomenclature_code`; Bitrix's
    /// `CashboxAtolFarmV4::buildPositionNomenclatureCode`, which its Business.ru cashbox inherits).
    pub const ATOL_V4: Self = Self::Included;
    /// Business.ru Open API: omitted. See [`business_ru_nomenclature_code`] for why and how
    /// to verify it.
    pub const BUSINESS_RU_OPEN_API: Self = Self::Omitted;
}

/// ATOL v4 `nomenclature_code`: tag 1162 as upper-case hex, bytes separated by single spaces,
/// type code included (`44 4D 04 44 09 22 46 CB …`).
///
/// # Errors
/// [`MarkError::NotEncodable`] for a code of unidentified format (no 1162 type exists).
pub fn atol_v4_nomenclature_code(mark: &MarkCode) -> Result<String, MarkError> {
    Ok(mark.tag_1162()?.to_hex_spaced())
}

/// The ATOL v5 `mark_code` object: exactly one key (ATOL's v5 protocol as quoted by
/// <https://github.com/ili/atol-online>, `AtolOnline/V5`; no public copy of the v5 document
/// was found).
///
/// | Key | Tag | Value produced here |
/// |---|---|---|
/// | `gs1m` | 1305 | Base64 of the full code with GS (tag 2000), as ATOL requires |
/// | `gs10` | 1304 | the 1163 value (`01` + GTIN …), plain |
/// | `short` | 1306 | the 29-character tobacco pack code as read, plain |
/// | `ean8`, `ean13`, `itf14` | 1301–1303 | the digits |
/// | `fur` | 1307 | the 20-character КиЗ |
/// | `egais20`, `egais30` | 1308, 1309 | the 23- / 14-character identifier |
/// | `unknown` | 1300 | the code, cut to 32 characters |
///
/// Uncertain: for `short` ATOL documents "≤ 38 characters" without saying whether the МРЦ
/// and check code stay; this sends the pack code as read (29 characters), which fits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AtolV5MarkCode {
    key: &'static str,
    value: String,
}

impl AtolV5MarkCode {
    /// The key: `gs1m`, `short`, `ean13`, ….
    #[must_use]
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The string value.
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The object as compact JSON, e.g. `{"gs1m":"MDEwNDY5…"}`.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(self.value.len() + self.key.len() + 8);
        out.push_str("{\"");
        out.push_str(self.key);
        out.push_str("\":\"");
        for c in self.value.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push_str("\"}");
        out
    }
}

/// The ATOL v5 `mark_code` object of a code (see [`AtolV5MarkCode`]).
#[must_use]
pub fn atol_v5_mark_code(mark: &MarkCode) -> AtolV5MarkCode {
    let kind = mark.code_kind();
    let value = match kind {
        CodeKind::Gs1Marked => base64(mark.tag_2000().as_bytes()),
        CodeKind::Short => mark.tag_2000().to_owned(),
        _ => mark.tag_1163().value().to_owned(),
    };
    AtolV5MarkCode {
        key: kind.atol_v5_key(),
        value,
    }
}

/// Orange Data `nomenclatureCode` (ФФД 1.05): Base64 of the raw tag-1162 bytes.
///
/// # Errors
/// [`MarkError::NotEncodable`] for a code of unidentified format.
pub fn orange_data_nomenclature_code(mark: &MarkCode) -> Result<String, MarkError> {
    Ok(mark.tag_1162()?.to_base64())
}

/// Orange Data `itemCode` (ФФД 1.2): the code as a plain string with GS (0x1D) separators,
/// i.e. tag 2000. JSON serialisation writes GS as `\u001d`.
#[must_use]
pub fn orange_data_item_code(mark: &MarkCode) -> &str {
    mark.tag_2000()
}

/// Business.ru Open API `goods[].nomenclature_code` (ФФД 1.05): tag 1162 as upper-case hex
/// with spaces, with or without the type code.
///
/// Use [`TypePrefix::BUSINESS_RU_OPEN_API`] (= [`TypePrefix::Omitted`]) unless a test on
/// your account shows otherwise.
///
/// **Why omitted.** Integrators report that the Open API prepends the 2-byte type code
/// itself, so a full 1162 value (`44 4D …`) comes out on the receipt with a doubled prefix
/// (`44 4D 44 4D …`) and a wrong GTIN. Business.ru does not publish the format of this
/// field (nothing public confirms it): this is the likely reading of the reports,
/// **not** a documented fact. Its ATOL-compatible endpoints, by contrast, take the full ATOL
/// form ([`atol_v4_nomenclature_code`]).
///
/// **How to verify on a real account.** Send one receipt for a test item through
/// `https://check-dev.business.ru/open-api/v1/` (or a production account with a cheap item
/// you refund at once) with the value from this function, then open the receipt in the ОФД
/// cabinet (or ask the ОФД for the document's TLV) and look at tag 1162 («код товара» /
/// «КТ»): it must be `44 4D`, then the 6 GTIN bytes, then the serial — exactly
/// [`Tag1162::to_hex_spaced`](crate::Tag1162::to_hex_spaced) of the same code. If it starts
/// with `44 4D 44 4D`, keep `Omitted`; if the `44 4D` is missing, use `Included`. Whether
/// the service wants spaces between bytes is not documented either; the spaced form is the
/// one its ATOL-compatible API takes, and the same check tells whether it is accepted.
///
/// # Errors
/// [`MarkError::NotEncodable`] for a code of unidentified format.
pub fn business_ru_nomenclature_code(
    mark: &MarkCode,
    prefix: TypePrefix,
) -> Result<String, MarkError> {
    let tag = mark.tag_1162()?;
    Ok(match prefix {
        TypePrefix::Included => tag.to_hex_spaced(),
        TypePrefix::Omitted => hex_upper(tag.without_type_code(), true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_quotes_backslashes_and_controls() {
        let m = AtolV5MarkCode {
            key: "short",
            value: "a\"b\\c\u{1d}".to_owned(),
        };
        assert_eq!(m.to_json(), r#"{"short":"a\"b\\c\u001d"}"#);
    }

    #[test]
    fn business_ru_prefix_setting() {
        let mark = MarkCode::parse("4606203090785").unwrap();
        assert_eq!(
            business_ru_nomenclature_code(&mark, TypePrefix::Included).unwrap(),
            "45 0D 04 30 77 19 57 61"
        );
        assert_eq!(
            business_ru_nomenclature_code(&mark, TypePrefix::BUSINESS_RU_OPEN_API).unwrap(),
            "04 30 77 19 57 61"
        );
        assert_eq!(TypePrefix::default(), TypePrefix::BUSINESS_RU_OPEN_API);
    }
}
