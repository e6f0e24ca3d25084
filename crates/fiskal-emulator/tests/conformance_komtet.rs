//! Conformance of the KOMTET Kassa emulator with the vendor's API page
//! (<https://kassa.komtet.ru/integration/api>) and its official SDKs
//! (<https://github.com/Komtet/komtet-kassa-php-sdk>,
//! <https://github.com/Komtet/komtet-kassa-python-sdk>): every test here is a row of the KOMTET
//! table of docs/emulators.md. Bodies come from `tests/fixtures/komtet/` (see its README); the
//! requests are signed here, independently of fiskal's adapter.

use fiskal_emulator::komtet::{
    KomtetConfig, KomtetEmulator, KomtetHandle, TEST_QUEUE_ID, TEST_SECRET, TEST_SHOP_ID,
};
use fiskal_emulator::{Endpoint, Fault};
use md5::{Digest, Md5};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/komtet/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// hex HMAC-MD5 (RFC 2104), as the SDKs' `hash_hmac('md5', …)` / `hmac.new(…, md5)`.
fn hmac_md5(key: &str, msg: &str) -> String {
    let mut k = [0u8; 64];
    k[..key.len()].copy_from_slice(key.as_bytes());
    let inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).chain(msg.bytes()).collect();
    let inner = Md5::digest(&inner);
    let outer: Vec<u8> = k
        .iter()
        .map(|b| b ^ 0x5c)
        .chain(inner.iter().copied())
        .collect();
    hex::encode(Md5::digest(&outer))
}

async fn start() -> KomtetHandle {
    KomtetEmulator::start(KomtetConfig::default().with_processing_delay(Duration::from_millis(50)))
        .await
        .expect("emulator")
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .expect("client")
}

