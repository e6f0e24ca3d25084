//! Checks of a МодульКасса Document (`POST /v2/doc`), as field tables with the source of each
//! rule: «API фискализации документов» 2.0, <https://modulkassa.github.io/backend-api/fn>
//! (§3.3 Document, §3.4 MoneyPosition, §3.5 InventPosition, §3.6–3.10 agent and supplier).
//! Rules the document does not state are marked **inferred** (docs/emulators.md lists each).
//!
//! A refusal is HTTP 400 «Некорректный запрос» **without a body** (§2.4.3); the emulator puts
//! what it found in the `x-emulator-problem` header, which the real service does not send.

use crate::fields::{Field, FieldChecker, Obj, Rule};
use serde_json::Value;

/// §3.3 `docType` (example §2.4.4; the table calls it `documentType`): SALE, RETURN, BUY,
/// BUY_RETURN.
pub(crate) const DOC_TYPES: &[&str] = &["SALE", "RETURN", "BUY", "BUY_RETURN"];
/// §3.3 `taxMode`.
const TAX_MODES: &[&str] = &[
    "COMMON",
    "SIMPLIFIED",
    "SIMPLIFIED_WITH_EXPENSE",
    "ENVD",
    "COMMON_AGRICULTURAL",
    "PATENT",
];
/// §3.4 `paymentType`.
const PAYMENT_TYPES: &[&str] = &["CARD", "CASH", "PREPAID", "POSTPAY", "OTHER"];
/// §3.5 `paymentObject`.
const PAYMENT_OBJECTS: &[&str] = &[
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
    "composite",
    "another",
    "property_right",
    "non-operating_gain",
    "insurance_premium",
    "sales_tax",
    "resort_fee",
];
/// §3.5 `paymentMethod`.
const PAYMENT_METHODS: &[&str] = &[
    "full_prepayment",
    "prepayment",
    "advance",
    "full_payment",
    "partial_payment",
    "credit",
    "credit_payment",
];
/// §3.6 `types`.
const AGENT_TYPES: &[&str] = &[
    "bank_paying_agent",
    "bank_paying_subagent",
    "paying_agent",
    "paying_subagent",
    "attorney",
    "commission_agent",
    "another",
];

/// §3.5 `vatTag`: 1102–1107.
fn documented_vat_tag(t: i64) -> bool {
    (1102..=1107).contains(&t)
}

/// 1109–1114 (5 %, 7 %, 5/105, 7/107, 22 %, 22/122): not in document 2.0 (**inferred** from
/// recent integrations; [`super::ModulKassaConfig::unconfirmed_vat_tags`]).
fn unconfirmed_vat_tag(t: i64) -> bool {
    (1109..=1114).contains(&t)
}

/// ISO 8601 date-time with an offset, as §2.4.4 `2020-02-26T06:41:04+07:00`.
fn iso_with_offset(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|p| p.iter().all(u8::is_ascii_digit));
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && b.get(10) == Some(&b'T')
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && b.get(16) == Some(&b':')
        && digits(17..19))
    {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    rest == "Z"
        || (rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && rest.as_bytes()[3] == b':')
        || (rest.len() == 5 && (rest.starts_with('+') || rest.starts_with('-')))
}

/// §3.3 `email`: an e-mail, or a phone as `+7` and 10 digits.
fn email_or_phone(s: &str) -> bool {
    if let Some(d) = s.strip_prefix("+7") {
        return d.len() == 10 && d.bytes().all(|c| c.is_ascii_digit());
    }
    s.split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
        && !s.chars().any(char::is_whitespace)
}

/// §3.5 `originCountryCode`: `^\d{1,3}$`.
fn country(s: &str) -> bool {
    (1..=3).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit())
}

