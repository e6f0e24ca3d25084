//! The checks of `POST /kkt/cloud/receipt`: field tables (each row with its source) and the
//! rules across fields. Sources, as in docs/emulators.md:
//!
//! * **F1** OFD.ru «Программный интерфейс приложений (API) … Ferma», <https://ofd.ru/razrabotchikam/ferma>
//!   (introduction, §1 envelope, §2 token, §5.2 test logins).
//! * **F2** the request, item, receipt-type, VAT and planned-status types of a typed TypeScript
//!   client of Ferma whose comments quote F1 (`Price × Quantity = Amount`, `InvoiceId` prevents
//!   duplicates, `CallbackUrl`).
//! * **F4** eComKassa's `Unlocker/efir-import-corrections` correction template.
//! * **F6** a TypeScript client of «Ferma® OFD API v2.84» (the later enum values: `Vat22`,
//!   `CalculatedVat22122`, `Measure`, `PaymentItems[].PaymentType` 0–4) — *weak*.
//! * **inf** the emulator's inference where no source says.

use super::FermaFfd;
use crate::fields::{Field, FieldChecker, Obj, Rule};
use serde_json::Value;

/// `Request.Type` (F2).
pub(crate) const TYPES: &[&str] = &[
    "Income",
    "IncomeReturn",
    "IncomePrepayment",
    "IncomeReturnPrepayment",
    "Expense",
    "ExpenseReturn",
    "IncomeCorrection",
    "BuyCorrection",
    "IncomeReturnCorrection",
    "ExpenseReturnCorrection",
];

/// The 1054 code of a `Type` (F2 meanings; prepayment types as their base operation, inf).
pub(crate) fn operation(ty: &str) -> u8 {
    match ty {
        "IncomeReturn" | "IncomeReturnPrepayment" | "IncomeReturnCorrection" => 2,
        "Expense" | "BuyCorrection" => 3,
        "ExpenseReturn" | "ExpenseReturnCorrection" => 4,
        _ => 1,
    }
}

fn is_correction(ty: &str) -> bool {
    ty.ends_with("Correction")
}

const TAXATION: &[&str] = &[
    "Common",
    "SimpleIn",
    "SimpleInOut",
    "Unified",
    "UnifiedAgricultural",
    "Patent",
];

const VAT: &[&str] = &[
    "VatNo",
    "Vat0",
    "Vat5",
    "Vat7",
    "Vat10",
    "Vat20",
    "Vat22",
    "CalculatedVat5105",
    "CalculatedVat7107",
    "CalculatedVat10110",
    "CalculatedVat20120",
    "CalculatedVat22122",
];

const MEASURES: &[&str] = &[
    "PIECE",
    "GRAM",
    "KILOGRAM",
    "TON",
    "CENTIMETER",
    "DECIMETER",
    "METER",
    "SQUARE_CENTIMETER",
    "SQUARE_DECIMETER",
    "SQUARE_METER",
    "MILLILITER",
    "LITER",
    "CUBIC_METER",
    "KILOWATT_HOUR",
    "GIGACALORIE",
    "DAY",
    "HOUR",
    "MINUTE",
    "SECOND",
    "KILOBYTE",
    "MEGABYTE",
    "GIGABYTE",
    "TERABYTE",
    "OTHER",
];

const PLANNED: &[&str] = &[
    "PIECE_PRODUCT_INCOME",
    "MEASURED_PRODUCT_INCOME",
    "PIECE_PRODUCT_RETURN",
    "MEASURED_PRODUCT_RETURN",
    "PRODUCT_STATUS_NOT_CHANGED",
];

/// Both spellings seen in clients (F6 and another; *weak*).
const MARK_TYPES: &[&str] = &[
    "UNKNOWN_PRODUCT_CODE",
    "EAN8",
    "EAN13",
    "ITF14",
    "GS1",
    "GS1M",
    "SHORT_MC",
    "FUR",
    "EGAIS20",
    "EGAIS30",
    "EAN_8",
    "EAN_13",
    "ITF_14",
    "GS_10",
    "GS_1M",
    "SHORT",
    "FUR_GOODS",
    "EGAIS_20",
    "EGAIS_30",
];

