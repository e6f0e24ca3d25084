//! `CheckPackage` → fiskal receipt JSON (`docs/receipt-json.md`). Every attribute is mapped to
//! a receipt field or refused with its name; the print-only ones (`TextString`, `Barcode`,
//! `DiscountAmount`, `Department`) have no ФФД requisite and no printed form exists in a cloud
//! register, so they are accepted and listed in `docs/1c-driver.md`.
//!
//! (Over 800 lines: one walk over CheckPackage in the order of its attributes, each attribute
//! mapped or refused by name in one place, so a missing one is seen at once.)

use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::xml::{AgentData, CheckPackage, FiscalString, IndustryAttribute, Line, VendorData};
use super::KktError;

/// What the receipt needs that the CheckPackage does not carry: the connection's settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct Company {
    /// `company.inn`.
    pub(crate) inn: String,
    /// `company.payment_place` when `SaleLocation` is empty.
    pub(crate) payment_place: String,
    /// `company.payment_address` when `SaleAddress` is empty.
    pub(crate) payment_address: String,
    /// `ffd`: "1.2" or "1.05".
    pub(crate) ffd: String,
    /// The `TaxationSystems` setting: the codes the register is registered for (empty: not
    /// set, not checked).
    pub(crate) taxation_systems: Vec<u8>,
    /// The `CompanyName` setting (`GetDataKKT` only).
    pub(crate) name: String,
}

/// The receipt JSON and what the driver keeps of it for the journal.
#[derive(Debug, Clone)]
pub(crate) struct Mapped {
    /// The fiskal receipt JSON.
    pub(crate) receipt: Value,
    /// 1054 as 1C numbers it (1–4).
    pub(crate) operation_type: u8,
    /// The total in kopecks.
    pub(crate) total: u64,
    /// The cash part in kopecks.
    pub(crate) cash: u64,
}

fn refuse(field: impl Into<String>, ru: impl Into<String>, en: impl Into<String>) -> KktError {
    KktError::Field {
        field: field.into(),
        message_ru: ru.into(),
        message_en: en.into(),
    }
}

/// Roubles with at most two decimals → kopecks, exactly (`"12.5"` → 1250). A third decimal
/// other than 0 is an error naming `field`, never rounded.
pub(crate) fn kopecks(field: &str, text: &str) -> Result<u64, KktError> {
    let t = text.trim();
    let bad = || {
        refuse(
            field,
            format!("«{t}»: ожидается сумма в рублях, не более двух знаков после точки"),
            format!("«{t}»: expected an amount in roubles with at most two decimals"),
        )
    };
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (cents, rest) = frac.split_at(frac.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return Err(bad());
    }
    let mut c: u64 = 0;
    for (i, b) in cents.bytes().enumerate() {
        let d = u64::from(b - b'0');
        c += if i == 0 { d * 10 } else { d };
    }
    let r: u64 = int.parse().map_err(|_| bad())?;
    r.checked_mul(100)
        .and_then(|v| v.checked_add(c))
        .ok_or_else(bad)
}

/// Kopecks → `"R.KK"`.
pub(crate) fn roubles(k: u64) -> String {
    format!("{}.{:02}", k / 100, k % 100)
}

/// `VATRate` → fiskal's VatRate name (1199); 4007 adds 5, 7, 22 and 5/105, 7/107, 22/122.
pub(crate) fn vat(field: &str, rate: &str) -> Result<&'static str, KktError> {
    Ok(match rate.trim().to_lowercase().as_str() {
        "none" | "" => "none",
        "0" => "vat0",
        "5" => "vat5",
        "7" => "vat7",
        "10" => "vat10",
        "20" => "vat20",
        "22" => "vat22",
        "5/105" => "vat105",
        "7/107" => "vat107",
        "10/110" => "vat110",
        "20/120" => "vat120",
        "22/122" => "vat122",
        other => {
            return Err(refuse(
                field,
                format!("неизвестная ставка НДС «{other}»"),
                format!("unknown VAT rate «{other}»"),
            ))
        }
    })
}

/// `TaxationSystem` (1C's code) → fiskal's TaxSystem name.
fn tax_system(code: u8) -> Result<&'static str, KktError> {
    Ok(match code {
        0 => "osn",
        1 => "usn_income",
        2 => "usn_income_outcome",
        3 => "envd",
        4 => "esn",
        5 => "patent",
        n => {
            return Err(refuse(
                "Parameters.TaxationSystem",
                format!("неизвестный код системы налогообложения {n} (ожидается 0–5)"),
                format!("unknown taxation system code {n} (expected 0–5)"),
            ))
        }
    })
}

/// `OperationType` → fiskal's Operation name.
fn operation(code: u8) -> Result<&'static str, KktError> {
    Ok(match code {
        1 => "sell",
        2 => "sell_refund",
        3 => "buy",
        4 => "buy_refund",
        n => {
            return Err(refuse(
                "Parameters.OperationType",
                format!("неизвестный тип расчета {n} (ожидается 1–4)"),
                format!("unknown operation type {n} (expected 1–4)"),
            ))
        }
    })
}

/// An agent sign as 1C numbers it (0 банковский платежный агент … 6 иной агент) → the 1222
/// bit.
fn agent_bit(field: &str, code: &str) -> Result<u8, KktError> {
    match code.trim().parse::<u8>() {
        Ok(n) if n <= 6 => Ok(1 << n),
        _ => Err(refuse(
            field,
            format!("признак агента «{code}»: ожидается число 0–6"),
            format!("agent sign «{code}»: expected a number 0–6"),
        )),
    }
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn phones(v: &Option<String>) -> Option<Value> {
    non_empty(v).map(|s| {
        Value::Array(
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Value::String(p.to_owned()))
                .collect(),
        )
    })
}

fn put(m: &mut Map<String, Value>, key: &str, v: Option<&str>) {
    if let Some(v) = v {
        m.insert(key.to_owned(), Value::String(v.to_owned()));
    }
}

