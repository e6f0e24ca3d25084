//! Checks of a KOMTET task body (`POST api/shop/v2/queues/{qid}/task`), as field tables with
//! the source of each rule: the official SDKs' `v2` models
//! (<https://github.com/Komtet/komtet-kassa-php-sdk> `src/v2/*.php`,
//! <https://github.com/Komtet/komtet-kassa-python-sdk> `src/komtet_kassa_sdk/v2/check.py`), and the
//! vendor's API page <https://kassa.komtet.ru/integration/api> for the sum rule.

use crate::fields::{Field, FieldChecker, Obj, Rule};
use serde_json::Value;

/// A refusal: HTTP status and the KOMTET error object (`title`, `code`, `description`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) title: String,
    pub(crate) description: String,
}

/// The emulator's own code for a malformed or invalid task (KOMTET's codes other than `VLD11`
/// are not published; the `VLD` form is theirs).
pub(crate) const INVALID: &str = "VLD01";

fn invalid(title: String) -> Refusal {
    Refusal {
        status: 422,
        code: INVALID,
        title,
        description: "Проверьте данные чека".into(),
    }
}

/// Intents: SDK `Check::INTENT_*` and Python `Intent` (corrections included).
const INTENTS: &[&str] = &[
    "sell",
    "sellReturn",
    "buy",
    "buyReturn",
    "sellCorrection",
    "sellReturnCorrection",
    "buyCorrection",
    "buyReturnCorrection",
];
/// SDK `Vat::RATE_*`.
const VATS: &[&str] = &[
    "no", "0", "5", "7", "10", "20", "22", "105", "107", "110", "120", "122",
];
/// SDK `PaymentMethod`.
const PAYMENT_METHODS: &[&str] = &[
    "pre_payment_full",
    "pre_payment_part",
    "full_payment",
    "advance",
    "credit_part",
    "credit_pay",
    "credit",
];
/// SDK `PaymentObject`.
const PAYMENT_OBJECTS: &[&str] = &[
    "product",
    "product_practical",
    "work",
    "service",
    "gambling_bet",
    "gambling_win",
    "lottery_bet",
    "lottery_win",
    "rid",
    "payment",
    "commission",
    "composite",
    "pay",
    "other",
    "property_right",
    "non_operating",
    "insurance",
    "sales_tax",
    "resort_fee",
    "deposit",
    "consumption",
    "sole_proprietor_cpi_contributins",
    "cpi_contributins",
    "sole_proprietor_cmi_contributins",
    "cmi_contributins",
    "csi_contributins",
    "casino_payment",
    "payment_of_the_money",
    "atnm",
    "atm",
    "tnm",
    "tm",
];
/// SDK `Payment::TYPE_*`.
const PAYMENT_TYPES: &[&str] = &[
    "card",
    "cash",
    "prepayment",
    "credit",
    "counter_provisioning",
];
/// SDK `Agent` constants.
const AGENT_TYPES: &[&str] = &[
    "bank_payment_agent",
    "bank_payment_subagent",
    "payment_agent",
    "payment_subagent",
    "solicitor",
    "commissionaire",
    "agent",
];
/// SDK `MarkCode` constants.
pub(crate) const MARK_KINDS: &[&str] = &[
    "unknown", "ean8", "ean13", "itf14", "gs10", "gs1m", "short", "fur", "egais20", "egais30",
];

