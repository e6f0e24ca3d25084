//! No silent drop, KOMTET Kassa (issue 13): every field of the receipt model is put in the
//! KOMTET task body or refused with `ProviderError::Unsupported` naming it — proven on maximal
//! ФФД 1.2 receipts (sell and correction), walked leaf by leaf as in `tests/no_silent_drops/main.rs`
//! (same method, same table notation):
//!
//! * `W(wire_path, check)` — the value is in the request at that place (`check` compares the
//!   wire value with the receipt value);
//! * `R(error_path)` — the adapter refuses a receipt carrying that unit, naming `error_path`;
//! * `I(reason)` — the value reaches the register without a field of its own, for that reason.
//!
//! Wire root: `{"api": "v2", "body": <task>}`. Then the accepted part of each maximal receipt
//! is fiscalised by the KOMTET emulator, exactly once.

use fiskal_ffd::{AgentType, Measure, PaymentMethod, PaymentSubject, PlannedStatus, TaxSystem};
use fiskal_providers::komtet::{request, KomtetClient, KomtetConfig};
use fiskal_providers::ProviderError;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Maximal receipts (the ФФД 1.2 ones of tests/no_silent_drops/receipts.rs).

/// A raw Честный ЗНАК scan (GS as U+001D) with its crypto tail.
const SCAN: &str = "0104601234567893215Abc000000001\u{1d}91EE05\u{1d}92Y4O/9CcUX4YrsehY0jUvHmlWpY5gQ2P8HzJ15ZtlzLU=";
const INN: &str = "7727401209";

fn scan() -> fiskal_marks::MarkCode {
    fiskal_marks::MarkCode::parse(SCAN).expect("scan")
}

fn max_12() -> Value {
    let t = scan().tag_1163();
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
    for (vat, sum) in [
        ("vat10", "110.00"),
        ("vat0", "50.00"),
        ("none", "30.00"),
        ("vat120", "120.00"),
        ("vat110", "110.00"),
    ] {
        items.push(json!({
            "name": format!("Товар {vat}"), "price": sum, "quantity": "1", "sum": sum,
            "measure": "piece", "vat": vat, "payment_method": "full_payment",
            "payment_subject": "service"
        }));
    }
    // An ordinary good with its EAN-13 barcode: the product code (1163) of goods that are not
    // marked.
    items[1]["payment_subject"] = json!("commodity");
    items[1]["product_code"] = json!({"kind": 1302, "value": "4601234567893"});
    json!({
        "version": 1,
        "ffd": "1.2",
        "operation": "sell",
        "tax_system": "usn_income",
        "company": {
            "inn": INN, "name": "ООО Ромашка", "payment_place": "shop.example.ru",
            "payment_address": "г. Москва, ул. Примерная, д. 1",
            "email": "receipts@shop.example.ru"
        },
        "cashier": {"name": "Петрова А.А.", "inn": "770100000079"},
        "client": {
            "contact": "+79991234567", "name": "Иванов И.И.", "inn": "502712345651",
            "birth_date": "01.02.1990", "citizenship": "643", "document_code": "21",
            "document_data": "4510 123456", "address": "г. Москва, ул. Покупателей, д. 3"
        },
        "items": items,
        "payments": {"cash": "100.00", "electronic": "180.00", "prepaid": "100.00",
                     "credit": "50.00", "consideration": "50.00"},
        "total": "480.00",
        "vat_totals": {"vat20": "10.00", "vat10": "10.00", "vat0_sum": "50.00",
                       "no_vat_sum": "30.00", "vat120": "20.00", "vat110": "10.00"},
        "additional_check_props": "ORD-1001",
        "additional_user_prop": {"name": "Заказ", "value": "1001"},
        "operating_check_props": {"id": 0, "data": "payment-id-1", "time": "2026-02-01T09:00:00"},
        "sectoral_check_props": [sectoral("77"), sectoral("78")],
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
    })
}

