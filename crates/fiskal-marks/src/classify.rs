//! What kind of code it is: the format (GS1, tobacco pack, EAN …), the product group where
//! the code tells it, the ФФД 1.2 code kind (tags 1300–1309) and the mark type (tag 2100).

use crate::check;
use crate::error::MarkError;
use crate::gs1::{self, Elements};
use crate::normalize::{Normalized, Warning};

/// The format of a code, as recognised from its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeFormat {
    /// GS1 element string (GS1 DataMatrix of Честный ЗНАК, or another GS1 code starting
    /// with AI 01).
    Gs1,
    /// Tobacco pack short code: 29 characters without AIs (GTIN 14 + serial 7 + МРЦ 4 +
    /// check code 4).
    TobaccoPack,
    /// EAN-8, 8 digits, check digit verified.
    Ean8,
    /// EAN-13, 13 digits, check digit verified.
    Ean13,
    /// ITF-14, 14 digits, check digit verified.
    Itf14,
    /// Fur КиЗ, 20 characters, mask `СС-ЦЦЦЦЦЦ-СССССССССС`: two Latin capitals, `-`, six
    /// digits, `-`, ten Latin capitals or digits.
    Fur,
    /// ЕГАИС 2.0 excise stamp (PDF-417), 68 Latin capitals and digits.
    Egais20,
    /// ЕГАИС 3.0 excise stamp, 150 Latin capitals and digits.
    Egais30,
    /// None of the above; only produced with [`Unrecognized::Accept`](crate::Unrecognized::Accept).
    Unidentified,
}

impl CodeFormat {
    /// A stable snake_case name, used in the test vectors and the bindings.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gs1 => "gs1",
            Self::TobaccoPack => "tobacco_pack",
            Self::Ean8 => "ean8",
            Self::Ean13 => "ean13",
            Self::Itf14 => "itf14",
            Self::Fur => "fur",
            Self::Egais20 => "egais20",
            Self::Egais30 => "egais30",
            Self::Unidentified => "unidentified",
        }
    }
}

/// The Честный ЗНАК product group, where the structure of the code tells it.
///
/// The code does not name its group; this is inferred from the layouts published by ЦРПТ
/// partners (Robokassa «Описание структуры кодов датаматрикс систем ГИС МТ, МДЛП», v1.2 of
/// 28.01.2022; markirovka.ru «Как "собирается" код DataMatrix»; beer is not confirmed by a
/// public source), so some groups share a variant:
///
/// | Layout | Group |
/// |---|---|
/// | 29 characters, no AIs | [`TobaccoPack`](Self::TobaccoPack) |
/// | has 8005 (МРЦ) | [`TobaccoBlock`](Self::TobaccoBlock) |
/// | 92 of 88 characters | [`Shoes`](Self::Shoes) (or [`Medicines`](Self::Medicines) with 17/10/240) |
/// | 92 of 44 characters | [`Crypto44`](Self::Crypto44) (or [`Medicines`](Self::Medicines) with 17/10/240) |
/// | 93, serial 13 | [`Water`](Self::Water) |
/// | 93, serial 7 | [`Unknown`](Self::Unknown): given for beer only by sources fiskal could not confirm |
/// | 93, serial 6 | [`Milk`](Self::Milk) |
/// | fur КиЗ | [`Fur`](Self::Fur) |
/// | ЕГАИС | [`Alcohol`](Self::Alcohol) |
/// | anything else | [`Unknown`](Self::Unknown) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProductGroup {
    /// Обувь: serial 13, 91 + 92 of 88 characters.
    Shoes,
    /// Serial 13, 91 + 92 of 44 characters: light industry (clothing), tyres, perfume,
    /// photo goods and other groups with the same layout. The code alone cannot tell them
    /// apart; the item's GTIN card in the national catalogue can.
    Crypto44,
    /// Лекарства (МДЛП): 91 + 92 together with 17 (expiry), 10 (batch) or 240.
    Medicines,
    /// Упакованная вода: serial 13 + 93.
    Water,
    /// Молочная продукция: serial 6 + 93 (optionally 3103 weight, 17/7003 expiry).
    Milk,
    /// Пиво. Never inferred from a code: the layout sometimes given for it (serial 7 + 93)
    /// is not confirmed by a published source, so such codes are [`Unknown`](Self::Unknown)
    /// (see [`GroupBasis::UnconfirmedLayout`]). Kept for callers that name the group.
    Beer,
    /// Табак, пачка: the 29-character short code.
    TobaccoPack,
    /// Табак, блок: 01, 21 (7), 8005 (МРЦ), 93.
    TobaccoBlock,
    /// Меховые изделия: КиЗ.
    Fur,
    /// Alcohol with a ЕГАИС excise stamp.
    Alcohol,
    /// Not told by the code (EAN/ITF barcodes, GS1 codes without a crypto tail, …).
    Unknown,
}

