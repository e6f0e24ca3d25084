//! No silent drop, МодульКасса (issue 13): every field of the receipt model is put in the
//! Document of `POST /v2/doc` or refused with `ProviderError::Unsupported` naming it — proven
//! on maximal receipts (ФФД 1.05 and 1.2 sells, a ФФД 1.2 correction), walked leaf by leaf as
//! in `tests/no_silent_drops/main.rs` (same method, same table notation):
//!
//! * `W(wire_path, check)` — the value is in the request at that place (`check` compares the
//!   wire value with the receipt value);
//! * `R(error_path)` — the adapter refuses a receipt carrying that unit, naming `error_path`;
//! * `I(reason)` — the value reaches the register without a field of its own, for that reason.
//!
//! Wire root: the Document. Then the accepted part of each maximal receipt is fiscalised by the
//! МодульКасса emulator, exactly once. The answers' side (FiscalInfo → FiscalAttributes) is
//! walked at the end.

use fiskal_ffd::{AgentType, PaymentMethod, PaymentSubject, TaxSystem, VatRate};
use fiskal_providers::modulkassa::{ModulKassaClient, ModulKassaConfig};
use fiskal_providers::{ProviderError, Secret};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Maximal receipts.

/// A raw Честный ЗНАК scan (GS as U+001D) with its crypto tail.
const SCAN: &str = "0104601234567893215Abc000000001\u{1d}91EE05\u{1d}92Y4O/9CcUX4YrsehY0jUvHmlWpY5gQ2P8HzJ15ZtlzLU=";
const INN: &str = "7727401209";

fn scan() -> fiskal_marks::MarkCode {
    fiskal_marks::MarkCode::parse(SCAN).expect("scan")
}

fn max_receipt(ffd: &str) -> Value {
    let mark = if ffd == "1.2" {
        let t = scan().tag_1163();
        json!({"kind": t.tag(), "value": t.value(), "processing_mode": 0, "check_result": 15,
               "planned_status": 2, "code": SCAN})
    } else {
        let h = hex::encode_upper(scan().tag_1162().expect("1162").as_bytes());
        json!({"code": SCAN, "code_1162": h})
    };
    let mut items = vec![json!({
        "name": "Лекарство, 1/2 упаковки", "price": "60.00", "quantity": "1", "sum": "60.00",
        "measure": "piece", "vat": "vat20", "vat_sum": "10.00", "unit_vat": "10.00",
        "payment_method": "full_payment", "payment_subject": "commodity",
        "mark": mark,
        "fraction": {"numerator": 1, "denominator": 2, "text": "1/2"},
        "agent": agent(),
        "excise": "1.00", "country_code": "643", "declaration_number": "10702070/010125/0000001",
        "sectoral_props": [sectoral("1"), sectoral("2")],
        "user_data": "SKU-1",
        "other_tags": [{"tag": 9998, "hex": "AA"}]
    })];
    for (vat, sum) in [
        ("vat10", "110.00"),
        ("vat0", "50.00"),
        ("none", "30.00"),
        ("vat120", "120.00"),
        ("vat110", "110.00"),
    ] {
        let mut item = json!({
            "name": format!("Товар {vat}"), "price": sum, "quantity": "1", "sum": sum,
            "vat": vat, "payment_method": "full_payment", "payment_subject": "service"
        });
        if ffd == "1.2" {
            item["measure"] = json!("piece");
        }
        items.push(item);
    }
    let mut r = json!({
        "version": 1,
        "ffd": ffd,
        "operation": "sell",
        "tax_system": "usn_income",
        "company": {
            "inn": INN, "name": "ООО Ромашка", "payment_place": "shop.example.ru",
            "payment_address": "г. Москва, ул. Примерная, д. 1",
            "email": "receipts@shop.example.ru"
        },
        "cashier": {"name": "Петрова А.А.", "inn": "770100000079"},
        "client": {
            "contact": "+79991234567", "name": "Иванов И.И.", "inn": "502712345651"
        },
        "items": items,
        "payments": {"cash": "100.00", "electronic": "180.00", "prepaid": "100.00",
                     "credit": "50.00", "consideration": "50.00"},
        "total": "480.00",
        "vat_totals": {"vat20": "10.00", "vat10": "10.00", "vat0_sum": "50.00",
                       "no_vat_sum": "30.00", "vat120": "20.00", "vat110": "10.00"},
        "additional_check_props": "ORD-1001",
        "additional_user_prop": {"name": "Заказ", "value": "1001"},
        "register": {
            "kkt_reg_number": "0000000001012345",
            "automat_number": "A-17",
            "fn_number": "9999078900001234",
            "fd_number": 1234,
            "receipt_number": 5,
            "shift_number": 12,
            "date_time": "2026-03-02T10:15:00",
            "fiscal_sign": "0123456789AB",
            "fns_site": "www.nalog.gov.ru",
            "internet_only": true,
            "marks_check_result": 0
        },
        "other_tags": [{"tag": 9999, "hex": "0102"}]
    });
    if ffd == "1.05" {
        // ФФД 1.2-only requisites.
        let it = r["items"][0].as_object_mut().expect("item");
        for k in ["measure", "fraction", "sectoral_props"] {
            it.remove(k);
        }
        r["register"]
            .as_object_mut()
            .expect("register")
            .remove("marks_check_result");
    }
    if ffd == "1.2" {
        let c = &mut r["client"];
        c["birth_date"] = json!("01.02.1990");
        c["citizenship"] = json!("643");
        c["document_code"] = json!("21");
        c["document_data"] = json!("4510 123456");
        c["address"] = json!("г. Москва, ул. Покупателей, д. 3");
        r["operating_check_props"] =
            json!({"id": 0, "data": "payment-id-1", "time": "2026-02-01T09:00:00"});
        r["sectoral_check_props"] = json!([sectoral("77"), sectoral("78")]);
        // An ordinary good with its EAN-13 barcode: the product code (1163) of goods that are not
        // marked.
        r["items"][1]["product_code"] = json!({"kind": 1302, "value": "4601234567893"});
    }
    r
}

