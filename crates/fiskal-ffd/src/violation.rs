//! Validation findings: where (a JSON path such as `items[3].name`), what (a typed kind with a
//! stable code), and a message in Russian and in English.

use crate::enums::FfdVersion;
use crate::tag::Tag;
use std::fmt;

/// What is wrong with one field. Every kind has a stable snake_case [`code`](ViolationKind::code)
/// and a stable number in the 2000s (never reused), which the C ABI and the bindings expose.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ViolationKind {
    /// A mandatory field is missing or empty.
    Required,
    /// The field is not part of this FFD version (e.g. 1162 in 1.2, 2108 in 1.05).
    NotInVersion {
        /// The version of the receipt.
        version: FfdVersion,
    },
    /// Text longer than the tag allows, counted in CP866 bytes (= characters).
    TooLong {
        /// Maximum.
        max: usize,
        /// Actual.
        actual: usize,
    },
    /// Text of the wrong length for a fixed-length requisite.
    WrongLength {
        /// The allowed length(s), in characters (an ИНН: 10 or 12).
        expected: &'static [usize],
        /// Actual.
        actual: usize,
    },
    /// Characters that CP866 cannot encode (listed, in order).
    NotCp866 {
        /// The offending characters, each once.
        chars: String,
    },
    /// Not made of digits only where digits are required (ИНН, country code, …).
    NotDigits,
    /// An ИНН whose check digit is wrong.
    InnCheckDigit,
    /// 1008 is neither an e-mail nor a phone number.
    ContactFormat,
    /// Not an e-mail address.
    EmailFormat,
    /// Not a phone number (`+` and 10–15 digits... up to the tag's length).
    PhoneFormat,
    /// Not a date `ДД.ММ.ГГГГ`.
    DateFormat,
    /// A negative amount.
    MoneyNegative,
    /// An amount with more than two significant decimals.
    MoneyScale,
    /// An amount above 2^48 − 1 kopecks.
    MoneyRange,
    /// A quantity that is zero or negative.
    QuantityNotPositive,
    /// A quantity with more decimals than the profile allows.
    QuantityScale {
        /// Allowed decimals.
        max: u32,
    },
    /// A quantity too large for FVLN.
    QuantityRange,
    /// Item sum differs from round(price × quantity) by more than 1 kopeck.
    SumMismatch {
        /// round_half_up(price × quantity), kopecks.
        expected: u64,
        /// The sum given, kopecks.
        actual: u64,
    },
    /// Σ item sums ≠ receipt total.
    TotalMismatch {
        /// Σ of item sums, kopecks.
        expected: u64,
        /// The total given, kopecks.
        actual: u64,
    },
    /// Σ payments ≠ receipt total.
    PaymentsMismatch {
        /// The receipt total, kopecks.
        expected: u64,
        /// Σ of payments, kopecks.
        actual: u64,
    },
    /// An item VAT sum inconsistent with its rate (more than 1 kopeck from sum × r/(100+r)).
    VatMismatch {
        /// The VAT computed half-up, kopecks.
        expected: u64,
        /// The VAT given, kopecks.
        actual: u64,
    },
    /// A receipt VAT total ≠ Σ of item VAT sums of that rate.
    VatTotalMismatch {
        /// Σ item VAT of that rate, kopecks.
        expected: u64,
        /// The total given, kopecks.
        actual: u64,
    },
    /// A wire enum value this crate does not know.
    UnknownValue {
        /// The tag.
        tag: Tag,
        /// The value.
        value: u64,
    },
    /// A value that exists, but not in this FFD version (e.g. 1212 = 33 in 1.05).
    ValueNotInVersion {
        /// The version of the receipt.
        version: FfdVersion,
    },
    /// Tax system 1055 must have exactly one bit set.
    TaxSystemOneBit,
    /// A mark rule is broken (text says which).
    MarkRule {
        /// Which rule, in English (the Russian message is derived from the rule code).
        rule: MarkRule,
    },
    /// A correction rule is broken.
    CorrectionRule {
        /// Which rule.
        rule: CorrectionRule,
    },
    /// A receipt without items (allowed only for a 1.05 correction).
    NoItems,
    /// The encoded document exceeds the FFD maximum.
    DocumentTooLarge {
        /// Maximum, bytes.
        max: usize,
        /// Encoded size, bytes.
        actual: usize,
    },
    /// The JSON format version is not supported.
    UnsupportedFormatVersion {
        /// The version given.
        version: u32,
    },
    /// Not valid hex (1162 bytes, raw tags, ФПД).
    HexFormat,
    /// A fraction (1291) with a zero or inconsistent part.
    FractionRule,
    /// A tag in `other_tags` that the model represents by a field: set the field instead (the
    /// tag would otherwise be written twice).
    ModelledTag {
        /// The tag.
        tag: Tag,
    },
    /// The raw scanned mark code (`mark.code`) could not be read (fiskal-marks said why).
    MarkCode {
        /// fiskal-marks' stable error code (e.g. `bad_check_digit`, `russian_keyboard_layout`).
        reason: &'static str,
        /// Character position in the code, when the problem has one.
        position: Option<usize>,
        /// fiskal-marks' explanation (English).
        detail: String,
    },
}