/// SDK `TaxSystem`: 0, 1, 2, 4, 5.
fn sno_ok(v: i64) -> bool {
    matches!(v, 0 | 1 | 2 | 4 | 5)
}
/// SDK `Measure`: the 2108 codes.
fn measure_ok(v: i64) -> bool {
    matches!(
        v,
        0 | 10..=12 | 20..=22 | 30..=32 | 40..=42 | 50 | 51 | 70..=73 | 80..=83 | 255
    )
}
/// SDK `PlannedStatus`: 1–6, 255.
fn planned_ok(v: i64) -> bool {
    matches!(v, 1..=6 | 255)
}
/// `YYYY-MM-DD` (Python SDK test `correction_check`: `base_date` `2017-09-28`).
fn iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The task object (SDK `Check::asArray`).
const TASK: &[Field] = &[
    Field::one_of("intent", INTENTS).required(),
    Field::boolean("print"),
    Field::text("callback_url", 1, 2048),
    Field::text("additional_check_props", 1, 16),
    Field::boolean("internet"),
    Field::int("timezone", 1, 11),
];
/// `company` (SDK `Company`: `sno` and `payment_address` in the constructor).
const COMPANY: &[Field] = &[
    Field::int_where("sno", sno_ok).required(),
    Field::text("payment_address", 1, 256).required(),
    Field::text("place_address", 1, 256),
    Field::digits("inn", &[10, 12]),
];
/// `client` (SDK `Buyer`).
const CLIENT: &[Field] = &[
    Field::text("email", 1, 64),
    Field::text("phone", 1, 64),
    Field::text("name", 1, 256),
    Field::digits("inn", &[10, 12]),
    Field::text("birthdate", 1, 10),
    Field::text("citizenship", 1, 3),
    Field::text("document_code", 1, 2),
    Field::text("document_data", 1, 64),
    Field::text("address", 1, 256),
];
/// `positions[]` (SDK `Position` constructor: name, price, quantity, total, vat, measure,
/// payment_method, payment_object).
const POSITION: &[Field] = &[
    Field::text("name", 1, 128).required(),
    Field::money("price").required(),
    Field::money("total").required(),
    Field::one_of("vat", VATS).required(),
    Field::int_where("measure", measure_ok).required(),
    Field::one_of("payment_method", PAYMENT_METHODS).required(),
    Field::one_of("payment_object", PAYMENT_OBJECTS).required(),
    Field::money("excise"),
    Field::text("country_code", 1, 3),
    Field::text("declaration_number", 1, 32),
    Field::text("user_data", 1, 64),
    Field::int_where("planned_status", planned_ok),
];
/// `payments[]` (SDK `Payment`).
const PAYMENT: &[Field] = &[
    Field::one_of("type", PAYMENT_TYPES).required(),
    Field::money("sum").required(),
];
/// `cashier` (SDK `Cashier`; the Python SDK's correction test sends a 10-digit `inn`).
const CASHIER: &[Field] = &[
    Field::text("name", 1, 64).required(),
    Field::digits("inn", &[10, 12]),
];
/// `correction_info` (Python SDK `set_correction_info`).
const CORRECTION: &[Field] = &[
    Field::one_of("type", &["self", "instruction"]).required(),
    Field::pattern("base_date", 10, iso_date).required(),
    Field::text("base_number", 1, 32),
];
/// `agent_info` (SDK `Agent`).
const AGENT: &[Field] = &[Field::one_of("type", AGENT_TYPES).required()];
/// Sectoral props (SDK `SectoralCheckProps` / `SectoralItemProps`).
const SECTORAL: &[Field] = &[
    Field::text("federal_id", 1, 3).required(),
    Field::text("date", 1, 10).required(),
    Field::text("number", 1, 32).required(),
    Field::text("value", 1, 256).required(),
];
/// `operating_check_props` (SDK `OperatingCheckProps`).
const OPERATING: &[Field] = &[
    Field::text("name", 1, 3).required(),
    Field::text("value", 1, 64).required(),
    Field::text("timestamp", 19, 19).required(),
];
/// `mark_quantity` (SDK `MarkQuantity`).
const MARK_QUANTITY: &[Field] = &[
    Field::int("numerator", 1, 4_294_967_295).required(),
    Field::int("denominator", 1, 4_294_967_295).required(),
];

