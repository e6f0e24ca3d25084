//! The service's own checks of a document POST, after the field tables of the Orange Data
//! protocol (<https://github.com/orangedata-official/API>, `orangedata_API_Russian_ffd_1.2.pdf`,
//! version 2.31.3, §2.1.1–§2.1.1.14, §2.3.1, §2.7.1): required fields, types, lengths,
//! enumerations, the FFD split, and the sums. Every finding becomes one text of the 400 `errors`
//! array, in Russian like the protocol's sample (§2.1.2), naming the field by the API's own
//! JSON path (`content.positions[0].tax`). Rules the protocol does not say the service enforces
//! run only when `strict` is on (see docs/emulators.md).
//!
//! (Over 800 lines: one pass over the document keeps the findings in the protocol's field
//! order; the flat runs of fields are the tables of `tables`, the rules across fields stay here.)

use crate::fields::FieldChecker;
use serde_json::Value;

pub(crate) use crate::fields::Obj;

/// Largest amount, kopecks (99 999 999.99).
pub(crate) const MAX_MONEY: u64 = 9_999_999_999;
/// Largest quantity, millionths (281 474 976.710 655).
const MAX_QUANTITY: u64 = 281_474_976_710_655;

/// Which POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `/api/v2/documents/`.
    Document,
    /// `/api/v2/correction12/`.
    Correction12,
    /// `/api/v2/corrections/` (FFD 1.05, a totals record, protocol §2.3).
    Correction105,
}

/// What the rest of the emulator needs from a document that passed the checks.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub(crate) id: String,
    pub(crate) inn: String,
    pub(crate) group: Option<String>,
    pub(crate) ffd12: bool,
    pub(crate) operation: u8,
    pub(crate) ignore_item_code_check: bool,
    pub(crate) callback_url: Option<String>,
    pub(crate) meta: Option<String>,
    pub(crate) total_kopecks: u64,
    /// (position, itemCode) of every marked position.
    pub(crate) item_codes: Vec<(usize, String)>,
    /// Whether `automatNumber`/`settlementAddress`/`settlementPlace` were sent (all, any).
    pub(crate) automat_fields: (bool, bool),
}

/// The exact text of a JSON number.
pub(crate) fn number_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Why a JSON number is not an amount or a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumProblem {
    /// Not a JSON number at all.
    NotNumber,
    /// Below zero.
    Negative,
    /// More decimals than allowed.
    Scale,
    /// Too large to hold.
    Range,
}

/// The value of a JSON number text (plain or exponent form: `0.000001`, `1e-06`, `1E+2`) in
/// units of 10^-`scale`, exactly (never through a float). Trailing zeros do not count as
/// decimals (`8.90000` has two).
pub(crate) fn scaled(text: &str, scale: u32) -> Result<u128, NumProblem> {
    let (neg, t) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => {
            let e = &t[i + 1..];
            let e = e.strip_prefix('+').unwrap_or(e);
            let e: i64 = e.parse().map_err(|_| NumProblem::NotNumber)?;
            (&t[..i], e)
        }
        None => (t, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |d: &str| d.bytes().all(|c| c.is_ascii_digit());
    if int.is_empty()
        || !digits_ok(int)
        || !digits_ok(frac)
        || (mantissa.contains('.') && frac.is_empty())
    {
        return Err(NumProblem::NotNumber);
    }
    let all = format!("{int}{frac}");
    let all = all.trim_start_matches('0');
    // value = all × 10^(exp − frac.len()); in our units: × 10^(exp − frac.len() + scale).
    let frac_len = i64::try_from(frac.len()).map_err(|_| NumProblem::Range)?;
    let mut shift = exp - frac_len + i64::from(scale);
    let mut digits = all.to_owned();
    while shift < 0 {
        match digits.strip_suffix('0') {
            Some(d) => digits = d.to_owned(),
            None if digits.is_empty() => break,
            None => return Err(NumProblem::Scale),
        }
        shift += 1;
    }
    if neg && !digits.is_empty() {
        return Err(NumProblem::Negative);
    }
    if digits.is_empty() {
        return Ok(0);
    }
    if digits.len() > 30 || shift > 30 {
        return Err(NumProblem::Range);
    }
    let base: u128 = digits.parse().map_err(|_| NumProblem::Range)?;
    let shift = u32::try_from(shift).map_err(|_| NumProblem::Range)?;
    10u128
        .checked_pow(shift)
        .and_then(|m| base.checked_mul(m))
        .ok_or(NumProblem::Range)
}

/// Kopecks of a JSON number with at most two decimals, up to [`MAX_MONEY`] (§2.1.1.4 note).
pub(crate) fn kopecks(v: &Value) -> Result<u64, &'static str> {
    let text = number_text(v).ok_or("ожидается число")?;
    match scaled(&text, 2) {
        Ok(k) if k <= u128::from(MAX_MONEY) => u64::try_from(k).map_err(|_| "ожидается число"),
        Ok(_) | Err(NumProblem::Range) => Err("значение не может превышать 99999999.99"),
        Err(NumProblem::Negative) => Err("значение не может быть отрицательным"),
        Err(NumProblem::Scale) => Err("допускается не более 2 знаков после точки"),
        Err(NumProblem::NotNumber) => Err("ожидается число"),
    }
}

