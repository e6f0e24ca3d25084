//! Conformance of the Business.ru Open API emulator with what the vendor's official SDK sends
//! and expects (<https://github.com/business-ru/open-api-sdk-php>; the API reference itself is
//! not public): every test here is a row of the Business.ru table of docs/emulators.md. Bodies
//! come from `tests/fixtures/business_ru/` (see its README).

use fiskal_emulator::business_ru::{
    BusinessRuConfig, BusinessRuEmulator, BusinessRuHandle, TEST_APP_ID_V1, TEST_SECRET,
};
use md5::{Digest, Md5};
use serde_json::Value;
use std::time::{Duration, Instant};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/business_ru/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `md5(text . secret)`, as `OpenClient::getSign`.
fn sign(text: &str) -> String {
    let mut h = Md5::new();
    h.update(text.as_bytes());
    h.update(TEST_SECRET.as_bytes());
    hex::encode(h.finalize())
}

async fn start(strict: bool) -> BusinessRuHandle {
    let cfg = BusinessRuConfig::default()
        .with_processing_delay(Duration::from_millis(50))
        .with_strict(strict);
    BusinessRuEmulator::start(cfg).await.expect("emulator")
}

fn http() -> reqwest::Client {
    // reqwest is built without a TLS provider; plain http needs none, but the builder insists.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .expect("client")
}

