//! Every Russian word the rendered receipt prints, in one place.
//!
//! The enumeration labels follow the short forms printed by Russian online registers (the print
//! forms of ФФД: «ПОЛНЫЙ РАСЧЕТ», «НДС 20/120», «ПЛ. АГЕНТ» …). A value fiskal-ffd does not know
//! is printed as `[tag=value]`, never dropped, so an unknown code stays visible. A test checks
//! that every known value of every enumeration has a label here.

use fiskal_ffd::{
    AgentType, CorrectionType, Measure, Operation, PaymentMethod, PaymentSubject, TaxSystem,
    VatRate,
};
use std::borrow::Cow;

/// 1000 «наименование документа» of a receipt (form 3).
pub(crate) const RECEIPT: &str = "КАССОВЫЙ ЧЕК";
/// 1000 of a correction receipt (form 31).
pub(crate) const CORRECTION_RECEIPT: &str = "КАССОВЫЙ ЧЕК КОРРЕКЦИИ";
/// Printed instead of the fiscal block when no fiscal attributes are given.
pub(crate) const NOT_FISCAL: &str = "ЧЕК НЕ ФИСКАЛИЗИРОВАН";
/// The line under [`NOT_FISCAL`].
pub(crate) const NOT_FISCAL_NOTE: &str = "не является кассовым чеком";

// Header and document-level requisites.
pub(crate) const INN: &str = "ИНН";
pub(crate) const PAYMENT_PLACE: &str = "МЕСТО РАСЧЕТОВ";
pub(crate) const RECEIPT_NO: &str = "ЧЕК №";
pub(crate) const SHIFT_NO: &str = "СМЕНА №";
pub(crate) const AUTOMAT_NO: &str = "АВТОМАТ №";
pub(crate) const CASHIER: &str = "КАССИР";
pub(crate) const CASHIER_INN: &str = "ИНН КАССИРА";
pub(crate) const TOTAL: &str = "ИТОГ";
pub(crate) const TAX_SYSTEM: &str = "СНО";
pub(crate) const BUYER: &str = "ПОКУПАТЕЛЬ";
pub(crate) const BUYER_INN: &str = "ИНН ПОКУПАТЕЛЯ";
pub(crate) const BUYER_EMAIL: &str = "ЭЛ. АДР. ПОКУПАТЕЛЯ";
pub(crate) const BUYER_PHONE: &str = "ТЕЛ. ПОКУПАТЕЛЯ";
pub(crate) const BUYER_BIRTH_DATE: &str = "ДАТА РОЖДЕНИЯ ПОКУПАТЕЛЯ";
pub(crate) const BUYER_CITIZENSHIP: &str = "ГРАЖДАНСТВО";
pub(crate) const BUYER_DOC_CODE: &str = "КОД ВИДА ДОК. УД. ЛИЧНОСТИ";
pub(crate) const BUYER_DOC_DATA: &str = "ДАННЫЕ ДОК. УД. ЛИЧНОСТИ";
pub(crate) const BUYER_ADDRESS: &str = "АДРЕС ПОКУПАТЕЛЯ";
pub(crate) const SENDER_EMAIL: &str = "ЭЛ. АДР. ОТПРАВИТЕЛЯ";
pub(crate) const ADDITIONAL_CHECK_PROP: &str = "ДОП. РЕКВИЗИТ ЧЕКА";
pub(crate) const OPERATING_PROP: &str = "ОПЕРАЦИОННЫЙ РЕКВИЗИТ";
pub(crate) const SECTORAL_PROP: &str = "ОТРАСЛ. РЕКВИЗИТ";
/// "dated", between a document's identifier and its date.
pub(crate) const DATED: &str = "ОТ";
/// "number", before a document's number.
pub(crate) const NUMBER: &str = "№";
pub(crate) const INTERNET_ONLY: &str = "ККТ ДЛЯ РАСЧЕТОВ В ИНТЕРНЕТ";
pub(crate) const MARKS_CHECKED_OK: &str = "ПРОВЕРКА КМ: ВСЕ ПОЛОЖИТЕЛЬНО";
pub(crate) const MARKS_CHECKED_NOT_OK: &str = "ПРОВЕРКА КМ: ЕСТЬ НЕПОДТВЕРЖДЕННЫЕ";