impl ProductGroup {
    /// A stable snake_case name, used in the test vectors and the bindings.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shoes => "shoes",
            Self::Crypto44 => "crypto44",
            Self::Medicines => "medicines",
            Self::Water => "water",
            Self::Milk => "milk",
            Self::Beer => "beer",
            Self::TobaccoPack => "tobacco_pack",
            Self::TobaccoBlock => "tobacco_block",
            Self::Fur => "fur",
            Self::Alcohol => "alcohol",
            Self::Unknown => "unknown",
        }
    }
}

/// The ФФД 1.2 code kind: which child of tag 1163 carries the code (tags 1300–1309).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeKind {
    /// 1300 «КТ Н»: format not identified.
    Unidentified,
    /// 1301 «КТ EAN-8».
    Ean8,
    /// 1302 «КТ EAN-13».
    Ean13,
    /// 1303 «КТ ITF-14».
    Itf14,
    /// 1304 «КТ GS1.0»: GS1 code of goods not subject to marking (here: a GS1 code without a
    /// serial number, AI 21).
    Gs1,
    /// 1305 «КТ GS1.М»: GS1 code of goods subject to marking (a GS1 code with AI 21).
    Gs1Marked,
    /// 1306 «КТ КМК»: short mark code (tobacco pack).
    Short,
    /// 1307 «КТ МИ»: fur КиЗ.
    Fur,
    /// 1308 «КТ ЕГАИС-2.0».
    Egais20,
    /// 1309 «КТ ЕГАИС-3.0».
    Egais30,
}

impl CodeKind {
    const ALL: [Self; 10] = [
        Self::Unidentified,
        Self::Ean8,
        Self::Ean13,
        Self::Itf14,
        Self::Gs1,
        Self::Gs1Marked,
        Self::Short,
        Self::Fur,
        Self::Egais20,
        Self::Egais30,
    ];

    /// The FFD tag number of the 1163 child, 1300–1309.
    #[must_use]
    pub fn tag(self) -> u16 {
        match self {
            Self::Unidentified => 1300,
            Self::Ean8 => 1301,
            Self::Ean13 => 1302,
            Self::Itf14 => 1303,
            Self::Gs1 => 1304,
            Self::Gs1Marked => 1305,
            Self::Short => 1306,
            Self::Fur => 1307,
            Self::Egais20 => 1308,
            Self::Egais30 => 1309,
        }
    }

    /// The kind for a tag number, if it is one of 1300–1309.
    #[must_use]
    pub fn from_tag(tag: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.tag() == tag)
    }

    /// The key of the ATOL v5 `mark_code` object for this kind (ATOL's v5 protocol as quoted
    /// by <https://github.com/ili/atol-online>, `AtolOnline/V5`).
    #[must_use]
    pub fn atol_v5_key(self) -> &'static str {
        match self {
            Self::Unidentified => "unknown",
            Self::Ean8 => "ean8",
            Self::Ean13 => "ean13",
            Self::Itf14 => "itf14",
            Self::Gs1 => "gs10",
            Self::Gs1Marked => "gs1m",
            Self::Short => "short",
            Self::Fur => "fur",
            Self::Egais20 => "egais20",
            Self::Egais30 => "egais30",
        }
    }
}

