//! No silent drop, Ferma: every field of a MAXIMAL receipt (every optional field of the model
//! set, values that pass `fiskal_ffd::validate`) is named by the table below, as
//!
//! * `W(wire_path, check)` — the value is in the `POST /kkt/cloud/receipt` body at that place;
//! * `R(error_path)` — the adapter refuses a receipt carrying that unit, before sending, with
//!   `ProviderError::Unsupported` naming `error_path`;
//! * `I(reason)` — the value reaches the register without a field of its own (the reason).
//!
//! A field added to the model later is an unnamed leaf and fails this test until the Ferma
//! adapter decides. The test strips every refused unit, checks the accepted receipt's body,
//! then puts each refused unit back alone and checks the refusal names it.

use fiskal_ffd::datetime::LocalDateTime;
use fiskal_ffd::FfdVersion;
use fiskal_providers::ferma::{request, FermaConfig};
use fiskal_providers::ProviderError;
use serde_json::{json, Value};

const SCAN: &str = "0104601234567893215Abc000000001\u{1d}91EE05\u{1d}92Y4O/9CcUX4YrsehY0jUvHmlWpY5gQ2P8HzJ15ZtlzLU=";

fn plain_items(v12: bool) -> Vec<Value> {
    [
        ("vat10", "110.00"),
        ("vat0", "50.00"),
        ("none", "30.00"),
        ("vat120", "120.00"),
        ("vat110", "110.00"),
    ]
    .iter()
    .map(|(vat, sum)| {
        let mut it = json!({"name": format!("Товар {vat}"), "price": sum, "quantity": "1",
            "sum": sum, "vat": vat, "payment_method": "full_payment", "payment_subject": "service"});
        if v12 {
            it["measure"] = json!("piece");
        }
        it
    })
    .collect()
}

fn register(v12: bool) -> Value {
    let mut r = json!({
        "kkt_reg_number": "0000000001012345", "automat_number": "A-17",
        "fn_number": "9999078900001234", "fd_number": 1234, "receipt_number": 5,
        "shift_number": 12, "date_time": "2026-03-02T10:15:00", "fiscal_sign": "0123456789AB",
        "fns_site": "www.nalog.gov.ru", "internet_only": true
    });
    if v12 {
        r["marks_check_result"] = json!(0);
    }
    r
}

fn header(ffd: &str) -> Value {
    json!({
        "version": 1, "ffd": ffd, "operation": "sell", "tax_system": "usn_income",
        "company": {"inn": "7727401209", "name": "ООО Ромашка", "payment_place": "shop.example.ru",
            "payment_address": "г. Москва, ул. Примерная, д. 1", "email": "receipts@shop.example.ru"},
        "cashier": {"name": "Петрова А.А.", "inn": "770100000079"},
        "additional_check_props": "ORD-1001",
        "additional_user_prop": {"name": "Заказ", "value": "1001"},
        "other_tags": [{"tag": 9999, "hex": "0102"}]
    })
}

fn max_12() -> Value {
    let mut r = header("1.2");
    r["client"] = json!({
        "contact": "+79991234567", "name": "Иванов И.И.", "inn": "502712345651",
        "birth_date": "01.02.1990", "citizenship": "643", "document_code": "21",
        "document_data": "4510 123456", "address": "г. Москва, ул. Покупателей, д. 3"
    });
    let t = fiskal_marks::MarkCode::parse(SCAN)
        .expect("scan")
        .tag_1163();
    let mut items = vec![json!({
        "name": "Лекарство, 1/2 упаковки", "price": "60.00", "quantity": "1", "sum": "60.00",
        "measure": "piece", "vat": "vat20", "vat_sum": "10.00", "unit_vat": "10.00",
        "payment_method": "full_payment", "payment_subject": "marked",
        "mark": {"kind": t.tag(), "value": t.value(), "processing_mode": 0, "check_result": 15,
                 "planned_status": 2, "code": SCAN},
        "fraction": {"numerator": 1, "denominator": 2, "text": "1/2"},
        "agent": agent(),
        "excise": "1.00", "country_code": "643", "declaration_number": "10702070/010125/0000001",
        "sectoral_props": [sectoral("1"), sectoral("2")],
        "user_data": "SKU-1",
        "other_tags": [{"tag": 9998, "hex": "AA"}]
    })];
    items.extend(plain_items(true));
    // An ordinary good with its EAN-13 barcode: the product code (1163) of goods that are not
    // marked.
    items[1]["payment_subject"] = json!("commodity");
    items[1]["product_code"] = json!({"kind": 1302, "value": "4601234567893"});
    r["items"] = Value::Array(items);
    r["payments"] = json!({"cash": "100.00", "electronic": "180.00", "prepaid": "100.00",
                           "credit": "50.00", "consideration": "50.00"});
    r["total"] = json!("480.00");
    r["vat_totals"] = json!({"vat20": "10.00", "vat10": "10.00", "vat0_sum": "50.00",
                             "no_vat_sum": "30.00", "vat120": "20.00", "vat110": "10.00"});
    r["operating_check_props"] =
        json!({"id": 0, "data": "payment-id-1", "time": "2026-02-01T09:00:00"});
    r["sectoral_check_props"] = json!([sectoral("77"), sectoral("78")]);
    r["register"] = register(true);
    r
}

