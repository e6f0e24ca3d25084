//! The fiscal result of a receipt, as the register reports it, and the FNS QR-code string.
//!
//! Everything a provider's answer says about the fiscalised document is kept here, typed: the
//! register's numbers, the ОФД and FNS data, the provider's warnings and the register's
//! marking-code checks. Fields added after the first release are optional (serde defaults, left
//! out of the JSON while empty), so stored outbox journals and older JSON still read and the
//! JSON of a receipt without them does not change.
//!
//! Pure data (no I/O): the provider adapters (`fiskal-providers`) fill it in from an answer,
//! and the layers that only show or store it — rendering, the JSON operations of the C ABI —
//! use it from here without the HTTP stack. `fiskal-providers` re-exports it unchanged
//! (`fiskal_providers::fiscal`, `fiskal_providers::FiscalAttributes`).

use crate::datetime::LocalDateTime;
use crate::{Money, Operation};
use std::fmt::Write as _;

/// What the register and the fiscal drive assigned to a fiscalised receipt — what a shop prints,
/// e-mails and keeps to prove the receipt reached the tax service — and what the provider said
/// alongside it.
///
/// A receipt can be fiscalised and still want a person's look: a marking code the register
/// checked with a negative result, or a provider warning. See
/// [`needs_attention`](FiscalAttributes::needs_attention).
///
/// Not `#[non_exhaustive]`, unlike the other types here: the adapters that fill it in live in
/// other crates (`fiskal-providers`, and any adapter written outside this workspace) and build it
/// with a struct literal. A new field is therefore a breaking change of this crate, made in a
/// new minor version (0.x) and listed in the CHANGELOG; it is added as an `Option` or a `Vec`
/// with a serde default, so stored JSON keeps reading.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FiscalAttributes {
    /// 1041 «номер ФН» (16 digits).
    pub fn_number: String,
    /// 1040 «номер ФД».
    pub fd_number: u32,
    /// 1077 «ФПД» as the number printed on the receipt (ФП, up to 10 digits).
    pub fiscal_sign: u32,
    /// 1038 «номер смены».
    pub shift_number: Option<u32>,
    /// 1042 «номер чека за смену».
    pub receipt_number: Option<u32>,
    /// 1012 «дата, время» (local time of the place of settlement).
    pub date_time: LocalDateTime,
    /// 1037 «регистрационный номер ККТ».
    pub kkt_reg_number: Option<String>,
    /// ИНН of the ОФД that received the receipt (1017 «ИНН ОФД»).
    pub ofd_inn: Option<String>,
    /// Where the buyer can see the receipt (the ОФД's page), when the provider says.
    pub receipt_url: Option<String>,
    /// 1020 «сумма расчета».
    pub total: Money,
    /// 1054 «признак расчета».
    pub operation: Operation,
    /// 1060 «адрес сайта ФНС» as the register printed it, when the provider says (ATOL
    /// `fns_site`, Orange Data `fnsWebsite`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fns_site: Option<String>,
    /// 1013 «заводской номер ККТ», when the provider says (Orange Data `deviceSN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kkt_serial_number: Option<String>,
    /// The ОФД's name, when the provider says (Orange Data `ofdName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_name: Option<String>,
    /// The ОФД's web site, when the provider says (Orange Data `ofdWebsite`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_site: Option<String>,
    /// Whether the document reached the ОФД (the ОФД's receipt, «квитанция», came back), where
    /// the provider reports it; `None`: the provider does not say. None of ATOL Online v4/v5,
    /// Orange Data and the Business.ru Open API report it in their answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ofd_delivered: Option<bool>,
    /// What the provider warned about while processing the document (ATOL `warnings`); the
    /// receipt is fiscalised regardless.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<ProviderWarning>,
    /// The register's check of each marking code, per item, where the provider reports it
    /// (ATOL v5 `marks_result`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mark_checks: Vec<MarkCheck>,
}