fn max_12_correction() -> Value {
    let mut r = max_12();
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

fn measure_code(w: &Value, m: &Value) -> bool {
    w.as_u64().and_then(|n| u8::try_from(n).ok()) == code_of(m, |x: Measure| x.0)
}
fn planned_code(w: &Value, m: &Value) -> bool {
    w.as_u64().and_then(|n| u8::try_from(n).ok()) == code_of(m, |x: PlannedStatus| x.0)
}
/// KOMTET's `sno` (SDK `TaxSystem`) of the 1055 bit.
fn sno(w: &Value, m: &Value) -> bool {
    let want = match code_of(m, |x: TaxSystem| x.0) {
        Some(1) => 0,
        Some(2) => 1,
        Some(4) => 2,
        Some(16) => 4,
        Some(32) => 5,
        _ => return false,
    };
    w.as_u64() == Some(want)
}
/// SDK `Vat`: the percentage, `no` for «без НДС», `1xx` for the calculated rates.
fn vat(w: &Value, m: &Value) -> bool {
    let want = match text(m).as_str() {
        "none" => "no",
        "vat0" => "0",
        "vat5" => "5",
        "vat7" => "7",
        "vat10" => "10",
        "vat20" => "20",
        "vat22" => "22",
        "vat105" => "105",
        "vat107" => "107",
        "vat110" => "110",
        "vat120" => "120",
        "vat122" => "122",
        _ => return false,
    };
    text(w) == want
}
/// SDK `PaymentMethod` of the 1214 value.
fn payment_method(w: &Value, m: &Value) -> bool {
    let names = [
        "pre_payment_full",
        "pre_payment_part",
        "advance",
        "full_payment",
        "credit_part",
        "credit",
        "credit_pay",
    ];
    code_of(m, |x: PaymentMethod| x.0)
        .and_then(|c| names.get(usize::from(c).checked_sub(1)?))
        .is_some_and(|n| text(w) == *n)
}
/// SDK `PaymentObject` of the 1212 value (the adapter's table, checked on two values here and
/// in full in the adapter's own test).
fn payment_object(w: &Value, m: &Value) -> bool {
    code_of(m, |x: PaymentSubject| x.0)
        .and_then(request::payment_object)
        .is_some_and(|n| text(w) == n)
}
fn agent_type(w: &Value, m: &Value) -> bool {
    let want = match code_of(m, |x: AgentType| x.0) {
        Some(1) => "bank_payment_agent",
        Some(2) => "bank_payment_subagent",
        Some(4) => "payment_agent",
        Some(8) => "payment_subagent",
        Some(16) => "solicitor",
        Some(32) => "commissionaire",
        Some(64) => "agent",
        _ => return false,
    };
    text(w) == want
}
fn intent(w: &Value, m: &Value) -> bool {
    let base = match text(m).as_str() {
        "sell" => "sell",
        "sell_refund" => "sellReturn",
        "buy" => "buy",
        "buy_refund" => "buyReturn",
        _ => return false,
    };
    text(w) == base || text(w) == format!("{base}Correction")
}
fn ffd_v2(w: &Value, m: &Value) -> bool {
    text(m) == "1.2" && text(w) == "v2"
}
fn date_iso(w: &Value, m: &Value) -> bool {
    let (y, mo, d, _) = ymd(m);
    text(w) == format!("{y}-{mo}-{d}")
}
fn datetime_dmy(w: &Value, m: &Value) -> bool {
    let (y, mo, d, hms) = ymd(m);
    text(w) == format!("{d}.{mo}.{y} {hms}")
}
/// The `mark_code` object's key is the kind of the 1163 child.
fn mark_kind(w: &Value, m: &Value) -> bool {
    let key = m
        .as_u64()
        .and_then(|k| u16::try_from(k).ok())
        .and_then(fiskal_marks::CodeKind::from_tag)
        .map(|k| k.atol_v5_key());
    key.is_some_and(|k| w.get(k).is_some())
}
/// The 1163 value is the start of the code that is sent.
fn mark_value(w: &Value, m: &Value) -> bool {
    w.as_object()
        .and_then(|o| o.values().next())
        .is_some_and(|v| text(v).starts_with(&text(m)))
}
/// The scan is sent as the register checks it (tag 2000 text).
fn mark_scan(w: &Value, m: &Value) -> bool {
    fiskal_marks::MarkCode::parse(&text(m)).is_ok_and(|c| text(w) == c.tag_2000())
}
fn fraction_text(w: &Value, m: &Value) -> bool {
    format!("{}/{}", text(&w["numerator"]), text(&w["denominator"])) == text(m)
}
fn kop(v: &Value) -> u64 {
    let t = text(v);
    let (r, k) = t.split_once('.').unwrap_or((&t, ""));
    r.parse::<u64>().unwrap_or(0) * 100 + format!("{k:0<2}").parse::<u64>().unwrap_or(0)
}
/// The total is the sum of `payments[].sum`.
fn payments_sum(w: &Value, m: &Value) -> bool {
    let sum: u64 = w
        .as_array()
        .map(|a| a.iter().map(|p| kop(&p["sum"])).sum())
        .unwrap_or(0);
    sum == kop(m)
}
/// A payment amount in `payments[]` under this `type`.
fn payment(ty: &'static str) -> Check {
    match ty {
        "cash" => |w, m| pay_of(w, "cash") == Some(kop(m)),
        "card" => |w, m| pay_of(w, "card") == Some(kop(m)),
        "prepayment" => |w, m| pay_of(w, "prepayment") == Some(kop(m)),
        "credit" => |w, m| pay_of(w, "credit") == Some(kop(m)),
        _ => |w, m| pay_of(w, "counter_provisioning") == Some(kop(m)),
    }
}
fn pay_of(w: &Value, ty: &str) -> Option<u64> {
    w.as_array()?
        .iter()
        .find(|p| p["type"] == ty)
        .map(|p| kop(&p["sum"]))
}

// ---------------------------------------------------------------------------------------------
// The table.

const FORMAT: &str = "the version of the fiskal JSON format, not a requisite";
const REGISTRATION: &str = "the register prints its registration data (1048 / 1117)";
const COMPUTED: &str = "the register computes it; a different value is refused (tested below)";

fn komtet() -> Table {
    let mut t: Table = vec![
        ("version", I(FORMAT)),
        ("ffd", W("api", ffd_v2)),
        ("operation", W("body.intent", intent)),
        ("tax_system", W("body.company.sno", sno)),
        ("company.inn", W("body.company.inn", same)),
        ("company.name", I(REGISTRATION)),
        (
            "company.payment_place",
            W("body.company.place_address", same),
        ),
        (
            "company.payment_address",
            W("body.company.payment_address", same),
        ),
        ("company.email", I(REGISTRATION)),
        ("cashier.name", W("body.cashier.name", same)),
        ("cashier.inn", W("body.cashier.inn", same)),
        ("client.contact", W("body.client.phone", same)),
        ("client.name", W("body.client.name", same)),
        ("client.inn", W("body.client.inn", same)),
        ("client.birth_date", W("body.client.birthdate", same)),
        ("client.citizenship", W("body.client.citizenship", same)),
        ("client.document_code", W("body.client.document_code", same)),
        ("client.document_data", W("body.client.document_data", same)),
        ("client.address", W("body.client.address", same)),
        ("items[*].name", W("body.positions[*].name", same)),
        ("items[*].price", W("body.positions[*].price", same)),
        ("items[*].quantity", W("body.positions[*].quantity", same)),
        ("items[*].sum", W("body.positions[*].total", same)),
        (
            "items[*].measure",
            W("body.positions[*].measure", measure_code),
        ),
        ("items[*].unit", R("items[*].unit")),
        ("items[*].vat", W("body.positions[*].vat", vat)),
        ("items[*].vat_sum", I(COMPUTED)),
        ("items[*].unit_vat", R("items[*].unit_vat")),
        (
            "items[*].payment_method",
            W("body.positions[*].payment_method", payment_method),
        ),
        (
            "items[*].payment_subject",
            W("body.positions[*].payment_object", payment_object),
        ),
        (
            "items[*].mark.kind",
            W("body.positions[*].mark_code", mark_kind),
        ),
        (
            "items[*].mark.value",
            W("body.positions[*].mark_code", mark_value),
        ),
        (
            "items[*].mark.code",
            W("body.positions[*].mark_code.gs1m", mark_scan),
        ),
        (
            "items[*].mark.processing_mode",
            I("2102 is always 0; another value is refused (tested below)"),
        ),
        (
            "items[*].mark.check_result",
            R("items[*].mark.check_result"),
        ),
        (
            "items[*].mark.planned_status",
            W("body.positions[*].planned_status", planned_code),
        ),
        ("items[*].mark.code_1162", R("items[*].mark.code_1162")),
        ("items[*].product_code", R("items[*].product_code")),
        (
            "items[*].fraction.numerator",
            W("body.positions[*].mark_quantity.numerator", same),
        ),
        (
            "items[*].fraction.denominator",
            W("body.positions[*].mark_quantity.denominator", same),
        ),
        (
            "items[*].fraction.text",
            W("body.positions[*].mark_quantity", fraction_text),
        ),
        (
            "items[*].agent.type",
            W("body.positions[*].agent_info.type", agent_type),
        ),
        (
            "items[*].agent.agent_info.operation",
            W("body.positions[*].agent_info.paying_agent.operation", same),
        ),
        (
            "items[*].agent.agent_info.phones[*]",
            W("body.positions[*].agent_info.paying_agent.phones[*]", same),
        ),
        (
            "items[*].agent.agent_info.payment_operator_phones[*]",
            W(
                "body.positions[*].agent_info.receive_payments_operator.phones[*]",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_phones[*]",
            W(
                "body.positions[*].agent_info.money_transfer_operator.phones[*]",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_name",
            W(
                "body.positions[*].agent_info.money_transfer_operator.name",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_address",
            W(
                "body.positions[*].agent_info.money_transfer_operator.address",
                same,
            ),
        ),
        (
            "items[*].agent.agent_info.transfer_operator_inn",
            W(
                "body.positions[*].agent_info.money_transfer_operator.inn",
                same,
            ),
        ),
        (
            "items[*].agent.supplier.name",
            W("body.positions[*].supplier_info.name", same),
        ),
        (
            "items[*].agent.supplier.phones[*]",
            W("body.positions[*].supplier_info.phones[*]", same),
        ),
        (
            "items[*].agent.supplier.inn",
            W("body.positions[*].supplier_info.inn", same),
        ),
        ("items[*].excise", W("body.positions[*].excise", same)),
        (
            "items[*].country_code",
            W("body.positions[*].country_code", same),
        ),
        (
            "items[*].declaration_number",
            W("body.positions[*].declaration_number", same),
        ),
        (
            "items[*].sectoral_props[*].fois_id",
            W("body.positions[*].sectoral_item_props[*].federal_id", same),
        ),
        (
            "items[*].sectoral_props[*].date",
            W("body.positions[*].sectoral_item_props[*].date", same),
        ),
        (
            "items[*].sectoral_props[*].number",
            W("body.positions[*].sectoral_item_props[*].number", same),
        ),
        (
            "items[*].sectoral_props[*].value",
            W("body.positions[*].sectoral_item_props[*].value", same),
        ),
        ("items[*].user_data", W("body.positions[*].user_data", same)),
        ("items[*].other_tags", R("items[*].other_tags[0]")),
        ("payments.cash", W("body.payments", payment("cash"))),
        ("payments.electronic", W("body.payments", payment("card"))),
        (
            "payments.prepaid",
            W("body.payments", payment("prepayment")),
        ),
        ("payments.credit", W("body.payments", payment("credit"))),
        (
            "payments.consideration",
            W("body.payments", payment("counter_provisioning")),
        ),
        ("total", W("body.payments", payments_sum)),
        ("vat_totals.vat20", I(COMPUTED)),
        ("vat_totals.vat10", I(COMPUTED)),
        ("vat_totals.vat0_sum", I(COMPUTED)),
        ("vat_totals.no_vat_sum", I(COMPUTED)),
        ("vat_totals.vat120", I(COMPUTED)),
        ("vat_totals.vat110", I(COMPUTED)),
        ("vat_totals.vat5", I(COMPUTED)),
        ("vat_totals.vat7", I(COMPUTED)),
        ("vat_totals.vat22", I(COMPUTED)),
        ("vat_totals.vat105", I(COMPUTED)),
        ("vat_totals.vat107", I(COMPUTED)),
        ("vat_totals.vat122", I(COMPUTED)),
        (
            "additional_check_props",
            W("body.additional_check_props", same),
        ),
        (
            "additional_user_prop.name",
            W("body.additional_user_props.name", same),
        ),
        (
            "additional_user_prop.value",
            W("body.additional_user_props.value", same),
        ),
        (
            "operating_check_props.id",
            W("body.operating_check_props.name", same),
        ),
        (
            "operating_check_props.data",
            W("body.operating_check_props.value", same),
        ),
        (
            "operating_check_props.time",
            W("body.operating_check_props.timestamp", datetime_dmy),
        ),
        (
            "sectoral_check_props[*].fois_id",
            W("body.sectoral_check_props[*].federal_id", same),
        ),
        (
            "sectoral_check_props[*].date",
            W("body.sectoral_check_props[*].date", same),
        ),
        (
            "sectoral_check_props[*].number",
            W("body.sectoral_check_props[*].number", same),
        ),
        (
            "sectoral_check_props[*].value",
            W("body.sectoral_check_props[*].value", same),
        ),
        ("correction.type", W("body.correction_info.type", same)),
        (
            "correction.date",
            W("body.correction_info.base_date", date_iso),
        ),
        (
            "correction.number",
            W("body.correction_info.base_number", same),
        ),
        ("correction.description", R("correction.description")),
        ("register.internet_only", W("body.internet", same)),
        ("other_tags", R("other_tags[0]")),
    ];
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
        "register.marks_check_result",
    ] {
        t.push((f, R(f)));
    }
    t
}

// ---------------------------------------------------------------------------------------------
// The adapter, as a function from a receipt to the wire root.

fn build() -> Build {
    let mut cfg = KomtetConfig::production("shop", "secret", "1");
    cfg.validate_receipts = false;
    let client = KomtetClient::new(cfg).expect("client");
    Box::new(move |r| {
        let body = client.task_body(&submission(r))?;
        Ok(json!({"api": "v2", "body": serde_json::from_str::<Value>(&body).expect("JSON body")}))
    })
}

fn run(name: &str, receipt: Value, table: Table, build: Build) -> Value {
    check_table(
        name,
        receipt,
        table,
        build,
        Some("komtet"),
        "the KOMTET table",
    )
}

#[test]
fn the_maximal_receipts_are_valid() {
    for v in [max_12(), max_12_correction()] {
        assert_eq!(fiskal_ffd::validate(&parse(&v)), Ok(()));
    }
}

#[test]
fn komtet_sends_or_refuses_every_field() {
    run("komtet sell", max_12(), komtet(), build());
    run("komtet correction", max_12_correction(), komtet(), build());
}

#[test]
fn komtet_refuses_what_the_register_would_compute_differently() {
    let b = build();
    let refused = |v: &Value| match b(&parse(v)) {
        Err(ProviderError::Unsupported { path, .. }) => path,
        other => panic!("{other:?}"),
    };
    let base = run("base", max_12(), komtet(), build());
    let mut v = base.clone();
    v.as_object_mut().expect("receipt").remove("vat_totals");
    v["items"][0]["vat_sum"] = json!("9.99");
    assert_eq!(refused(&v), "items[0].vat_sum");
    let mut v = base.clone();
    v["vat_totals"]["vat10"] = json!("11.00");
    assert_eq!(refused(&v), "vat_totals.vat10");
    let mut v = base.clone();
    v["total"] = json!("481.00");
    assert_eq!(refused(&v), "total");
    let mut v = base.clone();
    v["items"][0]["mark"]["processing_mode"] = json!(1);
    assert_eq!(refused(&v), "items[0].mark.processing_mode");
    let mut v = base.clone();
    v["items"][0]
        .as_object_mut()
        .expect("item")
        .remove("measure");
    assert_eq!(refused(&v), "items[0].measure");
    let mut v = base;
    v["tax_system"] = json!("envd");
    assert_eq!(refused(&v), "tax_system");
}

#[tokio::test]
async fn the_komtet_emulator_fiscalises_the_maximal_receipts() {
    use fiskal_emulator::komtet::{
        KomtetConfig as EmulatorConfig, KomtetEmulator, TEST_QUEUE_ID, TEST_SECRET, TEST_SHOP_ID,
    };
    use fiskal_providers::{DocumentKind, Outcome, Provider, StatusQuery};
    let emu = KomtetEmulator::start(
        EmulatorConfig::default().with_processing_delay(std::time::Duration::from_millis(50)),
    )
    .await
    .expect("emulator");
    let client = KomtetClient::new(KomtetConfig::new(
        emu.base_url(),
        TEST_SHOP_ID,
        TEST_SECRET,
        TEST_QUEUE_ID,
    ))
    .expect("client");
    for (id, receipt) in [
        ("kt-max-sell", max_12()),
        ("kt-max-correction", max_12_correction()),
    ] {
        let r = parse(&run(id, receipt, komtet(), build()));
        let mut s = submission(&r);
        s.document_id = id;
        let task = match client.submit(&s).await {
            Ok(Outcome::Accepted { provider_id, .. }) => provider_id,
            other => panic!("{id}: {other:?}"),
        };
        let q = StatusQuery {
            provider_id: Some(&task),
            document_id: id,
            kind: DocumentKind::of(&r).expect("kind"),
        };
        let mut done = false;
        for _ in 0..100 {
            match client.status(&q).await {
                Ok(Outcome::Pending { .. }) => {
                    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
                }
                Ok(Outcome::Done { .. }) => {
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