/// Millionths of a JSON number with at most six decimals (in both FFD versions, §2.1.1.2
/// `quantity`), positive, up to 281 474 976.710 655 (§2.1.1.4 note).
pub(crate) fn micro_units(v: &Value) -> Result<u64, &'static str> {
    let text = number_text(v).ok_or("ожидается число")?;
    match scaled(&text, 6) {
        Ok(0) => Err("значение должно быть больше 0"),
        Ok(m) if m <= u128::from(MAX_QUANTITY) => u64::try_from(m).map_err(|_| "ожидается число"),
        Ok(_) | Err(NumProblem::Range) => Err("значение не может превышать 281474976.710655"),
        Err(NumProblem::Negative) => Err("значение должно быть больше 0"),
        Err(NumProblem::Scale) => Err("допускается не более 6 знаков после точки"),
        Err(NumProblem::NotNumber) => Err("ожидается число"),
    }
}

/// The decimal text of `micro` millionths (`0.000001`, `2`).
pub(crate) fn micro_text(micro: u64) -> String {
    let (i, f) = (micro / 1_000_000, micro % 1_000_000);
    if f == 0 {
        i.to_string()
    } else {
        format!("{i}.{}", format!("{f:06}").trim_end_matches('0'))
    }
}

/// round-half-up(price × quantity), kopecks.
pub(crate) fn line_sum(price_kopecks: u64, quantity_micro: u64) -> u64 {
    let p = u128::from(price_kopecks) * u128::from(quantity_micro);
    u64::try_from((p + 500_000) / 1_000_000).unwrap_or(u64::MAX)
}

fn is_digits(s: &str, lens: &[usize]) -> bool {
    lens.contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit())
}

fn contact_ok(s: &str) -> bool {
    if s == "none" {
        return true;
    }
    if let Some(d) = s.strip_prefix('+') {
        return !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit());
    }
    matches!(s.split_once('@'), Some((a, b)) if !a.is_empty() && !b.is_empty())
}

/// The text of a missing required field.
const REQUIRED: &str = "обязательное поле не указано";

/// The texts of the protocol's error sample (§2.1.2): a missing `id`, `inn`, `content`.
pub(crate) const NO_ID: &str = "Не указан идентификатор документа 'Id'";
/// See [`NO_ID`].
pub(crate) const NO_INN: &str = "Не указан ИНН организации 'INN'";
/// See [`NO_ID`].
pub(crate) const NO_CONTENT: &str = "Отсутствует содержимое документа 'Content'";

/// Accumulates findings.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    pub(crate) errors: Vec<String>,
    /// Apply the rules the protocol does not say the service enforces.
    pub(crate) strict: bool,
}

impl Checker {
    fn err(&mut self, path: &str, what: impl std::fmt::Display) {
        self.errors.push(format!("{path}: {what}"));
    }