fn max_12_correction() -> Value {
    let mut r = max_receipt("1.2");
    r["correction"] =
        json!({"type": "instruction", "date": "2026-03-01T00:00:00", "number": "ПР-12/2026"});
    r
}

// ---------------------------------------------------------------------------------------------
// Shared by the no-silent-drops tests: paths (`Seg`, `leaves`, `matches`, `get`, `remove`,
// `insert`, ...), the exact-text check (`text`, `same`), `parse`, the tables' notation (`M`:
// `W` / `R` / `I`, `Table`), `Build`, `submission` and the check itself (`check_table`).

#[path = "support/field_walk.rs"]
mod field_walk;
use field_walk::*;

// ---------------------------------------------------------------------------------------------
// Value checks (wire value, receipt value).

/// Kopecks of a number or numeric string (`902.05`, `"902.05"`).
fn kop(v: &Value) -> u64 {
    let t = text(v);
    let (i, f) = t.split_once('.').unwrap_or((&t, ""));
    let f = format!("{f:0<2}");
    i.parse::<u64>().unwrap_or(u64::MAX) * 100 + f[..2].parse::<u64>().unwrap_or(0)
}

fn doc_type(w: &Value, m: &Value) -> bool {
    let want = match m.as_str() {
        Some("sell") => "SALE",
        Some("sell_refund") => "RETURN",
        Some("buy") => "BUY",
        Some("buy_refund") => "BUY_RETURN",
        _ => return false,
    };
    w == want
}
fn tax_mode(w: &Value, m: &Value) -> bool {
    let want = match code_of(m, |x: TaxSystem| x.0) {
        Some(1) => "COMMON",
        Some(2) => "SIMPLIFIED",
        Some(4) => "SIMPLIFIED_WITH_EXPENSE",
        Some(8) => "ENVD",
        Some(16) => "COMMON_AGRICULTURAL",
        Some(32) => "PATENT",
        _ => return false,
    };
    w == want
}
/// `vatTag` (document 2.0 §3.5; 1109–1114 unconfirmed).
fn vat(w: &Value, m: &Value) -> bool {
    let want = match code_of(m, |x: VatRate| x.0) {
        Some(1) => 1102,
        Some(2) => 1103,
        Some(5) => 1104,
        Some(6) => 1105,
        Some(3) => 1106,
        Some(4) => 1107,
        Some(7) => 1109,
        Some(8) => 1110,
        Some(9) => 1111,
        Some(10) => 1112,
        Some(11) => 1113,
        Some(12) => 1114,
        _ => return false,
    };
    w.as_u64() == Some(want)
}
fn payment_method(w: &Value, m: &Value) -> bool {
    code_of(m, |x: PaymentMethod| x.0).is_some() && w.as_str() == m.as_str()
}
fn payment_object(w: &Value, m: &Value) -> bool {
    let Some(c) = code_of(m, |x: PaymentSubject| x.0) else {
        return false;
    };
    const NAMES: [&str; 18] = [
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
    NAMES
        .get(usize::from(c).wrapping_sub(1))
        .is_some_and(|n| w == *n)
}
fn agent_type(w: &Value, m: &Value) -> bool {
    let bits = code_of(m, |x: AgentType| x.0).unwrap_or(0);
    let names = [
        (1, "bank_paying_agent"),
        (2, "bank_paying_subagent"),
        (4, "paying_agent"),
        (8, "paying_subagent"),
        (16, "attorney"),
        (32, "commission_agent"),
        (64, "another"),
    ];
    let want: Vec<Value> = names
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| json!(n))
        .collect();
    w.as_array() == Some(&want)
}
/// `price` × `quantity` is the line sum (no discount in the maximal receipt), exactly.
fn line_sum(w: &Value, m: &Value) -> bool {
    let q = text(&w["quantity"]);
    let (i, f) = q.split_once('.').unwrap_or((&q, ""));
    let milli = i.parse::<u64>().unwrap_or(u64::MAX) * 1000
        + format!("{f:0<3}")[..3].parse::<u64>().unwrap_or(0);
    let line = (u128::from(kop(&w["price"])) * u128::from(milli) + 500) / 1000;
    w.get("discSum").is_none() && line == u128::from(kop(m))
}
fn ffd_choice(w: &Value, m: &Value) -> bool {
    let p = &w["inventPositions"][0];
    match m.as_str() {
        Some("1.2") => p.get("productMark").is_some() && p.get("nomenclatureCode").is_none(),
        Some("1.05") => p.get("productMark").is_none() && p.get("nomenclatureCode").is_some(),
        _ => false,
    }
}
fn mark_kind(w: &Value, m: &Value) -> bool {
    w == SCAN && m.as_u64() == Some(u64::from(scan().tag_1163().tag()))
}
fn mark_value(w: &Value, m: &Value) -> bool {
    w == SCAN && m.as_str() == Some(scan().tag_1163().value())
}
fn mark_scan_1162(w: &Value, m: &Value) -> bool {
    let hex: Vec<String> = scan()
        .tag_1162()
        .expect("1162")
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    m == SCAN && w.as_str() == Some(hex.join(" ").as_str())
}
fn code_1162(w: &Value, m: &Value) -> bool {
    let spaced: String = m
        .as_str()
        .unwrap_or_default()
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).to_uppercase())
        .collect::<Vec<_>>()
        .join(" ");
    w.as_str() == Some(spaced.as_str())
}
fn payments_sum(w: &Value, m: &Value) -> bool {
    let sum: u64 = w
        .as_array()
        .map(|a| a.iter().map(|p| kop(&p["sum"])).sum())
        .unwrap_or(0);
    sum == kop(m)
}
fn pay_of(w: &Value, ty: &str) -> Option<u64> {
    w.as_array()?
        .iter()
        .find(|p| p["paymentType"] == ty)
        .map(|p| kop(&p["sum"]))
}
/// A payment amount in `moneyPositions[]` under this `paymentType` (§3.4).
fn payment(ty: &'static str) -> Check {
    match ty {
        "CASH" => |w, m| pay_of(w, "CASH") == Some(kop(m)),
        "CARD" => |w, m| pay_of(w, "CARD") == Some(kop(m)),
        "PREPAID" => |w, m| pay_of(w, "PREPAID") == Some(kop(m)),
        "POSTPAY" => |w, m| pay_of(w, "POSTPAY") == Some(kop(m)),
        _ => |w, m| pay_of(w, "OTHER") == Some(kop(m)),
    }
}