fn max_12_correction() -> Value {
    let mut r = max_12();
    r["correction"] =
        json!({"type": "instruction", "date": "2026-03-01T00:00:00", "number": "ПР-12/2026"});
    r
}

fn max_105() -> Value {
    let mut r = header("1.05");
    r["client"] =
        json!({"contact": "buyer@example.ru", "name": "Иванов И.И.", "inn": "502712345651"});
    let hex_1162 = hex::encode_upper(
        fiskal_marks::MarkCode::parse(SCAN)
            .expect("scan")
            .tag_1162()
            .expect("1162")
            .as_bytes(),
    );
    let mut items = vec![json!({
        "name": "Туфли", "price": "120.00", "quantity": "1", "sum": "120.00", "unit": "шт",
        "vat": "vat20", "vat_sum": "20.00", "unit_vat": "20.00",
        "payment_method": "full_payment", "payment_subject": "commodity",
        "mark": {"code_1162": hex_1162, "code": SCAN},
        "agent": agent(),
        "excise": "1.00", "country_code": "643", "declaration_number": "10702070/010125/0000001",
        "user_data": "SKU-1",
        "other_tags": [{"tag": 9998, "hex": "AA"}]
    })];
    items.extend(plain_items(false));
    r["items"] = Value::Array(items);
    r["payments"] = json!({"cash": "100.00", "electronic": "200.00", "prepaid": "140.00",
                           "credit": "50.00", "consideration": "50.00"});
    r["total"] = json!("540.00");
    r["vat_totals"] = json!({"vat20": "20.00", "vat10": "10.00", "vat0_sum": "50.00",
                             "no_vat_sum": "30.00", "vat120": "20.00", "vat110": "10.00"});
    r["register"] = register(false);
    r
}

// ---- paths ----------------------------------------------------------------------------------

// `Seg`, `segs`, `show`, `leaves`, `matches`, `subst`, `get`, `insert`, `Check` and `parse` are
// shared by the no-silent-drops tests; this walk keeps its own removal, text and check.
#[path = "support/field_walk.rs"]
mod field_walk;
use field_walk::{agent, get, insert, matches, parse, sectoral, segs, show, subst, Check, Seg};

/// Every leaf path of a JSON value, as segments.
fn leaves(v: &Value) -> Vec<Vec<Seg>> {
    field_walk::leaves(v).iter().map(|l| segs(l)).collect()
}

fn get_mut<'a>(v: &'a mut Value, p: &[Seg]) -> Option<&'a mut Value> {
    p.iter().try_fold(v, |v, s| match s {
        Seg::Key(k) => v.get_mut(k.as_str()),
        Seg::Idx(i) => v.get_mut(*i),
        Seg::Any => None,
    })
}

/// Removes the unit at `p` (an array element is removed, later ones shift).
fn remove(v: &mut Value, p: &[Seg]) -> Option<Value> {
    let (last, parent) = p.split_last()?;
    match (last, get_mut(v, parent)?) {
        (Seg::Key(k), Value::Object(m)) => m.remove(k),
        (Seg::Idx(i), Value::Array(a)) if *i < a.len() => Some(a.remove(*i)),
        _ => None,
    }
}

// ---- checks ---------------------------------------------------------------------------------

/// Scalar text; numbers as exact decimals (`250` = `"250.00"`).
fn text(v: &Value) -> String {
    let t = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if t.contains('.') && t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        t.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        t
    }
}

fn same(w: &Value, m: &Value) -> bool {
    text(w) == text(m)
}