// Correction (form 31).
pub(crate) const CORRECTION_TYPE: &str = "ТИП КОРРЕКЦИИ";
pub(crate) const CORRECTED_DATE: &str = "ДАТА КОРРЕКТИРУЕМОГО РАСЧЕТА";
pub(crate) const PRESCRIPTION_NO: &str = "ПРЕДПИСАНИЕ №";
pub(crate) const CORRECTION_DESCRIPTION: &str = "ОСНОВАНИЕ";

// Fiscal attributes.
pub(crate) const KKT_REG_NUMBER: &str = "РН ККТ";
pub(crate) const FN: &str = "ФН";
pub(crate) const FD: &str = "ФД";
pub(crate) const FP: &str = "ФП";
pub(crate) const OFD_INN: &str = "ИНН ОФД";
pub(crate) const FNS_SITE: &str = "САЙТ ФНС";
pub(crate) const CHECK_URL: &str = "ПРОВЕРИТЬ ЧЕК";

// Item details.
pub(crate) const NO_NAME: &str = "ПРЕДМЕТ РАСЧЕТА";
pub(crate) const FRACTION: &str = "ДРОБНОЕ КОЛИЧЕСТВО";
pub(crate) const UNIT_VAT: &str = "НДС ЗА ЕД.";
pub(crate) const EXCISE: &str = "АКЦИЗ";
pub(crate) const COUNTRY: &str = "СТРАНА ПРОИСХОЖДЕНИЯ";
pub(crate) const DECLARATION: &str = "НОМЕР ДЕКЛАРАЦИИ";
pub(crate) const ITEM_EXTRA: &str = "ДОП. РЕКВИЗИТ";
pub(crate) const SUPPLIER: &str = "ПОСТАВЩИК";
pub(crate) const SUPPLIER_INN: &str = "ИНН ПОСТАВЩИКА";
pub(crate) const SUPPLIER_PHONE: &str = "ТЕЛ. ПОСТАВЩИКА";
pub(crate) const AGENT_OPERATION: &str = "ОПЕРАЦИЯ АГЕНТА";
pub(crate) const AGENT_PHONE: &str = "ТЕЛ. ПЛ. АГЕНТА";
pub(crate) const PAYMENT_OPERATOR_PHONE: &str = "ТЕЛ. ОПЕР. ПО ПРИЕМУ ПЛАТЕЖЕЙ";
pub(crate) const TRANSFER_OPERATOR_PHONE: &str = "ТЕЛ. ОПЕР. ПЕРЕВОДА";
pub(crate) const TRANSFER_OPERATOR: &str = "ОПЕР. ПЕРЕВОДА";
pub(crate) const TRANSFER_OPERATOR_ADDRESS: &str = "АДРЕС ОПЕР. ПЕРЕВОДА";
pub(crate) const TRANSFER_OPERATOR_INN: &str = "ИНН ОПЕР. ПЕРЕВОДА";

/// The five payment forms (1031, 1081, 1215, 1216, 1217), in the order of
/// [`fiskal_ffd::model::Payments::by_tag`].
pub(crate) const PAYMENT_FORMS: [&str; 5] = [
    "НАЛИЧНЫМИ",
    "БЕЗНАЛИЧНЫМИ",
    "ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА (АВАНС)",
    "ПОСТОПЛАТА (КРЕДИТ)",
    "ВСТРЕЧНЫМ ПРЕДОСТАВЛЕНИЕМ",
];

/// The order in which VAT sums per rate are printed under ИТОГ: newest rates first, then the
/// settlement sums of 0 % and «без НДС».
pub(crate) const VAT_TOTALS_ORDER: [VatRate; 12] = [
    VatRate::VAT22,
    VatRate::VAT122,
    VatRate::VAT20,
    VatRate::VAT120,
    VatRate::VAT10,
    VatRate::VAT110,
    VatRate::VAT7,
    VatRate::VAT107,
    VatRate::VAT5,
    VatRate::VAT105,
    VatRate::VAT0,
    VatRate::NONE,
];

fn unknown(tag: u16, value: u8) -> Cow<'static, str> {
    Cow::Owned(format!("[{tag}={value}]"))
}

/// 1054, printed under the document name.
pub(crate) fn operation(op: Operation) -> Cow<'static, str> {
    let s = match op {
        Operation::SELL => "ПРИХОД",
        Operation::SELL_REFUND => "ВОЗВРАТ ПРИХОДА",
        Operation::BUY => "РАСХОД",
        Operation::BUY_REFUND => "ВОЗВРАТ РАСХОДА",
        other => return unknown(1054, other.0),
    };
    Cow::Borrowed(s)
}