// ---------------------------------------------------------------------------------------------
// The table.

const FORMAT: &str = "the version of the fiskal JSON format, not a requisite";
const REGISTRATION: &str =
    "the register prints its registration data (1018 / 1048 / 1117 / 1187 / 1009)";
const COMPUTED: &str = "the register computes it; a different value is refused (tested below)";

fn modulkassa(ffd12: bool) -> Table {
    let mut t: Table =
        vec![
        ("version", I(FORMAT)),
        ("ffd", W("", ffd_choice)),
        ("operation", W("docType", doc_type)),
        ("tax_system", W("taxMode", tax_mode)),
        ("company.inn", I(REGISTRATION)),
        ("company.name", I(REGISTRATION)),
        ("company.payment_place", I(REGISTRATION)),
        ("company.payment_address", I(REGISTRATION)),
        ("company.email", I(REGISTRATION)),
        ("cashier.name", W("cashierName", same)),
        ("cashier.inn", W("cashierInn", same)),
        ("client.contact", W("email", same)),
        ("client.name", W("clientName", same)),
        ("client.inn", W("clientInn", same)),
        ("client.birth_date", R("client.birth_date")),
        ("client.citizenship", R("client.citizenship")),
        ("client.document_code", R("client.document_code")),
        ("client.document_data", R("client.document_data")),
        ("client.address", R("client.address")),
        ("items[*].name", W("inventPositions[*].name", same)),
        ("items[*].price", W("inventPositions[*].price", same)),
        ("items[*].quantity", W("inventPositions[*].quantity", same)),
        ("items[*].sum", W("inventPositions[*]", line_sum)),
        (
            "items[*].measure",
            I("pieces: what the register records without a field; other measures are refused \
               (tested below)"),
        ),
        ("items[*].unit", R("items[*].unit")),
        ("items[*].vat", W("inventPositions[*].vatTag", vat)),
        ("items[*].vat_sum", W("inventPositions[*].vatSum", same)),
        ("items[*].unit_vat", R("items[*].unit_vat")),
        (
            "items[*].payment_method",
            W("inventPositions[*].paymentMethod", payment_method),
        ),
        (
            "items[*].payment_subject",
            W("inventPositions[*].paymentObject", payment_object),
        ),
        (
            "items[*].mark.processing_mode",
            R("items[*].mark.processing_mode"),
        ),
        ("items[*].mark.check_result", R("items[*].mark.check_result")),
        ("items[*].product_code", R("items[*].product_code")),
        (
            "items[*].mark.planned_status",
            R("items[*].mark.planned_status"),
        ),
        ("items[*].fraction", R("items[*].fraction")),
        (
            "items[*].agent.type",
            W("inventPositions[*].agentInfo.types", agent_type),
        ),
        (
            "items[*].agent.agent_info.operation",
            W("inventPositions[*].agentInfo.payingAgent.operation", same),
        ),
        (
            "items[*].agent.agent_info.phones[*]",
            W("inventPositions[*].agentInfo.payingAgent.phones[*]", same),
        ),
        (
            "items[*].agent.agent_info.payment_operator_phones[*]",
            W(
                "inventPositions[*].agentInfo.receivePaymentsOperator.phones[*]",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_phones[*]",
            W(
                "inventPositions[*].agentInfo.moneyTransferOperator.phones[*]",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_name",
            W("inventPositions[*].agentInfo.moneyTransferOperator.name", same),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_address",
            W("inventPositions[*].agentInfo.moneyTransferOperator.address", same),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_inn",
            W("inventPositions[*].agentInfo.moneyTransferOperator.inn", same),
        ),
        (
            "items[*].agent.supplier.name",
            W("inventPositions[*].supplierInfo.name", same),
        ),
        (
            "items[*].agent.supplier.phones[*]",
            W("inventPositions[*].supplierInfo.phones[*]", same),
        ),
        (
            "items[*].agent.supplier.inn",
            W("inventPositions[*].supplierInfo.inn", same),
        ),
        ("items[*].excise", R("items[*].excise")),
        (
            "items[*].country_code",
            W("inventPositions[*].originCountryCode", same),
        ),
        (
            "items[*].declaration_number",
            W("inventPositions[*].customsDeclarationNumber", same),
        ),
        ("items[*].sectoral_props", R("items[*].sectoral_props")),
        ("items[*].user_data", R("items[*].user_data")),
        ("items[*].other_tags", R("items[*].other_tags[0]")),
        ("payments.cash", W("moneyPositions", payment("CASH"))),
        ("payments.electronic", W("moneyPositions", payment("CARD"))),
        ("payments.prepaid", W("moneyPositions", payment("PREPAID"))),
        ("payments.credit", W("moneyPositions", payment("POSTPAY"))),
        ("payments.consideration", W("moneyPositions", payment("OTHER"))),
        ("total", W("moneyPositions", payments_sum)),
        ("vat_totals.vat20", I(COMPUTED)),
        ("vat_totals.vat10", I(COMPUTED)),
        ("vat_totals.vat0_sum", I(COMPUTED)),
        ("vat_totals.no_vat_sum", I(COMPUTED)),
        ("vat_totals.vat120", I(COMPUTED)),
        ("vat_totals.vat110", I(COMPUTED)),
        ("additional_check_props", R("additional_check_props")),
        ("additional_user_prop", R("additional_user_prop")),
        ("operating_check_props", R("operating_check_props")),
        ("sectoral_check_props", R("sectoral_check_props")),
        ("correction", R("correction")),
        ("other_tags", R("other_tags[0]")),
    ];
    if ffd12 {
        t.push((
            "items[*].mark.kind",
            W("inventPositions[*].productMark", mark_kind),
        ));
        t.push((
            "items[*].mark.value",
            W("inventPositions[*].productMark", mark_value),
        ));
        t.push((
            "items[*].mark.code",
            W("inventPositions[*].productMark", same),
        ));
    } else {
        t.push((
            "items[*].mark.code",
            W("inventPositions[*].nomenclatureCode", mark_scan_1162),
        ));
        t.push((
            "items[*].mark.code_1162",
            W("inventPositions[*].nomenclatureCode", code_1162),
        ));
    }
    for f in [
        "register.kkt_reg_number",
        "register.automat_number",
        "register.fn_number",
        "register.fd_number",
        "register.receipt_number",
        "register.shift_number",
        "register.date_time",
        "register.fiscal_sign",
        "register.fns_site",
        "register.internet_only",
        "register.marks_check_result",
    ] {
        t.push((f, R(f)));
    }
    t
}

// ---------------------------------------------------------------------------------------------
// The adapter, as a function from a receipt to the wire root.

fn build_with(f: impl Fn(&mut ModulKassaConfig)) -> Build {
    let mut cfg = ModulKassaConfig::production("user", Secret::new("password"));
    cfg.validate_receipts = false;
    f(&mut cfg);
    let client = ModulKassaClient::new(cfg).expect("client");
    Box::new(move |r| {
        let body = client.document(&submission(r))?;
        Ok(serde_json::from_slice::<Value>(&body).expect("JSON body"))
    })
}

fn build() -> Build {
    build_with(|_| {})
}
fn run(name: &str, receipt: Value, table: Table, build: Build) -> Value {
    check_table(
        name,
        receipt,
        table,
        build,
        Some("modulkassa"),
        "the МодульКасса table",
    )
}

/// Valid, except that in ФФД 1.2 a marked item must have a marked payment subject (1212 =
/// 30–33), which the МодульКасса Document cannot carry (document 2.0 names 1–18 only): such a
/// receipt is refused naming the item's `payment_subject` (an open question, docs/providers.md).
/// The walk below sends the mark with subject 1 (validation off) to show where each mark field
/// goes.
#[test]
fn the_maximal_receipts_are_valid() {
    assert_eq!(fiskal_ffd::validate(&parse(&max_receipt("1.05"))), Ok(()));
    for v in [max_receipt("1.2"), max_12_correction()] {
        let paths: Vec<String> = match fiskal_ffd::validate(&parse(&v)) {
            Ok(()) => Vec::new(),
            Err(vs) => vs.iter().map(|v| v.path.clone()).collect(),
        };
        assert_eq!(paths, ["items[0].payment_subject"]);
        let mut marked = v.clone();
        marked["items"][0]["payment_subject"] = json!("marked");
        assert_eq!(fiskal_ffd::validate(&parse(&marked)), Ok(()));
    }
}

#[test]
fn modulkassa_sends_or_refuses_every_field() {
    run(
        "ФФД 1.05 sell",
        max_receipt("1.05"),
        modulkassa(false),
        build(),
    );
    run(
        "ФФД 1.2 sell",
        max_receipt("1.2"),
        modulkassa(true),
        build(),
    );
    run(
        "ФФД 1.2 correction",
        max_12_correction(),
        modulkassa(true),
        build(),
    );
}

/// What the register would compute differently, or what the Document cannot express, is
/// refused naming the field; money is written as exact text from kopecks.
#[test]
fn modulkassa_refuses_what_the_register_would_compute_differently() {
    let b = build();
    let refused = |b: &Build, v: &Value| match b(&parse(v)) {
        Err(ProviderError::Unsupported { path, .. }) => path,
        other => panic!("{other:?}"),
    };
    let mut marked = run("1.2", max_receipt("1.2"), modulkassa(true), build());
    marked["items"][0]["payment_subject"] = json!("marked");
    assert_eq!(refused(&b, &marked), "items[0].payment_subject");
    let base = run("base", max_receipt("1.05"), modulkassa(false), build());
    let mut v = base.clone();
    v["vat_totals"]["vat10"] = json!("11.00");
    assert_eq!(refused(&b, &v), "vat_totals.vat10");
    let mut v = base.clone();
    v["total"] = json!("481.00");
    assert_eq!(refused(&b, &v), "total");
    let mut v = base.clone();
    v["items"][0]["measure"] = json!("kilogram");
    assert_eq!(refused(&b, &v), "items[0].measure");
    let mut v = base.clone();
    v["items"][1]["payment_subject"] = json!("marked");
    assert_eq!(refused(&b, &v), "items[1].payment_subject");
    let mut v = base.clone();
    v["client"]["contact"] = json!("+375291234567");
    assert_eq!(refused(&b, &v), "client.contact");
    let mut v = base.clone();
    v["client"]
        .as_object_mut()
        .expect("client")
        .remove("contact");
    assert_eq!(refused(&b, &v), "client.contact");
    let with_default = build_with(|c| c.default_email = Some("receipts@shop.example.ru".into()));
    assert_eq!(
        with_default(&parse(&v)).expect("default e-mail")["email"],
        "receipts@shop.example.ru"
    );
    // 22 %: sent as 1113 unless the unconfirmed tags are switched off.
    let mut v = base.clone();
    v["items"][1]["vat"] = json!("vat22");
    v.as_object_mut().expect("receipt").remove("vat_totals");
    assert_eq!(
        b(&parse(&v)).expect("22 %")["inventPositions"][1]["vatTag"],
        1113
    );
    let strict = build_with(|c| c.unconfirmed_vat_tags = false);
    assert_eq!(refused(&strict, &v), "items[1].vat");
    // A discounted line: the unit price when it is whole kopecks …
    let mut v = base.clone();
    v["items"][1]["quantity"] = json!("2");
    v["items"][1]["price"] = json!("60.00");
    v["items"][1]["sum"] = json!("110.00");
    v.as_object_mut().expect("receipt").remove("vat_totals");
    let w = b(&parse(&v)).expect("discounted");
    assert_eq!(w["inventPositions"][1]["price"].to_string(), "55.0");
    assert!(w["inventPositions"][1].get("discSum").is_none());
    // … else refused, or sent as discSum when asked.
    v["items"][1]["quantity"] = json!("3");
    v["items"][1]["price"] = json!("40.00");
    assert_eq!(refused(&b, &v), "items[1].sum");
    let disc = build_with(|c| c.disc_sum = true);
    let w = disc(&parse(&v)).expect("discSum");
    assert_eq!(kop(&w["inventPositions"][1]["discSum"]), 1000);
    assert_eq!(kop(&w["inventPositions"][1]["price"]), 4000);
    // Exact money text on the wire.
    let client = ModulKassaClient::new({
        let mut c = ModulKassaConfig::production("user", Secret::new("password"));
        c.validate_receipts = false;
        c
    })
    .expect("client");
    let r = parse(&base);
    let raw = String::from_utf8(client.document(&submission(&r)).expect("body")).expect("utf-8");
    assert!(raw.contains(r#""price":110.00,"quantity":1,"#), "{raw}");
    assert!(
        raw.contains(r#"{"paymentType":"CASH","sum":100.00}"#),
        "{raw}"
    );
    assert!(
        raw.contains(r#""checkoutDateTime":"2026-03-02T10:15:00+03:00""#),
        "{raw}"
    );
}

#[tokio::test]
async fn the_modulkassa_emulator_fiscalises_the_maximal_receipts() {
    use fiskal_emulator::modulkassa::{
        ModulKassaConfig as EmulatorConfig, ModulKassaEmulator, TEST_PASSWORD, TEST_USER_NAME,
    };
    use fiskal_providers::{DocumentKind, Outcome, Provider, StatusQuery};
    let emu = ModulKassaEmulator::start(
        EmulatorConfig::default().with_take_delay(std::time::Duration::from_millis(20)),
    )
    .await
    .expect("emulator");
    let mut cfg = ModulKassaConfig::new(emu.base_url(), TEST_USER_NAME, Secret::new(TEST_PASSWORD));
    // The ФФД 1.2 one has its mark with subject 1 (see the_maximal_receipts_are_valid).
    cfg.validate_receipts = false;
    let client = ModulKassaClient::new(cfg).expect("client");
    for (id, receipt, table) in [
        ("mk-max-105", max_receipt("1.05"), modulkassa(false)),
        ("mk-max-12", max_receipt("1.2"), modulkassa(true)),
    ] {
        let r = parse(&run(id, receipt, table, build()));
        let mut s = submission(&r);
        s.document_id = id;
        match client.submit(&s).await {
            Ok(Outcome::Accepted { .. }) => {}
            other => panic!("{id}: {other:?}"),
        }
        let q = StatusQuery {
            provider_id: Some(id),
            document_id: id,
            kind: DocumentKind::of(&r).expect("kind"),
        };
        let mut done = false;
        for _ in 0..100 {
            match client.status(&q).await {
                Ok(o) if o.is_pending() => {
                    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
                }
                Ok(Outcome::Done { fiscal, .. }) => {
                    assert_eq!(fiscal.total, r.total);
                    done = true;
                    break;
                }
                other => panic!("{id}: {other:?}"),
            }
        }
        assert!(done, "{id}: still pending");
        assert_eq!(emu.journal().fiscalised_count(id), 1, "{id}");
    }
    emu.shutdown().await;
}

/// The answer side: every leaf of FiscalInfo in a real-looking status (a public client's
/// capture) lands in `FiscalAttributes` or is named as not kept, with the reason.
#[test]
fn every_fiscal_info_field_is_read_or_named() {
    use fiskal_providers::modulkassa::answer::status_outcome;
    use fiskal_providers::Outcome;
    let body = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fiskal-emulator/tests/fixtures/modulkassa/module_pos_doc_status.json"
    ))
    .expect("fixture");
    let v: Value = serde_json::from_slice(&body).expect("json");
    let Outcome::Done { fiscal, .. } = status_outcome(200, &body, "d", 180, true) else {
        panic!("not done")
    };
    let f = serde_json::to_value(&fiscal).expect("json");
    let fi = v["fiscalInfo"].as_object().expect("fiscalInfo");
    let mut unnamed = Vec::new();
    for (k, w) in fi {
        let ok = match k.as_str() {
            "shiftNumber" => f["shift_number"] == *w,
            "checkNumber" => f["receipt_number"] == *w,
            "kktNumber" => f["kkt_serial_number"] == *w,
            "fnNumber" => f["fn_number"] == *w,
            "fnDocNumber" => f["fd_number"] == *w,
            "fnDocMark" => f["fiscal_sign"] == *w,
            "sum" => kop(&f["total"]) == kop(w),
            "checkType" => f["operation"] == "sell" && w == "SALE",
            "ecrRegistrationNumber" => f["kkt_reg_number"] == *w,
            // The time 1012: from the QR's local time and `date`'s seconds.
            "date" => f["date_time"] == "2019-09-04T14:14:00",
            // Rebuilt by FiscalAttributes::qr_string (the same numbers, FNS's layout).
            "qr" => w.as_str().is_some_and(|q| {
                q.contains("&fn=9999078900008998&")
                    && fiscal.qr_string().contains("&fn=9999078900008998&")
            }),
            _ => false,
        };
        if !ok {
            unnamed.push(format!("{k} = {w}"));
        }
    }
    assert!(unnamed.is_empty(), "not read: {unnamed:?}\n{f:#}");
}