/// Tag 2100 «тип кода маркировки», derived from the crypto part of the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MarkType {
    /// 0: type not identified (no crypto part: EAN, ITF, fur, ЕГАИС, a bare КИ …).
    Unidentified,
    /// 1: short mark code (КМК), the 29-character tobacco pack code.
    Short,
    /// 2: crypto code of 88 characters, checked by the fiscal drive.
    Crypto88,
    /// 3: crypto code of 44 characters, not checked by the fiscal drive.
    Crypto44Unchecked,
    /// 4: crypto code of 44 characters, checked by the fiscal drive.
    Crypto44Checked,
    /// 5: verification code of 4 characters (AI 93), not checked by the fiscal drive.
    Check4,
}

impl MarkType {
    /// The value of tag 2100 (0–5).
    #[must_use]
    pub fn value(self) -> u8 {
        match self {
            Self::Unidentified => 0,
            Self::Short => 1,
            Self::Crypto88 => 2,
            Self::Crypto44Unchecked => 3,
            Self::Crypto44Checked => 4,
            Self::Check4 => 5,
        }
    }
}

/// Which tag-2100 value a 44-character crypto code (AI 92) gets: 3 or 4.
///
/// Tag 2100 (Приказ ФНС ЕД-7-20/662@, приложение 2): whether the code is "for FN check"
/// decides it, and the one public implementation seen
/// (<https://github.com/Ran-Thegoth/MKACCA9000>) decides it with a CRC32 over the
/// Base64-decoded 92 value, a rule not confirmed by
/// any published text. This crate does not guess: it uses **4 (checked)** by default,
/// because the codes of the 44-character groups (clothing, tyres, perfume, medicines) are
/// sent to the fiscal drive for the check in the ФФД 1.2 flow; pass
/// [`Crypto44::Unchecked`] when the register or the provider says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Crypto44 {
    /// Type 4: checked by the fiscal drive (the default).
    #[default]
    Checked,
    /// Type 3: not checked by the fiscal drive.
    Unchecked,
}

/// The result of recognition: format, GS1 elements (empty for other formats), a
/// separator-recovery warning and a crypto-signature warning.
pub(crate) type Recognized = (CodeFormat, Elements, Option<Warning>, Option<Warning>);

/// Recognises the format of a normalised code.
pub(crate) fn recognize(
    n: &Normalized,
    accept_unrecognized: bool,
) -> Result<Recognized, MarkError> {
    let body = n.body.as_bytes();
    let len = body.len();
    if !n.has_gs() {
        let all_digits = body.iter().all(u8::is_ascii_digit);
        let simple = |format| Ok((format, Elements::new(), None, None));
        match len {
            8 | 13 | 14 if all_digits => {
                verify_check_digit(n, 0, len)?;
                return simple(match len {
                    8 => CodeFormat::Ean8,
                    13 => CodeFormat::Ean13,
                    _ => CodeFormat::Itf14,
                });
            }
            // A 29-character code is a tobacco pack — unless its first 14 digits fail the GTIN
            // check and it reads as GS1 (`01` + GTIN + `21` + an 11-character serial, no GS):
            // then it is that (found by the mark_parse fuzz target).
            29 if body[..14].iter().all(u8::is_ascii_digit)
                && (check::verify(&body[..14]).is_ok() || !body.starts_with(b"01")) =>
            {
                verify_check_digit(n, 0, 14)?;
                check_cs82(n, 14, 29, "a GS1 character of the tobacco pack code")?;
                return simple(CodeFormat::TobaccoPack);
            }
            20 if body[2] == b'-' && body[9] == b'-' => {
                check_fur(n)?;
                return simple(CodeFormat::Fur);
            }
            68 | 150
                if body
                    .iter()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) =>
            {
                return simple(if len == 68 {
                    CodeFormat::Egais20
                } else {
                    CodeFormat::Egais30
                });
            }
            _ => {}
        }
    }
    // Every Честный ЗНАК GS1 code starts with AI 01 (GTIN), with or without GS separators.
    // Deciding by that alone (not by "has a GS") keeps recognition independent of separators:
    // a code must read the same once its redundant GS are dropped in the tag 2000 form (found
    // by the mark_parse fuzz target: `20 00 ␝ 01 …` was GS1 with the GS and unrecognised
    // without it).
    if body.starts_with(b"01") {
        let (elements, recovered, crypto) = gs1::parse(n)?;
        return Ok((CodeFormat::Gs1, elements, recovered, crypto));
    }
    if n.has_gs() {
        // GS1 syntax that does not start with 01: parse for the most precise error (an unknown
        // AI, no 01 at all …); if it parses, 01 is there but not first.
        gs1::parse(n)?;
        return Err(MarkError::MissingAi { ai: "01" });
    }
    if accept_unrecognized {
        return Ok((CodeFormat::Unidentified, Elements::new(), None, None));
    }
    Err(MarkError::UnrecognizedFormat { length: len })
}

