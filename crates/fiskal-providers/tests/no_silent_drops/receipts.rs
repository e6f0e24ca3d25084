//! The maximal receipts: every optional field of the model set, values that pass
//! `fiskal_ffd::validate`, for each ФФД version and document kind.

use super::*;

/// A raw Честный ЗНАК scan (GS as U+001D) with its crypto tail.
pub(super) const SCAN: &str = "0104601234567893215Abc000000001\u{1d}91EE05\u{1d}92Y4O/9CcUX4YrsehY0jUvHmlWpY5gQ2P8HzJ15ZtlzLU=";
pub(super) const INN: &str = "7727401209";

pub(super) fn scan() -> fiskal_marks::MarkCode {
    fiskal_marks::MarkCode::parse(SCAN).expect("scan")
}

pub(super) fn register(v12: bool) -> Value {
    let mut r = json!({
        "kkt_reg_number": "0000000001012345",
        "automat_number": "A-17",
        "fn_number": "9999078900001234",
        "fd_number": 1234,
        "receipt_number": 5,
        "shift_number": 12,
        "date_time": "2026-03-02T10:15:00",
        "fiscal_sign": "0123456789AB",
        "fns_site": "www.nalog.gov.ru",
        "internet_only": true
    });
    if v12 {
        r["marks_check_result"] = json!(0);
    }
    r
}

/// The five non-marked lines, one per receipt-level VAT total (1102–1107).
pub(super) fn plain_items(v12: bool) -> Vec<Value> {
    let rows = [
        ("vat10", "110.00"),
        ("vat0", "50.00"),
        ("none", "30.00"),
        ("vat120", "120.00"),
        ("vat110", "110.00"),
    ];
    rows.iter()
        .map(|(vat, sum)| {
            let mut it = json!({
                "name": format!("Товар {vat}"), "price": sum, "quantity": "1", "sum": sum,
                "vat": vat, "payment_method": "full_payment", "payment_subject": "service"
            });
            if v12 {
                it["measure"] = json!("piece");
            }
            it
        })
        .collect()
}

pub(super) fn header(ffd: &str) -> Value {
    json!({
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
        "additional_check_props": "ORD-1001",
        "additional_user_prop": {"name": "Заказ", "value": "1001"},
        "other_tags": [{"tag": 9999, "hex": "0102"}]
    })
}

/// ФФД 1.05 receipt: a marked line (scan and its 1162 value) with agent data, and five lines
/// that make every VAT total non-zero.
pub(super) fn max_105() -> Value {
    let mut r = header("1.05");
    r["client"] = json!({"contact": "+79991234567", "name": "Иванов И.И.", "inn": "502712345651"});
    let hex_1162 = hex::encode_upper(scan().tag_1162().expect("1162").as_bytes());
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

/// ФФД 1.05 correction: a totals record (no items).
pub(super) fn max_105_correction() -> Value {
    let mut r = header("1.05");
    r["client"] = json!({"contact": "+79991234567", "name": "Иванов И.И.", "inn": "502712345651"});
    r["payments"] = json!({"cash": "100.00", "electronic": "200.00", "prepaid": "140.00",
                           "credit": "50.00", "consideration": "50.00"});
    r["total"] = json!("540.00");
    r["vat_totals"] = json!({"vat20": "20.00", "vat10": "10.00", "vat0_sum": "50.00",
                             "no_vat_sum": "30.00", "vat120": "20.00", "vat110": "10.00"});
    r["correction"] =
        json!({"type": "instruction", "date": "2026-03-01T00:00:00", "number": "ПР-12/2026"});
    r["register"] = register(false);
    r
}

/// ФФД 1.2 receipt: half a marked unit (scan, its 1163 child, 2102, 2106, 2003, 1291) with
/// agent and sectoral data, and the five plain lines.
pub(super) fn max_12() -> Value {
    let mut r = header("1.2");
    r["client"] = json!({
        "contact": "+79991234567", "name": "Иванов И.И.", "inn": "502712345651",
        "birth_date": "01.02.1990", "citizenship": "643", "document_code": "21",
        "document_data": "4510 123456", "address": "г. Москва, ул. Покупателей, д. 3"
    });
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

pub(super) fn max_12_correction() -> Value {
    let mut r = max_12();
    r["correction"] =
        json!({"type": "instruction", "date": "2026-03-01T00:00:00", "number": "ПР-12/2026"});
    r
}

/// Business.ru's `nds_value` is a percentage: the calculated rates (20/120, 10/110) have no
/// value, so its maximal receipts leave those two lines out.
pub(super) fn without_calculated_rates(mut r: Value) -> Value {
    let items = r["items"].as_array_mut().expect("items");
    items.truncate(4);
    let vt = r["vat_totals"].as_object_mut().expect("vat_totals");
    vt.remove("vat120");
    vt.remove("vat110");
    let total = if r["ffd"] == "1.2" {
        "250.00"
    } else {
        "310.00"
    };
    let electronic = if r["ffd"] == "1.2" { "40.00" } else { "100.00" };
    r["total"] = json!(total);
    r["payments"] = json!({"cash": "10.00", "electronic": electronic, "prepaid": "100.00",
                           "credit": "50.00", "consideration": "50.00"});
    r
}

#[test]
pub(super) fn the_maximal_receipts_are_valid() {
    for (name, v) in [
        ("1.05", max_105()),
        ("1.05 correction", max_105_correction()),
        ("1.2", max_12()),
        ("1.2 correction", max_12_correction()),
        ("1.05 business.ru", without_calculated_rates(max_105())),
        ("1.2 business.ru", without_calculated_rates(max_12())),
    ] {
        let r = parse(&v);
        assert_eq!(fiskal_ffd::validate(&r), Ok(()), "{name}");
        // Every optional field of the model is set somewhere.
        let got = leaves(&serde_json::to_value(&r).expect("json"));
        assert!(got.len() > 40, "{name}: {}", got.len());
    }
}

/// Every leaf of the receipt model, from its JSON Schema (`fiskal_ffd::json::schema`), as a
/// pattern (`items[*].mark.code`).
pub(super) fn model_fields() -> Vec<String> {
    fn resolve<'a>(root: &'a Value, s: &'a Value) -> &'a Value {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/$defs/");
            return resolve(root, &root["$defs"][name]);
        }
        if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
            if let Some(x) = any.iter().find(|x| x.get("type") != Some(&json!("null"))) {
                return resolve(root, x);
            }
        }
        s
    }
    fn walk(root: &Value, s: &Value, path: String, out: &mut Vec<String>) {
        let s = resolve(root, s);
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(root, v, p, out);
            }
        } else if s.get("type") == Some(&json!("array")) {
            walk(root, &s["items"], format!("{path}[*]"), out);
        } else {
            out.push(path);
        }
    }
    let root: Value = serde_json::from_str(&fiskal_ffd::json::schema()).expect("schema");
    let mut out = Vec::new();
    walk(&root, &root, String::new(), &mut out);
    out
}

