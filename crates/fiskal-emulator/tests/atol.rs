//! The ATOL emulator over real HTTP on loopback: authentication, every kind of answer, the
//! asynchronous life of a document, duplicates, validation, the size check, HTTPS.

mod common;
mod poll;

use common::*;
use fiskal_emulator::atol::AtolConfig;
use poll::poll_until;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn get_token_post_get_and_errors() {
    let h = start(fast()).await;
    let base = h.base_url_v4();
    let t = token4(&h).await;
    assert!(!t.is_empty());
    // Legacy GET gives the same, still valid token.
    let r: Value = http()
        .get(format!(
            "{base}getToken?login=v4-online-atol-ru&pass=iGFFuihss"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["token"], t.as_str());
    assert_eq!(r["error"], Value::Null);
    assert_eq!(r["timestamp"].as_str().unwrap().len(), 19);

    let r = http()
        .post(format!("{base}getToken"))
        .json(&json!({"login": "v4-online-atol-ru", "pass": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_code(&v), 12);
    assert_eq!(v["error"]["text"], "Неверный логин или пароль");
    assert_eq!(v["error"]["type"], "system");
    assert!(v["error"]["error_id"].is_string());

    let r = http()
        .post(format!("{base}getToken"))
        .json(&json!({"login": "has space", "pass": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_code(&v), 32);
    assert_eq!(v["status"], "fail");
    assert_eq!(
        v["error"]["text"],
        "Ошибка валидации входящего чека. Ошибочные поля : PatternMismatch: #/login"
    );
}

#[tokio::test]
async fn sell_v4_waits_then_is_done_with_fiscal_attributes() {
    let h = start(AtolConfig::default().with_processing_delay(Duration::from_millis(300))).await;
    let base = h.base_url_v4();
    let t = token4(&h).await;
    let (status, r) = post(&base, G4, "sell", &t, &sell_v4("v4-a")).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["status"], "wait");
    assert_eq!(r["error"], Value::Null);
    let uuid = r["uuid"].as_str().unwrap().to_owned();

    let (status, w) = report(&base, G4, &uuid, &t).await;
    assert_eq!(status, 200);
    assert_eq!(w["status"], "wait");
    assert_eq!(error_code(&w), 34);

    let done = settle(&base, G4, &uuid, &t).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["error"], Value::Null);
    assert_eq!(done["external_id"], "v4-a");
    assert_eq!(done["group_code"], G4);
    let p = &done["payload"];
    assert_eq!(p["total"], json!(201));
    assert_eq!(p["fn_number"].as_str().unwrap().len(), 16);
    assert_eq!(p["ecr_registration_number"].as_str().unwrap().len(), 16);
    assert!(p["fiscal_document_attribute"].is_u64());
    assert!(p["fiscal_receipt_number"].is_u64());
    assert!(p["shift_number"].is_u64());
    assert_eq!(p["receipt_datetime"].as_str().unwrap().len(), 19);
    assert_eq!(p["ofd_inn"], "7709364346");
    assert!(p.get("marks_result").is_none());

    // The next document gets the next number on the same register.
    let (_, r2) = post(&base, G4, "buy", &t, &sell_v4("v4-b")).await;
    let done2 = settle(&base, G4, r2["uuid"].as_str().unwrap(), &t).await;
    let n = |d: &Value| d["payload"]["fiscal_document_number"].as_u64().unwrap();
    assert_eq!(n(&done2), n(&done) + 1);
    assert_eq!(done2["payload"]["fn_number"], p["fn_number"]);

    let j = h.journal();
    assert_eq!(j.len(), 2);
    assert_eq!(j.pending(), 0);
    assert_eq!(j.fiscalised_count("v4-a"), 1);
    let e = j.by_uuid(&uuid).unwrap();
    assert_eq!((e.api, e.operation.as_str()), ("atol/v4", "sell"));
    assert_eq!(
        e.fiscal().unwrap().fiscal_document_number,
        u32::try_from(n(&done)).unwrap()
    );
}

#[tokio::test]
async fn sell_v5_with_mark_is_done_with_marks_result() {
    let h = start(fast()).await;
    let base = h.base_url_v5();
    let t = token5(&h).await;
    let (status, r) = post(&base, G5, "sell", &t, &sell_v5("v5-a")).await;
    assert_eq!(status, 200, "{r}");
    let done = settle(&base, G5, r["uuid"].as_str().unwrap(), &t).await;
    assert_eq!(done["status"], "done", "{done} {:?}", h.journal().entries());
    assert_eq!(done["payload"]["total"], json!(5589.7));
    assert_eq!(
        done["payload"]["marks_result"],
        json!([{"position": 0, "mark_code": GS1M, "result": 15}])
    );
}

#[tokio::test]
async fn v5_wants_measure_and_integer_payment_object() {
    let h = start(fast()).await;
    let t = token5(&h).await;
    let mut body = sell_v5("v5-bad");
    let item = &mut body["receipt"]["items"][1];
    item.as_object_mut().unwrap().remove("measure");
    item["payment_object"] = json!("commodity");
    let (status, r) = post(&h.base_url_v5(), G5, "sell", &t, &body).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&r), 32);
    assert_eq!(r["status"], "fail");
    assert!(r.get("uuid").is_none());
    assert_eq!(
        r["error"]["text"],
        "Ошибка валидации входного чека. Ошибочные поля : PropertyRequired: #/receipt/items/1/measure, IntegerExpected: #/receipt/items/1/payment_object"
    );
    assert!(h.journal().is_empty());
}

#[tokio::test]
async fn validation_error_names_the_field() {
    let h = start(fast()).await;
    let t = token4(&h).await;
    let mut body = sell_v4("long-name");
    body["receipt"]["items"][0]["name"] = json!("я".repeat(129));
    body["receipt"]["payments"][0]["type"] = json!(10);
    let (status, r) = post(&h.base_url_v4(), G4, "sell", &t, &body).await;
    assert_eq!(status, 400);
    let text = r["error"]["text"].as_str().unwrap();
    assert!(
        text.contains("StringTooLong: #/receipt/items/0/name"),
        "{text}"
    );
    assert!(
        text.contains("NotInEnumeration: #/receipt/payments/0/type"),
        "{text}"
    );
    // Refused documents are not registered: the same external_id is free afterwards.
    let (status, _) = post(&h.base_url_v4(), G4, "sell", &t, &sell_v4("long-name")).await;
    assert_eq!(status, 200);

    // vat18 in sell has its own text.
    let mut body = sell_v4("vat18");
    body["receipt"]["items"][0]["vat"] = json!({"type": "vat18"});
    body["receipt"].as_object_mut().unwrap().remove("vats");
    let (_, r) = post(&h.base_url_v4(), G4, "sell", &t, &body).await;
    assert_eq!(error_code(&r), 32);
    assert!(r["error"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Передана некорректная ставка налога"));
}

#[tokio::test]
async fn duplicate_external_id_returns_the_original_uuid() {
    let h = start(fast()).await;
    let base = h.base_url_v4();
    let t = token4(&h).await;
    let (_, first) = post(&base, G4, "sell", &t, &sell_v4("dup")).await;
    let (status, again) = post(&base, G4, "sell", &t, &sell_v4("dup")).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&again), 33);
    assert_eq!(again["status"], "wait");
    assert_eq!(again["uuid"], first["uuid"]);
    assert_eq!(
        again["error"]["text"],
        format!("В системе существует чек с external_id : dup и group_code: {G4}")
    );
    settle(&base, G4, first["uuid"].as_str().unwrap(), &t).await;
    assert_eq!(h.journal().count("dup"), 1);
    assert_eq!(h.journal().fiscalised_count("dup"), 1);
}

#[tokio::test]
async fn token_expiry_and_auth_errors() {
    // Long enough that the fresh token below outlives a slow request on a loaded machine.
    let h = start(fast().with_token_lifetime(Duration::from_millis(1500))).await;
    let base = h.base_url_v4();
    let t = token4(&h).await;
    let (status, r) = post(&base, G4, "sell", "", &sell_v4("t0")).await;
    assert_eq!((status, error_code(&r)), (401, 10));
    // Until the token has expired (a report of an unknown uuid answers 34 while it lives).
    poll_until("the token to expire", Duration::from_secs(5), || async {
        let (_, r) = report(&base, G4, "00000000-0000-4000-8000-000000000000", &t).await;
        (error_code(&r) == 11).then_some(())
    })
    .await;
    let (status, r) = post(&base, G4, "sell", &t, &sell_v4("t1")).await;
    assert_eq!((status, error_code(&r)), (401, 11));
    assert_eq!(r["error"]["text"], "Переданный токен не активен");
    let fresh = token4(&h).await;
    assert_ne!(fresh, t);
    let (status, _) = post(&base, G4, "sell", &fresh, &sell_v4("t1")).await;
    assert_eq!(status, 200);
    h.expire_tokens();
    let (_, r) = report(&base, G4, "00000000-0000-4000-8000-000000000000", &fresh).await;
    assert_eq!(error_code(&r), 11);

    // Wrong group for the token; a v5 group through v4; an unknown operation.
    let t4 = token4(&h).await;
    let t5 = token5(&h).await;
    let (status, r) = post(&base, G5, "sell", &t4, &sell_v4("g")).await;
    assert_eq!((status, error_code(&r)), (401, 20));
    let (status, r) = post(&base, G5, "sell", &t5, &sell_v4("g")).await;
    assert_eq!((status, error_code(&r)), (401, 21));
    let (status, r) = post(&base, G4, "sell_refund_correction", &t4, &sell_v4("g")).await;
    assert_eq!((status, error_code(&r)), (400, 31));
    assert_eq!(
        r["error"]["text"],
        "Операция \"sell_refund_correction\" не поддерживается"
    );
}

#[tokio::test]
async fn malformed_requests_get_documented_errors() {
    let h = start(fast()).await;
    let base = h.base_url_v4();
    let t = token4(&h).await;
    let send = |ct: &'static str, body: &'static str| {
        http()
            .post(format!("{base}{G4}/sell"))
            .header("Token", t.clone())
            .header("Content-Type", ct)
            .body(body)
            .send()
    };
    let r = send("application/json; charset=utf-8", "{not json")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(error_code(&r.json().await.unwrap()), 40);
    let r = send("text/plain", "{}").await.unwrap();
    assert_eq!(r.status().as_u16(), 415);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["text"], "Некорректный Content-Type: text/plain");
    let r = send("application/json", "[1, 2]").await.unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = send("application/json", "{}").await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(error_code(&v), 32);
    assert!(v["error"]["text"]
        .as_str()
        .unwrap()
        .contains("PropertyRequired: #/external_id"));

    let (status, r) = report(&base, G4, "not-a-uuid", &t).await;
    assert_eq!((status, error_code(&r)), (400, 30));
    assert_eq!(r["status"], "fail");
    let (status, r) = report(&base, G4, "00000000-0000-4000-8000-000000000000", &t).await;
    assert_eq!(
        (status, error_code(&r), r["status"].as_str()),
        (200, 34, Some("wait"))
    );
}