/// Kopecks of a money value: a JSON number ≥ 0 with at most two decimals.
pub(crate) fn kopecks(v: &Value) -> Option<u64> {
    let n = v.as_number()?;
    let text = n.to_string();
    if text.starts_with('-') || text.contains(['e', 'E']) {
        return None;
    }
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = frac.trim_end_matches('0');
    if frac.len() > 2 {
        return None;
    }
    let r: u64 = int.parse().ok()?;
    let c: u64 = format!("{frac:0<2}").parse().ok()?;
    r.checked_mul(100)?.checked_add(c)
}

/// The field checker: collects the first finding as a KOMTET refusal title.
#[derive(Default)]
struct Check {
    findings: Vec<String>,
}

impl FieldChecker for Check {
    fn field(&mut self, o: &Obj, at: &str, f: &Field) {
        let path = format!("{at}{}", f.key);
        let v = match o.get(f.key) {
            None | Some(Value::Null) => {
                if f.required {
                    self.findings
                        .push(format!("Поле {path} обязательно для заполнения"));
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
            Rule::Money => kopecks(v).is_some(),
            Rule::Bool => v.is_boolean(),
        };
        if !ok {
            let text = f.says.map_or_else(
                || format!("Недопустимое значение поля {path}"),
                str::to_owned,
            );
            self.findings.push(text);
        }
    }
}

/// What the service keeps of an accepted task.
#[derive(Debug, Clone)]
pub(crate) struct Checked {
    pub(crate) external_id: String,
    pub(crate) intent: String,
    pub(crate) total_kopecks: u64,
}

/// Checks a task body; the first finding is the refusal.
pub(crate) fn check_task(body: &[u8]) -> Result<Checked, Refusal> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| invalid("Тело запроса должно быть JSON-объектом".into()))?;
    let o = v
        .as_object()
        .ok_or_else(|| invalid("Тело запроса должно быть JSON-объектом".into()))?;
    let mut c = Check::default();
    // external_id: a string or a number (the Python SDK's tests send both).
    let external_id = match o.get("external_id") {
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= 64 => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(invalid("Недопустимое значение поля external_id".into())),
    };
    c.fields(o, "", TASK);
    let obj = |c: &mut Check, key: &str, required: bool| -> Option<Obj> {
        match o.get(key) {
            Some(Value::Object(m)) => Some(m.clone()),
            None | Some(Value::Null) if !required => None,
            _ => {
                c.findings.push(format!("Поле {key} должно быть объектом"));
                None
            }
        }
    };
    if let Some(m) = obj(&mut c, "company", true) {
        c.fields(&m, "company.", COMPANY);
    }
    if let Some(m) = obj(&mut c, "client", false) {
        c.fields(&m, "client.", CLIENT);
    }
    if let Some(m) = obj(&mut c, "cashier", false) {
        c.fields(&m, "cashier.", CASHIER);
    }
    if let Some(m) = obj(&mut c, "additional_user_props", false) {
        c.fields(
            &m,
            "additional_user_props.",
            &[
                Field::text("name", 1, 64).required(),
                Field::text("value", 1, 256).required(),
            ],
        );
    }
    if let Some(m) = obj(&mut c, "operating_check_props", false) {
        c.fields(&m, "operating_check_props.", OPERATING);
    }
    let intent = o
        .get("intent")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let correction = obj(&mut c, "correction_info", false);
    match (&correction, intent.ends_with("Correction")) {
        (Some(m), true) => c.fields(m, "correction_info.", CORRECTION),
        (None, true) => c
            .findings
            .push("Поле correction_info обязательно для чека коррекции".into()),
        (Some(_), false) => c
            .findings
            .push("Поле correction_info допустимо только в чеке коррекции".into()),
        (None, false) => {}
    }
    let sectoral = |c: &mut Check, list: Option<&Value>, at: &str| match list {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, p) in items.iter().enumerate() {
                match p.as_object() {
                    Some(m) => c.fields(m, &format!("{at}[{i}]."), SECTORAL),
                    None => c
                        .findings
                        .push(format!("Поле {at}[{i}] должно быть объектом")),
                }
            }
        }
        Some(_) => c.findings.push(format!("Поле {at} должно быть списком")),
    };
    sectoral(
        &mut c,
        o.get("sectoral_check_props"),
        "sectoral_check_props",
    );
    let mut positions_total = 0u64;
    match o.get("positions").and_then(Value::as_array) {
        Some(list) if !list.is_empty() => {
            for (i, p) in list.iter().enumerate() {
                let at = format!("positions[{i}].");
                let Some(m) = p.as_object() else {
                    c.findings
                        .push(format!("Поле positions[{i}] должно быть объектом"));
                    continue;
                };
                c.fields(m, &at, POSITION);
                match m.get("quantity").and_then(Value::as_number) {
                    Some(q) if q.as_f64().is_some_and(|f| f > 0.0) => {}
                    _ => c
                        .findings
                        .push(format!("Недопустимое значение поля {at}quantity")),
                }
                positions_total =
                    positions_total.saturating_add(m.get("total").and_then(kopecks).unwrap_or(0));
                if let Some(a) = m.get("agent_info") {
                    match a.as_object() {
                        Some(am) => c.fields(am, &format!("{at}agent_info."), AGENT),
                        None => c
                            .findings
                            .push(format!("Поле {at}agent_info должно быть объектом")),
                    }
                }
                if let Some(q) = m.get("mark_quantity") {
                    match q.as_object() {
                        Some(qm) => c.fields(qm, &format!("{at}mark_quantity."), MARK_QUANTITY),
                        None => c
                            .findings
                            .push(format!("Поле {at}mark_quantity должно быть объектом")),
                    }
                }
                if let Some(mc) = m.get("mark_code") {
                    // SDK `MarkCode`: one key, the kind, whose value is the code.
                    let ok = mc.as_object().is_some_and(|mm| {
                        mm.len() == 1
                            && mm.iter().all(|(k, v)| {
                                MARK_KINDS.contains(&k.as_str())
                                    && v.as_str().is_some_and(|s| !s.is_empty())
                            })
                    });
                    if !ok {
                        c.findings
                            .push(format!("Недопустимое значение поля {at}mark_code"));
                    }
                }
                sectoral(
                    &mut c,
                    m.get("sectoral_item_props"),
                    &format!("{at}sectoral_item_props"),
                );
            }
        }
        _ => c
            .findings
            .push("Поле positions должно содержать хотя бы одну позицию".into()),
    }
    let mut paid = 0u64;
    match o.get("payments").and_then(Value::as_array) {
        Some(list) if !list.is_empty() => {
            for (i, p) in list.iter().enumerate() {
                match p.as_object() {
                    Some(m) => {
                        c.fields(m, &format!("payments[{i}]."), PAYMENT);
                        paid = paid.saturating_add(m.get("sum").and_then(kopecks).unwrap_or(0));
                    }
                    None => c
                        .findings
                        .push(format!("Поле payments[{i}] должно быть объектом")),
                }
            }
        }
        _ => c
            .findings
            .push("Поле payments должно содержать хотя бы одну оплату".into()),
    }
    if let Some(first) = c.findings.into_iter().next() {
        return Err(invalid(first));
    }
    // The vendor's API page: the receipt total must equal the cost of all positions.
    if positions_total != paid {
        return Err(invalid(format!(
            "Сумма оплат ({}) не равна сумме позиций ({})",
            money_text(paid),
            money_text(positions_total)
        )));
    }
    Ok(Checked {
        external_id,
        intent,
        total_kopecks: paid,
    })
}

/// `1234.50` for kopecks.
pub(crate) fn money_text(k: u64) -> String {
    format!("{}.{:02}", k / 100, k % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_a_number_with_at_most_two_decimals() {
        let k = |t: &str| kopecks(&serde_json::from_str::<Value>(t).expect("json"));
        assert_eq!(k("110.98"), Some(11098));
        assert_eq!(k("100"), Some(10000));
        assert_eq!(k("12.5"), Some(1250));
        assert_eq!(k("1.001"), None);
        assert_eq!(k("-1"), None);
        assert_eq!(k("\"1.00\""), None);
    }
}