/// A GET as `OpenClient::get`: the parameters (sorted) in the query, the sign over their JSON.
async fn get(br: &BusinessRuHandle, tail: &str, params: &[(&str, &str)]) -> (u16, Value) {
    let json: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("\"{k}\":\"{v}\""))
        .collect();
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let r = http()
        .get(format!("{}{tail}?{}", br.base_url_v1(), query.join("&")))
        .header("sign", sign(&format!("{{{}}}", json.join(","))))
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn token(br: &BusinessRuHandle) -> String {
    let (s, v) = get(
        br,
        "Token",
        &[("app_id", TEST_APP_ID_V1), ("nonce", "nonce_17000000001")],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["token"].as_str().expect("token").to_owned()
}

/// A command POST as `OpenClient::printCheck` & co.: the envelope `app_id, command, nonce,
/// token, type` encoded compactly, signed over the same (already sorted) text.
async fn command(br: &BusinessRuHandle, token: &str, ty: &str, cmd: &str) -> (u16, Value) {
    let body = format!(
        r#"{{"app_id":"{TEST_APP_ID_V1}","command":{cmd},"nonce":"nonce_17000000002","token":"{token}","type":"{ty}"}}"#
    );
    let r = http()
        .post(format!("{}Command", br.base_url_v1()))
        .header("sign", sign(&body))
        .body(body)
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Polls `Command/{id}` the way the SDK README says: until `fn_number`,
/// `fiscal_document_number` and `receipt_datetime` are all non-empty (3 s at most here).
async fn settle(br: &BusinessRuHandle, token: &str, id: &str) -> Value {
    let start = Instant::now();
    loop {
        let (s, v) = get(
            br,
            &format!("Command/{id}"),
            &[
                ("app_id", TEST_APP_ID_V1),
                ("nonce", "nonce_17000000003"),
                ("token", token),
            ],
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let filled = |k: &str| !v[k].is_null() && v[k] != "";
        if ["fn_number", "fiscal_document_number", "receipt_datetime"]
            .iter()
            .all(|k| filled(k))
        {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(3), "not done: {v}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn command_id(v: &Value) -> String {
    v["command_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no command_id: {v}"))
        .to_string()
}

#[tokio::test]
async fn br_sdk_readme_print_check_and_return_are_fiscalised() {
    let br = start(false).await;
    let t = token(&br).await;
    let cmd = fixture("sdk_readme_print_check_command.json");
    for ty in ["printCheck", "printPurchaseReturn"] {
        let (s, v) = command(&br, &t, ty, &cmd).await;
        assert_eq!(s, 200, "{ty}: {v}");
        let rec = settle(&br, &t, &command_id(&v)).await;
        assert_eq!(rec["c_num"], "1111222333", "{rec}");
    }
    assert_eq!(br.journal().fiscalised_count("1111222333"), 2);
    br.shutdown().await;
}

#[tokio::test]
async fn br_sdk_shift_commands_are_accepted() {
    let br = start(false).await;
    let t = token(&br).await;
    for ty in ["openShift", "closeShift"] {
        let (s, v) = command(&br, &t, ty, &fixture("sdk_shift_command.json")).await;
        assert_eq!(s, 200, "{ty}: {v}");
        command_id(&v);
    }
    br.shutdown().await;
}

#[tokio::test]
async fn br_contact_form_is_checked_only_under_strict() {
    let cmd = fixture("sdk_readme_print_check_command.json")
        .replace("\"test@test.ru\"", "\"8 (999) 123-45-67\"");
    let lax = start(false).await;
    let t = token(&lax).await;
    let (s, v) = command(&lax, &t, "printCheck", &cmd).await;
    assert_eq!(s, 200, "{v}");
    lax.shutdown().await;
    let strict = start(true).await;
    let t = token(&strict).await;
    let (s, v) = command(&strict, &t, "printCheck", &cmd).await;
    assert_eq!(s, 400, "{v}");
    assert!(
        v["error"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("smsEmail54FZ")),
        "{v}"
    );
    strict.shutdown().await;
}

#[tokio::test]
async fn br_count_takes_six_decimals_three_under_strict() {
    // 0.123456 × 500.00 = 61.728 → 61.73.
    let cmd = fixture("sdk_readme_print_check_command.json")
        .replace("\"count\":2", "\"count\":0.123456")
        .replace("\"sum\":1000", "\"sum\":61.73")
        .replace("\"payed_cashless\":1000", "\"payed_cashless\":61.73");
    let lax = start(false).await;
    let t = token(&lax).await;
    let (s, v) = command(&lax, &t, "printCheck", &cmd).await;
    assert_eq!(s, 200, "{v}");
    let seven = cmd.replace("0.123456", "0.1234561");
    let (s, v) = command(&lax, &t, "printCheck", &seven).await;
    assert_eq!(s, 400, "{v}");
    lax.shutdown().await;
    let strict = start(true).await;
    let t = token(&strict).await;
    let (s, v) = command(&strict, &t, "printCheck", &cmd).await;
    assert_eq!(s, 400, "{v}");
    assert!(
        v["error"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("goods[0].count")),
        "{v}"
    );
    strict.shutdown().await;
}

#[tokio::test]
async fn br_exponent_form_numbers_are_numbers() {
    // PHP's json_encode writes 0.000001 as 1.0e-6 (serialize_precision -1).
    let cmd = fixture("sdk_readme_print_check_command.json")
        .replace("\"count\":2", "\"count\":1.0e-6")
        .replace("\"price\":500", "\"price\":1000000")
        .replace("\"sum\":1000", "\"sum\":1")
        .replace("\"payed_cashless\":1000", "\"payed_cashless\":1");
    let br = start(false).await;
    let t = token(&br).await;
    let (s, v) = command(&br, &t, "printCheck", &cmd).await;
    assert_eq!(s, 200, "{v}");
    br.shutdown().await;
}

#[tokio::test]
async fn br_client_inferred_limits_only_under_strict() {
    // c_num longer than 64 characters, and 101 goods.
    let good = r#"{"count":1,"price":1,"sum":1,"name":"Товар","nds_value":20,"nds_not_apply":false,"payment_mode":4,"item_type":1}"#;
    let goods = vec![good; 101].join(",");
    let long = format!(
        r#"{{"author":"Тестовый кассир","smsEmail54FZ":"test@test.ru","c_num":"{}","payed_cashless":101,"goods":[{goods}]}}"#,
        "7".repeat(65)
    );
    let lax = start(false).await;
    let t = token(&lax).await;
    let (s, v) = command(&lax, &t, "printCheck", &long).await;
    assert_eq!(s, 200, "{v}");
    lax.shutdown().await;
    let strict = start(true).await;
    let t = token(&strict).await;
    let (s, v) = command(&strict, &t, "printCheck", &long).await;
    assert_eq!(s, 400, "{v}");
    strict.shutdown().await;
}