/// §3.5 `nomenclatureCode`: hex bytes separated by spaces, at most 32 bytes.
fn hex_bytes(s: &str) -> bool {
    let parts: Vec<&str> = s.split(' ').collect();
    !parts.is_empty()
        && parts.len() <= 32
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// §3.3 `cashierInn` «корректный ИНН»: 10 or 12 digits (**inferred** form).
fn inn(s: &str) -> bool {
    (s.len() == 10 || s.len() == 12) && s.bytes().all(|c| c.is_ascii_digit())
}

/// §3.7 phones: digits with an optional leading `+`, at most 19 characters with it.
fn phone(s: &str) -> bool {
    let d = s.strip_prefix('+').unwrap_or(s);
    !d.is_empty() && s.len() <= 19 && d.bytes().all(|c| c.is_ascii_digit())
}

/// Document (§3.3).
const DOCUMENT: &[Field] = &[
    Field::text("id", 1, usize::MAX).required(),
    Field::text("docNum", 1, usize::MAX).required(),
    Field::pattern("checkoutDateTime", 40, iso_with_offset).required(),
    Field::pattern("email", 320, email_or_phone).required(),
    Field::boolean("printReceipt"),
    Field::text("textToPrint", 0, 3000),
    Field::text("cashierName", 0, 64),
    Field::pattern("cashierInn", 12, inn),
    Field::text("cashierPosition", 0, 64),
    Field::text("responseURL", 0, usize::MAX),
    Field::one_of("taxMode", TAX_MODES),
    Field::text("clientName", 0, usize::MAX),
    Field::text("clientInn", 0, usize::MAX),
];

/// MoneyPosition (§3.4).
const MONEY_POSITION: &[Field] = &[
    Field::one_of("paymentType", PAYMENT_TYPES).required(),
    Field::money("sum").required(),
];

/// InventPosition (§3.5); `quantity`, `vatTag` and the sum rule are code.
const INVENT_POSITION: &[Field] = &[
    Field::text("name", 1, usize::MAX).required(),
    Field::money("price").required(),
    Field::money("discSum"),
    Field::money("vatSum"),
    Field::one_of("paymentObject", PAYMENT_OBJECTS),
    Field::one_of("paymentMethod", PAYMENT_METHODS),
    Field::text("inventCode", 0, usize::MAX),
    Field::text("barcode", 0, usize::MAX),
    Field::text("description", 0, usize::MAX),
    Field::pattern("originCountryCode", 3, country),
    Field::text("customsDeclarationNumber", 0, usize::MAX),
    Field::pattern("nomenclatureCode", 95, hex_bytes),
    Field::text("productMark", 0, 255),
];

/// PayingAgent (§3.7).
const PAYING_AGENT: &[Field] = &[Field::text("operation", 0, 24)];
/// MoneyTransferOperator (§3.9).
const MONEY_TRANSFER_OPERATOR: &[Field] = &[
    Field::text("name", 0, usize::MAX),
    Field::text("address", 0, usize::MAX),
    Field::text("inn", 0, usize::MAX),
];
/// SupplierInformation (§3.10).
const SUPPLIER: &[Field] = &[
    Field::text("name", 0, usize::MAX),
    Field::text("inn", 0, usize::MAX),
];

/// A non-negative JSON number with at most `dp` decimals, in units of 10^-dp (`12.5` with 2 →
/// 1250). Strings, negatives, exponents and more decimals are `None` (**inferred**: clients
/// round money to 2 and quantities to 3 decimals; the document shows `100.00`, `1.0`).
pub(crate) fn fixed(v: &Value, dp: u32) -> Option<u64> {
    let Value::Number(n) = v else { return None };
    let t = n.to_string();
    if t.contains(['e', 'E', '-']) {
        return None;
    }
    let (int, frac) = t.split_once('.').unwrap_or((&t, ""));
    let frac = frac.trim_end_matches('0');
    if int.is_empty() || frac.len() > usize::try_from(dp).ok()? {
        return None;
    }
    let int: u64 = int.parse().ok()?;
    let mut f: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..usize::try_from(dp).ok()? {
        f = f.checked_mul(10)?;
    }
    int.checked_mul(10u64.checked_pow(dp)?)?.checked_add(f)
}

/// The checker: the first finding, in the emulator's words (the real service sends none).
#[derive(Default)]
struct Check {
    problem: Option<String>,
}

impl Check {
    fn fail(&mut self, at: &str, what: &str) {
        if self.problem.is_none() {
            self.problem = Some(format!("{at}: {what}"));
        }
    }
}

impl FieldChecker for Check {
    fn field(&mut self, o: &Obj, at: &str, f: &Field) {
        let path = format!("{at}{}", f.key);
        let v = match o.get(f.key) {
            None | Some(Value::Null) => {
                if f.required {
                    self.fail(&path, "required");
                }
                return;
            }
            Some(v) => v,
        };
        let ok = match f.rule {
            Rule::Text { min, max } => v
                .as_str()
                .is_some_and(|s| (min..=max).contains(&s.chars().count())),
            Rule::Pattern { max, ok } => v
                .as_str()
                .is_some_and(|s| s.chars().count() <= max && ok(s)),
            Rule::Digits(lens) => v
                .as_str()
                .is_some_and(|s| lens.contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit())),
            Rule::OneOf(allowed) => v.as_str().is_some_and(|s| allowed.contains(&s)),
            Rule::Int { min, max } => v.as_i64().is_some_and(|n| (min..=max).contains(&n)),
            Rule::IntWhere(ok) => v.as_i64().is_some_and(ok),
            Rule::Money => fixed(v, 2).is_some(),
            Rule::Bool => v.is_boolean(),
        };
        if !ok {
            let what = match f.rule {
                Rule::Text { max, .. } => format!("a string of at most {max} characters"),
                Rule::Pattern { .. } => "a string of the documented form".into(),
                Rule::OneOf(a) => format!("one of {}", a.join(", ")),
                Rule::Money => "a number >= 0 with at most 2 decimals".into(),
                Rule::Bool => "true or false".into(),
                _ => "a valid value".into(),
            };
            self.fail(&path, &what);
        }
    }
}