fn verify_check_digit(n: &Normalized, start: usize, end: usize) -> Result<(), MarkError> {
    check::verify(&n.body.as_bytes()[start..end]).map_err(|(expected, found)| {
        MarkError::BadCheckDigit {
            position: n.pos(end - 1),
            expected,
            found,
        }
    })
}

fn check_cs82(
    n: &Normalized,
    start: usize,
    end: usize,
    expected: &'static str,
) -> Result<(), MarkError> {
    for i in start..end {
        let b = n.body.as_bytes()[i];
        if !gs1::is_cs82(b) {
            return Err(MarkError::UnexpectedChar {
                position: n.pos(i),
                found: char::from(b),
                expected,
            });
        }
    }
    Ok(())
}

fn check_fur(n: &Normalized) -> Result<(), MarkError> {
    for (i, &b) in n.body.as_bytes().iter().enumerate() {
        let (ok, expected) = match i {
            0 | 1 => (
                b.is_ascii_uppercase(),
                "a Latin capital letter (fur КиЗ mask СС-ЦЦЦЦЦЦ-СССССССССС)",
            ),
            2 | 9 => (b == b'-', "'-' (fur КиЗ mask СС-ЦЦЦЦЦЦ-СССССССССС)"),
            3..=8 => (
                b.is_ascii_digit(),
                "a digit (fur КиЗ mask СС-ЦЦЦЦЦЦ-СССССССССС)",
            ),
            _ => (
                b.is_ascii_uppercase() || b.is_ascii_digit(),
                "a Latin capital letter or a digit (fur КиЗ mask СС-ЦЦЦЦЦЦ-СССССССССС)",
            ),
        };
        if !ok {
            return Err(MarkError::UnexpectedChar {
                position: n.pos(i),
                found: char::from(b),
                expected,
            });
        }
    }
    Ok(())
}

/// Why [`crate::MarkCode::product_group`] says what it says: the evidence in the code, or why
/// there is none. The code never names its product group; only some layouts belong to one
/// group, and fiskal labels a group only where a published layout supports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GroupBasis {
    /// The format belongs to one group: the 29-character tobacco pack code, a fur КиЗ, an
    /// ЕГАИС excise stamp.
    Format,
    /// AI 8005 (МРЦ): a tobacco block.
    MaxRetailPrice,
    /// A crypto signature (92) together with 17, 10 or 240: medicines (МДЛП).
    MedicineElements,
    /// A crypto signature (92) of 88 characters: the shoe layout.
    Crypto88,
    /// A crypto signature (92) of 44 characters: shared by clothing, tyres, perfume, photo
    /// goods and other groups; the code cannot tell which.
    Crypto44,
    /// A check code (93) after a 13-character serial (packaged water) or a 6-character one
    /// (dairy).
    CheckCodeLayout,
    /// A check code (93) after a serial of another length, including the 7-character layout
    /// sometimes given for beer, which fiskal could not confirm from a published source: the
    /// group is left unknown rather than guessed.
    UnconfirmedLayout,
    /// A GS1 code without a crypto tail (no 91, 92 or 93): an identification code (КИ) alone,
    /// or a GS1 code of goods that are not marked.
    NoCryptoTail,
    /// A plain barcode (EAN-8, EAN-13, ITF-14) or an unidentified code: not a Честный ЗНАК
    /// mark code, no group.
    NotAMarkCode,
}

