//! Request validation per the ATOL schema («АТОЛ Онлайн. Описание протокола v4 (ФФД 1.05)», doc
//! version 5.15, Tables 2 and 3, and its JSON schema
//! `https://online.atol.ru/possystem/v4/schema/sell`; v5 from the clients that quote the v5
//! document, see docs/emulators.md): required fields, types, lengths, enumerations, array sizes,
//! number precision and ranges — what the service checks before it accepts a document. A request
//! that fails gets error 32 listing every failing field as `<Kind>: #/<json pointer>` (the kind
//! names of the .NET JSON-schema validator the service uses, as in the A4 capture `PatternMismatch:
//! #/login`), joined by `, `.
//!
//! Arithmetic (item sums, totals, payments, VAT) is *not* checked here: the service leaves it to
//! the register, which refuses such a document after acceptance (see `convert`).

use super::{ApiVersion, Operation};
use crate::fields::{FieldChecker, Obj};
use serde_json::Value;

/// Largest amount in ATOL's schema: 42 949 672.95 ₽ (8 + 2 digits), in kopecks.
const MAX_MONEY: u64 = 4_294_967_295;

/// The ATOL `vat.type` values (the 2025/2026 rates accepted in v4 unless configured off).
const VAT_BASE: &[&str] = &[
    "none", "vat0", "vat10", "vat110", "vat20", "vat120", "vat18", "vat118",
];
const VAT_NEW: &[&str] = &["vat5", "vat7", "vat105", "vat107", "vat22", "vat122"];
const SNO: &[&str] = &[
    "osn",
    "usn_income",
    "usn_income_outcome",
    "envd",
    "esn",
    "patent",
];
const PAYMENT_METHOD: &[&str] = &[
    "full_prepayment",
    "prepayment",
    "advance",
    "full_payment",
    "partial_payment",
    "credit",
    "credit_payment",
];
/// v4 `payment_object` strings (doc 5.15, Table 2), plus `resort_fee` which Bitrix sends.
pub(crate) const PAYMENT_OBJECT_V4: &[&str] = &[
    "commodity",
    "excise",
    "job",
    "service",
    "gambling_bet",
    "gambling_prize",
    "lottery",
    "lottery_prize",
    "intellectual_activity",
    "payment",
    "agent_commission",
    "award",
    "another",
    "property_right",
    "non-operating_gain",
    "insurance_premium",
    "sales_tax",
    "resort_fee",
    "deposit",
    "expense",
    "pension_insurance_ip",
    "pension_insurance",
    "medical_insurance_ip",
    "medical_insurance",
    "social_insurance",
    "casino_payment",
];
const AGENT_TYPE: &[&str] = &[
    "bank_paying_agent",
    "bank_paying_subagent",
    "paying_agent",
    "paying_subagent",
    "attorney",
    "commission_agent",
    "another",
];
const MEASURE: &[i64] = &[
    0, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 70, 71, 72, 73, 80, 81, 82, 83, 255,
];
/// v5 `mark_code` keys: (key, FFD tag of the 1163 child, min length, max length, digits only).
pub(crate) const MARK_KINDS: &[(&str, u16, usize, usize, bool)] = &[
    ("unknown", 1300, 1, 32, false),
    ("ean8", 1301, 8, 8, true),
    ("ean13", 1302, 13, 13, true),
    ("itf14", 1303, 14, 14, true),
    ("gs10", 1304, 1, 38, false),
    ("gs1m", 1305, 1, 200, false),
    ("short", 1306, 1, 38, false),
    ("fur", 1307, 20, 20, false),
    ("egais20", 1308, 23, 23, false),
    ("egais30", 1309, 14, 14, false),
];

