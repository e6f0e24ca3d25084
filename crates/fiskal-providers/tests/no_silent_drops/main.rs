//! No adapter drops a receipt field silently (issue 12).
//!
//! For every adapter and every ФФД version it supports, a MAXIMAL receipt (every optional field
//! of the model set, values that pass `fiskal_ffd::validate`) is walked as its own serde JSON:
//! every leaf path must be named by that adapter's table below, as
//!
//! * `W(wire_path, check)` — the value is in the request body at that place (`check` compares
//!   the wire value with the receipt value: same text, a provider code, a date format …);
//! * `R(error_path)` — the adapter refuses a receipt carrying that field, before sending, with
//!   `ProviderError::Unsupported` naming `error_path`; the table key is the unit that is
//!   refused (a leaf, or an object / array holding several leaves);
//! * `I(reason)` — the value reaches the register without a request field of its own, for the
//!   stated reason (the register prints its registration data; the register computes the same
//!   value and the adapter refuses a different one, tested below).
//!
//! A field added to the model later appears as an unnamed leaf and fails this test until each
//! adapter decides. The test first strips every refused unit and checks the accepted receipt's
//! wire body, then puts each refused unit back alone and checks the refusal names it.
//!
//! Wire roots: ATOL `{"operation", "api", "body"}`, Orange Data `{"endpoint", "body"}`,
//! Business.ru Open API `{"type", "api", "command"}`.
//!
//! (Split along its sections: the maximal receipts in `receipts`, the adapters' tables in
//! `tables`, the values sent in another form in `normalised`, the emulator runs in `emulated`;
//! paths, value checks, the adapters and the check itself here.)

use fiskal_ffd::model::Receipt;
use fiskal_ffd::{
    AgentType, CorrectionType, Measure, Operation, PaymentMethod, PaymentSubject, PlannedStatus,
    TaxSystem, VatRate,
};
use fiskal_providers::atol::{AtolClient, AtolConfig, AtolVersion};
use fiskal_providers::business_ru::{ApiVersion, BusinessRuClient, BusinessRuConfig};
use fiskal_providers::http::ClientIdentity;
use fiskal_providers::orange::{build_request, OrangeConfig};
use fiskal_providers::{ProviderError, Secret};
use serde_json::{json, Value};

mod emulated;
mod normalised;
mod receipts;
mod tables;

use emulated::accepted_part;
use normalised::refused_path;
use receipts::*;
use tables::*;

// ---------------------------------------------------------------------------------------------
// Shared by the no-silent-drops tests: paths (`Seg`, `leaves`, `matches`, `get`, `remove`,
// `insert`, ...), the exact-text check (`text`, `same`), `parse`, the tables' notation (`M`:
// `W` / `R` / `I`, `Table`), `Build`, `submission` and the check itself (`check_table`).

#[path = "../support/field_walk.rs"]
mod field_walk;
use field_walk::*;

// ---------------------------------------------------------------------------------------------
// Value checks (wire value, receipt value).

fn code<T: serde::de::DeserializeOwned>(m: &Value, f: fn(T) -> u64) -> Option<u64> {
    serde_json::from_value::<T>(m.clone()).ok().map(f)
}