    /// A string field of 1..=`max` characters (`min` characters at least).
    fn string<'a>(
        &mut self,
        o: &'a Obj,
        key: &str,
        at: &str,
        required: bool,
        min: usize,
        max: usize,
    ) -> Option<&'a str> {
        let path = format!("{at}{key}");
        match o.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.err(&path, REQUIRED);
                }
                None
            }
            Some(Value::String(s)) => {
                let n = s.chars().count();
                if n < min || n > max {
                    self.err(
                        &path,
                        format!("длина должна быть от {min} до {max} символов"),
                    );
                    None
                } else {
                    Some(s)
                }
            }
            Some(_) => {
                self.err(&path, "ожидается строка");
                None
            }
        }
    }

    /// An integer field whose value must satisfy `ok`.
    fn int(
        &mut self,
        o: &Obj,
        key: &str,
        at: &str,
        required: bool,
        ok: impl Fn(u64) -> bool,
    ) -> Option<u64> {
        let path = format!("{at}{key}");
        match o.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.err(&path, REQUIRED);
                }
                None
            }
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) if ok(v) => Some(v),
                _ => {
                    self.err(&path, format!("недопустимое значение {n}"));
                    None
                }
            },
            Some(_) => {
                self.err(&path, "ожидается целое число");
                None
            }
        }
    }

    fn money(&mut self, o: &Obj, key: &str, at: &str, required: bool) -> Option<u64> {
        match o.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.err(&format!("{at}{key}"), REQUIRED);
                }
                None
            }
            Some(v) => match kopecks(v) {
                Ok(k) => Some(k),
                Err(e) => {
                    self.err(&format!("{at}{key}"), e);
                    None
                }
            },
        }
    }

    fn boolean(&mut self, o: &Obj, key: &str, at: &str) -> Option<bool> {
        match o.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.err(&format!("{at}{key}"), "ожидается true или false");
                None
            }
        }
    }

    /// Digits of one of the lengths `lens` (an INN: 10 or 12).
    fn digits(&mut self, o: &Obj, key: &str, at: &str, required: bool, lens: &[usize]) {
        let max = lens.iter().copied().max().unwrap_or(0);
        if let Some(s) = self.string(o, key, at, required, 1, max) {
            if !is_digits(s, lens) {
                let what = lens
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(" или ");
                self.err(&format!("{at}{key}"), format!("ожидается {what} цифр"));
            }
        }
    }

    /// Fields present only in one FFD version.
    fn only_in(&mut self, o: &Obj, keys: &[&str], at: &str, version: &str) {
        for k in keys {
            if o.get(*k).is_some_and(|v| !v.is_null()) {
                self.err(
                    &format!("{at}{k}"),
                    format!("допускается только в ФФД {version}"),
                );
            }
        }
    }

    fn object<'a>(&mut self, o: &'a Obj, key: &str, at: &str, required: bool) -> Option<&'a Obj> {
        match o.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.err(&format!("{at}{key}"), REQUIRED);
                }
                None
            }
            Some(Value::Object(m)) => Some(m),
            Some(_) => {
                self.err(&format!("{at}{key}"), "ожидается объект");
                None
            }
        }
    }
}

impl Checker {
    /// `correctionType`, `causeDocumentDate` (time 00:00:00) and `causeDocumentNumber`
    /// (required by prescription) of a correction (protocol §2.3.1, §2.7.1). Returns `correctionType`.
    fn correction_cause(&mut self, content: &Obj) -> Option<u64> {
        let at = "content.";
        let ct = self.int(content, "correctionType", at, true, |v| v <= 1);
        if let Some(d) = self.string(content, "causeDocumentDate", at, true, 10, 40) {
            let ok = d
                .get(..19)
                .and_then(|s| s.parse::<fiskal_ffd::datetime::LocalDateTime>().ok());
            match ok {
                Some(t) if t.fields().3 == 0 && t.fields().4 == 0 && t.fields().5 == 0 => {}
                Some(_) => self.err("content.causeDocumentDate", "время должно быть 00:00:00"),
                None => self.err(
                    "content.causeDocumentDate",
                    "ожидается дата и время ISO-8601",
                ),
            }
        }
        self.string(content, "causeDocumentNumber", at, ct == Some(1), 1, 32);
        ct
    }
}