impl GroupBasis {
    /// A stable snake_case name, used in the API output and the vectors.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::Format => "format",
            Self::MaxRetailPrice => "max_retail_price",
            Self::MedicineElements => "medicine_elements",
            Self::Crypto88 => "crypto_88",
            Self::Crypto44 => "crypto_44",
            Self::CheckCodeLayout => "check_code_layout",
            Self::UnconfirmedLayout => "unconfirmed_layout",
            Self::NoCryptoTail => "no_crypto_tail",
            Self::NotAMarkCode => "not_a_mark_code",
        }
    }

    /// What the evidence is, and, where the group is unknown or shared, why and what the
    /// caller can do (English).
    #[must_use]
    pub fn note(self) -> &'static str {
        match self {
            Self::Format => "the code format belongs to one product group",
            Self::MaxRetailPrice => "AI 8005 (maximum retail price) is carried by tobacco blocks",
            Self::MedicineElements => "a crypto signature with expiry (17), batch (10) or AI 240 is the medicines layout",
            Self::Crypto88 => "a crypto signature of 88 characters is the shoe layout",
            Self::Crypto44 => "a crypto signature of 44 characters is shared by several groups (clothing, tyres, perfume, photo goods, ...); the group is on the GTIN's card in the national catalogue. Nothing fiskal writes depends on it; set the crypto44 option if your register does not check these codes (tag 2100 = 3)",
            Self::CheckCodeLayout => "a check code (AI 93) after a 13-character serial is the packaged-water layout, after a 6-character serial the dairy layout",
            Self::UnconfirmedLayout => "a check code (AI 93) after a serial of this length matches no confirmed product-group layout, so no group is named; the group is on the GTIN's card in the national catalogue. Nothing fiskal writes (1162, 1163, 2000, 2100) depends on it",
            Self::NoCryptoTail => "the code has no crypto tail (AI 91, 92 or 93), so it does not tell its product group; the group is on the GTIN's card in the national catalogue. Nothing fiskal writes (1162, 1163, 2000, 2100) depends on it; if the goods are marked, scan the full DataMatrix code",
            Self::NotAMarkCode => "a plain barcode or an unidentified code is not a Честный ЗНАК mark code and has no product group",
        }
    }
}

/// The product group of a recognised code (see [`ProductGroup`]) and the evidence for it.
/// `len_of(ai)` is the length of that GS1 element's value, if the code has it.
pub(crate) fn product_group(
    format: CodeFormat,
    len_of: impl Fn(&str) -> Option<usize>,
) -> (ProductGroup, GroupBasis) {
    match format {
        CodeFormat::TobaccoPack => return (ProductGroup::TobaccoPack, GroupBasis::Format),
        CodeFormat::Fur => return (ProductGroup::Fur, GroupBasis::Format),
        CodeFormat::Egais20 | CodeFormat::Egais30 => {
            return (ProductGroup::Alcohol, GroupBasis::Format)
        }
        CodeFormat::Gs1 => {}
        _ => return (ProductGroup::Unknown, GroupBasis::NotAMarkCode),
    }
    let has = |ai| len_of(ai).is_some();
    let medicine_extras = has("17") || has("10") || has("240");
    if has("8005") {
        return (ProductGroup::TobaccoBlock, GroupBasis::MaxRetailPrice);
    }
    match len_of("92") {
        Some(_) if medicine_extras => {
            return (ProductGroup::Medicines, GroupBasis::MedicineElements)
        }
        Some(88) => return (ProductGroup::Shoes, GroupBasis::Crypto88),
        Some(44) => return (ProductGroup::Crypto44, GroupBasis::Crypto44),
        _ => {}
    }
    if has("93") {
        return match len_of("21") {
            Some(13) => (ProductGroup::Water, GroupBasis::CheckCodeLayout),
            Some(6) => (ProductGroup::Milk, GroupBasis::CheckCodeLayout),
            _ => (ProductGroup::Unknown, GroupBasis::UnconfirmedLayout),
        };
    }
    if has("91") {
        // 91 without 92: no layout of any group.
        return (ProductGroup::Unknown, GroupBasis::UnconfirmedLayout);
    }
    (ProductGroup::Unknown, GroupBasis::NoCryptoTail)
}