/// What the emulator keeps of an accepted Document.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub(crate) id: String,
    pub(crate) doc_type: String,
    pub(crate) total_kopecks: u64,
    pub(crate) response_url: Option<String>,
}

fn phones(c: &mut Check, o: &Obj, at: &str) {
    match o.get("phones") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for (i, p) in list.iter().enumerate() {
                if !p.as_str().is_some_and(phone) {
                    c.fail(
                        &format!("{at}phones[{i}]"),
                        "digits with an optional leading +, at most 19 characters",
                    );
                }
            }
        }
        Some(_) => c.fail(&format!("{at}phones"), "an array of strings"),
    }
}

fn object<'a>(c: &mut Check, o: &'a Obj, key: &str, at: &str) -> Option<&'a Obj> {
    match o.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => {
            c.fail(&format!("{at}{key}"), "an object");
            None
        }
    }
}

/// AgentInformation (§3.6–3.9).
fn agent(c: &mut Check, a: &Obj, at: &str) {
    match a.get("types") {
        None | Some(Value::Null) => {}
        Some(Value::Array(t)) => {
            for (i, v) in t.iter().enumerate() {
                if !v.as_str().is_some_and(|s| AGENT_TYPES.contains(&s)) {
                    c.fail(
                        &format!("{at}types[{i}]"),
                        &format!("one of {}", AGENT_TYPES.join(", ")),
                    );
                }
            }
        }
        Some(_) => c.fail(&format!("{at}types"), "an array"),
    }
    if let Some(p) = object(c, a, "payingAgent", at) {
        let pat = format!("{at}payingAgent.");
        c.fields(p, &pat, PAYING_AGENT);
        phones(c, p, &pat);
    }
    if let Some(p) = object(c, a, "receivePaymentsOperator", at) {
        phones(c, p, &format!("{at}receivePaymentsOperator."));
    }
    if let Some(p) = object(c, a, "moneyTransferOperator", at) {
        let pat = format!("{at}moneyTransferOperator.");
        c.fields(p, &pat, MONEY_TRANSFER_OPERATOR);
        phones(c, p, &pat);
    }
}