/// The exact text of a JSON number (serde_json prints the shortest text that reads back to
/// the same value, which for amounts of ≤ 17 digits is the text that was sent).
pub(crate) fn number_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Integer kopecks of a JSON number with at most two decimals.
pub(crate) fn kopecks(v: &Value) -> Result<u64, &'static str> {
    let text = number_text(v).ok_or("NumberExpected")?;
    let m: fiskal_ffd::Money = text.parse().map_err(|_| "NumberExpected")?;
    match m.kopecks() {
        Ok(k) if k <= MAX_MONEY => Ok(k),
        Ok(_) => Err("NumberTooBig"),
        Err(fiskal_ffd::money::MoneyProblem::Negative) => Err("NumberTooSmall"),
        Err(fiskal_ffd::money::MoneyProblem::TooManyDecimals) => Err("NumberNotMultipleOf"),
        Err(_) => Err("NumberTooBig"),
    }
}

/// `dd.mm.yyyy` (or with ` HH:MM:SS` when `with_time`) naming a real moment.
pub(crate) fn parse_atol_datetime(
    s: &str,
    with_time: bool,
) -> Option<fiskal_ffd::datetime::LocalDateTime> {
    let b = s.as_bytes();
    let want = if with_time { 19 } else { 10 };
    if b.len() != want || b[2] != b'.' || b[5] != b'.' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (d, mo, y) = (num(0..2)?, num(3..5)?, num(6..10)?);
    let (h, mi, se) = if with_time {
        if b[10] != b' ' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        (num(11..13)?, num(14..16)?, num(17..19)?)
    } else {
        (0, 0, 0)
    };
    fiskal_ffd::datetime::LocalDateTime::new(y, mo, d, h, mi, se)
}

/// The request's `timestamp`: `dd.mm.yyyy HH:MM:SS` where HH may also be `24` (v4 protocol,
/// table 2: «HH – Часы … Возможные значения от «00» до «24»»); it is only echoed back.
fn request_timestamp_ok(t: &str) -> bool {
    if parse_atol_datetime(t, true).is_some() {
        return true;
    }
    match (t.get(..11), t.get(11..13), t.get(13..)) {
        (Some(date), Some("24"), Some(rest)) => {
            parse_atol_datetime(&format!("{date}23{rest}"), true).is_some()
        }
        _ => false,
    }
}

fn is_inn(s: &str) -> bool {
    (s.len() == 10 || s.len() == 12) && s.bytes().all(|c| c.is_ascii_digit())
}

fn is_agent_phone(s: &str) -> bool {
    let ok = |t: &str| !t.chars().any(|c| c.is_whitespace() || c == '\\');
    match s.strip_prefix('+') {
        Some(rest) => (1..=18).contains(&rest.chars().count()) && ok(rest),
        None => s.chars().count() <= 17 && ok(s),
    }
}

/// The v4 `nomenclature_code` rule: hex bytes separated by single spaces (≤ 32), or a GS1 code.
pub(crate) fn is_hex_pairs(s: &str) -> bool {
    let parts: Vec<&str> = s.split(' ').collect();
    (1..=32).contains(&parts.len())
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|c| c.is_ascii_hexdigit()))
}

fn is_nomenclature_code(s: &str) -> bool {
    let digits = |t: &str| t.bytes().all(|c| c.is_ascii_digit());
    let gs1 = s.len() >= 31
        && s.starts_with("01")
        && s.get(2..16).is_some_and(digits)
        && s.get(16..18) == Some("21");
    let short = s.len() == 29 && s.get(0..14).is_some_and(digits);
    is_hex_pairs(s) || gs1 || short
}

/// The callback_url mask of doc 5.15, Table 2, as a hand-written matcher: `http(s)://`, a host
/// starting with a letter or digit, then only the characters the regex allows.
pub(crate) fn callback_url_ok(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return false;
    };
    let mut chars = rest.chars();
    let alnum =
        |c: char| c.is_ascii_alphanumeric() || ('а'..='я').contains(&c) || ('А'..='Я').contains(&c);
    match chars.next() {
        Some(c) if alnum(c) => {}
        _ => return false,
    }
    chars.all(|c| alnum(c) || "-._:/?,'\\+&=%$#".contains(c))
}

mod tables;
use tables::*;

/// Collects failing fields.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    pub(crate) errors: Vec<String>,
    /// A `vat18`/`vat118` seen (refused in sell/buy with its own text).
    pub(crate) vat18: bool,
    new_vat_rates: bool,
}