const AGENT_TYPES: &[&str] = &[
    "BANK_PAYMENT_AGENT",
    "BANK_PAYMENT_SUBAGENT",
    "PAYMENT_AGENT",
    "PAYMENT_SUBAGENT",
    "CONFIDANT",
    "COMMISSIONER",
    "AGENT",
];

/// `Request` (F2; `Inn` 10/12 digits inf from FFD 1018).
const REQUEST: &[Field] = &[
    Field::digits("Inn", &[10, 12]).required(),
    Field::one_of("Type", TYPES).required(),
    Field::text("InvoiceId", 1, 256).required(),
    Field::pattern("CallbackUrl", 1024, callback_url_ok),
];

/// `Request.Cashier` (F2).
const CASHIER: &[Field] = &[
    Field::text("Name", 1, 64).required(),
    Field::digits("Inn", &[10, 12]),
];

/// `Request.CustomerReceipt` (F2; `AdditionalReceiptProp` ≤ 16 F2).
const CUSTOMER_RECEIPT: &[Field] = &[
    Field::one_of("TaxationSystem", TAXATION).required(),
    Field::text("Email", 1, 64),
    Field::text("Phone", 1, 19),
    Field::boolean("KktFA"),
    Field::text("AutomatNumber", 1, 20),
    Field::text("BillAddress", 1, 256),
    Field::text("AdditionalReceiptProp", 1, 16),
];

/// `Items[]` (F2; `Measure` F6; `PaymentType` 1–33 F6).
const ITEM: &[Field] = &[
    Field::text("Label", 1, 128).required(),
    Field::money("Price").required(),
    Field::money("Amount").required(),
    Field::one_of("Vat", VAT).required(),
    Field::int("PaymentMethod", 1, 7).required(),
    Field::int("PaymentType", 1, 33),
    Field::one_of("Measure", MEASURES),
    Field::money("Excise"),
    Field::digits("OriginCountryCode", &[1, 2, 3]),
    Field::text("CustomsDeclarationNumber", 1, 32),
    Field::text("AdditionalRequisite", 1, 64),
];

/// `PaymentItems[]` (F3 capture sends it; types 0–4 F6).
const PAYMENT_ITEM: &[Field] = &[
    Field::int("PaymentType", 0, 4).required(),
    Field::money("Sum").required(),
];

/// `MarkingCodeData` (F2; `Type` spellings F6, weak).
const MARKING: &[Field] = &[
    Field::text("Code", 1, 256).required(),
    Field::one_of("PlannedStatus", PLANNED),
    Field::one_of("Type", MARK_TYPES),
];

/// `PaymentAgentInfo` (F6 field list, weak).
const AGENT: &[Field] = &[
    Field::one_of("AgentType", AGENT_TYPES),
    Field::text("PaymentAgentOperation", 1, 24),
    Field::text("PaymentAgentPhone", 1, 19),
    Field::text("ReceiverPhone", 1, 19),
    Field::text("TransferAgentPhone", 1, 19),
    Field::text("TransferAgentName", 1, 64),
    Field::text("TransferAgentAddress", 1, 256),
    Field::digits("TransferAgentINN", &[10, 12]),
    Field::text("SupplierName", 1, 256),
    Field::text("SupplierPhone", 1, 19),
    Field::digits("SupplierInn", &[10, 12]),
];

/// `CorrectionInfo` (F2, F4; `ReceiptDate` ДД.ММ.ГГГГ per F2/F4, ДД.ММ.ГГ per F6: both).
const CORRECTION: &[Field] = &[
    Field::one_of("Type", &["SELF", "INSTRUCTION"]).required(),
    Field::pattern("ReceiptDate", 10, date_ok).required(),
    Field::text("ReceiptId", 1, 32),
    Field::text("Description", 1, 256),
];