/// `AgentData` as `agent_info`; `None` for an empty element (1C writes `<AgentData/>`).
fn agent_info(a: &AgentData) -> Option<Value> {
    let mut m = Map::new();
    put(&mut m, "operation", non_empty(&a.operation));
    if let Some(p) = phones(&a.phone) {
        m.insert("phones".into(), p);
    }
    if let Some(p) = phones(&a.processor_phone) {
        m.insert("payment_operator_phones".into(), p);
    }
    if let Some(p) = phones(&a.acquirer_phone) {
        m.insert("transfer_operator_phones".into(), p);
    }
    put(
        &mut m,
        "transfer_operator_name",
        non_empty(&a.acquirer_name),
    );
    put(
        &mut m,
        "transfer_operator_address",
        non_empty(&a.acquirer_address),
    );
    put(&mut m, "transfer_operator_inn", non_empty(&a.acquirer_inn));
    (!m.is_empty()).then_some(Value::Object(m))
}

/// `VendorData` as `supplier`; `None` for an empty element.
fn supplier(v: &VendorData) -> Option<Value> {
    let mut m = Map::new();
    put(&mut m, "name", non_empty(&v.name));
    put(&mut m, "inn", non_empty(&v.inn));
    if let Some(p) = phones(&v.phone) {
        m.insert("phones".into(), p);
    }
    (!m.is_empty()).then_some(Value::Object(m))
}

/// The `IndustryAttribute`s that carry something (1C writes empty `<IndustryAttribute/>`
/// elements, as in its FFD 1.2 demo package); `None` when none does.
fn sectoral(list: &[IndustryAttribute]) -> Option<Value> {
    let given: Vec<&IndustryAttribute> = list
        .iter()
        .filter(|a| {
            [&a.foiv, &a.date, &a.number, &a.value]
                .iter()
                .any(|v| non_empty(v).is_some())
        })
        .collect();
    if given.is_empty() {
        return None;
    }
    Some(Value::Array(
        given
            .into_iter()
            .map(|a| {
                let mut m = Map::new();
                put(&mut m, "fois_id", non_empty(&a.foiv));
                put(&mut m, "date", non_empty(&a.date));
                put(&mut m, "number", non_empty(&a.number));
                put(&mut m, "value", non_empty(&a.value));
                Value::Object(m)
            })
            .collect(),
    ))
}