fn at(path: &str, key: &str) -> String {
    format!("{path}/{key}")
}

impl Checker {
    fn push(&mut self, kind: &str, path: &str) {
        self.errors.push(format!("{kind}: {path}"));
    }

    fn get<'a>(&mut self, o: &'a Obj, key: &str, path: &str, req: bool) -> Option<&'a Value> {
        match o.get(key) {
            None | Some(Value::Null) => {
                if req {
                    self.push("PropertyRequired", &at(path, key));
                }
                None
            }
            Some(v) => Some(v),
        }
    }

    fn obj<'a>(&mut self, o: &'a Obj, key: &str, path: &str, req: bool) -> Option<&'a Obj> {
        let v = self.get(o, key, path, req)?;
        let r = v.as_object();
        if r.is_none() {
            self.push("ObjectExpected", &at(path, key));
        }
        r
    }

    fn text<'a>(
        &mut self,
        o: &'a Obj,
        key: &str,
        path: &str,
        req: bool,
        (min, max): (usize, usize),
    ) -> Option<&'a str> {
        let v = self.get(o, key, path, req)?;
        let Some(s) = v.as_str() else {
            self.push("StringExpected", &at(path, key));
            return None;
        };
        let n = s.chars().count();
        if n < min {
            self.push("StringTooShort", &at(path, key));
            None
        } else if n > max {
            self.push("StringTooLong", &at(path, key));
            None
        } else {
            Some(s)
        }
    }

    fn pattern(
        &mut self,
        o: &Obj,
        key: &str,
        path: &str,
        req: bool,
        max: usize,
        ok: fn(&str) -> bool,
    ) {
        if let Some(s) = self.text(o, key, path, req, (0, max)) {
            if !ok(s) {
                self.push("PatternMismatch", &at(path, key));
            }
        }
    }

    fn one_of(
        &mut self,
        o: &Obj,
        key: &str,
        path: &str,
        req: bool,
        allowed: &[&str],
    ) -> Option<String> {
        let s = self.text(o, key, path, req, (0, usize::MAX))?;
        if allowed.contains(&s) {
            Some(s.to_owned())
        } else {
            self.push("NotInEnumeration", &at(path, key));
            None
        }
    }

    fn money(&mut self, o: &Obj, key: &str, path: &str, req: bool) -> Option<u64> {
        let v = self.get(o, key, path, req)?;
        match kopecks(v) {
            Ok(k) => Some(k),
            Err(kind) => {
                self.push(kind, &at(path, key));
                None
            }
        }
    }

    fn quantity(&mut self, o: &Obj, key: &str, path: &str, max_scale: u32) {
        let Some(v) = self.get(o, key, path, true) else {
            return;
        };
        let Some(text) = number_text(v) else {
            self.push("NumberExpected", &at(path, key));
            return;
        };
        let Ok(q) = serde_json::from_str::<fiskal_ffd::Quantity>(&text) else {
            self.push("NumberExpected", &at(path, key));
            return;
        };
        let d = q.as_decimal();
        if d.is_sign_negative() || d.is_zero() {
            self.push("NumberTooSmall", &at(path, key));
        } else if q.scale() > max_scale && d.normalize().scale() > max_scale {
            self.push("NumberNotMultipleOf", &at(path, key));
        } else if serde_json::from_str::<fiskal_ffd::Quantity>("99999.999")
            .is_ok_and(|max| d > max.as_decimal())
        {
            self.push("NumberTooBig", &at(path, key));
        }
    }

    fn int(
        &mut self,
        o: &Obj,
        key: &str,
        path: &str,
        req: bool,
        ok: impl Fn(i64) -> bool,
    ) -> Option<i64> {
        let v = self.get(o, key, path, req)?;
        let Some(n) = v.as_i64() else {
            self.push("IntegerExpected", &at(path, key));
            return None;
        };
        if ok(n) {
            Some(n)
        } else {
            self.push("NotInEnumeration", &at(path, key));
            None
        }
    }

    fn boolean(&mut self, o: &Obj, key: &str, path: &str) {
        if let Some(v) = self.get(o, key, path, false) {
            if !v.is_boolean() {
                self.push("BooleanExpected", &at(path, key));
            }
        }
    }

    fn array<'a>(
        &mut self,
        o: &'a Obj,
        key: &str,
        path: &str,
        req: bool,
        (min, max): (usize, usize),
    ) -> Option<&'a Vec<Value>> {
        let v = self.get(o, key, path, req)?;
        let Some(a) = v.as_array() else {
            self.push("ArrayExpected", &at(path, key));
            return None;
        };
        if a.len() < min {
            self.push("TooFewItems", &at(path, key));
        } else if a.len() > max {
            self.push("TooManyItems", &at(path, key));
        }
        Some(a)
    }

    /// Each element of an array of objects, with its path.
    fn each_obj<'a>(&mut self, a: &'a [Value], path: &str) -> Vec<(&'a Obj, String)> {
        let mut out = Vec::new();
        for (i, v) in a.iter().enumerate() {
            let p = format!("{path}/{i}");
            match v.as_object() {
                Some(o) => out.push((o, p)),
                None => self.push("ObjectExpected", &p),
            }
        }
        out
    }

    fn phones(&mut self, o: &Obj, key: &str, path: &str) {
        if let Some(a) = self.array(o, key, path, false, (0, usize::MAX)) {
            for (i, v) in a.iter().enumerate() {
                match v.as_str() {
                    Some(s) if is_agent_phone(s) => {}
                    Some(_) => self.push("PatternMismatch", &format!("{path}/{key}/{i}")),
                    None => self.push("StringExpected", &format!("{path}/{key}/{i}")),
                }
            }
        }
    }

    fn agent_info(&mut self, o: &Obj, path: &str) {
        self.one_of(o, "type", path, true, AGENT_TYPE);
        if let Some(pa) = self.obj(o, "paying_agent", path, false) {
            let p = at(path, "paying_agent");
            self.text(pa, "operation", &p, false, (0, 24));
            self.phones(pa, "phones", &p);
        }
        if let Some(rp) = self.obj(o, "receive_payments_operator", path, false) {
            self.phones(rp, "phones", &at(path, "receive_payments_operator"));
        }
        if let Some(mt) = self.obj(o, "money_transfer_operator", path, false) {
            let p = at(path, "money_transfer_operator");
            self.phones(mt, "phones", &p);
            self.fields(mt, &p, MONEY_TRANSFER_OPERATOR);
        }
    }

    fn sectoral(&mut self, o: &Obj, key: &str, path: &str) {
        if let Some(a) = self.array(o, key, path, false, (0, usize::MAX)) {
            for (s, p) in self.each_obj(a, &at(path, key)) {
                self.fields(s, &p, SECTORAL);
            }
        }
    }
}

