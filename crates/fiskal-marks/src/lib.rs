//! Честный ЗНАК mark codes: from whatever the scanner produced to every form a receipt or a
//! cloud-register API needs.
//!
//! ```
//! use fiskal_marks::{provider, MarkCode, ProductGroup};
//!
//! // A keyboard-wedge scan: AIM prefix, leading FNC1 as 0xE8, GS written as text.
//! let crypto = "Y4O/9CcUX4YrsehY0jUvHmlWpY5gQ2P8HzJ15ZtlzLU="; // synthetic, 44 characters
//! let scan = format!("]d2\u{e8}010469025752852321G+mgsHw<DiLN_<GS>91EE05<GS>92{crypto}");
//! let mark = MarkCode::parse(&scan).unwrap();
//!
//! assert_eq!(mark.gtin(), Some("04690257528523"));
//! assert_eq!(mark.serial(), Some("G+mgsHw<DiLN_"));
//! assert_eq!(mark.product_group(), ProductGroup::Crypto44);
//! assert_eq!(mark.mark_type().value(), 4);
//! assert_eq!(mark.warnings().len(), 4); // prefix, FNC1, two textual GS
//!
//! // ФФД 1.05 tag 1162 and ФФД 1.2 tags 1163 / 2000.
//! assert_eq!(
//!     mark.tag_1162().unwrap().to_hex_spaced(),
//!     "44 4D 04 44 09 22 46 CB 47 2B 6D 67 73 48 77 3C 44 69 4C 4E 5F"
//! );
//! let child = mark.tag_1163();
//! assert_eq!((child.tag(), child.value()), (1305, "010469025752852321G+mgsHw<DiLN_"));
//! assert!(mark.tag_2000().contains("\u{1d}91EE05\u{1d}92"));
//!
//! // Provider fields.
//! assert_eq!(provider::atol_v5_mark_code(&mark).key(), "gs1m");
//! assert_eq!(provider::orange_data_item_code(&mark), mark.tag_2000());
//! ```
//!
//! # What the parser accepts
//!
//! * Around the code: whitespace, CR/LF, a BOM; an AIM symbology identifier (`]d2`, `]C1`,
//!   `]Q3`, any `]` + letter + digit); a leading FNC1 as 0x1D, 0xE8 (U+00E8) or any textual
//!   separator form.
//! * Group separators as 0x1D, or as the text `\u001d`, `\x1d`, `<GS>`, `{GS}`, `{FNC1}`
//!   (any case), or `␝` (U+241D). The textual forms can be turned off with
//!   [`ParseOptions::with_textual_separators`]. A trailing separator is dropped.
//! * GS1 element strings (AI table in [`MarkCode::elements`]). Without any GS the serial's
//!   end is recovered from the product-group serial lengths 13, 7 and 6 and reported as
//!   [`Warning::SeparatorRecovered`]; if that is ambiguous the result is an error.
//! * Tobacco pack codes (29 characters), EAN-8, EAN-13, ITF-14 (check digits verified), fur
//!   КиЗ, ЕГАИС 2.0 (68) and 3.0 (150 characters).
//!
//! Everything that was changed is listed in [`MarkCode::warnings`]. A code typed with the
//! Russian keyboard layout is reported ([`MarkError::RussianKeyboardLayout`]), never fixed
//! silently; see [`latin_from_russian_layout`] for the explicit fix.
//!
//! Errors carry the character position in the caller's input and what was expected there.
#![forbid(unsafe_code)]

mod check;
mod classify;
mod encode;
mod error;
mod gs1;
mod keyboard;
mod normalize;
pub mod provider;

pub use check::gs1_check_digit;
pub use classify::{CodeFormat, CodeKind, Crypto44, GroupBasis, MarkType, ProductGroup};
pub use encode::{Tag1162, Tag1163, TypeCode, TAG_1162_MAX_LEN};
pub use error::MarkError;
pub use keyboard::latin_from_russian_layout;
pub use normalize::{SeparatorForm, Warning, GS, MAX_CODE_CHARS};
pub use provider::{AtolV5MarkCode, TypePrefix};

use gs1::Elements;

/// What to do with a code that matches none of the known formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Unrecognized {
    /// Fail with [`MarkError::UnrecognizedFormat`] (the default).
    #[default]
    Reject,
    /// Accept it as [`CodeFormat::Unidentified`] (tag 1300, mark type 0, no tag 1162). The
    /// text must still be printable ASCII of at most 256 characters. A code that looks like
    /// a GS1 code (starts with `01` or contains GS) but is malformed is still an error.
    Accept,
}