/// The receipt JSON of a CheckPackage. `correction`: called from `ProcessCorrectionCheck`
/// (then `CorrectionData` is required; from `ProcessCheck` it is refused).
pub(crate) fn map_check(
    p: &CheckPackage,
    company: &Company,
    correction: bool,
) -> Result<Mapped, KktError> {
    let par = &p.parameters;
    let op_code = par.operation_type.ok_or_else(|| {
        refuse(
            "Parameters.OperationType",
            "не указан тип расчета",
            "the operation type is missing",
        )
    })?;
    let mut r = Map::new();
    r.insert("version".into(), json!(1));
    r.insert("ffd".into(), json!(company.ffd));
    r.insert("operation".into(), json!(operation(op_code)?));
    if let Some(ts) = par.taxation_system {
        r.insert("tax_system".into(), json!(tax_system(ts)?));
        // «При формировании чека ККТ должен проверять, что передаваемый код системы
        // налогообложения доступен для данного фискализированного ФН» (the standard, CheckPackage
        // `Parameters`): the register's codes are the `TaxationSystems` setting.
        if !company.taxation_systems.is_empty() && !company.taxation_systems.contains(&ts) {
            let list = company
                .taxation_systems
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(",");
            return Err(refuse(
                "Parameters.TaxationSystem",
                format!(
                    "система налогообложения {ts} не входит в системы кассы (параметр TaxationSystems = {list})"
                ),
                format!(
                    "taxation system {ts} is not one of the register's (setting TaxationSystems = {list})"
                ),
            ));
        }
    }
    if non_empty(&par.automat_number).is_some() {
        return Err(refuse(
            "Parameters.AutomatNumber",
            "номер автомата задаёт облачная касса; оставьте пустым",
            "the cloud register sets the automat number; leave it empty",
        ));
    }
    // company
    let mut c = Map::new();
    c.insert("inn".into(), json!(company.inn));
    let place = non_empty(&par.sale_location).unwrap_or(company.payment_place.as_str());
    if !place.is_empty() {
        c.insert("payment_place".into(), json!(place));
    }
    let address = non_empty(&par.sale_address).unwrap_or(company.payment_address.as_str());
    if !address.is_empty() {
        c.insert("payment_address".into(), json!(address));
    }
    put(&mut c, "email", non_empty(&par.sender_email));
    r.insert("company".into(), Value::Object(c));
    // cashier
    if let Some(name) = non_empty(&par.cashier_name) {
        let mut m = Map::new();
        m.insert("name".into(), json!(name));
        put(&mut m, "inn", non_empty(&par.cashier_inn));
        r.insert("cashier".into(), Value::Object(m));
    } else if non_empty(&par.cashier_inn).is_some() {
        return Err(refuse(
            "Parameters.CashierINN",
            "ИНН кассира без имени кассира (CashierName)",
            "a cashier INN without the cashier's name (CashierName)",
        ));
    }
    // client
    let mut cl = Map::new();
    match (
        non_empty(&par.customer_email),
        non_empty(&par.customer_phone),
    ) {
        (Some(_), Some(_)) => {
            return Err(refuse(
                "Parameters.CustomerPhone",
                "в чеке один контакт покупателя (1008): укажите CustomerEmail или CustomerPhone",
                "a receipt carries one buyer contact (1008): give CustomerEmail or CustomerPhone",
            ))
        }
        (Some(e), None) | (None, Some(e)) => {
            cl.insert("contact".into(), json!(e));
        }
        (None, None) => {}
    }
    if let Some(d) = &par.customer {
        put(&mut cl, "name", non_empty(&d.info));
        put(&mut cl, "inn", non_empty(&d.inn));
        put(&mut cl, "birth_date", non_empty(&d.date_of_birth));
        put(&mut cl, "citizenship", non_empty(&d.citizenship));
        put(&mut cl, "document_code", non_empty(&d.document_type_code));
        put(&mut cl, "document_data", non_empty(&d.document_data));
        put(&mut cl, "address", non_empty(&d.address));
    }
    if !cl.is_empty() {
        r.insert("client".into(), Value::Object(cl));
    }
    put(
        &mut r,
        "additional_check_props",
        non_empty(&par.additional_attribute),
    );
    if let Some(u) = par
        .user_attribute
        .as_ref()
        .filter(|u| non_empty(&u.name).is_some() || non_empty(&u.value).is_some())
    {
        r.insert(
            "additional_user_prop".into(),
            json!({"name": non_empty(&u.name).unwrap_or(""), "value": non_empty(&u.value).unwrap_or("")}),
        );
    }
    if let Some(o) = par.operational.as_ref().filter(|o| {
        o.id.is_some() || non_empty(&o.data).is_some() || non_empty(&o.date_time).is_some()
    }) {
        let mut m = Map::new();
        m.insert("id".into(), json!(o.id.unwrap_or(0)));
        put(&mut m, "data", non_empty(&o.data));
        put(&mut m, "time", non_empty(&o.date_time));
        r.insert("operating_check_props".into(), Value::Object(m));
    }
    if let Some(list) = sectoral(&par.industry) {
        r.insert("sectoral_check_props".into(), list);
    }
    // correction
    match (&par.correction, correction) {
        (Some(cd), true) => {
            // `Description` (1177) is accepted and not sent: FFD 1.2 has no such requisite in a
            // correction receipt (its basis is 1174 = 1178 date + 1179 order number), and fiskal
            // sends 1177 in no version (docs/receipt-json.md, `correction.description`). 1C's
            // callers always fill it (the FFD 1.2 demo package of БПО; IRP writes
            // `CorrectionData` only when `Description` is filled), so refusing it would refuse
            // every correction; a register on FFD 1.2 does not carry it either.
            if non_empty(&cd.fiscal_response).is_some() {
                return Err(refuse(
                    "Parameters.CorrectionData.FiscalResponse",
                    "ФП корректируемого документа облачной кассе не передаётся; оставьте пустым",
                    "the corrected document's fiscal sign cannot be sent to a cloud register; leave it empty",
                ));
            }
            let kind = match cd.kind.unwrap_or(0) {
                0 => "self",
                1 => "instruction",
                n => {
                    return Err(refuse(
                        "Parameters.CorrectionData.Type",
                        format!("тип коррекции {n}: ожидается 0 или 1"),
                        format!("correction type {n}: expected 0 or 1"),
                    ))
                }
            };
            let date = non_empty(&cd.date).ok_or_else(|| {
                refuse(
                    "Parameters.CorrectionData.Date",
                    "не указана дата корректируемого расчета",
                    "the date of the corrected settlement is missing",
                )
            })?;
            let date = date.split('T').next().unwrap_or(date);
            let mut m = Map::new();
            m.insert("type".into(), json!(kind));
            m.insert("date".into(), json!(date));
            put(&mut m, "number", non_empty(&cd.number));
            r.insert("correction".into(), Value::Object(m));
        }
        (None, true) => {
            return Err(refuse(
                "Parameters.CorrectionData",
                "чек коррекции без CorrectionData",
                "a correction receipt without CorrectionData",
            ))
        }
        (Some(_), false) => {
            return Err(refuse(
                "Parameters.CorrectionData",
                "CorrectionData в обычном чеке: вызовите ProcessCorrectionCheck",
                "CorrectionData in an ordinary receipt: call ProcessCorrectionCheck",
            ))
        }
        (None, false) => {}
    }
    // items
    let mut items = Vec::new();
    let mut total: u64 = 0;
    let mut n = 0usize;
    let mut barcodes = 0usize;
    for line in &p.positions.lines {
        let fs = match line {
            Line::FiscalString(fs) => fs,
            // Printed lines: no ФФД requisite, no printed form in the cloud; a barcode is
            // still checked as a register checks it.
            Line::Barcode(b) => {
                barcodes += 1;
                b.check(&format!("Positions.Barcode[{barcodes}]"))?;
                continue;
            }
            Line::TextString(_) => continue,
        };
        n += 1;
        let (item, sum) = map_item(n, fs, par.agent_type.as_deref(), par, &company.ffd)?;
        total = total.checked_add(sum).ok_or_else(|| {
            refuse(
                "Positions",
                "сумма чека слишком велика",
                "the receipt total is too large",
            )
        })?;
        items.push(item);
    }
    r.insert("items".into(), Value::Array(items));
    // payments
    let pay = &p.payments;
    let mut pm = Map::new();
    let mut cash = 0;
    for (attr, key, v) in [
        ("Cash", "cash", &pay.cash),
        ("ElectronicPayment", "electronic", &pay.electronic),
        ("PrePayment", "prepaid", &pay.prepayment),
        ("PostPayment", "credit", &pay.postpayment),
        ("Barter", "consideration", &pay.barter),
    ] {
        if let Some(text) = non_empty(v) {
            let k = kopecks(&format!("Payments.{attr}"), text)?;
            if key == "cash" {
                cash = k;
            }
            pm.insert(key.into(), json!(roubles(k)));
        }
    }
    r.insert("payments".into(), Value::Object(pm));
    r.insert("total".into(), json!(roubles(total)));
    Ok(Mapped {
        receipt: Value::Object(r),
        operation_type: op_code,
        total,
        cash,
    })
}