/// Checks a Document; `Err` is the first problem (the answer is then 400 without a body).
pub(crate) fn check_document(body: &[u8], unconfirmed_vat_tags: bool) -> Result<Checked, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("body: not JSON ({e})"))?;
    let Value::Object(d) = v else {
        return Err("body: a Document object".into());
    };
    let mut c = Check::default();
    c.fields(&d, "", DOCUMENT);
    // `docType` (§2.4.4 and every integration) or `documentType` (the §3.3 table); both must
    // agree when both are sent; one of them is needed (**inferred**).
    let doc_type = match (d.get("docType"), d.get("documentType")) {
        (Some(a), Some(b)) if a != b => {
            c.fail("docType", "differs from documentType");
            None
        }
        (Some(t), _) | (None, Some(t)) => match t.as_str() {
            Some(s) if DOC_TYPES.contains(&s) => Some(s.to_owned()),
            _ => {
                c.fail("docType", &format!("one of {}", DOC_TYPES.join(", ")));
                None
            }
        },
        (None, None) => {
            c.fail("docType", "required (or documentType)");
            None
        }
    };
    if let Some(a) = object(&mut c, &d, "agentInfo", "") {
        agent(&mut c, a, "agentInfo.");
    }
    let mut paid = 0u64;
    match d.get("moneyPositions") {
        Some(Value::Array(list)) if !list.is_empty() => {
            for (i, m) in list.iter().enumerate() {
                let at = format!("moneyPositions[{i}].");
                match m {
                    Value::Object(m) => {
                        c.fields(m, &at, MONEY_POSITION);
                        paid = paid
                            .saturating_add(m.get("sum").and_then(|s| fixed(s, 2)).unwrap_or(0));
                    }
                    _ => c.fail(&format!("moneyPositions[{i}]"), "an object"),
                }
            }
        }
        _ => c.fail(
            "moneyPositions",
            "required: an array of at least one MoneyPosition",
        ),
    }
    let mut positions_total = 0u64;
    match d.get("inventPositions") {
        Some(Value::Array(list)) if !list.is_empty() => {
            for (i, p) in list.iter().enumerate() {
                let at = format!("inventPositions[{i}].");
                let Value::Object(p) = p else {
                    c.fail(&format!("inventPositions[{i}]"), "an object");
                    continue;
                };
                c.fields(p, &at, INVENT_POSITION);
                let qty = match p.get("quantity") {
                    Some(q) => match fixed(q, 3) {
                        Some(q) if q > 0 => Some(q),
                        _ => {
                            c.fail(
                                &format!("{at}quantity"),
                                "a number > 0 with at most 3 decimals",
                            );
                            None
                        }
                    },
                    None => {
                        c.fail(&format!("{at}quantity"), "required");
                        None
                    }
                };
                match p.get("vatTag").and_then(Value::as_i64) {
                    Some(t) if documented_vat_tag(t) => {}
                    Some(t) if unconfirmed_vat_tags && unconfirmed_vat_tag(t) => {}
                    Some(_) => c.fail(&format!("{at}vatTag"), "not a known VAT tag"),
                    None => c.fail(&format!("{at}vatTag"), "required: an integer"),
                }
                if let Some(a) = object(&mut c, p, "agentInfo", &at) {
                    agent(&mut c, a, &format!("{at}agentInfo."));
                }
                if let Some(s) = object(&mut c, p, "supplierInfo", &at) {
                    let sat = format!("{at}supplierInfo.");
                    c.fields(s, &sat, SUPPLIER);
                    phones(&mut c, s, &sat);
                }
                // Position cost = round2(price × quantity − discSum) (**inferred**: integrations
                // report that the service compares it with the payments).
                let price = p.get("price").and_then(|v| fixed(v, 2));
                let disc = p.get("discSum").and_then(|v| fixed(v, 2)).unwrap_or(0);
                if let (Some(price), Some(qty)) = (price, qty) {
                    // kopecks × thousandths → kopecks, half up.
                    let milli = u128::from(price) * u128::from(qty);
                    let line = u64::try_from((milli + 500) / 1000).unwrap_or(u64::MAX);
                    match line.checked_sub(disc) {
                        Some(cost) => positions_total = positions_total.saturating_add(cost),
                        None => c.fail(&format!("{at}discSum"), "larger than price × quantity"),
                    }
                }
            }
        }
        _ => c.fail(
            "inventPositions",
            "required: an array of at least one InventPosition",
        ),
    }
    if let Some(p) = c.problem {
        return Err(p);
    }
    if paid != positions_total {
        return Err(format!(
            "moneyPositions: the payments ({paid} kopecks) differ from the positions' cost \
             ({positions_total} kopecks)"
        ));
    }
    Ok(Checked {
        id: d
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        doc_type: doc_type.unwrap_or_default(),
        total_kopecks: paid,
        response_url: d
            .get("responseURL")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_forms() {
        assert_eq!(fixed(&serde_json::json!(100.00), 2), Some(10_000));
        assert_eq!(fixed(&serde_json::json!(0.05), 2), Some(5));
        assert_eq!(fixed(&serde_json::json!(1.005), 2), None);
        assert_eq!(fixed(&serde_json::json!(0.347), 3), Some(347));
        assert_eq!(fixed(&serde_json::json!("1.00"), 2), None);
        assert_eq!(fixed(&serde_json::json!(-1), 2), None);
        assert!(iso_with_offset("2020-02-26T06:41:04+07:00"));
        assert!(iso_with_offset("2020-02-26T06:41:04.000+0000"));
        assert!(!iso_with_offset("2020-02-26T06:41:04"));
        assert!(email_or_phone("+71234567890") && email_or_phone("a@b.ru"));
        assert!(!email_or_phone("+7123") && !email_or_phone("buyer"));
        assert!(hex_bytes("00 00 00 01 00 21 FA 41") && !hex_bytes("0000"));
    }
}