/// Parser settings. `ParseOptions::default()` is what [`MarkCode::parse`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ParseOptions {
    /// Read `\u001d`, `\x1d`, `<GS>`, `{GS}`, `{FNC1}` as GS (default `true`).
    pub textual_separators: bool,
    /// Tag 2100 for a 44-character crypto code (default [`Crypto44::Checked`], 4).
    pub crypto44: Crypto44,
    /// What to do with codes of no known format (default [`Unrecognized::Reject`]).
    pub unrecognized: Unrecognized,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            textual_separators: true,
            crypto44: Crypto44::Checked,
            unrecognized: Unrecognized::Reject,
        }
    }
}

impl ParseOptions {
    /// The defaults.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether textual separators are read as GS. Turn this off if your codes come straight
    /// from a scanner that sends 0x1D: `<GS>` is, in theory, four valid serial characters.
    #[must_use]
    pub fn with_textual_separators(mut self, on: bool) -> Self {
        self.textual_separators = on;
        self
    }

    /// Which tag-2100 value a 44-character crypto code gets.
    #[must_use]
    pub fn with_crypto44(mut self, crypto44: Crypto44) -> Self {
        self.crypto44 = crypto44;
        self
    }

    /// What to do with codes of no known format.
    #[must_use]
    pub fn with_unrecognized(mut self, unrecognized: Unrecognized) -> Self {
        self.unrecognized = unrecognized;
        self
    }
}

/// One GS1 element of a code: application identifier and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Element<'a> {
    /// The application identifier, e.g. `"01"`, `"21"`, `"8005"`.
    pub ai: &'static str,
    /// The value, without the identifier and without separators.
    pub value: &'a str,
}

/// A parsed, validated mark code.
///
/// Immutable; cheap to clone. Methods: [`parse`](Self::parse),
/// [`parse_with`](Self::parse_with), [`parse_bytes`](Self::parse_bytes),
/// [`parse_bytes_with`](Self::parse_bytes_with), [`format`](Self::format),
/// [`gtin`](Self::gtin), [`serial`](Self::serial), [`elements`](Self::elements),
/// [`element`](Self::element), [`product_group`](Self::product_group),
/// [`code_kind`](Self::code_kind), [`mark_type`](Self::mark_type),
/// [`warnings`](Self::warnings), [`tag_2000`](Self::tag_2000), [`tag_1163`](Self::tag_1163),
/// [`tag_1162`](Self::tag_1162). Provider forms are in [`provider`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkCode {
    format: CodeFormat,
    /// The canonical code (tag 2000): ASCII, GS as 0x1D.
    code: String,
    /// GS1 elements as spans of `code`; empty for other formats.
    spans: Elements,
    warnings: Vec<Warning>,
    crypto44: Crypto44,
}

impl MarkCode {
    /// Parses a code with the default [`ParseOptions`].
    ///
    /// # Errors
    /// A [`MarkError`] saying where and what is wrong.
    pub fn parse(input: &str) -> Result<Self, MarkError> {
        Self::parse_with(input, &ParseOptions::default())
    }

    /// Parses a code with the given options.
    ///
    /// # Errors
    /// A [`MarkError`] saying where and what is wrong.
    pub fn parse_with(input: &str, options: &ParseOptions) -> Result<Self, MarkError> {
        let n = normalize::normalize(input, options.textual_separators)?;
        let accept = options.unrecognized == Unrecognized::Accept;
        let (format, elements, recovered, crypto) = classify::recognize(&n, accept)?;
        let (code, spans) = if format == CodeFormat::Gs1 {
            gs1::render(n.body, elements)
        } else {
            // Non-GS1 bodies are printable ASCII without GS.
            (n.body, Elements::new())
        };
        let mut warnings = n.warnings;
        warnings.extend(recovered);
        warnings.extend(crypto);
        Ok(Self {
            format,
            code,
            spans,
            warnings,
            crypto44: options.crypto44,
        })
    }

    /// Parses raw bytes from a scanner or a file, with the default options.
    ///
    /// UTF-8 is read as text. Other bytes are read one character per byte (so error
    /// positions are byte offsets): a leading 0xE8 is FNC1, and Windows-1251 Cyrillic bytes
    /// are reported as [`MarkError::RussianKeyboardLayout`].
    ///
    /// # Errors
    /// A [`MarkError`] saying where and what is wrong.
    pub fn parse_bytes(input: &[u8]) -> Result<Self, MarkError> {
        Self::parse_bytes_with(input, &ParseOptions::default())
    }