/// The CheckPackage field a receipt JSON path came from (the inverse of [`map_check`]), for a
/// provider's refusal that names the receipt field: `items[2].vat` →
/// `Positions.FiscalString[3].VATRate`; an address or a place the package left empty came from
/// the connection parameters, which are named instead. `None` for a path the package does not
/// set.
pub(crate) fn package_field(path: &str, package: &CheckPackage) -> Option<String> {
    if let Some(rest) = path.strip_prefix("items[") {
        let (index, tail) = rest.split_once(']')?;
        let n = index.parse::<usize>().ok()? + 1;
        let tail = tail.trim_start_matches('.');
        let head = tail.split(['.', '[']).next().unwrap_or("");
        let attr = match head {
            "" => return Some(format!("Positions.FiscalString[{n}]")),
            "name" => "Name",
            "price" => "PriceWithDiscount",
            "quantity" => "Quantity",
            "sum" => "AmountWithDiscount",
            "vat" => "VATRate",
            "vat_sum" => "VATAmount",
            "payment_method" => "PaymentMethod",
            "payment_subject" => "CalculationSubject",
            "measure" => "MeasureOfQuantity",
            "unit" => "MeasurementUnit",
            "fraction" => "FractionalQuantity",
            "product_code" => "GoodCodeData",
            "mark" => {
                let fs = package.positions.lines.iter().filter_map(|l| match l {
                    Line::FiscalString(fs) => Some(fs),
                    _ => None,
                });
                match fs.clone().nth(n - 1) {
                    Some(f) if non_empty(&f.marking_code).is_some() => "MarkingCode",
                    Some(_) => "GoodCodeData",
                    None => return None,
                }
            }
            "country_code" => "CountryOfOrigin",
            "declaration_number" => "CustomsDeclaration",
            "excise" => "ExciseAmount",
            "user_data" => "AdditionalAttribute",
            "agent" => match tail {
                t if t.starts_with("agent.type") => "CalculationAgent",
                t if t.starts_with("agent.supplier") => "VendorData",
                _ => "AgentData",
            },
            "sectoral_props" => "IndustryAttribute",
            _ => return None,
        };
        return Some(format!("Positions.FiscalString[{n}].{attr}"));
    }
    let par = &package.parameters;
    let from_package = |v: &Option<String>| non_empty(v).is_some();
    let head = path.split(['.', '[']).next().unwrap_or("");
    Some(match (head, path) {
        (_, "company.payment_address") if !from_package(&par.sale_address) => {
            "параметр подключения PaymentAddress".to_owned()
        }
        (_, "company.payment_address") => "Parameters.SaleAddress".to_owned(),
        (_, "company.payment_place") if !from_package(&par.sale_location) => {
            "параметр подключения PaymentPlace".to_owned()
        }
        (_, "company.payment_place") => "Parameters.SaleLocation".to_owned(),
        (_, "company.email") => "Parameters.SenderEmail".to_owned(),
        (_, "company.inn") => "параметр подключения CompanyINN".to_owned(),
        (_, "client.contact") if from_package(&par.customer_phone) => {
            "Parameters.CustomerPhone".to_owned()
        }
        (_, "client.contact") => "Parameters.CustomerEmail".to_owned(),
        ("client", _) => "Parameters.CustomerDetail".to_owned(),
        ("cashier", _) => "Parameters.CashierName".to_owned(),
        // A correction receipt's kind: what ProcessCorrectionCheck was asked for.
        ("operation", _) if par.correction.is_some() => "Parameters.CorrectionData".to_owned(),
        ("operation", _) => "Parameters.OperationType".to_owned(),
        ("tax_system", _) => "Parameters.TaxationSystem".to_owned(),
        ("correction", _) => "Parameters.CorrectionData".to_owned(),
        ("additional_check_props", _) => "Parameters.AdditionalAttribute".to_owned(),
        ("additional_user_prop", _) => "Parameters.UserAttribute".to_owned(),
        ("operating_check_props", _) => "Parameters.OperationalAttribute".to_owned(),
        ("sectoral_check_props", _) => "Parameters.IndustryAttribute".to_owned(),
        ("payments", p) => {
            let attr = match p.trim_start_matches("payments").trim_start_matches('.') {
                "cash" => "Cash",
                "electronic" => "ElectronicPayment",
                "prepaid" => "PrePayment",
                "credit" => "PostPayment",
                "consideration" => "Barter",
                _ => return Some("Payments".to_owned()),
            };
            format!("Payments.{attr}")
        }
        ("total", _) => "Payments".to_owned(),
        _ => return None,
    })
}

/// `GoodCodeData` attribute → the 1163 child tag (ФФД 1.2, table «реквизиты, входящие в
/// состав реквизита «код товара» (тег 1163)»), in the order of the standard's table.
const GOOD_CODE_KINDS: &[(&str, u16)] = &[
    ("NotIdentified", 1300),
    ("EAN8", 1301),
    ("EAN13", 1302),
    ("ITF14", 1303),
    ("GS1.0", 1304),
    ("GS1.M", 1305),
    ("KMK", 1306),
    ("MI", 1307),
    ("EGAIS20", 1308),
    ("EGAIS30", 1309),
    ("F1", 1320),
    ("F2", 1321),
    ("F3", 1322),
    ("F4", 1323),
    ("F5", 1324),
    ("F6", 1325),
];