/// 1055.
pub(crate) fn tax_system(t: TaxSystem) -> Cow<'static, str> {
    let s = match t {
        TaxSystem::OSN => "ОСН",
        TaxSystem::USN_INCOME => "УСН ДОХОД",
        TaxSystem::USN_INCOME_OUTCOME => "УСН ДОХОД - РАСХОД",
        TaxSystem::ENVD => "ЕНВД",
        TaxSystem::ESN => "ЕСХН",
        TaxSystem::PATENT => "ПСН",
        other => return unknown(1055, other.0),
    };
    Cow::Borrowed(s)
}

/// 1199, on an item line.
pub(crate) fn vat_rate(v: VatRate) -> Cow<'static, str> {
    let s = match v {
        VatRate::VAT20 => "НДС 20%",
        VatRate::VAT10 => "НДС 10%",
        VatRate::VAT120 => "НДС 20/120",
        VatRate::VAT110 => "НДС 10/110",
        VatRate::VAT0 => "НДС 0%",
        VatRate::NONE => "БЕЗ НДС",
        VatRate::VAT5 => "НДС 5%",
        VatRate::VAT7 => "НДС 7%",
        VatRate::VAT105 => "НДС 5/105",
        VatRate::VAT107 => "НДС 7/107",
        VatRate::VAT22 => "НДС 22%",
        VatRate::VAT122 => "НДС 22/122",
        other => return unknown(1199, other.0),
    };
    Cow::Borrowed(s)
}

/// The receipt-level line of a rate: the VAT sum (1102, 1103, 1106, 1107 and the item totals of
/// the rates without a receipt-level tag) or, for 0 % and «без НДС», the settlement sum (1104,
/// 1105).
pub(crate) fn vat_total(v: VatRate) -> Cow<'static, str> {
    match v {
        VatRate::VAT0 => Cow::Borrowed("СУММА С НДС 0%"),
        VatRate::NONE => Cow::Borrowed("СУММА БЕЗ НДС"),
        other => Cow::Owned(format!("СУММА {}", vat_rate(other))),
    }
}

/// 1214.
pub(crate) fn payment_method(m: PaymentMethod) -> Cow<'static, str> {
    let s = match m {
        PaymentMethod::FULL_PREPAYMENT => "ПРЕДОПЛАТА 100%",
        PaymentMethod::PREPAYMENT => "ПРЕДОПЛАТА",
        PaymentMethod::ADVANCE => "АВАНС",
        PaymentMethod::FULL_PAYMENT => "ПОЛНЫЙ РАСЧЕТ",
        PaymentMethod::PARTIAL_PAYMENT => "ЧАСТИЧНЫЙ РАСЧЕТ И КРЕДИТ",
        PaymentMethod::CREDIT => "ПЕРЕДАЧА В КРЕДИТ",
        PaymentMethod::CREDIT_PAYMENT => "ОПЛАТА КРЕДИТА",
        other => return unknown(1214, other.0),
    };
    Cow::Borrowed(s)
}