fn pm_code(w: &Value, m: &Value) -> bool {
    w.as_u64() == code(m, |x: PaymentMethod| u64::from(x.0))
}
fn ps_code(w: &Value, m: &Value) -> bool {
    w.as_u64() == code(m, |x: PaymentSubject| u64::from(x.0))
}
fn vat_code(w: &Value, m: &Value) -> bool {
    w.as_u64() == code(m, |x: VatRate| u64::from(x.0))
}
fn ts_code(w: &Value, m: &Value) -> bool {
    w.as_u64() == code(m, |x: TaxSystem| u64::from(x.0))
}
fn measure_code(w: &Value, m: &Value) -> bool {
    w.as_u64() == code(m, |x: Measure| u64::from(x.0))
}
fn agent_code(w: &Value, m: &Value) -> bool {
    w.as_u64() == code(m, |x: AgentType| u64::from(x.0))
}
fn corr_code(w: &Value, m: &Value) -> bool {
    w.as_u64() == code(m, |x: CorrectionType| u64::from(x.0))
}
fn op_code(w: &Value, m: &Value) -> bool {
    w.as_u64() == code(m, |x: Operation| u64::from(x.0))
}
fn planned_code(w: &Value, m: &Value) -> bool {
    w.as_u64() == code(m, |x: PlannedStatus| u64::from(x.0))
}
/// Orange Data's `taxationSystem` ordinal (§2.1.1.3) of the 1055 bit.
fn ts_ordinal(w: &Value, m: &Value) -> bool {
    let bit = code(m, |x: TaxSystem| u64::from(x.0)).unwrap_or(0);
    bit.is_power_of_two() && w.as_u64() == Some(u64::from(bit.trailing_zeros()))
}
/// ATOL's operation: the 1054 name, `_correction` appended for a correction receipt.
fn atol_op(w: &Value, m: &Value) -> bool {
    let (w, m) = (text(w), text(m));
    w == m || w == format!("{m}_correction")
}
fn atol_v4_object(w: &Value, m: &Value) -> bool {
    same(w, m) || (m == "non_operating_gain" && w == "non-operating_gain")
}
fn ffd_atol(w: &Value, m: &Value) -> bool {
    matches!(
        (text(m).as_str(), text(w).as_str()),
        ("1.05", "v4") | ("1.2", "v5")
    )
}
fn ffd_br(w: &Value, m: &Value) -> bool {
    matches!(
        (text(m).as_str(), text(w).as_str()),
        ("1.05", "v1") | ("1.2", "v2")
    )
}
fn ffd_orange(w: &Value, m: &Value) -> bool {
    matches!(
        (text(m).as_str(), w.as_u64()),
        ("1.05", Some(2)) | ("1.2", Some(4))
    )
}
/// `/api/v2/corrections/` is the ФФД 1.05 correction endpoint (§2.3).
fn ffd_orange_105_correction(w: &Value, m: &Value) -> bool {
    text(m) == "1.05" && w == "/api/v2/corrections/"
}
fn date_dmy(w: &Value, m: &Value) -> bool {
    let (y, mo, d, _) = ymd(m);
    text(w) == format!("{d}.{mo}.{y}")
}
fn datetime_atol(w: &Value, m: &Value) -> bool {
    let (y, mo, d, hms) = ymd(m);
    text(w) == format!("{d}.{mo}.{y} {hms}")
}
fn date_iso_midnight(w: &Value, m: &Value) -> bool {
    let (y, mo, d, _) = ymd(m);
    text(w) == format!("{y}-{mo}-{d}T00:00:00")
}
fn datetime_iso(w: &Value, m: &Value) -> bool {
    let (y, mo, d, hms) = ymd(m);
    text(w) == format!("{y}-{mo}-{d}T{hms}")
}
fn spaced(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}
fn hex_spaced(w: &Value, m: &Value) -> bool {
    hex::decode(text(m)).is_ok_and(|b| text(w) == spaced(&b))
}
fn scan_1162_spaced(w: &Value, m: &Value) -> bool {
    let b = fiskal_marks::MarkCode::parse(&text(m)).and_then(|c| c.tag_1162());
    b.is_ok_and(|b| text(w) == spaced(b.as_bytes()))
}
/// Business.ru sends the 1162 bytes with or without the 2-byte type code (a setting).
fn hex_spaced_tail(w: &Value, m: &Value) -> bool {
    hex::decode(text(m)).is_ok_and(|b| text(w) == spaced(&b) || text(w) == spaced(&b[2..]))
}
fn scan_1162_spaced_tail(w: &Value, m: &Value) -> bool {
    let b = fiskal_marks::MarkCode::parse(&text(m)).and_then(|c| c.tag_1162());
    b.is_ok_and(|b| hex_spaced_tail(w, &json!(hex::encode(b.as_bytes()))))
}
fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
fn hex_b64(w: &Value, m: &Value) -> bool {
    hex::decode(text(m)).is_ok_and(|b| text(w) == b64(&b))
}
fn scan_1162_b64(w: &Value, m: &Value) -> bool {
    let b = fiskal_marks::MarkCode::parse(&text(m)).and_then(|c| c.tag_1162());
    b.is_ok_and(|b| text(w) == b64(b.as_bytes()))
}
/// ATOL v5 `mark_code` object from the scan.
fn v5_mark_code(w: &Value, m: &Value) -> bool {
    let Ok(c) = fiskal_marks::MarkCode::parse(&text(m)) else {
        return false;
    };
    let j = fiskal_marks::provider::atol_v5_mark_code(&c);
    w.get(j.key()).is_some_and(|v| text(v) == j.value())
}
fn v5_mark_kind(w: &Value, m: &Value) -> bool {
    let key = m
        .as_u64()
        .and_then(|k| u16::try_from(k).ok())
        .and_then(fiskal_marks::CodeKind::from_tag)
        .map(|k| k.atol_v5_key());
    key.is_some_and(|k| w.get(k).is_some())
}
/// The 1163 value is the start of the code that is sent (Base64 in `gs1m`).
fn v5_mark_value(w: &Value, m: &Value) -> bool {
    use base64::Engine as _;
    let Some((k, v)) = w.as_object().and_then(|o| o.iter().next()) else {
        return false;
    };
    let sent = if k == "gs1m" {
        base64::engine::general_purpose::STANDARD
            .decode(text(v))
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .unwrap_or_default()
    } else {
        text(v)
    };
    sent.starts_with(&text(m))
}
/// Orange Data `barcodes {<key>: <value>}` (§2.1.1.11): the key of the 1163 child.
fn barcode_kind(w: &Value, m: &Value) -> bool {
    let key = match m.as_u64() {
        Some(1301) => "ean8",
        Some(1302) => "ean13",
        Some(1303) => "itf14",
        Some(1304) => "gs1",
        _ => return false,
    };
    w.get(key).is_some()
}
/// Orange Data `barcodes`: one key, holding the 1163 child's value as it is.
fn barcode_value(w: &Value, m: &Value) -> bool {
    w.as_object()
        .is_some_and(|o| o.len() == 1 && o.values().all(|v| text(v) == text(m)))
}
fn item_code(w: &Value, m: &Value) -> bool {
    fiskal_marks::MarkCode::parse(&text(m)).is_ok_and(|c| text(w) == c.tag_2000())
}
fn item_code_kind(w: &Value, m: &Value) -> bool {
    fiskal_marks::MarkCode::parse(&text(w))
        .is_ok_and(|c| m.as_u64() == Some(u64::from(c.tag_1163().tag())))
}
fn item_code_value(w: &Value, m: &Value) -> bool {
    fiskal_marks::MarkCode::parse(&text(w)).is_ok_and(|c| text(m) == c.tag_1163().value())
}
/// `fraction.text` is carried as the two numbers (any key case).
fn fraction_text(w: &Value, m: &Value) -> bool {
    let n = |k: &str| {
        w.get(k)
            .or_else(|| w.get(k.to_lowercase().as_str()))
            .map(text)
            .unwrap_or_default()
    };
    format!("{}/{}", n("Numerator"), n("Denominator")) == text(m)
}
/// A total carried as the sum of the payments (`[{sum}]` or `[{amount}]`, kopecks).
fn payments_sum(w: &Value, m: &Value) -> bool {
    let kop = |v: &Value| -> u64 {
        let t = text(v);
        let (r, k) = t.split_once('.').unwrap_or((&t, ""));
        let k = format!("{k:0<2}");
        r.parse::<u64>().unwrap_or(0) * 100 + k.parse::<u64>().unwrap_or(0)
    };
    let sum: u64 = match w {
        Value::Array(a) => a
            .iter()
            .filter_map(|p| p.get("sum").or_else(|| p.get("amount")))
            .map(kop)
            .sum(),
        Value::Object(o) => o
            .iter()
            .filter(|(k, _)| k.starts_with("payed_"))
            .map(|(_, v)| kop(v))
            .sum(),
        _ => 0,
    };
    sum == kop(m)
}
/// Business.ru `nds_value` / `nds_not_apply` of a good.
fn br_vat(w: &Value, m: &Value) -> bool {
    let pct = w.get("nds_value").and_then(Value::as_u64);
    let none = w.get("nds_not_apply").and_then(Value::as_bool);
    match text(m).as_str() {
        "vat20" => pct == Some(20) && none == Some(false),
        "vat10" => pct == Some(10) && none == Some(false),
        "vat0" => pct == Some(0) && none == Some(false),
        "none" => none == Some(true),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// The adapters, as functions from a receipt to the wire root.

fn atol(cfg: AtolConfig) -> Build {
    let mut cfg = cfg;
    cfg.validate_receipts = false;
    let client = AtolClient::new(cfg).expect("client");
    Box::new(move |r| {
        let (kind, body) = client.request_body(&submission(r))?;
        let api = match client.config().version {
            AtolVersion::V4 => "v4",
            _ => "v5",
        };
        Ok(json!({
            "operation": kind.atol_operation(),
            "api": api,
            "body": serde_json::from_str::<Value>(&body).expect("JSON body"),
        }))
    })
}

fn orange_build() -> Build {
    let identity = ClientIdentity {
        cert_chain_pem: String::new(),
        key_pem: Secret::new("unused"),
    };
    let mut cfg = OrangeConfig::test_environment(Secret::new("unused"), identity);
    cfg.inn = INN.into();
    cfg.send_settlement_place = true;
    Box::new(move |r| {
        let (bytes, endpoint) = build_request(&cfg, "order-1001-sell-1", r, None)?;
        Ok(json!({
            "endpoint": endpoint,
            "body": serde_json::from_slice::<Value>(&bytes).expect("JSON body"),
        }))
    })
}

fn business_ru_build(api: ApiVersion) -> Build {
    let base = match api {
        ApiVersion::V1 => "https://check-dev.business.ru/open-api/v1/",
        _ => "https://check-dev.business.ru/open-api/v2/",
    };
    let mut cfg = BusinessRuConfig::new(api, base, "app", "secret");
    cfg.validate_receipts = false;
    let client = BusinessRuClient::new(cfg).expect("client");
    Box::new(move |r| {
        let (ty, command) = client.command(&submission(r))?;
        let api = if client.config().api == ApiVersion::V1 {
            "v1"
        } else {
            "v2"
        };
        Ok(json!({
            "type": ty,
            "api": api,
            "command": serde_json::from_str::<Value>(&command).expect("PHP JSON is JSON"),
        }))
    })
}

// ---------------------------------------------------------------------------------------------
// The check (`check_table`, shared with the other no-silent-drops tests).

fn run(name: &str, receipt: Value, table: Table, build: Build) {
    check_table(name, receipt, table, build, None, "this adapter's table");
}

#[test]
fn atol_v4_sends_or_refuses_every_field() {
    run(
        "atol v4 sell",
        max_105(),
        atol_v4(),
        atol(AtolConfig::test_v4()),
    );
    run(
        "atol v4 sell_correction",
        max_105_correction(),
        atol_v4_correction(),
        atol(AtolConfig::test_v4()),
    );
}

#[test]
fn atol_v5_sends_or_refuses_every_field() {
    run(
        "atol v5 sell",
        max_12(),
        atol_v5(),
        atol(AtolConfig::test_v5()),
    );
    run(
        "atol v5 sell_correction",
        max_12_correction(),
        atol_v5(),
        atol(AtolConfig::test_v5()),
    );
}

#[test]
fn business_ru_atol_presets_send_or_refuse_every_field() {
    let v4 = || AtolConfig::business_ru_test(AtolVersion::V4, "login", "pass", "1");
    let v5 = || AtolConfig::business_ru_test(AtolVersion::V5, "login", "pass", "1");
    run("business.ru atol v4", max_105(), atol_v4(), atol(v4()));
    run(
        "business.ru atol v4 correction",
        max_105_correction(),
        atol_v4_correction(),
        atol(v4()),
    );
    run("business.ru atol v5", max_12(), atol_v5(), atol(v5()));
    run(
        "business.ru atol v5 correction",
        max_12_correction(),
        atol_v5(),
        atol(v5()),
    );
}

#[test]
fn orange_data_sends_or_refuses_every_field() {
    run("orange 1.05", max_105(), orange(false), orange_build());
    run(
        "orange 1.05 correction",
        max_105_correction(),
        orange_105_correction(),
        orange_build(),
    );
    run("orange 1.2", max_12(), orange(true), orange_build());
    run(
        "orange 1.2 correction",
        max_12_correction(),
        orange(true),
        orange_build(),
    );
}

#[test]
fn business_ru_open_api_sends_or_refuses_every_field() {
    run(
        "business.ru open api v1",
        without_calculated_rates(max_105()),
        business_ru(false),
        business_ru_build(ApiVersion::V1),
    );
    run(
        "business.ru open api v2",
        without_calculated_rates(max_12()),
        business_ru(true),
        business_ru_build(ApiVersion::V2),
    );
}