/// A leaf path with its indices as `[*]`.
pub(super) fn pattern(path: &str) -> String {
    let mut out = String::new();
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[*]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

#[test]
pub(super) fn the_maximal_receipts_set_every_field_of_the_model() {
    let mut set = std::collections::BTreeSet::new();
    for v in [
        max_105(),
        max_105_correction(),
        max_12(),
        max_12_correction(),
    ] {
        let model = serde_json::to_value(parse(&v)).expect("json");
        set.extend(leaves(&model).iter().map(|l| pattern(l)));
    }
    let fields = model_fields();
    assert!(fields.len() > 80, "{fields:?}");
    let missing: Vec<_> = fields
        .iter()
        .filter(|f| !set.contains(*f))
        // 1177 exists only in decoded legacy documents and fails validation: each adapter's
        // refusal of it is tested in `the_legacy_correction_description_is_refused`.
        .filter(|f| *f != "correction.description")
        .collect();
    assert!(
        missing.is_empty(),
        "model fields no maximal receipt sets (add them, then map them per adapter): {missing:#?}"
    );
}

#[test]
pub(super) fn the_legacy_correction_description_is_refused() {
    let cases = [
        (
            "atol v4",
            atol(AtolConfig::test_v4()),
            max_105_correction(),
            atol_v4_correction(),
        ),
        (
            "atol v5",
            atol(AtolConfig::test_v5()),
            max_12_correction(),
            atol_v5(),
        ),
        (
            "orange 1.05",
            orange_build(),
            max_105_correction(),
            orange_105_correction(),
        ),
        (
            "orange 1.2",
            orange_build(),
            max_12_correction(),
            orange(true),
        ),
    ];
    for (name, build, receipt, table) in cases {
        // What the adapter accepts, plus 1177.
        let mut r = accepted_part(receipt, table);
        assert!(build(&parse(&r)).is_ok(), "{name}");
        r["correction"]["description"] = json!("Ошибка кассира");
        assert_eq!(refused_path(&build, &r), "correction.description", "{name}");
    }
    // The Open API has no correction command at all: refused by its document kind.
    let mut r = accepted_part(without_calculated_rates(max_105()), business_ru(false));
    r["correction"] = json!({"type": "self", "date": "2026-03-01T00:00:00",
                             "description": "Ошибка кассира"});
    assert_eq!(
        refused_path(&business_ru_build(ApiVersion::V1), &r),
        "operation"
    );
}