/// 1212.
pub(crate) fn payment_subject(s: PaymentSubject) -> Cow<'static, str> {
    let label = match s {
        PaymentSubject::COMMODITY => "ТОВАР",
        PaymentSubject::EXCISE => "ПОДАКЦИЗНЫЙ ТОВАР",
        PaymentSubject::JOB => "РАБОТА",
        PaymentSubject::SERVICE => "УСЛУГА",
        PaymentSubject::GAMBLING_BET => "СТАВКА АЗАРТНОЙ ИГРЫ",
        PaymentSubject::GAMBLING_PRIZE => "ВЫИГРЫШ АЗАРТНОЙ ИГРЫ",
        PaymentSubject::LOTTERY => "ЛОТЕРЕЙНЫЙ БИЛЕТ",
        PaymentSubject::LOTTERY_PRIZE => "ВЫИГРЫШ ЛОТЕРЕИ",
        PaymentSubject::INTELLECTUAL_ACTIVITY => "ПРЕДОСТАВЛЕНИЕ РИД",
        PaymentSubject::PAYMENT => "ПЛАТЕЖ",
        PaymentSubject::AGENT_COMMISSION => "АГЕНТСКОЕ ВОЗНАГРАЖДЕНИЕ",
        PaymentSubject::AWARD => "ВЫПЛАТА",
        PaymentSubject::ANOTHER => "ИНОЙ ПРЕДМЕТ РАСЧЕТА",
        PaymentSubject::PROPERTY_RIGHT => "ИМУЩЕСТВЕННОЕ ПРАВО",
        PaymentSubject::NON_OPERATING_GAIN => "ВНЕРЕАЛИЗАЦИОННЫЙ ДОХОД",
        PaymentSubject::INSURANCE_PREMIUM => "СТРАХОВЫЕ ВЗНОСЫ",
        PaymentSubject::SALES_TAX => "ТОРГОВЫЙ СБОР",
        PaymentSubject::RESORT_FEE => "КУРОРТНЫЙ СБОР",
        PaymentSubject::DEPOSIT => "ЗАЛОГ",
        PaymentSubject::EXPENSE => "РАСХОД",
        PaymentSubject::PENSION_INSURANCE_IP => "ВЗНОСЫ НА ОПС ИП",
        PaymentSubject::PENSION_INSURANCE => "ВЗНОСЫ НА ОПС",
        PaymentSubject::MEDICAL_INSURANCE_IP => "ВЗНОСЫ НА ОМС ИП",
        PaymentSubject::MEDICAL_INSURANCE => "ВЗНОСЫ НА ОМС",
        PaymentSubject::SOCIAL_INSURANCE => "ВЗНОСЫ НА ОСС",
        PaymentSubject::CASINO_PAYMENT => "ПЛАТЕЖ КАЗИНО",
        PaymentSubject::CASH_WITHDRAWAL => "ВЫДАЧА ДЕНЕЖНЫХ СРЕДСТВ",
        PaymentSubject::MARKED_EXCISE_WITHOUT_CODE => "ПОДАКЦИЗНЫЙ ТОВАР (АТНМ)",
        PaymentSubject::MARKED_EXCISE => "ПОДАКЦИЗНЫЙ ТОВАР (АТМ)",
        PaymentSubject::MARKED_WITHOUT_CODE => "ТОВАР (ТНМ)",
        PaymentSubject::MARKED => "ТОВАР (ТМ)",
        other => return unknown(1212, other.0),
    };
    Cow::Borrowed(label)
}

/// 2108, after the quantity (`3 шт.`, `0.347 кг`). Empty for «иные единицы».
pub(crate) fn measure(m: Measure) -> Cow<'static, str> {
    let s = match m {
        Measure::PIECE => "шт.",
        Measure::GRAM => "г",
        Measure::KILOGRAM => "кг",
        Measure::TON => "т",
        Measure::CENTIMETER => "см",
        Measure::DECIMETER => "дм",
        Measure::METER => "м",
        Measure::SQUARE_CENTIMETER => "кв. см",
        Measure::SQUARE_DECIMETER => "кв. дм",
        Measure::SQUARE_METER => "кв. м",
        Measure::MILLILITER => "мл",
        Measure::LITER => "л",
        Measure::CUBIC_METER => "куб. м",
        Measure::KILOWATT_HOUR => "кВт*ч",
        Measure::GIGACALORIE => "Гкал",
        Measure::DAY => "сут.",
        Measure::HOUR => "ч",
        Measure::MINUTE => "мин",
        Measure::SECOND => "с",
        Measure::KILOBYTE => "Кбайт",
        Measure::MEGABYTE => "Мбайт",
        Measure::GIGABYTE => "Гбайт",
        Measure::TERABYTE => "Тбайт",
        Measure::OTHER => "",
        other => return unknown(2108, other.0),
    };
    Cow::Borrowed(s)
}

/// 1222: one bit's label.
fn agent_bit(a: AgentType) -> Option<&'static str> {
    Some(match a {
        AgentType::BANK_PAYING_AGENT => "БАНК. ПЛ. АГЕНТ",
        AgentType::BANK_PAYING_SUBAGENT => "БАНК. ПЛ. СУБАГЕНТ",
        AgentType::PAYING_AGENT => "ПЛ. АГЕНТ",
        AgentType::PAYING_SUBAGENT => "ПЛ. СУБАГЕНТ",
        AgentType::ATTORNEY => "ПОВЕРЕННЫЙ",
        AgentType::COMMISSION_AGENT => "КОМИССИОНЕР",
        AgentType::ANOTHER => "АГЕНТ",
        _ => return None,
    })
}