fn named(w: &Value, m: &Value, table: &[(&str, &str)]) -> bool {
    table
        .iter()
        .any(|(model, wire)| m.as_str() == Some(model) && w.as_str() == Some(wire))
}

fn vat(w: &Value, m: &Value) -> bool {
    named(
        w,
        m,
        &[
            ("vat20", "Vat20"),
            ("vat10", "Vat10"),
            ("vat120", "CalculatedVat20120"),
            ("vat110", "CalculatedVat10110"),
            ("vat0", "Vat0"),
            ("none", "VatNo"),
        ],
    )
}

fn tax(w: &Value, m: &Value) -> bool {
    named(w, m, &[("usn_income", "SimpleIn")])
}

fn measure(w: &Value, m: &Value) -> bool {
    named(w, m, &[("piece", "PIECE")])
}

fn agent_type(w: &Value, m: &Value) -> bool {
    named(w, m, &[("commission_agent", "COMMISSIONER")])
}

fn correction_type(w: &Value, m: &Value) -> bool {
    named(w, m, &[("instruction", "INSTRUCTION"), ("self", "SELF")])
}

fn operation(w: &Value, m: &Value) -> bool {
    m.as_str() == Some("sell") && matches!(w.as_str(), Some("Income" | "IncomeCorrection"))
}

fn planned(w: &Value, m: &Value) -> bool {
    m.as_u64() == Some(2) && w.as_str() == Some("MEASURED_PRODUCT_INCOME")
}

fn pm(w: &Value, m: &Value) -> bool {
    m.as_str()
        .and_then(fiskal_ffd::PaymentMethod::from_name)
        .map(|p| u64::from(p.0))
        == w.as_u64()
}

fn ps(w: &Value, m: &Value) -> bool {
    m.as_str()
        .and_then(fiskal_ffd::PaymentSubject::from_name)
        .map(|p| u64::from(p.0))
        == w.as_u64()
}

fn date_dmy(w: &Value, m: &Value) -> bool {
    let t: LocalDateTime = m.as_str().and_then(|s| s.parse().ok()).expect("date");
    let (y, mo, d, ..) = t.fields();
    w.as_str() == Some(format!("{d:02}.{mo:02}.{y:04}").as_str())
}

fn unix_time(w: &Value, m: &Value) -> bool {
    let t: LocalDateTime = m.as_str().and_then(|s| s.parse().ok()).expect("time");
    w.as_u64() == Some(u64::from(t.unix()))
}