/// `GoodCodeData` → the 1163 child (ФФД 1.2) as `("mark", {kind, value})` on marked goods
/// (`CalculationSubject` 31 / 33) or `("product_code", {kind, value})` on any other goods, or
/// `None` for an empty element. One attribute at most; a position with `MarkingCode` carries its
/// code there (the 1163 child is derived from the scan), so `GoodCodeData` beside it is
/// refused; in ФФД 1.05 the product code is 1162, which fiskal derives from a marking code only.
/// 1163 is optional on goods that are not marked (приказ ФНС России № ЕД-7-20/662@, приложение
/// № 2, таблица 118: children such as 1302 «КТ EAN-13» and 1304 «КТ GS1.0», «нанесенный на
/// товар, не подлежащий маркировке»), as 1C's own FFD 1.2 sample package sends EAN13 on an
/// ordinary good; the marking-code kinds GS1.M, KMK and MI there are refused by name.
fn good_code(
    n: usize,
    g: &super::xml::GoodCodeData,
    at: &dyn Fn(&str) -> String,
    has_mark: bool,
    ffd: &str,
    subject: u8,
) -> Result<Option<(&'static str, Value)>, KktError> {
    let given: Vec<(&str, &str)> = g
        .fields
        .iter()
        .map(|(k, v)| (k.trim_start_matches('@'), v.trim()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let Some(&(attr, b64)) = given.first() else {
        return Ok(None);
    };
    let field = at(&format!("GoodCodeData.{attr}"));
    if given.len() > 1 {
        return Err(refuse(
            at(&format!("GoodCodeData.{}", given[1].0)),
            format!("позиция {n}: в GoodCodeData один код товара, здесь несколько"),
            format!("position {n}: GoodCodeData carries one product code, several are given"),
        ));
    }
    if has_mark {
        return Err(refuse(
            field,
            format!("позиция {n}: код товара задаёт MarkingCode; GoodCodeData рядом с ним не передаётся"),
            format!("position {n}: MarkingCode gives the product code; GoodCodeData beside it cannot be sent"),
        ));
    }
    let marked = matches!(subject, 31 | 33);
    if ffd != "1.2" {
        return Err(refuse(
            field,
            format!("позиция {n}: GoodCodeData — реквизит 1163 ФФД 1.2; в ФФД 1.05 передайте MarkingCode"),
            format!("position {n}: GoodCodeData is the FFD 1.2 requisite 1163; in FFD 1.05 give MarkingCode"),
        ));
    }
    let Some(&(_, kind)) = GOOD_CODE_KINDS.iter().find(|(name, _)| *name == attr) else {
        return Err(refuse(
            field,
            format!("позиция {n}: неизвестный вид кода товара «{attr}»"),
            format!("position {n}: unknown product code kind «{attr}»"),
        ));
    };
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| {
            refuse(
                field.clone(),
                format!("позиция {n}: код товара не в Base64 ({e})"),
                format!("position {n}: the product code is not Base64 ({e})"),
            )
        })?;
    let value = String::from_utf8(raw).map_err(|_| {
        refuse(
            field.clone(),
            format!("позиция {n}: код товара не текст"),
            format!("position {n}: the product code is not text"),
        )
    })?;
    if !marked && matches!(kind, 1305..=1307) {
        return Err(refuse(
            field,
            format!(
                "позиция {n}: {attr} — код маркировки; он передаётся для маркированного товара \
                 (CalculationSubject 31 или 33), здесь {subject}"
            ),
            format!(
                "position {n}: {attr} is a marking code, sent for marked goods \
                 (CalculationSubject 31 or 33), here {subject}"
            ),
        ));
    }
    let key = if marked { "mark" } else { "product_code" };
    Ok(Some((key, json!({"kind": kind, "value": value}))))
}

/// One `FiscalString` (number `n`, from 1) → an item JSON and its sum in kopecks.
fn map_item(
    n: usize,
    fs: &FiscalString,
    receipt_agent: Option<&str>,
    par: &super::xml::CheckParameters,
    ffd: &str,
) -> Result<(Value, u64), KktError> {
    let at = |attr: &str| format!("Positions.FiscalString[{n}].{attr}");
    let need = |v: &Option<String>, attr: &str| -> Result<String, KktError> {
        non_empty(v).map(str::to_owned).ok_or_else(|| {
            refuse(
                at(attr),
                format!("позиция {n}: не указан {attr}"),
                format!("position {n}: {attr} is missing"),
            )
        })
    };
    let mut m = Map::new();
    m.insert("name".into(), json!(need(&fs.name, "Name")?));
    let price = kopecks(
        &at("PriceWithDiscount"),
        &need(&fs.price, "PriceWithDiscount")?,
    )?;
    let sum = kopecks(
        &at("AmountWithDiscount"),
        &need(&fs.amount, "AmountWithDiscount")?,
    )?;
    m.insert("price".into(), json!(roubles(price)));
    m.insert("quantity".into(), json!(need(&fs.quantity, "Quantity")?));
    m.insert("sum".into(), json!(roubles(sum)));
    if let Some(d) = non_empty(&fs.discount) {
        // Printed only: the price and the amount already include it; still checked.
        kopecks(&at("DiscountAmount"), d)?;
    }
    m.insert(
        "vat".into(),
        json!(vat(&at("VATRate"), fs.vat_rate.as_deref().unwrap_or(""))?),
    );
    if let Some(v) = non_empty(&fs.vat_amount) {
        m.insert(
            "vat_sum".into(),
            json!(roubles(kopecks(&at("VATAmount"), v)?)),
        );
    }
    let pmeth = fs.payment_method.ok_or_else(|| {
        refuse(
            at("PaymentMethod"),
            format!("позиция {n}: не указан PaymentMethod"),
            format!("position {n}: PaymentMethod is missing"),
        )
    })?;
    m.insert("payment_method".into(), json!(pmeth));
    let subj = fs.calculation_subject.ok_or_else(|| {
        refuse(
            at("CalculationSubject"),
            format!("позиция {n}: не указан CalculationSubject"),
            format!("position {n}: CalculationSubject is missing"),
        )
    })?;
    m.insert("payment_subject".into(), json!(subj));
    if let Some(meas) = fs.measure {
        m.insert("measure".into(), json!(meas));
    } else {
        m.insert("measure".into(), json!(0));
    }
    put(&mut m, "unit", non_empty(&fs.unit));
    if let Some(f) = &fs.fraction {
        m.insert(
            "fraction".into(),
            json!({"numerator": f.numerator, "denominator": f.denominator}),
        );
    }
    if let Some(b64) = non_empty(&fs.marking_code) {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| {
                refuse(
                    at("MarkingCode"),
                    format!("позиция {n}: код маркировки не в Base64 ({e})"),
                    format!("position {n}: the marking code is not Base64 ({e})"),
                )
            })?;
        let text = String::from_utf8(raw).map_err(|_| {
            refuse(
                at("MarkingCode"),
                format!("позиция {n}: код маркировки не текст"),
                format!("position {n}: the marking code is not text"),
            )
        })?;
        m.insert("mark".into(), json!({"code": text}));
    }
    if let Some(g) = &fs.good_code {
        if let Some((key, code)) = good_code(n, g, &at, m.contains_key("mark"), ffd, subj)? {
            m.insert(key.into(), code);
        }
    }
    put(&mut m, "country_code", non_empty(&fs.country));
    put(&mut m, "declaration_number", non_empty(&fs.declaration));
    if let Some(e) = non_empty(&fs.excise) {
        m.insert(
            "excise".into(),
            json!(roubles(kopecks(&at("ExciseAmount"), e)?)),
        );
    }
    put(&mut m, "user_data", non_empty(&fs.additional_attribute));
    // agent: the position's own, else the receipt's
    let mut agent = Map::new();
    if let Some(code) = non_empty(&fs.calculation_agent) {
        agent.insert(
            "type".into(),
            json!(agent_bit(&at("CalculationAgent"), code)?),
        );
    } else if let Some(code) = receipt_agent.map(str::trim).filter(|s| !s.is_empty()) {
        agent.insert(
            "type".into(),
            json!(agent_bit("Parameters.AgentType", code)?),
        );
    }
    // The position's own data, else the receipt's; an empty element is no data.
    if let Some(a) = fs
        .agent
        .as_ref()
        .and_then(agent_info)
        .or_else(|| par.agent.as_ref().and_then(agent_info))
    {
        agent.insert("agent_info".into(), a);
    }
    if let Some(v) = fs
        .vendor
        .as_ref()
        .and_then(supplier)
        .or_else(|| par.vendor.as_ref().and_then(supplier))
    {
        agent.insert("supplier".into(), v);
    }
    if !agent.is_empty() {
        m.insert("agent".into(), Value::Object(agent));
    }
    if let Some(list) = sectoral(&fs.industry) {
        m.insert("sectoral_props".into(), list);
    }
    Ok((Value::Object(m), sum))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_exact_and_a_third_decimal_is_refused() {
        assert_eq!(kopecks("x", "12.5").expect("ok"), 1250);
        assert_eq!(kopecks("x", "0.01").expect("ok"), 1);
        assert_eq!(kopecks("x", "7").expect("ok"), 700);
        assert_eq!(kopecks("x", "1.100").expect("trailing zero"), 110);
        let e = kopecks("Positions.FiscalString[2].PriceWithDiscount", "1.005")
            .expect_err("3 decimals");
        assert!(
            e.to_string()
                .contains("Positions.FiscalString[2].PriceWithDiscount"),
            "{e}"
        );
        assert!(kopecks("x", "-1").is_err());
        assert!(kopecks("x", "1,5").is_err());
        assert!(kopecks("x", "1e3").is_err());
        assert_eq!(roubles(1250), "12.50");
    }

    #[test]
    fn vat_rates_of_revision_4007() {
        for (s, want) in [
            ("5", "vat5"),
            ("7", "vat7"),
            ("22", "vat22"),
            ("5/105", "vat105"),
            ("7/107", "vat107"),
            ("22/122", "vat122"),
            ("none", "none"),
            ("0", "vat0"),
            ("20/120", "vat120"),
        ] {
            assert_eq!(vat("v", s).expect(s), want);
        }
        assert!(vat("v", "18").is_err());
    }
}