/// 1222 (a bitmask: every set bit's label, joined; bit 7, which no agent type uses, as
/// `[1222=…]`).
pub(crate) fn agent_type(a: AgentType) -> Cow<'static, str> {
    if let Some(s) = agent_bit(a) {
        return Cow::Borrowed(s);
    }
    let mut parts: Vec<Cow<'static, str>> = Vec::new();
    for bit in 0..8u8 {
        let mask = 1u8 << bit;
        if a.0 & mask != 0 {
            parts.push(match agent_bit(AgentType(mask)) {
                Some(s) => Cow::Borrowed(s),
                None => unknown(1222, mask),
            });
        }
    }
    if parts.is_empty() {
        return unknown(1222, a.0);
    }
    Cow::Owned(parts.join(", "))
}

/// 1173.
pub(crate) fn correction_type(c: CorrectionType) -> Cow<'static, str> {
    let s = match c {
        CorrectionType::SELF_INITIATED => "САМОСТОЯТЕЛЬНО",
        CorrectionType::BY_PRESCRIPTION => "ПО ПРЕДПИСАНИЮ",
        other => return unknown(1173, other.0),
    };
    Cow::Borrowed(s)
}

/// 1163 «код товара» of goods that are not marked: the name of the 1163 child requisite, printed
/// before its value (`КТ EAN-13  4601234567893`). The names are those of the requisites
/// 1300–1309 and 1320–1325 in the table of 1163 (Приказ ФНС ЕД-7-20/662@, приложение № 2,
/// таблица 118, <http://www.consultant.ru/document/cons_doc_LAW_362322/>): «КТ Н» for a code
/// whose format was not identified, «КТ EAN-8», «КТ EAN-13», «КТ ITF-14», «КТ GS1.0»,
/// «КТ ЕГАИС-2.0», «КТ ЕГАИС-3.0», «КТ Ф.1» … «КТ Ф.6». The marking kinds (1305 «КТ GS1.М»,
/// 1306 «КТ КМК», 1307 «КТ МИ») are named too, so that an invalid receipt that puts one there
/// still prints it; another tag prints as `[1163=tag]`.
pub(crate) fn product_code_kind(kind: u16) -> Cow<'static, str> {
    let s = match kind {
        1300 => "КТ Н",
        1301 => "КТ EAN-8",
        1302 => "КТ EAN-13",
        1303 => "КТ ITF-14",
        1304 => "КТ GS1.0",
        1305 => "КТ GS1.М",
        1306 => "КТ КМК",
        1307 => "КТ МИ",
        1308 => "КТ ЕГАИС-2.0",
        1309 => "КТ ЕГАИС-3.0",
        1320 => "КТ Ф.1",
        1321 => "КТ Ф.2",
        1322 => "КТ Ф.3",
        1323 => "КТ Ф.4",
        1324 => "КТ Ф.5",
        1325 => "КТ Ф.6",
        other => return Cow::Owned(format!("[1163={other}]")),
    };
    Cow::Borrowed(s)
}

/// Every 1163 child tag [`product_code_kind`] names (for the tests).
#[cfg(test)]
const PRODUCT_CODE_KINDS: [u16; 16] = [
    1300, 1301, 1302, 1303, 1304, 1305, 1306, 1307, 1308, 1309, 1320, 1321, 1322, 1323, 1324, 1325,
];