/// Validates a registration request of `op` in API version `v`. `Err` holds the 32 error.
pub(crate) fn check_request(
    body: &Obj,
    op: Operation,
    v: ApiVersion,
    new_vat_rates_in_v4: bool,
) -> Result<(), super::errors::AtolError> {
    let mut c = Checker {
        new_vat_rates: v == ApiVersion::V5 || new_vat_rates_in_v4,
        ..Checker::default()
    };
    let root = "#";
    c.pattern(body, "timestamp", root, true, 19, request_timestamp_ok);
    c.text(body, "external_id", root, true, (1, 128));
    if let Some(s) = c.obj(body, "service", root, false) {
        c.text(s, "callback_url", &at(root, "service"), false, (0, 256));
    }
    if v == ApiVersion::V5 {
        c.boolean(body, "ism_optional", root);
    }
    if op.is_correction() {
        if let Some(r) = c.obj(body, "correction", root, true) {
            c.correction(r, "#/correction", v);
        }
    } else if let Some(r) = c.obj(body, "receipt", root, true) {
        c.receipt(r, "#/receipt", v);
    }
    if c.errors.is_empty() && c.vat18 && op.refuses_vat18() {
        return Err(super::errors::AtolError::validation_text(
            "Передана некорректная ставка налога. С 01.04.2019 ставки НДС 18 и 18/118 не могут использоваться в чеках sell(приход) и buy(расход)".into(),
        ));
    }
    if c.errors.is_empty() {
        Ok(())
    } else {
        Err(super::errors::AtolError::validation(&c.errors))
    }
}

