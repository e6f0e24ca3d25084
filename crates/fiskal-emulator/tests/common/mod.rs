//! Helpers shared by the ATOL emulator tests: start, HTTP client, token, requests, fixtures.
// Each test binary uses a different subset of the helpers, and `pub` here only means "visible
// to the including test file".
#![allow(dead_code, unreachable_pub)]

use fiskal_emulator::atol::{AtolConfig, AtolEmulator, AtolHandle};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub const G4: &str = "v4-online-atol-ru_4179";
pub const G5: &str = "v5-online-atol-ru_5179";
/// The shoes mark of tests/vectors/marks/001 (raw scan with GS, Base64 as ATOL v5 wants it).
pub const GS1M: &str = "MDEwNDY5MDI1NzUyODUyMzIxRyttZ3NIdzxEaUxOXx05MUVFMDUdOTI0QjJvdkozVTE0bXRHaHNEaFdMaE1EQUZSb2U4T0s5Qy8ydmZXVVNGZDd1UkJwT0lERzNVK2l4N1UvNlM4bnZGY2kzdktWUWN4L2U2aHl2Q2ZpS1NaZz09";

pub fn fast() -> AtolConfig {
    AtolConfig::default().with_processing_delay(Duration::from_millis(50))
}

pub async fn start(cfg: AtolConfig) -> AtolHandle {
    AtolEmulator::start(cfg).await.expect("emulator starts")
}

pub fn http() -> reqwest::Client {
    // reqwest is built without a TLS provider; plain http needs none, but the builder insists.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

pub async fn token(base: &str, login: &str, pass: &str) -> String {
    let r: Value = http()
        .post(format!("{base}getToken"))
        .json(&json!({"login": login, "pass": pass}))
        .send()
        .await
        .expect("getToken")
        .json()
        .await
        .expect("json");
    r["token"].as_str().expect("token").to_owned()
}

pub async fn token4(h: &AtolHandle) -> String {
    token(&h.base_url_v4(), "v4-online-atol-ru", "iGFFuihss").await
}

pub async fn token5(h: &AtolHandle) -> String {
    token(&h.base_url_v5(), "v5-online-atol-ru", "zUr0OxfI").await
}

pub async fn post(base: &str, group: &str, op: &str, token: &str, body: &Value) -> (u16, Value) {
    let r = http()
        .post(format!("{base}{group}/{op}"))
        .header("Token", token)
        .json(body)
        .send()
        .await
        .expect("answer");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json body"))
}

pub async fn report(base: &str, group: &str, uuid: &str, token: &str) -> (u16, Value) {
    let r = http()
        .get(format!("{base}{group}/report/{uuid}?token={token}"))
        .send()
        .await
        .expect("answer");
    let status = r.status().as_u16();
    (status, r.json().await.expect("json body"))
}

/// Polls until the document leaves `wait` (3 s at most).
pub async fn settle(base: &str, group: &str, uuid: &str, token: &str) -> Value {
    let start = Instant::now();
    loop {
        let (status, r) = report(base, group, uuid, token).await;
        assert_eq!(status, 200, "{r}");
        if r["status"] != "wait" || start.elapsed() > Duration::from_secs(3) {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn sell_v4(external_id: &str) -> Value {
    json!({
        "external_id": external_id,
        "timestamp": "23.11.2026 12:00:00",
        "receipt": {
            "client": {"email": "buyer@example.ru"},
            "company": {
                "email": "shop@example.ru",
                "sno": "osn",
                "inn": "5544332219",
                "payment_address": "https://v4.online.atol.ru"
            },
            "items": [{
                "name": "Чайник электрический",
                "price": 100.5,
                "quantity": 2,
                "sum": 201.0,
                "measurement_unit": "шт",
                "payment_method": "full_payment",
                "payment_object": "commodity",
                "vat": {"type": "vat20", "sum": 33.5}
            }],
            "payments": [{"type": 1, "sum": 201.0}],
            "vats": [{"type": "vat20", "sum": 33.5}],
            "total": 201.0
        }
    })
}

pub fn sell_v5(external_id: &str) -> Value {
    json!({
        "external_id": external_id,
        "timestamp": "23.11.2026 12:00:00",
        "receipt": {
            "client": {"phone": "+79990000001"},
            "company": {
                "email": "shop@example.ru",
                "sno": "osn",
                "inn": "5544332219",
                "payment_address": "https://v5.online.atol.ru"
            },
            "items": [
                {
                    "name": "Ботинки",
                    "price": 4990,
                    "quantity": 1,
                    "sum": 4990,
                    "measure": 0,
                    "payment_method": "full_payment",
                    "payment_object": 33,
                    "vat": {"type": "vat22"},
                    "mark_code": {"gs1m": GS1M},
                    "mark_processing_mode": "0",
                    "planned_status": 1
                },
                {
                    "name": "Носки",
                    "price": 199.9,
                    "quantity": 3,
                    "sum": 599.7,
                    "measure": 0,
                    "payment_method": "full_payment",
                    "payment_object": 1,
                    "vat": {"type": "vat22"}
                }
            ],
            "payments": [{"type": 1, "sum": 5589.7}],
            "total": 5589.7
        }
    })
}

pub fn error_code(v: &Value) -> i64 {
    v["error"]["code"].as_i64().unwrap_or(-1)
}