impl FiscalAttributes {
    /// The string encoded in the QR code of a receipt, as FNS checks it:
    /// `t=YYYYMMDDTHHMM&s=RUB.KK&fn=…&i=…&fp=…&n=…` (t: local date-time without seconds;
    /// s: total with two decimals; fn: ФН number; i: ФД number; fp: ФП; n: 1054).
    pub fn qr_string(&self) -> String {
        let (y, mo, d, h, mi, _) = self.date_time.fields();
        let mut s = String::with_capacity(96);
        let _ = write!(
            s,
            "t={y:04}{mo:02}{d:02}T{h:02}{mi:02}&s={}&fn={}&i={}&fp={}&n={}",
            self.total, self.fn_number, self.fd_number, self.fiscal_sign, self.operation.0
        );
        s
    }

    /// Whether a marking code of this receipt was checked with a negative result (by the fiscal
    /// drive or by the marking system ОИСМ), see [`MarkCheckResult::is_negative`]. The receipt
    /// is fiscalised all the same; the shop should stop selling that code.
    pub fn has_negative_mark_check(&self) -> bool {
        self.mark_checks.iter().any(|m| m.result.is_negative())
    }

    /// The marking-code checks with a negative result.
    pub fn negative_mark_checks(&self) -> impl Iterator<Item = &MarkCheck> {
        self.mark_checks.iter().filter(|m| m.result.is_negative())
    }

    /// Whether the receipt is fiscalised but wants a person's look: a negative marking-code
    /// check, a provider warning, or an ОФД that — by the provider's word — has not received it.
    pub fn needs_attention(&self) -> bool {
        self.has_negative_mark_check()
            || !self.warnings.is_empty()
            || self.ofd_delivered == Some(false)
    }
}

/// One warning a provider attached to a fiscalised document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ProviderWarning {
    /// The request field the warning is about, as the provider names it (ATOL: the key in
    /// `warnings`, e.g. `callback_url`), when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The provider's text, as given.
    pub message: String,
}

impl ProviderWarning {
    /// A warning about `field` (or about the document as a whole).
    pub fn new(field: Option<String>, message: impl Into<String>) -> ProviderWarning {
        ProviderWarning {
            field,
            message: message.into(),
        }
    }
}

/// The register's check of one marking code of the receipt.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(from = "MarkCheckJson", into = "MarkCheckJson")]
#[non_exhaustive]
pub struct MarkCheck {
    /// Index of the item in the receipt as sent, from 0.
    pub position: u32,
    /// The marking code as the provider echoes it, when it does.
    pub mark_code: Option<String>,
    /// 2106 «результат проверки сведений о товаре».
    pub result: MarkCheckResult,
}

impl MarkCheck {
    /// The check of the item at `position`.
    pub fn new(position: u32, mark_code: Option<String>, result: MarkCheckResult) -> MarkCheck {
        MarkCheck {
            position,
            mark_code,
            result,
        }
    }
}

/// The JSON of a [`MarkCheck`]: its fields, plus the result's [`MarkVerdict`] and its meaning
/// for readers of the JSON (C ABI, bindings, the outbox journal); both are derived from
/// `result` again when read.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct MarkCheckJson {
    position: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mark_code: Option<String>,
    result: u8,
    #[serde(default, skip_deserializing)]
    verdict: Option<MarkVerdict>,
    #[serde(default, skip_deserializing)]
    meaning: String,
}

impl From<MarkCheckJson> for MarkCheck {
    fn from(j: MarkCheckJson) -> MarkCheck {
        MarkCheck::new(j.position, j.mark_code, MarkCheckResult(j.result))
    }
}

impl From<MarkCheck> for MarkCheckJson {
    fn from(m: MarkCheck) -> MarkCheckJson {
        MarkCheckJson {
            position: m.position,
            mark_code: m.mark_code,
            result: m.result.0,
            verdict: Some(m.result.verdict()),
            meaning: m.result.meaning(),
        }
    }
}

/// 2106 «результат проверки сведений о товаре», a bit mask (Приказ ФНС России от 14.09.2020
/// № ЕД-7-20/662@, приложение 2, the table of requisite 2106; the same bits as 2004 «результат
/// проверки КМ» and 2005 «результаты обработки запроса»):
///
/// | bit | value | meaning |
/// |---|---|---|
/// | 0 | 1 | the code was checked by the fiscal drive (ФН) with the check key |
/// | 1 | 2 | the fiscal drive's check was positive |
/// | 2 | 4 | the status was checked with the marking system (ОИСМ) |
/// | 3 | 8 | the ОИСМ found the planned status correct |
/// | 4 | 16 | the result was formed by a register in autonomous (offline) mode |
///
/// So 15 is «all positive», 5 «negative, status incorrect», 1 «negative in the ФН, ОИСМ not
/// asked», 0 or 16 «not checked». Unknown bits are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct MarkCheckResult(pub u8);