impl Checker {
    fn vat_type(&mut self, o: &Obj, path: &str) {
        let mut allowed: Vec<&str> = VAT_BASE.to_vec();
        if self.new_vat_rates {
            allowed.extend_from_slice(VAT_NEW);
        }
        if let Some(t) = self.one_of(o, "type", path, true, &allowed) {
            if t == "vat18" || t == "vat118" {
                self.vat18 = true;
            }
        }
    }

    fn company(&mut self, r: &Obj, path: &str, with_email: bool) {
        let Some(co) = self.obj(r, "company", path, true) else {
            return;
        };
        let p = at(path, "company");
        if with_email {
            self.text(co, "email", &p, false, (0, 64));
        }
        self.fields(co, &p, COMPANY);
    }

    fn payments_and_vats(&mut self, r: &Obj, path: &str, vats_required: bool) {
        if let Some(a) = self.array(r, "payments", path, true, (1, 10)) {
            for (pm, p) in self.each_obj(a, &at(path, "payments")) {
                self.fields(pm, &p, PAYMENT);
            }
        }
        let min = usize::from(vats_required);
        if let Some(a) = self.array(r, "vats", path, vats_required, (min, 6)) {
            for (vt, p) in self.each_obj(a, &at(path, "vats")) {
                self.vat_type(vt, &p);
                self.money(vt, "sum", &p, true);
            }
        }
    }

    fn correction_info(&mut self, r: &Obj, path: &str, v: ApiVersion) {
        let Some(ci) = self.obj(r, "correction_info", path, true) else {
            return;
        };
        let p = at(path, "correction_info");
        let t = self.one_of(ci, "type", &p, true, &["self", "instruction"]);
        self.pattern(ci, "base_date", &p, true, 10, |t| {
            parse_atol_datetime(t, false).is_some()
        });
        let number_required = v == ApiVersion::V4 || t.as_deref() == Some("instruction");
        self.text(ci, "base_number", &p, number_required, (1, 32));
    }

    fn correction(&mut self, r: &Obj, path: &str, v: ApiVersion) {
        self.correction_info(r, path, v);
        if v == ApiVersion::V4 {
            self.company(r, path, false);
            self.payments_and_vats(r, path, true);
            self.text(r, "cashier", path, false, (0, 64));
            self.text(r, "device_number", path, false, (1, 20));
        } else {
            self.receipt_body(r, path, v, false);
        }
    }

    fn receipt(&mut self, r: &Obj, path: &str, v: ApiVersion) {
        self.receipt_body(r, path, v, true);
    }