#[cfg(test)]
mod vector_tests {
    use super::*;
    use crate::kkt::xml::{parse, CheckPackage};

    fn vector(name: &str) -> String {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/vectors/1c-driver")
            .join(name);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn company() -> Company {
        Company {
            inn: "5544332219".into(),
            payment_place: "https://shop.example.ru".into(),
            payment_address: String::new(),
            ffd: "1.2".into(),
            taxation_systems: Vec::new(),
            name: String::new(),
        }
    }

    fn map(xml: &str, correction: bool) -> Result<Mapped, KktError> {
        let p: CheckPackage = parse("CheckPackage", xml)?;
        map_check(&p, &company(), correction)
    }

    #[test]
    fn the_sale_vector_maps_field_by_field() {
        let m = map(&vector("check_sell.xml"), false).expect("maps");
        let r = &m.receipt;
        assert_eq!(r["operation"], "sell");
        assert_eq!(r["tax_system"], "osn");
        assert_eq!(r["cashier"], json!({"name": "Иванов И.И."}));
        assert_eq!(r["client"], json!({"contact": "buyer@example.ru"}));
        assert_eq!(r["company"]["payment_place"], "https://v5.online.atol.ru");
        assert_eq!(
            r["company"]["payment_address"],
            "г. Москва, ул. Примерная, д. 1"
        );
        let items = r["items"].as_array().expect("items");
        assert_eq!(items.len(), 3, "TextString and Barcode are not positions");
        assert_eq!(items[0]["vat"], "vat22");
        assert_eq!(items[0]["vat_sum"], "899.84");
        assert_eq!(items[0]["payment_subject"], 33);
        assert_eq!(items[0]["payment_method"], 4);
        let code = items[0]["mark"]["code"].as_str().expect("mark code");
        assert!(
            code.starts_with("0104601234567893215Rt%Kp2(Lm8/x\u{1d}91FF01\u{1d}92"),
            "{code}"
        );
        assert_eq!(items[1]["quantity"], "1.25");
        assert_eq!(items[1]["measure"], 11);
        assert_eq!(items[1]["sum"], "150.00");
        assert_eq!(items[2]["vat"], "vat105");
        assert_eq!(items[2]["price"], "350.00");
        assert_eq!(
            r["payments"],
            json!({"cash": "490.00", "electronic": "5000.00", "prepaid": "0.00", "credit": "0.00", "consideration": "0.00"})
        );
        assert_eq!(r["total"], "5490.00");
        assert_eq!((m.total, m.cash, m.operation_type), (549_000, 49_000, 1));
        // The result is a valid fiskal receipt.
        fiskal_json::validate(&r.to_string()).expect("valid receipt");
    }

    #[test]
    fn the_correction_vector_maps_correction_data() {
        let m = map(&vector("check_correction.xml"), true).expect("maps");
        assert_eq!(
            m.receipt["correction"],
            json!({"type": "self", "date": "2026-01-10"})
        );
        assert_eq!(m.receipt["tax_system"], "usn_income");
        assert_eq!(m.receipt["items"][0]["vat"], "none");
        // The same package is refused by ProcessCheck, and a receipt without it by
        // ProcessCorrectionCheck.
        let e = map(&vector("check_correction.xml"), false).expect_err("not here");
        assert!(
            e.to_string().starts_with("Parameters.CorrectionData"),
            "{e}"
        );
        let e = map(&vector("check_sell.xml"), true).expect_err("needs it");
        assert!(
            e.to_string().starts_with("Parameters.CorrectionData"),
            "{e}"
        );
    }

    #[test]
    fn unmappable_fields_are_refused_by_name() {
        let sell = vector("check_sell.xml");
        for (from, to, field) in [
            (
                r#"CustomerPhone="""#,
                r#"CustomerPhone="+79990000001""#,
                "Parameters.CustomerPhone",
            ),
            (
                r#"VATRate="5/105""#,
                r#"VATRate="18/118""#,
                "Positions.FiscalString[3].VATRate",
            ),
            (
                r#"OperationType="1""#,
                r#"OperationType="9""#,
                "Parameters.OperationType",
            ),
            (
                r#"TaxationSystem="0""#,
                r#"TaxationSystem="7""#,
                "Parameters.TaxationSystem",
            ),
            (r#"Cash="490.00""#, r#"Cash="490.001""#, "Payments.Cash"),
            (
                r#"AmountWithDiscount="150.00""#,
                r#"AmountWithDiscount="150.005""#,
                "Positions.FiscalString[2].AmountWithDiscount",
            ),
            (
                r#"SenderEmail="""#,
                r#"SenderEmail="" AutomatNumber="A-1""#,
                "Parameters.AutomatNumber",
            ),
            (
                r#"MeasureOfQuantity="11"/>"#,
                r#"MeasureOfQuantity="11"><GoodCodeData EAN14="NDYwMTIzNDU2Nzg5Mw=="/></FiscalString>"#,
                "Positions.FiscalString[2].GoodCodeData.EAN14",
            ),
            (
                r#"MeasureOfQuantity="11"/>"#,
                r#"MeasureOfQuantity="11"><GoodCodeData EAN13="%%%"/></FiscalString>"#,
                "Positions.FiscalString[2].GoodCodeData.EAN13",
            ),
            (
                r#"MeasureOfQuantity="11"/>"#,
                r#"MeasureOfQuantity="11"><GoodCodeData EAN13="NDYwMTIzNDU2Nzg5Mw==" EAN8="NDYwMTIzNDU="/></FiscalString>"#,
                "Positions.FiscalString[2].GoodCodeData.EAN8",
            ),
            (
                r#"Barcode BarcodeType="QR""#,
                r#"Barcode BarcodeType="UPC""#,
                "Positions.Barcode[1].Type",
            ),
            (
                r#"MarkingCode=""#,
                r#"MarkingCode="%%%"#,
                "Positions.FiscalString[1].MarkingCode",
            ),
        ] {
            assert!(sell.contains(from), "{from}");
            let e = map(&sell.replacen(from, to, 1), false).expect_err(field);
            assert!(e.to_string().starts_with(field), "{field}: {e}");
        }
        // An attribute the driver does not know: refused by the reader, with its name.
        let e = map(
            &sell.replacen("Department=\"1\"", "Department=\"1\" Colour=\"red\"", 1),
            false,
        )
        .expect_err("unknown");
        assert!(e.to_string().contains("Colour"), "{e}");
    }

    #[test]
    fn empty_elements_are_no_data_and_good_code_data_is_the_product_code() {
        // The shape of 1C's FFD 1.2 demo package: empty nested elements, GoodCodeData, a
        // barcode as Type + ValueBase64 (before: an unknown attribute, a refused GoodCodeData,
        // an agent object with empty parts).
        let xml = r#"<CheckPackage><Parameters CashierName="К" OperationType="1" TaxationSystem="0">
            <AgentData/><VendorData/><CustomerDetail/><UserAttribute/><OperationalAttribute/><IndustryAttribute/>
          </Parameters><Positions>
            <FiscalString Name="Т" Quantity="1" PriceWithDiscount="10" AmountWithDiscount="10" VATRate="none"
              PaymentMethod="4" CalculationSubject="33" MeasureOfQuantity="0">
              <GoodCodeData GS1.M="MDEwNDYwMzAyMDUwODExMDIxNU1kTDlwSDJjUTR4Wg=="/><AgentData/><VendorData/><IndustryAttribute/>
            </FiscalString>
            <FiscalString Name="У" Quantity="1" PriceWithDiscount="5" AmountWithDiscount="5" VATRate="none"
              PaymentMethod="4" CalculationSubject="4" MeasureOfQuantity="0"><GoodCodeData/></FiscalString>
            <Barcode Type="EAN13" ValueBase64="NDYwMTIzNDU2Nzg5Mw=="/>
          </Positions><Payments Cash="15"/></CheckPackage>"#;
        let m = map(xml, false).expect("maps");
        let r = &m.receipt;
        for absent in [
            "client",
            "additional_user_prop",
            "operating_check_props",
            "sectoral_check_props",
        ] {
            assert!(r.get(absent).is_none(), "{absent}: {r}");
        }
        let i = &r["items"][0];
        assert!(i.get("agent").is_none(), "{i}");
        assert!(i.get("sectoral_props").is_none(), "{i}");
        assert_eq!(
            i["mark"],
            json!({"kind": 1305, "value": "0104603020508110215MdL9pH2cQ4xZ"})
        );
        assert!(r["items"][1].get("mark").is_none());
        fiskal_json::validate(&r.to_string()).expect("valid receipt");
        assert!(r["items"][1].get("product_code").is_none());
        // The product code of goods that are not marked (1C's FFD 1.2 sample: EAN13 on an
        // ordinary good) is the item's product_code, not a mark (before: refused).
        let ean = xml.replacen(
            "<GoodCodeData/>",
            r#"<GoodCodeData EAN13="NDYwMTIzNDU2Nzg5Mw=="/>"#,
            1,
        );
        let m = map(&ean, false).expect("maps");
        let i = &m.receipt["items"][1];
        assert_eq!(
            i["product_code"],
            json!({"kind": 1302, "value": "4601234567893"})
        );
        assert!(i.get("mark").is_none(), "{i}");
        fiskal_json::validate(&m.receipt.to_string()).expect("valid receipt");
        // A marking code (GS1.M) on goods that are not marked is refused by name, not dropped.
        let e = map(
            &xml.replacen(r#"CalculationSubject="33""#, r#"CalculationSubject="1""#, 1),
            false,
        )
        .expect_err("not marked");
        assert!(
            e.to_string()
                .starts_with("Positions.FiscalString[1].GoodCodeData.GS1.M"),
            "{e}"
        );
        assert!(e.to_string().contains("31"), "{e}");
        // GoodCodeData beside a MarkingCode, or in FFD 1.05, is refused by name.
        let sell = vector("check_sell.xml");
        let from = "\"/>\n    <FiscalString Name=\"Яблоки\"";
        assert!(sell.contains(from));
        let e = map(
            &sell.replacen(
                from,
                "\"><GoodCodeData EAN13=\"NDYwMTIzNDU2Nzg5Mw==\"/></FiscalString>\n    <FiscalString Name=\"Яблоки\"",
                1,
            ),
            false,
        )
        .expect_err("both");
        assert!(
            e.to_string()
                .starts_with("Positions.FiscalString[1].GoodCodeData.EAN13"),
            "{e}"
        );
        let p: CheckPackage = parse("CheckPackage", xml).expect("parses");
        let mut c = company();
        c.ffd = "1.05".into();
        let e = map_check(&p, &c, false).expect_err("1.05");
        assert!(
            e.to_string()
                .starts_with("Positions.FiscalString[1].GoodCodeData.GS1.M"),
            "{e}"
        );
    }

    #[test]
    fn a_correction_description_is_accepted_and_not_sent() {
        let xml = vector("check_correction.xml")
            .replace(r#"Number=""/>"#, r#"Number="" Description="Чек ККМ"/>"#);
        let m = map(&xml, true).expect("maps");
        assert_eq!(
            m.receipt["correction"],
            json!({"type": "self", "date": "2026-01-10"})
        );
    }

    #[test]
    fn the_registers_taxation_systems_are_checked() {
        let p: CheckPackage = parse("CheckPackage", &vector("check_sell.xml")).expect("parses");
        let mut c = company();
        c.taxation_systems = vec![1, 2];
        let e = map_check(&p, &c, false).expect_err("ОСН is not the register's");
        assert!(
            e.to_string().starts_with("Parameters.TaxationSystem"),
            "{e}"
        );
        c.taxation_systems = vec![0];
        map_check(&p, &c, false).expect("ОСН is");
    }

    #[test]
    fn a_receipt_path_names_its_checkpackage_field() {
        let p: CheckPackage = parse("CheckPackage", &vector("check_sell.xml")).expect("parses");
        for (path, field) in [
            ("items[0].vat", "Positions.FiscalString[1].VATRate"),
            ("items[0].mark", "Positions.FiscalString[1].MarkingCode"),
            ("items[1].mark", "Positions.FiscalString[2].GoodCodeData"),
            (
                "items[1].product_code.kind",
                "Positions.FiscalString[2].GoodCodeData",
            ),
            (
                "items[1].measure",
                "Positions.FiscalString[2].MeasureOfQuantity",
            ),
            (
                "items[2].agent.type",
                "Positions.FiscalString[3].CalculationAgent",
            ),
            ("items[2]", "Positions.FiscalString[3]"),
            ("company.payment_address", "Parameters.SaleAddress"),
            ("client.contact", "Parameters.CustomerEmail"),
            ("payments.credit", "Payments.PostPayment"),
            ("operation", "Parameters.OperationType"),
            ("tax_system", "Parameters.TaxationSystem"),
        ] {
            assert_eq!(package_field(path, &p).as_deref(), Some(field), "{path}");
        }
        assert_eq!(package_field("other_tags[0]", &p), None);
        // An address the package left empty came from the connection parameters.
        let p: CheckPackage =
            parse("CheckPackage", &vector("check_correction.xml")).expect("parses");
        assert_eq!(
            package_field("company.payment_address", &p).as_deref(),
            Some("параметр подключения PaymentAddress")
        );
        assert_eq!(
            package_field("operation", &p).as_deref(),
            Some("Parameters.CorrectionData")
        );
    }

    #[test]
    fn agents_vendors_customer_and_industry_data_are_mapped() {
        let xml = r#"<CheckPackage>
  <Parameters CashierName="К" OperationType="1" TaxationSystem="0" AgentType="5" CustomerEmail="a@b.ru">
    <CustomerDetail Info="ООО Ромашка" INN="7707083893"/>
    <AgentData AgentPhone="+79990000001,+79990000002" AgentOperation="Комиссия"/>
    <VendorData VendorName="ИП Петров" VendorINN="500100732259" VendorPhone="+79990000003"/>
    <UserAttribute Name="Заказ" Value="1842"/>
    <OperationalAttribute OperationID="0" OperationData="op" DateTime="2026-01-10T10:00:00"/>
    <IndustryAttribute IdentifierFOIV="030" DocumentDate="26.03.2022" DocumentNumber="477" AttributeValue="mode=1"/>
  </Parameters>
  <Positions>
    <FiscalString Name="Т" Quantity="1" PriceWithDiscount="10" AmountWithDiscount="10" VATRate="7/107"
      PaymentMethod="4" CalculationSubject="1" MeasureOfQuantity="0" CountryOfOrigin="643"
      CustomsDeclaration="10702070/010120/0000001" ExciseAmount="1.50" AdditionalAttribute="u">
      <FractionalQuantity Numerator="1" Denominator="2"/>
      <IndustryAttribute IdentifierFOIV="030" DocumentDate="26.03.2022" DocumentNumber="477" AttributeValue="x"/>
    </FiscalString>
  </Positions>
  <Payments ElectronicPayment="10"/>
</CheckPackage>"#;
        let m = map(xml, false).expect("maps");
        let r = &m.receipt;
        assert_eq!(r["client"]["name"], "ООО Ромашка");
        assert_eq!(r["client"]["inn"], "7707083893");
        assert_eq!(
            r["additional_user_prop"],
            json!({"name": "Заказ", "value": "1842"})
        );
        assert_eq!(r["operating_check_props"]["id"], 0);
        assert_eq!(r["sectoral_check_props"][0]["fois_id"], "030");
        let i = &r["items"][0];
        assert_eq!(i["vat"], "vat107");
        assert_eq!(i["agent"]["type"], 32, "AgentType 5 = комиссионер, bit 32");
        assert_eq!(
            i["agent"]["agent_info"]["phones"],
            json!(["+79990000001", "+79990000002"])
        );
        assert_eq!(i["agent"]["supplier"]["inn"], "500100732259");
        assert_eq!(i["fraction"], json!({"numerator": 1, "denominator": 2}));
        assert_eq!(i["excise"], "1.50");
        assert_eq!(i["country_code"], "643");
        assert_eq!(i["user_data"], "u");
        assert_eq!(i["sectoral_props"][0]["value"], "x");
    }
}