/// `IndustryItemRequisite` (F2; `FoivId` 001–072 F6).
const INDUSTRY: &[Field] = &[
    Field::pattern("FoivId", 3, foiv_ok).required(),
    Field::text("DocDate", 1, 10).required(),
    Field::text("DocNumber", 1, 32).required(),
    Field::text("Value", 1, 256).required(),
];

/// The ATOL-style URL rule F2 quotes for `CallbackUrl`, reduced to its shape: `http(s)://`
/// and a host that starts and ends with a letter or digit.
fn callback_url_ok(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    let Some(rest) = rest else { return false };
    let host = rest.split(['/', ':', '?']).next().unwrap_or_default();
    !host.is_empty()
        && host.chars().next().is_some_and(char::is_alphanumeric)
        && host.chars().last().is_some_and(char::is_alphanumeric)
        && !s.chars().any(char::is_whitespace)
}

fn date_ok(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() == 10 || b.len() == 8)
        && b.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b'.',
            _ => c.is_ascii_digit(),
        })
}

fn foiv_ok(s: &str) -> bool {
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A JSON number's exact text scaled by 10^dp; `None` when not a non-negative number with at
/// most `dp` decimals.
pub(crate) fn scaled(v: &Value, dp: u32) -> Option<u64> {
    let n = v.as_number()?;
    let text = n.to_string();
    if text.starts_with('-') || text.contains(['e', 'E']) {
        return None;
    }
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = frac.trim_end_matches('0');
    if frac.len() > dp as usize || int.is_empty() {
        return None;
    }
    let mut digits = format!("{int}{frac}");
    for _ in 0..(dp as usize - frac.len()) {
        digits.push('0');
    }
    digits.parse().ok()
}

/// The findings, as `Request.CustomerReceipt.Items[0].Amount: …`.
struct Checker {
    problems: Vec<String>,
}

impl Checker {
    fn say(&mut self, at: &str, key: &str, what: &str) {
        self.problems.push(format!("{at}{key}: {what}"));
    }
}

impl FieldChecker for Checker {
    fn field(&mut self, o: &Obj, at: &str, f: &Field) {
        let v = match o.get(f.key) {
            None | Some(Value::Null) => {
                if f.required {
                    self.say(at, f.key, "обязательное поле не заполнено");
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
                .is_some_and(|s| lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())),
            Rule::OneOf(allowed) => v.as_str().is_some_and(|s| allowed.contains(&s)),
            Rule::Int { min, max } => v.as_i64().is_some_and(|n| (min..=max).contains(&n)),
            Rule::IntWhere(ok) => v.as_i64().is_some_and(ok),
            Rule::Money => scaled(v, 2).is_some(),
            Rule::Bool => v.is_boolean(),
        };
        if !ok {
            let what = match f.rule {
                Rule::Text { min, max } => format!("ожидается строка длиной {min}..{max}"),
                Rule::OneOf(allowed) => format!("допустимые значения: {}", allowed.join(", ")),
                Rule::Int { min, max } => format!("ожидается целое число {min}..{max}"),
                Rule::Money => {
                    "ожидается неотрицательное число, не более 2 знаков после точки".into()
                }
                Rule::Bool => "ожидается true или false".into(),
                _ => "неверное значение".into(),
            };
            self.say(at, f.key, &what);
        }
    }
}

/// What the service keeps of an accepted receipt.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub(crate) inn: String,
    pub(crate) ty: String,
    pub(crate) invoice_id: String,
    pub(crate) callback_url: Option<String>,
    pub(crate) total_kopecks: u64,
}

fn objects<'a>(c: &mut Checker, o: &'a Obj, at: &str, key: &str, required: bool) -> Vec<&'a Obj> {
    match o.get(key) {
        None | Some(Value::Null) => {
            if required {
                c.say(at, key, "обязательное поле не заполнено");
            }
            Vec::new()
        }
        Some(Value::Array(a)) => {
            if a.is_empty() && required {
                c.say(at, key, "список не может быть пустым");
            }
            let mut out = Vec::new();
            for (i, v) in a.iter().enumerate() {
                match v.as_object() {
                    Some(o) => out.push(o),
                    None => c.say(at, &format!("{key}[{i}]"), "ожидается объект"),
                }
            }
            out
        }
        Some(_) => {
            c.say(at, key, "ожидается массив");
            Vec::new()
        }
    }
}