#[tokio::test]
async fn register_refusals_end_fail_in_the_report() {
    let h = start(fast()).await;
    let base = h.base_url_v4();
    let t = token4(&h).await;

    let mut body = sell_v4("inn");
    body["receipt"]["company"]["inn"] = json!("7701000001");
    let (_, r) = post(&base, G4, "sell", &t, &body).await;
    let fail = settle(&base, G4, r["uuid"].as_str().unwrap(), &t).await;
    assert_eq!(fail["status"], "fail");
    assert_eq!(fail["payload"], Value::Null);
    assert_eq!(error_code(&fail), 2009);
    assert_eq!(fail["error"]["type"], "agent");
    assert_eq!(
        fail["error"]["text"],
        "ИНН, указанный в чеке 7701000001, не соответствует ИНН группы касс 5544332219. Попыток регистрировать чек не производилось."
    );

    let mut body = sell_v4("sum");
    body["receipt"]["items"][0]["sum"] = json!(250);
    body["receipt"]["payments"][0]["sum"] = json!(250);
    body["receipt"]["total"] = json!(250);
    body["receipt"]["items"][0]["vat"] = json!({"type": "vat20"});
    body["receipt"].as_object_mut().unwrap().remove("vats");
    let (_, r) = post(&base, G4, "sell", &t, &body).await;
    let fail = settle(&base, G4, r["uuid"].as_str().unwrap(), &t).await;
    assert_eq!(
        (error_code(&fail), fail["error"]["type"].as_str()),
        (16, Some("driver"))
    );
    let e = h.journal().by_external_id(G4, "sum").unwrap();
    assert_eq!(e.problems, vec!["items[0].sum: sum_mismatch".to_owned()]);
    assert_eq!(h.journal().fiscalised_count("sum"), 0);

    // Refused documents keep their external_id: a retry needs a new one.
    let (_, r) = post(&base, G4, "sell", &t, &body).await;
    assert_eq!(error_code(&r), 33);
}