/// Which marking rule a [`ViolationKind::MarkRule`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MarkRule {
    /// One mark per item: a marked item sells one unit (quantity 1) unless 1291 says a fraction.
    QuantityMustBeOne,
    /// 1.05 needs `code_1162`; 1.2 needs `kind` and `value`.
    MissingCode,
    /// `kind` is not one of 1300–1309, 1320–1325.
    UnknownKind,
    /// 2102 must be 0.
    ProcessingMode,
    /// With a fraction (1291) the quantity (1023) must be 1 (note 24 of ЕД-7-20/662@).
    FractionNeedsQuantityOne,
    /// In 1.2 a marked item must have payment subject 31 or 33.
    SubjectNotMarked,
    /// `product_code.kind` is not a code of goods that are not marked (1300–1304, 1308, 1309,
    /// 1320–1325): 1305–1307 are marking codes, given in `mark`.
    ProductCodeKind,
    /// A `product_code` on marked goods (payment subject 31 / 33) or beside a `mark`: an item
    /// has one 1163, and marked goods carry their code in `mark`.
    ProductCodeOfMarked,
}

/// Which correction rule a [`ViolationKind::CorrectionRule`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CorrectionRule {
    /// A correction by prescription needs the prescription number (1179).
    NumberRequired,
    /// 1177 exists only in legacy documents and is never built.
    DescriptionLegacy,
}

