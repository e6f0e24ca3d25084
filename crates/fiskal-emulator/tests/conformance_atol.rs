//! Conformance of the ATOL Online emulator with the v4 protocol («АТОЛ Онлайн. Описание
//! протокола v4 (ФФД 1.05)», doc version 5.15) and with answers captured from ATOL's test
//! service: every test here is a row of the ATOL table of docs/emulators.md. Bodies come from
//! `tests/fixtures/atol/` (see its README).

mod common;

use common::*;
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/atol/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The JSON kind of a value, to compare shapes.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every key of `sample` is in `got`, with a value of the same kind (null matches anything:
/// the captures have `null` where the emulator may say more).
fn same_shape(got: &Value, sample: &Value, at: &str) {
    for (k, v) in sample.as_object().expect("object") {
        let g = got
            .get(k)
            .unwrap_or_else(|| panic!("{at}{k} missing in {got}"));
        if !v.is_null() && !g.is_null() {
            assert_eq!(kind(g), kind(v), "{at}{k}: {g} vs the sample's {v}");
        }
        if v.is_object() && g.is_object() {
            same_shape(g, v, &format!("{at}{k}."));
        }
    }
}

#[tokio::test]
async fn atol_v4_protocol_sell_sample_refuses_vat18_with_the_documented_text() {
    let h = start(fast()).await;
    let t = token4(&h).await;
    let (s, r) = post(
        &h.base_url_v4(),
        G4,
        "sell",
        &t,
        &fixture("protocol_v4_sell.json"),
    )
    .await;
    assert_eq!(s, 400, "{r}");
    assert_eq!(r["error"]["code"], 32, "{r}");
    assert_eq!(
        r["error"]["text"],
        "Передана некорректная ставка налога. С 01.04.2019 ставки НДС 18 и 18/118 не могут использоваться в чеках sell(приход) и buy(расход)"
    );
    assert!(h.journal().is_empty());
    h.shutdown().await;
}

#[tokio::test]
async fn atol_v4_correction_sample_with_vat18_is_accepted() {
    let h = start(fast()).await;
    let t = token4(&h).await;
    let (s, r) = post(
        &h.base_url_v4(),
        G4,
        "sell_correction",
        &t,
        &fixture("protocol_v4_correction.json"),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["status"], "wait", "{r}");
    h.shutdown().await;
}

#[tokio::test]
async fn atol_sample_with_a_foreign_inn_is_accepted_then_fails_2009_like_the_capture() {
    let h = start(fast()).await;
    let t = token4(&h).await;
    let (s, r) = post(
        &h.base_url_v4(),
        G4,
        "sell",
        &t,
        &fixture("sample_sell_vat20.json"),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    same_shape(&r, &fixture("captured_responseSuccess.json"), "");
    assert_eq!(r["status"], "wait");
    let uuid = r["uuid"].as_str().expect("uuid").to_owned();
    let rep = settle(&h.base_url_v4(), G4, &uuid, &t).await;
    let captured = fixture("captured_responseFailFiscalization-02.json");
    same_shape(&rep, &captured, "");
    assert_eq!(rep["status"], "fail");
    assert_eq!(rep["error"]["code"], captured["error"]["code"]);
    assert_eq!(rep["error"]["type"], captured["error"]["type"]);
    assert_eq!(rep["error"]["text"], captured["error"]["text"]);
    h.shutdown().await;
}

#[tokio::test]
async fn atol_report_of_an_unknown_uuid_is_34_wait_like_the_capture() {
    let h = start(fast()).await;
    let t = token4(&h).await;
    let (s, r) = report(
        &h.base_url_v4(),
        G4,
        "2ea26f17-0884-4f08-b120-306fc096a58f",
        &t,
    )
    .await;
    let captured = fixture("captured_responseFailFiscalization.json");
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["error"]["code"], captured["error"]["code"]);
    assert_eq!(r["error"]["text"], captured["error"]["text"]);
    assert_eq!(r["status"], captured["status"]);
    h.shutdown().await;
}

#[tokio::test]
async fn atol_report_of_a_malformed_uuid_is_30_fail_like_the_capture() {
    let h = start(fast()).await;
    let t = token4(&h).await;
    let (s, r) = report(&h.base_url_v4(), G4, "not-a-uuid", &t).await;
    let captured = fixture("captured_responseFail.json");
    assert_eq!(s, 400, "{r}");
    assert_eq!(r["error"]["code"], captured["error"]["code"]);
    assert_eq!(r["status"], captured["status"]);
    same_shape(&r, &captured, "");
    let text = r["error"]["text"].as_str().expect("text");
    assert!(text.starts_with("Передан некорректный UUID"), "{text}");
    h.shutdown().await;
}

#[tokio::test]
async fn atol_done_report_has_the_fields_of_the_capture() {
    let h = start(fast()).await;
    let t = token4(&h).await;
    let (s, r) = post(&h.base_url_v4(), G4, "sell", &t, &sell_v4("conf-done")).await;
    assert_eq!(s, 200, "{r}");
    let uuid = r["uuid"].as_str().expect("uuid").to_owned();
    let rep = settle(&h.base_url_v4(), G4, &uuid, &t).await;
    assert_eq!(rep["status"], "done", "{rep}");
    same_shape(
        &rep,
        &fixture("captured_responseSuccessFiscalization.json"),
        "",
    );
    h.shutdown().await;
}

#[tokio::test]
async fn atol_token_answers_like_the_capture() {
    let h = start(fast()).await;
    let r: Value = http()
        .post(format!("{}getToken", h.base_url_v4()))
        .json(&json!({"login": "v4-online-atol-ru", "pass": "iGFFuihss"}))
        .send()
        .await
        .expect("getToken")
        .json()
        .await
        .expect("json");
    same_shape(&r, &fixture("captured_getTokenResponseSuccess.json"), "");
    assert!(r["error"].is_null(), "{r}");
    // An expired token: 11 «Переданный токен не активен».
    let t = r["token"].as_str().expect("token").to_owned();
    h.expire_tokens();
    let (s, r) = post(&h.base_url_v4(), G4, "sell", &t, &sell_v4("conf-expired")).await;
    let captured = fixture("captured_getTokenResponseExpiredToken.json");
    assert_eq!(s, 401, "{r}");
    same_shape(&r, &captured, "");
    assert_eq!(r["error"]["code"], captured["error"]["code"]);
    assert_eq!(r["error"]["text"], captured["error"]["text"]);
    h.shutdown().await;
}

#[tokio::test]
async fn atol_timestamp_hour_24_is_accepted() {
    // Table 2: «HH – Часы. … Возможные значения от «00» до «24»».
    let h = start(fast()).await;
    let t = token4(&h).await;
    let mut d = sell_v4("conf-24");
    d["timestamp"] = json!("23.11.2026 24:00:00");
    let (s, r) = post(&h.base_url_v4(), G4, "sell", &t, &d).await;
    assert_eq!(s, 200, "{r}");
    d["external_id"] = json!("conf-25");
    d["timestamp"] = json!("23.11.2026 25:00:00");
    let (s, r) = post(&h.base_url_v4(), G4, "sell", &t, &d).await;
    assert_eq!(s, 400, "{r}");
    assert_eq!(
        r["error"]["text"],
        "Ошибка валидации входного чека. Ошибочные поля : PatternMismatch: #/timestamp"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn atol_receipt_vats_are_taken_as_given() {
    // Table 2, `items.vat`: with both item and receipt VAT sums «сервис учтет только сумму
    // налога на чек»: the receipt's `vats` are not recomputed (20/120 of 201.00 is 33.50).
    let mut d = sell_v4("conf-vats");
    d["receipt"]["vats"] = json!([{"type": "vat20", "sum": 30.00}]);
    let h = start(fast()).await;
    let t = token4(&h).await;
    let (s, r) = post(&h.base_url_v4(), G4, "sell", &t, &d).await;
    assert_eq!(s, 200, "{r}");
    let rep = settle(&h.base_url_v4(), G4, r["uuid"].as_str().expect("uuid"), &t).await;
    assert_eq!(rep["status"], "done", "{rep}");
    h.shutdown().await;
    // The stricter check stays available.
    let mut cfg = fast();
    cfg.check_vat_totals = true;
    let h = start(cfg).await;
    let t = token4(&h).await;
    let (s, r) = post(&h.base_url_v4(), G4, "sell", &t, &d).await;
    assert_eq!(s, 200, "{r}");
    let rep = settle(&h.base_url_v4(), G4, r["uuid"].as_str().expect("uuid"), &t).await;
    assert_eq!(
        (rep["status"].clone(), error_code(&rep)),
        (json!("fail"), 128),
        "{rep}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn atol_undocumented_register_rules_only_under_strict() {
    // A marked v5 item with payment_object 1 (not 31/33), and a client ИНН whose check digit
    // is wrong (the schema asks for `^[0-9]{10}$|^[0-9]{12}$` only).
    let mut v5 = sell_v5("conf-mark");
    v5["receipt"]["items"][0]["payment_object"] = json!(1);
    let mut v4 = sell_v4("conf-inn");
    v4["receipt"]["client"]["inn"] = json!("1234567890");
    for strict in [false, true] {
        let h = start(fast().with_strict(strict)).await;
        let t5 = token5(&h).await;
        let (s, r) = post(&h.base_url_v5(), G5, "sell", &t5, &v5).await;
        assert_eq!(s, 200, "{r}");
        let rep = settle(&h.base_url_v5(), G5, r["uuid"].as_str().expect("uuid"), &t5).await;
        let t4 = token4(&h).await;
        let (s, r) = post(&h.base_url_v4(), G4, "sell", &t4, &v4).await;
        assert_eq!(s, 200, "{r}");
        let rep4 = settle(&h.base_url_v4(), G4, r["uuid"].as_str().expect("uuid"), &t4).await;
        if strict {
            assert_eq!(
                (rep["status"].clone(), error_code(&rep)),
                (json!("fail"), 217),
                "{rep}"
            );
            assert_eq!(rep4["status"], "fail", "{rep4}");
        } else {
            assert_eq!(rep["status"], "done", "{rep}");
            assert_eq!(rep4["status"], "done", "{rep4}");
        }
        h.shutdown().await;
    }
}

#[tokio::test]
async fn atol_schema_limits_of_table_2() {
    let h = start(fast()).await;
    let t = token4(&h).await;
    let text_of = |r: &Value| r["error"]["text"].as_str().unwrap_or_default().to_owned();
    // `client`: email or phone.
    let mut d = sell_v4("lim-1");
    d["receipt"]["client"] = json!({"name": "Покупатель"});
    let (s, r) = post(&h.base_url_v4(), G4, "sell", &t, &d).await;
    assert_eq!((s, error_code(&r)), (400, 32), "{r}");
    assert!(
        text_of(&r).contains("PropertyRequired: #/receipt/client/email"),
        "{r}"
    );
    // `items` 1–100, `payments` 1–10.
    let mut d = sell_v4("lim-2");
    let item = d["receipt"]["items"][0].clone();
    d["receipt"]["items"] = Value::Array(vec![item; 101]);
    let pay = d["receipt"]["payments"][0].clone();
    d["receipt"]["payments"] = Value::Array(vec![pay; 11]);
    let (s, r) = post(&h.base_url_v4(), G4, "sell", &t, &d).await;
    assert_eq!((s, error_code(&r)), (400, 32), "{r}");
    assert!(text_of(&r).contains("TooManyItems: #/receipt/items"), "{r}");
    assert!(
        text_of(&r).contains("TooManyItems: #/receipt/payments"),
        "{r}"
    );
    // `quantity` ≤ 3 decimals in v4; `price` ≤ 42 949 672.95.
    let mut d = sell_v4("lim-3");
    d["receipt"]["items"][0]["quantity"] = json!(0.0001);
    d["receipt"]["items"][0]["price"] = json!(42949673);
    let (s, r) = post(&h.base_url_v4(), G4, "sell", &t, &d).await;
    assert_eq!((s, error_code(&r)), (400, 32), "{r}");
    assert!(
        text_of(&r).contains("NumberNotMultipleOf: #/receipt/items/0/quantity"),
        "{r}"
    );
    assert!(
        text_of(&r).contains("NumberTooBig: #/receipt/items/0/price"),
        "{r}"
    );
    assert!(h.journal().is_empty());
    h.shutdown().await;
}