/// What a [`MarkCheckResult`] comes to — what a register prints before the item's name:
/// `[М+]`, `[М-]` or `[М]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MarkVerdict {
    /// Every check made was positive (`[М+]`).
    Positive,
    /// A check was made and was negative (`[М-]`).
    Negative,
    /// No check was made (`[М]`), e.g. a register offline without the drive's key.
    NotChecked,
}

impl MarkCheckResult {
    /// Bit 0: checked by the fiscal drive.
    pub const FN_CHECKED: u8 = 1;
    /// Bit 1: the fiscal drive's check was positive.
    pub const FN_POSITIVE: u8 = 2;
    /// Bit 2: the status was checked with the ОИСМ.
    pub const OISM_CHECKED: u8 = 4;
    /// Bit 3: the ОИСМ found the status correct.
    pub const OISM_CORRECT: u8 = 8;
    /// Bit 4: formed in autonomous mode.
    pub const OFFLINE: u8 = 16;

    fn bit(self, b: u8) -> bool {
        self.0 & b != 0
    }

    /// Whether a check was made and came out negative: the fiscal drive checked the code and
    /// found it wrong, or the ОИСМ checked the status and found it incorrect.
    pub fn is_negative(self) -> bool {
        (self.bit(Self::FN_CHECKED) && !self.bit(Self::FN_POSITIVE))
            || (self.bit(Self::OISM_CHECKED) && !self.bit(Self::OISM_CORRECT))
    }

    /// Whether the register was in autonomous (offline) mode.
    pub fn is_offline(self) -> bool {
        self.bit(Self::OFFLINE)
    }

    /// Positive, negative or not checked.
    pub fn verdict(self) -> MarkVerdict {
        if self.is_negative() {
            MarkVerdict::Negative
        } else if self.bit(Self::FN_CHECKED) || self.bit(Self::OISM_CHECKED) {
            MarkVerdict::Positive
        } else {
            MarkVerdict::NotChecked
        }
    }