    /// [`parse_bytes`](Self::parse_bytes) with the given options.
    ///
    /// # Errors
    /// A [`MarkError`] saying where and what is wrong.
    pub fn parse_bytes_with(input: &[u8], options: &ParseOptions) -> Result<Self, MarkError> {
        Self::parse_with(&normalize::decode_bytes(input), options)
    }

    /// The recognised format.
    #[must_use]
    pub fn format(&self) -> CodeFormat {
        self.format
    }

    /// The GTIN: AI 01 of a GS1 code (14 digits), the first 14 digits of a tobacco pack code,
    /// or the digits of an EAN-8 / EAN-13 / ITF-14. `None` for fur, ЕГАИС and unidentified
    /// codes.
    #[must_use]
    #[inline]
    pub fn gtin(&self) -> Option<&str> {
        match self.format {
            CodeFormat::Gs1 => self.value_at_row(gs1::ROW_01),
            CodeFormat::TobaccoPack => self.code.get(..14),
            CodeFormat::Ean8 | CodeFormat::Ean13 | CodeFormat::Itf14 => Some(&self.code),
            _ => None,
        }
    }

    /// The serial number: AI 21 of a GS1 code, or characters 15–21 of a tobacco pack code.
    #[must_use]
    #[inline]
    pub fn serial(&self) -> Option<&str> {
        match self.format {
            CodeFormat::Gs1 => self.value_at_row(gs1::ROW_21),
            CodeFormat::TobaccoPack => self.code.get(14..21),
            _ => None,
        }
    }

    /// The GS1 elements in the order of the code (empty for other formats).
    ///
    /// The application identifiers known to the parser: 00, 01, 02, 10, 11, 13, 15, 16, 17,
    /// 20, 21, 22, 240, 241, 30, 3100–3105, 3150–3155, 7003, 8005, 90, 91 (4 characters),
    /// 92 (44 or 88 Base64 characters), 93 (4 characters). The GTIN check digit of 01 and
    /// 02 is verified.
    pub fn elements(&self) -> impl ExactSizeIterator<Item = Element<'_>> + '_ {
        self.spans.iter().map(|s| Element {
            ai: s.spec().ai,
            value: &self.code[s.start()..s.end()],
        })
    }

    /// The value of one GS1 element, by application identifier.
    #[must_use]
    #[inline]
    pub fn element(&self, ai: &str) -> Option<&str> {
        self.value_at_row(gs1::row_of_ai(ai)?)
    }

    /// The value of the element of AI-table row `row` (see `gs1::ROW_01` …).
    #[inline]
    pub(crate) fn value_at_row(&self, row: u8) -> Option<&str> {
        self.spans
            .iter()
            .find(|s| s.row() == row)
            .map(|s| &self.code[s.start()..s.end()])
    }

    /// Length of an element's value, by application identifier.
    #[inline(always)]
    fn len_of(&self, ai: &str) -> Option<usize> {
        let row = gs1::row_of_ai(ai)?;
        self.spans.iter().find(|s| s.row() == row).map(|s| s.len())
    }

    /// The product group, where the code tells it (see [`ProductGroup`]).
    #[must_use]
    pub fn product_group(&self) -> ProductGroup {
        classify::product_group(self.format, |ai| self.len_of(ai)).0
    }

    /// Why [`product_group`](Self::product_group) is what it is: the evidence in the code, or
    /// why the code does not tell the group and what the caller can do
    /// ([`GroupBasis::note`]).
    #[must_use]
    pub fn product_group_basis(&self) -> GroupBasis {
        classify::product_group(self.format, |ai| self.len_of(ai)).1
    }

    /// The ФФД 1.2 code kind (the child tag of 1163, 1300–1309).
    #[must_use]
    pub fn code_kind(&self) -> CodeKind {
        classify::code_kind(self.format, |ai| self.len_of(ai))
    }

    /// Tag 2100 «тип кода маркировки» (0–5), from the crypto part (see [`Crypto44`] for the
    /// 3-or-4 choice).
    #[must_use]
    pub fn mark_type(&self) -> MarkType {
        classify::mark_type(self.format, |ai| self.len_of(ai), self.crypto44)
    }

    /// What normalisation changed or inferred, in input order (recovery last).
    #[must_use]
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Tag 2000 «код маркировки» (ФФД 1.2): the full code, crypto tail included, with GS
    /// (0x1D) after every GS1 element of variable length (and after 91, 93, 8005, 7003)
    /// except the last; no leading FNC1 or symbology identifier. This is also the raw code
    /// providers want (Orange Data `itemCode`, the Base64 input of ATOL `gs1m`).
    #[must_use]
    pub fn tag_2000(&self) -> &str {
        &self.code
    }