/// The mark indication printed before a marked item's name: `[М+]` when the fiscal drive and
/// (if it was asked) the marking system confirmed the code (2106), `[М-]` when a check that
/// was made failed, `[М]` when nothing was checked (always so in ФФД 1.05, which has no 2106).
pub(crate) fn mark_indication(check_result: Option<u8>) -> &'static str {
    const FN_CHECKED: u8 = 1;
    const FN_POSITIVE: u8 = 2;
    const OISM_CHECKED: u8 = 4;
    const OISM_POSITIVE: u8 = 8;
    let r = check_result.unwrap_or(0);
    let fn_failed = r & FN_CHECKED != 0 && r & FN_POSITIVE == 0;
    let oism_failed = r & OISM_CHECKED != 0 && r & OISM_POSITIVE == 0;
    if fn_failed || oism_failed {
        "[М-]"
    } else if r & (FN_POSITIVE | OISM_POSITIVE) != 0 {
        "[М+]"
    } else {
        "[М]"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_label(s: &str) -> bool {
        !s.starts_with('[')
    }

    #[test]
    fn every_known_value_has_a_label() {
        for &v in Operation::KNOWN {
            assert!(is_label(&operation(v)), "{v:?}");
        }
        for &v in TaxSystem::KNOWN {
            assert!(is_label(&tax_system(v)), "{v:?}");
        }
        for &v in VatRate::KNOWN {
            assert!(is_label(&vat_rate(v)), "{v:?}");
            assert!(
                VAT_TOTALS_ORDER.contains(&v),
                "{v:?} not in VAT_TOTALS_ORDER"
            );
        }
        for &v in PaymentMethod::KNOWN {
            assert!(is_label(&payment_method(v)), "{v:?}");
        }
        for &v in PaymentSubject::KNOWN {
            assert!(is_label(&payment_subject(v)), "{v:?}");
        }
        for &v in Measure::KNOWN {
            assert!(is_label(&measure(v)), "{v:?}");
        }
        for &v in AgentType::KNOWN {
            assert!(agent_bit(v).is_some(), "{v:?}");
        }
        for &v in CorrectionType::KNOWN {
            assert!(is_label(&correction_type(v)), "{v:?}");
        }
    }

    #[test]
    fn unknown_values_stay_visible() {
        assert_eq!(vat_rate(VatRate(13)), "[1199=13]");
        assert_eq!(operation(Operation(9)), "[1054=9]");
        assert_eq!(agent_type(AgentType(16 | 32)), "ПОВЕРЕННЫЙ, КОМИССИОНЕР");
        assert_eq!(
            agent_type(AgentType(128 | 1)),
            "БАНК. ПЛ. АГЕНТ, [1222=128]"
        );
        assert_eq!(agent_type(AgentType(0)), "[1222=0]");
    }

    #[test]
    fn vat_total_labels() {
        assert_eq!(vat_total(VatRate::VAT22), "СУММА НДС 22%");
        assert_eq!(vat_total(VatRate::VAT120), "СУММА НДС 20/120");
        assert_eq!(vat_total(VatRate::VAT0), "СУММА С НДС 0%");
        assert_eq!(vat_total(VatRate::NONE), "СУММА БЕЗ НДС");
    }

    #[test]
    fn product_code_kinds() {
        for k in PRODUCT_CODE_KINDS {
            let name = product_code_kind(k);
            assert!(name.starts_with("КТ "), "{k}: {name}");
        }
        assert_eq!(product_code_kind(1300), "КТ Н");
        assert_eq!(product_code_kind(1302), "КТ EAN-13");
        assert_eq!(product_code_kind(1309), "КТ ЕГАИС-3.0");
        assert_eq!(product_code_kind(1325), "КТ Ф.6");
        assert_eq!(product_code_kind(1310), "[1163=1310]");
    }

    #[test]
    fn mark_indications() {
        assert_eq!(mark_indication(None), "[М]");
        assert_eq!(mark_indication(Some(0)), "[М]");
        assert_eq!(mark_indication(Some(15)), "[М+]");
        assert_eq!(mark_indication(Some(3)), "[М+]"); // FN check only (offline)
        assert_eq!(mark_indication(Some(19)), "[М+]"); // … and the autonomous-mode bit
        assert_eq!(mark_indication(Some(1)), "[М-]"); // FN checked, not positive
        assert_eq!(mark_indication(Some(7)), "[М-]"); // status check made, not confirmed
    }

    #[test]
    fn labels_are_cp866() {
        // The text receipt can go to a register's print command: every fixed label must be
        // representable in CP866.
        let mut all: Vec<String> = [
            RECEIPT,
            CORRECTION_RECEIPT,
            NOT_FISCAL,
            NOT_FISCAL_NOTE,
            RECEIPT_NO,
            SHIFT_NO,
            AUTOMAT_NO,
            MARKS_CHECKED_NOT_OK,
            PRESCRIPTION_NO,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        all.extend(PAYMENT_FORMS.iter().map(|s| (*s).to_owned()));
        all.extend(Measure::KNOWN.iter().map(|&m| measure(m).into_owned()));
        all.extend(
            PaymentSubject::KNOWN
                .iter()
                .map(|&m| payment_subject(m).into_owned()),
        );
        all.extend(["[М+]", "[М-]", "[М]"].iter().map(|s| (*s).to_owned()));
        all.extend(
            PRODUCT_CODE_KINDS
                .iter()
                .map(|&k| product_code_kind(k).into_owned()),
        );
        for s in all {
            assert!(fiskal_ffd::cp866::encode(&s).is_ok(), "{s}");
        }
    }
}