#[derive(Clone, Copy)]
enum Rule {
    W(&'static str, Check),
    R(&'static str),
    I(&'static str),
}
use Rule::{I, R, W};

const COMPUTED: &str = "the register computes it from the items; validation refuses a given \
                        value that differs";

/// What the Ferma adapter does with each unit of the receipt (most specific patterns first).
fn table(v12: bool) -> Vec<(&'static str, Rule)> {
    let mut t = vec![
        ("version", I("the format version of fiskal receipt JSON")),
        ("ffd", I("FermaConfig::ffd, the account register's version; another one is refused")),
        ("operation", W("Request.Type", operation)),
        ("tax_system", W("Request.CustomerReceipt.TaxationSystem", tax)),
        ("company.inn", W("Request.Inn", same)),
        ("company.name", I("the register prints the name of its registration")),
        ("company.payment_place", W("Request.CustomerReceipt.BillAddress", same)),
        ("company.payment_address", R("company.payment_address")),
        ("company.email", R("company.email")),
        ("cashier.name", W("Request.Cashier.Name", same)),
        ("cashier.inn", W("Request.Cashier.Inn", same)),
        ("client.contact", W("Request.CustomerReceipt.Phone", same)),
        ("additional_check_props", W("Request.CustomerReceipt.AdditionalReceiptProp", same)),
        ("additional_user_prop.name", W("Request.CustomerReceipt.CustomUserProperty.Name", same)),
        ("additional_user_prop.value", W("Request.CustomerReceipt.CustomUserProperty.Value", same)),
        ("other_tags", R("other_tags[0]")),
        ("items[*].other_tags", R("items[*].other_tags[0]")),
        ("items[*].name", W("Request.CustomerReceipt.Items[*].Label", same)),
        ("items[*].price", W("Request.CustomerReceipt.Items[*].Price", same)),
        ("items[*].quantity", W("Request.CustomerReceipt.Items[*].Quantity", same)),
        ("items[*].sum", W("Request.CustomerReceipt.Items[*].Amount", same)),
        ("items[*].vat_sum", I("the register computes 1200 from the sum; the adapter refuses a different one")),
        ("items[*].unit_vat", R("items[*].unit_vat")),
        ("items[*].unit", R("items[*].unit")),
        ("items[*].vat", W("Request.CustomerReceipt.Items[*].Vat", vat)),
        ("items[*].payment_method", W("Request.CustomerReceipt.Items[*].PaymentMethod", pm)),
        ("items[*].payment_subject", W("Request.CustomerReceipt.Items[*].PaymentType", ps)),
        ("items[*].measure", W("Request.CustomerReceipt.Items[*].Measure", measure)),
        ("items[*].excise", W("Request.CustomerReceipt.Items[*].Excise", same)),
        ("items[*].country_code", W("Request.CustomerReceipt.Items[*].OriginCountryCode", same)),
        ("items[*].declaration_number", W("Request.CustomerReceipt.Items[*].CustomsDeclarationNumber", same)),
        ("items[*].user_data", W("Request.CustomerReceipt.Items[*].AdditionalRequisite", same)),
        ("items[*].agent.type", W("Request.CustomerReceipt.Items[*].PaymentAgentInfo.AgentType", agent_type)),
        ("items[*].agent.agent_info.operation", W("Request.CustomerReceipt.Items[*].PaymentAgentInfo.PaymentAgentOperation", same)),
        ("items[*].agent.agent_info.phones[0]", W("Request.CustomerReceipt.Items[*].PaymentAgentInfo.PaymentAgentPhone", same)),
        ("items[*].agent.agent_info.payment_operator_phones[0]", W("Request.CustomerReceipt.Items[*].PaymentAgentInfo.ReceiverPhone", same)),
        ("items[*].agent.agent_info.transfer_operator_phones[0]", W("Request.CustomerReceipt.Items[*].PaymentAgentInfo.TransferAgentPhone", same)),
        ("items[*].agent.agent_info.transfer_operator_name", W("Request.CustomerReceipt.Items[*].PaymentAgentInfo.TransferAgentName", same)),
        ("items[*].agent.agent_info.transfer_operator_address", W("Request.CustomerReceipt.Items[*].PaymentAgentInfo.TransferAgentAddress", same)),
        ("items[*].agent.agent_info.transfer_operator_inn", W("Request.CustomerReceipt.Items[*].PaymentAgentInfo.TransferAgentINN", same)),
        ("items[*].agent.supplier.name", W("Request.CustomerReceipt.Items[*].PaymentAgentInfo.SupplierName", same)),
        ("items[*].agent.supplier.phones[0]", W("Request.CustomerReceipt.Items[*].PaymentAgentInfo.SupplierPhone", same)),
        ("items[*].agent.supplier.inn", W("Request.CustomerReceipt.Items[*].PaymentAgentInfo.SupplierInn", same)),
        ("payments.cash", W("Request.CustomerReceipt.PaymentItems[0].Sum", same)),
        ("payments.electronic", W("Request.CustomerReceipt.PaymentItems[1].Sum", same)),
        ("payments.prepaid", W("Request.CustomerReceipt.PaymentItems[2].Sum", same)),
        ("payments.credit", W("Request.CustomerReceipt.PaymentItems[3].Sum", same)),
        ("payments.consideration", W("Request.CustomerReceipt.PaymentItems[4].Sum", same)),
        ("total", I("Ferma sums the items; the adapter refuses a total that is not the sum of the payments sent")),
        ("vat_totals", I(COMPUTED)),
        ("register.automat_number", W("Request.CustomerReceipt.AutomatNumber", same)),
        ("register.kkt_reg_number", R("register.kkt_reg_number")),
        ("register.fn_number", R("register.fn_number")),
        ("register.fd_number", R("register.fd_number")),
        ("register.receipt_number", R("register.receipt_number")),
        ("register.shift_number", R("register.shift_number")),
        ("register.date_time", R("register.date_time")),
        ("register.fiscal_sign", R("register.fiscal_sign")),
        ("register.fns_site", R("register.fns_site")),
        ("register.internet_only", R("register.internet_only")),
        ("register.marks_check_result", R("register.marks_check_result")),
        ("correction.type", W("Request.CustomerReceipt.CorrectionInfo.Type", correction_type)),
        ("correction.date", W("Request.CustomerReceipt.CorrectionInfo.ReceiptDate", date_dmy)),
        ("correction.number", W("Request.CustomerReceipt.CorrectionInfo.ReceiptId", same)),
    ];
    if v12 {
        t.extend([
            ("client.name", W("Request.CustomerReceipt.ClientInfo.Name", same as Check)),
            ("client.inn", W("Request.CustomerReceipt.ClientInfo.Inn", same)),
            ("client.birth_date", W("Request.CustomerReceipt.ClientInfo.Birthday", same)),
            ("client.citizenship", W("Request.CustomerReceipt.ClientInfo.Citizenship", same)),
            ("client.document_code", W("Request.CustomerReceipt.ClientInfo.IdDocType", same)),
            ("client.document_data", W("Request.CustomerReceipt.ClientInfo.IdDocData", same)),
            ("client.address", W("Request.CustomerReceipt.ClientInfo.Address", same)),
            ("items[*].mark.code", W("Request.CustomerReceipt.Items[*].MarkingCodeData.Code", same)),
            ("items[*].mark.planned_status", W("Request.CustomerReceipt.Items[*].MarkingCodeData.PlannedStatus", planned)),
            ("items[*].mark.kind", I("derived from the scan, which is sent; a different one is refused")),
            ("items[*].mark.value", I("derived from the scan, which is sent; a different one is refused")),
            ("items[*].mark.processing_mode", I("2102 is 0, the only value; another one is refused")),
            ("items[*].mark.check_result", R("items[*].mark.check_result")),
            ("items[*].product_code", R("items[*].product_code")),
            ("items[*].fraction.numerator", W("Request.CustomerReceipt.Items[*].MarkingCodeData.Fractional.Numerator", same)),
            ("items[*].fraction.denominator", W("Request.CustomerReceipt.Items[*].MarkingCodeData.Fractional.Denominator", same)),
            ("items[*].fraction.text", I("1292 is sent as its numerator and denominator; a text that reads otherwise is refused")),
            ("items[*].sectoral_props[1]", R("items[*].sectoral_props[1]")),
            ("items[*].sectoral_props[0].fois_id", W("Request.CustomerReceipt.Items[*].IndustryItemRequisite.FoivId", same)),
            ("items[*].sectoral_props[0].date", W("Request.CustomerReceipt.Items[*].IndustryItemRequisite.DocDate", same)),
            ("items[*].sectoral_props[0].number", W("Request.CustomerReceipt.Items[*].IndustryItemRequisite.DocNumber", same)),
            ("items[*].sectoral_props[0].value", W("Request.CustomerReceipt.Items[*].IndustryItemRequisite.Value", same)),
            ("sectoral_check_props[1]", R("sectoral_check_props[1]")),
            ("sectoral_check_props[0].fois_id", W("Request.CustomerReceipt.IndustryItemRequisite.FoivId", same)),
            ("sectoral_check_props[0].date", W("Request.CustomerReceipt.IndustryItemRequisite.DocDate", same)),
            ("sectoral_check_props[0].number", W("Request.CustomerReceipt.IndustryItemRequisite.DocNumber", same)),
            ("sectoral_check_props[0].value", W("Request.CustomerReceipt.IndustryItemRequisite.Value", same)),
            ("operating_check_props.id", W("Request.CustomerReceipt.OperationRequisite.Id", same)),
            ("operating_check_props.data", W("Request.CustomerReceipt.OperationRequisite.Details", same)),
            ("operating_check_props.time", W("Request.CustomerReceipt.OperationRequisite.DateTime", unix_time)),
        ]);
    } else {
        t.extend([
            ("client.name", R("client.name")),
            ("client.inn", R("client.inn")),
            ("items[*].mark", R("items[*].mark")),
        ]);
        // The 1.05 buyer's contact here is an e-mail.
        for row in t.iter_mut() {
            if row.0 == "client.contact" {
                row.1 = W("Request.CustomerReceipt.Email", same);
            }
        }
    }
    t
}

fn rule_of(
    table: &[(&'static str, Rule)],
    leaf: &[Seg],
) -> Option<(&'static str, Rule, Vec<usize>)> {
    // The longest matching pattern wins.
    table
        .iter()
        .filter_map(|(p, r)| matches(&segs(p), leaf, false).map(|c| (*p, *r, c)))
        .max_by_key(|(p, ..)| segs(p).len())
}

fn cfg(ffd: FfdVersion) -> FermaConfig {
    FermaConfig::new("https://ferma.ofd.ru/api", "login", "password", ffd)
}

fn body(ffd: FfdVersion, r: &Value) -> Result<Value, ProviderError> {
    let bytes = request::build(&cfg(ffd), "inv-1", &parse(r), None)?;
    Ok(serde_json::from_slice(&bytes).expect("json body"))
}

fn check(name: &str, max: Value, ffd: FfdVersion) {
    let v12 = ffd == FfdVersion::V12;
    let t = table(v12);
    fiskal_ffd::validate(&parse(&max)).unwrap_or_else(|e| panic!("{name} invalid: {e:?}"));
    let mut unnamed = Vec::new();
    let mut refused: Vec<Vec<Seg>> = Vec::new();
    let mut wired = Vec::new();
    for leaf in leaves(&max) {
        match rule_of(&t, &leaf) {
            None => unnamed.push(show(&leaf)),
            Some((p, R(_), caps)) => {
                let unit = subst(p, &caps);
                if !refused.contains(&unit) {
                    refused.push(unit);
                }
            }
            Some((p, W(w, c), caps)) => wired.push((leaf.clone(), p, w, c, caps)),
            Some((p, I(reason), _)) => assert!(!reason.is_empty(), "{p}: a reason"),
        }
    }
    assert!(
        unnamed.is_empty(),
        "{name}: fields the Ferma table does not name: {unnamed:#?}"
    );
    // The accepted receipt: every refused unit removed (deepest and last first).
    let mut accepted = max.clone();
    let mut order = refused.clone();
    order.sort_by_key(|u| std::cmp::Reverse(show(u)));
    for u in &order {
        remove(&mut accepted, u);
    }
    let wire =
        body(ffd, &accepted).unwrap_or_else(|e| panic!("{name}: accepted receipt refused: {e}"));
    for (leaf, p, w, c, caps) in wired {
        if refused.iter().any(|u| matches(u, &leaf, false).is_some()) {
            continue;
        }
        let model = get(&max, &leaf).expect("leaf");
        let at = subst(w, &caps);
        let got = get(&wire, &at).unwrap_or_else(|| {
            panic!(
                "{name}: {} ({p}) is not at {} in {wire:#}",
                show(&leaf),
                show(&at)
            )
        });
        assert!(
            c(got, model),
            "{name}: {} = {model} but {} = {got}",
            show(&leaf),
            show(&at)
        );
    }
    // Each refused unit alone: refused, naming it.
    for (p, r) in &t {
        let R(path) = r else { continue };
        for unit in refused
            .iter()
            .filter(|u| matches(&segs(p), u, false).is_some())
        {
            let caps = matches(&segs(p), unit, false).expect("matched");
            let value = get(&max, unit).expect("unit").clone();
            let mut one = accepted.clone();
            insert(&mut one, unit, value);
            let want = show(&subst(path, &caps));
            match body(ffd, &one) {
                Err(ProviderError::Unsupported { provider, path, .. }) => {
                    assert_eq!(provider, "ferma");
                    assert_eq!(path, want, "{name}: refusal of {}", show(unit));
                }
                other => panic!("{name}: {} alone gave {other:?}", show(unit)),
            }
        }
    }
}

#[test]
fn ffd_1_2_receipt_every_field_sent_or_refused() {
    check("1.2", max_12(), FfdVersion::V12);
}

#[test]
fn ffd_1_2_correction_every_field_sent_or_refused() {
    check("1.2 correction", max_12_correction(), FfdVersion::V12);
}

#[test]
fn ffd_1_05_receipt_every_field_sent_or_refused() {
    check("1.05", max_105(), FfdVersion::V105);
}

/// A carried value: a VAT amount that differs from what the register computes is refused,
/// never dropped.
#[test]
fn a_vat_amount_ferma_would_compute_otherwise_is_refused() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ferma/receipt_sell_1_2.json"
    ))
    .expect("fixture");
    let mut r: Value = serde_json::from_str(&text).expect("json");
    r["items"][0]["vat_sum"] = json!("831.67"); // 4990.00 × 20/120, rounded half-up
    assert!(request::build(&cfg(FfdVersion::V12), "i", &parse(&r), None).is_ok());
    r["items"][0]["vat_sum"] = json!("800.00");
    let e = request::build(&cfg(FfdVersion::V12), "i", &parse(&r), None).unwrap_err();
    assert!(
        matches!(e, ProviderError::Unsupported { ref path, .. } if path == "items[0].vat_sum"),
        "{e:?}"
    );
}