/// A request as the SDKs send it: `Authorization: <shop>`, `X-HMAC-Signature` over method +
/// URL + body (signed with `secret`, over `signed_url` when given).
async fn call(
    k: &KomtetHandle,
    method: &str,
    tail: &str,
    body: Option<&str>,
    secret: &str,
    signed_url: Option<&str>,
) -> (u16, Value) {
    let url = format!("{}/api/shop/v2/{tail}", k.base_url());
    let sig = hmac_md5(
        secret,
        &format!(
            "{method}{}{}",
            signed_url.unwrap_or(&url),
            body.unwrap_or("")
        ),
    );
    let req = match body {
        Some(b) => http()
            .post(&url)
            .header("Content-Type", "application/json")
            .body(b.to_owned()),
        None => http().get(&url),
    };
    let r = req
        .header("Accept", "application/json")
        .header("Authorization", TEST_SHOP_ID)
        .header("X-HMAC-Signature", sig)
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post_task(k: &KomtetHandle, body: &str) -> (u16, Value) {
    call(
        k,
        "POST",
        &format!("queues/{TEST_QUEUE_ID}/task"),
        Some(body),
        TEST_SECRET,
        None,
    )
    .await
}

async fn settle(k: &KomtetHandle, id: &Value) -> Value {
    let start = Instant::now();
    loop {
        let (s, v) = call(k, "GET", &format!("tasks/{id}"), None, TEST_SECRET, None).await;
        assert_eq!(s, 200, "{v}");
        if v["state"] != "new" {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(3), "not done: {v}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn kt_php_sdk_check_is_queued_then_done_with_fiscal_data() {
    let k = start().await;
    let (s, v) = post_task(&k, &fixture("php_client_test_check.json")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["external_id"], "id1");
    assert_eq!(v["state"], "new");
    assert!(
        v["id"].is_u64() && v["print_queue_id"] == json!(5179),
        "{v}"
    );
    let done = settle(&k, &v["id"]).await;
    assert_eq!(done["state"], "done", "{done}");
    assert!(done["error_description"].is_null());
    let f = &done["fiscal_data"];
    for key in ["i", "fn", "t", "fp", "s"] {
        assert!(f[key].is_string(), "{key}: {f}");
    }
    assert_eq!(f["n"], 1);
    assert_eq!(f["s"], "110.98");
    assert_eq!(f["fn"].as_str().map(str::len), Some(16));
    let t = f["t"].as_str().expect("t");
    assert!(t.len() == 13 && t.as_bytes()[8] == b'T', "{t}");
    assert_eq!(k.journal().fiscalised_count("id1"), 1);
}

#[tokio::test]
async fn kt_python_sdk_correction_is_accepted_with_a_numeric_external_id() {
    let k = start().await;
    let (s, v) = post_task(&k, &fixture("python_correction_check.json")).await;
    assert_eq!(s, 200, "{v}");
    let done = settle(&k, &v["id"]).await;
    assert_eq!(done["external_id"], "2");
    assert_eq!(done["fiscal_data"]["s"], "50.00");
    let e = k.journal().entries().pop().expect("journaled");
    assert_eq!(e.operation, "sellCorrection");
}

#[tokio::test]
async fn kt_signature_covers_method_url_and_body() {
    let k = start().await;
    let body = fixture("php_client_test_check.json");
    let tail = format!("queues/{TEST_QUEUE_ID}/task");
    let (s, v) = call(&k, "POST", &tail, Some(&body), "wrong-secret", None).await;
    assert_eq!((s, v["code"].as_str()), (403, Some("AUTH02")), "{v}");
    // Signed for another URL (the production host): refused.
    let prod = format!("https://kassa.komtet.ru/api/shop/v2/{tail}");
    let (s, _) = call(&k, "POST", &tail, Some(&body), TEST_SECRET, Some(&prod)).await;
    assert_eq!(s, 403);
    // Unknown shop.
    let r = http()
        .get(format!(
            "{}/api/shop/v2/queues/{TEST_QUEUE_ID}",
            k.base_url()
        ))
        .header("Authorization", "no-such-shop")
        .header("X-HMAC-Signature", "00")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 401);
    assert!(k.journal().is_empty());
}

#[tokio::test]
async fn kt_the_same_external_id_is_vld11() {
    let k = start().await;
    let body = fixture("php_client_test_check.json");
    assert_eq!(post_task(&k, &body).await.0, 200);
    let (s, v) = post_task(&k, &body).await;
    assert_eq!((s, v["code"].as_str()), (422, Some("VLD11")), "{v}");
    assert!(
        v["title"].as_str().is_some_and(|t| t.contains("id1")),
        "{v}"
    );
    assert!(v["description"].is_string());
    assert_eq!(k.journal().count("id1"), 1);
}

#[tokio::test]
async fn kt_payments_must_equal_the_positions() {
    let k = start().await;
    let body = fixture("php_client_test_check.json").replace(
        r#"{"type":"card","sum":110.98}"#,
        r#"{"type":"card","sum":110.97}"#,
    );
    let (s, v) = post_task(&k, &body).await;
    assert_eq!((s, v["code"].as_str()), (422, Some("VLD01")), "{v}");
    assert!(k.journal().is_empty());
}

#[tokio::test]
async fn kt_fields_and_values_of_the_sdk_models() {
    let k = start().await;
    let base: Value = serde_json::from_str(&fixture("php_client_test_check.json")).expect("json");
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change)> = vec![
        ("company.sno", Box::new(|v| v["company"]["sno"] = json!(3))),
        (
            "company.payment_address",
            Box::new(|v| {
                v["company"]
                    .as_object_mut()
                    .expect("o")
                    .remove("payment_address");
            }),
        ),
        (
            "positions[0].vat",
            Box::new(|v| v["positions"][0]["vat"] = json!("18")),
        ),
        (
            "positions[0].measure",
            Box::new(|v| v["positions"][0]["measure"] = json!(1)),
        ),
        (
            "positions[0].payment_method",
            Box::new(|v| v["positions"][0]["payment_method"] = json!("full_prepayment")),
        ),
        (
            "positions[0].price",
            Box::new(|v| v["positions"][0]["price"] = json!(110.985)),
        ),
        (
            "positions[0].mark_code",
            Box::new(|v| {
                v["positions"][0]["mark_code"] = json!({"gs1m": "x", "ean13": "4600000000000"})
            }),
        ),
        (
            "positions[0].planned_status",
            Box::new(|v| v["positions"][0]["planned_status"] = json!(7)),
        ),
        (
            "payments[0].type",
            Box::new(|v| v["payments"][0]["type"] = json!("electronic")),
        ),
        ("intent", Box::new(|v| v["intent"] = json!("refund"))),
        (
            "correction_info",
            Box::new(|v| v["intent"] = json!("sellCorrection")),
        ),
        ("external_id", Box::new(|v| v["external_id"] = json!(""))),
    ];
    for (what, change) in cases {
        let mut v = base.clone();
        change(&mut v);
        let (s, answer) = post_task(&k, &v.to_string()).await;
        assert_eq!(s, 422, "{what}: {answer}");
        assert_eq!(answer["code"], "VLD01", "{what}");
        assert!(
            answer["title"].as_str().is_some_and(|t| t.contains(what)),
            "{what}: {answer}"
        );
    }
    // Accepted: every kind of mark_code of the SDK, a fraction, agent data.
    let mut v = base.clone();
    v["external_id"] = json!("marked-1");
    v["positions"][0]["mark_code"] = json!({"gs1m": "0104601234567893215Abc000000001"});
    v["positions"][0]["mark_quantity"] = json!({"numerator": 1, "denominator": 2});
    v["positions"][0]["agent_info"] = json!({"type": "commissionaire"});
    v["positions"][0]["planned_status"] = json!(2);
    let (s, answer) = post_task(&k, &v.to_string()).await;
    assert_eq!(s, 200, "{answer}");
    assert_eq!(k.journal().len(), 1);
}

#[tokio::test]
async fn kt_queues_tasks_and_faults() {
    let k = start().await;
    let (s, v) = call(
        &k,
        "GET",
        &format!("queues/{TEST_QUEUE_ID}"),
        None,
        TEST_SECRET,
        None,
    )
    .await;
    assert_eq!((s, v["state"].as_str()), (200, Some("active")), "{v}");
    assert!(k.set_queue_active(TEST_QUEUE_ID, false));
    let (_, v) = call(
        &k,
        "GET",
        &format!("queues/{TEST_QUEUE_ID}"),
        None,
        TEST_SECRET,
        None,
    )
    .await;
    assert_eq!(v["state"], "passive");
    assert!(k.set_queue_active(TEST_QUEUE_ID, true));
    let (s, _) = call(&k, "GET", "queues/1", None, TEST_SECRET, None).await;
    assert_eq!(s, 404);
    let (s, _) = call(&k, "GET", "tasks/999", None, TEST_SECRET, None).await;
    assert_eq!(s, 404);
    let body = fixture("php_client_test_check.json");
    let (s, _) = call(&k, "POST", "queues/1/task", Some(&body), TEST_SECRET, None).await;
    assert_eq!(s, 404);
    // A register error ends the task in `error` with its description.
    k.push_fault(Endpoint::Register, Fault::kkt_error(134));
    let (s, v) = post_task(&k, &body).await;
    assert_eq!(s, 200);
    let done = settle(&k, &v["id"]).await;
    assert_eq!(done["state"], "error", "{done}");
    assert!(done["error_description"]
        .as_str()
        .is_some_and(|d| d.contains("134")));
    assert!(done["fiscal_data"].is_null());
    assert_eq!(k.journal().fiscalised_count("id1"), 0);
    // 500 carries the JSON error object; nothing is registered.
    k.push_fault(Endpoint::Register, Fault::ServerError(500));
    let body2 = body.replace("\"id1\"", "\"id2\"");
    let (s, v) = post_task(&k, &body2).await;
    assert_eq!((s, v["code"].as_str()), (500, Some("SRV500")));
    assert_eq!(k.journal().count("id2"), 0);
}

/// A fixture task with another `external_id`.
fn task_with_id(id: &str) -> Value {
    let mut v: Value = serde_json::from_str(&fixture("php_client_test_check.json")).expect("json");
    v["external_id"] = json!(id);
    v
}

async fn post_tasks(k: &KomtetHandle, body: &str) -> (u16, Value) {
    call(
        k,
        "POST",
        &format!("queues/{TEST_QUEUE_ID}/multi-tasks"),
        Some(body),
        TEST_SECRET,
        None,
    )
    .await
}

#[tokio::test]
async fn kt_multi_tasks_answers_task_objects_keyed_by_position() {
    // The Python SDK's `create_tasks` (a JSON array of tasks) and its test `TestMultiTasks`
    // (an object whose values are `{"id", "external_id", "print_queue_id", "state"}`).
    let k = start().await;
    let body = json!([
        task_with_id("m-0"),
        task_with_id("m-1"),
        task_with_id("m-2")
    ])
    .to_string();
    let (s, v) = post_tasks(&k, &body).await;
    assert_eq!(s, 200, "{v}");
    let o = v.as_object().expect("an object");
    assert_eq!(o.len(), 3, "{v}");
    for i in 0..3 {
        let t = &o[&i.to_string()];
        assert_eq!(t["external_id"], json!(format!("m-{i}")), "{v}");
        assert_eq!(t["state"], "new", "{v}");
        assert_eq!(t["print_queue_id"], json!(5179), "{v}");
        assert!(t["id"].is_u64(), "{v}");
        assert_eq!(settle(&k, &t["id"]).await["state"], "done");
        assert_eq!(k.journal().fiscalised_count(&format!("m-{i}")), 1);
    }
}

#[tokio::test]
async fn kt_multi_tasks_is_all_or_nothing() {
    // Inferred (the SDK documents the success only): a task the shop holds, a repeat inside
    // the batch, or an invalid task refuses the whole request naming `tasks[i]`, and nothing
    // is registered.
    let k = start().await;
    let (s, _) = post_task(&k, &task_with_id("held").to_string()).await;
    assert_eq!(s, 200);
    let cases = [
        (
            json!([task_with_id("a-0"), task_with_id("held")]),
            "VLD11",
            "tasks[1]",
        ),
        (
            json!([
                task_with_id("a-0"),
                task_with_id("a-1"),
                task_with_id("a-1")
            ]),
            "VLD11",
            "tasks[2]",
        ),
        (
            json!([task_with_id("a-0"), {"external_id": "a-1"}]),
            "VLD01",
            "tasks[1]",
        ),
    ];
    for (body, code, names) in cases {
        let (s, v) = post_tasks(&k, &body.to_string()).await;
        assert_eq!((s, v["code"].as_str()), (422, Some(code)), "{body}: {v}");
        assert!(
            v["description"]
                .as_str()
                .is_some_and(|d| d.starts_with(names)),
            "{v}"
        );
    }
    for (body, _) in [("[]", ""), ("{\"external_id\": \"a-9\"}", "")] {
        let (s, v) = post_tasks(&k, body).await;
        assert_eq!((s, v["code"].as_str()), (400, Some("VLD01")), "{body}: {v}");
    }
    assert_eq!(k.journal().len(), 1, "only the task sent alone");
    assert_eq!(k.journal().count("a-0"), 0);
}

#[tokio::test]
async fn kt_multi_tasks_is_signed_like_every_request() {
    let k = start().await;
    let body = json!([task_with_id("s-0")]).to_string();
    let (s, v) = call(
        &k,
        "POST",
        &format!("queues/{TEST_QUEUE_ID}/multi-tasks"),
        Some(&body),
        "not-the-secret",
        None,
    )
    .await;
    assert_eq!(s, 403, "{v}");
    assert!(k.journal().is_empty());
}