/// 100 items at the schema's limits: valid JSON for ATOL, too large for the fiscal drive.
fn oversize_v4() -> Value {
    let mut body = sell_v4("big");
    let item = json!({
        "name": "Д".repeat(128),
        "price": 1,
        "quantity": 1,
        "sum": 1,
        "payment_method": "full_payment",
        "payment_object": "commodity",
        "vat": {"type": "none"},
        "user_data": "у".repeat(64),
        "declaration_number": "1".repeat(32),
        "country_code": "643",
        "agent_info": {
            "type": "commission_agent",
            "money_transfer_operator": {"name": "О".repeat(64), "address": "А".repeat(256), "inn": "5544332219"}
        },
        "supplier_info": {"name": "П".repeat(120), "inn": "5544332219", "phones": ["+79990000001"]}
    });
    body["receipt"]["items"] = Value::Array(vec![item; 100]);
    body["receipt"]["payments"] = json!([{"type": 1, "sum": 100}]);
    body["receipt"]["total"] = json!(100);
    body["receipt"]
        .as_object_mut()
        .expect("object")
        .remove("vats");
    body
}

#[tokio::test]
async fn oversize_receipt_fails_with_kkt_134() {
    let h = start(fast()).await;
    let base = h.base_url_v4();
    let t = token4(&h).await;
    let (status, r) = post(&base, G4, "sell", &t, &oversize_v4()).await;
    assert_eq!(status, 200, "{r}");
    let fail = settle(&base, G4, r["uuid"].as_str().unwrap(), &t).await;
    assert_eq!(fail["status"], "fail", "{fail}");
    assert_eq!(error_code(&fail), 134);
    assert_eq!(fail["error"]["text"], "Превышение размеров TLV данных ФН");
    assert_eq!(fail["error"]["type"], "driver");
    let e = h.journal().by_external_id(G4, "big").unwrap();
    assert!(
        e.problems[0].starts_with("document size bound"),
        "{:?}",
        e.problems
    );

    // The limit is configurable: the ordinary receipt is "too large" for a 100-byte register.
    let small = start(fast().with_max_document_size(100)).await;
    let t = token4(&small).await;
    let (_, r) = post(&small.base_url_v4(), G4, "sell", &t, &sell_v4("s")).await;
    let fail = settle(&small.base_url_v4(), G4, r["uuid"].as_str().unwrap(), &t).await;
    assert_eq!(error_code(&fail), 134);
}