fn object<'a>(c: &mut Checker, o: &'a Obj, at: &str, key: &str, required: bool) -> Option<&'a Obj> {
    match o.get(key) {
        None | Some(Value::Null) => {
            if required {
                c.say(at, key, "обязательное поле не заполнено");
            }
            None
        }
        Some(Value::Object(inner)) => Some(inner),
        Some(_) => {
            c.say(at, key, "ожидается объект");
            None
        }
    }
}

/// Checks a `{"Request": {…}}` body for an account with register `ffd`; the findings, or
/// what is kept.
pub(crate) fn check_receipt(body: &Value, ffd: FermaFfd) -> Result<Checked, Vec<String>> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    let root = match body.as_object() {
        Some(o) => o,
        None => return Err(vec!["тело запроса должно быть JSON-объектом".into()]),
    };
    let Some(req) = object(&mut c, root, "", "Request", true) else {
        return Err(c.problems);
    };
    let at = "Request.";
    c.fields(req, at, REQUEST);
    if let Some(cashier) = object(&mut c, req, at, "Cashier", false) {
        c.fields(cashier, "Request.Cashier.", CASHIER);
    }
    let ty = req.get("Type").and_then(Value::as_str).unwrap_or_default();
    let v12 = ffd == FermaFfd::V12;
    let mut total: u64 = 0;
    if let Some(cr) = object(&mut c, req, at, "CustomerReceipt", true) {
        let at = "Request.CustomerReceipt.";
        c.fields(cr, at, CUSTOMER_RECEIPT);
        // ФФД 1.2 requisites on a 1.05/1.1 register (F2 quoting F1; F1 2.12 of the reference).
        for key in ["ClientInfo", "OperationRequisite", "IndustryItemRequisite"] {
            if !v12 && cr.get(key).is_some_and(|v| !v.is_null()) {
                c.say(at, key, "реквизит ФФД 1.2: касса работает по ФФД 1.05/1.1");
            }
        }
        if let Some(ind) = object(&mut c, cr, at, "IndustryItemRequisite", false) {
            c.fields(
                ind,
                "Request.CustomerReceipt.IndustryItemRequisite.",
                INDUSTRY,
            );
        }
        match (
            is_correction(ty),
            object(&mut c, cr, at, "CorrectionInfo", false),
        ) {
            (true, None) => c.say(at, "CorrectionInfo", "обязателен для чека коррекции"),
            (false, Some(_)) => c.say(at, "CorrectionInfo", "только для чека коррекции"),
            (true, Some(ci)) => {
                let at = "Request.CustomerReceipt.CorrectionInfo.";
                c.fields(ci, at, CORRECTION);
                let instruction = ci.get("Type").and_then(Value::as_str) == Some("INSTRUCTION");
                if instruction && ci.get("ReceiptId").and_then(Value::as_str).is_none() {
                    c.say(at, "ReceiptId", "обязателен для коррекции по предписанию");
                }
            }
            (false, None) => {}
        }
        for (i, it) in objects(&mut c, cr, at, "Items", true)
            .into_iter()
            .enumerate()
        {
            let at = format!("Request.CustomerReceipt.Items[{i}].");
            c.fields(it, &at, ITEM);
            match it.get("Quantity").and_then(|q| scaled(q, 6)) {
                Some(q) if q > 0 => {
                    let price = it.get("Price").and_then(|p| scaled(p, 2));
                    let amount = it.get("Amount").and_then(|p| scaled(p, 2));
                    if let (Some(p), Some(a)) = (price, amount) {
                        // Price × Quantity = Amount (F2 quoting F1), rounded half-up (inf).
                        let product = (u128::from(p) * u128::from(q) + 500_000) / 1_000_000;
                        if product != u128::from(a) {
                            c.say(&at, "Amount", "должно быть равно Price × Quantity");
                        }
                        total = total.saturating_add(a);
                    }
                }
                _ => c.say(
                    &at,
                    "Quantity",
                    "ожидается положительное число, не более 6 знаков после точки",
                ),
            }
            if !v12 && it.get("Measure").is_some_and(|v| !v.is_null()) {
                c.say(
                    &at,
                    "Measure",
                    "реквизит ФФД 1.2: касса работает по ФФД 1.05/1.1",
                );
            }
            if let Some(m) = object(&mut c, it, &at, "MarkingCodeData", false) {
                if v12 {
                    c.fields(m, &format!("{at}MarkingCodeData."), MARKING);
                } else {
                    c.say(
                        &at,
                        "MarkingCodeData",
                        "реквизит ФФД 1.2: касса работает по ФФД 1.05/1.1",
                    );
                }
            }
            if let Some(a) = object(&mut c, it, &at, "PaymentAgentInfo", false) {
                c.fields(a, &format!("{at}PaymentAgentInfo."), AGENT);
            }
            if let Some(ind) = object(&mut c, it, &at, "IndustryItemRequisite", false) {
                if !v12 {
                    c.say(&at, "IndustryItemRequisite", "реквизит ФФД 1.2");
                }
                c.fields(ind, &format!("{at}IndustryItemRequisite."), INDUSTRY);
            }
        }
        let payments = objects(&mut c, cr, at, "PaymentItems", false);
        let mut paid: u64 = 0;
        for (i, p) in payments.iter().enumerate() {
            c.fields(
                p,
                &format!("Request.CustomerReceipt.PaymentItems[{i}]."),
                PAYMENT_ITEM,
            );
            paid = paid.saturating_add(p.get("Sum").and_then(|s| scaled(s, 2)).unwrap_or(0));
        }
        // Σ PaymentItems = Σ Amount when payments are given (inf).
        if !payments.is_empty() && paid != total && c.problems.is_empty() {
            c.say(at, "PaymentItems", "сумма оплат не равна сумме позиций");
        }
    }
    if !c.problems.is_empty() {
        return Err(c.problems);
    }
    let text = |k: &str| req.get(k).and_then(Value::as_str).map(str::to_owned);
    Ok(Checked {
        inn: text("Inn").unwrap_or_default(),
        ty: ty.to_owned(),
        invoice_id: text("InvoiceId").unwrap_or_default(),
        callback_url: text("CallbackUrl"),
        total_kopecks: total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_are_read_exactly() {
        assert_eq!(scaled(&json!(311.95), 2), Some(31_195));
        assert_eq!(scaled(&json!(290), 2), Some(29_000));
        assert_eq!(scaled(&json!(0.347), 6), Some(347_000));
        assert_eq!(scaled(&json!(1.005), 2), None);
        assert_eq!(scaled(&json!(-1), 2), None);
        assert_eq!(scaled(&json!("1.00"), 2), None);
    }

    #[test]
    fn a_minimal_receipt_passes_and_a_wrong_amount_is_named() {
        let mut body = json!({"Request": {"Inn": "5544332219", "Type": "Income",
            "InvoiceId": "A-1", "CustomerReceipt": {"TaxationSystem": "SimpleIn",
            "Items": [{"Label": "Чай", "Price": 250.00, "Quantity": 2, "Amount": 500.00,
                "Vat": "Vat20", "PaymentMethod": 4}],
            "PaymentItems": [{"PaymentType": 1, "Sum": 500.00}]}}});
        let ok = check_receipt(&body, FermaFfd::V105).expect("valid");
        assert_eq!(ok.total_kopecks, 50_000);
        body["Request"]["CustomerReceipt"]["Items"][0]["Amount"] = json!(499.99);
        let e = check_receipt(&body, FermaFfd::V105).unwrap_err();
        assert!(
            e.iter()
                .any(|p| p.starts_with("Request.CustomerReceipt.Items[0].Amount")),
            "{e:?}"
        );
    }
}