impl ViolationKind {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ViolationKind::Required => "required",
            ViolationKind::NotInVersion { .. } => "not_in_version",
            ViolationKind::TooLong { .. } => "too_long",
            ViolationKind::WrongLength { .. } => "wrong_length",
            ViolationKind::NotCp866 { .. } => "not_cp866",
            ViolationKind::NotDigits => "not_digits",
            ViolationKind::InnCheckDigit => "inn_check_digit",
            ViolationKind::ContactFormat => "contact_format",
            ViolationKind::EmailFormat => "email_format",
            ViolationKind::PhoneFormat => "phone_format",
            ViolationKind::DateFormat => "date_format",
            ViolationKind::MoneyNegative => "money_negative",
            ViolationKind::MoneyScale => "money_scale",
            ViolationKind::MoneyRange => "money_range",
            ViolationKind::QuantityNotPositive => "quantity_not_positive",
            ViolationKind::QuantityScale { .. } => "quantity_scale",
            ViolationKind::QuantityRange => "quantity_range",
            ViolationKind::SumMismatch { .. } => "sum_mismatch",
            ViolationKind::TotalMismatch { .. } => "total_mismatch",
            ViolationKind::PaymentsMismatch { .. } => "payments_mismatch",
            ViolationKind::VatMismatch { .. } => "vat_mismatch",
            ViolationKind::VatTotalMismatch { .. } => "vat_total_mismatch",
            ViolationKind::UnknownValue { .. } => "unknown_value",
            ViolationKind::ValueNotInVersion { .. } => "value_not_in_version",
            ViolationKind::TaxSystemOneBit => "tax_system_one_bit",
            ViolationKind::MarkRule { .. } => "mark_rule",
            ViolationKind::CorrectionRule { .. } => "correction_rule",
            ViolationKind::NoItems => "no_items",
            ViolationKind::DocumentTooLarge { .. } => "document_too_large",
            ViolationKind::UnsupportedFormatVersion { .. } => "unsupported_format_version",
            ViolationKind::HexFormat => "hex_format",
            ViolationKind::FractionRule => "fraction_rule",
            ViolationKind::MarkCode { .. } => "mark_code",
            ViolationKind::ModelledTag { .. } => "modelled_tag",
        }
    }

    /// The stable number (2001…); numbers are never reused.
    pub fn number(&self) -> u32 {
        match self {
            ViolationKind::Required => 2001,
            ViolationKind::NotInVersion { .. } => 2002,
            ViolationKind::TooLong { .. } => 2003,
            ViolationKind::WrongLength { .. } => 2004,
            ViolationKind::NotCp866 { .. } => 2005,
            ViolationKind::NotDigits => 2006,
            ViolationKind::InnCheckDigit => 2007,
            ViolationKind::ContactFormat => 2008,
            ViolationKind::EmailFormat => 2009,
            ViolationKind::PhoneFormat => 2010,
            ViolationKind::DateFormat => 2011,
            ViolationKind::MoneyNegative => 2012,
            ViolationKind::MoneyScale => 2013,
            ViolationKind::MoneyRange => 2014,
            ViolationKind::QuantityNotPositive => 2015,
            ViolationKind::QuantityScale { .. } => 2016,
            ViolationKind::QuantityRange => 2017,
            ViolationKind::SumMismatch { .. } => 2018,
            ViolationKind::TotalMismatch { .. } => 2019,
            ViolationKind::PaymentsMismatch { .. } => 2020,
            ViolationKind::VatMismatch { .. } => 2021,
            ViolationKind::VatTotalMismatch { .. } => 2022,
            ViolationKind::UnknownValue { .. } => 2023,
            ViolationKind::ValueNotInVersion { .. } => 2024,
            ViolationKind::TaxSystemOneBit => 2025,
            ViolationKind::MarkRule { .. } => 2026,
            ViolationKind::CorrectionRule { .. } => 2027,
            ViolationKind::NoItems => 2028,
            ViolationKind::DocumentTooLarge { .. } => 2029,
            ViolationKind::UnsupportedFormatVersion { .. } => 2030,
            ViolationKind::HexFormat => 2031,
            ViolationKind::FractionRule => 2032,
            ViolationKind::MarkCode { .. } => 2033,
            ViolationKind::ModelledTag { .. } => 2034,
        }
    }
}

/// The violation for an amount that cannot go on the wire.
pub(crate) fn money_violation(p: crate::money::MoneyProblem) -> ViolationKind {
    match p {
        crate::money::MoneyProblem::Negative => ViolationKind::MoneyNegative,
        crate::money::MoneyProblem::TooManyDecimals => ViolationKind::MoneyScale,
        _ => ViolationKind::MoneyRange,
    }
}

fn alternatives(lens: &[usize], or: &str) -> String {
    let parts: Vec<String> = lens.iter().map(ToString::to_string).collect();
    parts.join(&format!(" {or} "))
}

fn rub(k: u64) -> String {
    format!("{}.{:02}", k / 100, k % 100)
}

/// One problem found by validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON path of the field, e.g. `items[3].name`; empty for the receipt as a whole.
    pub path: String,
    /// What is wrong.
    pub kind: ViolationKind,
}

impl Violation {
    /// A violation at `path`.
    pub fn new(path: impl Into<String>, kind: ViolationKind) -> Violation {
        Violation {
            path: path.into(),
            kind,
        }
    }