/// The 1163 child kind of a recognised code.
pub(crate) fn code_kind(format: CodeFormat, len_of: impl Fn(&str) -> Option<usize>) -> CodeKind {
    match format {
        CodeFormat::Gs1 if len_of("21").is_some() => CodeKind::Gs1Marked,
        CodeFormat::Gs1 => CodeKind::Gs1,
        CodeFormat::TobaccoPack => CodeKind::Short,
        CodeFormat::Ean8 => CodeKind::Ean8,
        CodeFormat::Ean13 => CodeKind::Ean13,
        CodeFormat::Itf14 => CodeKind::Itf14,
        CodeFormat::Fur => CodeKind::Fur,
        CodeFormat::Egais20 => CodeKind::Egais20,
        CodeFormat::Egais30 => CodeKind::Egais30,
        CodeFormat::Unidentified => CodeKind::Unidentified,
    }
}

/// Tag 2100 of a recognised code: 92 of 88 → 2, 92 of 44 → 4 or 3 (see [`Crypto44`]),
/// 93 → 5, tobacco pack → 1, otherwise 0.
pub(crate) fn mark_type(
    format: CodeFormat,
    len_of: impl Fn(&str) -> Option<usize>,
    crypto44: Crypto44,
) -> MarkType {
    if format == CodeFormat::TobaccoPack {
        return MarkType::Short;
    }
    match len_of("92") {
        Some(88) => MarkType::Crypto88,
        Some(44) if crypto44 == Crypto44::Unchecked => MarkType::Crypto44Unchecked,
        Some(44) => MarkType::Crypto44Checked,
        _ if len_of("93").is_some() => MarkType::Check4,
        _ => MarkType::Unidentified,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn format_of(s: &str) -> Result<CodeFormat, MarkError> {
        recognize(&normalize(s, true)?, false).map(|r| r.0)
    }

    #[test]
    fn code_kind_tags_round_trip() {
        for kind in CodeKind::ALL {
            assert_eq!(CodeKind::from_tag(kind.tag()), Some(kind));
        }
        assert_eq!(CodeKind::from_tag(1310), None);
        let tags: Vec<u16> = CodeKind::ALL.iter().map(|k| k.tag()).collect();
        assert_eq!(tags, (1300..=1309).collect::<Vec<_>>());
    }

    #[test]
    fn formats_by_shape() {
        assert_eq!(format_of("4606203090785"), Ok(CodeFormat::Ean13));
        assert_eq!(format_of("96385074"), Ok(CodeFormat::Ean8));
        assert_eq!(format_of("04606203090785"), Ok(CodeFormat::Itf14));
        assert_eq!(
            format_of("04606203090785AbC-dEfMRC1Ch3k"),
            Ok(CodeFormat::TobaccoPack)
        );
        assert_eq!(format_of("RU-430302-ABC1234567"), Ok(CodeFormat::Fur));
        assert_eq!(format_of(&"22N0".repeat(17)), Ok(CodeFormat::Egais20));
        assert_eq!(format_of(&"A1".repeat(75)), Ok(CodeFormat::Egais30));
        assert_eq!(format_of("010460620309078521abc"), Ok(CodeFormat::Gs1));
        assert_eq!(
            format_of("hello"),
            Err(MarkError::UnrecognizedFormat { length: 5 })
        );
    }

    #[test]
    fn fur_mask_errors_point_at_the_character() {
        let err = format_of("RU-43O302-ABC1234567").unwrap_err();
        assert_eq!(err.code(), "unexpected_char");
        assert_eq!(err.position(), Some(5));
        let err = format_of("ru-430302-ABC1234567").unwrap_err();
        assert_eq!(err.position(), Some(0));
    }

    /// `len_of` over a list of (ai, value) pairs.
    fn lens<'a>(elements: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<usize> + 'a {
        move |ai| {
            elements
                .iter()
                .find(|(a, _)| *a == ai)
                .map(|(_, v)| v.len())
        }
    }

    #[test]
    fn mark_type_from_crypto_part() {
        let c44 = "A".repeat(44);
        let c88 = "A".repeat(88);
        let gs1 = CodeFormat::Gs1;
        let checked = Crypto44::Checked;
        assert_eq!(
            mark_type(gs1, lens(&[("92", &c88)]), checked),
            MarkType::Crypto88
        );
        assert_eq!(mark_type(gs1, lens(&[("92", &c44)]), checked).value(), 4);
        assert_eq!(
            mark_type(gs1, lens(&[("92", &c44)]), Crypto44::Unchecked).value(),
            3
        );
        assert_eq!(mark_type(gs1, lens(&[("93", "abcd")]), checked).value(), 5);
        assert_eq!(
            mark_type(CodeFormat::TobaccoPack, lens(&[]), checked).value(),
            1
        );
        assert_eq!(mark_type(gs1, lens(&[("21", "x")]), checked).value(), 0);
    }

    #[test]
    fn product_group_from_layout() {
        let c44 = "A".repeat(44);
        let gs1 = CodeFormat::Gs1;
        type Row<'a> = (&'a [(&'a str, &'a str)], ProductGroup, GroupBasis);
        let table: [Row<'_>; 8] = [
            (
                &[("21", "ABCDEFGHIJKLM"), ("91", "EE05"), ("92", &c44)],
                ProductGroup::Crypto44,
                GroupBasis::Crypto44,
            ),
            (
                &[("21", "ABCDEFGHIJKLM"), ("17", "270101"), ("92", &c44)],
                ProductGroup::Medicines,
                GroupBasis::MedicineElements,
            ),
            (
                &[("21", "ABCDEFGHIJKLM"), ("93", "abcd")],
                ProductGroup::Water,
                GroupBasis::CheckCodeLayout,
            ),
            // The beer layout is not confirmed: no group is named for it.
            (
                &[("21", "ABCDEFG"), ("93", "abcd")],
                ProductGroup::Unknown,
                GroupBasis::UnconfirmedLayout,
            ),
            (
                &[("21", "ABCDEF"), ("93", "abcd"), ("3103", "000450")],
                ProductGroup::Milk,
                GroupBasis::CheckCodeLayout,
            ),
            (
                &[("21", "ABCDEFG"), ("8005", "012000"), ("93", "abcd")],
                ProductGroup::TobaccoBlock,
                GroupBasis::MaxRetailPrice,
            ),
            (
                &[("21", "ABCDEFGHIJKLM")],
                ProductGroup::Unknown,
                GroupBasis::NoCryptoTail,
            ),
            (
                &[("21", "ABCDEFGHIJKLM"), ("91", "EE05")],
                ProductGroup::Unknown,
                GroupBasis::UnconfirmedLayout,
            ),
        ];
        for (elements, group, basis) in table {
            assert_eq!(
                product_group(gs1, lens(elements)),
                (group, basis),
                "{elements:?}"
            );
        }
        for b in [GroupBasis::NoCryptoTail, GroupBasis::UnconfirmedLayout] {
            assert!(b.note().contains("national catalogue"), "{b:?}");
        }
        assert_eq!(
            product_group(CodeFormat::Ean13, lens(&[])),
            (ProductGroup::Unknown, GroupBasis::NotAMarkCode)
        );
    }
}