    fn receipt_body(&mut self, r: &Obj, path: &str, v: ApiVersion, client_required: bool) {
        if let Some(cl) = self.obj(r, "client", path, client_required) {
            let p = at(path, "client");
            let email = self.text(cl, "email", &p, false, (0, 64));
            let phone = self.text(cl, "phone", &p, false, (0, 64));
            if client_required
                && email.is_none()
                && phone.is_none()
                && cl.get("email").is_none()
                && cl.get("phone").is_none()
            {
                self.push("PropertyRequired", &at(&p, "email"));
            }
            self.text(cl, "name", &p, false, (0, 256));
            self.pattern(cl, "inn", &p, false, 12, is_inn);
            if v == ApiVersion::V5 {
                self.fields(cl, &p, CLIENT_V5);
            }
        }
        self.company(r, path, true);
        let agent = self.obj(r, "agent_info", path, false);
        if let Some(ai) = agent {
            self.agent_info(ai, &at(path, "agent_info"));
        }
        if let Some(si) = self.obj(r, "supplier_info", path, agent.is_some()) {
            self.phones(si, "phones", &at(path, "supplier_info"));
        }
        if let Some(items) = self.array(r, "items", path, true, (1, 100)) {
            for (it, p) in self.each_obj(items, &at(path, "items")) {
                self.item(it, &p, v);
            }
        }
        self.payments_and_vats(r, path, false);
        self.money(r, "total", path, true);
        self.text(r, "additional_check_props", path, false, (0, 16));
        self.text(r, "cashier", path, false, (0, 64));
        if let Some(up) = self.obj(r, "additional_user_props", path, false) {
            self.fields(
                up,
                &at(path, "additional_user_props"),
                ADDITIONAL_USER_PROPS,
            );
        }
        self.text(r, "device_number", path, false, (1, 20));
        if v == ApiVersion::V5 {
            self.pattern(r, "cashier_inn", path, false, 12, is_inn);
            if let Some(oc) = self.obj(r, "operating_check_props", path, false) {
                self.fields(
                    oc,
                    &at(path, "operating_check_props"),
                    OPERATING_CHECK_PROPS,
                );
            }
            self.sectoral(r, "sectoral_check_props", path);
            self.fields(r, path, RECEIPT_V5_FLAGS);
            if let Some(a) = self.array(r, "cashless_payments", path, false, (0, usize::MAX)) {
                for (cp, p) in self.each_obj(a, &at(path, "cashless_payments")) {
                    self.fields(cp, &p, CASHLESS_PAYMENT);
                }
            }
        }
    }

    fn item(&mut self, it: &Obj, p: &str, v: ApiVersion) {
        let method = it.get("payment_method").and_then(Value::as_str);
        let name_required = !(v == ApiVersion::V5 && method == Some("advance"));
        self.text(it, "name", p, name_required, (1, 128));
        self.money(it, "price", p, true);
        self.quantity(it, "quantity", p, if v == ApiVersion::V5 { 6 } else { 3 });
        self.money(it, "sum", p, true);
        self.one_of(it, "payment_method", p, false, PAYMENT_METHOD);
        if let Some(vat) = self.obj(it, "vat", p, true) {
            let vp = at(p, "vat");
            self.vat_type(vat, &vp);
            self.money(vat, "sum", &vp, false);
        }
        let agent = self.obj(it, "agent_info", p, false);
        if let Some(ai) = agent {
            self.agent_info(ai, &at(p, "agent_info"));
        }
        if let Some(si) = self.obj(it, "supplier_info", p, agent.is_some()) {
            let sp = at(p, "supplier_info");
            self.phones(si, "phones", &sp);
            self.text(si, "name", &sp, false, (1, 256));
            self.pattern(si, "inn", &sp, true, 12, is_inn);
        }
        self.fields(it, p, ITEM_TAIL);
        match v {
            ApiVersion::V4 => self.fields(it, p, ITEM_V4),
            ApiVersion::V5 => self.item_v5(it, p),
        }
    }

    fn item_v5(&mut self, it: &Obj, p: &str) {
        self.int(it, "measure", p, true, |n| MEASURE.contains(&n));
        self.int(it, "payment_object", p, false, |n| {
            (1..=27).contains(&n) || (30..=33).contains(&n)
        });
        self.boolean(it, "wholesale", p);
        self.sectoral(it, "sectoral_item_props", p);
        if let Some(mc) = self.obj(it, "mark_code", p, false) {
            self.mark_code(mc, &at(p, "mark_code"));
            let mp = self.text(it, "mark_processing_mode", p, true, (1, 1));
            if mp.is_some_and(|m| m != "0") {
                self.push("PatternMismatch", &at(p, "mark_processing_mode"));
            }
            let needs_status = mc.contains_key("gs1m") || mc.contains_key("short");
            self.int(it, "planned_status", p, needs_status, |n| {
                (1..=6).contains(&n)
            });
            let wholesale = it.get("wholesale").and_then(Value::as_bool) == Some(true);
            let qty_one = it.get("quantity").and_then(number_text).is_some_and(|t| {
                serde_json::from_str::<fiskal_ffd::Quantity>(&t)
                    .is_ok_and(|q| q.as_decimal() == fiskal_ffd::Quantity::units(1).as_decimal())
            });
            if !wholesale && !qty_one && !it.contains_key("mark_quantity") {
                self.push("NumberNotMultipleOf", &at(p, "quantity"));
            }
        } else {
            self.int(it, "planned_status", p, false, |n| (1..=6).contains(&n));
        }
        if let Some(mq) = self.obj(it, "mark_quantity", p, false) {
            let qp = at(p, "mark_quantity");
            let n = self.int(mq, "numerator", &qp, true, |n| n >= 1);
            let d = self.int(mq, "denominator", &qp, true, |n| n >= 1);
            if let (Some(n), Some(d)) = (n, d) {
                if n >= d {
                    self.push("NumberTooBig", &at(&qp, "numerator"));
                }
            }
        }
    }