    /// The meaning of the bits in Russian, one clause per part of the check, e.g. «проверка в
    /// ФН: отрицательный результат; статус в ОИСМ: некорректен».
    pub fn meaning(self) -> String {
        let fn_part = match (self.bit(Self::FN_CHECKED), self.bit(Self::FN_POSITIVE)) {
            (false, _) => "проверка в ФН не выполнена",
            (true, true) => "проверка в ФН: положительный результат",
            (true, false) => "проверка в ФН: отрицательный результат",
        };
        let oism_part = match (self.bit(Self::OISM_CHECKED), self.bit(Self::OISM_CORRECT)) {
            (false, _) => "статус в ОИСМ не проверен",
            (true, true) => "статус в ОИСМ корректен",
            (true, false) => "статус в ОИСМ некорректен",
        };
        let mut s = format!("{fn_part}; {oism_part}");
        if self.is_offline() {
            s.push_str("; автономный режим");
        }
        if self.0 & !0x1F != 0 {
            let _ = write!(s, "; неизвестные биты {:#04x}", self.0 & !0x1F);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FiscalAttributes {
        FiscalAttributes {
            fn_number: "9999078900001234".into(),
            fd_number: 1234,
            fiscal_sign: 3_826_187_301,
            shift_number: Some(12),
            receipt_number: Some(5),
            date_time: "2026-03-02T10:15:42".parse().expect("time"),
            kkt_reg_number: None,
            ofd_inn: None,
            receipt_url: None,
            total: Money::from_kopecks(59_970),
            operation: Operation::SELL,
            fns_site: None,
            kkt_serial_number: None,
            ofd_name: None,
            ofd_site: None,
            ofd_delivered: None,
            warnings: Vec::new(),
            mark_checks: Vec::new(),
        }
    }

    #[test]
    fn qr_string_layout() {
        assert_eq!(
            sample().qr_string(),
            "t=20260302T1015&s=599.70&fn=9999078900001234&i=1234&fp=3826187301&n=1"
        );
    }

    /// Every value the ATOL v5 SDKs list for `marks_result.result`, with its verdict.
    #[test]
    fn mark_check_results_by_bits() {
        use MarkVerdict::*;
        for (code, verdict) in [
            (0, NotChecked),
            (16, NotChecked),
            (1, Negative),
            (17, Negative),
            (3, Positive),
            (19, Positive),
            (5, Negative),
            (7, Negative),
            (15, Positive),
            (31, Positive),
            (13, Negative),
        ] {
            assert_eq!(MarkCheckResult(code).verdict(), verdict, "{code}");
            assert_eq!(
                MarkCheckResult(code).is_negative(),
                verdict == Negative,
                "{code}"
            );
        }
        assert_eq!(
            MarkCheckResult(5).meaning(),
            "проверка в ФН: отрицательный результат; статус в ОИСМ некорректен"
        );
        assert_eq!(
            MarkCheckResult(19).meaning(),
            "проверка в ФН: положительный результат; статус в ОИСМ не проверен; автономный режим"
        );
        assert!(MarkCheckResult(0x40)
            .meaning()
            .ends_with("неизвестные биты 0x40"));
    }

    #[test]
    fn attention_follows_marks_warnings_and_delivery() {
        let mut f = sample();
        assert!(!f.needs_attention());
        f.mark_checks = vec![
            MarkCheck::new(0, Some("a".into()), MarkCheckResult(15)),
            MarkCheck::new(2, None, MarkCheckResult(0)),
        ];
        assert!(!f.has_negative_mark_check() && !f.needs_attention());
        f.mark_checks
            .push(MarkCheck::new(3, None, MarkCheckResult(5)));
        assert!(f.has_negative_mark_check() && f.needs_attention());
        assert_eq!(
            f.negative_mark_checks()
                .map(|m| m.position)
                .collect::<Vec<_>>(),
            vec![3]
        );
        let mut f = sample();
        f.warnings
            .push(ProviderWarning::new(Some("callback_url".into()), "маска"));
        assert!(f.needs_attention() && !f.has_negative_mark_check());
        let mut f = sample();
        f.ofd_delivered = Some(true);
        assert!(!f.needs_attention());
        f.ofd_delivered = Some(false);
        assert!(f.needs_attention());
    }

    /// Journals and JSON written before the new fields read; a value without them writes the
    /// same JSON as before; the new fields round-trip, mark checks with their meaning.
    #[test]
    fn json_old_and_new() {
        let old = serde_json::json!({
            "fn_number": "9999078900001234", "fd_number": 1234, "fiscal_sign": 3_826_187_301_u32,
            "shift_number": 12, "receipt_number": 5, "date_time": "2026-03-02T10:15:42",
            "kkt_reg_number": null, "ofd_inn": null, "receipt_url": null,
            "total": "599.70", "operation": "sell"
        });
        let f: FiscalAttributes = serde_json::from_value(old.clone()).expect("old JSON");
        assert_eq!(f, sample());
        assert_eq!(serde_json::to_value(&f).expect("json"), old);

        let mut f = sample();
        f.fns_site = Some("www.nalog.gov.ru".into());
        f.warnings
            .push(ProviderWarning::new(Some("callback_url".into()), "маска"));
        f.mark_checks.push(MarkCheck::new(
            1,
            Some("0104601234567893215Abc".into()),
            MarkCheckResult(5),
        ));
        let v = serde_json::to_value(&f).expect("json");
        assert_eq!(
            v["mark_checks"][0],
            serde_json::json!({"position": 1, "mark_code": "0104601234567893215Abc", "result": 5,
                "verdict": "negative",
                "meaning": "проверка в ФН: отрицательный результат; статус в ОИСМ некорректен"})
        );
        assert_eq!(v["fns_site"], "www.nalog.gov.ru");
        assert_eq!(
            v["warnings"],
            serde_json::json!([{"field": "callback_url", "message": "маска"}])
        );
        let back: FiscalAttributes = serde_json::from_value(v).expect("read back");
        assert_eq!(back, f);
        // A stale verdict in stored JSON does not survive: it is derived from the code.
        let m: MarkCheck = serde_json::from_value(
            serde_json::json!({"position": 0, "result": 15, "verdict": "negative"}),
        )
        .expect("mark check");
        assert!(!m.result.is_negative());
    }
}