    /// The tag 1163 child (ФФД 1.2): tag 1300–1309 (Приказ ФНС ЕД-7-20/662@, приложение 2)
    /// and its value.
    #[must_use]
    pub fn tag_1163(&self) -> Tag1163 {
        encode::tag_1163(self)
    }

    /// Tag 1162 «код товара» (ФФД 1.05), see [`Tag1162`] for the layout per format.
    ///
    /// # Errors
    /// [`MarkError::NotEncodable`] for [`CodeFormat::Unidentified`]: ФФД 1.05 has no type
    /// code for it.
    pub fn tag_1162(&self) -> Result<Tag1162, MarkError> {
        encode::tag_1162(self)
    }
}

impl std::str::FromStr for MarkCode {
    type Err = MarkError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked examples of tag 1162: the EAN-13 example of ММВ-7-20/229@ (ред. 29.08.2019,
    /// quoted in <https://github.com/shtrih-m/fr_drv_ng/issues/97>) and a shoe code of the
    /// published develop-1c.ru example (with a synthetic crypto tail).
    #[test]
    fn worked_examples_of_the_reference() {
        let crypto = "A".repeat(88);
        let shoes = MarkCode::parse(&format!(
            "0104690257528523{}G+mgsHw<DiLN_\u{1d}91EE05\u{1d}92{crypto}",
            "21"
        ))
        .unwrap();
        let tag = shoes.tag_1162().unwrap();
        assert_eq!(
            tag.to_hex_spaced(),
            "44 4D 04 44 09 22 46 CB 47 2B 6D 67 73 48 77 3C 44 69 4C 4E 5F"
        );
        assert_eq!(tag.len(), 21);
        assert_eq!(shoes.tag_1163().value(), "010469025752852321G+mgsHw<DiLN_");
        assert_eq!(shoes.tag_1163().value().len(), 31);
        assert_eq!(shoes.mark_type(), MarkType::Crypto88);
        assert_eq!(shoes.product_group(), ProductGroup::Shoes);

        let ean = MarkCode::parse("4606203090785").unwrap();
        assert_eq!(
            ean.tag_1162().unwrap().to_hex_spaced(),
            "45 0D 04 30 77 19 57 61"
        );
        assert_eq!(ean.tag_1163().tag(), 1302);
    }

    #[test]
    fn tobacco_1162_includes_the_price() {
        let pack = MarkCode::parse("04606203098187AbC-dEf0A1BxY2z").unwrap();
        let bytes = pack.tag_1162().unwrap();
        assert_eq!(bytes.len(), 21);
        assert_eq!(&bytes.as_bytes()[8..], b"AbC-dEf0A1B  ");
        assert_eq!(pack.tag_1163().value(), "010460620309818721AbC-dEf");
        assert_eq!(pack.mark_type(), MarkType::Short);

        let block =
            MarkCode::parse("010460620309818721AbC-dEf\u{1d}8005012000\u{1d}93Zx9y").unwrap();
        assert_eq!(&block.tag_1162().unwrap().as_bytes()[8..], b"AbC-dEf012000");
        assert_eq!(block.product_group(), ProductGroup::TobaccoBlock);
        assert_eq!(block.mark_type(), MarkType::Check4);
    }

    #[test]
    fn unidentified_codes_only_on_request() {
        assert_eq!(
            MarkCode::parse("HELLO-123").unwrap_err().code(),
            "unrecognized_format"
        );
        let options = ParseOptions::new().with_unrecognized(Unrecognized::Accept);
        let mark = MarkCode::parse_with("HELLO-123", &options).unwrap();
        assert_eq!(mark.code_kind(), CodeKind::Unidentified);
        assert_eq!(mark.tag_1162().unwrap_err().code(), "not_encodable");
        assert_eq!(
            provider::atol_v5_mark_code(&mark).to_json(),
            r#"{"unknown":"HELLO-123"}"#
        );
    }

    #[test]
    fn bytes_with_raw_fnc1_and_cp1251() {
        let mark = MarkCode::parse_bytes(b"\xe84606203090785").unwrap();
        assert_eq!(mark.format(), CodeFormat::Ean13);
        let err = MarkCode::parse_bytes(b"010460620309078521\xcf\xd9").unwrap_err();
        assert_eq!(
            err,
            MarkError::RussianKeyboardLayout {
                position: 18,
                found: 'П'
            }
        );
    }
}