/// The `content` of an FFD 1.05 correction (`/api/v2/corrections/`, §2.3.1): cause, `type` 1
/// or 3, `totalSum` = the sum of the five payment sums, `tax1Sum`…`tax10Sum`,
/// `taxationSystem`; no positions.
fn correction_105(
    mut c: Checker,
    content: &Obj,
    (id, inn): (Option<String>, Option<String>),
    group: Option<&str>,
    callback_url: Option<&str>,
    meta: Option<&str>,
) -> Result<Checked, Vec<String>> {
    let at = "content.";
    c.int(content, "ffdVersion", at, false, |v| v == 2);
    c.correction_cause(content);
    let operation = c.int(content, "type", at, true, |v| v == 1 || v == 3);
    let total = c.money(content, "totalSum", at, true);
    let mut paid = Some(0u64);
    for key in [
        "cashSum",
        "eCashSum",
        "prepaymentSum",
        "postpaymentSum",
        "otherPaymentTypeSum",
    ] {
        let present = !matches!(content.get(key), None | Some(Value::Null));
        match c.money(content, key, at, false) {
            Some(k) => paid = paid.and_then(|t| t.checked_add(k)),
            None if present => paid = None,
            None => {}
        }
    }
    for n in 1..=10 {
        c.money(content, &format!("tax{n}Sum"), at, false);
    }
    c.int(content, "taxationSystem", at, true, |v| v <= 5);
    if let Some(s) = c.string(content, "customerContact", at, false, 1, 64) {
        // §1.2.6: the service takes any 1..64 characters in 1008; the format of the field
        // table (+{Ц}, {С}@{С}, none) is checked under `strict` only.
        if c.strict && !contact_ok(s) {
            c.err("content.customerContact", CONTACT_FORMAT);
        }
    }
    c.string(content, "senderEmail", at, false, 1, 64);
    let automat = [
        c.string(content, "automatNumber", at, false, 1, 20)
            .is_some(),
        c.string(content, "settlementAddress", at, false, 1, 243)
            .is_some(),
        c.string(content, "settlementPlace", at, false, 1, 243)
            .is_some(),
    ];
    c.fields(content, at, CONTENT_FLAGS);
    if let (Some(total), Some(paid)) = (total, paid) {
        if paid != total {
            c.err(
                "content.totalSum",
                format!(
                    "сумма cashSum, eCashSum, prepaymentSum, postpaymentSum и otherPaymentTypeSum {} не равна totalSum {}",
                    rub(paid),
                    rub(total)
                ),
            );
        }
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(Checked {
        id: id.unwrap_or_default(),
        inn: inn.unwrap_or_default(),
        group: group.map(str::to_owned),
        ffd12: false,
        operation: operation.and_then(|o| u8::try_from(o).ok()).unwrap_or(1),
        ignore_item_code_check: true,
        callback_url: callback_url.map(str::to_owned),
        meta: meta.map(str::to_owned),
        total_kopecks: total.unwrap_or(0),
        item_codes: Vec::new(),
        automat_fields: (automat.iter().all(|b| *b), automat.iter().any(|b| *b)),
    })
}

fn planned_status_ok(v: u64) -> bool {
    (1..=6).contains(&v) || v == 255
}

mod tables;
use tables::*;

/// The text of a `customerContact` of the wrong form (`strict` only).
const CONTACT_FORMAT: &str = "ожидается формат +{Ц}, {С}@{С} или none";

/// Checks a document POST body. `extra_tax` are the configured extra `tax` codes; `strict`
/// adds the rules the protocol does not say the service enforces.
pub(crate) fn check(
    body: &Obj,
    kind: Kind,
    extra_tax: &[(u8, u8)],
    strict: bool,
) -> Result<Checked, Vec<String>> {
    let mut c = Checker {
        errors: Vec::new(),
        strict,
    };
    let id = match body.get("id") {
        None | Some(Value::Null) => {
            c.errors.push(NO_ID.into());
            None
        }
        _ => c.string(body, "id", "", true, 1, 64),
    };
    let inn = match body.get("inn") {
        None | Some(Value::Null) => {
            c.errors.push(NO_INN.into());
            None
        }
        _ => c.string(body, "inn", "", true, 10, 12),
    };
    if inn.is_some_and(|s| !is_digits(s, &[10, 12])) {
        c.err("inn", "ожидается 10 или 12 цифр");
    }
    let group = c.string(body, "group", "", false, 1, 32);
    c.string(body, "key", "", true, 1, 32);
    let callback_url = c.string(body, "callbackUrl", "", false, 1, 1024);
    c.string(body, "callbackApiKey", "", false, 1, 3072);
    let meta = c.string(body, "meta", "", false, 1, 128);
    let ignore = c.boolean(body, "ignoreItemCodeCheck", "").unwrap_or(false);
    let content = match body.get("content") {
        None | Some(Value::Null) => {
            c.errors.push(NO_CONTENT.into());
            None
        }
        _ => c.object(body, "content", "", true),
    };
    let Some(content) = content else {
        return Err(c.errors);
    };
    let at = "content.";
    if kind == Kind::Correction105 {
        let ids = (id.map(str::to_owned), inn.map(str::to_owned));
        return correction_105(c, content, ids, group, callback_url, meta);
    }
    let ffd = c.int(content, "ffdVersion", at, kind == Kind::Correction12, |v| {
        v == 2 || v == 4
    });
    if kind == Kind::Correction12 && ffd == Some(2) {
        c.err(
            "content.ffdVersion",
            "для correction12 допускается только 4",
        );
    }
    let ffd12 = ffd == Some(4);
    let operation = c.int(content, "type", at, true, |v| (1..=4).contains(&v));
    if ffd12 {
        c.only_in(
            content,
            &[
                "customer",
                "customerINN",
                "agentType",
                "paymentTransferOperatorPhoneNumbers",
                "paymentAgentOperation",
                "paymentAgentPhoneNumbers",
                "paymentOperatorPhoneNumbers",
                "paymentOperatorName",
                "paymentOperatorAddress",
                "paymentOperatorINN",
                "supplierPhoneNumbers",
            ],
            at,
            "1.05",
        );
    } else {
        c.only_in(
            content,
            &["customerInfo", "operationalAttribute", "industryAttribute"],
            at,
            "1.2",
        );
    }
    if kind == Kind::Correction12 {
        c.correction_cause(content);
    }
    // Receipt-level text fields.
    if let Some(s) = c.string(content, "customerContact", at, true, 1, 64) {
        // §1.2.6: the service takes any 1..64 characters in 1008; the format of the field
        // table (+{Ц}, {С}@{С}, none) is checked under `strict` only.
        if c.strict && !contact_ok(s) {
            c.err("content.customerContact", CONTACT_FORMAT);
        }
    }
    c.string(content, "cashier", at, false, 1, 64);
    if let Some(s) = c.string(content, "cashierINN", at, false, 12, 12) {
        if !is_digits(s, &[12]) {
            c.err("content.cashierINN", "ожидается 12 цифр");
        }
    }
    c.fields(content, at, CONTENT_TEXTS);
    if let Some(ua) = c.object(content, "additionalUserAttribute", at, false) {
        let n = c.string(ua, "name", "content.additionalUserAttribute.", true, 1, 64);
        let v = c.string(
            ua,
            "value",
            "content.additionalUserAttribute.",
            true,
            1,
            234,
        );
        if let (Some(n), Some(v)) = (n, v) {
            if n.chars().count() + v.chars().count() > 235 {
                c.err(
                    "content.additionalUserAttribute",
                    "длина name и value вместе не может превышать 235 символов",
                );
            }
        }
    }
    if let Some(ci) = c.object(content, "customerInfo", at, false) {
        c.fields(ci, "content.customerInfo.", CUSTOMER_INFO);
    }
    let automat = [
        c.string(content, "automatNumber", at, false, 1, 20)
            .is_some(),
        c.string(content, "settlementAddress", at, false, 1, 243)
            .is_some(),
        c.string(content, "settlementPlace", at, false, 1, 243)
            .is_some(),
    ];
    c.fields(content, at, CONTENT_FLAGS);
    // §2.1.1.1 marks totalSum required for FFD 1.05 only, yet the protocol's own samples
    // (§1.3, §2.1) and the official clients never send it: absent, it is Σ of the positions;
    // required (FFD 1.05) under `strict` only.
    let total = c.money(content, "totalSum", at, strict && !ffd12);
    for n in 1..=10 {
        c.money(content, &format!("vat{n}Sum"), at, false);
    }
    // Positions.
    let mut items_sum = Some(0u64);
    let mut item_codes = Vec::new();
    match content.get("positions") {
        Some(Value::Array(ps)) if !ps.is_empty() => {
            for (i, p) in ps.iter().enumerate() {
                let at = format!("content.positions[{i}].");
                let Some(p) = p.as_object() else {
                    c.err(&format!("content.positions[{i}]"), "ожидается объект");
                    items_sum = None;
                    continue;
                };
                let q = match p.get("quantity") {
                    None | Some(Value::Null) => {
                        c.err(&format!("{at}quantity"), REQUIRED);
                        None
                    }
                    Some(v) => micro_units(v)
                        .map_err(|e| c.err(&format!("{at}quantity"), e))
                        .ok(),
                };
                let price = c.money(p, "price", &at, true);
                match (q, price) {
                    (Some(q), Some(price)) => {
                        let s = line_sum(price, q);
                        if s > MAX_MONEY {
                            c.err(
                                &format!("{at}price"),
                                "price × quantity не может превышать 99999999.99",
                            );
                        }
                        items_sum = items_sum.and_then(|t| t.checked_add(s));
                    }
                    _ => items_sum = None,
                }
                c.int(p, "tax", &at, true, |v| {
                    (1..=10).contains(&v) || extra_tax.iter().any(|(code, _)| u64::from(*code) == v)
                });
                c.fields(p, &at, POSITION);
                if let Some(si) = c.object(p, "supplierInfo", &at, false) {
                    c.string(si, "name", &format!("{at}supplierInfo."), false, 1, 239);
                }
                if ffd12 {
                    c.only_in(p, &["nomenclatureCode", "unitOfMeasurement"], &at, "1.05");
                    c.int(p, "quantityMeasurementUnit", &at, false, |v| v <= 255);
                    if let Some(code) = c.string(p, "itemCode", &at, false, 1, 223) {
                        item_codes.push((i, code.to_owned()));
                    }
                    if let Some(fq) = c.object(p, "fractionalQuantity", &at, false) {
                        let get = |k: &str| {
                            fq.get(k)
                                .or_else(|| fq.get(&k.to_lowercase()))
                                .and_then(Value::as_u64)
                        };
                        if !matches!((get("Numerator"), get("Denominator")), (Some(n), Some(d)) if n > 0 && d > n)
                        {
                            c.err(
                                &format!("{at}fractionalQuantity"),
                                "Numerator и Denominator: целые числа, 0 < Numerator < Denominator",
                            );
                        }
                    }
                } else {
                    c.only_in(
                        p,
                        &[
                            "itemCode",
                            "quantityMeasurementUnit",
                            "fractionalQuantity",
                            "plannedStatus",
                        ],
                        &at,
                        "1.2",
                    );
                    c.string(p, "unitOfMeasurement", &at, false, 1, 16);
                    if let Some(nc) = c.string(p, "nomenclatureCode", &at, false, 1, 64) {
                        use base64::Engine;
                        let n = base64::engine::general_purpose::STANDARD
                            .decode(nc)
                            .map(|b| b.len())
                            .unwrap_or(0);
                        if !(8..=32).contains(&n) {
                            c.err(
                                &format!("{at}nomenclatureCode"),
                                "ожидается Base64 от 8 до 32 байт",
                            );
                        }
                    }
                }
            }
        }
        Some(Value::Array(_)) => c.err("content.positions", "нужна хотя бы одна позиция"),
        None | Some(Value::Null) => c.err("content.positions", REQUIRED),
        Some(_) => c.err("content.positions", "ожидается массив"),
    }
    // checkClose.
    let mut paid = Some(0u64);
    if let Some(cc) = c.object(content, "checkClose", at, true) {
        let at = "content.checkClose.";
        c.int(cc, "taxationSystem", at, true, |v| v <= 5);
        match cc.get("payments") {
            Some(Value::Array(ps)) if !ps.is_empty() => {
                for (i, p) in ps.iter().enumerate() {
                    let at = format!("content.checkClose.payments[{i}].");
                    let Some(p) = p.as_object() else {
                        c.err(
                            &format!("content.checkClose.payments[{i}]"),
                            "ожидается объект",
                        );
                        paid = None;
                        continue;
                    };
                    c.int(p, "type", &at, true, |v| matches!(v, 1 | 2 | 14 | 15 | 16));
                    match c.money(p, "amount", &at, true) {
                        Some(a) => paid = paid.and_then(|t| t.checked_add(a)),
                        None => paid = None,
                    }
                }
            }
            Some(Value::Array(_)) => {
                c.err("content.checkClose.payments", "нужна хотя бы одна оплата")
            }
            None | Some(Value::Null) => c.err("content.checkClose.payments", REQUIRED),
            Some(_) => c.err("content.checkClose.payments", "ожидается массив"),
        }
    }
    // The receipt total: totalSum when sent, else Σ round(price × quantity).
    let total_given = total.is_some();
    let total = total.or(items_sum);
    if let (Some(total), Some(paid)) = (total, paid) {
        if paid != total {
            let what = if total_given {
                "totalSum"
            } else {
                "сумме позиций"
            };
            c.err(
                "content.checkClose.payments",
                format!("сумма оплат {} не равна {what} {}", rub(paid), rub(total)),
            );
        }
    }
    if let (true, Some(total), Some(items)) = (total_given, total, items_sum) {
        if total > items || items - total >= 100 {
            c.err(
                "content.totalSum",
                format!(
                    "{} не соответствует сумме позиций {}",
                    rub(total),
                    rub(items)
                ),
            );
        }
    }
    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    Ok(Checked {
        id: id.unwrap_or_default().to_owned(),
        inn: inn.unwrap_or_default().to_owned(),
        group: group.map(str::to_owned),
        ffd12,
        operation: operation.and_then(|o| u8::try_from(o).ok()).unwrap_or(1),
        ignore_item_code_check: ignore,
        callback_url: callback_url.map(str::to_owned),
        meta: meta.map(str::to_owned),
        total_kopecks: total.unwrap_or(0),
        item_codes,
        automat_fields: (automat.iter().all(|b| *b), automat.iter().any(|b| *b)),
    })
}

/// `123.45`.
pub(crate) fn rub(k: u64) -> String {
    format!("{}.{:02}", k / 100, k % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Value {
        serde_json::from_str(s).expect("number")
    }

    #[test]
    fn numbers() {
        assert_eq!(kopecks(&n("4990.00")), Ok(499_000));
        assert!(kopecks(&n("0.001")).is_err());
        assert!(kopecks(&n("100000000.00")).is_err());
        assert_eq!(micro_units(&n("0.347")), Ok(347_000));
        assert!(micro_units(&n("0")).is_err());
        assert!(micro_units(&n("1.0000001")).is_err());
        // Exponent form is a number (serde_json prints 0.000001 as 1e-6 itself).
        assert_eq!(micro_units(&n("1e-06")), Ok(1));
        assert_eq!(micro_units(&n("0.000001")), Ok(1));
        assert_eq!(micro_units(&n("2.5E+1")), Ok(25_000_000));
        assert!(micro_units(&n("1e-7")).is_err());
        assert_eq!(kopecks(&n("8.90000")), Ok(890));
        assert_eq!(kopecks(&n("1e2")), Ok(10_000));
        assert_eq!(scaled("-1", 2), Err(NumProblem::Negative));
        assert_eq!(scaled("1e400", 2), Err(NumProblem::Range));
        assert_eq!(scaled("1.", 2), Err(NumProblem::NotNumber));
        assert_eq!(micro_text(1), "0.000001");
        assert_eq!(micro_text(2_500_000), "2.5");
        assert_eq!(line_sum(89_900, 347_000), 31_195);
        assert!(contact_ok("+79990000001") && contact_ok("a@b") && contact_ok("none"));
        assert!(!contact_ok("79990000001"));
    }
}