    /// The stable code of the kind (see [`ViolationKind::code`]).
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        use ViolationKind as K;
        match &self.kind {
            K::Required => "is required".into(),
            K::NotInVersion { version } => format!("is not part of FFD {version}"),
            K::TooLong { max, actual } => format!("is {actual} characters long, at most {max} allowed (CP866 bytes)"),
            K::WrongLength { expected, actual } => {
                format!("must be {} characters long, found {actual}", alternatives(expected, "or"))
            }
            K::NotCp866 { chars } => format!("contains characters the fiscal drive cannot store (CP866): {chars}"),
            K::NotDigits => "must contain digits only".into(),
            K::InnCheckDigit => "is not a valid INN: check digit mismatch".into(),
            K::ContactFormat => "must be an e-mail address or a phone number like +79991234567".into(),
            K::EmailFormat => "must be an e-mail address".into(),
            K::PhoneFormat => "must be a phone number like +79991234567".into(),
            K::DateFormat => "must be a date DD.MM.YYYY".into(),
            K::MoneyNegative => "must not be negative".into(),
            K::MoneyScale => "has more than 2 decimals (kopecks are the smallest unit)".into(),
            K::MoneyRange => "is too large (at most 2814749767106.55)".into(),
            K::QuantityNotPositive => "must be greater than zero".into(),
            K::QuantityScale { max } => format!("has more than {max} decimals"),
            K::QuantityRange => "is too large for the fiscal drive".into(),
            K::SumMismatch { expected, actual } => format!(
                "is {}, but price × quantity = {} (at most 1 kopeck difference allowed)",
                rub(*actual), rub(*expected)
            ),
            K::TotalMismatch { expected, actual } => {
                format!("is {}, but the item sums add up to {}", rub(*actual), rub(*expected))
            }
            K::PaymentsMismatch { expected, actual } => {
                format!("add up to {}, but the total is {}", rub(*actual), rub(*expected))
            }
            K::VatMismatch { expected, actual } => {
                format!("is {}, but the rate gives {}", rub(*actual), rub(*expected))
            }
            K::VatTotalMismatch { expected, actual } => {
                format!("is {}, but the items' VAT of this rate adds up to {}", rub(*actual), rub(*expected))
            }
            K::UnknownValue { tag, value } => format!("value {value} is not defined for tag {tag}"),
            K::ValueNotInVersion { version } => format!("this value is not allowed in FFD {version}"),
            K::TaxSystemOneBit => "must name exactly one tax system".into(),
            K::MarkRule { rule } => match rule {
                MarkRule::QuantityMustBeOne => "a marked item must have quantity 1 (one mark per item) unless a fraction is given".into(),
                MarkRule::MissingCode => "needs code_1162 for FFD 1.05, or kind and value for FFD 1.2".into(),
                MarkRule::UnknownKind => "must be one of 1300–1309, 1320–1325".into(),
                MarkRule::ProcessingMode => "must be 0".into(),
                MarkRule::FractionNeedsQuantityOne => "with a fraction (1291) the quantity must be 1".into(),
                MarkRule::SubjectNotMarked => "a marked item must have payment subject marked (33) or marked_excise (31)".into(),
                MarkRule::ProductCodeKind => "must be one of 1300–1304, 1308, 1309, 1320–1325 (1305–1307 are marking codes: give them in mark)".into(),
                MarkRule::ProductCodeOfMarked => "marked goods (payment subject 31, 33) carry their code in mark; an item has one 1163".into(),
            },
            K::CorrectionRule { rule } => match rule {
                CorrectionRule::NumberRequired => "is required for a correction by prescription".into(),
                CorrectionRule::DescriptionLegacy => "exists only in legacy documents and cannot be sent".into(),
            },
            K::NoItems => "a receipt needs at least one item".into(),
            K::DocumentTooLarge { max, actual } => {
                format!("the document is {actual} bytes, at most {max} allowed: split the receipt")
            }
            K::UnsupportedFormatVersion { version } => {
                format!("format version {version} is not supported (this library reads version 1)")
            }
            K::HexFormat => "must be hexadecimal bytes".into(),
            K::FractionRule => "numerator and denominator must be positive and numerator < denominator".into(),
            K::MarkCode { detail, .. } => format!("the mark code cannot be read: {detail}"),
            K::ModelledTag { tag } => format!("tag {tag} has its own field in the receipt JSON: set that field instead"),
        }
    }

    /// The message in Russian.
    pub fn message_ru(&self) -> String {
        use ViolationKind as K;
        match &self.kind {
            K::Required => "обязательное поле не заполнено".into(),
            K::NotInVersion { version } => format!("реквизит отсутствует в ФФД {version}"),
            K::TooLong { max, actual } => format!("длина {actual} символов, допускается не более {max} (байт CP866)"),
            K::WrongLength { expected, actual } => {
                format!("длина должна быть {} символов, получено {actual}", alternatives(expected, "или"))
            }
            K::NotCp866 { chars } => format!("содержит символы, которые ФН не может сохранить (CP866): {chars}"),
            K::NotDigits => "допускаются только цифры".into(),
            K::InnCheckDigit => "неверный ИНН: не сходится контрольное число".into(),
            K::ContactFormat => "нужен адрес электронной почты или телефон вида +79991234567".into(),
            K::EmailFormat => "нужен адрес электронной почты".into(),
            K::PhoneFormat => "нужен телефон вида +79991234567".into(),
            K::DateFormat => "нужна дата в формате ДД.ММ.ГГГГ".into(),
            K::MoneyNegative => "сумма не может быть отрицательной".into(),
            K::MoneyScale => "больше двух знаков после запятой (копейка — наименьшая единица)".into(),
            K::MoneyRange => "слишком большая сумма (не более 2814749767106.55)".into(),
            K::QuantityNotPositive => "количество должно быть больше нуля".into(),
            K::QuantityScale { max } => format!("больше {max} знаков после запятой"),
            K::QuantityRange => "слишком большое количество для ФН".into(),
            K::SumMismatch { expected, actual } => format!(
                "стоимость {}, а цена × количество = {} (допускается расхождение не более 1 коп.)",
                rub(*actual), rub(*expected)
            ),
            K::TotalMismatch { expected, actual } => {
                format!("итог {}, а сумма позиций {}", rub(*actual), rub(*expected))
            }
            K::PaymentsMismatch { expected, actual } => {
                format!("оплаты в сумме {}, а итог чека {}", rub(*actual), rub(*expected))
            }
            K::VatMismatch { expected, actual } => {
                format!("сумма НДС {}, а по ставке получается {}", rub(*actual), rub(*expected))
            }
            K::VatTotalMismatch { expected, actual } => {
                format!("сумма НДС чека {}, а сумма НДС позиций по этой ставке {}", rub(*actual), rub(*expected))
            }
            K::UnknownValue { tag, value } => format!("значение {value} не определено для реквизита {tag}"),
            K::ValueNotInVersion { version } => format!("значение недопустимо в ФФД {version}"),
            K::TaxSystemOneBit => "нужно указать ровно одну систему налогообложения".into(),
            K::MarkRule { rule } => match rule {
                MarkRule::QuantityMustBeOne => "у маркированного товара количество 1 (один код — одна позиция), если не указано дробное количество".into(),
                MarkRule::MissingCode => "нужен code_1162 для ФФД 1.05 или kind и value для ФФД 1.2".into(),
                MarkRule::UnknownKind => "должно быть одним из 1300–1309, 1320–1325".into(),
                MarkRule::ProcessingMode => "должно быть 0".into(),
                MarkRule::FractionNeedsQuantityOne => "при дробном количестве (1291) количество должно быть 1".into(),
                MarkRule::SubjectNotMarked => "у маркированного товара признак предмета расчета должен быть 33 или 31".into(),
                MarkRule::ProductCodeKind => "должно быть одним из 1300–1304, 1308, 1309, 1320–1325 (1305–1307 — коды маркировки, их передают в mark)".into(),
                MarkRule::ProductCodeOfMarked => "у маркированного товара (признак предмета расчета 31, 33) код передают в mark; в позиции один 1163".into(),
            },
            K::CorrectionRule { rule } => match rule {
                CorrectionRule::NumberRequired => "обязателен для коррекции по предписанию".into(),
                CorrectionRule::DescriptionLegacy => "реквизит 1177 есть только в старых документах и не передаётся".into(),
            },
            K::NoItems => "в чеке должна быть хотя бы одна позиция".into(),
            K::DocumentTooLarge { max, actual } => {
                format!("размер документа {actual} байт, допускается не более {max}: разделите чек")
            }
            K::UnsupportedFormatVersion { version } => {
                format!("версия формата {version} не поддерживается (поддерживается версия 1)")
            }
            K::HexFormat => "нужны байты в шестнадцатеричном виде".into(),
            K::FractionRule => "числитель и знаменатель должны быть положительными, числитель меньше знаменателя".into(),
            K::ModelledTag { tag } => format!("для реквизита {tag} есть отдельное поле: заполните его вместо other_tags"),
            K::MarkCode { reason, position, .. } => match (reason, position) {
                (&"russian_keyboard_layout", Some(p)) => format!("код маркировки отсканирован в русской раскладке клавиатуры (символ {p}): переключите раскладку и отсканируйте снова"),
                (&"bad_check_digit", Some(p)) => format!("неверная контрольная цифра в коде маркировки (символ {p})"),
                (r, Some(p)) => format!("код маркировки не распознан ({r}, символ {p})"),
                (r, None) => format!("код маркировки не распознан ({r})"),
            },
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{} [{}]", self.message_en(), self.code())
        } else {
            write!(f, "{}: {} [{}]", self.path, self.message_en(), self.code())
        }
    }
}