#[tokio::test]
async fn corrections_v4_and_v5() {
    let h = start(fast()).await;
    let t4 = token4(&h).await;
    let body = json!({
        "external_id": "corr4",
        "timestamp": "23.11.2026 12:00:00",
        "correction": {
            "company": {"sno": "osn", "inn": "5544332219", "payment_address": "https://v4.online.atol.ru"},
            "correction_info": {"type": "self", "base_date": "20.11.2026", "base_number": "1"},
            "payments": [{"type": 0, "sum": 120}],
            "vats": [{"type": "vat20", "sum": 20}]
        }
    });
    let (status, r) = post(&h.base_url_v4(), G4, "sell_correction", &t4, &body).await;
    assert_eq!(status, 200, "{r}");
    let done = settle(&h.base_url_v4(), G4, r["uuid"].as_str().unwrap(), &t4).await;
    assert_eq!(done["status"], "done", "{done} {:?}", h.journal().entries());
    assert_eq!(done["payload"]["total"], json!(120));

    let t5 = token5(&h).await;
    let mut receipt = sell_v5("x")["receipt"].clone();
    receipt["correction_info"] =
        json!({"type": "instruction", "base_date": "20.11.2026", "base_number": "77"});
    let body =
        json!({"external_id": "corr5", "timestamp": "23.11.2026 12:00:00", "correction": receipt});
    let (status, r) = post(&h.base_url_v5(), G5, "sell_refund_correction", &t5, &body).await;
    assert_eq!(status, 200, "{r}");
    let done = settle(&h.base_url_v5(), G5, r["uuid"].as_str().unwrap(), &t5).await;
    assert_eq!(done["status"], "done", "{done} {:?}", h.journal().entries());
}