    fn mark_code(&mut self, mc: &Obj, p: &str) {
        let keys: Vec<&String> = mc
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, _)| k)
            .collect();
        let [key] = keys.as_slice() else {
            self.push("NotOneOf", p);
            return;
        };
        let key = key.as_str();
        let Some(&(_, _, min, max, digits)) = MARK_KINDS.iter().find(|k| k.0 == key) else {
            self.push("NoAdditionalPropertiesAllowed", &at(p, key));
            return;
        };
        let Some(s) = self.text(mc, key, p, true, (min, max)) else {
            return;
        };
        if digits && !s.bytes().all(|c| c.is_ascii_digit()) {
            self.push("PatternMismatch", &at(p, key));
        }
        if key == "gs1m" && super::convert::decode_gs1m(s).is_none() {
            self.push("PatternMismatch", &at(p, key));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_timestamp_hour_24() {
        assert!(request_timestamp_ok("01.02.2017 24:00:00"));
        assert!(request_timestamp_ok("01.02.2017 13:45:00"));
        assert!(!request_timestamp_ok("01.02.2017 25:00:00"));
        assert!(!request_timestamp_ok("32.02.2017 24:00:00"));
    }

    #[test]
    fn datetimes() {
        assert!(parse_atol_datetime("29.05.2017 17:56:18", true).is_some());
        assert!(parse_atol_datetime("29.02.2017 17:56:18", true).is_none());
        assert!(parse_atol_datetime("2017-05-29 17:56:18", true).is_none());
        assert!(parse_atol_datetime("25.07.2017", false).is_some());
        assert!(parse_atol_datetime("25.07.17", false).is_none());
    }

    #[test]
    fn callback_mask() {
        assert!(callback_url_ok("https://example.org/cb?a=1&b=2"));
        assert!(callback_url_ok("http://127.0.0.1:8080/atol"));
        assert!(callback_url_ok("https://магазин.рф/cb"));
        assert!(!callback_url_ok("ftp://example.org/"));
        assert!(!callback_url_ok("https://-bad.org/"));
        assert!(!callback_url_ok("https://example.org/a b"));
    }

    #[test]
    fn nomenclature_codes() {
        assert!(is_nomenclature_code("44 4D 04 44 09 22 46 CB"));
        assert!(!is_nomenclature_code("44 4D  04"));
        assert!(!is_nomenclature_code("444D0444"));
        assert!(is_nomenclature_code("010469025752852321G+mgsHw<DiLN_"));
        assert!(is_agent_phone("+79990000001"));
        assert!(!is_agent_phone("+7 999 000"));
    }

    #[test]
    fn money_rules() {
        let n = |t: &str| serde_json::from_str::<Value>(t).expect("json");
        assert_eq!(kopecks(&n("199.9")), Ok(19_990));
        assert_eq!(kopecks(&n("42949672.95")), Ok(MAX_MONEY));
        assert_eq!(kopecks(&n("42949672.96")), Err("NumberTooBig"));
        assert_eq!(kopecks(&n("1.005")), Err("NumberNotMultipleOf"));
        assert_eq!(kopecks(&n("-1")), Err("NumberTooSmall"));
        assert_eq!(kopecks(&n("\"1.00\"")), Err("NumberExpected"));
    }
}