#[tokio::test]
async fn https_with_the_generated_ca() {
    let h = start(fast().with_tls(true)).await;
    let base = h.base_url_v4();
    assert!(base.starts_with("https://127.0.0.1:"));
    let ca = h.ca_pem().expect("a CA with tls").to_owned();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut ca.as_bytes()) {
        roots.add(cert.expect("PEM")).expect("CA");
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    let r: Value = client
        .post(format!("{base}getToken"))
        .json(&json!({"login": "v4-online-atol-ru", "pass": "iGFFuihss"}))
        .send()
        .await
        .expect("https answer")
        .json()
        .await
        .expect("json");
    let t = r["token"].as_str().expect("token");
    let r = client
        .post(format!("{base}{G4}/sell"))
        .header("Token", t)
        .json(&sell_v4("tls"))
        .send()
        .await
        .expect("https answer");
    assert_eq!(r.status().as_u16(), 200);
    // A client that does not trust the CA is refused.
    assert!(http().get(format!("{base}getToken")).send().await.is_err());
}

/// `Fault::MarkCheckResult` (issue 24): the v5 document is fiscalised and its report carries the
/// injected 2106 value in `marks_result`, with `fns_site` and `ofd_receipt_url` as documented;
/// v4 reports no mark results.
#[tokio::test]
async fn negative_mark_check_fault_is_reported_in_marks_result() {
    use fiskal_emulator::{Endpoint, Fault};
    let h = start(fast()).await;
    let base = h.base_url_v5();
    let t = token5(&h).await;
    h.push_fault(Endpoint::Register, Fault::negative_mark_check());
    let (status, r) = post(&base, G5, "sell", &t, &sell_v5("v5-neg")).await;
    assert_eq!(status, 200, "{r}");
    let done = settle(&base, G5, r["uuid"].as_str().unwrap(), &t).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(
        done["payload"]["marks_result"],
        json!([{"position": 0, "mark_code": GS1M, "result": 5}])
    );
    assert!(done["payload"]["fns_site"].is_string(), "{done}");
    assert!(done["payload"]["ofd_receipt_url"].is_string(), "{done}");
    // The next document is checked positive again.
    let (_, r) = post(&base, G5, "sell", &t, &sell_v5("v5-pos")).await;
    let done = settle(&base, G5, r["uuid"].as_str().unwrap(), &t).await;
    assert_eq!(done["payload"]["marks_result"][0]["result"], 15);
}

/// v5 `company.email` (issue 24): accepted missing by default (no public v5 document says the
/// service requires it), refused by `strict` naming the field, for receipts and corrections.
#[tokio::test]
async fn v5_company_email_is_required_only_under_strict() {
    let without_email = |id: &str| {
        let mut b = sell_v5(id);
        b["receipt"]["company"]
            .as_object_mut()
            .unwrap()
            .remove("email");
        b
    };
    let h = start(fast()).await;
    let t = token5(&h).await;
    let (status, r) = post(&h.base_url_v5(), G5, "sell", &t, &without_email("e-1")).await;
    assert_eq!(status, 200, "{r}");
    h.shutdown().await;

    let h = start(fast().with_strict(true)).await;
    let t = token5(&h).await;
    let (status, r) = post(&h.base_url_v5(), G5, "sell", &t, &without_email("e-2")).await;
    assert_eq!(status, 400, "{r}");
    assert_eq!(error_code(&r), 32);
    assert!(
        r["error"]["text"]
            .as_str()
            .unwrap()
            .ends_with("PropertyRequired: #/receipt/company/email"),
        "{r}"
    );
    // With it: accepted.
    let (status, r) = post(&h.base_url_v5(), G5, "sell", &t, &sell_v5("e-3")).await;
    assert_eq!(status, 200, "{r}");
    // A v5 correction is a whole receipt body: the same rule.
    let mut receipt = without_email("e-4")["receipt"].clone();
    receipt["correction_info"] = json!({"type": "self", "base_date": "20.11.2026"});
    let body =
        json!({"external_id": "e-4", "timestamp": "23.11.2026 12:00:00", "correction": receipt});
    let (status, r) = post(&h.base_url_v5(), G5, "sell_correction", &t, &body).await;
    assert_eq!(status, 400, "{r}");
    assert!(r["error"]["text"]
        .as_str()
        .unwrap()
        .ends_with("PropertyRequired: #/correction/company/email"));
    h.shutdown().await;
}
